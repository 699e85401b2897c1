/* coverage: lcov/genhtml over a coverage build's gcov data, run inside the sandbox. */
#ifndef SG_COVERAGE_H
#define SG_COVERAGE_H

#include "sandbox.h"

struct coverage_info {
	int done;		/* 1: percentages and a page; 0: see why */
	double lines;		/* percent of lines executed */
	double branches;	/* percent of branches taken, or -1 when there are none */
	char why[256];		/* when not done: "no coverage: ..." */
};

/*
 * Turns the gcov data that the probes left in scratch into an HTML report
 * copied to dest (replacing it). lcov and genhtml run in the sandbox, on the
 * student's files, so the student's data never meets the harness's files
 * outside it. Fills ci; returns -1 with err only when the harness fails.
 */
int coverage_collect(struct sandbox *sb, const char *scratch, const char *dest, int used_makefile,
		     struct coverage_info *ci, char *err);

#endif
