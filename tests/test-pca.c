/* test-pca.c: emb_pca_compute and emb_pca_project against answers known
 * on paper and against an independent double-precision reference. */
#include <math.h>
#include <string.h>

#include <gio/gio.h>

#include "base/emb-error.h"
#include "model/emb-matrix.h"
#include "analysis/emb-pca.h"
#include "emb-test-util.h"

/* auxiliary functions */

/* q (r x d, rows orthonormal) from r random gaussian vectors by modified
 * Gram-Schmidt, run twice so the rows are orthonormal to double rounding. */
static double *
orthonormal_rows (GRand *rand,
                  gsize  r,
                  gsize  d)
{
  double *q = g_new (double, r * d);

  for (gsize i = 0; i < r * d; i++)
    q[i] = emb_test_gaussian (rand);
  for (int pass = 0; pass < 2; pass++)
    for (gsize i = 0; i < r; i++)
      {
        double *qi = q + i * d, norm = 0.0;

        for (gsize p = 0; p < i; p++)
          {
            const double *qp = q + p * d;
            double dot = 0.0;

            for (gsize j = 0; j < d; j++)
              dot += qi[j] * qp[j];
            for (gsize j = 0; j < d; j++)
              qi[j] -= dot * qp[j];
          }
        for (gsize j = 0; j < d; j++)
          norm += qi[j] * qi[j];
        norm = sqrt (norm);
        for (gsize j = 0; j < d; j++)
          qi[j] /= norm;
      }
  return q;
}

/* The index of v's largest |coordinate| (the first such). */
static gsize
argmax_abs (const double *v,
            gsize         d)
{
  gsize arg = 0;

  for (gsize j = 1; j < d; j++)
    if (fabs (v[j]) > fabs (v[arg]))
      arg = j;
  return arg;
}

/* v with the sign convention applied: largest |coordinate| positive. */
static void
apply_sign_convention (double *v,
                       gsize   d)
{
  if (v[argmax_abs (v, d)] < 0.0)
    for (gsize j = 0; j < d; j++)
      v[j] = -v[j];
}

/* Asserts that the convention holds for a float component, and that its
 * largest coordinate is clearly the largest (else the test data make the
 * sign ambiguous). */
static void
assert_sign_convention (const float *v,
                        gsize        d)
{
  gsize arg = 0;

  for (gsize j = 1; j < d; j++)
    if (fabsf (v[j]) > fabsf (v[arg]))
      arg = j;
  g_assert_cmpfloat (v[arg], >, 0.0f);
}

/* The double covariance (d x d) of the rows of m, by the textbook two-pass
 * formula, and the mean (d). */
static void
naive_covariance (const EmbMatrix *m,
                  double          *mean,
                  double          *cov)
{
  gsize n = m->n_rows, d = m->n_cols;

  memset (mean, 0, d * sizeof (double));
  memset (cov, 0, d * d * sizeof (double));
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < d; j++)
      mean[j] += m->data[i * d + j];
  for (gsize j = 0; j < d; j++)
    mean[j] /= (double) n;
  for (gsize i = 0; i < n; i++)
    {
      const float *x = emb_matrix_row (m, i);

      for (gsize a = 0; a < d; a++)
        for (gsize b = 0; b < d; b++)
          cov[a * d + b] += (x[a] - mean[a]) * (x[b] - mean[b]);
    }
  for (gsize j = 0; j < d * d; j++)
    cov[j] /= (double) (n - 1);
}

/* Cyclic Jacobi on the symmetric d x d matrix a (destroyed): eigenvalues to
 * w, sorted descending, with their unit eigenvectors as the rows of v. */
static void
jacobi_eigen (double *a,
              gsize   d,
              double *w,
              double *v)
{
  g_autofree gsize *order = g_new (gsize, d);
  g_autofree double *vt = g_new0 (double, d * d);   /* columns: eigenvectors */

  for (gsize i = 0; i < d; i++)
    vt[i * d + i] = 1.0;
  for (int sweep = 0; sweep < 100; sweep++)
    {
      double off = 0.0, diag = 0.0;

      for (gsize p = 0; p < d; p++)
        {
          diag += a[p * d + p] * a[p * d + p];
          for (gsize q = p + 1; q < d; q++)
            off += a[p * d + q] * a[p * d + q];
        }
      if (off <= 1e-30 * diag)
        break;
      for (gsize p = 0; p < d; p++)
        for (gsize q = p + 1; q < d; q++)
          {
            double apq = a[p * d + q], theta, t, c, s;

            if (apq == 0.0)
              continue;
            theta = (a[q * d + q] - a[p * d + p]) / (2.0 * apq);
            t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs (theta) + sqrt (theta * theta + 1.0));
            c = 1.0 / sqrt (t * t + 1.0);
            s = t * c;
            for (gsize r = 0; r < d; r++)
              {
                double arp = a[r * d + p], arq = a[r * d + q];

                a[r * d + p] = c * arp - s * arq;
                a[r * d + q] = s * arp + c * arq;
              }
            for (gsize r = 0; r < d; r++)
              {
                double apr = a[p * d + r], aqr = a[q * d + r];

                a[p * d + r] = c * apr - s * aqr;
                a[q * d + r] = s * apr + c * aqr;
              }
            for (gsize r = 0; r < d; r++)
              {
                double vrp = vt[r * d + p], vrq = vt[r * d + q];

                vt[r * d + p] = c * vrp - s * vrq;
                vt[r * d + q] = s * vrp + c * vrq;
              }
          }
    }
  for (gsize i = 0; i < d; i++)
    order[i] = i;
  for (gsize i = 1; i < d; i++)
    for (gsize p = i; p > 0 && a[order[p - 1] * d + order[p - 1]] < a[order[p] * d + order[p]]; p--)
      {
        gsize t = order[p];
        order[p] = order[p - 1];
        order[p - 1] = t;
      }
  for (gsize i = 0; i < d; i++)
    {
      w[i] = a[order[i] * d + order[i]];
      for (gsize j = 0; j < d; j++)
        v[i * d + j] = vt[j * d + order[i]];
    }
}

/* max_j |a_j - b_j| of a float and a double vector. */
static double
max_abs_diff (const float  *a,
              const double *b,
              gsize         d)
{
  double m = 0.0;

  for (gsize j = 0; j < d; j++)
    m = MAX (m, fabs ((double) a[j] - b[j]));
  return m;
}

/* How far the components are from orthonormal: max |V V^T - I|. */
static double
orthonormality_error (const EmbPca *pca)
{
  gsize k = pca->n_components, d = pca->n_dims;
  double worst = 0.0;

  for (gsize a = 0; a < k; a++)
    for (gsize b = a; b < k; b++)
      {
        double dot = 0.0;

        for (gsize j = 0; j < d; j++)
          dot += (double) pca->components[a * d + j] * pca->components[b * d + j];
        worst = MAX (worst, fabs (dot - (a == b ? 1.0 : 0.0)));
      }
  return worst;
}

/* H[i][c] of the Sylvester-Hadamard matrix: (-1)^popcount (i & c).  Its
 * columns are orthogonal with squared norm n, and every column but the
 * first sums to zero. */
static double
hadamard (gsize i,
          gsize c)
{
  return __builtin_popcountl (i & c) % 2 ? -1.0 : 1.0;
}

/* tests */

/* Rows x_i = m + sum_j s_j H[i][j+1] q_j with orthonormal q_j, all times
 * scale: centred coefficients with orthogonal columns, so the covariance is
 * exactly scale^2 sum_j s_j^2 n / (n - 1) q_j q_j^T: eigenvalues
 * scale^2 s_j^2 n / (n - 1), eigenvectors q_j, ratios s_j^2 / sum s^2, and
 * every other component of zero variance. */
static void
check_known_spectrum (gsize  n,
                      gsize  d,
                      double scale)
{
  enum { R = 5 };
  static const double s[R] = { 5.0, 4.0, 3.0, 2.0, 1.0 };
  static const double means[8] = { 1.5, -2.0, 3.0, 0.25, -1.0, 2.0, 0.5, -3.0 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (20240601);
  g_autofree double *q = orthonormal_rows (rand, R, d);
  g_autofree double *expect = g_new (double, d);
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (n, d);
  g_autoptr(EmbPca) pca = NULL;
  g_autoptr(EmbPca) top3 = NULL;
  g_autoptr(GError) error = NULL;
  gsize k = MIN (d, EMB_PCA_MAX_COMPONENTS);
  double sum_s2 = 0.0, total;

  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < d; j++)
      {
        double x = means[j % 8];

        for (gsize c = 0; c < R; c++)
          x += s[c] * hadamard (i, c + 1) * q[c * d + j];
        m->data[i * d + j] = (float) (x * scale);
      }
  for (gsize c = 0; c < R; c++)
    sum_s2 += s[c] * s[c];
  total = scale * scale * sum_s2 * n / (n - 1);

  pca = emb_pca_compute (m, d, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pca);
  g_assert_cmpuint (pca->n_rows, ==, n);
  g_assert_cmpuint (pca->n_dims, ==, d);
  g_assert_cmpuint (pca->n_components, ==, k);

  for (gsize j = 0; j < d; j++)
    g_assert_cmpfloat_with_epsilon (pca->mean[j], means[j % 8] * scale, 1e-6 * scale);
  g_assert_cmpfloat_with_epsilon (pca->total_variance, total, 1e-5 * total);

  for (gsize c = 0; c < k; c++)
    {
      double want = c < R ? scale * scale * s[c] * s[c] * n / (n - 1) : 0.0;
      double ratio = c < R ? s[c] * s[c] / sum_s2 : 0.0;

      g_assert_true (isfinite (pca->explained_variance[c]));
      g_assert_cmpfloat_with_epsilon (pca->explained_variance[c], want, 1e-5 * total);
      g_assert_cmpfloat_with_epsilon (pca->explained_variance_ratio[c], ratio, 1e-6);
      if (c > 0)
        g_assert_cmpfloat (pca->explained_variance[c], <=, pca->explained_variance[c - 1]);
    }

  for (gsize c = 0; c < R; c++)
    {
      gsize arg;

      memcpy (expect, q + c * d, d * sizeof (double));
      arg = argmax_abs (expect, d);
      /* The data must make the sign convention unambiguous. */
      for (gsize j = 0; j < d; j++)
        if (j != arg)
          g_assert_cmpfloat (fabs (expect[arg]) - fabs (expect[j]), >, 1e-4);
      apply_sign_convention (expect, d);
      g_assert_cmpfloat (max_abs_diff (pca->components + c * d, expect, d), <, 1e-5);
      assert_sign_convention (pca->components + c * d, d);
    }
  /* Zero-variance components too are unit vectors orthogonal to the rest. */
  g_assert_cmpfloat (orthonormality_error (pca), <, 1e-6);

  /* Asking for fewer components gives the same leading ones. */
  top3 = emb_pca_compute (m, 3, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (top3->n_components, ==, 3);
  for (gsize c = 0; c < 3; c++)
    {
      g_assert_cmpfloat_with_epsilon (top3->explained_variance[c], pca->explained_variance[c], 1e-6 * total);
      for (gsize j = 0; j < d; j++)
        g_assert_cmpfloat_with_epsilon (top3->components[c * d + j], pca->components[c * d + j], 1e-5);
    }
}

/* More rows than columns: the covariance path. */
static void
test_known_spectrum (void)
{
  check_known_spectrum (64, 8, 1.0);
}

/* Fewer rows than columns: the Gram path, including components past the
 * rank (16 rows give at most 15 nonzero variances of the 50 asked for). */
static void
test_known_spectrum_wide (void)
{
  check_known_spectrum (16, 300, 1.0);
  check_known_spectrum (8, 9, 1.0);
}

/* Values whose products overflow float (near 2e19, 1e30 and 1e38) or underflow
 * it (near 1e-25), on both paths: the same spectrum, scaled. */
static void
test_known_spectrum_extreme (void)
{
  static const double scales[] = { 4e18, 1e30, 1e37, 1e-25 };

  for (gsize i = 0; i < G_N_ELEMENTS (scales); i++)
    {
      check_known_spectrum (64, 8, scales[i]);
      check_known_spectrum (16, 300, scales[i]);
    }
}

/* A random 500 x 37 matrix with columns of spread scales, a shared factor
 * and +100 in every column, so skipping the centring or losing it to float
 * cancellation shows; against the double covariance and Jacobi. */
static EmbMatrix *
offset_matrix (gsize n,
               gsize d,
               guint32 seed)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  EmbMatrix *m = emb_test_matrix_new (n, d);

  for (gsize i = 0; i < n; i++)
    {
      double shared = emb_test_gaussian (rand);

      for (gsize j = 0; j < d; j++)
        m->data[i * d + j] = (float) (100.0 + exp (-0.1 * j) * emb_test_gaussian (rand) +
                                      0.3 * shared * (j % 3 == 0 ? 1.0 : -0.5));
    }
  return m;
}

static void
test_against_reference (void)
{
  enum { N = 500, D = 37, K = 10 };
  g_autoptr(EmbMatrix) m = offset_matrix (N, D, 7);
  g_autofree double *mean = g_new (double, D);
  g_autofree double *cov = g_new (double, D * D);
  g_autofree double *w = g_new (double, D);
  g_autofree double *v = g_new (double, D * D);
  g_autoptr(EmbPca) pca = NULL;
  g_autoptr(GError) error = NULL;
  double trace = 0.0;

  naive_covariance (m, mean, cov);
  for (gsize j = 0; j < D; j++)
    trace += cov[j * D + j];
  jacobi_eigen (cov, D, w, v);

  pca = emb_pca_compute (m, K, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pca->n_components, ==, K);
  for (gsize j = 0; j < D; j++)
    g_assert_cmpfloat_with_epsilon (pca->mean[j], mean[j], 1e-9);
  g_assert_cmpfloat_with_epsilon (pca->total_variance, trace, 1e-6 * trace);
  for (gsize c = 0; c < K; c++)
    {
      double *ref = v + c * D;
      double gap = MIN (c > 0 ? w[c - 1] - w[c] : G_MAXDOUBLE, w[c] - w[c + 1]);

      /* Well separated, so the eigenvectors are well determined. */
      g_assert_cmpfloat (gap, >, 0.05 * w[c]);
      apply_sign_convention (ref, D);
      g_test_message ("component %" G_GSIZE_FORMAT ": eigenvalue error %.3g, vector error %.3g", c,
                      fabs (pca->explained_variance[c] - w[c]) / w[0],
                      max_abs_diff (pca->components + c * D, ref, D));
      g_assert_cmpfloat_with_epsilon (pca->explained_variance[c], w[c], 1e-6 * w[0]);
      g_assert_cmpfloat_with_epsilon (pca->explained_variance_ratio[c], w[c] / trace, 1e-6);
      g_assert_cmpfloat (max_abs_diff (pca->components + c * D, ref, D), <, 2e-5);
      assert_sign_convention (pca->components + c * D, D);
    }
  g_assert_cmpfloat (orthonormality_error (pca), <, 1e-6);
}

/* emb_pca_project against (x_i - m) . v_c summed in double. */
static void
check_projection (const EmbMatrix *m,
                  const EmbPca    *pca,
                  gsize            n_out)
{
  gsize n = m->n_rows, d = m->n_cols;
  g_autofree float *out = g_new (float, n * n_out + 1);
  double worst = 0.0, scale = 0.0;

  out[n * n_out] = 12345.0f;   /* guard: nothing written past the end */
  emb_pca_project (pca, m, n_out, out);
  g_assert_cmpfloat (out[n * n_out], ==, 12345.0f);
  for (gsize i = 0; i < n; i++)
    for (gsize c = 0; c < n_out; c++)
      {
        double ref = 0.0;

        for (gsize j = 0; j < d; j++)
          ref += ((double) m->data[i * d + j] - pca->mean[j]) * pca->components[c * d + j];
        worst = MAX (worst, fabs (out[i * n_out + c] - ref));
        scale = MAX (scale, fabs (ref));
      }
  g_assert_cmpfloat (worst, <=, 1e-6 * scale);
  g_test_message ("projection to %" G_GSIZE_FORMAT ": error %.3g of %.3g", n_out, worst, scale);
}

static void
test_project (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(EmbMatrix) small = offset_matrix (500, 37, 11);
  g_autoptr(EmbPca) small_pca = emb_pca_compute (small, 10, NULL, &error);
  /* Big enough for the threaded path, an odd row count and a column count
   * that is not a multiple of the vector width. */
  g_autoptr(EmbMatrix) big = offset_matrix (20001, 61, 12);
  g_autoptr(EmbPca) big_pca = emb_pca_compute (big, 9, NULL, &error);

  g_assert_no_error (error);
  for (gsize n_out = 0; n_out <= 10; n_out++)
    check_projection (small, small_pca, n_out);
  check_projection (big, big_pca, 2);
  check_projection (big, big_pca, 3);
  check_projection (big, big_pca, 9);
}

/* d = 2, points on the line y = 2x + 1: one eigenvalue var (x) * 5 along
 * (1, 2) / sqrt 5, the other 0; k clamped to 2. */
static void
test_two_dims (void)
{
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (10, 2);
  g_autoptr(EmbPca) pca = NULL;
  g_autoptr(GError) error = NULL;
  double var_x = 0.0;

  for (gsize i = 0; i < 10; i++)
    {
      m->data[2 * i] = (float) i - 3.0f;
      m->data[2 * i + 1] = 2.0f * ((float) i - 3.0f) + 1.0f;
      var_x += ((double) i - 4.5) * ((double) i - 4.5);
    }
  var_x /= 9.0;

  pca = emb_pca_compute (m, 5, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pca->n_components, ==, 2);
  g_assert_cmpfloat_with_epsilon (pca->mean[0], 1.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (pca->mean[1], 4.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (pca->explained_variance[0], 5.0 * var_x, 1e-5);
  g_assert_cmpfloat_with_epsilon (pca->explained_variance[1], 0.0, 1e-5);
  g_assert_cmpfloat_with_epsilon (pca->explained_variance_ratio[0], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (pca->total_variance, 5.0 * var_x, 1e-5);
  g_assert_cmpfloat_with_epsilon (pca->components[0], 1.0 / sqrt (5.0), 1e-6);
  g_assert_cmpfloat_with_epsilon (pca->components[1], 2.0 / sqrt (5.0), 1e-6);
  assert_sign_convention (pca->components + 2, 2);
}

static void
test_clamp_k (void)
{
  g_autoptr(EmbMatrix) m = offset_matrix (80, 60, 3);
  g_autoptr(EmbMatrix) one_col = offset_matrix (5, 1, 4);
  g_autoptr(EmbPca) pca = NULL;
  g_autoptr(EmbPca) pca1 = NULL;
  g_autoptr(GError) error = NULL;

  pca = emb_pca_compute (m, 100, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pca->n_components, ==, EMB_PCA_MAX_COMPONENTS);
  g_assert_cmpfloat (orthonormality_error (pca), <, 1e-5);

  pca1 = emb_pca_compute (one_col, 3, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pca1->n_components, ==, 1);
  g_assert_cmpfloat (pca1->components[0], ==, 1.0f);
  g_assert_cmpfloat_with_epsilon (pca1->explained_variance_ratio[0], 1.0, 1e-12);
}

static void
test_errors (void)
{
  g_autoptr(EmbMatrix) one_row = emb_test_matrix_new (1, 4);
  g_autoptr(EmbMatrix) no_cols = emb_test_matrix_new (5, 0);
  g_autoptr(EmbMatrix) m = offset_matrix (20, 4, 5);
  g_autoptr(EmbMatrix) bad = offset_matrix (20, 4, 6);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  GError *error = NULL;

  memset (one_row->data, 0, 4 * sizeof (float));
  g_assert_null (emb_pca_compute (one_row, 2, NULL, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "2 rows"));
  g_clear_error (&error);

  g_assert_null (emb_pca_compute (no_cols, 2, NULL, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_SHAPE);
  g_clear_error (&error);

  g_assert_null (emb_pca_compute (m, 0, NULL, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_INVALID);
  g_clear_error (&error);

  bad->data[13] = NAN;
  g_assert_null (emb_pca_compute (bad, 2, NULL, &error));
  g_assert_error (error, EMB_ERROR, EMB_ERROR_NON_FINITE);
  g_clear_error (&error);

  g_cancellable_cancel (cancellable);
  g_assert_null (emb_pca_compute (m, 2, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}

/* d = 1024, rank 40 (rows in the span of 40 orthonormal vectors): the top
 * 50 eigenvalues hold the whole trace, the components are orthonormal and
 * the first 40 lie in that span. */
static void
test_large_dims (void)
{
  enum { N = 600, D = 1024, R = 40, K = 50 };
  g_autoptr(GRand) rand = g_rand_new_with_seed (99);
  g_autofree double *q = orthonormal_rows (rand, R, D);
  g_autofree double *x = g_new (double, D);
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (N, D);
  g_autoptr(EmbPca) pca = NULL;
  g_autoptr(GError) error = NULL;
  double sum = 0.0, ratio_sum = 0.0;

  for (gsize i = 0; i < N; i++)
    {
      for (gsize j = 0; j < D; j++)
        x[j] = 3.0 + 0.001 * j;
      for (gsize c = 0; c < R; c++)
        {
          double z = emb_test_gaussian (rand) * (10.0 / (1.0 + c));

          for (gsize j = 0; j < D; j++)
            x[j] += z * q[c * D + j];
        }
      for (gsize j = 0; j < D; j++)
        m->data[i * D + j] = (float) x[j];
    }

  pca = emb_pca_compute (m, K, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pca->n_components, ==, K);
  for (gsize c = 0; c < K; c++)
    {
      sum += pca->explained_variance[c];
      ratio_sum += pca->explained_variance_ratio[c];
    }
  g_assert_cmpfloat_with_epsilon (sum, pca->total_variance, 1e-5 * pca->total_variance);
  g_assert_cmpfloat_with_epsilon (ratio_sum, 1.0, 1e-5);
  g_assert_cmpfloat (pca->explained_variance[R - 1], >, 1e3 * pca->explained_variance[R]);
  g_assert_cmpfloat (orthonormality_error (pca), <, 1e-5);
  for (gsize c = 0; c < R; c++)
    {
      double in_span = 0.0;

      for (gsize p = 0; p < R; p++)
        {
          double dot = 0.0;

          for (gsize j = 0; j < D; j++)
            dot += pca->components[c * D + j] * q[p * D + j];
          in_span += dot * dot;
        }
      g_assert_cmpfloat_with_epsilon (in_span, 1.0, 1e-5);
      assert_sign_convention (pca->components + c * D, D);
    }
}

/* A row so far from the mean that its projection is beyond float: refused,
 * naming the row (0-based), rather than projected to inf. */
static void
test_beyond_float (void)
{
  g_autoptr(EmbMatrix) m = emb_test_matrix_new (3, 2);
  g_autoptr(GError) error = NULL;
  float coords[6];
  EmbPca *pca;

  /* Rows (-3e38, -3e38), (3e38, 3e38), (0, 1): the first component is
   * the diagonal, on which row 0 projects to -4.2e38 and row 1 to 4.2e38. */
  m->data[0] = m->data[1] = -3e38f;
  m->data[2] = m->data[3] = 3e38f;
  m->data[4] = 0.0f;
  m->data[5] = 1.0f;
  pca = emb_pca_compute (m, 2, NULL, &error);
  g_assert_null (pca);
  g_assert_error (error, EMB_ERROR, EMB_ERROR_NON_FINITE);
  g_assert_nonnull (strstr (error->message, "row 0 "));
  g_clear_error (&error);

  /* Rows (-3e38, 0), (3e38, 0), (0, 1) project to -3e38, 3e38 and 0 on
   * the x axis: within float, so computed, not refused. */
  m->data[1] = m->data[3] = 0.0f;
  m->data[2] = 3e38f;
  pca = emb_pca_compute (m, 2, NULL, &error);
  g_assert_no_error (error);
  emb_pca_project (pca, m, 2, coords);
  g_assert_cmpfloat_with_epsilon (coords[0], -3e38, 1e32);
  g_assert_cmpfloat_with_epsilon (coords[2], 3e38, 1e32);
  g_assert_cmpfloat_with_epsilon (coords[4], 0.0, 1e32);
  for (gsize i = 0; i < 6; i++)
    g_assert_true (isfinite (coords[i]));
  g_assert_cmpfloat_with_epsilon (pca->explained_variance[0], 9e76, 1e71);
  emb_pca_free (pca);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/pca/known-spectrum", test_known_spectrum);
  g_test_add_func ("/pca/known-spectrum-wide", test_known_spectrum_wide);
  g_test_add_func ("/pca/known-spectrum-extreme", test_known_spectrum_extreme);
  g_test_add_func ("/pca/beyond-float", test_beyond_float);
  g_test_add_func ("/pca/reference", test_against_reference);
  g_test_add_func ("/pca/project", test_project);
  g_test_add_func ("/pca/two-dims", test_two_dims);
  g_test_add_func ("/pca/clamp-k", test_clamp_k);
  g_test_add_func ("/pca/errors", test_errors);
  g_test_add_func ("/pca/large-dims", test_large_dims);

  return g_test_run ();
}
