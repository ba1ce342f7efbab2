/* emb-csv.h: writing CSV (RFC 4180). */
#pragma once

#include <glib.h>

#include "model/emb-vocab.h"

G_BEGIN_DECLS

/* Appends text as one field, quoted when it holds a comma, a quote or a
 * line break (quotes inside doubled). */
void emb_csv_append_field (GString    *out,
                           const char *text);

/* Appends token id as text a program can use: decoded (GPT-2's "Ċ" is a
 * real newline, quoted), not the one-line display form; bytes that are
 * not UTF-8 become U+FFFD. */
void emb_csv_append_token (GString        *out,
                           const EmbVocab *vocab,
                           gsize           id);

/* Appends a float that reads back exactly (%.9g), whatever the locale. */
void emb_csv_append_float (GString *out,
                           double   value);

G_END_DECLS
