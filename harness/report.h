/*
 * report: the pages people read, written from results.json files alone
 * (specs/RESULTS.md), so a partial rerun, a crash halfway or grading spread
 * over several machines all report the same way. The code is in report/:
 *
 *   <lab>/<student>/index.html   instructor: every probe, hidden ones included      student.c
 *   <lab>/<student>/student.html hidden probes left out, score of the visible ones  student.c
 *   <selfcheck dir>/index.html   a student's own run, the look of student.html      student.c
 *   <lab>/index.html             the class: a row per student folder, charts        class.c, charts.c
 *   <lab>/grades.csv             the gradebook: a line per student folder           csv.c
 *   <lab>/junit.xml              for CI tools: a testsuite per student              junit.c
 *   <lab>/canvas.csv, moodle.csv gradebook uploads, after an import (import.tsv)     gradebook.c
 *   <reports>/index.html         a row per lab                                      class.c
 *   <lab>/roster.json            the class: every student folder, graded or not     roster.c
 *
 * lab.c reads a lab's results in two passes and streams its three files;
 * results.c reads one results file; text.c and html.c turn it into text.
 * Byte strings (expected, observed, transcript data) are shown in the
 * escaped form the file holds; logs and program output are decoded for
 * reading (add_text_block), with control and stray bytes shown as \xHH.
 * Pages need no script and load nothing: one inline <style>, inline SVG
 * charts, and on the class page a small optional script that sorts the
 * table.
 */
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

/*
 * The roster, <lab_dir>/roster.json: every student folder the grading run
 * found (names[0..n), sorted), whichever of them it graded. Written by each
 * grading run, a shard's too, under the lab's lock.
 */
int report_roster_write(const char *lab_dir, const char *lab, char *const *names, size_t n,
			char *err);

/*
 * The class of lab_dir, as every class file lists it: the students of the
 * roster and every sub-folder (no dot names), sorted, each once; *names to
 * be freed with its strings. *have_roster says whether a roster was read.
 * 0, or -1 with err when lab_dir or the roster cannot be read.
 */
int report_class(const char *lab_dir, char ***names, size_t *n, int *have_roster, char *err);

/*
 * The gradebook files of an import, beside grades.csv: <lab_dir>/canvas.csv
 * (Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID,
 * Section, then the column canvas_column, "Name (id)"; NULL: the lab's
 * title, which Canvas takes for a new assignment) for the manifest's
 * Canvas students, and <lab_dir>/moodle.csv (Moodle's grading worksheet:
 * Identifier "Participant <id>", Full name, Grade, Maximum grade, Last
 * modified (grade), Feedback comments) for its Moodle students; a score
 * is the one grades.csv has, empty for a student not graded. manifest is
 * the import's import.tsv, or NULL: then neither file is written and an
 * old one is removed. *wrote gets 1 for canvas.csv, 2 for moodle.csv.
 * Reads one results.json at a time.
 */
int report_gradebooks(const char *lab_dir, const char *manifest, const char *canvas_column,
		      int *wrote, char *err);
/* 1 when s is a Canvas gradebook column, "Name (id)": the id digits. */
int report_canvas_column_ok(const char *s);

/* For selfcheck: writes <dir>/index.html for the single results.json in <dir> (visible probes only, same look as student.html). */
int report_selfcheck(const char *dir, char *err);

#endif
