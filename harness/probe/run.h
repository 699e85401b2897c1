/*
 * probe/run.h: what the interpreter's files share (not for other modules):
 * the state of one run of a probe, and the helpers every step kind uses.
 */
#ifndef SG_PROBE_RUN_H
#define SG_PROBE_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "probe.h"
#include "util.h"

#define MAX_CONNS 32
#define MAX_PROCS 8
#define MAX_HELD 8
#define MAX_DGRAMS 256
#define QUIET_MS 200		/* silence that ends what the reference said */
#define SETTLE_MS 50		/* how long bytes after a match may lag behind and still count */
#define MAX_BUFFERED (64 << 20)	/* bytes peers may send that no step has taken yet: all of a probe's connections */

struct dgram {
	char *data;
	size_t len;
	int port;		/* the sender's port */
};

/* The most of a connection's received bytes kept for expect_file's received: (and of a file read). */
#define RECEIVED_MAX (64 << 20)

struct conn {
	char name[64];
	int fd;			/* -1 once closed */
	int udp;
	int listener;		/* a listening socket of the harness */
	int port;		/* listener: its port */
	int eof, rst;
	int fin_answered;	/* the peer's FIN was answered with the harness's own (answer_fin) */
	int err;		/* errno of a failed read other than a reset */
	int noread;		/* flooded, or still connecting: the harness does not read it */
	int served;		/* a UDP socket the harness serves on (listen): replies come from clients */
	struct strbuf in;	/* TCP: received and not yet consumed */
	struct strbuf sent;	/* TCP: sent since the last expect_echo; UDP: the last datagram */
	int keep_received;	/* TCP: an expect_file of the probe compares with what it received */
	struct strbuf received;	/* TCP, when keep_received: every byte received, consumed or not */
	struct sockaddr_storage from; /* UDP: the sender of the last datagram */
	socklen_t fromlen;
	struct dgram dg[MAX_DGRAMS]; /* UDP: datagrams received and not yet consumed */
	size_t ndg;
};

struct proc {
	char *program;
	char *argv;
	struct sbproc *p;
	int fds_at_ready;	/* open descriptors when it became ready, or -1 */
	int exit_noted;		/* its end is in the transcript */
	int server;		/* started to listen (ready: tcp or udp): it should not end by itself */
	int held;		/* stopped by a hold step (SIGSTOP), not yet released */
	int sent_signal;	/* the last signal a signal step sent it, or 0 */
};

struct probe_run {
	const struct probe_env *env;
	const struct probe *probe;
	int step;
	int run;		/* which repetition of the probe */
	uint64_t rng;
	int64_t t0;
	struct probe_var *vars;
	size_t nvars;
	struct conn conns[MAX_CONNS];
	size_t nconns;
	struct proc procs[MAX_PROCS];
	size_t nprocs;
	int held[MAX_HELD];	/* sockets that keep a port taken */
	size_t nheld;
	int watch_fd;		/* pump() also watches this fd, or -1 */
	short watch_events;	/* for these events */
	int watch_hit;		/* set when they came */
	size_t transcript_bytes;
	int64_t blocked_us;	/* time spent waiting on programs, peers and pauses */
	struct probe_result *res;
};

struct wait_conn {
	struct conn *c;
	size_t len;		/* buffer length when the wait began */
	size_t ndg;
};

/* ---- interp.c: the result, variables, options ---- */

/* Appends an event to the transcript (folded into the last past the caps). */
void ev(struct probe_run *r, enum event_kind k, const char *who, const void *data, size_t len);
/* An event whose data is a formatted note. */
void note(struct probe_run *r, enum event_kind k, const char *who, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Records why the probe failed at this step (the first reason wins); returns -1. */
int fail(struct probe_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a note on an accepted variant to the result ("sent a trailing NUL (tolerated)"), once. */
void add_note(struct probe_run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void set_expected(struct probe_run *r, const char *data, size_t len);
void set_observed(struct probe_run *r, const char *data, size_t len, long diff_at);

void var_set(struct probe_run *r, const char *name, const char *value, size_t len);
void var_set_int(struct probe_run *r, const char *name, int n);
/* Keeps a variable's value in the result (results.json), as random and expect's into do. */
void var_record(struct probe_run *r, const char *name, const char *value, size_t len);
/* The variable's value, or NULL when it is not set. */
const char *var_get(struct probe_run *r, const char *name);
/* Appends s with {name} replaced by the variable's value; 0, or -1 (fail) for an unknown one. */
int subst(struct probe_run *r, const char *s, size_t len, struct strbuf *out);

/* The step's deadline on the clock: its within, else the spec's, scaled. */
int64_t within(struct probe_run *r, const struct step *s);
/* That deadline's length in seconds, for messages. */
double within_s(struct probe_run *r, const struct step *s);
/* The text of the step's option key, or dflt when the spec did not give it. */
const char *opt_text(const struct step *s, const char *key, const char *dflt);
struct match_opts;
/* How the step compares (its match, tolerate and ignore_case options); dflt_mode when match is not given. */
void match_opts_of(const struct step *s, const char *dflt_mode, struct match_opts *how);
/* What the step expects: its value substituted, or the reference's answer; *record: 1 to record it. */
int expectation(struct probe_run *r, const struct step *s, struct strbuf *want, int *record);

/* ---- pump.c: the one clock ---- */

typedef int (*done_fn)(struct probe_run *r, void *arg);

/* Serves every connection and program until done() says so (1) or the deadline passes (0). */
int pump(struct probe_run *r, int64_t deadline, done_fn done, void *arg);
/*
 * Waits until cond() holds, serving everything meanwhile: for what no file
 * descriptor announces (a process's children, a socket's queue), looked at
 * again after 1 ms, then twice as long each time up to 16 ms. 1 when it held
 * before the deadline, 0 otherwise.
 */
int pump_until(struct probe_run *r, int64_t deadline, done_fn cond, void *arg);
/* Waits for events on fd, serving everything else meanwhile; 1 when they came. */
int wait_fd(struct probe_run *r, int fd, short events, int64_t deadline);
/* Puts a program's end in the transcript, once. */
void note_exit(struct probe_run *r, struct proc *pr);

/* ---- conn.c: the harness's sockets ---- */

struct conn *conn_find(struct probe_run *r, const char *name);
/* A new connection slot named name (an old one of that name is closed first); NULL when full. */
struct conn *conn_new(struct probe_run *r, const char *name, int fd);
/* The connection the step's option key names (dflt when not given), or NULL (fail). */
struct conn *conn_get(struct probe_run *r, const struct step *s, const char *key,
		      const char *dflt);
void conn_close_fd(struct conn *c);
void conn_release(struct conn *c);
/* A pump() predicate: something arrived on, or happened to, the connection of a struct wait_conn. */
int conn_changed(struct probe_run *r, void *arg);
/*
 * The harness as a real peer: once the student's side has closed (FIN), the
 * harness closes its own side as soon as no step from step `from` on sends on
 * the connection or ends it; a no-op otherwise. Called when the FIN arrives
 * and after every step.
 */
void answer_fin(struct probe_run *r, struct conn *c, int from);
/* Why reading a connection stopped, other than EOF or a reset. */
const char *read_error(const struct conn *c);
int make_socket(int family, int type);
int bind_loopback(int fd, int family, int port);
int local_port(int fd);
/* A port the kernel just handed out and nobody holds: for a server to listen on. */
int free_port(int type);
/* The address the step's host, port and family options name; 0, or -1 (fail). */
int resolve(struct probe_run *r, const struct step *s, struct sockaddr_storage *ss,
	    socklen_t *len, int *family);

/* ---- stream.c ---- */

/* Writes all of data to c, serving everything else while the socket is full. */
int send_all(struct probe_run *r, struct conn *c, const char *data, size_t len,
	     int64_t deadline);

/* ---- payload.c ---- */

/* n pseudo-random bytes from the probe's generator, each block of 256 holding all 256 values. */
void payload_fill(struct probe_run *r, char *buf, size_t n);

/* ---- process.c ---- */

/*
 * How a program ended, with the tail of its stderr; a signal it died of comes
 * with its cause in words ("killed by SIGPIPE (it wrote to a connection the
 * client had reset): ignore SIGPIPE or send with MSG_NOSIGNAL").
 */
void describe_end(struct probe_run *r, const struct sbproc *p, struct strbuf *sb);
/*
 * Once a probe has failed: says the cause first when the harness knows it. A
 * program of the probe that died of a signal (its wait status: SIGPIPE,
 * SIGSEGV, SIGABRT, ...) is named before what the failing step saw, whatever
 * the step; a program that is exiting at that moment is waited for, briefly.
 */
void explain_failure(struct probe_run *r);

/* ---- the step kinds: each returns 0, or -1 once fail() has said why ---- */

/* stream.c */
int step_connect(struct probe_run *r, const struct step *s);
int step_send(struct probe_run *r, const struct step *s);
int step_expect(struct probe_run *r, const struct step *s);
int step_expect_eof(struct probe_run *r, const struct step *s);
int step_close(struct probe_run *r, const struct step *s);
int step_abort(struct probe_run *r, const struct step *s);
int step_listen(struct probe_run *r, const struct step *s);
int step_accept(struct probe_run *r, const struct step *s);
int step_unused_port(struct probe_run *r, const struct step *s);
int step_shutdown(struct probe_run *r, const struct step *s);
int step_expect_silence(struct probe_run *r, const struct step *s);
int step_expect_reset(struct probe_run *r, const struct step *s);

/* payload.c */
int step_send_payload(struct probe_run *r, const struct step *s);
int step_expect_echo(struct probe_run *r, const struct step *s);
int step_flood(struct probe_run *r, const struct step *s);

/* udp.c */
int step_udp_send(struct probe_run *r, const struct step *s);
int step_udp_expect(struct probe_run *r, const struct step *s);
int step_udp_expect_none(struct probe_run *r, const struct step *s);
int step_udp_reply(struct probe_run *r, const struct step *s);

/* process.c */
int step_start(struct probe_run *r, const struct step *s);
int step_expect_exit(struct probe_run *r, const struct step *s);
int step_expect_stdout(struct probe_run *r, const struct step *s);
int step_expect_stderr(struct probe_run *r, const struct step *s);
int step_signal(struct probe_run *r, const struct step *s);
int step_alive(struct probe_run *r, const struct step *s);
int step_stdin(struct probe_run *r, const struct step *s);
int step_expect_no_zombies(struct probe_run *r, const struct step *s);
int step_expect_no_fd_leak(struct probe_run *r, const struct step *s);
int step_hold(struct probe_run *r, const struct step *s);
int step_release(struct probe_run *r, const struct step *s);
int step_expect_children_exit(struct probe_run *r, const struct step *s);

/* typed.c: binary fields and typed random values */
/* The bytes of the step's value: its text substituted, or its binary fields; 0 or -1 (fail). */
int value_bytes(struct probe_run *r, const struct step *s, struct strbuf *out);
/* expect with binary fields on c: compares them, reads into variables; 0 or -1 (fail). */
int expect_fields(struct probe_run *r, const struct step *s, struct conn *c);
/* random with min/max or choice. */
int random_typed(struct probe_run *r, const struct step *s);

/* inet.c */
struct endpoint;
/*
 * What start's address and dual_stack options demand of the server's sockets
 * eps[0..n) (ep: the one probed); 0, or -1 once fail() has said why.
 */
int check_listen_address(struct probe_run *r, const struct step *s, const char *program,
			 const struct endpoint *eps, int n, const struct endpoint *ep);
/* Sets {peer_host} and {peer_port} (and {<conn>.peer_host}, ...): the harness's end of c, the program's peer. */
void set_peer_vars(struct probe_run *r, const struct conn *c);

/* files.c */
int step_write_file(struct probe_run *r, const struct step *s);
int step_expect_file(struct probe_run *r, const struct step *s);

/* interp.c */
int step_random(struct probe_run *r, const struct step *s);
int step_pause(struct probe_run *r, const struct step *s);

#endif
