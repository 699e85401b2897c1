#include <check.h>
#include <string.h>

#include "match.h"
#include "suites.h"
#include "util.h"

static enum match_verdict m(enum match_mode mode, enum match_tolerance tol, const char *want,
			    const char *buf, size_t blen, int final, size_t *used, long *diff)
{
	char err[ERRLEN] = "";
	struct match_opts how = { mode, tol, 0 };
	return match_bytes(&how, want, strlen(want), buf, blen, final, used, diff, err);
}

/* The same with ignore_case: true. */
static enum match_verdict mi(enum match_mode mode, enum match_tolerance tol, const char *want,
			     const char *buf, size_t blen, int final, size_t *used, long *diff)
{
	char err[ERRLEN] = "";
	struct match_opts how = { mode, tol, 1 };
	return match_bytes(&how, want, strlen(want), buf, blen, final, used, diff, err);
}

static const struct match_opts regex_opts = { MATCH_REGEX, TOL_NONE, 0 };
static const struct match_opts exact_opts = { MATCH_EXACT, TOL_NONE, 0 };

START_TEST(exact_equal)
{
	size_t used;
	long diff;
	/* while more may come, "nothing more" is not known yet */
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NONE, "Hello world!", "Hello world!", 12, 0, &used, &diff),
			 MATCH_YES_MORE);
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NONE, "Hello world!", "Hello world!", 12, 1, &used, &diff),
			 MATCH_YES);
	ck_assert_uint_eq(used, 12);
}
END_TEST

START_TEST(exact_differs_reports_first_byte)
{
	size_t used;
	long diff;
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NONE, "Hello world!", "Hello World!", 12, 0, &used, &diff),
			 MATCH_NO);
	ck_assert_int_eq(diff, 6);
}
END_TEST

START_TEST(exact_short_waits_then_fails)
{
	size_t used;
	long diff;
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NONE, "Hello world!", "Hello", 5, 0, &used, &diff),
			 MATCH_MORE);
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NONE, "Hello world!", "Hello", 5, 1, &used, &diff),
			 MATCH_NO);
	ck_assert_int_eq(diff, 5);
}
END_TEST

START_TEST(tolerance_nul_and_newline)
{
	size_t used;
	long diff;
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NUL_OR_NEWLINE, "Hi", "Hi\0", 3, 1, &used, &diff),
			 MATCH_YES);
	ck_assert_uint_eq(used, 3);
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NUL_OR_NEWLINE, "Hi", "Hi\n", 3, 1, &used, &diff),
			 MATCH_YES);
	/* junk may still follow the tolerated byte */
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NUL_OR_NEWLINE, "Hi", "Hi\n", 3, 0, &used, &diff),
			 MATCH_YES_MORE);
	/* the tolerated byte may still be on its way */
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NUL_OR_NEWLINE, "Hi", "Hi", 2, 0, &used, &diff),
			 MATCH_YES_MORE);
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NUL_OR_NEWLINE, "Hi", "Hi", 2, 1, &used, &diff),
			 MATCH_YES);
	/* one byte only, and only those */
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NUL_OR_NEWLINE, "Hi", "Hi\0\0", 4, 0, &used, &diff),
			 MATCH_NO);
	ck_assert_int_eq(diff, 3);
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NUL_OR_NEWLINE, "Hi", "Hi!", 3, 0, &used, &diff),
			 MATCH_NO);
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NONE, "Hi", "Hi\0", 3, 0, &used, &diff), MATCH_NO);
}
END_TEST

START_TEST(prefix_contains_regex)
{
	size_t used;
	long diff;
	ck_assert_int_eq(m(MATCH_PREFIX, TOL_NONE, "Hel", "Hello", 5, 0, &used, &diff), MATCH_YES);
	ck_assert_uint_eq(used, 3);
	ck_assert_int_eq(m(MATCH_PREFIX, TOL_NONE, "Hex", "Hello", 5, 0, &used, &diff), MATCH_NO);
	ck_assert_int_eq(m(MATCH_CONTAINS, TOL_NONE, "abc", "xxabcyy", 7, 0, &used, &diff),
			 MATCH_YES);
	ck_assert_uint_eq(used, 5);
	ck_assert_int_eq(m(MATCH_CONTAINS, TOL_NONE, "abc", "xxab", 4, 0, &used, &diff), MATCH_MORE);
	ck_assert_int_eq(m(MATCH_CONTAINS, TOL_NONE, "abc", "xxab", 4, 1, &used, &diff), MATCH_NO);
	ck_assert_int_eq(m(MATCH_REGEX, TOL_NONE, "^Message: [a-z]+$", "Message: hi", 11, 1, &used,
			   &diff), MATCH_YES);
	/* a match up to the last byte may still grow: "Hello wor" is not yet "Hello world!" */
	ck_assert_int_eq(m(MATCH_REGEX, TOL_NONE, "Hello w[a-z]*!?", "Hello wor", 9, 0, &used, &diff),
			 MATCH_YES_MORE);
	ck_assert_int_eq(m(MATCH_REGEX, TOL_NONE, "Hello w[a-z]*!?", "Hello world!\n", 13, 0, &used,
			   &diff), MATCH_YES);
	ck_assert_uint_eq(used, 12);
	ck_assert_int_eq(m(MATCH_REGEX, TOL_NONE, "^[0-9]+$", "12a", 3, 1, &used, &diff), MATCH_NO);
}
END_TEST

START_TEST(bad_regex_is_an_error)
{
	size_t used;
	long diff;
	char err[ERRLEN] = "";
	ck_assert_int_eq(match_bytes(&regex_opts, "(", 1, "x", 1, 0, &used, &diff, err),
			 MATCH_NO);
	ck_assert_msg(strstr(err, "bad regular expression") != NULL, "err: %s", err);
}
END_TEST

START_TEST(binary_data)
{
	size_t used;
	long diff;
	char err[ERRLEN];
	ck_assert_int_eq(match_bytes(&exact_opts, "a\0b", 3, "a\0b", 3, 1, &used, &diff, err),
			 MATCH_YES);
	/* a regex sees past a NUL byte */
	ck_assert_int_eq(match_bytes(&regex_opts, "b$", 2, "a\0b", 3, 1, &used, &diff, err),
			 MATCH_YES);
	ck_assert_int_eq(match_bytes(&exact_opts, "a\0b", 3, "a\0c", 3, 0, &used, &diff, err),
			 MATCH_NO);
	ck_assert_int_eq(diff, 2);
}
END_TEST

START_TEST(ignore_case_every_mode)
{
	size_t used;
	long diff;
	/* off by default: one capital differs */
	ck_assert_int_eq(m(MATCH_EXACT, TOL_NONE, "Hello world!", "Hello World!", 12, 1, &used, &diff),
			 MATCH_NO);
	ck_assert_int_eq(mi(MATCH_EXACT, TOL_NONE, "Hello world!", "Hello World!", 12, 1, &used, &diff),
			 MATCH_YES);
	ck_assert_uint_eq(used, 12);
	ck_assert_int_eq(mi(MATCH_EXACT, TOL_NONE, "Hello world!", "HELLO WORLD?", 12, 1, &used, &diff),
			 MATCH_NO);
	ck_assert_int_eq(diff, 11);
	/* with a tolerated byte, and the byte counts unchanged */
	ck_assert_int_eq(mi(MATCH_EXACT, TOL_NUL_OR_NEWLINE, "Hi", "hI\0", 3, 1, &used, &diff),
			 MATCH_YES);
	ck_assert_uint_eq(used, 3);
	ck_assert_int_eq(mi(MATCH_PREFIX, TOL_NONE, "PING", "ping\n", 5, 0, &used, &diff), MATCH_YES);
	ck_assert_uint_eq(used, 4);
	ck_assert_int_eq(mi(MATCH_CONTAINS, TOL_NONE, "World", "xx WORLD yy", 11, 0, &used, &diff),
			 MATCH_YES);
	ck_assert_uint_eq(used, 8);
	ck_assert_int_eq(mi(MATCH_REGEX, TOL_NONE, "^hello [a-z]+!$", "HELLO World!", 12, 1, &used,
			    &diff), MATCH_YES);
	/* only ASCII letters fold: other bytes stay as they are */
	ck_assert_int_eq(mi(MATCH_EXACT, TOL_NONE, "a\xc3\xa9", "A\xc3\x89", 3, 1, &used, &diff),
			 MATCH_NO);
	ck_assert_int_eq(mi(MATCH_EXACT, TOL_NONE, "[", "{", 1, 1, &used, &diff), MATCH_NO);
}
END_TEST

START_TEST(line_mode)
{
	size_t used;
	long diff;
	const char *out = "Connected\nOperand count: Operation result: 12 \r\nResult: 12\nbye";
	size_t n = strlen(out);
	/* a whole line, trailing spaces and \r aside; not a part of a line */
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "Result: 12", out, n, 1, &used, &diff), MATCH_YES);
	ck_assert_uint_eq(used, strlen("Connected\nOperand count: Operation result: 12 \r\nResult: 12\n"));
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "Result: 1", out, n, 1, &used, &diff), MATCH_NO);
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "Operation result: 12", out, n, 1, &used, &diff),
			 MATCH_NO);
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "Operand count: Operation result: 12", out, n, 1,
			   &used, &diff), MATCH_YES);
	/* leading spaces count */
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "Connected", " Connected\n", 11, 1, &used, &diff),
			 MATCH_NO);
	/* trailing blanks of the expected text do not matter either */
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "Connected  ", "Connected\n", 10, 1, &used, &diff),
			 MATCH_YES);
	/* the last line, without its newline, counts only once no more can come */
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "bye", out, n, 0, &used, &diff), MATCH_MORE);
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "bye", out, n, 1, &used, &diff), MATCH_YES);
	ck_assert_uint_eq(used, n);
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "by", out, n, 1, &used, &diff), MATCH_NO);
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "", "", 0, 0, &used, &diff), MATCH_MORE);
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "x", "", 0, 1, &used, &diff), MATCH_NO);
	/* NUL bytes in a line are bytes like the others */
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "a", "a\0\nb\n", 5, 1, &used, &diff), MATCH_NO);
	/* ignore_case: the same one implementation */
	ck_assert_int_eq(mi(MATCH_LINE, TOL_NONE, "result: 12", out, n, 1, &used, &diff), MATCH_YES);
	ck_assert_int_eq(m(MATCH_LINE, TOL_NONE, "result: 12", out, n, 1, &used, &diff), MATCH_NO);
	ck_assert_int_eq(match_mode_parse("line"), MATCH_LINE);
}
END_TEST

Suite *make_match_suite(void)
{
	Suite *s = suite_create("match");
	TCase *tc = tcase_create("match");
	tcase_add_test(tc, exact_equal);
	tcase_add_test(tc, exact_differs_reports_first_byte);
	tcase_add_test(tc, exact_short_waits_then_fails);
	tcase_add_test(tc, tolerance_nul_and_newline);
	tcase_add_test(tc, prefix_contains_regex);
	tcase_add_test(tc, bad_regex_is_an_error);
	tcase_add_test(tc, binary_data);
	tcase_add_test(tc, ignore_case_every_mode);
	tcase_add_test(tc, line_mode);
	suite_add_tcase(s, tc);
	return s;
}
