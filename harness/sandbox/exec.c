/*
 * sandbox/exec: the child's side of a spawn, in every mode: its stdio, its
 * limits, a clean environment and exec; and, when a stage of it fails, the
 * report of that stage and its errno over the exec-error pipe.
 */
#include "sandbox.h"
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Why a box could not be set up: the stage and its errno, sent over the exec-error pipe. */
const char *const box_stages[] = {
	"exec", "mount namespace", "root tmpfs", "/usr", "system folders", "/etc", "/dev", "/proc",
	"/tmp", "scratch folder", "pivot_root", "read-only root", "user id", "capabilities",
	"working folder", "keyrings", "system call filter", "cgroup namespace",
};

void report_stage(int errpipe, int stage)
{
	int msg[2] = { errno, stage };
	if (write(errpipe, msg, sizeof msg) < 0) {
		/* the worker will see the pipe close instead */
	}
	_exit(127);
}

static void set_limit(int res, rlim_t v)
{
	struct rlimit rl = { v, v };
	setrlimit(res, &rl);
}

/* The limits of one program, set in its own process before exec. */
void apply_limits(const struct sandbox_limits *l, int nproc, int memory_cgroup)
{
	if (l) {
		struct rlimit cpu = { (rlim_t)((l->cpu_ms + 999) / 1000),
				      (rlim_t)((l->cpu_ms + 999) / 1000 + 1) };
		if (l->cpu_ms > 0)
			setrlimit(RLIMIT_CPU, &cpu);
		/* a memory cgroup leaves the address space free (sanitizer builds need it) */
		if (l->memory_mb > 0 && !memory_cgroup)
			set_limit(RLIMIT_AS, (rlim_t)l->memory_mb << 20);
		set_limit(RLIMIT_NOFILE, (rlim_t)l->nofile);
		set_limit(RLIMIT_FSIZE, (rlim_t)l->fsize_mb << 20);
		/* only where the user id is the box's own does this count the box alone */
		if (nproc > 0)
			set_limit(RLIMIT_NPROC, (rlim_t)nproc);
	}
	set_limit(RLIMIT_CORE, 0);
}

/* exec with a clean environment; never returns. */
void exec_program(const struct spawn *sp, int errpipe)
{
	char *env[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C", "LC_ALL=C", "HOME=/tmp",
			"TMPDIR=/tmp", "TERM=dumb", NULL };
	const char *file = sp->argv[0];
	if (strchr(file, '/')) {
		execve(file, (char *const *)sp->argv, env);
	} else {
		environ = env;
		execvp(file, (char *const *)sp->argv);
	}
	report_stage(errpipe, 0);
}

/* Closes descriptors first..last: close_range where the kernel has it. */
static void close_span(unsigned int first, unsigned int last)
{
	if (syscall(SYS_close_range, first, last, 0) == 0)
		return;
	for (unsigned int fd = first; fd <= last && fd < 4096; fd++)
		close((int)fd);
}

/* Makes fds 0, 1, 2 the program's stdio and closes every other but keep. */
int setup_stdio(const struct spawn *sp, int in_fd, int out_fd, int err_fd, int keep1,
		int keep2)
{
	if (dup2(in_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(sp->merge_output ? out_fd : err_fd, 2) < 0)
		return -1;
	/* close_range in at most three spans around the two kept descriptors */
	int lo = keep1 < keep2 ? keep1 : keep2, hi = keep1 < keep2 ? keep2 : keep1;
	unsigned int from = 3;
	int keep[2] = { lo, hi };
	for (int i = 0; i < 2; i++) {
		if (keep[i] < 3)
			continue;
		if ((unsigned int)keep[i] > from)
			close_span(from, (unsigned int)keep[i] - 1);
		from = (unsigned int)keep[i] + 1;
	}
	close_span(from, ~0U);
	return 0;
}
