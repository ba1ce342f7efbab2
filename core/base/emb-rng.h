/* emb-rng.h: the seeded pseudo-random numbers of every numeric method.
 *
 * xoshiro256** (Blackman and Vigna 2018), seeded by splitmix64 (Steele,
 * Lea and Flood 2014): a seed gives the same numbers whatever the GLib
 * version or the platform's libc, so k-means, t-SNE and UMAP runs can be
 * repeated.  A stream is seeded from (seed, a, b), so that each epoch and
 * thread of a method can draw its own numbers.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 s[4];
} EmbRng;

/* The next value of splitmix64 from *state (which it advances). */
static inline guint64
emb_splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9e3779b97f4a7c15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xbf58476d1ce4e5b9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94d049bb133111eb);
  return z ^ (z >> 31);
}

void    emb_rng_init        (EmbRng  *rng,
                             guint64  seed);
void    emb_rng_init_stream (EmbRng  *rng,
                             guint64  seed,
                             guint64  a,
                             guint64  b);

static inline guint64
emb_rng_rotl (guint64 x,
              int     r)
{
  return (x << r) | (x >> (64 - r));
}

/* xoshiro256**: output rotl (5 s1, 7) * 9, then the linear state update. */
static inline guint64
emb_rng_next (EmbRng *rng)
{
  guint64 *s = rng->s;
  guint64 out = emb_rng_rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = emb_rng_rotl (s[3], 45);
  return out;
}

/* Uniform in [0, 1): the top 53 bits times 2^-53. */
static inline double
emb_rng_double (EmbRng *rng)
{
  return (emb_rng_next (rng) >> 11) * (1.0 / 9007199254740992.0);
}

/* Uniform in [0, bound) without modulo bias: the high word of a 64 x 64
 * product, rejecting the few low words that would favour small results. */
static inline guint64
emb_rng_below (EmbRng  *rng,
               guint64  bound)
{
  unsigned __int128 m = (unsigned __int128) emb_rng_next (rng) * bound;
  guint64 low = (guint64) m;

  if (G_UNLIKELY (low < bound))
    {
      guint64 threshold = -bound % bound;

      while (low < threshold)
        {
          m = (unsigned __int128) emb_rng_next (rng) * bound;
          low = (guint64) m;
        }
    }
  return (guint64) (m >> 64);
}

/* Standard normal (Box-Muller). */
double  emb_rng_gaussian    (EmbRng  *rng);

G_END_DECLS
