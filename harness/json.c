#include "json.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 256

/* ---- UTF-8 ---- */

/*
 * Length (1 to 4) of the well-formed UTF-8 sequence at p, which has n > 0
 * bytes available; 0 if ill-formed: a stray continuation byte, an overlong
 * form, a surrogate, a value past U+10FFFF or a sequence cut short.
 */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c < 0xc2)
		return 0;
	if (c < 0xe0) {
		need = 2;
	} else if (c < 0xf0) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c < 0xf5) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < need; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return need;
}

/* The code point of a sequence utf8_len() accepted as n bytes long. */
static unsigned long utf8_decode(const unsigned char *p, size_t n)
{
	static const unsigned char lead_mask[] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	unsigned long cp = p[0] & lead_mask[n];

	for (size_t i = 1; i < n; i++)
		cp = cp << 6 | (p[i] & 0x3f);
	return cp;
}

static void utf8_put(struct strbuf *sb, unsigned long cp)
{
	unsigned char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (unsigned char)cp;
		n = 1;
	} else if (cp < 0x800) {
		b[0] = (unsigned char)(0xc0 | cp >> 6);
		b[1] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		b[0] = (unsigned char)(0xe0 | cp >> 12);
		b[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		b[0] = (unsigned char)(0xf0 | cp >> 18);
		b[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3f));
		b[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3f));
		b[3] = (unsigned char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	sb_add(sb, b, n);
}

/* ---- writer ---- */

static int *jw_slot(struct json_writer *w)
{
	int d = w->depth < 0 ? 0 : w->depth > 63 ? 63 : w->depth;

	return &w->first[d];
}

static void jw_newline(struct json_writer *w)
{
	sb_addc(w->out, '\n');
	for (int i = 0; i < w->depth; i++)
		sb_add(w->out, "  ", 2);
}

/* Writes what goes between the previous item and the coming value or key. */
static void jw_sep(struct json_writer *w)
{
	int *f = jw_slot(w);

	if (*f == 2) {
		*f = 0;
		return;
	}
	if (w->depth == 0) {
		if (*f == 0 && !w->pretty)
			sb_addc(w->out, '\n');
	} else {
		if (*f == 0)
			sb_addc(w->out, ',');
		if (w->pretty)
			jw_newline(w);
	}
	*f = 0;
}

/* Called after each complete value: a pretty document ends with a newline. */
static void jw_done(struct json_writer *w)
{
	if (w->depth == 0 && w->pretty)
		sb_addc(w->out, '\n');
}

/* Appends s as a quoted JSON string; see json.h for what gets escaped. */
static void jw_quote(struct strbuf *sb, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, plain = 0;	/* p[plain..i) is waiting to be copied as is */
	char hex[8];

	sb_addc(sb, '"');
	while (i < len) {
		unsigned char c = p[i];
		const char *esc = NULL;
		size_t n = 1;

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '<': esc = "\\u003c"; break;
		case '>': esc = "\\u003e"; break;
		case '&': esc = "\\u0026"; break;
		default:
			if (c < 0x20) {
				snprintf(hex, sizeof hex, "\\u%04x", c);
				esc = hex;
			} else if (c >= 0x80) {
				n = utf8_len(p + i, len - i);
				if (!n) {
					esc = "\xef\xbf\xbd";	/* U+FFFD for this one byte */
					n = 1;
				} else if (c == 0xe2 && p[i + 1] == 0x80 &&
					   (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
					esc = p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029";
				}
			}
		}
		if (esc) {
			sb_add(sb, p + plain, i - plain);
			sb_adds(sb, esc);
			plain = i + n;
		}
		i += n;
	}
	sb_add(sb, p + plain, i - plain);
	sb_addc(sb, '"');
}

void jw_init(struct json_writer *w, struct strbuf *out, int pretty)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->pretty = pretty;
	w->first[0] = 1;
}

static void jw_begin(struct json_writer *w, char open)
{
	jw_sep(w);
	sb_addc(w->out, open);
	w->depth++;
	*jw_slot(w) = 1;
}

static void jw_end(struct json_writer *w, char close)
{
	int f;

	if (w->depth <= 0)
		return;
	f = *jw_slot(w);
	if (f == 2)
		sb_adds(w->out, "null");
	w->depth--;
	if (w->pretty && f != 1)
		jw_newline(w);
	sb_addc(w->out, close);
	*jw_slot(w) = 0;
	jw_done(w);
}

void jw_object_begin(struct json_writer *w)
{
	jw_begin(w, '{');
}

void jw_object_end(struct json_writer *w)
{
	jw_end(w, '}');
}

void jw_array_begin(struct json_writer *w)
{
	jw_begin(w, '[');
}

void jw_array_end(struct json_writer *w)
{
	jw_end(w, ']');
}

void jw_key(struct json_writer *w, const char *key)
{
	int *f = jw_slot(w);

	if (*f == 2) {
		/* two keys in a row: give the first one a value */
		sb_adds(w->out, "null");
		*f = 0;
	}
	jw_sep(w);
	jw_quote(w->out, key ? key : "", key ? strlen(key) : 0);
	sb_adds(w->out, w->pretty ? ": " : ":");
	*jw_slot(w) = 2;
}

/* Writes one scalar that is already JSON text. */
static void jw_raw(struct json_writer *w, const char *text)
{
	jw_sep(w);
	sb_adds(w->out, text);
	jw_done(w);
}

void jw_string(struct json_writer *w, const char *s)
{
	jw_string_len(w, s, s ? strlen(s) : 0);
}

void jw_string_len(struct json_writer *w, const char *s, size_t len)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_sep(w);
	jw_quote(w->out, s, len);
	jw_done(w);
}

void jw_int(struct json_writer *w, long long v)
{
	char buf[32];

	snprintf(buf, sizeof buf, "%lld", v);
	jw_raw(w, buf);
}

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

void jw_double(struct json_writer *w, double v)
{
	char buf[64];

	if (!isfinite(v)) {
		jw_null(w);
		return;
	}
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (prec == 17 || strtod(buf, NULL) == v)
			break;
	}
	dot_decimal_point(buf);
	jw_raw(w, buf);
}

void jw_bool(struct json_writer *w, int v)
{
	jw_raw(w, v ? "true" : "false");
}

void jw_null(struct json_writer *w)
{
	jw_raw(w, "null");
}

/* ---- reader ---- */

struct json {
	enum json_type type;
	int boolean;		/* JSON_BOOL: 0 or 1 */
	int is_int;		/* JSON_NUMBER: written as an integer that fits inum */
	long long inum;		/* JSON_NUMBER: the exact value when is_int */
	double num;		/* JSON_NUMBER: the value, rounded to a double */
	char *str;		/* JSON_STRING: the bytes, NUL-terminated */
	size_t len;		/* JSON_STRING: bytes; JSON_ARRAY, JSON_OBJECT: items */
	size_t cap;		/* JSON_ARRAY, JSON_OBJECT: slots allocated */
	struct json **items;	/* JSON_ARRAY, JSON_OBJECT: the values, in order */
	char **keys;		/* JSON_OBJECT: the keys, parallel to items */
	size_t *klens;		/* JSON_OBJECT: their lengths (keys may hold NULs) */
};

/* State of one json_parse() call. */
struct parser {
	const unsigned char *s;	/* the text */
	size_t len;		/* its length */
	size_t pos;		/* next byte to read */
	int depth;		/* arrays and objects open */
	const char *dp;		/* the locale's decimal point, for strtod() */
	char *err;		/* caller's ERRLEN buffer, or NULL */
};

static struct json *json_new(enum json_type type)
{
	struct json *j = xcalloc(1, sizeof *j);

	j->type = type;
	return j;
}

void json_free(struct json *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < j->len && j->items; i++) {
		json_free(j->items[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->items);
	free(j->keys);
	free(j->klens);
	free(j->str);
	free(j);
}

/* Appends v (and, for objects, key, which it takes over). */
static void json_push(struct json *j, char *key, size_t klen, struct json *v)
{
	if (j->len == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 4;
		j->items = xrealloc(j->items, j->cap * sizeof *j->items);
		if (j->type == JSON_OBJECT) {
			j->keys = xrealloc(j->keys, j->cap * sizeof *j->keys);
			j->klens = xrealloc(j->klens, j->cap * sizeof *j->klens);
		}
	}
	if (j->type == JSON_OBJECT) {
		j->keys[j->len] = key;
		j->klens[j->len] = klen;
	}
	j->items[j->len++] = v;
}

/* Fills p->err with "LINE:COL: message" for the byte at offset at; returns -1. */
__attribute__((format(printf, 3, 4)))
static int fail(struct parser *p, size_t at, const char *fmt, ...)
{
	char msg[ERRLEN - 48];
	size_t line = 1, col = 1;
	va_list ap;

	if (!p->err)
		return -1;
	for (size_t i = 0; i < at && i < p->len; i++) {
		if (p->s[i] == '\n') {
			line++;
			col = 1;
		} else if ((p->s[i] & 0xc0) != 0x80) {
			col++;
		}
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(p->err, ERRLEN, "%zu:%zu: %s", line, col, msg);
	return -1;
}

/* Names the character at offset at, for "got ...". */
static const char *describe(const struct parser *p, size_t at, char *buf, size_t n)
{
	unsigned char c;
	size_t k;

	if (at >= p->len)
		return "end of input";
	c = p->s[at];
	if (c > 0x20 && c < 0x7f) {
		snprintf(buf, n, "'%c'", c);
	} else if ((k = utf8_len(p->s + at, p->len - at))) {
		snprintf(buf, n, "U+%04lX", utf8_decode(p->s + at, k));
	} else {
		snprintf(buf, n, "byte 0x%02x", c);
	}
	return buf;
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* Characters that may make up a bare word: numbers, literals and their typos. */
static int is_word(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       c == '+' || c == '-' || c == '.' || c == '_';
}

static void skip_ws(struct parser *p)
{
	while (p->pos < p->len && is_ws(p->s[p->pos]))
		p->pos++;
}

static int peek(const struct parser *p)
{
	return p->pos < p->len ? p->s[p->pos] : -1;
}

/* End of the bare word at start; *tok gets it for messages, shortened if long. */
static size_t word(const struct parser *p, size_t start, char *tok, size_t n)
{
	size_t end = start;

	while (end < p->len && is_word(p->s[end]))
		end++;
	if (end - start < n)
		snprintf(tok, n, "%.*s", (int)(end - start), (const char *)p->s + start);
	else
		snprintf(tok, n, "%.*s...", (int)(n - 4), (const char *)p->s + start);
	return end;
}

static int parse_value(struct parser *p, struct json **out);

static int is_hex(unsigned char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Reads four hex digits at offset at into *cp; -1 if they are not there. */
static int hex4(const struct parser *p, size_t at, unsigned long *cp)
{
	*cp = 0;
	if (at + 4 > p->len)
		return -1;
	for (size_t i = at; i < at + 4; i++) {
		unsigned char c = p->s[i];

		if (!is_hex(c))
			return -1;
		*cp = *cp << 4 | (unsigned long)(is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
	}
	return 0;
}

/* Decodes the escape at p->pos (a backslash) into sb; start is the string's quote. */
static int parse_escape(struct parser *p, size_t start, struct strbuf *sb)
{
	size_t at = p->pos;
	unsigned long cp, lo;
	char buf[16];
	int c;

	if (at + 1 >= p->len)
		return fail(p, start, "unterminated string");
	c = p->s[at + 1];
	switch (c) {
	case '"': case '\\': case '/': sb_addc(sb, (char)c); break;
	case 'b': sb_addc(sb, '\b'); break;
	case 'f': sb_addc(sb, '\f'); break;
	case 'n': sb_addc(sb, '\n'); break;
	case 'r': sb_addc(sb, '\r'); break;
	case 't': sb_addc(sb, '\t'); break;
	case 'u':
		if (hex4(p, at + 2, &cp) < 0) {
			size_t end = at + 2;

			while (end < p->len && end < at + 6 && is_hex(p->s[end]))
				end++;
			if (end == p->len)	/* hex digits until the text ran out */
				return fail(p, start, "unterminated string");
			while (end < p->len && end < at + 6 && p->s[end] > 0x20 &&
			       p->s[end] < 0x7f && p->s[end] != '"')
				end++;
			return fail(p, at, "invalid escape '%.*s'", (int)(end - at),
				    (const char *)p->s + at);
		}
		p->pos = at + 6;
		if (cp >= 0xd800 && cp <= 0xdbff) {
			if (p->pos + 1 < p->len && p->s[p->pos] == '\\' &&
			    p->s[p->pos + 1] == 'u' && hex4(p, p->pos + 2, &lo) == 0 &&
			    lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				p->pos += 6;
			} else {
				cp = 0xfffd;
			}
		} else if (cp >= 0xdc00 && cp <= 0xdfff) {
			cp = 0xfffd;
		}
		utf8_put(sb, cp);
		return 0;
	default:
		if (c > 0x20 && c < 0x7f)
			return fail(p, at, "invalid escape '\\%c'", c);
		return fail(p, at, "invalid escape: '\\' followed by %s",
			    describe(p, at + 1, buf, sizeof buf));
	}
	p->pos = at + 2;
	return 0;
}

/* Reads the string at p->pos (a quote) into a new NUL-terminated buffer. */
static int parse_string(struct parser *p, char **out, size_t *outlen)
{
	struct strbuf sb = STRBUF_INIT;
	size_t start = p->pos++;

	for (;;) {
		size_t run = p->pos;
		unsigned char c;

		while (run < p->len && p->s[run] >= 0x20 && p->s[run] < 0x80 &&
		       p->s[run] != '"' && p->s[run] != '\\')
			run++;
		sb_add(&sb, p->s + p->pos, run - p->pos);
		p->pos = run;
		if (p->pos >= p->len) {
			fail(p, start, "unterminated string");
			goto bad;
		}
		c = p->s[p->pos];
		if (c == '"') {
			p->pos++;
			break;
		}
		if (c == '\\') {
			if (parse_escape(p, start, &sb) < 0)
				goto bad;
		} else if (c < 0x20) {
			fail(p, p->pos, "unescaped control character U+%04X in string", c);
			goto bad;
		} else {
			size_t n = utf8_len(p->s + p->pos, p->len - p->pos);

			if (!n) {
				fail(p, p->pos, "invalid UTF-8 byte 0x%02x in string", c);
				goto bad;
			}
			sb_add(&sb, p->s + p->pos, n);
			p->pos += n;
		}
	}
	*out = sb_detach(&sb, outlen);
	return 0;
bad:
	sb_release(&sb);
	return -1;
}

/* Reads the number at p->pos, which starts with a digit, '-', '+' or '.'. */
static int parse_number(struct parser *p, struct json **out)
{
	const unsigned char *s = p->s;
	size_t start = p->pos, i = start, end;
	int is_int = 1;
	char tok[40], small[64], *buf;
	size_t n, dplen = strlen(p->dp);
	struct json *j;

	end = word(p, start, tok, sizeof tok);
	if (i < end && s[i] == '-')
		i++;
	if (i < end && s[i] == '0') {
		i++;
		if (i < end && is_digit(s[i]))
			return fail(p, start, "invalid number '%s' (leading zero)", tok);
	} else if (i < end && is_digit(s[i])) {
		while (i < end && is_digit(s[i]))
			i++;
	} else {
		goto bad;
	}
	if (i < end && s[i] == '.') {
		is_int = 0;
		if (++i >= end || !is_digit(s[i]))
			goto bad;
		while (i < end && is_digit(s[i]))
			i++;
	}
	if (i < end && (s[i] == 'e' || s[i] == 'E')) {
		is_int = 0;
		if (++i < end && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= end || !is_digit(s[i]))
			goto bad;
		while (i < end && is_digit(s[i]))
			i++;
	}
	if (i != end)
		goto bad;

	/* strtod() wants the locale's decimal point */
	n = end - start;
	buf = n + dplen < sizeof small ? small : xmalloc(n + dplen + 1);
	memcpy(buf, s + start, n);
	buf[n] = '\0';
	if (strcmp(p->dp, ".")) {
		char *dot = strchr(buf, '.');
		if (dot) {
			memmove(dot + dplen, dot + 1, strlen(dot + 1) + 1);
			memcpy(dot, p->dp, dplen);
		}
	}
	j = json_new(JSON_NUMBER);
	j->num = strtod(buf, NULL);
	if (is_int) {
		errno = 0;
		j->inum = strtoll(buf, NULL, 10);
		j->is_int = errno != ERANGE;
	}
	if (buf != small)
		free(buf);
	if (!isfinite(j->num)) {
		json_free(j);
		return fail(p, start, "number '%s' out of range", tok);
	}
	p->pos = end;
	*out = j;
	return 0;
bad:
	return fail(p, start, "invalid number '%s'", tok);
}

static int parse_literal(struct parser *p, struct json **out)
{
	size_t start = p->pos, end;
	char tok[40];

	end = word(p, start, tok, sizeof tok);
	if (!strcmp(tok, "true") || !strcmp(tok, "false")) {
		*out = json_new(JSON_BOOL);
		(*out)->boolean = tok[0] == 't';
	} else if (!strcmp(tok, "null")) {
		*out = json_new(JSON_NULL);
	} else {
		return fail(p, start, "invalid literal '%s'", tok);
	}
	p->pos = end;
	return 0;
}

/* Counts one more level of nesting at p->pos; -1 past the limit. */
static int enter(struct parser *p)
{
	if (++p->depth > JSON_MAX_DEPTH)
		return fail(p, p->pos, "nesting deeper than %d levels", JSON_MAX_DEPTH);
	p->pos++;
	skip_ws(p);
	return 0;
}

static int parse_array(struct parser *p, struct json **out)
{
	struct json *a = json_new(JSON_ARRAY);
	char buf[16];

	if (enter(p) < 0)
		goto bad;
	if (peek(p) == ']') {
		p->pos++;
		goto done;
	}
	for (;;) {
		struct json *v;

		if (parse_value(p, &v) < 0)
			goto bad;
		json_push(a, NULL, 0, v);
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
		} else if (peek(p) == ']') {
			p->pos++;
			break;
		} else {
			fail(p, p->pos, "expected ',' or ']', got %s",
			     describe(p, p->pos, buf, sizeof buf));
			goto bad;
		}
	}
done:
	p->depth--;
	*out = a;
	return 0;
bad:
	json_free(a);
	return -1;
}

static int parse_object(struct parser *p, struct json **out)
{
	struct json *o = json_new(JSON_OBJECT);
	char buf[16];

	if (enter(p) < 0)
		goto bad;
	if (peek(p) == '}') {
		p->pos++;
		goto done;
	}
	for (;;) {
		struct json *v;
		char *key;
		size_t klen;

		skip_ws(p);
		if (peek(p) != '"') {
			fail(p, p->pos, "expected string key%s, got %s",
			     o->len ? "" : " or '}'", describe(p, p->pos, buf, sizeof buf));
			goto bad;
		}
		if (parse_string(p, &key, &klen) < 0)
			goto bad;
		skip_ws(p);
		if (peek(p) != ':') {
			fail(p, p->pos, "expected ':' after key, got %s",
			     describe(p, p->pos, buf, sizeof buf));
			free(key);
			goto bad;
		}
		p->pos++;
		if (parse_value(p, &v) < 0) {
			free(key);
			goto bad;
		}
		json_push(o, key, klen, v);
		skip_ws(p);
		if (peek(p) == ',') {
			p->pos++;
		} else if (peek(p) == '}') {
			p->pos++;
			break;
		} else {
			fail(p, p->pos, "expected ',' or '}', got %s",
			     describe(p, p->pos, buf, sizeof buf));
			goto bad;
		}
	}
done:
	p->depth--;
	*out = o;
	return 0;
bad:
	json_free(o);
	return -1;
}

static int parse_value(struct parser *p, struct json **out)
{
	char buf[16];
	int c;

	skip_ws(p);
	c = peek(p);
	if (c == '{')
		return parse_object(p, out);
	if (c == '[')
		return parse_array(p, out);
	if (c == '"') {
		struct json *j = json_new(JSON_STRING);

		if (parse_string(p, &j->str, &j->len) < 0) {
			free(j);
			return -1;
		}
		*out = j;
		return 0;
	}
	if (c == '-' || c == '+' || c == '.' || is_digit((unsigned char)c))
		return parse_number(p, out);
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return parse_literal(p, out);
	return fail(p, p->pos, "expected a value, got %s", describe(p, p->pos, buf, sizeof buf));
}

struct json *json_parse(const char *text, size_t len, char *err)
{
	struct parser p = {
		.s = (const unsigned char *)(text ? text : ""),
		.len = text ? len : 0,
		.dp = localeconv()->decimal_point,
		.err = err,
	};
	struct json *root = NULL;
	char buf[16];

	if (!p.dp || !*p.dp)
		p.dp = ".";
	if (parse_value(&p, &root) < 0)
		return NULL;
	skip_ws(&p);
	if (p.pos < p.len) {
		fail(&p, p.pos, "expected end of input, got %s", describe(&p, p.pos, buf, sizeof buf));
		json_free(root);
		return NULL;
	}
	return root;
}

/* ---- accessors ---- */

enum json_type json_type(const struct json *j)
{
	return j ? j->type : JSON_NULL;
}

const struct json *json_get(const struct json *obj, const char *key)
{
	size_t klen;

	if (!obj || obj->type != JSON_OBJECT || !key)
		return NULL;
	klen = strlen(key);
	for (size_t i = obj->len; i-- > 0; )
		if (obj->klens[i] == klen && !memcmp(obj->keys[i], key, klen))
			return obj->items[i];
	return NULL;
}

size_t json_len(const struct json *j)
{
	if (!j || (j->type != JSON_ARRAY && j->type != JSON_OBJECT))
		return 0;
	return j->len;
}

const struct json *json_at(const struct json *arr, size_t i)
{
	if (!arr || arr->type != JSON_ARRAY || i >= arr->len)
		return NULL;
	return arr->items[i];
}

const char *json_key_at(const struct json *obj, size_t i)
{
	if (!obj || obj->type != JSON_OBJECT || i >= obj->len)
		return NULL;
	return obj->keys[i];
}

const struct json *json_value_at(const struct json *obj, size_t i)
{
	if (!obj || obj->type != JSON_OBJECT || i >= obj->len)
		return NULL;
	return obj->items[i];
}

const char *json_str(const struct json *j, const char *dflt)
{
	return j && j->type == JSON_STRING ? j->str : dflt;
}

size_t json_str_len(const struct json *j)
{
	return j && j->type == JSON_STRING ? j->len : 0;
}

double json_num(const struct json *j, double dflt)
{
	return j && j->type == JSON_NUMBER ? j->num : dflt;
}

long long json_int(const struct json *j, long long dflt)
{
	double d;

	if (!j || j->type != JSON_NUMBER)
		return dflt;
	if (j->is_int)
		return j->inum;
	d = j->num;
	/* both bounds are exact doubles: -2^63 and 2^63 */
	if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
	    (double)(long long)d == d)
		return (long long)d;
	return dflt;
}

int json_bool(const struct json *j, int dflt)
{
	return j && j->type == JSON_BOOL ? j->boolean : dflt;
}

const char *json_get_str(const struct json *obj, const char *key, const char *dflt)
{
	return json_str(json_get(obj, key), dflt);
}

double json_get_num(const struct json *obj, const char *key, double dflt)
{
	return json_num(json_get(obj, key), dflt);
}

int json_remove(struct json *obj, const char *key)
{
	size_t klen, k = 0;
	int removed = 0;

	if (!obj || obj->type != JSON_OBJECT)
		return 0;
	klen = strlen(key);
	for (size_t i = 0; i < obj->len; i++) {
		if (obj->klens[i] == klen && !memcmp(obj->keys[i], key, klen)) {
			free(obj->keys[i]);
			json_free(obj->items[i]);
			removed++;
			continue;
		}
		obj->keys[k] = obj->keys[i];
		obj->klens[k] = obj->klens[i];
		obj->items[k++] = obj->items[i];
	}
	obj->len = k;
	return removed;
}

void json_str_truncate(struct json *j, size_t len)
{
	if (j && j->type == JSON_STRING && j->len > len) {
		j->str[len] = '\0';
		j->len = len;
	}
}

struct json *json_load_file(const char *path, char *err)
{
	struct strbuf text = STRBUF_INIT;
	char jerr[ERRLEN];
	struct json *root = NULL;

	if (read_file(path, &text) < 0) {
		if (err)
			snprintf(err, ERRLEN, "%s: cannot read: %s", path, strerror(errno));
	} else if (!(root = json_parse(text.buf ? text.buf : "", text.len, jerr)) && err) {
		snprintf(err, ERRLEN, "%s:%s", path, jerr);
	}
	sb_release(&text);
	return root;
}
