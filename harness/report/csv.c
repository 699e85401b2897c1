/* report/csv: grades.csv, the gradebook: a line per student, a column per probe. */
#include "html.h"
#include "lab.h"

#include <string.h>

/*
 * One CSV field (RFC 4180). text fields starting with = + - @ (or tab, CR)
 * get a leading apostrophe, inside quotes, so that a spreadsheet does not
 * take them for a formula.
 */
void csv_field(struct strbuf *sb, const char *s, size_t len, int text)
{
	int guard = text && len && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' ||
				    s[0] == '\t' || s[0] == '\r');
	int quote = guard || memchr(s, ',', len) || memchr(s, '"', len) ||
		    memchr(s, '\r', len) || memchr(s, '\n', len);

	if (!quote) {
		sb_add(sb, s, len);
		return;
	}
	sb_addc(sb, '"');
	if (guard)
		sb_addc(sb, '\'');
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"')
			sb_addc(sb, '"');
		sb_addc(sb, s[i]);
	}
	sb_addc(sb, '"');
}

static void csv_num(struct strbuf *sb, double v)
{
	add_num(sb, v);
}

/* grades.csv's header line. */
void csv_head(struct strbuf *sb, const struct lab *lab)
{
	sb_adds(sb, "student,score,max_score");
	for (size_t c = 0; c < lab->ncols; c++) {
		sb_addc(sb, ',');
		csv_field(sb, lab->cols[c].name, strlen(lab->cols[c].name), 1);
	}
	sb_adds(sb, "\r\n");
}

/* A student's line of grades.csv. */
void csv_row(struct strbuf *sb, const struct lab *lab, const struct entry *e)
{
	const struct json *x = extra(e->root);

	csv_field(sb, e->name, strlen(e->name), 1);
	sb_addc(sb, ',');
	/* no score for a student the grader could not grade: empty, not 0 */
	if (graded(e))
		csv_num(sb, json_get_num(e->root, "score", 0));
	sb_addc(sb, ',');
	if (e->root)
		csv_num(sb, json_get_num(x, "max_score", lab->max));
	else if (lab->max >= 0)
		csv_num(sb, lab->max);
	for (size_t c = 0; c < lab->ncols; c++) {
		sb_addc(sb, ',');
		const struct json *p = graded(e) ? find_probe(e->root, lab->cols[c].name) : NULL;
		if (p)
			csv_num(sb, json_get_num(p, "score", 0));
	}
	sb_adds(sb, "\r\n");
}
