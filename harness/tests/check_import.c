/*
 * The importer's parts: the LMSs' file names (odd ones: spaces, unicode,
 * underscores in names, LATE, -N resubmissions), folder names, writing
 * below a folder and nowhere else, the rename rule, the manifest, and the
 * gradebook files made from it.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "import/lms.h"
#include "report.h"
#include "spec.h"
#include "suites.h"
#include "util.h"

#ifndef REPORT_DATA
#define REPORT_DATA "harness/tests/data/report"
#endif

/* ---- Canvas --------------------------------------------------------------- */

static void canvas_is(const char *s, const char *name, const char *id, const char *sub,
		      const char *file, int late)
{
	struct lms_name n;
	ck_assert_msg(lms_parse_canvas(s, &n) == 0, "'%s' not read as Canvas", s);
	ck_assert_str_eq(n.name, name);
	ck_assert_str_eq(n.id, id);
	ck_assert_str_eq(n.submission, sub);
	ck_assert_str_eq(n.file, file);
	ck_assert_int_eq(n.late, late);
	lms_name_release(&n);
}

START_TEST(canvas_names)
{
	canvas_is("smithbob_1001_55501_hello_server.c", "smithbob", "1001", "55501",
		  "hello_server.c", 0);
	canvas_is("smithbob_LATE_1001_55501_hello_server.c", "smithbob", "1001", "55501",
		  "hello_server.c", 1);
	/* an underscore in the name, digits and underscores in the file */
	canvas_is("smith_bob_1001_55501_lab_2_3.c", "smith_bob", "1001", "55501", "lab_2_3.c", 0);
	canvas_is("o_brien_LATE_7_8_my server (final).c", "o_brien", "7", "8",
		  "my server (final).c", 1);
	/* unicode in the name and the file */
	canvas_is("müllerjosé_1001_55501_résumé.c", "müllerjosé", "1001", "55501", "résumé.c", 0);
	/* a -N resubmission is the file's name, not the parser's business */
	canvas_is("smithbob_1001_55501_hello_server-2.c", "smithbob", "1001", "55501",
		  "hello_server-2.c", 0);
}
END_TEST

START_TEST(canvas_not_names)
{
	static const char *const bad[] = {
		"hello_server.c", "smithbob_abc_55501_x.c", "smithbob_1001_55501_",
		"_1001_55501_x.c", "smithbob_1001_x.c", "smithbob_LATE_x_2_x.c", "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct lms_name n;
		ck_assert_msg(lms_parse_canvas(bad[i], &n) < 0, "'%s' read as Canvas", bad[i]);
	}
}
END_TEST

START_TEST(resubmissions)
{
	static const struct {
		const char *file;
		int nth;
		const char *base;
	} cases[] = {
		{ "hello_server-2.c", 2, "hello_server.c" },
		{ "hello_server-1.c", 1, "hello_server.c" },
		{ "Makefile-1", 1, "Makefile" },
		{ "lab-3.tar.gz", 3, "lab.tar.gz" },
		{ "my file-12.txt", 12, "my file.txt" },
		{ "hello.c", 0, NULL },
		{ "x-01.c", 0, NULL },
		{ "-1.c", 0, NULL },
		{ "a-1234.c", 0, NULL },
		{ "a-.c", 0, NULL },
		{ "2024-03.c", 0, NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *base;
		int nth = lms_resubmission(cases[i].file, &base);
		ck_assert_msg(nth == cases[i].nth, "%s: %d, not %d", cases[i].file, nth, cases[i].nth);
		if (cases[i].base)
			ck_assert_str_eq(base, cases[i].base);
		else
			ck_assert_ptr_null(base);
		free(base);
	}
}
END_TEST

/* ---- Moodle --------------------------------------------------------------- */

static void moodle_is(const char *s, const char *name, const char *id, const char *plugin,
		      const char *file)
{
	struct lms_name n;
	ck_assert_msg(lms_parse_moodle(s, &n) == 0, "'%s' not read as Moodle", s);
	ck_assert_str_eq(n.name, name);
	ck_assert_str_eq(n.id, id);
	ck_assert_str_eq(n.plugin, plugin);
	ck_assert_str_eq(n.file, file);
	lms_name_release(&n);
}

START_TEST(moodle_names)
{
	moodle_is("Bob Smith_1001_assignsubmission_file_", "Bob Smith", "1001", "file", "");
	moodle_is("Bob Smith_1001_assignsubmission_file_hello server.c", "Bob Smith", "1001",
		  "file", "hello server.c");
	moodle_is("José Núñez_1002_assignsubmission_file_", "José Núñez", "1002", "file", "");
	moodle_is("Anne_Marie O_Neil_77_assignsubmission_file_my_file.c", "Anne_Marie O_Neil", "77",
		  "file", "my_file.c");
	moodle_is("李小龙_5_assignsubmission_onlinetext_onlinetext.html", "李小龙", "5",
		  "onlinetext", "onlinetext.html");
	/* a name that ends in digits */
	moodle_is("Agent 007_12_assignsubmission_file_x.c", "Agent 007", "12", "file", "x.c");

	static const char *const bad[] = {
		"Bob Smith_assignsubmission_file_x.c", "_12_assignsubmission_file_x.c",
		"Bob_12_assignsubmission__x.c", "Bob_12_assignsubmission_file", "hello.c",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct lms_name n;
		ck_assert_msg(lms_parse_moodle(bad[i], &n) < 0, "'%s' read as Moodle", bad[i]);
	}
}
END_TEST

/* ---- Blackboard ----------------------------------------------------------- */

START_TEST(blackboard_names)
{
	struct bb_name b;
	ck_assert_int_eq(lms_split_blackboard("Lab 1_bsmith_attempt_2024-03-04-10-15-32_hello_server.c",
					      &b), 0);
	ck_assert_str_eq(b.head, "Lab 1_bsmith");
	ck_assert_str_eq(b.when, "2024-03-04-10-15-32");
	ck_assert_str_eq(b.file, "hello_server.c");
	bb_name_release(&b);

	ck_assert_int_eq(lms_split_blackboard("Lab 1_bsmith_attempt_2024-03-04-10-15-32.txt", &b), 0);
	ck_assert_ptr_null(b.file);
	bb_name_release(&b);

	/* a file whose own name has _attempt_ in it */
	ck_assert_int_eq(lms_split_blackboard("L_u_attempt_2024-01-02-03-04-05_my_attempt_1.c", &b), 0);
	ck_assert_str_eq(b.head, "L_u");
	ck_assert_str_eq(b.file, "my_attempt_1.c");
	bb_name_release(&b);

	ck_assert_int_lt(lms_split_blackboard("Lab 1_bsmith_attempt_2024-03-04_hello.c", &b), 0);
	ck_assert_int_lt(lms_split_blackboard("Lab 1_bsmith_attempt_2024-03-04-10-15-32", &b), 0);
	ck_assert_int_lt(lms_split_blackboard("_attempt_2024-03-04-10-15-32_x.c", &b), 0);
}
END_TEST

START_TEST(blackboard_assignment)
{
	/* underscores in the assignment and the usernames: the heads share the assignment */
	char *heads[] = { "Lab_1 hello_b_smith", "Lab_1 hello_a_jones", "Lab_1 hello_a_jones" };
	char *a = lms_blackboard_assignment(heads, NULL, 3);
	ck_assert_str_eq(a, "Lab_1 hello");
	char *u = lms_blackboard_user(heads[0], a);
	ck_assert_str_eq(u, "b_smith");
	free(u);
	free(a);

	/* one student: a receipt's username says where the assignment ends */
	char *one[] = { "Lab 1_bob_smith" };
	char *users[] = { "bob_smith" };
	a = lms_blackboard_assignment(one, users, 1);
	ck_assert_str_eq(a, "Lab 1");
	free(a);
	/* without a receipt: the last underscore */
	a = lms_blackboard_assignment(one, NULL, 1);
	ck_assert_str_eq(a, "Lab 1_bob");
	free(a);
	/* bob and bobby: the common prefix is cut back to an underscore */
	char *two[] = { "Lab 1_bob", "Lab 1_bobby" };
	a = lms_blackboard_assignment(two, NULL, 2);
	ck_assert_str_eq(a, "Lab 1");
	u = lms_blackboard_user("Lab 1_bobby", a);
	ck_assert_str_eq(u, "bobby");
	free(u);
	free(a);
}
END_TEST

START_TEST(blackboard_receipt)
{
	static const char text[] =
		"Name: Bob Smith (bob_smith)\r\n"
		"Assignment: Lab 1\r\n"
		"Date Submitted: Monday, 4 March 2024 10:15:32 o'clock GMT\r\n"
		"Current Mark: Needs Marking\r\n\r\n"
		"Files:\r\n"
		"\tOriginal filename: hello server.c\r\n"
		"\tFilename: Lab 1_bob_smith_attempt_2024-03-04-10-15-32_hello server.c\r\n"
		"\tOriginal filename: Makefile\r\n"
		"\tFilename: Lab 1_bob_smith_attempt_2024-03-04-10-15-32_Makefile\r\n";
	struct bb_receipt r;
	lms_parse_receipt(text, strlen(text), &r);
	ck_assert_str_eq(r.name, "Bob Smith");
	ck_assert_str_eq(r.username, "bob_smith");
	ck_assert_uint_eq(r.nfiles, 2);
	ck_assert_str_eq(r.original[0], "hello server.c");
	ck_assert_str_eq(r.stored[0], "Lab 1_bob_smith_attempt_2024-03-04-10-15-32_hello server.c");
	ck_assert_str_eq(r.original[1], "Makefile");
	bb_receipt_release(&r);

	lms_parse_receipt("nothing here", 12, &r);
	ck_assert_ptr_null(r.name);
	ck_assert_ptr_null(r.username);
	ck_assert_uint_eq(r.nfiles, 0);
	bb_receipt_release(&r);
}
END_TEST

/* ---- folder names and the terminal ---------------------------------------- */

static void folder_is(const char *name, const char *id, const char *want)
{
	char *f = lms_folder(name, id);
	ck_assert_msg(!strcmp(f, want), "'%s' '%s': '%s', not '%s'", name ? name : "(null)", id, f,
		      want);
	free(f);
}

START_TEST(folder_names)
{
	folder_is("smithbob", "1001", "smithbob_1001");
	folder_is("Smith, Bob", "1001", "smith-bob_1001");
	folder_is("José Núñez", "1002", "jose-nunez_1002");
	folder_is("Seán O'Brien", "7", "sean-obrien_7");
	folder_is("Ærøskøbing Straße", "8", "aeroskobing-strasse_8");
	folder_is("Łukasz Żółć", "9", "lukasz-zolc_9");
	folder_is("smith_bob", "3", "smith-bob_3");
	/* no letter the folding knows: the id alone */
	folder_is("李小龙", "1003", "1003");
	folder_is(NULL, "bsmith", "bsmith");
	folder_is(NULL, "b.smith@uni.edu", "b.smith@uni.edu");
	folder_is(NULL, "../../etc", "etc");
	folder_is(NULL, ".hidden", "hidden");
	folder_is("<script>", "1", "script_1");
	ck_assert(lms_safe_name("lab1-alice"));
	ck_assert(!lms_safe_name(".git"));
	ck_assert(!lms_safe_name("-rf"));
	ck_assert(!lms_safe_name("a b"));
	ck_assert(!lms_safe_name("a/b"));
	ck_assert(!lms_safe_name(""));
}
END_TEST

START_TEST(terminal_escaping)
{
	struct strbuf sb = STRBUF_INIT;
	lms_term(&sb, "a\033[31mred\n");
	ck_assert_str_eq(sb.buf, "a\\x1b[31mred\\x0a");
	sb_reset(&sb);
	lms_term(&sb, "José \xe2\x80\xae" "cod.exe");	/* U+202E turns text around */
	ck_assert_str_eq(sb.buf, "José \\u{202e}cod.exe");
	sb_reset(&sb);
	lms_term(&sb, "bad\xff\xc2");
	ck_assert_str_eq(sb.buf, "bad\\xff\\xc2");
	sb_reset(&sb);
	lms_term(&sb, "\xc2\x9b" "c1");	/* a C1 control */
	ck_assert_str_eq(sb.buf, "\\u{9b}c1");
	sb_release(&sb);
}
END_TEST

/* ---- tree: below a folder, and nowhere else ------------------------------- */

START_TEST(clean_paths)
{
	static const struct {
		const char *raw, *want;
	} ok[] = {
		{ "a/./b//c", "a/b/c" }, { "./x.c", "x.c" }, { "dir\\file.c", "dir/file.c" },
		{ "", "" }, { "./", "" }, { "ünï côdé/x y.c", "ünï côdé/x y.c" },
	};
	static const char *const refused[] = {
		"../escape", "a/../../b", "/etc/passwd", "a\\..\\..\\b", "C:\\x.c", "c:/x",
		"a\001b", "x/\177",
	};
	const char *why;
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		char *c = tree_clean_path(ok[i].raw, &why);
		ck_assert_msg(c && !strcmp(c, ok[i].want), "'%s' gave '%s'", ok[i].raw, c ? c : why);
		free(c);
	}
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		char *c = tree_clean_path(refused[i], &why);
		ck_assert_msg(!c && why, "'%s' not refused", refused[i]);
	}
	struct strbuf deep = STRBUF_INIT;
	for (int i = 0; i <= IMPORT_MAX_DEPTH; i++)
		sb_adds(&deep, "d/");
	sb_adds(&deep, "f");
	ck_assert_ptr_null(tree_clean_path(deep.buf, &why));
	sb_release(&deep);
}
END_TEST

struct mem {
	const char *s;
	size_t left;
	size_t chunk;	/* 0: all of it; else repeat s until left is spent */
};

static ssize_t mem_read(void *h, void *buf, size_t n)
{
	struct mem *m = h;
	size_t k = m->left < n ? m->left : n;
	if (!m->chunk) {
		memcpy(buf, m->s, k);
		m->s += k;
	} else {
		memset(buf, 'x', k);
	}
	m->left -= k;
	return (ssize_t)k;
}

static char *tmpdir(void)
{
	char *t = xstrdup("/tmp/check_import.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(t));
	return t;
}

START_TEST(put_files)
{
	char *t = tmpdir(), err[ERRLEN];
	char *sub = xasprintf("%s/student", t), *outside = xasprintf("%s/outside", t);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	int fd = open(sub, O_RDONLY | O_DIRECTORY);
	struct budget b = { 0, 0 };
	const char *why;
	struct mem m = { "hello", 5, 0 };
	struct reader r = { mem_read, &m };

	ck_assert_int_eq(tree_put_file(fd, "a/b/c.txt", 0644, &r, &b, &why, err), 0);
	ck_assert_int_eq(b.files, 3);	/* a, a/b, a/b/c.txt */
	ck_assert_int_eq(b.bytes, 5);
	/* already there: not replaced */
	m = (struct mem){ "HELLO", 5, 0 };
	ck_assert_int_eq(tree_put_file(fd, "a/b/c.txt", 0644, &r, &b, &why, err), 1);
	struct strbuf got = STRBUF_INIT;
	char *c = xasprintf("%s/a/b/c.txt", sub);
	ck_assert_int_eq(read_file(c, &got), 0);
	ck_assert_str_eq(got.buf, "hello");
	sb_release(&got);
	free(c);
	/* a link someone left, to a folder outside: never followed */
	char *link = xasprintf("%s/out", sub);
	ck_assert_int_eq(symlink(outside, link), 0);
	m = (struct mem){ "x", 1, 0 };
	ck_assert_int_eq(tree_put_file(fd, "out/x.txt", 0644, &r, &b, &why, err), 1);
	ck_assert_int_eq(tree_put_file(fd, "out", 0644, &r, &b, &why, err), 1);
	ck_assert_int_eq(tree_put_dir(fd, "out/d", &b, &why, err), 1);
	char *escaped = xasprintf("%s/x.txt", outside);
	ck_assert_int_ne(access(escaped, F_OK), 0);
	free(escaped);
	/* over 64 MiB: refused, and nothing of it left */
	m = (struct mem){ NULL, IMPORT_MAX_BYTES + 1, 1 };
	ck_assert_int_eq(tree_put_file(fd, "big.bin", 0644, &r, &b, &why, err), 1);
	ck_assert_ptr_nonnull(strstr(why, "64 MiB"));
	char *big = xasprintf("%s/big.bin", sub);
	ck_assert_int_ne(access(big, F_OK), 0);
	free(big);
	ck_assert_int_eq(b.bytes, 5);
	ck_assert_int_eq(b.files, 3);
	/* at 2000 files and folders, the next is refused as such */
	b.files = IMPORT_MAX_FILES;
	m = (struct mem){ "y", 1, 0 };
	ck_assert_int_eq(tree_put_file(fd, "one-more.txt", 0644, &r, &b, &why, err), 1);
	ck_assert_ptr_eq(why, tree_too_many);
	close(fd);
	free(link);
	free(sub);
	free(outside);
	remove_tree(t);
	free(t);
}
END_TEST

/* ---- the rename rule ------------------------------------------------------ */

static const char server_c[] =
	"/* a server: connect( is in a comment */\n"
	"#include <sys/socket.h>\n"
	"int main(int argc, char **argv)\n{\n"
	"\tint s = socket(AF_INET, SOCK_STREAM, 0);\n"
	"\tbind(s, 0, 0);\n\tlisten (s, 5);\n"
	"\tputs(\"connect() failed\");\n"
	"\tfor (;;) accept(s, 0, 0);\n}\n";
static const char client_c[] =
	"int main(void) {\n\tint s = socket(AF_INET, SOCK_STREAM, 0);\n"
	"\tif (connect(s, 0, 0) < 0) return 1; /* listen( */\n\treturn 0;\n}\n";
static const char udp_server_c[] =
	"int main(void) { int s = socket(AF_INET, SOCK_DGRAM, 0); bind(s, 0, 0);\n"
	"for (;;) { recvfrom(s, 0, 0, 0, 0, 0); sendto(s, 0, 0, 0, 0, 0); } }\n";
static const char udp_client_c[] =
	"int main(void) { int s = socket(AF_INET, SOCK_DGRAM, 0);\n"
	"sendto(s, 0, 0, 0, 0, 0); recvfrom(s, 0, 0, 0, 0, 0); return 0; }\n";
static const char helper_c[] = "int helper(int x) { return connect_all(x); }\n";
static const char both_c[] =
	"int main(int c, char **v) { if (c > 2) connect(0, 0, 0); else listen(0, 1); }\n";

static enum src_role role_of(const char *text)
{
	struct src_facts f;
	rename_scan(text, strlen(text), &f);
	return rename_role(&f);
}

START_TEST(roles)
{
	ck_assert_int_eq(role_of(server_c), ROLE_TCP_SERVER);
	ck_assert_int_eq(role_of(client_c), ROLE_CLIENT);
	ck_assert_int_eq(role_of(udp_server_c), ROLE_UDP_SERVER);
	ck_assert_int_eq(role_of(udp_client_c), ROLE_CLIENT);
	ck_assert_int_eq(role_of(helper_c), ROLE_NONE);
	ck_assert_int_eq(role_of(both_c), ROLE_UNCLEAR);
	/* a prototype is not a definition */
	ck_assert_int_eq(role_of("int main(void); void f(void) { listen(0, 1); }"), ROLE_NONE);
	ck_assert_int_eq(rename_program_role("tcp"), ROLE_TCP_SERVER);
	ck_assert_int_eq(rename_program_role("udp"), ROLE_UDP_SERVER);
	ck_assert_int_eq(rename_program_role("none"), ROLE_CLIENT);
}
END_TEST

static struct spec *load_spec(const char *path)
{
	struct spec *s;
	char err[ERRLEN];
	ck_assert_msg(spec_load(path, &s, err) == 0, "%s", err);
	return s;
}

static struct handin_file file_of(const char *name, const char *text)
{
	struct handin_file f = { name, { 0 } };
	if (text)
		rename_scan(text, strlen(text), &f.facts);
	return f;
}

/* The renames and notes of the rule on files, as "from>to;..." and the notes joined with '|'. */
static size_t decide(const char *spec_path, const struct handin_file *files, size_t n,
		     struct strbuf *ren, struct strbuf *said)
{
	struct spec *spec = load_spec(spec_path);
	struct import_rename *r;
	struct notes ns = { NULL, 0 };
	size_t k = rename_decide(spec, files, n, &r, &ns);
	for (size_t i = 0; i < k; i++)
		sb_addf(ren, "%s%s>%s", i ? ";" : "", r[i].from, r[i].to);
	for (size_t i = 0; i < ns.n; i++)
		sb_addf(said, "%s%s", i ? "|" : "", ns.v[i]);
	if (!ren->buf)
		sb_adds(ren, "");
	if (!said->buf)
		sb_adds(said, "");
	free(r);
	notes_release(&ns);
	spec_free(spec);
	return k;
}

START_TEST(rename_misnamed)
{
	struct handin_file f[] = { file_of("helloclient.c", client_c), file_of("helloserver.c", server_c),
				   file_of("notes.txt", NULL), file_of("util.c", helper_c) };
	struct strbuf ren = STRBUF_INIT, said = STRBUF_INIT;
	ck_assert_uint_eq(decide("specs/hello.yaml", f, 4, &ren, &said), 2);
	ck_assert_str_eq(ren.buf, "helloserver.c>hello_server.c;helloclient.c>hello_client.c");
	ck_assert_str_eq(said.buf, "");
	sb_release(&ren);
	sb_release(&said);
}
END_TEST

START_TEST(rename_right_names_untouched)
{
	struct handin_file f[] = { file_of("hello_server.c", server_c),
				   file_of("hello_client.c", client_c),
				   file_of("other_server.c", server_c) };
	struct strbuf ren = STRBUF_INIT, said = STRBUF_INIT;
	ck_assert_uint_eq(decide("specs/hello.yaml", f, 3, &ren, &said), 0);
	ck_assert_str_eq(said.buf, "");
	sb_release(&ren);
	sb_release(&said);
}
END_TEST

START_TEST(rename_ambiguous)
{
	/* two servers: neither is guessed; the client still is */
	struct handin_file f[] = { file_of("server_v1.c", server_c), file_of("server_v2.c", server_c),
				   file_of("client.c", client_c) };
	struct strbuf ren = STRBUF_INIT, said = STRBUF_INIT;
	ck_assert_uint_eq(decide("specs/hello.yaml", f, 3, &ren, &said), 1);
	ck_assert_str_eq(ren.buf, "client.c>hello_client.c");
	ck_assert_ptr_nonnull(strstr(said.buf, "left as handed in: 'server_v1.c' and 'server_v2.c' "
					       "could each be 'hello_server.c'"));
	sb_release(&ren);
	sb_release(&said);

	/* one file that could be either: unclear, said so */
	struct handin_file g[] = { file_of("both.c", both_c) };
	struct strbuf ren2 = STRBUF_INIT, said2 = STRBUF_INIT;
	ck_assert_uint_eq(decide("specs/hello.yaml", g, 1, &ren2, &said2), 0);
	ck_assert_ptr_nonnull(strstr(said2.buf, "unclear: 'both.c'"));
	sb_release(&ren2);
	sb_release(&said2);
}
END_TEST

START_TEST(rename_not_with_makefile)
{
	struct handin_file f[] = { file_of("Makefile", NULL), file_of("server.c", server_c),
				   file_of("client.c", client_c) };
	struct strbuf ren = STRBUF_INIT, said = STRBUF_INIT;
	ck_assert_uint_eq(decide("specs/hello.yaml", f, 3, &ren, &said), 0);
	ck_assert_ptr_nonnull(strstr(said.buf, "nothing renamed: the hand-in has a Makefile"));
	sb_release(&ren);
	sb_release(&said);
}
END_TEST

START_TEST(rename_udp)
{
	struct handin_file f[] = { file_of("srv.c", udp_server_c), file_of("cli.c", udp_client_c),
				   file_of("tcp.c", server_c) };
	struct strbuf ren = STRBUF_INIT, said = STRBUF_INIT;
	ck_assert_uint_eq(decide("specs/uecho.yaml", f, 3, &ren, &said), 2);
	ck_assert_str_eq(ren.buf, "srv.c>uecho_server.c;cli.c>uecho_client.c");
	sb_release(&ren);
	sb_release(&said);
}
END_TEST

START_TEST(rename_nothing_fits)
{
	struct handin_file f[] = { file_of("server.c", server_c), file_of("util.c", helper_c) };
	struct strbuf ren = STRBUF_INIT, said = STRBUF_INIT;
	ck_assert_uint_eq(decide("specs/hello.yaml", f, 2, &ren, &said), 1);
	ck_assert_str_eq(ren.buf, "server.c>hello_server.c");
	ck_assert_ptr_nonnull(strstr(said.buf, "'hello_client.c' is not in the hand-in, and no .c "
					       "file is a client"));
	sb_release(&ren);
	sb_release(&said);
}
END_TEST

/* ---- the manifest --------------------------------------------------------- */

START_TEST(manifest_round_trip)
{
	char *t = tmpdir(), err[ERRLEN];
	char *path = xasprintf("%s/import.tsv", t);
	struct import_rename ren[] = { { "a;b>c.c", "hello_server.c" }, { "x\ty.c", "hello_client.c" } };
	char *older[] = { "old\\one.c", "two;three" };
	char *notes[] = { "refused '../x': a path\nthat leads out", "ok" };
	struct import_row rows[] = {
		{ .student = "zed_2", .lms = "moodle", .id = "2", .name = "Zed Ünïcode", .submission = "" },
		{ .student = "smithbob_1001", .lms = "canvas", .id = "1001", .name = "smith\tbob",
		  .submission = "55501", .late = 1, .renamed = ren, .nrenamed = 2, .older = older,
		  .nolder = 2, .notes = notes, .nnotes = 2 },
	};
	struct import_manifest m = { rows, 2 }, back;
	ck_assert_msg(import_manifest_write(path, &m, err) == 0, "%s", err);
	/* one line per row, and a header */
	struct strbuf text = STRBUF_INIT;
	ck_assert_int_eq(read_file(path, &text), 0);
	size_t lines = 0;
	for (size_t i = 0; i < text.len; i++)
		lines += text.buf[i] == '\n';
	ck_assert_uint_eq(lines, 3);
	sb_release(&text);

	ck_assert_int_eq(import_manifest_load(path, &back, err), 1);
	ck_assert_uint_eq(back.n, 2);
	const struct import_row *r = import_manifest_find(&back, "smithbob_1001");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->name, "smith\tbob");
	ck_assert_int_eq(r->late, 1);
	ck_assert_uint_eq(r->nrenamed, 2);
	ck_assert_str_eq(r->renamed[0].from, "a;b>c.c");
	ck_assert_str_eq(r->renamed[0].to, "hello_server.c");
	ck_assert_str_eq(r->renamed[1].from, "x\ty.c");
	ck_assert_uint_eq(r->nolder, 2);
	ck_assert_str_eq(r->older[0], "old\\one.c");
	ck_assert_str_eq(r->older[1], "two;three");
	ck_assert_uint_eq(r->nnotes, 2);
	ck_assert_str_eq(r->notes[0], "refused '../x': a path\nthat leads out");
	r = import_manifest_find(&back, "zed_2");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->name, "Zed Ünïcode");
	ck_assert_int_eq(r->late, 0);
	ck_assert_uint_eq(r->nrenamed + r->nolder + r->nnotes, 0);
	ck_assert_ptr_null(import_manifest_find(&back, "nobody"));
	import_manifest_release(&back);

	/* no manifest: 0; something else: refused */
	ck_assert_int_eq(import_manifest_load("/nonexistent/import.tsv", &back, err), 0);
	ck_assert_int_eq(write_file_atomic(path, "a,b\n", 4, err), 0);
	ck_assert_int_eq(import_manifest_load(path, &back, err), -1);
	import_manifest_release(&back);
	free(path);
	remove_tree(t);
	free(t);
}
END_TEST

/* ---- the gradebook files -------------------------------------------------- */

START_TEST(canvas_columns)
{
	ck_assert(report_canvas_column_ok("Lab 1 (12345)"));
	ck_assert(report_canvas_column_ok("Lab 1: hello (TCP) (7)"));
	ck_assert(!report_canvas_column_ok("Lab 1"));
	ck_assert(!report_canvas_column_ok("Lab 1 ()"));
	ck_assert(!report_canvas_column_ok("Lab 1(12)"));
	ck_assert(!report_canvas_column_ok("(12)"));
	ck_assert(!report_canvas_column_ok("Lab 1 (12a)"));
	ck_assert(!report_canvas_column_ok(NULL));
}
END_TEST

/* A line of a CSV file that starts with prefix, or fails the test. */
static char *line_of(const char *csv, const char *prefix)
{
	for (const char *p = csv; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, prefix, strlen(prefix)))
			return xstrndup(p, strcspn(p, "\r\n"));
	ck_abort_msg("no line '%s' in:\n%s", prefix, csv);
	return NULL;
}

START_TEST(gradebooks)
{
	char *t = tmpdir(), err[ERRLEN];
	char *lab = xasprintf("%s/hello", t);
	ck_assert_int_eq(mkdir(lab, 0755), 0);
	/* alice: 2/5 (a visible probe failed); bob: 4/5 (a hidden one); carol: not graded; dave: unreadable */
	static const char *const who[] = { "alice", "bob", "carol", "dave" };
	for (size_t i = 0; i < 4; i++) {
		struct strbuf sb = STRBUF_INIT;
		char *src = xasprintf("%s/hello/%s/results.json", REPORT_DATA, who[i]);
		char *dir = xasprintf("%s/%s", lab, who[i]);
		char *dst = xasprintf("%s/results.json", dir);
		ck_assert_int_eq(read_file(src, &sb), 0);
		ck_assert_int_eq(mkdir(dir, 0755), 0);
		ck_assert_int_eq(write_file_atomic(dst, sb.buf, sb.len, err), 0);
		sb_release(&sb);
		free(src);
		free(dir);
		free(dst);
	}
	struct import_rename ren[] = { { "helloserver.c", "hello_server.c" } };
	struct import_row rows[] = {
		{ .student = "alice", .lms = "canvas", .id = "1001", .name = "=HYPERLINK(\"x\")",
		  .submission = "1" },
		{ .student = "bob", .lms = "moodle", .id = "2002", .name = "Bob, \"the\" Builder",
		  .renamed = ren, .nrenamed = 1 },
		{ .student = "carol", .lms = "moodle", .id = "3003", .name = "-carol" },
		{ .student = "dave", .lms = "canvas", .id = "4004", .name = "@dave" },
		{ .student = "erin", .lms = "blackboard", .id = "erin", .name = "Erin" },
	};
	struct import_manifest m = { rows, 5 };
	char *manifest = xasprintf("%s/import.tsv", t);
	ck_assert_int_eq(import_manifest_write(manifest, &m, err), 0);

	int wrote = 0;
	ck_assert_msg(report_gradebooks(lab, manifest, "Lab 1 (4242)", &wrote, err) == 0, "%s", err);
	ck_assert_int_eq(wrote, 3);
	struct strbuf canvas = STRBUF_INIT, moodle = STRBUF_INIT;
	char *cp = xasprintf("%s/canvas.csv", lab), *mp = xasprintf("%s/moodle.csv", lab);
	ck_assert_int_eq(read_file(cp, &canvas), 0);
	ck_assert_int_eq(read_file(mp, &moodle), 0);

	char *l = line_of(canvas.buf, "Student,");
	ck_assert_str_eq(l, "Student,ID,SIS User ID,SIS Login ID,Section,Lab 1 (4242)");
	free(l);
	/* a name that is a formula is neutralised, and quoted */
	l = line_of(canvas.buf, "\"'=HYPERLINK");
	ck_assert_str_eq(l, "\"'=HYPERLINK(\"\"x\"\")\",1001,,,,2");
	free(l);
	/* unreadable results: no score, not 0 */
	l = line_of(canvas.buf, "\"'@dave\"");
	ck_assert_str_eq(l, "\"'@dave\",4004,,,,");
	free(l);
	ck_assert_ptr_null(strstr(canvas.buf, "2002"));	/* Moodle's students are not Canvas's */
	ck_assert_ptr_null(strstr(canvas.buf, "Erin"));

	l = line_of(moodle.buf, "Identifier,");
	ck_assert_str_eq(l, "Identifier,Full name,Grade,Maximum grade,Last modified (grade),"
			    "Feedback comments");
	free(l);
	l = line_of(moodle.buf, "Participant 2002,");
	ck_assert_ptr_nonnull(strstr(l, ",\"Bob, \"\"the\"\" Builder\",4,5,20"));
	/* the hidden probe is counted, never named */
	ck_assert_ptr_nonnull(strstr(l, "4 / 5 points"));
	ck_assert_ptr_nonnull(strstr(l, "1 hidden probe failed"));
	ck_assert_ptr_null(strstr(l, "every IPv4"));
	ck_assert_ptr_nonnull(strstr(l, "helloserver.c renamed to hello_server.c"));
	free(l);
	/* the grader failed on carol: no grade, and the comment says whose failure it was */
	l = line_of(moodle.buf, "Participant 3003,");
	ck_assert_ptr_nonnull(strstr(l, "\"'-carol\",,5,"));
	ck_assert_ptr_nonnull(strstr(l, "not the student's doing"));
	free(l);
	ck_assert_ptr_null(strstr(moodle.buf, "1001"));

	/* without a manifest, old gradebook files go */
	ck_assert_int_eq(report_gradebooks(lab, NULL, NULL, &wrote, err), 0);
	ck_assert_int_eq(wrote, 0);
	ck_assert_int_ne(access(cp, F_OK), 0);
	ck_assert_int_ne(access(mp, F_OK), 0);

	sb_release(&canvas);
	sb_release(&moodle);
	free(cp);
	free(mp);
	free(manifest);
	free(lab);
	remove_tree(t);
	free(t);
}
END_TEST

Suite *make_import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *names = tcase_create("names");
	tcase_add_test(names, canvas_names);
	tcase_add_test(names, canvas_not_names);
	tcase_add_test(names, resubmissions);
	tcase_add_test(names, moodle_names);
	tcase_add_test(names, blackboard_names);
	tcase_add_test(names, blackboard_assignment);
	tcase_add_test(names, blackboard_receipt);
	tcase_add_test(names, folder_names);
	tcase_add_test(names, terminal_escaping);
	suite_add_tcase(s, names);

	TCase *tree = tcase_create("tree");
	tcase_add_test(tree, clean_paths);
	tcase_add_test(tree, put_files);
	suite_add_tcase(s, tree);

	TCase *rename = tcase_create("rename");
	tcase_add_test(rename, roles);
	tcase_add_test(rename, rename_misnamed);
	tcase_add_test(rename, rename_right_names_untouched);
	tcase_add_test(rename, rename_ambiguous);
	tcase_add_test(rename, rename_not_with_makefile);
	tcase_add_test(rename, rename_udp);
	tcase_add_test(rename, rename_nothing_fits);
	suite_add_tcase(s, rename);

	TCase *files = tcase_create("files");
	tcase_add_test(files, manifest_round_trip);
	tcase_add_test(files, canvas_columns);
	tcase_add_test(files, gradebooks);
	suite_add_tcase(s, files);
	return s;
}
