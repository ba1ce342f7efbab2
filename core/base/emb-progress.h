/* emb-progress.h: how long work reports how far it has got. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Called from the working thread with the fraction done, 0 .. 1. */
typedef void (*EmbProgressFunc) (double   fraction,
                                 gpointer user_data);

G_END_DECLS
