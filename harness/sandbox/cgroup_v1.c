/*
 * sandbox/cgroup_v1: struct cg_ops on the v1 hierarchies, one per
 * controller. A worker's cgroup of a controller is
 * /sys/fs/cgroup/<controller>/<the grader's own>/sockgrade/<worker>, made
 * once and shared by its boxes (making one per box costs milliseconds).
 */
#include "cgroup.h"
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const cg_names[NCG] = { "memory", "pids", "cpu", "devices" };

/*
 * What each cgroup holds its boxes to: pids a bound on processes; cpu an
 * equal share, so that a fork bomb in one worker's boxes cannot starve the
 * others' deadlines; devices nothing but the few nodes a box has (a box
 * process that became root still could not open a disk).
 */
static int v1_setup(int which, const char *dir, int nproc)
{
	int rc = 0;
	char val[32];

	switch (which) {
	case CG_PIDS:
		snprintf(val, sizeof val, "%d", nproc);
		rc = cg_write(dir, "pids.max", val);
		break;
	case CG_CPU:
		rc = cg_write(dir, "cpu.shares", "1024");
		break;
	case CG_DEVICES: {
		static const char *const allow[] = { "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",
						     "c 1:8 rwm", "c 1:9 rwm", "c 136:* rw",
						     "c 5:2 rw" };
		rc = cg_write(dir, "devices.deny", "a");
		for (size_t i = 0; rc == 0 && i < sizeof allow / sizeof *allow; i++)
			rc = cg_write(dir, "devices.allow", allow[i]);
		break;
	}
	}
	return rc;
}

static char *v1_base(int c)
{
	char *own = cg_own_dir(cg_names[c]);
	char *base = cg_base_of(own);
	free(own);
	return base;
}

static char *v1_make(enum cg_controller c, const char *parent, pid_t id, int nproc, char *why,
		     size_t whylen)
{
	(void)parent;
	char *base = v1_base(c);
	char *dir = xasprintf("%s/%d", base, (int)id);
	const char *what = NULL;

	if (mkdir(base, 0755) < 0 && errno != EEXIST)
		what = base;
	else if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		what = dir;
	else if (v1_setup(c, dir, nproc) < 0)
		what = "its limits";
	if (what) {
		snprintf(why, whylen, "cannot make %s: %s", what, strerror(errno));
		rmdir(dir);
		free(dir);
		dir = NULL;
	}
	free(base);
	return dir;
}

static int v1_join(const char *dir, pid_t pid)
{
	char pidtxt[32];

	snprintf(pidtxt, sizeof pidtxt, "%d", (int)pid);
	return cg_write(dir, "cgroup.procs", pidtxt);
}

/* One cgroup per controller: the memory one first, its result the caller's. */
static int v1_enter(const char *const dirs[NCG], pid_t pid)
{
	int rc = dirs[CG_MEMORY] ? v1_join(dirs[CG_MEMORY], pid) : 0;
	int saved = errno;
	for (int c = CG_PIDS; c < NCG; c++)
		if (dirs[c])
			v1_join(dirs[c], pid);
	errno = saved;
	return rc;
}

static long v1_memory_limit(const char *dir)
{
	return cg_read_number(dir, "memory.limit_in_bytes", NULL);
}

static int v1_set_memory_limit(const char *dir, long bytes)
{
	char val[32];

	snprintf(val, sizeof val, "%ld", bytes);
	return cg_write(dir, "memory.limit_in_bytes", val);
}

static long v1_failcnt(const char *dir)
{
	return cg_read_number(dir, "memory.failcnt", NULL);
}

/* No cgroup.kill on v1: each process the cgroup lists, SIGKILLed. */
static void v1_kill(const char *dir)
{
	char *path = xasprintf("%s/cgroup.procs", dir);
	struct strbuf sb = STRBUF_INIT;
	if (read_file(path, &sb) == 0 && sb.buf)
		for (char *p = sb.buf, *end; *p; p = end) {
			long pid = strtol(p, &end, 10);
			if (end == p)
				break;
			if (pid > 1)
				kill((pid_t)pid, SIGKILL);
		}
	sb_release(&sb);
	free(path);
}

/* The cgroups of workers that died without cleaning up (SIGKILL): empty, and removed here. */
static void v1_remove_stale(void)
{
	for (int i = 0; i < NCG; i++) {
		char *base = v1_base(i);
		cg_each_numbered(base, 1, cg_rmdir);
		free(base);
	}
}

const struct cg_ops cg_v1_ops = {
	.make = v1_make,
	.enter = v1_enter,
	.memory_limit = v1_memory_limit,
	.set_memory_limit = v1_set_memory_limit,
	.failcnt = v1_failcnt,
	.kill = v1_kill,
	.remove_stale = v1_remove_stale,
};
