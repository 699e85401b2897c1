/*
 * grade/worker: a submission's worker process, from build to results.json
 * (grade_one, worker_main), the build slots that bound how many build at
 * once, the coverage build, and the pool that runs a worker per submission
 * with a line for each as it ends (run_workers).
 */
#include "internal.h"
#include "build.h"
#include "coverage.h"
#include "import.h"
#include "json.h"
#include "probe.h"
#include "sandbox.h"
#include "score.h"
#include "term.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * A slot: one of n lock files dir/<prefix>-K, held with flock, so that at
 * most n holders run at once. The kernel frees a slot when its holder dies.
 * A waiter takes whichever slot is freed first: it keeps the n files open
 * (so that its own tries make no events) and, when none is free, waits for
 * a file of dir to be closed (inotify), the way a holder lets its slot go.
 * The kernel sends that event a moment before it drops a dead holder's
 * lock, so a wait ends after SLOT_RECHECK_MS at the latest and looks again.
 * Returns the descriptor that holds it, or -1 (then the work just runs).
 */
#define SLOT_RECHECK_MS 200

static int slot_take(const int *fds, int n)
{
	for (int i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		int r;
		do
			r = flock(fds[i], LOCK_EX | LOCK_NB);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			return i;
	}
	return -1;
}

static int slot_open(const char *dir, const char *prefix, int i)
{
	char *path = xasprintf("%s/%s-%d", dir, prefix, i);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	free(path);
	return fd;
}

int slot_acquire(const char *dir, const char *prefix, int n)
{
	/* the usual case: a slot is free, found by opening one file after another */
	for (int i = 0; i < n; i++) {
		int fd = slot_open(dir, prefix, i);
		if (fd >= 0 && slot_take(&fd, 1) == 0)
			return fd;
		if (fd >= 0)
			close(fd);
	}
	int *fds = xcalloc((size_t)n, sizeof *fds);
	int opened = 0, got = -1, in = -1;
	for (int i = 0; i < n; i++)
		opened += (fds[i] = slot_open(dir, prefix, i)) >= 0;
	while (opened && (got = slot_take(fds, n)) < 0) {
		if (in < 0) {
			in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
			if (in < 0 || inotify_add_watch(in, dir, IN_CLOSE_WRITE) < 0)
				break;
			continue;	/* a slot freed before the watch began is seen by this look */
		}
		struct pollfd pfd = { .fd = in, .events = POLLIN };
		if (poll(&pfd, 1, SLOT_RECHECK_MS) > 0) {
			char buf[4096];
			while (read(in, buf, sizeof buf) > 0)
				;
		}
	}
	if (got < 0 && opened) {
		/* no inotify: wait on one slot, as before */
		int k = (int)(getpid() % n);
		while (fds[k] < 0)
			k = (k + 1) % n;
		int r;
		do
			r = flock(fds[k], LOCK_EX);
		while (r < 0 && errno == EINTR);
		if (r == 0)
			got = k;
	}
	int fd = got >= 0 ? fds[got] : -1;
	for (int i = 0; i < n; i++)
		if (i != got && fds[i] >= 0)
			close(fds[i]);
	if (in >= 0)
		close(in);
	free(fds);
	return fd;
}

/*
 * A build slot: at most JOBS builds at once however many workers wait on their
 * programs. The wait is added to *waited_ms: it is the queue's time, not the
 * submission's own (a hostile build may hold a slot up to build_within).
 */
static int build_slot_acquire(const struct lab *L, int64_t *waited_ms)
{
	int64_t t0 = now_ms();
	int fd = slot_acquire(L->workroot, ".slot", L->build_slots);
	*waited_ms += now_ms() - t0;
	return fd;
}

static void build_slot_release(int fd)
{
	/* unlocked before the close, whose event wakes the waiters */
	if (fd >= 0) {
		flock(fd, LOCK_UN);
		close(fd);
	}
}

/* What the probes need of a build: per program its binary (or NULL) and why there is none. */
static void programs_of(const struct build_result *b, char ***bins, char ***why)
{
	*bins = xcalloc(b->nprogs + 1, sizeof **bins);
	*why = xcalloc(b->nprogs + 1, sizeof **why);
	for (size_t i = 0; i < b->nprogs; i++) {
		(*bins)[i] = b->progs[i].ok ? b->progs[i].binary : NULL;
		(*why)[i] = b->progs[i].why;
	}
}

/* The spec's probes, in order, hidden ones left out when visible_only; *n of them. */
static const struct probe **choose_probes(const struct spec *spec, int visible_only, size_t *n)
{
	const struct probe **v = xcalloc(spec->nprobes + 1, sizeof *v);
	*n = 0;
	for (size_t i = 0; i < spec->nprobes; i++)
		if (!(visible_only && spec->probes[i].hidden))
			v[(*n)++] = &spec->probes[i];
	return v;
}

/*
 * The coverage build: the visible probes run again, once each, on binaries
 * built with --coverage (their results are thrown away: scores come from the
 * plain build), then lcov makes the page. A failure here costs the coverage page,
 * never the grade.
 */
static void run_coverage(struct lab *L, struct sandbox *sb, const char *src, const char *out_dir,
			 struct coverage_info *cov, int *have, int64_t *waited_ms)
{
	const struct spec *spec = L->spec;
	char *scratch = xasprintf("%s/%d-cov", L->workroot, (int)getpid());
	char *dest = xasprintf("%s/coverage", out_dir);
	struct build_result b;
	char err[ERRLEN] = "";

	memset(cov, 0, sizeof *cov);
	*have = 1;
	if (sandbox_make_scratch(sb, scratch, err) < 0) {
		memset(&b, 0, sizeof b);
		snprintf(cov->why, sizeof cov->why, "no coverage: %s", err);
		goto out;
	}
	int slot = build_slot_acquire(L, waited_ms);
	int built = build_coverage(sb, spec, src, scratch, &b, err);
	build_slot_release(slot);
	if (built < 0) {
		snprintf(cov->why, sizeof cov->why, "no coverage: %s", err);
		goto out;
	}
	char **bins, **why;
	int makefile = 0;
	programs_of(&b, &bins, &why);
	for (size_t i = 0; i < spec->nprograms; i++)
		makefile |= b.progs[i].used_makefile;
	struct probe_env env = {
		.spec = spec, .sb = sb, .workdir = scratch, .bins = bins, .build_why = why,
		.seed = L->seed, .ref = &L->ref,
		/* a repeated probe's other runs would only walk the same lines again */
		.once = 1,
	};
	size_t nvis;
	const struct probe **visible = choose_probes(spec, 1, &nvis);
	struct probe_result *res = xcalloc(nvis + 1, sizeof *res);
	run_probes(&env, visible, nvis, res, 1);
	for (size_t i = 0; i < nvis; i++)
		probe_result_release(&res[i]);
	free(res);
	free(visible);
	free(bins);
	free(why);
	if (coverage_collect(sb, scratch, dest, makefile, cov, err) < 0)
		snprintf(cov->why, sizeof cov->why, "no coverage: %s", err);
out:
	build_result_release(&b);
	remove_tree(scratch);
	free(scratch);
	free(dest);
}

/*
 * The report's sandbox line: the mode's own warning, and that a program's
 * memory cgroup could not be applied, when one was wanted and is not (its
 * memory was held by the address-space limit instead: a program over it sees
 * failed allocations, not ML). NULL when nothing is to be said; to be freed.
 */
static char *sandbox_warning_of(const struct sandbox *sb, const struct probe_result *res, size_t n)
{
	const char *mode = sb ? sandbox_mode_warning(sb) : NULL;
	const char *note = NULL;
	for (size_t i = 0; i < n && !note; i++)
		for (size_t k = 0; k < res[i].nprocs && !note; k++)
			if (*res[i].procs[k].v.memory_note)
				note = res[i].procs[k].v.memory_note;
	if (!note)
		return mode ? xstrdup(mode) : NULL;
	return xasprintf("%s%sthe memory cgroup was not applied (%s): memory was held by the "
			 "address-space limit instead, so a program over its limit fails to allocate "
			 "rather than being stopped with ML", mode ? mode : "", mode ? "; " : "", note);
}

/*
 * In a worker: builds src, runs the probes, writes out_dir/results.json
 * (and the reference's answers when recording). Returns 0, or -1 when the
 * harness itself failed (err says why; results.json then says so too).
 */
static int grade_one(struct lab *L, const char *src, const char *student, const char *out_dir,
		     int record, char *err)
{
	const struct spec *spec = L->spec;
	struct sandbox *sb = NULL;
	struct build_result build;
	struct probe_result *results = xcalloc(spec->nprobes + 1, sizeof *results);
	size_t nres = 0;
	char *scratch = xasprintf("%s/%d", L->workroot, (int)getpid());
	char *results_path = xasprintf("%s/results.json", out_dir);
	int64_t t0 = now_ms(), waited_ms = 0;
	int rc = -1, built = 0, have_cov = 0;
	char herr[ERRLEN] = "";
	char *warning = NULL;
	struct coverage_info cov;

	memset(&build, 0, sizeof build);
	if (mkdir_p(out_dir, 0755) < 0) {
		snprintf(err, ERRLEN, "'%s': cannot create: %s", out_dir, strerror(errno));
		goto out;
	}
	if (sandbox_open(&sb, herr) < 0 || sandbox_make_scratch(sb, scratch, herr) < 0)
		goto write;
	int slot = build_slot_acquire(L, &waited_ms);
	int bs = build_submission(sb, spec, src, scratch, &build, herr);
	build_slot_release(slot);
	if (bs < 0)
		goto write;
	built = 1;

	char **bins, **why;
	programs_of(&build, &bins, &why);
	struct probe_env env = {
		.spec = spec, .sb = sb, .workdir = scratch, .bins = bins, .build_why = why,
		.seed = L->seed, .is_reference = record, .ref = &L->ref, .slots = L->workroot,
	};
	const struct probe **chosen = choose_probes(spec, L->selfcheck, &nres);
	run_probes(&env, chosen, nres, results, 0);
	free(chosen);
	for (size_t i = 0; i < nres; i++) {
		/* the grader's own failure in a probe is not the student's: the run says so */
		const char *w = results[i].why;
		if (w && !strncmp(w, "harness error", 13) && !*herr)
			snprintf(herr, sizeof herr, "probe '%s': %s", results[i].probe->name, w);
	}
	free(bins);
	free(why);
	if (L->coverage && !record)
		run_coverage(L, sb, src, out_dir, &cov, &have_cov, &waited_ms);
write:;
	warning = sandbox_warning_of(sb, results, nres);
	struct score_input in = {
		.spec = spec, .student = student, .seed = L->seed,
		.sandbox_mode = sb ? sandbox_mode(sb) : "none",
		.sandbox_warning = warning,
		.selfcheck = L->selfcheck, .build = built ? &build : NULL, .results = results,
		.nresults = nres, .harness_error = *herr ? herr : NULL,
		.coverage = have_cov ? &cov : NULL,
		.execution_time = (double)(now_ms() - t0) / 1000,
		.build_wait_ms = waited_ms,
		.import = record ? NULL : import_manifest_find(&L->manifest, student),
	};
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		in.harness_rss_kb = ru.ru_maxrss;
	if (score_write(results_path, &in, err) < 0)
		goto out;
	if (record) {
		char *p = xasprintf("%s/reference.json", out_dir);
		int w = score_write_reference(p, spec, L->seed, &L->ref, err);
		free(p);
		if (w < 0)
			goto out;
	}
	if (*herr) {
		snprintf(err, ERRLEN, "%s", herr);
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < nres; i++)
		probe_result_release(&results[i]);
	free(results);
	free(warning);
	build_result_release(&build);
	sandbox_close(sb);
	remove_tree(scratch);
	free(scratch);
	free(results_path);
	return rc;
}

/* A worker's whole life: exit 0 when graded, 3 when the harness failed on it. */
void worker_main(struct lab *L, const char *src, const char *student, const char *out_dir,
		 int record, const char *print)
{
	char err[ERRLEN] = "";
	/* stop with the parent, whatever kills it; boxes die with the worker */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != L->parent)
		_exit(3);
	/* a program the reference left behind must not keep the other shards waiting */
	if (L->lock_fd >= 0)
		close(L->lock_fd);
	signal(SIGPIPE, SIG_IGN);
	int rc = grade_one(L, src, student, out_dir, record, err);
	if (rc < 0) {
		char *name = term_cut(student, 256), *why = term_cut(err, 1024);
		fprintf(stderr, "sockgrade: internal error grading '%s': %s\n", name, why);
		free(name);
		free(why);
	}
	if (rc == 0 && print) {
		char *fp = xasprintf("%s/.fingerprint", out_dir);
		if (write_file_atomic(fp, print, strlen(print), err) < 0)
			fprintf(stderr, "sockgrade: %s\n", err);
		free(fp);
	}
	fflush(NULL);
	_exit(rc < 0 ? 3 : 0);
}

struct job {
	pid_t pid;
	char *student;
	char *out_dir;
};

/* After a worker that crashed: a results.json that says the grader failed, not the student. */
void write_harness_error(struct lab *L, const char *student, const char *out_dir,
			 int status)
{
	char why[200], err[ERRLEN];
	if (WIFSIGNALED(status))
		snprintf(why, sizeof why, "the grading worker was killed by SIG%s",
			 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "?");
	else
		snprintf(why, sizeof why, "the grading worker failed (status %d)", WEXITSTATUS(status));
	char *path = xasprintf("%s/results.json", out_dir);
	struct stat st;
	/* a worker that wrote its own harness-error results said more than we can */
	if (!(WIFEXITED(status) && WEXITSTATUS(status) == 3 && stat(path, &st) == 0)) {
		mkdir_p(out_dir, 0755);
		struct score_input in = {
			.spec = L->spec, .student = student, .seed = L->seed, .sandbox_mode = "none",
			.selfcheck = L->selfcheck, .harness_error = why,
		};
		if (score_write(path, &in, err) < 0)
			fprintf(stderr, "sockgrade: %s\n", err);
	}
	free(path);
}

/* One line about one graded submission, from its results.json; 1 when it was graded. */
int print_summary(const char *student, const char *out_dir)
{
	char *path = xasprintf("%s/results.json", out_dir);
	struct json *root = json_parse_file(path, NULL);
	/* a folder's name is the student's: no control character of it reaches the terminal */
	char *name = term_cut(student, 256);
	int graded = 0;

	if (!root) {
		printf("  %-28s %s\n", name, access(path, F_OK) < 0 && errno == ENOENT ?
		       "not graded: no results" : "no results: its results.json cannot be read");
	} else {
		const struct json *x = json_get(root, "extra_data");
		const char *herr = json_get_str(x, "harness_error", NULL);
		const struct json *progs = json_get(json_get(x, "build"), "programs");
		int built = 1;
		for (size_t i = 0; i < json_len(progs); i++)
			if (!json_bool(json_get(json_at(progs, i), "ok"), 0))
				built = 0;
		if (herr) {
			char *h = term_cut(herr, 1024);
			printf("  %-28s not graded: %s\n", name, h);
			free(h);
		} else {
			printf("  %-28s %3.0f / %-3.0f%s\n", name, json_get_num(root, "score", 0),
			       json_get_num(x, "max_score", 0), built ? "" : "  (does not build)");
		}
		graded = !herr;
		json_free(root);
	}
	fflush(stdout);
	free(name);
	free(path);
	return graded;
}

/* On a terminal: one line, rewritten, with how far grading is and how long it may take. */
static void progress(size_t done, size_t total, int64_t t0)
{
	if (!isatty(2) || !total)
		return;
	int64_t el = (now_ms() - t0) / 1000;
	int64_t left = done ? el * (int64_t)(total - done) / (int64_t)done : -1;
	fprintf(stderr, "\r\033[K[%zu/%zu] %02lld:%02lld elapsed", done, total, (long long)el / 60,
		(long long)el % 60);
	if (left >= 0 && done < total)
		fprintf(stderr, ", about %02lld:%02lld left", (long long)left / 60, (long long)left % 60);
	if (done == total)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

/* Runs a worker per student, at most jobs at a time; returns how many failed the harness. */
int run_workers(struct lab *L, const char *subs, char **students, size_t n, int jobs)
{
	struct job *running = xcalloc((size_t)jobs, sizeof *running);
	size_t next = 0, done = 0;
	int nrun = 0, errors = 0;
	int64_t t0 = now_ms();

	while (next < n || nrun > 0) {
		while (next < n && nrun < jobs) {
			char *src = xasprintf("%s/%s", subs, students[next]);
			char *out = xasprintf("%s/%s", L->lab_dir, students[next]);
			char print[32];
			if (unchanged(L, src, students[next], out, print, sizeof print)) {
				if (isatty(2))
					fputs("\r\033[K", stderr);
				char *name = term_cut(students[next], 256);
				printf("  %-28s unchanged since the last run (FORCE=1 regrades)\n", name);
				free(name);
				free(src);
				free(out);
				next++;
				progress(++done, n, t0);
				continue;
			}
			/* neither a stale fingerprint nor stale results may survive a crash halfway */
			char *fp = xasprintf("%s/.fingerprint", out);
			char *rj = xasprintf("%s/results.json", out);
			unlink(fp);
			unlink(rj);
			free(fp);
			free(rj);
			fflush(NULL);
			pid_t pid = fork();
			if (pid == 0)
				worker_main(L, src, students[next], out, 0, print);
			free(src);
			if (pid < 0 && nrun > 0) {
				/* out of processes for now: try again once a worker has ended */
				free(out);
				break;
			}
			if (pid < 0) {
				fprintf(stderr, "sockgrade: fork: %s\n", strerror(errno));
				write_harness_error(L, students[next], out, 3 << 8);
				free(out);
				errors++;
				next++;
				continue;
			}
			for (int i = 0; i < jobs; i++)
				if (!running[i].pid) {
					running[i] = (struct job){ pid, students[next], out };
					break;
				}
			nrun++;
			next++;
		}
		int status;
		pid_t pid = waitpid(-1, &status, 0);
		if (pid < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < jobs; i++) {
			if (running[i].pid != pid)
				continue;
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				write_harness_error(L, running[i].student, running[i].out_dir, status);
				errors++;
			}
			if (isatty(2))
				fputs("\r\033[K", stderr);
			print_summary(running[i].student, running[i].out_dir);
			free(running[i].out_dir);
			running[i].pid = 0;
			nrun--;
			progress(++done, n, t0);
		}
	}
	free(running);
	return errors;
}
