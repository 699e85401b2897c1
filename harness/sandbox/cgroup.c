/*
 * sandbox/cgroup: which cgroup hierarchy this machine has and where in it
 * the grader runs, so that its boxes' cgroups go under the grader's own
 * cgroup: /sys/fs/cgroup/<controller>/<own>/sockgrade/ on v1,
 * /sys/fs/cgroup/<own>/sockgrade/ on v2. A limit on the grader's cgroup (a
 * container's 768 MB, a Slurm job's memory) then bounds everything it runs.
 * The rest is cgroup_v1.c's or cgroup_v2.c's (struct cg_ops).
 */
#include "cgroup.h"
#include "internal.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *fs_root = "/sys/fs/cgroup";
static const char *self_file = "/proc/self/cgroup";
static const struct cg_ops *ops;
static int probed;

void cgroup_set_root(const char *fsroot, const char *selfcg)
{
	static char fs_copy[256], self_copy[256];
	snprintf(fs_copy, sizeof fs_copy, "%s", fsroot ? fsroot : "/sys/fs/cgroup");
	snprintf(self_copy, sizeof self_copy, "%s", selfcg ? selfcg : "/proc/self/cgroup");
	fs_root = fs_copy;
	self_file = self_copy;
	ops = NULL;
	probed = 0;
}

/* v2 where the unified hierarchy is mounted at the root (it has cgroup.controllers), else v1. */
static const struct cg_ops *hierarchy(void)
{
	if (!probed) {
		char *v2 = xasprintf("%s/cgroup.controllers", fs_root);
		char *v1 = xasprintf("%s/memory", fs_root);
		ops = access(v2, F_OK) == 0 ? &cg_v2_ops : access(v1, F_OK) == 0 ? &cg_v1_ops : NULL;
		free(v2);
		free(v1);
		probed = 1;
	}
	return ops;
}

const char *cgroup_version(void)
{
	const struct cg_ops *o = hierarchy();
	return o == &cg_v2_ops ? "v2" : o == &cg_v1_ops ? "v1" : NULL;
}

/*
 * /proc/self/cgroup has a line "ID:CONTROLLERS:PATH" per v1 hierarchy
 * (CONTROLLERS a comma-separated list) and "0::PATH" for v2. Returns the
 * folder of the line for controller (NULL: v2's), or the root when the
 * file says nothing of it.
 */
char *cg_own_dir(const char *controller)
{
	struct strbuf sb = STRBUF_INIT;
	char *path = NULL;

	if (read_file(self_file, &sb) == 0 && sb.buf) {
		for (char *line = sb.buf, *next; line && *line && !path; line = next) {
			next = strchr(line, '\n');
			if (next)
				*next++ = '\0';
			char *c1 = strchr(line, ':');
			char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
			if (!c2 || c2[1] != '/')
				continue;
			*c2 = '\0';
			const char *list = c1 + 1;
			int match = 0;
			if (!controller) {
				match = *list == '\0' && strncmp(line, "0:", 2) == 0;
			} else {
				size_t n = strlen(controller);
				for (const char *p = list; *p && !match; p = strchr(p, ',') ? strchr(p, ',') + 1 : "")
					match = strncmp(p, controller, n) == 0 && (p[n] == ',' || p[n] == '\0');
			}
			/* "/" alone is the root; a path with ".." is nothing a kernel writes */
			if (match && !strstr(c2 + 1, "/.."))
				path = strcmp(c2 + 1, "/") == 0 ? xstrdup("") : xstrdup(c2 + 1);
		}
	}
	sb_release(&sb);
	/* on v2 the grader may sit in the leaf cgroup_v2.c moved it to: its cgroup is the one above */
	static const char moved[] = "/sockgrade-procs";
	size_t n = path ? strlen(path) : 0;
	if (!controller && n >= sizeof moved - 1 && strcmp(path + n - (sizeof moved - 1), moved) == 0)
		path[n - (sizeof moved - 1)] = '\0';
	char *dir = xasprintf("%s%s%s%s", fs_root, controller ? "/" : "", controller ? controller : "",
			      path ? path : "");
	free(path);
	return dir;
}

const char *cg_fs_root(void)
{
	return fs_root;
}

char *cg_base_of(const char *dir)
{
	return xasprintf("%s/sockgrade", dir);
}

long cg_read_number(const char *dir, const char *knob, const char *key)
{
	char *path = xasprintf("%s/%s", dir, knob);
	struct strbuf sb = STRBUF_INIT;
	long v = -1;
	if (read_file(path, &sb) == 0 && sb.buf) {
		const char *p = sb.buf;
		if (key) {
			size_t n = strlen(key);
			for (p = sb.buf; p && !(strncmp(p, key, n) == 0 && p[n] == ' ');
			     p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
				;
			p = p ? p + strlen(key) + 1 : NULL;
		}
		char *end;
		if (p) {
			long x = strtol(p, &end, 10);
			if (end != p)
				v = x;
		}
	}
	sb_release(&sb);
	free(path);
	return v;
}

int cg_write(const char *dir, const char *knob, const char *value)
{
	char *path = xasprintf("%s/%s", dir, knob);
	int rc = write_text(path, value);
	free(path);
	return rc;
}

char *cgroup_make(enum cg_controller c, const char *parent, pid_t id, int nproc, char *why,
		  size_t whylen)
{
	const struct cg_ops *o = hierarchy();
	if (!o) {
		snprintf(why, whylen, "cannot make a cgroup: no cgroup file system at %s", fs_root);
		return NULL;
	}
	return o->make(c, parent, id, nproc, why, whylen);
}

int cgroup_enter(const char *const dirs[NCG], pid_t pid)
{
	const struct cg_ops *o = hierarchy();
	if (!o)
		return dirs[CG_MEMORY] ? (errno = ENOENT, -1) : 0;
	return o->enter(dirs, pid);
}

long cgroup_memory_limit(const char *dir)
{
	return hierarchy() ? hierarchy()->memory_limit(dir) : -1;
}

int cgroup_set_memory_limit(const char *dir, long bytes)
{
	if (!hierarchy())
		return errno = ENOENT, -1;
	return hierarchy()->set_memory_limit(dir, bytes);
}

long cgroup_failcnt(const char *dir)
{
	return hierarchy() ? hierarchy()->failcnt(dir) : -1;
}

void cgroup_kill(const char *dir)
{
	if (hierarchy())
		hierarchy()->kill(dir);
}

void cgroup_remove(const char *dir)
{
	rmdir(dir);
}

void cg_each_numbered(const char *base, int dead_only, void (*fn)(const char *dir))
{
	DIR *d = opendir(base);
	struct dirent *e;

	while (d && (e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || (dead_only && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)))
			continue;
		char *dir = xasprintf("%s/%s", base, e->d_name);
		fn(dir);
		free(dir);
	}
	if (d)
		closedir(d);
}

void cg_rmdir(const char *dir)
{
	rmdir(dir);
}

void cgroup_remove_stale(void)
{
	if (hierarchy())
		hierarchy()->remove_stale();
}
