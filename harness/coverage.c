/*
 * coverage: the second, coverage-only build of a submission has run the
 * visible probes; its gcov data (.gcno from the compiler, .gcda written when
 * each program exited or was stopped) sits in the scratch copy. lcov and
 * genhtml run in the sandbox to turn it into a page, which is then copied
 * out. Scores never come from this build.
 */
#include "coverage.h"
#include "build.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

static int run_tool(struct sandbox *sb, const char *const *argv, const char *cwd,
		    struct strbuf *log, char *err)
{
	struct verdict v;
	struct sandbox_limits lim;
	sandbox_default_limits(&lim);
	lim.cpu_ms = 60000;
	lim.memory_mb = 0;
	struct spawn sp = { .argv = argv, .cwd = cwd, .merge_output = 1, .lim = &lim };
	if (sandbox_run(sb, &sp, 120000, log, &v, err) < 0)
		return -1;
	return v.status == V_OK ? 0 : 1;
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
	char *info = xasprintf("%s/.sockgrade-coverage.info", scratch);
	remove_tree(html);
	remove_tree(info);
	free(info);
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
	const char *capture[] = { "lcov", "--quiet", "--capture", "--directory", ".", "--no-external",
				  "--rc", "lcov_branch_coverage=1", "--output-file",
				  ".sockgrade-coverage.info", NULL };
	const char *gen[] = { "genhtml", "--branch-coverage", "--legend", "--title", "your code",
			      "--prefix", scratch, "--output-directory", ".sockgrade-coverage",
			      ".sockgrade-coverage.info", NULL };
	int r = run_tool(sb, capture, scratch, &log, err);
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
	return rc;
}
