/* emb-tsne-fft.c: t-SNE's repulsion by interpolation and FFT
 * (Linderman et al. 2019, "Fast interpolation-based t-SNE").
 *
 * The layout's bounding cube (side L, centred on the bounding box) is cut
 * into B boxes per dimension, each with P = 3 equispaced Lagrange nodes
 * per dimension at (k + 1/2) h / P, h = L / B: a uniform grid of N = B P
 * nodes per dimension.  A kernel sum over the points,
 *   phi (y_i) = sum_j K (y_i, y_j) q_j,
 * is approximated by spreading the charges q_j onto the nodes of y_j's
 * box with the Lagrange weights of y_j, convolving the node charges with
 * K between the nodes (a Toeplitz product, done as a circulant one of
 * size 2N per dimension by FFT) and interpolating the node potentials back
 * at y_i with the same weights.  With y relative to the cube's centre:
 *   rep_i = y_i phi_0 (y_i) - phi_y (y_i)   for K2 = 1 / (1 + d^2)^2 and
 *           charges 1 and y (one per dimension);
 *   Z     = sum_i phi_Z (y_i) - n           for K1 = 1 / (1 + d^2) and
 *           charge 1 (the self terms K1 (0) = 1 removed).
 * B grows with the extent as in FIt-SNE: a box per unit, at least 50, up
 * to 256 in 2-D (see FFT_BOXES_PER_UNIT_2D for the accuracy).  3-D
 * uses a coarser grid, 12 .. 20 boxes, one a unit, so its FFTs of (2N)^3
 * stay affordable; emb_tsne_run hands 3-D layouts wider than 20 to
 * Barnes-Hut (emb-tsne-bh.c), where boxes would be wider than the kernel.
 *
 * Boxes own their nodes, so spreading runs box by box (points sorted
 * into boxes stably), and every sum has a fixed order: the result does
 * not depend on the thread count.  FFTs are FFTW single precision with
 * FFTW_ESTIMATE plans (deterministic), made under a lock; each of the
 * transforms runs on one thread, the transforms side by side.
 */
#include "config.h"

#include <fftw3.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "map/emb-tsne-private.h"

#include "base/emb-alloc.h"
#include "base/emb-error.h"

#define FFT_NODES 3              /* Lagrange nodes per box and dimension */
#define FFT_MIN_BOXES_2D 50
#define FFT_MAX_BOXES_2D 256
/* Boxes per unit of the layout's extent in 2-D, FIt-SNE's 1: the forces
 * are within about 2% of the exact ones (the error falls as h^3: 0.5% at
 * 1.5 boxes a unit, 0.2% at 2), and the maps as trustworthy as with 1.5
 * (GloVe 20,000 rows: trustworthiness@10 0.943 at 1, 0.941 at 1.5) in
 * two thirds of the time. */
#define FFT_BOXES_PER_UNIT_2D 1.0
#define FFT_MIN_BOXES_3D 12
#define FFT_MAX_BOXES_3D 20
#define FFT_MAX_CHARGES 4        /* 1 and y (3-D) */
#define FFT_MAX_TRANSFORMS (2 + FFT_MAX_CHARGES)
#define FFT_ALIGN 64

static GMutex fft_plan_lock;

struct _EmbTsneFft
{
  gsize          n;
  guint          dims;
  guint          n_charges;      /* 1 + dims */
  guint          n_transforms;   /* the two kernels, then the charges */

  /* Per point. */
  guint32       *box;            /* linear box index */
  double        *weight;         /* n x dims x FFT_NODES */
  guint32       *order;          /* points sorted by box */
  double        *phi;            /* n x (n_charges + 1) */

  /* Per grid, for n_boxes. */
  guint          n_boxes;        /* 0: none yet */
  gsize          n_box_total;    /* n_boxes^dims */
  gsize          n_grid;         /* N^dims */
  gsize          n_real;         /* (2N)^dims */
  gsize          n_complex;      /* (2N)^(dims - 1) (N + 1) */
  gsize         *box_start;      /* n_box_total + 1 */
  gsize          stride[3];      /* of each dimension in (2N)^dims */
  gsize          node_offset[27];/* of a box's nodes from its first */
  float         *real[FFT_MAX_TRANSFORMS];
  fftwf_complex *hat[FFT_MAX_TRANSFORMS];
  fftwf_plan     forward, backward;

  /* Of this call. */
  const double  *y;
  double         lo[3], centre[3], h;
};

EmbTsneFft *
_emb_tsne_fft_new (gsize    n,
                   guint    dims,
                   GError **error)
{
  EmbTsneFft *fft = g_new0 (EmbTsneFft, 1);

  g_return_val_if_fail (dims == 2 || dims == 3, NULL);
  fft->n = n;
  fft->dims = dims;
  fft->n_charges = 1 + dims;
  fft->n_transforms = 2 + fft->n_charges;
  fft->box = emb_try_new (guint32, n, "the t-SNE boxes", error);
  fft->order = fft->box ? emb_try_new (guint32, n, "the t-SNE box order", error) : NULL;
  fft->weight = fft->order ? emb_try_new (double, n * dims * FFT_NODES,
                                          "the t-SNE interpolation weights", error) : NULL;
  fft->phi = fft->weight ? emb_try_new (double, n * (fft->n_charges + 1),
                                        "the t-SNE potentials", error) : NULL;
  if (!fft->phi)
    {
      _emb_tsne_fft_free (fft);
      return NULL;
    }
  return fft;
}

static void
fft_free_grid (EmbTsneFft *fft)
{
  g_mutex_lock (&fft_plan_lock);
  if (fft->forward)
    fftwf_destroy_plan (fft->forward);
  if (fft->backward)
    fftwf_destroy_plan (fft->backward);
  g_mutex_unlock (&fft_plan_lock);
  fft->forward = fft->backward = NULL;
  for (guint t = 0; t < FFT_MAX_TRANSFORMS; t++)
    {
      free (fft->real[t]);
      free (fft->hat[t]);
      fft->real[t] = NULL;
      fft->hat[t] = NULL;
    }
  g_clear_pointer (&fft->box_start, g_free);
  fft->n_boxes = 0;
}

void
_emb_tsne_fft_free (EmbTsneFft *fft)
{
  if (!fft)
    return;
  fft_free_grid (fft);
  g_free (fft->box);
  g_free (fft->order);
  g_free (fft->weight);
  g_free (fft->phi);
  g_free (fft);
}

guint
_emb_tsne_fft_boxes (const EmbTsneFft *fft)
{
  return fft->n_boxes;
}

/* The least m >= x of the form 2^a 3^b 5^c, which FFTW does fastest. */
static guint
smooth_size (guint x)
{
  for (guint m = MAX (x, 1);; m++)
    {
      guint r = m;

      while (r % 2 == 0)
        r /= 2;
      while (r % 3 == 0)
        r /= 3;
      while (r % 5 == 0)
        r /= 5;
      if (r == 1)
        return m;
    }
}

static guint
choose_boxes (guint  dims,
              double extent)
{
  double lo = dims == 2 ? FFT_MIN_BOXES_2D : FFT_MIN_BOXES_3D;
  double hi = dims == 2 ? FFT_MAX_BOXES_2D : FFT_MAX_BOXES_3D;
  double per_unit = dims == 2 ? FFT_BOXES_PER_UNIT_2D : 1;
  guint boxes = (guint) CLAMP (ceil (extent * per_unit), lo, hi);

  return MIN (smooth_size (boxes), (guint) hi);
}

/* Buffers and plans for n_boxes per dimension (kept when unchanged). */
static gboolean
fft_set_boxes (EmbTsneFft *fft,
               guint       n_boxes,
               GError    **error)
{
  guint dims = fft->dims, nodes = n_boxes * FFT_NODES, m = 2 * nodes;
  int sizes[3] = { (int) m, (int) m, (int) m };

  if (fft->n_boxes == n_boxes)
    return TRUE;
  fft_free_grid (fft);
  fft->n_box_total = 1;
  fft->n_grid = 1;
  fft->n_real = 1;
  for (guint d = 0; d < dims; d++)
    {
      fft->n_box_total *= n_boxes;
      fft->n_grid *= nodes;
      fft->n_real *= m;
    }
  fft->n_complex = fft->n_real / m * (m / 2 + 1);
  fft->box_start = emb_try_new (gsize, fft->n_box_total + 1, "the t-SNE box starts", error);
  if (!fft->box_start)
    return FALSE;
  for (guint d = dims; d-- > 0;)
    fft->stride[d] = d == dims - 1 ? 1 : fft->stride[d + 1] * m;
  for (guint c = 0, n_local = dims == 2 ? 9 : 27; c < n_local; c++)
    {
      gsize off = 0;

      for (guint d = dims, rest = c; d-- > 0; rest /= FFT_NODES)
        off += (rest % FFT_NODES) * fft->stride[d];
      fft->node_offset[c] = off;
    }
  for (guint t = 0; t < fft->n_transforms; t++)
    {
      fft->real[t] = emb_try_alloc_aligned (FFT_ALIGN, fft->n_real, sizeof (float),
                                            "the t-SNE FFT grid", error);
      fft->hat[t] = fft->real[t] ? emb_try_alloc_aligned (FFT_ALIGN, fft->n_complex,
                                                          sizeof (fftwf_complex),
                                                          "the t-SNE FFT spectrum", error) : NULL;
      if (!fft->hat[t])
        {
          fft_free_grid (fft);
          return FALSE;
        }
    }
  g_mutex_lock (&fft_plan_lock);
  fft->forward = fftwf_plan_dft_r2c ((int) dims, sizes, fft->real[0], fft->hat[0],
                                     FFTW_ESTIMATE);
  fft->backward = fftwf_plan_dft_c2r ((int) dims, sizes, fft->hat[0], fft->real[0],
                                      FFTW_ESTIMATE);
  g_mutex_unlock (&fft_plan_lock);
  if (!fft->forward || !fft->backward)
    {
      fft_free_grid (fft);
      g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                   "FFTW cannot plan a %u-dimensional transform of size %u", dims, m);
      return FALSE;
    }
  fft->n_boxes = n_boxes;
  return TRUE;
}

/* Each point's box and Lagrange weights: node k of a box sits at
 * t_k = (k + 1/2) / P of its width, and L_k (u) = prod_{l != k}
 * (u - t_l) / (t_k - t_l). */
static void
weights_range (gsize    begin,
               gsize    end,
               gpointer data)
{
  EmbTsneFft *fft = data;
  guint dims = fft->dims, nb = fft->n_boxes;

  for (gsize i = begin; i < end; i++)
    {
      guint32 box = 0;

      for (guint d = 0; d < dims; d++)
        {
          double s = (fft->y[i * dims + d] - fft->lo[d]) / fft->h, u;
          double *w = fft->weight + (i * dims + d) * FFT_NODES;
          gint64 b = (gint64) floor (s);

          b = CLAMP (b, 0, (gint64) nb - 1);
          u = s - (double) b;
          box = box * nb + (guint32) b;
          for (guint k = 0; k < FFT_NODES; k++)
            {
              double tk = (k + 0.5) / FFT_NODES, l = 1;

              for (guint j = 0; j < FFT_NODES; j++)
                if (j != k)
                  l *= (u - (j + 0.5) / FFT_NODES) / (tk - (j + 0.5) / FFT_NODES);
              w[k] = l;
            }
        }
      fft->box[i] = box;
    }
}

/* Stable counting sort of the points by box. */
static void
sort_by_box (EmbTsneFft *fft)
{
  gsize *start = fft->box_start;

  memset (start, 0, (fft->n_box_total + 1) * sizeof (gsize));
  for (gsize i = 0; i < fft->n; i++)
    start[fft->box[i] + 1]++;
  for (gsize b = 0; b < fft->n_box_total; b++)
    start[b + 1] += start[b];
  for (gsize i = 0; i < fft->n; i++)
    fft->order[start[fft->box[i]]++] = (guint32) i;
  /* start[b] is now the end of box b: shift back. */
  for (gsize b = fft->n_box_total; b > 0; b--)
    start[b] = start[b - 1];
  start[0] = 0;
}

/* The padded index of box's first node, and the point's weight for node
 * c of its box (c in 0 .. P^dims, the last dimension fastest). */
static gsize
box_base (const EmbTsneFft *fft,
          gsize             box)
{
  gsize base = 0;

  for (guint d = fft->dims; d-- > 0;)
    {
      base += (box % fft->n_boxes) * FFT_NODES * fft->stride[d];
      box /= fft->n_boxes;
    }
  return base;
}

static void
point_weights (const EmbTsneFft *fft,
               gsize             i,
               double           *w)
{
  const double *wi = fft->weight + i * fft->dims * FFT_NODES;

  if (fft->dims == 2)
    for (guint a = 0; a < FFT_NODES; a++)
      for (guint b = 0; b < FFT_NODES; b++)
        *w++ = wi[a] * wi[FFT_NODES + b];
  else
    for (guint a = 0; a < FFT_NODES; a++)
      for (guint b = 0; b < FFT_NODES; b++)
        for (guint c = 0; c < FFT_NODES; c++)
          *w++ = wi[a] * wi[FFT_NODES + b] * wi[2 * FFT_NODES + c];
}

/* The charges 1 and y - centre of each box's points onto its nodes, in
 * the zero-padded arrays real[2 + q] (zeroed before). */
static void
spread_range (gsize    begin,
              gsize    end,
              gpointer data)
{
  EmbTsneFft *fft = data;
  guint dims = fft->dims, n_local = dims == 2 ? 9 : 27;

  for (gsize box = begin; box < end; box++)
    {
      double acc[FFT_MAX_CHARGES][27] = { { 0 } }, w[27];
      gsize base;

      if (fft->box_start[box] == fft->box_start[box + 1])
        continue;
      for (gsize s = fft->box_start[box]; s < fft->box_start[box + 1]; s++)
        {
          gsize i = fft->order[s];

          point_weights (fft, i, w);
          for (guint c = 0; c < n_local; c++)
            acc[0][c] += w[c];
          for (guint d = 0; d < dims; d++)
            {
              double yd = fft->y[i * dims + d] - fft->centre[d];

              for (guint c = 0; c < n_local; c++)
                acc[1 + d][c] += w[c] * yd;
            }
        }
      base = box_base (fft, box);
      for (guint q = 0; q < fft->n_charges; q++)
        for (guint c = 0; c < n_local; c++)
          fft->real[2 + q][base + fft->node_offset[c]] = (float) acc[q][c];
    }
}

/* Transform t: 0 and 1 fill the circulant kernels K1 and K2 (node offsets
 * a <= N as they are, a > N as a - 2N; a = N is never used), 2 + q hold
 * the charges q; then the forward FFT into hat[t]. */
static void
forward_range (gsize    begin,
               gsize    end,
               gpointer data)
{
  EmbTsneFft *fft = data;
  gsize nodes = fft->n_boxes * FFT_NODES, m = 2 * nodes;
  double spacing = fft->h / FFT_NODES;
  g_autofree double *off2 = g_new (double, m);

  for (gsize a = 0; a < m; a++)
    {
      double off = (a <= nodes ? (double) a : (double) a - (double) m) * spacing;

      off2[a] = off * off;
    }
  for (gsize t = begin; t < end; t++)
    {
      float *real = fft->real[t];

      if (t < 2)
        {
          gsize planes = fft->dims == 3 ? m : 1;

          for (gsize p = 0; p < planes; p++)
            for (gsize a = 0; a < m; a++)
              {
                float *row = real + (p * m + a) * m;
                double base = 1 + off2[a] + (fft->dims == 3 ? off2[p] : 0);

                for (gsize b = 0; b < m; b++)
                  {
                    double k1 = 1 / (base + off2[b]);

                    row[b] = (float) (t == 0 ? k1 : k1 * k1);
                  }
              }
        }
      fftwf_execute_dft_r2c (fft->forward, real, fft->hat[t]);
    }
}

/* Inverse t: 0 the K1 product of the charge 1 (already in hat[0]), 1 + q
 * the K2 product of charge q (made here, in hat[2 + q]); into real[]. */
static void
backward_range (gsize    begin,
                gsize    end,
                gpointer data)
{
  EmbTsneFft *fft = data;

  for (gsize t = begin; t < end; t++)
    {
      fftwf_complex *out = t == 0 ? fft->hat[0] : fft->hat[1 + t];
      float *real = t == 0 ? fft->real[0] : fft->real[1 + t];

      if (t > 0)
        for (gsize c = 0; c < fft->n_complex; c++)
          {
            float ar = out[c][0], ai = out[c][1];
            float br = fft->hat[1][c][0], bi = fft->hat[1][c][1];

            out[c][0] = ar * br - ai * bi;
            out[c][1] = ar * bi + ai * br;
          }
      fftwf_execute_dft_c2r (fft->backward, out, real);
    }
}

/* The potentials at each point: phi[i][0 .. n_charges) for K2, then Z's. */
static void
gather_range (gsize    begin,
              gsize    end,
              gpointer data)
{
  EmbTsneFft *fft = data;
  guint n_local = fft->dims == 2 ? 9 : 27, nq = fft->n_charges;
  double norm = 1.0 / (double) fft->n_real;

  for (gsize i = begin; i < end; i++)
    {
      double acc[FFT_MAX_CHARGES + 1] = { 0 }, w[27];
      gsize base = box_base (fft, fft->box[i]);

      point_weights (fft, i, w);
      for (guint c = 0; c < n_local; c++)
        {
          gsize g = base + fft->node_offset[c];

          for (guint q = 0; q < nq; q++)
            acc[q] += w[c] * fft->real[2 + q][g];
          acc[nq] += w[c] * fft->real[0][g];
        }
      for (guint q = 0; q <= nq; q++)
        fft->phi[i * (nq + 1) + q] = acc[q] * norm;
    }
}

gboolean
_emb_tsne_repulsion_fft (EmbTsneFft   *fft,
                         const double *y,
                         double       *rep,
                         double       *z,
                         guint         n_threads,
                         GError      **error)
{
  guint dims = fft->dims, nq = fft->n_charges;
  double hi[3], extent = 0, zsum = 0;

  for (guint d = 0; d < dims; d++)
    {
      fft->lo[d] = INFINITY;
      hi[d] = -INFINITY;
    }
  for (gsize i = 0; i < fft->n; i++)
    for (guint d = 0; d < dims; d++)
      {
        fft->lo[d] = MIN (fft->lo[d], y[i * dims + d]);
        hi[d] = MAX (hi[d], y[i * dims + d]);
      }
  for (guint d = 0; d < dims; d++)
    extent = MAX (extent, hi[d] - fft->lo[d]);
  /* A cube a little wider than the points, so none sits on its edge. */
  extent = MAX (extent * (1 + 1e-6), 1e-6);
  for (guint d = 0; d < dims; d++)
    {
      fft->centre[d] = (fft->lo[d] + hi[d]) / 2;
      fft->lo[d] = fft->centre[d] - extent / 2;
    }
  if (!fft_set_boxes (fft, choose_boxes (dims, extent), error))
    return FALSE;
  fft->y = y;
  fft->h = extent / fft->n_boxes;

  _emb_tsne_parallel (n_threads, fft->n, 2048, weights_range, fft);
  sort_by_box (fft);
  for (guint q = 0; q < nq; q++)
    memset (fft->real[2 + q], 0, fft->n_real * sizeof (float));
  _emb_tsne_parallel (n_threads, fft->n_box_total, 16, spread_range, fft);
  _emb_tsne_parallel (n_threads, fft->n_transforms, 1, forward_range, fft);
  /* The K1 product of the charge 1, into hat[0] (K1 is not needed after). */
  for (gsize c = 0; c < fft->n_complex; c++)
    {
      float ar = fft->hat[2][c][0], ai = fft->hat[2][c][1];
      float br = fft->hat[0][c][0], bi = fft->hat[0][c][1];

      fft->hat[0][c][0] = ar * br - ai * bi;
      fft->hat[0][c][1] = ar * bi + ai * br;
    }
  _emb_tsne_parallel (n_threads, nq + 1, 1, backward_range, fft);
  _emb_tsne_parallel (n_threads, fft->n, 2048, gather_range, fft);

  for (gsize i = 0; i < fft->n; i++)
    {
      const double *phi = fft->phi + i * (nq + 1);

      for (guint d = 0; d < dims; d++)
        rep[i * dims + d] = (y[i * dims + d] - fft->centre[d]) * phi[0] - phi[1 + d];
      zsum += phi[nq];
    }
  *z = zsum - (double) fft->n;
  fft->y = NULL;
  return TRUE;
}
