/* emb-csv.h: writing CSV (RFC 4180). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Appends text as one field, quoted when it holds a comma, a quote or a
 * line break (quotes inside doubled). */
void emb_csv_append_field (GString    *out,
                           const char *text);

/* Appends a float that reads back exactly (%.9g), whatever the locale. */
void emb_csv_append_float (GString *out,
                           double   value);

G_END_DECLS
