/*
 * report/html: the HTML of every page: escaping (every string taken from a
 * results file goes through sb_add_html; folder names in links are
 * percent-encoded first), byte strings and logs in a <pre>, the page frame,
 * and the small script that sorts tables.
 */
#include "html.h"

#include <string.h>

/* ---- escaping ---------------------------------------------------------- */

void html(struct strbuf *sb, const char *s)
{
	sb_add_html(sb, s, strlen(s));
}

/* A JSON string escaped for HTML (NULs included), or dflt when j is not a string. */
void html_json(struct strbuf *sb, const struct json *j, const char *dflt)
{
	if (json_kind(j) == JSON_KIND_STRING)
		sb_add_html(sb, json_str(j, ""), json_str_len(j));
	else
		html(sb, dflt);
}

void html_key(struct strbuf *sb, const struct json *obj, const char *key, const char *dflt)
{
	html_json(sb, json_get(obj, key), dflt);
}

/* A path segment for an href: percent-encoded outside [A-Za-z0-9._~-], then HTML-escaped. */
void add_url_part(struct strbuf *sb, const char *s)
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

/*
 * The escaped text s in a <pre>, as the file holds it, with everything
 * from decoded byte at onwards in a <mark>; at < 0 marks nothing. When the
 * text ends before at, an empty <mark class="end"> shows where it stopped.
 */
void add_marked(struct strbuf *sb, const char *s, size_t len, long long at)
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
void add_text_block(struct strbuf *sb, const char *s, size_t len, int highlight)
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
void page_begin(struct strbuf *sb, const char *title_html)
{
	sb_adds(sb, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
		"<meta name=\"generator\" content=\"sockgrade\">\n<title>");
	sb_adds(sb, title_html);
	sb_adds(sb, "</title>\n<style>\n");
	sb_adds(sb, page_style);
	sb_adds(sb, "</style>\n</head>\n<body>\n");
}

void page_end(struct strbuf *sb)
{
	sb_adds(sb, "</body>\n</html>\n");
}

/* Sorts any table.sortable by the clicked header; the page reads the same without it. */
const char sort_script[] =
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
