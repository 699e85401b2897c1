/* probe: the interpreter that runs a probe's steps against a submission (harness/probe/). */
#ifndef SG_PROBE_H
#define SG_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include "sandbox.h"
#include "spec.h"

/* One line of a probe's transcript: data, in time order. */
enum event_kind {
	EV_SEND, EV_RECV,		/* bytes the harness sent / received */
	EV_CONNECT, EV_ACCEPT, EV_REFUSED,
	EV_FIN,				/* the peer closed its side: read() returned 0 */
	EV_RST,				/* the peer reset the connection */
	EV_CLOSE, EV_ABORT, EV_SHUTDOWN, /* what the harness did */
	EV_START, EV_READY, EV_EXIT,	/* processes */
	EV_STDIN,			/* bytes written to a program's stdin */
	EV_TIMEOUT, EV_NOTE,
};

const char *event_name(enum event_kind k);

struct event {
	int64_t t_ms;		/* since the probe started */
	enum event_kind kind;
	char *who;		/* connection, socket or program name */
	char *data;		/* bytes (the first EVENT_KEEP of them), or a note */
	size_t kept;		/* bytes in data */
	size_t len;		/* bytes the event carried */
};

#define EVENT_KEEP 2048

/* What a program that the probe started did. */
struct proc_report {
	char *program;
	char *argv;		/* as a shell would show it */
	struct verdict v;
	char *out;		/* captured stdout (head and tail) */
	size_t out_len;
	char *err;		/* captured stderr tail */
	size_t err_len;
};

struct probe_var {
	char *name;
	char *value;
	size_t len;
};

struct probe_result {
	const struct probe *probe;
	int passed;
	int score;
	int runs, failed_runs;
	int failed_step;	/* index of the step that failed, or -1 */
	char *why;		/* one line, or NULL when passed */
	char *note;		/* accepted variants, said but not penalised ("sent a trailing NUL
				 * (tolerated)"), or NULL */
	int has_expected;
	char *expected;		/* bytes */
	size_t expected_len;
	int has_observed;
	char *observed;
	size_t observed_len;
	long diff_at;		/* first differing byte, or -1 */
	size_t shown_from;	/* expected and observed are kept from this byte on (at most 4 KiB) */
	size_t expected_total, observed_total; /* their lengths before that */
	struct event *events;
	size_t nevents;
	struct proc_report *procs;
	size_t nprocs;
	struct probe_var *vars;	/* random values chosen, for replay */
	size_t nvars;
	int64_t wall_ms;
	int64_t overhead_us;	/* wall time not spent waiting on the program or a spec's pause */
};

void probe_result_release(struct probe_result *res);

/* Bytes the reference produced where a step's expectation is "from: reference". */
struct ref_obs {
	char *probe;
	int step;
	int run;		/* the repetition it belongs to (repeat:) */
	char *data;
	size_t len;
};

struct ref_data {
	struct ref_obs *v;
	size_t n;
};

const struct ref_obs *ref_find(const struct ref_data *ref, const char *probe, int step, int run);
void ref_add(struct ref_data *ref, const char *probe, int step, int run, const char *data,
	     size_t len);
void ref_release(struct ref_data *ref);

/* What the grade stage gives the interpreter for one submission. */
struct probe_env {
	const struct spec *spec;
	struct sandbox *sb;
	const char *workdir;		/* the scratch copy programs run in */
	const char *folder;		/* this probe's own copy of it, which its programs see at
					 * workdir and write_file writes into; NULL: workdir itself */
	char **bins;			/* per spec program: path of the binary, or NULL */
	char **build_why;		/* per spec program: why there is no binary */
	uint64_t seed;
	int is_reference;		/* 1: record "from: reference" observations into ref */
	struct ref_data *ref;
	const char *slots;		/* the run's folder of probe slot locks (grade/runner.c), or NULL */
	int once;			/* 1: one run of each probe, whatever its repeat: (the coverage
					 * pass, whose results are thrown away) */
};

/* Runs one probe (all its repetitions, unless env->once); fills res. Never fails: a harness
 * problem during a probe is reported in res->why as "harness error: ...". */
void probe_execute(const struct probe_env *env, const struct probe *probe,
		   struct probe_result *res);

#endif
