/* term: student text never reaches a terminal as a control character. */
#include "suites.h"
#include "term.h"

#include <stdlib.h>
#include <string.h>

static void cut_is(const char *in, size_t max, const char *want)
{
	char *got = term_cut(in, max);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(cut_at_control)
{
	cut_is("plain text", 100, "plain text");
	/* a run of 4 of 8 that rewrites the line before it: cut at the escape */
	cut_is("4 passed\033[1A\033[2K8 passed, 0 failed", 100, "4 passed…");
	cut_is("line one\nline two", 100, "line one…");
	cut_is("bell\a", 100, "bell…");
	cut_is("del\x7fx", 100, "del…");
	/* C1 CSI (U+009B) is a control too */
	cut_is("csi\xc2\x9b" "2J", 100, "csi…");
	cut_is("caf\xc3\xa9 ok", 100, "caf\xc3\xa9 ok");
	cut_is("bad \xff byte", 100, "bad ? byte");
	cut_is("abcdef", 3, "abc…");
	cut_is(NULL, 10, "");
}
END_TEST

START_TEST(escape_every_byte)
{
	char *got = term_escape("a\033[2Kb\n\\\xc3\xa9\xff", 11, 100);
	ck_assert_str_eq(got, "a\\x1b[2Kb\\n\\\\\xc3\xa9\\xff");
	free(got);
	got = term_escape("x\0y", 3, 100);
	ck_assert_str_eq(got, "x\\x00y");
	free(got);
	got = term_escape("abcdef", 6, 2);
	ck_assert_str_eq(got, "ab…");
	free(got);
	/* a UTF-8 sequence cut by the limit is escaped byte by byte, not left half */
	got = term_escape("\xc3\xa9", 2, 1);
	ck_assert_str_eq(got, "\\xc3…");
	free(got);
}
END_TEST

Suite *make_term_suite(void)
{
	Suite *s = suite_create("term");
	TCase *tc = tcase_create("term");
	tcase_add_test(tc, cut_at_control);
	tcase_add_test(tc, escape_every_byte);
	suite_add_tcase(s, tc);
	return s;
}
