/*
 * sandbox: the one module that runs student code (its Makefile, its compiler
 * run and its binaries).
 *
 * Theory of operation
 * -------------------
 * Processes. The harness grades each submission in a worker process of its
 * own (grade.c forks it). The worker opens one sandbox and spawns every
 * student process through it. Each spawned process starts in a session and
 * process group of its own (setsid), so that one kill(-pgid) reaches it and
 * everything it forked that stayed in the group. The worker is a child
 * subreaper (PR_SET_CHILD_SUBREAPER): a daemon that double-forks or calls
 * setsid() is re-parented to the worker, not to init, so sandbox_sweep() finds
 * it by its parent pid and kills and reaps it.
 *
 * Probes of one submission may run at once (grade.c): in a box mode the
 * worker forks a runner, which forks one probe process per probe, at most
 * SANDBOX_MAX_SPLITS at a time. Each probe process calls sandbox_split: a
 * network namespace of its own, brought up, so that probes never share a
 * port, and a pids cgroup of its own, so that one probe's fork bomb never
 * stops another's programs from forking; it becomes the subreaper of its own
 * boxes. The scratch copy, the user id and the memory, cpu and devices
 * cgroups stay the submission's: probes at once share one memory limit (a
 * class of memory hogs must not take four times the memory), and a program
 * SIGKILLed while another probe's hog hit that limit is reported as a memory
 * kill. Harness processes stay out of every cgroup: only student processes
 * count.
 *
 * Who kills whom. The worker stops a process with SIGTERM, waits a short grace
 * on the process's pidfd, then SIGKILLs the group and sweeps escaped
 * descendants. Every spawned process has PR_SET_PDEATHSIG = SIGKILL, so when
 * the worker dies (even by SIGKILL) its direct children die with it.
 *
 * Pipes. stdin is /dev/null or a pipe the harness writes; stdout and stderr
 * are pipes (stdout a raw pseudo-terminal for clients, so that stdio
 * line-buffers as at a terminal; EIO on its master is its end) the harness drains whenever it polls (sbproc_pollfds), keeping
 * the first and last part of each (struct capture) so that endless output
 * costs bounded memory and never blocks the program. A pidfd tells poll()
 * when the process has ended; it is then reaped with wait4 for its rusage.
 *
 * Limits. CPU time (RLIMIT_CPU, SIGXCPU then SIGKILL), address space, open
 * files, file size, no core files; wall time is the harness's own deadline.
 * Signal dispositions and the mask are reset before exec, so a student
 * program dies of SIGPIPE as it would from a shell even though the harness
 * ignores SIGPIPE.
 *
 * Modes. This file implements the "none" mode: process groups, subreaper,
 * rlimits, a clean environment. It does not isolate the network or the file
 * system; sandbox_mode_warning() says so and the reports show it.
 */
#include "sandbox.h"
#include "sandbox_filter.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <net/if.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <pty.h>
#include <termios.h>
#include <unistd.h>

#define GRACE_MS 200
/* How many processes the boxes of one probe (or of one worker's build) may have together: a pids cgroup. */
#define BOX_NPROC 128

enum sb_mode { SB_NONE, SB_ROOTLESS, SB_ROOT };

/* The cgroup v1 controllers a box joins, in this order. */
enum { CG_MEMORY, CG_PIDS, CG_CPU, CG_DEVICES, NCG };

static const char *const mode_names[] = { "none", "rootless", "root" };

/* The mode of this run, chosen once by sandbox_select() before workers fork. */
static enum sb_mode run_mode = SB_NONE;

/*
 * For the isolation tests only: SOCKGRADE_TEST_WEAKEN=netns,mount,pidns,uid,limits
 * leaves out that part of the box, so that a test can show it fails when the
 * claim it checks is removed. Never set in a grading run.
 */
enum { WEAK_NETNS = 1, WEAK_MOUNT = 2, WEAK_PIDNS = 4, WEAK_UID = 8, WEAK_LIMITS = 16, WEAK_FILTER = 32,
       WEAK_KEYRING = 64 };
static int weaken;

static void read_weaken(void)
{
	const char *w = getenv("SOCKGRADE_TEST_WEAKEN");
	static const struct { const char *name; int bit; } parts[] = {
		{ "netns", WEAK_NETNS }, { "mount", WEAK_MOUNT }, { "pidns", WEAK_PIDNS },
		{ "uid", WEAK_UID }, { "limits", WEAK_LIMITS }, { "filter", WEAK_FILTER },
		{ "keyring", WEAK_KEYRING },
	};
	weaken = 0;
	for (size_t i = 0; w && i < sizeof parts / sizeof *parts; i++)
		if (strstr(w, parts[i].name))
			weaken |= parts[i].bit;
}

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

const char *verdict_code(enum verdict_status s)
{
	switch (s) {
	case V_RUNNING: return "running";
	case V_OK: return "OK";
	case V_EXIT: return "RE";
	case V_SIGNAL: return "SG";
	case V_TIME: return "TO";
	case V_MEMORY: return "ML";
	case V_OUTPUT: return "OL";
	case V_STOPPED: return "stopped";
	case V_ERROR: return "XX";
	}
	return "?";
}

void verdict_describe(const struct verdict *v, struct strbuf *sb)
{
	switch (v->status) {
	case V_RUNNING: sb_adds(sb, "still running"); break;
	case V_OK: sb_adds(sb, "exited with status 0"); break;
	case V_EXIT: sb_addf(sb, "exited with status %d", v->exit_code); break;
	case V_SIGNAL:
		sb_addf(sb, "killed by SIG%s", sigabbrev_np(v->signal) ? sigabbrev_np(v->signal) : "?");
		if (v->signal == SIGPIPE)
			sb_adds(sb, " (it wrote to a connection the peer had closed)");
		break;
	case V_TIME: sb_adds(sb, "time limit exceeded"); break;
	case V_MEMORY: sb_adds(sb, "memory limit exceeded"); break;
	case V_OUTPUT: sb_adds(sb, "output limit exceeded"); break;
	case V_STOPPED: sb_adds(sb, "stopped by the harness"); break;
	case V_ERROR: sb_addf(sb, "could not run: %s", v->detail); break;
	}
	if (v->output_cut)
		sb_addf(sb, " (output limit: %zu bytes not kept)", v->output_cut);
}

const char *memory_hold_name(enum memory_hold m)
{
	return m == MEM_CGROUP ? "cgroup" : m == MEM_ADDRESS_SPACE ? "address space" : NULL;
}

void sandbox_default_limits(struct sandbox_limits *lim)
{
	lim->cpu_ms = 10000;
	lim->memory_mb = 1024;
	lim->nofile = 256;
	lim->fsize_mb = 64;
	lim->output_cap = 1 << 20;
}

/* ---- captured output ---- */

static void capture_init(struct capture *c, size_t cap)
{
	memset(c, 0, sizeof *c);
	c->cap = cap < 64 ? 64 : cap;
}

static void capture_add(struct capture *c, const char *data, size_t len)
{
	size_t head_cap = c->cap / 2;

	c->total += len;
	if (c->head.len < head_cap) {
		size_t n = head_cap - c->head.len;
		if (n > len)
			n = len;
		sb_add(&c->head, data, n);
		data += n;
		len -= n;
	}
	if (!len)
		return;
	if (!c->tail) {
		c->tail_cap = c->cap - head_cap;
		c->tail = xmalloc(c->tail_cap);
	}
	if (len >= c->tail_cap) {
		memcpy(c->tail, data + len - c->tail_cap, c->tail_cap);
		c->tail_pos = 0;
		c->tail_len = c->tail_cap;
		return;
	}
	for (size_t i = 0; i < len; i++) {
		c->tail[c->tail_pos] = data[i];
		c->tail_pos = (c->tail_pos + 1) % c->tail_cap;
		if (c->tail_len < c->tail_cap)
			c->tail_len++;
	}
}

static void capture_release(struct capture *c)
{
	sb_release(&c->head);
	free(c->tail);
	c->tail = NULL;
}

static size_t capture_cut(const struct capture *c)
{
	return c->total - c->head.len - c->tail_len;
}

static void tail_copy(const struct capture *c, size_t skip, struct strbuf *out)
{
	size_t start = (c->tail_pos + c->tail_cap - c->tail_len) % (c->tail_cap ? c->tail_cap : 1);
	for (size_t i = skip; i < c->tail_len; i++)
		sb_addc(out, c->tail[(start + i) % c->tail_cap]);
}

void capture_text(const struct capture *c, struct strbuf *out)
{
	if (c->head.len)
		sb_add(out, c->head.buf, c->head.len);
	size_t cut = capture_cut(c);
	if (cut)
		sb_addf(out, "\n[... %zu bytes cut ...]\n", cut);
	if (c->tail_len)
		tail_copy(c, 0, out);
}

void capture_tail(const struct capture *c, size_t n, struct strbuf *out)
{
	if (c->tail_len >= n) {
		tail_copy(c, c->tail_len - n, out);
		return;
	}
	size_t from_head = n - c->tail_len;
	if (from_head > c->head.len)
		from_head = c->head.len;
	if (from_head)
		sb_add(out, c->head.buf + c->head.len - from_head, from_head);
	tail_copy(c, 0, out);
}

/* ---- the sandbox ---- */

static void sandbox_reap_boxes(struct sandbox *sb, int block);

/* chown -R without following links; closes fd. */
static int chown_tree(int fd, uid_t uid, gid_t gid)
{
	int rc = fchown(fd, uid, gid);
	DIR *d = fdopendir(fd);
	if (!d) {
		close(fd);
		return -1;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || chown_tree(sub, uid, gid) < 0)
				rc = -1;
		} else if (fchownat(dirfd(d), e->d_name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = -1;
		}
	}
	closedir(d);
	return rc;
}

/* Brings the loopback interface of the current network namespace up. */
static int loopback_up(char *err)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct ifreq ifr;

	if (fd < 0) {
		snprintf(err, ERRLEN, "sandbox: socket: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof ifr);
	snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ||
	    (ifr.ifr_flags |= IFF_UP | IFF_RUNNING, ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)) {
		snprintf(err, ERRLEN, "sandbox: cannot bring up lo: %s", strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, text, strlen(text));
	close_keep_errno(fd);
	return rc;
}

/* What a mode leaves out, and the command that gives a stronger one; NULL for root. */
static const char *mode_warning(enum sb_mode m)
{
	switch (m) {
	case SB_NONE:
		return "not isolated: student programs share this machine's network and files "
		       "(process groups, rlimits and time limits only); for isolation run as root "
		       "(sudo make ...), or allow user namespaces (sudo sysctl -w "
		       "kernel.unprivileged_userns_clone=1; on Ubuntu 24.04 sudo sysctl -w "
		       "kernel.apparmor_restrict_unprivileged_userns=0)";
	case SB_ROOTLESS:
		return "isolated without root: own network, process and mount namespaces, but no "
		       "memory or process-count cgroup and no user id of its own; run as root "
		       "(sudo make ...) for those";
	case SB_ROOT:
		return NULL;
	}
	return NULL;
}

static const char *cgroup_of(struct sandbox *sb, int which);
static int cgroup_join(const char *dir, const char *knob, const char *value, pid_t pid);

static int take_uid(struct sandbox *sb, char *err);
static int open_template(struct sandbox *sb, char *err);

int sandbox_open(struct sandbox **out, char *err)
{
	struct sandbox *sb = xcalloc(1, sizeof *sb);

	*out = NULL;
	sb->mode = run_mode;
	sb->uid_lock = -1;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		snprintf(err, ERRLEN, "sandbox: cannot become a subreaper: %s", strerror(errno));
		goto fail;
	}
	sb->worker = getpid();
	if (sb->mode == SB_NONE) {
		*out = sb;
		return 0;
	}
	/*
	 * The worker itself moves into a network namespace of its own, so that
	 * its probes' sockets and the student's programs share a loopback that
	 * no other submission and no host service can be reached through.
	 */
	if (sb->mode == SB_ROOTLESS) {
		uid_t uid = getuid();
		gid_t gid = getgid();
		char map[64];
		if (unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) < 0) {
			snprintf(err, ERRLEN, "sandbox: user namespace: %s", strerror(errno));
			goto fail;
		}
		snprintf(map, sizeof map, "0 %u 1\n", (unsigned)uid);
		if (write_text("/proc/self/setgroups", "deny") < 0 ||
		    write_text("/proc/self/uid_map", map) < 0 ||
		    (snprintf(map, sizeof map, "0 %u 1\n", (unsigned)gid),
		     write_text("/proc/self/gid_map", map) < 0)) {
			snprintf(err, ERRLEN, "sandbox: uid map: %s", strerror(errno));
			goto fail;
		}
		sb->uid = 0;
		sb->gid = 0;
	} else {
		if (unshare(CLONE_NEWNS | ((weaken & WEAK_NETNS) ? 0 : CLONE_NEWNET)) < 0) {
			snprintf(err, ERRLEN, "sandbox: network namespace: %s", strerror(errno));
			goto fail;
		}
		/* a user id of its own per worker: RLIMIT_NPROC and kill(-1) reach only its boxes */
		if (take_uid(sb, err) < 0)
			goto fail;
	}
	/* the worker's own mounts (its scratch file systems) vanish with it */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		snprintf(err, ERRLEN, "sandbox: private mounts: %s", strerror(errno));
		goto fail;
	}
	if (loopback_up(err) < 0)
		goto fail;
	/* under the run's own work folder when there is one, so that its removal takes it too */
	const char *tmp = getenv("SOCKGRADE_WORKROOT");
	if (!tmp || !*tmp)
		tmp = getenv("TMPDIR");
	char *dir = xasprintf("%s/sockgrade-box.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		snprintf(err, ERRLEN, "sandbox: '%s': %s", dir, strerror(errno));
		free(dir);
		goto fail;
	}
	chmod(dir, 0755);
	sb->boxdir = dir;
	if (!(weaken & WEAK_MOUNT) && open_template(sb, err) < 0)
		goto fail;
	/* made now, so that the probe processes split from this worker share cpu and devices */
	if (sb->mode == SB_ROOT && !(weaken & WEAK_LIMITS))
		for (int i = 0; i < NCG; i++)
			cgroup_of(sb, i);
	*out = sb;
	return 0;
fail:
	if (sb->uid_lock >= 0)
		close(sb->uid_lock);
	free(sb);
	return -1;
}

/* 1 when the cgroup is this process's to remove: all of a worker's, a probe process's pids. */
static int cg_owned(const struct sandbox *sb, int which)
{
	return !sb->split || which == CG_PIDS;
}

int sandbox_can_split(const struct sandbox *sb)
{
	return sb->mode != SB_NONE && !(weaken & WEAK_NETNS);
}

int sandbox_split(struct sandbox *sb, char *err)
{
	if (!sandbox_can_split(sb))
		return 0;
	/* first what is this process's own: nothing of the worker's is its to stop, reap or remove */
	sb->worker = getpid();
	sb->live = NULL;
	sb->nlive = 0;
	sb->inits = NULL;
	sb->ninits = 0;
	sb->uid_lock = -1;	/* the worker's descriptor holds the id for the submission */
	sb->split = 1;		/* and the worker's template root and folder stay its own */
	/*
	 * pids: this probe's own, made on first use and removed by sandbox_close
	 * (cg_owned). The others, made by sandbox_open, stay the worker's: memory
	 * too, so that probes at once share one limit and a class of memory hogs
	 * cannot take SANDBOX_MAX_SPLITS times the memory.
	 */
	free(sb->cg[CG_PIDS]);
	sb->cg[CG_PIDS] = NULL;
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
		snprintf(err, ERRLEN, "sandbox: cannot become a subreaper: %s", strerror(errno));
		return -1;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(err, ERRLEN, "sandbox: network namespace: %s", strerror(errno));
		return -1;
	}
	return loopback_up(err) < 0 ? -1 : 1;
}

/*
 * Root mode: a user id of the worker's own, from a pool of lock files, so
 * that two boxes graded at once never share one (RLIMIT_NPROC counts per
 * user). The kernel frees an id when its worker dies.
 */
#define UID_BASE 1100000000u	/* far above any account's id */
#define UID_POOL 4096

static int take_uid(struct sandbox *sb, char *err)
{
	const char *dir = "/run/sockgrade-uids";
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		dir = "/tmp/sockgrade-uids";
		if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
			snprintf(err, ERRLEN, "sandbox: '%s': %s", dir, strerror(errno));
			return -1;
		}
	}
	unsigned int start = (unsigned int)getpid() % UID_POOL;
	for (unsigned int i = 0; i < UID_POOL; i++) {
		unsigned int n = (start + i) % UID_POOL;
		char path[96];
		snprintf(path, sizeof path, "%s/%u", dir, n);
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (fd < 0)
			continue;
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			sb->uid_lock = fd;
			sb->uid = sb->gid = (uid_t)(UID_BASE + n);
			return 0;
		}
		close(fd);
	}
	snprintf(err, ERRLEN, "sandbox: all %d box user ids are taken", UID_POOL);
	return -1;
}

/*
 * In a box mode, makes path a file system of its own, 512 MiB at most, so
 * that a program writing without end fills its own space, not the host's
 * disk. Elsewhere just the folder.
 */
int sandbox_make_scratch(struct sandbox *sb, const char *path, char *err)
{
	if (mkdir(path, 0755) < 0 && errno != EEXIST) {
		snprintf(err, ERRLEN, "'%s': cannot create: %s", path, strerror(errno));
		return -1;
	}
	if (sb->mode == SB_NONE)
		return 0;
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=512m,mode=0755") < 0) {
		snprintf(err, ERRLEN, "'%s': cannot mount its file system: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

const char *sandbox_mode(const struct sandbox *sb)
{
	return mode_names[sb->mode];
}

const char *sandbox_mode_warning(const struct sandbox *sb)
{
	return mode_warning(sb->mode);
}

void sandbox_close(struct sandbox *sb)
{
	if (!sb)
		return;
	sandbox_sweep(sb);
	sandbox_reap_boxes(sb, 1);
	free(sb->inits);
	for (int i = 0; i < NCG; i++) {
		if (sb->cg[i] && cg_owned(sb, i))
			rmdir(sb->cg[i]);
		free(sb->cg[i]);
	}
	if (sb->uid_lock >= 0)
		close(sb->uid_lock);
	/* unmounted before removal, so that removal never walks into the binds of /usr or /dev */
	if (sb->root && !sb->split)
		umount2(sb->root, MNT_DETACH);
	if (sb->boxdir && !sb->split)
		remove_tree(sb->boxdir);
	free(sb->root);
	free(sb->boxdir);
	free(sb);
}

/* Hands a folder (the scratch copy) to the box's user, so that its programs may write there. */
int sandbox_prepare_dir(struct sandbox *sb, const char *path, char *err)
{
	if (sb->mode != SB_ROOT)
		return 0;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, ERRLEN, "'%s': %s", path, strerror(errno));
		return -1;
	}
	int rc = chown_tree(fd, sb->uid, sb->gid);
	if (rc < 0)
		snprintf(err, ERRLEN, "'%s': cannot hand to the sandbox: %s", path, strerror(errno));
	return rc;
}

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static void set_limit(int res, rlim_t v)
{
	struct rlimit rl = { v, v };
	setrlimit(res, &rl);
}

/* The limits of one program, set in its own process before exec. */
static void apply_limits(const struct sandbox_limits *l, int nproc, int memory_cgroup)
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

static void report_stage(int errpipe, int stage);

/* exec with a clean environment; never returns. */
static void exec_program(const struct spawn *sp, int errpipe)
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
static int setup_stdio(const struct spawn *sp, int in_fd, int out_fd, int err_fd, int keep1,
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
	if (sp->cwd && chdir(sp->cwd) < 0)
		report_stage(errpipe, 0);
	apply_limits(sp->lim, 0, 0);
	exec_program(sp, errpipe);
}

/* ---- boxes: the root and rootless modes ---- */

/* What init tells the worker when the program ends. */
struct box_msg {
	int status;
	struct rusage ru;
};

/* Why a box could not be set up: the stage and its errno, sent over the exec-error pipe. */
static const char *const box_stages[] = {
	"exec", "mount namespace", "root tmpfs", "/usr", "system folders", "/etc", "/dev", "/proc",
	"/tmp", "scratch folder", "pivot_root", "read-only root", "user id", "capabilities",
	"working folder", "keyrings", "system call filter",
};

enum { STAGE_EXEC, STAGE_MNTNS, STAGE_ROOT, STAGE_USR, STAGE_SYSDIRS, STAGE_ETC, STAGE_DEV, STAGE_PROC, STAGE_TMP,
       STAGE_SCRATCH, STAGE_PIVOT, STAGE_RDONLY, STAGE_IDS, STAGE_CAPS, STAGE_CWD, STAGE_KEYRING,
       STAGE_FILTER };

static void report_stage(int errpipe, int stage)
{
	int msg[2] = { errno, stage };
	if (write(errpipe, msg, sizeof msg) < 0) {
		/* the worker will see the pipe close instead */
	}
	_exit(127);
}

static unsigned long mount_flags_of(const char *path)
{
	struct statvfs st;
	unsigned long f = 0;
	if (statvfs(path, &st) < 0)
		return 0;
	if (st.f_flag & ST_NOSUID) f |= MS_NOSUID;
	if (st.f_flag & ST_NODEV) f |= MS_NODEV;
	if (st.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
	if (st.f_flag & ST_NOATIME) f |= MS_NOATIME;
	if (st.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
	if (st.f_flag & ST_RELATIME) f |= MS_RELATIME;
	return f;
}

/* Binds src read-only at dst (a file or folder that exists). */
static int bind_ro(const char *src, const char *dst)
{
	if (mount(src, dst, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	/* locked flags of the original (in a user namespace) must be kept */
	return mount(NULL, dst, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | mount_flags_of(src), NULL);
}

static int put_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	int rc = text ? write_all(fd, text, strlen(text)) : 0;
	close_keep_errno(fd);
	return rc;
}

/* A mount point at path of the same kind (file or folder) as src; 0, or -1 if src is missing. */
static int mount_point_like(const char *src, const char *path)
{
	struct stat st;
	if (stat(src, &st) < 0)
		return -1;
	if (S_ISDIR(st.st_mode))
		return mkdir(path, 0755) < 0 && errno != EEXIST ? -1 : 0;
	return put_file(path, NULL);
}

/*
 * The worker's template of a box's root file system, assembled once in the
 * worker's mount namespace (sandbox_open) so that a box needs a handful of
 * mounts, not two dozen (mounts take a lock that every box of the machine
 * waits for). Only what the programs need is there: /usr and the library
 * folders read-only, a small /etc, a few devices, and the empty points where
 * each box mounts its own /proc, /tmp, /dev/shm and scratch copy. 0, or the
 * stage that failed (errno says why).
 */
static int make_template(const struct sandbox *sb, const char *root)
{
	static const char *const sysdirs[] = { "bin", "sbin", "lib", "lib32", "lib64", "libx32" };
	static const char *const etc_binds[] = { "alternatives", "ld.so.cache", "ld.so.conf",
						 "ld.so.conf.d", "localtime" };
	static const char *const devices[] = { "null", "zero", "full", "random", "urandom" };
	char path[4096], link[4096];

	if (mkdir(root, 0755) < 0 ||
	    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=755") < 0)
		return STAGE_ROOT;

	snprintf(path, sizeof path, "%s/usr", root);
	if (mkdir(path, 0755) < 0 || bind_ro("/usr", path) < 0)
		return STAGE_USR;
	for (size_t i = 0; i < sizeof sysdirs / sizeof *sysdirs; i++) {
		char src[64];
		struct stat st;
		snprintf(src, sizeof src, "/%s", sysdirs[i]);
		snprintf(path, sizeof path, "%s/%s", root, sysdirs[i]);
		if (lstat(src, &st) < 0)
			continue;
		if (S_ISLNK(st.st_mode)) {
			ssize_t n = readlink(src, link, sizeof link - 1);
			if (n < 0)
				return STAGE_SYSDIRS;
			link[n] = '\0';
			if (symlink(link, path) < 0)
				return STAGE_SYSDIRS;
		} else if (S_ISDIR(st.st_mode)) {
			if (mkdir(path, 0755) < 0 || bind_ro(src, path) < 0)
				return STAGE_SYSDIRS;
		}
	}

	snprintf(path, sizeof path, "%s/etc", root);
	if (mkdir(path, 0755) < 0)
		return STAGE_ETC;
	char passwd[256], group[256];
	snprintf(passwd, sizeof passwd, "root:x:0:0:root:/root:/bin/sh\nstudent:x:%u:%u:student:/tmp:/bin/sh\n",
		 (unsigned)sb->uid, (unsigned)sb->gid);
	snprintf(group, sizeof group, "root:x:0:\nstudent:x:%u:\n", (unsigned)sb->gid);
	struct { const char *name, *text; } files[] = {
		{ "passwd", passwd }, { "group", group },
		{ "hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n" },
		{ "nsswitch.conf", "passwd: files\ngroup: files\nhosts: files\nservices: files\n" },
		{ "hostname", "sockgrade\n" },
	};
	for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
		snprintf(path, sizeof path, "%s/etc/%s", root, files[i].name);
		if (put_file(path, files[i].text) < 0)
			return STAGE_ETC;
	}
	for (size_t i = 0; i < sizeof etc_binds / sizeof *etc_binds; i++) {
		char src[64];
		snprintf(src, sizeof src, "/etc/%s", etc_binds[i]);
		snprintf(path, sizeof path, "%s/etc/%s", root, etc_binds[i]);
		if (mount_point_like(src, path) < 0)
			continue;
		if (bind_ro(src, path) < 0)
			return STAGE_ETC;
	}

	snprintf(path, sizeof path, "%s/dev", root);
	if (mkdir(path, 0755) < 0)
		return STAGE_DEV;
	for (size_t i = 0; i < sizeof devices / sizeof *devices; i++) {
		char src[64];
		snprintf(src, sizeof src, "/dev/%s", devices[i]);
		snprintf(path, sizeof path, "%s/dev/%s", root, devices[i]);
		if (put_file(path, NULL) < 0 || mount(src, path, NULL, MS_BIND, NULL) < 0)
			return STAGE_DEV;
	}
	static const struct { const char *dir; mode_t mode; int stage; } points[] = {
		{ "dev/shm", 01777, STAGE_DEV }, { "proc", 0555, STAGE_PROC },
		{ "tmp", 01777, STAGE_TMP }, { ".old", 0700, STAGE_PIVOT },
	};
	for (size_t i = 0; i < sizeof points / sizeof *points; i++) {
		snprintf(path, sizeof path, "%s/%s", root, points[i].dir);
		if (mkdir(path, points[i].mode) < 0 || chmod(path, points[i].mode) < 0)
			return points[i].stage;
	}
	return 0;
}

/* Mounts the worker's template root in its mount namespace; 0, or -1 with err. */
static int open_template(struct sandbox *sb, char *err)
{
	char *root = xasprintf("%s/root", sb->boxdir);
	int stage = make_template(sb, root);
	if (stage != STAGE_ROOT)
		sb->root = root;	/* mounted: sandbox_close unmounts it */
	else
		free(root);
	if (stage) {
		snprintf(err, ERRLEN, "sandbox: cannot assemble the box's root (%s): %s",
			 box_stages[stage], strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * In init, in its new mount namespace (a copy of the worker's, template
 * included): mounts the box's own /dev/shm, /proc (of the box's pid
 * namespace), /tmp and scratch copy (writable, at its usual path) on the
 * template, moves into it and makes it read-only. Never returns on failure:
 * reports the stage and exits.
 */
static void enter_root(const char *root, const char *scratch, int errpipe)
{
	char path[4096];

	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		report_stage(errpipe, STAGE_MNTNS);
	snprintf(path, sizeof path, "%s/dev/shm", root);
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=1777") < 0)
		report_stage(errpipe, STAGE_DEV);
	snprintf(path, sizeof path, "%s/proc", root);
	if (mount("proc", path, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2") < 0)
		report_stage(errpipe, STAGE_PROC);
	snprintf(path, sizeof path, "%s/tmp", root);
	if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777") < 0)
		report_stage(errpipe, STAGE_TMP);

	if (scratch) {
		/* the scratch copy keeps its path, so that argv and cwd need no translation */
		snprintf(path, sizeof path, "%s%s", root, scratch);
		for (char *c = path + strlen(root) + 1; *c; c++) {
			if (*c != '/')
				continue;
			*c = '\0';
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				report_stage(errpipe, STAGE_SCRATCH);
			*c = '/';
		}
		if ((mkdir(path, 0755) < 0 && errno != EEXIST) ||
		    mount(scratch, path, NULL, MS_BIND | MS_NOSUID | MS_NODEV, NULL) < 0)
			report_stage(errpipe, STAGE_SCRATCH);
	}

	/* the template is every box's: its .old stays (empty) for the next box */
	snprintf(path, sizeof path, "%s/.old", root);
	if (syscall(SYS_pivot_root, root, path) < 0 || chdir("/") < 0 ||
	    umount2("/.old", MNT_DETACH) < 0)
		report_stage(errpipe, STAGE_PIVOT);
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		report_stage(errpipe, STAGE_RDONLY);
}

/* Drops every capability for good: bounding set, securebits, then the sets themselves. */
static int drop_caps(void)
{
	prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP |
				 SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED);
	for (int c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_DROP, c) < 0 && errno != EINVAL)
			return -1;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof d);
	return (int)syscall(SYS_capset, &h, d);
}

/* The forwarding init: the program's pid (its process group) in the box, and init's own. */
static volatile pid_t box_child;
static pid_t box_init_pid;

static void forward_signal(int sig)
{
	if (box_child > 0)
		kill(-box_child, sig);
}

/* Root mode: another user id, which clears every capability; rootless: drop them. */
static int become_unprivileged(const struct sandbox *sb)
{
	if (weaken & WEAK_UID)
		return 0;
	if (sb->mode != SB_ROOT)
		return drop_caps();
	for (int c = 0; c <= 63; c++)
		if (prctl(PR_CAPBSET_DROP, c) < 0 && errno != EINVAL)
			return -1;
	if (setgroups(0, NULL) < 0 || setresgid(sb->gid, sb->gid, sb->gid) < 0 ||
	    setresuid(sb->uid, sb->uid, sb->uid) < 0)
		return -1;
	return 0;
}


/* The program, forked by init: unprivileged, then exec. Never returns. */
static void box_exec(const struct sandbox *sb, const struct spawn *sp, int memcg, int errpipe)
{
	sigset_t none;

	setsid();
	if (become_unprivileged(sb) < 0)
		report_stage(errpipe, sb->mode == SB_ROOT ? STAGE_IDS : STAGE_CAPS);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		report_stage(errpipe, STAGE_CAPS);
	/* after the change of user id, which clears it */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != box_init_pid)
		_exit(127);
	for (int sig = 1; sig < NSIG; sig++)
		signal(sig, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (sp->cwd && chdir(sp->cwd) < 0)
		report_stage(errpipe, STAGE_CWD);
	if (!(weaken & WEAK_LIMITS))
		/* per user id, which the probes running at once share; the pids cgroup bounds each */
		apply_limits(sp->lim, sb->mode == SB_ROOT ? BOX_NPROC * SANDBOX_MAX_SPLITS : 0, memcg);
	/* a box user id of the pool may have been an earlier box's: nothing of its keys is left */
	if (sb->mode == SB_ROOT && !(weaken & (WEAK_KEYRING | WEAK_UID)) && box_keyrings_clear() < 0)
		report_stage(errpipe, STAGE_KEYRING);
	if (!(weaken & WEAK_FILTER) && box_filter_install() < 0)
		report_stage(errpipe, STAGE_FILTER);
	exec_program(sp, errpipe);
}

/*
 * The box's init (PID 1 of its pid namespace), harness code: builds the root,
 * forks the program, forwards the worker's signals to the program's process
 * group, reaps every orphan, and when the program ends reports its wait
 * status and exits, which makes the kernel kill whatever is left in the box;
 * with keep_box it exits only once the program's descendants have ended too
 * (or when the worker kills it at sbproc_stop). Never returns.
 */
/*
 * Init is a fork of the grader: its command line would tell a student the
 * paths of the reports and submissions, and the seed. Blank it.
 */
static void hide_cmdline(void)
{
	struct strbuf sb = STRBUF_INIT;
	if (read_file("/proc/self/cmdline", &sb) == 0 && sb.len > 0 && program_invocation_name) {
		memset(program_invocation_name, 0, sb.len);
		snprintf(program_invocation_name, sb.len, "sockgrade-init");
	}
	sb_release(&sb);
	prctl(PR_SET_NAME, "sockgrade-init");
}

static void box_init(const struct sandbox *sb, const struct spawn *sp, const char *root,
		     int fds[3], int sync_fd, int status_fd, int errpipe)
{
	char go;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	hide_cmdline();
	/* the grader's session keyring (su -, a systemd service) stays out of the box */
	if (!(weaken & WEAK_KEYRING) && box_keyrings_fresh() < 0)
		report_stage(errpipe, STAGE_KEYRING);
	/* the root is assembled while the worker puts the box in its cgroups: nothing of the student's runs yet */
	if (weaken & WEAK_MOUNT) {
		if (sp->cwd && chdir(sp->cwd) < 0)
			report_stage(errpipe, STAGE_CWD);
	} else {
		enter_root(root, sp->cwd, errpipe);
	}
	/* the worker says go once the box is in its cgroups ('m': with a memory limit); EOF: it died */
	if (read(sync_fd, &go, 1) != 1)
		_exit(127);
	close(sync_fd);
	int memcg = go == 'm';
	if (sethostname("sockgrade", 9) < 0) {
		/* cosmetic */
	}
	if (setup_stdio(sp, fds[0], fds[1], fds[2], errpipe, status_fd) < 0)
		report_stage(errpipe, 0);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = forward_signal;
	sa.sa_flags = SA_RESTART;
	int fwd[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2 };
	for (size_t i = 0; i < sizeof fwd / sizeof *fwd; i++)
		sigaction(fwd[i], &sa, NULL);

	box_init_pid = getpid();
	pid_t pid = fork();
	if (pid < 0)
		report_stage(errpipe, 0);
	if (pid == 0) {
		close(status_fd);
		box_exec(sb, sp, memcg, errpipe);
	}
	box_child = pid;
	close(errpipe);
	close(0);
	close(1);
	close(2);
	for (;;) {
		int st;
		struct rusage ru;
		pid_t w = wait4(-1, &st, 0, &ru);
		if (w < 0 && errno == EINTR)
			continue;
		if (w == pid) {
			struct box_msg m = { st, ru };
			if (write(status_fd, &m, sizeof m) < 0)
				_exit(126);
			if (!sp->keep_box)
				_exit(0);
			/* as from a shell: what the program forked runs on; the worker kills init at the stop */
			close(status_fd);
			continue;
		}
		if (w < 0)
			_exit(0);
	}
}

/* ---- cgroups (v1 hierarchies, root mode) ---- */

/*
 * The sandbox's cgroup of one controller, /sys/fs/cgroup/<ctrl>/sockgrade/<worker>,
 * made on first use and shared by its boxes (making one per box costs
 * milliseconds). NULL where the hierarchy cannot be written.
 */
static const char *const cg_names[NCG] = { "memory", "pids", "cpu", "devices" };

static int cgroup_setup(int which, const char *dir);

static const char *cgroup_of(struct sandbox *sb, int which)
{
	if (sb->cg[which] || sb->cg_failed[which])
		return sb->cg[which];
	char *base = xasprintf("/sys/fs/cgroup/%s/sockgrade", cg_names[which]);
	char *dir = xasprintf("%s/%d", base, (int)sb->worker);
	const char *what = NULL;
	if (mkdir(base, 0755) < 0 && errno != EEXIST)
		what = base;
	else if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		what = dir;
	else if (cgroup_setup(which, dir) < 0)
		what = "its limits";
	if (what) {
		snprintf(sb->cg_error[which], sizeof sb->cg_error[which], "cannot make %s: %s",
			 what, strerror(errno));
		sb->cg_failed[which] = 1;
		rmdir(dir);
		free(dir);
	} else {
		sb->cg[which] = dir;
	}
	free(base);
	return sb->cg[which];
}

/*
 * What each cgroup holds its boxes to: pids a bound on processes; cpu an
 * equal share, so that a fork bomb in one worker's boxes cannot starve the
 * others' deadlines; devices nothing but the few nodes a box has (a box
 * process that became root still could not open a disk).
 */
static int cgroup_setup(int which, const char *dir)
{
	char *path;
	int rc = 0;
	char val[32];

	switch (which) {
	case CG_PIDS:
		snprintf(val, sizeof val, "%d", BOX_NPROC);
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

/* Puts pid (unless 0) in dir, after writing value to knob when knob is given; 0 or -1. */
static int cgroup_join(const char *dir, const char *knob, const char *value, pid_t pid)
{
	char pidtxt[32];
	int rc = 0;
	if (knob) {
		char *path = xasprintf("%s/%s", dir, knob);
		rc = write_text(path, value);
		free(path);
	}
	if (!pid)
		return rc;
	char *procs = xasprintf("%s/cgroup.procs", dir);
	snprintf(pidtxt, sizeof pidtxt, "%d", (int)pid);
	if (rc == 0)
		rc = write_text(procs, pidtxt);
	free(procs);
	return rc;
}

static long cgroup_read(const char *dir, const char *knob)
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

/* An ended box's init, to be reaped once the kernel has taken the box down. */
static void box_defer_reap(struct sandbox *sb, pid_t pid)
{
	sb->inits = xrealloc(sb->inits, (sb->ninits + 1) * sizeof *sb->inits);
	sb->inits[sb->ninits++] = pid;
}

/* Reaps the inits of ended boxes: those that are gone, or (block) all of them. */
static void sandbox_reap_boxes(struct sandbox *sb, int block)
{
	size_t k = 0;
	for (size_t i = 0; i < sb->ninits; i++) {
		pid_t r;
		do
			r = waitpid(sb->inits[i], NULL, block ? 0 : WNOHANG);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			sb->inits[k++] = sb->inits[i];
	}
	sb->ninits = k;
}

int sandbox_spawn(struct sandbox *sb, const struct spawn *sp, struct sbproc **out, char *err)
{
	int in[2] = { -1, -1 }, o[2] = { -1, -1 }, e[2] = { -1, -1 }, ep[2] = { -1, -1 };
	int sync[2] = { -1, -1 }, st[2] = { -1, -1 };
	struct sbproc *p = NULL;
	int rc = -1;

	sandbox_reap_boxes(sb, 0);
	*out = NULL;
	if (sp->stdin_pipe ? pipe2(in, O_CLOEXEC) : (in[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, ERRLEN, "sandbox: stdin: %s", strerror(errno));
		goto out;
	}
	if (sp->stdout_pty) {
		/* a terminal, so that stdio line-buffers; raw, so that no \r is added */
		struct termios tio;
		memset(&tio, 0, sizeof tio);
		cfmakeraw(&tio);
		if (openpty(&o[0], &o[1], NULL, &tio, NULL) < 0) {
			snprintf(err, ERRLEN, "sandbox: openpty: %s", strerror(errno));
			goto out;
		}
		fcntl(o[0], F_SETFD, FD_CLOEXEC);
		fcntl(o[1], F_SETFD, FD_CLOEXEC);
	} else if (pipe2(o, O_CLOEXEC) < 0) {
		snprintf(err, ERRLEN, "sandbox: pipe: %s", strerror(errno));
		goto out;
	}
	if (pipe2(e, O_CLOEXEC) < 0 || pipe2(ep, O_CLOEXEC) < 0) {
		snprintf(err, ERRLEN, "sandbox: pipe: %s", strerror(errno));
		goto out;
	}
	p = xcalloc(1, sizeof *p);
	p->sb = sb;
	p->pidfd = p->in_fd = p->out_fd = p->err_fd = -1;
	size_t cap = sp->lim ? sp->lim->output_cap : (1 << 20);
	capture_init(&p->out, cap);
	capture_init(&p->err, cap);
	p->started = now_ms();

	pid_t parent = getpid();
	pid_t pid;
	if (sb->mode != SB_NONE) {
		if (pipe2(sync, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0) {
			snprintf(err, ERRLEN, "sandbox: pipe: %s", strerror(errno));
			goto out;
		}
		p->boxed = 1;
		/* a fork into new pid, mount, ipc and uts namespaces: the child is the box's init */
		unsigned long flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
		if (!(weaken & WEAK_PIDNS))
			flags |= CLONE_NEWPID;
		pid = (pid_t)syscall(SYS_clone, flags, 0, NULL, NULL, 0);
		if (pid == 0) {
			int fds[3] = { in[0], o[1], e[1] };
			close(sync[1]);
			close(st[0]);
			close(ep[0]);
			box_init(sb, sp, sb->root, fds, sync[0], st[1], ep[1]);
		}
	} else {
		pid = fork();
		if (pid == 0)
			child_exec(sp, parent, in[0], o[1], e[1], ep[1]);
	}
	if (pid < 0) {
		snprintf(err, ERRLEN, "sandbox: fork: %s", strerror(errno));
		goto out;
	}

	p->pid = pid;
	p->keep_box = p->boxed && sp->keep_box;
	sb->nlive++;
	p->cpu_limit_ms = sp->lim ? sp->lim->cpu_ms : 0;
	p->memory_mb = sp->lim ? sp->lim->memory_mb : 0;
	if (p->boxed) {
		char go = 'n';
		/*
		 * The box joins the sandbox's cgroups (made once; the worker itself stays
		 * out, so that only student processes count). Boxes alive at once share
		 * the memory limit last written.
		 */
		if (sb->mode == SB_ROOT && !(weaken & WEAK_LIMITS)) {
			char val[32];
			const char *mem = p->memory_mb > 0 ? cgroup_of(sb, CG_MEMORY) : NULL;
			if (mem) {
				/*
				 * A write of the limit can cost milliseconds: only when it changes.
				 * Read, not remembered: probe processes at once share the cgroup.
				 */
				int same = cgroup_read(mem, "memory.limit_in_bytes") == p->memory_mb << 20;
				snprintf(val, sizeof val, "%ld", p->memory_mb << 20);
				if (cgroup_join(mem, same ? NULL : "memory.limit_in_bytes", val, pid) == 0) {
					p->memcg = 1;
					p->failcnt0 = cgroup_read(mem, "memory.failcnt");
					go = 'm';
				} else {
					/* loud: the verdict says so, and the report's sandbox line */
					snprintf(p->v.memory_note, sizeof p->v.memory_note,
						 "cannot %s '%s': %s", same ? "join" : "set the limit of", mem,
						 strerror(errno));
				}
			} else if (p->memory_mb > 0) {
				snprintf(p->v.memory_note, sizeof p->v.memory_note, "memory cgroup: %s",
					 sb->cg_error[CG_MEMORY]);
			}
			for (int c = CG_PIDS; c < NCG; c++) {
				const char *dir = cgroup_of(sb, c);
				if (dir)
					cgroup_join(dir, NULL, NULL, pid);
			}
		}
		if (write(sync[1], &go, 1) != 1) {
			/* init is gone: the exec-error pipe says why */
		}
		close(sync[1]);
		sync[1] = -1;
		close(st[1]);
		st[1] = -1;
	}
	if (p->memory_mb > 0)
		p->v.memory_by = p->memcg ? MEM_CGROUP : MEM_ADDRESS_SPACE;
	close(ep[1]);
	ep[1] = -1;
	int child_err[2] = { 0, 0 };
	ssize_t n;
	do
		n = read(ep[0], child_err, sizeof child_err);
	while (n < 0 && errno == EINTR);
	if (n == sizeof child_err) {
		if (p->boxed)
			kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		sb->nlive--;
		if (child_err[1] == 0)
			snprintf(err, ERRLEN, "cannot run '%s': %s", sp->argv[0], strerror(child_err[0]));
		else
			snprintf(err, ERRLEN, "sandbox: cannot set up the box (%s): %s",
				 box_stages[child_err[1]], strerror(child_err[0]));
		goto out;
	}
	if (p->boxed) {
		/*
		 * A box has ended when its init reports the program's status, or
		 * closes the status pipe by dying: that pipe is its "pidfd". Init
		 * itself is reaped later (sandbox_reap_boxes), so that the kernel's
		 * teardown of its namespaces is nobody's wait.
		 */
		p->pidfd = st[0];
		st[0] = -1;
		fcntl(p->pidfd, F_SETFL, O_NONBLOCK);
	} else {
		p->pidfd = pidfd_open_(pid);
		if (p->pidfd < 0) {
			snprintf(err, ERRLEN, "sandbox: pidfd_open: %s", strerror(errno));
			kill(-pid, SIGKILL);
			waitpid(pid, NULL, 0);
			sb->nlive--;
			goto out;
		}
	}
	if (sp->stdin_pipe) {
		p->in_fd = in[1];
		in[1] = -1;
		fcntl(p->in_fd, F_SETFL, O_NONBLOCK);
	}
	p->out_fd = o[0];
	p->err_fd = e[0];
	o[0] = e[0] = -1;
	p->next = sb->live;
	sb->live = p;
	fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
	fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
	*out = p;
	p = NULL;
	rc = 0;
out:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0) close(in[i]);
		if (o[i] >= 0) close(o[i]);
		if (e[i] >= 0) close(e[i]);
		if (ep[i] >= 0) close(ep[i]);
		if (sync[i] >= 0) close(sync[i]);
		if (st[i] >= 0) close(st[i]);
	}
	if (p) {
		capture_release(&p->out);
		capture_release(&p->err);
		free(p);
	}
	return rc;
}

static void drain(int *fd, struct capture *c)
{
	char buf[65536];

	while (*fd >= 0) {
		ssize_t n = read(*fd, buf, sizeof buf);
		if (n > 0) {
			capture_add(c, buf, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		close(*fd);
		*fd = -1;
	}
}

static void reap(struct sbproc *p)
{
	int st;
	struct rusage ru;
	pid_t r;

	if (p->boxed) {
		/* init's own status says nothing: the program's comes over the status pipe */
		struct box_msg m;
		ssize_t n;
		do
			n = read(p->pidfd, &m, sizeof m);
		while (n < 0 && errno == EINTR);
		if (n == sizeof m) {
			st = m.status;
			ru = m.ru;
		} else {
			st = SIGKILL;	/* init was killed: so was everything in the box */
			memset(&ru, 0, sizeof ru);
		}
		r = p->pid;
		/* a kept box lives on with the program's descendants: sbproc_stop kills its init */
		if (n == sizeof m && p->keep_box)
			p->box_kept = 1;
		else
			box_defer_reap(p->sb, p->pid);
	} else {
		do
			r = wait4(p->pid, &st, 0, &ru);
		while (r < 0 && errno == EINTR);
	}
	p->sb->nlive--;
	close(p->pidfd);
	p->pidfd = -1;
	for (struct sbproc **pp = &p->sb->live; *pp; pp = &(*pp)->next)
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	/* the group may still hold descendants writing to our pipes: drain what is there */
	drain(&p->out_fd, &p->out);
	drain(&p->err_fd, &p->err);

	struct verdict *v = &p->v;
	v->wall_ms = now_ms() - p->started;
	if (r == p->pid) {
		v->cpu_ms = (int64_t)ru.ru_utime.tv_sec * 1000 + ru.ru_utime.tv_usec / 1000 +
			    (int64_t)ru.ru_stime.tv_sec * 1000 + ru.ru_stime.tv_usec / 1000;
		v->max_rss_kb = ru.ru_maxrss;
	}
	if (r != p->pid) {
		v->status = V_ERROR;
		snprintf(v->detail, sizeof v->detail, "wait4: %s", strerror(errno));
	} else if (p->timed_out) {
		/* killed at its deadline, but it had hit its memory limit: that says more */
		v->status = p->memcg && cgroup_read(p->sb->cg[CG_MEMORY], "memory.failcnt") > p->failcnt0 ?
				    V_MEMORY : V_TIME;
		v->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	} else if (WIFEXITED(st)) {
		v->exit_code = WEXITSTATUS(st);
		v->status = v->exit_code ? V_EXIT : V_OK;
		/* a program that exits in reply to our SIGTERM was stopped all the same */
		if (p->stopping && v->exit_code)
			v->status = V_STOPPED;
	} else if (WIFSIGNALED(st)) {
		v->signal = WTERMSIG(st);
		if (p->stopping)
			v->status = V_STOPPED;
		else if (v->signal == SIGXCPU ||
			 (v->signal == SIGKILL && p->cpu_limit_ms && v->cpu_ms >= p->cpu_limit_ms))
			v->status = V_TIME;
		else if (v->signal == SIGKILL && p->memcg &&
			 cgroup_read(p->sb->cg[CG_MEMORY], "memory.failcnt") > p->failcnt0)
			v->status = V_MEMORY;
		else
			v->status = V_SIGNAL;
	}
	v->output_cut = capture_cut(&p->out) + capture_cut(&p->err);
	/* stopped while it was still pouring out output: that is what ended it */
	if (v->output_cut && v->status == V_STOPPED)
		v->status = V_OUTPUT;
}

int sbproc_pollfds(struct sbproc *p, struct pollfd *fds, int max)
{
	int n = 0;
	int want[3] = { p->out_fd, p->err_fd, p->pidfd };

	for (int i = 0; i < 3 && n < max; i++)
		if (want[i] >= 0)
			fds[n++] = (struct pollfd){ .fd = want[i], .events = POLLIN };
	return n;
}

void sbproc_events(struct sbproc *p, const struct pollfd *fds, int n)
{
	int ended = 0;

	for (int i = 0; i < n; i++) {
		if (!fds[i].revents)
			continue;
		if (fds[i].fd == p->out_fd)
			drain(&p->out_fd, &p->out);
		else if (fds[i].fd == p->err_fd)
			drain(&p->err_fd, &p->err);
		else if (fds[i].fd == p->pidfd)
			ended = 1;
	}
	if (ended && p->pidfd >= 0)
		reap(p);
}

int sbproc_wait(struct sbproc *p, int64_t deadline)
{
	while (p->pidfd >= 0) {
		struct pollfd fds[3];
		int n = sbproc_pollfds(p, fds, 3);
		int r = poll(fds, (nfds_t)n, ms_left(deadline));
		if (r < 0 && errno != EINTR)
			return 0;
		if (r > 0)
			sbproc_events(p, fds, n);
		/* a writer that keeps its pipe full must not keep us past the deadline */
		if (r == 0 || !ms_left(deadline))
			return p->pidfd < 0;
	}
	return 1;
}

/* A signal for everything p started: its process group, or (boxed) init, which forwards it. */
static void signal_all(struct sbproc *p, int sig)
{
	if (p->boxed) {
		/* init is not reaped while the box runs or is kept: its pid is still its own */
		if (p->pidfd >= 0 || p->box_kept)
			kill(p->pid, sig);
	} else if (p->pidfd >= 0) {
		kill(-p->pid, sig);
	}
	/* once the leader is reaped its number may name another group: the sweep finds the rest */
}

void sbproc_signal(struct sbproc *p, int sig)
{
	if (p->pidfd >= 0)
		signal_all(p, sig);
}

/* 1 when pid has begun to exit on its own (PF_EXITING) or has ended: its status is set. */
static int already_exiting(pid_t pid)
{
	char path[64];
	struct strbuf st = STRBUF_INIT;
	unsigned long flags = 0;
	char state = 0;
	int r = 0;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_file(path, &st) == 0 && st.buf) {
		char *rp = strrchr(st.buf, ')');
		/* state ppid pgrp session tty_nr tpgid flags */
		if (rp && sscanf(rp + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) == 2)
			r = state == 'Z' || state == 'X' || (flags & 0x4 /* PF_EXITING */);
	}
	sb_release(&st);
	return r;
}

/* A kept box whose program has ended: kill what is left in it, and reap its init later. */
static void box_end_kept(struct sbproc *p)
{
	if (!p->box_kept)
		return;
	kill(p->pid, SIGKILL);
	box_defer_reap(p->sb, p->pid);
	p->box_kept = 0;
}

void sbproc_stop(struct sbproc *p)
{
	if (p->pidfd < 0) {
		/* the leader is gone; its group (or its kept box) may not be */
		signal_all(p, SIGKILL);
		box_end_kept(p);
		return;
	}
	/* already ended or ending by itself: keep its own status, not "stopped by the harness" */
	if (sbproc_wait(p, now_ms()) ||
	    (already_exiting(sbproc_pid(p)) && sbproc_wait(p, now_ms() + GRACE_MS))) {
		signal_all(p, SIGKILL);
		box_end_kept(p);
		sandbox_sweep(p->sb);
		return;
	}
	p->stopping = 1;
	signal_all(p, SIGTERM);
	if (!sbproc_wait(p, now_ms() + GRACE_MS)) {
		signal_all(p, SIGKILL);
		sbproc_wait(p, now_ms() + 5000);
	}
	signal_all(p, SIGKILL);
	if (p->pidfd >= 0) {
		/* unkillable (uninterruptible sleep): wait for it without a deadline */
		reap(p);
	}
	box_end_kept(p);
	sandbox_sweep(p->sb);
}

void sbproc_timeout(struct sbproc *p)
{
	if (p->pidfd < 0)
		return;
	p->timed_out = 1;
	signal_all(p, SIGKILL);
	sbproc_wait(p, now_ms() + 5000);
	if (p->pidfd >= 0)
		reap(p);
	box_end_kept(p);
	sandbox_sweep(p->sb);
}

int sbproc_ended(const struct sbproc *p)
{
	return p->pidfd < 0;
}

pid_t sbproc_pid(const struct sbproc *p)
{
	if (!p->boxed)
		return p->pid;
	if (!p->student && p->pidfd >= 0) {
		/* init's one child; cached, as the program's pid never changes */
		char path[64];
		struct strbuf sb = STRBUF_INIT;
		snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)p->pid, (int)p->pid);
		if (read_file(path, &sb) == 0 && sb.buf)
			((struct sbproc *)p)->student = (pid_t)atoi(sb.buf);
		sb_release(&sb);
	}
	return p->student ? p->student : p->pid;
}

int sbproc_stdin(const struct sbproc *p)
{
	return p->in_fd;
}

void sbproc_close_stdin(struct sbproc *p)
{
	if (p->in_fd >= 0)
		close(p->in_fd);
	p->in_fd = -1;
}

const struct verdict *sbproc_verdict(const struct sbproc *p)
{
	return &p->v;
}

const struct capture *sbproc_stdout(const struct sbproc *p)
{
	return &p->out;
}

const struct capture *sbproc_stderr(const struct sbproc *p)
{
	return &p->err;
}

void sbproc_free(struct sbproc *p)
{
	if (!p)
		return;
	if (p->pidfd >= 0 || p->box_kept)
		sbproc_stop(p);
	sbproc_close_stdin(p);
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->err_fd >= 0)
		close(p->err_fd);
	capture_release(&p->out);
	capture_release(&p->err);
	free(p);
}

static int is_tracked(const struct sandbox *sb, pid_t pid)
{
	for (const struct sbproc *p = sb->live; p; p = p->next)
		if (p->pid == pid)
			return 1;
	return 0;
}

/* Pids whose parent is the worker but that no sbproc tracks: escaped descendants. */
void sandbox_sweep(struct sandbox *sb)
{
	/* in a box nothing escapes to the worker: its init holds every orphan, and dies with it */
	if (sb->mode != SB_NONE && !(weaken & WEAK_PIDNS)) {
		sandbox_reap_boxes(sb, 1);
		return;
	}
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

int sandbox_run(struct sandbox *sb, const struct spawn *sp, int64_t timeout_ms,
		struct strbuf *out, struct verdict *v, char *err)
{
	struct sbproc *p;

	if (sandbox_spawn(sb, sp, &p, err) < 0)
		return -1;
	if (!sbproc_wait(p, now_ms() + timeout_ms))
		sbproc_timeout(p);
	/* a daemon left behind by a build must not outlive it */
	signal_all(p, SIGKILL);
	sandbox_sweep(sb);
	capture_text(&p->out, out);
	*v = p->v;
	sbproc_free(p);
	return 0;
}

/* ---- choosing the mode ---- */

/* In a child: a whole box set up and a program run in it, as a worker would. */
static int self_test(enum sb_mode mode, char *err)
{
	int ep[2];
	if (pipe2(ep, O_CLOEXEC) < 0) {
		snprintf(err, ERRLEN, "pipe: %s", strerror(errno));
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, ERRLEN, "fork: %s", strerror(errno));
		close(ep[0]);
		close(ep[1]);
		return -1;
	}
	if (pid == 0) {
		char msg[ERRLEN] = "";
		struct sandbox *sb = NULL;
		struct sbproc *p = NULL;
		const char *tmp = getenv("TMPDIR");
		char *dir = xasprintf("%s/sockgrade-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
		close(ep[0]);
		run_mode = mode;
		if (!mkdtemp(dir)) {
			snprintf(msg, sizeof msg, "'%s': %s", dir, strerror(errno));
		} else if (sandbox_open(&sb, msg) == 0 && sandbox_prepare_dir(sb, dir, msg) == 0) {
			/* the program must see its folder writable and / read-only */
			const char *argv[] = { "/bin/sh", "-c",
					       "touch ok && ! touch /nope 2>/dev/null && exit 7", NULL };
			struct sandbox_limits lim;
			sandbox_default_limits(&lim);
			struct spawn sp = { .argv = argv, .cwd = dir, .lim = &lim };
			if (sandbox_spawn(sb, &sp, &p, msg) == 0) {
				if (!sbproc_wait(p, now_ms() + 5000))
					snprintf(msg, sizeof msg, "the test program did not end");
				else if (sbproc_verdict(p)->status != V_EXIT || sbproc_verdict(p)->exit_code != 7) {
					struct strbuf d = STRBUF_INIT;
					verdict_describe(sbproc_verdict(p), &d);
					capture_text(sbproc_stderr(p), &d);
					snprintf(msg, sizeof msg, "the test program %s", d.buf);
					sb_release(&d);
				}
				sbproc_free(p);
			}
		}
		sandbox_close(sb);
		remove_tree(dir);
		if (*msg && write(ep[1], msg, strlen(msg)) < 0)
			_exit(2);
		_exit(*msg ? 1 : 0);
	}
	close(ep[1]);
	char msg[ERRLEN];
	ssize_t n = read(ep[0], msg, sizeof msg - 1);
	close(ep[0]);
	int st;
	waitpid(pid, &st, 0);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	msg[n > 0 ? n : 0] = '\0';
	snprintf(err, ERRLEN, "%s", *msg ? msg : "the self-test failed");
	return -1;
}

/* The cgroups of workers that died without cleaning up (SIGKILL): empty, and removed here. */
static void remove_stale_cgroups(void)
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

int sandbox_select(const char *forced, char *err)
{
	static const enum sb_mode order[] = { SB_ROOT, SB_ROOTLESS, SB_NONE };
	char why[ERRLEN];

	read_weaken();
	if (geteuid() == 0)
		remove_stale_cgroups();
	if (forced && *forced) {
		for (int m = 0; m < 3; m++) {
			if (strcmp(forced, mode_names[m]))
				continue;
			if (m != SB_NONE && self_test((enum sb_mode)m, why) < 0) {
				snprintf(err, ERRLEN, "SANDBOX=%s does not work here: %s", forced, why);
				return -1;
			}
			run_mode = (enum sb_mode)m;
			return 0;
		}
		snprintf(err, ERRLEN, "SANDBOX=%s: not one of none, rootless, root", forced);
		return -1;
	}
	for (size_t i = 0; i < 3; i++) {
		if (order[i] == SB_ROOT && geteuid() != 0)
			continue;
		if (order[i] == SB_NONE || self_test(order[i], why) == 0) {
			run_mode = order[i];
			return 0;
		}
	}
	return 0;
}

const char *sandbox_selected_mode(void)
{
	return mode_names[run_mode];
}
