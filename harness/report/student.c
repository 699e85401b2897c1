/*
 * report/student: the pages of one submission: index.html for the
 * instructor (every probe), student.html (hidden probes left out, the score
 * out of the visible maximum) and a selfcheck's page (the student's view).
 */
#include "report.h"
#include "html.h"
#include "results.h"

#include <stdlib.h>
#include <string.h>

enum view {
	VIEW_INSTRUCTOR,	/* every probe; links to the class page and the student view */
	VIEW_STUDENT,		/* hidden probes left out; links to the class page */
	VIEW_SELFCHECK,		/* like the student view, nothing to link to */
};

static const char *kind_class(const char *kind)
{
	static const char *const alert[] = { "FIN", "RST", "abort", "timeout", "exit", "refused" };

	if (!strcmp(kind, "send") || !strcmp(kind, "stdin"))
		return "send";
	if (!strcmp(kind, "recv"))
		return "recv";
	for (size_t i = 0; i < sizeof alert / sizeof alert[0]; i++)
		if (!strcmp(kind, alert[i]))
			return "alert";
	return NULL;
}

static void add_transcript(struct strbuf *sb, const struct json *events, int open)
{
	size_t n = json_len(events);

	sb_addf(sb, "<details%s><summary>transcript (%zu event%s)</summary>\n",
		open ? " open" : "", n, n == 1 ? "" : "s");
	if (!n) {
		sb_adds(sb, "<p class=\"muted\">nothing happened</p>\n</details>\n");
		return;
	}
	sb_adds(sb, "<table class=\"transcript\">\n<thead><tr><th class=\"num\">t (ms)</th>"
		"<th>who</th><th>kind</th><th>data</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const struct json *e = json_at(events, i);
		const char *kind = json_get_str(e, "kind", "");
		const char *cls = kind_class(kind);
		const struct json *data = json_get(e, "data");
		size_t dlen = json_str_len(data);

		if (cls)
			sb_addf(sb, "<tr class=\"%s\">", cls);
		else
			sb_adds(sb, "<tr>");
		sb_adds(sb, "<td class=\"num\">");
		add_num(sb, json_get_num(e, "t", 0));
		sb_adds(sb, "</td><td>");
		html_key(sb, e, "who", "");
		sb_adds(sb, "</td><td>");
		html(sb, kind);
		sb_adds(sb, "</td><td><code class=\"data\">");
		html_json(sb, data, "");
		sb_adds(sb, "</code>");
		if (cls && strcmp(cls, "alert")) {
			size_t kept = decoded_len(json_str(data, ""), dlen);
			double all = json_get_num(e, "len", (double)kept);
			sb_adds(sb, " <span class=\"muted\">(");
			if (all > (double)kept) {
				sb_addf(sb, "first %zu of ", kept);
				add_num(sb, all);
			} else {
				add_num(sb, all);
			}
			sb_adds(sb, all == 1 ? " byte)</span>" : " bytes)</span>");
		}
		sb_adds(sb, "</td></tr>\n");
	}
	sb_adds(sb, "</tbody>\n</table>\n<p class=\"muted\">Blue rows: bytes the grader sent; "
		"green rows: bytes it received; yellow rows: closes, resets, timeouts and exits.</p>\n"
		"</details>\n");
}

static void add_output(struct strbuf *sb, const struct json *proc, const char *which)
{
	const struct json *j = json_get(proc, which);

	if (!json_str_len(j))
		return;
	sb_adds(sb, "<p><code>");
	html_key(sb, proc, "program", "?");
	sb_addf(sb, "</code> %s:</p>\n", which);
	add_text_block(sb, json_str(j, ""), json_str_len(j), 0);
}

static void add_processes(struct strbuf *sb, const struct json *procs, int open)
{
	size_t n = json_len(procs);

	if (!n)
		return;
	sb_addf(sb, "<details%s><summary>processes (%zu)</summary>\n", open ? " open" : "", n);
	sb_adds(sb, "<table class=\"procs\">\n<thead><tr><th>program</th><th>argv</th>"
		"<th>verdict</th><th>exit</th><th class=\"num\">wall (ms)</th>"
		"<th class=\"num\">cpu (ms)</th><th class=\"num\">max rss (kB)</th></tr></thead>\n"
		"<tbody>\n");
	for (size_t i = 0; i < n; i++) {
		const struct json *p = json_at(procs, i);
		const char *v = json_get_str(p, "verdict", "");
		int good = !strcmp(v, "OK") || !strcmp(v, "stopped");
		double sig = json_get_num(p, "signal", 0);

		sb_adds(sb, "<tr><td>");
		html_key(sb, p, "program", "");
		sb_adds(sb, "</td><td><code class=\"data\">");
		html_key(sb, p, "argv", "");
		sb_addf(sb, "</code></td><td class=\"%s\">", good ? "ok" : "bad");
		html(sb, v);
		if (has_str(p, "description")) {
			sb_adds(sb, ": ");
			html_key(sb, p, "description", "");
		}
		sb_adds(sb, "</td><td>");
		if (sig > 0) {
			sb_adds(sb, "signal ");
			add_num(sb, sig);
		} else {
			sb_adds(sb, "status ");
			add_num(sb, json_get_num(p, "exit_code", 0));
		}
		sb_adds(sb, "</td><td class=\"num\">");
		add_num(sb, json_get_num(p, "wall_ms", 0));
		sb_adds(sb, "</td><td class=\"num\">");
		add_num(sb, json_get_num(p, "cpu_ms", 0));
		sb_adds(sb, "</td><td class=\"num\">");
		add_num(sb, json_get_num(p, "max_rss_kb", 0));
		sb_adds(sb, "</td></tr>\n");
	}
	sb_adds(sb, "</tbody>\n</table>\n");
	for (size_t i = 0; i < n; i++) {
		add_output(sb, json_at(procs, i), "stdout");
		add_output(sb, json_at(procs, i), "stderr");
	}
	sb_adds(sb, "</details>\n");
}

static void add_vars(struct strbuf *sb, const struct json *vars)
{
	size_t n = json_len(vars);

	if (json_kind(vars) != JSON_KIND_OBJECT || !n)
		return;
	sb_adds(sb, "<p>Random values of this run:</p>\n<table class=\"vars\">\n");
	for (size_t i = 0; i < n; i++) {
		sb_adds(sb, "<tr><th>");
		html(sb, json_key_at(vars, i));
		sb_adds(sb, "</th><td><code class=\"data\">");
		html_json(sb, json_value_at(vars, i), "");
		sb_adds(sb, "</code></td></tr>\n");
	}
	sb_adds(sb, "</table>\n");
}

static void add_probe_section(struct strbuf *sb, const struct json *p, size_t i, enum view view)
{
	int passed = probe_passed(p);
	const struct json *exp = json_get(p, "expected"), *obs = json_get(p, "observed");
	long long diff = json_int(json_get(p, "diff_at"), -1);

	sb_addf(sb, "<section class=\"probe\" id=\"probe-%lld\">\n<h3>%lld. ",
		probe_number(p, i), probe_number(p, i));
	html_key(sb, p, "name", "?");
	sb_addf(sb, " — <span class=\"%s\">%s</span>, ", passed ? "pass" : "fail",
		passed ? "passed" : "failed");
	add_num(sb, json_get_num(p, "score", 0));
	sb_adds(sb, " / ");
	add_num(sb, json_get_num(p, "points", 0));
	sb_adds(sb, " points");
	if (view == VIEW_INSTRUCTOR && probe_hidden(p))
		sb_adds(sb, " <span class=\"muted\">(hidden from students)</span>");
	sb_adds(sb, "</h3>\n");

	if (has_str(p, "why")) {
		sb_adds(sb, "<p><strong>Why:</strong> ");
		html_key(sb, p, "why", "");
		sb_adds(sb, "</p>\n");
	}
	if (has_str(p, "note")) {
		sb_adds(sb, "<p><strong>Note:</strong> ");
		html_key(sb, p, "note", "");
		sb_adds(sb, "</p>\n");
	}
	if (json_kind(json_get(p, "failed_step")) == JSON_KIND_NUMBER) {
		sb_adds(sb, "<p>Failing step: step ");
		add_num(sb, json_get_num(p, "failed_step", 0));
		if (has_str(p, "step_kind")) {
			sb_adds(sb, " (<code>");
			html_key(sb, p, "step_kind", "");
			sb_adds(sb, "</code>)");
		}
		if (json_kind(json_get(p, "step_line")) == JSON_KIND_NUMBER) {
			sb_adds(sb, ", spec line ");
			add_num(sb, json_get_num(p, "step_line", 0));
		}
		sb_adds(sb, ".</p>\n");
	}
	double runs = json_get_num(p, "runs", 1), failed = json_get_num(p, "failed_runs", 0);
	if (runs > 1) {
		sb_adds(sb, "<p>Runs: ");
		add_num(sb, runs);
		sb_adds(sb, ", failed: ");
		add_num(sb, failed);
		sb_adds(sb, ".</p>\n");
	}
	if (json_kind(exp) == JSON_KIND_STRING) {
		size_t elen = json_str_len(exp);
		long long at = diff >= 0 && (size_t)diff < decoded_len(json_str(exp, ""), elen) ? diff : -1;
		sb_adds(sb, "<p><strong>Expected</strong> (escaped as C text):</p>\n");
		add_marked(sb, json_str(exp, ""), elen, at);
	}
	if (json_kind(obs) == JSON_KIND_STRING) {
		sb_adds(sb, "<p><strong>Observed</strong> (escaped as C text):</p>\n");
		add_marked(sb, json_str(obs, ""), json_str_len(obs), diff);
		if (diff >= 0) {
			size_t olen = decoded_len(json_str(obs, ""), json_str_len(obs));
			if ((size_t)diff < olen)
				sb_addf(sb, "<p class=\"muted\">The first difference is byte %lld "
					"(counting from 0), marked.</p>\n", diff);
			else
				sb_addf(sb, "<p class=\"muted\">The observed bytes stop after %zu "
					"byte%s, where more was expected.</p>\n", olen, olen == 1 ? "" : "s");
		}
	}
	if ((!passed || view == VIEW_INSTRUCTOR) && has_str(p, "hint")) {
		sb_adds(sb, "<p class=\"hint\"><strong>Hint:</strong> ");
		html_key(sb, p, "hint", "");
		sb_adds(sb, "</p>\n");
	}
	add_vars(sb, json_get(p, "vars"));
	add_transcript(sb, json_get(p, "transcript"), !passed);
	add_processes(sb, json_get(p, "processes"), !passed);
	sb_adds(sb, "</section>\n");
}

static void add_build(struct strbuf *sb, const struct json *b)
{
	sb_adds(sb, "<h2 id=\"build\">Build</h2>\n");
	if (json_kind(b) != JSON_KIND_OBJECT) {
		sb_adds(sb, "<p>The submission was not built.</p>\n");
		return;
	}
	if (has_str(b, "notes")) {
		sb_adds(sb, "<p>Left out when the submission was copied: ");
		html_key(sb, b, "notes", "");
		sb_adds(sb, "</p>\n");
	}
	const struct json *progs = json_get(b, "programs");
	for (size_t i = 0; i < json_len(progs); i++) {
		const struct json *p = json_at(progs, i);
		int ok = json_bool(json_get(p, "ok"), 0) == 1;

		sb_adds(sb, "<h3><code>");
		html_key(sb, p, "name", "?");
		sb_addf(sb, "</code> — <span class=\"%s\">%s</span></h3>\n", ok ? "pass" : "fail",
			ok ? "built" : "does not build");
		if (has_str(p, "why")) {
			sb_adds(sb, "<p><strong>Why:</strong> ");
			html_key(sb, p, "why", "");
			sb_adds(sb, "</p>\n");
		}
		if (has_str(p, "command")) {
			sb_adds(sb, "<p>Command");
			if (json_bool(json_get(p, "used_makefile"), 0) == 1)
				sb_adds(sb, " (the submission's Makefile)");
			sb_adds(sb, ": <code class=\"data\">");
			html_key(sb, p, "command", "");
			sb_adds(sb, "</code>");
			if (has_str(p, "verdict")) {
				sb_adds(sb, " <span class=\"muted\">(");
				html_key(sb, p, "verdict", "");
				sb_adds(sb, ")</span>");
			}
			sb_adds(sb, "</p>\n");
		}
		const struct json *src = json_get(p, "sources"), *left = json_get(p, "left_out");
		size_t named = json_len(src) - json_len(json_get(p, "helpers"));
		size_t nleft = json_len(src) ? json_len(left) : 0;
		for (size_t k = 0; k < json_len(src); k++) {
			sb_adds(sb, k ? ", <code>" : "<p>Files compiled in: <code>");
			html_json(sb, json_at(src, k), "");
			sb_adds(sb, k < named ? "</code>" : "</code> (helper)");
		}
		for (size_t k = 0; k < nleft; k++) {
			sb_adds(sb, k ? "; <code>" : ". Not compiled in: <code>");
			html_key(sb, json_at(left, k), "file", "?");
			sb_adds(sb, "</code>, ");
			html_key(sb, json_at(left, k), "why", "");
		}
		if (json_len(src))
			sb_adds(sb, ".</p>\n");
		const struct json *log = json_get(p, "log");
		if (json_str_len(log))
			add_text_block(sb, json_str(log, ""), json_str_len(log), 1);
		else
			sb_adds(sb, "<p class=\"muted\">The compiler said nothing.</p>\n");
	}
}

/*
 * "Coverage of your code": the percentages and a link to the line-by-line
 * page (coverage/index.html beside the results, for every view) when the
 * coverage run was done, the why when not; nothing when coverage was off.
 */
static void add_coverage_line(struct strbuf *sb, const struct json *root)
{
	const struct json *c = coverage_of(root);

	if (!c)
		return;
	sb_adds(sb, "<p class=\"coverage\"><strong>Coverage of your code:</strong> ");
	if (coverage_done(c)) {
		const struct json *lines = json_get(c, "lines"), *branches = json_get(c, "branches");
		sb_adds(sb, "lines ");
		if (json_kind(lines) == JSON_KIND_NUMBER)
			add_percent(sb, json_num(lines, 0));
		else
			sb_adds(sb, "—");
		if (json_kind(branches) == JSON_KIND_NUMBER) {
			sb_adds(sb, ", branches ");
			add_percent(sb, json_num(branches, 0));
		} else {
			sb_adds(sb, ", no branches");
		}
		sb_adds(sb, " — <a href=\"coverage/index.html\">line-by-line</a>");
	} else {
		sb_adds(sb, "<span class=\"muted\">");
		html_key(sb, c, "why", "no coverage");
		sb_adds(sb, "</span>");
	}
	sb_adds(sb, "</p>\n");
}

/* The banners above the facts: the grader failed, the sandbox was weak. */
static void add_banners(struct strbuf *sb, const struct json *x)
{
	if (json_kind(json_get(x, "harness_error")) == JSON_KIND_STRING) {
		sb_adds(sb, "<div class=\"harness\"><strong>Not graded.</strong> The grader itself "
			"failed on this submission; this says nothing about the submission: ");
		html_key(sb, x, "harness_error", "");
		sb_adds(sb, "</div>\n");
	}
	if (has_str(x, "sandbox_warning")) {
		sb_adds(sb, "<div class=\"warning\">Sandbox warning: ");
		html_key(sb, x, "sandbox_warning", "");
		sb_adds(sb, "</div>\n");
	}
}

/* The table of facts: score of max, probes passed of shown, sandbox, seed, compiler, time. */
static void add_facts(struct strbuf *sb, const struct json *root, double score, double max,
		      size_t passed, size_t shown)
{
	const struct json *x = extra(root);
	const struct json *b = json_get(x, "build");

	sb_adds(sb, "<table class=\"facts\">\n<tr><th>score</th><td class=\"score\">");
	add_num(sb, score);
	sb_adds(sb, " / ");
	add_num(sb, max);
	sb_addf(sb, "</td></tr>\n<tr><th>probes passed</th><td>%zu of %zu</td></tr>\n",
		passed, shown);
	sb_adds(sb, "<tr><th>sandbox</th><td>");
	html_key(sb, x, "sandbox", "unknown");
	sb_adds(sb, "</td></tr>\n<tr><th>seed</th><td><code>");
	html_key(sb, x, "seed", "?");
	sb_adds(sb, "</code></td></tr>\n<tr><th>compiler</th><td>");
	html_key(sb, b, "compiler", "unknown");
	sb_adds(sb, "</td></tr>\n<tr><th>flags</th><td><code>");
	html_key(sb, b, "cflags", "");
	sb_adds(sb, "</code></td></tr>\n");
	if (has_str(b, "files")) {
		sb_adds(sb, "<tr><th>files</th><td>");
		html_key(sb, b, "files", "");
		sb_adds(sb, "</td></tr>\n");
	}
	if (json_kind(json_get(root, "execution_time")) == JSON_KIND_NUMBER) {
		sb_addf(sb, "<tr><th>graded in</th><td>%.2f s</td></tr>\n",
			json_get_num(root, "execution_time", 0));
	}
	sb_adds(sb, "</table>\n");
}

/* The probes shown in view (shown of them): a summary table, then a section for each. */
static void add_probes(struct strbuf *sb, const struct json *probes, size_t shown, enum view view)
{
	int all = view == VIEW_INSTRUCTOR;

	sb_adds(sb, "<h2 id=\"probes\">Probes</h2>\n");
	if (!shown) {
		sb_adds(sb, "<p>No probe ran.</p>\n");
		return;
	}
	sb_adds(sb, "<table class=\"probes\">\n<thead><tr><th class=\"num\">#</th>"
		"<th>probe</th><th class=\"num\">points</th><th>result</th><th>why</th>"
		"</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < json_len(probes); i++) {
		const struct json *p = json_at(probes, i);
		if (!all && probe_hidden(p))
			continue;
		int ok = probe_passed(p);
		sb_addf(sb, "<tr><td class=\"num\">%lld</td><td><a href=\"#probe-%lld\">",
			probe_number(p, i), probe_number(p, i));
		html_key(sb, p, "name", "?");
		sb_adds(sb, "</a>");
		if (all && probe_hidden(p))
			sb_adds(sb, " <span class=\"muted\">(hidden)</span>");
		sb_adds(sb, "</td><td class=\"num\">");
		add_num(sb, json_get_num(p, "score", 0));
		sb_adds(sb, " / ");
		add_num(sb, json_get_num(p, "points", 0));
		sb_addf(sb, "</td><td class=\"%s\">%s</td><td>", ok ? "ok" : "bad",
			ok ? "passed" : "failed");
		html_key(sb, p, "why", "");
		sb_adds(sb, "</td></tr>\n");
	}
	sb_adds(sb, "</tbody>\n</table>\n");
	for (size_t i = 0; i < json_len(probes); i++) {
		const struct json *p = json_at(probes, i);
		if (all || !probe_hidden(p))
			add_probe_section(sb, p, i, view);
	}
}

/* Renders one submission's page for view; student is the folder name. */
static void render_submission(struct strbuf *sb, const struct json *root, const char *student,
			      enum view view)
{
	const struct json *x = extra(root);
	const struct json *probes = json_get(x, "probes");
	const char *title = lab_title(root);
	int all = view == VIEW_INSTRUCTOR;
	size_t shown = 0, hidden = 0, passed = 0;
	double score = 0, points = 0, max;
	struct strbuf t = STRBUF_INIT;

	for (size_t i = 0; i < json_len(probes); i++) {
		const struct json *p = json_at(probes, i);
		if (!all && probe_hidden(p)) {
			hidden++;
			continue;
		}
		shown++;
		passed += probe_passed(p);
		score += json_get_num(p, "score", 0);
		points += json_get_num(p, "points", 0);
	}
	if (all) {
		score = json_get_num(root, "score", score);
		max = json_get_num(x, "max_score", points);
	} else {
		max = json_get_num(x, "max_visible_score", points);
	}

	html(&t, title ? title : "sockgrade");
	sb_adds(&t, " — ");
	html(&t, student);
	if (view == VIEW_SELFCHECK)
		sb_adds(&t, " (selfcheck)");
	page_begin(sb, t.buf);

	if (view == VIEW_INSTRUCTOR)
		sb_adds(sb, "<nav><a href=\"../index.html\">class page</a> · "
			"<a href=\"student.html\">student view</a> (what the student sees)</nav>\n");
	/* a student's page links nowhere: the class page holds everyone's grades */
	sb_addf(sb, "<h1>%s</h1>\n", t.buf);
	add_banners(sb, x);
	add_facts(sb, root, score, max, passed, shown);
	add_coverage_line(sb, root);
	add_handin(sb, root);
	if (hidden)
		sb_addf(sb, "<p class=\"muted\">%zu hidden probe%s not shown.</p>\n", hidden,
			hidden == 1 ? " is" : "s are");
	add_probes(sb, probes, shown, view);
	add_build(sb, json_get(x, "build"));
	page_end(sb);
	sb_release(&t);
}

/* Renders root for view into path. */
static int write_submission(const char *path, const struct json *root, const char *student,
			    enum view view, char *err)
{
	struct strbuf page = STRBUF_INIT;

	render_submission(&page, root, student, view);
	int rc = write_file_atomic(path, page.buf, page.len, err);
	sb_release(&page);
	return rc;
}

int report_student(const char *lab_dir, const char *student, char *err)
{
	char *dir = xasprintf("%s/%s", lab_dir, student);
	char *path = xasprintf("%s/results.json", dir);
	char *index = xasprintf("%s/index.html", dir);
	char *sview = xasprintf("%s/student.html", dir);
	int rc = -1;

	struct json *root = load_results(path, err);
	if (!root)
		goto out;
	if (write_submission(index, root, student, VIEW_INSTRUCTOR, err) < 0 ||
	    write_submission(sview, root, student, VIEW_STUDENT, err) < 0)
		goto out;
	rc = 0;
out:
	json_free(root);
	free(sview);
	free(index);
	free(path);
	free(dir);
	return rc;
}

int report_selfcheck(const char *dir, char *err)
{
	char *path = xasprintf("%s/results.json", dir);
	char *index = xasprintf("%s/index.html", dir);
	int rc = -1;

	struct json *root = load_results(path, err);
	if (!root)
		goto out;
	const char *who = json_get_str(extra(root), "student", "");
	rc = write_submission(index, root, *who ? who : "your submission", VIEW_SELFCHECK, err);
out:
	json_free(root);
	free(index);
	free(path);
	return rc;
}
