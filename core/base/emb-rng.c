/* emb-rng.c: seeding and the normal draw (see emb-rng.h). */
#include "config.h"

#include <math.h>

#include "base/emb-rng.h"

void
emb_rng_init (EmbRng  *rng,
              guint64  seed)
{
  for (guint i = 0; i < 4; i++)
    rng->s[i] = emb_splitmix64 (&seed);
}

void
emb_rng_init_stream (EmbRng  *rng,
                     guint64  seed,
                     guint64  a,
                     guint64  b)
{
  guint64 st = seed;

  st = emb_splitmix64 (&st) ^ a;
  st = emb_splitmix64 (&st) ^ b;
  emb_rng_init (rng, st);
}

double
emb_rng_gaussian (EmbRng *rng)
{
  double u = 1.0 - emb_rng_double (rng), v = emb_rng_double (rng);

  return sqrt (-2.0 * log (u)) * cos (2.0 * G_PI * v);
}
