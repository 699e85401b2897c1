/*
 * grade/fingerprint: what decides a submission's results, hashed: its tree,
 * the spec, the harness's own binary, the options, the reference and its
 * compiler. A submission whose fingerprint is that of its last results is
 * not graded again (FORCE=1 regrades); a reference record is reused only
 * with the fingerprint it was made with.
 */
#include "internal.h"
#include "import.h"
#include "sandbox.h"
#include "util.h"

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deeper than this, a walk stops: the copy into the sandbox refuses such a tree anyway. */
#define HASH_MAX_DEPTH 64

static uint64_t hash_tree_at(const char *dir, uint64_t h, long *budget, int depth);

/* Hashes a file through a fixed buffer, at most *budget bytes of it. */
static uint64_t hash_file(const char *path, uint64_t h, long *budget)
{
	char buf[65536];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return hash64_bytes(h, "?", 1);
	ssize_t n;
	while (*budget > 0 && (n = read(fd, buf, sizeof buf)) > 0) {
		h = hash64_bytes(h, buf, (size_t)n);
		*budget -= n;
	}
	close(fd);
	return h;
}

/*
 * Hashes a folder tree: names (sorted), modes, link targets and contents,
 * never following links, and no more than the copy into the sandbox would
 * take (64 MiB, HASH_MAX_DEPTH levels): beyond that a submission is not
 * graded anyway. The walk's stack is bounded by its depth, whatever the tree.
 */
static uint64_t hash_tree(const char *dir, uint64_t h)
{
	long budget = 64L << 20;
	return hash_tree_at(dir, h, &budget, 0);
}

/* One entry of a folder: its kind, mode (a chmod +x regrades) and content. */
static uint64_t hash_entry(const char *path, const char *name, uint64_t h, long *budget, int depth)
{
	struct stat st;
	h = hash64_bytes(h, name, strlen(name) + 1);
	if (lstat(path, &st) < 0)
		return hash64_bytes(h, "?", 1);
	uint32_t mode = (uint32_t)st.st_mode & 07777;
	h = hash64_bytes(h, &mode, sizeof mode);
	if (S_ISDIR(st.st_mode)) {
		h = hash_tree_at(path, hash64_bytes(h, "d", 1), budget, depth + 1);
	} else if (S_ISLNK(st.st_mode)) {
		char *t = xmalloc(4096);
		ssize_t k = readlink(path, t, 4096);
		h = hash64_bytes(hash64_bytes(h, "l", 1), t, k > 0 ? (size_t)k : 0);
		free(t);
	} else if (S_ISREG(st.st_mode)) {
		h = hash64_bytes(h, &st.st_size, sizeof st.st_size);
		h = hash_file(path, hash64_bytes(h, "f", 1), budget);
	}
	return h;
}

static uint64_t hash_tree_at(const char *dir, uint64_t h, long *budget, int depth)
{
	if (depth > HASH_MAX_DEPTH)
		return hash64_bytes(h, "deep", 4);
	size_t n;
	char **names = dir_names(dir, 0, &n);
	if (!names)
		return hash64_bytes(h, "?", 1);
	for (size_t i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		h = hash_entry(p, names[i], h, budget, depth);
		free(p);
	}
	names_free(names, n);
	return h;
}

/* The spec and the harness's own binary: part of every fingerprint. */
uint64_t harness_fingerprint(const char *spec_path)
{
	struct strbuf sb = STRBUF_INIT;
	uint64_t h = 0xcbf29ce484222325ULL;
	read_file(spec_path, &sb);
	h = hash64_bytes(h, sb.buf ? sb.buf : "", sb.len);
	sb_reset(&sb);
	read_file("/proc/self/exe", &sb);
	h = hash64_bytes(h, sb.buf ? sb.buf : "", sb.len);
	sb_release(&sb);
	return h;
}

/* What besides the submission decides its results: the spec, the harness, the options. */
uint64_t base_fingerprint(uint64_t h, const struct grade_opts *o)
{
	char opts[128];
	snprintf(opts, sizeof opts, "%d/%s/%g/%" PRIu64 "/%d", o->coverage, sandbox_selected_mode(),
		 time_scale, o->seed_given ? o->seed : 0, o->seed_given);
	return hash64_bytes(h, opts, strlen(opts));
}

/* The reference's tree and the compiler: known once the reference has been graded. */
uint64_t reference_fingerprint(uint64_t h, const char *ref_dir, const char *compiler)
{
	h = hash_tree(ref_dir, h);
	return compiler ? hash64_bytes(h, compiler, strlen(compiler)) : h;
}

/* 1 when out_dir holds results graded from exactly this submission, spec and harness. */
int unchanged(const struct lab *L, const char *src, const char *student,
	      const char *out_dir, char *print, size_t len)
{
	char *path = xasprintf("%s/.fingerprint", out_dir);
	char *res = xasprintf("%s/results.json", out_dir);
	struct strbuf old = STRBUF_INIT;
	struct stat st;
	/* what the import manifest says of it is in its results too */
	const struct import_row *row = import_manifest_find(&L->manifest, student);
	uint64_t h = hash_tree(src, L->base_print);
	if (row)
		h = hash64_bytes(h, row->line, strlen(row->line));
	snprintf(print, len, "%016" PRIx64, h);
	int same = !L->force && stat(res, &st) == 0 && read_file(path, &old) == 0 && old.buf &&
		   !strcmp(old.buf, print);
	sb_release(&old);
	free(path);
	free(res);
	return same;
}

/*
 * What a record of the reference depends on, its seed aside: the spec, the
 * harness, the sandbox mode, TIME_SCALE and the reference's tree.
 */
uint64_t record_fingerprint(const struct lab *L, const char *ref_dir)
{
	char opts[96];
	snprintf(opts, sizeof opts, "record/%s/%g", sandbox_selected_mode(), time_scale);
	return hash_tree(ref_dir, hash64_bytes(L->harness_print, opts, strlen(opts)));
}
