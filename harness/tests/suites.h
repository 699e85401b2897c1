/* Every module's Check suite, run by check_main.c. */
#ifndef SG_SUITES_H
#define SG_SUITES_H

#include <check.h>

Suite *make_spec_suite(void);
Suite *make_steps_suite(void);
Suite *make_match_suite(void);
Suite *make_expr_suite(void);
Suite *make_json_suite(void);
Suite *make_sandbox_suite(void);
Suite *make_launch_suite(void);
Suite *make_probe_suite(void);
Suite *make_probe_procs_suite(void);
Suite *make_report_suite(void);
Suite *make_wire_suite(void);
Suite *make_term_suite(void);
Suite *make_sources_suite(void);
Suite *make_diag_suite(void);
Suite *make_import_suite(void);
Suite *make_cgroup_suite(void);
Suite *make_folder_suite(void);
Suite *make_slots_suite(void);
Suite *make_inet_suite(void);
Suite *make_spec_check_suite(void);

#endif
