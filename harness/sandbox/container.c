/*
 * sandbox/container: the "container" mode, for where namespaces are refused
 * (Docker's default seccomp profile without CAP_SYS_ADMIN: Gradescope,
 * PrairieLearn) but the grader is root. A program is forked in a session of
 * its own under the worker as subreaper, as in the none mode, but runs as the
 * worker's own user id from the pool (take_uid), never root: RLIMIT_NPROC
 * then counts its processes alone (the pids cap), and it can neither signal
 * the grader nor write the grader's files. Its address space is capped below
 * the container's own memory limit (container_memory_mb), so that a memory
 * hog fails its allocations instead of drawing the kernel's OOM killer onto
 * the grader. Probes run one at a time (sandbox_can_split says 0).
 */
#include "sandbox.h"
#include "internal.h"

#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

char container_why[160];

/* In the child, between fork and exec: never returns. */
static void child_exec(const struct sandbox *sb, const struct spawn *sp, pid_t parent,
		       const struct spawn_fds *f)
{
	int errpipe = f->exec_err[1];
	sigset_t all;

	setsid();
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (setup_stdio(sp, f->in[0], f->out[1], f->err[1], errpipe, -1) < 0)
		report_stage(errpipe, STAGE_EXEC);
	if (setgroups(0, NULL) < 0 || setgid(sb->gid) < 0 || setuid(sb->uid) < 0 ||
	    getuid() == 0 || geteuid() == 0)
		report_stage(errpipe, STAGE_IDS);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	/* cleared by the change of user id: set after it, then check the parent is still there */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	/* no mount namespace: a probe's programs run in its own folder, as in the none mode */
	if (sp->cwd && chdir(sp->folder ? sp->folder : sp->cwd) < 0)
		report_stage(errpipe, STAGE_CWD);
	struct sandbox_limits lim;
	if (sp->lim) {
		lim = *sp->lim;
		lim.memory_mb = container_memory_mb(lim.memory_mb);
	}
	apply_limits(sp->lim ? &lim : NULL, BOX_NPROC, 0);
	exec_program(sp, errpipe);
}

pid_t container_start(const struct sandbox *sb, const struct spawn *sp, const struct spawn_fds *f)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0)
		child_exec(sb, sp, parent, f);
	return pid;
}

/* A number of bytes read from a cgroup or /proc file; 0 when absent or unlimited ("max"). */
static long long read_bytes(const char *path)
{
	struct strbuf sb = STRBUF_INIT;
	long long v = 0;
	if (read_file(path, &sb) == 0 && sb.buf && sb.buf[0] >= '0' && sb.buf[0] <= '9')
		v = strtoll(sb.buf, NULL, 10);
	sb_release(&sb);
	/* cgroup v1 says "no limit" with a huge number */
	return v >= (1LL << 50) ? 0 : v;
}

/*
 * The memory limit of the cgroup this process is in, v2 or v1, in bytes; 0
 * when there is none. Read from /proc/self/cgroup's paths under
 * /sys/fs/cgroup, and from the top (a container's own cgroup namespace).
 */
static long long cgroup_memory_cap(void)
{
	struct strbuf sb = STRBUF_INIT;
	long long cap = 0;
	char path[512];

	if (read_file("/proc/self/cgroup", &sb) == 0 && sb.buf) {
		for (char *line = strtok(sb.buf, "\n"); line; line = strtok(NULL, "\n")) {
			char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			if (!c2)
				continue;
			long long v = 0;
			if (c2 == c1 + 1) {
				snprintf(path, sizeof path, "/sys/fs/cgroup%s/memory.max", c2 + 1);
				v = read_bytes(path);
			} else if (!strncmp(c1 + 1, "memory:", 7) || strstr(c1 + 1, ",memory:")) {
				snprintf(path, sizeof path, "/sys/fs/cgroup/memory%s/memory.limit_in_bytes",
					 c2 + 1);
				v = read_bytes(path);
			}
			if (v > 0 && (cap == 0 || v < cap))
				cap = v;
		}
	}
	sb_release(&sb);
	long long top = read_bytes("/sys/fs/cgroup/memory.max");
	if (top <= 0)
		top = read_bytes("/sys/fs/cgroup/memory/memory.limit_in_bytes");
	if (top > 0 && (cap == 0 || top < cap))
		cap = top;
	return cap;
}

/*
 * What a program may have: asked (MiB; 0 or less: the cap itself), at most
 * 3/8 of the container's memory limit (or of the machine's memory when there
 * is none), so that a hog, the grader and its compiler still fit: 288 MiB in
 * Gradescope's 768 MB.
 */
long container_memory_mb(long asked)
{
	static long cap_mb = -1;
	if (cap_mb < 0) {
		long long cap = cgroup_memory_cap();
		long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
		long long phys = pages > 0 && size > 0 ? (long long)pages * size : 0;
		if (cap <= 0 || (phys > 0 && phys < cap))
			cap = phys;
		cap_mb = cap > 0 ? (long)((cap >> 20) * 3 / 8) : 256;
		if (cap_mb < 64)
			cap_mb = 64;
	}
	return asked > 0 && asked < cap_mb ? asked : cap_mb;
}
