#include <check.h>
#include <stdint.h>
#include <string.h>

#include "expr.h"
#include "suites.h"
#include "util.h"

/* Variables of the tests: a = 7, b = -3, big = 9223372036854775807, t = "hello". */
static const char *look(void *ctx, const char *name, size_t len)
{
	static const char *const vars[][2] = {
		{ "a", "7" }, { "b", "-3" }, { "big", "9223372036854775807" }, { "t", "hello" },
		{ "c_2", " 12 " },
	};
	(void)ctx;
	for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
		if (strlen(vars[i][0]) == len && !memcmp(vars[i][0], name, len))
			return vars[i][1];
	return NULL;
}

static int64_t ok(const char *e)
{
	int64_t v = 0;
	char err[ERRLEN] = "";
	ck_assert_msg(expr_eval(e, strlen(e), look, NULL, &v, err) == 0, "%s: %s", e, err);
	return v;
}

static void bad(const char *e, const char *want)
{
	int64_t v = 0;
	char err[ERRLEN] = "";
	ck_assert_msg(expr_eval(e, strlen(e), look, NULL, &v, err) == -1, "%s evaluated", e);
	ck_assert_str_eq(err, want);
}

START_TEST(arithmetic_as_c_does_it)
{
	ck_assert_int_eq(ok("1 + 2 * 3"), 7);
	ck_assert_int_eq(ok("(1 + 2) * 3"), 9);
	ck_assert_int_eq(ok("a - b - 1"), 9);		/* left to right */
	ck_assert_int_eq(ok("a - b * (a + 1)"), 31);
	ck_assert_int_eq(ok("-a"), -7);
	ck_assert_int_eq(ok("--a"), 7);
	ck_assert_int_eq(ok("- -b"), -3);
	ck_assert_int_eq(ok("+a"), 7);
	ck_assert_int_eq(ok("-7 / 2"), -3);		/* truncated toward zero */
	ck_assert_int_eq(ok("-7 % 2"), -1);
	ck_assert_int_eq(ok("7 % -2"), 1);
	ck_assert_int_eq(ok("a*b"), -21);
	ck_assert_int_eq(ok("c_2 + 0x10"), 28);
	ck_assert_int_eq(ok("  42  "), 42);
}
END_TEST

START_TEST(overflow_wraps_as_64_bit_twos_complement)
{
	ck_assert(ok("big + 1") == INT64_MIN);
	ck_assert(ok("-big - 2") == INT64_MAX);
	ck_assert(ok("big * 2") == -2);
	ck_assert(ok("-(-big - 1)") == INT64_MIN);	/* -INT64_MIN wraps to itself */
	ck_assert(ok("18446744073709551615") == -1);	/* 2^64 - 1: its 64 bits */
	ck_assert(ok("(-big - 1) % 1") == 0);
}
END_TEST

START_TEST(errors_are_clear_never_undefined)
{
	bad("a / 0", "expression 'a / 0': division by zero at character 3");
	bad("a % (b + 3)", "expression 'a % (b + 3)': remainder of a division by zero at character 3");
	bad("(-big - 1) / -1", "expression '(-big - 1) / -1': -9223372036854775808 divided by -1 does "
	    "not fit in 64 bits at character 12");
	bad("(-big - 1) % -1", "expression '(-big - 1) % -1': -9223372036854775808 divided by -1 does "
	    "not fit in 64 bits at character 12");
	bad("x + 1", "expression 'x + 1': no variable 'x' is set before this step");
	bad("t * 2", "expression 't * 2': variable 't' is \"hello\", not a whole number (give it with "
	    "random: min:, max:)");
	bad("a +", "expression 'a +': a number, a variable or '(' is missing at character 4");
	bad("(a + 1", "expression '(a + 1': ')' is missing at character 7");
	bad("a b", "expression 'a b': an operator (+ - * / %) or the end is expected at character 3");
	bad("a == 1", "expression 'a == 1': an operator (+ - * / %) or the end is expected at character 3");
	bad("", "expression '': a number, a variable or '(' is missing at character 1");
	bad("18446744073709551616", "expression '18446744073709551616': not a number (write digits, "
	    "at most 2^64 - 1) at character 1");
	bad("12abc", "expression '12abc': not a number (write digits, at most 2^64 - 1) at character 1");
}
END_TEST

START_TEST(nesting_is_bounded)
{
	char e[400];
	memset(e, '(', 200);
	e[200] = '1';
	memset(e + 201, ')', 198);
	e[399] = '\0';
	int64_t v;
	char err[ERRLEN] = "";
	ck_assert_int_eq(expr_eval(e, strlen(e), look, NULL, &v, err), -1);
	ck_assert_msg(strstr(err, "nested too deep"), "%s", err);
	memset(e, '-', 300);
	e[300] = '1';
	e[301] = '\0';
	ck_assert_int_eq(expr_eval(e, strlen(e), look, NULL, &v, err), -1);
	ck_assert_msg(strstr(err, "nested too deep"), "%s", err);
	ck_assert_int_eq(ok("((((((1))))))"), 1);
}
END_TEST

START_TEST(whole_numbers)
{
	int64_t v;
	ck_assert_int_eq(expr_parse_int("-9223372036854775808", 20, &v), 0);
	ck_assert(v == INT64_MIN);
	ck_assert_int_eq(expr_parse_int("-9223372036854775809", 20, &v), -1);
	ck_assert_int_eq(expr_parse_int(" +5 ", 4, &v), 0);
	ck_assert_int_eq(v, 5);
	ck_assert_int_eq(expr_parse_int("0xff", 4, &v), 0);
	ck_assert_int_eq(v, 255);
	ck_assert_int_eq(expr_parse_int("5 5", 3, &v), -1);
	ck_assert_int_eq(expr_parse_int("-", 1, &v), -1);
	ck_assert_int_eq(expr_parse_int("", 0, &v), -1);
	ck_assert_int_eq(expr_parse_int("1.5", 3, &v), -1);
}
END_TEST

Suite *make_expr_suite(void)
{
	Suite *s = suite_create("expr");
	TCase *tc = tcase_create("expr");
	tcase_add_test(tc, arithmetic_as_c_does_it);
	tcase_add_test(tc, overflow_wraps_as_64_bit_twos_complement);
	tcase_add_test(tc, errors_are_clear_never_undefined);
	tcase_add_test(tc, nesting_is_bounded);
	tcase_add_test(tc, whole_numbers);
	suite_add_tcase(s, tc);
	return s;
}
