/*
 * sandbox/proc: a started program, followed to its end: its output drained
 * whenever the harness polls, its end reaped into a verdict, and the signals
 * that stop it.
 */
#include "sandbox.h"
#include "cgroup.h"
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#define GRACE_MS 200

const char *verdict_code(enum verdict_status s)
{
	switch (s) {
	case V_RUNNING: return "running";
	case V_OK: return "OK";
	case V_EXIT: return "RE";
	case V_SIGNAL: return "SG";
	case V_TIME: return "TO";
	case V_MEMORY: return "ML";
	case V_OUTPUT: return "OL";
	case V_STOPPED: return "stopped";
	case V_ERROR: return "XX";
	}
	return "?";
}

void verdict_describe(const struct verdict *v, struct strbuf *sb)
{
	switch (v->status) {
	case V_RUNNING: sb_adds(sb, "still running"); break;
	case V_OK: sb_adds(sb, "exited with status 0"); break;
	case V_EXIT: sb_addf(sb, "exited with status %d", v->exit_code); break;
	case V_SIGNAL:
		sb_addf(sb, "killed by SIG%s", sigabbrev_np(v->signal) ? sigabbrev_np(v->signal) : "?");
		if (v->signal == SIGPIPE)
			sb_adds(sb, " (it wrote to a connection the peer had closed)");
		break;
	case V_TIME: sb_adds(sb, "time limit exceeded"); break;
	case V_MEMORY: sb_adds(sb, "memory limit exceeded"); break;
	case V_OUTPUT: sb_adds(sb, "output limit exceeded"); break;
	case V_STOPPED: sb_adds(sb, "stopped by the harness"); break;
	case V_ERROR: sb_addf(sb, "could not run: %s", v->detail); break;
	}
	if (v->output_cut)
		sb_addf(sb, " (output limit: %zu bytes not kept)", v->output_cut);
}

const char *memory_hold_name(enum memory_hold m)
{
	return m == MEM_CGROUP ? "cgroup" : m == MEM_ADDRESS_SPACE ? "address space" : NULL;
}

void sandbox_default_limits(struct sandbox_limits *lim)
{
	lim->cpu_ms = 10000;
	lim->memory_mb = 1024;
	lim->nofile = 256;
	lim->fsize_mb = 64;
	lim->output_cap = 1 << 20;
}

static void drain(int *fd, struct capture *c)
{
	char buf[65536];

	while (*fd >= 0) {
		ssize_t n = read(*fd, buf, sizeof buf);
		if (n > 0) {
			capture_add(c, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		close(*fd);
		*fd = -1;
	}
}

static void reap(struct sbproc *p)
{
	int st;
	struct rusage ru;
	pid_t r;

	if (p->boxed) {
		/* init's own status says nothing: the program's comes over the status pipe */
		struct box_msg m;
		ssize_t n;
		do
			n = read(p->pidfd, &m, sizeof m);
		while (n < 0 && errno == EINTR);
		if (n == sizeof m) {
			st = m.status;
			ru = m.ru;
		} else {
			st = SIGKILL;	/* init was killed: so was everything in the box */
			memset(&ru, 0, sizeof ru);
		}
		r = p->pid;
		/* a kept box lives on with the program's descendants: sbproc_stop kills its init */
		if (n == sizeof m && p->keep_box)
			p->box_kept = 1;
		else
			box_defer_reap(p->sb, p->pid);
	} else {
		do
			r = wait4(p->pid, &st, 0, &ru);
		while (r < 0 && errno == EINTR);
	}
	p->sb->nlive--;
	close(p->pidfd);
	p->pidfd = -1;
	for (struct sbproc **pp = &p->sb->live; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	/* the group may still hold descendants writing to our pipes: drain what is there */
	drain(&p->out_fd, &p->out);
	drain(&p->err_fd, &p->err);

	struct verdict *v = &p->v;
	v->wall_ms = now_ms() - p->started;
	if (r == p->pid) {
		v->cpu_ms = (int64_t)ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 +
			    (int64_t)ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000;
		v->max_rss_kb = ru.ru_maxrss;
	}
	if (r != p->pid) {
		v->status = V_ERROR;
		snprintf(v->detail, sizeof v->detail, "wait4: %s", strerror(errno));
	} else if (p->timed_out) {
		/* killed at its deadline, but it had hit its memory limit: that says more */
		v->status = p->memcg && cgroup_failcnt(p->sb->cg[CG_MEMORY]) > p->failcnt0 ?
				    V_MEMORY : V_TIME;
		v->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	} else if (WIFEXITED(st)) {
		v->exit_code = WEXITSTATUS(st);
		v->status = v->exit_code ? V_EXIT : V_OK;
		/* a program that exits in reply to our SIGTERM was stopped all the same */
		if (p->stopping && v->exit_code)
			v->status = V_STOPPED;
	} else if (WIFSIGNALED(st)) {
		v->signal = WTERMSIG(st);
		if (p->stopping)
			v->status = V_STOPPED;
		else if (v->signal == SIGXCPU ||
			 (v->signal == SIGKILL && p->cpu_limit_ms && v->cpu_ms >= p->cpu_limit_ms))
			v->status = V_TIME;
		else if (v->signal == SIGKILL && p->memcg &&
			 cgroup_failcnt(p->sb->cg[CG_MEMORY]) > p->failcnt0)
			v->status = V_MEMORY;
		else
			v->status = V_SIGNAL;
	}
	v->output_cut = capture_cut(&p->out) + capture_cut(&p->err);
	/* stopped while it was still pouring out output: that is what ended it */
	if (v->output_cut && v->status == V_STOPPED)
		v->status = V_OUTPUT;
}

int sbproc_pollfds(struct sbproc *p, struct pollfd *fds, int max)
{
	int n = 0;
	int want[3] = { p->out_fd, p->err_fd, p->pidfd };

	for (int i = 0; i < 3 && n < max; i++)
		if (want[i] >= 0)
			fds[n++] = (struct pollfd){ .fd = want[i], .events = POLLIN };
	return n;
}

void sbproc_events(struct sbproc *p, const struct pollfd *fds, int n)
{
	int ended = 0;

	for (int i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == p->out_fd)
			drain(&p->out_fd, &p->out);
		else if (fds[i].fd == p->err_fd)
			drain(&p->err_fd, &p->err);
		else if (fds[i].fd == p->pidfd)
			ended = 1;
	}
	if (ended && p->pidfd >= 0)
		reap(p);
}

int sbproc_wait(struct sbproc *p, int64_t deadline)
{
	while (p->pidfd >= 0) {
		struct pollfd fds[3];
		int n = sbproc_pollfds(p, fds, 3);
		int r = poll(fds, (nfds_t)n, ms_left(deadline));
		if (r < 0 && errno != EINTR)
			return 0;
		if (r > 0)
			sbproc_events(p, fds, n);
		/* a writer that keeps its pipe full must not keep us past the deadline */
		if (r == 0 || !ms_left(deadline))
			return p->pidfd < 0;
	}
	return 1;
}

/* A signal for everything p started: its process group, or (boxed) init, which forwards it. */
void signal_all(struct sbproc *p, int sig)
{
	if (p->boxed) {
		/* init is not reaped while the box runs or is kept: its pid is still its own */
		if (p->pidfd >= 0 || p->box_kept)
			kill(p->pid, sig);
	} else if (p->pidfd >= 0) {
		kill(-p->pid, sig);
	}
	/* once the leader is reaped its number may name another group: the sweep finds the rest */
}

void sbproc_signal(struct sbproc *p, int sig)
{
	if (p->pidfd >= 0)
		signal_all(p, sig);
}

/* 1 when pid has begun to exit on its own (PF_EXITING) or has ended: its status is set. */
static int already_exiting(pid_t pid)
{
	char path[64];
	struct strbuf st = STRBUF_INIT;
	unsigned long flags = 0;
	char state = 0;
	int r = 0;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_file(path, &st) == 0 && st.buf) {
		char *rp = strrchr(st.buf, ')');
		/* state ppid pgrp session tty_nr tpgid flags */
		if (rp && sscanf(rp + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) == 2)
			r = state == 'Z' || state == 'X' || (flags & 0x4 /* PF_EXITING */);
	}
	sb_release(&st);
	return r;
}

/* A kept box whose program has ended: kill what is left in it, and reap its init later. */
static void box_end_kept(struct sbproc *p)
{
	if (!p->box_kept)
		return;
	kill(p->pid, SIGKILL);
	box_defer_reap(p->sb, p->pid);
	p->box_kept = 0;
}

void sbproc_stop(struct sbproc *p)
{
	if (p->pidfd < 0) {
		/* the leader is gone; its group (or its kept box) may not be */
		signal_all(p, SIGKILL);
		box_end_kept(p);
		return;
	}
	/* already ended or ending by itself: keep its own status, not "stopped by the harness" */
	if (sbproc_wait(p, now_ms()) ||
	    (already_exiting(sbproc_pid(p)) && sbproc_wait(p, now_ms() + GRACE_MS))) {
		signal_all(p, SIGKILL);
		box_end_kept(p);
		sandbox_sweep(p->sb);
		return;
	}
	p->stopping = 1;
	signal_all(p, SIGTERM);
	if (!sbproc_wait(p, now_ms() + GRACE_MS)) {
		signal_all(p, SIGKILL);
		sbproc_wait(p, now_ms() + 5000);
	}
	signal_all(p, SIGKILL);
	if (p->pidfd >= 0) {
		/* unkillable (uninterruptible sleep): wait for it without a deadline */
		reap(p);
	}
	box_end_kept(p);
	sandbox_sweep(p->sb);
}

void sbproc_timeout(struct sbproc *p)
{
	if (p->pidfd < 0)
		return;
	p->timed_out = 1;
	signal_all(p, SIGKILL);
	sbproc_wait(p, now_ms() + 5000);
	if (p->pidfd >= 0)
		reap(p);
	box_end_kept(p);
	sandbox_sweep(p->sb);
}

int sbproc_ended(const struct sbproc *p)
{
	return p->pidfd < 0;
}

pid_t sbproc_pid(const struct sbproc *p)
{
	if (!p->boxed)
		return p->pid;
	if (!p->student && p->pidfd >= 0) {
		/* init's one child; cached, as the program's pid never changes */
		char path[64];
		struct strbuf sb = STRBUF_INIT;
		snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)p->pid, (int)p->pid);
		if (read_file(path, &sb) == 0 && sb.buf)
			((struct sbproc *)p)->student = (pid_t)atoi(sb.buf);
		sb_release(&sb);
	}
	return p->student ? p->student : p->pid;
}

int sbproc_stdin(const struct sbproc *p)
{
	return p->in_fd;
}

void sbproc_close_stdin(struct sbproc *p)
{
	if (p->in_fd >= 0)
		close(p->in_fd);
	p->in_fd = -1;
}

const struct verdict *sbproc_verdict(const struct sbproc *p)
{
	return &p->v;
}

const struct capture *sbproc_stdout(const struct sbproc *p)
{
	return &p->out;
}

const struct capture *sbproc_stderr(const struct sbproc *p)
{
	return &p->err;
}

void sbproc_free(struct sbproc *p)
{
	if (!p)
		return;
	if (p->pidfd >= 0 || p->box_kept)
		sbproc_stop(p);
	sbproc_close_stdin(p);
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->err_fd >= 0)
		close(p->err_fd);
	capture_release(&p->out);
	capture_release(&p->err);
	free(p);
}

void sandbox_sweep(struct sandbox *sb)
{
	/* in a box nothing escapes to the worker: its init holds every orphan, and dies with it */
	if (SB_BOXED(sb->mode) && !(weaken & WEAK_PIDNS)) {
		sandbox_reap_boxes(sb, 1);
		return;
	}
	none_sweep(sb);
}
