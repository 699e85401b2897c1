/*
 * sandbox/cgroup_v1: cgroup.h on the v1 hierarchies. A worker's cgroup of a
 * controller is /sys/fs/cgroup/<controller>/sockgrade/<worker>, made once
 * and shared by its boxes (making one per box costs milliseconds).
 */
#include "cgroup.h"
#include "internal.h"

#include <dirent.h>
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
static int cgroup_setup(int which, const char *dir, int nproc)
{
	char *path;
	int rc = 0;
	char val[32];

	switch (which) {
	case CG_PIDS:
		snprintf(val, sizeof val, "%d", nproc);
		path = xasprintf("%s/pids.max", dir);
		rc = write_text(path, val);
		free(path);
		break;
	case CG_CPU:
		path = xasprintf("%s/cpu.shares", dir);
		rc = write_text(path, "1024");
		free(path);
		break;
	case CG_DEVICES: {
		static const char *const allow[] = { "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",
						     "c 1:8 rwm", "c 1:9 rwm", "c 136:* rw",
						     "c 5:2 rw" };
		path = xasprintf("%s/devices.deny", dir);
		rc = write_text(path, "a");
		free(path);
		path = xasprintf("%s/devices.allow", dir);
		for (size_t i = 0; rc == 0 && i < sizeof allow / sizeof *allow; i++)
			rc = write_text(path, allow[i]);
		free(path);
		break;
	}
	}
	return rc;
}

char *cgroup_make(enum cg_controller c, pid_t worker, int nproc, char *why, size_t whylen)
{
	char *base = xasprintf("/sys/fs/cgroup/%s/sockgrade", cg_names[c]);
	char *dir = xasprintf("%s/%d", base, (int)worker);
	const char *what = NULL;

	if (mkdir(base, 0755) < 0 && errno != EEXIST)
		what = base;
	else if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		what = dir;
	else if (cgroup_setup(c, dir, nproc) < 0)
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

/* Writes value to the cgroup's file knob; 0 or -1. */
static int knob_write(const char *dir, const char *knob, const char *value)
{
	char *path = xasprintf("%s/%s", dir, knob);
	int rc = write_text(path, value);
	free(path);
	return rc;
}

static long knob_read(const char *dir, const char *knob)
{
	char *path = xasprintf("%s/%s", dir, knob);
	struct strbuf sb = STRBUF_INIT;
	long v = -1;
	if (read_file(path, &sb) == 0 && sb.buf)
		v = strtol(sb.buf, NULL, 10);
	sb_release(&sb);
	free(path);
	return v;
}

int cgroup_join(const char *dir, pid_t pid)
{
	char pidtxt[32];

	snprintf(pidtxt, sizeof pidtxt, "%d", (int)pid);
	return knob_write(dir, "cgroup.procs", pidtxt);
}

long cgroup_memory_limit(const char *dir)
{
	return knob_read(dir, "memory.limit_in_bytes");
}

int cgroup_set_memory_limit(const char *dir, long bytes)
{
	char val[32];

	snprintf(val, sizeof val, "%ld", bytes);
	return knob_write(dir, "memory.limit_in_bytes", val);
}

long cgroup_failcnt(const char *dir)
{
	return knob_read(dir, "memory.failcnt");
}

void cgroup_remove(const char *dir)
{
	rmdir(dir);
}

/* The cgroups of workers that died without cleaning up (SIGKILL): empty, and removed here. */
void cgroup_remove_stale(void)
{
	for (size_t i = 0; i < NCG; i++) {
		char *base = xasprintf("/sys/fs/cgroup/%s/sockgrade", cg_names[i]);
		DIR *d = opendir(base);
		if (d) {
			struct dirent *e;
			while ((e = readdir(d))) {
				char *end;
				long pid = strtol(e->d_name, &end, 10);
				if (*end || pid <= 0 || (kill((pid_t)pid, 0) < 0 && errno != ESRCH) ||
				    (kill((pid_t)pid, 0) == 0))
					continue;
				char *dir = xasprintf("%s/%s", base, e->d_name);
				rmdir(dir);
				free(dir);
			}
			closedir(d);
		}
		free(base);
	}
}
