/*
 * grade/lab: the driver of a grading run. For one lab it loads the spec, grades
 * the reference (which must pass every probe, or the spec is refused), then
 * grades the submissions, each in a worker process of its own so that
 * nothing one submission does (nor a harness bug it triggers) can stop the
 * others. Workers write results.json and exit; the report stage then reads
 * those files. Up to 8 x JOBS workers run at once, and at most JOBS of them
 * build at a time (build slots). A worker's probes run up to PROBES_AT_ONCE
 * at a time in processes of their own (run_probes), where the sandbox can
 * give each a network of its own; their results are put back in the spec's
 * order, so that timing never changes what a report says.
 *
 * This file is the run of one lab (grade_lab and its stages: the lab's lock,
 * the reference's record, the roster, shards). Beside it: worker.c (a
 * worker's life, the pool of them), runner.c (a worker's probes),
 * fingerprint.c (what makes a submission unchanged), commands.c (report,
 * kit, selfcheck); internal.h is what they share.
 */
#include "grade.h"
#include "internal.h"
#include "build.h"
#include "import.h"
#include "json.h"
#include "report.h"
#include "sandbox.h"
#include "score.h"
#include "spec.h"
#include "spec_check.h"
#include "term.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t fresh_seed(void)
{
	uint64_t s;
	if (getrandom(&s, sizeof s, 0) != sizeof s)
		s = (uint64_t)now_ms() ^ ((uint64_t)getpid() << 32);
	return s % 1000000000000ULL;	/* short enough to type */
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The folder beside specs/ that holds reference/, when not given. */
char *default_reference(const char *spec_path, const char *lab, const char *root)
{
	if (root)
		return xasprintf("%s/%s", root, lab);
	char *copy = xstrdup(spec_path);
	char *specs = dirname(copy);
	char *r = xasprintf("%s/../reference/%s", specs, lab);
	free(copy);
	return r;
}

/*
 * Submissions graded at once per build slot: a worker spends most of its time
 * waiting on probes, so that with fewer the build slots stand idle (hello
 * lab, 100 submissions, JOBS=2: 4 per slot took 13.1 s, 8 took 10.9 s, 16
 * took 11.5 s, where contention slows the builds).
 */
#define WORKERS_PER_JOB 8

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
int grade_reference(struct lab *L, const char *ref_dir)
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
int shard_of(const char *student, int n)
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

/*
 * Loads and checks the spec, makes <reports>[/<sub>]/<lab> and the run's
 * work folder (removing those of graders gone), and sets L up for the lab:
 * its seed, fingerprints and options. 0, or -1 (stderr says why).
 */
int lab_open(struct lab *L, const char *spec_path, const struct grade_opts *o,
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

/* Releases what lab_open() took: the work folder, the lab's lock, the reference's answers. */
void lab_close(struct lab *L)
{
	if (L->workroot) {
		remove_tree(L->workroot);
		free(L->workroot);
	}
	lab_unlock(L);
	ref_release(&L->ref);
	import_manifest_release(&L->manifest);
}

/*
 * The class and this run's reference answers: the student folders of subs
 * into *students (*skipped counts those not graded for their name), the
 * roster written and the reference settled under the lab's lock, one run at
 * a time, shards included. 1 when a record was taken, 0 when the reference
 * was graded, -1 when the run cannot go on (stderr says why).
 */
static int settle_class(struct lab *L, const struct grade_opts *o, const char *subs,
			const char *ref_dir, char ***students, size_t *n, int *skipped)
{
	char err[ERRLEN];

	*students = list_students(subs, n, skipped, err);
	if (!*students && *n == 0 && !is_dir(subs)) {
		fprintf(stderr, "sockgrade: no submissions: %s\n", err);
		return -1;
	}
	/* the roster and the reference's record: one run at a time, shards included */
	if (lab_lock(L, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		return -1;
	}
	if (report_roster_write(L->lab_dir, L->spec->lab, *students, *n, err) < 0) {
		fprintf(stderr, "sockgrade: %s\n", err);
		return -1;
	}
	int reused = o->recorded ? take_recorded(L, ref_dir, o) :
				   settle_reference(L, ref_dir, o, o->shard_n > 0 || o->only);
	lab_unlock(L);
	return reused;
}

/*
 * The students this run grades, of students[0..*n), in order (the others
 * freed): the one --only names (regraded, changed or not), a shard's, or
 * all of them, when the results of those no longer there are retired.
 * 0, or -1 when --only names no submission of subs (stderr says so).
 */
static int choose_students(struct lab *L, const struct grade_opts *o, const char *subs,
			   char **students, size_t *n)
{
	if (o->only) {
		/* a student asked for by name is regraded, changed or not */
		L->force = 1;
		size_t k = 0;
		for (size_t i = 0; i < *n; i++) {
			if (!strcmp(students[i], o->only))
				students[k++] = students[i];
			else
				free(students[i]);
		}
		*n = k;
		if (!*n) {
			fprintf(stderr, "sockgrade: no submission '%s' in '%s'\n", o->only, subs);
			return -1;
		}
	}
	else if (o->shard_n > 0)
		keep_shard(students, n, o->shard_k, o->shard_n);
	else
		retire_gone(L->lab_dir, students, *n);
	return 0;
}

/*
 * The pages of students[0..n) and of the reference when it was graded now,
 * the class files (not for a shard: sockgrade report makes them) and the
 * gradebooks. EXIT_GRADED, or EXIT_ERROR when one could not be written
 * (stderr says which).
 */
static int write_reports(const struct lab *L, const struct grade_opts *o, char **students,
			 size_t n, int reused, const char *manifest)
{
	const char *lab_dir = L->lab_dir;
	int rc = EXIT_GRADED;
	char err[ERRLEN];

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
	if (report_gradebooks(lab_dir, L->manifest.n ? manifest : NULL, o->canvas_assignment,
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
	return rc;
}

/*
 * The stages of one lab's run: the reference (settle_class), the students
 * (choose_students), a worker per submission (run_workers), then the reports
 * (write_reports).
 */
int grade_lab(const char *spec_path, const struct grade_opts *o)
{
	struct lab L;
	struct spec *spec = NULL;
	char *lab_dir = NULL, *subs = NULL, *ref_dir = NULL, *manifest = NULL;
	char **students = NULL;
	size_t n = 0;
	int rc = EXIT_ERROR, skipped = 0;
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
	int reused = settle_class(&L, o, subs, ref_dir, &students, &n, &skipped);
	if (reused < 0)
		goto out;
	printf("  reference passes all %zu probes\n", spec->nprobes);
	if (choose_students(&L, o, subs, students, &n) < 0)
		goto out;
	/* an import's manifest: what each student's page says of the hand-in, and the gradebooks */
	manifest = xasprintf("%s/import.tsv", subs);
	if (import_manifest_load(manifest, &L.manifest, err) < 0)
		fprintf(stderr, "sockgrade: %s: graded without it\n", err);
	/* builds are bounded by JOBS; workers, which mostly wait, by WORKERS_PER_JOB times that */
	L.build_slots = o->jobs > 0 ? o->jobs : 1;
	int errors = run_workers(&L, subs, students, n,
				 L.build_slots * WORKERS_PER_JOB > 64 ? 64 : L.build_slots * WORKERS_PER_JOB);

	rc = write_reports(&L, o, students, n, reused, manifest);
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
