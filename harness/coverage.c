/*
 * coverage: the second, coverage-only build of a submission has run the
 * visible probes; its gcov data (.gcno from the compiler, .gcda written when
 * each program exited or was stopped) sits in the scratch copy. lcov and
 * genhtml run in the sandbox to turn it into a page, which is then copied
 * out. Scores never come from this build.
 */
#include "coverage.h"
#include "build.h"
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

static int has_suffix_file(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	size_t sl = strlen(suffix);
	int found = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		found = n > sl && !strcmp(e->d_name + n - sl, suffix);
	}
	closedir(d);
	return found;
}

/* "lines......: 76.9% (10 of 13 lines)" -> 76.9; -1 when absent. */
static double summary_pct(const char *log, const char *what)
{
	const char *p = log ? strstr(log, what) : NULL;
	if (!p)
		return -1;
	p = strchr(p, ':');
	if (!p)
		return -1;
	char *end;
	double v = strtod(p + 1, &end);
	return end == p + 1 || *end != '%' ? -1 : v;
}

/*
 * lcov and genhtml read what the student's build produced: they get the
 * limits of a build (TOOL_MEMORY_MB), so that crafted coverage data cannot
 * take the grading host's memory. 0, 1 (failed: log says why), or -1.
 */
#define TOOL_MEMORY_MB 1024

static int run_tool(struct sandbox *sb, const char *const *argv, const char *cwd,
		    struct strbuf *log, char *err)
{
	struct verdict v;
	struct sandbox_limits lim;
	sandbox_default_limits(&lim);
	lim.cpu_ms = 60000;
	lim.memory_mb = TOOL_MEMORY_MB;
	struct spawn sp = { .argv = argv, .cwd = cwd, .merge_output = 1, .lim = &lim };
	if (sandbox_run(sb, &sp, 120000, log, &v, err) < 0)
		return -1;
	if (v.status == V_MEMORY) {
		/* the first line is the reason shown: say it first */
		sb_reset(log);
		sb_addf(log, "%s was stopped by the memory limit (%d MiB)\n", argv[0], TOOL_MEMORY_MB);
	}
	return v.status == V_OK ? 0 : 1;
}

/*
 * genhtml writes source file and folder names into its pages unescaped (in
 * <title>, in href, in text): a student's folder named
 * `q" autofocus onfocus=...` runs script there. So genhtml never sees a
 * student's name: each source named in the tracefile is copied (by us, never
 * following a link) to SAFE_DIR/<name with every byte but [A-Za-z0-9._-/]
 * made '_'>, a clash given a ~N suffix, and the tracefile is rewritten to
 * point there. The pages then name only safe text.
 */
#define SAFE_DIR ".sockgrade-coverage-src"
/* lcov's tracefile, in the scratch folder */
#define INFO_NAME ".sockgrade-coverage.info"

struct safe_names {
	char **orig, **safe;
	size_t n;
};

/* The safe name of rel: the same for the same rel, never one another rel has. */
static char *safe_name(const char *rel, struct safe_names *sn)
{
	for (size_t i = 0; i < sn->n; i++)
		if (!strcmp(sn->orig[i], rel))
			return xstrdup(sn->safe[i]);
	char *s = xstrdup(rel);
	for (char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		      *p == '.' || *p == '_' || *p == '-' || *p == '/'))
			*p = '_';
	/* no "..", no hidden or empty component in what we create */
	for (char *p = s; *p; p++)
		if (*p == '.' && (p == s || p[-1] == '/'))
			*p = '_';
	for (unsigned k = 1;; k++) {
		size_t i = 0;
		while (i < sn->n && strcmp(sn->safe[i], s))
			i++;
		if (i == sn->n)
			break;
		/* a clash: name~K.ext */
		char *base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
		char *dot = strrchr(base, '.');
		size_t stem = dot && dot != base ? (size_t)(dot - s) : strlen(s);
		char *t = xasprintf("%.*s~%u%s", (int)stem, s, k, s + stem);
		free(s);
		s = t;
	}
	sn->orig = xrealloc(sn->orig, (sn->n + 1) * sizeof *sn->orig);
	sn->safe = xrealloc(sn->safe, (sn->n + 1) * sizeof *sn->safe);
	sn->orig[sn->n] = xstrdup(rel);
	sn->safe[sn->n++] = xstrdup(s);
	return s;
}

static void safe_names_release(struct safe_names *sn)
{
	for (size_t i = 0; i < sn->n; i++) {
		free(sn->orig[i]);
		free(sn->safe[i]);
	}
	free(sn->orig);
	free(sn->safe);
}

/*
 * Copies rel below dir (a regular file, reached through no link: a student's
 * build may leave a link that a source path of its coverage data leads
 * through, to the host's /etc) to to, making its folders.
 */
static int copy_source(const char *dir, const char *rel, const char *to)
{
	struct strbuf data = STRBUF_INIT;
	/* SOCKGRADE_TEST_WEAKEN=links follows them, for the isolation test only */
	char *plain = test_weakened("links") ? xasprintf("%s/%s", dir, rel) : NULL;
	int rc = plain ? read_file(plain, &data) : read_beneath(dir, rel, (size_t)64 << 20, &data);
	free(plain);
	if (rc < 0)
		goto out;
	char *parent = xstrdup(to);
	char *slash = strrchr(parent, '/');
	if (slash)
		*slash = '\0';
	mkdir_p(parent, 0755);
	free(parent);
	char err[ERRLEN];
	rc = write_file_atomic(to, data.buf ? data.buf : "", data.len, err);
out:
	sb_release(&data);
	return rc;
}

/*
 * Rewrites scratch/info so that every SF: names a safe copy under
 * inner/SAFE_DIR, where inner is the scratch folder as the tools see it
 * (sandbox_inner_dir); 0 or -1. A source outside the submission, or behind a
 * link, is not copied: err says so.
 */
static int tracefile_safe_names(const char *scratch, const char *inner, const char *info,
				char *err)
{
	struct strbuf in = STRBUF_INIT, out = STRBUF_INIT;
	struct safe_names sn = { NULL, NULL, 0 };
	char *real = NULL;
	int rc = -1;
	/* lcov wrote it in the student's folder: read through no link */
	int got = read_beneath(scratch, INFO_NAME, (size_t)256 << 20, &in);
	if (got < 0 || !in.buf) {
		snprintf(err, ERRLEN, "cannot read the tracefile: %s",
			 got < 0 ? strerror(errno) : "it is empty");
		goto out;
	}
	/* gcc records the folder as the kernel resolves it (a TMPDIR may be a link) */
	real = realpath(scratch, NULL);
	for (char *line = in.buf; line && *line;) {
		char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > 3 && !strncmp(line, "SF:", 3)) {
			char *path = xstrndup(line + 3, len - 3);
			const char *rel = path_below(path, inner);
			if (!rel)
				rel = path_below(path, scratch);
			if (!rel && real)
				rel = path_below(path, real);
			if (!rel) {
				snprintf(err, ERRLEN, "the coverage data names a source outside the submission");
				free(path);
				goto out;
			}
			char *safe = safe_name(rel, &sn);
			char *to = xasprintf("%s/%s/%s", scratch, SAFE_DIR, safe);
			int copied = copy_source(scratch, rel, to);
			free(to);
			free(path);
			if (copied < 0) {
				free(safe);
				snprintf(err, ERRLEN, "a source named by the coverage data is missing, "
					 "not a file, or reached through a link");
				goto out;
			}
			sb_addf(&out, "SF:%s/%s/%s\n", inner, SAFE_DIR, safe);
			free(safe);
		} else {
			sb_add(&out, line, len);
			sb_adds(&out, "\n");
		}
		line = nl ? nl + 1 : NULL;
	}
	rc = write_file_atomic(info, out.buf ? out.buf : "", out.len, err);
out:
	free(real);
	safe_names_release(&sn);
	sb_release(&in);
	sb_release(&out);
	return rc;
}

int coverage_collect(struct sandbox *sb, const char *scratch, const char *dest, int used_makefile,
		     struct coverage_info *ci, char *err)
{
	struct strbuf log = STRBUF_INIT;
	char *html = xasprintf("%s/.sockgrade-coverage", scratch);
	int rc = 0;

	memset(ci, 0, sizeof *ci);
	ci->branches = -1;
	remove_tree(dest);
	/*
	 * The scratch copy is the student's: whatever it left under these names
	 * (a link to a host folder, pages of its own) goes before lcov writes them.
	 * No student process runs from here on.
	 */
	char *info = xasprintf("%s/" INFO_NAME, scratch);
	char *safe_dir = xasprintf("%s/" SAFE_DIR, scratch);
	char *prefix = NULL;
	remove_tree(html);
	remove_tree(info);
	remove_tree(safe_dir);
	if (!has_suffix_file(scratch, ".gcno")) {
		snprintf(ci->why, sizeof ci->why, "no coverage: %s",
			 used_makefile ? "built without the spec's flags (the Makefile ignores CFLAGS)"
				       : "the coverage build failed");
		goto out;
	}
	if (!has_suffix_file(scratch, ".gcda")) {
		snprintf(ci->why, sizeof ci->why, "no coverage: no program of the coverage build ran");
		goto out;
	}
	/* SOCKGRADE_TEST_WEAKEN=names leaves the names as they are, for the isolation test only */
	int keep_names = test_weakened("names");
	/*
	 * --config-file: no ~/.lcovrc ($HOME is /tmp, which a program of the
	 * container mode could write: geninfo_gcov_tool would run its choice)
	 */
	const char *capture[] = { "lcov", "--quiet", "--config-file", "/dev/null", "--capture",
				  "--directory", ".", "--no-external", "--rc",
				  "lcov_branch_coverage=1", "--output-file", INFO_NAME, NULL };
	/* the tools see the scratch folder where a box mounts it */
	const char *inner = sandbox_inner_dir(sb, scratch);
	prefix = keep_names ? xstrdup(inner) : xasprintf("%s/" SAFE_DIR, inner);
	const char *gen[] = { "genhtml", "--config-file", "/dev/null", "--branch-coverage",
			      "--legend", "--title", "your code",
			      "--prefix", prefix, "--output-directory", ".sockgrade-coverage",
			      INFO_NAME, NULL };
	int r = run_tool(sb, capture, scratch, &log, err);
	if (r == 0 && !keep_names && tracefile_safe_names(scratch, inner, info, err) < 0) {
		snprintf(ci->why, sizeof ci->why, "no coverage: %s", err);
		goto out;
	}
	if (r == 0) {
		sb_reset(&log);
		r = run_tool(sb, gen, scratch, &log, err);
	}
	if (r < 0) {
		/* lcov missing in the box, or the sandbox failed: say so, grade on */
		snprintf(ci->why, sizeof ci->why, "no coverage: %s", err);
		goto out;
	}
	if (r > 0) {
		char *nl = log.buf ? strchr(log.buf, '\n') : NULL;
		snprintf(ci->why, sizeof ci->why, "no coverage: lcov failed: %.*s",
			 nl ? (int)(nl - log.buf) : 200, log.buf ? log.buf : "");
		goto out;
	}
	ci->lines = summary_pct(log.buf, "lines......");
	ci->branches = summary_pct(log.buf, "branches...");
	struct stat st;
	if (lstat(html, &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(ci->why, sizeof ci->why, "no coverage: genhtml wrote no pages");
		goto out;
	}
	struct strbuf notes = STRBUF_INIT;
	if (copy_tree(html, dest, &notes, err) < 0) {
		sb_release(&notes);
		remove_tree(dest);
		rc = -1;
		goto out;
	}
	sb_release(&notes);
	ci->done = 1;
out:
	sb_release(&log);
	free(html);
	free(info);
	free(safe_dir);
	free(prefix);
	return rc;
}
