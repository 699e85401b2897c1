/* spec_check: each static check refuses one spec with its position and what to write instead. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "spec_check.h"
#include "suites.h"
#include "util.h"

/* lines 1-8; the first step is on line 9, its key at column 9 */
#define HEAD "lab: t\nprograms:\n  srv:\n    sources: [srv.c]\n    argv: [\"{port}\"]\n" \
	     "probes:\n  - name: p\n    steps:\n"

static void bad(const char *steps, const char *want)
{
	struct spec *s = NULL;
	char err[ERRLEN] = "";
	char *text = xasprintf("%s%s", HEAD, steps);
	int rc = spec_load_string("t.yaml", text, strlen(text), &s, err);
	if (rc == 0) {
		rc = spec_check(s, err);
		spec_free(s);
	}
	ck_assert_msg(rc == -1, "expected an error for:\n%s", text);
	ck_assert_str_eq(err, want);
	free(text);
}

static struct spec *good(const char *steps)
{
	struct spec *s = NULL;
	char err[ERRLEN] = "";
	char *text = xasprintf("%s%s", HEAD, steps);
	int rc = spec_load_string("t.yaml", text, strlen(text), &s, err);
	if (rc == 0)
		rc = spec_check(s, err);
	ck_assert_msg(rc == 0, "unexpected error: %s\nfor:\n%s", err, text);
	free(text);
	return s;
}

START_TEST(variable_before_it_is_set)
{
	bad("      - start: srv\n      - connect:\n      - send: \"{word}\\n\"\n      - random: word\n",
	    "t.yaml:11:15: 'send': no variable 'word' is set before this step (set it with a "
	    "'random:' step (or 'start:', 'listen:', 'unused_port:' for {port} and {host}) before, "
	    "or write '{{word}}' for the braces themselves)");
}
END_TEST

/* What the steps of files, IPv6 and binary fields set is known: each use below is after it. */
START_TEST(names_the_newer_steps_set)
{
	spec_free(good("      - write_file: data.bin\n        random: 1KiB\n        var: payload\n"
		       "      - start: srv\n      - connect:\n      - expect: \"{payload}\"\n"
		       "      - expect_stdout: \"client port {peer_port} {c.peer_host}\"\n"
		       "      - expect: [{u8: {into: n}}]\n      - send: {u8: \"{n}\"}\n"));
	/* and a field's variable is checked as a text's is */
	bad("      - start: srv\n      - connect:\n      - send: {u8: \"{m}\"}\n",
	    "t.yaml:11:20: 'send': no variable 'm' is set before this step (set it with a "
	    "'random:' step (or 'start:', 'listen:', 'unused_port:' for {port} and {host}) before, "
	    "or write '{{m}}' for the braces themselves)");
}
END_TEST

START_TEST(variable_in_an_option)
{
	bad("      - connect:\n        host: \"{server}\"\n",
	    "t.yaml:10:15: 'host': no variable 'server' is set before this step (set it with a "
	    "'random:' step (or 'start:', 'listen:', 'unused_port:' for {port} and {host}) before, "
	    "or write '{{server}}' for the braces themselves)");
}
END_TEST

START_TEST(connection_before_it_exists)
{
	bad("      - start: srv\n      - connect: c1\n      - send: hi\n        conn: c2\n",
	    "t.yaml:12:15: 'send': no connection 'c2' exists before this step (make it with a "
	    "'connect:' or 'accept:' step before this one)");
}
END_TEST

START_TEST(default_connection_before_it_exists)
{
	bad("      - start: srv\n      - expect_eof:\n",
	    "t.yaml:10:9: 'expect_eof': no connection 'c' (the default name) exists before this "
	    "step (make it with a 'connect:' or 'accept:' step before this one)");
}
END_TEST

START_TEST(listener_before_it_exists)
{
	bad("      - accept:\n",
	    "t.yaml:9:9: 'accept': no listener 'l' (the default name) exists before this step "
	    "(make it with a 'listen:' step before this one)");
}
END_TEST

START_TEST(udp_socket_before_it_exists)
{
	bad("      - start: srv\n      - udp_expect: hi\n",
	    "t.yaml:10:9: 'udp_expect': no UDP socket 'u' (the default name) exists before this "
	    "step (make it with a 'udp_send:' step (or 'listen:' with 'proto: udp') before this one)");
}
END_TEST

START_TEST(program_not_in_programs)
{
	bad("      - start: svr\n",
	    "t.yaml:9:16: no program 'svr' in this spec (did you mean 'srv'?)");
}
END_TEST

START_TEST(text_and_from_reference)
{
	bad("      - start: srv\n      - connect:\n      - expect: hi\n        from: reference\n",
	    "t.yaml:11:17: 'expect' has a text and 'from:' (say what to expect once: remove the "
	    "text, or remove 'from:')");
}
END_TEST

START_TEST(text_and_length)
{
	bad("      - start: srv\n      - connect:\n      - expect: hi\n        length: 2\n",
	    "t.yaml:11:17: 'expect' has a text and 'length:' (say what to expect once: remove the "
	    "text, or remove 'length:')");
}
END_TEST

START_TEST(nothing_to_expect)
{
	bad("      - start: srv\n      - connect:\n      - expect:\n",
	    "t.yaml:11:9: 'expect' with nothing to expect (write the text, 'expect: \"...\"', or "
	    "give 'from:' or 'length:')");
}
END_TEST

START_TEST(nothing_to_expect_on_stdout)
{
	bad("      - start: srv\n      - expect_stdout:\n",
	    "t.yaml:10:9: 'expect_stdout' with nothing to expect (write the text, "
	    "'expect_stdout: \"...\"', or give 'from:')");
}
END_TEST

START_TEST(no_pieces)
{
	bad("      - start: srv\n      - connect:\n      - send: hi\n        pieces: 0\n",
	    "t.yaml:12:17: 'pieces: 0' sends nothing (write 'pieces: 1' or more, or leave it out "
	    "for one piece)");
}
END_TEST

START_TEST(duration_without_unit)
{
	bad("      - pause: 300\n",
	    "t.yaml:9:16: 'pause': '300' has no unit (write 300ms or 300s)");
}
END_TEST

START_TEST(default_duration_without_unit)
{
	struct spec *s = NULL;
	char err[ERRLEN] = "";
	const char *text = "lab: t\ndefaults:\n  within: 2\n" "programs:\n  srv:\n    sources: [srv.c]\n"
			   "probes:\n  - name: p\n    steps:\n      - start: srv\n";
	ck_assert_int_eq(spec_load_string("t.yaml", text, strlen(text), &s, err), -1);
	ck_assert_str_eq(err, "t.yaml:3:11: within: '2' has no unit (write 2ms or 2s)");
}
END_TEST

/* '\x41' in single quotes is four characters: loaded as written, with a warning */
START_TEST(hex_escape_in_single_quotes_warns)
{
	struct spec *s = good("      - start: srv\n      - connect:\n      - send: 'A\\x41'\n");
	ck_assert_str_eq(s->probes[0].steps[2].value.text, "A\\x41");
	ck_assert_ptr_nonnull(s->warnings);
	ck_assert_str_eq(s->warnings, "t.yaml:11:15: warning: 'send': '\\x41' in single quotes is 4 "
			 "characters, not a byte (write the text in double quotes, \"\\x41\")\n");
	spec_free(s);
	s = good("      - start: srv\n      - connect:\n      - send: \"A\\x41\"\n");
	ck_assert_ptr_null(s->warnings);
	spec_free(s);
}
END_TEST

/* What was valid stays valid. */
START_TEST(valid_specs_stay_valid)
{
	struct spec *s = good("      - start: srv\n"
			      "      - connect:\n"
			      "      - expect:\n        from: reference\n"
			      "      - expect:\n        length: 4\n"
			      "      - send: \"{{not a variable}} {port} {host}\"\n"
			      "      - random: w\n"
			      "      - send: \"{w}\"\n        pieces: 2\n        pause: 300ms\n"
			      "      - close:\n"
			      "      - udp_send: hi\n"
			      "      - udp_expect:\n        echo: true\n"
			      "      - listen: lu\n        proto: udp\n"
			      "      - udp_expect: x\n        socket: lu\n"
			      "      - listen:\n"
			      "      - accept: c9\n"
			      "      - expect_eof:\n        conn: c9\n");
	ck_assert_ptr_null(s->warnings);
	spec_free(s);
}
END_TEST

/* The shipped specs pass every check without a warning. */
START_TEST(shipped_specs_pass)
{
	const char *specs[] = { "specs/hello.yaml", "specs/echo.yaml", "specs/echo_mp.yaml",
				"specs/uecho.yaml" };
	for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
		struct spec *s = NULL;
		char err[ERRLEN] = "";
		ck_assert_msg(spec_load_checked(specs[i], &s, err) == 0, "%s", err);
		ck_assert_msg(!s->warnings, "%s", s->warnings);
		spec_free(s);
	}
}
END_TEST

Suite *make_spec_check_suite(void)
{
	Suite *s = suite_create("spec_check");
	TCase *tc = tcase_create("spec_check");
	tcase_add_test(tc, variable_before_it_is_set);
	tcase_add_test(tc, variable_in_an_option);
	tcase_add_test(tc, connection_before_it_exists);
	tcase_add_test(tc, default_connection_before_it_exists);
	tcase_add_test(tc, listener_before_it_exists);
	tcase_add_test(tc, udp_socket_before_it_exists);
	tcase_add_test(tc, program_not_in_programs);
	tcase_add_test(tc, text_and_from_reference);
	tcase_add_test(tc, text_and_length);
	tcase_add_test(tc, nothing_to_expect);
	tcase_add_test(tc, nothing_to_expect_on_stdout);
	tcase_add_test(tc, no_pieces);
	tcase_add_test(tc, duration_without_unit);
	tcase_add_test(tc, default_duration_without_unit);
	tcase_add_test(tc, hex_escape_in_single_quotes_warns);
	tcase_add_test(tc, valid_specs_stay_valid);
	tcase_add_test(tc, names_the_newer_steps_set);
	tcase_add_test(tc, shipped_specs_pass);
	suite_add_tcase(s, tc);
	return s;
}
