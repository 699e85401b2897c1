/* The one test runner: every module's suite. CK_FORK=no runs them in one process (gdb, valgrind). */
#include <check.h>
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(make_spec_suite());
	srunner_add_suite(sr, make_steps_suite());
	srunner_add_suite(sr, make_match_suite());
	srunner_add_suite(sr, make_expr_suite());
	srunner_add_suite(sr, make_json_suite());
	srunner_add_suite(sr, make_sandbox_suite());
	srunner_add_suite(sr, make_launch_suite());
	srunner_add_suite(sr, make_probe_suite());
	srunner_add_suite(sr, make_probe_procs_suite());
	srunner_add_suite(sr, make_report_suite());
	srunner_add_suite(sr, make_wire_suite());
	srunner_add_suite(sr, make_term_suite());
	srunner_add_suite(sr, make_sources_suite());
	srunner_add_suite(sr, make_diag_suite());
	srunner_add_suite(sr, make_import_suite());
	srunner_add_suite(sr, make_cgroup_suite());
	srunner_add_suite(sr, make_folder_suite());
	srunner_add_suite(sr, make_slots_suite());
	srunner_add_suite(sr, make_inet_suite());
	srunner_add_suite(sr, make_spec_check_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
