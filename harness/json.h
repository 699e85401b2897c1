/*
 * json: sockgrade's JSON writer (into a strbuf) and reader, a thin layer over
 * jansson (Debian's libjansson-dev; nothing newer than jansson 2.13 is used).
 * Callers never see jansson: a struct json is a jansson node under our name.
 */
#ifndef SG_JSON_H
#define SG_JSON_H

#include <stddef.h>

#include "util.h"

struct json;

/*
 * Writer.  Appends JSON text to out; commas, colons and (when pretty)
 * newlines and indentation are jansson's business.  Strings are sanitised:
 * invalid UTF-8 bytes become U+FFFD, and '<', '>', '&', U+2028 and U+2029
 * are escaped so the output can sit inside an HTML <script>.
 *
 * The calls build a tree; the text of a top-level value is appended when
 * that value is complete, and the tree is freed then.  A second value at
 * the top level starts on a new line (JSON Lines).  Unbalanced calls are
 * the caller's bug and still give valid JSON: an _end at depth 0 does
 * nothing, a key without a value gets null, a value in an object without a
 * key gets the key "", a key outside an object is dropped, and a key given
 * twice in one object keeps its first place and its last value.
 */
struct json_writer {
	struct strbuf *out;	/* where the text goes (not owned) */
	int pretty;		/* 1: 2-space indent, one item a line, final newline */
	int depth;		/* containers open now */
	int values;		/* top-level values written so far */
	struct json **open;	/* the open containers, outermost first */
	size_t cap;		/* slots allocated in open */
	char *key;		/* the key of the coming value, or NULL */
};

void jw_init(struct json_writer *w, struct strbuf *out, int pretty);
/* Drops a document left unfinished, writing nothing of it; the writer may start another. */
void jw_release(struct json_writer *w);
void jw_object_begin(struct json_writer *w);
void jw_object_end(struct json_writer *w);
void jw_array_begin(struct json_writer *w);
void jw_array_end(struct json_writer *w);
/* The next value belongs to this key (NULL is written as ""). */
void jw_key(struct json_writer *w, const char *key);
/* NULL writes null. */
void jw_string(struct json_writer *w, const char *s);
/* len bytes, NULs included (written as \u0000); NULL writes null. */
void jw_string_len(struct json_writer *w, const char *s, size_t len);
void jw_int(struct json_writer *w, long long v);
/* The shortest of %.15g..%.17g that reads back as v; NaN and infinities write null. */
void jw_double(struct json_writer *w, double v);
void jw_bool(struct json_writer *w, int v);
void jw_null(struct json_writer *w);

/*
 * Reader.  A parsed document is a tree of struct json nodes owned by the
 * root; free it with json_free(root).  Every accessor takes NULL (and a
 * node of the wrong type) and answers with its default, so lookups chain:
 * json_get_num(json_get(root, "limits"), "timeout", 2.0).
 */
enum json_kind {
	JSON_KIND_NULL,
	JSON_KIND_BOOL,
	JSON_KIND_NUMBER,
	JSON_KIND_STRING,
	JSON_KIND_ARRAY,
	JSON_KIND_OBJECT,
};

/*
 * Parses exactly len bytes of text (no NUL terminator needed) as one JSON
 * value with optional surrounding whitespace, as jansson does: RFC 8259
 * strictly (no lone surrogates either), \u0000 allowed in strings but not
 * in keys, integer literals within long long, nesting up to jansson's
 * JSON_PARSER_MAX_DEPTH (2048); a key that repeats keeps its first place
 * and its last value.  Returns the root, or NULL with err (ERRLEN bytes,
 * may be NULL) set to "LINE:COL: jansson's message", both 1-based, the
 * column counting characters and naming the last one jansson read.
 */
struct json *json_parse(const char *text, size_t len, char *err);
void json_free(struct json *j);
/* Reads and parses a whole file; NULL with err "path: cannot read: ..." or "path:LINE:COL: ...". */
struct json *json_parse_file(const char *path, char *err);

/* Removes member key of obj (an object), freeing its value; 0 when there was none. */
int json_remove(struct json *obj, const char *key);

/* Shortens a string to at most len bytes, even inside a character (nothing for other kinds). */
void json_str_truncate(struct json *j, size_t len);

/* The node's kind; JSON_KIND_NULL for NULL too. */
enum json_kind json_kind(const struct json *j);
/* The value of member key; NULL if none. */
const struct json *json_get(const struct json *obj, const char *key);
/* Items of an array, members of an object; 0 for anything else. */
size_t json_len(const struct json *j);
/* Array item i; NULL if not an array or out of range. */
const struct json *json_at(const struct json *arr, size_t i);
/*
 * Object member i, in document order; NULL if not an object or out of
 * range.  Each call walks i members: fine for the small objects we loop on.
 */
const char *json_key_at(const struct json *obj, size_t i);
const struct json *json_value_at(const struct json *obj, size_t i);
/* The string's bytes, NUL-terminated (it may hold NULs: see json_str_len); else dflt. */
const char *json_str(const struct json *j, const char *dflt);
/* The string's length in bytes; 0 if not a string. */
size_t json_str_len(const struct json *j);
double json_num(const struct json *j, double dflt);
/* The number if it is a whole number that fits (integer literals are exact); else dflt. */
long long json_int(const struct json *j, long long dflt);
/* 1 or 0 for true or false; dflt for anything else. */
int json_bool(const struct json *j, int dflt);
/* json_str(json_get(obj, key), dflt) and json_num(json_get(obj, key), dflt). */
const char *json_get_str(const struct json *obj, const char *key, const char *dflt);
double json_get_num(const struct json *obj, const char *key, double dflt);
/* obj[key] as an int when it is a whole number in [lo, hi]; else dflt (never a cast out of range). */
int json_get_int(const struct json *obj, const char *key, int lo, int hi, int dflt);

#endif
