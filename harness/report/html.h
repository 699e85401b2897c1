/*
 * report/html.h: text for people, shared by the report's files (not for
 * other modules): numbers, UTF-8, the escaped byte strings of results files
 * (text.c), and HTML (html.c).
 */
#ifndef SG_REPORT_HTML_H
#define SG_REPORT_HTML_H

#include <stddef.h>

#include "json.h"
#include "util.h"

/* ---- text.c ---- */

/* A number as people write it: 9, 7.5, 2.33; "?" past 1e15. */
void add_num(struct strbuf *sb, double v);
/* A percentage as coverage tools print it: 81.0%. */
void add_percent(struct strbuf *sb, double v);
/* The longest prefix of s of at most max bytes that does not cut a UTF-8 character. */
size_t cut_utf8(const char *s, size_t len, size_t max);
/* Escaped byte strings (RESULTS.md: \n \r \t \\ \" \0 \xHH): how many bytes s stands for. */
size_t decoded_len(const char *s, size_t len);
/* Where in s the decoded byte idx is written (len past the end), never inside a character. */
size_t escaped_offset(const char *s, size_t len, size_t idx);
/* Appends the bytes s stands for. */
void decode_escaped(const char *s, size_t len, struct strbuf *out);

/* ---- handin.c ---- */

/* "Hand-in": what the importer did with it (extra_data.import); nothing when not imported. */
void add_handin(struct strbuf *sb, const struct json *root);

/* ---- html.c ---- */

/* s escaped for HTML. */
void html(struct strbuf *sb, const char *s);
/* A JSON string escaped for HTML (NULs included), or dflt when j is not a string. */
void html_json(struct strbuf *sb, const struct json *j, const char *dflt);
/* obj[key] escaped for HTML, or dflt. */
void html_key(struct strbuf *sb, const struct json *obj, const char *key, const char *dflt);
/* A path segment for an href: percent-encoded, then HTML-escaped. */
void add_url_part(struct strbuf *sb, const char *s);
/* An escaped byte string in a <pre>, from decoded byte at (>= 0) on in a <mark>. */
void add_marked(struct strbuf *sb, const char *s, size_t len, long long at);
/* An escaped byte string that is text (a log, a program's output), decoded, in a <pre>. */
void add_text_block(struct strbuf *sb, const char *s, size_t len, int highlight);
/* Starts a page; title_html is already escaped. */
void page_begin(struct strbuf *sb, const char *title_html);
void page_end(struct strbuf *sb);
/* Sorts any table.sortable by the clicked header; the page reads the same without it. */
extern const char sort_script[];

#endif
