/*
 * probe/process: the steps on the programs a probe starts: start (and wait
 * until it listens), stdin, stdout and stderr, signals, exit, zombies and
 * leaked descriptors.
 */
#include "run.h"
#include "launch.h"
#include "match.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct proc *proc_get(struct probe_run *r, const struct step *s)
{
	const char *name = opt_text(s, "program", NULL);
	for (size_t i = r->nprocs; i-- > 0;)
		if (!name || !strcmp(r->procs[i].program, name))
			return &r->procs[i];
	fail(r, "spec error: %s%s%s has not been started at this step", name ? "'" : "no program",
	     name ? name : "", name ? "'" : "");
	return NULL;
}

/* 1 when the harness reset (aborted) a connection earlier in the probe. */
static int harness_reset_one(const struct probe_run *r)
{
	for (size_t i = 0; i < r->res->nevents; i++)
		if (r->res->events[i].kind == EV_ABORT)
			return 1;
	return 0;
}

/*
 * What a signal that killed a socket program means, and what to do, in words;
 * NULL for one that says nothing more than its name (SIGINT the spec sent).
 */
static const char *signal_cause(int sig, int reset)
{
	switch (sig) {
	case SIGPIPE:
		return reset ? "(it wrote to a connection the client had reset): ignore SIGPIPE or "
			       "send with MSG_NOSIGNAL" :
			       "(it wrote to a connection the client had closed): ignore SIGPIPE or "
			       "send with MSG_NOSIGNAL";
	case SIGSEGV:
		return "(an invalid memory access: a NULL or stray pointer, an index past the end of "
		       "an array, or argv[1] read when no argument was given)";
	case SIGABRT:
		return "(abort() was called: a failed assert(), or malloc() or free() found the heap "
		       "corrupted, as after a write past the end of a buffer)";
	case SIGBUS:
		return "(an invalid memory access, such as a misaligned pointer or past the end of a "
		       "mapped file)";
	case SIGFPE:
		return "(an arithmetic error, such as an integer division by zero)";
	case SIGILL:
		return "(an illegal instruction: often a corrupted stack or a function pointer gone "
		       "wrong)";
	case SIGSYS:
		return "(a system call the sandbox refuses)";
	case SIGXFSZ:
		return "(it wrote a file larger than the file size limit)";
	}
	return NULL;
}

/* "killed by SIGSEGV (...)" with its words, or NULL when the end was not such a signal. */
static char *signal_end_words(struct probe_run *r, const struct verdict *v)
{
	if (v->status != V_SIGNAL)
		return NULL;
	const char *w = signal_cause(v->signal, harness_reset_one(r));
	if (!w)
		return NULL;
	return xasprintf("killed by SIG%s %s", sigabbrev_np(v->signal) ? sigabbrev_np(v->signal) : "?",
			 w);
}

void describe_end(struct probe_run *r, const struct sbproc *p, struct strbuf *sb)
{
	const struct verdict *v = sbproc_verdict(p);
	char *words = signal_end_words(r, v);
	if (words) {
		sb_adds(sb, words);
		if (v->output_cut)
			sb_addf(sb, " (output limit: %zu bytes not kept)", v->output_cut);
		free(words);
	} else {
		verdict_describe(v, sb);
	}
	const struct capture *e = sbproc_stderr(p);
	if (e->total) {
		struct strbuf tail = STRBUF_INIT;
		capture_tail(e, 200, &tail);
		sb_adds(sb, "; its stderr ends with \"");
		sb_add_escaped(sb, tail.buf, tail.len);
		sb_adds(sb, "\"");
		sb_release(&tail);
	}
}

/* 1 when the program's main process is ending or gone while its end is not yet reported. */
static int ending(struct probe_run *r, void *arg)
{
	struct proc *pr = arg;
	(void)r;
	if (sbproc_ended(pr->p))
		return 0;
	return launch_proc_exiting(sbproc_pid(pr->p));
}

static int reported(struct probe_run *r, void *arg)
{
	(void)r;
	return sbproc_ended(((struct proc *)arg)->p);
}

void explain_failure(struct probe_run *r)
{
	if (!r->res->why)
		return;
	pump(r, now_ms(), NULL, NULL);
	/*
	 * A reset or refused connection is what a server that goes away leaves: one
	 * that is ending, or that closed its sockets on its way out, gets a moment to
	 * end, so that its status, not the symptom, is the reason every run.
	 */
	int gone = 0;
	for (size_t i = 0; i < r->nconns; i++)
		gone |= r->conns[i].rst;
	for (size_t i = 0; i < r->res->nevents; i++)
		gone |= r->res->events[i].kind == EV_REFUSED;
	for (size_t i = 0; i < r->nprocs; i++)
		if (ending(r, &r->procs[i]) || (gone && r->procs[i].server && !sbproc_ended(r->procs[i].p)))
			pump(r, now_ms() + scaled_ms(ending(r, &r->procs[i]) ? 500 : 200), reported,
			     &r->procs[i]);
	for (size_t i = 0; i < r->nprocs; i++) {
		struct proc *pr = &r->procs[i];
		if (!sbproc_ended(pr->p))
			continue;
		char *words = signal_end_words(r, sbproc_verdict(pr->p));
		if (!words)
			continue;
		/* a step that already says how the program ended keeps its words in place */
		if (!strstr(r->res->why, words)) {
			char *why = xasprintf("%s was %s; then %s", pr->program, words, r->res->why);
			free(r->res->why);
			r->res->why = why;
		}
		free(words);
		return;
	}
	/* a server that ended by itself, when the step does not name it: its status and stderr */
	for (size_t i = 0; i < r->nprocs; i++) {
		struct proc *pr = &r->procs[i];
		const struct verdict *v = sbproc_verdict(pr->p);
		if (!pr->server || !sbproc_ended(pr->p) || (v->status != V_OK && v->status != V_EXIT) ||
		    strstr(r->res->why, pr->program))
			continue;
		struct strbuf d = STRBUF_INIT;
		describe_end(r, pr->p, &d);
		char *why = xasprintf("%s had ended: %s; then %s", pr->program, d.buf, r->res->why);
		free(r->res->why);
		r->res->why = why;
		sb_release(&d);
		return;
	}
}

/* Writes text to a program's stdin (a pipe), serving everything else while it is full. */
static int write_stdin(struct probe_run *r, struct proc *pr, const struct step_arg *text, int close_after,
		       int64_t deadline)
{
	struct strbuf data = STRBUF_INIT;
	int rc = -1;

	if (subst(r, text->text, text->len, &data) < 0)
		goto out;
	int fd = sbproc_stdin(pr->p);
	if (fd < 0) {
		fail(r, "spec error: %s's stdin is not open (give 'stdin' when starting it)", pr->program);
		goto out;
	}
	size_t off = 0;
	while (off < data.len) {
		ssize_t n = write(fd, data.buf + off, data.len - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN && wait_fd(r, fd, POLLOUT, deadline))
			continue;
		break;	/* a program that stopped reading (or ended) gets no more */
	}
	ev(r, EV_STDIN, pr->program, data.buf, off);
	if (close_after)
		sbproc_close_stdin(pr->p);
	rc = 0;
out:
	sb_release(&data);
	return rc;
}

/*
 * The port a server is told to use: the one used before (same_port), else a
 * free one, set as {port}; none for a program that is not a server. Sets
 * {host} when nothing has. 0, or -1 (fail).
 */
static int start_port(struct probe_run *r, const struct step *s, const char *ready, int *want_port)
{
	const struct step_arg *same = step_opt(s, "same_port");

	*want_port = -1;
	if (same && same->num) {
		if (!var_get(r, "port"))
			return fail(r, "spec error: same_port, but no port was used before");
		*want_port = atoi(var_get(r, "port"));
	} else if (strcmp(ready, "none")) {
		/*
		 * A port whose bytes differ and whose byte swap is 1024 or more: a server
		 * that forgets htons() then listens on the swapped port, every run, where
		 * the probe can say so (a swapped port below 1024 would fail its bind()).
		 */
		for (int tries = 0; tries < 64; tries++) {
			*want_port = free_port(!strcmp(ready, "udp") ? SOCK_DGRAM : SOCK_STREAM);
			if (*want_port < 0 || ((*want_port & 0xff) >= 4 && (*want_port & 0xff) != *want_port >> 8))
				break;
		}
		if (*want_port < 0)
			return fail(r, "harness error: no free port: %s", strerror(errno));
		var_set_int(r, "port", *want_port);
	}
	if (!var_get(r, "host"))
		var_set(r, "host", "127.0.0.1", 9);
	return 0;
}

/*
 * Fills argv (ntmpl + 2 slots, zeroed) with the binary and the template
 * substituted, and shown with the command line as a shell would show it.
 * 0, or -1 (fail); the caller frees argv[1..ntmpl] either way.
 */
static int start_argv(struct probe_run *r, const char *bin, const char *name, char **tmpl,
		      size_t ntmpl, const char **argv, struct strbuf *shown)
{
	argv[0] = bin;
	sb_adds(shown, name);
	for (size_t i = 0; i < ntmpl; i++) {
		struct strbuf a = STRBUF_INIT;
		if (subst(r, tmpl[i], strlen(tmpl[i]), &a) < 0) {
			sb_release(&a);
			return -1;
		}
		argv[i + 1] = sb_detach(&a, NULL);
		sb_addf(shown, " %s", argv[i + 1]);
	}
	return 0;
}

/* The limits of a started program: the spec's, then the program's own, over the defaults. */
static void start_limits(const struct spec *spec, const struct program *prog,
			 struct sandbox_limits *lim)
{
	const struct spec_limits *ls[2] = { &spec->limits, &prog->limits };

	sandbox_default_limits(lim);
	for (int i = 0; i < 2; i++) {
		if (ls[i]->cpu_ms >= 0)
			lim->cpu_ms = ls[i]->cpu_ms;
		if (ls[i]->memory_mb >= 0)
			lim->memory_mb = ls[i]->memory_mb;
		if (ls[i]->nofile >= 0)
			lim->nofile = (int)ls[i]->nofile;
		if (ls[i]->fsize_mb >= 0)
			lim->fsize_mb = ls[i]->fsize_mb;
		if (ls[i]->output_kb >= 0)
			lim->output_cap = (size_t)ls[i]->output_kb * 1024;
	}
}

/* 1 when port is in the kernel's range for ports it chooses itself (bind to port 0). */
static int ephemeral(int port)
{
	struct strbuf sb = STRBUF_INIT;
	int lo = 32768, hi = 60999;
	if (read_file("/proc/sys/net/ipv4/ip_local_port_range", &sb) == 0 && sb.buf)
		sscanf(sb.buf, "%d %d", &lo, &hi);
	sb_release(&sb);
	return port >= lo && port <= hi;
}

/*
 * Why a server listens on port got, not on port want given in argv, from the
 * port seen: the given port with its bytes swapped (no htons()), a port
 * the kernel chose (bind() failed unchecked, held by the last run, or given
 * port 0 by htonl()), or a fixed one.
 */
static void port_cause(const char *prog, int want, int got, const char *held, struct strbuf *sb)
{
	if (got == (((want & 0xff) << 8) | (want >> 8)))
		sb_addf(sb, "%s listens on port %d = the port you were given with its bytes swapped: use "
			"htons(), not htonl() or no conversion", prog, got);
	else if (held)
		sb_addf(sb, "%s could not bind port %d again (a connection of its last run holds it in "
			"%s, where bind() fails with EADDRINUSE unless SO_REUSEADDR is set) and listens "
			"on port %d, which the kernel chose: set SO_REUSEADDR and check what bind() "
			"returns", prog, want, held, got);
	else if (ephemeral(got))
		sb_addf(sb, "%s listens on port %d, which the kernel chose, not on port %d given in "
			"argv: its bind() failed unchecked, or was given port 0 (htonl() instead of "
			"htons()?)", prog, got, want);
	else
		sb_addf(sb, "%s listens on port %d, a fixed port, not on port %d given in argv: take the "
			"port from argv[1]", prog, got, want);
}

/*
 * Waits until a started server listens (or is bound, for UDP) on the port
 * it was given (any_port: on any port, which becomes {port}), on every
 * address if the step says so. 0, or -1 (fail).
 */
static int await_ready(struct probe_run *r, const struct step *s, struct proc *pr,
		       const char *ready, int want_port)
{
	const struct spec *spec = r->env->spec;
	const struct step_arg *rw = step_opt(s, "ready_within");
	int64_t deadline = now_ms() + scaled_ms(rw ? rw->num : spec->ready_within_ms);
	struct endpoint eps[16];
	int n;
	int st = launch_wait_ready(pr->p, ready, deadline, eps, 16, &n, &r->blocked_us);
	const struct step_arg *same = step_opt(s, "same_port");
	/* a restart on a port that a connection of the last run still holds */
	const char *held = same && same->num && strcmp(ready, "udp") ? launch_port_held(want_port) : NULL;
	if (st < 0) {
		struct strbuf d = STRBUF_INIT;
		describe_end(r, pr->p, &d);
		note_exit(r, pr);
		if (held)
			fail(r, "%s could not listen on port %d again: a connection of its last run holds "
				"the port in %s, where bind() fails with EADDRINUSE unless SO_REUSEADDR is set "
				"before it; then %s ended before it was listening: %s", pr->program, want_port,
			     held, pr->program, d.buf);
		else
			fail(r, "%s ended before it was %s: %s", pr->program,
			     !strcmp(ready, "udp") ? "bound to a UDP port" : "listening", d.buf);
		sb_release(&d);
		return -1;
	}
	if (st == 0) {
		ev(r, EV_TIMEOUT, pr->program, NULL, 0);
		sbproc_timeout(pr->p);
		note_exit(r, pr);
		return fail(r, "%s was not %s within %.1fs", pr->program,
			    !strcmp(ready, "udp") ? "bound to a UDP port" : "listening on a TCP port",
			    (double)scaled_ms(rw ? rw->num : spec->ready_within_ms) / 1000);
	}
	struct endpoint *ep = NULL;
	for (int i = 0; i < n; i++)
		if (eps[i].port == want_port && (!ep || eps[i].family == AF_INET))
			ep = &eps[i];
	if (!ep) {
		const struct step_arg *any = step_opt(s, "any_port");
		struct strbuf why = STRBUF_INIT;
		port_cause(pr->program, want_port, eps[0].port, held, &why);
		if (!any || !any->num) {
			fail(r, "%s", why.buf);
			sb_release(&why);
			return -1;
		}
		ep = &eps[0];
		note(r, EV_NOTE, pr->program, "%s; probing port %d", why.buf, ep->port);
		sb_release(&why);
		var_set_int(r, "port", ep->port);
	}
	if (check_listen_address(r, s, pr->program, eps, n, ep) < 0)
		return -1;
	note(r, EV_READY, pr->program, "%s %s port %d",
	     !strcmp(ready, "udp") ? "bound to" : "listening on", ep->addr, ep->port);
	pr->fds_at_ready = launch_count_fds(sbproc_pid(pr->p));
	return 0;
}

int step_start(struct probe_run *r, const struct step *s)
{
	const struct spec *spec = r->env->spec;
	const struct program *prog = spec_program(spec, s->value.text);
	size_t idx = (size_t)(prog - spec->programs);
	const char *ready = opt_text(s, "ready", prog->ready);
	const struct step_arg *argv_opt = step_opt(s, "argv");
	char **tmpl = argv_opt ? argv_opt->list : prog->argv;
	size_t ntmpl = argv_opt ? argv_opt->nlist : prog->argc;
	int want_port, rc = -1;

	if (!r->env->bins[idx])
		return fail(r, "%s was not built: %s", prog->name,
			    r->env->build_why[idx] ? r->env->build_why[idx] : "unknown reason");
	if (r->nprocs == MAX_PROCS)
		return fail(r, "spec error: more than %d programs in one probe", MAX_PROCS);
	if (start_port(r, s, ready, &want_port) < 0)
		return -1;

	const char **argv = xcalloc(ntmpl + 2, sizeof *argv);
	struct strbuf shown = STRBUF_INIT;
	/* argv[0] as a shell in the submission's folder gives it: no scratch path in a usage line */
	const char *bin = r->env->bins[idx];
	const char *tail = path_below(bin, r->env->workdir);
	char arg0[512];
	int rel = tail && snprintf(arg0, sizeof arg0, "./%s", tail) < (int)sizeof arg0;
	if (start_argv(r, rel ? arg0 : bin, prog->name, tmpl, ntmpl, argv, &shown) < 0)
		goto out;

	struct sandbox_limits lim;
	start_limits(spec, prog, &lim);
	const struct step_arg *in = step_opt(s, "stdin");
	struct spawn sp = { .argv = argv, .cwd = r->env->workdir,
			    .folder = r->env->folder, .stdin_pipe = in != NULL,
			    .stdout_pty = prog->stdout_pty, .keep_box = 1, .lim = &lim };
	char err[ERRLEN];
	struct sbproc *p;
	if (sandbox_spawn(r->env->sb, &sp, &p, err) < 0) {
		fail(r, "%s", err);
		goto out;
	}
	struct proc *pr = &r->procs[r->nprocs++];
	pr->program = xstrdup(prog->name);
	pr->argv = xstrdup(shown.buf);
	pr->p = p;
	pr->fds_at_ready = -1;
	pr->exit_noted = 0;
	pr->server = strcmp(ready, "none") != 0;
	ev(r, EV_START, prog->name, shown.buf, shown.len);
	if (in) {
		const struct step_arg *open_ = step_opt(s, "stdin_open");
		if (write_stdin(r, pr, in, !(open_ && open_->num), now_ms() + scaled_ms(spec->within_ms)) < 0)
			goto out;
	}
	rc = strcmp(ready, "none") ? await_ready(r, s, pr, ready, want_port) : 0;
out:
	for (size_t i = 1; i <= ntmpl; i++)
		free((char *)argv[i]);
	free(argv);
	sb_release(&shown);
	return rc;
}

static int proc_ended(struct probe_run *r, void *arg)
{
	(void)r;
	return sbproc_ended(((struct proc *)arg)->p);
}

int step_expect_exit(struct probe_run *r, const struct step *s)
{
	struct proc *pr = proc_get(r, s);
	if (!pr)
		return -1;
	int64_t deadline = within(r, s);
	if (!pump(r, deadline, proc_ended, pr)) {
		ev(r, EV_TIMEOUT, pr->program, NULL, 0);
		sbproc_timeout(pr->p);
		return fail(r, "%s was still running after %.1fs; expected it to exit", pr->program,
			    within_s(r, s));
	}
	const struct verdict *v = sbproc_verdict(pr->p);
	int64_t want = s->value.num;
	struct strbuf d = STRBUF_INIT;
	describe_end(r, pr->p, &d);
	int exited = v->status == V_OK || v->status == V_EXIT;
	int ok = want == -2 ? exited || v->status == V_SIGNAL :
		 want == -1 ? v->status == V_EXIT : exited && v->exit_code == want;
	int rc = 0;
	if (!ok) {
		if (want == -2)
			rc = fail(r, "%s %s; expected it to exit", pr->program, d.buf);
		else if (want == -1)
			rc = fail(r, "%s %s; expected an exit with a non-zero status", pr->program, d.buf);
		else
			rc = fail(r, "%s %s; expected exit status %d", pr->program, d.buf, (int)want);
	}
	sb_release(&d);
	return rc;
}

struct wait_out {
	struct proc *pr;
	int err;		/* 1: stderr, 0: stdout */
	const struct match_opts *how;
	const struct strbuf *want;
};

static const struct capture *output_of(const struct proc *pr, int err)
{
	return err ? sbproc_stderr(pr->p) : sbproc_stdout(pr->p);
}

static int output_matches(struct probe_run *r, void *arg)
{
	struct wait_out *w = arg;
	struct strbuf out = STRBUF_INIT;
	size_t used;
	long diff;
	char err[ERRLEN];
	(void)r;
	capture_text(output_of(w->pr, w->err), &out);
	int ended = sbproc_ended(w->pr->p);
	enum match_verdict m = match_bytes(w->how, w->want->buf ? w->want->buf : "", w->want->len,
					   out.buf ? out.buf : "", out.len, ended, &used, &diff, err);
	sb_release(&out);
	return m == MATCH_YES || m == MATCH_YES_MORE || ended;
}

/* expect_stdout and expect_stderr: waits until the stream holds the text, the program ends, or the deadline. */
static int expect_output(struct probe_run *r, const struct step *s, int errstream)
{
	struct proc *pr = proc_get(r, s);
	struct strbuf want = STRBUF_INIT, out = STRBUF_INIT;
	int record, rc = -1;
	const char *what = errstream ? "stderr" : "stdout";

	if (!pr || expectation(r, s, &want, &record) < 0)
		goto out;
	struct match_opts how;
	match_opts_of(s, "contains", &how);
	how.tol = TOL_NONE;
	struct wait_out w = { pr, errstream, &how, &want };
	int64_t deadline = within(r, s);
	if (record) {
		pump(r, deadline, proc_ended, pr);
		capture_text(output_of(pr, errstream), &out);
		ref_add(r->env->ref, r->probe->name, r->step, r->run, out.buf ? out.buf : "", out.len);
		rc = 0;
		goto out;
	}
	int in_time = pump(r, deadline, output_matches, &w);
	capture_text(output_of(pr, errstream), &out);
	size_t used;
	long diff;
	char err[ERRLEN] = "";
	enum match_verdict m = match_bytes(&how, want.buf ? want.buf : "", want.len,
					   out.buf ? out.buf : "", out.len, 1, &used, &diff, err);
	if (m == MATCH_YES) {
		rc = 0;
		goto out;
	}
	set_expected(r, want.buf ? want.buf : "", want.len);
	set_observed(r, out.buf ? out.buf : "", out.len, how.mode == MATCH_CONTAINS ? -1 : diff);
	if (*err)
		fail(r, "spec error: %s", err);
	else if (!in_time)
		fail(r, "%s did not print the expected text on %s within %.1fs", pr->program, what,
		     within_s(r, s));
	else {
		struct strbuf d = STRBUF_INIT;
		describe_end(r, pr->p, &d);
		fail(r, "%s %s without printing the expected text on %s", pr->program, d.buf, what);
		sb_release(&d);
	}
out:
	sb_release(&want);
	sb_release(&out);
	return rc;
}

int step_expect_stdout(struct probe_run *r, const struct step *s)
{
	return expect_output(r, s, 0);
}

int step_expect_stderr(struct probe_run *r, const struct step *s)
{
	return expect_output(r, s, 1);
}

int step_signal(struct probe_run *r, const struct step *s)
{
	static const struct { const char *name; int sig; } sigs[] = {
		{ "SIGINT", SIGINT }, { "SIGTERM", SIGTERM }, { "SIGHUP", SIGHUP },
		{ "SIGKILL", SIGKILL }, { "SIGUSR1", SIGUSR1 }, { "SIGUSR2", SIGUSR2 },
	};
	struct proc *pr = proc_get(r, s);
	if (!pr)
		return -1;
	for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
		if (!strcmp(sigs[i].name, s->value.text)) {
			pump(r, now_ms(), NULL, NULL);
			const struct step_arg *ended_ok = step_opt(s, "ended_ok");
			if (sbproc_ended(pr->p) && ended_ok && ended_ok->num) {
				note(r, EV_NOTE, pr->program, "had already ended: no %s sent", sigs[i].name);
				return 0;
			}
			if (sbproc_ended(pr->p)) {
				struct strbuf d = STRBUF_INIT;
				describe_end(r, pr->p, &d);
				int rc = fail(r, "%s had already ended before %s: %s", pr->program,
					      sigs[i].name, d.buf);
				sb_release(&d);
				return rc;
			}
			sbproc_signal(pr->p, sigs[i].sig);
			pr->sent_signal = sigs[i].sig;
			note(r, EV_NOTE, pr->program, "sent %s", sigs[i].name);
			return 0;
		}
	return fail(r, "spec error: unknown signal '%s'", s->value.text);
}

int step_alive(struct probe_run *r, const struct step *s)
{
	const char *name = s->value.present ? s->value.text : NULL;
	struct proc *pr = NULL;
	for (size_t i = r->nprocs; i-- > 0;)
		if (!name || !strcmp(r->procs[i].program, name)) {
			pr = &r->procs[i];
			break;
		}
	if (!pr)
		return fail(r, "spec error: %s has not been started", name ? name : "no program");
	pump(r, now_ms(), NULL, NULL);
	if (!sbproc_ended(pr->p))
		return 0;
	struct strbuf d = STRBUF_INIT;
	describe_end(r, pr->p, &d);
	int rc = fail(r, "%s is no longer running: %s", pr->program, d.buf);
	sb_release(&d);
	return rc;
}

int step_stdin(struct probe_run *r, const struct step *s)
{
	struct proc *pr = proc_get(r, s);
	const struct step_arg *cl = step_opt(s, "close");
	if (!pr)
		return -1;
	return write_stdin(r, pr, &s->value, cl && cl->num, within(r, s));
}

/* The program the step names, if it still runs once what has happened is served; NULL (fail) otherwise. */
static struct proc *running_proc(struct probe_run *r, const struct step *s)
{
	struct proc *pr = proc_get(r, s);
	if (!pr)
		return NULL;
	pump(r, now_ms(), NULL, NULL);
	if (sbproc_ended(pr->p)) {
		fail(r, "%s is no longer running", pr->program);
		return NULL;
	}
	return pr;
}

static int no_zombies(struct probe_run *r, void *arg)
{
	struct proc *pr = arg;
	(void)r;
	return sbproc_ended(pr->p) || launch_count_zombies(sbproc_pid(pr->p)) == 0;
}

/*
 * Passes as soon as the program has no child that ended unreaped (a handler
 * may take a moment), or once it has ended itself (its orphans are then
 * reaped for it); fails when zombies are still there at the deadline.
 */
int step_expect_no_zombies(struct probe_run *r, const struct step *s)
{
	struct proc *pr = proc_get(r, s);
	if (!pr)
		return -1;
	if (pump_until(r, within(r, s), no_zombies, pr))
		return 0;
	int z = launch_count_zombies(sbproc_pid(pr->p));
	return fail(r, "%s has %d zombie child process%s %.1fs later: it does not reap its children",
		    pr->program, z, z == 1 ? "" : "es", within_s(r, s));
}

int step_expect_no_fd_leak(struct probe_run *r, const struct step *s)
{
	struct proc *pr = running_proc(r, s);
	if (!pr)
		return -1;
	int now = launch_count_fds(sbproc_pid(pr->p));
	if (pr->fds_at_ready < 0 || now < 0)
		return fail(r, "spec error: %s was not started as a server", pr->program);
	if (now > pr->fds_at_ready)
		return fail(r, "%s has %d open file descriptors, %d more than when it started "
			       "listening: it does not close the sockets of clients that left",
			    pr->program, now, now - pr->fds_at_ready);
	return 0;
}

/* ---- holding a program: its children end while it cannot run ---- */

/* The program the step names, still running (NULL: fail), with what has happened served. */
static struct proc *live_proc_of(struct probe_run *r, const struct step *s)
{
	const char *name = s->value.present ? s->value.text : NULL;
	struct proc *pr = NULL;
	for (size_t i = r->nprocs; i-- > 0;)
		if (!name || !strcmp(r->procs[i].program, name)) {
			pr = &r->procs[i];
			break;
		}
	if (!pr) {
		fail(r, "spec error: %s has not been started", name ? name : "no program");
		return NULL;
	}
	pump(r, now_ms(), NULL, NULL);
	if (sbproc_ended(pr->p)) {
		struct strbuf d = STRBUF_INIT;
		describe_end(r, pr->p, &d);
		fail(r, "%s is no longer running: %s", pr->program, d.buf);
		sb_release(&d);
		return NULL;
	}
	return pr;
}

/* Idle: every connection waiting on its listeners accepted, and its main thread asleep. */
static int idle(struct probe_run *r, void *arg)
{
	struct proc *pr = arg;
	(void)r;
	if (sbproc_ended(pr->p))
		return 1;
	pid_t pid = sbproc_pid(pr->p);
	return launch_accept_backlog(pid) <= 0 && launch_proc_state(pid) == 'S';
}

/* Stopped: every thread of its main process (its children run on). */
static int stopped(struct probe_run *r, void *arg)
{
	struct proc *pr = arg;
	(void)r;
	return sbproc_ended(pr->p) || launch_stopped(sbproc_pid(pr->p));
}

/*
 * hold: once the program is idle (it has accepted every waiting connection and
 * sleeps, in accept() say; or at the deadline), stops its main process with
 * SIGSTOP, not its children: what they do meanwhile (end, and send SIGCHLD)
 * waits for release, as it does when a parent is busy. Deterministic where
 * the scheduler is not: signals of children that end together merge.
 */
int step_hold(struct probe_run *r, const struct step *s)
{
	struct proc *pr = live_proc_of(r, s);
	if (!pr)
		return -1;
	if (!pump_until(r, within(r, s), idle, pr))
		note(r, EV_NOTE, pr->program, "still busy after %.1fs: held all the same",
		     within_s(r, s));
	if (sbproc_ended(pr->p))
		return fail(r, "%s ended before it could be held", pr->program);
	if (kill(sbproc_pid(pr->p), SIGSTOP) < 0)
		return fail(r, "harness error: SIGSTOP: %s", strerror(errno));
	pr->held = 1;
	/*
	 * The stop takes effect once the program runs again: until then, a
	 * program woken in select() would still see what the next steps do.
	 */
	if (!pump_until(r, within(r, s), stopped, pr))
		note(r, EV_NOTE, pr->program, "not yet stopped after %.1fs: held all the same",
		     within_s(r, s));
	note(r, EV_NOTE, pr->program, "held (SIGSTOP to its main process only)");
	return 0;
}

static int children_ended(struct probe_run *r, void *arg)
{
	struct proc *pr = arg;
	struct live_proc v[1];
	(void)r;
	return sbproc_ended(pr->p) || launch_live_descendants(sbproc_pid(pr->p), v, 1) == 0;
}

/* release: continues a held program (SIGCONT); after_children: once every child has ended (within). */
int step_release(struct probe_run *r, const struct step *s)
{
	struct proc *pr = live_proc_of(r, s);
	if (!pr)
		return -1;
	if (!pr->held)
		return fail(r, "spec error: %s is not held (a hold step comes first)", pr->program);
	const struct step_arg *after = step_opt(s, "after_children");
	if (after && after->num && !pump_until(r, within(r, s), children_ended, pr))
		note(r, EV_NOTE, pr->program, "children still running after %.1fs: released all the same",
		     within_s(r, s));
	kill(sbproc_pid(pr->p), SIGCONT);
	pr->held = 0;
	note(r, EV_NOTE, pr->program, "released (SIGCONT)");
	return 0;
}

/* What expect_children_exit saw of the children while it waited. */
struct child_watch {
	struct proc *pr;
	int looks;		/* times the children were looked at */
	int running;		/* of those, times every child left was running or runnable */
};

static int children_ended_watched(struct probe_run *r, void *arg)
{
	struct child_watch *w = arg;
	struct live_proc v[64];
	(void)r;
	if (sbproc_ended(w->pr->p))
		return 1;
	int n = launch_live_descendants(sbproc_pid(w->pr->p), v, 64);
	if (!n)
		return 1;
	int all_running = 1;
	for (int i = 0; i < n; i++)
		if (launch_proc_state(v[i].pid) != 'R')
			all_running = 0;
	w->looks++;
	w->running += all_running;
	return 0;
}

/*
 * expect_children_exit: passes once the program has no child process that
 * still runs (zombies have ended); fails at the deadline with what the ones
 * left did meanwhile, measured: how often they were found running or
 * runnable (a spinning loop; on a loaded machine it waits for a CPU but stays
 * runnable) rather than asleep in a call, and the CPU time they used.
 */
int step_expect_children_exit(struct probe_run *r, const struct step *s)
{
	struct proc *pr = proc_get(r, s);
	if (!pr)
		return -1;
	struct live_proc before[64], after[64];
	int nb = sbproc_ended(pr->p) ? 0 : launch_live_descendants(sbproc_pid(pr->p), before, 64);
	struct child_watch w = { pr, 0, 0 };
	int64_t t0 = now_ms();
	if (pump_until(r, within(r, s), children_ended_watched, &w))
		return 0;
	int na = launch_live_descendants(sbproc_pid(pr->p), after, 64);
	if (!na)
		return 0;
	double waited = (double)(now_ms() - t0) / 1000;
	int64_t cpu = 0;
	for (int i = 0; i < na; i++) {
		int64_t at_start = 0;
		for (int k = 0; k < nb; k++)
			if (before[k].pid == after[i].pid)
				at_start = before[k].cpu_ms;
		cpu += after[i].cpu_ms - at_start;
	}
	int spins = w.looks && w.running * 2 > w.looks;
	return fail(r, "%d child process%s of %s still ran %.1fs after %s client%s left (%s in %d of %d "
		       "looks, %.2fs of CPU): %s", na, na == 1 ? "" : "es", pr->program, waited,
		    na == 1 ? "its" : "their", na == 1 ? "" : "s", spins ? "running" : "asleep",
		    spins ? w.running : w.looks - w.running, w.looks, (double)cpu / 1000,
		    spins ? "it spins in a loop instead of exiting when read() returns 0" :
			    "it waits for something instead of exiting when read() returns 0");
}
