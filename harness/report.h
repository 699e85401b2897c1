/* report: HTML pages and grades.csv, written from results.json files on disk. */
#ifndef SG_REPORT_H
#define SG_REPORT_H

#include "util.h"

/*
 * Every function reads results.json files (specs/RESULTS.md) and nothing
 * else, and writes with write_file_atomic. Each returns 0, or -1 with err
 * (ERRLEN bytes) set to "path: what".
 */

/* Writes <lab_dir>/<student>/index.html (instructor: all probes) and student.html (hidden probes left out) from <lab_dir>/<student>/results.json. */
int report_student(const char *lab_dir, const char *student, char *err);

/* Writes <lab_dir>/index.html (class page), <lab_dir>/grades.csv and <lab_dir>/junit.xml (a testsuite per student, a testcase per probe, hidden ones included; <failure> for a failed probe, <error> for each probe of a student not graded) from every <lab_dir>/<name>/results.json (skip names starting with '.'; sorted by name). The reference's results, if <lab_dir>/.reference/results.json exists, are shown as one line at the top ("reference: passed all N probes" or which failed). Students whose results.json is missing or unparseable are listed as "no results" (never crash, never stop). Reads each results.json twice, one at a time, and writes the three files as it goes: its memory is that of one student's results, whatever the size of the class. */
int report_lab(const char *lab_dir, char *err);

/* Writes <reports>/index.html linking each <reports>/<lab>/index.html that exists (skip "selfcheck", "coverage", "kits" and dot names), with the lab title, number of students, mean score. */
int report_index(const char *reports, char *err);

/* For selfcheck: writes <dir>/index.html for the single results.json in <dir> (visible probes only, same look as student.html). */
int report_selfcheck(const char *dir, char *err);

#endif
