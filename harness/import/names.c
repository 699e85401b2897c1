/*
 * import/names: the file names of Canvas, Moodle and Blackboard downloads,
 * parsed; student folder names made from them; names shown in a terminal.
 */
#include "lms.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void lms_name_release(struct lms_name *n)
{
	free(n->name);
	free(n->id);
	free(n->submission);
	free(n->file);
	free(n->plugin);
	memset(n, 0, sizeof *n);
}

/* The length of the run of digits at s. */
static size_t digits(const char *s)
{
	size_t k = 0;
	while (isdigit((unsigned char)s[k]))
		k++;
	return k;
}

int lms_parse_canvas(const char *s, struct lms_name *n)
{
	memset(n, 0, sizeof *n);
	for (const char *u = strchr(s, '_'); u; u = strchr(u + 1, '_')) {
		if (u == s)
			continue;
		const char *p = u + 1;
		int late = 0;
		if (!strncasecmp(p, "LATE_", 5)) {
			late = 1;
			p += 5;
		}
		size_t a = digits(p);
		if (!a || p[a] != '_')
			continue;
		size_t b = digits(p + a + 1);
		const char *file = p + a + 1 + b + 1;
		if (!b || p[a + 1 + b] != '_' || !*file)
			continue;
		n->name = xstrndup(s, (size_t)(u - s));
		n->id = xstrndup(p, a);
		n->submission = xstrndup(p + a + 1, b);
		n->file = xstrdup(file);
		n->late = late;
		return 0;
	}
	return -1;
}

int lms_parse_moodle(const char *s, struct lms_name *n)
{
	static const char tag[] = "_assignsubmission_";

	memset(n, 0, sizeof *n);
	for (const char *t = strstr(s, tag); t; t = strstr(t + 1, tag)) {
		/* <name>_<id> before the tag */
		const char *d = t;
		while (d > s && isdigit((unsigned char)d[-1]))
			d--;
		if (d == t || d - s < 2 || d[-1] != '_')
			continue;
		const char *pl = t + sizeof tag - 1;
		size_t k = 0;
		while (islower((unsigned char)pl[k]) || isdigit((unsigned char)pl[k]))
			k++;
		if (!k || pl[k] != '_')
			continue;
		n->name = xstrndup(s, (size_t)(d - 1 - s));
		n->id = xstrndup(d, (size_t)(t - d));
		n->plugin = xstrndup(pl, k);
		n->file = xstrdup(pl + k + 1);
		return 0;
	}
	return -1;
}

void bb_name_release(struct bb_name *b)
{
	free(b->head);
	free(b->when);
	free(b->file);
	memset(b, 0, sizeof *b);
}

/* 1 when s starts with YYYY-MM-DD-HH-MM-SS. */
static int is_bb_time(const char *s)
{
	static const char shape[] = "dddd-dd-dd-dd-dd-dd";
	for (size_t i = 0; i < sizeof shape - 1; i++)
		if (shape[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != '-')
			return 0;
	return 1;
}

int lms_split_blackboard(const char *s, struct bb_name *b)
{
	static const char tag[] = "_attempt_";
	const size_t tl = sizeof tag - 1, wl = 19;

	memset(b, 0, sizeof *b);
	for (const char *t = strstr(s, tag); t; t = strstr(t + 1, tag)) {
		const char *w = t + tl;
		if (t == s || !is_bb_time(w))
			continue;
		const char *rest = w + wl;
		if (!strcmp(rest, ".txt")) {
			b->file = NULL;
		} else if (rest[0] == '_' && rest[1]) {
			b->file = xstrdup(rest + 1);
		} else {
			continue;
		}
		b->head = xstrndup(s, (size_t)(t - s));
		b->when = xstrndup(w, wl);
		return 0;
	}
	return -1;
}

void bb_receipt_release(struct bb_receipt *r)
{
	free(r->name);
	free(r->username);
	for (size_t i = 0; i < r->nfiles; i++) {
		free(r->original[i]);
		free(r->stored[i]);
	}
	free(r->original);
	free(r->stored);
	memset(r, 0, sizeof *r);
}

/* The line's value after "key:" (spaces trimmed), or NULL when the line is not that key. */
static char *value_of(const char *line, size_t len, const char *key)
{
	size_t i = 0, kl = strlen(key);
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (len - i < kl || strncasecmp(line + i, key, kl))
		return NULL;
	i += kl;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	size_t end = len;
	while (end > i && (line[end - 1] == ' ' || line[end - 1] == '\t' || line[end - 1] == '\r'))
		end--;
	return xstrndup(line + i, end - i);
}

void lms_parse_receipt(const char *text, size_t len, struct bb_receipt *r)
{
	memset(r, 0, sizeof *r);
	char *pending = NULL;	/* an "Original filename" waiting for its "Filename" */
	for (size_t at = 0; at < len;) {
		const char *line = text + at;
		const char *nl = memchr(line, '\n', len - at);
		size_t ll = nl ? (size_t)(nl - line) : len - at;
		at += ll + 1;
		char *v;
		if (!r->name && (v = value_of(line, ll, "Name:"))) {
			/* Bob Smith (bsmith) */
			char *open = strrchr(v, '(');
			size_t vl = strlen(v);
			if (open && vl && v[vl - 1] == ')' && open[1] != ')') {
				r->username = xstrndup(open + 1, (size_t)(v + vl - 1 - open - 1));
				char *end = open;
				while (end > v && end[-1] == ' ')
					end--;
				r->name = xstrndup(v, (size_t)(end - v));
				free(v);
			} else {
				r->name = v;
			}
		} else if ((v = value_of(line, ll, "Original filename:"))) {
			free(pending);
			pending = v;
		} else if ((v = value_of(line, ll, "Filename:"))) {
			if (pending) {
				r->original = xrealloc(r->original, (r->nfiles + 1) * sizeof *r->original);
				r->stored = xrealloc(r->stored, (r->nfiles + 1) * sizeof *r->stored);
				r->original[r->nfiles] = pending;
				r->stored[r->nfiles] = v;
				r->nfiles++;
				pending = NULL;
			} else {
				free(v);
			}
		}
	}
	free(pending);
}

char *lms_blackboard_assignment(char *const *heads, char *const *users, size_t n)
{
	/* a receipt's username tells where the assignment ends */
	for (size_t i = 0; i < n; i++) {
		if (!users || !users[i] || !*users[i])
			continue;
		size_t hl = strlen(heads[i]), ul = strlen(users[i]);
		if (hl > ul + 1 && heads[i][hl - ul - 1] == '_' && !strcmp(heads[i] + hl - ul, users[i]))
			return xstrndup(heads[i], hl - ul - 1);
	}
	/* two heads or more: what they share, up to an underscore */
	size_t common = n ? strlen(heads[0]) : 0;
	int differ = 0;
	for (size_t i = 1; i < n; i++) {
		size_t k = 0;
		while (k < common && heads[i][k] == heads[0][k])
			k++;
		if (k < common || heads[i][k])
			differ = 1;
		common = k;
	}
	if (differ) {
		while (common > 0 && heads[0][common - 1] != '_')
			common--;
		if (common > 1)
			return xstrndup(heads[0], common - 1);
	}
	/* one student: the username is what follows the last underscore */
	const char *u = n ? strrchr(heads[0], '_') : NULL;
	return u && u > heads[0] && u[1] ? xstrndup(heads[0], (size_t)(u - heads[0])) : NULL;
}

char *lms_blackboard_user(const char *head, const char *assignment)
{
	size_t al = assignment ? strlen(assignment) : 0;
	if (al && !strncmp(head, assignment, al) && head[al] == '_' && head[al + 1])
		return xstrdup(head + al + 1);
	const char *u = strrchr(head, '_');
	return u && u[1] ? xstrdup(u + 1) : NULL;
}

/* Where the extension of name starts (a .tar.gz counts as one): its length if none. */
static size_t extension_at(const char *name)
{
	static const char *const two[] = { ".tar.gz", ".tar.bz2", ".tar.xz" };
	size_t len = strlen(name);
	for (size_t i = 0; i < sizeof two / sizeof two[0]; i++) {
		size_t tl = strlen(two[i]);
		if (len > tl && !strcasecmp(name + len - tl, two[i]))
			return len - tl;
	}
	const char *dot = strrchr(name, '.');
	return dot && dot != name ? (size_t)(dot - name) : len;
}

int lms_resubmission(const char *file, char **base)
{
	size_t ext = extension_at(file), d = ext;
	*base = NULL;
	while (d > 0 && isdigit((unsigned char)file[d - 1]))
		d--;
	/* at most three digits, no leading zero, after a '-' that does not start the name */
	if (d == ext || ext - d > 3 || file[d] == '0' || d < 2 || file[d - 1] != '-')
		return 0;
	int nth = atoi(file + d);
	*base = xasprintf("%.*s%s", (int)(d - 1), file, file + ext);
	return nth;
}

/*
 * Accented Latin letters (U+00C0..U+017F) folded to ASCII, one byte each;
 * '#' marks the letters written with two (æ, þ, ß, ĳ, œ), ' ' those that
 * are no letter (× ÷).
 */
static const char latin_fold[] =
	"aaaaaa#ceeeeiiiidnooooo ouuuuy##"	/* U+00C0 */
	"aaaaaa#ceeeeiiiidnooooo ouuuuy#y"	/* U+00E0 */
	"aaaaaaccccccccddddeeeeeeeeee"		/* U+0100 */
	"gggggggghhhhiiiiiiiiii##jjkkk"		/* U+011C */
	"llllllllllnnnnnnnnnoooooo##"		/* U+0139 */
	"rrrrrrsssssssstttttt"			/* U+0154 */
	"uuuuuuuuuuuuwwyyyzzzzzzs";		/* U+0168 */
_Static_assert(sizeof latin_fold - 1 == 0x180 - 0xC0, "one letter per code point");

static const char *two_letters(unsigned cp)
{
	switch (cp) {
	case 0xC6: case 0xE6: return "ae";
	case 0xDE: case 0xFE: return "th";
	case 0xDF: return "ss";
	case 0x132: case 0x133: return "ij";
	case 0x152: case 0x153: return "oe";
	}
	return "";
}

/* Decodes the UTF-8 character at p (n bytes there): its length, 0 if invalid. */
static size_t utf8_at(const unsigned char *p, size_t n, unsigned *cp)
{
	if (p[0] < 0x80) {
		*cp = p[0];
		return 1;
	}
	size_t len = p[0] >= 0xF0 && p[0] <= 0xF4 ? 4 : p[0] >= 0xE0 ? 3 : p[0] >= 0xC2 ? 2 : 0;
	if (p[0] >= 0xF5 || !len || len > n)
		return 0;
	unsigned v = p[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return 0;
		v = v << 6 | (p[i] & 0x3F);
	}
	if ((len == 3 && v < 0x800) || (len == 4 && (v < 0x10000 || v > 0x10FFFF)) ||
	    (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

/* The longest slug kept: enough to recognise a name. */
#define SLUG_MAX 60

char *lms_slug(const char *name)
{
	struct strbuf sb = STRBUF_INIT;
	const unsigned char *p = (const unsigned char *)name;
	size_t n = strlen(name);
	int dash = 0;

	for (size_t i = 0; i < n && sb.len < SLUG_MAX;) {
		unsigned cp;
		size_t k = utf8_at(p + i, n - i, &cp);
		const char *out = NULL;
		char one[2] = { 0, 0 };
		if (!k) {
			k = 1;
		} else if (cp < 0x80 && isalnum((int)cp)) {
			one[0] = (char)tolower((int)cp);
			out = one;
		} else if (cp == '\'' || cp == 0x2019) {
			out = "";	/* O'Brien: obrien */
		} else if (cp >= 0xC0 && cp < 0x180) {
			one[0] = latin_fold[cp - 0xC0];
			out = one[0] == '#' ? two_letters(cp) : one[0] == ' ' ? NULL : one;
		}
		i += k;
		if (!out) {
			dash = sb.len > 0;
			continue;
		}
		if (!*out)
			continue;
		if (dash)
			sb_addc(&sb, '-');
		dash = 0;
		sb_adds(&sb, out);
	}
	return sb.buf ? sb_detach(&sb, NULL) : xstrdup("");
}

int lms_safe_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n > 100 || s[0] == '.' || s[0] == '-')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._@+-", s[i]))
			return 0;
	return 1;
}

char *lms_folder(const char *name, const char *id)
{
	char *sid = lms_safe_name(id) ? xstrdup(id) : lms_slug(id);
	if (!*sid) {
		free(sid);
		sid = xstrdup("student");
	}
	if (!name || !*name)
		return sid;
	char *slug = lms_slug(name);
	char *r = *slug ? xasprintf("%s_%s", slug, sid) : xstrdup(sid);
	free(slug);
	free(sid);
	return r;
}

void lms_term(struct strbuf *sb, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned cp;
		size_t k = utf8_at(p + i, n - i, &cp);
		if (!k) {
			sb_addf(sb, "\\x%02x", p[i]);
			i++;
			continue;
		}
		/* C0 and C1 controls, and the marks that turn text around */
		if (cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x200E || cp == 0x200F ||
		    (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) {
			if (cp < 0x80)
				sb_addf(sb, "\\x%02x", cp);
			else
				sb_addf(sb, "\\u{%x}", cp);
		} else {
			sb_add(sb, p + i, k);
		}
		i += k;
	}
}

const char *lms_t(int slot, const char *s)
{
	static struct strbuf slots[4];
	struct strbuf *sb = &slots[slot & 3];
	sb_reset(sb);
	lms_term(sb, s ? s : "");
	return sb->buf ? sb->buf : "";
}
