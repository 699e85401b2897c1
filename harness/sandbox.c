/*
 * sandbox: the one module that runs student code (its Makefile, its compiler
 * run and its binaries).
 *
 * Theory of operation
 * -------------------
 * Processes. The harness grades each submission in a worker process of its
 * own (grade.c forks it). The worker opens one sandbox and spawns every
 * student process through it. Each spawned process starts in a session and
 * process group of its own (setsid), so that one kill(-pgid) reaches it and
 * everything it forked that stayed in the group. The worker is a child
 * subreaper (PR_SET_CHILD_SUBREAPER): a daemon that double-forks or calls
 * setsid() is re-parented to the worker, not to init, so sandbox_sweep() finds
 * it by its parent pid and kills and reaps it.
 *
 * Who kills whom. The worker stops a process with SIGTERM, waits a short grace
 * on the process's pidfd, then SIGKILLs the group and sweeps escaped
 * descendants. Every spawned process has PR_SET_PDEATHSIG = SIGKILL, so when
 * the worker dies (even by SIGKILL) its direct children die with it.
 *
 * Pipes. stdin is /dev/null or a pipe the harness writes; stdout and stderr
 * are pipes (stdout a raw pseudo-terminal for clients, so that stdio
 * line-buffers as at a terminal; EIO on its master is its end) the harness drains whenever it polls (sbproc_pollfds), keeping
 * the first and last part of each (struct capture) so that endless output
 * costs bounded memory and never blocks the program. A pidfd tells poll()
 * when the process has ended; it is then reaped with wait4 for its rusage.
 *
 * Limits. CPU time (RLIMIT_CPU, SIGXCPU then SIGKILL), address space, open
 * files, file size, no core files; wall time is the harness's own deadline.
 * Signal dispositions and the mask are reset before exec, so a student
 * program dies of SIGPIPE as it would from a shell even though the harness
 * ignores SIGPIPE.
 *
 * Modes. This file implements the "none" mode: process groups, subreaper,
 * rlimits, a clean environment. It does not isolate the network or the file
 * system; sandbox_mode_warning() says so and the reports show it.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#define GRACE_MS 200

struct sandbox {
	pid_t worker;		/* the process that opened it: the subreaper */
	int nlive;		/* processes spawned and not yet reaped */
	struct sbproc *live;	/* those processes, linked by next */
};

struct sbproc {
	struct sandbox *sb;
	pid_t pid;
	int pidfd;		/* -1 once reaped */
	int in_fd;		/* write end of stdin, or -1 */
	int out_fd, err_fd;	/* read ends, -1 at EOF */
	int64_t started;
	int stopping;		/* the harness sent the signal that ends it */
	int timed_out;
	int64_t cpu_limit_ms;	/* 0: none */
	struct sbproc *next;	/* in sb->live while not reaped */
	struct verdict v;
	struct capture out, err;
};

const char *verdict_code(enum verdict_status s)
{
	switch (s) {
	case V_RUNNING: return "running";
	case V_OK: return "OK";
	case V_EXIT: return "RE";
	case V_SIGNAL: return "SG";
	case V_TIME: return "TO";
	case V_MEMORY: return "ML";
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
	case V_STOPPED: sb_adds(sb, "stopped by the harness"); break;
	case V_ERROR: sb_addf(sb, "could not run: %s", v->detail); break;
	}
	if (v->output_cut)
		sb_addf(sb, " (output limit: %zu bytes not kept)", v->output_cut);
}

void sandbox_default_limits(struct sandbox_limits *lim)
{
	lim->cpu_ms = 10000;
	lim->memory_mb = 1024;
	lim->nofile = 256;
	lim->fsize_mb = 64;
	lim->output_cap = 1 << 20;
}

/* ---- captured output ---- */

static void capture_init(struct capture *c, size_t cap)
{
	memset(c, 0, sizeof *c);
	c->cap = cap < 64 ? 64 : cap;
}

static void capture_add(struct capture *c, const char *data, size_t len)
{
	size_t head_cap = c->cap / 2;

	c->total += len;
	if (c->head.len < head_cap) {
		size_t n = head_cap - c->head.len;
		if (n > len)
			n = len;
		sb_add(&c->head, data, n);
		data += n;
		len -= n;
	}
	if (!len)
		return;
	if (!c->tail) {
		c->tail_cap = c->cap - head_cap;
		c->tail = xmalloc(c->tail_cap);
	}
	if (len >= c->tail_cap) {
		memcpy(c->tail, data + len - c->tail_cap, c->tail_cap);
		c->tail_pos = 0;
		c->tail_len = c->tail_cap;
		return;
	}
	for (size_t i = 0; i < len; i++) {
		c->tail[c->tail_pos] = data[i];
		c->tail_pos = (c->tail_pos + 1) % c->tail_cap;
		if (c->tail_len < c->tail_cap)
			c->tail_len++;
	}
}

static void capture_release(struct capture *c)
{
	sb_release(&c->head);
	free(c->tail);
	c->tail = NULL;
}

static size_t capture_cut(const struct capture *c)
{
	return c->total - c->head.len - c->tail_len;
}

static void tail_copy(const struct capture *c, size_t skip, struct strbuf *out)
{
	size_t start = (c->tail_pos + c->tail_cap - c->tail_len) % (c->tail_cap ? c->tail_cap : 1);
	for (size_t i = skip; i < c->tail_len; i++)
		sb_addc(out, c->tail[(start + i) % c->tail_cap]);
}

void capture_text(const struct capture *c, struct strbuf *out)
{
	if (c->head.len)
		sb_add(out, c->head.buf, c->head.len);
	size_t cut = capture_cut(c);
	if (cut)
		sb_addf(out, "\n[... %zu bytes cut ...]\n", cut);
	if (c->tail_len)
		tail_copy(c, 0, out);
}

void capture_tail(const struct capture *c, size_t n, struct strbuf *out)
{
	if (c->tail_len >= n) {
		tail_copy(c, c->tail_len - n, out);
		return;
	}
	size_t from_head = n - c->tail_len;
	if (from_head > c->head.len)
		from_head = c->head.len;
	if (from_head)
		sb_add(out, c->head.buf + c->head.len - from_head, from_head);
	tail_copy(c, 0, out);
}

/* ---- the sandbox ---- */

int sandbox_open(struct sandbox **out, char *err)
{
	struct sandbox *sb = xcalloc(1, sizeof *sb);

	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		snprintf(err, ERRLEN, "sandbox: cannot become a subreaper: %s", strerror(errno));
		free(sb);
		return -1;
	}
	sb->worker = getpid();
	*out = sb;
	return 0;
}

const char *sandbox_mode(const struct sandbox *sb)
{
	(void)sb;
	return "none";
}

const char *sandbox_mode_warning(const struct sandbox *sb)
{
	(void)sb;
	return "not isolated: student programs share this machine's network and files "
	       "(process groups, rlimits and time limits only)";
}

void sandbox_close(struct sandbox *sb)
{
	if (!sb)
		return;
	sandbox_sweep(sb);
	free(sb);
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void set_limit(int res, rlim_t v)
{
	struct rlimit rl = { v, v };
	setrlimit(res, &rl);
}

/* In the child, between fork and exec: never returns. */
static void child_exec(const struct spawn *sp, pid_t parent, int in_fd, int out_fd, int err_fd,
		       int errpipe)
{
	sigset_t all;

	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	for (int s = 1; s < NSIG; s++)
		signal(s, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);

	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(sp->merge_output ? out_fd : err_fd, 2) < 0)
		goto fail;
	/* keep only stdio and the exec-error pipe (which is close-on-exec) */
	for (int fd = 3; fd < 1024; fd++)
		if (fd != errpipe)
			close(fd);
	if (sp->cwd && chdir(sp->cwd) < 0)
		goto fail;

	const struct sandbox_limits *l = sp->lim;
	if (l) {
		struct rlimit cpu = { (rlim_t)((l->cpu_ms + 999) / 1000),
				      (rlim_t)((l->cpu_ms + 999) / 1000 + 1) };
		setrlimit(RLIMIT_CPU, &cpu);
		if (l->memory_mb > 0)
			set_limit(RLIMIT_AS, (rlim_t)l->memory_mb << 20);
		set_limit(RLIMIT_NOFILE, (rlim_t)l->nofile);
		set_limit(RLIMIT_FSIZE, (rlim_t)l->fsize_mb << 20);
	}
	set_limit(RLIMIT_CORE, 0);

	char *env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C", "LC_ALL=C", "HOME=/tmp",
			"TMPDIR=/tmp", "TERM=dumb", NULL };
	const char *file = sp->argv[0];
	if (strchr(file, '/'))
		execve(file, (char *const *)sp->argv, env);
	else {
		environ = env;
		execvp(file, (char *const *)sp->argv);
	}
fail:;
	int e = errno;
	if (write(errpipe, &e, sizeof e) < 0) {
		/* nothing left to tell */
	}
	_exit(127);
}

int sandbox_spawn(struct sandbox *sb, const struct spawn *sp, struct sbproc **out, char *err)
{
	int in[2] = { -1, -1 }, o[2] = { -1, -1 }, e[2] = { -1, -1 }, ep[2] = { -1, -1 };
	struct sbproc *p = NULL;
	int rc = -1;

	*out = NULL;
	if (sp->stdin_pipe ? pipe2(in, O_CLOEXEC) : (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, ERRLEN, "sandbox: stdin: %s", strerror(errno));
		goto out;
	}
	if (sp->stdout_pty) {
		/* a terminal, so that stdio line-buffers; raw, so that no \r is added */
		struct termios tio;
		memset(&tio, 0, sizeof tio);
		cfmakeraw(&tio);
		if (openpty(&o[0], &o[1], NULL, &tio, NULL) < 0) {
			snprintf(err, ERRLEN, "sandbox: openpty: %s", strerror(errno));
			goto out;
		}
		fcntl(o[0], F_SETFD, FD_CLOEXEC);
		fcntl(o[1], F_SETFD, FD_CLOEXEC);
	} else if (pipe2(o, O_CLOEXEC) < 0) {
		snprintf(err, ERRLEN, "sandbox: pipe: %s", strerror(errno));
		goto out;
	}
	if (pipe2(e, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		snprintf(err, ERRLEN, "sandbox: pipe: %s", strerror(errno));
		goto out;
	}
	p = xcalloc(1, sizeof *p);
	p->sb = sb;
	p->pidfd = p->in_fd = p->out_fd = p->err_fd = -1;
	size_t cap = sp->lim ? sp->lim->output_cap : (1 << 20);
	capture_init(&p->out, cap);
	capture_init(&p->err, cap);
	p->started = now_ms();

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, ERRLEN, "sandbox: fork: %s", strerror(errno));
		goto out;
	}
	if (pid == 0)
		child_exec(sp, parent, in[0], o[1], e[1], ep[1]);

	p->pid = pid;
	sb->nlive++;
	p->cpu_limit_ms = sp->lim ? sp->lim->cpu_ms : 0;
	close(ep[1]);
	ep[1] = -1;
	int child_errno = 0;
	ssize_t n;
	do
		n = read(ep[0], &child_errno, sizeof child_errno);
	while (n < 0 && errno == EINTR);
	if (n == sizeof child_errno) {
		waitpid(pid, NULL, 0);
		sb->nlive--;
		snprintf(err, ERRLEN, "cannot run '%s': %s", sp->argv[0], strerror(child_errno));
		goto out;
	}
	p->pidfd = pidfd_open_(pid);
	if (p->pidfd < 0) {
		snprintf(err, ERRLEN, "sandbox: pidfd_open: %s", strerror(errno));
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
		sb->nlive--;
		goto out;
	}
	if (sp->stdin_pipe) {
		p->in_fd = in[1];
		in[1] = -1;
		fcntl(p->in_fd, F_SETFL, O_NONBLOCK);
	}
	p->out_fd = o[0];
	p->err_fd = e[0];
	o[0] = e[0] = -1;
	p->next = sb->live;
	sb->live = p;
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
	*out = p;
	p = NULL;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0) close(in[i]);
		if (o[i] >= 0) close(o[i]);
		if (e[i] >= 0) close(e[i]);
		if (ep[i] >= 0) close(ep[i]);
	}
	if (p) {
		capture_release(&p->out);
		capture_release(&p->err);
		free(p);
	}
	return rc;
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

	do
		r = wait4(p->pid, &st, 0, &ru);
	while (r < 0 && errno == EINTR);
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
		v->status = V_TIME;
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
		else
			v->status = V_SIGNAL;
	}
	v->output_cut = capture_cut(&p->out) + capture_cut(&p->err);
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
		else if (r == 0)
			return p->pidfd < 0;
	}
	return 1;
}

void sbproc_signal(struct sbproc *p, int sig)
{
	if (p->pidfd >= 0)
		kill(-p->pid, sig);
}

void sbproc_stop(struct sbproc *p)
{
	if (p->pidfd < 0) {
		/* the leader is gone; its group may not be */
		kill(-p->pid, SIGKILL);
		return;
	}
	p->stopping = 1;
	kill(-p->pid, SIGTERM);
	if (!sbproc_wait(p, now_ms() + GRACE_MS)) {
		kill(-p->pid, SIGKILL);
		sbproc_wait(p, now_ms() + 5000);
	}
	kill(-p->pid, SIGKILL);
	if (p->pidfd >= 0) {
		/* unkillable (uninterruptible sleep): wait for it without a deadline */
		reap(p);
	}
	sandbox_sweep(p->sb);
}

void sbproc_timeout(struct sbproc *p)
{
	if (p->pidfd < 0)
		return;
	p->timed_out = 1;
	kill(-p->pid, SIGKILL);
	sbproc_wait(p, now_ms() + 5000);
	if (p->pidfd >= 0)
		reap(p);
	sandbox_sweep(p->sb);
}

int sbproc_ended(const struct sbproc *p)
{
	return p->pidfd < 0;
}

pid_t sbproc_pid(const struct sbproc *p)
{
	return p->pid;
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
	if (p->pidfd >= 0)
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

static int is_tracked(const struct sandbox *sb, pid_t pid)
{
	for (const struct sbproc *p = sb->live; p; p = p->next)
		if (p->pid == pid)
			return 1;
	return 0;
}

/* Pids whose parent is the worker but that no sbproc tracks: escaped descendants. */
void sandbox_sweep(struct sandbox *sb)
{
	for (int round = 0; round < 8; round++) {
		DIR *d = opendir("/proc");
		int found = 0;
		if (!d)
			return;
		struct dirent *e;
		while ((e = readdir(d))) {
			char *end;
			long pid = strtol(e->d_name, &end, 10);
			if (*end || pid <= 0)
				continue;
			char path[64];
			snprintf(path, sizeof path, "/proc/%ld/stat", pid);
			struct strbuf sb_stat = STRBUF_INIT;
			if (read_file(path, &sb_stat) < 0 || !sb_stat.buf) {
				sb_release(&sb_stat);
				continue;
			}
			/* the ppid is the second field after the ")" that ends the command name */
			char *rp = strrchr(sb_stat.buf, ')');
			char state = 0;
			long ppid = -1;
			if (rp)
				sscanf(rp + 1, " %c %ld", &state, &ppid);
			sb_release(&sb_stat);
			if (ppid != sb->worker)
				continue;
			if (!is_tracked(sb, (pid_t)pid)) {
				kill((pid_t)pid, SIGKILL);
				waitpid((pid_t)pid, NULL, 0);
				found = 1;
			}
		}
		closedir(d);
		if (!found)
			break;
	}
}

int sandbox_run(struct sandbox *sb, const struct spawn *sp, int64_t timeout_ms,
		struct strbuf *out, struct verdict *v, char *err)
{
	struct sbproc *p;

	if (sandbox_spawn(sb, sp, &p, err) < 0)
		return -1;
	if (!sbproc_wait(p, now_ms() + timeout_ms))
		sbproc_timeout(p);
	/* a daemon left behind by a build must not outlive it */
	kill(-p->pid, SIGKILL);
	sandbox_sweep(sb);
	capture_text(&p->out, out);
	*v = p->v;
	sbproc_free(p);
	return 0;
}
