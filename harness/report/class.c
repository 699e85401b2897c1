/*
 * report/class: the class page (<lab>/index.html: a row per student, then
 * the probes' pass rates and the scores' histogram), and the index of labs
 * (<reports>/index.html) that links every class page.
 */
#include "report.h"
#include "html.h"
#include "lab.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void add_reference_line(struct strbuf *sb, const struct lab *lab)
{
	const struct entry *r = &lab->ref;

	if (!r->name)
		return;
	if (!r->root) {
		sb_adds(sb, "<p class=\"refbad\">reference: no results (");
		html(sb, r->problem);
		sb_adds(sb, ")</p>\n");
		return;
	}
	if (harness_failed(r->root)) {
		sb_adds(sb, "<p class=\"refbad\">reference: not graded: ");
		html_key(sb, extra(r->root), "harness_error", "");
		sb_adds(sb, "</p>\n");
		return;
	}
	const struct json *probes = json_get(extra(r->root), "probes");
	size_t n = json_len(probes), failed = 0;
	for (size_t i = 0; i < n; i++)
		failed += !probe_passed(json_at(probes, i));
	if (!failed) {
		sb_addf(sb, "<p class=\"refok\">reference: passed all %zu probes</p>\n", n);
		return;
	}
	sb_addf(sb, "<p class=\"refbad\">reference: failed %zu of %zu probes: ", failed, n);
	const char *sep = "";
	for (size_t i = 0; i < n; i++) {
		const struct json *p = json_at(probes, i);
		if (probe_passed(p))
			continue;
		sb_addf(sb, "%s%lld. ", sep, probe_number(p, i));
		html_key(sb, p, "name", "?");
		if (has_str(p, "why")) {
			sb_adds(sb, " (");
			html_key(sb, p, "why", "");
			sb_adds(sb, ")");
		}
		sep = "; ";
	}
	sb_adds(sb, " — the spec or the reference needs fixing before grades mean anything</p>\n");
}

/* The build cell: ok, "does not build: why" (shortened, the whole story in title), or not built. */
static void add_build_cell(struct strbuf *sb, const struct json *root)
{
	const struct json *progs = json_get(json_get(extra(root), "build"), "programs");
	struct strbuf all = STRBUF_INIT, first = STRBUF_INIT;

	if (json_kind(json_get(extra(root), "build")) != JSON_KIND_OBJECT) {
		sb_adds(sb, "<td class=\"bad\">not built</td>");
		return;
	}
	for (size_t i = 0; i < json_len(progs); i++) {
		const struct json *p = json_at(progs, i);
		if (json_bool(json_get(p, "ok"), 0) == 1)
			continue;
		struct strbuf one = STRBUF_INIT;
		sb_adds(&one, json_get_str(p, "name", "?"));
		sb_adds(&one, ": ");
		sb_adds(&one, json_get_str(p, "why", "failed"));
		if (!first.len)
			sb_add(&first, one.buf, one.len);
		if (all.len)
			sb_adds(&all, "; ");
		sb_add(&all, one.buf, one.len);
		sb_release(&one);
	}
	if (!all.len) {
		sb_adds(sb, "<td class=\"ok\">ok</td>");
	} else {
		size_t cut = cut_utf8(first.buf, first.len, 60);
		sb_adds(sb, "<td class=\"bad\" title=\"");
		sb_add_html(sb, all.buf, all.len);
		sb_adds(sb, "\">does not build: ");
		sb_add_html(sb, first.buf, cut);
		if (cut < first.len || first.len < all.len)
			sb_adds(sb, "…");
		sb_adds(sb, "</td>");
	}
	sb_release(&all);
	sb_release(&first);
}

/*
 * A coverage cell of the class table, key "lines" or "branches": the
 * percentage, sorted by it, or "—" sorted below 0 with the reason in its
 * title: c's why, or none when c (NULL: coverage off) has no why.
 */
static void add_coverage_cell(struct strbuf *sb, const struct json *c, const char *key,
			      const char *none)
{
	const struct json *v = json_get(c, key);

	if (c && coverage_done(c) && json_kind(v) == JSON_KIND_NUMBER) {
		sb_adds(sb, "<td class=\"num\" data-sort=\"");
		add_num(sb, json_num(v, 0));
		sb_adds(sb, "\">");
		add_percent(sb, json_num(v, 0));
		sb_adds(sb, "</td>");
		return;
	}
	sb_adds(sb, "<td class=\"num muted\" data-sort=\"-1\" title=\"");
	if (c && coverage_done(c))
		html(sb, !strcmp(key, "branches") ? "no branches" : "not measured");
	else if (c)
		html_key(sb, c, "why", "no coverage");
	else
		html(sb, none);
	sb_adds(sb, "\">—</td>");
}

static void add_coverage_cells(struct strbuf *sb, const struct json *root, const char *none)
{
	const struct json *c = root ? coverage_of(root) : NULL;

	add_coverage_cell(sb, c, "lines", none);
	add_coverage_cell(sb, c, "branches", none);
}

void add_student_row(struct strbuf *sb, const struct entry *e, const struct column *cols,
		     size_t ncols)
{
	const struct json *x = extra(e->root);

	sb_adds(sb, "<tr><td>");
	if (e->root) {
		sb_adds(sb, "<a href=\"");
		add_url_part(sb, e->name);
		sb_adds(sb, "/index.html\">");
		html(sb, e->name);
		sb_adds(sb, "</a>");
	} else {
		html(sb, e->name);
	}
	sb_adds(sb, "</td>");

	if (e->missing) {
		/* a student of the roster whose shard never ran or did not finish */
		sb_adds(sb, "<td class=\"num ng\" data-sort=\"-2\">not graded</td><td></td>");
		add_coverage_cells(sb, NULL, "not graded");
		sb_addf(sb, "<td class=\"ng\" colspan=\"%zu\">not graded: no results (", ncols + 1);
		html(sb, e->problem);
		sb_adds(sb, ")</td></tr>\n");
		return;
	}
	if (!e->root) {
		sb_adds(sb, "<td class=\"num ng\" data-sort=\"-2\">no results</td><td></td>");
		add_coverage_cells(sb, NULL, "no results");
		sb_addf(sb, "<td class=\"ng\" colspan=\"%zu\" title=\"", ncols + 1);
		html(sb, e->problem);
		sb_adds(sb, "\">no results: ");
		html(sb, e->problem);
		sb_adds(sb, "</td></tr>\n");
		return;
	}
	if (harness_failed(e->root)) {
		sb_adds(sb, "<td class=\"num ng\" data-sort=\"-1\">not graded</td><td class=\"num\">");
		add_num(sb, json_get_num(x, "max_score", 0));
		sb_adds(sb, "</td>");
		add_coverage_cells(sb, e->root, "not graded");
		sb_addf(sb, "<td class=\"ng\" colspan=\"%zu\">not graded (harness error: ",
			ncols + 1);
		html_key(sb, x, "harness_error", "");
		sb_adds(sb, ")</td></tr>\n");
		return;
	}
	double score = json_get_num(e->root, "score", 0);
	sb_adds(sb, "<td class=\"num\" data-sort=\"");
	add_num(sb, score);
	sb_adds(sb, "\">");
	add_num(sb, score);
	sb_adds(sb, "</td><td class=\"num\">");
	add_num(sb, json_get_num(x, "max_score", 0));
	sb_adds(sb, "</td>");
	add_coverage_cells(sb, e->root, "coverage was off");
	add_build_cell(sb, e->root);
	for (size_t c = 0; c < ncols; c++) {
		const struct json *p = find_probe(e->root, cols[c].name);
		if (!p) {
			sb_adds(sb, "<td class=\"cell\" data-sort=\"-1\" title=\"not run\">–</td>");
			continue;
		}
		int ok = probe_passed(p);
		sb_addf(sb, "<td class=\"cell %s\" data-sort=\"%d\" title=\"", ok ? "ok" : "bad", ok);
		if (ok)
			sb_adds(sb, "passed");
		else
			html_key(sb, p, "why", "failed");
		sb_addf(sb, "\">%s</td>", ok ? "✓" : "✗");
	}
	sb_adds(sb, "</tr>\n");
}

/* The class page down to the first row of its table. */
void class_head(struct strbuf *sb, const struct lab *lab, const char *lab_dir)
{
	struct strbuf t = STRBUF_INIT;

	html(&t, lab->title ? lab->title : base_name(lab_dir));
	sb_adds(&t, " — class results");
	page_begin(sb, t.buf);
	sb_adds(sb, "<nav><a href=\"../index.html\">all labs</a> · "
		"<a href=\"grades.csv\">grades.csv</a> · <a href=\"junit.xml\">junit.xml</a></nav>\n");
	sb_addf(sb, "<h1>%s</h1>\n", t.buf);
	add_reference_line(sb, lab);

	sb_addf(sb, "<p>%zu student%s: %zu graded", lab->n, lab->n == 1 ? "" : "s", lab->ngraded);
	if (lab->nharness)
		sb_addf(sb, ", %zu not graded (the grader failed on them)", lab->nharness);
	if (lab->nmissing)
		sb_addf(sb, ", %zu not graded (no results)", lab->nmissing);
	if (lab->nnone)
		sb_addf(sb, ", %zu whose results cannot be read", lab->nnone);
	if (lab->ngraded) {
		sb_adds(sb, ". Mean score ");
		add_num(sb, lab_mean(lab));
		if (lab->max >= 0) {
			sb_adds(sb, " / ");
			add_num(sb, lab->max);
		}
	}
	sb_adds(sb, ".</p>\n");

	/* a run without isolation is worth saying once, at the top */
	if (lab->warned) {
		sb_adds(sb, "<div class=\"warning\">Sandbox warning (");
		html(sb, lab->warned);
		sb_adds(sb, " and maybe others): ");
		sb_add_html(sb, lab->warning, lab->warning_len);
		sb_adds(sb, "</div>\n");
	}

	sb_adds(sb, "<table class=\"sortable\" id=\"grades\">\n<thead><tr><th>student</th>"
		"<th class=\"num\">score</th><th class=\"num\">max</th>"
		"<th class=\"num\" title=\"lines of the student's code run by the visible probes\">"
		"lines</th><th class=\"num\" title=\"branches of the student's code taken by the "
		"visible probes\">branches</th><th>build</th>");
	for (size_t c = 0; c < lab->ncols; c++) {
		sb_adds(sb, "<th class=\"probe\" title=\"");
		html(sb, lab->cols[c].name);
		sb_addf(sb, "\">%lld</th>", lab->cols[c].number);
	}
	sb_adds(sb, "</tr></thead>\n<tbody>\n");
	sb_release(&t);
}

/* The class page after the last row of its table; count: the histogram's (hist_add). */
void class_tail(struct strbuf *sb, const struct lab *lab, const size_t *count)
{
	const struct column *cols = lab->cols;
	size_t ncols = lab->ncols;

	sb_adds(sb, "</tbody>\n</table>\n");
	if (!lab->n)
		sb_adds(sb, "<p>No student folders.</p>\n");
	sb_adds(sb, "<p class=\"muted\">✓ passed, ✗ failed (hover for why). lines, branches: "
		"coverage of the student's code under the visible probes (— when there is none; "
		"hover for why). Click a column header to sort.</p>\n");

	sb_adds(sb, "<h2 id=\"probes\">Probes</h2>\n");
	if (ncols) {
		sb_adds(sb, "<table class=\"sortable\">\n<thead><tr><th class=\"num\">#</th>"
			"<th>probe</th><th class=\"num\">points</th><th>shown to students</th>"
			"<th class=\"num\">passed</th></tr></thead>\n<tbody>\n");
		for (size_t c = 0; c < ncols; c++) {
			sb_addf(sb, "<tr><td class=\"num\">%lld</td><td>", cols[c].number);
			html(sb, cols[c].name);
			sb_adds(sb, "</td><td class=\"num\">");
			add_num(sb, cols[c].points);
			sb_addf(sb, "</td><td>%s</td><td class=\"num\" data-sort=\"%zu\">%zu of %zu"
				"</td></tr>\n", cols[c].hidden ? "no (hidden)" : "yes",
				cols[c].passed, cols[c].passed, cols[c].graded);
		}
		sb_adds(sb, "</tbody>\n</table>\n");
		add_pass_chart(sb, cols, ncols);
	} else {
		sb_adds(sb, "<p>No probe results.</p>\n");
	}

	sb_adds(sb, "<h2 id=\"scores\">Scores</h2>\n");
	if (lab->ngraded && lab->max > 0)
		add_histogram(sb, count, lab->max);
	else
		sb_adds(sb, "<p>No graded submissions.</p>\n");

	sb_adds(sb, sort_script);
	page_end(sb);
}

/* ---- the index of labs -------------------------------------------------- */

static int skipped_folder(const char *name)
{
	return !strcmp(name, "selfcheck") || !strcmp(name, "coverage") || !strcmp(name, "kits");
}

int report_index(const char *reports, char *err)
{
	char **names;
	size_t n, shown = 0;
	struct strbuf page = STRBUF_INIT;
	char *path = xasprintf("%s/index.html", reports);
	int rc = -1;

	if (list_dirs(reports, &names, &n, err) < 0)
		goto out;
	page_begin(&page, "sockgrade reports");
	sb_adds(&page, "<h1>sockgrade reports</h1>\n<table class=\"sortable\">\n<thead><tr>"
		"<th>lab</th><th>title</th><th class=\"num\">students</th>"
		"<th class=\"num\">graded</th><th class=\"num\">mean score</th></tr></thead>\n"
		"<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		char *lab_dir = xasprintf("%s/%s", reports, names[i]);
		char *lab_index = xasprintf("%s/index.html", lab_dir);
		char lerr[ERRLEN];
		struct stat st;
		struct lab lab;

		if (skipped_folder(names[i]) || lstat(lab_index, &st) < 0)
			goto next;
		if (lab_scan(&lab, lab_dir, lerr) < 0) {
			lab_release(&lab);
			goto next;
		}
		sb_adds(&page, "<tr><td><a href=\"");
		add_url_part(&page, names[i]);
		sb_adds(&page, "/index.html\">");
		html(&page, names[i]);
		sb_adds(&page, "</a></td><td>");
		html(&page, lab.title ? lab.title : "");
		sb_addf(&page, "</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
			"<td class=\"num\">", lab.n, lab.ngraded);
		if (lab.ngraded) {
			add_num(&page, lab_mean(&lab));
			if (lab.max >= 0) {
				sb_adds(&page, " / ");
				add_num(&page, lab.max);
			}
		} else {
			sb_adds(&page, "–");
		}
		sb_adds(&page, "</td></tr>\n");
		shown++;
		lab_release(&lab);
next:
		free(lab_index);
		free(lab_dir);
	}
	sb_adds(&page, "</tbody>\n</table>\n");
	if (!shown)
		sb_adds(&page, "<p>No lab has been reported yet.</p>\n");
	sb_adds(&page, sort_script);
	page_end(&page);
	rc = write_file_atomic(path, page.buf, page.len, err);
out:
	for (size_t i = 0; names && i < n; i++)
		free(names[i]);
	free(names);
	sb_release(&page);
	free(path);
	return rc;
}
