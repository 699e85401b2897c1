/* The slots that bound builds and probes run at once (grade/worker.c slot_acquire). */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include "grade/internal.h"
#include "suites.h"
#include "util.h"

/* slot K of dir, taken by a process of its own that holds it until killed; its pid */
static pid_t holder(const char *dir, int k)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		char *path = xasprintf("%s/.slot-%d", dir, k);
		int fd = open(path, O_RDWR | O_CREAT, 0600);
		char c = fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0 ? 'y' : 'n';
		if (write(p[1], &c, 1) != 1 || c != 'y')
			_exit(1);
		for (;;)
			pause();
	}
	char c = 0;
	close(p[1]);
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	ck_assert_msg(c == 'y', "slot %d could not be taken", k);
	close(p[0]);
	return pid;
}

/*
 * A waiter takes the first slot that is freed, not the one its pid names: with
 * slot (its pid % 2) held all along, it gets the other one when that one's
 * holder dies. Before, it waited on its own slot for as long as that was held.
 */
START_TEST(a_waiter_takes_whichever_slot_frees_first)
{
	char dir[] = "/tmp/check_slots.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	int go[2], done[2];
	ck_assert_int_eq(pipe(go), 0);
	ck_assert_int_eq(pipe(done), 0);
	pid_t waiter = fork();
	ck_assert_int_ge(waiter, 0);
	if (waiter == 0) {
		char c;
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		int fd = slot_acquire(dir, ".slot", 2);
		char got = fd >= 0 ? 'y' : 'n';
		_exit(write(done[1], &got, 1) == 1 ? 0 : 1);
	}
	close(done[1]);
	pid_t own = holder(dir, waiter % 2), other = holder(dir, 1 - waiter % 2);
	ck_assert_int_eq(write(go[1], "g", 1), 1);
	/* both slots held: the waiter waits (a second without an answer) */
	struct pollfd pfd = { .fd = done[0], .events = POLLIN };
	ck_assert_int_eq(poll(&pfd, 1, 1000), 0);
	kill(other, SIGKILL);
	waitpid(other, NULL, 0);
	ck_assert_msg(poll(&pfd, 1, 10000) == 1, "the waiter did not take the slot that was freed");
	char got = 0;
	ck_assert_int_eq(read(done[0], &got, 1), 1);
	ck_assert_int_eq(got, 'y');
	int st;
	ck_assert_int_eq(waitpid(waiter, &st, 0), waiter);
	kill(own, SIGKILL);
	waitpid(own, NULL, 0);
	remove_tree(dir);
}
END_TEST

Suite *make_slots_suite(void)
{
	Suite *s = suite_create("slots");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, a_waiter_takes_whichever_slot_frees_first);
	suite_add_tcase(s, tc);
	return s;
}
