/* emb-tsne-forces.c: t-SNE's threads, its attraction and its exact
 * repulsion.
 *
 * With w_ij = 1 / (1 + |y_i - y_j|^2) and Z = sum_{i != j} w_ij, the
 * gradient of KL (P || Q) is (without the usual factor 4)
 *   attr_i - rep_i / Z,  attr_i = sum_j p_ij w_ij (y_i - y_j),
 *                        rep_i  = sum_j w_ij^2 (y_i - y_j).
 * Each row's sums run over j in order on one thread, and Z adds the rows'
 * sums in row order, so results are the same for any thread count.
 */
#include "config.h"

#include "map/emb-tsne-private.h"

static gsize tsne_exact_max_rows = EMB_TSNE_EXACT_MAX_ROWS;

void
_emb_tsne_set_exact_max_rows (gsize rows)
{
  tsne_exact_max_rows = rows;
}

gsize
_emb_tsne_get_exact_max_rows (void)
{
  return tsne_exact_max_rows;
}

typedef struct
{
  EmbTsneRangeFunc func;
  gpointer         data;
  gsize            begin, end;
} RangeTask;

static gpointer
range_thread (gpointer data)
{
  RangeTask *task = data;

  task->func (task->begin, task->end, task->data);
  return NULL;
}

void
_emb_tsne_parallel (guint             n_threads,
                    gsize             n_items,
                    gsize             min_per_thread,
                    EmbTsneRangeFunc  func,
                    gpointer          data)
{
  RangeTask tasks[64];
  GThread *threads[64] = { NULL };
  gsize chunks = n_items / MAX (min_per_thread, 1);

  chunks = CLAMP (chunks, 1, MIN (MAX (n_threads, 1), G_N_ELEMENTS (tasks)));
  if (chunks == 1 || n_items == 0)
    {
      func (0, n_items, data);
      return;
    }
  for (gsize t = 0; t < chunks; t++)
    tasks[t] = (RangeTask) { func, data, n_items * t / chunks, n_items * (t + 1) / chunks };
  for (gsize t = 1; t < chunks; t++)
    {
      threads[t] = g_thread_try_new ("emb-tsne", range_thread, &tasks[t], NULL);
      /* No thread: its range runs here, after the first. */
    }
  range_thread (&tasks[0]);
  for (gsize t = 1; t < chunks; t++)
    {
      if (threads[t])
        g_thread_join (threads[t]);
      else
        range_thread (&tasks[t]);
    }
}

typedef struct
{
  const EmbTsneAffinities *p;
  const double            *y;
  guint                    dims;
  double                   scale;
  double                  *out;
  double                  *row_z;
} ForceJob;

static void
attraction_range (gsize    begin,
                  gsize    end,
                  gpointer data)
{
  ForceJob *job = data;
  const EmbTsneAffinities *p = job->p;
  guint dims = job->dims;

  for (gsize i = begin; i < end; i++)
    {
      const double *yi = job->y + i * dims;
      double acc[3] = { 0, 0, 0 };

      for (gsize e = p->row_ptr[i]; e < p->row_ptr[i + 1]; e++)
        {
          const double *yj = job->y + (gsize) p->col[e] * dims;
          double diff[3], d2 = 0, pw;

          for (guint d = 0; d < dims; d++)
            {
              diff[d] = yi[d] - yj[d];
              d2 += diff[d] * diff[d];
            }
          pw = (double) p->val[e] / (1 + d2);
          for (guint d = 0; d < dims; d++)
            acc[d] += pw * diff[d];
        }
      for (guint d = 0; d < dims; d++)
        job->out[i * dims + d] = job->scale * acc[d];
    }
}

void
_emb_tsne_attraction (const EmbTsneAffinities *p,
                      const double            *y,
                      guint                    dims,
                      double                   scale,
                      double                  *attr,
                      guint                    n_threads)
{
  ForceJob job = { p, y, dims, scale, attr, NULL };

  _emb_tsne_parallel (n_threads, p->n, 1024, attraction_range, &job);
}

typedef struct
{
  const double *y;
  gsize         n;
  guint         dims;
  double       *rep;
  double       *row_z;
} ExactJob;

static void
exact_range (gsize    begin,
             gsize    end,
             gpointer data)
{
  ExactJob *job = data;
  guint dims = job->dims;

  for (gsize i = begin; i < end; i++)
    {
      const double *yi = job->y + i * dims;
      double acc[3] = { 0, 0, 0 }, z = 0;

      for (gsize j = 0; j < job->n; j++)
        {
          const double *yj = job->y + j * dims;
          double diff[3], d2 = 0, w;

          if (j == i)
            continue;
          for (guint d = 0; d < dims; d++)
            {
              diff[d] = yi[d] - yj[d];
              d2 += diff[d] * diff[d];
            }
          w = 1 / (1 + d2);
          z += w;
          w *= w;
          for (guint d = 0; d < dims; d++)
            acc[d] += w * diff[d];
        }
      for (guint d = 0; d < dims; d++)
        job->rep[i * dims + d] = acc[d];
      job->row_z[i] = z;
    }
}

double
_emb_tsne_repulsion_exact (const double *y,
                           gsize         n,
                           guint         dims,
                           double       *rep,
                           guint         n_threads)
{
  /* n is at most the exact limit (a few thousand) in a run. */
  g_autofree double *row_z = g_new (double, MAX (n, 1));
  ExactJob job = { y, n, dims, rep, row_z };
  double z = 0;

  _emb_tsne_parallel (n_threads, n, 64, exact_range, &job);
  for (gsize i = 0; i < n; i++)
    z += row_z[i];
  return z;
}
