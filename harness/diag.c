/*
 * diag: turns what a compiler said into the one line a build failure's
 * reason quotes. GCC's structured diagnostics (-fdiagnostics-format=json,
 * GCC 9 and later) are read where the compiler writes them; the linker never
 * does, and other compilers (clang) have no such format, so their text is
 * scanned for the first line that is a diagnostic rather than a summary.
 * Everything here works on bytes the sandbox captured: nothing is run.
 */
#include "diag.h"
#include "json.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define REASON_MAX 300

/* Cuts s to REASON_MAX bytes (on a UTF-8 boundary) and turns control bytes into blanks. */
static char *one_line(char *s)
{
	size_t n = strlen(s);
	if (n > REASON_MAX) {
		n = REASON_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		s[n] = '\0';
	}
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = ' ';
	return s;
}

/* ---- GCC's JSON ---- */

/* The end (one past the closing bracket) of the JSON array that starts at p, or NULL. */
static const char *array_end(const char *p, const char *end)
{
	int depth = 0, in_str = 0;
	for (; p < end; p++) {
		char c = *p;
		if (in_str) {
			if (c == '\\')
				p++;
			else if (c == '"')
				in_str = 0;
			else if (c == '\n')
				return NULL;	/* JSON strings hold no raw newline */
		} else if (c == '"') {
			in_str = 1;
		} else if (c == '[' || c == '{') {
			depth++;
		} else if (c == ']' || c == '}') {
			if (--depth == 0)
				return p + 1;
		}
	}
	return NULL;
}

static int is_error_kind(const char *k)
{
	return !strcmp(k, "error") || !strcmp(k, "fatal error") ||
	       !strcmp(k, "internal compiler error") || !strcmp(k, "sorry, unimplemented");
}

static char *format_json_diag(const struct json *d)
{
	const struct json *caret = json_get(json_at(json_get(d, "locations"), 0), "caret");
	const char *kind = json_get_str(d, "kind", "error");
	const char *msg = json_get_str(d, "message", "");
	char *s;

	if (json_kind(caret) == JSON_KIND_OBJECT && json_get_str(caret, "file", NULL)) {
		long long line = json_int(json_get(caret, "line"), 0);
		long long col = json_int(json_get(caret, "column"), 0);
		if (col > 0)
			s = xasprintf("%s:%lld:%lld: %s: %s", json_get_str(caret, "file", ""), line, col,
				      kind, msg);
		else
			s = xasprintf("%s:%lld: %s: %s", json_get_str(caret, "file", ""), line, kind, msg);
	} else {
		s = xasprintf("%s: %s", kind, msg);
	}
	return one_line(s);
}

char *diag_first_json(const char *out, size_t len, int *arrays)
{
	const char *p = out, *end = out + len;
	char *found = NULL;

	*arrays = 0;
	while (p && p < end && !found) {
		/* an array starts a line: GCC writes each file's diagnostics as one line */
		if (*p == '[') {
			const char *e = array_end(p, end);
			struct json *j = e ? json_parse(p, (size_t)(e - p), NULL) : NULL;
			if (j && json_kind(j) == JSON_KIND_ARRAY) {
				++*arrays;
				for (size_t i = 0; i < json_len(j) && !found; i++) {
					const struct json *d = json_at(j, i);
					if (is_error_kind(json_get_str(d, "kind", "")))
						found = format_json_diag(d);
				}
			}
			json_free(j);
			if (e) {
				p = e;
				continue;
			}
		}
		p = memchr(p, '\n', (size_t)(end - p));
		if (p)
			p++;
	}
	return found;
}

/* ---- text ---- */

static int starts_with(const char *s, const char *prefix)
{
	return !strncmp(s, prefix, strlen(prefix));
}

/* "/usr/bin/ld: ", "ld.lld: ", "x86_64-linux-gnu-ld.bfd: ": the length of such a prefix, else 0. */
static size_t ld_prefix(const char *line)
{
	const char *colon = strstr(line, ": ");
	if (!colon || memchr(line, ' ', (size_t)(colon - line)))
		return 0;
	const char *base = line;
	for (const char *p = line; p < colon; p++)
		if (*p == '/')
			base = p + 1;
	size_t n = (size_t)(colon - base);
	char name[64];
	if (n == 0 || n >= sizeof name)
		return 0;
	memcpy(name, base, n);
	name[n] = '\0';
	char *dot = strchr(name, '.');
	if (dot) {
		static const char *const linkers[] = { "bfd", "gold", "lld", "mold" };
		int known = 0;
		for (size_t i = 0; i < 4; i++)
			known |= !strcmp(dot + 1, linkers[i]);
		if (!known)
			return 0;	/* ld.c: a student's file, not a linker */
		*dot = '\0';
	}
	size_t nl = strlen(name);
	if (!strcmp(name, "ld") || (nl > 3 && !strcmp(name + nl - 3, "-ld")))
		return (size_t)(colon - line) + 2;
	return 0;
}

/* Removes "/tmp/...o:" (the compiler's temporary objects), and the section offset after it. */
static void drop_temp_objects(struct strbuf *sb)
{
	for (size_t i = 0; i + 5 < sb->len; i++) {
		if (strncmp(sb->buf + i, "/tmp/", 5) || (i > 0 && sb->buf[i - 1] != ' '))
			continue;
		size_t j = i;
		while (j < sb->len && sb->buf[j] != ':' && sb->buf[j] != ' ')
			j++;
		if (j - i < 7 || strncmp(sb->buf + j - 2, ".o", 2) || j >= sb->len || sb->buf[j] != ':')
			continue;
		j++;	/* the colon */
		if (j < sb->len && sb->buf[j] == '(') {
			const char *close = memchr(sb->buf + j, ')', sb->len - j);
			if (close && close[1] == ':') {
				j = (size_t)(close - sb->buf) + 2;
			}
		}
		while (j < sb->len && sb->buf[j] == ' ')
			j++;
		memmove(sb->buf + i, sb->buf + j, sb->len - j + 1);
		sb->len -= j - i;
		i--;
	}
}

/* Removes ":(.text+0x1f)" section offsets: "a.c:(.text+0x1f): undefined" -> "a.c: undefined". */
static void drop_offsets(struct strbuf *sb)
{
	for (size_t i = 0; i + 2 < sb->len; i++) {
		if (sb->buf[i] != ':' || sb->buf[i + 1] != '(' || sb->buf[i + 2] != '.')
			continue;
		const char *close = memchr(sb->buf + i, ')', sb->len - i);
		const char *plus = memchr(sb->buf + i, '+', sb->len - i);
		if (!close || !plus || plus > close || strncmp(plus, "+0x", 3))
			continue;
		size_t j = (size_t)(close - sb->buf) + 1;
		memmove(sb->buf + i, sb->buf + j, sb->len - j + 1);
		sb->len -= j - i;
	}
}

/* A linker line as it reads to a person; NULL when it is context, a warning or a summary. */
static char *tidy_link(const char *line)
{
	struct strbuf sb = STRBUF_INIT;
	sb_adds(&sb, line + ld_prefix(line));
	drop_temp_objects(&sb);
	drop_offsets(&sb);
	for (size_t i = 0; i < sb.len; i++)
		if (sb.buf[i] == '`')
			sb.buf[i] = '\'';
	char *s = sb_detach(&sb, NULL);
	char *t = s;
	while (*t == ' ')
		t++;
	if (!*t || !strncasecmp(t, "in function ", 12) || strstr(t, ": in function ") ||
	    starts_with(t, "warning:") || strstr(t, ": warning:") || starts_with(t, "note:")) {
		free(s);
		return NULL;
	}
	memmove(s, t, strlen(t) + 1);
	return one_line(s);
}

static int is_link_line(const char *line)
{
	return ld_prefix(line) || strstr(line, "undefined reference to ") ||
	       strstr(line, "multiple definition of ");
}

/* "file:12:5: error: ..." or "file:12: fatal error: ...": a compiler's own diagnostic. */
static int is_compile_error(const char *line)
{
	if (line[0] == ' ' || line[0] == '\t' || !line[0])
		return 0;	/* GCC's and clang's source excerpts start with blanks */
	static const char *const labels[] = { ": error: ", ": fatal error: " };
	for (size_t k = 0; k < 2; k++) {
		const char *e = strstr(line, labels[k]);
		if (!e || e == line)
			continue;
		/* back over ":col" and ":line" */
		const char *p = e;
		int numbers = 0;
		while (numbers < 2) {
			const char *q = p;
			while (q > line && q[-1] >= '0' && q[-1] <= '9')
				q--;
			if (q == p || q == line || q[-1] != ':')
				break;
			numbers++;
			p = q - 1;
		}
		if (numbers >= 1 && p > line)
			return 1;
	}
	return 0;
}

/* The end-of-build summaries that only say that something earlier failed. */
static int is_summary(const char *line)
{
	if (strstr(line, ": error: ld returned") || strstr(line, "error: linker command failed") ||
	    starts_with(line, "compilation terminated"))
		return 1;
	if (starts_with(line, "make") && strstr(line, ": *** [")) {
		const char *e = strstr(line, "] Error ");
		return e != NULL;
	}
	return 0;
}

/* "cc: error: x", "cc1: fatal error: x", make's "*** No rule ...": a tool's own error. */
static int is_tool_error(const char *line)
{
	const char *colon = strstr(line, ": ");
	if (!colon || colon == line || memchr(line, ' ', (size_t)(colon - line)))
		return 0;
	return starts_with(colon, ": error: ") || starts_with(colon, ": fatal error: ") ||
	       (starts_with(line, "make") && starts_with(colon, ": *** "));
}

static int says_error(const char *line)
{
	return (strstr(line, "error") || strstr(line, "Error")) && !strstr(line, ": warning:") &&
	       !strstr(line, ": note:") && line[0] != ' ';
}

char *diag_first_text(const char *log, enum diag_kind *kind)
{
	char *loose = NULL, *summary = NULL, *found = NULL;
	enum diag_kind k = DIAG_NONE;
	const char *p = log;

	while (p && *p && !found) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, len);
		if (len && line[len - 1] == '\r')
			line[len - 1] = '\0';
		if (is_summary(line)) {
			if (!summary)
				summary = one_line(xstrdup(line));
		} else if (is_compile_error(line)) {
			found = one_line(xstrdup(line));
			k = DIAG_COMPILE;
		} else if (is_link_line(line)) {
			found = tidy_link(line);
			if (found)
				k = DIAG_LINK;
		} else if (is_tool_error(line)) {
			found = one_line(xstrdup(line));
			k = DIAG_OTHER;
		} else if (!loose && says_error(line)) {
			loose = one_line(xstrdup(line));
		}
		free(line);
		p = nl ? nl + 1 : NULL;
	}
	if (!found && loose) {
		found = loose;
		loose = NULL;
		k = DIAG_OTHER;
	}
	if (!found && summary) {
		found = summary;
		summary = NULL;
		k = DIAG_OTHER;
	}
	free(loose);
	free(summary);
	if (kind)
		*kind = k;
	return found;
}

/* ---- paths ---- */

static int path_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

char *diag_strip_dir(const char *text, size_t len, const char *dir, size_t *outlen)
{
	struct strbuf sb = STRBUF_INIT;
	size_t dl = dir ? strlen(dir) : 0;

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	for (size_t i = 0; i < len;) {
		/* a whole path only: "/var/submission" is not "/submission" */
		if (dl && i + dl <= len && !memcmp(text + i, dir, dl) &&
		    (i == 0 || (!path_char(text[i - 1]) && text[i - 1] != '/'))) {
			char after = i + dl < len ? text[i + dl] : '\0';
			if (after == '/') {
				i += dl + 1;
				continue;
			}
			if (!path_char(after)) {
				sb_addc(&sb, '.');
				i += dl;
				continue;
			}
		}
		sb_addc(&sb, text[i++]);
	}
	if (!sb.buf)
		sb_add(&sb, "", 0);
	return sb_detach(&sb, outlen);
}
