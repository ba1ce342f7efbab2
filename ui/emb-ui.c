/* emb-ui.c: registers the UI library's resources (templates, style). */
#include "config.h"

#include <gio/gio.h>

#include "emb-ui.h"
#include "emb-ui-resources.h"

void
emb_ui_ensure_resources (void)
{
  static gsize done = 0;

  if (g_once_init_enter (&done))
    {
      emb_ui_register_resource ();
      g_once_init_leave (&done, 1);
    }
}
