/* emb-pca-project.c: the projection of rows onto PCA components.
 *
 * One fused, vectorised pass over the rows (sgemm with N = 2 or 3 is slow):
 * each pair of rows is centred into an L1 buffer and multiplied by the
 * components a few at a time, split over threads for large matrices, as
 * the pass is bound by memory bandwidth.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "base/emb-error.h"
#include "base/emb-simd.h"
#include "analysis/emb-pca-private.h"

/* Below this many floats a projection runs on the calling thread alone. */
#define PROJECT_FLOATS_PER_THREAD (1u << 20)
#define PROJECT_MAX_THREADS       4

/* Components handled together in the projection kernel: for two rows,
 * 2 x 4 accumulators of 8 lanes plus the rows' and a component's chunk fit
 * the 16 vector registers. */
#define PROJECT_GROUP 4

/* How far ahead of the pair being projected its rows are prefetched. */
#define PROJECT_PREFETCH_ROWS 16


/* projection workers */

typedef struct
{
  const float *data;     /* the matrix rows */
  gsize        n_dims;
  gsize        padded;   /* n_dims rounded up to 8 */
  const float *mean;     /* n_dims floats: the mean times scale */
  float        scale;    /* 2^scale_exp */
  int          scale_exp;
  const float *comps;    /* n_out x padded, zero past n_dims */
  const float *shift;    /* n_out rounded up to PROJECT_GROUP: (m_f - m) . v_c */
  gsize        n_out;
  float       *out;      /* n_rows x n_out */
  gsize        begin, end;
} ProjectJob;

/* The lane sums of a[0..3], as the four lanes of one vector: halves added,
 * then a 4 x 4 transpose-and-add. */
static inline v4sf
hsum8x4 (const v8sf *a)
{
  v4sf s0 = __builtin_shufflevector (a[0], a[0], 0, 1, 2, 3) + __builtin_shufflevector (a[0], a[0], 4, 5, 6, 7);
  v4sf s1 = __builtin_shufflevector (a[1], a[1], 0, 1, 2, 3) + __builtin_shufflevector (a[1], a[1], 4, 5, 6, 7);
  v4sf s2 = __builtin_shufflevector (a[2], a[2], 0, 1, 2, 3) + __builtin_shufflevector (a[2], a[2], 4, 5, 6, 7);
  v4sf s3 = __builtin_shufflevector (a[3], a[3], 0, 1, 2, 3) + __builtin_shufflevector (a[3], a[3], 4, 5, 6, 7);
  v4sf u0 = __builtin_shufflevector (s0, s1, 0, 4, 1, 5) + __builtin_shufflevector (s0, s1, 2, 6, 3, 7);
  v4sf u1 = __builtin_shufflevector (s2, s3, 0, 4, 1, 5) + __builtin_shufflevector (s2, s3, 2, 6, 3, 7);

  return __builtin_shufflevector (u0, u1, 0, 1, 4, 5) + __builtin_shufflevector (u0, u1, 2, 3, 6, 7);
}

/* r0[c] = y0 . v_c and r1[c] = y1 . v_c for the n_group (<= PROJECT_GROUP)
 * components at comps, y0 and y1 two centred rows zero padded to `padded`.
 * Two rows share each load of a component chunk, so the loop is bound by
 * the FMAs rather than the loads. */
static inline __attribute__ ((always_inline)) void
project_pair (const float *y0,
              const float *y1,
              const float *comps,
              gsize        padded,
              int          n_group,
              v4sf        *r0,
              v4sf        *r1)
{
  v8sf a0[PROJECT_GROUP] = { { 0 } };
  v8sf a1[PROJECT_GROUP] = { { 0 } };

  for (gsize j = 0; j < padded; j += 8)
    {
      v8sf u = EMB_LOAD8 (y0 + j), w = EMB_LOAD8 (y1 + j);

      for (int c = 0; c < n_group; c++)
        {
          v8sf v = EMB_LOAD8 (comps + c * padded + j);

          a0[c] += u * v;
          a1[c] += w * v;
        }
    }
  *r0 = hsum8x4 (a0);
  *r1 = hsum8x4 (a1);
}

/* out_ic = (x_i - m_f) . v_c + shift_c for the job's rows and every
 * component c: two rows at a time are centred into an L1 buffer, then
 * multiplied by the components PROJECT_GROUP at a time.  For a scaled PCA
 * the rows are centred as x_i s - m_f s and the products scaled back. */
EMB_SIMD_CLONES static void
project_rows (const ProjectJob *job)
{
  gsize d = job->n_dims, padded = job->padded, n_out = job->n_out;
  g_autofree float *y = g_new0 (float, 2 * padded);
  float *y0 = y, *y1 = y + padded;

  for (gsize i = job->begin; i < job->end; i += 2)
    {
      const float *x0 = job->data + i * d;
      gboolean pair = i + 1 < job->end;

      /* The hardware prefetcher alone leaves this loop waiting on memory
       * (the row loads come in short bursts between long stretches of
       * FMAs): ask for the rows a few pairs ahead. */
      if (i + PROJECT_PREFETCH_ROWS + 2 <= job->end)
        for (gsize j = 0; j < 2 * d; j += 16)
          __builtin_prefetch (x0 + PROJECT_PREFETCH_ROWS * d + j);
      for (gsize j = 0; j < d; j++)
        y0[j] = x0[j] * job->scale - job->mean[j];
      /* An odd last row is paired with the zero row, its result dropped. */
      if (pair)
        for (gsize j = 0; j < d; j++)
          y1[j] = x0[d + j] * job->scale - job->mean[j];
      else
        memset (y1, 0, d * sizeof (float));

      for (gsize c = 0; c < n_out; c += PROJECT_GROUP)
        {
          const float *comps = job->comps + c * padded;
          gsize n_group = MIN (PROJECT_GROUP, n_out - c);
          v4sf r0, r1, shift;

          switch (n_group)
            {
            case 4:
              project_pair (y0, y1, comps, padded, 4, &r0, &r1);
              break;
            case 3:
              project_pair (y0, y1, comps, padded, 3, &r0, &r1);
              break;
            case 2:
              project_pair (y0, y1, comps, padded, 2, &r0, &r1);
              break;
            default:
              project_pair (y0, y1, comps, padded, 1, &r0, &r1);
              break;
            }
          shift = EMB_LOAD4 (job->shift + c);
          if (job->scale_exp != 0)
            for (int l = 0; l < 4; l++)
              {
                r0[l] = ldexpf (r0[l], -job->scale_exp);
                r1[l] = ldexpf (r1[l], -job->scale_exp);
              }
          r0 += shift;
          r1 += shift;
          memcpy (job->out + i * n_out + c, &r0, n_group * sizeof (float));
          if (pair)
            memcpy (job->out + (i + 1) * n_out + c, &r1, n_group * sizeof (float));
        }
    }
}

/* GThreadFunc running project_rows () on a ProjectJob. */
static gpointer
project_thread (gpointer data)
{
  project_rows (data);
  return NULL;
}

/* public API */

/* out (n x n_out, row-major) = (X - m) V^T, V the first n_out components,
 * in one pass over X: out_ic = (x_i - m_f) . v_c + (m_f - m) . v_c with m_f
 * the float mean.  Centring each row before the products (rather than
 * subtracting m . v_c after) keeps a large mean from cancelling the result
 * away, and the second term, in double, puts back what rounding m to m_f
 * moved.  Rows are split over a few threads when the matrix is large, as
 * the pass is bound by memory bandwidth. */
void
emb_pca_project (const EmbPca    *pca,
                 const EmbMatrix *matrix,
                 gsize            n_out,
                 float           *out)
{
  g_autofree float *mean = NULL;
  g_autofree float *comps = NULL;
  g_autofree float *shift = NULL;
  GThread *threads[PROJECT_MAX_THREADS];
  ProjectJob jobs[PROJECT_MAX_THREADS];
  gsize n, d, padded, cells, n_threads;

  g_return_if_fail (pca != NULL);
  g_return_if_fail (matrix != NULL);
  g_return_if_fail (matrix->n_cols == pca->n_dims);
  g_return_if_fail (n_out <= pca->n_components);

  n = matrix->n_rows;
  d = matrix->n_cols;
  if (n == 0 || n_out == 0)
    return;
  g_return_if_fail (out != NULL);

  /* Zero padding to a multiple of 8 lets the kernel treat the last chunk
   * of every row like the others. */
  padded = (d + 7) & ~(gsize) 7;
  mean = g_new (float, d);
  comps = g_new0 (float, n_out * padded);
  for (gsize j = 0; j < d; j++)
    mean[j] = (float) ldexp (pca->mean[j], pca->scale_exp);
  shift = g_new0 (float, n_out + PROJECT_GROUP);
  for (gsize c = 0; c < n_out; c++)
    {
      double t = 0.0;

      memcpy (comps + c * padded, pca->components + c * d, d * sizeof (float));
      for (gsize j = 0; j < d; j++)
        t += (ldexp (mean[j], -pca->scale_exp) - pca->mean[j]) * (double) pca->components[c * d + j];
      shift[c] = (float) t;
    }

  if (!emb_size_mul (n, d, &cells))
    cells = G_MAXSIZE;
  n_threads = cells / PROJECT_FLOATS_PER_THREAD;
  n_threads = CLAMP (n_threads, 1, MIN ((gsize) g_get_num_processors (), PROJECT_MAX_THREADS));

  for (gsize t = 0; t < n_threads; t++)
    {
      jobs[t] = (ProjectJob) {
        .data = matrix->data, .n_dims = d, .padded = padded,
        .mean = mean, .scale = ldexpf (1.0f, pca->scale_exp), .scale_exp = pca->scale_exp,
        .comps = comps, .shift = shift, .n_out = n_out, .out = out,
        .begin = n * t / n_threads, .end = n * (t + 1) / n_threads,
      };
    }
  for (gsize t = 1; t < n_threads; t++)
    threads[t] = g_thread_new ("emb-pca-project", project_thread, &jobs[t]);
  project_rows (&jobs[0]);
  for (gsize t = 1; t < n_threads; t++)
    g_thread_join (threads[t]);
}

