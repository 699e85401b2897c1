/* A probe's own folder (folder.c), and the file names the file steps accept (spec/step.c). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "folder.h"
#include "spec.h"
#include "suites.h"
#include "util.h"

static void put(const char *dir, const char *name, const char *text, mode_t mode)
{
	char *p = xasprintf("%s/%s", dir, name);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write_all(fd, text, strlen(text)), 0);
	close(fd);
	chmod(p, mode);
	free(p);
}

static char *text_of(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct strbuf sb = STRBUF_INIT;
	int rc = read_file(p, &sb);
	free(p);
	if (rc < 0) {
		sb_release(&sb);
		return NULL;
	}
	return sb_detach(&sb, NULL);
}

static int exists(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	int rc = lstat(p, &st) == 0;
	free(p);
	return rc;
}

/* Files, folders and permission bits are copied; links and the other probes' copies are not. */
START_TEST(copy_leaves_out_links_and_other_copies)
{
	char dir[] = "/tmp/check_folder.XXXXXX";
	char err[ERRLEN] = "";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "server", "#!binary", 0755);
	put(dir, "notes.txt", "hello", 0644);
	char *sub = xasprintf("%s/sub", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	put(sub, "deep.c", "int x;", 0600);
	char *lnk = xasprintf("%s/link", dir);
	ck_assert_int_eq(symlink("/etc/passwd", lnk), 0);
	char *other = folder_path(dir, 3);
	ck_assert_int_eq(mkdir(other, 0755), 0);
	put(other, "secret", "another probe's file", 0644);

	char *copy = folder_path(dir, 0);
	ck_assert_msg(folder_copy(dir, copy, err) == 0, "%s", err);
	char *t = text_of(copy, "notes.txt");
	ck_assert_str_eq(t, "hello");
	free(t);
	struct stat st;
	char *bin = xasprintf("%s/server", copy);
	ck_assert_int_eq(stat(bin, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0755);
	char *csub = xasprintf("%s/sub", copy);
	t = text_of(csub, "deep.c");
	ck_assert_str_eq(t, "int x;");
	free(t);
	ck_assert(!exists(copy, "link"));
	ck_assert(!exists(copy, FOLDER_PREFIX "3"));
	ck_assert(!exists(copy, FOLDER_PREFIX "0"));
	/* a copy is made once: an existing folder is an error, not a merge */
	ck_assert_int_eq(folder_copy(dir, copy, err), -EEXIST);

	remove_tree(dir);
	free(sub);
	free(lnk);
	free(other);
	free(copy);
	free(bin);
	free(csub);
}
END_TEST

/*
 * A copy onto a full file system says so (-ENOSPC): a probe then fails on the
 * student's account (its own writes filled its work disk), not the harness's.
 * The small file system is a tmpfs in a mount namespace of a child's own.
 */
START_TEST(copy_onto_a_full_disk_says_enospc)
{
	char src[] = "/tmp/check_folder.XXXXXX", disk[] = "/tmp/check_folder_disk.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(src));
	ck_assert_ptr_nonnull(mkdtemp(disk));
	char *big = xasprintf("%s/server", src);
	int fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	ck_assert_int_ge(fd, 0);
	static char block[64 << 10];
	memset(block, 'x', sizeof block);
	for (int i = 0; i < 8; i++)
		ck_assert_int_eq(write_all(fd, block, sizeof block), 0);
	close(fd);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		if (unshare(geteuid() == 0 ? CLONE_NEWNS : CLONE_NEWUSER | CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", disk, "tmpfs", 0, "size=128k") < 0)
			_exit(10);
		char err[ERRLEN] = "";
		char *to = xasprintf("%s/copy", disk);
		int rc = folder_copy(src, to, err);
		_exit(rc == -ENOSPC && strstr(err, "No space left") ? 0 : rc == 0 ? 11 : 12);
	}
	int st;
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_msg(WIFEXITED(st), "the child died");
	ck_assert_msg(WEXITSTATUS(st) != 10, "no tmpfs of the test's own: %s", "unshare or mount failed");
	ck_assert_msg(WEXITSTATUS(st) == 0, "a copy onto a full disk gave %s",
		      WEXITSTATUS(st) == 11 ? "success" : "another error than -ENOSPC");
	remove_tree(src);
	rmdir(disk);
	free(big);
}
END_TEST

/* Coverage data goes back to the scratch folder, replacing the older counts; nothing else moves. */
START_TEST(gcda_files_go_back)
{
	char dir[] = "/tmp/check_folder.XXXXXX";
	char err[ERRLEN] = "";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "a.gcda", "old counts", 0644);
	char *sub = xasprintf("%s/lib", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	char *copy = folder_path(dir, 1);
	ck_assert_msg(folder_copy(dir, copy, err) == 0, "%s", err);
	put(copy, "a.gcda", "new counts", 0644);
	put(copy, "out.bin", "a program's file", 0644);
	char *csub = xasprintf("%s/lib", copy);
	put(csub, "b.gcda", "lib counts", 0644);
	ck_assert_msg(folder_take_gcda(copy, dir, err) == 0, "%s", err);
	char *t = text_of(dir, "a.gcda");
	ck_assert_str_eq(t, "new counts");
	free(t);
	t = text_of(sub, "b.gcda");
	ck_assert_str_eq(t, "lib counts");
	free(t);
	ck_assert(!exists(dir, "out.bin"));
	ck_assert(!exists(copy, "a.gcda"));
	remove_tree(dir);
	free(sub);
	free(copy);
	free(csub);
}
END_TEST

#define HEAD "lab: t\nprograms:\n  srv:\n    sources: [srv.c]\n    argv: [\"{port}\"]\n"

static void load_bad(const char *text, const char *want)
{
	struct spec *s = NULL;
	char err[ERRLEN] = "";
	ck_assert_int_eq(spec_load_string("t.yaml", text, strlen(text), &s, err), -1);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err, want);
}

/* A file step names a plain file of the program's folder: never a path out of it. */
START_TEST(file_names_are_plain)
{
	struct spec *s = NULL;
	char err[ERRLEN] = "";
	const char *ok = HEAD "probes:\n  - name: p\n    steps:\n"
			 "      - write_file: data.bin\n        random: 1MiB\n        var: payload\n"
			 "      - start: srv\n"
			 "      - expect_file: out.bin\n        text: \"{payload}\"\n";
	ck_assert_msg(spec_load_string("t.yaml", ok, strlen(ok), &s, err) == 0, "%s", err);
	ck_assert_int_eq(step_opt(&s->probes[0].steps[0], "random")->num, 1 << 20);
	spec_free(s);
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - write_file: ../x\n",
		 "t.yaml:9:21: 'write_file': '../x' is not a plain file name: write a name in the "
		 "program's folder such as data.bin (no '/', not '.' or '..')");
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - expect_file: ..\n        size: 3\n",
		 "t.yaml:9:22: 'expect_file': '..' is not a plain file name: write a name in the "
		 "program's folder such as data.bin (no '/', not '.' or '..')");
}
END_TEST

/* open_beneath: a file below the folder, through no link on the way (last part included), no "..". */
START_TEST(open_beneath_follows_no_link)
{
	char dir[] = "/tmp/check_beneath.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *sub = xasprintf("%s/d", dir);
	ck_assert_int_eq(mkdir(sub, 0755), 0);
	put(sub, "x.c", "int x;", 0644);
	char *lnk = xasprintf("%s/l", dir);
	ck_assert_int_eq(symlink("/etc", lnk), 0);
	char *flnk = xasprintf("%s/f", sub);
	ck_assert_int_eq(symlink("x.c", flnk), 0);

	int fd = open_beneath(dir, "d/x.c", 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	fd = open_beneath(dir, "./d//x.c", 0);
	ck_assert_int_ge(fd, 0);
	close(fd);
	/* a folder link on the way: the attack of hostile/hello/linked_source */
	ck_assert_int_eq(open_beneath(dir, "l/passwd", 0), -1);
	ck_assert_msg(errno == ENOTDIR || errno == ELOOP, "errno %d", errno);
	ck_assert_int_eq(open_beneath(dir, "d/f", 0), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_int_eq(open_beneath(dir, "d/../d/x.c", 0), -1);
	ck_assert_int_eq(errno, EXDEV);
	ck_assert_int_eq(open_beneath(dir, "d/none.c", 0), -1);
	ck_assert_int_eq(errno, ENOENT);
	remove_tree(dir);
	free(sub);
	free(lnk);
	free(flnk);
}
END_TEST

/* read_beneath: a regular file's bytes; a FIFO refused at once (it would hang), as a link or too much. */
START_TEST(read_beneath_reads_regular_files_only)
{
	char dir[] = "/tmp/check_rbeneath.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	put(dir, "x.c", "int x;\n", 0644);
	char *fifo = xasprintf("%s/pipe", dir);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	char *lnk = xasprintf("%s/l", dir);
	ck_assert_int_eq(symlink("x.c", lnk), 0);

	struct strbuf sb = STRBUF_INIT;
	ck_assert_int_eq(read_beneath(dir, "x.c", 100, &sb), 0);
	ck_assert_uint_eq(sb.len, 7);
	ck_assert_int_eq(memcmp(sb.buf, "int x;\n", 7), 0);
	sb_reset(&sb);
	ck_assert_int_eq(read_beneath(dir, "x.c", 7, &sb), 0);
	ck_assert_int_eq(read_beneath(dir, "x.c", 6, &sb), -1);
	ck_assert_int_eq(errno, EFBIG);
	ck_assert_int_eq(read_beneath(dir, "pipe", 100, &sb), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(read_beneath(dir, "l", 100, &sb), -1);
	ck_assert_int_eq(errno, ELOOP);
	ck_assert_int_eq(read_beneath(dir, "none", 100, &sb), -1);
	ck_assert_int_eq(errno, ENOENT);
	sb_release(&sb);
	remove_tree(dir);
	free(fifo);
	free(lnk);
}
END_TEST

/* The isolation test's weakenings are whole names: tmplinks is not links. */
START_TEST(weakened_parts_are_whole_names)
{
	setenv("SOCKGRADE_TEST_WEAKEN", "tmplinks,hostpath", 1);
	ck_assert(test_weakened("tmplinks"));
	ck_assert(test_weakened("hostpath"));
	ck_assert(!test_weakened("links"));
	ck_assert(!test_weakened("host"));
	setenv("SOCKGRADE_TEST_WEAKEN", "links", 1);
	ck_assert(test_weakened("links"));
	ck_assert(!test_weakened("tmplinks"));
	unsetenv("SOCKGRADE_TEST_WEAKEN");
	ck_assert(!test_weakened("links"));
}
END_TEST

Suite *make_folder_suite(void)
{
	Suite *s = suite_create("folder");
	TCase *tc = tcase_create("folder");
	tcase_add_test(tc, copy_leaves_out_links_and_other_copies);
	tcase_add_test(tc, copy_onto_a_full_disk_says_enospc);
	tcase_add_test(tc, gcda_files_go_back);
	tcase_add_test(tc, file_names_are_plain);
	tcase_add_test(tc, open_beneath_follows_no_link);
	tcase_add_test(tc, read_beneath_reads_regular_files_only);
	tcase_add_test(tc, weakened_parts_are_whole_names);
	suite_add_tcase(s, tc);
	return s;
}
