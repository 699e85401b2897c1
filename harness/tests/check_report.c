/* (1k lines: 18 tests of the pages and class files of report/, each building the results it renders) */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "suites.h"
#include "util.h"

/* Fixtures: a lab folder of results.json files, copied to a temporary folder per test. */
#ifndef REPORT_DATA
#define REPORT_DATA "harness/tests/data/report"
#endif

#ifndef JUNIT_XSD
#define JUNIT_XSD "harness/tests/schema/junit.xsd"
#endif

#define LAB_TITLE "Lab 1: a TCP hello server and client"
#define HIDDEN_NAME "listens on every IPv4 address"
/* A student folder name full of markup, a comma and quotes; made at test time. */
#define NASTY "<script>x=1, \"q\""
/* Another: quotes that end an attribute, then a tag. */
#define QUOTES "\"'><b>x"

/* Copies the tree src to dst (plain files and folders). */
static void copy_tree_or_fail(const char *src, const char *dst)
{
	DIR *d = opendir(src);
	struct dirent *e;

	ck_assert_msg(d != NULL, "%s: %s (run the tests from the top folder)", src, strerror(errno));
	ck_assert_int_eq(mkdir_p(dst, 0755), 0);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char *s = xasprintf("%s/%s", src, e->d_name);
		char *t = xasprintf("%s/%s", dst, e->d_name);
		struct stat st;
		ck_assert_int_eq(lstat(s, &st), 0);
		if (S_ISDIR(st.st_mode)) {
			copy_tree_or_fail(s, t);
		} else {
			struct strbuf sb = STRBUF_INIT;
			char err[ERRLEN];
			ck_assert_int_eq(read_file(s, &sb), 0);
			ck_assert_msg(write_file_atomic(t, sb.buf ? sb.buf : "", sb.len, err) == 0,
				      "%s", err);
			sb_release(&sb);
		}
		free(s);
		free(t);
	}
	closedir(d);
}

/* A fresh temporary copy of the fixtures; returns the temporary folder (caller frees). */
static char *make_reports(void)
{
	char *tmp = xstrdup("/tmp/check_report.XXXXXX");

	ck_assert_msg(mkdtemp(tmp) != NULL, "mkdtemp: %s", strerror(errno));
	copy_tree_or_fail(REPORT_DATA, tmp);
	/* a student who handed in nothing gradable: a folder without results.json */
	char *erin = xasprintf("%s/hello/erin", tmp);
	ck_assert_int_eq(mkdir(erin, 0755), 0);
	free(erin);
	return tmp;
}

static void drop_reports(char *tmp)
{
	remove_tree(tmp);
	free(tmp);
}

/* The whole file; fails the test when it cannot be read. Caller frees. */
static char *slurp(const char *dir, const char *name)
{
	char *path = xasprintf("%s/%s", dir, name);
	struct strbuf sb = STRBUF_INIT;

	ck_assert_msg(read_file(path, &sb) == 0, "%s: %s", path, strerror(errno));
	free(path);
	return sb_detach(&sb, NULL);
}

static size_t count(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* Copies one student's results under another folder name. */
static void clone_student(const char *lab, const char *from, const char *to)
{
	char *src = xasprintf("%s/%s", lab, from);
	char *dst = xasprintf("%s/%s", lab, to);

	copy_tree_or_fail(src, dst);
	free(src);
	free(dst);
}

#define ck_contains(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, "missing: %s", (needle))
#define ck_lacks(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) == NULL, "unexpected: %s", (needle))

/* Writes doc as <lab>/<name>/results.json. */
static void put_results(const char *lab, const char *name, const char *doc)
{
	char err[ERRLEN];
	char *dir = xasprintf("%s/%s", lab, name);
	char *path = xasprintf("%s/results.json", dir);

	ck_assert_int_eq(mkdir(dir, 0755), 0);
	ck_assert_msg(write_file_atomic(path, doc, strlen(doc), err) == 0, "%s", err);
	free(path);
	free(dir);
}

/* 1 if path passes xmllint against the JUnit schema; skips (returns 1) without xmllint. */
static int junit_valid(const char *path)
{
	if (access("/usr/bin/xmllint", X_OK) < 0) {
		fprintf(stderr, "check_report: no /usr/bin/xmllint (libxml2-utils): "
			"junit.xml not checked against " JUNIT_XSD "\n");
		return 1;
	}
	/* quiet when it validates, xmllint's complaints when not */
	char *cmd = xasprintf("out=$(/usr/bin/xmllint --noout --schema '%s' '%s' 2>&1) || "
			      "{ printf '%%s\\n' \"$out\" >&2; exit 1; }", JUNIT_XSD, path);
	int rc = system(cmd);
	free(cmd);
	return rc == 0;
}

START_TEST(test_student_pages)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/hello", tmp);
	char *dir = xasprintf("%s/alice", lab);

	ck_assert_msg(report_student(lab, "alice", err) == 0, "%s", err);
	char *inst = slurp(dir, "index.html");
	char *stud = slurp(dir, "student.html");

	/* the instructor sees everything, the score out of every point */
	ck_contains(inst, "<!DOCTYPE html>");
	ck_contains(inst, HIDDEN_NAME);
	ck_contains(inst, "SECRET-HINT");
	ck_contains(inst, ">2 / 5<");
	ck_contains(inst, "href=\"../index.html\"");
	ck_contains(inst, "href=\"student.html\"");
	ck_contains(inst, "Lab 1: a TCP hello server and client — alice");
	ck_contains(inst, "-O1 -g -Wall");
	ck_contains(inst, "12345");
	ck_contains(inst, "spec line 31");
	ck_contains(inst, "<tr class=\"alert\">");
	ck_contains(inst, "<tr class=\"recv\">");
	ck_contains(inst, "first 34 of 4000 bytes");

	/* the student sees neither the hidden probe nor anything of it */
	ck_lacks(stud, HIDDEN_NAME);
	ck_lacks(stud, "SECRET-HINT");
	ck_lacks(stud, "HIDDEN-VALUE");
	ck_lacks(stud, "HIDDEN-CONN");
	ck_contains(stud, "1 hidden probe is not shown");
	ck_contains(stud, ">1 / 4<");
	ck_contains(stud, "1 of 2");
	ck_lacks(stud, "href=\"../index.html\"");
	ck_lacks(stud, "href=\"index.html\"");
	ck_lacks(stud, "student.html");
	ck_contains(stud, "sends the greeting");
	/* a hint escaped, not interpreted */
	ck_contains(stud, "&quot;Hello world!&quot; &lt;b&gt;then&lt;/b&gt; stop.");

	free(inst);
	free(stud);
	free(dir);
	free(lab);
	drop_reports(tmp);
}
END_TEST

START_TEST(test_mark_on_escaped_bytes)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/hello", tmp);
	char *dir = xasprintf("%s/alice", lab);

	ck_assert_msg(report_student(lab, "alice", err) == 0, "%s", err);
	char *page = slurp(dir, "student.html");

	/*
	 * observed is "Hello\x20\t<World>!\0" and diff_at 6: byte 6 is the tab,
	 * written as \t after the four characters of \x20.
	 */
	ck_contains(page, "Hello\\x20<mark>\\t&lt;World&gt;!\\0</mark>");
	ck_contains(page, "Hello <mark>world!</mark>");
	ck_assert_int_eq(count(page, "<mark>"), 2);

	free(page);
	free(dir);
	free(lab);
	drop_reports(tmp);
}
END_TEST

START_TEST(test_text_blocks)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/hello", tmp);
	char *dir = xasprintf("%s/bob", lab);

	ck_assert_msg(report_student(lab, "bob", err) == 0, "%s", err);
	char *page = slurp(dir, "index.html");

	/* logs decoded line by line, errors and warnings marked, markup escaped */
	ck_contains(page, "<span class=\"err\">hello_client.c:3:10: fatal error: WinSock2.h");
	ck_contains(page, "<span class=\"warn\">hello_server.c:5:5: warning: unused variable");
	ck_contains(page, "#include &lt;WinSock2.h&gt;&lt;/script&gt;\n");
	ck_lacks(page, "</script>");
	ck_lacks(page, "<script");
	/* the sandbox warning stands out */
	ck_contains(page, "<div class=\"warning\">Sandbox warning: not isolated: "
		    "&lt;user namespaces are blocked&gt;</div>");
	ck_contains(page, "does not build");
	/* which files went into a program, and which .c files did not */
	ck_contains(page, "<p>Files compiled in: <code>hello_server.c</code>, <code>&lt;b&gt;util.c"
		    "</code> (helper). Not compiled in: <code>hello_client.c</code>, defines main "
		    "(line 3).</p>");
	free(page);

	/* program output: real newlines, UTF-8 kept, a control byte shown as \x01 */
	free(dir);
	dir = xasprintf("%s/alice", lab);
	ck_assert_msg(report_student(lab, "alice", err) == 0, "%s", err);
	page = slurp(dir, "index.html");
	ck_contains(page, "listening\n&lt;script&gt;alert(2)&lt;/script&gt;\n\xe2\x9c\x93 done"
		    "<span class=\"esc\">\\x01</span>\n");
	free(page);

	free(dir);
	free(lab);
	drop_reports(tmp);
}
END_TEST

START_TEST(test_markup_in_names)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/hello", tmp);
	char *dir = xasprintf("%s/%s", lab, NASTY);

	clone_student(lab, "alice", NASTY);
	ck_assert_msg(report_student(lab, NASTY, err) == 0, "%s", err);
	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);

	char *inst = slurp(dir, "index.html");
	char *stud = slurp(dir, "student.html");
	char *cls = slurp(lab, "index.html");

	ck_lacks(inst, "<script");
	ck_lacks(inst, "</script");
	ck_lacks(stud, "<script");
	ck_contains(inst, "&lt;script&gt;x=1, &quot;q&quot;");
	/* the class page holds exactly one script: its own sorter */
	ck_assert_int_eq(count(cls, "<script"), 1);
	ck_assert_int_eq(count(cls, "</script"), 1);
	ck_contains(cls, "<a href=\"%3Cscript%3Ex%3D1%2C%20%22q%22/index.html\">"
		    "&lt;script&gt;x=1, &quot;q&quot;</a>");
	/* the why of a hidden failure, with markup, sits escaped in a title */
	ck_contains(cls, "title=\"nothing listens on 10.0.0.1 port 40123 &lt;/script&gt;\"");
	free(cls);

	/* a name that closes an attribute and opens a tag: in a link, a cell and junit.xml */
	clone_student(lab, "alice", QUOTES);
	ck_assert_msg(report_student(lab, QUOTES, err) == 0, "%s", err);
	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);
	char *qdir = xasprintf("%s/%s", lab, QUOTES);
	char *qinst = slurp(qdir, "index.html");
	cls = slurp(lab, "index.html");
	char *junit = slurp(lab, "junit.xml");
	char *junit_path = xasprintf("%s/junit.xml", lab);
	ck_contains(cls, "<a href=\"%22%27%3E%3Cb%3Ex/index.html\">&quot;&#39;&gt;&lt;b&gt;x</a>");
	ck_contains(qinst, "<title>" LAB_TITLE " — &quot;&#39;&gt;&lt;b&gt;x</title>");
	ck_lacks(cls, "<b>");
	ck_lacks(qinst, "<b>");
	ck_contains(junit, "<testsuite name=\"&quot;&apos;&gt;&lt;b&gt;x\"");
	ck_contains(junit, "classname=\"hello.&quot;&apos;&gt;&lt;b&gt;x\"");
	ck_assert_msg(junit_valid(junit_path), "%s does not match %s", junit_path, JUNIT_XSD);

	free(junit_path);
	free(junit);
	free(qinst);
	free(qdir);
	free(inst);
	free(stud);
	free(cls);
	free(dir);
	free(lab);
	drop_reports(tmp);
}
END_TEST

START_TEST(test_class_page)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/hello", tmp);

	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);
	char *page = slurp(lab, "index.html");

	ck_contains(page, "<title>" LAB_TITLE " — class results</title>");
	ck_contains(page, "reference: passed all 3 probes");
	ck_lacks(page, ".reference");
	const char *names[] = { "alice", "bob", "carol", "dave", "erin" };
	const char *last = page;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *cell = xasprintf("%s</", names[i]);
		const char *at = strstr(page, cell);
		ck_assert_msg(at != NULL, "%s is not listed", names[i]);
		ck_assert_msg(at > last, "%s is out of order", names[i]);
		last = at;
		free(cell);
	}
	ck_contains(page, "<a href=\"alice/index.html\">alice</a>");
	/* dave's file is broken, erin has none (not graded): listed, not linked */
	ck_contains(page, "<tr><td>dave</td><td class=\"num ng\" data-sort=\"-2\">no results</td>");
	ck_contains(page, "<tr><td>erin</td><td class=\"num ng\" data-sort=\"-2\">not graded</td>");
	ck_contains(page, "not graded: no results (its grading has not run, or did not finish)");
	ck_contains(page, ", 1 not graded (no results), 1 whose results cannot be read.");
	ck_contains(page, "not graded (harness error: sandbox: cannot mount /proc");
	ck_contains(page, "does not build: hello_client: Windows-only header &lt;WinSock2.h&gt;");
	ck_contains(page, "<svg");
	ck_contains(page, "5 students: 2 graded, 1 not graded");
	ck_contains(page, "Mean score 3 / 5");

	/* a reference that fails a probe says which */
	free(page);
	char *ref = xasprintf("%s/.reference", lab);
	remove_tree(ref);
	clone_student(lab, "bob", ".reference");
	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);
	page = slurp(lab, "index.html");
	ck_contains(page, "reference: failed 1 of 3 probes: 3. " HIDDEN_NAME);
	ck_lacks(page, "passed all");

	free(ref);
	free(page);
	free(lab);
	drop_reports(tmp);
}
END_TEST

START_TEST(test_csv)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/hello", tmp);

	clone_student(lab, "alice", NASTY);
	clone_student(lab, "bob", "=SUM(A1,A2)");
	clone_student(lab, "bob", "-x");
	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);
	char *csv = slurp(lab, "grades.csv");

	const char *want =
		"student,score,max_score,sends the greeting,"
		"\"closes the connection, then \"\"exits\"\"\"," HIDDEN_NAME "\r\n"
		"\"'-x\",4,5,3,1,0\r\n"
		"\"<script>x=1, \"\"q\"\"\",2,5,0,1,1\r\n"
		"\"'=SUM(A1,A2)\",4,5,3,1,0\r\n"
		"alice,2,5,0,1,1\r\n"
		"bob,4,5,3,1,0\r\n"
		"carol,,5,,,\r\n"
		"dave,,5,,,\r\n"
		"erin,,5,,,\r\n";
	ck_assert_str_eq(csv, want);

	free(csv);
	free(lab);
	drop_reports(tmp);
}
END_TEST

/*
 * The roster is the class: a student on it without a folder of results is
 * a row, a line and a testsuite (not graded), each name once, in order; a
 * folder of results off the roster stays listed; a roster that names no
 * folder is an error, never a path outside the lab.
 */
START_TEST(test_roster)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/hello", tmp);
	char *const roster[] = { "alice", "bob", "bobby", "zed" };
	char **names;
	size_t n;
	int have;

	ck_assert_msg(report_class(lab, &names, &n, &have, err) == 0, "%s", err);
	ck_assert_int_eq(have, 0);
	ck_assert_int_eq(n, 5);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);

	ck_assert_msg(report_roster_write(lab, "hello", roster, 4, err) == 0, "%s", err);
	ck_assert_msg(report_class(lab, &names, &n, &have, err) == 0, "%s", err);
	ck_assert_int_eq(have, 1);
	const char *want[] = { "alice", "bob", "bobby", "carol", "dave", "erin", "zed" };
	ck_assert_int_eq(n, 7);
	for (size_t i = 0; i < n; i++) {
		ck_assert_str_eq(names[i], want[i]);
		free(names[i]);
	}
	free(names);

	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);
	char *page = slurp(lab, "index.html");
	ck_contains(page, "7 students: 2 graded, 1 not graded (the grader failed on them), "
		    "3 not graded (no results), 1 whose results cannot be read.");
	ck_contains(page, "<tr><td>bobby</td><td class=\"num ng\" data-sort=\"-2\">not graded</td>");
	ck_contains(page, "<tr><td>zed</td><td class=\"num ng\" data-sort=\"-2\">not graded</td>");
	ck_assert_int_eq(count(page, "<tr><td><a href=\"bob/index.html\">"), 1);
	char *csv = slurp(lab, "grades.csv");
	ck_contains(csv, "\r\nbob,4,5,3,1,0\r\nbobby,,5,,,\r\ncarol,");
	ck_contains(csv, "\r\nerin,,5,,,\r\nzed,,5,,,\r\n");
	char *x = slurp(lab, "junit.xml");
	ck_contains(x, "<testsuite name=\"zed\" tests=\"3\" failures=\"0\" errors=\"3\"");
	ck_contains(x, "errors=\"15\"");
	free(x);
	free(csv);
	free(page);

	char *path = xasprintf("%s/roster.json", lab);
	ck_assert_int_eq(write_file_atomic(path, "{\"students\":[\"alice\",\"../../etc\"]}", 34,
					   err), 0);
	ck_assert_int_eq(report_lab(lab, err), -1);
	ck_contains(err, "roster.json: student 2 is not a folder name");
	ck_assert_int_eq(write_file_atomic(path, "{\"students\":", 12, err), 0);
	ck_assert_int_eq(report_lab(lab, err), -1);
	ck_contains(err, "roster.json");
	free(path);
	free(lab);
	drop_reports(tmp);
}
END_TEST

START_TEST(test_selfcheck)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *dir = xasprintf("%s/selfcheck", tmp);
	char *lab = xasprintf("%s/hello", tmp);

	clone_student(lab, "alice", "../selfcheck");
	ck_assert_msg(report_selfcheck(dir, err) == 0, "%s", err);
	char *page = slurp(dir, "index.html");

	ck_lacks(page, HIDDEN_NAME);
	ck_lacks(page, "SECRET-HINT");
	ck_lacks(page, "../index.html");
	ck_contains(page, "1 hidden probe is not shown");
	ck_contains(page, ">1 / 4<");
	ck_contains(page, "Hello\\x20<mark>\\t");

	free(page);
	free(lab);
	free(dir);
	drop_reports(tmp);
}
END_TEST

START_TEST(test_index)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/hello", tmp);
	char *sc = xasprintf("%s/selfcheck", tmp);
	char *unreported = xasprintf("%s/echo", tmp);

	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);
	/* folders that are not labs, and a lab without a class page yet */
	clone_student(lab, "alice", "../selfcheck");
	char *sc_index = xasprintf("%s/index.html", sc);
	ck_assert_int_eq(write_file_atomic(sc_index, "x", 1, err), 0);
	free(sc_index);
	ck_assert_int_eq(mkdir(unreported, 0755), 0);
	ck_assert_msg(report_index(tmp, err) == 0, "%s", err);
	char *page = slurp(tmp, "index.html");

	ck_contains(page, "<a href=\"hello/index.html\">hello</a></td><td>" LAB_TITLE "</td>"
		    "<td class=\"num\">5</td><td class=\"num\">2</td><td class=\"num\">3 / 5</td>");
	ck_lacks(page, "selfcheck/");
	ck_lacks(page, "echo/");

	free(page);
	free(unreported);
	free(sc);
	free(lab);
	drop_reports(tmp);
}
END_TEST

START_TEST(test_errors)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/hello", tmp);
	char *missing = xasprintf("%s/nowhere", tmp);
	char *want = xasprintf("%s/erin/results.json: cannot read: ", lab);

	ck_assert_int_eq(report_student(lab, "erin", err), -1);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "err: %s", err);
	ck_assert_int_eq(report_student(lab, "dave", err), -1);
	ck_contains(err, "dave/results.json:1:");
	ck_assert_int_eq(report_lab(missing, err), -1);
	ck_assert_msg(!strncmp(err, missing, strlen(missing)), "err: %s", err);
	ck_assert_int_eq(report_index(missing, err), -1);
	ck_assert_int_eq(report_selfcheck(missing, err), -1);

	free(want);
	free(missing);
	free(lab);
	drop_reports(tmp);
}
END_TEST

START_TEST(test_junit)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/hello", tmp);
	char *path = xasprintf("%s/junit.xml", lab);

	clone_student(lab, "alice", NASTY);
	/* a folder name that is neither printable nor UTF-8 */
	clone_student(lab, "bob", "ctl\x01\xff");
	/* text XML 1.0 forbids: NUL, C0 and C1 controls, U+FFFE, a lone \xff after decoding */
	put_results(lab, "odd",
		    "{\"score\":1,\"execution_time\":0.5,\"extra_data\":{\"max_score\":2,"
		    "\"probes\":[{\"name\":\"ctl\\u0001name\\u0085\\uFFFE\",\"passed\":false,"
		    "\"score\":0,\"points\":1,\"why\":\"why\\u0000 NUL\\r\\n\\u001b[31m]]>\","
		    "\"observed\":\"a\\\\x01\"},{\"name\":\"\",\"number\":7,\"passed\":true,"
		    "\"score\":1,\"points\":1}],\"build\":{\"programs\":[{\"name\":\"p\","
		    "\"ok\":true,\"log\":\"\\\\x1b[1mbold\\\\xff\\\\r\\\\n\"}]}}}");
	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);
	char *x = slurp(lab, "junit.xml");

	ck_assert_msg(!strncmp(x, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39), "%.60s", x);
	/*
	 * 8 folders: 5 graded (3 + 3 + 3 + 3 + 2 probes, one failure each), 3
	 * not graded with an error for each of the 5 probe names the lab has
	 */
	ck_contains(x, "<testsuites name=\"sockgrade hello\" tests=\"29\" failures=\"5\" "
		    "errors=\"15\" time=\"8.340\">");
	ck_contains(x, "<testsuite name=\"alice\" tests=\"3\" failures=\"1\" errors=\"0\" "
		    "skipped=\"0\" time=\"1.420\">");
	ck_contains(x, "<property name=\"score\" value=\"2\"/>");
	ck_contains(x, "<testcase classname=\"hello.alice\" name=\"sends the greeting\" "
		    "time=\"0.012\">\n      <failure type=\"probe\" message=\"received bytes differ "
		    "from the expected at byte 6\">failed at step 3 (expect), spec line 31\n");
	ck_contains(x, "observed: \"Hello\\x20\\t&lt;World&gt;!\\0\" (first difference at byte 6)\n");
	ck_contains(x, "hint: Send exactly &quot;Hello world!&quot; &lt;b&gt;then&lt;/b&gt; stop.\n"
		    "</failure>");
	ck_contains(x, "name=\"closes the connection, then &quot;exits&quot;\" time=\"0.009\"/>");
	/* hidden probes are there: the file is the instructor's, like grades.csv */
	ck_contains(x, "name=\"" HIDDEN_NAME "\" time=\"2.000\">\n      <failure type=\"probe\" "
		    "message=\"nothing listens on 10.0.0.1 port 40123 &lt;/script&gt;\">");
	/* not graded: an error per probe, never a failure */
	ck_contains(x, "<testsuite name=\"carol\" tests=\"5\" failures=\"0\" errors=\"5\"");
	ck_contains(x, "<error type=\"harness-error\" message=\"harness error: sandbox: "
		    "cannot mount /proc: Permission denied\">");
	ck_contains(x, "<testsuite name=\"dave\" tests=\"5\" failures=\"0\" errors=\"5\"");
	ck_contains(x, "<testsuite name=\"erin\" tests=\"5\" failures=\"0\" errors=\"5\"");
	ck_contains(x, "<error type=\"no-results\" message=\"no results: ");
	/* build logs decoded, markup escaped */
	ck_contains(x, "<system-out>hello_server: built\nhello_server.c:5:5: warning: unused "
		    "variable &apos;x&apos;");
	ck_contains(x, "#include &lt;WinSock2.h&gt;&lt;/script&gt;\n");
	/* names: markup and quotes escaped, forbidden bytes as \xHH text */
	ck_contains(x, "<testsuite name=\"&lt;script&gt;x=1, &quot;q&quot;\"");
	ck_contains(x, "classname=\"hello.&lt;script&gt;x=1, &quot;q&quot;\"");
	ck_contains(x, "<testsuite name=\"ctl\\x01\\xff\"");
	ck_contains(x, "name=\"ctl\\x01name\\xc2\\x85\\xef\\xbf\\xbe\"");
	ck_contains(x, "message=\"why\\x00 NUL&#13;&#10;\\x1b[31m]]&gt;\"");
	ck_contains(x, "observed: \"a\\x01\"");
	ck_contains(x, "\\x1b[1mbold\\xff&#13;\n");
	/* every testcase has a name: an unnamed probe gets its number */
	ck_contains(x, "name=\"probe 7\" time=\"0.000\"/>");
	ck_lacks(x, "name=\"\"");
	ck_assert_int_eq(count(x, "<testcase "), 29);
	ck_assert_int_eq(count(x, "<testsuite "), 8);
	ck_lacks(x, "<script");
	for (const unsigned char *p = (const unsigned char *)x; *p; p++)
		ck_assert_msg(*p >= 0x20 || *p == '\n' || *p == '\t', "raw byte 0x%02x at %td",
			      *p, (const char *)p - x);
	ck_assert_msg(junit_valid(path), "%s does not match %s", path, JUNIT_XSD);

	/* written atomically: nothing but the outputs beside the student folders */
	DIR *d = opendir(lab);
	struct dirent *e;
	ck_assert(d != NULL);
	while ((e = readdir(d)))
		ck_assert_msg(!strstr(e->d_name, ".tmp"), "left behind: %s", e->d_name);
	closedir(d);

	free(x);
	free(path);
	free(lab);
	drop_reports(tmp);
}
END_TEST

/* A lab whose results hold no probe at all still gives a valid file. */
START_TEST(test_junit_empty)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/empty", tmp);
	char *path = xasprintf("%s/junit.xml", lab);

	ck_assert_int_eq(mkdir(lab, 0755), 0);
	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);
	char *x = slurp(lab, "junit.xml");
	ck_contains(x, "<testsuites name=\"sockgrade empty\" tests=\"0\" failures=\"0\" "
		    "errors=\"0\" time=\"0.000\">\n</testsuites>\n");
	ck_assert_msg(junit_valid(path), "%s does not match %s", path, JUNIT_XSD);
	free(x);

	put_results(lab, "nobody", "{\"extra_data\":{\"harness_error\":\"x\"}}");
	put_results(lab, "noprobes", "{\"extra_data\":{}}");
	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);
	x = slurp(lab, "junit.xml");
	ck_contains(x, "<testcase classname=\"empty.nobody\" name=\"grading\" time=\"0.000\">\n"
		    "      <error type=\"harness-error\" message=\"harness error: x\">");
	ck_contains(x, "<testcase classname=\"empty.noprobes\" name=\"grading\" time=\"0.000\">\n"
		    "      <error type=\"no-probes\" message=\"no probes: the results list no probe\">");
	ck_assert_msg(junit_valid(path), "%s does not match %s", path, JUNIT_XSD);

	free(x);
	free(path);
	free(lab);
	drop_reports(tmp);
}
END_TEST

/* Fields of the wrong type, or missing, must give a page, not a crash. */
START_TEST(test_wrong_types)
{
	static const char *const docs[] = {
		"{\"extra_data\":{}}",
		"{\"score\":\"x\",\"extra_data\":{\"probes\":5,\"build\":[],\"title\":7,"
		"\"harness_error\":false,\"sandbox_warning\":[1]}}",
		"{\"extra_data\":{\"probes\":[1,\"x\",null,{},{\"name\":3,\"hidden\":\"yes\","
		"\"transcript\":{\"a\":1},\"processes\":[7,{\"verdict\":1}],\"vars\":[1],"
		"\"diff_at\":-4,\"observed\":\"\\\\x4\",\"expected\":5,\"failed_step\":\"2\"},"
		"{\"name\":\"n\",\"observed\":\"ab\\\\\",\"diff_at\":99999999999,"
		"\"transcript\":[{\"kind\":null,\"data\":7,\"len\":-1},{\"kind\":\"send\"}]}],"
		"\"build\":{\"programs\":[1,{\"ok\":\"no\",\"log\":9},{\"log\":\"error:\\\\n\"}]}}}",
	};
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/hello", tmp);

	for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
		char *name = xasprintf("odd%zu", i);
		char *dir = xasprintf("%s/%s", lab, name);
		char *path = xasprintf("%s/results.json", dir);
		ck_assert_int_eq(mkdir(dir, 0755), 0);
		ck_assert_int_eq(write_file_atomic(path, docs[i], strlen(docs[i]), err), 0);
		ck_assert_msg(report_student(lab, name, err) == 0, "%s: %s", name, err);
		free(path);
		free(dir);
		free(name);
	}
	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);
	char *page = slurp(lab, "index.html");
	ck_contains(page, "odd2</a>");
	free(page);
	free(lab);
	drop_reports(tmp);
}
END_TEST

/* The coverage line as a page shows it when coverage was done. */
#define COV_LINE(numbers) \
	"<p class=\"coverage\"><strong>Coverage of your code:</strong> " numbers \
	" — <a href=\"coverage/index.html\">line-by-line</a></p>"
/* dan's why, escaped for HTML. */
#define DAN_WHY "no coverage: built without the spec&#39;s flags (the Makefile&#39;s " \
	"CFLAGS=-O2 &lt;no --coverage&gt;)"

/* Both pages of a student of lab, rendered; *inst and *stud to free. */
static void student_pages(const char *lab, const char *name, char **inst, char **stud)
{
	char err[ERRLEN] = "";
	char *dir = xasprintf("%s/%s", lab, name);

	ck_assert_msg(report_student(lab, name, err) == 0, "%s: %s", name, err);
	*inst = slurp(dir, "index.html");
	*stud = slurp(dir, "student.html");
	free(dir);
}

/*
 * Coverage on a submission's pages (lab "cover"): cathy's was done, dan's
 * was not (with a why), hugo's was done on code without branches, olga's
 * was off (null).
 */
START_TEST(test_coverage)
{
	char *tmp = make_reports();
	char *lab = xasprintf("%s/cover", tmp);
	char *inst, *stud;

	/* done: the numbers and a relative link, near the top, on both pages */
	student_pages(lab, "cathy", &inst, &stud);
	const char *pages[] = { inst, stud };
	for (size_t i = 0; i < 2; i++) {
		const char *line = strstr(pages[i], COV_LINE("lines 81.0%, branches 65.0%"));
		const char *probes = strstr(pages[i], "<h2 id=\"probes\">");
		ck_assert_msg(line != NULL, "%s: no coverage line", i ? "student.html" : "index.html");
		ck_assert_msg(probes != NULL && line < probes, "the coverage line is not near the top");
		ck_assert_int_eq(count(pages[i], "href=\"coverage/index.html\""), 1);
	}
	free(inst);
	free(stud);

	/* not done: the why, escaped, and no link */
	student_pages(lab, "dan", &inst, &stud);
	ck_contains(inst, "<strong>Coverage of your code:</strong> <span class=\"muted\">" DAN_WHY
		    "</span></p>");
	ck_contains(stud, "<strong>Coverage of your code:</strong> <span class=\"muted\">" DAN_WHY
		    "</span></p>");
	ck_lacks(inst, "coverage/index.html");
	ck_lacks(stud, "coverage/index.html");
	ck_lacks(inst, "line-by-line");
	ck_lacks(inst, "<no --coverage>");
	free(inst);
	free(stud);

	/* done without branches */
	student_pages(lab, "hugo", &inst, &stud);
	ck_contains(inst, COV_LINE("lines 100.0%, no branches"));
	ck_contains(stud, COV_LINE("lines 100.0%, no branches"));
	free(inst);
	free(stud);

	/* off: no coverage line at all */
	student_pages(lab, "olga", &inst, &stud);
	ck_lacks(inst, "Coverage of your code");
	ck_lacks(stud, "Coverage of your code");
	ck_lacks(inst, "coverage/index.html");
	free(inst);
	free(stud);
	free(lab);
	drop_reports(tmp);
}
END_TEST

/* The class table's coverage columns: a number, or — with the why. */
START_TEST(test_coverage_class)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/cover", tmp);

	/* two sortable columns, a number or — with the why */
	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);
	char *cls = slurp(lab, "index.html");
	ck_contains(cls, "<th class=\"num\">max</th><th class=\"num\" title=\"lines of the "
		    "student's code run by the visible probes\">lines</th><th class=\"num\" "
		    "title=\"branches of the student's code taken by the visible probes\">"
		    "branches</th><th>build</th>");
	ck_contains(cls, "<table class=\"sortable\" id=\"grades\">");
	ck_contains(cls, "<a href=\"cathy/index.html\">cathy</a></td><td class=\"num\" "
		    "data-sort=\"3\">3</td><td class=\"num\">3</td><td class=\"num\" "
		    "data-sort=\"81\">81.0%</td><td class=\"num\" data-sort=\"65\">65.0%</td>"
		    "<td class=\"ok\">ok</td>");
	ck_contains(cls, "<a href=\"dan/index.html\">dan</a></td><td class=\"num\" "
		    "data-sort=\"2\">2</td><td class=\"num\">3</td>"
		    "<td class=\"num muted\" data-sort=\"-1\" title=\"" DAN_WHY "\">—</td>"
		    "<td class=\"num muted\" data-sort=\"-1\" title=\"" DAN_WHY "\">—</td>"
		    "<td class=\"ok\">ok</td>");
	ck_contains(cls, "<td class=\"num\" data-sort=\"100\">100.0%</td>"
		    "<td class=\"num muted\" data-sort=\"-1\" title=\"no branches\">—</td>");
	ck_contains(cls, "<a href=\"olga/index.html\">olga</a></td><td class=\"num\" "
		    "data-sort=\"0\">0</td><td class=\"num\">3</td>"
		    "<td class=\"num muted\" data-sort=\"-1\" title=\"coverage was off\">—</td>"
		    "<td class=\"num muted\" data-sort=\"-1\" title=\"coverage was off\">—</td>"
		    "<td class=\"ok\">ok</td>");
	ck_lacks(cls, "<no --coverage>");
	free(cls);

	/* results from before coverage, no results, not graded: — as well */
	char *hello = xasprintf("%s/hello", tmp);
	ck_assert_msg(report_lab(hello, err) == 0, "%s", err);
	cls = slurp(hello, "index.html");
	ck_contains(cls, "<a href=\"alice/index.html\">alice</a></td><td class=\"num\" "
		    "data-sort=\"2\">2</td><td class=\"num\">5</td>"
		    "<td class=\"num muted\" data-sort=\"-1\" title=\"coverage was off\">—</td>"
		    "<td class=\"num muted\" data-sort=\"-1\" title=\"coverage was off\">—</td>");
	ck_contains(cls, "<tr><td>erin</td><td class=\"num ng\" data-sort=\"-2\">not graded</td>"
		    "<td></td><td class=\"num muted\" data-sort=\"-1\" title=\"not graded\">—</td>"
		    "<td class=\"num muted\" data-sort=\"-1\" title=\"not graded\">—</td>"
		    "<td class=\"ng\" colspan=\"4\"");
	ck_contains(cls, "<td class=\"num muted\" data-sort=\"-1\" title=\"not graded\">—</td>"
		    "<td class=\"num muted\" data-sort=\"-1\" title=\"not graded\">—</td>"
		    "<td class=\"ng\" colspan=\"4\">not graded (harness error: ");
	free(cls);
	free(hello);
	free(lab);
	drop_reports(tmp);
}
END_TEST

/* A selfcheck's page: the same coverage line, the link relative to its own folder. */
START_TEST(test_coverage_selfcheck)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/cover", tmp);
	char *sc = xasprintf("%s/selfcheck", tmp);
	clone_student(lab, "cathy", "../selfcheck");
	ck_assert_msg(report_selfcheck(sc, err) == 0, "%s", err);
	char *page = slurp(sc, "index.html");
	ck_contains(page, COV_LINE("lines 81.0%, branches 65.0%"));
	free(page);
	remove_tree(sc);
	clone_student(lab, "dan", "../selfcheck");
	ck_assert_msg(report_selfcheck(sc, err) == 0, "%s", err);
	page = slurp(sc, "index.html");
	ck_contains(page, DAN_WHY);
	ck_lacks(page, "coverage/index.html");
	free(page);
	remove_tree(sc);
	clone_student(lab, "olga", "../selfcheck");
	ck_assert_msg(report_selfcheck(sc, err) == 0, "%s", err);
	page = slurp(sc, "index.html");
	ck_lacks(page, "Coverage of your code");
	free(page);

	free(sc);
	free(lab);
	drop_reports(tmp);
}
END_TEST

/* The sum of the numbers in attribute attr="N" of every tag that starts with tag. */
static size_t sum_attr(const char *x, const char *tag, const char *attr)
{
	size_t sum = 0;
	char *key = xasprintf(" %s=\"", attr);

	for (const char *p = x; (p = strstr(p, tag)); p += strlen(tag)) {
		const char *a = strstr(p, key);
		ck_assert(a != NULL);
		sum += strtoul(a + strlen(key), NULL, 10);
	}
	free(key);
	return sum;
}

/*
 * The class files are written in two passes over the results: what the
 * tops need (columns, totals) must hold for students read before the
 * results that change it, and a class larger than the write buffer comes
 * out whole.
 */
START_TEST(test_class_streamed)
{
	char *tmp = make_reports(), err[ERRLEN] = "";
	char *lab = xasprintf("%s/late", tmp);

	ck_assert_int_eq(mkdir(lab, 0755), 0);
	/* not graded, before the probe "two" is ever seen */
	put_results(lab, "a", "{\"extra_data\":{\"max_score\":4,\"harness_error\":\"boom\"}}");
	put_results(lab, "b", "{\"score\":1,\"extra_data\":{\"max_score\":4,\"probes\":["
		    "{\"name\":\"one\",\"passed\":true,\"score\":1,\"points\":1}]}}");
	put_results(lab, "c", "{\"score\":3,\"extra_data\":{\"max_score\":4,\"probes\":["
		    "{\"name\":\"one\",\"passed\":true,\"score\":1,\"points\":1},"
		    "{\"name\":\"two\",\"passed\":true,\"score\":2,\"points\":3}]}}");
	char *d = xasprintf("%s/d", lab);
	ck_assert_int_eq(mkdir(d, 0755), 0);
	free(d);
	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);

	char *csv = slurp(lab, "grades.csv");
	ck_assert_str_eq(csv, "student,score,max_score,one,two\r\n"
			 "a,,4,,\r\nb,1,4,1,\r\nc,3,4,1,2\r\nd,,4,,\r\n");
	char *page = slurp(lab, "index.html");
	ck_contains(page, "<th class=\"probe\" title=\"two\">2</th>");
	ck_contains(page, "4 students: 2 graded, 1 not graded (the grader failed on them), "
		    "1 not graded (no results). Mean score 2 / 4.");
	ck_contains(page, "<td class=\"ng\" colspan=\"3\">not graded (harness error: boom)");
	ck_contains(page, "<a href=\"b/index.html\">b</a></td><td class=\"num\" data-sort=\"1\">");
	ck_contains(page, "<td class=\"cell ok\" data-sort=\"1\" title=\"passed\">✓</td>"
		    "<td class=\"cell\" data-sort=\"-1\" title=\"not run\">–</td></tr>");
	ck_contains(page, ">2 of 2</td>");
	ck_contains(page, ">1 of 1</td>");
	char *x = slurp(lab, "junit.xml");
	/* a and d: an error for each of both columns, "two" included */
	ck_contains(x, "<testsuites name=\"sockgrade late\" tests=\"7\" failures=\"0\" "
		    "errors=\"4\" time=\"0.000\">");
	ck_contains(x, "<testsuite name=\"a\" tests=\"2\" failures=\"0\" errors=\"2\"");
	ck_contains(x, "<testcase classname=\"late.a\" name=\"two\" time=\"0.000\">\n"
		    "      <error type=\"harness-error\"");
	ck_contains(x, "<testcase classname=\"late.d\" name=\"two\" time=\"0.000\">\n"
		    "      <error type=\"no-results\"");
	free(x);
	free(page);
	free(csv);

	/* a class whose files outgrow the write buffer many times over */
	for (int i = 0; i < 300; i++) {
		char *name = xasprintf("s%03d", i);
		char *doc = xasprintf("{\"score\":%d,\"execution_time\":0.25,\"extra_data\":"
				      "{\"max_score\":4,\"probes\":[{\"name\":\"one\",\"passed\":%s,"
				      "\"score\":%d,\"points\":1,\"why\":\"%0400d\","
				      "\"observed\":\"%0600d\"}]}}", i % 2, i % 2 ? "true" : "false",
				      i % 2, i, i);
		put_results(lab, name, doc);
		free(doc);
		free(name);
	}
	ck_assert_msg(report_lab(lab, err) == 0, "%s", err);
	x = slurp(lab, "junit.xml");
	ck_assert_uint_gt(strlen(x), 4 * 64 * 1024);
	ck_assert_int_eq(count(x, "<testsuite "), 304);
	ck_contains(x, "<testsuites name=\"sockgrade late\" tests=\"307\" failures=\"150\" "
		    "errors=\"4\" time=\"75.000\">");
	/* the head's totals are the suites' */
	ck_assert_uint_eq(sum_attr(x, "<testsuite ", "tests"), 307);
	ck_assert_uint_eq(sum_attr(x, "<testsuite ", "failures"), 150);
	ck_assert_uint_eq(sum_attr(x, "<testsuite ", "errors"), 4);
	ck_assert_int_eq(count(x, "<testcase "), 307);
	ck_assert_int_eq(count(x, "</testsuites>\n"), 1);
	ck_assert_msg(!strcmp(x + strlen(x) - 14, "</testsuites>\n"), "%s", x + strlen(x) - 14);
	page = slurp(lab, "index.html");
	ck_assert_int_eq(count(page, "<tr><td><a href=\"s"), 300);
	ck_contains(page, "<a href=\"s299/index.html\">s299</a>");
	ck_contains(page, "304 students: 302 graded");
	ck_assert_int_eq(count(page, "</html>"), 1);
	csv = slurp(lab, "grades.csv");
	ck_assert_int_eq(count(csv, "\r\n"), 305);
	ck_contains(csv, "\r\ns299,1,4,1,\r\n");

	DIR *dir = opendir(lab);
	struct dirent *e;
	ck_assert(dir != NULL);
	while ((e = readdir(dir)))
		ck_assert_msg(!strstr(e->d_name, ".tmp"), "left behind: %s", e->d_name);
	closedir(dir);

	free(csv);
	free(page);
	free(x);
	free(lab);
	drop_reports(tmp);
}
END_TEST

/* Bytes that are not UTF-8, and controls, never reach a page raw. */
START_TEST(test_html_bytes)
{
	struct strbuf sb = STRBUF_INIT;
	const char in[] = "caf\xc3\xa9 \xff\xc3 <b>\x1b[2J\x7f\tx\0";
	sb_add_html(&sb, in, sizeof in - 1);
	ck_assert_str_eq(sb.buf, "caf\xc3\xa9 &#xFFFD;&#xFFFD; &lt;b&gt;&#x241B;[2J&#x2421;\tx&#x2400;");
	sb_release(&sb);
}
END_TEST

Suite *make_report_suite(void)
{
	Suite *s = suite_create("report");
	TCase *tc = tcase_create("pages");

	tcase_add_test(tc, test_student_pages);
	tcase_add_test(tc, test_mark_on_escaped_bytes);
	tcase_add_test(tc, test_text_blocks);
	tcase_add_test(tc, test_markup_in_names);
	tcase_add_test(tc, test_html_bytes);
	tcase_add_test(tc, test_class_page);
	tcase_add_test(tc, test_csv);
	tcase_add_test(tc, test_roster);
	tcase_add_test(tc, test_selfcheck);
	tcase_add_test(tc, test_index);
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_wrong_types);
	tcase_add_test(tc, test_junit);
	tcase_add_test(tc, test_junit_empty);
	tcase_add_test(tc, test_coverage);
	tcase_add_test(tc, test_coverage_class);
	tcase_add_test(tc, test_coverage_selfcheck);
	tcase_add_test(tc, test_class_streamed);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
