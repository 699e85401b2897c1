/*
 * (1.3k lines: a run's whole process tree in one place; the runner and fingerprint could move out.)
 * grade: the driver of a grading run. For one lab it loads the spec, grades
 * the reference (which must pass every probe, or the spec is refused), then
 * grades the submissions, each in a worker process of its own so that
 * nothing one submission does (nor a harness bug it triggers) can stop the
 * others. Workers write results.json and exit; the report stage then reads
 * those files. Up to 8 x JOBS workers run at once, and at most JOBS of them
 * build at a time (build slots). A worker's probes run up to PROBES_AT_ONCE
 * at a time in processes of their own (run_probes), where the sandbox can
 * give each a network of its own; their results are put back in the spec's
 * order, so that timing never changes what a report says.
 */
#include "grade.h"
#include "build.h"
#include "coverage.h"
#include "folder.h"
#include "import.h"
#include "json.h"
#include "probe.h"
#include "report.h"
#include "sandbox.h"
#include "score.h"
#include "spec.h"
#include "spec_check.h"
#include "term.h"
#include "util.h"
#include "wire.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <fcntl.h>
#include <sys/file.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* What every worker of one lab shares (inherited across fork). */
struct lab {
	const struct spec *spec;
	const char *lab_dir;		/* <REPORTS>/<lab> */
	char *workroot;			/* scratch copies live below it */
	uint64_t seed;
	struct ref_data ref;		/* the reference's recorded answers */
	int selfcheck;			/* visible probes only */
	int coverage;			/* run the coverage build too */
	int force;			/* regrade unchanged submissions */
	uint64_t harness_print;		/* the spec and the harness's own binary */
	uint64_t base_print;		/* spec, harness and options: part of every fingerprint */
	int lock_fd;			/* the lab's lock while this process holds it, else -1 */
	int build_slots;		/* builds at once (JOBS); probes may overlap beyond it */
	pid_t parent;			/* the grader's main process, which workers die with */
	struct import_manifest manifest;	/* <submissions>/import.tsv; empty without one */
};

/*
 * A slot: one of n lock files dir/<prefix>-K, held with flock, so that at
 * most n holders run at once. The kernel frees a slot when its holder dies.
 * Returns the descriptor that holds it, or -1 (then the work just runs).
 */
static int slot_acquire(const char *dir, const char *prefix, int n)
{
	int fd = -1;
	for (int pass = 0; pass < 2 && fd < 0; pass++) {
		for (int i = 0; i < n; i++) {
			/* the first pass takes a free slot; the second waits on one */
			int k = pass ? (int)(getpid() % n) : i;
			char *path = xasprintf("%s/%s-%d", dir, prefix, k);
			int f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
			free(path);
			if (f < 0)
				continue;
			int r;
			do
				r = flock(f, pass ? LOCK_EX : LOCK_EX | LOCK_NB);
			while (r < 0 && errno == EINTR);
			if (r == 0) {
				fd = f;
				break;
			}
			close(f);
			if (pass)
				break;
		}
	}
	return fd;
}

/* A build slot: at most JOBS builds at once however many workers wait on their programs. */
static int build_slot_acquire(const struct lab *L)
{
	return slot_acquire(L->workroot, ".slot", L->build_slots);
}

static void build_slot_release(int fd)
{
	if (fd >= 0)
		close(fd);
}

static uint64_t fresh_seed(void)
{
	uint64_t s;
	if (getrandom(&s, sizeof s, 0) != sizeof s)
		s = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32);
	return s % 1000000000000ULL;	/* short enough to type */
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The folder beside specs/ that holds reference/, when not given. */
static char *default_reference(const char *spec_path, const char *lab, const char *root)
{
	if (root)
		return xasprintf("%s/%s", root, lab);
	char *copy = xstrdup(spec_path);
	char *specs = dirname(copy);
	char *r = xasprintf("%s/../reference/%s", specs, lab);
	free(copy);
	return r;
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

/*
 * Submissions graded at once per build slot: a worker spends most of its time
 * waiting on probes, so that with fewer the build slots stand idle (hello
 * lab, 100 submissions, JOBS=2: 4 per slot took 13.1 s, 8 took 10.9 s, 16
 * took 11.5 s, where contention slows the builds).
 */
#define WORKERS_PER_JOB 8

/* Probes of one submission that run at once, each in a process and a network of its own. */
#define PROBES_AT_ONCE SANDBOX_MAX_SPLITS
/*
 * Probes at once in the whole run, whatever JOBS is: each holds at most
 * MAX_BUFFERED (64 MiB) of what peers sent, so the harness holds at most
 * 4 GiB of it in all. 64 is what JOBS=2 reaches by itself.
 */
#define PROBE_SLOTS 64

/* A result that says the grader, not the student, failed this probe. */
static void harness_failure(const struct probe *probe, struct probe_result *res, const char *why)
{
	memset(res, 0, sizeof *res);
	res->probe = probe;
	res->runs = res->failed_runs = 1;
	res->failed_step = -1;
	res->diff_at = -1;
	res->why = xasprintf("harness error: %s", why);
}

/*
 * A forked process that runs one probe: its own network and limits
 * (sandbox_split), the probe, then its result (and what the reference said,
 * when recording) down fd. Its set-up counts as the probe's overhead. Never
 * returns.
 */
static void probe_process(const struct probe_env *penv, const struct probe *probe, size_t idx, int fd,
			  pid_t parent)
{
	int64_t t0 = now_us();
	struct probe_env env = *penv;
	struct probe_result res;
	struct strbuf out = STRBUF_INIT;
	char err[ERRLEN];
	size_t ref_from = env.ref ? env.ref->n : 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);	/* the runner died before the line above */
	/* held until this process ends: at most PROBE_SLOTS probes, so harness buffers are bounded */
	if (env.slots)
		slot_acquire(env.slots, ".probe", PROBE_SLOTS);
	if (sandbox_split(env.sb, err) < 0) {
		harness_failure(probe, &res, err);
	} else {
		int64_t setup_us = now_us() - t0;
		folder_probe_execute(&env, probe, idx, 0, &res);
		res.overhead_us += setup_us;
		res.wall_ms += setup_us / 1000;
	}
	/* the probe's programs are all gone before its result is final */
	sandbox_close(env.sb);
	wire_pack(&res, env.ref, ref_from, &out);
	int rc = write_all(fd, out.buf, out.len);
	_exit(rc < 0 ? 3 : 0);
}

struct runner {
	pid_t pid;
	int fd;			/* the read end of its result pipe */
	size_t idx;		/* which probe */
};

/*
 * Starts probe idx in a process of its own; 0, or -errno when it could not be
 * forked. The child keeps none of the runner's pipes but its own.
 */
static int runner_start(const struct probe_env *env, const struct probe *probe, size_t idx,
			struct runner *run, size_t nrun, int out_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		close(p[0]);
		close(out_fd);
		for (size_t i = 0; i < nrun; i++)
			close(run[i].fd);
		probe_process(env, probe, idx, p[1], parent);
	}
	close(p[1]);
	run[nrun] = (struct runner){ pid, p[0], idx };
	return 0;
}

/* One probe's record from the runner: how its process ended, then what it sent. */
static void put_record(struct strbuf *out, int64_t status, const struct strbuf *data)
{
	int64_t len = (int64_t)data->len;
	sb_add(out, &status, sizeof status);
	sb_add(out, &len, sizeof len);
	if (data->len)
		sb_add(out, data->buf, data->len);
}

/*
 * The runner: runs probes[0..n) at once, up to PROBES_AT_ONCE, each in a
 * probe process of its own, and writes one record per probe down fd, in the
 * spec's order whatever order they end in. Never returns.
 */
static void runner_main(const struct probe_env *env, const struct probe **probes, size_t n, int fd,
			pid_t parent)
{
	struct strbuf *got = xcalloc(n, sizeof *got);
	int64_t *status = xcalloc(n, sizeof *status);
	struct runner run[PROBES_AT_ONCE];
	struct pollfd pfd[PROBES_AT_ONCE];
	size_t next = 0, nrun = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);	/* the worker died before the line above */
	while (next < n || nrun > 0) {
		while (next < n && nrun < PROBES_AT_ONCE) {
			int e = runner_start(env, probes[next], next, run, nrun, fd);
			if (e == 0) {
				nrun++;
				next++;
			} else if (nrun > 0) {
				break;	/* try again once a probe has ended */
			} else {
				status[next++] = e;	/* no process to be had at all */
			}
		}
		if (!nrun)
			continue;
		for (size_t i = 0; i < nrun; i++)
			pfd[i] = (struct pollfd){ .fd = run[i].fd, .events = POLLIN };
		if (poll(pfd, nrun, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(3);
		}
		for (size_t i = 0; i < nrun; i++) {
			if (!pfd[i].revents)
				continue;
			char buf[65536];
			ssize_t k = read(run[i].fd, buf, sizeof buf);
			if (k > 0) {
				sb_add(&got[run[i].idx], buf, (size_t)k);
				continue;
			}
			if (k < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			close(run[i].fd);
			int st = 0;
			while (waitpid(run[i].pid, &st, 0) < 0 && errno == EINTR)
				;
			status[run[i].idx] = st;
			run[i] = run[--nrun];
			pfd[i] = pfd[nrun];
			i--;
		}
	}
	struct strbuf out = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		put_record(&out, status[i], &got[i]);
	_exit(write_all(fd, out.buf, out.len) < 0 ? 3 : 0);
}

/* The result of probe from its runner record; err says why when there is none. */
static void take_record(const struct probe_env *env, const struct probe *probe, int64_t status,
			const char *data, size_t len, struct probe_result *res)
{
	char err[ERRLEN];
	if (status < 0) {
		snprintf(err, sizeof err, "no process for the probe: %s", strerror((int)-status));
		harness_failure(probe, res, err);
	} else if (WIFSIGNALED((int)status)) {
		int sig = WTERMSIG((int)status);
		snprintf(err, sizeof err, "the process that ran this probe was killed by SIG%s",
			 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
		harness_failure(probe, res, err);
	} else if (wire_unpack(data, len, probe, res, env->is_reference ? env->ref : NULL, err) < 0) {
		harness_failure(probe, res, err);
	}
}

/*
 * Runs probes[0..n) of one submission into res[0..n). When the sandbox can
 * keep them apart, a runner process runs them at once (runner_main);
 * otherwise they run one after another here (and always for coverage, whose
 * counts go from each probe's folder to the next: folder.h). Each probe runs
 * in a copy of the scratch folder of its own. Results, and the answers the
 * reference gives, are taken in the spec's order, so that the outcome does
 * not depend on which probe ends first.
 */
static void run_probes(const struct probe_env *env, const struct probe **probes, size_t n,
		       struct probe_result *res, int coverage)
{
	int p[2];
	pid_t pid = -1;
	if (n >= 2 && !coverage && sandbox_can_split(env->sb) && pipe2(p, O_CLOEXEC) == 0) {
		fflush(NULL);
		pid_t parent = getpid();
		pid = fork();
		if (pid == 0) {
			close(p[0]);
			runner_main(env, probes, n, p[1], parent);
		}
		close(p[1]);
		if (pid < 0)
			close(p[0]);
	}
	if (pid < 0) {
		for (size_t i = 0; i < n; i++)
			folder_probe_execute(env, probes[i], i, coverage, &res[i]);
		return;
	}
	struct strbuf got = STRBUF_INIT;
	char buf[65536];
	ssize_t k;
	while ((k = read(p[0], buf, sizeof buf)) != 0) {
		if (k > 0)
			sb_add(&got, buf, (size_t)k);
		else if (errno != EINTR)
			break;
	}
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t status, len;
		if (got.len - at < 2 * sizeof(int64_t)) {
			char why[ERRLEN];
			if (WIFSIGNALED(st))
				snprintf(why, sizeof why, "the probe runner was killed by SIG%s",
					 sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
			else
				snprintf(why, sizeof why, "the probe runner ended (status %d) before this probe",
					 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			harness_failure(probes[i], &res[i], why);
			continue;
		}
		memcpy(&status, got.buf + at, sizeof status);
		memcpy(&len, got.buf + at + sizeof status, sizeof len);
		at += 2 * sizeof(int64_t);
		if (len < 0 || (uint64_t)len > got.len - at) {
			at = got.len;
			harness_failure(probes[i], &res[i], "the probe runner's record is cut short");
			continue;
		}
		take_record(env, probes[i], status, got.buf + at, (size_t)len, &res[i]);
		at += (size_t)len;
	}
	sb_release(&got);
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
 * The coverage build: the visible probes run again on binaries built with
 * --coverage (their results are thrown away: scores come from the plain
 * build), then lcov makes the page. A failure here costs the coverage page,
 * never the grade.
 */
static void run_coverage(struct lab *L, struct sandbox *sb, const char *src, const char *out_dir,
			 struct coverage_info *cov, int *have)
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
	int slot = build_slot_acquire(L);
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
	int64_t t0 = now_ms();
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
	int slot = build_slot_acquire(L);
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
		run_coverage(L, sb, src, out_dir, &cov, &have_cov);
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
static void worker_main(struct lab *L, const char *src, const char *student, const char *out_dir,
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
static void write_harness_error(struct lab *L, const char *student, const char *out_dir,
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

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

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
	DIR *d = opendir(dir);
	char **names = NULL;
	size_t n = 0;
	if (!d)
		return hash64_bytes(h, "?", 1);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		names = xrealloc(names, (n + 1) * sizeof *names);
		names[n++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		char *p = xasprintf("%s/%s", dir, names[i]);
		h = hash_entry(p, names[i], h, budget, depth);
		free(p);
		free(names[i]);
	}
	free(names);
	return h;
}

/* The spec and the harness's own binary: part of every fingerprint. */
static uint64_t harness_fingerprint(const char *spec_path)
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
static uint64_t base_fingerprint(uint64_t h, const struct grade_opts *o)
{
	char opts[128];
	snprintf(opts, sizeof opts, "%d/%s/%g/%" PRIu64 "/%d", o->coverage, sandbox_selected_mode(),
		 time_scale, o->seed_given ? o->seed : 0, o->seed_given);
	return hash64_bytes(h, opts, strlen(opts));
}

/* The reference's tree and the compiler: known once the reference has been graded. */
static uint64_t reference_fingerprint(uint64_t h, const char *ref_dir, const char *compiler)
{
	h = hash_tree(ref_dir, h);
	return compiler ? hash64_bytes(h, compiler, strlen(compiler)) : h;
}

/* 1 when out_dir holds results graded from exactly this submission, spec and harness. */
static int unchanged(const struct lab *L, const char *src, const char *student,
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

/* The student folders of dir, sorted; hidden names skipped. */
static char **list_students(const char *dir, size_t *n, int *skipped, char *err)
{
	DIR *d = opendir(dir);
	char **names = NULL;
	*n = 0;
	if (!d) {
		snprintf(err, ERRLEN, "'%s': %s", dir, strerror(errno));
		return NULL;
	}
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;	/* .git and the like; and the reference's own folder */
		char *p = xasprintf("%s/%s", dir, e->d_name);
		int ok = is_dir(p);
		free(p);
		if (!ok)
			continue;
		if (!strcmp(e->d_name, "index.html") || !strcmp(e->d_name, "grades.csv") ||
		    !strcmp(e->d_name, "junit.xml") || !strcmp(e->d_name, "canvas.csv") ||
		    !strcmp(e->d_name, "moodle.csv")) {
			fprintf(stderr, "sockgrade: '%s/%s' is not graded: its name is that of a report "
					"file; rename the folder\n", dir, e->d_name);
			(*skipped)++;
			continue;
		}
		names = xrealloc(names, (*n + 1) * sizeof *names);
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, *n, sizeof *names, cmp_str);
	return names;
}

/*
 * A full run's class is the submissions there are now: results of a student
 * whose folder is gone (removed, renamed) move to LAB/.gone/<student>, kept
 * but no longer listed in any page or file. Only folders holding a
 * results.json are moved. Returns how many moved.
 */
static int retire_gone(const char *lab_dir, char **students, size_t n)
{
	DIR *d = opendir(lab_dir);
	int moved = 0;
	if (!d)
		return 0;
	char *gone = xasprintf("%s/.gone", lab_dir);
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || bsearch(&(const char *){ e->d_name }, students, n,
						    sizeof *students, cmp_str))
			continue;
		char *from = xasprintf("%s/%s", lab_dir, e->d_name);
		char *res = xasprintf("%s/results.json", from);
		char *to = xasprintf("%s/%s", gone, e->d_name);
		if (is_dir(from) && access(res, F_OK) == 0 && (mkdir(gone, 0755) == 0 || errno == EEXIST)) {
			remove_tree(to);
			if (rename(from, to) == 0) {
				char *name = term_cut(e->d_name, 256);
				printf("  %-28s no longer in the submissions: its results moved to .gone/\n",
				       name);
				free(name);
				moved++;
			}
		}
		free(from);
		free(res);
		free(to);
	}
	closedir(d);
	free(gone);
	return moved;
}

/* One line about one graded submission, from its results.json; 1 when it was graded. */
static int print_summary(const char *student, const char *out_dir)
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
static int run_workers(struct lab *L, const char *subs, char **students, size_t n, int jobs)
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

/* What the reference's results tell every submission's: the compiler, and so the fingerprint. */
static void note_reference_build(struct lab *L, const char *ref_dir, const struct json *root)
{
	const struct json *ref_build = json_get(json_get(root, "extra_data"), "build");
	build_known_compiler(json_get_str(ref_build, "compiler", NULL));
	/* results reused from an earlier run must have met this same reference and compiler */
	L->base_print = reference_fingerprint(L->base_print, ref_dir,
					      json_get_str(ref_build, "compiler", NULL));
}

/* Grades the reference in a worker; 0 when it passed every probe, else prints why not. */
static int grade_reference(struct lab *L, const char *ref_dir)
{
	char *out = xasprintf("%s/.reference", L->lab_dir);
	char *path = xasprintf("%s/results.json", out);
	char *refpath = xasprintf("%s/reference.json", out);
	char err[ERRLEN];
	int rc = -1;

	remove_tree(out);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		worker_main(L, ref_dir, "reference", out, 1, NULL);
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "%s: internal error: grading the reference failed\n", L->spec->path);
		goto out;
	}
	struct json *root = json_parse_file(path, err);
	if (!root) {
		fprintf(stderr, "%s: internal error: no results for the reference: %s\n",
			L->spec->path, err);
		goto out;
	}
	const struct json *probes = json_get(json_get(root, "extra_data"), "probes");
	int failed = 0;
	for (size_t i = 0; i < json_len(probes); i++) {
		const struct json *p = json_at(probes, i);
		if (json_bool(json_get(p, "passed"), 0))
			continue;
		failed++;
		fprintf(stderr, "%s: the reference fails probe '%s' at step %d: %s\n", L->spec->path,
			json_get_str(p, "name", "?"), json_get_int(p, "failed_step", 0, 1 << 20, 0),
			json_get_str(p, "why", "?"));
	}
	const struct json *progs = json_get(json_get(json_get(root, "extra_data"), "build"),
					    "programs");
	for (size_t i = 0; i < json_len(progs); i++) {
		const struct json *p = json_at(progs, i);
		if (!json_bool(json_get(p, "ok"), 0))
			fprintf(stderr, "%s: the reference's %s does not build: %s\n", L->spec->path,
				json_get_str(p, "name", "?"), json_get_str(p, "why", "?"));
	}
	note_reference_build(L, ref_dir, root);
	json_free(root);
	if (failed) {
		fprintf(stderr, "%s: spec refused: the reference (%s) must pass every probe; "
				"see %s/index.html\n", L->spec->path, ref_dir, out);
		report_student(L->lab_dir, ".reference", err);
		goto out;
	}
	uint64_t seed;
	if (score_read_reference(refpath, &L->ref, &seed, err) < 0) {
		fprintf(stderr, "sockgrade: internal error: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	free(out);
	free(path);
	free(refpath);
	return rc;
}

/* ---- shards, the lab's lock, the reference's record and the roster ---- */

/*
 * The shard of n that grades student: a hash of the folder name, so that a
 * student stays in its shard however many others come or go.
 */
static int shard_of(const char *student, int n)
{
	uint64_t h = hash64_bytes(0xcbf29ce484222325ULL, student, strlen(student));
	return (int)(rng_next(&h) % (uint64_t)n);
}

/*
 * Takes the lab's lock, <lab_dir>/.lock, with flock (which NFS carries
 * across machines), waiting for it: the reference's record and the roster
 * change only under it, so that shards starting at once grade the
 * reference once. 0, or -1 with err.
 */
static int lab_lock(struct lab *L, char *err)
{
	char *path = xasprintf("%s/.lock", L->lab_dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644), r = -1;

	if (fd < 0) {
		snprintf(err, ERRLEN, "'%s': cannot create: %s", path, strerror(errno));
		goto out;
	}
	do
		r = flock(fd, LOCK_EX);
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		snprintf(err, ERRLEN, "'%s': cannot lock: %s", path, strerror(errno));
		close(fd);
		goto out;
	}
	L->lock_fd = fd;
out:
	free(path);
	return r;
}

static void lab_unlock(struct lab *L)
{
	if (L->lock_fd >= 0)
		close(L->lock_fd);
	L->lock_fd = -1;
}

/*
 * What a record of the reference depends on, its seed aside: the spec, the
 * harness, the sandbox mode, TIME_SCALE and the reference's tree.
 */
static uint64_t record_fingerprint(const struct lab *L, const char *ref_dir)
{
	char opts[96];
	snprintf(opts, sizeof opts, "record/%s/%g", sandbox_selected_mode(), time_scale);
	return hash_tree(ref_dir, hash64_bytes(L->harness_print, opts, strlen(opts)));
}

static void print_run_line(const struct lab *L)
{
	printf("%s: lab '%s', seed %" PRIu64 " (SEED=%" PRIu64 " replays this run), sandbox %s\n",
	       L->spec->path, L->spec->lab, L->seed, L->seed, sandbox_selected_mode());
}

/*
 * The recorded reference of <lab>/.reference, when it was made from this
 * spec, harness, sandbox mode, TIME_SCALE and reference tree (its .record
 * says so) and with SEED when one is given: its answers into L->ref, its
 * seed into L->seed. 1 when taken, 0 when there is none to take.
 */
static int reuse_record(struct lab *L, const char *ref_dir, const struct grade_opts *o,
		       const char *want)
{
	char *dir = xasprintf("%s/.reference", L->lab_dir);
	char *rec = xasprintf("%s/.record", dir);
	char *answers = xasprintf("%s/reference.json", dir);
	char *results = xasprintf("%s/results.json", dir);
	struct strbuf got = STRBUF_INIT;
	struct json *root = NULL;
	char err[ERRLEN];
	uint64_t seed;
	int taken = 0;

	if (read_file(rec, &got) < 0 || !got.buf || strcmp(got.buf, want))
		goto out;
	if (score_read_reference(answers, &L->ref, &seed, err) < 0 ||
	    (o->seed_given && seed != o->seed) || !(root = json_parse_file(results, err))) {
		ref_release(&L->ref);
		goto out;
	}
	note_reference_build(L, ref_dir, root);
	L->seed = seed;
	taken = 1;
out:
	json_free(root);
	sb_release(&got);
	free(dir);
	free(rec);
	free(answers);
	free(results);
	return taken;
}

/*
 * This run's reference answers, under the lab's lock. With reuse (a shard,
 * an --only run) an earlier run's record is taken when it fits
 * (reuse_record), so that every shard grades against the same answers with
 * the same seed; otherwise the reference is graded now and recorded, its
 * .record written last. 1 when a record was taken, 0 when graded, -1 when
 * the reference failed (stderr says why).
 */
static int settle_reference(struct lab *L, const char *ref_dir, const struct grade_opts *o,
			    int reuse)
{
	char want[32], err[ERRLEN];
	char *rec = xasprintf("%s/.reference/.record", L->lab_dir);
	int rc = -1;

	snprintf(want, sizeof want, "%016" PRIx64, record_fingerprint(L, ref_dir));
	if (reuse && reuse_record(L, ref_dir, o, want)) {
		print_run_line(L);
		printf("  reference: the answers recorded in %s/.reference are reused\n", L->lab_dir);
		rc = 1;
		goto out;
	}
	print_run_line(L);
	if (grade_reference(L, ref_dir) < 0)
		goto out;
	if (write_file_atomic(rec, want, strlen(want), err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		goto out;
	}
	rc = 0;
out:
	free(rec);
	return rc;
}

/*
 * --recorded: the record in <lab>/.reference taken whatever spec, harness or
 * sandbox made it (a platform package carries it where the reference is not):
 * 1, or -1 when there is none (stderr says so).
 */
static int take_recorded(struct lab *L, const char *ref_dir, const struct grade_opts *o)
{
	struct strbuf want = STRBUF_INIT;
	char *rec = xasprintf("%s/.reference/.record", L->lab_dir);
	int rc = read_file(rec, &want) == 0 && want.buf && reuse_record(L, ref_dir, o, want.buf) ? 1 : -1;

	print_run_line(L);
	if (rc < 0)
		fprintf(stderr, "%s: --recorded: no reference record in '%s/.reference'\n",
			L->spec->path, L->lab_dir);
	else
		printf("  reference: the answers recorded in %s/.reference are reused\n", L->lab_dir);
	sb_release(&want);
	free(rec);
	return rc;
}

/* Keeps, of students[0..*n), those of shard k of n, in order; frees the others. */
static void keep_shard(char **students, size_t *n, int k, int nshards)
{
	size_t kept = 0, all = *n;
	for (size_t i = 0; i < all; i++) {
		if (shard_of(students[i], nshards) == k)
			students[kept++] = students[i];
		else
			free(students[i]);
	}
	*n = kept;
	printf("  shard %d/%d: %zu of the %zu students\n", k, nshards, kept, all);
}

/* Work folders of graders killed before they could remove them: their owner is gone. */
static void remove_stale_workroots(const char *tmp)
{
	DIR *d = opendir(tmp);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "sockgrade.", 10))
			continue;
		char *dir = xasprintf("%s/%s", tmp, e->d_name);
		char *owner = xasprintf("%s/.owner", dir);
		struct strbuf sb = STRBUF_INIT;
		if (read_file(owner, &sb) == 0 && sb.buf) {
			long pid = strtol(sb.buf, NULL, 10);
			if (pid > 0 && kill((pid_t)pid, 0) < 0 && errno == ESRCH)
				remove_tree(dir);
		}
		sb_release(&sb);
		free(owner);
		free(dir);
	}
	closedir(d);
}

static int lab_open(struct lab *L, const char *spec_path, const struct grade_opts *o,
		    struct spec **spec, char **lab_dir, const char *sub)
{
	char err[ERRLEN];

	memset(L, 0, sizeof *L);
	L->lock_fd = -1;
	if (spec_load_checked(spec_path, spec, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	if ((*spec)->warnings)
		fputs((*spec)->warnings, stderr);
	*lab_dir = sub ? xasprintf("%s/%s/%s", o->reports, sub, (*spec)->lab) :
			 xasprintf("%s/%s", o->reports, (*spec)->lab);
	if (mkdir_p(*lab_dir, 0755) < 0) {
		fprintf(stderr, "sockgrade: '%s': cannot create: %s\n", *lab_dir, strerror(errno));
		return -1;
	}
	const char *tmp = getenv("TMPDIR");
	remove_stale_workroots(tmp && *tmp ? tmp : "/tmp");
	char *tmpl = xasprintf("%s/sockgrade.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tmpl)) {
		fprintf(stderr, "sockgrade: '%s': cannot create: %s\n", tmpl, strerror(errno));
		free(tmpl);
		return -1;
	}
	/* searchable, not listable: the box's user reaches its own scratch copy below */
	chmod(tmpl, 0711);
	char owner[32], *op = xasprintf("%s/.owner", tmpl);
	snprintf(owner, sizeof owner, "%d", (int)getpid());
	write_file_atomic(op, owner, strlen(owner), err);
	free(op);
	L->workroot = tmpl;
	setenv("SOCKGRADE_WORKROOT", tmpl, 1);
	L->spec = *spec;
	L->lab_dir = *lab_dir;
	L->seed = o->seed_given ? o->seed : fresh_seed();
	L->parent = getpid();
	L->coverage = o->coverage;
	L->force = o->force;
	L->harness_print = harness_fingerprint(spec_path);
	L->base_print = base_fingerprint(L->harness_print, o);
	return 0;
}

static void lab_close(struct lab *L)
{
	if (L->workroot) {
		remove_tree(L->workroot);
		free(L->workroot);
	}
	lab_unlock(L);
	ref_release(&L->ref);
	import_manifest_release(&L->manifest);
}

int grade_lab(const char *spec_path, const struct grade_opts *o)
{
	struct lab L;
	struct spec *spec = NULL;
	char *lab_dir = NULL, *subs = NULL, *ref_dir = NULL, *manifest = NULL;
	char **students = NULL;
	size_t n = 0;
	int rc = EXIT_ERROR;
	char err[ERRLEN];

	if (lab_open(&L, spec_path, o, &spec, &lab_dir, NULL) < 0)
		goto out;
	subs = o->submissions ? xstrdup(o->submissions) :
				xasprintf("%s/%s", o->submissions_root ? o->submissions_root : "submissions",
					  spec->lab);
	ref_dir = default_reference(spec_path, spec->lab, o->reference_root);
	if (!o->recorded && !is_dir(ref_dir)) {
		fprintf(stderr, "%s: no reference implementation at '%s'\n", spec_path, ref_dir);
		goto out;
	}
	int skipped = 0;
	students = list_students(subs, &n, &skipped, err);
	if (!students && n == 0 && !is_dir(subs)) {
		fprintf(stderr, "sockgrade: no submissions: %s\n", err);
		goto out;
	}
	/* the roster and the reference's record: one run at a time, shards included */
	if (lab_lock(&L, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		goto out;
	}
	if (report_roster_write(lab_dir, spec->lab, students, n, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		goto out;
	}
	int reused = o->recorded ? take_recorded(&L, ref_dir, o) :
				   settle_reference(&L, ref_dir, o, o->shard_n > 0 || o->only);
	lab_unlock(&L);
	if (reused < 0)
		goto out;
	printf("  reference passes all %zu probes\n", spec->nprobes);

	if (o->only) {
		/* a student asked for by name is regraded, changed or not */
		L.force = 1;
		size_t k = 0;
		for (size_t i = 0; i < n; i++) {
			if (!strcmp(students[i], o->only))
				students[k++] = students[i];
			else
				free(students[i]);
		}
		n = k;
		if (!n) {
			fprintf(stderr, "sockgrade: no submission '%s' in '%s'\n", o->only, subs);
			goto out;
		}
	}
	else if (o->shard_n > 0)
		keep_shard(students, &n, o->shard_k, o->shard_n);
	else
		retire_gone(lab_dir, students, n);
	/* an import's manifest: what each student's page says of the hand-in, and the gradebooks */
	manifest = xasprintf("%s/import.tsv", subs);
	if (import_manifest_load(manifest, &L.manifest, err) < 0)
		fprintf(stderr, "sockgrade: %s: graded without it\n", err);
	/* builds are bounded by JOBS; workers, which mostly wait, by WORKERS_PER_JOB times that */
	L.build_slots = o->jobs > 0 ? o->jobs : 1;
	int errors = run_workers(&L, subs, students, n,
				 L.build_slots * WORKERS_PER_JOB > 64 ? 64 : L.build_slots * WORKERS_PER_JOB);

	rc = EXIT_GRADED;
	for (size_t i = 0; i < n; i++)
		if (report_student(lab_dir, students[i], err) < 0) {
			fprintf(stderr, "sockgrade: %s\n", err);
			rc = EXIT_ERROR;
		}
	if (!reused)
		report_student(lab_dir, ".reference", err);
	/* the class files of a sharded class: sockgrade report, once every shard has run */
	if (!o->shard_n && (report_lab(lab_dir, err) < 0 || report_index(o->reports, err) < 0)) {
		fprintf(stderr, "sockgrade: %s\n", err);
		rc = EXIT_ERROR;
	}
	int wrote = 0;
	if (report_gradebooks(lab_dir, L.manifest.n ? manifest : NULL, o->canvas_assignment,
			      &wrote, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		rc = EXIT_ERROR;
	}
	if (wrote & 1)
		printf("  Canvas gradebook: %s/canvas.csv (Grades, Import)%s\n", lab_dir,
		       o->canvas_assignment && *o->canvas_assignment ? "" :
		       "; its column is the lab's title, a new assignment to Canvas: "
		       "CANVAS_ASSIGNMENT='Name (id)' names an existing one");
	if (wrote & 2)
		printf("  Moodle grading worksheet: %s/moodle.csv (the assignment's "
		       "Upload grading worksheet)\n", lab_dir);
	if (errors) {
		fprintf(stderr, "sockgrade: the harness failed on %d submission(s); see their pages\n",
			errors);
		rc = EXIT_ERROR;
	}
	if (skipped)
		rc = EXIT_ERROR;
	if (o->shard_n)
		printf("  results: %s/<student>/; the class page: sockgrade report %s --reports %s\n",
		       lab_dir, spec_path, o->reports);
	else
		printf("  reports: %s/index.html\n", lab_dir);
out:
	for (size_t i = 0; i < n; i++)
		free(students[i]);
	free(students);
	lab_close(&L);
	spec_free(spec);
	free(lab_dir);
	free(subs);
	free(ref_dir);
	free(manifest);
	return rc;
}

/* 1 when dir/results.json says the student was graded (not missing, not a harness error). */
static int results_graded(const char *dir)
{
	char *path = xasprintf("%s/results.json", dir);
	struct json *root = json_parse_file(path, NULL);
	int ok = root && !json_get_str(json_get(root, "extra_data"), "harness_error", NULL);

	json_free(root);
	free(path);
	return ok;
}

/* 1 when dir/index.html is missing or older than dir/results.json, which exists. */
static int page_stale(const char *dir)
{
	char *res = xasprintf("%s/results.json", dir), *page = xasprintf("%s/index.html", dir);
	struct stat rs, ps;
	int stale = stat(res, &rs) == 0 &&
		    (stat(page, &ps) < 0 || ps.st_mtim.tv_sec < rs.st_mtim.tv_sec ||
		     (ps.st_mtim.tv_sec == rs.st_mtim.tv_sec && ps.st_mtim.tv_nsec < rs.st_mtim.tv_nsec));
	free(res);
	free(page);
	return stale;
}

/* report --missing-shards N: the shards that own a student not graded, one a line. */
static void print_missing_shards(const char *lab_dir, char **names, size_t n, int have_roster,
				 int nshards)
{
	char *missing = xcalloc((size_t)nshards, 1);
	if (!have_roster) {
		/* no shard has started: every one is missing */
		fprintf(stderr, "sockgrade: no roster in '%s' yet: every shard is missing\n", lab_dir);
		memset(missing, 1, (size_t)nshards);
	}
	for (size_t i = 0; i < n; i++) {
		char *dir = xasprintf("%s/%s", lab_dir, names[i]);
		if (!results_graded(dir))
			missing[shard_of(names[i], nshards)] = 1;
		free(dir);
	}
	for (int k = 0; k < nshards; k++)
		if (missing[k])
			printf("%d\n", k);
	free(missing);
}

int grade_report(const char *spec_path, const struct grade_opts *o, int missing_of)
{
	struct spec *spec = NULL;
	char *lab_dir = NULL;
	char **names = NULL;
	size_t n = 0, graded = 0;
	int have_roster = 0, rc = EXIT_ERROR;
	char err[ERRLEN];

	if (spec_load(spec_path, &spec, err) < 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_ERROR;
	}
	lab_dir = xasprintf("%s/%s", o->reports, spec->lab);
	if (missing_of > 0 && !is_dir(lab_dir)) {
		print_missing_shards(lab_dir, NULL, 0, 0, missing_of);
		rc = EXIT_GRADED;
		goto out;
	}
	if (report_class(lab_dir, &names, &n, &have_roster, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		goto out;
	}
	if (missing_of > 0) {
		print_missing_shards(lab_dir, names, n, have_roster, missing_of);
		rc = EXIT_GRADED;
		goto out;
	}
	printf("%s: lab '%s', %s\n", spec_path, spec->lab, have_roster ?
	       "the class of roster.json" : "no roster.json: the class is the folders of results");
	rc = EXIT_GRADED;
	/* student pages a shard did not get to write (it was cancelled between the two) */
	for (size_t i = 0; i < n; i++) {
		char *dir = xasprintf("%s/%s", lab_dir, names[i]);
		if (page_stale(dir) && report_student(lab_dir, names[i], err) < 0) {
			fprintf(stderr, "sockgrade: %s\n", err);
			rc = EXIT_ERROR;
		}
		graded += print_summary(names[i], dir);
		free(dir);
	}
	char *ref = xasprintf("%s/.reference", lab_dir);
	if (page_stale(ref))
		report_student(lab_dir, ".reference", err);
	free(ref);
	if (report_lab(lab_dir, err) < 0 || report_index(o->reports, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		rc = EXIT_ERROR;
	}
	printf("  %zu student%s: %zu graded, %zu not graded\n", n, n == 1 ? "" : "s", graded,
	       n - graded);
	printf("  reports: %s/index.html\n", lab_dir);
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	spec_free(spec);
	free(lab_dir);
	return rc;
}

/* 1 when a visible probe takes an expectation from the reference. */
static int needs_reference(const struct spec *spec)
{
	for (size_t i = 0; i < spec->nprobes; i++)
		for (size_t j = 0; !spec->probes[i].hidden && j < spec->probes[i].nsteps; j++)
			if (step_opt(&spec->probes[i].steps[j], "from"))
				return 1;
	return 0;
}

/* specs/<lab>.reference.json beside the spec: what a kit has instead of the reference. */
static char *recorded_reference(const char *spec_path, const char *lab)
{
	char *copy = xstrdup(spec_path);
	char *p = xasprintf("%s/%s.reference.json", dirname(copy), lab);
	free(copy);
	return p;
}

int grade_kit(const char *spec_path, const char *stage, const struct grade_opts *o)
{
	struct lab L;
	struct spec *spec = NULL;
	char *lab_dir = NULL, *ref_dir = NULL, *dir = NULL, *path = NULL;
	struct strbuf text = STRBUF_INIT;
	char err[ERRLEN];
	int rc = EXIT_ERROR;
	struct grade_opts ko = *o;

	ko.reports = xasprintf("%s/.kit-work", stage);
	if (lab_open(&L, spec_path, &ko, &spec, &lab_dir, NULL) < 0)
		goto out;
	dir = xasprintf("%s/specs", stage);
	if (mkdir_p(dir, 0755) < 0) {
		fprintf(stderr, "sockgrade: '%s': %s\n", dir, strerror(errno));
		goto out;
	}
	spec_write(spec, 1, &text);
	path = xasprintf("%s/%s.yaml", dir, spec->lab);
	if (write_file_atomic(path, text.buf, text.len, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		goto out;
	}
	if (needs_reference(spec)) {
		ref_dir = default_reference(spec_path, spec->lab, o->reference_root);
		L.selfcheck = 1;	/* visible probes only: nothing hidden is recorded */
		if (grade_reference(&L, ref_dir) < 0)
			goto out;
		char *rec = recorded_reference(path, spec->lab);
		int w = score_write_reference(rec, spec, L.seed, &L.ref, err);
		free(rec);
		if (w < 0) {
			fprintf(stderr, "sockgrade: %s\n", err);
			goto out;
		}
	}
	rc = EXIT_GRADED;
out:
	lab_close(&L);
	if (ko.reports)
		remove_tree(ko.reports);
	free((char *)ko.reports);
	sb_release(&text);
	spec_free(spec);
	free(lab_dir);
	free(ref_dir);
	free(dir);
	free(path);
	return rc;
}

int grade_selfcheck(const char *spec_path, const char *submission, const struct grade_opts *o)
{
	struct lab L;
	struct spec *spec = NULL;
	char *lab_dir = NULL, *ref_dir = NULL, *out = NULL;
	int rc = EXIT_ERROR;
	char err[ERRLEN];

	if (!is_dir(submission)) {
		fprintf(stderr, "sockgrade: no such folder '%s': give SUBMISSION=<folder with your "
				"files>\n", submission);
		return EXIT_ERROR;
	}
	if (lab_open(&L, spec_path, o, &spec, &lab_dir, "selfcheck") < 0)
		goto out;
	ref_dir = default_reference(spec_path, spec->lab, o->reference_root);
	L.selfcheck = 1;
	char *rec = recorded_reference(spec_path, spec->lab);
	if (is_dir(ref_dir)) {
		/* the reference proves the spec and records its answers; nothing hidden runs */
		if (grade_reference(&L, ref_dir) < 0) {
			free(rec);
			goto out;
		}
	} else if (access(rec, R_OK) == 0) {
		/* a student kit: the reference's answers were recorded with one seed */
		uint64_t seed;
		if (score_read_reference(rec, &L.ref, &seed, err) < 0) {
			fprintf(stderr, "sockgrade: %s\n", err);
			free(rec);
			goto out;
		}
		if (!o->seed_given)
			L.seed = seed;
	} else if (needs_reference(spec)) {
		fprintf(stderr, "sockgrade: %s needs the reference's answers: neither '%s' nor '%s' "
				"exists\n", spec_path, ref_dir, rec);
		free(rec);
		goto out;
	}
	free(rec);
	out = xasprintf("%s/submission", lab_dir);
	remove_tree(out);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0)
		worker_main(&L, submission, "submission", out, 0, NULL);
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		write_harness_error(&L, "submission", out, status);
		fprintf(stderr, "sockgrade: internal error: the selfcheck worker failed\n");
		goto out;
	}
	if (report_selfcheck(out, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		goto out;
	}
	char *results = xasprintf("%s/results.json", out);
	char *page = xasprintf("%s/index.html", out);
	rc = term_selfcheck(results, page, o->color, o->verbose);
	free(results);
	free(page);
out:
	lab_close(&L);
	spec_free(spec);
	free(lab_dir);
	free(ref_dir);
	free(out);
	return rc;
}
