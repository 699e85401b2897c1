/*
 * sockgrade: the command line. Only this file decides to exit.
 *
 *   sockgrade grade [options] SPEC...          grade every lab of each SPEC
 *   sockgrade selfcheck [options] SPEC FOLDER  visible probes on one submission
 *   sockgrade check SPEC...                    validate specs
 *   sockgrade report SPEC --reports DIR        the class files from results and roster
 *   sockgrade import [options] SPEC FROM       an LMS download into <root>/<lab>/
 *
 * Exit status: 0 graded (or selfcheck all passed), 1 selfcheck with failures,
 * 2 a spec, reference or harness error.
 */
#include "grade.h"
#include "import.h"
#include "report.h"
#include "sandbox.h"
#include "spec.h"
#include "spec_check.h"
#include "util.h"

#include <getopt.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *f)
{
	fputs("usage: sockgrade grade [options] SPEC...\n"
	      "       sockgrade selfcheck [options] SPEC SUBMISSION\n"
	      "       sockgrade check SPEC...\n"
	      "       sockgrade report [--reports DIR] [--missing-shards N] SPEC\n"
	      "       sockgrade kit SPEC FOLDER   (the student kit's spec and recorded answers)\n"
	      "       sockgrade import [--format F] [--submissions-root DIR] SPEC FROM\n"
	      "options:\n"
	      "  --reports DIR           where reports go (default: reports)\n"
	      "  --submissions DIR       the submissions of the one SPEC given\n"
	      "  --submissions-root DIR  <DIR>/<lab>/ for each SPEC (default: submissions)\n"
	      "  --format F              import: canvas, moodle, blackboard or folders (default: guessed)\n"
	      "  --reference-root DIR    <DIR>/<lab>/ holds the reference (default: beside specs/)\n"
	      "  --only NAME             grade only this submission\n"
	      "  --shard K/N             grade only shard K of N (0 <= K < N); the class page is\n"
	      "                          then sockgrade report's\n"
	      "  --missing-shards N      report: print the shards of N that own a student not\n"
	      "                          graded, one a line, and write nothing\n"
	      "  --jobs N                submissions graded at once (default: cores)\n"
	      "  --seed N                replay the random choices of an earlier run\n"
	      "  --time-scale X          multiply every deadline by X (slow machines)\n"
	      "  --sandbox MODE          root, rootless or none (default: the strongest that works)\n"
	      "  --coverage, --no-coverage  coverage of student code under the probes (default: on)\n"
	      "  --force                 regrade submissions that have not changed since the last run\n"
	      "  --recorded              grade against the reference's record already in\n"
	      "                          <reports>/<lab>/.reference (a platform package's): the\n"
	      "                          reference is neither needed nor graded\n"
	      "  --verbose               show the conversation of failing probes\n"
	      "  --color / --no-color    colour in selfcheck output (default: when a terminal)\n",
	      f);
}

static int parse_number(const char *opt, const char *s, unsigned long long *out)
{
	char *end;
	*out = strtoull(s, &end, 10);
	if (!*s || *end) {
		fprintf(stderr, "sockgrade: %s: '%s' is not a whole number\n", opt, s);
		return -1;
	}
	return 0;
}

/* --shard K/N: 0 <= K < N <= 100000. */
static int parse_shard(const char *s, int *k, int *n)
{
	char *end;
	unsigned long long a = strtoull(s, &end, 10), b;
	if (end == s || *end != '/' || *s == '-') {
		fprintf(stderr, "sockgrade: --shard: '%s' is not K/N (shard K of N, from 0)\n", s);
		return -1;
	}
	const char *t = end + 1;
	b = strtoull(t, &end, 10);
	if (end == t || *end || *t == '-' || b < 1 || b > 100000 || a >= b) {
		fprintf(stderr, "sockgrade: --shard: '%s' is not K/N with 0 <= K < N <= 100000\n", s);
		return -1;
	}
	*k = (int)a;
	*n = (int)b;
	return 0;
}

static int check_specs(int argc, char **argv)
{
	int rc = 0;
	for (int i = 0; i < argc; i++) {
		struct spec *s;
		char err[ERRLEN];
		if (spec_load_checked(argv[i], &s, err) < 0) {
			fprintf(stderr, "%s\n", err);
			rc = EXIT_ERROR;
			continue;
		}
		if (s->warnings)
			fputs(s->warnings, stderr);
		printf("%s: lab '%s', %zu programs, %zu probes, %d points\n", argv[i], s->lab,
		       s->nprograms, s->nprobes, spec_max_score(s, 1));
		spec_free(s);
	}
	return rc;
}

/*
 * Reads the options after the command into o, *sandbox, *missing_of
 * (report --missing-shards) and *format (import --format); argv[*next] is the first argument left. 0, 1
 * when --help was answered, or -1 (said on stderr).
 */
static int parse_options(int argc, char **argv, struct grade_opts *o, const char **sandbox,
			 int *missing_of, const char **format, int *next)
{
	static const struct option longopts[] = {
		{ "reports", required_argument, NULL, 'r' },
		{ "submissions", required_argument, NULL, 's' },
		{ "submissions-root", required_argument, NULL, 'S' },
		{ "reference-root", required_argument, NULL, 'R' },
		{ "only", required_argument, NULL, 'o' },
		{ "shard", required_argument, NULL, 'k' },
		{ "missing-shards", required_argument, NULL, 'm' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "seed", required_argument, NULL, 'e' },
		{ "time-scale", required_argument, NULL, 't' },
		{ "sandbox", required_argument, NULL, 'x' },
		{ "coverage", no_argument, NULL, 'g' },
		{ "force", no_argument, NULL, 'f' },
		{ "recorded", no_argument, NULL, 'P' },
		{ "no-coverage", no_argument, NULL, 'G' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "color", no_argument, NULL, 'c' },
		{ "no-color", no_argument, NULL, 'C' },
		{ "format", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	unsigned long long n;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'r': o->reports = optarg; break;
		case 's': o->submissions = optarg; break;
		case 'S': o->submissions_root = optarg; break;
		case 'R': o->reference_root = optarg; break;
		case 'o': o->only = *optarg ? optarg : NULL; break;
		case 'k':
			if (parse_shard(optarg, &o->shard_k, &o->shard_n) < 0)
				return -1;
			break;
		case 'm':
			if (parse_number("--missing-shards", optarg, &n) < 0)
				return -1;
			if (n < 1 || n > 100000) {
				fprintf(stderr, "sockgrade: --missing-shards: '%s' is not from 1 to 100000\n",
					optarg);
				return -1;
			}
			*missing_of = (int)n;
			break;
		case 'j':
			if (parse_number("--jobs", optarg, &n) < 0)
				return -1;
			if (n > 0)
				o->jobs = n > 256 ? 256 : (int)n;
			break;
		case 'e':
			if (parse_number("--seed", optarg, &n) < 0)
				return -1;
			o->seed = n;
			o->seed_given = 1;
			break;
		case 't': {
			char *end;
			double ts = strtod(optarg, &end);
			if (*end || ts <= 0) {
				fprintf(stderr, "sockgrade: --time-scale: '%s' is not a positive number\n",
					optarg);
				return -1;
			}
			time_scale = ts;
			break;
		}
		case 'x': *sandbox = optarg; break;
		case 'F': *format = optarg; break;
		case 'g': o->coverage = 1; break;
		case 'f': o->force = 1; break;
		case 'P': o->recorded = 1; break;
		case 'G': o->coverage = 0; break;
		case 'v': o->verbose = 1; break;
		case 'c': o->color = 1; break;
		case 'C': o->color = 0; break;
		case 'h': usage(stdout); return 1;
		default: usage(stderr); return -1;
		}
	}
	*next = optind;
	if (o->jobs < 1)
		o->jobs = 1;
	return 0;
}

/* sockgrade grade: every SPEC, then the main process's peak memory when SOCKGRADE_STATS is set. */
static int grade_specs(int argc, char **argv, const struct grade_opts *o)
{
	if (o->shard_n && o->only) {
		fprintf(stderr, "sockgrade: --shard and --only do not go together\n");
		return EXIT_ERROR;
	}
	if (argc < 1 || (o->submissions && argc > 1)) {
		fprintf(stderr, "sockgrade: grade takes one SPEC with --submissions, else one "
				"or more\n");
		return EXIT_ERROR;
	}
	int rc = EXIT_GRADED;
	for (int i = 0; i < argc; i++) {
		int r = grade_lab(argv[i], o);
		if (r != EXIT_GRADED)
			rc = r;
	}
	const char *stats = getenv("SOCKGRADE_STATS");
	struct rusage ru;
	if (stats && *stats && getrusage(RUSAGE_SELF, &ru) == 0)
		printf("stats: main_rss_kb=%ld\n", ru.ru_maxrss);
	return rc;
}

int main(int argc, char **argv)
{
	struct grade_opts o = { .reports = "reports", .jobs = (int)sysconf(_SC_NPROCESSORS_ONLN),
				.coverage = 1 };
	const char *nc = getenv("NO_COLOR");
	const char *sandbox = getenv("SANDBOX");
	int next, missing_of = 0;
	const char *format = NULL;

	o.color = isatty(1) && !(nc && *nc);
	if (argc < 2) {
		usage(stderr);
		return EXIT_ERROR;
	}
	const char *cmd = argv[1];
	argc--;
	argv++;
	int parsed = parse_options(argc, argv, &o, &sandbox, &missing_of, &format, &next);
	if (parsed)
		return parsed > 0 ? 0 : EXIT_ERROR;
	argc -= next;
	argv += next;
	/* a write to a student's closed socket is an error to report, not our death */
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (!strcmp(cmd, "check")) {
		if (argc < 1) {
			usage(stderr);
			return EXIT_ERROR;
		}
		return check_specs(argc, argv);
	}
	if (!strcmp(cmd, "report")) {
		if (argc != 1) {
			fprintf(stderr, "sockgrade: report takes one SPEC\n");
			return EXIT_ERROR;
		}
		return grade_report(argv[0], &o, missing_of);
	}
	if (!strcmp(cmd, "import")) {
		char err[ERRLEN];
		struct import_opts io = { .format = format, .root = o.submissions_root };
		if (argc != 2) {
			usage(stderr);
			return EXIT_ERROR;
		}
		io.spec_path = argv[0];
		io.from = argv[1];
		if (import_lab(&io, err) < 0) {
			fprintf(stderr, "sockgrade: import: %s\n", err);
			return EXIT_ERROR;
		}
		return EXIT_GRADED;
	}
	if (!strcmp(cmd, "grade") || !strcmp(cmd, "selfcheck") || !strcmp(cmd, "kit")) {
		char err[ERRLEN];
		if (sandbox_select(sandbox, err) < 0) {
			fprintf(stderr, "sockgrade: %s\n", err);
			return EXIT_ERROR;
		}
	}
	if (!strcmp(cmd, "grade")) {
		o.canvas_assignment = getenv("CANVAS_ASSIGNMENT");
		if (o.canvas_assignment && *o.canvas_assignment &&
		    !report_canvas_column_ok(o.canvas_assignment)) {
			fprintf(stderr, "sockgrade: CANVAS_ASSIGNMENT='%s' is not a Canvas column "
					"'Name (id)', such as 'Lab 1 (12345)': the id is in the "
					"assignment's address\n", o.canvas_assignment);
			return EXIT_ERROR;
		}
		return grade_specs(argc, argv, &o);
	}
	if (!strcmp(cmd, "kit")) {
		if (argc != 2) {
			usage(stderr);
			return EXIT_ERROR;
		}
		return grade_kit(argv[0], argv[1], &o);
	}
	if (!strcmp(cmd, "selfcheck")) {
		if (argc != 2) {
			usage(stderr);
			return EXIT_ERROR;
		}
		return grade_selfcheck(argv[0], argv[1], &o);
	}
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		usage(stdout);
		return 0;
	}
	fprintf(stderr, "sockgrade: unknown command '%s'\n", cmd);
	usage(stderr);
	return EXIT_ERROR;
}
