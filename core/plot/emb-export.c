/* emb-export.c: a figure to a PNG, SVG or PDF file.
 *
 * Files are rendered completely into memory and then written by
 * emb_file_write_atomically (): never half a file.  For SVG the figure's
 * text, collected as <text> elements while drawing, is added to cairo's
 * document (see emb-figure-text.c).  emb_plot_export_async () does the
 * same in a GTask thread, on a spec it holds a reference to.
 */
#include "config.h"

#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "base/emb-error.h"
#include "base/emb-file.h"
#include "base/emb-task.h"
#include "plot/emb-figure-private.h"
#include "plot/emb-plot-spec.h"

#define MIN_EXPORT_SCALE 0.25
#define MAX_EXPORT_SCALE 8.0

static cairo_status_t
append_bytes (void *closure, const unsigned char *data, unsigned int length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

/* The family fontconfig picked for FONT_FAMILY, so that SVG viewers use
 * the same font the layout was measured with, else a generic sans. */
static char *
svg_font_family (const Figure *f)
{
  g_autoptr(PangoFont) font = pango_context_load_font (f->pango, f->fonts[FONT_TICK]);
  PangoFontDescription *desc;
  const char *family = NULL;
  char *result;

  desc = font != NULL ? pango_font_describe (font) : NULL;
  if (desc != NULL)
    family = pango_font_description_get_family (desc);
  if (family != NULL && *family != '\0' && strpbrk (family, "'\"<>&;") == NULL)
    result = g_strdup_printf ("'%s', sans-serif", family);
  else
    result = g_strdup ("sans-serif");
  if (desc != NULL)
    pango_font_description_free (desc);
  return result;
}

/* cairo's SVG document with the text elements (and a <title>) added. */
static GBytes *
svg_with_text (const Figure *f, GByteArray *svg, GString *text)
{
  g_autoptr(GString) out = g_string_sized_new (svg->len + text->len + 256);
  const char *doc, *open, *open_end, *close;

  g_byte_array_append (svg, (const guint8 *) "", 1);
  doc = (const char *) svg->data;
  open = strstr (doc, "<svg");
  open_end = open != NULL ? strchr (open, '>') : NULL;
  close = g_strrstr (doc, "</svg>");
  if (open_end == NULL || close == NULL || close < open_end)
    return NULL;

  g_string_append_len (out, doc, open_end + 1 - doc);
  if (f->plot->title != NULL && *f->plot->title != '\0')
    {
      g_autofree char *clean = _emb_clean_text (f->plot->title, 0);
      g_autofree char *escaped = g_markup_escape_text (clean, -1);

      g_string_append_printf (out, "\n<title>%s</title>", escaped);
    }
  g_string_append_len (out, open_end + 1, close - (open_end + 1));
  g_string_append_printf (out, "<g id=\"text\" font-family=\"%s\" xml:space=\"preserve\">\n",
                          f->svg_family);
  g_string_append_len (out, text->str, text->len);
  g_string_append (out, "</g>\n");
  g_string_append (out, close);
  return g_bytes_new (out->str, out->len);
}

static gboolean
check_cairo (cairo_status_t status, const char *path, GError **error)
{
  if (status == CAIRO_STATUS_SUCCESS)
    return TRUE;
  emb_set_error_file (error, status == CAIRO_STATUS_NO_MEMORY ? EMB_ERROR_TOO_LARGE : EMB_ERROR_IO,
                      path, "cannot draw the figure: %s", cairo_status_to_string (status));
  return FALSE;
}

/* FALSE with an error naming path when the figure cannot be made. */
static gboolean
export_args_valid (const EmbPlot    *plot,
                   const char       *path,
                   EmbExportFormat   format,
                   int               width,
                   int               height,
                   double            scale,
                   GError          **error)
{
  if (!_emb_plot_valid (plot, path, error))
    return FALSE;
  if (width < 1 || width > MAX_SIDE || height < 1 || height > MAX_SIDE)
    {
      emb_set_error_file (error, EMB_ERROR_INVALID, path,
                          "a figure of %d x %d is not possible: each side must be 1 to %d",
                          width, height, MAX_SIDE);
      return FALSE;
    }
  if (!(scale >= MIN_EXPORT_SCALE && scale <= MAX_EXPORT_SCALE))
    {
      emb_set_error_file (error, EMB_ERROR_INVALID, path,
                          "scale %g is out of range: it must be %g to %g",
                          scale, MIN_EXPORT_SCALE, MAX_EXPORT_SCALE);
      return FALSE;
    }
  if (format == EMB_EXPORT_PNG &&
      (round (width * scale) > MAX_SIDE || round (height * scale) > MAX_SIDE))
    {
      emb_set_error_file (error, EMB_ERROR_INVALID, path,
                          "%d x %d at scale %g is more than %d pixels a side",
                          width, height, scale, MAX_SIDE);
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  EmbPlotSpec     *spec;
  char            *path;
  EmbExportFormat  format;
  int              width;
  int              height;
  double           scale;
} ExportJob;

static void
export_job_free (ExportJob *job)
{
  emb_plot_spec_unref (job->spec);
  g_free (job->path);
  g_free (job);
}

static void
export_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ExportJob *job = task_data;
  const EmbPlot *plot = emb_plot_spec_get_plot (job->spec);
  GError *error = NULL;
  gboolean ok;

  if (job->format == EMB_EXPORT_CSV)
    ok = !g_cancellable_set_error_if_cancelled (cancellable, &error) &&
         emb_plot_export_csv (plot, emb_plot_spec_get_cluster (job->spec), job->path, &error);
  else
    ok = emb_plot_export (plot, job->path, job->format, job->width, job->height, job->scale,
                          cancellable, &error);
  if (ok)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/* public API */

gboolean
emb_export_format_from_path (const char      *path,
                             EmbExportFormat *format)
{
  static const struct { const char *ext; EmbExportFormat format; } table[] = {
    { ".png", EMB_EXPORT_PNG },
    { ".svg", EMB_EXPORT_SVG },
    { ".pdf", EMB_EXPORT_PDF },
  };
  gsize len;

  g_return_val_if_fail (path != NULL, FALSE);

  len = strlen (path);
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (len > 4 && g_ascii_strcasecmp (path + len - 4, table[i].ext) == 0)
      {
        if (format != NULL)
          *format = table[i].format;
        return TRUE;
      }
  return FALSE;
}

gboolean
emb_plot_export (const EmbPlot   *plot,
                 const char      *path,
                 EmbExportFormat  format,
                 int              width,
                 int              height,
                 double           scale,
                 GCancellable    *cancellable,
                 GError         **error)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  g_autoptr(GBytes) result = NULL;
  cairo_surface_t *surface = NULL;
  cairo_t *cr;
  cairo_status_t status;
  gboolean drawn;
  Figure f;

  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!export_args_valid (plot, path, format, width, height, scale, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  _emb_figure_init (&f, plot, width, height);
  switch (format)
    {
    case EMB_EXPORT_PNG:
      {
        int pw = MAX ((int) round (width * scale), 1);
        int ph = MAX ((int) round (height * scale), 1);

        /* No alpha channel unless the figure is transparent: a smaller
         * file, written faster. */
        surface = cairo_image_surface_create (f.colors.opaque ? CAIRO_FORMAT_RGB24
                                                              : CAIRO_FORMAT_ARGB32, pw, ph);
        cr = cairo_create (surface);
        cairo_scale (cr, pw / (double) width, ph / (double) height);
      }
      break;

    case EMB_EXPORT_SVG:
      surface = cairo_svg_surface_create_for_stream (append_bytes, bytes, width, height);
      cairo_svg_surface_restrict_to_version (surface, CAIRO_SVG_VERSION_1_1);
      cairo_svg_surface_set_document_unit (surface, CAIRO_SVG_UNIT_PT);
      f.svg = g_string_new (NULL);
      f.svg_family = svg_font_family (&f);
      cr = cairo_create (surface);
      break;

    case EMB_EXPORT_PDF:
      surface = cairo_pdf_surface_create_for_stream (append_bytes, bytes, width, height);
      cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, "EmbedLens");
      if (plot->title != NULL && *plot->title != '\0')
        cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, plot->title);
      cr = cairo_create (surface);
      break;

    default:
      _emb_figure_clear (&f);
      emb_set_error_file (error, EMB_ERROR_INVALID, path, "unknown export format %d", format);
      return FALSE;
    }

  drawn = _emb_figure_draw (&f, cr, format != EMB_EXPORT_PNG, cancellable);
  status = cairo_status (cr);
  cairo_destroy (cr);
  if (drawn && status == CAIRO_STATUS_SUCCESS)
    {
      if (format == EMB_EXPORT_PNG)
        status = cairo_surface_write_to_png_stream (surface, append_bytes, bytes);
      else
        {
          cairo_surface_finish (surface);
          status = cairo_surface_status (surface);
        }
    }
  cairo_surface_destroy (surface);

  if (drawn && status == CAIRO_STATUS_SUCCESS && f.svg != NULL)
    {
      result = svg_with_text (&f, bytes, f.svg);
      if (result == NULL)
        status = CAIRO_STATUS_WRITE_ERROR;
    }
  else if (drawn && status == CAIRO_STATUS_SUCCESS)
    result = g_bytes_new_static (bytes->data, bytes->len);
  if (f.svg != NULL)
    g_string_free (f.svg, TRUE);
  _emb_figure_clear (&f);

  if (!drawn)
    {
      g_cancellable_set_error_if_cancelled (cancellable, error);
      if (error != NULL && *error == NULL)
        emb_set_error_file (error, EMB_ERROR_IO, path, "drawing was interrupted");
      return FALSE;
    }
  if (!check_cairo (status, path, error))
    return FALSE;
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  return emb_file_write_atomically (path, g_bytes_get_data (result, NULL), g_bytes_get_size (result), error);
}

void
emb_plot_export_async (EmbPlotSpec         *spec,
                       const char          *path,
                       EmbExportFormat      format,
                       int                  width,
                       int                  height,
                       double               scale,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  ExportJob *job;

  g_return_if_fail (spec != NULL);
  g_return_if_fail (path != NULL);

  job = g_new0 (ExportJob, 1);
  job->spec = emb_plot_spec_ref (spec);
  job->path = g_strdup (path);
  job->format = format;
  job->width = width;
  job->height = height;
  job->scale = scale;

  emb_task_run (emb_plot_export_async, job, (GDestroyNotify) export_job_free, export_thread,
                cancellable, callback, user_data);
}

gboolean
emb_plot_export_finish (GAsyncResult  *result,
                        GError       **error)
{
  return emb_task_finish_boolean (result, emb_plot_export_async, error);
}
