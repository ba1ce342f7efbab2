/* emb-tsne-bh.c: t-SNE's repulsion by Barnes-Hut (van der Maaten 2014),
 * for 3-D layouts wider than the FFT grid resolves.
 *
 * A 2^dims-ary tree (an octree in 3-D) over the points: each cell keeps
 * its count and centre of mass.  For point i, a cell of side s at
 * distance d from i's centre of mass stands for all its points when
 * s < theta d (theta = 0.5, openTSNE's default):
 *   z_i += count w,  rep_i += count w^2 (y_i - com),  w = 1 / (1 + d^2);
 * otherwise its children are visited, and a leaf's points are summed one
 * by one (i itself skipped).  Points at one position share a leaf (so
 * duplicate rows cost nothing), and cells stop splitting at depth 48.
 * Points are inserted in row order and each point's sums run on one
 * thread in a fixed order, so results do not depend on the thread count.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "map/emb-tsne-private.h"

#include "base/emb-alloc.h"
#include "base/emb-error.h"

#define BH_THETA     0.5
#define BH_MAX_DEPTH 48

typedef struct
{
  double  centre[3];
  double  half;
  double  sum[3];      /* of the points' positions, then (after the
                        * build) their centre of mass */
  gsize   count;
  gint64  children;    /* the first of 2^dims; -1: a leaf */
  gint64  first;       /* a leaf's first point (-1: empty) */
  gboolean same;       /* a leaf's points all at one position */
} BhNode;

typedef struct
{
  const double *y;
  gsize         n;
  guint         dims;
  BhNode       *nodes;
  gsize         n_nodes, capacity;
  gint64       *next;  /* n: the next point of the same leaf */
  double       *rep;
  double       *row_z;
} BhTree;

static gboolean
bh_new_children (BhTree  *t,
                 gsize    parent,
                 GError **error)
{
  guint n_children = 1u << t->dims;
  BhNode *p;

  if (t->n_nodes + n_children > t->capacity)
    {
      gsize capacity = t->capacity * 2;
      BhNode *nodes = g_try_realloc_n (t->nodes, capacity, sizeof (BhNode));

      if (!nodes)
        {
          g_set_error (error, EMB_ERROR, EMB_ERROR_TOO_LARGE,
                       "the t-SNE tree of %" G_GSIZE_FORMAT " cells does not fit in memory",
                       capacity);
          return FALSE;
        }
      t->nodes = nodes;
      t->capacity = capacity;
    }
  p = &t->nodes[parent];
  p->children = (gint64) t->n_nodes;
  for (guint c = 0; c < n_children; c++)
    {
      BhNode *child = &t->nodes[t->n_nodes + c];

      memset (child, 0, sizeof (BhNode));
      child->half = p->half / 2;
      for (guint d = 0; d < t->dims; d++)
        child->centre[d] = p->centre[d] + ((c >> d) & 1 ? child->half : -child->half);
      child->children = -1;
      child->first = -1;
      child->same = TRUE;
    }
  t->n_nodes += n_children;
  return TRUE;
}

static guint
bh_octant (const BhTree *t,
           const BhNode *node,
           gsize         i)
{
  guint c = 0;

  for (guint d = 0; d < t->dims; d++)
    if (t->y[i * t->dims + d] >= node->centre[d])
      c |= 1u << d;
  return c;
}

static gboolean
bh_same_position (const BhTree *t,
                  gsize         i,
                  gsize         j)
{
  return memcmp (t->y + i * t->dims, t->y + j * t->dims, t->dims * sizeof (double)) == 0;
}

static void
bh_add (BhTree *t,
        gsize   node,
        gsize   i)
{
  BhNode *p = &t->nodes[node];

  p->count++;
  for (guint d = 0; d < t->dims; d++)
    p->sum[d] += t->y[i * t->dims + d];
}

static gboolean
bh_insert (BhTree  *t,
           gsize    i,
           GError **error)
{
  gsize node = 0;

  for (guint depth = 0;; depth++)
    {
      BhNode *p = &t->nodes[node];
      gsize j;

      if (p->children >= 0)
        {
          bh_add (t, node, i);
          node = (gsize) p->children + bh_octant (t, p, i);
          continue;
        }
      if (p->first < 0 || depth >= BH_MAX_DEPTH || bh_same_position (t, i, (gsize) p->first))
        {
          if (p->first >= 0 && !bh_same_position (t, i, (gsize) p->first))
            p->same = FALSE;
          bh_add (t, node, i);
          t->next[i] = p->first;
          t->nodes[node].first = (gint64) i;
          return TRUE;
        }
      /* A leaf of one position: split it, its points go one level down. */
      j = (gsize) p->first;
      if (!bh_new_children (t, node, error))
        return FALSE;
      p = &t->nodes[node];
      {
        gsize child = (gsize) p->children + bh_octant (t, p, j);
        BhNode *c = &t->nodes[child];

        c->first = p->first;
        c->count = p->count;
        memcpy (c->sum, p->sum, sizeof c->sum);
        p->first = -1;
      }
      depth--;
    }
}

static void
bh_visit_range (gsize    begin,
                gsize    end,
                gpointer data)
{
  BhTree *t = data;
  guint dims = t->dims;
  gsize stack[BH_MAX_DEPTH * 8 + 16];

  for (gsize i = begin; i < end; i++)
    {
      const double *yi = t->y + i * dims;
      double acc[3] = { 0, 0, 0 }, z = 0;
      gsize top = 0;

      stack[top++] = 0;
      while (top > 0)
        {
          const BhNode *p = &t->nodes[stack[--top]];
          double diff[3], d2 = 0, w, count = (double) p->count;

          if (p->count == 0)
            continue;
          if (p->children < 0 && !p->same)
            {
              for (gint64 j = p->first; j >= 0; j = t->next[j])
                {
                  double e2 = 0, v, dj[3];

                  if ((gsize) j == i)
                    continue;
                  for (guint d = 0; d < dims; d++)
                    {
                      dj[d] = yi[d] - t->y[j * dims + d];
                      e2 += dj[d] * dj[d];
                    }
                  v = 1 / (1 + e2);
                  z += v;
                  for (guint d = 0; d < dims; d++)
                    acc[d] += v * v * dj[d];
                }
              continue;
            }
          for (guint d = 0; d < dims; d++)
            {
              diff[d] = yi[d] - p->sum[d];
              d2 += diff[d] * diff[d];
            }
          if (p->children >= 0 && 4 * p->half * p->half >= BH_THETA * BH_THETA * d2)
            {
              for (guint c = 0; c < (1u << dims); c++)
                stack[top++] = (gsize) p->children + c;
              continue;
            }
          /* A far cell, or a leaf of one position (i's own: its other
           * points are at distance 0). */
          if (p->children < 0 && bh_same_position (t, i, (gsize) p->first))
            count -= 1;
          w = 1 / (1 + d2);
          z += count * w;
          for (guint d = 0; d < dims; d++)
            acc[d] += count * w * w * diff[d];
        }
      for (guint d = 0; d < dims; d++)
        t->rep[i * dims + d] = acc[d];
      t->row_z[i] = z;
    }
}

gboolean
_emb_tsne_repulsion_bh (const double *y,
                        gsize         n,
                        guint         dims,
                        double       *rep,
                        double       *z,
                        guint         n_threads,
                        GError      **error)
{
  BhTree t = { y, n, dims, NULL, 1, 0, NULL, rep, NULL };
  double lo[3], hi[3], half = 0, total = 0;
  gboolean ok = FALSE;

  t.capacity = 2 * n + 16;
  t.nodes = emb_try_new (BhNode, t.capacity, "the t-SNE tree", error);
  t.next = t.nodes ? emb_try_new (gint64, n, "the t-SNE tree's leaves", error) : NULL;
  t.row_z = t.next ? emb_try_new (double, n, "the t-SNE tree's sums", error) : NULL;
  if (!t.row_z)
    goto out;
  for (guint d = 0; d < dims; d++)
    {
      lo[d] = INFINITY;
      hi[d] = -INFINITY;
    }
  for (gsize i = 0; i < n; i++)
    for (guint d = 0; d < dims; d++)
      {
        lo[d] = MIN (lo[d], y[i * dims + d]);
        hi[d] = MAX (hi[d], y[i * dims + d]);
      }
  memset (&t.nodes[0], 0, sizeof (BhNode));
  for (guint d = 0; d < dims; d++)
    {
      t.nodes[0].centre[d] = (lo[d] + hi[d]) / 2;
      half = MAX (half, (hi[d] - lo[d]) / 2);
    }
  t.nodes[0].half = half * (1 + 1e-6) + 1e-12;
  t.nodes[0].children = -1;
  t.nodes[0].first = -1;
  t.nodes[0].same = TRUE;
  for (gsize i = 0; i < n; i++)
    if (!bh_insert (&t, i, error))
      goto out;
  for (gsize c = 0; c < t.n_nodes; c++)
    for (guint d = 0; d < dims && t.nodes[c].count > 0; d++)
      t.nodes[c].sum[d] /= (double) t.nodes[c].count;
  _emb_tsne_parallel (n_threads, n, 256, bh_visit_range, &t);
  for (gsize i = 0; i < n; i++)
    total += t.row_z[i];
  *z = total;
  ok = TRUE;

out:
  g_free (t.nodes);
  g_free (t.next);
  g_free (t.row_z);
  return ok;
}
