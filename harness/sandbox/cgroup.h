/*
 * sandbox/cgroup.h: the cgroups a root-mode sandbox puts its boxes in,
 * behind a small interface: cgroup_v1.c implements it on the v1
 * hierarchies (/sys/fs/cgroup/<controller>/), and a v2 implementation can
 * stand beside it. Not for other modules. Paths are a cgroup's folder.
 */
#ifndef SG_SANDBOX_CGROUP_H
#define SG_SANDBOX_CGROUP_H

#include <stddef.h>
#include <sys/types.h>

/* The controllers a box joins, in this order. */
enum cg_controller { CG_MEMORY, CG_PIDS, CG_CPU, CG_DEVICES, NCG };

/*
 * Makes controller c's cgroup of a worker, set up with what it holds the
 * boxes in it to: pids at most nproc processes; cpu an equal share; devices
 * only the few nodes a box has. Memory's limit is set per program
 * (cgroup_set_memory_limit). Returns the path (free it), or NULL with why
 * set to "cannot make X: reason" (whylen bytes).
 */
char *cgroup_make(enum cg_controller c, pid_t worker, int nproc, char *why, size_t whylen);
/* Puts pid in the cgroup; 0, or -1 with errno. */
int cgroup_join(const char *dir, pid_t pid);
/* A memory cgroup's limit in bytes; -1 when it cannot be read. */
long cgroup_memory_limit(const char *dir);
/* Sets a memory cgroup's limit; 0, or -1 with errno. */
int cgroup_set_memory_limit(const char *dir, long bytes);
/* How often a memory cgroup's limit has been hit; -1 when it cannot be read. */
long cgroup_failcnt(const char *dir);
/* Removes a cgroup made by cgroup_make (empty by then). */
void cgroup_remove(const char *dir);
/* Removes the cgroups of workers that died without removing theirs (SIGKILL). */
void cgroup_remove_stale(void);

#endif
