/*
 * check_launch: readiness by scanning /proc, never by connecting.
 *
 * The servers are python3 one-liners started through the sandbox. Ports come
 * from binding port 0 and reading the real port back. Every server sleeps for
 * a bounded time, every wait has a deadline, every test case a timeout.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "launch.h"
#include "sandbox.h"
#include "suites.h"
#include "util.h"

#define MAX_EPS 8

/* A port that was free a moment ago, for a socket of type (SOCK_STREAM or SOCK_DGRAM). */
static int free_port(int family, int type)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(family, type, 0);

	ck_assert_int_ge(fd, 0);
	memset(&ss, 0, sizeof ss);
	ss.ss_family = (sa_family_t)family;
	len = family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&ss, len), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&ss, &len), 0);
	int port = ntohs(family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					    : ((struct sockaddr_in *)&ss)->sin_port);
	close(fd);
	ck_assert_int_gt(port, 0);
	return port;
}

/* "family addr port, ..." for failure messages (a static buffer). */
static const char *eps_text(const struct endpoint *eps, int n)
{
	static char text[512];
	size_t len = 0;

	text[0] = '\0';
	for (int i = 0; i < n && len < sizeof text; i++)
		len += (size_t)snprintf(text + len, sizeof text - len, "%s%s %s %d", i ? ", " : "",
					eps[i].family == AF_INET6 ? "inet6" : "inet", eps[i].addr,
					eps[i].port);
	return text;
}

/*
 * Drops repeated endpoints; returns how many are left. /proc/net/tcp6 read in
 * pieces while other processes open and close sockets can list a socket twice.
 */
static int distinct(struct endpoint *eps, int n)
{
	int k = 0;

	for (int i = 0; i < n; i++) {
		int seen = 0;
		for (int j = 0; j < k && !seen; j++)
			seen = eps[j].family == eps[i].family && eps[j].port == eps[i].port &&
			       !strcmp(eps[j].addr, eps[i].addr);
		if (!seen)
			eps[k++] = eps[i];
	}
	return k;
}

static struct sandbox *open_sandbox(void)
{
	char err[ERRLEN] = "";
	struct sandbox *sb = NULL;

	ck_assert_msg(sandbox_open(&sb, err) == 0, "sandbox_open: %s", err);
	return sb;
}

static struct sbproc *spawn_argv(struct sandbox *sb, const char *const *argv)
{
	char err[ERRLEN] = "";
	struct sbproc *p = NULL;
	struct spawn sp = { .argv = argv };

	ck_assert_msg(sandbox_spawn(sb, &sp, &p, err) == 0, "spawn '%s': %s", argv[0], err);
	return p;
}

/* Starts python3 -c with the program text made from fmt. */
static struct sbproc *spawn_py(struct sandbox *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static struct sbproc *spawn_py(struct sandbox *sb, const char *fmt, ...)
{
	struct strbuf prog = STRBUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	sb_vaddf(&prog, fmt, ap);
	va_end(ap);
	const char *argv[] = { "python3", "-c", prog.buf, NULL };
	struct sbproc *p = spawn_argv(sb, argv);
	sb_release(&prog);
	return p;
}

static struct sbproc *spawn_sh(struct sandbox *sb, const char *script)
{
	const char *argv[] = { "/bin/sh", "-c", script, NULL };
	return spawn_argv(sb, argv);
}

/* Waits for readiness with a 5 s deadline and asserts exactly one endpoint on port. */
static struct endpoint ready_on(struct sbproc *p, const char *proto, int port)
{
	struct endpoint eps[MAX_EPS];
	int n = -1;

	memset(eps, 0, sizeof eps);
	int r = launch_wait_ready(p, proto, now_ms() + 5000, eps, MAX_EPS, &n, NULL);
	ck_assert_msg(r == 1, "launch_wait_ready: %d (status %s)", r,
		      verdict_code(sbproc_verdict(p)->status));
	n = distinct(eps, n);
	ck_assert_msg(n == 1 && eps[0].port == port, "want port %d, have %s", port,
		      eps_text(eps, n));
	return eps[0];
}

START_TEST(test_delayed_listener_any_no_connect)
{
	struct sandbox *sb = open_sandbox();
	int port = free_port(AF_INET, SOCK_STREAM);
	struct sbproc *p = spawn_py(sb,
		"import socket,time\n"
		"time.sleep(0.3)\n"
		"s=socket.socket()\n"
		"s.bind(('0.0.0.0',%d))\n"
		"s.listen(1)\n"
		"s.settimeout(0.5)\n"
		"try:\n"
		"  s.accept()\n"
		"  print('client')\n"
		"except socket.timeout:\n"
		"  print('no client')\n",
		port);

	int64_t t0 = now_ms();
	struct endpoint ep = ready_on(p, "tcp", port);
	ck_assert_int_ge(now_ms() - t0, 250);
	ck_assert_int_eq(ep.family, AF_INET);
	ck_assert_str_eq(ep.addr, "0.0.0.0");
	ck_assert(endpoint_is_any(&ep));

	ck_assert_int_eq(sbproc_wait(p, now_ms() + 5000), 1);
	ck_assert_int_eq(sbproc_verdict(p)->status, V_OK);
	struct strbuf out = STRBUF_INIT;
	capture_text(sbproc_stdout(p), &out);
	ck_assert_str_eq(out.buf, "no client\n");
	sb_release(&out);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_loopback_listener)
{
	struct sandbox *sb = open_sandbox();
	int port = free_port(AF_INET, SOCK_STREAM);
	struct sbproc *p = spawn_py(sb,
		"import socket,time\n"
		"s=socket.socket()\n"
		"s.bind(('127.0.0.1',%d))\n"
		"s.listen(1)\n"
		"time.sleep(30)\n",
		port);

	struct endpoint ep = ready_on(p, "tcp", port);
	ck_assert_int_eq(ep.family, AF_INET);
	ck_assert_str_eq(ep.addr, "127.0.0.1");
	ck_assert(!endpoint_is_any(&ep));
	sbproc_stop(p);
	ck_assert_int_eq(sbproc_verdict(p)->status, V_STOPPED);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_dual_stack_listener)
{
	struct sandbox *sb = open_sandbox();
	int port = free_port(AF_INET6, SOCK_STREAM);
	struct sbproc *p = spawn_py(sb,
		"import socket,time\n"
		"s=socket.socket(socket.AF_INET6)\n"
		"s.setsockopt(socket.IPPROTO_IPV6,socket.IPV6_V6ONLY,0)\n"
		"s.bind(('::',%d))\n"
		"s.listen(1)\n"
		"time.sleep(30)\n",
		port);

	struct endpoint ep = ready_on(p, "tcp", port);
	ck_assert_int_eq(ep.family, AF_INET6);
	ck_assert_str_eq(ep.addr, "::");
	ck_assert(endpoint_is_any(&ep));
	sbproc_stop(p);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_two_listeners)
{
	struct sandbox *sb = open_sandbox();
	int p4 = free_port(AF_INET, SOCK_STREAM), p6 = free_port(AF_INET6, SOCK_STREAM);
	struct sbproc *p = spawn_py(sb,
		"import socket,time\n"
		"a=socket.socket()\n"
		"a.bind(('127.0.0.1',%d))\n"
		"b=socket.socket(socket.AF_INET6)\n"
		"b.bind(('::1',%d))\n"
		"b.listen(1)\n"
		"a.listen(1)\n"
		"time.sleep(30)\n",
		p4, p6);

	/* both may not be there on the first scan that sees one */
	struct endpoint eps[MAX_EPS];
	int n = 0;
	int64_t deadline = now_ms() + 5000;
	ck_assert_int_eq(launch_wait_ready(p, "tcp", deadline, eps, MAX_EPS, &n, NULL), 1);
	n = distinct(eps, n);
	while (n < 2 && ms_left(deadline)) {
		usleep(5000);
		n = distinct(eps, launch_scan(sbproc_pid(p), "tcp", eps, MAX_EPS));
	}
	ck_assert_msg(n == 2, "%d endpoints: %s", n, eps_text(eps, n));
	/* the tcp table comes before tcp6 */
	ck_assert_int_eq(eps[0].family, AF_INET);
	ck_assert_int_eq(eps[0].port, p4);
	ck_assert_str_eq(eps[0].addr, "127.0.0.1");
	ck_assert_int_eq(eps[1].family, AF_INET6);
	ck_assert_int_eq(eps[1].port, p6);
	ck_assert_str_eq(eps[1].addr, "::1");
	ck_assert(!endpoint_is_any(&eps[1]));
	/* max is honoured */
	ck_assert_int_eq(launch_scan(sbproc_pid(p), "tcp", eps, 1), 1);
	sbproc_stop(p);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_listener_in_child)
{
	struct sandbox *sb = open_sandbox();
	int port = free_port(AF_INET, SOCK_STREAM);
	char script[512];

	snprintf(script, sizeof script,
		 "python3 -c 'import socket,time\n"
		 "s=socket.socket()\n"
		 "s.bind((\"0.0.0.0\",%d))\n"
		 "s.listen(1)\n"
		 "time.sleep(30)' &\n"
		 "wait\n",
		 port);
	struct sbproc *p = spawn_sh(sb, script);

	struct endpoint ep = ready_on(p, "tcp", port);
	ck_assert_str_eq(ep.addr, "0.0.0.0");
	/* the listener is the shell's child, not the shell itself */
	char exe_path[64], exe[256];
	snprintf(exe_path, sizeof exe_path, "/proc/%d/exe", (int)sbproc_pid(p));
	ssize_t len = readlink(exe_path, exe, sizeof exe - 1);
	ck_assert_int_gt(len, 0);
	exe[len] = '\0';
	ck_assert_msg(!strstr(exe, "python"), "the spawned process is '%s'", exe);
	sbproc_stop(p);
	ck_assert_int_eq(sbproc_verdict(p)->status, V_STOPPED);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_udp_bound)
{
	struct sandbox *sb = open_sandbox();
	int port = free_port(AF_INET, SOCK_DGRAM);
	struct sbproc *p = spawn_py(sb,
		"import socket,time\n"
		"s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
		"s.bind(('0.0.0.0',%d))\n"
		"time.sleep(30)\n",
		port);

	struct endpoint ep = ready_on(p, "udp", port);
	ck_assert_int_eq(ep.family, AF_INET);
	ck_assert_str_eq(ep.addr, "0.0.0.0");
	ck_assert(endpoint_is_any(&ep));

	struct endpoint eps[MAX_EPS];
	int n = -1;
	int64_t t0 = now_ms();
	ck_assert_int_eq(launch_wait_ready(p, "tcp", now_ms() + 100, eps, MAX_EPS, &n, NULL), 0);
	ck_assert_int_eq(n, 0);
	ck_assert_int_ge(now_ms() - t0, 100);
	sbproc_stop(p);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

/* A TCP socket that is bound or connected but not listening does not count. */
START_TEST(test_tcp_not_listening)
{
	struct sandbox *sb = open_sandbox();
	/* a listener of the test's own for the server to connect to; never accepted */
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof a;
	ck_assert_int_ge(lfd, 0);
	ck_assert_int_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(lfd, 4), 0);
	ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&a, &alen), 0);

	int port = free_port(AF_INET, SOCK_STREAM);
	struct sbproc *p = spawn_py(sb,
		"import socket,time\n"
		"s=socket.socket()\n"
		"s.bind(('0.0.0.0',%d))\n"
		"c=socket.create_connection(('127.0.0.1',%d))\n"
		"print('connected',flush=True)\n"
		"time.sleep(30)\n",
		port, ntohs(a.sin_port));

	/* wait until it has bound and connected, then it must still not be ready */
	int64_t deadline = now_ms() + 5000;
	while (sbproc_stdout(p)->total == 0 && !sbproc_ended(p)) {
		ck_assert_msg(ms_left(deadline) > 0, "server did not start");
		struct pollfd fds[3];
		int nf = sbproc_pollfds(p, fds, 3);
		if (poll(fds, (nfds_t)nf, ms_left(deadline)) > 0)
			sbproc_events(p, fds, nf);
	}
	ck_assert_msg(!sbproc_ended(p), "server ended: %s",
		      verdict_code(sbproc_verdict(p)->status));
	struct endpoint eps[MAX_EPS];
	int n = -1;
	ck_assert_int_eq(launch_wait_ready(p, "tcp", now_ms() + 50, eps, MAX_EPS, &n, NULL), 0);
	ck_assert_msg(n == 0, "%d endpoints: %s", n, eps_text(eps, n));
	ck_assert_int_eq(launch_scan(sbproc_pid(p), "udp", eps, MAX_EPS), 0);
	sbproc_stop(p);
	sbproc_free(p);
	close(lfd);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_exits_before_listening)
{
	struct sandbox *sb = open_sandbox();
	struct sbproc *p = spawn_sh(sb, "sleep 0.1; exit 1");
	struct endpoint eps[MAX_EPS];
	int n = -1;

	int64_t t0 = now_ms();
	ck_assert_int_eq(launch_wait_ready(p, "tcp", now_ms() + 5000, eps, MAX_EPS, &n, NULL), -1);
	int64_t took = now_ms() - t0;
	ck_assert_msg(took < 1000, "noticed the exit after %lld ms", (long long)took);
	ck_assert_int_eq(n, 0);
	ck_assert(sbproc_ended(p));
	ck_assert_int_eq(sbproc_verdict(p)->status, V_EXIT);
	ck_assert_int_eq(sbproc_verdict(p)->exit_code, 1);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_never_listens)
{
	struct sandbox *sb = open_sandbox();
	const char *argv[] = { "sleep", "100", NULL };
	struct sbproc *p = spawn_argv(sb, argv);
	struct endpoint eps[MAX_EPS];
	int n = -1;

	int64_t blocked_us = 0;
	int64_t t0 = now_ms();
	ck_assert_int_eq(launch_wait_ready(p, "tcp", t0 + 300, eps, MAX_EPS, &n, &blocked_us), 0);
	int64_t took = now_ms() - t0;
	ck_assert_msg(took >= 300 && took < 2000, "returned after %lld ms", (long long)took);
	ck_assert_int_eq(n, 0);
	/* it spent most of the wait in poll(), and no more than the whole wait */
	ck_assert_msg(blocked_us >= 100000 && blocked_us <= (took + 1) * 1000,
		      "blocked %lld us of %lld ms", (long long)blocked_us, (long long)took);
	ck_assert(!sbproc_ended(p));
	sbproc_stop(p);
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

/*
 * A listener in a network namespace other than the harness's: netlink cannot
 * see it, so the scan reads /proc/<pid>/net/tcp{,6}, which shows the
 * process's own namespace.
 */
START_TEST(test_listener_in_another_netns)
{
	struct sandbox *sb = open_sandbox();
	int port = free_port(AF_INET, SOCK_STREAM);
	char prog[256];
	snprintf(prog, sizeof prog,
		 "import socket,time\n"
		 "s=socket.socket(); s.bind(('0.0.0.0', %d)); s.listen(); time.sleep(10)\n", port);
	/* -r: a user namespace too, so that no root is needed for the network one */
	const char *argv[] = { "unshare", "-rn", "python3", "-c", prog, NULL };
	struct sbproc *p = spawn_argv(sb, argv);
	struct endpoint ep = ready_on(p, "tcp", port);
	ck_assert_str_eq(ep.addr, "0.0.0.0");
	sbproc_free(p);
	sandbox_close(sb);
}
END_TEST

START_TEST(test_endpoint_is_any)
{
	struct endpoint ep = { AF_INET, "0.0.0.0", 1 };

	ck_assert(endpoint_is_any(&ep));
	strcpy(ep.addr, "127.0.0.1");
	ck_assert(!endpoint_is_any(&ep));
	ep.family = AF_INET6;
	strcpy(ep.addr, "::");
	ck_assert(endpoint_is_any(&ep));
	strcpy(ep.addr, "::1");
	ck_assert(!endpoint_is_any(&ep));
}
END_TEST

Suite *make_launch_suite(void)
{
	Suite *s = suite_create("launch");

	TCase *tc = tcase_create("ready");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_endpoint_is_any);
	tcase_add_test(tc, test_listener_in_another_netns);
	tcase_add_test(tc, test_delayed_listener_any_no_connect);
	tcase_add_test(tc, test_loopback_listener);
	tcase_add_test(tc, test_dual_stack_listener);
	tcase_add_test(tc, test_two_listeners);
	tcase_add_test(tc, test_listener_in_child);
	tcase_add_test(tc, test_udp_bound);
	suite_add_tcase(s, tc);

	tc = tcase_create("not_ready");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_tcp_not_listening);
	tcase_add_test(tc, test_exits_before_listening);
	tcase_add_test(tc, test_never_listens);
	suite_add_tcase(s, tc);

	return s;
}
