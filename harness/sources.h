/* sources: which files of a submission make a program, read as C text (never compiled). */
#ifndef SG_SOURCES_H
#define SG_SOURCES_H

#include <stddef.h>

#include "spec.h"

/* What a text scan of one C file finds. */
struct source_scan {
	int main_line;		/* 1-based line of the first definition of main, 0 when none */
	char **includes;	/* the "name.c" of each #include "name.c" outside #if 0 */
	size_t nincludes;
};

/*
 * Scans len bytes of C source without preprocessing it: comments, string and
 * character literals, line splices and directives are skipped, #if 0 groups
 * left out, and a definition of main is "main" at file scope followed by a
 * parameter list and a body ("int main (void) {", "int\nmain(", K&R
 * parameters) rather than a ';'. Conditions other than 0 and 1 count as true
 * for both branches: the scan cannot know the macros. Never fails.
 */
void sources_scan(const char *text, size_t len, struct source_scan *out);
void source_scan_release(struct source_scan *s);

/* A .c file of the submission that is not compiled into a program, and why. */
struct source_skip {
	char *file;
	char *why;		/* "defines main (line 12)", "included by a.c", ... */
};

/* The files of one program when the submission has no Makefile. */
struct source_set {
	char **files;		/* compiled into the program, in command order: named ones first */
	size_t nfiles;
	size_t nnamed;		/* files[0..nnamed) are the spec's sources; the rest are helpers */
	struct source_skip *skipped;	/* every other .c file at the submission's top */
	size_t nskipped;
	char *missing;		/* a named source or listed helper the submission lacks, or NULL */
};

/*
 * The files of prog in the folder dir: its sources, then the helpers the
 * spec lists (helpers: [a.c]), or none (helpers: none), or by default every
 * other .c file at the top of dir that defines no main and that no file of
 * the program #includes, in name order. Names starting with '.' or '-' are
 * never helpers. Fills out (release it with source_set_release); never fails.
 */
void sources_choose(const char *dir, const struct program *prog, struct source_set *out);
void source_set_release(struct source_set *s);

#endif
