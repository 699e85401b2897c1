/*
 * sandbox/box: the box of the root and rootless modes: a clone into new pid,
 * mount, ipc and uts namespaces whose first process is an init of the
 * harness's; the root file system it is given (mounted on the worker's
 * template); the unprivileged program it forks; and, in root mode, the user
 * id of the worker's own.
 */
#include "sandbox.h"
#include "filter.h"
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/securebits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Root mode: a user id of the worker's own, from a pool of lock files, so
 * that two boxes graded at once never share one (RLIMIT_NPROC counts per
 * user). The kernel frees an id when its worker dies.
 */
#define UID_BASE 1100000000u	/* far above any account's id */
#define UID_POOL 4096

int take_uid(struct sandbox *sb, char *err)
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
 * each box mounts its own /proc, /tmp, /dev/shm and scratch copy
 * (SANDBOX_BOX_DIR). 0, or the
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
		{ SANDBOX_BOX_DIR + 1, 0755, STAGE_SCRATCH },
	};
	for (size_t i = 0; i < sizeof points / sizeof *points; i++) {
		snprintf(path, sizeof path, "%s/%s", root, points[i].dir);
		if (mkdir(path, points[i].mode) < 0 || chmod(path, points[i].mode) < 0)
			return points[i].stage;
	}
	return 0;
}

/* Mounts the worker's template root in its mount namespace; 0, or -1 with err. */
int open_template(struct sandbox *sb, char *err)
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
 * namespace), /tmp and scratch copy (writable, at SANDBOX_BOX_DIR: a probe's
 * own copy of it when folder is given) on the template, moves into it and
 * makes it read-only. Never returns on failure: reports the stage and exits.
 */
static void enter_root(const char *root, const char *scratch, const char *folder, int errpipe)
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
		snprintf(path, sizeof path, "%s" SANDBOX_BOX_DIR, root);
		if (weaken & WEAK_HOSTPATH) {
			/* the isolation test's weakening: at the host's path, as before */
			snprintf(path, sizeof path, "%s%s", root, scratch);
			for (char *c = path + strlen(root) + 1; *c; c++) {
				if (*c != '/')
					continue;
				*c = '\0';
				if (mkdir(path, 0755) < 0 && errno != EEXIST)
					report_stage(errpipe, STAGE_SCRATCH);
				*c = '/';
			}
			if (mkdir(path, 0755) < 0 && errno != EEXIST)
				report_stage(errpipe, STAGE_SCRATCH);
		}
		if (mount(folder ? folder : scratch, path, NULL, MS_BIND | MS_NOSUID | MS_NODEV, NULL) < 0)
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

/*
 * arg with cwd, where it names cwd or a path below it (at the start, or after
 * an '=' as in make's LDLIBS=<path>), given as dir instead; NULL when nothing
 * changed.
 */
static char *inner_arg(const char *arg, const char *cwd, const char *dir)
{
	size_t cl = strlen(cwd);
	struct strbuf out = STRBUF_INIT;
	int changed = 0;
	for (const char *p = arg; *p;) {
		if ((p == arg || p[-1] == '=') && !strncmp(p, cwd, cl) && (p[cl] == '/' || !p[cl])) {
			sb_adds(&out, dir);
			p += cl;
			changed = 1;
		} else {
			sb_addc(&out, *p++);
		}
	}
	if (!changed) {
		sb_release(&out);
		return NULL;
	}
	return sb_detach(&out, NULL);
}

/* argv with each path below cwd given below dir instead (in the child, before exec). */
static const char *const *inner_argv(const char *const *argv, const char *cwd, const char *dir)
{
	size_t n = 0;
	if (!strcmp(cwd, dir))
		return argv;
	while (argv[n])
		n++;
	const char **out = xcalloc(n + 1, sizeof *out);
	for (size_t i = 0; i < n; i++) {
		char *a = inner_arg(argv[i], cwd, dir);
		out[i] = a ? a : argv[i];
	}
	return out;
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
	/* the scratch copy (or the probe's own folder) is at SANDBOX_BOX_DIR, unless mounts are
	 * weakened (isolation tests) */
	struct spawn inner = *sp;
	if (sp->cwd && !(weaken & WEAK_MOUNT)) {
		inner.cwd = sandbox_inner_dir(sb, sp->cwd);
		inner.argv = inner_argv(sp->argv, sp->cwd, inner.cwd);
	} else if (sp->cwd && sp->folder) {
		inner.cwd = sp->folder;
	}
	if (inner.cwd && chdir(inner.cwd) < 0)
		report_stage(errpipe, STAGE_CWD);
	if (!(weaken & WEAK_LIMITS))
		/* per user id, which the probes running at once share; the pids cgroup bounds each */
		apply_limits(sp->lim, sb->mode == SB_ROOT ? BOX_NPROC * SANDBOX_MAX_SPLITS : 0, memcg);
	/* a box user id of the pool may have been an earlier box's: nothing of its keys is left */
	if (sb->mode == SB_ROOT && !(weaken & (WEAK_KEYRING | WEAK_UID)) && box_keyrings_clear() < 0)
		report_stage(errpipe, STAGE_KEYRING);
	if (!(weaken & WEAK_FILTER) && box_filter_install() < 0)
		report_stage(errpipe, STAGE_FILTER);
	exec_program(&inner, errpipe);
}

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

/*
 * The box's init (PID 1 of its pid namespace), harness code: builds the root,
 * forks the program, forwards the worker's signals to the program's process
 * group, reaps every orphan, and when the program ends reports its wait
 * status and exits, which makes the kernel kill whatever is left in the box;
 * with keep_box it exits only once the program's descendants have ended too
 * (or when the worker kills it at sbproc_stop). Never returns.
 */
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
		if (sp->cwd && chdir(sp->folder ? sp->folder : sp->cwd) < 0)
			report_stage(errpipe, STAGE_CWD);
	} else {
		enter_root(root, sp->cwd, sp->folder, errpipe);
	}
	/* the worker says go once the box is in its cgroups ('m': with a memory limit); EOF: it died */
	if (read(sync_fd, &go, 1) != 1)
		_exit(127);
	close(sync_fd);
	int memcg = go == 'm';
	/*
	 * Now in its cgroups: a cgroup namespace rooted there, so that
	 * /proc/self/cgroup shows "/" and not the grader's cgroup and worker pid
	 */
	if (!(weaken & WEAK_HOSTPATH) && unshare(CLONE_NEWCGROUP) < 0)
		report_stage(errpipe, STAGE_CGROUPNS);
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

/* A fork into new pid, mount, ipc and uts namespaces: the child is the box's init. */
pid_t box_start(const struct sandbox *sb, const struct spawn *sp, const struct spawn_fds *f)
{
	unsigned long flags = CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD;
	if (!(weaken & WEAK_PIDNS))
		flags |= CLONE_NEWPID;
	pid_t pid = (pid_t)syscall(SYS_clone, flags, 0, NULL, NULL, 0);
	if (pid == 0) {
		int fds[3] = { f->in[0], f->out[1], f->err[1] };
		close(f->sync[1]);
		close(f->status[0]);
		close(f->exec_err[0]);
		box_init(sb, sp, sb->root, fds, f->sync[0], f->status[1], f->exec_err[1]);
	}
	return pid;
}

/* An ended box's init, to be reaped once the kernel has taken the box down. */
void box_defer_reap(struct sandbox *sb, pid_t pid)
{
	sb->inits = xrealloc(sb->inits, (sb->ninits + 1) * sizeof *sb->inits);
	sb->inits[sb->ninits++] = pid;
}

/* Reaps the inits of ended boxes: those that are gone, or (block) all of them. */
void sandbox_reap_boxes(struct sandbox *sb, int block)
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
