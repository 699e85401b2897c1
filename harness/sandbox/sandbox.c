/*
 * sandbox: the one module that runs student code (its Makefile, its compiler
 * run and its binaries).
 *
 * Theory of operation
 * -------------------
 * Processes. The harness grades each submission in a worker process of its
 * own (grade/worker.c forks it). The worker opens one sandbox and spawns every
 * student process through it. Each spawned process starts in a session and
 * process group of its own (setsid), so that one kill(-pgid) reaches it and
 * everything it forked that stayed in the group. The worker is a child
 * subreaper (PR_SET_CHILD_SUBREAPER): a daemon that double-forks or calls
 * setsid() is re-parented to the worker, not to init, so sandbox_sweep() finds
 * it by its parent pid and kills and reaps it.
 *
 * Probes of one submission may run at once (grade/runner.c): in a box mode the
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
 * Modes. The "none" mode (none.c): process groups, subreaper, rlimits, a
 * clean environment. It does not isolate the network or the file system;
 * sandbox_mode_warning() says so and the reports show it. The root and
 * rootless modes run each program in a box (box.c): new pid, mount, ipc and
 * uts namespaces under an init of the harness's, a root file system made on
 * the worker's template, no capabilities, a system call filter (filter.c);
 * in root mode also a user id of the worker's own and cgroups (cgroup.h).
 *
 * Files. This one: opening, splitting and closing a sandbox, and choosing
 * the mode. spawn.c starts a program in the stages sandbox_spawn names;
 * exec.c is the child's side of it in every mode; proc.c follows a started
 * program to its verdict and stops it; capture.c keeps its output.
 * internal.h is what they share.
 */
#include "sandbox.h"
#include "cgroup.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const mode_names[] = { "none", "rootless", "root", "container" };

/* The mode of this run, chosen once by sandbox_select() before workers fork. */
static enum sb_mode run_mode = SB_NONE;

/* SOCKGRADE_TEST_WEAKEN (internal.h): for the isolation tests only. */
int weaken;

static void read_weaken(void)
{
	static const struct { const char *name; int bit; } parts[] = {
		{ "netns", WEAK_NETNS }, { "mount", WEAK_MOUNT }, { "pidns", WEAK_PIDNS },
		{ "uid", WEAK_UID }, { "limits", WEAK_LIMITS }, { "filter", WEAK_FILTER },
		{ "keyring", WEAK_KEYRING }, { "hostpath", WEAK_HOSTPATH },
	};
	weaken = 0;
	for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
		if (test_weakened(parts[i].name))
			weaken |= parts[i].bit;
}

/* chown -R without following links, nor any file of more than one hard link; closes fd. */
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
		} else if (S_ISREG(st.st_mode) && st.st_nlink > 1) {
			/* a hard link may be a file of the host's (the container mode's folder shares
			 * its file system): never handed over */
			continue;
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

int write_text(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, text, strlen(text));
	close_keep_errno(fd);
	return rc;
}

/* The container mode's warning, with why namespaces were refused (sandbox_select), made on first use. */
static char container_warning[400];

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
	case SB_CONTAINER:
		if (!*container_warning)
			snprintf(container_warning, sizeof container_warning,
				 "container mode: namespaces are refused here (%s); student programs run one "
				 "probe at a time as a user id of their own (never root) with rlimits (processes, "
				 "address space %ld MiB at most, CPU, files) and capped output, but share the "
				 "container's network and may read its world-readable files",
				 *container_why ? container_why : "unknown why", container_memory_mb(0));
		return container_warning;
	}
	return NULL;
}

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
	/* no namespaces to be had: a user id of its own is the whole separation */
	if (sb->mode == SB_CONTAINER) {
		if (take_uid(sb, err) < 0)
			goto fail;
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
	return SB_BOXED(sb->mode) && !(weaken & WEAK_NETNS);
}

const char *sandbox_inner_dir(const struct sandbox *sb, const char *cwd)
{
	return SB_BOXED(sb->mode) && !(weaken & (WEAK_MOUNT | WEAK_HOSTPATH)) ? SANDBOX_BOX_DIR : cwd;
}

int sandbox_mounts_folder(const struct sandbox *sb)
{
	/* the container mode has no mount namespace: it runs in the folder, as the none mode */
	return SB_BOXED(sb->mode) && !(weaken & WEAK_MOUNT);
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
	if (!SB_BOXED(sb->mode))
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
		if (sb->cg[i] && cg_owned(sb, i)) {
			/* what the sweep could not reach (it is all student processes) */
			if (i == CG_PIDS)
				cgroup_kill(sb->cg[i]);
			cgroup_remove(sb->cg[i]);
		}
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
	if (sb->mode != SB_ROOT && sb->mode != SB_CONTAINER)
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

/*
 * The sandbox's cgroup of one controller (cgroup.h), made on first use and
 * shared by its boxes; NULL where the hierarchy cannot be written (why in
 * cg_error).
 */
const char *cgroup_of(struct sandbox *sb, int which)
{
	if (sb->cg[which] || sb->cg_failed[which])
		return sb->cg[which];
	/* v2 puts a process in one cgroup: the pids one inside the memory one */
	const char *parent = which == CG_PIDS ? cgroup_of(sb, CG_MEMORY) : NULL;
	sb->cg[which] = cgroup_make(which, parent, sb->worker, BOX_NPROC, sb->cg_error[which],
				    sizeof sb->cg_error[which]);
	if (!sb->cg[which])
		sb->cg_failed[which] = 1;
	return sb->cg[which];
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

int sandbox_select(const char *forced, char *err)
{
	static const enum sb_mode order[] = { SB_ROOT, SB_ROOTLESS, SB_CONTAINER, SB_NONE };
	char why[ERRLEN];

	read_weaken();
	if (geteuid() == 0)
		cgroup_remove_stale();
	if (forced && *forced) {
		if (!strcmp(forced, "container"))
			snprintf(container_why, sizeof container_why, "SANDBOX=container");
		for (int m = 0; m < 4; m++) {
			if (strcmp(forced, mode_names[m]))
				continue;
			if (m != SB_NONE && self_test((enum sb_mode)m, why) < 0) {
				snprintf(err, ERRLEN, "SANDBOX=%s does not work here: %s", forced, why);
				return -1;
			}
			run_mode = (enum sb_mode)m;
			return 0;
		}
		snprintf(err, ERRLEN, "SANDBOX=%s: not one of none, rootless, root, container", forced);
		return -1;
	}
	for (size_t i = 0; i < 4; i++) {
		if ((order[i] == SB_ROOT || order[i] == SB_CONTAINER) && geteuid() != 0)
			continue;
		if (order[i] == SB_NONE || self_test(order[i], why) == 0) {
			run_mode = order[i];
			return 0;
		}
		/* root refused: the reason the container mode's warning gives */
		if (order[i] == SB_ROOT)
			snprintf(container_why, sizeof container_why, "%s", why);
	}
	return 0;
}

const char *sandbox_selected_mode(void)
{
	return mode_names[run_mode];
}
