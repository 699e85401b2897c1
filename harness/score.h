/* score: probe results of one submission, written as results.json (specs/RESULTS.md). */
#ifndef SG_SCORE_H
#define SG_SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "build.h"
#include "coverage.h"
#include "import.h"
#include "probe.h"
#include "spec.h"

/* Everything results.json says about one submission. */
struct score_input {
	const struct spec *spec;
	const char *student;
	uint64_t seed;
	const char *sandbox_mode;
	const char *sandbox_warning;	/* NULL when isolated */
	int selfcheck;
	const struct build_result *build;	/* NULL when the harness failed before building */
	const struct probe_result *results;	/* one per probe that ran */
	size_t nresults;
	const char *harness_error;	/* NULL unless the grader failed on this submission */
	const struct coverage_info *coverage;	/* NULL when coverage was not asked for */
	double execution_time;
	int64_t build_wait_ms;		/* of execution_time, the time spent waiting for a build slot */
	long harness_rss_kb;		/* peak memory of the grading worker itself */
	const struct import_row *import;	/* its line of the import manifest, or NULL */
};

/* Writes results.json atomically at path; 0 or -1 with err. */
int score_write(const char *path, const struct score_input *in, char *err);

/* The reference's recorded answers (for "from: reference"), as JSON with hex bytes. */
int score_write_reference(const char *path, const struct spec *spec, uint64_t seed,
			  const struct ref_data *ref, char *err);
/* Reads them back; *seed gets the seed they were recorded with. */
int score_read_reference(const char *path, struct ref_data *ref, uint64_t *seed, char *err);

#endif
