/* sandbox: the one module that starts, confines and stops student code (harness/sandbox/: its theory of operation is atop sandbox/sandbox.c). */
#ifndef SG_SANDBOX_H
#define SG_SANDBOX_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util.h"

/* How a run ended. The short codes follow isolate's: OK, RE, SG, TO, ML, OL, XX. */
enum verdict_status {
	V_RUNNING,	/* not ended yet */
	V_OK,		/* exited with status 0 */
	V_EXIT,		/* RE: exited with a non-zero status */
	V_SIGNAL,	/* SG: killed by a signal it did not get from the harness */
	V_TIME,		/* TO: wall or CPU time limit */
	V_MEMORY,	/* ML: memory limit */
	V_OUTPUT,	/* OL: still writing past the output limit when the harness stopped it */
	V_STOPPED,	/* still running when the harness stopped it (the normal end of a server) */
	V_ERROR,	/* XX: the harness could not run it */
};

/* What held a program's memory limit: a memory cgroup (ML when it is hit), or RLIMIT_AS (its allocations fail). */
enum memory_hold { MEM_UNLIMITED, MEM_CGROUP, MEM_ADDRESS_SPACE };

struct verdict {
	enum verdict_status status;
	int exit_code;		/* V_OK, V_EXIT */
	int signal;		/* V_SIGNAL; also the signal that ended a V_STOPPED or V_TIME run */
	int64_t wall_ms;	/* from start to end */
	int64_t cpu_ms;		/* user + system */
	long max_rss_kb;
	size_t output_cut;	/* bytes of stdout and stderr not kept (output limit) */
	enum memory_hold memory_by;	/* what held its memory limit */
	char memory_note[128];	/* root mode: why the memory cgroup was not applied, or "" */
	char detail[160];	/* e.g. why it could not run */
};

/* "cgroup", "address space" or NULL (no limit): what held a program's memory. */
const char *memory_hold_name(enum memory_hold m);

const char *verdict_code(enum verdict_status s);
/* "exited with status 1", "killed by SIGSEGV", ... into sb. */
void verdict_describe(const struct verdict *v, struct strbuf *sb);

struct sandbox_limits {
	int64_t cpu_ms;		/* CPU time; 0: none */
	long memory_mb;		/* address space */
	int nofile;		/* open files */
	long fsize_mb;		/* largest file it may write */
	size_t output_cap;	/* bytes of stdout and of stderr kept (head and tail) */
};

void sandbox_default_limits(struct sandbox_limits *lim);

/* Captured output: the first half and last half of what a program wrote, and the count. */
struct capture {
	struct strbuf head;
	char *tail;		/* ring of the newest bytes once head is full */
	size_t tail_cap, tail_len, tail_pos;
	size_t cap;		/* head + tail together */
	size_t total;		/* bytes the program wrote */
};

/* What was kept, in order, with a "[... N bytes cut ...]" marker where bytes were dropped. */
void capture_text(const struct capture *c, struct strbuf *out);
/* The last n bytes kept. */
void capture_tail(const struct capture *c, size_t n, struct strbuf *out);

struct sandbox;
struct sbproc;

struct spawn {
	const char *const *argv;	/* argv[0] is looked up in PATH when it has no '/' */
	const char *cwd;		/* folder of the scratch copy it runs in */
	const char *folder;		/* a probe's own copy of that folder: a box mounts it
					 * where it mounts cwd (SANDBOX_BOX_DIR), the none and
					 * container modes run in it; NULL: cwd itself */
	int stdin_pipe;			/* 1: a pipe the harness writes to; 0: /dev/null */
	int merge_output;		/* 1: stderr goes to the stdout pipe */
	int stdout_pty;			/* 1: stdout is a pseudo-terminal (raw: no \r added) */
	int keep_box;			/* 1: when the program ends, its descendants (a forked child
					 * still serving a client) run on, as from a shell, until
					 * sbproc_stop; 0: a box ends with its program */
	const struct sandbox_limits *lim;
};

/*
 * Chooses the isolation of this run, once, before any worker forks: the
 * strongest of root, rootless and none whose self-test (a whole box set up
 * and a program run in it) works, or the one forced (SANDBOX=). 0, or -1 with
 * err when a forced mode does not work here.
 */
int sandbox_select(const char *forced, char *err);
/* The mode chosen, and what it would take to get a stronger one (NULL in root mode). */
const char *sandbox_selected_mode(void);

/* Opens a sandbox for one submission; 0 or -1 with err. */
int sandbox_open(struct sandbox **out, char *err);
/* Probes of one sandbox that may run at once, each split off (sandbox_split). */
#define SANDBOX_MAX_SPLITS 4

/*
 * In a process forked (by the worker or its runner) to run one probe beside
 * others: makes sb this process's own, with a network namespace of its own,
 * so that probes run at once never share a port or a loopback, and a pids
 * cgroup of its own, so that a fork bomb stops only its own probe. The
 * scratch copy, the user id and the memory limit stay the submission's. 1 when done; 0 in a
 * mode that cannot separate probes (none), where probes must run one at a
 * time; -1 with err.
 */
int sandbox_split(struct sandbox *sb, char *err);
/* 1 when sandbox_split can give a probe a network of its own in this mode. */
int sandbox_can_split(const struct sandbox *sb);
/*
 * 1 when a box shows a spawn's folder at its cwd (the programs write where
 * they think the scratch folder is: into the folder); 0 when they run in the
 * folder itself and absolute paths still reach the scratch folder (the none
 * and container modes).
 */
int sandbox_mounts_folder(const struct sandbox *sb);
/*
 * Where a box's programs see the folder of a spawn (its cwd): a box mounts it
 * at SANDBOX_BOX_DIR, so that no path of the host's (the run's work folder,
 * the worker's pid) shows in the box, in its cwd or /proc/self/mountinfo;
 * an argument that names a path below cwd is given as the same path below
 * SANDBOX_BOX_DIR. What the programs write about their files (the compiler's
 * messages, gcov's source paths) names SANDBOX_BOX_DIR. Modes without a mount
 * namespace run in cwd itself: then cwd.
 */
#define SANDBOX_BOX_DIR "/submission"
const char *sandbox_inner_dir(const struct sandbox *sb, const char *cwd);
/* Stops everything still running in it and frees it. */
void sandbox_close(struct sandbox *sb);
/* "none", "rootless" or "root". */
const char *sandbox_mode(const struct sandbox *sb);
/* One line on what this mode does not provide, or NULL. */
const char *sandbox_mode_warning(const struct sandbox *sb);

/* Makes the folder a scratch copy goes in: in a box mode, a size-limited file system of its own. */
int sandbox_make_scratch(struct sandbox *sb, const char *path, char *err);

/* Makes a folder (the scratch copy) writable by the programs of the sandbox. */
int sandbox_prepare_dir(struct sandbox *sb, const char *path, char *err);

/* Starts a program; 0 and *out, or -1 with err (nothing is left running). */
int sandbox_spawn(struct sandbox *sb, const struct spawn *sp, struct sbproc **out, char *err);

/*
 * Fills up to max pollfds with what the harness must watch for p (its output
 * pipes and its pidfd); returns how many. sbproc_events() then handles what
 * poll() reported: drains output, reaps the process when it ends.
 */
int sbproc_pollfds(struct sbproc *p, struct pollfd *fds, int max);
void sbproc_events(struct sbproc *p, const struct pollfd *fds, int n);

/* Waits for p to end, at most until deadline (monotonic ms); 1 ended, 0 not yet. */
int sbproc_wait(struct sbproc *p, int64_t deadline);
/*
 * Stops p and everything it started: SIGTERM, a short grace, SIGKILL. Its
 * verdict is final on return; a box's init, already dying, is reaped at the
 * next spawn or at sandbox_close (which waits for every one).
 */
void sbproc_stop(struct sbproc *p);
/* Marks a run that the harness ends at its deadline as a time limit, then stops it. */
void sbproc_timeout(struct sbproc *p);
void sbproc_signal(struct sbproc *p, int sig);
int sbproc_ended(const struct sbproc *p);
pid_t sbproc_pid(const struct sbproc *p);
int sbproc_stdin(const struct sbproc *p);	/* -1 unless stdin_pipe */
void sbproc_close_stdin(struct sbproc *p);
const struct verdict *sbproc_verdict(const struct sbproc *p);
const struct capture *sbproc_stdout(const struct sbproc *p);
const struct capture *sbproc_stderr(const struct sbproc *p);
void sbproc_free(struct sbproc *p);

/*
 * Runs a command to completion (a build): output (stdout and stderr merged)
 * goes to out, capped. Returns 0 when it ran (see *v for how it ended), -1 with
 * err when it could not be started.
 */
int sandbox_run(struct sandbox *sb, const struct spawn *sp, int64_t timeout_ms,
		struct strbuf *out, struct verdict *v, char *err);

/* Kills and reaps whatever escaped its process group (daemons); in a box, waits until every
 * ended box is gone. The end of each probe calls it. */
void sandbox_sweep(struct sandbox *sb);

#endif
