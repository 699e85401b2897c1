/*
 * check_inet: the address families of probes (probe/inet.c): what start's
 * address and dual_stack demand of a server's sockets, and {peer_host} and
 * {peer_port}. Peers are python3 scripts, as in check_probe.c; each test runs
 * in a process of its own whose sandbox_open gives it a network of its own
 * (127.0.0.1 and ::1 on its loopback), whatever the host's network is.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "spec.h"
#include "suites.h"
#include "util.h"

#define PYTHON "/usr/bin/python3"
#define PRELUDE "import socket, sys, time\\nimport signal\\nsignal.alarm(10)\\n"

/* Servers on {port}: IPv4 only, IPv6 only, and IPv6 with IPV6_V6ONLY off (dual stack). */
#define V4 "s = socket.socket(socket.AF_INET)\\ns.bind(('0.0.0.0', int(sys.argv[1])))\\n"
#define V6 "s = socket.socket(socket.AF_INET6)\\n" \
	   "s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, %d)\\n" \
	   "s.bind(('::', int(sys.argv[1])))\\n"
#define SERVE "s.listen()\\nc, a = s.accept()\\nprint(a[0], a[1], flush=True)\\ntime.sleep(5)\\n"

struct fx {
	struct spec *spec;
	struct sandbox *sb;
	char dir[64];
	char *bins[1];
	char *why[1];
	struct probe_env env;
};

/* A spec whose one program srv runs code; probes as given. */
static void fx_load(struct fx *f, const char *code, const char *probes)
{
	static char python[] = PYTHON;
	char err[ERRLEN] = "";
	char *yaml = xasprintf("lab: t\nprograms:\n  srv:\n    sources: [srv.c]\n    ready: tcp\n"
			       "    argv: [\"-S\", \"-c\", \"" PRELUDE "%s\", \"{port}\"]\nprobes:\n%s",
			       code, probes);
	memset(f, 0, sizeof *f);
	ck_assert_msg(spec_load_string("t.yaml", yaml, strlen(yaml), &f->spec, err) == 0, "%s in:\n%s",
		      err, yaml);
	free(yaml);
	snprintf(f->dir, sizeof f->dir, "/tmp/check_inet.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(f->dir));
	ck_assert_msg(sandbox_open(&f->sb, err) == 0, "sandbox_open: %s", err);
	ck_assert_msg(sandbox_prepare_dir(f->sb, f->dir, err) == 0, "%s", err);
	f->bins[0] = python;
	f->env = (struct probe_env){ .spec = f->spec, .sb = f->sb, .workdir = f->dir,
				     .bins = f->bins, .build_why = f->why, .seed = 42 };
}

static void fx_end(struct fx *f)
{
	sandbox_close(f->sb);
	spec_free(f->spec);
	remove_tree(f->dir);
}

/* Runs the spec's first probe; returns why it failed, or NULL (to be freed). */
static char *run_first(struct fx *f)
{
	struct probe_result res;
	probe_execute(&f->env, &f->spec->probes[0], &res);
	char *why = res.why ? xstrdup(res.why) : NULL;
	probe_result_release(&res);
	return why;
}

static char *outcome(const char *code, const char *probes)
{
	struct fx f;
	fx_load(&f, code, probes);
	char *why = run_first(&f);
	fx_end(&f);
	return why;
}

#define DUAL "  - name: p\n    steps: [{start: srv, dual_stack: true}, {connect: }]\n"
#define SIX "  - name: p\n    steps: [{start: srv, address: \"::\"}, {connect: , family: ipv6}]\n"

static char *v6(int only)
{
	return xasprintf(V6 SERVE, only);
}

START_TEST(dual_stack_needs_both_families)
{
	char *code = v6(0), *why = outcome(code, DUAL);
	ck_assert_msg(!why, "a dual-stack server failed: %s", why);
	free(code);

	code = v6(1);
	why = outcome(code, DUAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(why, "srv listens on IPv6 only (:: with IPV6_V6ONLY set), so IPv4 clients are "
			      "refused: set IPV6_V6ONLY to 0 before bind(), or listen on 0.0.0.0 too");
	free(why);
	free(code);

	why = outcome(V4 SERVE, DUAL);
	ck_assert_ptr_nonnull(why);
	ck_assert_str_eq(why, "srv listens on 0.0.0.0 only, not on IPv6 and IPv4 both (dual stack): use an "
			      "AF_INET6 socket bound to in6addr_any with IPV6_V6ONLY set to 0");
	free(why);
}
END_TEST

START_TEST(ipv6_listener_demanded)
{
	char *code = v6(1), *why = outcome(code, SIX);
	ck_assert_msg(!why, "an IPv6 server failed: %s", why);
	free(code);
	why = outcome(V4 SERVE, SIX);
	ck_assert_ptr_nonnull(why);
	ck_assert_msg(!strncmp(why, "srv does not listen on IPv6 (::) port ", 38) &&
			      strstr(why, ": it listens on 0.0.0.0 only; use an AF_INET6 socket bound to in6addr_any"),
		      "%s", why);
	free(why);
}
END_TEST

/* The address the server printed for its client is the harness's end of the connection. */
START_TEST(peer_address_of_a_connection)
{
	char *code = v6(0);
	char *why = outcome(code, "  - name: p\n    steps:\n      - start: srv\n"
				  "      - connect: six\n        family: ipv6\n"
				  "      - expect_stdout: \"{peer_host} {six.peer_port}\\n\"\n");
	ck_assert_msg(!why, "%s", why);
	/* an IPv4 client of a dual-stack server is seen as an IPv4-mapped address */
	why = outcome(code, "  - name: p\n    steps:\n      - start: srv\n"
			    "      - connect:\n"
			    "      - expect_stdout: \"::ffff:{peer_host} {peer_port}\\n\"\n");
	ck_assert_msg(!why, "%s", why);
	/* and a wrong port is seen */
	why = outcome(code, "  - name: p\n    steps:\n      - start: srv\n"
			    "      - connect:\n"
			    "      - expect_stdout: \"::ffff:{peer_host} {port}\\n\"\n"
			    "        within: 300ms\n");
	ck_assert_ptr_nonnull(why);
	free(why);
	free(code);
}
END_TEST

Suite *make_inet_suite(void)
{
	Suite *s = suite_create("inet");
	TCase *tc = tcase_create("inet");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, dual_stack_needs_both_families);
	tcase_add_test(tc, ipv6_listener_demanded);
	tcase_add_test(tc, peer_address_of_a_connection);
	suite_add_tcase(s, tc);
	return s;
}
