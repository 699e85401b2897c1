/*
 * check_cgroup: the cgroup layer (sandbox/cgroup.h) on folders that imitate
 * cgroupfs, v2 and v1: where a box's cgroups go (under the grader's own
 * cgroup, never at the root), what is written to which file, and what is
 * read back. cgroupfs makes a cgroup's files on mkdir; here the test makes
 * them beforehand, empty, so that each file holds what the layer wrote.
 * The real hierarchy of the machine is exercised by tests/isolation.sh.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/cgroup.h"
#include "suites.h"
#include "util.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", root, rel);
	/* the folders on the way */
	for (char *p = path + strlen(root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	FILE *f = fopen(path, "w");
	ck_assert_msg(f, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
	free(path);
}

static char *got(const char *rel)
{
	char *path = xasprintf("%s/%s", root, rel);
	struct strbuf sb = STRBUF_INIT;
	ck_assert_msg(read_file(path, &sb) == 0, "%s: %s", path, strerror(errno));
	free(path);
	return sb.buf ? sb.buf : xstrdup("");
}

static void expect_file(const char *rel, const char *want)
{
	char *text = got(rel);
	ck_assert_msg(strcmp(text, want) == 0, "%s holds '%s', expected '%s'", rel, text, want);
	free(text);
}

static void make_root(void)
{
	strcpy(root, "/tmp/sockgrade-cgfs.XXXXXX");
	ck_assert(mkdtemp(root));
}

static void drop_root(void)
{
	cgroup_set_root(NULL, NULL);
	remove_tree(root);
}

/* A v2 tree: the grader in /job/42, which offers cpu, memory and pids. */
static void v2_tree(const char *self)
{
	make_root();
	put("cgroup.controllers", "cpuset cpu io memory pids\n");
	put("self", self);
	const char *dirs[] = { "job/42", "job/42/sockgrade", "job/42/sockgrade/77" };
	for (size_t i = 0; i < 3; i++) {
		char rel[128];
		snprintf(rel, sizeof rel, "%s/cgroup.controllers", dirs[i]);
		put(rel, "cpu memory pids\n");
		snprintf(rel, sizeof rel, "%s/cgroup.subtree_control", dirs[i]);
		put(rel, "");
		snprintf(rel, sizeof rel, "%s/cgroup.procs", dirs[i]);
		put(rel, "");
	}
	const char *w[] = { "cpu.weight", "memory.max", "memory.swap.max" };
	for (size_t i = 0; i < 3; i++) {
		char rel[128];
		snprintf(rel, sizeof rel, "job/42/sockgrade/77/%s", w[i]);
		put(rel, "");
	}
	put("job/42/sockgrade/77/memory.events", "low 0\nhigh 0\nmax 5\noom 3\noom_kill 2\n");
	put("job/42/sockgrade/77/88/pids.max", "");
	put("job/42/sockgrade/77/88/cgroup.procs", "");
	char *selfpath = xasprintf("%s/self", root);
	cgroup_set_root(root, selfpath);
	free(selfpath);
}

START_TEST(test_v2_nests_under_own_cgroup)
{
	char why[128] = "";
	v2_tree("0::/job/42\n");
	ck_assert_str_eq(cgroup_version(), "v2");
	char *mem = cgroup_make(CG_MEMORY, NULL, 77, 64, why, sizeof why);
	ck_assert_msg(mem, "%s", why);
	char *want = xasprintf("%s/job/42/sockgrade/77", root);
	ck_assert_str_eq(mem, want);
	/* the grader's cgroup and sockgrade's hand memory, pids and cpu down */
	expect_file("job/42/cgroup.subtree_control", "+memory +pids +cpu");
	expect_file("job/42/sockgrade/cgroup.subtree_control", "+memory +pids +cpu");
	char *cpu = cgroup_make(CG_CPU, NULL, 77, 64, why, sizeof why);
	ck_assert_msg(cpu, "%s", why);
	ck_assert_str_eq(cpu, want);
	expect_file("job/42/sockgrade/77/cpu.weight", "100");

	/* a probe's pids leaf inside its worker's memory cgroup */
	char *pids = cgroup_make(CG_PIDS, mem, 88, 64, why, sizeof why);
	ck_assert_msg(pids, "%s", why);
	char *leaf = xasprintf("%s/88", want);
	ck_assert_str_eq(pids, leaf);
	expect_file("job/42/sockgrade/77/88/pids.max", "64");

	ck_assert_ptr_null(cgroup_make(CG_DEVICES, NULL, 77, 64, why, sizeof why));
	ck_assert_msg(strstr(why, "v2 has no devices"), "%s", why);

	ck_assert_int_eq(cgroup_set_memory_limit(mem, 1 << 20), 0);
	expect_file("job/42/sockgrade/77/memory.max", "1048576");
	expect_file("job/42/sockgrade/77/memory.swap.max", "0");
	ck_assert_int_eq(cgroup_memory_limit(mem), 1 << 20);
	/* what the limit ended, not how often it was reached */
	ck_assert_int_eq(cgroup_failcnt(mem), 2);

	const char *dirs[NCG] = { [CG_MEMORY] = mem, [CG_PIDS] = pids, [CG_CPU] = cpu };
	ck_assert_int_eq(cgroup_enter(dirs, 1234), 0);
	expect_file("job/42/sockgrade/77/88/cgroup.procs", "1234");
	free(mem);
	free(cpu);
	free(pids);
	free(want);
	free(leaf);
	drop_root();
}
END_TEST

/* A leaf outside the memory cgroup is no memory limit: said, not assumed. */
START_TEST(test_v2_enter_outside_memory_is_an_error)
{
	v2_tree("0::/job/42\n");
	char *mem = xasprintf("%s/job/42/sockgrade/77", root);
	char *other = xasprintf("%s/job/42/sockgrade/770/88", root);
	put("job/42/sockgrade/770/88/cgroup.procs", "");
	const char *dirs[NCG] = { [CG_MEMORY] = mem, [CG_PIDS] = other };
	errno = 0;
	ck_assert_int_eq(cgroup_enter(dirs, 99), -1);
	ck_assert_int_eq(errno, EXDEV);
	free(mem);
	free(other);
	drop_root();
}
END_TEST

/* The grader moved into OWN/sockgrade-procs by an earlier run still nests under OWN. */
START_TEST(test_v2_moved_grader_keeps_its_cgroup)
{
	char why[128] = "";
	v2_tree("0::/job/42/sockgrade-procs\n");
	char *mem = cgroup_make(CG_MEMORY, NULL, 77, 64, why, sizeof why);
	ck_assert_msg(mem, "%s", why);
	char *want = xasprintf("%s/job/42/sockgrade/77", root);
	ck_assert_str_eq(mem, want);
	free(mem);
	free(want);
	drop_root();
}
END_TEST

/* A cgroup without a memory controller: the reason names it. */
START_TEST(test_v2_no_memory_controller)
{
	char why[160] = "";
	v2_tree("0::/job/42\n");
	put("job/42/cgroup.controllers", "cpu pids\n");
	ck_assert_ptr_null(cgroup_make(CG_MEMORY, NULL, 77, 64, why, sizeof why));
	ck_assert_msg(strstr(why, "has no memory controller"), "%s", why);
	drop_root();
}
END_TEST

START_TEST(test_v1_nests_under_own_cgroup)
{
	char why[128] = "";
	make_root();
	put("memory/slurm/job_9/sockgrade/77/memory.limit_in_bytes", "");
	put("memory/slurm/job_9/sockgrade/77/memory.failcnt", "4\n");
	put("memory/slurm/job_9/sockgrade/77/cgroup.procs", "");
	put("pids/sockgrade/77/pids.max", "");
	put("pids/sockgrade/77/cgroup.procs", "");
	put("self", "10:devices:/\n8:pids:/\n4:memory:/slurm/job_9\n1:name=systemd:/x\n0::/\n");
	char *selfpath = xasprintf("%s/self", root);
	cgroup_set_root(root, selfpath);
	free(selfpath);
	ck_assert_str_eq(cgroup_version(), "v1");
	char *mem = cgroup_make(CG_MEMORY, NULL, 77, 64, why, sizeof why);
	ck_assert_msg(mem, "%s", why);
	char *want = xasprintf("%s/memory/slurm/job_9/sockgrade/77", root);
	ck_assert_str_eq(mem, want);
	char *pids = cgroup_make(CG_PIDS, mem, 77, 64, why, sizeof why);
	ck_assert_msg(pids, "%s", why);
	char *wantp = xasprintf("%s/pids/sockgrade/77", root);
	ck_assert_str_eq(pids, wantp);
	expect_file("pids/sockgrade/77/pids.max", "64");
	ck_assert_int_eq(cgroup_set_memory_limit(mem, 2 << 20), 0);
	expect_file("memory/slurm/job_9/sockgrade/77/memory.limit_in_bytes", "2097152");
	ck_assert_int_eq(cgroup_failcnt(mem), 4);
	const char *dirs[NCG] = { [CG_MEMORY] = mem, [CG_PIDS] = pids };
	ck_assert_int_eq(cgroup_enter(dirs, 4321), 0);
	expect_file("memory/slurm/job_9/sockgrade/77/cgroup.procs", "4321");
	expect_file("pids/sockgrade/77/cgroup.procs", "4321");
	free(mem);
	free(pids);
	free(want);
	free(wantp);
	drop_root();
}
END_TEST

START_TEST(test_no_hierarchy)
{
	char why[160] = "";
	make_root();
	put("self", "0::/\n");
	char *selfpath = xasprintf("%s/self", root);
	cgroup_set_root(root, selfpath);
	free(selfpath);
	ck_assert_ptr_null(cgroup_version());
	ck_assert_ptr_null(cgroup_make(CG_MEMORY, NULL, 1, 64, why, sizeof why));
	ck_assert_msg(strstr(why, "no cgroup file system"), "%s", why);
	drop_root();
}
END_TEST

/* A worker killed before it cleaned up: its cgroup and leaves go; a live one's stay. */
START_TEST(test_v2_remove_stale)
{
	v2_tree("0::/job/42\n");
	pid_t dead = fork();
	ck_assert_int_ge(dead, 0);
	if (dead == 0)
		_exit(0);
	ck_assert_int_eq(waitpid(dead, NULL, 0), dead);
	char rel[128], live[128];
	snprintf(rel, sizeof rel, "job/42/sockgrade/%d/%d", (int)dead, (int)dead);
	char *worker = xasprintf("%s/job/42/sockgrade/%d", root, (int)dead);
	char *leaf = xasprintf("%s/%s", root, rel);
	ck_assert_int_eq(mkdir(worker, 0755), 0);
	ck_assert_int_eq(mkdir(leaf, 0755), 0);
	free(worker);
	free(leaf);
	snprintf(live, sizeof live, "%s/job/42/sockgrade/%d", root, (int)getpid());
	ck_assert_int_eq(mkdir(live, 0755), 0);
	cgroup_remove_stale();
	char *gone = xasprintf("%s/job/42/sockgrade/%d", root, (int)dead);
	ck_assert_msg(access(gone, F_OK) < 0, "%s is still there", gone);
	ck_assert_msg(access(live, F_OK) == 0, "%s (a live worker's) was removed", live);
	free(gone);
	drop_root();
}
END_TEST

Suite *make_cgroup_suite(void)
{
	Suite *s = suite_create("cgroup");
	TCase *tc = tcase_create("layout");
	tcase_add_test(tc, test_v2_nests_under_own_cgroup);
	tcase_add_test(tc, test_v2_enter_outside_memory_is_an_error);
	tcase_add_test(tc, test_v2_moved_grader_keeps_its_cgroup);
	tcase_add_test(tc, test_v2_no_memory_controller);
	tcase_add_test(tc, test_v1_nests_under_own_cgroup);
	tcase_add_test(tc, test_no_hierarchy);
	tcase_add_test(tc, test_v2_remove_stale);
	suite_add_tcase(s, tc);
	return s;
}
