/* emb-application.h: the GtkApplication. */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define EMB_TYPE_APPLICATION (emb_application_get_type ())
G_DECLARE_FINAL_TYPE (EmbApplication, emb_application, EMB, APPLICATION, GtkApplication)

EmbApplication *emb_application_new (void);

G_END_DECLS
