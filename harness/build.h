/* build: a scratch copy of a submission, compiled inside the sandbox. */
#ifndef SG_BUILD_H
#define SG_BUILD_H

#include <stddef.h>

#include "sandbox.h"
#include "sources.h"
#include "spec.h"

struct build_prog {
	char *name;
	int ok;
	char *binary;		/* absolute path in the scratch copy, when ok */
	char *why;		/* one line: why there is no binary */
	char *command;		/* what was run, paths relative to the submission */
	char *log;		/* compiler or make output, paths relative to the submission */
	int used_makefile;
	struct source_set src;	/* the files compiled into it and those left out (no Makefile) */
	struct verdict v;
};

struct build_result {
	struct build_prog *progs;	/* one per spec program, in spec order */
	size_t nprogs;
	char *files;		/* the files the submission holds, ", "-separated */
	char *notes;		/* what the copy left out (links, special files), or NULL */
	char *compiler;		/* first line of "cc --version" */
	int64_t wall_ms;
};

/*
 * Copies src (never following symbolic links) to scratch and builds every
 * program of spec there, through sb. A program that does not build is not an
 * error: its build_prog says why. Returns -1 with err only when the harness
 * itself fails (scratch cannot be written, ...).
 */
int build_submission(struct sandbox *sb, const struct spec *spec, const char *src,
		     const char *scratch, struct build_result *out, char *err);
/*
 * The same with --coverage and a small object that writes gcov data when a
 * program is stopped by a signal; for the coverage report only, never scores.
 */
int build_coverage(struct sandbox *sb, const struct spec *spec, const char *src,
		   const char *scratch, struct build_result *out, char *err);
void build_result_release(struct build_result *b);

/* The compiler's version line, when already known (from the reference's build): saves a run. */
void build_known_compiler(const char *version);

/* Copies a folder tree without following links; what was skipped goes to notes. */
int copy_tree(const char *src, const char *dst, struct strbuf *notes, char *err);

#endif
