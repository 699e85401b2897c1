/*
 * check_probe: the interpreter's steps, run against tiny peers.
 * (1.2k lines: 26 tests of the stream steps, clients, UDP and repeated runs, each a probe and its peer.)
 * The stream steps, clients, UDP, repeated runs; processes, UDP beside TCP and fairness to
 * real student code are in check_probe_procs.c, the fixture in probe_fx.h.
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
#include "probe_fx.h"

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

	/* the coverage pass runs each probe once: the count goes from 7 to 8, a failed run is bare */
	f.env.once = 1;
	fx_run(&f, "flaky", &res);
	ck_assert_int_eq(res.runs, 1);
	ck_failed(res, 2, "received bytes differ from the expected at byte 0");
	probe_result_release(&res);
	count = (struct strbuf)STRBUF_INIT;
	ck_assert_int_eq(read_file(path, &count), 0);
	ck_assert_str_eq(count.buf, "8");
	sb_release(&count);
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

Suite *make_probe_suite(void)
{
	Suite *s = suite_create("probe");
	TCase *tc;

	tc = tcase_create("tcp");
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

	tc = tcase_create("udp");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, udp_send_and_expect);
	suite_add_tcase(s, tc);

	tc = tcase_create("runs");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, random_values_are_seeded);
	tcase_add_test(tc, expect_from_reference);
	tcase_add_test(tc, repeat_counts_failed_runs);
	tcase_add_test(tc, stops_what_ignores_sigterm_and_escapes);
	suite_add_tcase(s, tc);
	return s;
}
