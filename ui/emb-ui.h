/* emb-ui.h: the UI library's resources (templates, style, shortcuts). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Registers the UI resources once; safe to call from any class_init. */
void emb_ui_ensure_resources (void);

G_END_DECLS
