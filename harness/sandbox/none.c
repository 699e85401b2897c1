/*
 * sandbox/none: the "none" mode: a program forked in a session of its own,
 * under the worker as subreaper, with rlimits and a clean environment; and
 * the sweep that kills what escaped its process group.
 */
#include "sandbox.h"
#include "internal.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* In the child of the "none" mode, between fork and exec: never returns. */
static void child_exec(const struct spawn *sp, pid_t parent, int in_fd, int out_fd, int err_fd,
		       int errpipe)
{
	sigset_t all;

	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	if (setup_stdio(sp, in_fd, out_fd, err_fd, errpipe, -1) < 0)
		report_stage(errpipe, 0);
	if (sp->cwd && chdir(sp->folder ? sp->folder : sp->cwd) < 0)
		report_stage(errpipe, 0);
	apply_limits(sp->lim, 0, 0);
	exec_program(sp, errpipe);
}

pid_t none_start(const struct spawn *sp, const struct spawn_fds *f)
{
	pid_t parent = getpid();
	pid_t pid = fork();

	if (pid == 0)
		child_exec(sp, parent, f->in[0], f->out[1], f->err[1], f->exec_err[1]);
	return pid;
}

int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int is_tracked(const struct sandbox *sb, pid_t pid)
{
	for (const struct sbproc *p = sb->live; p; p = p->next)
		if (p->pid == pid)
			return 1;
	return 0;
}

/* Pids whose parent is the worker but that no sbproc tracks: escaped descendants. */
void none_sweep(struct sandbox *sb)
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
