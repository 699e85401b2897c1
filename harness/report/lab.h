/*
 * report/lab.h: a lab's class files, shared by the report's files (not for
 * other modules). lab.c reads the students' results in two passes; for each
 * student of the second pass, class.c writes a row of the class page, csv.c
 * a line of grades.csv and junit.c a testsuite of junit.xml.
 */
#ifndef SG_REPORT_LAB_H
#define SG_REPORT_LAB_H

#include <stddef.h>

#include "json.h"
#include "results.h"
#include "util.h"

struct entry {
	char *name;		/* folder name */
	struct json *root;	/* parsed results.json, or NULL */
	char *problem;		/* why root is NULL */
	int missing;		/* 1: there is no results.json: not graded (yet) */
};

/* One column of the class table: a probe, by name, as the first result that lists it says. */
struct column {
	char *name;		/* NUL-terminated; columns match by strcmp */
	size_t name_len;	/* the JSON string's length (it may hold NULs) */
	long long number;	/* probe_number() of that result, at this column's index */
	double points;		/* its points */
	int hidden;		/* 1 if it is hidden */
	size_t graded;		/* students graded on it */
	size_t passed;		/* of those, how many passed */
};

/* One student's counts in junit.xml. */
struct junit_counts {
	size_t tests;		/* testcases */
	size_t failures;	/* failed probes */
	size_t errors;		/* probes the grader could not judge */
	double time;		/* seconds */
};

struct lab {
	char **names;		/* the class: roster and student folders, sorted */
	size_t n;
	struct entry ref;	/* .reference; name NULL when it has no results.json */
	struct column *cols;	/* the reference's probes in its order, then others as met */
	size_t ncols, cap;
	char *title;		/* from the reference, else the first student's; NULL if none */
	double max;		/* the reference's maximum score, else the first student's; -1 */
	int max_set;		/* 1 once max came from a results file */
	size_t ngraded;		/* students graded */
	size_t nharness;	/* students the grader failed on */
	size_t nmissing;	/* students without results: not graded (yet) */
	size_t nnone;		/* students whose results cannot be read */
	double sum;		/* sum of the graded students' scores, in name order */
	char *warned;		/* the first student whose results hold a sandbox warning */
	char *warning;		/* that warning (warning_len bytes, NULs allowed) */
	size_t warning_len;
	struct junit_counts judged;	/* junit.xml's totals over the graded students */
};

/* ---- lab.c ---- */

/* The first pass over lab_dir's results: 0, or -1 with err; lab_release(lab) after either. */
int lab_scan(struct lab *lab, const char *lab_dir, char *err);
void lab_release(struct lab *lab);
/* 1 when e has results and the grader did not fail on it. */
int graded(const struct entry *e);
/* The mean of the graded students' scores as shown: two decimals at most. */
double lab_mean(const struct lab *lab);
/* The last component of path, trailing slashes ignored. */
const char *base_name(const char *path);
/* The sub-folders of dir (not following links, no dot names), sorted; 0, or -1 with err. */
int list_dirs(const char *dir, char ***names, size_t *n, char *err);

/* ---- class.c: the class page ---- */

void class_head(struct strbuf *sb, const struct lab *lab, const char *lab_dir);
void add_student_row(struct strbuf *sb, const struct entry *e, const struct column *cols,
		     size_t ncols);
/* count: the histogram's bins (hist_add). */
void class_tail(struct strbuf *sb, const struct lab *lab, const size_t *count);

/* ---- charts.c ---- */

void add_pass_chart(struct strbuf *sb, const struct column *cols, size_t n);
/* How many bins the histogram of scores from 0 to max has. */
int hist_bins(double max);
/* Counts score in its bin of count (hist_bins(max) of them). */
void hist_add(size_t *count, double max, double score);
void add_histogram(struct strbuf *sb, const size_t *count, double max);

/* ---- csv.c: grades.csv ---- */

/* One CSV field, quoted when it must be; a text field that a spreadsheet would run is neutralised. */
void csv_field(struct strbuf *sb, const char *s, size_t len, int text);

void csv_head(struct strbuf *sb, const struct lab *lab);
void csv_row(struct strbuf *sb, const struct lab *lab, const struct entry *e);

/* ---- junit.c: junit.xml ---- */

void junit_head(struct strbuf *sb, const struct lab *lab, const char *lab_name);
void add_student_suite(struct strbuf *sb, const struct entry *e, const char *lab_name,
		       const struct column *cols, size_t ncols);

#endif
