#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "suites.h"
#include "util.h"

/* Outputs of gcc 12.2 (Debian 12) and clang 14, LANG=C, as the sandbox captured them. */

static const char gcc_syntax_text[] =
	"w.c: In function 'main':\n"
	"w.c:4:9: warning: implicit declaration of function 'error_handling' "
	"[-Wimplicit-function-declaration]\n"
	"    4 |         error_handling(\"x\");\n"
	"      |         ^~~~~~~~~~~~~~\n"
	"w.c:6:1: error: expected expression before '}' token\n"
	"    6 | }\n"
	"      | ^\n"
	"w.c:6:1: error: expected declaration or statement at end of input\n";

static const char gcc_syntax_json[] =
	"[{\"kind\": \"warning\", \"locations\": [{\"finish\": {\"byte-column\": 15, \"display-column\": 22, "
	"\"line\": 4, \"file\": \"w.c\", \"column\": 22}, \"caret\": {\"byte-column\": 2, "
	"\"display-column\": 9, \"line\": 4, \"file\": \"w.c\", \"column\": 9}}], \"column-origin\": 1, "
	"\"option\": \"-Wimplicit-function-declaration\", \"escape-source\": false, \"children\": [], "
	"\"message\": \"implicit declaration of function 'error_handling'\"}, {\"kind\": \"error\", "
	"\"column-origin\": 1, \"children\": [], \"escape-source\": false, \"locations\": [{\"caret\": "
	"{\"byte-column\": 1, \"display-column\": 1, \"line\": 6, \"file\": \"w.c\", \"column\": 1}}], "
	"\"message\": \"expected expression before '}' token\"}]\n";

/* two files: the first clean, the second's header missing (text between the arrays) */
static const char gcc_two_files_json[] =
	"[]\n"
	"[{\"kind\": \"fatal error\", \"column-origin\": 1, \"children\": [], \"escape-source\": false, "
	"\"locations\": [{\"finish\": {\"byte-column\": 20, \"display-column\": 20, \"line\": 1, "
	"\"file\": \"c.c\", \"column\": 20}, \"caret\": {\"byte-column\": 10, \"display-column\": 10, "
	"\"line\": 1, \"file\": \"c.c\", \"column\": 10}}], "
	"\"message\": \"missing.h: No such file or directory\"}]\n"
	"compilation terminated.\n"
	"[{\"kind\": \"error\", \"locations\": [], \"message\": \"later\"}]\n";

static const char gcc_link_g[] =
	"/usr/bin/ld: /tmp/ccZmeNfc.o: in function `main':\n"
	"echo_server.c:25: undefined reference to `tcp_listen'\n"
	"/usr/bin/ld: echo_server.c:33: undefined reference to `writen'\n"
	"collect2: error: ld returned 1 exit status\n";

static const char gcc_link_no_g[] =
	"/usr/bin/ld: /tmp/ccHxhfir.o: in function `main':\n"
	"a.c:(.text+0x5): undefined reference to `tcp_listen'\n"
	"collect2: error: ld returned 1 exit status\n";

static const char gcc_multiple_g[] =
	"/usr/bin/ld: /tmp/cc6VfzAr.o:m2.c:1: multiple definition of `x'; "
	"/tmp/ccxGvrQa.o:m1.c:1: first defined here\n"
	"collect2: error: ld returned 1 exit status\n";

static const char gcc_multiple_no_g[] =
	"/usr/bin/ld: /tmp/ccPkFgdj.o:(.data+0x0): multiple definition of `x'; "
	"/tmp/cceZclpB.o:(.data+0x0): first defined here\n"
	"collect2: error: ld returned 1 exit status\n";

static const char gcc_gets_warning_then_link[] =
	"/usr/bin/ld: /tmp/ccA.o: in function `main':\n"
	"a.c:4: warning: the `gets' function is dangerous and should not be used.\n"
	"/usr/bin/ld: cannot find -lnotthere: No such file or directory\n"
	"collect2: error: ld returned 1 exit status\n";

static const char clang_syntax[] =
	"w.c:4:2: warning: implicit declaration of function 'error_handling' is invalid in C99 "
	"[-Wimplicit-function-declaration]\n"
	"        error_handling(\"x\");\n"
	"        ^\n"
	"w.c:6:1: error: expected expression\n"
	"}\n"
	"^\n"
	"1 warning and 3 errors generated.\n";

static const char clang_lld[] =
	"ld.lld: error: undefined symbol: tcp_listen\n"
	">>> referenced by a.c\n"
	">>>               /tmp/a-2f2934.o:(main)\n"
	"clang: error: linker command failed with exit code 1 (use -v to see invocation)\n";

static const char clang_json_refused[] =
	"clang: error: invalid value 'json' in '-fdiagnostics-format json'\n";

static const char make_missing_prerequisite[] =
	"make: *** No rule to make target 'sock.c', needed by 'echo_server'.  Stop.\n";

static const char make_compile[] =
	"cc -O1 -g    hello_server.c   -o hello_server\n"
	"hello_server.c:3:1: error: unknown type name 'intt'\n"
	"    3 | intt x;\n"
	"make: *** [<builtin>: hello_server] Error 1\n";

static void text_is(const char *log, const char *want, enum diag_kind want_kind)
{
	enum diag_kind k;
	char *got = diag_first_text(log, &k);
	if (!want) {
		ck_assert_ptr_null(got);
	} else {
		ck_assert_ptr_nonnull(got);
		ck_assert_str_eq(got, want);
	}
	ck_assert_int_eq(k, want_kind);
	free(got);
}

START_TEST(gcc_json_gives_the_first_error)
{
	int arrays;
	char *s = diag_first_json(gcc_syntax_json, strlen(gcc_syntax_json), &arrays);
	ck_assert_int_eq(arrays, 1);
	ck_assert_str_eq(s, "w.c:6:1: error: expected expression before '}' token");
	free(s);

	s = diag_first_json(gcc_two_files_json, strlen(gcc_two_files_json), &arrays);
	ck_assert_str_eq(s, "c.c:1:10: fatal error: missing.h: No such file or directory");
	ck_assert_int_eq(arrays, 2);
	free(s);

	/* warnings only: no error, but JSON was read */
	const char *warn = "[{\"kind\": \"warning\", \"message\": \"w\"}]\n[]\n";
	s = diag_first_json(warn, strlen(warn), &arrays);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(arrays, 2);

	/* a compiler that does not speak JSON */
	s = diag_first_json(clang_json_refused, strlen(clang_json_refused), &arrays);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(arrays, 0);

	/* cut short by the output limit, or not JSON at all */
	s = diag_first_json(gcc_syntax_json, 200, &arrays);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(arrays, 0);
	s = diag_first_json("[not json]\n", 11, &arrays);
	ck_assert_ptr_null(s);
	ck_assert_int_eq(arrays, 0);
}
END_TEST

START_TEST(text_gives_the_first_error_not_a_warning_or_summary)
{
	/* the word "error" in a warning is not the error */
	text_is(gcc_syntax_text, "w.c:6:1: error: expected expression before '}' token",
		DIAG_COMPILE);
	text_is(clang_syntax, "w.c:6:1: error: expected expression", DIAG_COMPILE);
	text_is(make_compile, "hello_server.c:3:1: error: unknown type name 'intt'", DIAG_COMPILE);
	text_is(make_missing_prerequisite,
		"make: *** No rule to make target 'sock.c', needed by 'echo_server'.  Stop.",
		DIAG_OTHER);
	text_is("cc: error: sock.c: No such file or directory\ncc: fatal error: no input files\n",
		"cc: error: sock.c: No such file or directory", DIAG_OTHER);
	/* a summary only when there is nothing else */
	text_is("collect2: error: ld returned 1 exit status\n",
		"collect2: error: ld returned 1 exit status", DIAG_OTHER);
	text_is("all is well\n", NULL, DIAG_NONE);
	text_is("", NULL, DIAG_NONE);
	/* source excerpts never count, whatever they hold */
	text_is("    7 |   puts(\"x.c:1:2: error: fake\");\nreal.c:9:1: error: real\n",
		"real.c:9:1: error: real", DIAG_COMPILE);
}
END_TEST

START_TEST(linker_errors_say_what_is_undefined)
{
	text_is(gcc_link_g, "echo_server.c:25: undefined reference to 'tcp_listen'", DIAG_LINK);
	text_is(gcc_link_no_g, "a.c: undefined reference to 'tcp_listen'", DIAG_LINK);
	text_is(gcc_multiple_g, "m2.c:1: multiple definition of 'x'; m1.c:1: first defined here",
		DIAG_LINK);
	text_is(gcc_multiple_no_g, "multiple definition of 'x'; first defined here", DIAG_LINK);
	text_is(gcc_gets_warning_then_link,
		"cannot find -lnotthere: No such file or directory", DIAG_LINK);
	text_is(clang_lld, "error: undefined symbol: tcp_listen", DIAG_LINK);
	/* a student's ld.c is not the linker */
	text_is("ld.c: In function 'main':\nld.c:2:3: error: boom\n", "ld.c:2:3: error: boom",
		DIAG_COMPILE);
}
END_TEST

START_TEST(scratch_paths_become_relative)
{
	const char *dir = "/tmp/sockgrade.AbC123/4242";
	const char *text = "/usr/bin/ld: /tmp/ccX.o: in function `main':\n"
			   "/tmp/sockgrade.AbC123/4242/echo_server.c:25: undefined reference\n"
			   "make: Entering directory '/tmp/sockgrade.AbC123/4242'\n"
			   "/tmp/sockgrade.AbC123/4242-cov/x.c stays; /tmp/sockgrade.AbC123/42420 too\n";
	size_t len;
	char *s = diag_strip_dir(text, strlen(text), dir, &len);
	ck_assert_str_eq(s, "/usr/bin/ld: /tmp/ccX.o: in function `main':\n"
			    "echo_server.c:25: undefined reference\n"
			    "make: Entering directory '.'\n"
			    "/tmp/sockgrade.AbC123/4242-cov/x.c stays; /tmp/sockgrade.AbC123/42420 too\n");
	ck_assert_uint_eq(len, strlen(s));
	free(s);
	/* a trailing slash in dir, bytes after a NUL */
	s = diag_strip_dir("a\0/d/x", 6, "/d/", &len);
	ck_assert_uint_eq(len, 3);
	ck_assert_int_eq(memcmp(s, "a\0x", 3), 0);
	free(s);
	s = diag_strip_dir("", 0, dir, &len);
	ck_assert_str_eq(s, "");
	free(s);
	/* a whole path only: the dir inside a longer path stays */
	s = diag_strip_dir("/submission/a.c /var/submission/b.c x/submission/c.c '/submission'", 66,
			   "/submission", &len);
	ck_assert_str_eq(s, "a.c /var/submission/b.c x/submission/c.c '.'");
	free(s);
}
END_TEST

Suite *make_diag_suite(void)
{
	Suite *s = suite_create("diag");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, gcc_json_gives_the_first_error);
	tcase_add_test(tc, text_gives_the_first_error_not_a_warning_or_summary);
	tcase_add_test(tc, linker_errors_say_what_is_undefined);
	tcase_add_test(tc, scratch_paths_become_relative);
	suite_add_tcase(s, tc);
	return s;
}
