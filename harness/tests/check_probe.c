/*
 * check_probe: every step kind of the interpreter, run against tiny peers.
 * (2.2k lines: one suite for the one interpreter, as tests/ has one per module.)
 *
 * Each test loads a spec from a string whose programs are python3 one-file
 * scripts given with -S -c: the "binary" of every program is /usr/bin/python3,
 * and the script (with {port} and {host} after it in argv) plays the
 * submission. Each test runs in a process of its own (CK_FORK, the default):
 * sandbox_open makes it a child subreaper, so a process the probe left behind
 * shows up as a child of the test process, which fx_run checks after every
 * probe. Every peer arms alarm(). A deadline that a test expects to expire is
 * 0.3s; one that it expects to be met is the spec's default, 2s, which a
 * passing step never waits out, so that a loaded machine does not fail it.
 */
#include <check.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "probe.h"
#include "spec.h"
#include "suites.h"
#include "util.h"

#define PYTHON "/usr/bin/python3"
#define MAX_PROGS 8

/* What every peer script starts with: its imports and its own deadline. */
#define PRELUDE "import os, signal, socket, struct, sys, time\nsignal.alarm(10)\n"

/* Everything one test needs to run probes: the spec, its sandbox, a scratch folder. */
struct fx {
	struct strbuf yaml;		/* the spec being written */
	struct spec *spec;
	struct sandbox *sb;
	char dir[64];			/* the workdir programs run in */
	char *bins[MAX_PROGS];
	char *build_why[MAX_PROGS];
	struct ref_data ref;
	struct probe_env env;
};

/*
 * Appends code as the inside of a YAML double-quoted scalar. Braces are
 * doubled so that the interpreter's {name} substitution gives the code back.
 */
static void add_code(struct strbuf *y, const char *code)
{
	for (const char *p = code; *p; p++) {
		switch (*p) {
		case '\\': sb_adds(y, "\\\\"); break;
		case '"': sb_adds(y, "\\\""); break;
		case '\n': sb_adds(y, "\\n"); break;
		case '{': sb_adds(y, "{{"); break;
		case '}': sb_adds(y, "}}"); break;
		default: sb_addc(y, *p); break;
		}
	}
}

static void fx_begin(struct fx *f)
{
	memset(f, 0, sizeof *f);
	sb_adds(&f->yaml, "lab: t\n"
			  "defaults:\n"
			  "  within: 2s\n"
			  "  ready_within: 5s\n"
			  "programs:\n");
}

/*
 * A program run as "python3 -S -c PRELUDE+code args...", args being YAML flow
 * items (-S: no site module, a third less start-up time).
 */
static void fx_prog(struct fx *f, const char *name, const char *ready, const char *args,
		    const char *code)
{
	sb_addf(&f->yaml, "  %s:\n    sources: [%s.c]\n    ready: %s\n    argv: [\"-S\", \"-c\", \"", name,
		name, ready);
	add_code(&f->yaml, PRELUDE);
	add_code(&f->yaml, code);
	sb_addf(&f->yaml, "\"%s%s]\n", *args ? ", " : "", args);
}

/* Adds the probes, loads the spec and opens the sandbox and the workdir. */
static void fx_load(struct fx *f, const char *probes)
{
	static char python[] = PYTHON;
	char err[ERRLEN] = "";

	sb_adds(&f->yaml, "probes:\n");
	sb_adds(&f->yaml, probes);
	ck_assert_msg(spec_load_string("t.yaml", f->yaml.buf, f->yaml.len, &f->spec, err) == 0,
		      "%s in:\n%s", err, f->yaml.buf);
	ck_assert_uint_le(f->spec->nprograms, MAX_PROGS);
	snprintf(f->dir, sizeof f->dir, "/tmp/check_probe.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	ck_assert_msg(sandbox_open(&f->sb, err) == 0, "sandbox_open: %s", err);
	ck_assert_msg(sandbox_prepare_dir(f->sb, f->dir, err) == 0, "%s", err);
	for (size_t i = 0; i < f->spec->nprograms; i++)
		f->bins[i] = python;
	f->env.spec = f->spec;
	f->env.sb = f->sb;
	f->env.workdir = f->dir;
	f->env.bins = f->bins;
	f->env.build_why = f->build_why;
	f->env.seed = 42;
	f->env.is_reference = 0;
	f->env.ref = &f->ref;
}

static void fx_end(struct fx *f)
{
	ref_release(&f->ref);
	sandbox_close(f->sb);
	spec_free(f->spec);
	if (*f->dir)
		remove_tree(f->dir);
	sb_release(&f->yaml);
}

/* Processes whose parent is this (subreaper) test process. */
static int children_left(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		char path[64];
		snprintf(path, sizeof path, "/proc/%ld/stat", pid);
		struct strbuf st = STRBUF_INIT;
		if (read_file(path, &st) == 0 && st.buf) {
			char *rp = strrchr(st.buf, ')');
			char state;
			long ppid = -1;
			if (rp && sscanf(rp + 1, " %c %ld", &state, &ppid) == 2 && ppid == getpid())
				n++;
		}
		sb_release(&st);
	}
	closedir(d);
	return n;
}

static const struct probe *probe_named(const struct spec *s, const char *name)
{
	for (size_t i = 0; i < s->nprobes; i++)
		if (!strcmp(s->probes[i].name, name))
			return &s->probes[i];
	ck_abort_msg("no probe '%s'", name);
	return NULL;
}

/* Runs a probe; whatever its outcome, nothing it started may still run. */
static void fx_run(struct fx *f, const char *name, struct probe_result *res)
{
	probe_execute(&f->env, probe_named(f->spec, name), res);
	for (size_t i = 0; i < res->nprocs; i++)
		ck_assert_msg(res->procs[i].v.status != V_RUNNING, "%s is still running",
			      res->procs[i].program);
	ck_assert_int_eq(children_left(), 0);
}

static void write_text(struct fx *f, const char *file, const char *text)
{
	char path[128], err[ERRLEN] = "";
	snprintf(path, sizeof path, "%s/%s", f->dir, file);
	ck_assert_msg(write_file_atomic(path, text, strlen(text), err) == 0, "%s", err);
}

static size_t count_events(const struct probe_result *res, enum event_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < res->nevents; i++)
		n += res->events[i].kind == k;
	return n;
}

static const struct event *first_event(const struct probe_result *res, enum event_kind k)
{
	for (size_t i = 0; i < res->nevents; i++)
		if (res->events[i].kind == k)
			return &res->events[i];
	ck_abort_msg("no '%s' event", event_name(k));
	return NULL;
}

/* The port a started program was given: the last word of its argv. */
static int argv_port(const struct proc_report *p)
{
	const char *sp = strrchr(p->argv, ' ');
	ck_assert_ptr_nonnull(sp);
	return atoi(sp + 1);
}

/* A TCP port below the kernel's ephemeral range, free now: one the harness never hands out. */
static int fixed_port(void)
{
	for (int port = 20000 + getpid() % 5000; port < 32000; port++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
		ck_assert_int_ge(fd, 0);
		int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
		close(fd);
		if (ok)
			return port;
	}
	ck_abort_msg("no free port below 32000");
	return -1;
}

#define ck_passed(res)                                                                      \
	ck_assert_msg((res).passed, "failed at step %d: %s", (res).failed_step,             \
		      (res).why ? (res).why : "(no why)")

#define ck_failed(res, step, text)                                                          \
	do {                                                                                \
		ck_assert_msg(!(res).passed, "passed, expected a failure at step %d", step); \
		ck_assert_str_eq((res).why, text);                                          \
		ck_assert_int_eq((res).failed_step, step);                                  \
	} while (0)

#define ck_starts(s, prefix)                                                                \
	ck_assert_msg(!strncmp((s), (prefix), strlen(prefix)), "'%s' does not begin with '%s'", (s), (prefix))

#define ck_bytes_eq(p, len, want)                                                           \
	do {                                                                                \
		ck_assert_uint_eq(len, sizeof(want) - 1);                                   \
		ck_assert_int_eq(memcmp(p, want, sizeof(want) - 1), 0);                     \
	} while (0)

/* ---- peers ---- */

/* A TCP server on argv[1]: accepts one client, sends bytes (a Python literal), closes. */
static char *sender(const char *bytes)
{
	return xasprintf("s = socket.create_server(('', int(sys.argv[1])))\n"
			 "c, _ = s.accept()\n"
			 "c.sendall(%s)\n"
			 "c.close()\n"
			 "time.sleep(5)\n", bytes);
}

static const char accept_and_sleep[] =
	"s = socket.create_server(('', int(sys.argv[1])))\n"
	"c, _ = s.accept()\n"
	"time.sleep(5)\n";

/* Reads until EOF, printing the size of each read; "end" at EOF. */
static const char reader[] =
	"s = socket.create_server(('', int(sys.argv[1])))\n"
	"c, _ = s.accept()\n"
	"while True:\n"
	"    d = c.recv(100)\n"
	"    if not d:\n"
	"        break\n"
	"    print(len(d), flush=True)\n"
	"print('end')\n";

/* Echoes everything one client sends, until EOF. */
static const char echoer[] =
	"s = socket.create_server(('', int(sys.argv[1])))\n"
	"c, _ = s.accept()\n"
	"while True:\n"
	"    d = c.recv(65536)\n"
	"    if not d:\n"
	"        break\n"
	"    c.sendall(d)\n"
	"time.sleep(5)\n";

/* Resets (RST) the one client it accepts. */
static const char resetter[] =
	"s = socket.create_server(('', int(sys.argv[1])))\n"
	"c, _ = s.accept()\n"
	"c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))\n"
	"c.close()\n"
	"time.sleep(5)\n";

/* A client of argv[1] argv[2] that prints everything it reads until EOF, then exits %s. */
static char *client(const char *print, const char *then)
{
	return xasprintf("s = socket.create_connection((sys.argv[1], int(sys.argv[2])))\n"
			 "data = b''\n"
			 "while True:\n"
			 "    b = s.recv(100)\n"
			 "    if not b:\n"
			 "        break\n"
			 "    data += b\n"
			 "sys.stdout.write(%s)\n"
			 "sys.stdout.flush()\n"
			 "%s\n", print, then);
}

/* ---- start, connect, expect ---- */

START_TEST(expect_tolerates_a_trailing_nul)
{
	struct fx f;
	struct probe_result res;
	char *good = sender("b'Hello world!\\0'");

	fx_begin(&f);
	fx_prog(&f, "peer", "tcp", "\"{port}\"", good);
	fx_load(&f, "  - name: greets\n"
		    "    steps:\n"
		    "      - start: peer\n"
		    "      - connect:\n"
		    "      - expect: \"Hello world!\"\n"
		    "        tolerate: nul_or_newline\n"
		    "  - name: strict\n"
		    "    steps:\n"
		    "      - start: peer\n"
		    "      - connect:\n"
		    "      - expect: \"Hello world!\"\n");
	fx_run(&f, "greets", &res);
	ck_passed(res);
	ck_assert_int_eq(res.failed_step, -1);
	ck_assert_ptr_null(res.why);
	/* accepted, and said */
	ck_assert_str_eq(res.note, "sent a trailing NUL (tolerated)");
	ck_assert_int_eq(res.runs, 1);
	ck_assert_int_eq(res.failed_runs, 0);
	ck_assert_uint_eq(count_events(&res, EV_START), 1);
	ck_assert_uint_eq(count_events(&res, EV_READY), 1);
	ck_assert_uint_eq(count_events(&res, EV_CONNECT), 1);
	ck_assert_uint_ge(count_events(&res, EV_RECV), 1);
	const struct event *rd = first_event(&res, EV_READY);
	char want[64];
	snprintf(want, sizeof want, "listening on 0.0.0.0 port %d", argv_port(&res.procs[0]));
	ck_assert_str_eq(rd->data, want);
	ck_assert_uint_eq(res.nprocs, 1);
	ck_assert_str_eq(res.procs[0].program, "peer");
	ck_assert_int_eq(res.procs[0].v.status, V_STOPPED);
	probe_result_release(&res);

	/* without the tolerance, the NUL is one byte too many */
	fx_run(&f, "strict", &res);
	ck_failed(res, 2, "received 13 bytes: the expected 12 and then 1 more");
	ck_bytes_eq(res.expected, res.expected_len, "Hello world!");
	ck_bytes_eq(res.observed, res.observed_len, "Hello world!\0");
	ck_assert_int_eq(res.diff_at, 12);
	probe_result_release(&res);
	fx_end(&f);
	free(good);
}
END_TEST

START_TEST(expect_reports_the_first_difference)
{
	struct fx f;
	struct probe_result res;
	char *bad = sender("b'Hello World!'");

	fx_begin(&f);
	fx_prog(&f, "peer", "tcp", "\"{port}\"", bad);
	fx_load(&f, "  - name: greets\n"
		    "    steps:\n"
		    "      - start: peer\n"
		    "      - connect:\n"
		    "      - expect: \"Hello world!\"\n"
		    "        tolerate: nul_or_newline\n");
	fx_run(&f, "greets", &res);
	ck_failed(res, 2, "received bytes differ from the expected at byte 6");
	ck_assert_int_eq(res.diff_at, 6);
	ck_assert_int_eq(res.has_expected, 1);
	ck_assert_int_eq(res.has_observed, 1);
	ck_bytes_eq(res.expected, res.expected_len, "Hello world!");
	ck_bytes_eq(res.observed, res.observed_len, "Hello World!");
	ck_assert_int_eq(res.score, 0);
	probe_result_release(&res);
	fx_end(&f);
	free(bad);
}
END_TEST

START_TEST(expect_times_out_when_nothing_arrives)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "peer", "tcp", "\"{port}\"", accept_and_sleep);
	fx_load(&f, "  - name: silent\n"
		    "    steps:\n"
		    "      - start: peer\n"
		    "      - connect:\n"
		    "      - expect: \"Hello world!\"\n"
		    "        within: 300ms\n");
	int64_t t0 = now_ms();
	fx_run(&f, "silent", &res);
	ck_failed(res, 2, "nothing arrived within 0.3s");
	ck_assert_int_ge(now_ms() - t0, 300);
	ck_assert_uint_eq(count_events(&res, EV_TIMEOUT), 1);
	ck_assert_uint_eq(res.observed_len, 0);
	ck_assert_int_eq(res.procs[0].v.status, V_STOPPED);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(start_reports_a_program_that_ends_first)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "peer", "tcp", "\"{port}\"",
		"sys.stderr.write('usage: peer port\\n')\n"
		"sys.exit(1)\n");
	fx_prog(&f, "quiet", "tcp", "\"{port}\"", "sys.exit(1)\n");
	fx_prog(&f, "slow", "tcp", "\"{port}\"", "time.sleep(5)\n");
	fx_load(&f, "  - name: dies\n"
		    "    steps:\n"
		    "      - start: peer\n"
		    "      - connect:\n"
		    "  - name: dies quietly\n"
		    "    steps:\n"
		    "      - start: quiet\n"
		    "  - name: never listens\n"
		    "    steps:\n"
		    "      - start: slow\n"
		    "        ready_within: 300ms\n");
	fx_run(&f, "dies", &res);
	ck_failed(res, 0, "peer ended before it was listening: exited with status 1; "
			  "its stderr ends with \"usage: peer port\\n\"");
	ck_assert_int_eq(res.procs[0].v.status, V_EXIT);
	ck_assert_int_eq(res.procs[0].v.exit_code, 1);
	ck_assert_str_eq(res.procs[0].err, "usage: peer port\n");
	ck_assert_uint_eq(count_events(&res, EV_EXIT), 1);
	ck_assert_uint_eq(count_events(&res, EV_CONNECT), 0);
	probe_result_release(&res);

	fx_run(&f, "dies quietly", &res);
	ck_failed(res, 0, "quiet ended before it was listening: exited with status 1");
	probe_result_release(&res);

	fx_run(&f, "never listens", &res);
	ck_failed(res, 0, "slow was not listening on a TCP port within 0.3s");
	ck_assert_int_eq(res.procs[0].v.status, V_TIME);
	ck_assert_uint_eq(count_events(&res, EV_TIMEOUT), 1);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(start_checks_the_port_from_argv)
{
	struct fx f;
	struct probe_result res;
	int port = fixed_port();
	char *code = xasprintf("s = socket.create_server(('', %d))\n"
			       "c, _ = s.accept()\n"
			       "c.sendall(b'hi')\n"
			       "time.sleep(5)\n", port);

	fx_begin(&f);
	fx_prog(&f, "peer", "tcp", "\"{port}\"", code);
	fx_load(&f, "  - name: own port\n"
		    "    steps:\n"
		    "      - start: peer\n"
		    "      - connect:\n"
		    "  - name: any port\n"
		    "    steps:\n"
		    "      - start: peer\n"
		    "        any_port: true\n"
		    "      - connect:\n"
		    "      - expect: hi\n");
	fx_run(&f, "own port", &res);
	int given = argv_port(&res.procs[0]);
	ck_assert_int_ne(given, port);
	char *want = xasprintf("peer listens on port %d, a fixed port, not on port %d given in argv: "
			       "take the port from argv[1]", port, given);
	ck_failed(res, 0, want);
	ck_assert_uint_eq(count_events(&res, EV_CONNECT), 0);
	free(want);
	probe_result_release(&res);

	/* any_port: the probe goes on, on the port the server chose */
	fx_run(&f, "any port", &res);
	ck_passed(res);
	given = argv_port(&res.procs[0]);
	want = xasprintf("peer listens on port %d, a fixed port, not on port %d given in argv: take the "
			 "port from argv[1]; probing port %d", port, given, port);
	ck_assert_str_eq(first_event(&res, EV_NOTE)->data, want);
	free(want);
	want = xasprintf("127.0.0.1 port %d", port);
	ck_assert_str_eq(first_event(&res, EV_CONNECT)->data, want);
	free(want);
	probe_result_release(&res);
	fx_end(&f);
	free(code);
}
END_TEST

START_TEST(start_address_any)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "loopback", "tcp", "\"{port}\"",
		"s = socket.create_server(('127.0.0.1', int(sys.argv[1])))\n"
		"time.sleep(5)\n");
	fx_prog(&f, "every", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"time.sleep(5)\n");
	fx_load(&f, "  - name: loopback only\n"
		    "    steps:\n"
		    "      - start: loopback\n"
		    "        address: any\n"
		    "  - name: every address\n"
		    "    steps:\n"
		    "      - start: every\n"
		    "        address: any\n"
		    "  - name: loopback is fine without address\n"
		    "    steps:\n"
		    "      - start: loopback\n"
		    "      - connect:\n");
	fx_run(&f, "loopback only", &res);
	ck_failed(res, 0, "loopback listens on 127.0.0.1 only, not on every address");
	probe_result_release(&res);
	fx_run(&f, "every address", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_run(&f, "loopback is fine without address", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(start_without_a_binary)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "peer", "tcp", "\"{port}\"", accept_and_sleep);
	fx_load(&f, "  - name: p\n"
		    "    steps:\n"
		    "      - start: peer\n");
	f.bins[0] = NULL;
	static char why[] = "peer.c:3: error: expected ';'";
	f.build_why[0] = why;
	fx_run(&f, "p", &res);
	ck_failed(res, 0, "peer was not built: peer.c:3: error: expected ';'");
	ck_assert_uint_eq(res.nprocs, 0);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

/* ---- expect_eof ---- */

START_TEST(expect_eof_outcomes)
{
	struct fx f;
	struct probe_result res;
	char *closer = sender("b''");
	char *chatty = xasprintf("s = socket.create_server(('', int(sys.argv[1])))\n"
				 "c, _ = s.accept()\n"
				 "c.sendall(b'more')\n"
				 "time.sleep(5)\n");

	fx_begin(&f);
	fx_prog(&f, "closer", "tcp", "\"{port}\"", closer);
	fx_prog(&f, "keeper", "tcp", "\"{port}\"", accept_and_sleep);
	fx_prog(&f, "chatty", "tcp", "\"{port}\"", chatty);
	fx_prog(&f, "resetter", "tcp", "\"{port}\"", resetter);
	fx_load(&f, "  - name: closes\n"
		    "    steps: [{start: closer}, {connect: }, {expect_eof: }]\n"
		    "  - name: keeps open\n"
		    "    steps: [{start: keeper}, {connect: }, {expect_eof: , within: 300ms}]\n"
		    "  - name: sends but keeps open\n"
		    "    steps: [{start: chatty}, {connect: }, {expect_eof: , within: 300ms}]\n"
		    "  - name: resets\n"
		    "    steps: [{start: resetter}, {connect: }, {expect_eof: }]\n"
		    "  - name: resets, allowed\n"
		    "    steps: [{start: resetter}, {connect: }, {expect_eof: , reset_ok: true}]\n"
		    "  - name: closer resets not\n"
		    "    steps: [{start: closer}, {connect: }, {expect_eof: , reset_ok: true}]\n");
	fx_run(&f, "closes", &res);
	ck_passed(res);
	ck_assert_uint_eq(count_events(&res, EV_FIN), 1);
	probe_result_release(&res);

	fx_run(&f, "keeps open", &res);
	ck_failed(res, 2, "the connection was still open after 0.3s");
	ck_assert_uint_eq(count_events(&res, EV_TIMEOUT), 1);
	probe_result_release(&res);

	fx_run(&f, "sends but keeps open", &res);
	ck_failed(res, 2, "the connection was still open after 0.3s (data arrived, but no close)");
	probe_result_release(&res);

	fx_run(&f, "resets", &res);
	ck_failed(res, 2, "the connection was reset (RST) instead of closed (FIN)");
	ck_assert_uint_eq(count_events(&res, EV_RST), 1);
	ck_assert_uint_eq(count_events(&res, EV_FIN), 0);
	probe_result_release(&res);

	fx_run(&f, "resets, allowed", &res);
	ck_passed(res);
	ck_assert_uint_eq(count_events(&res, EV_RST), 1);
	probe_result_release(&res);

	fx_run(&f, "closer resets not", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_end(&f);
	free(closer);
	free(chatty);
}
END_TEST

/* ---- connect ---- */

START_TEST(connect_refused)
{
	struct fx f;
	struct probe_result res;
	int port;

	fx_begin(&f);
	fx_prog(&f, "peer", "tcp", "\"{port}\"", accept_and_sleep);
	fx_load(&f, "  - name: refused\n"
		    "    steps: [{unused_port: }, {connect: , refused: true}]\n"
		    "  - name: not refused\n"
		    "    steps: [{unused_port: }, {connect: }]\n"
		    "  - name: accepted\n"
		    "    steps: [{start: peer}, {connect: , refused: true}]\n");
	fx_run(&f, "refused", &res);
	ck_passed(res);
	ck_assert_int_eq(sscanf(first_event(&res, EV_NOTE)->data, "port %d: nothing listens there",
				&port), 1);
	char *want = xasprintf("127.0.0.1 port %d: Connection refused", port);
	ck_assert_str_eq(first_event(&res, EV_REFUSED)->data, want);
	free(want);
	probe_result_release(&res);

	fx_run(&f, "not refused", &res);
	ck_assert_int_eq(sscanf(first_event(&res, EV_NOTE)->data, "port %d: nothing listens there",
				&port), 1);
	want = xasprintf("could not connect to 127.0.0.1 port %d: Connection refused", port);
	ck_failed(res, 1, want);
	free(want);
	probe_result_release(&res);

	fx_run(&f, "accepted", &res);
	want = xasprintf("the connection to 127.0.0.1 port %d was accepted; expected it refused",
			 argv_port(&res.procs[0]));
	ck_failed(res, 1, want);
	free(want);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

/* ---- listen, accept, send, close, clients ---- */

#define CLIENT_PROBE(name, last)                     \
	"  - name: " name "\n"                       \
	"    steps:\n"                               \
	"      - listen:\n"                          \
	"      - start: client\n"                    \
	"      - accept:\n"                          \
	"      - send: \"Hello world!\"\n"           \
	"      - close:\n"                           \
	"      - expect_stdout: \"Hello world!\"\n"  \
	"      - expect_exit: " last "\n"

START_TEST(client_prints_what_it_read)
{
	struct fx f;
	struct probe_result res;
	char *code = client("data.decode()", "sys.exit(0)");

	fx_begin(&f);
	fx_prog(&f, "client", "none", "\"{host}\", \"{port}\"", code);
	fx_load(&f, CLIENT_PROBE("prints", "0") CLIENT_PROBE("not 3", "3")
		    CLIENT_PROBE("not nonzero", "nonzero"));
	fx_run(&f, "prints", &res);
	ck_passed(res);
	ck_assert_uint_eq(count_events(&res, EV_ACCEPT), 1);
	ck_assert_uint_eq(count_events(&res, EV_CLOSE), 1);
	ck_assert_str_eq(first_event(&res, EV_SEND)->data, "Hello world!");
	ck_assert_int_eq(res.procs[0].v.status, V_OK);
	ck_assert_str_eq(res.procs[0].out, "Hello world!");
	probe_result_release(&res);

	fx_run(&f, "not 3", &res);
	ck_failed(res, 6, "client exited with status 0; expected exit status 3");
	probe_result_release(&res);

	fx_run(&f, "not nonzero", &res);
	ck_failed(res, 6, "client exited with status 0; expected an exit with a non-zero status");
	probe_result_release(&res);
	fx_end(&f);
	free(code);
}
END_TEST

START_TEST(client_prints_something_else)
{
	struct fx f;
	struct probe_result res;
	char *code = client("'something else'", "sys.exit(0)");

	fx_begin(&f);
	fx_prog(&f, "client", "none", "\"{host}\", \"{port}\"", code);
	fx_load(&f, CLIENT_PROBE("prints", "0"));
	fx_run(&f, "prints", &res);
	ck_failed(res, 5, "client exited with status 0 without printing the expected text on stdout");
	ck_bytes_eq(res.expected, res.expected_len, "Hello world!");
	ck_bytes_eq(res.observed, res.observed_len, "something else");
	ck_assert_int_eq(res.diff_at, -1);	/* contains: no byte position */
	probe_result_release(&res);
	fx_end(&f);
	free(code);
}
END_TEST

START_TEST(client_exit_status)
{
	struct fx f;
	struct probe_result res;
	char *three = client("data.decode()", "sys.exit(3)");
	char *segv = client("data.decode()", "os.kill(os.getpid(), signal.SIGSEGV)");
	char *one = client("data.decode()", "sys.exit(1)");

	fx_begin(&f);
	fx_prog(&f, "client", "none", "\"{host}\", \"{port}\"", three);
	fx_load(&f, CLIENT_PROBE("exits 0", "0") CLIENT_PROBE("exits nonzero", "nonzero"));
	fx_run(&f, "exits 0", &res);
	ck_failed(res, 6, "client exited with status 3; expected exit status 0");
	ck_assert_int_eq(res.procs[0].v.status, V_EXIT);
	ck_assert_int_eq(res.procs[0].v.exit_code, 3);
	probe_result_release(&res);
	fx_run(&f, "exits nonzero", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_end(&f);

	fx_begin(&f);
	fx_prog(&f, "client", "none", "\"{host}\", \"{port}\"", segv);
	fx_load(&f, CLIENT_PROBE("exits nonzero", "nonzero"));
	fx_run(&f, "exits nonzero", &res);
	ck_failed(res, 6, "client killed by SIGSEGV (an invalid memory access: a NULL or stray pointer, "
			  "an index past the end of an array, or argv[1] read when no argument was "
			  "given); expected an exit with a non-zero status");
	ck_assert_int_eq(res.procs[0].v.status, V_SIGNAL);
	ck_assert_int_eq(res.procs[0].v.signal, SIGSEGV);
	probe_result_release(&res);
	fx_end(&f);

	fx_begin(&f);
	fx_prog(&f, "client", "none", "\"{host}\", \"{port}\"", one);
	fx_load(&f, CLIENT_PROBE("exits nonzero", "nonzero"));
	fx_run(&f, "exits nonzero", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_end(&f);
	free(three);
	free(segv);
	free(one);
}
END_TEST

START_TEST(client_that_never_ends_or_never_connects)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "sleeper", "none", "", "time.sleep(5)\n");
	fx_prog(&f, "quitter", "none", "\"{host}\", \"{port}\"", "sys.exit(1)\n");
	fx_load(&f, "  - name: never ends\n"
		    "    steps: [{start: sleeper}, {expect_exit: 0, within: 300ms}]\n"
		    "  - name: never connects\n"
		    "    steps: [{listen: }, {start: quitter}, {expect_exit: 1},\n"
		    "            {accept: , within: 300ms}]\n");
	fx_run(&f, "never ends", &res);
	ck_failed(res, 1, "sleeper was still running after 0.3s; expected it to exit");
	ck_assert_int_eq(res.procs[0].v.status, V_TIME);
	probe_result_release(&res);

	fx_run(&f, "never connects", &res);
	ck_failed(res, 3, "nobody connected within 0.3s; quitter exited with status 1");
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(send_in_pieces)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "reader", "tcp", "\"{port}\"", reader);
	fx_load(&f, "  - name: pieces\n"
		    "    steps:\n"
		    "      - start: reader\n"
		    "      - connect:\n"
		    "      - send: abcdefghi\n"
		    "        pieces: 3\n"
		    "        pause: 100ms\n"
		    "      - close:\n"
		    "      - expect_stdout: \"3\\n3\\n3\\nend\\n\"\n"
		    "        match: exact\n"
		    "      - expect_exit: 0\n"
		    "  - name: one piece\n"
		    "    steps:\n"
		    "      - start: reader\n"
		    "      - connect:\n"
		    "      - send: abcdefghi\n"
		    "      - close:\n"
		    "      - expect_stdout: \"3\\n3\\n3\\nend\\n\"\n"
		    "        match: exact\n"
		    "      - expect_exit: 0\n");
	fx_run(&f, "pieces", &res);
	ck_passed(res);
	ck_assert_uint_eq(count_events(&res, EV_SEND), 3);
	static const char *const piece[] = { "abc", "def", "ghi" };
	size_t k = 0;
	for (size_t i = 0; i < res.nevents; i++) {
		if (res.events[i].kind != EV_SEND)
			continue;
		ck_assert_str_eq(res.events[i].data, piece[k]);
		k++;
	}
	ck_assert_str_eq(res.procs[0].out, "3\n3\n3\nend\n");
	ck_assert_int_eq(res.procs[0].v.status, V_OK);
	probe_result_release(&res);

	fx_run(&f, "one piece", &res);
	ck_failed(res, 4, "reader exited with status 0 without printing the expected text on stdout");
	ck_bytes_eq(res.observed, res.observed_len, "9\nend\n");
	ck_assert_int_eq(res.diff_at, 0);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(abort_resets_the_connection)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "peer", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"print('accepted', flush=True)\n"
		"try:\n"
		"    print('data' if c.recv(100) else 'eof')\n"
		"except ConnectionResetError:\n"
		"    print('reset')\n");
	fx_load(&f, "  - name: aborts\n"
		    "    steps:\n"
		    "      - start: peer\n"
		    "      - connect:\n"
		    "      - expect_stdout: accepted\n"
		    "      - abort:\n"
		    "      - expect_stdout: reset\n"
		    "  - name: closes\n"
		    "    steps:\n"
		    "      - start: peer\n"
		    "      - connect:\n"
		    "      - expect_stdout: accepted\n"
		    "      - close:\n"
		    "      - expect_stdout: reset\n");
	fx_run(&f, "aborts", &res);
	ck_passed(res);
	ck_assert_uint_eq(count_events(&res, EV_ABORT), 1);
	ck_assert_str_eq(res.procs[0].out, "accepted\nreset\n");
	probe_result_release(&res);

	fx_run(&f, "closes", &res);
	ck_failed(res, 4, "peer exited with status 0 without printing the expected text on stdout");
	ck_bytes_eq(res.observed, res.observed_len, "accepted\neof\n");
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

/* ---- UDP ---- */

START_TEST(udp_send_and_expect)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "echo", "udp", "\"{port}\"",
		"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		"s.bind(('', int(sys.argv[1])))\n"
		"while True:\n"
		"    d, a = s.recvfrom(2048)\n"
		"    s.sendto(d, a)\n");
	fx_prog(&f, "other", "udp", "\"{port}\"",
		"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		"s.bind(('', int(sys.argv[1])))\n"
		"r = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		"while True:\n"
		"    d, a = s.recvfrom(2048)\n"
		"    r.sendto(d, a)\n");
	fx_prog(&f, "mute", "udp", "\"{port}\"",
		"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		"s.bind(('', int(sys.argv[1])))\n"
		"time.sleep(5)\n");
	fx_load(&f, "  - name: echo\n"
		    "    steps: [{start: echo}, {udp_send: ping}, {udp_expect: ping},\n"
		    "            {udp_send: pong}, {udp_expect: pong}]\n"
		    "  - name: wrong echo\n"
		    "    steps: [{start: echo}, {udp_send: ping}, {udp_expect: pang}]\n"
		    "  - name: other port\n"
		    "    steps: [{start: other}, {udp_send: ping}, {udp_expect: ping}]\n"
		    "  - name: other port, any sender\n"
		    "    steps: [{start: other}, {udp_send: ping}, {udp_expect: ping, sender: any}]\n"
		    "  - name: no reply\n"
		    "    steps: [{start: mute}, {udp_send: ping}, {udp_expect: ping, within: 300ms}]\n");
	fx_run(&f, "echo", &res);
	ck_passed(res);
	ck_assert_uint_eq(count_events(&res, EV_SEND), 2);
	ck_assert_uint_eq(count_events(&res, EV_RECV), 2);
	char *want = xasprintf("bound to 0.0.0.0 port %d", argv_port(&res.procs[0]));
	ck_assert_str_eq(first_event(&res, EV_READY)->data, want);
	free(want);
	probe_result_release(&res);

	fx_run(&f, "wrong echo", &res);
	ck_failed(res, 2, "the datagram differs from the expected");
	ck_assert_int_eq(res.diff_at, 1);
	ck_bytes_eq(res.observed, res.observed_len, "ping");
	probe_result_release(&res);

	fx_run(&f, "other port", &res);
	ck_assert(!res.passed);
	ck_assert_int_eq(res.failed_step, 2);
	int from, server;
	ck_assert_msg(sscanf(res.why, "the reply came from port %d, not from the server's port %d",
			     &from, &server) == 2, "why: %s", res.why);
	ck_assert_int_eq(server, argv_port(&res.procs[0]));
	ck_assert_int_ne(from, server);
	probe_result_release(&res);

	fx_run(&f, "other port, any sender", &res);
	ck_passed(res);
	probe_result_release(&res);

	fx_run(&f, "no reply", &res);
	ck_failed(res, 2, "no datagram arrived within 0.3s");
	ck_bytes_eq(res.expected, res.expected_len, "ping");
	ck_assert_uint_eq(count_events(&res, EV_TIMEOUT), 1);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

/* ---- random, reference, repeat ---- */

START_TEST(random_values_are_seeded)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "echo", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"c.sendall(c.recv(100))\n"
		"time.sleep(5)\n");
	fx_load(&f, "  - name: r\n"
		    "    steps: [{random: tok, length: 16}, {random: pin, length: 6, charset: digits}]\n"
		    "  - name: r2\n"
		    "    steps: [{random: tok, length: 16}, {random: pin, length: 6, charset: digits}]\n"
		    "  - name: echo\n"
		    "    steps: [{random: tok, length: 10, charset: alpha}, {start: echo}, {connect: },\n"
		    "            {send: \"<{tok}>\"}, {expect: \"<{tok}>\"}]\n");
	fx_run(&f, "r", &res);
	ck_passed(res);
	ck_assert_uint_eq(res.nvars, 2);
	ck_assert_str_eq(res.vars[0].name, "tok");
	ck_assert_uint_eq(res.vars[0].len, 16);
	ck_assert_uint_eq(strspn(res.vars[0].value, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
						    "abcdefghijklmnopqrstuvwxyz0123456789"), 16);
	ck_assert_str_eq(res.vars[1].name, "pin");
	ck_assert_uint_eq(res.vars[1].len, 6);
	ck_assert_uint_eq(strspn(res.vars[1].value, "0123456789"), 6);
	char *tok = xstrdup(res.vars[0].value);
	probe_result_release(&res);

	/* same seed, same probe: same value */
	fx_run(&f, "r", &res);
	ck_assert_str_eq(res.vars[0].value, tok);
	probe_result_release(&res);

	/* another probe name or another seed: another value */
	fx_run(&f, "r2", &res);
	ck_assert_str_ne(res.vars[0].value, tok);
	probe_result_release(&res);
	f.env.seed = 43;
	fx_run(&f, "r", &res);
	ck_assert_str_ne(res.vars[0].value, tok);
	probe_result_release(&res);
	free(tok);

	/* the value is substituted into what is sent and what is expected */
	fx_run(&f, "echo", &res);
	ck_passed(res);
	ck_assert_uint_eq(res.nvars, 1);
	ck_assert_uint_eq(res.vars[0].len, 10);
	char *sent = xasprintf("<%s>", res.vars[0].value);
	ck_assert_str_eq(first_event(&res, EV_SEND)->data, sent);
	ck_assert_str_eq(first_event(&res, EV_RECV)->data, sent);
	free(sent);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(expect_from_reference)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "peer", "tcp", "\"{port}\"",
		"d = open('answer', 'rb').read()\n"
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"c.sendall(d)\n"
		"c.close()\n"
		"time.sleep(5)\n");
	fx_load(&f, "  - name: ref\n"
		    "    steps: [{start: peer}, {connect: }, {expect: , from: reference}]\n");

	/* no reference run yet */
	write_text(&f, "answer", "42 is the answer\n");
	fx_run(&f, "ref", &res);
	ck_failed(res, 2, "harness error: no reference output recorded for step 3");
	probe_result_release(&res);

	f.env.is_reference = 1;
	fx_run(&f, "ref", &res);
	ck_passed(res);
	ck_assert_uint_eq(f.ref.n, 1);
	ck_assert_str_eq(f.ref.v[0].probe, "ref");
	ck_assert_int_eq(f.ref.v[0].step, 2);
	ck_bytes_eq(f.ref.v[0].data, f.ref.v[0].len, "42 is the answer\n");
	probe_result_release(&res);

	f.env.is_reference = 0;
	write_text(&f, "answer", "41 is the answer\n");
	fx_run(&f, "ref", &res);
	ck_failed(res, 2, "received bytes differ from the expected at byte 1");
	ck_bytes_eq(res.expected, res.expected_len, "42 is the answer\n");
	ck_bytes_eq(res.observed, res.observed_len, "41 is the answer\n");
	probe_result_release(&res);

	write_text(&f, "answer", "42 is the answer\n");
	fx_run(&f, "ref", &res);
	ck_passed(res);
	probe_result_release(&res);
	ck_assert_uint_eq(f.ref.n, 1);
	fx_end(&f);
}
END_TEST

START_TEST(repeat_counts_failed_runs)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	/* fails every second run: the count file in the workdir says which run this is */
	fx_prog(&f, "peer", "tcp", "\"{port}\"",
		"try:\n"
		"    n = int(open('count').read())\n"
		"except OSError:\n"
		"    n = 0\n"
		"open('count', 'w').write(str(n + 1))\n"
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"c.sendall(b'ok' if n % 2 == 0 else b'no')\n"
		"time.sleep(5)\n");
	fx_load(&f, "  - name: flaky\n"
		    "    points: 3\n"
		    "    repeat: 4\n"
		    "    steps: [{start: peer}, {connect: }, {expect: ok}]\n"
		    "  - name: steady\n"
		    "    points: 3\n"
		    "    repeat: 3\n"
		    "    steps: [{start: peer}, {connect: },\n"
		    "            {expect: \"^(ok|no)$\", match: regex}]\n");
	fx_run(&f, "flaky", &res);
	ck_failed(res, 2, "received bytes differ from the expected at byte 0 (failed 2 of 4 runs)");
	ck_assert_int_eq(res.runs, 4);
	ck_assert_int_eq(res.failed_runs, 2);
	ck_assert_int_eq(res.score, 0);
	ck_bytes_eq(res.observed, res.observed_len, "no");
	ck_assert_uint_eq(res.nprocs, 1);	/* the processes of the failing run */
	probe_result_release(&res);
	struct strbuf count = STRBUF_INIT;
	char path[128];
	snprintf(path, sizeof path, "%s/count", f.dir);
	ck_assert_int_eq(read_file(path, &count), 0);
	ck_assert_str_eq(count.buf, "4");
	sb_release(&count);

	fx_run(&f, "steady", &res);
	ck_passed(res);
	ck_assert_int_eq(res.runs, 3);
	ck_assert_int_eq(res.failed_runs, 0);
	ck_assert_int_eq(res.score, 3);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

/* ---- nothing is left running ---- */

START_TEST(stops_what_ignores_sigterm_and_escapes)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "peer", "tcp", "\"{port}\"",
		"signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
		"if os.fork() == 0:\n"
		"    os.setsid()\n"
		"    signal.alarm(10)\n"
		"    time.sleep(10)\n"
		"    os._exit(0)\n"
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"time.sleep(10)\n");
	fx_load(&f, "  - name: stubborn\n"
		    "    steps: [{start: peer}, {connect: }]\n");
	fx_run(&f, "stubborn", &res);	/* checks that no child is left */
	ck_passed(res);
	ck_assert_int_eq(res.procs[0].v.status, V_STOPPED);
	ck_assert_int_eq(res.procs[0].v.signal, SIGKILL);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

/* ---- streams: echo, payloads, half-close, silence, resets ---- */

START_TEST(payload_blocks_hold_every_byte)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	/* answers ok when every 256-byte block holds all 256 values and the blocks vary */
	fx_prog(&f, "judge", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"n = 64 * 256 * 2 + 100\n"
		"d = b''\n"
		"while len(d) < n:\n"
		"    x = c.recv(65536)\n"
		"    if not x:\n"
		"        break\n"
		"    d += x\n"
		"blocks = [d[i:i + 256] for i in range(0, len(d) - 255, 256)]\n"
		"full = all(len(set(b)) == 256 for b in blocks)\n"
		"varied = len(set(blocks)) > len(blocks) // 2\n"
		"c.sendall(b'ok' if len(d) == n and full and varied else b'bad')\n"
		"time.sleep(5)\n");
	fx_load(&f, "  - name: full\n"
		    "    steps: [{start: judge}, {connect: }, {send_payload: 32868}, {expect: ok}]\n");
	fx_run(&f, "full", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(expect_echo_and_send_payload)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "echo", "tcp", "\"{port}\"", echoer);
	/* flips one bit of byte 100 of the stream */
	fx_prog(&f, "corrupt", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"n = 0\n"
		"while True:\n"
		"    d = bytearray(c.recv(65536))\n"
		"    if not d:\n"
		"        break\n"
		"    if n <= 100 < n + len(d):\n"
		"        d[100 - n] ^= 1\n"
		"    n += len(d)\n"
		"    c.sendall(d)\n"
		"time.sleep(5)\n");
	fx_prog(&f, "short", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"c.sendall(c.recv(100)[:3])\n"
		"time.sleep(5)\n");
	fx_prog(&f, "extra", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"c.sendall(c.recv(100) + b'!')\n"
		"time.sleep(5)\n");
	fx_load(&f, "  - name: echoes\n"
		    "    steps: [{start: echo}, {connect: }, {send: \"hello\\n\"}, {expect_echo: },\n"
		    "            {send_payload: 200000, chunk: 4KiB}, {expect_echo: }]\n"
		    "  - name: small corrupt\n"
		    "    steps: [{start: corrupt}, {connect: }, {send_payload: 120}, {expect_echo: }]\n"
		    "  - name: corrupt\n"
		    "    steps: [{start: corrupt}, {connect: }, {send_payload: 1000}, {expect_echo: }]\n"
		    "  - name: short\n"
		    "    steps: [{start: short}, {connect: }, {send: \"hello\\n\"},\n"
		    "            {expect_echo: , within: 300ms}]\n"
		    "  - name: extra\n"
		    "    steps: [{start: extra}, {connect: }, {send: \"hello\\n\"}, {expect_echo: }]\n");
	fx_run(&f, "echoes", &res);
	ck_passed(res);
	ck_assert_uint_eq(res.nvars, 1);
	ck_assert_str_eq(res.vars[0].name, "payload on c");
	ck_assert_msg(!strncmp(res.vars[0].value, "200000 bytes from the seed, beginning ", 38), "%s",
		      res.vars[0].value);
	probe_result_release(&res);

	fx_run(&f, "small corrupt", &res);
	ck_failed(res, 3, "the echo differs from what was sent at byte 100 of 120 (shown from byte 36)");
	ck_assert_int_eq(res.diff_at, 64);
	ck_assert_uint_eq(res.expected_len, 84);
	ck_assert_uint_eq(res.observed_len, 84);
	ck_assert_int_eq(res.expected[64] ^ res.observed[64], 1);
	ck_assert_int_eq(memcmp(res.expected, res.observed, 64), 0);
	probe_result_release(&res);

	fx_run(&f, "corrupt", &res);
	ck_failed(res, 3, "the echo differs from what was sent at byte 100 of 1000 (shown from byte 36)");
	ck_assert_int_eq(res.diff_at, 64);
	ck_assert_uint_eq(res.expected_len, 256);
	probe_result_release(&res);

	fx_run(&f, "short", &res);
	ck_failed(res, 3, "only 3 of the 6 bytes sent came back (then the deadline passed)");
	ck_bytes_eq(res.observed, res.observed_len, "hel");
	probe_result_release(&res);

	fx_run(&f, "extra", &res);
	ck_failed(res, 3, "1 bytes came back beyond the 6 that were sent");
	ck_bytes_eq(res.observed, res.observed_len, "hello\n!");
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(shutdown_silence_and_reset)
{
	struct fx f;
	struct probe_result res;
	char *closer = sender("b''");

	fx_begin(&f);
	/* answers once the client has finished sending (EOF) */
	fx_prog(&f, "waiter", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"n = 0\n"
		"while True:\n"
		"    d = c.recv(100)\n"
		"    if not d:\n"
		"        break\n"
		"    n += len(d)\n"
		"c.sendall(b'got ' + str(n).encode())\n"
		"c.close()\n"
		"time.sleep(5)\n");
	fx_prog(&f, "keeper", "tcp", "\"{port}\"", accept_and_sleep);
	fx_prog(&f, "chatty", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"time.sleep(0.05)\n"
		"c.sendall(b'more')\n"
		"time.sleep(5)\n");
	fx_prog(&f, "closer", "tcp", "\"{port}\"", closer);
	fx_prog(&f, "resetter", "tcp", "\"{port}\"", resetter);
	fx_load(&f, "  - name: half close\n"
		    "    steps: [{start: waiter}, {connect: }, {send: hello}, {shutdown: },\n"
		    "            {expect: got 5}, {expect_eof: }]\n"
		    "  - name: no half close\n"
		    "    steps: [{start: waiter}, {connect: }, {send: hello},\n"
		    "            {expect: got 5, within: 300ms}]\n"
		    "  - name: silent\n"
		    "    steps: [{start: keeper}, {connect: }, {expect_silence: 300ms}]\n"
		    "  - name: talks\n"
		    "    steps: [{start: chatty}, {connect: }, {expect_silence: 1s}]\n"
		    "  - name: closes\n"
		    "    steps: [{start: closer}, {connect: }, {expect_silence: 1s}]\n"
		    "  - name: resets\n"
		    "    steps: [{start: resetter}, {connect: }, {expect_reset: }]\n"
		    "  - name: fin\n"
		    "    steps: [{start: closer}, {connect: }, {expect_reset: }]\n"
		    "  - name: nothing\n"
		    "    steps: [{start: keeper}, {connect: }, {expect_reset: , within: 300ms}]\n");
	fx_run(&f, "half close", &res);
	ck_passed(res);
	ck_assert_uint_eq(count_events(&res, EV_SHUTDOWN), 1);
	probe_result_release(&res);

	fx_run(&f, "no half close", &res);
	ck_failed(res, 3, "nothing arrived within 0.3s");
	probe_result_release(&res);

	fx_run(&f, "silent", &res);
	ck_passed(res);
	probe_result_release(&res);

	fx_run(&f, "talks", &res);
	ck_failed(res, 2, "data arrived where silence was expected");
	ck_bytes_eq(res.observed, res.observed_len, "more");
	probe_result_release(&res);

	fx_run(&f, "closes", &res);
	ck_failed(res, 2, "the connection was closed where silence was expected");
	probe_result_release(&res);

	fx_run(&f, "resets", &res);
	ck_passed(res);
	probe_result_release(&res);

	fx_run(&f, "fin", &res);
	ck_failed(res, 2, "the connection was closed (FIN), not reset (RST)");
	probe_result_release(&res);

	fx_run(&f, "nothing", &res);
	ck_failed(res, 2, "no reset within 0.3s");
	probe_result_release(&res);
	fx_end(&f);
	free(closer);
}
END_TEST

START_TEST(expect_length_and_send_hex)
{
	struct fx f;
	struct probe_result res;
	char *seven = sender("b'abcdefg'");

	fx_begin(&f);
	fx_prog(&f, "seven", "tcp", "\"{port}\"", seven);
	fx_prog(&f, "echo", "tcp", "\"{port}\"", echoer);
	fx_load(&f, "  - name: length\n"
		    "    steps: [{start: seven}, {connect: }, {expect: , length: 5}, {expect: fg}]\n"
		    "  - name: too short\n"
		    "    steps: [{start: seven}, {connect: }, {expect: , length: 10}]\n"
		    "  - name: hex\n"
		    "    steps: [{start: echo}, {connect: }, {send: \"48 69:00 0a\", hex: true},\n"
		    "            {expect: \"Hi\\0\\n\"}]\n"
		    "  - name: odd hex\n"
		    "    steps: [{start: echo}, {connect: }, {send: \"486\", hex: true}]\n"
		    "  - name: bad hex\n"
		    "    steps: [{start: echo}, {connect: }, {send: \"4g\", hex: true}]\n");
	fx_run(&f, "length", &res);
	ck_passed(res);
	probe_result_release(&res);

	fx_run(&f, "too short", &res);
	ck_failed(res, 2, "received 7 bytes, expected 10");
	ck_bytes_eq(res.observed, res.observed_len, "abcdefg");
	probe_result_release(&res);

	fx_run(&f, "hex", &res);
	ck_passed(res);
	const struct event *e = first_event(&res, EV_SEND);
	ck_bytes_eq(e->data, e->len, "Hi\0\n");
	probe_result_release(&res);

	fx_run(&f, "odd hex", &res);
	ck_failed(res, 2, "spec error: odd number of hex digits");
	probe_result_release(&res);

	fx_run(&f, "bad hex", &res);
	ck_failed(res, 2, "spec error: 'g' is not a hex digit");
	probe_result_release(&res);
	fx_end(&f);
	free(seven);
}
END_TEST

/* A server that pours 40 MiB down each of its first two connections, then waits. */
static const char pourer[] =
	"import threading\n"
	"s = socket.create_server(('', int(sys.argv[1])))\n"
	"def pour(c):\n"
	"    buf = b'x' * 65536\n"
	"    try:\n"
	"        for _ in range(640):\n"
	"            c.sendall(buf)\n"
	"    except OSError:\n"
	"        pass\n"
	"    time.sleep(30)\n"
	"for _ in range(2):\n"
	"    c, _ = s.accept()\n"
	"    threading.Thread(target=pour, args=(c,), daemon=True).start()\n"
	"time.sleep(30)\n";

/* The harness holds at most MAX_BUFFERED of what peers sent for all of a probe's connections. */
START_TEST(flood_bound_is_per_probe)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "pourer", "tcp", "\"{port}\"", pourer);
	fx_load(&f, "  - name: two floods\n"
		    "    steps: [{start: pourer}, {connect: a}, {connect: b},\n"
		    "            {pause: 4s}]\n");
	fx_run(&f, "two floods", &res);
	int noted = 0;
	for (size_t i = 0; i < res.nevents; i++)
		if (res.events[i].kind == EV_NOTE && strstr(res.events[i].data, "more than 64 MiB arrived"))
			noted = 1;
	/* 80 MiB in all, 40 MiB on each connection: only a bound over both stops reading; and
	 * the note survives the transcript's cap, which the bytes before it passed */
	ck_assert_msg(noted, "no note that the harness stopped reading");
	size_t got = 0;
	for (size_t i = 0; i < res.nevents; i++)
		if (res.events[i].kind == EV_RECV)
			got += res.events[i].len;
	ck_assert_uint_le(got, (64 << 20) + 16 * 65536);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(flood_until_the_peer_stops_reading)
{
	struct fx f;
	struct probe_result res;
	size_t sent = 0;

	fx_begin(&f);
	fx_prog(&f, "echo", "tcp", "\"{port}\"", echoer);
	fx_prog(&f, "resetter", "tcp", "\"{port}\"", resetter);
	fx_load(&f, "  - name: floods\n"
		    "    steps: [{start: echo}, {connect: }, {flood: 4MiB}, {alive: echo}]\n"
		    "  - name: reset first\n"
		    "    steps: [{start: resetter}, {connect: }, {expect_reset: }, {flood: 64KiB}]\n");
	fx_run(&f, "floods", &res);
	ck_passed(res);
	const struct event *e = first_event(&res, EV_SEND);
	ck_assert_int_eq(sscanf(e->data, "%zu bytes sent without reading the replies", &sent), 1);
	ck_assert_uint_gt(sent, 0);
	ck_assert_uint_le(sent, 4 << 20);
	ck_assert_uint_eq(count_events(&res, EV_RECV), 0);
	probe_result_release(&res);

	fx_run(&f, "reset first", &res);
	ck_failed(res, 3, "could not send anything on 'c'");
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

/* ---- processes: signals, stdin, exit expectations, health ---- */

START_TEST(signal_and_alive)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "srv", "tcp", "\"{port}\"",
		"signal.signal(signal.SIGUSR1, lambda *a: print('usr1', flush=True))\n"
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"while True:\n"
		"    time.sleep(1)\n");
	fx_prog(&f, "quick", "none", "", "sys.exit(0)\n");
	fx_load(&f, "  - name: usr1\n"
		    "    steps: [{start: srv}, {alive: }, {signal: SIGUSR1}, {expect_stdout: usr1},\n"
		    "            {alive: srv}]\n"
		    "  - name: ended\n"
		    "    steps: [{start: quick}, {expect_exit: 0}, {alive: quick}]\n"
		    "  - name: signal after the end\n"
		    "    steps: [{start: quick}, {expect_exit: 0}, {signal: SIGTERM}]\n"
		    "  - name: restart\n"
		    "    steps: [{start: srv}, {connect: }, {signal: SIGKILL}, {expect_exit: any},\n"
		    "            {start: srv, same_port: true}, {connect: again}]\n"
		    "  - name: same port as nothing\n"
		    "    steps: [{start: srv, same_port: true}]\n");
	fx_run(&f, "usr1", &res);
	ck_passed(res);
	ck_assert_str_eq(first_event(&res, EV_NOTE)->data, "sent SIGUSR1");
	ck_assert_str_eq(res.procs[0].out, "usr1\n");
	probe_result_release(&res);

	fx_run(&f, "ended", &res);
	ck_failed(res, 2, "quick is no longer running: exited with status 0");
	probe_result_release(&res);

	fx_run(&f, "signal after the end", &res);
	ck_failed(res, 2, "quick had already ended before SIGTERM: exited with status 0");
	probe_result_release(&res);

	/* a restart is given the port of the first run */
	fx_run(&f, "restart", &res);
	ck_passed(res);
	ck_assert_uint_eq(res.nprocs, 2);
	ck_assert_int_eq(res.procs[0].v.status, V_SIGNAL);
	ck_assert_int_eq(res.procs[0].v.signal, SIGKILL);
	ck_assert_int_eq(argv_port(&res.procs[1]), argv_port(&res.procs[0]));
	ck_assert_uint_eq(count_events(&res, EV_CONNECT), 2);
	probe_result_release(&res);

	fx_run(&f, "same port as nothing", &res);
	ck_failed(res, 0, "spec error: same_port, but no port was used before");
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

/* "expect_exit: any" accepts every end: status 0, another status, a signal. */
START_TEST(expect_exit_any)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "zero", "none", "", "sys.exit(0)\n");
	fx_prog(&f, "two", "none", "", "sys.exit(2)\n");
	fx_prog(&f, "srv", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"time.sleep(5)\n");
	fx_prog(&f, "sleeper", "none", "", "time.sleep(5)\n");
	fx_load(&f, "  - name: zero\n"
		    "    steps: [{start: zero}, {expect_exit: any}]\n"
		    "  - name: two\n"
		    "    steps: [{start: two}, {expect_exit: any}]\n"
		    "  - name: interrupted\n"
		    "    steps: [{start: srv}, {signal: SIGINT}, {expect_exit: any}]\n"
		    "  - name: never ends\n"
		    "    steps: [{start: sleeper}, {expect_exit: any, within: 300ms}]\n");
	fx_run(&f, "two", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_run(&f, "zero", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_run(&f, "interrupted", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_run(&f, "never ends", &res);
	ck_failed(res, 1, "sleeper was still running after 0.3s; expected it to exit");
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(expect_stderr_reads_the_other_stream)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "usage", "none", "",
		"sys.stdout.write('on stdout\\n')\n"
		"sys.stderr.write('usage: usage <port>\\n')\n"
		"sys.exit(1)\n");
	fx_load(&f, "  - name: usage on stderr\n"
		    "    steps: [{start: usage}, {expect_stderr: \"usage:\"}, {expect_exit: 1}]\n"
		    "  - name: not on stderr\n"
		    "    steps: [{start: usage}, {expect_stderr: \"on stdout\"}]\n");
	fx_run(&f, "usage on stderr", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_run(&f, "not on stderr", &res);
	ck_failed(res, 1, "usage exited with status 1; its stderr ends with \"usage: usage <port>\\n\" "
			  "without printing the expected text on stderr");
	ck_bytes_eq(res.observed, res.observed_len, "usage: usage <port>\n");
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(stdin_of_a_program)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "cat", "none", "", "sys.stdout.write(sys.stdin.read())\n");
	fx_load(&f, "  - name: given at start\n"
		    "    steps: [{start: cat, stdin: \"abc\\n\"},\n"
		    "            {expect_stdout: \"abc\\n\", match: exact}, {expect_exit: 0}]\n"
		    "  - name: kept open\n"
		    "    steps: [{start: cat, stdin: abc, stdin_open: true}, {alive: cat},\n"
		    "            {stdin: def, close: true},\n"
		    "            {expect_stdout: abcdef, match: exact}, {expect_exit: 0}]\n"
		    "  - name: never closed\n"
		    "    steps: [{start: cat, stdin: abc, stdin_open: true},\n"
		    "            {expect_exit: 0, within: 300ms}]\n"
		    "  - name: no pipe\n"
		    "    steps: [{start: cat}, {stdin: x}]\n");
	fx_run(&f, "given at start", &res);
	ck_passed(res);
	ck_assert_str_eq(first_event(&res, EV_STDIN)->data, "abc\n");
	probe_result_release(&res);

	fx_run(&f, "kept open", &res);
	ck_passed(res);
	ck_assert_uint_eq(count_events(&res, EV_STDIN), 2);
	probe_result_release(&res);

	fx_run(&f, "never closed", &res);
	ck_failed(res, 1, "cat was still running after 0.3s; expected it to exit");
	probe_result_release(&res);

	fx_run(&f, "no pipe", &res);
	ck_failed(res, 1, "spec error: cat's stdin is not open (give 'stdin' when starting it)");
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(zombies_and_descriptor_leaks)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "forker", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"while True:\n"
		"    c, _ = s.accept()\n"
		"    if os.fork() == 0:\n"
		"        os._exit(0)\n"
		"    c.close()\n");
	fx_prog(&f, "reaper", "tcp", "\"{port}\"",
		"signal.signal(signal.SIGCHLD, signal.SIG_IGN)\n"
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"while True:\n"
		"    c, _ = s.accept()\n"
		"    if os.fork() == 0:\n"
		"        os._exit(0)\n"
		"    c.close()\n");
	fx_prog(&f, "leaker", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"keep = []\n"
		"while True:\n"
		"    c, _ = s.accept()\n"
		"    keep.append(c)\n");
	fx_prog(&f, "tidy", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"while True:\n"
		"    c, _ = s.accept()\n"
		"    c.close()\n");
#define TWO_CLIENTS(prog, check)                                                   \
	"    steps: [{start: " prog "}, {connect: a}, {close: a}, {connect: b}, {close: b},\n" \
	"            {pause: 300ms}, {" check "}]\n"
	fx_load(&f, "  - name: zombies\n" TWO_CLIENTS("forker", "expect_no_zombies: , within: 300ms")
		    "  - name: reaped\n" TWO_CLIENTS("reaper", "expect_no_zombies: ")
		    "  - name: leaks\n" TWO_CLIENTS("leaker", "expect_no_fd_leak: ")
		    "  - name: tidy\n" TWO_CLIENTS("tidy", "expect_no_fd_leak: ")
		    "  - name: client\n"
		    "    steps: [{listen: }, {start: forker, ready: none}, {expect_no_fd_leak: }]\n");
#undef TWO_CLIENTS
	fx_run(&f, "zombies", &res);
	ck_failed(res, 6, "forker has 2 zombie child processes 0.3s later: it does not reap its children");
	probe_result_release(&res);

	fx_run(&f, "reaped", &res);
	ck_passed(res);
	probe_result_release(&res);

	fx_run(&f, "leaks", &res);
	ck_assert(!res.passed);
	ck_assert_int_eq(res.failed_step, 6);
	ck_assert_msg(strstr(res.why, " open file descriptors, 2 more than when it started listening: "
				      "it does not close the sockets of clients that left"), "%s",
		      res.why);
	ck_assert_msg(!strncmp(res.why, "leaker has ", 11), "%s", res.why);
	probe_result_release(&res);

	fx_run(&f, "tidy", &res);
	ck_passed(res);
	probe_result_release(&res);

	fx_run(&f, "client", &res);
	ck_failed(res, 2, "spec error: forker was not started as a server");
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

/* ---- UDP: echo, silence, the harness as the server ---- */

START_TEST(udp_echo_none_and_reply)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "echo", "udp", "\"{port}\"",
		"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		"s.bind(('', int(sys.argv[1])))\n"
		"while True:\n"
		"    d, a = s.recvfrom(2048)\n"
		"    s.sendto(d, a)\n");
	fx_prog(&f, "mute", "udp", "\"{port}\"",
		"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		"s.bind(('', int(sys.argv[1])))\n"
		"time.sleep(5)\n");
	fx_prog(&f, "client", "none", "\"{host}\", \"{port}\"",
		"s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
		"s.sendto(b'hello', (sys.argv[1], int(sys.argv[2])))\n"
		"d, a = s.recvfrom(100)\n"
		"print(d.decode())\n");
	fx_load(&f, "  - name: echo flag\n"
		    "    steps: [{start: echo}, {random: w, length: 8}, {udp_send: \"{w}\"},\n"
		    "            {udp_expect: , echo: true}]\n"
		    "  - name: none\n"
		    "    steps: [{start: mute}, {udp_send: ping}, {udp_expect_none: 300ms}]\n"
		    "  - name: not none\n"
		    "    steps: [{start: echo}, {udp_send: ping}, {udp_expect_none: 1s}]\n"
		    "  - name: reply\n"
		    "    steps: [{listen: , proto: udp}, {start: client},\n"
		    "            {udp_expect: hello, socket: l, sender: any},\n"
		    "            {udp_reply: world, socket: l}, {expect_stdout: world}, {expect_exit: 0}]\n"
		    "  - name: reply to nobody\n"
		    "    steps: [{listen: , proto: udp}, {udp_reply: world, socket: l}]\n");
	fx_run(&f, "echo flag", &res);
	ck_passed(res);
	probe_result_release(&res);

	fx_run(&f, "none", &res);
	ck_passed(res);
	probe_result_release(&res);

	fx_run(&f, "not none", &res);
	ck_failed(res, 2, "a datagram arrived where none was expected");
	ck_bytes_eq(res.observed, res.observed_len, "ping");
	probe_result_release(&res);

	fx_run(&f, "reply", &res);
	ck_passed(res);
	ck_assert_str_eq(res.procs[0].out, "world\n");
	probe_result_release(&res);

	fx_run(&f, "reply to nobody", &res);
	ck_failed(res, 1, "no datagram has arrived on 'l' to reply to");
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

/* ---- the harness as a real peer ---- */

/*
 * A careful client: sends a line, shuts its sending side down, reads until the
 * server closes, prints what it read and exits 0.
 */
static const char half_closing_client[] =
	"s = socket.create_connection((sys.argv[1], int(sys.argv[2])))\n"
	"s.sendall(b'ping\\n')\n"
	"s.shutdown(socket.SHUT_WR)\n"
	"data = b''\n"
	"while True:\n"
	"    b = s.recv(100)\n"
	"    if not b:\n"
	"        break\n"
	"    data += b\n"
	"sys.stdout.write(data.decode())\n"
	"sys.exit(0)\n";

START_TEST(a_half_closing_client_is_answered)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "client", "none", "\"{host}\", \"{port}\"", half_closing_client);
	fx_load(&f, "  - name: answered at once\n"
		    "    steps: [{listen: }, {start: client}, {accept: },\n"
		    "            {expect: \"ping\\n\"}, {expect_exit: 0}]\n"
		    "  - name: the rest first\n"
		    "    steps: [{listen: }, {start: client}, {accept: },\n"
		    "            {expect: \"ping\\n\"}, {pause: 100ms}, {send: pong, pieces: 2, pause: 50ms},\n"
		    "            {expect_stdout: pong, match: exact}, {expect_exit: 0}]\n"
		    "  - name: the spec closes it\n"
		    "    steps: [{listen: }, {start: client}, {accept: },\n"
		    "            {expect: \"ping\\n\"}, {expect_exit: 0, within: 300ms}, {close: }]\n");
	/* nothing more to send: the harness closes its side when the client's FIN comes */
	fx_run(&f, "answered at once", &res);
	ck_passed(res);
	ck_assert_uint_eq(count_events(&res, EV_FIN), 1);
	ck_assert_uint_eq(count_events(&res, EV_SHUTDOWN), 1);
	ck_assert_int_eq(res.procs[0].v.status, V_OK);
	probe_result_release(&res);

	/* what later steps send still goes out, then the close */
	fx_run(&f, "the rest first", &res);
	ck_passed(res);
	const struct event *fin = first_event(&res, EV_FIN), *sd = first_event(&res, EV_SHUTDOWN);
	ck_assert(fin < sd);
	ck_assert(first_event(&res, EV_SEND) < sd);
	ck_assert_str_eq(res.procs[0].out, "pong");
	probe_result_release(&res);

	/* a connection a later step closes is the spec's to close */
	fx_run(&f, "the spec closes it", &res);
	ck_failed(res, 4, "client was still running after 0.3s; expected it to exit");
	ck_assert_uint_eq(count_events(&res, EV_SHUTDOWN), 0);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(a_half_closing_server_is_answered)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	/* greets, half-closes, and waits for the client's close before it exits */
	fx_prog(&f, "server", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"c.sendall(b'hi')\n"
		"c.shutdown(socket.SHUT_WR)\n"
		"while c.recv(100):\n"
		"    pass\n"
		"sys.exit(0)\n");
	fx_load(&f, "  - name: answered\n"
		    "    steps: [{start: server}, {connect: }, {expect: hi}, {expect_exit: 0}]\n");
	fx_run(&f, "answered", &res);
	ck_passed(res);
	ck_assert_uint_eq(count_events(&res, EV_SHUTDOWN), 1);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(ignore_case_in_a_step)
{
	struct fx f;
	struct probe_result res;
	char *code = sender("b'HELLO World!\\0'");

	fx_begin(&f);
	fx_prog(&f, "peer", "tcp", "\"{port}\"", code);
	fx_load(&f, "  - name: either case\n"
		    "    steps: [{start: peer}, {connect: },\n"
		    "            {expect: \"Hello world!\", tolerate: nul_or_newline, ignore_case: true}]\n"
		    "  - name: as written\n"
		    "    steps: [{start: peer}, {connect: },\n"
		    "            {expect: \"Hello world!\", tolerate: nul_or_newline}]\n");
	fx_run(&f, "either case", &res);
	ck_passed(res);
	ck_assert_str_eq(res.note, "sent \"HELLO World!\": letters in another case (accepted); "
				   "sent a trailing NUL (tolerated)");
	probe_result_release(&res);
	fx_run(&f, "as written", &res);
	ck_failed(res, 2, "received bytes differ from the expected at byte 1");
	probe_result_release(&res);
	fx_end(&f);
	free(code);
}
END_TEST

START_TEST(close_after_the_peer)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "late", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"time.sleep(0.2)\n"
		"c.close()\n"
		"time.sleep(5)\n");
	fx_prog(&f, "never", "tcp", "\"{port}\"", accept_and_sleep);
	fx_load(&f, "  - name: waits\n"
		    "    steps: [{start: late}, {connect: }, {close: , after_peer: true}]\n"
		    "  - name: at once\n"
		    "    steps: [{start: late}, {connect: }, {close: }]\n"
		    "  - name: not forever\n"
		    "    steps: [{start: never}, {connect: }, {close: , after_peer: true, within: 300ms}]\n");
	fx_run(&f, "waits", &res);
	ck_passed(res);
	ck_assert(first_event(&res, EV_FIN) < first_event(&res, EV_CLOSE));
	probe_result_release(&res);

	fx_run(&f, "at once", &res);
	ck_passed(res);
	ck_assert_uint_eq(count_events(&res, EV_FIN), 0);
	probe_result_release(&res);

	/* a peer that never closes is closed at the deadline: the harness closes first */
	fx_run(&f, "not forever", &res);
	ck_passed(res);
	ck_assert_uint_eq(count_events(&res, EV_FIN), 0);
	ck_assert_uint_eq(count_events(&res, EV_CLOSE), 1);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

/* A forking server whose SIGCHLD handler reaps %s; each child echoes until EOF, then %s. */
static char *forker(const char *reap, const char *after_eof)
{
	return xasprintf("def reap(sig, frame):\n"
			 "    %s\n"
			 "signal.signal(signal.SIGCHLD, reap)\n"
			 "s = socket.create_server(('', int(sys.argv[1])))\n"
			 "while True:\n"
			 "    c, _ = s.accept()\n"
			 "    if os.fork() == 0:\n"
			 "        s.close()\n"
			 "        while True:\n"
			 "            d = c.recv(100)\n"
			 "            if not d:\n"
			 "                break\n"
			 "            c.sendall(d)\n"
			 "        %s\n"
			 "    c.close()\n", reap, after_eof);
}

#define REAP_ONCE "try: os.waitpid(-1, os.WNOHANG)\n    except ChildProcessError: pass"
#define REAP_ALL                                                                          \
	"try:\n        while os.waitpid(-1, os.WNOHANG)[0]: pass\n    except ChildProcessError: pass"

#define HOLD_PROBE                                                                        \
	"    steps: [{start: server}, {connect: a}, {connect: b}, {connect: c},\n"             \
	"            {send: x, conn: a}, {send: y, conn: b}, {send: z, conn: c},\n"            \
	"            {expect: x, conn: a}, {expect: y, conn: b}, {expect: z, conn: c},\n"      \
	"            {hold: server}, {shutdown: a}, {shutdown: b}, {shutdown: c},\n"           \
	"            {release: server, after_children: true},\n"                               \
	"            {expect_no_zombies: , within: 500ms}]\n"

START_TEST(hold_merges_the_signals_of_children)
{
	struct fx f;
	struct probe_result res;
	char *once = forker(REAP_ONCE, "os._exit(0)"), *all = forker(REAP_ALL, "os._exit(0)");

	fx_begin(&f);
	fx_prog(&f, "server", "tcp", "\"{port}\"", once);
	fx_load(&f, "  - name: held\n" HOLD_PROBE);
	/* three children end while their parent is stopped: one SIGCHLD, one reaped, every run */
	for (int run = 0; run < 3; run++) {
		fx_run(&f, "held", &res);
		ck_failed(res, 15, "server has 2 zombie child processes 0.5s later: it does not reap "
				   "its children");
		probe_result_release(&res);
	}
	fx_end(&f);

	fx_begin(&f);
	fx_prog(&f, "server", "tcp", "\"{port}\"", all);
	fx_load(&f, "  - name: held\n" HOLD_PROBE
		    "  - name: not held\n"
		    "    steps: [{start: server}, {release: server}]\n");
	fx_run(&f, "held", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_run(&f, "not held", &res);
	ck_failed(res, 1, "spec error: server is not held (a hold step comes first)");
	probe_result_release(&res);
	fx_end(&f);
	free(once);
	free(all);
}
END_TEST

#define CHILDREN_PROBE                                                                    \
	"    steps: [{start: server}, {connect: a}, {send: x, conn: a}, {expect: x, conn: a},\n" \
	"            {close: a}, {expect_children_exit: , within: 500ms}]\n"

START_TEST(children_exit_measured)
{
	struct fx f;
	struct probe_result res;
	char *exits = forker(REAP_ALL, "os._exit(0)");
	char *spins = forker(REAP_ALL, "while True: c.recv(100)");
	char *sleeps = forker(REAP_ALL, "time.sleep(5)");

	fx_begin(&f);
	fx_prog(&f, "server", "tcp", "\"{port}\"", exits);
	fx_load(&f, "  - name: children\n" CHILDREN_PROBE);
	fx_run(&f, "children", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_end(&f);

	fx_begin(&f);
	fx_prog(&f, "server", "tcp", "\"{port}\"", spins);
	fx_load(&f, "  - name: children\n" CHILDREN_PROBE);
	fx_run(&f, "children", &res);
	ck_assert(!res.passed);
	ck_assert_int_eq(res.failed_step, 5);
	ck_assert_msg(strstr(res.why, "1 child process of server still ran 0.5s after its client left (running in ") &&
			      strstr(res.why, "): it spins in a loop instead of exiting when read() returns 0"),
		      "why: %s", res.why);
	probe_result_release(&res);
	fx_end(&f);

	fx_begin(&f);
	fx_prog(&f, "server", "tcp", "\"{port}\"", sleeps);
	fx_load(&f, "  - name: children\n" CHILDREN_PROBE);
	fx_run(&f, "children", &res);
	ck_assert(!res.passed);
	ck_assert_msg(strstr(res.why, "(asleep in ") &&
			      strstr(res.why, "): it waits for something instead of exiting"),
		      "why: %s", res.why);
	probe_result_release(&res);
	fx_end(&f);
	free(exits);
	free(spins);
	free(sleeps);
}
END_TEST

START_TEST(signal_to_a_program_that_ended)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "quick", "none", "", "sys.exit(0)\n");
	fx_load(&f, "  - name: ok\n"
		    "    steps: [{start: quick}, {expect_exit: 0}, {signal: SIGINT, ended_ok: true}]\n"
		    "  - name: not ok\n"
		    "    steps: [{start: quick}, {expect_exit: 0}, {signal: SIGINT}]\n");
	fx_run(&f, "ok", &res);
	ck_passed(res);
	probe_result_release(&res);
	fx_run(&f, "not ok", &res);
	ck_failed(res, 2, "quick had already ended before SIGINT: exited with status 0");
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(the_cause_comes_first)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	/* crashes once its first client has spoken */
	fx_prog(&f, "crasher", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"c.recv(100)\n"
		"os.kill(os.getpid(), signal.SIGSEGV)\n");
	/* writes to its client without end, and dies of the SIGPIPE when the client resets */
	fx_prog(&f, "writer", "tcp", "\"{port}\"",
		"signal.signal(signal.SIGPIPE, signal.SIG_DFL)\n"
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"while True:\n"
		"    try:\n"
		"        c.send(b'x' * 65536)\n"
		"    except ConnectionResetError:\n"
		"        pass\n");
	fx_prog(&f, "quitter", "tcp", "\"{port}\"",
		"s = socket.create_server(('', int(sys.argv[1])))\n"
		"c, _ = s.accept()\n"
		"c.close()\n"
		"s.close()\n"
		"sys.stderr.write('bye\\n')\n"
		"sys.exit(3)\n");
	fx_load(&f, "  - name: segv\n"
		    "    steps: [{start: crasher}, {connect: a}, {send: x, conn: a}, {connect: b},\n"
		    "            {send: y, conn: b}, {expect: y, conn: b}]\n"
		    "  - name: pipe\n"
		    "    steps: [{start: writer}, {connect: a}, {expect: xx, conn: a, match: prefix},\n"
		    "            {abort: a}, {connect: b}, {send: y, conn: b}, {expect: y, conn: b}]\n"
		    "  - name: exit\n"
		    "    steps: [{start: quitter}, {connect: a}, {expect_eof: , conn: a}, {connect: b},\n"
		    "            {send: y, conn: b}, {expect: y, conn: b}]\n");
	/* whichever the step saw (refused, reset), the wait status is said first */
	for (int run = 0; run < 2; run++) {
		fx_run(&f, "segv", &res);
		ck_assert(!res.passed);
		ck_starts(res.why, "crasher was killed by SIGSEGV (an invalid memory access: ");
		ck_assert_msg(strstr(res.why, "; then "), "why: %s", res.why);
		probe_result_release(&res);
	}
	fx_run(&f, "pipe", &res);
	ck_assert(!res.passed);
	ck_starts(res.why, "writer was killed by SIGPIPE (it wrote to a connection the client had reset): "
			   "ignore SIGPIPE or send with MSG_NOSIGNAL; then ");
	probe_result_release(&res);
	fx_run(&f, "exit", &res);
	ck_assert(!res.passed);
	ck_starts(res.why, "quitter had ended: exited with status 3; its stderr ends with \"bye\\n\"; then ");
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

START_TEST(the_port_seen_says_why)
{
	struct fx f;
	struct probe_result res;

	fx_begin(&f);
	fx_prog(&f, "swapped", "tcp", "\"{port}\"",
		"p = int(sys.argv[1])\n"
		"s = socket.create_server(('', ((p & 0xff) << 8) | (p >> 8)))\n"
		"time.sleep(5)\n");
	fx_prog(&f, "anyport", "tcp", "\"{port}\"",
		"s = socket.create_server(('', 0))\n"
		"time.sleep(5)\n");
	/* no SO_REUSEADDR: the connection it closed first keeps its port in TIME_WAIT */
	fx_prog(&f, "plain", "tcp", "\"{port}\"",
		"s = socket.socket()\n"
		"s.bind(('', int(sys.argv[1])))\n"
		"s.listen()\n"
		"c, _ = s.accept()\n"
		"c.close()\n"
		"time.sleep(5)\n");
	fx_load(&f, "  - name: swapped\n"
		    "    steps: [{start: swapped}]\n"
		    "  - name: kernel's\n"
		    "    steps: [{start: anyport}]\n"
		    "  - name: restart\n"
		    "    steps: [{start: plain}, {connect: }, {close: , after_peer: true},\n"
		    "            {signal: SIGKILL}, {expect_exit: any}, {start: plain, same_port: true}]\n");
	fx_run(&f, "swapped", &res);
	int given = argv_port(&res.procs[0]);
	char *want = xasprintf("swapped listens on port %d = the port you were given with its bytes "
			       "swapped: use htons(), not htonl() or no conversion",
			       ((given & 0xff) << 8) | (given >> 8));
	ck_failed(res, 0, want);
	free(want);
	probe_result_release(&res);

	fx_run(&f, "kernel's", &res);
	ck_assert(!res.passed);
	ck_assert_msg(strstr(res.why, ", which the kernel chose, not on port ") &&
			      strstr(res.why, "given in argv: its bind() failed unchecked, or was given "
					      "port 0 (htonl() instead of htons()?)"), "why: %s", res.why);
	probe_result_release(&res);

	fx_run(&f, "restart", &res);
	given = argv_port(&res.procs[0]);
	want = xasprintf("plain could not listen on port %d again: a connection of its last run holds "
			 "the port in TIME_WAIT, where bind() fails with EADDRINUSE unless SO_REUSEADDR is "
			 "set before it; then plain ended before it was listening: exited with status 1; "
			 "its stderr ends with \"", given);
	ck_assert(!res.passed);
	ck_assert_int_eq(res.failed_step, 5);
	ck_assert_msg(!strncmp(res.why, want, strlen(want)), "why: %s", res.why);
	free(want);
	probe_result_release(&res);
	fx_end(&f);
}
END_TEST

Suite *make_probe_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *tc = tcase_create("tcp");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, expect_tolerates_a_trailing_nul);
	tcase_add_test(tc, expect_reports_the_first_difference);
	tcase_add_test(tc, expect_times_out_when_nothing_arrives);
	tcase_add_test(tc, start_reports_a_program_that_ends_first);
	tcase_add_test(tc, start_checks_the_port_from_argv);
	tcase_add_test(tc, start_address_any);
	tcase_add_test(tc, start_without_a_binary);
	tcase_add_test(tc, expect_eof_outcomes);
	tcase_add_test(tc, connect_refused);
	tcase_add_test(tc, send_in_pieces);
	tcase_add_test(tc, abort_resets_the_connection);
	tcase_add_test(tc, expect_echo_and_send_payload);
	tcase_add_test(tc, payload_blocks_hold_every_byte);
	tcase_add_test(tc, shutdown_silence_and_reset);
	tcase_add_test(tc, expect_length_and_send_hex);
	tcase_add_test(tc, flood_until_the_peer_stops_reading);
	tcase_add_test(tc, flood_bound_is_per_probe);
	suite_add_tcase(s, tc);

	tc = tcase_create("clients");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, client_prints_what_it_read);
	tcase_add_test(tc, client_prints_something_else);
	tcase_add_test(tc, client_exit_status);
	tcase_add_test(tc, client_that_never_ends_or_never_connects);
	suite_add_tcase(s, tc);

	tc = tcase_create("processes");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, signal_and_alive);
	tcase_add_test(tc, expect_exit_any);
	tcase_add_test(tc, stdin_of_a_program);
	tcase_add_test(tc, expect_stderr_reads_the_other_stream);
	tcase_add_test(tc, zombies_and_descriptor_leaks);
	suite_add_tcase(s, tc);

	tc = tcase_create("udp");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, udp_send_and_expect);
	tcase_add_test(tc, udp_echo_none_and_reply);
	suite_add_tcase(s, tc);

	tc = tcase_create("runs");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, random_values_are_seeded);
	tcase_add_test(tc, expect_from_reference);
	tcase_add_test(tc, repeat_counts_failed_runs);
	tcase_add_test(tc, stops_what_ignores_sigterm_and_escapes);
	suite_add_tcase(s, tc);

	tc = tcase_create("fair");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, a_half_closing_client_is_answered);
	tcase_add_test(tc, a_half_closing_server_is_answered);
	tcase_add_test(tc, ignore_case_in_a_step);
	tcase_add_test(tc, close_after_the_peer);
	tcase_add_test(tc, hold_merges_the_signals_of_children);
	tcase_add_test(tc, children_exit_measured);
	tcase_add_test(tc, signal_to_a_program_that_ended);
	tcase_add_test(tc, the_cause_comes_first);
	tcase_add_test(tc, the_port_seen_says_why);
	suite_add_tcase(s, tc);
	return s;
}
