/*
 * import/manifest: <root>/<lab>/import.tsv, one line per student folder
 * the importer made, under a header line that names the columns:
 *
 *   student  lms  id  name  submission  late  renamed  older  notes
 *
 * Tab-separated; in a cell, \\ \t \n \r and other control bytes are
 * escaped (\xHH); list cells (renamed, older, notes) separate items with
 * ';', and renamed writes each item from>to, so in them ';' and '>' are
 * escaped too. Readers find columns by name: one added later is ignored by
 * older readers.
 */
#include "lms.h"
#include "json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const columns[] = {
	"student", "lms", "id", "name", "submission", "late", "renamed", "older", "notes",
};
enum { C_STUDENT, C_LMS, C_ID, C_NAME, C_SUBMISSION, C_LATE, C_RENAMED, C_OLDER, C_NOTES, C_N };

void tsv_escape(struct strbuf *sb, const char *s, int in_list)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '\\': sb_adds(sb, "\\\\"); break;
		case '\t': sb_adds(sb, "\\t"); break;
		case '\n': sb_adds(sb, "\\n"); break;
		case '\r': sb_adds(sb, "\\r"); break;
		case ';': case '>':
			if (in_list)
				sb_addc(sb, '\\');
			sb_addc(sb, (char)*p);
			break;
		default:
			if (*p < 0x20 || *p == 0x7F)
				sb_addf(sb, "\\x%02x", *p);
			else
				sb_addc(sb, (char)*p);
		}
	}
}

/* s[0..len) unescaped; to be freed. */
static char *tsv_unescape(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '\\' || i + 1 == len) {
			sb_addc(&sb, s[i]);
			continue;
		}
		char c = s[++i];
		if (c == 't') {
			sb_addc(&sb, '\t');
		} else if (c == 'n') {
			sb_addc(&sb, '\n');
		} else if (c == 'r') {
			sb_addc(&sb, '\r');
		} else if (c == 'x' && i + 2 < len) {
			char hex[3] = { s[i + 1], s[i + 2], 0 };
			char *end;
			long v = strtol(hex, &end, 16);
			if (*end || !v) {
				sb_addc(&sb, 'x');
				continue;
			}
			sb_addc(&sb, (char)v);
			i += 2;
		} else {
			sb_addc(&sb, c);
		}
	}
	return sb.buf ? sb_detach(&sb, NULL) : xstrdup("");
}

/* Where the next unescaped sep is in s[0..len), or len. */
static size_t find_sep(const char *s, size_t len, char sep)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == sep)
			return i;
	}
	return len;
}

/* The items of a list cell, unescaped. */
static char **split_list(const char *s, size_t len, size_t *n)
{
	char **v = NULL;
	*n = 0;
	if (!len)
		return NULL;
	for (size_t at = 0; at <= len;) {
		size_t k = find_sep(s + at, len - at, ';');
		v = xrealloc(v, (*n + 1) * sizeof *v);
		v[(*n)++] = tsv_unescape(s + at, k);
		at += k + 1;
	}
	return v;
}

static void add_list(struct strbuf *sb, char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_addc(sb, ';');
		tsv_escape(sb, v[i], 1);
	}
}

static int cmp_row(const void *a, const void *b)
{
	return strcmp(((const struct import_row *)a)->student, ((const struct import_row *)b)->student);
}

void import_row_release(struct import_row *r)
{
	free(r->student);
	free(r->lms);
	free(r->id);
	free(r->name);
	free(r->submission);
	for (size_t i = 0; i < r->nrenamed; i++) {
		free(r->renamed[i].from);
		free(r->renamed[i].to);
	}
	free(r->renamed);
	for (size_t i = 0; i < r->nolder; i++)
		free(r->older[i]);
	free(r->older);
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->notes);
	free(r->line);
	memset(r, 0, sizeof *r);
}

void import_manifest_release(struct import_manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		import_row_release(&m->rows[i]);
	free(m->rows);
	m->rows = NULL;
	m->n = 0;
}

/* Fills r from one line's cells, by the header's columns (col[c] = index, or -1). */
static void parse_row(struct import_row *r, const char *line, size_t len, const int *col)
{
	const char *cell[64];
	size_t clen[64], nc = 0;
	for (size_t at = 0; at <= len && nc < 64;) {
		const char *tab = memchr(line + at, '\t', len - at);
		size_t k = tab ? (size_t)(tab - (line + at)) : len - at;
		cell[nc] = line + at;
		clen[nc++] = k;
		at += k + 1;
	}
#define CELL(c) (col[c] >= 0 && (size_t)col[c] < nc ? tsv_unescape(cell[col[c]], clen[col[c]]) : xstrdup(""))
	memset(r, 0, sizeof *r);
	r->student = CELL(C_STUDENT);
	r->lms = CELL(C_LMS);
	r->id = CELL(C_ID);
	r->name = CELL(C_NAME);
	r->submission = CELL(C_SUBMISSION);
	char *late = CELL(C_LATE);
	r->late = !strcmp(late, "late");
	free(late);
#undef CELL
	if (col[C_OLDER] >= 0 && (size_t)col[C_OLDER] < nc)
		r->older = split_list(cell[col[C_OLDER]], clen[col[C_OLDER]], &r->nolder);
	if (col[C_NOTES] >= 0 && (size_t)col[C_NOTES] < nc)
		r->notes = split_list(cell[col[C_NOTES]], clen[col[C_NOTES]], &r->nnotes);
	if (col[C_RENAMED] >= 0 && (size_t)col[C_RENAMED] < nc) {
		const char *s = cell[col[C_RENAMED]];
		size_t sl = clen[col[C_RENAMED]];
		for (size_t at = 0; sl && at <= sl;) {
			size_t k = find_sep(s + at, sl - at, ';');
			size_t g = find_sep(s + at, k, '>');
			r->renamed = xrealloc(r->renamed, (r->nrenamed + 1) * sizeof *r->renamed);
			r->renamed[r->nrenamed].from = tsv_unescape(s + at, g);
			r->renamed[r->nrenamed].to = g < k ? tsv_unescape(s + at + g + 1, k - g - 1) :
							     xstrdup("");
			r->nrenamed++;
			at += k + 1;
		}
	}
	r->line = xstrndup(line, len);
}

int import_manifest_load(const char *path, struct import_manifest *m, char *err)
{
	struct strbuf sb = STRBUF_INIT;
	int col[C_N];
	size_t cap = 0;

	memset(m, 0, sizeof *m);
	if (read_file(path, &sb) < 0) {
		int e = errno;
		sb_release(&sb);
		if (e == ENOENT)
			return 0;
		snprintf(err, ERRLEN, "'%s': cannot read: %s", path, strerror(e));
		return -1;
	}
	const char *text = sb.buf ? sb.buf : "";
	size_t len = sb.len, at = 0, lineno = 0;
	while (at < len) {
		const char *line = text + at;
		const char *nl = memchr(line, '\n', len - at);
		size_t ll = nl ? (size_t)(nl - line) : len - at;
		at += ll + 1;
		if (ll && line[ll - 1] == '\r')
			ll--;
		if (lineno++ == 0) {
			/* the header: which column is which */
			for (int c = 0; c < C_N; c++)
				col[c] = -1;
			int idx = 0;
			for (size_t p = 0; p <= ll; idx++) {
				const char *tab = memchr(line + p, '\t', ll - p);
				size_t k = tab ? (size_t)(tab - (line + p)) : ll - p;
				for (int c = 0; c < C_N; c++)
					if (strlen(columns[c]) == k && !memcmp(line + p, columns[c], k))
						col[c] = idx;
				p += k + 1;
			}
			if (col[C_STUDENT] < 0) {
				snprintf(err, ERRLEN, "'%s': not an import manifest (no 'student' column "
					 "in its first line)", path);
				sb_release(&sb);
				return -1;
			}
			continue;
		}
		if (!ll)
			continue;
		if (m->n == cap) {
			cap = cap ? cap * 2 : 64;
			m->rows = xrealloc(m->rows, cap * sizeof *m->rows);
		}
		parse_row(&m->rows[m->n], line, ll, col);
		if (!*m->rows[m->n].student) {
			import_row_release(&m->rows[m->n]);
			continue;
		}
		m->n++;
	}
	sb_release(&sb);
	if (m->n)
		qsort(m->rows, m->n, sizeof *m->rows, cmp_row);
	return 1;
}

int import_manifest_write(const char *path, const struct import_manifest *m, char *err)
{
	struct strbuf sb = STRBUF_INIT;
	for (int c = 0; c < C_N; c++)
		sb_addf(&sb, "%s%s", c ? "\t" : "", columns[c]);
	sb_addc(&sb, '\n');
	for (size_t i = 0; i < m->n; i++) {
		const struct import_row *r = &m->rows[i];
		tsv_escape(&sb, r->student, 0);
		sb_addc(&sb, '\t');
		tsv_escape(&sb, r->lms ? r->lms : "", 0);
		sb_addc(&sb, '\t');
		tsv_escape(&sb, r->id ? r->id : "", 0);
		sb_addc(&sb, '\t');
		tsv_escape(&sb, r->name ? r->name : "", 0);
		sb_addc(&sb, '\t');
		tsv_escape(&sb, r->submission ? r->submission : "", 0);
		sb_addf(&sb, "\t%s\t", r->late ? "late" : "");
		for (size_t k = 0; k < r->nrenamed; k++) {
			if (k)
				sb_addc(&sb, ';');
			tsv_escape(&sb, r->renamed[k].from, 1);
			sb_addc(&sb, '>');
			tsv_escape(&sb, r->renamed[k].to, 1);
		}
		sb_addc(&sb, '\t');
		add_list(&sb, r->older, r->nolder);
		sb_addc(&sb, '\t');
		add_list(&sb, r->notes, r->nnotes);
		sb_addc(&sb, '\n');
	}
	int rc = write_file_atomic(path, sb.buf, sb.len, err);
	sb_release(&sb);
	return rc;
}

const struct import_row *import_manifest_find(const struct import_manifest *m, const char *student)
{
	struct import_row key = { .student = (char *)student };
	if (!m || !m->n)
		return NULL;
	return bsearch(&key, m->rows, m->n, sizeof *m->rows, cmp_row);
}

const char *import_lms_title(const char *lms)
{
	if (!lms)
		return "";
	if (!strcmp(lms, "canvas"))
		return "Canvas";
	if (!strcmp(lms, "moodle"))
		return "Moodle";
	if (!strcmp(lms, "blackboard"))
		return "Blackboard";
	if (!strcmp(lms, "folders"))
		return "a folder per student";
	return lms;
}

static void jw_strings(struct json_writer *w, const char *key, char *const *v, size_t n)
{
	jw_key(w, key);
	jw_array_begin(w);
	for (size_t i = 0; i < n; i++)
		jw_string(w, v[i]);
	jw_array_end(w);
}

void import_row_json(struct json_writer *w, const struct import_row *r)
{
	if (!r) {
		jw_null(w);
		return;
	}
	jw_object_begin(w);
	jw_key(w, "lms");
	jw_string(w, r->lms);
	jw_key(w, "id");
	jw_string(w, r->id);
	jw_key(w, "name");
	jw_string(w, r->name);
	jw_key(w, "submission");
	jw_string(w, r->submission && *r->submission ? r->submission : NULL);
	jw_key(w, "late");
	jw_bool(w, r->late);
	jw_key(w, "renamed");
	jw_array_begin(w);
	for (size_t i = 0; i < r->nrenamed; i++) {
		jw_object_begin(w);
		jw_key(w, "from");
		jw_string(w, r->renamed[i].from);
		jw_key(w, "to");
		jw_string(w, r->renamed[i].to);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_strings(w, "older", r->older, r->nolder);
	jw_strings(w, "notes", r->notes, r->nnotes);
	jw_object_end(w);
}
