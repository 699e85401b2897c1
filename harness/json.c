/*
 * json: the layer between sockgrade and jansson.  jansson parses and prints;
 * this file keeps what sockgrade promises on top of it: strings that are
 * always valid UTF-8 (a student's bytes are never refused), text that may
 * sit inside an HTML <script>, our number format, and error messages in
 * our "LINE:COL: what" form.
 *
 * A struct json is a json_t: the header only names it, and the two casts
 * below are the one place where the names meet.
 */
#include "json.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(sizeof(json_int_t) == sizeof(long long), "jansson integers are long long");

static json_t *node(const struct json *j)
{
	return (json_t *)j;
}

static struct json *handle(json_t *j)
{
	return (struct json *)j;
}

/* jansson fails to build or print a value only when out of memory here; so does xmalloc. */
static void oom(void)
{
	fputs("sockgrade: internal error: out of memory\n", stderr);
	abort();
}

static json_t *must(json_t *j)
{
	if (!j)
		oom();
	return j;
}

/* ---- UTF-8 ---- */

/* utf8_len (util.h) accepts the same sequences jansson does. */

/* Bytes at the start of s that are well-formed UTF-8 (len when all are). */
static size_t utf8_valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len && (n = utf8_len(p + i, len - i)))
		i += n;
	return i;
}

/* Appends s with each byte that is not part of well-formed UTF-8 replaced by U+FFFD. */
static void add_utf8(struct strbuf *sb, const char *s, size_t len)
{
	size_t i = 0;

	for (;;) {
		size_t n = utf8_valid(s + i, len - i);

		sb_add(sb, s + i, n);
		i += n;
		if (i == len)
			break;
		sb_adds(sb, "\xef\xbf\xbd");
		i++;
	}
}

/* A jansson string of s, sanitised: jansson refuses invalid UTF-8, we replace it. */
static json_t *new_string(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	json_t *j;

	if (utf8_valid(s, len) == len)
		return must(json_stringn_nocheck(s, len));
	add_utf8(&sb, s, len);
	j = json_stringn_nocheck(sb.buf, sb.len);
	sb_release(&sb);
	return must(j);
}

/* ---- numbers ---- */

/* Replaces the locale's decimal point in buf, if it is not '.', with '.'. */
static void dot_decimal_point(char *buf)
{
	const char *dp = localeconv()->decimal_point;
	char *q;

	if (!dp || !*dp || !strcmp(dp, "."))
		return;
	q = strstr(buf, dp);
	if (q) {
		size_t k = strlen(dp);
		*q = '.';
		memmove(q + 1, q + k, strlen(q + k) + 1);
	}
}

/* Writes finite v as jw_double() promises: the shortest of %.15g..%.17g that reads back. */
static void format_double(char *buf, size_t n, double v)
{
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, n, "%.*g", prec, v);
		if (prec == 17 || strtod(buf, NULL) == v)
			break;
	}
	dot_decimal_point(buf);
}

/* The value of a real of jansson's text (a '.' whatever the locale, %.17g: exact). */
static double real_value(const char *tok, size_t len)
{
	const char *dp = localeconv()->decimal_point;
	char buf[128];
	size_t k = 0;

	if (!dp || !*dp)
		dp = ".";
	for (size_t i = 0; i < len && k + strlen(dp) < sizeof buf; i++) {
		if (tok[i] == '.') {
			memcpy(buf + k, dp, strlen(dp));
			k += strlen(dp);
		} else {
			buf[k++] = tok[i];
		}
	}
	buf[k] = '\0';
	return strtod(buf, NULL);
}

/* ---- writer ---- */

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int is_number_char(unsigned char c)
{
	return is_digit(c) || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

/*
 * Appends len bytes of jansson's text as sockgrade writes it.  Inside
 * strings: '<', '>', '&', U+2028 and U+2029 escaped, and the \u escapes of
 * control characters in lowercase hex.  Outside them: each real (jansson
 * writes %.17g, adds ".0" to whole numbers and drops '+' and leading zeros
 * from exponents) rewritten by format_double(); integers stay as they are.
 */
static void add_dump(struct strbuf *sb, const char *t, size_t len)
{
	size_t i = 0, plain = 0;	/* t[plain..i) is waiting to be copied as is */
	int in_string = 0;
	char buf[64];

	while (i < len) {
		unsigned char c = (unsigned char)t[i];
		const char *esc = NULL;
		size_t n = 1;

		if (!in_string) {
			if (c == '"') {
				in_string = 1;
			} else if (c == '-' || is_digit(c)) {
				int real = 0;

				while (i + n < len && is_number_char((unsigned char)t[i + n]))
					n++;
				for (size_t k = i; k < i + n; k++)
					real |= t[k] == '.' || t[k] == 'e' || t[k] == 'E';
				if (real) {
					format_double(buf, sizeof buf, real_value(t + i, n));
					esc = buf;
				}
			}
		} else {
			switch (c) {
			case '"': in_string = 0; break;
			case '<': esc = "\\u003c"; break;
			case '>': esc = "\\u003e"; break;
			case '&': esc = "\\u0026"; break;
			case '\\':
				n = 2;
				if (i + 6 <= len && t[i + 1] == 'u') {
					n = 6;
					memcpy(buf, t + i, 6);
					for (size_t k = 2; k < 6; k++)
						if (buf[k] >= 'A' && buf[k] <= 'F')
							buf[k] = (char)(buf[k] - 'A' + 'a');
					buf[6] = '\0';
					esc = buf;
				}
				break;
			case 0xe2:
				if (i + 3 <= len && (unsigned char)t[i + 1] == 0x80 &&
				    ((unsigned char)t[i + 2] == 0xa8 || (unsigned char)t[i + 2] == 0xa9)) {
					esc = (unsigned char)t[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
					n = 3;
				}
				break;
			}
		}
		if (esc) {
			sb_add(sb, t + plain, i - plain);
			sb_adds(sb, esc);
			plain = i + n;
		}
		i += n;
	}
	sb_add(sb, t + plain, len - plain);
}

/* Appends the text of one finished top-level value. */
static void jw_emit(struct json_writer *w, const json_t *v)
{
	/* insertion order: jansson's only order since 2.8, asked for all the same */
	size_t flags = JSON_ENCODE_ANY | JSON_PRESERVE_ORDER |
		       (w->pretty ? JSON_INDENT(2) : JSON_COMPACT);
	/* fails only without memory: every string and key in the tree is valid UTF-8 */
	char *text = json_dumps(v, flags);

	if (!text)
		oom();
	if (w->values++ && !w->pretty)
		sb_addc(w->out, '\n');
	add_dump(w->out, text, strlen(text));
	if (w->pretty)
		sb_addc(w->out, '\n');
	free(text);
}

static json_t *jw_top(const struct json_writer *w)
{
	return w->depth ? node(w->open[w->depth - 1]) : NULL;
}

/* Hands v (a new reference) to the open container, or writes it when nothing is open. */
static void jw_add(struct json_writer *w, json_t *v)
{
	json_t *parent = jw_top(w);

	if (!parent) {
		jw_emit(w, v);
		json_decref(v);
	} else if (json_is_object(parent)) {
		if (json_object_set_new_nocheck(parent, w->key ? w->key : "", v) < 0)
			oom();
		free(w->key);
		w->key = NULL;
	} else if (json_array_append_new(parent, v) < 0) {
		oom();
	}
}

void jw_init(struct json_writer *w, struct strbuf *out, int pretty)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->pretty = pretty;
}

void jw_release(struct json_writer *w)
{
	if (w->depth)
		json_decref(node(w->open[0]));
	free(w->open);
	free(w->key);
	w->open = NULL;
	w->key = NULL;
	w->depth = 0;
	w->cap = 0;
}

/* Opens container c: its parent owns it, or the writer while it is the top-level value. */
static void jw_begin(struct json_writer *w, json_t *c)
{
	must(c);
	if (w->depth)
		jw_add(w, c);
	if ((size_t)w->depth == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->open = xrealloc(w->open, w->cap * sizeof *w->open);
	}
	w->open[w->depth++] = handle(c);
}

/* Closes the innermost container (of either kind); the top-level one is written. */
static void jw_end(struct json_writer *w)
{
	json_t *root;

	if (!w->depth)
		return;
	if (w->key)
		jw_add(w, must(json_null()));
	if (--w->depth)
		return;
	root = node(w->open[0]);
	jw_emit(w, root);
	json_decref(root);
	free(w->open);
	w->open = NULL;
	w->cap = 0;
}

void jw_object_begin(struct json_writer *w)
{
	jw_begin(w, json_object());
}

void jw_object_end(struct json_writer *w)
{
	jw_end(w);
}

void jw_array_begin(struct json_writer *w)
{
	jw_begin(w, json_array());
}

void jw_array_end(struct json_writer *w)
{
	jw_end(w);
}

void jw_key(struct json_writer *w, const char *key)
{
	struct strbuf sb = STRBUF_INIT;

	if (!json_is_object(jw_top(w)))
		return;
	if (w->key)
		jw_add(w, must(json_null()));
	add_utf8(&sb, key ? key : "", key ? strlen(key) : 0);
	w->key = sb_detach(&sb, NULL);
}

void jw_string(struct json_writer *w, const char *s)
{
	jw_string_len(w, s, s ? strlen(s) : 0);
}

void jw_string_len(struct json_writer *w, const char *s, size_t len)
{
	jw_add(w, s ? new_string(s, len) : must(json_null()));
}

void jw_int(struct json_writer *w, long long v)
{
	jw_add(w, must(json_integer(v)));
}

void jw_double(struct json_writer *w, double v)
{
	jw_add(w, must(isfinite(v) ? json_real(v) : json_null()));
}

void jw_bool(struct json_writer *w, int v)
{
	jw_add(w, must(json_boolean(v)));
}

void jw_null(struct json_writer *w)
{
	jw_add(w, must(json_null()));
}

/* ---- reader ---- */

/* Fills err with "LINE:COL: jansson's message", bytes that would not print as \xHH. */
static void describe_error(char *err, const json_error_t *e)
{
	struct strbuf sb = STRBUF_INIT;

	sb_addf(&sb, "%d:%d: ", e->line > 0 ? e->line : 1, e->column > 0 ? e->column : 1);
	for (const unsigned char *p = (const unsigned char *)e->text; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f)
			sb_addf(&sb, "\\x%02x", *p);
		else
			sb_addc(&sb, (char)*p);
	}
	snprintf(err, ERRLEN, "%s", sb.buf);
	sb_release(&sb);
}

struct json *json_parse(const char *text, size_t len, char *err)
{
	json_error_t e;
	json_t *j = json_loadb(text ? text : "", text ? len : 0,
			       JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);

	if (!j && err)
		describe_error(err, &e);
	return handle(j);
}

void json_free(struct json *j)
{
	json_decref(node(j));
}

struct json *json_parse_file(const char *path, char *err)
{
	struct strbuf text = STRBUF_INIT;
	char jerr[ERRLEN];
	struct json *root = NULL;

	if (read_file(path, &text) < 0) {
		if (err)
			snprintf(err, ERRLEN, "%s: cannot read: %s", path, strerror(errno));
	} else if (!(root = json_parse(text.buf, text.len, jerr)) && err) {
		snprintf(err, ERRLEN, "%s:%s", path, jerr);
	}
	sb_release(&text);
	return root;
}

/* ---- accessors ---- */

enum json_kind json_kind(const struct json *j)
{
	switch (j ? json_typeof(node(j)) : JSON_NULL) {
	case JSON_OBJECT: return JSON_KIND_OBJECT;
	case JSON_ARRAY: return JSON_KIND_ARRAY;
	case JSON_STRING: return JSON_KIND_STRING;
	case JSON_INTEGER:
	case JSON_REAL: return JSON_KIND_NUMBER;
	case JSON_TRUE:
	case JSON_FALSE: return JSON_KIND_BOOL;
	case JSON_NULL: break;
	}
	return JSON_KIND_NULL;
}

const struct json *json_get(const struct json *obj, const char *key)
{
	return handle(json_object_get(node(obj), key));
}

size_t json_len(const struct json *j)
{
	if (json_is_array(node(j)))
		return json_array_size(node(j));
	if (json_is_object(node(j)))
		return json_object_size(node(j));
	return 0;
}

const struct json *json_at(const struct json *arr, size_t i)
{
	return handle(json_array_get(node(arr), i));
}

/* jansson's iterator at member i of obj; NULL if not an object or out of range. */
static void *member(const struct json *obj, size_t i)
{
	json_t *o = node(obj);
	void *it = json_is_object(o) ? json_object_iter(o) : NULL;

	while (it && i--)
		it = json_object_iter_next(o, it);
	return it;
}

const char *json_key_at(const struct json *obj, size_t i)
{
	void *it = member(obj, i);

	return it ? json_object_iter_key(it) : NULL;
}

const struct json *json_value_at(const struct json *obj, size_t i)
{
	void *it = member(obj, i);

	return it ? handle(json_object_iter_value(it)) : NULL;
}

const char *json_str(const struct json *j, const char *dflt)
{
	return json_is_string(node(j)) ? json_string_value(node(j)) : dflt;
}

size_t json_str_len(const struct json *j)
{
	return json_is_string(node(j)) ? json_string_length(node(j)) : 0;
}

double json_num(const struct json *j, double dflt)
{
	return json_is_number(node(j)) ? json_number_value(node(j)) : dflt;
}

long long json_int(const struct json *j, long long dflt)
{
	double d;

	if (json_is_integer(node(j)))
		return json_integer_value(node(j));
	if (!json_is_real(node(j)))
		return dflt;
	d = json_real_value(node(j));
	/* both bounds are exact doubles: -2^63 and 2^63 */
	if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
	    (double)(long long)d == d)
		return (long long)d;
	return dflt;
}

int json_bool(const struct json *j, int dflt)
{
	if (json_is_true(node(j)))
		return 1;
	if (json_is_false(node(j)))
		return 0;
	return dflt;
}

const char *json_get_str(const struct json *obj, const char *key, const char *dflt)
{
	return json_str(json_get(obj, key), dflt);
}

double json_get_num(const struct json *obj, const char *key, double dflt)
{
	return json_num(json_get(obj, key), dflt);
}

int json_get_int(const struct json *obj, const char *key, int lo, int hi, int dflt)
{
	double v = json_num(json_get(obj, key), NAN);
	/* NaN fails both comparisons: a missing or non-number member is dflt too */
	if (!(v >= lo && v <= hi) || v != (double)(int)v)
		return dflt;
	return (int)v;
}

int json_remove(struct json *obj, const char *key)
{
	return json_object_del(node(obj), key) == 0;
}

void json_str_truncate(struct json *j, size_t len)
{
	/* nocheck: a cut may end inside a character; the tree is read, never printed */
	if (json_str_len(j) > len && json_string_setn_nocheck(node(j), json_str(j, ""), len) < 0)
		oom();
}
