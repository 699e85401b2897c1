/*
 * sandbox/cgroup_v2: struct cg_ops on the unified hierarchy, where a process
 * is in one cgroup for every controller. Under the grader's own cgroup OWN:
 *
 *   OWN/sockgrade/<worker>          memory.max (per program), cpu.weight
 *   OWN/sockgrade/<worker>/<id>     pids.max: the worker's boxes (id = the
 *                                   worker) or one probe process's (id = it)
 *
 * Boxes join a leaf, so a probe's pids bound and its worker's memory limit
 * both hold (v1 has a cgroup per controller instead). memory.events'
 * oom_kill counts what the limit ended; cgroup.kill ends a leaf's boxes.
 * v2 has no devices files: a box's /dev holds only the nodes box.c binds.
 *
 * The kernel lets a cgroup hand controllers to its children only while it
 * holds no process of its own (but the root may): when OWN holds the grader
 * and the shell that started it, they move to OWN/sockgrade-procs first,
 * which is still under OWN and its limits, as container runtimes do.
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

/* 1 when the space-separated list has word. */
static int has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = list; p && *p;) {
		p += strspn(p, " \n");
		if (strncmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\n' || p[n] == '\0'))
			return 1;
		p = strchr(p, ' ');
	}
	return 0;
}

static char *read_knob(const char *dir, const char *knob)
{
	char *path = xasprintf("%s/%s", dir, knob);
	struct strbuf sb = STRBUF_INIT;
	char *text = read_file(path, &sb) == 0 ? (sb.buf ? sb.buf : xstrdup("")) : NULL;
	if (!text)
		sb_release(&sb);
	free(path);
	return text;
}

/*
 * Makes dir hand the controllers of want (those its own cgroup.controllers
 * offers, "memory" and "pids" required) to its children. Returns 0, or -1
 * with why.
 */
static int delegate(const char *dir, int may_move, char *why, size_t whylen)
{
	static const char *const want[] = { "memory", "pids", "cpu" };
	char *offered = read_knob(dir, "cgroup.controllers");
	char *given = read_knob(dir, "cgroup.subtree_control");
	char add[64] = "";
	int rc = 0;

	if (!offered || !given) {
		snprintf(why, whylen, "cannot read the controllers of %s: %s", dir, strerror(errno));
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
		if (!has_word(offered, want[i])) {
			if (i < 2) {
				snprintf(why, whylen, "the cgroup %s has no %s controller (it has: %.40s)",
					 dir, want[i], offered);
				rc = -1;
				goto out;
			}
		} else if (!has_word(given, want[i])) {
			snprintf(add + strlen(add), sizeof add - strlen(add), "%s+%s", *add ? " " : "",
				 want[i]);
		}
	}
	if (!*add)
		goto out;
	rc = cg_write(dir, "cgroup.subtree_control", add);
	if (rc < 0 && errno == EBUSY && may_move) {
		/* its processes (the grader, the shell that started it) into a leaf of their own */
		char *leaf = xasprintf("%s/sockgrade-procs", dir);
		if (mkdir(leaf, 0755) == 0 || errno == EEXIST) {
			for (int pass = 0; pass < 8; pass++) {
				char *procs = read_knob(dir, "cgroup.procs");
				int moved = 0;
				for (char *p = procs, *end; p && *p; p = end) {
					long pid = strtol(p, &end, 10);
					if (end == p)
						break;
					char txt[24];
					snprintf(txt, sizeof txt, "%ld", pid);
					moved += cg_write(leaf, "cgroup.procs", txt) == 0;
				}
				free(procs);
				if (!moved)
					break;
			}
		}
		free(leaf);
		rc = cg_write(dir, "cgroup.subtree_control", add);
	}
	if (rc < 0)
		snprintf(why, whylen, "cannot give %s to the children of %s: %s", add, dir,
			 strerror(errno));
out:
	free(offered);
	free(given);
	return rc;
}

/* OWN/sockgrade, able to hand memory, pids (and cpu) to its workers' cgroups; NULL with why. */
static char *v2_base(char *why, size_t whylen)
{
	char *own = cg_own_dir(NULL);
	char *base = cg_base_of(own);
	/* the root cgroup may hold processes and hand out controllers at once */
	int is_root = strcmp(own, cg_fs_root()) == 0;
	if (delegate(own, !is_root, why, whylen) < 0 ||
	    ((mkdir(base, 0755) < 0 && errno != EEXIST) &&
	     (snprintf(why, whylen, "cannot make %s: %s", base, strerror(errno)), 1)) ||
	    delegate(base, 0, why, whylen) < 0) {
		free(base);
		base = NULL;
	}
	free(own);
	return base;
}

static char *v2_make(enum cg_controller c, const char *parent, pid_t id, int nproc, char *why,
		     size_t whylen)
{
	if (c == CG_DEVICES) {
		snprintf(why, whylen, "cgroup v2 has no devices files (a box's /dev has only its own nodes)");
		return NULL;
	}
	char *base = v2_base(why, whylen);
	if (!base)
		return NULL;
	char *dir = parent ? xstrdup(parent) : xasprintf("%s/%d", base, (int)id);
	char *made = NULL;
	char val[32];

	free(base);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(why, whylen, "cannot make %s: %s", dir, strerror(errno));
		goto out;
	}
	switch (c) {
	case CG_MEMORY:
		made = xstrdup(dir);
		break;
	case CG_CPU:
		/* the default weight: an equal share beside the other workers */
		if (cg_write(dir, "cpu.weight", "100") < 0)
			snprintf(why, whylen, "cannot set the cpu weight of %s: %s", dir, strerror(errno));
		else
			made = xstrdup(dir);
		break;
	case CG_PIDS: {
		char *leaf = xasprintf("%s/%d", dir, (int)id);
		snprintf(val, sizeof val, "%d", nproc);
		if (delegate(dir, 0, why, whylen) < 0) {
			free(leaf);
			break;
		}
		if ((mkdir(leaf, 0755) < 0 && errno != EEXIST) || cg_write(leaf, "pids.max", val) < 0) {
			snprintf(why, whylen, "cannot make %s: %s", leaf, strerror(errno));
			rmdir(leaf);
			free(leaf);
			break;
		}
		made = leaf;
		break;
	}
	default:
		break;
	}
out:
	free(dir);
	return made;
}

/*
 * One cgroup holds a process: the pids leaf, which is inside the memory
 * cgroup when the sandbox made both. -1 with EXDEV when the memory cgroup
 * was asked for and the process is not in it.
 */
static int v2_enter(const char *const dirs[NCG], pid_t pid)
{
	const char *mem = dirs[CG_MEMORY];
	const char *leaf = dirs[CG_PIDS] ? dirs[CG_PIDS] : mem;
	char txt[24];

	if (!leaf)
		return 0;
	snprintf(txt, sizeof txt, "%d", (int)pid);
	if (cg_write(leaf, "cgroup.procs", txt) < 0)
		return -1;
	size_t n = mem ? strlen(mem) : 0;
	if (mem && !(strncmp(leaf, mem, n) == 0 && (leaf[n] == '/' || leaf[n] == '\0')))
		return errno = EXDEV, -1;
	return 0;
}

static long v2_memory_limit(const char *dir)
{
	return cg_read_number(dir, "memory.max", NULL);
}

static int v2_set_memory_limit(const char *dir, long bytes)
{
	char val[32];

	snprintf(val, sizeof val, "%ld", bytes);
	/* no swap beyond the limit, or a hog would page out instead of being stopped */
	cg_write(dir, "memory.swap.max", "0");
	return cg_write(dir, "memory.max", val);
}

static long v2_failcnt(const char *dir)
{
	return cg_read_number(dir, "memory.events", "oom_kill");
}

static void v2_kill(const char *dir)
{
	if (cg_write(dir, "cgroup.kill", "1") < 0)	/* before Linux 5.14 */
		cg_v1_ops.kill(dir);
}

/* A dead worker's cgroup: its leaves, then itself. */
static void remove_worker(const char *dir)
{
	cg_each_numbered(dir, 0, cg_rmdir);
	rmdir(dir);
}

static void v2_remove_stale(void)
{
	char *own = cg_own_dir(NULL);
	char *base = cg_base_of(own);
	cg_each_numbered(base, 1, remove_worker);
	free(own);
	free(base);
}

const struct cg_ops cg_v2_ops = {
	.make = v2_make,
	.enter = v2_enter,
	.memory_limit = v2_memory_limit,
	.set_memory_limit = v2_set_memory_limit,
	.failcnt = v2_failcnt,
	.kill = v2_kill,
	.remove_stale = v2_remove_stale,
};
