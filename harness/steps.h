/*
 * steps: the vocabulary of probes: every kind of step, and what its value
 * and its options may be. The loader (spec/) checks specs against it and
 * the interpreter (probe/) runs steps by it; it depends on neither.
 */
#ifndef SG_STEPS_H
#define SG_STEPS_H

#include <stddef.h>

/* What the value of a step's key, or of one of its options, may be. */
enum opt_type {
	OPT_NONE,	/* nothing: the key stands alone */
	OPT_TEXT,	/* bytes; {name} is replaced at run time, {{ and }} are braces */
	OPT_NAME,	/* an identifier: connection, listener, variable or program */
	OPT_DURATION,	/* "2s", "300ms" */
	OPT_INT,	/* a whole number */
	OPT_BOOL,	/* true or false */
	OPT_LIST,	/* a sequence of texts (argv) */
	OPT_ENUM,	/* one of the words in choices */
	OPT_EXIT,	/* an exit expectation: a number or "nonzero" */
	OPT_PROGRAM,	/* the name of one of the spec's programs */
	OPT_SIZE,	/* a byte count: 2000, 4KiB, 1MiB */
	OPT_FILE,	/* a plain file name in the program's folder: no '/', not '.' or '..' */
};

struct opt_def {
	const char *key;
	enum opt_type type;
	const char *choices;	/* OPT_ENUM: words separated by '|' */
};

/* Every kind of step, in the order of the table; the interpreter runs a step by its kind. */
enum step_kind {
	STEP_START,
	STEP_CONNECT,
	STEP_SEND,
	STEP_EXPECT,
	STEP_EXPECT_EOF,
	STEP_CLOSE,
	STEP_ABORT,
	STEP_LISTEN,
	STEP_ACCEPT,
	STEP_UNUSED_PORT,
	STEP_RANDOM,
	STEP_PAUSE,
	STEP_EXPECT_EXIT,
	STEP_EXPECT_STDOUT,
	STEP_EXPECT_STDERR,
	STEP_UDP_SEND,
	STEP_UDP_EXPECT,
	STEP_UDP_EXPECT_NONE,
	STEP_UDP_REPLY,
	STEP_SEND_PAYLOAD,
	STEP_EXPECT_ECHO,
	STEP_FLOOD,
	STEP_SHUTDOWN,
	STEP_EXPECT_SILENCE,
	STEP_EXPECT_RESET,
	STEP_SIGNAL,
	STEP_ALIVE,
	STEP_STDIN,
	STEP_EXPECT_NO_ZOMBIES,
	STEP_EXPECT_NO_FD_LEAK,
	STEP_HOLD,
	STEP_RELEASE,
	STEP_EXPECT_CHILDREN_EXIT,
	STEP_WRITE_FILE,
	STEP_EXPECT_FILE,
};

/* One kind of step: its name, and what it takes. */
struct step_def {
	const char *name;
	enum opt_type value;		/* the type of the kind key's own value */
	int value_required;		/* 1: the kind key needs a value */
	const struct opt_def *opts;	/* options it accepts, ending with a NULL key */
	enum step_kind kind;		/* which function of the interpreter runs it */
	const char *value_choices;	/* OPT_ENUM values: words separated by '|' */
	int fields;			/* 1: its value may be binary fields (fields.h) instead of a text */
};

/* Finds a step kind by name; NULL if none. */
const struct step_def *step_def_find(const char *name);
/* The whole table, for suggestions and documentation. */
const struct step_def *step_defs(size_t *n);

#endif
