/*
 * report/handin: what the importer did with a hand-in (extra_data.import:
 * the LMS, a late mark, files renamed, uploads not graded, refusals), on
 * the instructor's and the student's page alike: a student needs to know
 * which of their files were graded, under which names.
 */
#include "html.h"
#include "import.h"
#include "results.h"

#include <string.h>

/* A list of strings (or of from/to pairs) as <li>s. */
static void add_items(struct strbuf *sb, const char *intro, const struct json *v, int pairs)
{
	if (!json_len(v))
		return;
	sb_adds(sb, "<p>");
	sb_adds(sb, intro);
	sb_adds(sb, "</p>\n<ul class=\"handin\">\n");
	for (size_t i = 0; i < json_len(v); i++) {
		const struct json *it = json_at(v, i);
		sb_adds(sb, "<li>");
		if (pairs) {
			sb_adds(sb, "<code>");
			html_key(sb, it, "from", "?");
			sb_adds(sb, "</code> → <code>");
			html_key(sb, it, "to", "?");
			sb_adds(sb, "</code>");
		} else {
			html_json(sb, it, "");
		}
		sb_adds(sb, "</li>\n");
	}
	sb_adds(sb, "</ul>\n");
}

void add_handin(struct strbuf *sb, const struct json *root)
{
	const struct json *im = json_get(extra(root), "import");
	const char *lms;

	if (json_kind(im) != JSON_KIND_OBJECT)
		return;
	lms = json_get_str(im, "lms", "");
	sb_adds(sb, "<h2 id=\"handin\">Hand-in</h2>\n<p>");
	if (!strcmp(lms, "folders")) {
		sb_adds(sb, "Copied from a folder of hand-ins (<code>");
		html_key(sb, im, "id", "?");
		sb_adds(sb, "</code>).");
	} else {
		sb_adds(sb, "Imported from a ");
		html(sb, import_lms_title(lms));
		sb_adds(sb, " download: ");
		html_key(sb, im, "name", "?");
		sb_adds(sb, " (id <code>");
		html_key(sb, im, "id", "?");
		sb_adds(sb, "</code>");
		if (has_str(im, "submission")) {
			sb_adds(sb, !strcmp(lms, "blackboard") ? ", attempt <code>" :
								  ", submission <code>");
			html_key(sb, im, "submission", "");
			sb_adds(sb, "</code>");
		}
		sb_adds(sb, ").");
	}
	if (json_bool(json_get(im, "late"), 0) == 1) {
		sb_adds(sb, " <strong class=\"fail\">Marked late by ");
		html(sb, import_lms_title(lms));
		sb_adds(sb, ".</strong>");
	}
	sb_adds(sb, "</p>\n");
	add_items(sb, "Renamed by the importer, to the names the lab asks for:",
		  json_get(im, "renamed"), 1);
	add_items(sb, "Handed in but not graded (an earlier upload or attempt):",
		  json_get(im, "older"), 0);
	add_items(sb, "Said by the importer (files refused, or left as handed in, and why):",
		  json_get(im, "notes"), 0);
}
