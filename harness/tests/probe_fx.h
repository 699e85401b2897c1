/*
 * probe_fx: the fixture of the interpreter's tests (check_probe.c, check_probe_procs.c): a
 * spec loaded from a string whose programs are python3 scripts, run in a sandbox of the test's
 * own, and the peers and checks both files use. A header of static functions, as it is shared
 * by two test files only.
 */
#ifndef SG_PROBE_FX_H
#define SG_PROBE_FX_H

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
static inline void add_code(struct strbuf *y, const char *code)
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

static inline void fx_begin(struct fx *f)
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
static inline void fx_prog(struct fx *f, const char *name, const char *ready, const char *args,
		    const char *code)
{
	sb_addf(&f->yaml, "  %s:\n    sources: [%s.c]\n    ready: %s\n    argv: [\"-S\", \"-c\", \"", name,
		name, ready);
	add_code(&f->yaml, PRELUDE);
	add_code(&f->yaml, code);
	sb_addf(&f->yaml, "\"%s%s]\n", *args ? ", " : "", args);
}

/* Adds the probes, loads the spec and opens the sandbox and the workdir. */
static inline void fx_load(struct fx *f, const char *probes)
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

static inline void fx_end(struct fx *f)
{
	ref_release(&f->ref);
	sandbox_close(f->sb);
	spec_free(f->spec);
	if (*f->dir)
		remove_tree(f->dir);
	sb_release(&f->yaml);
}

/* Processes whose parent is this (subreaper) test process. */
static inline int children_left(void)
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
static inline void fx_run(struct fx *f, const char *name, struct probe_result *res)
{
	probe_execute(&f->env, probe_named(f->spec, name), res);
	for (size_t i = 0; i < res->nprocs; i++)
		ck_assert_msg(res->procs[i].v.status != V_RUNNING, "%s is still running",
			      res->procs[i].program);
	ck_assert_int_eq(children_left(), 0);
}

static inline void write_text(struct fx *f, const char *file, const char *text)
{
	char path[128], err[ERRLEN] = "";
	snprintf(path, sizeof path, "%s/%s", f->dir, file);
	ck_assert_msg(write_file_atomic(path, text, strlen(text), err) == 0, "%s", err);
}

static inline size_t count_events(const struct probe_result *res, enum event_kind k)
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
static inline int argv_port(const struct proc_report *p)
{
	const char *sp = strrchr(p->argv, ' ');
	ck_assert_ptr_nonnull(sp);
	return atoi(sp + 1);
}

/* A TCP port below the kernel's ephemeral range, free now: one the harness never hands out. */
static inline int fixed_port(void)
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
static inline char *sender(const char *bytes)
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
static inline char *client(const char *print, const char *then)
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

#endif
