/*
 * sandbox/internal.h: what the sandbox's files share (not for other
 * modules): the state of a sandbox and of a started program, and the
 * stages that spawn.c runs on the other files.
 */
#ifndef SG_SANDBOX_INTERNAL_H
#define SG_SANDBOX_INTERNAL_H

#include <sys/resource.h>
#include <sys/types.h>

#include "cgroup.h"
#include "sandbox.h"

/* How many processes the boxes of one probe (or of one worker's build) may have together: a pids cgroup. */
#define BOX_NPROC 128

enum sb_mode { SB_NONE, SB_ROOTLESS, SB_ROOT, SB_CONTAINER };
/* The modes that run each program in a box of namespaces (box.c); none and container do not. */
#define SB_BOXED(m) ((m) == SB_ROOTLESS || (m) == SB_ROOT)

/*
 * For the isolation tests only: SOCKGRADE_TEST_WEAKEN=netns,mount,pidns,uid,limits
 * leaves out that part of the box, so that a test can show it fails when the
 * claim it checks is removed. Never set in a grading run.
 */
enum { WEAK_NETNS = 1, WEAK_MOUNT = 2, WEAK_PIDNS = 4, WEAK_UID = 8, WEAK_LIMITS = 16, WEAK_FILTER = 32,
       WEAK_KEYRING = 64, WEAK_HOSTPATH = 128 };
extern int weaken;

struct sandbox {
	enum sb_mode mode;
	pid_t worker;		/* the process that opened it: the subreaper */
	int nlive;		/* processes spawned and not yet reaped */
	struct sbproc *live;	/* those processes, linked by next */
	uid_t uid;		/* root mode: the unprivileged ids student code runs as */
	gid_t gid;
	char *boxdir;		/* the worker's folder for box roots */
	char *root;		/* boxdir/root: the template every box's root is made on, once mounted */
	int split;		/* a probe process's copy (sandbox_split): the worker owns the rest */
	int uid_lock;		/* root mode: the lock that holds uid for this worker */
	pid_t *inits;		/* inits of ended boxes, not yet reaped */
	size_t ninits;
	char *cg[NCG];		/* root mode: its cgroups (memory, pids, cpu, devices), once made */
	int cg_failed[NCG];	/* 1: that hierarchy cannot be used here */
	char cg_error[NCG][96];	/* why, when it cannot */
};

struct sbproc {
	struct sandbox *sb;
	pid_t pid;
	int pidfd;		/* says when it ended (a box: its status pipe); -1 once it has */
	int in_fd;		/* write end of stdin, or -1 */
	int out_fd, err_fd;	/* read ends, -1 at EOF */
	int64_t started;
	int stopping;		/* the harness sent the signal that ends it */
	int timed_out;
	int64_t cpu_limit_ms;	/* 0: none */
	int boxed;		/* pid is the box's init, not the program */
	int keep_box;		/* boxed: init stays, with the program's descendants, after the program ends */
	int box_kept;		/* the program has ended and its box is kept: init not yet killed */
	pid_t student;		/* boxed: the program's pid, once known */
	int memcg;		/* boxed: in the sandbox's memory cgroup */
	long failcnt0;		/* its memory.failcnt when the program started */
	long memory_mb;
	struct sbproc *next;	/* in sb->live while not reaped */
	struct verdict v;
	struct capture out, err;
};

/* What init tells the worker when the program ends. */
struct box_msg {
	int status;
	struct rusage ru;
};

/* Why a box could not be set up: the stage whose name box_stages[] holds, sent with errno. */
enum { STAGE_EXEC, STAGE_MNTNS, STAGE_ROOT, STAGE_USR, STAGE_SYSDIRS, STAGE_ETC, STAGE_DEV, STAGE_PROC, STAGE_TMP,
       STAGE_SCRATCH, STAGE_PIVOT, STAGE_RDONLY, STAGE_IDS, STAGE_CAPS, STAGE_CWD, STAGE_KEYRING,
       STAGE_FILTER, STAGE_CGROUPNS };

/* The descriptors of one spawn, each pair { read end, write end }; -1 where closed. */
struct spawn_fds {
	int in[2];		/* the program's stdin: a pipe, or /dev/null in in[0] */
	int out[2];		/* its stdout: a pipe, or a pseudo-terminal (master, slave) */
	int err[2];		/* its stderr */
	int exec_err[2];	/* the child's report of a stage that failed; EOF when it ran */
	int sync[2];		/* a box: the worker's go to init, once the box is in its cgroups */
	int status[2];		/* a box: init's report of how the program ended (struct box_msg) */
};

/* ---- sandbox.c ---- */

/* Writes text to an existing file (a /proc or cgroup knob); 0, or -1 with errno. */
int write_text(const char *path, const char *text);
/* The sandbox's cgroup of controller which, made on first use; NULL where it cannot be. */
const char *cgroup_of(struct sandbox *sb, int which);

/* ---- capture.c ---- */

void capture_init(struct capture *c, size_t cap);
void capture_add(struct capture *c, const char *data, size_t len);
void capture_release(struct capture *c);
/* Bytes written but not kept. */
size_t capture_cut(const struct capture *c);

/* ---- exec.c: the child's side ---- */

extern const char *const box_stages[];
/* Sends errno and the stage that failed over the exec-error pipe, and exits. */
void report_stage(int errpipe, int stage);
/* The limits of one program, set in its own process before exec. */
void apply_limits(const struct sandbox_limits *l, int nproc, int memory_cgroup);
/* Makes fds 0, 1, 2 the program's stdio and closes every other but keep1 and keep2. */
int setup_stdio(const struct spawn *sp, int in_fd, int out_fd, int err_fd, int keep1,
		int keep2);
/* exec with a clean environment; never returns. */
void exec_program(const struct spawn *sp, int errpipe);

/* ---- none.c: the none mode ---- */

/* Forks the program in a session of its own; the child's pid, or -1 (errno). */
pid_t none_start(const struct spawn *sp, const struct spawn_fds *f);
/* A pidfd that says when pid has ended; -1 (errno). */
int pidfd_open_(pid_t pid);
/* Kills and reaps processes whose parent is the worker and that no sbproc tracks. */
void none_sweep(struct sandbox *sb);

/* ---- container.c: the container mode ---- */

/* Forks the program as the sandbox's own user id, in a session of its own; its pid, or -1 (errno). */
pid_t container_start(const struct sandbox *sb, const struct spawn *sp, const struct spawn_fds *f);
/* Why namespaces are refused here, said once by sandbox_select(); "" when not known. */
extern char container_why[160];
/* The memory a program may have in the container mode, in MiB: below the container's own limit. */
long container_memory_mb(long asked);

/* ---- box.c: the box modes ---- */

/* Clones the box's init, which sets the box up and forks the program; its pid, or -1 (errno). */
pid_t box_start(const struct sandbox *sb, const struct spawn *sp, const struct spawn_fds *f);
/* Root mode: a user id of the worker's own from the pool; 0, or -1 with err. */
int take_uid(struct sandbox *sb, char *err);
/* Mounts the worker's template root in its mount namespace; 0, or -1 with err. */
int open_template(struct sandbox *sb, char *err);
/* An ended box's init, to be reaped once the kernel has taken the box down. */
void box_defer_reap(struct sandbox *sb, pid_t pid);
/* Reaps the inits of ended boxes: those that are gone, or (block) all of them. */
void sandbox_reap_boxes(struct sandbox *sb, int block);

/* ---- proc.c ---- */

/* A signal for everything p started: its process group, or (boxed) init, which forwards it. */
void signal_all(struct sbproc *p, int sig);

#endif
