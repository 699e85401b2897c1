/* spec: a lab's YAML spec, loaded with libyaml and validated into struct spec. */
#ifndef SG_SPEC_H
#define SG_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "steps.h"

struct strbuf;
struct fields;

/* A value given in the spec, with where it was written. */
struct step_arg {
	const char *key;	/* the option's name (points into the step_def) */
	enum opt_type type;
	char *text;		/* every scalar type: the scalar as written (NUL-terminated) */
	size_t len;		/* its length; texts may hold NUL bytes */
	char **list;		/* OPT_LIST: the items */
	size_t nlist;
	int64_t num;		/* OPT_DURATION (ms), OPT_INT, OPT_BOOL; OPT_EXIT: status, -1 nonzero, -2 any; OPT_SIZE: bytes */
	int present;		/* 0 for a value the spec did not give */
	struct fields *fields;	/* send, expect: binary fields instead of a text (text is ""), or NULL */
	int single_quoted;	/* 1: written in single quotes (no escapes: '\x41' is 4 characters) */
	int line, col;		/* 1-based position in the spec */
};

struct step {
	const struct step_def *def;
	struct step_arg value;	/* the value of the kind key */
	struct step_arg *opts;
	size_t nopts;
	int line, col;
};

/* The option key of step, or NULL when the spec did not give it. */
const struct step_arg *step_opt(const struct step *step, const char *key);

/* Limits of a started program; -1: not given here (the default, or the spec's, applies). */
struct spec_limits {
	int64_t cpu_ms;		/* cpu: CPU time */
	int64_t memory_mb;	/* memory: MiB */
	int64_t nofile;		/* files: open descriptors */
	int64_t fsize_mb;	/* file_size: MiB, the largest file it may write */
	int64_t output_kb;	/* output: KiB of stdout and of stderr kept */
};

/* Which other .c files of a submission without a Makefile a program is compiled with. */
enum helpers_rule {
	HELPERS_AUTO,		/* every other .c file that defines no main (the default) */
	HELPERS_NONE,		/* helpers: none: its sources alone */
	HELPERS_LIST,		/* helpers: [a.c, b.c]: these */
};

struct program {
	char *name;		/* the binary's name, and the make target */
	char **sources;		/* source files compiled when there is no Makefile */
	size_t nsources;
	enum helpers_rule helpers_rule;	/* which other .c files join the sources */
	char **helpers;		/* HELPERS_LIST: the files */
	size_t nhelpers;
	char **argv;		/* argv[1..] template, {port} and {host} substituted */
	size_t argc;
	char *ready;		/* "tcp", "udp" or "none": when a started program is ready */
	int stdout_pty;		/* 1: stdout is a pseudo-terminal (stdio line-buffers), else a pipe */
	char *cflags;		/* overrides the spec's cflags when set */
	struct spec_limits limits; /* overrides the spec's limits where set */
};

struct probe {
	char *name;
	int number;		/* 1-based position in the spec */
	int points;
	char *hint;		/* shown to students on failure; may be NULL */
	int hidden;		/* visibility: 1 hidden, 2 secret (hidden even once published) */
	int repeat;		/* runs; the probe fails if any run fails */
	struct step *steps;
	size_t nsteps;
	int line, col;
};

struct spec {
	char *path;		/* as given to spec_load, for messages */
	char *lab;
	char *title;
	int64_t within_ms;	/* default deadline of every wait */
	int64_t ready_within_ms; /* default readiness deadline */
	int64_t build_within_ms; /* time limit of one build command */
	char *cc;
	char *cflags;
	char *ldflags;
	struct spec_limits limits;	/* defaults.limits */
	struct program *programs;
	size_t nprograms;
	struct probe *probes;
	size_t nprobes;
	char *warnings;		/* lines "file:line:col: warning: ...", each ending in \n; NULL: none */
};

/*
 * Loads and validates the spec at path. Returns 0 and sets *out, or -1 with
 * err set to "path:line:col: what is wrong".
 */
int spec_load(const char *path, struct spec **out, char *err);
/* The same from memory; name is used in messages. */
int spec_load_string(const char *name, const char *text, size_t len, struct spec **out, char *err);
void spec_free(struct spec *spec);

/*
 * Writes the spec back as YAML that spec_load() reads to the same struct,
 * leaving out hidden probes when visible_only (the student kit). No comment
 * or text of the original survives but what the struct holds.
 */
void spec_write(const struct spec *spec, int visible_only, struct strbuf *out);

/* The keys one part of a spec may hold ("programs": a program's keys). */
struct spec_keyset {
	const char *where;		/* the part: "top level", "defaults", "limits", ... */
	const char *const *keys;	/* the keys the loader accepts there */
	size_t n;
};
/* Every such part, for suggestions and the format document's completeness test. */
const struct spec_keyset *spec_keysets(size_t *n);

const struct program *spec_program(const struct spec *spec, const char *name);
int spec_max_score(const struct spec *spec, int include_hidden);

#endif
