/* The table of step kinds: what the loader and the interpreter both rely on. */
#include <check.h>
#include <string.h>

#include "steps.h"
#include "suites.h"

/* Every row is found by its name, and its kind is its place in the table (enum step_kind's order). */
START_TEST(each_kind_once_in_order)
{
	size_t n;
	const struct step_def *d = step_defs(&n);

	ck_assert_uint_gt(n, 0);
	for (size_t i = 0; i < n; i++) {
		ck_assert_ptr_nonnull(d[i].name);
		ck_assert_ptr_eq(step_def_find(d[i].name), &d[i]);
		ck_assert_int_eq((int)d[i].kind, (int)i);
	}
	ck_assert_ptr_null(step_def_find("sned"));
}
END_TEST

/* Option lists end with a NULL key, name each option once, and give an enum its words. */
START_TEST(options_are_well_formed)
{
	size_t n;
	const struct step_def *d = step_defs(&n);

	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(d[i].opts, "'%s' has no option list", d[i].name);
		ck_assert(d[i].value != OPT_ENUM || d[i].value_choices);
		for (const struct opt_def *o = d[i].opts; o->key; o++) {
			ck_assert(o->type != OPT_ENUM || o->choices);
			for (const struct opt_def *p = o + 1; p->key; p++)
				ck_assert_msg(strcmp(o->key, p->key), "'%s' takes '%s' twice", d[i].name,
					      o->key);
		}
	}
}
END_TEST

Suite *make_steps_suite(void)
{
	Suite *s = suite_create("steps");
	TCase *tc = tcase_create("table");
	tcase_add_test(tc, each_kind_once_in_order);
	tcase_add_test(tc, options_are_well_formed);
	suite_add_tcase(s, tc);
	return s;
}
