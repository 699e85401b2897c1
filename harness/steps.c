/*
 * steps: the vocabulary of probes, one table row per step kind: its name,
 * what its value and each of its options may be. spec/ checks a spec
 * against it; the interpreter (probe/) runs each step by its kind. A new
 * step kind is a row here, a name in enum step_kind, and its function in
 * probe/ (with its case in run_step, which the compiler asks for).
 */
#include "steps.h"

#include <string.h>

static const struct opt_def o_start[] = {
	{ "argv", OPT_LIST, NULL }, { "ready", OPT_ENUM, "tcp|udp|none" },
	{ "ready_within", OPT_DURATION, NULL }, { "any_port", OPT_BOOL, NULL },
	{ "address", OPT_ENUM, "any|::|0.0.0.0" },
	{ "dual_stack", OPT_BOOL, NULL }, { "stdin", OPT_TEXT, NULL }, { "stdin_open", OPT_BOOL, NULL },
	{ "same_port", OPT_BOOL, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_connect[] = {
	{ "host", OPT_TEXT, NULL }, { "port", OPT_TEXT, NULL }, { "family", OPT_ENUM, "ipv4|ipv6" },
	{ "refused", OPT_BOOL, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_send[] = {
	{ "conn", OPT_NAME, NULL }, { "pieces", OPT_INT, NULL }, { "pause", OPT_DURATION, NULL },
	{ "hex", OPT_BOOL, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_payload[] = {
	{ "conn", OPT_NAME, NULL }, { "chunk", OPT_SIZE, NULL }, { "pause", OPT_DURATION, NULL },
	{ "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_conn_within[] = {
	{ "conn", OPT_NAME, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_conn[] = { { "conn", OPT_NAME, NULL }, { NULL, 0, NULL } };
static const struct opt_def o_program[] = { { "program", OPT_PROGRAM, NULL }, { NULL, 0, NULL } };
static const struct opt_def o_program_within[] = {
	{ "program", OPT_PROGRAM, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_signal[] = {
	{ "program", OPT_PROGRAM, NULL }, { "ended_ok", OPT_BOOL, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_within[] = { { "within", OPT_DURATION, NULL }, { NULL, 0, NULL } };
static const struct opt_def o_release[] = {
	{ "after_children", OPT_BOOL, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_close[] = {
	{ "after_peer", OPT_BOOL, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_stdin[] = {
	{ "program", OPT_PROGRAM, NULL }, { "close", OPT_BOOL, NULL }, { "within", OPT_DURATION, NULL },
	{ NULL, 0, NULL },
};
static const struct opt_def o_socket[] = { { "socket", OPT_NAME, NULL }, { NULL, 0, NULL } };
static const struct opt_def o_expect[] = {
	{ "conn", OPT_NAME, NULL }, { "match", OPT_ENUM, "exact|prefix|contains|regex" },
	{ "ignore_case", OPT_BOOL, NULL },
	{ "tolerate", OPT_ENUM, "none|nul_or_newline" }, { "from", OPT_ENUM, "reference" },
	{ "length", OPT_SIZE, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_expect_eof[] = {
	{ "conn", OPT_NAME, NULL }, { "reset_ok", OPT_BOOL, NULL }, { "within", OPT_DURATION, NULL },
	{ NULL, 0, NULL },
};
static const struct opt_def o_none[] = { { NULL, 0, NULL } };
static const struct opt_def o_listen[] = {
	{ "proto", OPT_ENUM, "tcp|udp" }, { "family", OPT_ENUM, "ipv4|ipv6" }, { NULL, 0, NULL },
};
static const struct opt_def o_accept[] = {
	{ "listener", OPT_NAME, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_random[] = {
	{ "length", OPT_INT, NULL }, { "charset", OPT_ENUM, "alnum|alpha|digits|bytes" },
	{ "min", OPT_TEXT, NULL }, { "max", OPT_TEXT, NULL }, { "choice", OPT_LIST, NULL },
	{ NULL, 0, NULL },
};
static const struct opt_def o_exit[] = {
	{ "program", OPT_PROGRAM, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_stdout[] = {
	{ "program", OPT_PROGRAM, NULL }, { "match", OPT_ENUM, "exact|prefix|contains|regex|line" },
	{ "ignore_case", OPT_BOOL, NULL }, { "from", OPT_ENUM, "reference" },
	{ "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_udp_send[] = {
	{ "socket", OPT_NAME, NULL }, { "host", OPT_TEXT, NULL }, { "port", OPT_TEXT, NULL },
	{ "family", OPT_ENUM, "ipv4|ipv6" }, { NULL, 0, NULL },
};
static const struct opt_def o_udp_expect[] = {
	{ "socket", OPT_NAME, NULL }, { "match", OPT_ENUM, "exact|prefix|contains|regex" },
	{ "ignore_case", OPT_BOOL, NULL }, { "from", OPT_ENUM, "reference" },
	{ "sender", OPT_ENUM, "server|any" },
	{ "echo", OPT_BOOL, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};
static const struct opt_def o_write_file[] = {
	{ "text", OPT_TEXT, NULL }, { "random", OPT_SIZE, NULL }, { "var", OPT_NAME, NULL },
	{ NULL, 0, NULL },
};
static const struct opt_def o_expect_file[] = {
	{ "text", OPT_TEXT, NULL }, { "sent", OPT_NAME, NULL }, { "received", OPT_NAME, NULL },
	{ "size", OPT_SIZE, NULL }, { "within", OPT_DURATION, NULL }, { NULL, 0, NULL },
};

static const struct step_def step_table[] = {
	{ "start", OPT_PROGRAM, 1, o_start, STEP_START, NULL, 0 },
	{ "connect", OPT_NAME, 0, o_connect, STEP_CONNECT, NULL, 0 },
	{ "send", OPT_TEXT, 1, o_send, STEP_SEND, NULL, 1 },
	{ "expect", OPT_TEXT, 0, o_expect, STEP_EXPECT, NULL, 1 },
	{ "expect_eof", OPT_NONE, 0, o_expect_eof, STEP_EXPECT_EOF, NULL, 0 },
	{ "close", OPT_NAME, 0, o_close, STEP_CLOSE, NULL, 0 },
	{ "abort", OPT_NAME, 0, o_none, STEP_ABORT, NULL, 0 },
	{ "listen", OPT_NAME, 0, o_listen, STEP_LISTEN, NULL, 0 },
	{ "accept", OPT_NAME, 0, o_accept, STEP_ACCEPT, NULL, 0 },
	{ "unused_port", OPT_NONE, 0, o_none, STEP_UNUSED_PORT, NULL, 0 },
	{ "random", OPT_NAME, 1, o_random, STEP_RANDOM, NULL, 0 },
	{ "pause", OPT_DURATION, 1, o_none, STEP_PAUSE, NULL, 0 },
	{ "expect_exit", OPT_EXIT, 1, o_exit, STEP_EXPECT_EXIT, NULL, 0 },
	{ "expect_stdout", OPT_TEXT, 0, o_stdout, STEP_EXPECT_STDOUT, NULL, 0 },
	{ "expect_stderr", OPT_TEXT, 0, o_stdout, STEP_EXPECT_STDERR, NULL, 0 },
	{ "udp_send", OPT_TEXT, 1, o_udp_send, STEP_UDP_SEND, NULL, 0 },
	{ "udp_expect", OPT_TEXT, 0, o_udp_expect, STEP_UDP_EXPECT, NULL, 0 },
	{ "udp_expect_none", OPT_DURATION, 1, o_socket, STEP_UDP_EXPECT_NONE, NULL, 0 },
	{ "udp_reply", OPT_TEXT, 1, o_socket, STEP_UDP_REPLY, NULL, 0 },
	{ "send_payload", OPT_SIZE, 1, o_payload, STEP_SEND_PAYLOAD, NULL, 0 },
	{ "expect_echo", OPT_NONE, 0, o_conn_within, STEP_EXPECT_ECHO, NULL, 0 },
	{ "flood", OPT_SIZE, 1, o_conn_within, STEP_FLOOD, NULL, 0 },
	{ "shutdown", OPT_NAME, 0, o_none, STEP_SHUTDOWN, NULL, 0 },
	{ "expect_silence", OPT_DURATION, 1, o_conn, STEP_EXPECT_SILENCE, NULL, 0 },
	{ "expect_reset", OPT_NONE, 0, o_conn_within, STEP_EXPECT_RESET, NULL, 0 },
	{ "signal", OPT_ENUM, 1, o_signal, STEP_SIGNAL,
	  "SIGINT|SIGTERM|SIGHUP|SIGKILL|SIGUSR1|SIGUSR2", 0 },
	{ "alive", OPT_PROGRAM, 0, o_none, STEP_ALIVE, NULL, 0 },
	{ "stdin", OPT_TEXT, 1, o_stdin, STEP_STDIN, NULL, 0 },
	{ "expect_no_zombies", OPT_NONE, 0, o_program_within, STEP_EXPECT_NO_ZOMBIES, NULL, 0 },
	{ "expect_no_fd_leak", OPT_NONE, 0, o_program, STEP_EXPECT_NO_FD_LEAK, NULL, 0 },
	{ "hold", OPT_PROGRAM, 0, o_within, STEP_HOLD, NULL, 0 },
	{ "release", OPT_PROGRAM, 0, o_release, STEP_RELEASE, NULL, 0 },
	{ "expect_children_exit", OPT_NONE, 0, o_program_within, STEP_EXPECT_CHILDREN_EXIT, NULL, 0 },
	{ "write_file", OPT_FILE, 1, o_write_file, STEP_WRITE_FILE, NULL, 0 },
	{ "expect_file", OPT_FILE, 1, o_expect_file, STEP_EXPECT_FILE, NULL, 0 },
};

const struct step_def *step_def_find(const char *name)
{
	for (size_t i = 0; i < sizeof step_table / sizeof *step_table; i++)
		if (!strcmp(step_table[i].name, name))
			return &step_table[i];
	return NULL;
}

const struct step_def *step_defs(size_t *n)
{
	*n = sizeof step_table / sizeof *step_table;
	return step_table;
}
