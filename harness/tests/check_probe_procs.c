/*
 * check_probe_procs: the interpreter's process steps (signals, stdin, exit expectations,
 * health), UDP beside TCP, and fairness to real student code (half-closing clients, forking
 * servers, children and zombies), run against tiny peers as check_probe.c's tests are
 * (probe_fx.h says how).
 */
#include "probe_fx.h"


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


Suite *make_probe_procs_suite(void)
{
	Suite *s = suite_create("probe_procs");
	TCase *tc;

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
	tcase_add_test(tc, udp_echo_none_and_reply);
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
