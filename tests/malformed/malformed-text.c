/* malformed-text.c: the malformed-input cases of the GloVe and word2vec text
 * readers: every file is text, the place found by a mark in it. */
#include <math.h>
#include <string.h>

#include "io/emb-parse.h"
#include "malformed.h"

static const MalformedCase cases[] = {
  /* GloVe: "token v1 .. vd", no header. */
  TEXT ("glove", "only blank lines", ".txt", "\n  \n\t\n", NULL,
        FORMAT, AT_FILE, "no vectors found", DETECT),
  TEXT ("glove", "a token with no values, after blank lines", ".txt",
        "\n\nhello\nworld 1 2\n", "hello",
        FORMAT, AT_LINE, "'hello' has no values after it", DETECT),
  TEXT ("glove", "a row with a value missing", ".txt",
        "a 1 2 3\nb 4 5\nc 6 7 8\n", "b 4 5",
        SHAPE, AT_LINE, "expected 3 values, found 2", DETECT),
  TEXT ("glove", "a row with a value too many", ".txt",
        "a 1 2\nb 3 4 5\n", "b 3",
        SHAPE, AT_LINE, "expected 2 values, found 3", DETECT),
  TEXT ("glove", "a CRLF row with a value missing", ".txt",
        "a 1 2\r\nb 3\r\nc 4 5\r\n", "b 3",
        SHAPE, AT_LINE, "expected 2 values, found 1", DETECT),
  TEXT ("glove", "a bad number", ".txt",
        "a 1 2\nb 3 x4\n", "b 3",
        PARSE, AT_LINE, "'x4' is not a number", DETECT),
  /* 'x' is the 3rd character of its line. */
  TEXT ("glove", "a bad first value", ".txt",
        "a 1 2\nb x 2\n", "b x",
        PARSE, AT_LINE, "value 1 (column 3): 'x' is not a number", DETECT),
  TEXT ("glove", "invalid UTF-8 in a bad value", ".txt",
        "a 1 2\nb 3 \xff\xfe\n", "b 3",
        PARSE, AT_LINE, "is not a number", DETECT),
  TEXT ("glove", "a long bad value", ".txt",
        "a 1 2\nb 3 xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n", "b 3",
        PARSE, AT_LINE, "…' is not a number", DETECT),
  TEXT ("glove", "nan", ".txt",
        "a 1 2\nb nan 3\n", "b nan",
        NON_FINITE, AT_LINE, "'nan' is not a finite number", DETECT),
  TEXT ("glove", "a value past the float range", ".txt",
        "a 1 2\nb 1e99 3\n", "b 1e99",
        NON_FINITE, AT_LINE, "'1e99' is outside the float range", DETECT),

  /* word2vec / fastText text: a "ROWS COLUMNS" header line. */
  TEXT ("word2vec-text", "header only", ".vec", "2 3\n", "2 3",
        TRUNCATED, AT_LINE, "but the file has 0 after the header", DETECT),
  TEXT ("word2vec-text", "header not two numbers", ".vec", "2 x\na 1 2\nb 3 4\n", "2 x",
        PARSE, AT_LINE, "expected a header line 'ROWS COLUMNS'", 0),
  TEXT ("word2vec-text", "header says 0 columns", ".vec", "2 0\na\nb\n", "2 0",
        PARSE, AT_LINE, "header says rows have 0 values", 0),
  TEXT ("word2vec-text", "fewer rows than the header says", ".vec",
        "3 2\na 1.0 2.0\nb 3.0 4.0\n", "3 2",
        TRUNCATED, AT_LINE, "header says 3 rows, file has 2", DETECT),
  TEXT ("word2vec-text", "a header then blank lines only", ".vec",
        "2 2\n\n\n\n\n\n\n\n\n\n\n", "2 2",
        TRUNCATED, AT_LINE, "header says 2 rows, file has 0", DETECT),
  TEXT ("word2vec-text", "more rows than the header says", ".vec",
        "1 2\na 1 2\nb 3 4\n", "b 3 4",
        SHAPE, AT_LINE, "header says 1 row, file has more", DETECT),
  TEXT ("word2vec-text", "a row with a value missing", ".vec",
        "2 3\na 1 2 3\nb 1 2\n", "b 1 2",
        SHAPE, AT_LINE, "expected 3 values, found 2", DETECT),
  TEXT ("word2vec-text", "a bad number", ".vec",
        "2 2\na 1 2\nb 1 zz\n", "b 1",
        PARSE, AT_LINE, "'zz' is not a number", DETECT),
  TEXT ("word2vec-text", "header 10^15 x 10^15", ".vec",
        "1000000000000000 1000000000000000\na 1\n", "1000",
        TOO_LARGE, AT_LINE, "which does not fit in memory", DETECT),
  TEXT ("word2vec-text", "header 10^15 rows of 3", ".vec",
        "1000000000000000 3\na 1 2 3\n", "1000",
        TRUNCATED, AT_LINE, "which need at least 6999999999999999 bytes", DETECT),
  TEXT ("word2vec-text", "header numbers past 64 bits", ".vec",
        "99999999999999999999999 2\na 1 2\n", "9999",
        TOO_LARGE, AT_LINE, "the header's sizes are too large", DETECT),

};

const MalformedTable malformed_text_cases = { cases, G_N_ELEMENTS (cases) };
