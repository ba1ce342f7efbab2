/* emb-parse.h: number and JSON helpers the text and JSON readers share,
 * and the rule for paths named inside files. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Locale-independent float parsing.  Parses one number starting at *p,
 * never reading at or past end; on success stores it and moves *p past
 * it.  Accepts [+-]digits[.digits][(e|E)[+-]digits], ".5", "5.", and
 * nan/inf in any case (the caller refuses non-finite values). */
gboolean emb_parse_float    (const char **p, const char *end, float *out);

/* A short quote of the len bytes at s for a message: valid UTF-8, at
 * most about EMB_PREVIEW_BYTES, cut between characters, "…" when cut. */
#define EMB_PREVIEW_BYTES 20
char    *emb_parse_preview  (const char *s, gsize len);

/* JSON readers refuse files nesting deeper than this before json-glib,
 * which recurses per level, parses them.  Real files nest a few levels. */
#define EMB_JSON_MAX_DEPTH 64

/* Whether the JSON in data nests arrays and objects at most max_depth
 * deep; when not, *offset (may be NULL) is the byte of the first bracket
 * too deep. */
gboolean emb_json_depth_ok  (const guint8 *data, gsize size, guint max_depth,
                             gsize *offset);

/* Whether parsing the size bytes of JSON at data with json-glib (which
 * aborts when out of memory) fits in the memory available; FALSE with
 * EMB_ERROR_TOO_LARGE naming the file (name) and both sizes. */
gboolean emb_json_memory_check (const char *name, const guint8 *data, gsize size,
                                GError **error);

/* Reports a json-glib parse error as "NAME:LINE: column C: WHAT: cause"
 * (json-glib itself says "<data>:LINE:COL: Parse error: cause"). */
void     emb_set_json_error (GError **error, const char *name, const char *what,
                             const GError *json_error);

/* Whether path, named inside a file (a shard in an index, a tensor in a
 * projector config), stays in that file's folder: relative, not a URI, no
 * backslash, no empty, "." or ".." part.  Files may only point beside or
 * below themselves; anything else has to be given by the user. */
gboolean emb_path_is_inside (const char *path);

G_END_DECLS
