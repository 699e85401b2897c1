/* launch: knowing when a started server is ready, without connecting to it. */
#ifndef SG_LAUNCH_H
#define SG_LAUNCH_H

#include <stdint.h>
#include <sys/types.h>

struct sbproc;

/* A socket a program listens on (TCP) or is bound to (UDP). */
struct endpoint {
	int family;		/* AF_INET or AF_INET6 */
	char addr[64];		/* numeric address, e.g. "0.0.0.0", "::" */
	int port;
};

/* 1 when the endpoint accepts connections or datagrams sent to every address of its family. */
int endpoint_is_any(const struct endpoint *ep);

/*
 * Lists the sockets of pid and its descendants that are listening (proto
 * "tcp") or bound (proto "udp"), read from /proc/<pid>/net/... so that it
 * sees the process's own network namespace. Returns how many (at most max).
 */
int launch_scan(pid_t pid, const char *proto, struct endpoint *eps, int max);

/*
 * Waits until p has such a socket: the one interval poll of the harness
 * (backoff from 1 ms to 16 ms, while also watching p's pidfd and output).
 * Returns 1 ready (eps filled, *n set), 0 deadline passed, -1 the process
 * ended first. The time spent waiting is added to *blocked_us (which may be NULL).
 */
int launch_wait_ready(struct sbproc *p, const char *proto, int64_t deadline,
		      struct endpoint *eps, int max, int *n, int64_t *blocked_us);

/* Open file descriptors of pid itself; -1 if it is gone. */
int launch_count_fds(pid_t pid);

/* Zombies among pid's descendants (children that ended and were not reaped). */
int launch_count_zombies(pid_t pid);

/* A descendant of a program that still runs (not a zombie), and the CPU it has used. */
struct live_proc {
	pid_t pid;
	int64_t cpu_ms;		/* user + system time so far */
};

/* pid's descendants that still run (zombies left out), at most max; returns how many. */
int launch_live_descendants(pid_t pid, struct live_proc *v, int max);

/*
 * Connections waiting to be accepted on the TCP sockets that pid (or a
 * descendant) listens on, all together; -1 when it listens on none.
 */
int launch_accept_backlog(pid_t pid);

/*
 * The state ("TIME_WAIT", "CLOSE_WAIT", ...) of a TCP socket in the caller's
 * network namespace whose local port is port and that does not listen: what
 * keeps a server from binding that port again. TIME_WAIT first; NULL if none.
 */
const char *launch_port_held(int port);

/* 1 when pid is gone, a zombie, or has begun to exit (PF_EXITING): its end is on its way. */
int launch_proc_exiting(pid_t pid);

/*
 * 1 once every thread of pid is stopped ('T': a SIGSTOP has taken effect), or
 * pid is gone. kill(SIGSTOP) returns before the stop: a process asleep in
 * select() is woken first, and may still see what happens meanwhile.
 */
int launch_stopped(pid_t pid);

/* pid's scheduler state from /proc/<pid>/stat ('R', 'S', 'D', 'T', 'Z', ...), or 0 if gone. */
char launch_proc_state(pid_t pid);

#endif
