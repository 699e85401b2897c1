/*
 * report: the pages people read, written from results.json files alone
 * (specs/RESULTS.md), so a partial rerun, a crash halfway or grading spread
 * over several machines all report the same way.
 *
 *   <lab>/<student>/index.html	instructor: every probe, hidden ones included
 *   <lab>/<student>/student.html	hidden probes left out, score out of the visible maximum
 *   <lab>/index.html, grades.csv	the class: one row per student folder
 *   <lab>/junit.xml		the class for CI tools: a testsuite per student
 *   <reports>/index.html		one row per lab
 *   <selfcheck dir>/index.html	a student's own run, same look as student.html
 *
 * Every string taken from a results file goes through sb_add_html; folder
 * names in links are percent-encoded first. Byte strings (expected,
 * observed, transcript data) are shown in the escaped form the file holds;
 * logs and program output are decoded for reading (add_text_block), with
 * control and stray bytes shown as \xHH. Pages need no script and load
 * nothing: one inline <style>, inline SVG charts, and on the class page a
 * small optional script that sorts the table. junit.xml goes through
 * add_xml instead, which also keeps out what XML 1.0 forbids.
 */
#include "report.h"
#include "json.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum view {
	VIEW_INSTRUCTOR,	/* every probe; links to the class page and the student view */
	VIEW_STUDENT,		/* hidden probes left out; links to the class page */
	VIEW_SELFCHECK,		/* like the student view, nothing to link to */
};

/* ---- escaping ---------------------------------------------------------- */

static void html(struct strbuf *sb, const char *s)
{
	sb_add_html(sb, s, strlen(s));
}

/* A JSON string escaped for HTML (NULs included), or dflt when j is not a string. */
static void html_json(struct strbuf *sb, const struct json *j, const char *dflt)
{
	if (json_type(j) == JSON_STRING)
		sb_add_html(sb, json_str(j, ""), json_str_len(j));
	else
		html(sb, dflt);
}

static void html_key(struct strbuf *sb, const struct json *obj, const char *key, const char *dflt)
{
	html_json(sb, json_get(obj, key), dflt);
}

/* 1 if obj[key] is a non-empty string. */
static int has_str(const struct json *obj, const char *key)
{
	const struct json *j = json_get(obj, key);
	return json_type(j) == JSON_STRING && json_str_len(j) > 0;
}

/* A path segment for an href: percent-encoded outside [A-Za-z0-9._~-], then HTML-escaped. */
static void add_url_part(struct strbuf *sb, const char *s)
{
	struct strbuf u = STRBUF_INIT;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		unsigned char c = *p;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '~' || c == '-')
			sb_addc(&u, (char)c);
		else
			sb_addf(&u, "%%%02X", c);
	}
	sb_add_html(sb, u.buf ? u.buf : "", u.len);
	sb_release(&u);
}

/* A number as people write it: 9, 7.5, 2.33. */
static void add_num(struct strbuf *sb, double v)
{
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {
		sb_addf(sb, "%lld", (long long)v);
	} else if (v > -1e15 && v < 1e15) {
		char buf[64];
		snprintf(buf, sizeof buf, "%.2f", v);
		size_t n = strlen(buf);
		while (n && buf[n - 1] == '0')
			n--;
		if (n && buf[n - 1] == '.')
			n--;
		sb_add(sb, buf, n);
	} else {
		sb_adds(sb, "?");
	}
}

/* Length of the valid UTF-8 sequence at p (n bytes available), 0 if invalid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 2;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 3;
		if (c == 0xe0)
			lo = 0xa0;
		if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 4;
		if (c == 0xf0)
			lo = 0x90;
		if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < need || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t k = 2; k < need; k++)
		if ((p[k] & 0xc0) != 0x80)
			return 0;
	return need;
}

/* The longest prefix of s (len bytes) of at most max bytes that does not cut a UTF-8 character. */
static size_t cut_utf8(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* ---- escaped byte strings (RESULTS.md: \n \r \t \\ \" \0 \xHH) ---------- */

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * Decodes the escape unit at s[i] (one byte of the original) into *byte and
 * returns its length in s: 4 for \xHH, 2 for \n \r \t \\ \" \0, else 1 (a
 * stray backslash stands for itself).
 */
static size_t unit_decode(const char *s, size_t len, size_t i, unsigned char *byte)
{
	*byte = (unsigned char)s[i];
	if (s[i] != '\\' || i + 1 >= len)
		return 1;
	switch (s[i + 1]) {
	case 'n': *byte = '\n'; return 2;
	case 'r': *byte = '\r'; return 2;
	case 't': *byte = '\t'; return 2;
	case '\\': *byte = '\\'; return 2;
	case '"': *byte = '"'; return 2;
	case '0': *byte = '\0'; return 2;
	case 'x':
		if (i + 3 < len && hex_value(s[i + 2]) >= 0 && hex_value(s[i + 3]) >= 0) {
			*byte = (unsigned char)(hex_value(s[i + 2]) * 16 + hex_value(s[i + 3]));
			return 4;
		}
		return 1;
	default:
		return 1;
	}
}

/* How many bytes the escaped text s stands for. */
static size_t decoded_len(const char *s, size_t len)
{
	size_t n = 0;
	unsigned char b;

	for (size_t i = 0; i < len; i += unit_decode(s, len, i, &b))
		n++;
	return n;
}

/*
 * Offset in the escaped text s where the byte numbered idx (0-based, in
 * the decoded bytes, which is what diff_at counts) is written; len when
 * the text stands for idx bytes or fewer. Never inside a UTF-8 character:
 * a raw multi-byte character backs up to its first byte.
 */
static size_t escaped_offset(const char *s, size_t len, size_t idx)
{
	size_t off = 0;
	unsigned char b;

	for (size_t n = 0; off < len && n < idx; n++)
		off += unit_decode(s, len, off, &b);
	while (off > 0 && off < len && ((unsigned char)s[off] & 0xc0) == 0x80)
		off--;
	return off;
}

static void decode_escaped(const char *s, size_t len, struct strbuf *out)
{
	unsigned char b;

	for (size_t i = 0; i < len; ) {
		i += unit_decode(s, len, i, &b);
		sb_addc(out, (char)b);
	}
}

/*
 * The escaped text s in a <pre>, as the file holds it, with everything
 * from decoded byte at onwards in a <mark>; at < 0 marks nothing. When the
 * text ends before at, an empty <mark class="end"> shows where it stopped.
 */
static void add_marked(struct strbuf *sb, const char *s, size_t len, long long at)
{
	sb_adds(sb, "<pre class=\"bytes\">\n");
	if (at < 0) {
		sb_add_html(sb, s, len);
	} else {
		size_t off = escaped_offset(s, len, (size_t)at);
		sb_add_html(sb, s, off);
		if (off < len) {
			sb_adds(sb, "<mark>");
			sb_add_html(sb, s + off, len - off);
			sb_adds(sb, "</mark>");
		} else {
			sb_adds(sb, "<mark class=\"end\" title=\"the bytes end here\"></mark>");
		}
	}
	sb_adds(sb, "</pre>\n");
}

/* One line of decoded bytes: text escaped for HTML, control and stray bytes as \xHH. */
static void add_text_line(struct strbuf *sb, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; ) {
		unsigned char c = p[i];
		if (c == '\t' || (c >= 0x20 && c < 0x7f)) {
			sb_add_html(sb, (const char *)p + i, 1);
			i++;
			continue;
		}
		size_t u = c >= 0x80 ? utf8_len(p + i, n - i) : 0;
		if (u) {
			sb_add(sb, p + i, u);	/* a multi-byte character holds no markup */
			i += u;
			continue;
		}
		if (c == '\r')
			sb_adds(sb, "<span class=\"esc\">\\r</span>");
		else
			sb_addf(sb, "<span class=\"esc\">\\x%02x</span>", c);
		i++;
	}
}

/*
 * An escaped byte string that is text for people (a compiler log, a
 * program's output), decoded and shown line by line in a <pre>. With
 * highlight, lines holding "error:" get <span class="err">, lines holding
 * "warning:" <span class="warn">.
 */
static void add_text_block(struct strbuf *sb, const char *s, size_t len, int highlight)
{
	struct strbuf raw = STRBUF_INIT;

	decode_escaped(s, len, &raw);
	const char *p = raw.buf ? raw.buf : "";
	sb_adds(sb, "<pre class=\"text\">\n");
	for (size_t start = 0; start < raw.len; ) {
		const char *nl = memchr(p + start, '\n', raw.len - start);
		size_t end = nl ? (size_t)(nl - p) : raw.len;
		const char *cls = NULL;
		if (highlight && memmem(p + start, end - start, "error:", 6))
			cls = "err";
		else if (highlight && memmem(p + start, end - start, "warning:", 8))
			cls = "warn";
		if (cls)
			sb_addf(sb, "<span class=\"%s\">", cls);
		add_text_line(sb, (const unsigned char *)p + start, end - start);
		if (cls)
			sb_adds(sb, "</span>");
		if (nl)
			sb_addc(sb, '\n');
		start = end + 1;
	}
	sb_adds(sb, "</pre>\n");
	sb_release(&raw);
}

/* ---- page frame -------------------------------------------------------- */

static const char page_style[] =
	"body{font:15px/1.45 system-ui,-apple-system,\"Segoe UI\",sans-serif;color:#1d1d1d;"
	"background:#fff;max-width:80em;margin:1.5em auto;padding:0 1em}\n"
	"h1{font-size:1.5em;margin:.2em 0 .6em}\n"
	"h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\n"
	"h3{font-size:1.08em;margin-top:1.6em}\n"
	"nav{font-size:.92em;margin-bottom:.8em}\n"
	"table{border-collapse:collapse;margin:.5em 0}\n"
	"th,td{border:1px solid #d0d0d0;padding:.2em .5em;text-align:left;vertical-align:top}\n"
	"th{background:#f2f2f2}\n"
	".num{text-align:right;font-variant-numeric:tabular-nums}\n"
	"table.facts th{font-weight:normal;color:#555;background:none}\n"
	"table.facts td.score{font-size:1.3em;font-weight:bold}\n"
	"pre{background:#f7f7f7;border:1px solid #ddd;padding:.5em;white-space:pre-wrap;"
	"word-break:break-all;max-height:40em;overflow:auto;margin:.3em 0}\n"
	"code.data{white-space:pre-wrap;word-break:break-all}\n"
	".pass{color:#1b6e2f;font-weight:bold}.fail{color:#b3261e;font-weight:bold}\n"
	"td.ok{background:#e7f4ea}td.bad{background:#fbe9e7}td.ng{background:#eceff1;color:#455a64}\n"
	".warning{background:#fff3e0;border:2px solid #e65100;padding:.6em .8em;font-weight:bold;"
	"margin:.8em 0}\n"
	".harness{background:#eceff1;border:2px solid #455a64;padding:.6em .8em;margin:.8em 0}\n"
	".refok{color:#1b6e2f}.refbad{color:#b3261e;font-weight:bold}\n"
	"tr.send td{background:#e8f0fe}tr.recv td{background:#e6f4ea}\n"
	"tr.alert td{background:#fff3cd;font-weight:bold}\n"
	"mark{background:#ffd54f;color:#000}\n"
	"mark.end{display:inline-block;min-width:.7em;min-height:1em;background:#e53935;"
	"vertical-align:text-bottom}\n"
	"span.warn{background:#fff3cd}span.err{background:#fbe9e7;color:#a11;font-weight:bold}\n"
	"span.esc{color:#888}\n"
	".muted{color:#666}.hint{border-left:4px solid #1e88e5;padding:.2em .6em;background:#f1f7fe}\n"
	"section.probe{border-top:1px solid #e0e0e0;margin-top:1.4em}\n"
	"th.probe{font-weight:normal}td.cell{text-align:center}\n"
	"table.sortable th{cursor:pointer}\n"
	"svg text{font:12px sans-serif;fill:#333}\n";

/* Starts a page; title_html is already escaped. */
static void page_begin(struct strbuf *sb, const char *title_html)
{
	sb_adds(sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<meta name=\"generator\" content=\"sockgrade\">\n<title>");
	sb_adds(sb, title_html);
	sb_adds(sb, "</title>\n<style>\n");
	sb_adds(sb, page_style);
	sb_adds(sb, "</style>\n</head>\n<body>\n");
}

static void page_end(struct strbuf *sb)
{
	sb_adds(sb, "</body>\n</html>\n");
}

/* ---- reading results ----------------------------------------------------- */

/* Reads and parses a results.json; the root, or NULL with err "path: what". */
static struct json *load_results(const char *path, char *err)
{
	struct json *root = json_load_file(path, err);

	if (root && json_type(json_get(root, "extra_data")) != JSON_OBJECT) {
		snprintf(err, ERRLEN, "%s: not a sockgrade results file (no extra_data)", path);
		json_free(root);
		root = NULL;
	}
	return root;
}

static const struct json *extra(const struct json *root)
{
	return json_get(root, "extra_data");
}

static int probe_hidden(const struct json *p)
{
	return json_bool(json_get(p, "hidden"), 0) == 1;
}

static int probe_passed(const struct json *p)
{
	return json_bool(json_get(p, "passed"), 0) == 1;
}

static int harness_failed(const struct json *root)
{
	return json_type(json_get(extra(root), "harness_error")) == JSON_STRING;
}

/*
 * extra_data.coverage: the object, or NULL when coverage was off (null, or
 * a results file older than coverage).
 */
static const struct json *coverage_of(const struct json *root)
{
	const struct json *c = json_get(extra(root), "coverage");

	return json_type(c) == JSON_OBJECT ? c : NULL;
}

static int coverage_done(const struct json *c)
{
	return json_bool(json_get(c, "done"), 0) == 1;
}

/* A percentage as coverage tools print it: 81.0%. */
static void add_percent(struct strbuf *sb, double v)
{
	if (v >= 0 && v <= 100)
		sb_addf(sb, "%.1f%%", v);
	else
		sb_adds(sb, "?");
}

/* The lab's title from a results file, or NULL. */
static const char *lab_title(const struct json *root)
{
	const struct json *x = extra(root);

	if (has_str(x, "title"))
		return json_get_str(x, "title", NULL);
	if (has_str(x, "lab"))
		return json_get_str(x, "lab", NULL);
	return NULL;
}

/* ---- the submission page ------------------------------------------------- */

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

	if (json_type(vars) != JSON_OBJECT || !n)
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

static long long probe_number(const struct json *p, size_t i)
{
	return json_int(json_get(p, "number"), (long long)i + 1);
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
	if (json_type(json_get(p, "failed_step")) == JSON_NUMBER) {
		sb_adds(sb, "<p>Failing step: step ");
		add_num(sb, json_get_num(p, "failed_step", 0));
		if (has_str(p, "step_kind")) {
			sb_adds(sb, " (<code>");
			html_key(sb, p, "step_kind", "");
			sb_adds(sb, "</code>)");
		}
		if (json_type(json_get(p, "step_line")) == JSON_NUMBER) {
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
	if (json_type(exp) == JSON_STRING) {
		size_t elen = json_str_len(exp);
		long long at = diff >= 0 && (size_t)diff < decoded_len(json_str(exp, ""), elen) ? diff : -1;
		sb_adds(sb, "<p><strong>Expected</strong> (escaped as C text):</p>\n");
		add_marked(sb, json_str(exp, ""), elen, at);
	}
	if (json_type(obs) == JSON_STRING) {
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
	if (json_type(b) != JSON_OBJECT) {
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
		if (json_type(lines) == JSON_NUMBER)
			add_percent(sb, json_num(lines, 0));
		else
			sb_adds(sb, "—");
		if (json_type(branches) == JSON_NUMBER) {
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

/* Renders one submission's page for view; student is the folder name. */
static void render_submission(struct strbuf *sb, const struct json *root, const char *student,
			      enum view view)
{
	const struct json *x = extra(root);
	const struct json *probes = json_get(x, "probes");
	const struct json *b = json_get(x, "build");
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

	if (json_type(json_get(x, "harness_error")) == JSON_STRING) {
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
	if (json_type(json_get(root, "execution_time")) == JSON_NUMBER) {
		sb_addf(sb, "<tr><th>graded in</th><td>%.2f s</td></tr>\n",
			json_get_num(root, "execution_time", 0));
	}
	sb_adds(sb, "</table>\n");
	add_coverage_line(sb, root);
	if (hidden)
		sb_addf(sb, "<p class=\"muted\">%zu hidden probe%s not shown.</p>\n", hidden,
			hidden == 1 ? " is" : "s are");

	sb_adds(sb, "<h2 id=\"probes\">Probes</h2>\n");
	if (!shown) {
		sb_adds(sb, "<p>No probe ran.</p>\n");
	} else {
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
	add_build(sb, b);
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

/* ---- a lab: two passes over the students' results ------------------------ */

/*
 * A class of any size is reported in the memory of one student's results.
 * A first pass (lab_scan) reads every results.json once and keeps only what
 * the tops of the files need: the probe columns with their pass counts, the
 * counts and the sum of scores, the title, the maximum. A second pass
 * (report_lab) reads them again, one at a time, and streams each student's
 * table row, CSV line and testsuite to the three files. Only the folder
 * names and the reference's results are held for the whole class.
 */

struct entry {
	char *name;		/* folder name */
	struct json *root;	/* parsed results.json, or NULL */
	char *problem;		/* why root is NULL */
};

/* One column of the class table: a probe, by name, as the first result that lists it says. */
struct column {
	char *name;		/* NUL-terminated; columns match by strcmp */
	size_t name_len;	/* the JSON string's length (it may hold NULs) */
	long long number;	/* probe_number() of that result, at this column's index */
	double points;		/* its points */
	int hidden;		/* 1 if it is hidden */
	size_t graded;		/* students graded on it */
	size_t passed;		/* of those, how many passed */
};

/* One student's counts in junit.xml. */
struct junit_counts {
	size_t tests;		/* testcases */
	size_t failures;	/* failed probes */
	size_t errors;		/* probes the grader could not judge */
	double time;		/* seconds */
};

struct lab {
	char **names;		/* student folders, sorted */
	size_t n;
	struct entry ref;	/* .reference; name NULL when it has no results.json */
	struct column *cols;	/* the reference's probes in its order, then others as met */
	size_t ncols, cap;
	char *title;		/* from the reference, else the first student's; NULL if none */
	double max;		/* the reference's maximum score, else the first student's; -1 */
	int max_set;		/* 1 once max came from a results file */
	size_t ngraded;		/* students graded */
	size_t nharness;	/* students the grader failed on */
	size_t nnone;		/* students without (readable) results */
	double sum;		/* sum of the graded students' scores, in name order */
	char *warned;		/* the first student whose results hold a sandbox warning */
	char *warning;		/* that warning (warning_len bytes, NULs allowed) */
	size_t warning_len;
	struct junit_counts judged;	/* junit.xml's totals over the graded students */
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The sub-folders of dir (not following links, no dot names), sorted;
 * 0, or -1 with err.
 */
static int list_dirs(const char *dir, char ***names, size_t *n, char *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;

	*names = NULL;
	*n = 0;
	if (!d) {
		snprintf(err, ERRLEN, "%s: cannot open: %s", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", dir, e->d_name);
		int isdir = lstat(p, &st) == 0 && S_ISDIR(st.st_mode);
		free(p);
		if (!isdir)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = xrealloc(*names, cap * sizeof **names);
		}
		(*names)[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(*names, *n, sizeof **names, cmp_str);
	return 0;
}

/*
 * What a class page, grades.csv and junit.xml never show: transcripts,
 * program output, the rest of long build logs. Dropped as soon as a
 * student's results are read.
 */
static void prune(struct json *root)
{
	struct json *x = (struct json *)json_get(root, "extra_data");
	const struct json *probes = json_get(x, "probes");
	for (size_t i = 0; i < json_len(probes); i++) {
		struct json *p = (struct json *)json_at(probes, i);
		json_remove(p, "transcript");
		json_remove(p, "processes");
		json_remove(p, "vars");
		/* junit.xml quotes the start of these */
		json_str_truncate((struct json *)json_get(p, "expected"), 512);
		json_str_truncate((struct json *)json_get(p, "observed"), 512);
	}
	/* Gradescope's copy of the same results, as text */
	json_remove(root, "tests");
	/* junit.xml shows the start of each build log */
	const struct json *progs = json_get(json_get(x, "build"), "programs");
	for (size_t i = 0; i < json_len(progs); i++)
		json_str_truncate((struct json *)json_get(json_at(progs, i), "log"), 4096);
}

static void entry_load(struct entry *e, const char *lab_dir, const char *name)
{
	char err[ERRLEN];
	char *path = xasprintf("%s/%s/results.json", lab_dir, name);

	e->name = xstrdup(name);
	e->problem = NULL;
	e->root = load_results(path, err);
	if (!e->root)
		e->problem = xstrdup(err);
	else
		prune(e->root);
	free(path);
}

static void entry_release(struct entry *e)
{
	json_free(e->root);
	free(e->name);
	free(e->problem);
	memset(e, 0, sizeof *e);
}

static void lab_release(struct lab *lab)
{
	for (size_t i = 0; i < lab->n; i++)
		free(lab->names[i]);
	free(lab->names);
	if (lab->ref.name)
		entry_release(&lab->ref);
	for (size_t c = 0; c < lab->ncols; c++)
		free(lab->cols[c].name);
	free(lab->cols);
	free(lab->title);
	free(lab->warned);
	free(lab->warning);
}

static int graded(const struct entry *e)
{
	return e->root && !harness_failed(e->root);
}

/* The probe named name in a results file, or NULL. */
static const struct json *find_probe(const struct json *root, const char *name)
{
	const struct json *probes = json_get(extra(root), "probes");

	for (size_t i = 0; i < json_len(probes); i++) {
		const struct json *p = json_at(probes, i);
		if (!strcmp(json_get_str(p, "name", ""), name))
			return p;
	}
	return NULL;
}

/* Adds a column for each probe name of root that has none yet. */
static void add_columns_of(struct lab *lab, const struct json *root)
{
	const struct json *probes = json_get(extra(root), "probes");

	for (size_t i = 0; i < json_len(probes); i++) {
		const struct json *p = json_at(probes, i);
		const struct json *name = json_get(p, "name");
		size_t k, len = json_str_len(name);
		if (json_type(name) != JSON_STRING)
			continue;
		for (k = 0; k < lab->ncols && strcmp(lab->cols[k].name, json_str(name, "")); k++)
			;
		if (k < lab->ncols)
			continue;
		if (lab->ncols == lab->cap) {
			lab->cap = lab->cap ? lab->cap * 2 : 16;
			lab->cols = xrealloc(lab->cols, lab->cap * sizeof *lab->cols);
		}
		struct column *c = &lab->cols[lab->ncols];
		c->name = xmalloc(len + 1);
		memcpy(c->name, json_str(name, ""), len);
		c->name[len] = '\0';
		c->name_len = len;
		c->number = probe_number(p, lab->ncols);
		c->points = json_get_num(p, "points", 0);
		c->hidden = probe_hidden(p);
		c->graded = c->passed = 0;
		lab->ncols++;
	}
}

/* What the first pass keeps of one results file (root, or NULL for one that cannot be read). */
static void lab_add(struct lab *lab, const char *name, const struct json *root)
{
	const struct json *x = extra(root);
	const char *t;

	if (!root) {
		lab->nnone++;
		return;
	}
	add_columns_of(lab, root);
	if (!lab->title && (t = lab_title(root)))
		lab->title = xstrdup(t);
	if (!lab->max_set) {
		lab->max = json_get_num(x, "max_score", -1);
		lab->max_set = 1;
	}
	if (!lab->warned && has_str(x, "sandbox_warning")) {
		const struct json *w = json_get(x, "sandbox_warning");
		lab->warned = xstrdup(name);
		lab->warning_len = json_str_len(w);
		lab->warning = xmalloc(lab->warning_len + 1);
		memcpy(lab->warning, json_str(w, ""), lab->warning_len + 1);
	}
	if (harness_failed(root)) {
		lab->nharness++;
		return;
	}
	lab->ngraded++;
	lab->sum += json_get_num(root, "score", 0);
	for (size_t c = 0; c < lab->ncols; c++) {
		const struct json *p = find_probe(root, lab->cols[c].name);
		if (!p)
			continue;
		lab->cols[c].graded++;
		lab->cols[c].passed += probe_passed(p);
	}

	/* as add_student_suite counts them */
	const struct json *probes = json_get(x, "probes");
	size_t tests = 0;
	for (size_t i = 0; i < json_len(probes); i++) {
		const struct json *p = json_at(probes, i);
		if (json_type(p) != JSON_OBJECT)
			continue;
		tests++;
		lab->judged.failures += !probe_passed(p);
	}
	if (!tests) {
		tests = 1;
		lab->judged.errors++;
	}
	lab->judged.tests += tests;
	lab->judged.time += json_get_num(root, "execution_time", 0);
}

/*
 * The first pass: lists the student folders of lab_dir and reads each
 * one's results (and the reference's, which stay loaded) for the lab's
 * columns, counts, title and maximum. 0, or -1 with err if lab_dir cannot
 * be read; lab_release(lab) after either.
 */
static int lab_scan(struct lab *lab, const char *lab_dir, char *err)
{
	struct stat st;

	memset(lab, 0, sizeof *lab);
	lab->max = -1;
	if (list_dirs(lab_dir, &lab->names, &lab->n, err) < 0)
		return -1;

	char *ref = xasprintf("%s/.reference/results.json", lab_dir);
	if (lstat(ref, &st) == 0)
		entry_load(&lab->ref, lab_dir, ".reference");
	free(ref);
	if (lab->ref.root) {
		add_columns_of(lab, lab->ref.root);
		const char *t = lab_title(lab->ref.root);
		if (t)
			lab->title = xstrdup(t);
		lab->max = json_get_num(extra(lab->ref.root), "max_score", -1);
		lab->max_set = 1;
	}

	for (size_t i = 0; i < lab->n; i++) {
		struct entry e;
		entry_load(&e, lab_dir, lab->names[i]);
		lab_add(lab, e.name, e.root);
		entry_release(&e);
	}
	return 0;
}

/* The mean of the graded students' scores as shown: two decimals at most. */
static double lab_mean(const struct lab *lab)
{
	return (double)(long long)(lab->sum / (double)lab->ngraded * 100 + 0.5) / 100;
}

static const char *base_name(const char *path)
{
	const char *end = path + strlen(path);

	while (end > path && end[-1] == '/')
		end--;
	const char *s = end;
	while (s > path && s[-1] != '/')
		s--;
	return s;
}

/* ---- the class page ------------------------------------------------------- */

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

	if (json_type(json_get(extra(root), "build")) != JSON_OBJECT) {
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

	if (c && coverage_done(c) && json_type(v) == JSON_NUMBER) {
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

static void add_student_row(struct strbuf *sb, const struct entry *e, const struct column *cols,
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

/* Probe pass rates (over graded students) as a horizontal bar chart. */
static void add_pass_chart(struct strbuf *sb, const struct column *cols, size_t n)
{
	const int row = 22, label = 340, bar = 300;

	sb_addf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"role=\"img\" aria-label=\"pass rate of each probe\">\n",
		label + bar + 60, (int)n * row + 8);
	for (size_t i = 0; i < n; i++) {
		const char *name = cols[i].name;
		double rate = cols[i].graded ? (double)cols[i].passed / (double)cols[i].graded : 0;
		int y = 4 + (int)i * row;
		size_t cut = cut_utf8(name, strlen(name), 48);

		sb_adds(sb, "<g><title>");
		html(sb, name);
		sb_addf(sb, ": %zu of %zu passed</title>", cols[i].passed, cols[i].graded);
		sb_addf(sb, "<text x=\"0\" y=\"%d\">%lld. ", y + 14, cols[i].number);
		sb_add_html(sb, name, cut);
		if (cut < strlen(name))
			sb_adds(sb, "…");
		sb_addf(sb, "</text><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"14\" fill=\"#eceff1\"/>"
			"<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"14\" fill=\"#43a047\"/>"
			"<text x=\"%d\" y=\"%d\">%.0f%%</text></g>\n",
			label, y + 3, bar, label, y + 3, rate * bar, label + bar + 6, y + 14,
			rate * 100);
	}
	sb_adds(sb, "</svg>\n");
}

/* The histogram of scores from 0 to max: a bin a point for up to 40 points, else 20 bins. */
static int hist_per_point(double max)
{
	return max >= 1 && max <= 40 && max == (double)(int)max;
}

static int hist_bins(double max)
{
	return hist_per_point(max) ? (int)max + 1 : 20;
}

/* Counts score in its bin of count (hist_bins(max) of them). */
static void hist_add(size_t *count, double max, double score)
{
	int per_point = hist_per_point(max), bins = hist_bins(max);
	int b = per_point ? (int)(score + 0.5) : max > 0 ? (int)(score / max * bins) : 0;

	if (b < 0)
		b = 0;
	if (b >= bins)
		b = bins - 1;
	count[b]++;
}

/* Graded students' scores, counted by hist_add, as a histogram from 0 to max. */
static void add_histogram(struct strbuf *sb, const size_t *count, double max)
{
	const int height = 140, base = 160, width = 640;
	int per_point = hist_per_point(max);
	int bins = hist_bins(max);
	size_t top = 1;

	for (int b = 0; b < bins; b++)
		if (count[b] > top)
			top = count[b];
	int w = width / bins;
	if (w > 48)
		w = 48;
	sb_addf(sb, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		"role=\"img\" aria-label=\"histogram of scores\">\n", w * bins + 20, base + 20);
	for (int b = 0; b < bins; b++) {
		int h = (int)((double)count[b] / (double)top * height + 0.5);
		double lo = per_point ? b : max * b / bins, hi = per_point ? b : max * (b + 1) / bins;
		sb_adds(sb, "<g><title>score ");
		add_num(sb, lo);
		if (!per_point) {
			sb_adds(sb, " to ");
			add_num(sb, hi);
		}
		sb_addf(sb, ": %zu student%s</title>", count[b], count[b] == 1 ? "" : "s");
		sb_addf(sb, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#1e88e5\"/>",
			10 + b * w, base - h, w - 2, h);
		if (count[b])
			sb_addf(sb, "<text x=\"%d\" y=\"%d\">%zu</text>", 10 + b * w, base - h - 3,
				count[b]);
		if (per_point || b % 5 == 0) {
			sb_addf(sb, "<text x=\"%d\" y=\"%d\">", 10 + b * w, base + 15);
			add_num(sb, lo);
			sb_adds(sb, "</text>");
		}
		sb_adds(sb, "</g>\n");
	}
	sb_adds(sb, "</svg>\n");
}

/* Sorts any table.sortable by the clicked header; the page reads the same without it. */
static const char sort_script[] =
	"<script>\n"
	"(function () {\n"
	"  function cellAt(row, col) {\n"
	"    for (var i = 0, c = 0; i < row.cells.length; i++) {\n"
	"      c += row.cells[i].colSpan;\n"
	"      if (c > col) return row.cells[i];\n"
	"    }\n"
	"    return null;\n"
	"  }\n"
	"  function key(cell) {\n"
	"    if (!cell) return '';\n"
	"    var v = cell.getAttribute('data-sort');\n"
	"    if (v === null) return cell.textContent.toLowerCase();\n"
	"    var f = parseFloat(v);\n"
	"    return isNaN(f) ? v.toLowerCase() : f;\n"
	"  }\n"
	"  function cmp(a, b) {\n"
	"    if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;\n"
	"    return a < b ? -1 : a > b ? 1 : 0;\n"
	"  }\n"
	"  var tables = document.querySelectorAll('table.sortable');\n"
	"  for (var t = 0; t < tables.length; t++) (function (table) {\n"
	"    var heads = table.tHead.rows[0].cells;\n"
	"    for (var h = 0; h < heads.length; h++) (function (th, col) {\n"
	"      th.addEventListener('click', function () {\n"
	"        var body = table.tBodies[0], rows = [].slice.call(body.rows);\n"
	"        var dir = th.getAttribute('data-dir') === 'asc' ? -1 : 1;\n"
	"        th.setAttribute('data-dir', dir === 1 ? 'asc' : 'desc');\n"
	"        rows.sort(function (a, b) {\n"
	"          return dir * cmp(key(cellAt(a, col)), key(cellAt(b, col)));\n"
	"        });\n"
	"        for (var r = 0; r < rows.length; r++) body.appendChild(rows[r]);\n"
	"      });\n"
	"    })(heads[h], h);\n"
	"  })(tables[t]);\n"
	"})();\n"
	"</script>\n";

/* The class page down to the first row of its table. */
static void class_head(struct strbuf *sb, const struct lab *lab, const char *lab_dir)
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
	if (lab->nnone)
		sb_addf(sb, ", %zu with no results", lab->nnone);
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
static void class_tail(struct strbuf *sb, const struct lab *lab, const size_t *count)
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

/* ---- grades.csv ---------------------------------------------------------- */

/*
 * One CSV field (RFC 4180). text fields starting with = + - @ (or tab, CR)
 * get a leading apostrophe, inside quotes, so that a spreadsheet does not
 * take them for a formula.
 */
static void csv_field(struct strbuf *sb, const char *s, size_t len, int text)
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
static void csv_head(struct strbuf *sb, const struct lab *lab)
{
	sb_adds(sb, "student,score,max_score");
	for (size_t c = 0; c < lab->ncols; c++) {
		sb_addc(sb, ',');
		csv_field(sb, lab->cols[c].name, strlen(lab->cols[c].name), 1);
	}
	sb_adds(sb, "\r\n");
}

/* A student's line of grades.csv. */
static void csv_row(struct strbuf *sb, const struct lab *lab, const struct entry *e)
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

/* ---- junit.xml ----------------------------------------------------------- */

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

	if (json_type(j) == JSON_STRING)
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

	if (json_type(j) != JSON_STRING && json_type(j) != JSON_NUMBER)
		return;
	sb_addf(sb, "      <property name=\"%s\" value=\"", name);
	if (json_type(j) == JSON_NUMBER)
		add_num(sb, json_num(j, 0));
	else
		add_xml(sb, json_str(j, ""), json_str_len(j), 1);
	sb_adds(sb, "\"/>\n");
}

/* The text of a <failure>: where it failed, expected and observed (escaped as C text), hint. */
static void add_failure_text(struct strbuf *sb, const struct json *p)
{
	if (json_type(json_get(p, "failed_step")) == JSON_NUMBER) {
		sb_adds(sb, "failed at step ");
		add_num(sb, json_get_num(p, "failed_step", 0));
		if (has_str(p, "step_kind")) {
			sb_adds(sb, " (");
			xml_key(sb, p, "step_kind", "", 0);
			sb_adds(sb, ")");
		}
		if (json_type(json_get(p, "step_line")) == JSON_NUMBER) {
			sb_adds(sb, ", spec line ");
			add_num(sb, json_get_num(p, "step_line", 0));
		}
		sb_adds(sb, "\n");
	}
	if (has_str(p, "why")) {
		xml_key(sb, p, "why", "", 0);
		sb_adds(sb, "\n");
	}
	if (json_type(json_get(p, "expected")) == JSON_STRING) {
		sb_adds(sb, "expected: \"");
		xml_key(sb, p, "expected", "", 0);
		sb_adds(sb, "\"\n");
	}
	if (json_type(json_get(p, "observed")) == JSON_STRING) {
		sb_adds(sb, "observed: \"");
		xml_key(sb, p, "observed", "", 0);
		sb_adds(sb, "\"");
		if (json_type(json_get(p, "diff_at")) == JSON_NUMBER) {
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
static void add_student_suite(struct strbuf *sb, const struct entry *e, const char *lab_name,
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

			if (json_type(p) != JSON_OBJECT)
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
static void junit_head(struct strbuf *sb, const struct lab *lab, const char *lab_name)
{
	size_t k = lab->ncols ? lab->ncols : 1, ungraded = lab->nharness + lab->nnone;

	sb_adds(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"sockgrade ");
	xml(sb, lab_name, 1);
	sb_addf(sb, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"",
		lab->judged.tests + ungraded * k, lab->judged.failures,
		lab->judged.errors + ungraded * k);
	add_seconds(sb, lab->judged.time * 1000);
	sb_adds(sb, "\">\n");
}

/* ---- streaming a file ----------------------------------------------------- */

/* A file written a piece at a time, under a temporary name until it is complete. */
struct out {
	char *path;		/* the file's name */
	char *tmp;		/* what it is written as until out_commit */
	int fd;			/* tmp, open; -1 when not */
	struct strbuf sb;	/* text not written yet */
};

/* Bytes held before out_flush writes them. */
#define OUT_CHUNK (64 * 1024)

/* Creates the temporary file for path; 0, or -1 with err. out_release in either case. */
static int out_open(struct out *o, const char *path, char *err)
{
	o->path = xstrdup(path);
	o->tmp = xasprintf("%s.tmp.%d", path, (int)getpid());
	o->sb = (struct strbuf)STRBUF_INIT;
	o->fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (o->fd < 0) {
		snprintf(err, ERRLEN, "'%s': cannot create: %s", o->tmp, strerror(errno));
		return -1;
	}
	return 0;
}

/* Writes what o holds once it is OUT_CHUNK or more (all of it if all); 0, or -1 with err. */
static int out_flush(struct out *o, int all, char *err)
{
	if (o->sb.len < (all ? 1 : OUT_CHUNK))
		return 0;
	if (write_all(o->fd, o->sb.buf, o->sb.len) < 0) {
		snprintf(err, ERRLEN, "'%s': cannot write: %s", o->tmp, strerror(errno));
		return -1;
	}
	sb_reset(&o->sb);
	return 0;
}

/* Writes the rest, closes and renames the file to its name; 0, or -1 with err. */
static int out_commit(struct out *o, char *err)
{
	if (out_flush(o, 1, err) < 0)
		return -1;
	int rc = close(o->fd);
	o->fd = -1;
	if (rc < 0 || rename(o->tmp, o->path) < 0) {
		snprintf(err, ERRLEN, "'%s': cannot write: %s", o->path, strerror(errno));
		return -1;
	}
	free(o->tmp);
	o->tmp = NULL;
	return 0;
}

/* Frees o; a file not committed is removed. */
static void out_release(struct out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	sb_release(&o->sb);
	memset(o, 0, sizeof *o);
	o->fd = -1;
}

/* ---- the class files ------------------------------------------------------ */

enum { OUT_PAGE, OUT_CSV, OUT_JUNIT, OUT_N };

int report_lab(const char *lab_dir, char *err)
{
	static const char *const files[OUT_N] = { "index.html", "grades.csv", "junit.xml" };
	struct lab lab;
	struct out out[OUT_N];
	const char *lab_name = base_name(lab_dir);
	size_t *count = NULL;
	int rc = -1;

	for (int f = 0; f < OUT_N; f++)
		out[f] = (struct out){ NULL, NULL, -1, STRBUF_INIT };
	if (lab_scan(&lab, lab_dir, err) < 0)
		goto out;
	for (int f = 0; f < OUT_N; f++) {
		char *path = xasprintf("%s/%s", lab_dir, files[f]);
		int opened = out_open(&out[f], path, err);
		free(path);
		if (opened < 0)
			goto out;
	}
	class_head(&out[OUT_PAGE].sb, &lab, lab_dir);
	csv_head(&out[OUT_CSV].sb, &lab);
	junit_head(&out[OUT_JUNIT].sb, &lab, lab_name);

	/* the second pass: a student at a time, each file written as it fills */
	count = xcalloc((size_t)hist_bins(lab.max), sizeof *count);
	for (size_t i = 0; i < lab.n; i++) {
		struct entry e;
		entry_load(&e, lab_dir, lab.names[i]);
		add_student_row(&out[OUT_PAGE].sb, &e, lab.cols, lab.ncols);
		csv_row(&out[OUT_CSV].sb, &lab, &e);
		add_student_suite(&out[OUT_JUNIT].sb, &e, lab_name, lab.cols, lab.ncols);
		if (graded(&e))
			hist_add(count, lab.max, json_get_num(e.root, "score", 0));
		entry_release(&e);
		for (int f = 0; f < OUT_N; f++)
			if (out_flush(&out[f], 0, err) < 0)
				goto out;
	}

	class_tail(&out[OUT_PAGE].sb, &lab, count);
	sb_adds(&out[OUT_JUNIT].sb, "</testsuites>\n");
	for (int f = 0; f < OUT_N; f++)
		if (out_commit(&out[f], err) < 0)
			goto out;
	rc = 0;
out:
	for (int f = 0; f < OUT_N; f++)
		out_release(&out[f]);
	free(count);
	lab_release(&lab);
	return rc;
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
