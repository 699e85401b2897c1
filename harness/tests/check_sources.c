#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sources.h"
#include "suites.h"
#include "util.h"

/* The line of the main that sources_scan finds in text, 0 for none. */
static int main_line(const char *text)
{
	struct source_scan sc;
	sources_scan(text, strlen(text), &sc);
	int line = sc.main_line;
	source_scan_release(&sc);
	return line;
}

START_TEST(finds_main_however_it_is_written)
{
	ck_assert_int_eq(main_line("int main(void) { return 0; }\n"), 1);
	ck_assert_int_eq(main_line("#include <stdio.h>\n\nint main (void)\n{\n}\n"), 3);
	ck_assert_int_eq(main_line("int\nmain(int argc, char *argv[])\n{\n}\n"), 2);
	ck_assert_int_eq(main_line("static int x;\nvoid\nmain\n(\n)\n{}\n"), 3);
	ck_assert_int_eq(main_line("main() { }\n"), 1);
	/* K&R parameters */
	ck_assert_int_eq(main_line("int main(argc, argv)\n\tint argc;\n\tchar **argv;\n{\n}\n"), 1);
	/* an attribute between the parameters and the body */
	ck_assert_int_eq(main_line("int main(void) __attribute__((cold));\n"
				   "int main(void) __attribute__((cold)) { }\n"), 2);
	/* CRLF lines, a byte order mark, digraphs */
	ck_assert_int_eq(main_line("\xef\xbb\xbf#include <stdio.h>\r\nint main(void)\r\n{\r\n}\r\n"), 2);
	ck_assert_int_eq(main_line("int main(void) <% return 0; %>\n"), 1);
	/* after a function whose body holds braces in literals */
	ck_assert_int_eq(main_line("int f(char c) { return c == '{' || c == '\\'' ? 1 : \"}\"[0]; }\n"
				   "int main(void) { return f('}'); }\n"), 2);
	/* a number with a C23 digit separator is not a character literal */
	ck_assert_int_eq(main_line("int n = 1'000;\nint main(void) { }\n"), 2);
	/* only code in #if 0 is dead; #else of #if 0 is live */
	ck_assert_int_eq(main_line("#if 0\nint main(void) {}\n#else\nint main(void) {}\n#endif\n"), 4);
	/* a condition it cannot know counts as live */
	ck_assert_int_eq(main_line("#ifdef TEST\nint main(void) {}\n#endif\n"), 2);
}
END_TEST

START_TEST(does_not_take_other_things_for_main)
{
	/* declarations, calls, members, pointers */
	ck_assert_int_eq(main_line("int main(void);\nextern int main(int, char **);\n"), 0);
	ck_assert_int_eq(main_line("int f(void) { return main(); }\n"), 0);
	ck_assert_int_eq(main_line("struct s { int (*main)(void); };\nint (*main)(void) = 0;\n"), 0);
	ck_assert_int_eq(main_line("int f(int main(void));\n"), 0);
	ck_assert_int_eq(main_line("int main_loop(void) { }\nvoid domain(void) { }\n"), 0);
	ck_assert_int_eq(main_line("int main(void) __asm__(\"start\");\n"), 0);
	/* comments, strings and dead code */
	ck_assert_int_eq(main_line("/* int main(void) { } */\n"), 0);
	ck_assert_int_eq(main_line("// int main(void) { } \\\n int main(void) { }\n"), 0);
	ck_assert_int_eq(main_line("const char *s = \"int main(void) { }\";\n"), 0);
	ck_assert_int_eq(main_line("const char *s = \"\\\" int main(void) {\";\n"), 0);
	ck_assert_int_eq(main_line("#if 0\nint main(void) { }\n#endif\n"), 0);
	ck_assert_int_eq(main_line("#if 0\n#ifdef X\n#else\nint main(void) {}\n#endif\n#endif\n"), 0);
	ck_assert_int_eq(main_line("#if 1\n#else\nint main(void) {}\n#endif\n"), 0);
	ck_assert_int_eq(main_line("#if 0\nint x = 'don't;\n#endif\n"), 0);
	/* directives, continued over lines */
	ck_assert_int_eq(main_line("#define M int main(void) \\\n { }\n"), 0);
	ck_assert_int_eq(main_line("#define M /* a\n comment */ int main(void) { }\n"), 0);
	/* inside a function: a call, or a label */
	ck_assert_int_eq(main_line("void f(void) {\n  main (1, 2);\n}\n"), 0);
	ck_assert_int_eq(main_line(""), 0);
	/* cut off in the middle */
	ck_assert_int_eq(main_line("int main(void"), 0);
	ck_assert_int_eq(main_line("int main(void) /* {"), 0);
}
END_TEST

START_TEST(finds_included_c_files)
{
	const char *text = "#include \"sock.c\"\n# include \"lib/x.c\"\n#include <y.c>\n"
			   "#include \"util.h\"\n#if 0\n#include \"old.c\"\n#endif\n"
			   "  #  include\"wrap.c\" /* comment */\n";
	struct source_scan sc;
	sources_scan(text, strlen(text), &sc);
	ck_assert_uint_eq(sc.nincludes, 2);
	ck_assert_str_eq(sc.includes[0], "sock.c");
	ck_assert_str_eq(sc.includes[1], "wrap.c");
	source_scan_release(&sc);
}
END_TEST

/* A scratch folder with files name=text, NULL-terminated pairs. */
static char *make_dir(const char *const *files)
{
	char *dir = xstrdup("/tmp/check_sources.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (size_t i = 0; files[i]; i += 2) {
		char *p = xasprintf("%s/%s", dir, files[i]);
		char err[ERRLEN];
		ck_assert_msg(write_file_atomic(p, files[i + 1], strlen(files[i + 1]), err) == 0,
			      "%s", err);
		free(p);
	}
	return dir;
}

static struct program prog_of(char **sources, size_t n)
{
	struct program p;
	memset(&p, 0, sizeof p);
	p.name = (char *)"srv";
	p.sources = sources;
	p.nsources = n;
	return p;
}

static const char *const class_files[] = {
	"server.c", "int\nmain (int argc, char **argv) { return wrap(); }\n",
	"client.c", "int main(void) { return 0; }\n",
	"sock.c", "/* not main(): */ int wrap(void) { return 0; }\n",
	"error_handling.c", "void error_handling(const char *m) { (void)m; }\n",
	"inlined.c", "int inlined(void) { return 1; }\n",
	"uses_inlined.c", "#include \"inlined.c\"\n",
	"notes.txt", "int main(void) {}\n",
	".hidden.c", "int hidden(void) { return 2; }\n",
	"-o.c", "int dash(void) { return 3; }\n",
	"sock.h", "int wrap(void);\n",
	NULL,
};

START_TEST(a_program_is_its_source_and_the_helpers)
{
	char *dir = make_dir(class_files);
	char *srcs[] = { (char *)"server.c" };
	struct program p = prog_of(srcs, 1);
	struct source_set s;

	sources_choose(dir, &p, &s);
	ck_assert_ptr_null(s.missing);
	ck_assert_uint_eq(s.nnamed, 1);
	/* the named source first, then the helpers in name order; no .txt, .hidden.c or -o.c */
	ck_assert_uint_eq(s.nfiles, 4);
	ck_assert_str_eq(s.files[0], "server.c");
	ck_assert_str_eq(s.files[1], "error_handling.c");
	ck_assert_str_eq(s.files[2], "sock.c");
	ck_assert_str_eq(s.files[3], "uses_inlined.c");
	/* the client defines main; inlined.c is compiled as part of uses_inlined.c */
	ck_assert_uint_eq(s.nskipped, 2);
	ck_assert_str_eq(s.skipped[0].file, "client.c");
	ck_assert_str_eq(s.skipped[0].why, "defines main (line 1)");
	ck_assert_str_eq(s.skipped[1].file, "inlined.c");
	ck_assert_str_eq(s.skipped[1].why, "included by uses_inlined.c");
	source_set_release(&s);
	remove_tree(dir);
	free(dir);
}
END_TEST

START_TEST(an_included_helper_is_left_out)
{
	static const char *const files[] = {
		"srv.c", "#include \"zz_included.c\"\nint main(void) { return 0; }\n",
		"zz_included.c", "int twice(void) { return 2; }\n",
		"a_includer.c", "#include \"b_included.c\"\nint a(void) { return 0; }\n",
		"b_included.c", "int b(void) { return 0; }\n",
		NULL,
	};
	char *dir = make_dir(files);
	char *srcs[] = { (char *)"srv.c" };
	struct program p = prog_of(srcs, 1);
	struct source_set s;

	sources_choose(dir, &p, &s);
	ck_assert_uint_eq(s.nfiles, 2);
	ck_assert_str_eq(s.files[0], "srv.c");
	ck_assert_str_eq(s.files[1], "a_includer.c");
	ck_assert_uint_eq(s.nskipped, 2);
	ck_assert_str_eq(s.skipped[0].file, "b_included.c");
	ck_assert_str_eq(s.skipped[0].why, "included by a_includer.c");
	ck_assert_str_eq(s.skipped[1].file, "zz_included.c");
	ck_assert_str_eq(s.skipped[1].why, "included by srv.c");
	source_set_release(&s);
	remove_tree(dir);
	free(dir);
}
END_TEST

START_TEST(helpers_none_and_a_list)
{
	char *dir = make_dir(class_files);
	char *srcs[] = { (char *)"server.c" };
	char *list[] = { (char *)"sock.c", (char *)"missing.c" };
	struct program p = prog_of(srcs, 1);
	struct source_set s;

	p.helpers_rule = HELPERS_NONE;
	sources_choose(dir, &p, &s);
	ck_assert_uint_eq(s.nfiles, 1);
	ck_assert_uint_eq(s.nskipped, 5);
	ck_assert_str_eq(s.skipped[0].why, "the spec says helpers: none");
	source_set_release(&s);

	p.helpers_rule = HELPERS_LIST;
	p.helpers = list;
	p.nhelpers = 1;
	sources_choose(dir, &p, &s);
	ck_assert_uint_eq(s.nfiles, 2);
	ck_assert_str_eq(s.files[1], "sock.c");
	ck_assert_ptr_null(s.missing);
	source_set_release(&s);

	p.nhelpers = 2;
	sources_choose(dir, &p, &s);
	ck_assert_str_eq(s.missing, "missing.c");
	source_set_release(&s);

	/* a missing named source */
	srcs[0] = (char *)"nothere.c";
	p.helpers_rule = HELPERS_AUTO;
	sources_choose(dir, &p, &s);
	ck_assert_str_eq(s.missing, "nothere.c");
	source_set_release(&s);
	remove_tree(dir);
	free(dir);
}
END_TEST

Suite *make_sources_suite(void)
{
	Suite *s = suite_create("sources");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, finds_main_however_it_is_written);
	tcase_add_test(tc, does_not_take_other_things_for_main);
	tcase_add_test(tc, finds_included_c_files);
	tcase_add_test(tc, a_program_is_its_source_and_the_helpers);
	tcase_add_test(tc, an_included_helper_is_left_out);
	tcase_add_test(tc, helpers_none_and_a_list);
	suite_add_tcase(s, tc);
	return s;
}
