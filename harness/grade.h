/* grade: a lab's reference first, then every submission, each in a worker process of its own. */
#ifndef SG_GRADE_H
#define SG_GRADE_H

#include <stdint.h>

/* Exit statuses of the harness. */
#define EXIT_GRADED 0		/* everything graded (students may have failed probes) */
#define EXIT_FAILED 1		/* selfcheck: some probe failed */
#define EXIT_ERROR 2		/* a spec, the reference or the harness failed */

struct grade_opts {
	const char *reports;		/* REPORTS */
	const char *submissions;	/* a folder of submissions (one spec), or NULL */
	const char *submissions_root;	/* <root>/<lab>/ per spec, when submissions is NULL */
	const char *reference_root;	/* <root>/<lab>/ holds the reference; NULL: beside specs/ */
	const char *only;		/* grade only this student */
	int jobs;
	uint64_t seed;
	int seed_given;
	int verbose;
	int color;
	int coverage;			/* 1: a coverage build runs the visible probes again */
	int force;			/* 1: regrade submissions that have not changed */
	int shard_k, shard_n;		/* --shard K/N: grade only shard K of N (shard_n 0: all) */
	int recorded;			/* --recorded: the reference's record in <reports>/<lab>/.reference,
					   whatever made it; the reference is not needed */
	const char *canvas_assignment;	/* canvas.csv's column, 'Name (id)'; NULL: the lab's title */
};

/* Grades the submissions of one lab; returns an exit status above. */
int grade_lab(const char *spec_path, const struct grade_opts *o);

/*
 * The class files of one lab (class page, grades.csv, junit.xml, the index
 * of labs) from <reports>/<lab>/'s results files and roster alone, student
 * pages where they are missing or older than their results, and a line per
 * student on stdout; a student of the roster without results is "not
 * graded". With missing_of > 0 it renders nothing and prints instead, one a
 * line, the shards K of missing_of that own a student without results (or
 * whose results say the grader failed). Exit status above.
 */
int grade_report(const char *spec_path, const struct grade_opts *o, int missing_of);

/* Runs the visible probes on one submission, prints a line per probe; exit status above. */
int grade_selfcheck(const char *spec_path, const char *submission, const struct grade_opts *o);

/*
 * The secret-free part of a student kit, into stage: specs/<lab>.yaml without
 * hidden probes, and specs/<lab>.reference.json, the reference's answers to
 * visible "from: reference" steps (recorded with one seed, which selfcheck in
 * the kit then uses). Exit status above.
 */
int grade_kit(const char *spec_path, const char *stage, const struct grade_opts *o);

#endif
