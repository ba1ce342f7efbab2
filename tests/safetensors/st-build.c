/* st-build.c: safetensors files built byte by byte for the reader's
 * tests, tensor by tensor or with a header given as it is, and loading
 * them. */
#include <math.h>
#include <string.h>

#include "st-test.h"

/* A file: the header length n (as given, even when it lies), the header
 * text and the data. */
GByteArray *
raw_file (guint64     n,
          const char *header,
          gsize       header_len,
          const void *data,
          gsize       data_len)
{
  GByteArray *a = g_byte_array_new ();
  guint64 le = GUINT64_TO_LE (n);

  g_byte_array_append (a, (const guint8 *) &le, 8);
  g_byte_array_append (a, (const guint8 *) header, header_len);
  if (data_len > 0)
    g_byte_array_append (a, data, data_len);
  return a;
}

/* A well-formed file from a header: padded with spaces, as the official
 * writer does, so that the data starts at a multiple of 8. */
GByteArray *
st_file (const char *header,
         const void *data,
         gsize       data_len)
{
  g_autoptr(GString) h = g_string_new (header);

  while ((8 + h->len) % 8 != 0)
    g_string_append_c (h, ' ');
  return raw_file (h->len, h->str, h->len, data, data_len);
}

StBuilder *
st_builder_new (const char *metadata)
{
  StBuilder *b = g_new0 (StBuilder, 1);

  b->header = g_string_new ("{");
  if (metadata != NULL)
    g_string_append_printf (b->header, "\"__metadata__\":%s", metadata);
  b->data = g_byte_array_new ();
  return b;
}

/* Appends a tensor with its bytes; shape is the JSON array text. */
void
st_add (StBuilder  *b,
        const char *name,
        const char *dtype,
        const char *shape,
        GByteArray *bytes)
{
  if (b->header->len > 1)
    g_string_append_c (b->header, ',');
  g_string_append_printf (b->header,
                          "\"%s\":{\"dtype\":\"%s\",\"shape\":%s,\"data_offsets\":[%u,%u]}",
                          name, dtype, shape, b->data->len, b->data->len + bytes->len);
  g_byte_array_append (b->data, bytes->data, bytes->len);
  g_byte_array_unref (bytes);
}

/* Writes the file and frees the builder. */
const char *
st_write (StBuilder  *b,
          const char *file)
{
  g_autoptr(GByteArray) a = NULL;
  const char *path;

  g_string_append_c (b->header, '}');
  a = st_file (b->header->str, b->data->data, b->data->len);
  path = emb_test_write (file, a->data, a->len);
  g_string_free (b->header, TRUE);
  g_byte_array_unref (b->data);
  g_free (b);
  return path;
}

const char *
write_array (const char *name,
             GByteArray *a)
{
  const char *path = emb_test_write (name, a->data, a->len);

  g_byte_array_unref (a);
  return path;
}

/* The rows x cols float32 matrix most tests use: 10 i + j + 0.5. */
float
cell (gsize i,
      gsize j)
{
  return 10.0f * i + j + 0.5f;
}

GByteArray *
cells_f32 (gsize rows,
           gsize cols)
{
  GByteArray *a = g_byte_array_new ();

  for (gsize i = 0; i < rows; i++)
    for (gsize j = 0; j < cols; j++)
      emb_test_put_f32 (a, cell (i, j));
  return a;
}

GByteArray *
zeros (gsize len)
{
  GByteArray *a = g_byte_array_sized_new (len);

  g_byte_array_set_size (a, len);
  if (len > 0)
    memset (a->data, 0, len);
  return a;
}

void
assert_cells (EmbDataset *ds,
              gsize       rows,
              gsize       cols)
{
  g_assert_cmpuint (ds->matrix->n_rows, ==, rows);
  g_assert_cmpuint (ds->matrix->n_cols, ==, cols);
  for (gsize i = 0; i < rows; i++)
    for (gsize j = 0; j < cols; j++)
      g_assert_cmpfloat (emb_matrix_row (ds->matrix, i)[j], ==, cell (i, j));
}

/* The same, for a malformed file: the message also names the byte. */
char *
load_error_at (const char           *path,
               const EmbLoadOptions *options,
               EmbErrorCode          code,
               guint64               offset)
{
  char *msg = emb_test_load_error (path, options, code);
  g_autofree char *where = g_strdup_printf (": byte %" G_GUINT64_FORMAT ": ", offset);

  emb_test_assert_contains (msg, where);
  return msg;
}

const EmbLoadOptions st_options = { .format = "safetensors" };

void
write_in (const char *dir,
          const char *name,
          GByteArray *a)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;

  g_file_set_contents (path, (const char *) a->data, a->len, &error);
  g_assert_no_error (error);
  g_byte_array_unref (a);
}

/* IEEE binary16 by its definition, for comparing with the reader. */
float
half_reference (guint16 h)
{
  int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  double v = e == 0 ? ldexp (m, -24) : ldexp (1024 + m, e - 25);

  return (float) ((h & 0x8000) ? -v : v);
}

