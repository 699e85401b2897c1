/*
 * folder: a probe's own copy of the scratch folder. The copy sits inside the
 * scratch folder (on its size-limited file system) under a name the copy
 * itself leaves out; a box mounts it at the scratch folder's path, so that
 * the programs see the paths they were built for and write their .gcda files
 * into the copy, from where folder_take_gcda() moves them back.
 */
#include "folder.h"
#include "sandbox.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 16

char *folder_path(const char *scratch, size_t idx)
{
	return xasprintf("%s/" FOLDER_PREFIX "%zu", scratch, idx);
}

static int copy_file(int from_dir, int to_dir, const char *name, mode_t mode, char *err)
{
	int in = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (in < 0) {
		int e = errno;
		snprintf(err, ERRLEN, "'%s': %s", name, strerror(e));
		return -e;
	}
	int out = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
	if (out < 0) {
		int e = errno;
		snprintf(err, ERRLEN, "'%s': cannot copy: %s", name, strerror(e));
		close(in);
		return -e;
	}
	char buf[65536];
	int rc = 0;
	for (;;) {
		ssize_t k = read(in, buf, sizeof buf);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			rc = k < 0 ? -errno : 0;
			break;
		}
		if (write_all(out, buf, (size_t)k) < 0) {
			rc = -errno;
			break;
		}
	}
	/* umask aside, the copy keeps the original's bits (an executable stays one) */
	if (rc == 0 && fchmod(out, mode & 0777) < 0)
		rc = -errno;
	if (rc < 0)
		snprintf(err, ERRLEN, "'%s': cannot copy: %s", name, strerror(-rc));
	close(in);
	close(out);
	return rc;
}

/* Copies the entries of from_dir into to_dir; closes from_dir. */
static int copy_tree(int from_dir, int to_dir, int depth, char *err)
{
	DIR *d = fdopendir(from_dir);
	if (!d) {
		int e = errno;
		snprintf(err, ERRLEN, "cannot read a folder: %s", strerror(e));
		close(from_dir);
		return -e;
	}
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		const char *n = e->d_name;
		if (!strcmp(n, ".") || !strcmp(n, "..") ||
		    (depth == 0 && !strncmp(n, FOLDER_PREFIX, strlen(FOLDER_PREFIX))))
			continue;
		struct stat st;
		if (fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode)) {
			rc = copy_file(dirfd(d), to_dir, n, st.st_mode, err);
		} else if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			if (mkdirat(to_dir, n, st.st_mode & 0777) < 0) {
				rc = -errno;
				snprintf(err, ERRLEN, "'%s': cannot create: %s", n, strerror(-rc));
				break;
			}
			int sub = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int dst = openat(to_dir, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0 || dst < 0) {
				rc = -errno;
				snprintf(err, ERRLEN, "'%s': %s", n, strerror(-rc));
			} else {
				rc = copy_tree(sub, dst, depth + 1, err);
				sub = -1;
			}
			if (sub >= 0)
				close(sub);
			if (dst >= 0)
				close(dst);
		}
	}
	closedir(d);
	return rc;
}

int folder_copy(const char *from, const char *to, char *err)
{
	int src = open(from, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (src < 0) {
		int e = errno;
		snprintf(err, ERRLEN, "'%s': %s", from, strerror(e));
		return -e;
	}
	if (mkdir(to, 0755) < 0) {
		int e = errno;
		snprintf(err, ERRLEN, "'%s': cannot create: %s", to, strerror(e));
		close(src);
		return -e;
	}
	int dst = open(to, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dst < 0) {
		int e = errno;
		snprintf(err, ERRLEN, "'%s': %s", to, strerror(e));
		close(src);
		return -e;
	}
	int rc = copy_tree(src, dst, 0, err);
	close(dst);
	return rc;
}

static int has_gcda_suffix(const char *n)
{
	size_t l = strlen(n);
	return l > 5 && !strcmp(n + l - 5, ".gcda");
}

/* Moves the .gcda files under from_dir to the same names under to_dir; closes from_dir. */
static int take_tree(int from_dir, int to_dir, int depth)
{
	DIR *d = fdopendir(from_dir);
	if (!d) {
		close(from_dir);
		return -1;
	}
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		const char *n = e->d_name;
		struct stat st;
		if (!strcmp(n, ".") || !strcmp(n, "..") ||
		    fstatat(dirfd(d), n, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISREG(st.st_mode) && has_gcda_suffix(n)) {
			if (renameat(dirfd(d), n, to_dir, n) < 0)
				rc = -1;
		} else if (S_ISDIR(st.st_mode) && depth < MAX_DEPTH) {
			int sub = openat(dirfd(d), n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int dst = openat(to_dir, n, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			/* a folder the program made has no counterpart, nor coverage data of the build's */
			if (sub >= 0 && dst >= 0 && take_tree(sub, dst, depth + 1) < 0)
				rc = -1;
			else if (sub >= 0 && dst < 0)
				close(sub);
			if (dst >= 0)
				close(dst);
		}
	}
	closedir(d);
	return rc;
}

int folder_take_gcda(const char *copy, const char *scratch, char *err)
{
	int src = open(copy, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int dst = open(scratch, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rc = -1;
	if (src < 0 || dst < 0) {
		snprintf(err, ERRLEN, "'%s': %s", src < 0 ? copy : scratch, strerror(errno));
		if (src >= 0)
			close(src);
	} else if (take_tree(src, dst, 0) < 0) {
		snprintf(err, ERRLEN, "'%s': cannot take its coverage data: %s", copy, strerror(errno));
	} else {
		rc = 0;
	}
	if (dst >= 0)
		close(dst);
	return rc;
}

/* A probe that could not start: failed with why (a harness error unless the student's doing). */
static void not_started(struct probe_result *res, const struct probe *probe, char *why)
{
	memset(res, 0, sizeof *res);
	res->probe = probe;
	res->runs = res->failed_runs = 1;
	res->failed_step = -1;
	res->diff_at = -1;
	res->why = why;
}

void folder_probe_execute(const struct probe_env *penv, const struct probe *probe, size_t idx,
			  int take_gcda, struct probe_result *res)
{
	struct probe_env env = *penv;
	char err[ERRLEN] = "";
	char *dir = folder_path(penv->workdir, idx);

	remove_tree(dir);
	int copied = folder_copy(penv->workdir, dir, err);
	if (copied == -ENOSPC || copied == -EDQUOT) {
		/* only the submission writes on its work disk beyond its copies: a full one is its own doing */
		not_started(res, probe, xasprintf("the submission's work disk was full when this probe began, "
						  "so it got no copy of the programs: its build and what its "
						  "programs wrote in the probes beside this one filled it (%s)",
						  err));
	} else if (copied < 0 || sandbox_prepare_dir(env.sb, dir, err) < 0) {
		not_started(res, probe, xasprintf("harness error: the probe's own folder: %s", err));
	} else {
		env.folder = dir;
		probe_execute(&env, probe, res);
		/* in the none mode the programs wrote the workdir's own files already */
		if (take_gcda && sandbox_mounts_folder(env.sb) && folder_take_gcda(dir, penv->workdir, err) < 0 &&
		    !res->why)
			res->why = xasprintf("harness error: %s", err);
	}
	remove_tree(dir);
	free(dir);
}
