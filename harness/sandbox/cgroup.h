/*
 * sandbox/cgroup.h: the cgroups a root-mode sandbox puts its boxes in.
 * cgroup.c finds the hierarchy and the grader's own place in it, so that a
 * box's cgroups nest under the cgroup the grader was started in (a
 * container's, a Slurm job's, a service's) and never at a hierarchy's root;
 * cgroup_v1.c and cgroup_v2.c are the two kinds of hierarchy. Not for other
 * modules (the tests excepted). Paths are a cgroup's folder.
 */
#ifndef SG_SANDBOX_CGROUP_H
#define SG_SANDBOX_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

/* The controllers a box joins, in this order. */
enum cg_controller { CG_MEMORY, CG_PIDS, CG_CPU, CG_DEVICES, NCG };

/*
 * Makes controller c's cgroup for id (a worker, or a probe process's pids)
 * set up with what it holds the boxes in it to: pids at most nproc
 * processes; cpu an equal share; devices only the few nodes a box has.
 * Memory's limit is set per program (cgroup_set_memory_limit). parent is
 * the memory cgroup the pids one goes in on cgroup v2 (where a process is
 * in one cgroup, so that a probe's pids cgroup is inside its worker's
 * memory one); NULL elsewhere. Returns the path (free it), or NULL with why
 * set to "cannot make X: reason" (whylen bytes).
 */
char *cgroup_make(enum cg_controller c, const char *parent, pid_t id, int nproc, char *why,
		  size_t whylen);
/*
 * Puts pid in the box's cgroups, dirs[] by controller (NULL: none of that
 * controller). 0 when it is in the memory cgroup dirs[CG_MEMORY] (or that
 * is NULL), or -1 with errno; the other controllers are best effort.
 */
int cgroup_enter(const char *const dirs[NCG], pid_t pid);
/* A memory cgroup's limit in bytes; -1 when it cannot be read. */
long cgroup_memory_limit(const char *dir);
/* Sets a memory cgroup's limit; 0, or -1 with errno. */
int cgroup_set_memory_limit(const char *dir, long bytes);
/* How often a memory cgroup's limit has ended a program; -1 when it cannot be read. */
long cgroup_failcnt(const char *dir);
/* Kills every process left in a cgroup (cgroup.kill on v2). */
void cgroup_kill(const char *dir);
/* Removes a cgroup made by cgroup_make (empty by then). */
void cgroup_remove(const char *dir);
/* Removes the cgroups of workers that died without removing theirs (SIGKILL). */
void cgroup_remove_stale(void);
/* "v1" or "v2": the hierarchy in use; NULL when there is none. */
const char *cgroup_version(void);

/*
 * For tests: use the cgroup file system at fsroot and the grader's place
 * in it as a /proc/self/cgroup file at selfcg says (NULL, NULL: the real
 * ones). Forgets what was found before.
 */
void cgroup_set_root(const char *fsroot, const char *selfcg);

/* ---- between cgroup.c and the two hierarchies ---- */
struct cg_ops {
	char *(*make)(enum cg_controller c, const char *parent, pid_t id, int nproc, char *why,
		      size_t whylen);
	int (*enter)(const char *const dirs[NCG], pid_t pid);
	long (*memory_limit)(const char *dir);
	int (*set_memory_limit)(const char *dir, long bytes);
	long (*failcnt)(const char *dir);
	void (*kill)(const char *dir);
	void (*remove_stale)(void);
};
extern const struct cg_ops cg_v1_ops, cg_v2_ops;
/* The grader's own cgroup of a v1 controller ("memory"), or v2's (NULL), as a path in fsroot. */
char *cg_own_dir(const char *controller);
/* The cgroup file system's root folder. */
const char *cg_fs_root(void);
/* The folder the sandbox's cgroups go in under dir: dir/sockgrade. */
char *cg_base_of(const char *dir);
/* Reads a number from a cgroup file (the value after key, when key is given); -1 when it cannot. */
long cg_read_number(const char *dir, const char *knob, const char *key);
/* Calls fn on each folder of base named by a pid (dead_only: of a process no longer alive). */
void cg_each_numbered(const char *base, int dead_only, void (*fn)(const char *dir));
void cg_rmdir(const char *dir);
int cg_write(const char *dir, const char *knob, const char *value);

#endif
