/*
 * grade/runner: a worker's probes, each in a process of its own. When the
 * sandbox can keep them apart, the worker forks a runner (runner_main),
 * which forks a probe process per probe, up to PROBES_AT_ONCE at a time;
 * each splits off a network and limits of its own (sandbox_split), runs its
 * probe and writes the result down a pipe. The runner passes the records
 * back to the worker in the spec's order (run_probes), so that timing never
 * changes what a report says.
 */
#include "internal.h"
#include "folder.h"
#include "probe.h"
#include "sandbox.h"
#include "util.h"
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

/* Probes of one submission that run at once, each in a process and a network of its own. */
#define PROBES_AT_ONCE SANDBOX_MAX_SPLITS
/*
 * Probes at once in the whole run, whatever JOBS is: each holds at most
 * MAX_BUFFERED (64 MiB) of what peers sent, so the harness holds at most
 * 4 GiB of it in all. 64 is what JOBS=2 reaches by itself.
 */
#define PROBE_SLOTS 64

/* A result that says the grader, not the student, failed this probe. */
static void harness_failure(const struct probe *probe, struct probe_result *res, const char *why)
{
	memset(res, 0, sizeof *res);
	res->probe = probe;
	res->runs = res->failed_runs = 1;
	res->failed_step = -1;
	res->diff_at = -1;
	res->why = xasprintf("harness error: %s", why);
}

/*
 * A forked process that runs one probe: its own network and limits
 * (sandbox_split), the probe, then its result (and what the reference said,
 * when recording) down fd. Its set-up counts as the probe's overhead. Never
 * returns.
 */
static void probe_process(const struct probe_env *penv, const struct probe *probe, size_t idx, int fd,
			  pid_t parent)
{
	int64_t t0 = now_us();
	struct probe_env env = *penv;
	struct probe_result res;
	struct strbuf out = STRBUF_INIT;
	char err[ERRLEN];
	size_t ref_from = env.ref ? env.ref->n : 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);	/* the runner died before the line above */
	/* held until this process ends: at most PROBE_SLOTS probes, so harness buffers are bounded */
	if (env.slots)
		slot_acquire(env.slots, ".probe", PROBE_SLOTS);
	if (sandbox_split(env.sb, err) < 0) {
		harness_failure(probe, &res, err);
	} else {
		int64_t setup_us = now_us() - t0;
		folder_probe_execute(&env, probe, idx, 0, &res);
		res.overhead_us += setup_us;
		res.wall_ms += setup_us / 1000;
	}
	/* the probe's programs are all gone before its result is final */
	sandbox_close(env.sb);
	wire_pack(&res, env.ref, ref_from, &out);
	int rc = write_all(fd, out.buf, out.len);
	_exit(rc < 0 ? 3 : 0);
}

struct runner {
	pid_t pid;
	int fd;			/* the read end of its result pipe */
	size_t idx;		/* which probe */
};

/*
 * Starts probe idx in a process of its own; 0, or -errno when it could not be
 * forked. The child keeps none of the runner's pipes but its own.
 */
static int runner_start(const struct probe_env *env, const struct probe *probe, size_t idx,
			struct runner *run, size_t nrun, int out_fd)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return -e;
	}
	if (pid == 0) {
		close(p[0]);
		close(out_fd);
		for (size_t i = 0; i < nrun; i++)
			close(run[i].fd);
		probe_process(env, probe, idx, p[1], parent);
	}
	close(p[1]);
	run[nrun] = (struct runner){ pid, p[0], idx };
	return 0;
}

/* One probe's record from the runner: how its process ended, then what it sent. */
static void put_record(struct strbuf *out, int64_t status, const struct strbuf *data)
{
	int64_t len = (int64_t)data->len;
	sb_add(out, &status, sizeof status);
	sb_add(out, &len, sizeof len);
	if (data->len)
		sb_add(out, data->buf, data->len);
}

/*
 * The runner: runs probes[0..n) at once, up to PROBES_AT_ONCE, each in a
 * probe process of its own, and writes one record per probe down fd, in the
 * spec's order whatever order they end in. Never returns.
 */
static void runner_main(const struct probe_env *env, const struct probe **probes, size_t n, int fd,
			pid_t parent)
{
	struct strbuf *got = xcalloc(n, sizeof *got);
	int64_t *status = xcalloc(n, sizeof *status);
	struct runner run[PROBES_AT_ONCE];
	struct pollfd pfd[PROBES_AT_ONCE];
	size_t next = 0, nrun = 0;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(3);	/* the worker died before the line above */
	while (next < n || nrun > 0) {
		while (next < n && nrun < PROBES_AT_ONCE) {
			int e = runner_start(env, probes[next], next, run, nrun, fd);
			if (e == 0) {
				nrun++;
				next++;
			} else if (nrun > 0) {
				break;	/* try again once a probe has ended */
			} else {
				status[next++] = e;	/* no process to be had at all */
			}
		}
		if (!nrun)
			continue;
		for (size_t i = 0; i < nrun; i++)
			pfd[i] = (struct pollfd){ .fd = run[i].fd, .events = POLLIN };
		if (poll(pfd, nrun, -1) < 0) {
			if (errno == EINTR)
				continue;
			_exit(3);
		}
		for (size_t i = 0; i < nrun; i++) {
			if (!pfd[i].revents)
				continue;
			char buf[65536];
			ssize_t k = read(run[i].fd, buf, sizeof buf);
			if (k > 0) {
				sb_add(&got[run[i].idx], buf, (size_t)k);
				continue;
			}
			if (k < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			close(run[i].fd);
			int st = 0;
			while (waitpid(run[i].pid, &st, 0) < 0 && errno == EINTR)
				;
			status[run[i].idx] = st;
			run[i] = run[--nrun];
			pfd[i] = pfd[nrun];
			i--;
		}
	}
	struct strbuf out = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		put_record(&out, status[i], &got[i]);
	_exit(write_all(fd, out.buf, out.len) < 0 ? 3 : 0);
}

/* The result of probe from its runner record; err says why when there is none. */
static void take_record(const struct probe_env *env, const struct probe *probe, int64_t status,
			const char *data, size_t len, struct probe_result *res)
{
	char err[ERRLEN];
	if (status < 0) {
		snprintf(err, sizeof err, "no process for the probe: %s", strerror((int)-status));
		harness_failure(probe, res, err);
	} else if (WIFSIGNALED((int)status)) {
		int sig = WTERMSIG((int)status);
		snprintf(err, sizeof err, "the process that ran this probe was killed by SIG%s",
			 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
		harness_failure(probe, res, err);
	} else if (wire_unpack(data, len, probe, res, env->is_reference ? env->ref : NULL, err) < 0) {
		harness_failure(probe, res, err);
	}
}

/*
 * Runs probes[0..n) of one submission into res[0..n). When the sandbox can
 * keep them apart, a runner process runs them at once (runner_main);
 * otherwise they run one after another here (and always for coverage, whose
 * counts go from each probe's folder to the next: folder.h). Each probe runs
 * in a copy of the scratch folder of its own. Results, and the answers the
 * reference gives, are taken in the spec's order, so that the outcome does
 * not depend on which probe ends first.
 */
void run_probes(const struct probe_env *env, const struct probe **probes, size_t n,
		struct probe_result *res, int coverage)
{
	int p[2];
	pid_t pid = -1;
	if (n >= 2 && !coverage && sandbox_can_split(env->sb) && pipe2(p, O_CLOEXEC) == 0) {
		fflush(NULL);
		pid_t parent = getpid();
		pid = fork();
		if (pid == 0) {
			close(p[0]);
			runner_main(env, probes, n, p[1], parent);
		}
		close(p[1]);
		if (pid < 0)
			close(p[0]);
	}
	if (pid < 0) {
		for (size_t i = 0; i < n; i++)
			folder_probe_execute(env, probes[i], i, coverage, &res[i]);
		return;
	}
	struct strbuf got = STRBUF_INIT;
	char buf[65536];
	ssize_t k;
	while ((k = read(p[0], buf, sizeof buf)) != 0) {
		if (k > 0)
			sb_add(&got, buf, (size_t)k);
		else if (errno != EINTR)
			break;
	}
	close(p[0]);
	int st = 0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	size_t at = 0;
	for (size_t i = 0; i < n; i++) {
		int64_t status, len;
		if (got.len - at < 2 * sizeof(int64_t)) {
			char why[ERRLEN];
			if (WIFSIGNALED(st))
				snprintf(why, sizeof why, "the probe runner was killed by SIG%s",
					 sigabbrev_np(WTERMSIG(st)) ? sigabbrev_np(WTERMSIG(st)) : "?");
			else
				snprintf(why, sizeof why, "the probe runner ended (status %d) before this probe",
					 WIFEXITED(st) ? WEXITSTATUS(st) : -1);
			harness_failure(probes[i], &res[i], why);
			continue;
		}
		memcpy(&status, got.buf + at, sizeof status);
		memcpy(&len, got.buf + at + sizeof status, sizeof len);
		at += 2 * sizeof(int64_t);
		if (len < 0 || (uint64_t)len > got.len - at) {
			at = got.len;
			harness_failure(probes[i], &res[i], "the probe runner's record is cut short");
			continue;
		}
		take_record(env, probes[i], status, got.buf + at, (size_t)len, &res[i]);
		at += (size_t)len;
	}
	sb_release(&got);
}
