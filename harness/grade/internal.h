/*
 * grade/internal.h: what the driver's files share (not for other modules):
 * the state of one lab's run, and the stages each file runs for the others.
 */
#ifndef SG_GRADE_INTERNAL_H
#define SG_GRADE_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "grade.h"
#include "import.h"
#include "probe.h"

/* What every worker of one lab shares (inherited across fork). */
struct lab {
	const struct spec *spec;
	const char *lab_dir;		/* <REPORTS>/<lab> */
	char *workroot;			/* scratch copies live below it */
	uint64_t seed;
	struct ref_data ref;		/* the reference's recorded answers */
	int selfcheck;			/* visible probes only */
	int coverage;			/* run the coverage build too */
	int force;			/* regrade unchanged submissions */
	uint64_t harness_print;		/* the spec and the harness's own binary */
	uint64_t base_print;		/* spec, harness and options: part of every fingerprint */
	int lock_fd;			/* the lab's lock while this process holds it, else -1 */
	int build_slots;		/* builds at once (JOBS); probes may overlap beyond it */
	pid_t parent;			/* the grader's main process, which workers die with */
	struct import_manifest manifest;	/* <submissions>/import.tsv; empty without one */
};

/* ---- runner.c: a worker's probes ---- */

/* Runs probes[0..n) of one submission into res[0..n), in processes of their own when it can. */
void run_probes(const struct probe_env *env, const struct probe **probes, size_t n,
		struct probe_result *res, int coverage);

/* ---- worker.c: a worker per submission ---- */

/* One of n lock files dir/<prefix>-K held (flock); its descriptor, or -1. */
int slot_acquire(const char *dir, const char *prefix, int n);
/* A worker's whole life: grades src into out_dir; exits 0 when graded, 3 when the harness failed. */
void worker_main(struct lab *L, const char *src, const char *student, const char *out_dir,
		 int record, const char *print);
/* After a worker that crashed: a results.json that says the grader failed, not the student. */
void write_harness_error(struct lab *L, const char *student, const char *out_dir,
			 int status);
/* One line about one graded submission, from its results.json; 1 when it was graded. */
int print_summary(const char *student, const char *out_dir);
/* Runs a worker per student, at most jobs at a time; returns how many failed the harness. */
int run_workers(struct lab *L, const char *subs, char **students, size_t n, int jobs);

/* ---- fingerprint.c: what decides a submission's results ---- */

/* The spec and the harness's own binary: part of every fingerprint. */
uint64_t harness_fingerprint(const char *spec_path);
/* h with the options that decide results: coverage, the sandbox mode, TIME_SCALE, SEED. */
uint64_t base_fingerprint(uint64_t h, const struct grade_opts *o);
/* h with the reference's tree and the compiler. */
uint64_t reference_fingerprint(uint64_t h, const char *ref_dir, const char *compiler);
/* 1 when out_dir holds results graded from exactly this submission; print gets its fingerprint. */
int unchanged(const struct lab *L, const char *src, const char *student,
	      const char *out_dir, char *print, size_t len);
/* What a record of the reference depends on, its seed aside. */
uint64_t record_fingerprint(const struct lab *L, const char *ref_dir);

/* ---- lab.c: one lab's run ---- */

/* The folder that holds the reference of lab, when not given; to be freed. */
char *default_reference(const char *spec_path, const char *lab, const char *root);
/* Grades the reference in a worker; 0 when it passed every probe, else prints why not. */
int grade_reference(struct lab *L, const char *ref_dir);
/* The shard of n that grades student. */
int shard_of(const char *student, int n);
/* Loads the spec and sets L up for it (its report folder below sub, if given); 0, or -1 (stderr says why). */
int lab_open(struct lab *L, const char *spec_path, const struct grade_opts *o,
	     struct spec **spec, char **lab_dir, const char *sub);
/* Releases what lab_open() took: its work folder, the lab's lock, the reference's answers. */
void lab_close(struct lab *L);

#endif
