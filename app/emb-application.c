/* emb-application.c: windows, app actions, and the system's dark style. */
#include "config.h"

#include "emb-application.h"
#include "io/emb-dataset.h"
#include "emb-ui.h"
#include "emb-window.h"

struct _EmbApplication
{
  GtkApplication  parent_instance;

  /* owned */
  GDBusProxy     *portal;
};

G_DEFINE_FINAL_TYPE (EmbApplication, emb_application, GTK_TYPE_APPLICATION)

/* auxiliary functions */

/* org.freedesktop.appearance color-scheme: 1 means the user prefers dark. */
static void
apply_color_scheme (GVariant *value)
{
  g_autoptr(GVariant) inner = NULL;
  guint32 scheme = 0;

  while (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      GVariant *next = g_variant_get_variant (value);
      g_clear_pointer (&inner, g_variant_unref);
      inner = next;
      value = next;
    }
  if (value != NULL && g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    scheme = g_variant_get_uint32 (value);
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", scheme == 1, NULL);
}

static void
portal_signal_cb (GDBusProxy *proxy,
                  const char *sender,
                  const char *signal,
                  GVariant   *params,
                  gpointer    user_data)
{
  const char *ns, *key;
  g_autoptr(GVariant) value = NULL;

  if (!g_str_equal (signal, "SettingChanged"))
    return;
  g_variant_get (params, "(&s&sv)", &ns, &key, &value);
  if (g_str_equal (ns, "org.freedesktop.appearance") && g_str_equal (key, "color-scheme"))
    apply_color_scheme (value);
}

static void
portal_read_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GVariant) reply = g_dbus_proxy_call_finish (G_DBUS_PROXY (source), result, NULL);
  g_autoptr(GVariant) value = NULL;

  if (reply == NULL)
    return;
  g_variant_get (reply, "(v)", &value);
  apply_color_scheme (value);
}

static void
portal_ready_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(EmbApplication) self = user_data;

  self->portal = g_dbus_proxy_new_for_bus_finish (result, NULL);
  if (self->portal == NULL)
    return;
  g_signal_connect (self->portal, "g-signal", G_CALLBACK (portal_signal_cb), NULL);
  g_dbus_proxy_call (self->portal, "Read",
                     g_variant_new ("(ss)", "org.freedesktop.appearance", "color-scheme"),
                     G_DBUS_CALL_FLAGS_NONE, 2000, NULL, portal_read_cb, NULL);
}

static EmbWindow *
new_window (EmbApplication *self)
{
  EmbWindow *window = emb_window_new (GTK_APPLICATION (self));
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

/* actions */

static void
quit_action (GSimpleAction *action,
             GVariant      *param,
             gpointer       user_data)
{
  /* Close each window so it saves its state; closing changes the list. */
  GList *windows = g_list_copy (gtk_application_get_windows (GTK_APPLICATION (user_data)));

  for (GList *it = windows; it != NULL; it = it->next)
    gtk_window_close (GTK_WINDOW (it->data));
  g_list_free (windows);
}

static void
about_action (GSimpleAction *action,
              GVariant      *param,
              gpointer       user_data)
{
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (user_data));
  const char *authors[] = { "The EmbedLens authors", NULL };

  gtk_show_about_dialog (parent,
                         "program-name", "EmbedLens",
                         "logo-icon-name", APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", "Explore embedding matrices with exact PCA and nearest neighbours",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "authors", authors,
                         "website", "https://github.com/embedlens/embedlens",
                         NULL);
}

static const GActionEntry app_actions[] = {
  { .name = "quit", .activate = quit_action },
  { .name = "about", .activate = about_action },
};

/* GApplication overrides */

static void
emb_application_startup (GApplication *app)
{
  EmbApplication *self = EMB_APPLICATION (app);

  emb_ui_ensure_resources ();
  G_APPLICATION_CLASS (emb_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions, G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", (const char *[]) { "<Control>q", NULL });
  gtk_window_set_default_icon_name (APP_ID);

  g_dbus_proxy_new_for_bus (G_BUS_TYPE_SESSION,
                            G_DBUS_PROXY_FLAGS_DO_NOT_LOAD_PROPERTIES | G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START_AT_CONSTRUCTION,
                            NULL, "org.freedesktop.portal.Desktop", "/org/freedesktop/portal/desktop",
                            "org.freedesktop.portal.Settings", NULL, portal_ready_cb, g_object_ref (self));
}

static void
emb_application_activate (GApplication *app)
{
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window != NULL)
    {
      gtk_window_present (window);
      return;
    }
  /* No file: the bundled sample, so there is always something to explore. */
  emb_window_open (new_window (EMB_APPLICATION (app)), EMB_SAMPLE_NAME);
}

static void
emb_application_open (GApplication  *app,
                      GFile        **files,
                      int            n_files,
                      const char    *hint)
{
  for (int i = 0; i < n_files; i++)
    {
      g_autofree char *path = g_file_get_path (files[i]);
      EmbWindow *window = new_window (EMB_APPLICATION (app));

      if (path != NULL)
        emb_window_open (window, path);
    }
}

static void
emb_application_dispose (GObject *object)
{
  EmbApplication *self = EMB_APPLICATION (object);

  g_clear_object (&self->portal);
  G_OBJECT_CLASS (emb_application_parent_class)->dispose (object);
}

static void
emb_application_class_init (EmbApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->dispose = emb_application_dispose;
  app_class->startup = emb_application_startup;
  app_class->activate = emb_application_activate;
  app_class->open = emb_application_open;
}

static void
emb_application_init (EmbApplication *self)
{
}

/* public API */

EmbApplication *
emb_application_new (void)
{
  return g_object_new (EMB_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE,
                       "resource-base-path", RESOURCE_PREFIX,
                       NULL);
}
