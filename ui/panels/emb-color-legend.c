/* emb-color-legend.c: the legend's entries, one button each.
 *
 * The legend only shows what it is given; what the entries stand for and
 * what isolating one means is the colour panel's business, told through
 * "entry-clicked".  The swatch, entry and ramp builders here serve the
 * panel's ramp legend in the view bar too.
 */
#include "config.h"

#include "emb-color-legend.h"

struct _EmbColorLegend
{
  GtkBox      parent_instance;

  /* template widgets */
  GtkFlowBox *legend_flow;

  /* owned */
  guint       n_entries;
};

enum
{
  ENTRY_CLICKED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (EmbColorLegend, emb_color_legend, GTK_TYPE_BOX)

/* callbacks */

static void
entry_clicked_cb (GtkButton      *button,
                  EmbColorLegend *self)
{
  guint index = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (button), "entry"));

  g_signal_emit (self, signals[ENTRY_CLICKED], 0, index);
}

/* GObject overrides */

static void
emb_color_legend_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), EMB_TYPE_COLOR_LEGEND);
  G_OBJECT_CLASS (emb_color_legend_parent_class)->dispose (object);
}

static void
emb_color_legend_class_init (EmbColorLegendClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = emb_color_legend_dispose;

  /* An entry was clicked: its index, in the order appended. */
  signals[ENTRY_CLICKED] =
    g_signal_new ("entry-clicked", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);

  gtk_widget_class_set_template_from_resource (widget_class, RESOURCE_PREFIX "/ui/emb-color-legend.ui");
  gtk_widget_class_bind_template_child (widget_class, EmbColorLegend, legend_flow);
}

static void
emb_color_legend_init (EmbColorLegend *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/* public API */

GtkWidget *
emb_color_swatch_new (guint32 rgb)
{
  GtkWidget *swatch = gtk_drawing_area_new ();
  g_autofree char *css = g_strdup_printf ("* { background: #%06x; }", rgb);
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();

  gtk_css_provider_load_from_data (provider, css, -1);
  gtk_style_context_add_provider (gtk_widget_get_style_context (swatch),
                                  GTK_STYLE_PROVIDER (provider),
                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  gtk_widget_set_size_request (swatch, 10, 10);
  gtk_widget_set_valign (swatch, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (swatch, "swatch");
  return swatch;
}

GtkWidget *
emb_color_entry_new (guint32     rgb,
                     const char *name,
                     int         max_chars)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
  GtkWidget *label = gtk_label_new (name[0] ? name : "(empty)");

  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), max_chars);
  gtk_box_append (GTK_BOX (box), emb_color_swatch_new (rgb));
  gtk_box_append (GTK_BOX (box), label);
  return box;
}

GtkWidget *
emb_color_more_new (guint n)
{
  g_autofree char *more = g_strdup_printf ("+%u more", n);
  GtkWidget *label = gtk_label_new (more);

  gtk_widget_add_css_class (label, "dim-label");
  return label;
}

void
emb_color_ramp_fill (GtkBox        *box,
                     const guint32 *palette,
                     guint          n_bins,
                     const char    *lo,
                     const char    *hi)
{
  gtk_box_append (box, emb_color_entry_new (palette[0], lo, 14));
  gtk_box_append (box, emb_color_swatch_new (palette[n_bins / 4]));
  gtk_box_append (box, emb_color_swatch_new (palette[n_bins / 2]));
  gtk_box_append (box, emb_color_swatch_new (palette[3 * n_bins / 4]));
  gtk_box_append (box, emb_color_entry_new (palette[n_bins - 1], hi, 10));
}

void
emb_color_legend_clear (EmbColorLegend *self)
{
  GtkWidget *child;

  g_return_if_fail (EMB_IS_COLOR_LEGEND (self));

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->legend_flow))) != NULL)
    gtk_flow_box_remove (self->legend_flow, child);
  self->n_entries = 0;
  gtk_widget_set_visible (GTK_WIDGET (self->legend_flow), FALSE);
}

void
emb_color_legend_append (EmbColorLegend *self,
                         guint32         rgb,
                         const char     *name,
                         int             max_chars,
                         const char     *tooltip,
                         gboolean        isolated)
{
  GtkWidget *button;

  g_return_if_fail (EMB_IS_COLOR_LEGEND (self));

  button = gtk_button_new ();
  gtk_button_set_child (GTK_BUTTON (button), emb_color_entry_new (rgb, name, max_chars));
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_add_css_class (button, "legend-entry");
  if (isolated)
    gtk_widget_add_css_class (button, "isolated");
  if (tooltip != NULL)
    gtk_widget_set_tooltip_text (button, tooltip);
  g_object_set_data (G_OBJECT (button), "entry", GUINT_TO_POINTER (self->n_entries));
  g_signal_connect (button, "clicked", G_CALLBACK (entry_clicked_cb), self);
  gtk_flow_box_append (self->legend_flow, button);
  self->n_entries++;
  gtk_widget_set_visible (GTK_WIDGET (self->legend_flow), TRUE);
}

guint
emb_color_legend_n_entries (EmbColorLegend *self)
{
  g_return_val_if_fail (EMB_IS_COLOR_LEGEND (self), 0);

  return self->n_entries;
}
