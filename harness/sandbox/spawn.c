/*
 * sandbox/spawn: starting a program, in the stages sandbox_spawn names: its
 * pipes, the child (a box's init, or in the none mode the program itself), a
 * box's cgroups and the go that lets it run, the child's word that it got as
 * far as exec, and what tells poll() that it ended.
 */
#include "sandbox.h"
#include "cgroup.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/*
 * stdin (a pipe the harness writes, or /dev/null), stdout (a pipe, or a raw
 * pseudo-terminal), stderr, and the pipe on which the child reports a stage
 * that failed. 0, or -1 with err.
 */
static int open_pipes(const struct spawn *sp, struct spawn_fds *f, char *err)
{
	if (sp->stdin_pipe ? pipe2(f->in, O_CLOEXEC) : (f->in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, ERRLEN, "sandbox: stdin: %s", strerror(errno));
		return -1;
	}
	if (sp->stdout_pty) {
		/* a terminal, so that stdio line-buffers; raw, so that no \r is added */
		struct termios tio;
		memset(&tio, 0, sizeof tio);
		cfmakeraw(&tio);
		if (openpty(&f->out[0], &f->out[1], NULL, &tio, NULL) < 0) {
			snprintf(err, ERRLEN, "sandbox: openpty: %s", strerror(errno));
			return -1;
		}
		fcntl(f->out[0], F_SETFD, FD_CLOEXEC);
		fcntl(f->out[1], F_SETFD, FD_CLOEXEC);
	} else if (pipe2(f->out, O_CLOEXEC) < 0) {
		snprintf(err, ERRLEN, "sandbox: pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(f->err, O_CLOEXEC) < 0 || pipe2(f->exec_err, O_CLOEXEC) < 0) {
		snprintf(err, ERRLEN, "sandbox: pipe: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static struct sbproc *sbproc_new(struct sandbox *sb, const struct spawn *sp)
{
	struct sbproc *p = xcalloc(1, sizeof *p);

	p->sb = sb;
	p->pidfd = p->in_fd = p->out_fd = p->err_fd = -1;
	size_t cap = sp->lim ? sp->lim->output_cap : (1 << 20);
	capture_init(&p->out, cap);
	capture_init(&p->err, cap);
	p->started = now_ms();
	return p;
}

/*
 * The child: in a box mode the box's init (box.c), with the pipes that tell
 * it to go and on which it reports the program's end; in the none mode the
 * program (none.c). Its pid, or -1 with err.
 */
static pid_t start_child(struct sandbox *sb, const struct spawn *sp, struct sbproc *p,
			 struct spawn_fds *f, char *err)
{
	pid_t pid;

	if (SB_BOXED(sb->mode)) {
		if (pipe2(f->sync, O_CLOEXEC) < 0 || pipe2(f->status, O_CLOEXEC) < 0) {
			snprintf(err, ERRLEN, "sandbox: pipe: %s", strerror(errno));
			return -1;
		}
		p->boxed = 1;
		pid = box_start(sb, sp, f);
	} else if (sb->mode == SB_CONTAINER) {
		pid = container_start(sb, sp, f);
	} else {
		pid = none_start(sp, f);
	}
	if (pid < 0)
		snprintf(err, ERRLEN, "sandbox: fork: %s", strerror(errno));
	return pid;
}

/*
 * The box joins the sandbox's cgroups (made once; the worker itself stays
 * out, so that only student processes count). Boxes alive at once share
 * the memory limit last written. Returns init's go: 'm' when the program
 * runs under a memory cgroup, 'n' when not.
 */
static char enter_cgroups(struct sandbox *sb, struct sbproc *p)
{
	char go = 'n';

	if (sb->mode != SB_ROOT || (weaken & WEAK_LIMITS))
		return go;
	const char *mem = p->memory_mb > 0 ? cgroup_of(sb, CG_MEMORY) : NULL;
	const char *dirs[NCG] = { [CG_MEMORY] = mem };
	for (int c = CG_PIDS; c < NCG; c++)
		dirs[c] = cgroup_of(sb, c);
	if (mem) {
		/*
		 * A write of the limit can cost milliseconds: only when it changes.
		 * Read, not remembered: probe processes at once share the cgroup.
		 */
		long bytes = p->memory_mb << 20;
		int same = cgroup_memory_limit(mem) == bytes;
		int rc = same ? 0 : cgroup_set_memory_limit(mem, bytes);
		if (rc == 0) {
			rc = cgroup_enter(dirs, p->pid);
		} else {
			int saved = errno;
			dirs[CG_MEMORY] = NULL;	/* the others all the same */
			cgroup_enter(dirs, p->pid);
			errno = saved;
		}
		if (rc == 0) {
			p->memcg = 1;
			p->failcnt0 = cgroup_failcnt(mem);
			go = 'm';
		} else {
			/* loud: the verdict says so, and the report's sandbox line */
			snprintf(p->v.memory_note, sizeof p->v.memory_note, "cannot %s '%s': %s",
				 same ? "join" : "set the limit of", mem, strerror(errno));
		}
	} else {
		if (p->memory_mb > 0)
			snprintf(p->v.memory_note, sizeof p->v.memory_note, "memory cgroup: %s",
				 sb->cg_error[CG_MEMORY]);
		cgroup_enter(dirs, p->pid);
	}
	return go;
}

/* A box: into its cgroups, then init's go; the worker's ends of the box's own pipes closed. */
static void release_box(struct sandbox *sb, struct sbproc *p, struct spawn_fds *f)
{
	char go = enter_cgroups(sb, p);

	if (write(f->sync[1], &go, 1) != 1) {
		/* init is gone: the exec-error pipe says why */
	}
	close(f->sync[1]);
	f->sync[1] = -1;
	close(f->status[1]);
	f->status[1] = -1;
}

/*
 * The child's word: the exec-error pipe closes when the program was
 * exec'd; else it carries errno and the stage that failed, and the child
 * is killed and reaped. 0, or -1 with err.
 */
static int await_exec(struct sandbox *sb, struct sbproc *p, const struct spawn *sp,
		      struct spawn_fds *f, char *err)
{
	int child_err[2] = { 0, 0 };
	ssize_t n;

	close(f->exec_err[1]);
	f->exec_err[1] = -1;
	do
		n = read(f->exec_err[0], child_err, sizeof child_err);
	while (n < 0 && errno == EINTR);
	if (n != sizeof child_err)
		return 0;
	if (p->boxed)
		kill(p->pid, SIGKILL);
	waitpid(p->pid, NULL, 0);
	sb->nlive--;
	if (child_err[1] == 0)
		snprintf(err, ERRLEN, "cannot run '%s': %s", sp->argv[0], strerror(child_err[0]));
	else
		snprintf(err, ERRLEN, "sandbox: cannot set up the box (%s): %s",
			 box_stages[child_err[1]], strerror(child_err[0]));
	return -1;
}

/*
 * What tells poll() that the program ended. A box has ended when its init
 * reports the program's status, or closes the status pipe by dying: that
 * pipe is its "pidfd". Init itself is reaped later (sandbox_reap_boxes), so
 * that the kernel's teardown of its namespaces is nobody's wait. Elsewhere
 * a pidfd. 0, or -1 with err (the program killed and reaped).
 */
static int watch_end(struct sandbox *sb, struct sbproc *p, struct spawn_fds *f, char *err)
{
	if (p->boxed) {
		p->pidfd = f->status[0];
		f->status[0] = -1;
		fcntl(p->pidfd, F_SETFL, O_NONBLOCK);
		return 0;
	}
	p->pidfd = pidfd_open_(p->pid);
	if (p->pidfd < 0) {
		snprintf(err, ERRLEN, "sandbox: pidfd_open: %s", strerror(errno));
		kill(-p->pid, SIGKILL);
		waitpid(p->pid, NULL, 0);
		sb->nlive--;
		return -1;
	}
	return 0;
}

/* Gives p the harness's ends of its stdio, non-blocking, and puts it among the live. */
static void hand_out(struct sandbox *sb, struct sbproc *p, const struct spawn *sp,
		     struct spawn_fds *f)
{
	if (sp->stdin_pipe) {
		p->in_fd = f->in[1];
		f->in[1] = -1;
		fcntl(p->in_fd, F_SETFL, O_NONBLOCK);
	}
	p->out_fd = f->out[0];
	p->err_fd = f->err[0];
	f->out[0] = f->err[0] = -1;
	p->next = sb->live;
	sb->live = p;
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
}

static void close_fds(struct spawn_fds *f)
{
	int *pairs[] = { f->in, f->out, f->err, f->exec_err, f->sync, f->status };

	for (int i = 0; i < 2; i++)
		for (size_t k = 0; k < sizeof pairs / sizeof *pairs; k++)
			if (pairs[k][i] >= 0)
				close(pairs[k][i]);
}

int sandbox_spawn(struct sandbox *sb, const struct spawn *sp, struct sbproc **out, char *err)
{
	struct spawn_fds f = { { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 }, { -1, -1 } };
	struct sbproc *p = NULL;
	pid_t pid;
	int rc = -1;

	sandbox_reap_boxes(sb, 0);
	*out = NULL;
	if (open_pipes(sp, &f, err) < 0)
		goto out;
	p = sbproc_new(sb, sp);
	pid = start_child(sb, sp, p, &f, err);
	if (pid < 0)
		goto out;
	p->pid = pid;
	p->keep_box = p->boxed && sp->keep_box;
	sb->nlive++;
	p->cpu_limit_ms = sp->lim ? sp->lim->cpu_ms : 0;
	p->memory_mb = sp->lim ? sp->lim->memory_mb : 0;
	if (p->boxed)
		release_box(sb, p, &f);
	if (p->memory_mb > 0)
		p->v.memory_by = p->memcg ? MEM_CGROUP : MEM_ADDRESS_SPACE;
	if (await_exec(sb, p, sp, &f, err) < 0 || watch_end(sb, p, &f, err) < 0)
		goto out;
	hand_out(sb, p, sp, &f);
	*out = p;
	p = NULL;
	rc = 0;
out:
	close_fds(&f);
	if (p) {
		capture_release(&p->out);
		capture_release(&p->err);
		free(p);
	}
	return rc;
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
	signal_all(p, SIGKILL);
	sandbox_sweep(sb);
	capture_text(&p->out, out);
	*v = p->v;
	sbproc_free(p);
	return 0;
}
