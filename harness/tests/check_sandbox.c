/*
 * check_sandbox: starting, capturing, limiting and stopping processes.
 *
 * Every test runs in a process of its own (CK_FORK, the default): sandbox_open
 * makes the calling process a child subreaper, and the daemon tests look for
 * processes whose parent is the test process. Every wait has a deadline, and
 * every test case a timeout.
 *
 * The tests hold in every mode (none, and the boxed rootless and root modes
 * when a runner has called sandbox_select): processes left behind are found
 * by a marker in their command line, never by a pid printed inside a box's
 * pid namespace.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sandbox.h"
#include "suites.h"
#include "util.h"

static struct sandbox *open_sandbox(void)
{
	char err[ERRLEN] = "";
	struct sandbox *sb = NULL;

	ck_assert_msg(sandbox_open(&sb, err) == 0, "sandbox_open: %s", err);
	ck_assert_ptr_nonnull(sb);
	return sb;
}

/* Spawns argv with the given limits (NULL: none) and stdin pipe choice; fails the test otherwise. */
static struct sbproc *spawn_argv(struct sandbox *sb, const char *const *argv,
				 const struct sandbox_limits *lim, int stdin_pipe)
{
	char err[ERRLEN] = "";
	struct sbproc *p = NULL;
	struct spawn sp = { .argv = argv, .stdin_pipe = stdin_pipe, .lim = lim };

	ck_assert_msg(sandbox_spawn(sb, &sp, &p, err) == 0, "spawn '%s': %s", argv[0], err);
	ck_assert_ptr_nonnull(p);
	return p;
}

static struct sbproc *spawn_sh(struct sandbox *sb, const char *script,
			       const struct sandbox_limits *lim)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	return spawn_argv(sb, argv, lim, 0);
}

/* capture_text as a C string (caller frees). */
static char *text_of(const struct capture *c)
{
	struct strbuf sb = STRBUF_INIT;

	capture_text(c, &sb);
	return sb_detach(&sb, NULL);
}

/* Waits at most ms for p to end; fails the test if it does not. */
static void must_end(struct sbproc *p, int64_t ms)
{
	ck_assert_msg(sbproc_wait(p, now_ms() + ms) == 1, "pid %d still running after %lld ms",
		      (int)sbproc_pid(p), (long long)ms);
	ck_assert(sbproc_ended(p));
}

/* Polls p until its stdout holds a full line; fails the test after ms. */
static void wait_line(struct sbproc *p, int64_t ms)
{
	int64_t deadline = now_ms() + ms;

	for (;;) {
		const struct capture *c = sbproc_stdout(p);
		if (c->head.buf && memchr(c->head.buf, '\n', c->head.len))
			return;
		ck_assert_msg(ms_left(deadline) > 0, "no line on stdout within %lld ms",
			      (long long)ms);
		struct pollfd fds[3];
		int n = sbproc_pollfds(p, fds, 3);
		ck_assert_msg(n > 0, "pid %d ended without a line", (int)sbproc_pid(p));
		if (poll(fds, (nfds_t)n, ms_left(deadline)) > 0)
			sbproc_events(p, fds, n);
	}
}

/*
 * A sleep argument no other process has: "99.<tag><pid>", so that a process
 * left behind can be found by its command line in any pid namespace.
 */
static void make_marker(char *buf, size_t len, int tag)
{
	snprintf(buf, len, "99.%d%07d", tag, (int)getpid());
}

/* The pid (as this process sees it) of a process with mark as an argument, or 0. */
static pid_t find_marker(const char *mark)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0;

	ck_assert_ptr_nonnull(d);
	while (!found && (e = readdir(d))) {
		char *end, path[64];
		long pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
		struct strbuf cl = STRBUF_INIT;
		if (read_file(path, &cl) == 0 && cl.buf) {
			for (size_t at = 0; at < cl.len; at += strlen(cl.buf + at) + 1)
				if (!strcmp(cl.buf + at, mark))
					found = (pid_t)pid;
		}
		sb_release(&cl);
	}
	closedir(d);
	return found;
}

/* Waits up to ms for the process with mark to appear; fails the test otherwise. */
static pid_t wait_marker(const char *mark, int64_t ms)
{
	int64_t deadline = now_ms() + ms;
	pid_t pid;

	while (!(pid = find_marker(mark))) {
		ck_assert_msg(ms_left(deadline) > 0, "no process 'sleep %s' within %lld ms", mark,
			      (long long)ms);
		usleep(2000);
	}
	return pid;
}

/* The parent of pid, or -1. */
static pid_t parent_of(pid_t pid)
{
	char path[64];
	struct strbuf st = STRBUF_INIT;
	long ppid = -1;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_file(path, &st) == 0 && st.buf) {
		char *rp = strrchr(st.buf, ')');
		char state;
		if (!rp || sscanf(rp + 1, " %c %ld", &state, &ppid) != 2)
			ppid = -1;
	}
	sb_release(&st);
	return (pid_t)ppid;
}

static int mode_is_none(const struct sandbox *sb)
{
	return !strcmp(sandbox_mode(sb), "none");
}

/* 1 when pid no longer exists (not even as a zombie of ours). */
static int gone(pid_t pid)
{
	return kill(pid, 0) < 0 && errno == ESRCH;
}

/* How many processes have the test process as their parent. */
static int count_children(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char *end;
		long pid = strtol(e->d_name, &end, 10);
		if (!*end && pid > 0 && parent_of((pid_t)pid) == getpid())
			n++;
	}
	closedir(d);
	return n;
}

START_TEST(test_exit_code_and_output)
{
	struct sandbox *sb = open_sandbox();
	struct sbproc *p = spawn_sh(sb, "echo out; echo err >&2; exit 3", NULL);

	must_end(p, 5000);
	const struct verdict *v = sbproc_verdict(p);
	ck_assert_int_eq(v->status, V_EXIT);
	ck_assert_int_eq(v->exit_code, 3);
	ck_assert_uint_eq(v->output_cut, 0);
	ck_assert_str_eq(verdict_code(v->status), "RE");
	char *out = text_of(sbproc_stdout(p)), *err = text_of(sbproc_stderr(p));
	ck_assert_str_eq(out, "out\n");
	ck_assert_str_eq(err, "err\n");
	ck_assert_uint_eq(sbproc_stdout(p)->total, 4);

	struct strbuf d = STRBUF_INIT;
	verdict_describe(v, &d);
	ck_assert_str_eq(d.buf, "exited with status 3");
	sb_release(&d);
	free(out);
	free(err);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_exit_zero_is_ok)
{
	struct sandbox *sb = open_sandbox();
	struct sbproc *p = spawn_sh(sb, "exit 0", NULL);

	must_end(p, 5000);
	ck_assert_int_eq(sbproc_verdict(p)->status, V_OK);
	ck_assert_int_eq(sbproc_verdict(p)->exit_code, 0);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_killed_by_signal)
{
	struct sandbox *sb = open_sandbox();
	struct sbproc *p = spawn_sh(sb, "kill -SEGV $$", NULL);

	must_end(p, 5000);
	const struct verdict *v = sbproc_verdict(p);
	ck_assert_int_eq(v->status, V_SIGNAL);
	ck_assert_int_eq(v->signal, SIGSEGV);
	ck_assert_str_eq(verdict_code(v->status), "SG");
	struct strbuf d = STRBUF_INIT;
	verdict_describe(v, &d);
	ck_assert_msg(strstr(d.buf, "killed by SIGSEGV") != NULL, "described as '%s'", d.buf);
	sb_release(&d);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_stop_sleeping)
{
	struct sandbox *sb = open_sandbox();
	const char *argv[] = { "sleep", "100", NULL };
	struct sbproc *p = spawn_argv(sb, argv, NULL, 0);
	pid_t pid = sbproc_pid(p);

	ck_assert_int_gt(pid, 0);
	ck_assert(!sbproc_ended(p));
	ck_assert_int_eq(sbproc_wait(p, now_ms() + 50), 0);
	int64_t t0 = now_ms();
	sbproc_stop(p);
	int64_t took = now_ms() - t0;
	ck_assert_msg(took < 2000, "sbproc_stop took %lld ms", (long long)took);
	ck_assert(sbproc_ended(p));
	const struct verdict *v = sbproc_verdict(p);
	ck_assert_int_eq(v->status, V_STOPPED);
	ck_assert_int_eq(v->signal, SIGTERM);
	ck_assert_msg(gone(pid), "pid %d still exists", (int)pid);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_stop_ignores_term)
{
	struct sandbox *sb = open_sandbox();
	char mark[32], script[128];

	make_marker(mark, sizeof mark, 1);
	/* the trap is set once the shell has printed; sleep inherits the ignored SIGTERM */
	snprintf(script, sizeof script, "trap '' TERM; echo ready; sleep %s; exit 0", mark);
	struct sbproc *p = spawn_sh(sb, script, NULL);
	pid_t pid = sbproc_pid(p);
	wait_line(p, 5000);
	pid_t child = wait_marker(mark, 5000);

	int64_t t0 = now_ms();
	sbproc_stop(p);
	int64_t took = now_ms() - t0;
	ck_assert_msg(took < 2000, "sbproc_stop took %lld ms", (long long)took);
	const struct verdict *v = sbproc_verdict(p);
	ck_assert_int_eq(v->status, V_STOPPED);
	ck_assert_int_eq(v->signal, SIGKILL);
	ck_assert_msg(gone(pid), "pid %d still exists", (int)pid);
	ck_assert_msg(gone(child), "its child %d still exists", (int)child);
	ck_assert_int_eq(count_children(), 0);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

/* A setsid()'d daemon: out of the process group, re-parented to the subreaper (none mode). */
START_TEST(test_setsid_daemon_swept)
{
	struct sandbox *sb = open_sandbox();
	char mark[32], script[128];

	make_marker(mark, sizeof mark, 2);
	snprintf(script, sizeof script, "setsid sh -c 'exec sleep %s' & exec sleep 100", mark);
	struct sbproc *p = spawn_sh(sb, script, NULL);
	pid_t leader = sbproc_pid(p);
	pid_t daemon = wait_marker(mark, 5000);

	ck_assert_int_ne(daemon, leader);
	ck_assert_msg(getsid(daemon) == daemon, "pid %d did not start a session", (int)daemon);
	sbproc_stop(p);
	sandbox_sweep(sb);
	ck_assert_int_eq(sbproc_verdict(p)->status, V_STOPPED);
	ck_assert_msg(gone(daemon), "daemon %d survived", (int)daemon);
	ck_assert_msg(!find_marker(mark), "a 'sleep %s' survived", mark);
	ck_assert_msg(gone(leader), "leader %d survived", (int)leader);
	ck_assert_int_eq(count_children(), 0);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

/* A double fork: the middle process exits at once, the grandchild calls setsid. */
START_TEST(test_double_fork_daemon_swept)
{
	struct sandbox *sb = open_sandbox();
	char mark[32], script[128];

	make_marker(mark, sizeof mark, 3);
	snprintf(script, sizeof script, "(setsid sh -c 'exec sleep %s' &); exec sleep 100", mark);
	struct sbproc *p = spawn_sh(sb, script, NULL);
	pid_t daemon = wait_marker(mark, 5000);

	ck_assert_msg(getsid(daemon) == daemon, "pid %d did not start a session", (int)daemon);
	if (mode_is_none(sb)) {
		/* once the middle process is gone, the daemon is the test process's own child */
		int64_t deadline = now_ms() + 2000;
		while (parent_of(daemon) != getpid() && ms_left(deadline))
			usleep(2000);
		ck_assert_int_eq(parent_of(daemon), getpid());
	}
	sbproc_stop(p);
	sandbox_sweep(sb);
	ck_assert_msg(gone(daemon), "daemon %d survived", (int)daemon);
	ck_assert_msg(!find_marker(mark), "a 'sleep %s' survived", mark);
	ck_assert_int_eq(count_children(), 0);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

/*
 * A daemon whose starter ended by itself: in none mode it outlives the
 * program until sandbox_close sweeps it; in a box it dies with the box.
 */
START_TEST(test_close_sweeps_daemon)
{
	struct sandbox *sb = open_sandbox();
	char mark[32], script[128];

	make_marker(mark, sizeof mark, 4);
	snprintf(script, sizeof script, "setsid sh -c 'exec sleep %s' & read x; exit 0", mark);
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	struct sbproc *p = spawn_argv(sb, argv, NULL, 1);
	pid_t daemon = wait_marker(mark, 5000);

	sbproc_close_stdin(p);
	must_end(p, 5000);
	ck_assert_int_eq(sbproc_verdict(p)->status, V_OK);
	if (mode_is_none(sb)) {
		ck_assert_msg(!gone(daemon), "daemon %d ended by itself", (int)daemon);
	} else {
		/* the box goes down with its init, which the sweep waits for */
		sandbox_sweep(sb);
		ck_assert_msg(gone(daemon), "daemon %d outlived its box", (int)daemon);
	}
	sbproc_free(p);
	sandbox_close(sb);
	ck_assert_msg(gone(daemon), "daemon %d survived sandbox_close", (int)daemon);
	ck_assert_msg(!find_marker(mark), "a 'sleep %s' survived", mark);
	ck_assert_int_eq(count_children(), 0);
}
END_TEST

#define TEN_MB (10u << 20)

START_TEST(test_output_cap)
{
	struct sandbox *sb = open_sandbox();
	struct sandbox_limits lim;

	sandbox_default_limits(&lim);
	lim.output_cap = 4096;
	/* 16-byte lines, 10 MiB in all */
	struct sbproc *p = spawn_sh(sb, "yes 0123456789abcde | head -c 10485760", &lim);
	int64_t t0 = now_ms();
	must_end(p, 5000);
	ck_assert_msg(now_ms() - t0 < 5000, "took %lld ms", (long long)(now_ms() - t0));

	const struct verdict *v = sbproc_verdict(p);
	const struct capture *c = sbproc_stdout(p);
	ck_assert_int_eq(v->status, V_OK);
	ck_assert_uint_eq(c->total, TEN_MB);
	size_t kept = c->head.len + c->tail_len;
	ck_assert_uint_le(kept, 4096);
	ck_assert_uint_gt(kept, 0);
	ck_assert_uint_eq(v->output_cut, TEN_MB - kept);
	ck_assert_uint_gt(v->output_cut, 0);

	char *text = text_of(c);
	ck_assert_msg(strstr(text, "bytes cut") != NULL, "no cut marker");
	char marker[64];
	snprintf(marker, sizeof marker, "[... %zu bytes cut ...]", (size_t)(TEN_MB - kept));
	ck_assert_msg(strstr(text, marker) != NULL, "no '%s'", marker);
	ck_assert_msg(!strncmp(text, "0123456789abcde\n", 16), "head is not the first line");
	size_t tl = strlen(text);
	ck_assert_msg(tl > 16 && !strcmp(text + tl - 16, "0123456789abcde\n"),
		      "tail is not the last line");

	struct strbuf last = STRBUF_INIT;
	capture_tail(c, 32, &last);
	ck_assert_uint_eq(last.len, 32);
	ck_assert_str_eq(last.buf, "0123456789abcde\n0123456789abcde\n");
	sb_release(&last);

	struct strbuf d = STRBUF_INIT;
	verdict_describe(v, &d);
	ck_assert_msg(strstr(d.buf, "output limit") != NULL, "described as '%s'", d.buf);
	sb_release(&d);
	free(text);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_cpu_limit)
{
	struct sandbox *sb = open_sandbox();
	struct sandbox_limits lim;

	sandbox_default_limits(&lim);
	lim.cpu_ms = 1000;
	struct sbproc *p = spawn_sh(sb, "while :; do :; done", &lim);
	must_end(p, 6000);
	const struct verdict *v = sbproc_verdict(p);
	ck_assert_int_eq(v->status, V_TIME);
	ck_assert_str_eq(verdict_code(v->status), "TO");
	/* rusage is tick-based: roughly the limit, not exactly */
	ck_assert_int_ge(v->cpu_ms, 500);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_timeout)
{
	struct sandbox *sb = open_sandbox();
	const char *argv[] = { "sleep", "100", NULL };
	struct sbproc *p = spawn_argv(sb, argv, NULL, 0);
	pid_t pid = sbproc_pid(p);

	ck_assert_int_eq(sbproc_wait(p, now_ms() + 100), 0);
	int64_t t0 = now_ms();
	sbproc_timeout(p);
	ck_assert_int_lt(now_ms() - t0, 2000);
	ck_assert(sbproc_ended(p));
	const struct verdict *v = sbproc_verdict(p);
	ck_assert_int_eq(v->status, V_TIME);
	ck_assert_int_ge(v->wall_ms, 100);
	struct strbuf d = STRBUF_INIT;
	verdict_describe(v, &d);
	ck_assert_str_eq(d.buf, "time limit exceeded");
	sb_release(&d);
	sbproc_free(p);
	/* a box's init may still be going down: sandbox_close waits for every one */
	sandbox_close(sb);
	ck_assert_msg(gone(pid), "pid %d still exists", (int)pid);
}
END_TEST

START_TEST(test_run_missing_program)
{
	struct sandbox *sb = open_sandbox();
	const char *argv[] = { "no-such-prog", NULL };
	struct spawn sp = { .argv = argv, .merge_output = 1 };
	struct strbuf out = STRBUF_INIT;
	struct verdict v;
	char err[ERRLEN] = "";

	memset(&v, 0, sizeof v);
	ck_assert_int_eq(sandbox_run(sb, &sp, 5000, &out, &v, err), -1);
	ck_assert_str_eq(err, "cannot run 'no-such-prog': No such file or directory");
	ck_assert_int_eq(count_children(), 0);
	sb_release(&out);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_run_merges_output)
{
	struct sandbox *sb = open_sandbox();
	const char *argv[] = { "/bin/sh", "-c", "echo one; echo two >&2; exit 2", NULL };
	struct spawn sp = { .argv = argv, .merge_output = 1 };
	struct strbuf out = STRBUF_INIT;
	struct verdict v;
	char err[ERRLEN] = "";

	ck_assert_msg(sandbox_run(sb, &sp, 5000, &out, &v, err) == 0, "sandbox_run: %s", err);
	ck_assert_str_eq(out.buf, "one\ntwo\n");
	ck_assert_int_eq(v.status, V_EXIT);
	ck_assert_int_eq(v.exit_code, 2);
	sb_release(&out);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_run_timeout)
{
	struct sandbox *sb = open_sandbox();
	const char *argv[] = { "sleep", "100", NULL };
	struct spawn sp = { .argv = argv, .merge_output = 1 };
	struct strbuf out = STRBUF_INIT;
	struct verdict v;
	char err[ERRLEN] = "";

	int64_t t0 = now_ms();
	ck_assert_msg(sandbox_run(sb, &sp, 200, &out, &v, err) == 0, "sandbox_run: %s", err);
	int64_t took = now_ms() - t0;
	ck_assert_int_ge(took, 200);
	ck_assert_int_lt(took, 2000);
	ck_assert_int_eq(v.status, V_TIME);
	sb_release(&out);
	sandbox_close(sb);
	ck_assert_int_eq(count_children(), 0);
}
END_TEST

/* Parses "Name:\t<hex>" out of /proc/<pid>/status text. */
static unsigned long long status_mask(const char *text, const char *name)
{
	const char *s = strstr(text, name);
	ck_assert_msg(s != NULL, "no %s in '%s'", name, text);
	return strtoull(s + strlen(name), NULL, 16);
}

START_TEST(test_sigpipe_default_in_child)
{
	struct sandbox *sb = open_sandbox();
	sigset_t set;

	/* the harness ignores SIGPIPE and may block signals; the child must not inherit either */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGPIPE);
	sigaddset(&set, SIGUSR1);
	ck_assert_int_eq(sigprocmask(SIG_BLOCK, &set, NULL), 0);

	/* cat itself, not a shell: a shell blocks signals for a moment while it forks */
	const char *argv[] = { "cat", "/proc/self/status", NULL };
	struct sbproc *p = spawn_argv(sb, argv, NULL, 0);
	must_end(p, 5000);
	ck_assert_int_eq(sbproc_verdict(p)->status, V_OK);
	char *st = text_of(sbproc_stdout(p));
	ck_assert_msg((status_mask(st, "SigIgn:") & (1ull << (SIGPIPE - 1))) == 0,
		      "SIGPIPE ignored in the child");
	ck_assert_msg((status_mask(st, "SigBlk:") & (1ull << (SIGPIPE - 1))) == 0,
		      "SIGPIPE blocked in the child");
	ck_assert_msg((status_mask(st, "SigBlk:") & (1ull << (SIGUSR1 - 1))) == 0,
		      "SIGUSR1 blocked in the child");
	free(st);
	sbproc_free(p);

	/* and it dies of it: a shell that inherits an ignored SIGPIPE cannot be killed by one */
	p = spawn_sh(sb, "kill -PIPE $$; exit 7", NULL);
	must_end(p, 5000);
	const struct verdict *v = sbproc_verdict(p);
	ck_assert_int_eq(v->status, V_SIGNAL);
	ck_assert_int_eq(v->signal, SIGPIPE);
	struct strbuf d = STRBUF_INIT;
	verdict_describe(v, &d);
	ck_assert_msg(strstr(d.buf, "killed by SIGPIPE") != NULL, "described as '%s'", d.buf);
	sb_release(&d);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_stdin_pipe)
{
	struct sandbox *sb = open_sandbox();
	const char *argv[] = { "cat", NULL };
	struct sbproc *p = spawn_argv(sb, argv, NULL, 1);

	ck_assert_int_ge(sbproc_stdin(p), 0);
	ck_assert_int_eq(write_all(sbproc_stdin(p), "hello", 5), 0);
	sbproc_close_stdin(p);
	ck_assert_int_eq(sbproc_stdin(p), -1);
	must_end(p, 5000);
	ck_assert_int_eq(sbproc_verdict(p)->status, V_OK);
	char *out = text_of(sbproc_stdout(p));
	ck_assert_str_eq(out, "hello");
	free(out);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_stdin_dev_null)
{
	struct sandbox *sb = open_sandbox();
	const char *argv[] = { "cat", NULL };
	struct sbproc *p = spawn_argv(sb, argv, NULL, 0);

	ck_assert_int_eq(sbproc_stdin(p), -1);
	must_end(p, 5000);
	ck_assert_int_eq(sbproc_verdict(p)->status, V_OK);
	ck_assert_uint_eq(sbproc_stdout(p)->total, 0);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

Suite *make_sandbox_suite(void)
{
	Suite *s = suite_create("sandbox");

	TCase *tc = tcase_create("run");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_exit_code_and_output);
	tcase_add_test(tc, test_exit_zero_is_ok);
	tcase_add_test(tc, test_killed_by_signal);
	tcase_add_test(tc, test_sigpipe_default_in_child);
	tcase_add_test(tc, test_stdin_pipe);
	tcase_add_test(tc, test_stdin_dev_null);
	tcase_add_test(tc, test_run_missing_program);
	tcase_add_test(tc, test_run_merges_output);
	suite_add_tcase(s, tc);

	tc = tcase_create("stop");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_stop_sleeping);
	tcase_add_test(tc, test_stop_ignores_term);
	tcase_add_test(tc, test_setsid_daemon_swept);
	tcase_add_test(tc, test_double_fork_daemon_swept);
	tcase_add_test(tc, test_close_sweeps_daemon);
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_output_cap);
	tcase_add_test(tc, test_cpu_limit);
	tcase_add_test(tc, test_timeout);
	tcase_add_test(tc, test_run_timeout);
	suite_add_tcase(s, tc);

	return s;
}
