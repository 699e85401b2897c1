/*
 * build: makes the scratch copy of a submission and compiles each program of
 * the spec in it, by the submission's own Makefile when it has one, else by
 * the spec's compiler and flags on the named sources. Every command runs
 * through the sandbox: a student Makefile is student code.
 */
#include "build.h"
#include "diag.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define COPY_MAX_FILES 2000
#define BUILD_MEMORY_MB 1024	/* make, the compiler and the linker together */
#define COPY_MAX_DEPTH 64	/* folders in folders: deeper is no lab's layout */

static char *known_compiler;

void build_known_compiler(const char *version)
{
	free(known_compiler);
	known_compiler = version ? xstrdup(version) : NULL;
}
#define COPY_MAX_BYTES (64L << 20)

struct copy_state {
	long files;
	long bytes;
	int depth;
	struct strbuf *notes;
	char *err;
};

static int copy_file(int sfd, const char *dst, mode_t mode, struct copy_state *cs)
{
	int dfd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode & 0755);
	if (dfd < 0) {
		snprintf(cs->err, ERRLEN, "'%s': cannot create: %s", dst, strerror(errno));
		return -1;
	}
	char buf[65536];
	for (;;) {
		ssize_t n = read(sfd, buf, sizeof buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(cs->err, ERRLEN, "'%s': cannot read: %s", dst, strerror(errno));
			close(dfd);
			return -1;
		}
		if (n == 0)
			break;
		cs->bytes += n;
		if (cs->bytes > COPY_MAX_BYTES) {
			snprintf(cs->err, ERRLEN, "the submission is larger than %ld MiB",
				 COPY_MAX_BYTES >> 20);
			close(dfd);
			return -1;
		}
		if (write_all(dfd, buf, (size_t)n) < 0) {
			snprintf(cs->err, ERRLEN, "'%s': cannot write: %s", dst, strerror(errno));
			close(dfd);
			return -1;
		}
	}
	return close(dfd);
}

static int copy_dir(int sdir, const char *dst, const char *rel, struct copy_state *cs)
{
	if (cs->depth > COPY_MAX_DEPTH) {
		snprintf(cs->err, ERRLEN, "the submission's folders are nested more than %d deep",
			 COPY_MAX_DEPTH);
		close(sdir);
		return -1;
	}
	if (mkdir(dst, 0755) < 0 && errno != EEXIST) {
		snprintf(cs->err, ERRLEN, "'%s': cannot create: %s", dst, strerror(errno));
		close(sdir);
		return -1;
	}
	DIR *d = fdopendir(sdir);
	if (!d) {
		close(sdir);
		return -1;
	}
	int rc = 0;
	struct dirent *e;
	while (rc == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		char *relpath = *rel ? xasprintf("%s/%s", rel, e->d_name) : xstrdup(e->d_name);
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			free(relpath);
			continue;
		}
		if (++cs->files > COPY_MAX_FILES) {
			snprintf(cs->err, ERRLEN, "the submission has more than %d files",
				 COPY_MAX_FILES);
			free(relpath);
			rc = -1;
			break;
		}
		char *to = xasprintf("%s/%s", dst, e->d_name);
		if (S_ISLNK(st.st_mode)) {
			sb_addf(cs->notes, "symbolic link '%s' not copied\n", relpath);
		} else if (S_ISDIR(st.st_mode)) {
			int fd = openat(dirfd(d), e->d_name,
					O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0) {
				cs->depth++;
				rc = copy_dir(fd, to, relpath, cs);
				cs->depth--;
			}
		} else if (S_ISREG(st.st_mode)) {
			int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0) {
				rc = copy_file(fd, to, st.st_mode, cs);
				close(fd);
			}
		} else {
			sb_addf(cs->notes, "special file '%s' not copied\n", relpath);
		}
		free(to);
		free(relpath);
	}
	closedir(d);
	return rc;
}

int copy_tree(const char *src, const char *dst, struct strbuf *notes, char *err)
{
	struct copy_state cs = { 0, 0, 0, notes, err };
	/* a submission folder may not be a link; nor, below it, anything else */
	int fd = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, ERRLEN, "'%s': %s", src, strerror(errno));
		return -1;
	}
	return copy_dir(fd, dst, "", &cs);
}

/* The plain files at the top of the scratch copy, sorted, ", "-separated. */
#define LIST_MAX_NAMES 40
#define LIST_NAME_MAX 64

static char *list_files(const char *dir)
{
	size_t n;
	char **names = dir_names(dir, 1, &n);
	struct strbuf sb = STRBUF_INIT;

	/* shown in every page and reason that names the files: a bounded list of bounded names */
	for (size_t i = 0; i < n; i++) {
		if (i < LIST_MAX_NAMES)
			sb_addf(&sb, "%s%.*s%s", i ? ", " : "", LIST_NAME_MAX, names[i],
				strlen(names[i]) > LIST_NAME_MAX ? "…" : "");
	}
	names_free(names, n);
	if (n > LIST_MAX_NAMES)
		sb_addf(&sb, " and %zu more", n - LIST_MAX_NAMES);
	if (!n)
		sb_adds(&sb, "(no files)");
	return sb_detach(&sb, NULL);
}

static void split_words(const char *s, const char ***argv, size_t *n)
{
	const char *p = s;
	while (*p) {
		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		const char *start = p;
		while (*p && !isspace((unsigned char)*p))
			p++;
		*argv = xrealloc(*argv, (*n + 2) * sizeof **argv);
		(*argv)[(*n)++] = xstrndup(start, (size_t)(p - start));
		(*argv)[*n] = NULL;
	}
}

static int contains_ci(const char *hay, const char *needle)
{
	return hay && strcasestr(hay, needle) != NULL;
}

/*
 * text with the scratch folder's path made relative: as given, as the kernel
 * resolves it, and as a box shows it (SANDBOX_BOX_DIR).
 */
static char *relative(const char *text, size_t len, const char *scratch, size_t *outlen)
{
	size_t n;
	char *a = diag_strip_dir(text, len, scratch, &n);
	char *real = realpath(scratch, NULL);
	const char *also[] = { real && strcmp(real, scratch) ? real : NULL, SANDBOX_BOX_DIR };
	for (size_t i = 0; i < sizeof also / sizeof *also; i++) {
		if (!also[i])
			continue;
		char *b = diag_strip_dir(a, n, also[i], &n);
		free(a);
		a = b;
	}
	free(real);
	if (outlen)
		*outlen = n;
	return a;
}

static void add_arg(const char ***argv, size_t *n, char *arg)
{
	*argv = xrealloc(*argv, (*n + 2) * sizeof **argv);
	(*argv)[(*n)++] = arg;
	(*argv)[*n] = NULL;
}

static void free_args(const char **argv, size_t argc)
{
	for (size_t i = 0; i < argc; i++)
		free((char *)argv[i]);
	free(argv);
}

/*
 * The first error of a failed compile as GCC's structured diagnostics give
 * it: the same compiler, flags and files again with -fsyntax-only and
 * -fdiagnostics-format=json, so that the build log keeps the compiler's own
 * text. NULL when the compiler writes no JSON (clang, older GCC) or reports
 * no error that way: the caller then reads the text.
 */
static char *json_first_error(struct sandbox *sb, const struct spec *spec,
			      const struct program *prog, const char *scratch,
			      const struct build_prog *bp)
{
	const char **argv = NULL;
	size_t argc = 0;
	split_words(spec->cc, &argv, &argc);
	split_words(prog->cflags ? prog->cflags : spec->cflags, &argv, &argc);
	split_words("-fdiagnostics-format=json -fsyntax-only", &argv, &argc);
	for (size_t i = 0; i < bp->src.nfiles; i++)
		add_arg(&argv, &argc, xstrdup(bp->src.files[i]));

	struct sandbox_limits lim;
	sandbox_default_limits(&lim);
	lim.cpu_ms = spec->build_within_ms;
	lim.output_cap = 256 * 1024;
	lim.memory_mb = BUILD_MEMORY_MB;
	struct spawn sp = { .argv = argv, .cwd = scratch, .merge_output = 1, .lim = &lim };
	struct strbuf out = STRBUF_INIT;
	struct verdict v;
	char err[ERRLEN];
	char *found = NULL;
	if (sandbox_run(sb, &sp, scaled_ms(spec->build_within_ms), &out, &v, err) == 0 && out.len) {
		size_t len;
		char *rel = relative(out.buf, out.len, scratch, &len);
		int arrays;
		found = diag_first_json(rel, len, &arrays);
		free(rel);
	}
	sb_release(&out);
	free_args(argv, argc);
	return found;
}

/*
 * Why a program has no binary, in one line: the first real diagnostic (the
 * linker's, GCC's JSON, or the text's first error line), not the summary
 * that the build failed. sb, spec and prog serve the JSON rerun; prog is
 * NULL where there must be none (Makefile and coverage builds).
 */
static void explain_failure(struct build_prog *bp, const char *tool, struct sandbox *sb,
			    const struct spec *spec, const struct program *prog,
			    const char *scratch)
{
	struct strbuf out = STRBUF_INIT;
	enum diag_kind kind = DIAG_NONE;
	char *first = NULL;
	int windows = contains_ci(bp->log, "winsock2.h") || contains_ci(bp->log, "windows.h");
	/* the compiler, or what it ran (cc1, ld), was stopped by the build's memory limit */
	int memory = bp->v.status == V_MEMORY ||
		     (bp->log && (strstr(bp->log, "Killed signal terminated program") ||
				  strstr(bp->log, "out of memory allocating") ||
				  strstr(bp->log, "virtual memory exhausted")));

	if (bp->v.status == V_EXIT && !windows && !memory) {
		first = diag_first_text(bp->log, &kind);
		if (kind != DIAG_LINK && prog && !bp->used_makefile) {
			char *json = json_first_error(sb, spec, prog, scratch, bp);
			if (json) {
				free(first);
				first = json;
				kind = DIAG_COMPILE;
			}
		}
	}
	if (memory) {
		sb_addf(&out, "the build was stopped by the memory limit (%d MiB): %s used more memory "
			      "than a build may", BUILD_MEMORY_MB, tool);
	} else if (bp->v.status == V_TIME) {
		sb_addf(&out, "the build took too long (%s was stopped)", tool);
	} else if (windows) {
		sb_adds(&out, "Windows-only code (WinSock2.h/windows.h): this lab builds on Linux; "
			      "use <sys/socket.h>, <netinet/in.h>, <arpa/inet.h>, <unistd.h> and close()");
	} else if (bp->used_makefile && bp->log && strstr(bp->log, "No rule to make target") &&
		   !strstr(bp->log, ", needed by")) {
		sb_addf(&out, "the Makefile has no target '%s'", bp->name);
	} else if (bp->v.status == V_ERROR) {
		char *d = relative(bp->v.detail, strlen(bp->v.detail), scratch, NULL);
		sb_addf(&out, "%s could not run: %s", tool, d);
		free(d);
	} else if (bp->v.status != V_OK) {
		struct strbuf d = STRBUF_INIT;
		verdict_describe(&bp->v, &d);
		sb_addf(&out, "does not %s (%s %s)", kind == DIAG_LINK ? "link" : "compile", tool, d.buf);
		if (!first && bp->v.status != V_EXIT)
			first = diag_first_text(bp->log, &kind);
		if (first)
			sb_addf(&out, ": %s", first);
		sb_release(&d);
	} else {
		sb_addf(&out, "%s succeeded but produced no executable '%s'", tool, bp->name);
	}
	free(first);
	bp->why = sb_detach(&out, NULL);
}

static int has_makefile(const char *dir)
{
	static const char *const names[] = { "GNUmakefile", "makefile", "Makefile" };
	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		struct stat st;
		int found = lstat(p, &st) == 0 && S_ISREG(st.st_mode);
		free(p);
		if (found)
			return 1;
	}
	return 0;
}

/* cov_obj: for the coverage build, the flush object to link in; NULL for the plain build. */
static void build_one(struct sandbox *sb, const struct spec *spec, const struct program *prog,
		      const char *scratch, int makefile, const char *files, const char *cov_obj,
		      struct build_prog *bp)
{
	const char **argv = NULL;
	size_t argc = 0;
	const char *tool;

	bp->name = xstrdup(prog->name);
	bp->used_makefile = makefile;
	if (makefile) {
		tool = "make";
		split_words("make", &argv, &argc);
		split_words(prog->name, &argv, &argc);
		if (cov_obj) {
			/* honoured by make's implicit rules and by Makefiles that use these names */
			add_arg(&argv, &argc, xasprintf("CFLAGS=%s --coverage",
							prog->cflags ? prog->cflags : spec->cflags));
			add_arg(&argv, &argc, xstrdup("LDFLAGS=--coverage"));
			add_arg(&argv, &argc, xasprintf("LDLIBS=%s", cov_obj));
		}
	} else {
		sources_choose(scratch, prog, &bp->src);
		if (bp->src.missing) {
			bp->why = xasprintf("'%s' not found; the submission has: %s", bp->src.missing,
					    files);
			return;
		}
		tool = spec->cc;
		split_words(spec->cc, &argv, &argc);
		split_words(prog->cflags ? prog->cflags : spec->cflags, &argv, &argc);
		if (cov_obj)
			split_words("--coverage", &argv, &argc);
		split_words("-o", &argv, &argc);
		split_words(prog->name, &argv, &argc);
		for (size_t i = 0; i < bp->src.nfiles; i++)
			add_arg(&argv, &argc, xstrdup(bp->src.files[i]));
		if (cov_obj)
			split_words(cov_obj, &argv, &argc);
		split_words(spec->ldflags, &argv, &argc);
	}
	struct strbuf cmd = STRBUF_INIT;
	for (size_t i = 0; i < argc; i++)
		sb_addf(&cmd, "%s%s", i ? " " : "", argv[i]);
	bp->command = relative(cmd.buf, cmd.len, scratch, NULL);
	sb_release(&cmd);

	struct sandbox_limits lim;
	sandbox_default_limits(&lim);
	lim.cpu_ms = spec->build_within_ms;
	lim.output_cap = 256 * 1024;
	lim.memory_mb = BUILD_MEMORY_MB;	/* #include "/dev/zero" grew cc1 to 3 GiB in 20 s */
	struct spawn sp = { .argv = argv, .cwd = scratch, .merge_output = 1, .lim = &lim };
	struct strbuf log = STRBUF_INIT;
	char err[ERRLEN];
	if (sandbox_run(sb, &sp, scaled_ms(spec->build_within_ms), &log, &bp->v, err) < 0) {
		bp->v.status = V_ERROR;
		snprintf(bp->v.detail, sizeof bp->v.detail, "%s", err);
	}
	/* the compiler's words, with paths relative to the submission */
	bp->log = relative(log.buf ? log.buf : "", log.len, scratch, NULL);
	sb_release(&log);
	free_args(argv, argc);

	char *bin = xasprintf("%s/%s", scratch, prog->name);
	struct stat st;
	if (bp->v.status == V_OK && lstat(bin, &st) == 0 && S_ISREG(st.st_mode) &&
	    (st.st_mode & S_IXUSR)) {
		bp->ok = 1;
		bp->binary = bin;
		return;
	}
	free(bin);
	explain_failure(bp, tool, sb, spec, makefile || cov_obj ? NULL : prog, scratch);
}

/* Writes gcov data when a program is stopped by a signal, so that a server that never exits
 * on its own still shows its lines. Linked into coverage builds only. */
static const char flush_source[] =
	"/* sockgrade: coverage data is written when the program is stopped by a signal */\n"
	"#include <signal.h>\n"
	"extern void __gcov_dump(void);\n"
	"static void sockgrade_flush(int sig)\n"
	"{\n"
	"\t__gcov_dump();\n"
	"\tsignal(sig, SIG_DFL);\n"
	"\traise(sig);\n"
	"}\n"
	"__attribute__((constructor)) static void sockgrade_flush_init(void)\n"
	"{\n"
	"\tsignal(SIGTERM, sockgrade_flush);\n"
	"\tsignal(SIGINT, sockgrade_flush);\n"
	"\tsignal(SIGPIPE, sockgrade_flush);\n"
	"}\n";

#define FLUSH_NAME ".sockgrade_gcov_flush"

static int build_all(struct sandbox *sb, const struct spec *spec, const char *src,
		     const char *scratch, int coverage, struct build_result *out, char *err);

int build_submission(struct sandbox *sb, const struct spec *spec, const char *src,
		     const char *scratch, struct build_result *out, char *err)
{
	return build_all(sb, spec, src, scratch, 0, out, err);
}

int build_coverage(struct sandbox *sb, const struct spec *spec, const char *src,
		   const char *scratch, struct build_result *out, char *err)
{
	return build_all(sb, spec, src, scratch, 1, out, err);
}

/* Compiles the flush object in the scratch copy; its path, or NULL. */
static char *build_flush_object(struct sandbox *sb, const struct spec *spec, const char *scratch)
{
	char *c = xasprintf("%s/" FLUSH_NAME ".c", scratch);
	char *o = xasprintf("%s/" FLUSH_NAME ".o", scratch);
	char err[ERRLEN];
	struct verdict v;
	struct strbuf log = STRBUF_INIT;

	if (write_file_atomic(c, flush_source, sizeof flush_source - 1, err) < 0 ||
	    sandbox_prepare_dir(sb, scratch, err) < 0)
		goto fail;
	const char *argv[] = { spec->cc, "-c", "-o", o, c, NULL };
	struct spawn sp = { .argv = argv, .cwd = scratch, .merge_output = 1 };
	if (sandbox_run(sb, &sp, scaled_ms(spec->build_within_ms), &log, &v, err) < 0 ||
	    v.status != V_OK)
		goto fail;
	sb_release(&log);
	free(c);
	return o;
fail:
	sb_release(&log);
	free(c);
	free(o);
	return NULL;
}

static int build_all(struct sandbox *sb, const struct spec *spec, const char *src,
		     const char *scratch, int coverage, struct build_result *out, char *err)
{
	struct strbuf notes = STRBUF_INIT;
	int64_t t0 = now_ms();

	memset(out, 0, sizeof *out);
	out->progs = xcalloc(spec->nprograms, sizeof *out->progs);
	out->nprogs = spec->nprograms;
	char why[ERRLEN];
	if (copy_tree(src, scratch, &notes, why) < 0) {
		/* the submission's own fault (too big, too deep) is a build failure, not ours */
		for (size_t i = 0; i < spec->nprograms; i++) {
			out->progs[i].name = xstrdup(spec->programs[i].name);
			char *e = relative(why, strlen(why), scratch, NULL);
			out->progs[i].why = xasprintf("the submission could not be copied: %s", e);
			free(e);
		}
		out->files = xstrdup("");
		out->notes = sb_detach(&notes, NULL);
		return 0;
	}
	if (sandbox_prepare_dir(sb, scratch, err) < 0)
		return -1;
	out->files = list_files(scratch);
	out->notes = notes.len ? sb_detach(&notes, NULL) : NULL;
	sb_release(&notes);

	/* which compiler, for the report */
	if (known_compiler) {
		out->compiler = xstrdup(known_compiler);
		goto compile;
	}
	const char *ver[] = { spec->cc, "--version", NULL };
	struct spawn sp = { .argv = ver, .cwd = scratch, .merge_output = 1 };
	struct strbuf vlog = STRBUF_INIT;
	struct verdict v;
	char verr[ERRLEN];
	if (sandbox_run(sb, &sp, 10000, &vlog, &v, verr) == 0 && vlog.len) {
		char *nl = strchr(vlog.buf, '\n');
		out->compiler = xstrndup(vlog.buf, nl ? (size_t)(nl - vlog.buf) : vlog.len);
	} else {
		out->compiler = xasprintf("%s (version unknown)", spec->cc);
	}
	sb_release(&vlog);
compile:;
	int makefile = has_makefile(scratch);
	char *cov_obj = coverage ? build_flush_object(sb, spec, scratch) : NULL;
	if (coverage && !cov_obj) {
		for (size_t i = 0; i < spec->nprograms; i++) {
			out->progs[i].name = xstrdup(spec->programs[i].name);
			out->progs[i].why = xstrdup("the coverage helper did not build");
		}
		out->wall_ms = now_ms() - t0;
		return 0;
	}
	for (size_t i = 0; i < spec->nprograms; i++)
		build_one(sb, spec, &spec->programs[i], scratch, makefile, out->files, cov_obj,
			  &out->progs[i]);
	free(cov_obj);
	out->wall_ms = now_ms() - t0;
	return 0;
}

void build_result_release(struct build_result *b)
{
	for (size_t i = 0; i < b->nprogs; i++) {
		free(b->progs[i].name);
		free(b->progs[i].binary);
		free(b->progs[i].why);
		free(b->progs[i].command);
		free(b->progs[i].log);
		source_set_release(&b->progs[i].src);
	}
	free(b->progs);
	free(b->files);
	free(b->notes);
	free(b->compiler);
	memset(b, 0, sizeof *b);
}
