/*
 * report/junit: junit.xml for CI tools: a testsuite per student, a testcase
 * per probe. Text goes through add_xml, which also keeps out what XML 1.0
 * forbids.
 */
#include "html.h"
#include "lab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Appends s (len bytes, NULs allowed) as XML 1.0 character data: & < > " '
 * as entities; in attribute values (attr) also tab and newline, which a
 * parser would otherwise turn into spaces; CR always, which a parser would
 * drop. Everything XML 1.0 forbids or discourages (C0 and C1 controls
 * other than tab, newline and CR, DEL, U+FFFE, U+FFFF) and bytes that are
 * not UTF-8 are written as the text \xHH, one per byte, so the document is
 * well-formed whatever the results hold.
 */
static void add_xml(struct strbuf *sb, const char *s, size_t len, int attr)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len; ) {
		unsigned char c = p[i];
		const char *ent = NULL;

		switch (c) {
		case '&': ent = "&amp;"; break;
		case '<': ent = "&lt;"; break;
		case '>': ent = "&gt;"; break;
		case '"': ent = "&quot;"; break;
		case '\'': ent = "&apos;"; break;
		case '\r': ent = "&#13;"; break;
		case '\t': ent = attr ? "&#9;" : "\t"; break;
		case '\n': ent = attr ? "&#10;" : "\n"; break;
		}
		if (ent) {
			sb_adds(sb, ent);
			i++;
			continue;
		}
		if (c >= 0x20 && c < 0x7f) {
			sb_addc(sb, (char)c);
			i++;
			continue;
		}
		size_t u = c >= 0x80 ? utf8_len(p + i, len - i) : 0;
		int c1 = u == 2 && c == 0xc2 && p[i + 1] < 0xa0;
		int nonchar = u == 3 && c == 0xef && p[i + 1] == 0xbf && p[i + 2] >= 0xbe;
		if (u && !c1 && !nonchar) {
			sb_add(sb, p + i, u);
			i += u;
			continue;
		}
		if (!u)
			u = 1;
		for (size_t k = 0; k < u; k++)
			sb_addf(sb, "\\x%02x", p[i + k]);
		i += u;
	}
}

static void xml(struct strbuf *sb, const char *s, int attr)
{
	add_xml(sb, s, strlen(s), attr);
}

/* obj[key] as XML, when it is a string; dflt otherwise. */
static void xml_key(struct strbuf *sb, const struct json *obj, const char *key, const char *dflt,
		    int attr)
{
	const struct json *j = json_get(obj, key);

	if (json_kind(j) == JSON_KIND_STRING)
		add_xml(sb, json_str(j, ""), json_str_len(j), attr);
	else
		xml(sb, dflt, attr);
}

/* Seconds from milliseconds, as JUnit writes them: 0.012. */
static void add_seconds(struct strbuf *sb, double ms)
{
	sb_addf(sb, "%.3f", ms > 0 && ms < 1e12 ? ms / 1000 : 0.0);
}

/* A testcase's name: the probe's, or "probe N" for a probe without one (a testcase needs a name). */
static void add_case_name(struct strbuf *sb, const struct json *p, size_t i)
{
	if (has_str(p, "name"))
		xml_key(sb, p, "name", "", 1);
	else
		sb_addf(sb, "probe %lld", probe_number(p, i));
}

static void add_property(struct strbuf *sb, const char *name, const struct json *obj,
			 const char *key)
{
	const struct json *j = json_get(obj, key);

	if (json_kind(j) != JSON_KIND_STRING && json_kind(j) != JSON_KIND_NUMBER)
		return;
	sb_addf(sb, "      <property name=\"%s\" value=\"", name);
	if (json_kind(j) == JSON_KIND_NUMBER)
		add_num(sb, json_num(j, 0));
	else
		add_xml(sb, json_str(j, ""), json_str_len(j), 1);
	sb_adds(sb, "\"/>\n");
}

/* The text of a <failure>: where it failed, expected and observed (escaped as C text), hint. */
static void add_failure_text(struct strbuf *sb, const struct json *p)
{
	if (json_kind(json_get(p, "failed_step")) == JSON_KIND_NUMBER) {
		sb_adds(sb, "failed at step ");
		add_num(sb, json_get_num(p, "failed_step", 0));
		if (has_str(p, "step_kind")) {
			sb_adds(sb, " (");
			xml_key(sb, p, "step_kind", "", 0);
			sb_adds(sb, ")");
		}
		if (json_kind(json_get(p, "step_line")) == JSON_KIND_NUMBER) {
			sb_adds(sb, ", spec line ");
			add_num(sb, json_get_num(p, "step_line", 0));
		}
		sb_adds(sb, "\n");
	}
	if (has_str(p, "why")) {
		xml_key(sb, p, "why", "", 0);
		sb_adds(sb, "\n");
	}
	if (json_kind(json_get(p, "expected")) == JSON_KIND_STRING) {
		sb_adds(sb, "expected: \"");
		xml_key(sb, p, "expected", "", 0);
		sb_adds(sb, "\"\n");
	}
	if (json_kind(json_get(p, "observed")) == JSON_KIND_STRING) {
		sb_adds(sb, "observed: \"");
		xml_key(sb, p, "observed", "", 0);
		sb_adds(sb, "\"");
		if (json_kind(json_get(p, "diff_at")) == JSON_KIND_NUMBER) {
			sb_adds(sb, " (first difference at byte ");
			add_num(sb, json_get_num(p, "diff_at", 0));
			sb_adds(sb, ")");
		}
		sb_adds(sb, "\n");
	}
	if (json_get_num(p, "runs", 1) > 1) {
		sb_adds(sb, "failed ");
		add_num(sb, json_get_num(p, "failed_runs", 0));
		sb_adds(sb, " of ");
		add_num(sb, json_get_num(p, "runs", 1));
		sb_adds(sb, " runs\n");
	}
	if (has_str(p, "hint")) {
		sb_adds(sb, "hint: ");
		xml_key(sb, p, "hint", "", 0);
		sb_adds(sb, "\n");
	}
}

/* What the build said, decoded for reading, as a suite's <system-out>. */
static void add_build_output(struct strbuf *sb, const struct json *b)
{
	const struct json *progs = json_get(b, "programs");
	struct strbuf out = STRBUF_INIT;

	for (size_t i = 0; i < json_len(progs); i++) {
		const struct json *p = json_at(progs, i);
		const struct json *log = json_get(p, "log");
		int ok = json_bool(json_get(p, "ok"), 0) == 1;

		sb_adds(&out, json_get_str(p, "name", "?"));
		sb_adds(&out, ok ? ": built" : ": does not build");
		if (!ok && has_str(p, "why")) {
			sb_adds(&out, ": ");
			sb_adds(&out, json_get_str(p, "why", ""));
		}
		sb_adds(&out, "\n");
		if (json_str_len(log)) {
			decode_escaped(json_str(log, ""), json_str_len(log), &out);
			if (out.buf[out.len - 1] != '\n')
				sb_addc(&out, '\n');
		}
	}
	if (out.len) {
		sb_adds(sb, "    <system-out>");
		add_xml(sb, out.buf, out.len, 0);
		sb_adds(sb, "</system-out>\n");
	}
	sb_release(&out);
}

/*
 * A testcase per lab column, each with an <error type="type"
 * message="what: msg">, for a student the grader could not judge; one
 * testcase named "grading" when the lab has no probes at all.
 */
static void add_error_cases(struct strbuf *suite, struct junit_counts *n, const char *classname,
			    const struct column *cols, size_t ncols, const char *type,
			    const char *what, const char *msg, size_t msg_len)
{
	size_t k = ncols ? ncols : 1;

	for (size_t c = 0; c < k; c++) {
		sb_adds(suite, "    <testcase classname=\"");
		xml(suite, classname, 1);
		sb_adds(suite, "\" name=\"");
		if (ncols && cols[c].name_len)
			add_xml(suite, cols[c].name, cols[c].name_len, 1);
		else if (ncols)
			sb_addf(suite, "probe %lld", cols[c].number);
		else
			sb_adds(suite, "grading");
		sb_addf(suite, "\" time=\"0.000\">\n      <error type=\"%s\" message=\"%s: ", type, what);
		add_xml(suite, msg, msg_len, 1);
		sb_addf(suite, "\">not graded (%s): ", what);
		add_xml(suite, msg, msg_len, 0);
		sb_adds(suite, "</error>\n    </testcase>\n");
		n->tests++;
		n->errors++;
	}
}

/* A student's <testsuite>. */
void add_student_suite(struct strbuf *sb, const struct entry *e, const char *lab_name,
		       const struct column *cols, size_t ncols)
{
	struct strbuf cases = STRBUF_INIT;
	struct junit_counts n = { 0, 0, 0, 0 };
	char *classname = xasprintf("%s.%s", lab_name, e->name);
	const struct json *x = extra(e->root);

	if (!e->root) {
		add_error_cases(&cases, &n, classname, cols, ncols, "no-results", "no results",
				e->problem, strlen(e->problem));
	} else if (harness_failed(e->root)) {
		const struct json *h = json_get(x, "harness_error");
		add_error_cases(&cases, &n, classname, cols, ncols, "harness-error",
				"harness error", json_str(h, ""), json_str_len(h));
	} else {
		const struct json *probes = json_get(x, "probes");
		for (size_t i = 0; i < json_len(probes); i++) {
			const struct json *p = json_at(probes, i);

			if (json_kind(p) != JSON_KIND_OBJECT)
				continue;
			sb_adds(&cases, "    <testcase classname=\"");
			xml(&cases, classname, 1);
			sb_adds(&cases, "\" name=\"");
			add_case_name(&cases, p, i);
			sb_adds(&cases, "\" time=\"");
			add_seconds(&cases, json_get_num(p, "wall_ms", 0));
			n.tests++;
			if (probe_passed(p)) {
				sb_adds(&cases, "\"/>\n");
			} else {
				n.failures++;
				sb_adds(&cases, "\">\n      <failure type=\"probe\" message=\"");
				xml_key(&cases, p, "why", "failed", 1);
				sb_adds(&cases, "\">");
				add_failure_text(&cases, p);
				sb_adds(&cases, "</failure>\n    </testcase>\n");
			}
		}
		if (!n.tests) {	/* a graded run without probes still says so */
			const char *none = "the results list no probe";
			add_error_cases(&cases, &n, classname, NULL, 0, "no-probes", "no probes",
					none, strlen(none));
		}
		n.time = json_get_num(e->root, "execution_time", 0);
	}

	sb_adds(sb, "  <testsuite name=\"");
	xml(sb, e->name, 1);
	sb_addf(sb, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\" time=\"",
		n.tests, n.failures, n.errors);
	add_seconds(sb, n.time * 1000);
	sb_adds(sb, "\">\n");
	if (e->root) {
		sb_adds(sb, "    <properties>\n");
		add_property(sb, "score", e->root, "score");
		add_property(sb, "max_score", x, "max_score");
		add_property(sb, "seed", x, "seed");
		add_property(sb, "sandbox", x, "sandbox");
		sb_adds(sb, "    </properties>\n");
	}
	sb_add(sb, cases.buf ? cases.buf : "", cases.len);
	if (e->root && !harness_failed(e->root))
		add_build_output(sb, json_get(x, "build"));
	sb_adds(sb, "  </testsuite>\n");
	free(classname);
	sb_release(&cases);
}

/*
 * junit.xml: a <testsuites> for the lab, a <testsuite> per student folder
 * (the reference left out), a <testcase> per probe, hidden ones included,
 * with a <failure> for each failed probe and an <error> for each probe of a
 * student who was not graded. This is its head, with the totals of every
 * suite: the graded students' from the first pass, and a testcase with an
 * error per column (or the one "grading") for each student not graded.
 */
void junit_head(struct strbuf *sb, const struct lab *lab, const char *lab_name)
{
	size_t k = lab->ncols ? lab->ncols : 1, ungraded = lab->nharness + lab->nmissing +
						  lab->nnone;

	sb_adds(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sockgrade ");
	xml(sb, lab_name, 1);
	sb_addf(sb, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"",
		lab->judged.tests + ungraded * k, lab->judged.failures,
		lab->judged.errors + ungraded * k);
	add_seconds(sb, lab->judged.time * 1000);
	sb_adds(sb, "\">\n");
}
