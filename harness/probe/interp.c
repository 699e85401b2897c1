/*
 * probe: one interpreter for every probe. A probe is a list of steps; each
 * step kind is a function with the same signature, which run_step() calls
 * by the step's kind. What each kind takes is a row of the table in
 * steps.c, which spec/ validates specs against.
 *
 * This file is the interpreter: it runs a probe's steps one after another
 * and keeps what they found (struct probe_result: the transcript, the
 * verdict, expected and observed bytes), the variables a spec substitutes
 * ({port}, {name}) and the reference's recorded answers. The step kinds live
 * beside it by what they talk to: stream.c and payload.c (TCP connections),
 * udp.c (datagrams), process.c (the programs a probe starts). conn.c holds
 * the harness's own sockets, pump.c the one clock that every wait goes
 * through, run.h what they all share.
 */
#include "run.h"
#include "steps.h"
#include "match.h"
#include "expr.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TRANSCRIPT_CAP (256 * 1024)
#define MAX_EVENTS 20000	/* events kept per probe; the rest are folded into the last */

const char *event_name(enum event_kind k)
{
	static const char *const names[] = {
		[EV_SEND] = "send", [EV_RECV] = "recv", [EV_CONNECT] = "connect",
		[EV_ACCEPT] = "accept", [EV_REFUSED] = "refused", [EV_FIN] = "FIN",
		[EV_RST] = "RST", [EV_CLOSE] = "close", [EV_ABORT] = "abort (RST)",
		[EV_SHUTDOWN] = "shutdown", [EV_START] = "start", [EV_READY] = "ready",
		[EV_EXIT] = "exit", [EV_STDIN] = "stdin", [EV_TIMEOUT] = "timeout",
		[EV_NOTE] = "note",
	};
	return names[k];
}

/* ---- results ---- */

void ev(struct probe_run *r, enum event_kind k, const char *who, const void *data, size_t len)
{
	struct probe_result *res = r->res;
	/*
	 * Past the transcript's cap, bytes are counted, not kept: a run of sends
	 * or receives on one connection folds into its last event, and past the
	 * event cap everything folds into the last one.
	 */
	if (res->nevents && (r->transcript_bytes >= TRANSCRIPT_CAP || res->nevents >= MAX_EVENTS)) {
		struct event *last = &res->events[res->nevents - 1];
		if (res->nevents >= MAX_EVENTS ||
		    (last->kind == k && (k == EV_SEND || k == EV_RECV) && !strcmp(last->who, who ? who : ""))) {
			last->len += len;
			return;
		}
	}
	res->events = xrealloc(res->events, (res->nevents + 1) * sizeof *res->events);
	struct event *e = &res->events[res->nevents++];
	size_t keep = len < EVENT_KEEP ? len : EVENT_KEEP;
	/* bytes past the cap are counted only; what the harness says of them (a note, an exit) is kept */
	if (r->transcript_bytes >= TRANSCRIPT_CAP && (k == EV_SEND || k == EV_RECV || k == EV_STDIN))
		keep = 0;
	r->transcript_bytes += keep;
	e->t_ms = now_ms() - r->t0;
	e->kind = k;
	e->who = xstrdup(who ? who : "");
	e->data = xstrndup(data ? data : "", keep);
	e->kept = keep;
	e->len = len;
}

void note(struct probe_run *r, enum event_kind k, const char *who, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	ev(r, k, who, sb.buf, sb.len);
	sb_release(&sb);
}

void add_note(struct probe_run *r, const char *fmt, ...)
{
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	char *old = r->res->note;
	if (!old) {
		r->res->note = sb_detach(&sb, NULL);
	} else if (!strstr(old, sb.buf)) {
		r->res->note = xasprintf("%s; %s", old, sb.buf);
		free(old);
	}
	sb_release(&sb);
}

int fail(struct probe_run *r, const char *fmt, ...)
{
	if (r->res->why)
		return -1;
	struct strbuf sb = STRBUF_INIT;
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	r->res->why = sb_detach(&sb, NULL);
	r->res->failed_step = r->step;
	return -1;
}

void set_expected(struct probe_run *r, const char *data, size_t len)
{
	free(r->res->expected);
	r->res->expected = xstrndup(data, len);
	r->res->expected_len = len;
	r->res->has_expected = 1;
}

void set_observed(struct probe_run *r, const char *data, size_t len, long diff_at)
{
	free(r->res->observed);
	r->res->observed = xstrndup(data, len);
	r->res->observed_len = len;
	r->res->has_observed = 1;
	r->res->diff_at = diff_at;
}

/* ---- variables ---- */

static struct probe_var *var_find(struct probe_run *r, const char *name, size_t nlen)
{
	for (size_t i = 0; i < r->nvars; i++)
		if (strlen(r->vars[i].name) == nlen && !memcmp(r->vars[i].name, name, nlen))
			return &r->vars[i];
	return NULL;
}

void var_set(struct probe_run *r, const char *name, const char *value, size_t len)
{
	struct probe_var *v = var_find(r, name, strlen(name));
	if (!v) {
		r->vars = xrealloc(r->vars, (r->nvars + 1) * sizeof *r->vars);
		v = &r->vars[r->nvars++];
		v->name = xstrdup(name);
	} else {
		free(v->value);
	}
	v->value = xstrndup(value, len);
	v->len = len;
}

void var_set_int(struct probe_run *r, const char *name, int n)
{
	char buf[32];
	int len = snprintf(buf, sizeof buf, "%d", n);
	var_set(r, name, buf, (size_t)len);
}

const char *var_get(struct probe_run *r, const char *name)
{
	struct probe_var *v = var_find(r, name, strlen(name));
	return v ? v->value : NULL;
}

static const char *expr_var(void *ctx, const char *name, size_t len)
{
	struct probe_var *v = var_find(ctx, name, len);
	return v ? v->value : NULL;
}

/* {= expr}: the expression's value in decimal (expr.h); -1 (fail) when it has none. */
static int subst_expr(struct probe_run *r, const char *e, size_t len, struct strbuf *out)
{
	char err[ERRLEN];
	int64_t v;
	if (expr_eval(e, len, expr_var, r, &v, err) < 0)
		return fail(r, "spec error: %s", err);
	sb_addf(out, "%lld", (long long)v);
	return 0;
}

/* Replaces {name} by the variable's value, {= expr} by the expression's; {{ and }} stand for braces. */
int subst(struct probe_run *r, const char *s, size_t len, struct strbuf *out)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '{' && i + 1 < len && s[i + 1] == '{') {
			sb_addc(out, '{');
			i++;
		} else if (s[i] == '}' && i + 1 < len && s[i + 1] == '}') {
			sb_addc(out, '}');
			i++;
		} else if (s[i] == '{') {
			const char *end = memchr(s + i, '}', len - i);
			if (!end)
				return fail(r, "unclosed '{' in '%.*s'", (int)len, s);
			if (s[i + 1] == '=') {
				if (subst_expr(r, s + i + 2, (size_t)(end - s - i - 2), out) < 0)
					return -1;
				i = (size_t)(end - s);
				continue;
			}
			struct probe_var *v = var_find(r, s + i + 1, (size_t)(end - s - i - 1));
			if (!v)
				return fail(r, "spec error: no variable '%.*s' is set before this step",
					    (int)(end - s - i - 1), s + i + 1);
			sb_add(out, v->value, v->len);
			i = (size_t)(end - s);
		} else {
			sb_addc(out, s[i]);
		}
	}
	return 0;
}

/* ---- option helpers ---- */

int64_t within(struct probe_run *r, const struct step *s)
{
	const struct step_arg *a = step_opt(s, "within");
	return now_ms() + scaled_ms(a ? a->num : r->env->spec->within_ms);
}

/* Seconds of the step's deadline, for messages. */
double within_s(struct probe_run *r, const struct step *s)
{
	const struct step_arg *a = step_opt(s, "within");
	return (double)scaled_ms(a ? a->num : r->env->spec->within_ms) / 1000;
}

const char *opt_text(const struct step *s, const char *key, const char *dflt)
{
	const struct step_arg *a = step_opt(s, key);
	return a ? a->text : dflt;
}

void match_opts_of(const struct step *s, const char *dflt_mode, struct match_opts *how)
{
	const struct step_arg *ic = step_opt(s, "ignore_case");
	int mode = match_mode_parse(opt_text(s, "match", dflt_mode));

	how->mode = mode < 0 ? MATCH_EXACT : (enum match_mode)mode;
	how->tol = !strcmp(opt_text(s, "tolerate", "none"), "nul_or_newline") ? TOL_NUL_OR_NEWLINE :
										  TOL_NONE;
	how->ignore_case = ic && ic->num;
}

/* Text from the step's value, or what the reference produced at this step. */
int expectation(struct probe_run *r, const struct step *s, struct strbuf *want,
		int *record)
{
	const char *from = opt_text(s, "from", NULL);
	*record = 0;
	if (from && !strcmp(from, "reference")) {
		if (r->env->is_reference) {
			*record = 1;
			return 0;
		}
		const struct ref_obs *o = r->env->ref ? ref_find(r->env->ref, r->probe->name, r->step, r->run) :
						       NULL;
		if (!o)
			return fail(r, "harness error: no reference output recorded for step %d",
				    r->step + 1);
		sb_add(want, o->data, o->len);
		return 0;
	}
	return subst(r, s->value.text, s->value.len, want);
}

/* ---- steps of the interpreter itself: variables and time ---- */

void var_record(struct probe_run *r, const char *name, const char *value, size_t len)
{
	r->res->vars = xrealloc(r->res->vars, (r->res->nvars + 1) * sizeof *r->res->vars);
	struct probe_var *v = &r->res->vars[r->res->nvars++];
	v->name = xstrdup(name);
	v->value = xstrndup(value, len);
	v->len = len;
}

int step_random(struct probe_run *r, const struct step *s)
{
	static const char *const sets[][2] = {
		{ "alnum", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" },
		{ "alpha", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" },
		{ "digits", "0123456789" },
	};
	if (step_opt(s, "min") || step_opt(s, "max") || step_opt(s, "choice"))
		return random_typed(r, s);
	const struct step_arg *len = step_opt(s, "length");
	const char *cs = opt_text(s, "charset", "alnum");
	size_t n = len ? (size_t)len->num : 12;
	char *buf = xmalloc(n + 1);
	const char *set = NULL;

	for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
		if (!strcmp(sets[i][0], cs))
			set = sets[i][1];
	for (size_t i = 0; i < n; i++) {
		uint64_t x = rng_next(&r->rng);
		buf[i] = set ? set[x % strlen(set)] : (char)(x & 0xff);
	}
	var_set(r, s->value.text, buf, n);
	var_record(r, s->value.text, buf, n);
	free(buf);
	return 0;
}

int step_pause(struct probe_run *r, const struct step *s)
{
	pump(r, now_ms() + scaled_ms(s->value.num), NULL, NULL);
	return 0;
}

/* ---- the function of each step kind ---- */

/* Runs step s by its kind: 0, or -1 once fail() has said why. */
static int run_step(struct probe_run *r, const struct step *s)
{
	switch (s->def->kind) {
	case STEP_START:
		return step_start(r, s);
	case STEP_CONNECT:
		return step_connect(r, s);
	case STEP_SEND:
		return step_send(r, s);
	case STEP_EXPECT:
		return step_expect(r, s);
	case STEP_EXPECT_EOF:
		return step_expect_eof(r, s);
	case STEP_CLOSE:
		return step_close(r, s);
	case STEP_ABORT:
		return step_abort(r, s);
	case STEP_LISTEN:
		return step_listen(r, s);
	case STEP_ACCEPT:
		return step_accept(r, s);
	case STEP_UNUSED_PORT:
		return step_unused_port(r, s);
	case STEP_RANDOM:
		return step_random(r, s);
	case STEP_PAUSE:
		return step_pause(r, s);
	case STEP_EXPECT_EXIT:
		return step_expect_exit(r, s);
	case STEP_EXPECT_STDOUT:
		return step_expect_stdout(r, s);
	case STEP_EXPECT_STDERR:
		return step_expect_stderr(r, s);
	case STEP_UDP_SEND:
		return step_udp_send(r, s);
	case STEP_UDP_EXPECT:
		return step_udp_expect(r, s);
	case STEP_UDP_EXPECT_NONE:
		return step_udp_expect_none(r, s);
	case STEP_UDP_REPLY:
		return step_udp_reply(r, s);
	case STEP_SEND_PAYLOAD:
		return step_send_payload(r, s);
	case STEP_EXPECT_ECHO:
		return step_expect_echo(r, s);
	case STEP_FLOOD:
		return step_flood(r, s);
	case STEP_SHUTDOWN:
		return step_shutdown(r, s);
	case STEP_EXPECT_SILENCE:
		return step_expect_silence(r, s);
	case STEP_EXPECT_RESET:
		return step_expect_reset(r, s);
	case STEP_SIGNAL:
		return step_signal(r, s);
	case STEP_ALIVE:
		return step_alive(r, s);
	case STEP_STDIN:
		return step_stdin(r, s);
	case STEP_EXPECT_NO_ZOMBIES:
		return step_expect_no_zombies(r, s);
	case STEP_EXPECT_NO_FD_LEAK:
		return step_expect_no_fd_leak(r, s);
	case STEP_HOLD:
		return step_hold(r, s);
	case STEP_RELEASE:
		return step_release(r, s);
	case STEP_EXPECT_CHILDREN_EXIT:
		return step_expect_children_exit(r, s);
	case STEP_WRITE_FILE:
		return step_write_file(r, s);
	case STEP_EXPECT_FILE:
		return step_expect_file(r, s);
	}
	return fail(r, "harness error: no function runs step kind '%s'", s->def->name);
}

/* ---- running a probe ---- */

static void run_release(struct probe_run *r)
{
	for (size_t i = 0; i < r->nconns; i++)
		conn_release(&r->conns[i]);
	for (size_t i = 0; i < r->nheld; i++)
		close(r->held[i]);
	for (size_t i = 0; i < r->nvars; i++) {
		free(r->vars[i].name);
		free(r->vars[i].value);
	}
	free(r->vars);
}

/* Stops every program of the run and keeps what each did. */
static void collect_procs(struct probe_run *r)
{
	struct probe_result *res = r->res;
	for (size_t i = 0; i < r->nprocs; i++) {
		struct proc *pr = &r->procs[i];
		/* a held program would not see the SIGTERM of its stop */
		if (pr->held && !sbproc_ended(pr->p))
			kill(sbproc_pid(pr->p), SIGCONT);
		sbproc_stop(pr->p);
		note_exit(r, pr);
		res->procs = xrealloc(res->procs, (res->nprocs + 1) * sizeof *res->procs);
		struct proc_report *rep = &res->procs[res->nprocs++];
		rep->program = pr->program;
		rep->argv = pr->argv;
		rep->v = *sbproc_verdict(pr->p);
		struct strbuf sb = STRBUF_INIT;
		capture_tail(sbproc_stdout(pr->p), 16384, &sb);
		rep->out = sb_detach(&sb, &rep->out_len);
		capture_tail(sbproc_stderr(pr->p), 4096, &sb);
		rep->err = sb_detach(&sb, &rep->err_len);
		sbproc_free(pr->p);
	}
	r->nprocs = 0;
	sandbox_sweep(r->env->sb);
}

static void run_once(const struct probe_env *env, const struct probe *probe, int run_no,
		     struct probe_result *res)
{
	struct probe_run r;

	memset(&r, 0, sizeof r);
	r.env = env;
	r.probe = probe;
	r.res = res;
	r.watch_fd = -1;
	r.t0 = now_ms();
	int64_t t0_us = now_us();
	r.rng = hash64(probe->name, env->seed) + (uint64_t)run_no;
	r.run = run_no;
	res->failed_step = -1;
	res->diff_at = -1;
	for (size_t i = 0; i < probe->nsteps; i++) {
		r.step = (int)i;
		if (run_step(&r, &probe->steps[i]) < 0) {
			if (!res->why)
				fail(&r, "step failed");
			break;
		}
		for (size_t k = 0; k < r.nconns; k++)
			answer_fin(&r, &r.conns[k], (int)i + 1);
	}
	explain_failure(&r);
	collect_procs(&r);
	run_release(&r);
	res->passed = res->why == NULL;
	res->wall_ms = now_ms() - r.t0;
	res->overhead_us = now_us() - t0_us - r.blocked_us;
}

#define SHOW_MAX 4096

static void trim(char **data, size_t *len, size_t from)
{
	size_t keep = *len > from ? *len - from : 0;
	if (keep > SHOW_MAX)
		keep = SHOW_MAX;
	char *t = xstrndup(*data ? *data + (from < *len ? from : *len) : "", keep);
	free(*data);
	*data = t;
	*len = keep;
}

/*
 * Expected and observed bytes are kept to a 4 KiB window that starts 1 KiB
 * before the first difference: a megabyte payload gets a readable report.
 */
static void trim_shown(struct probe_result *res)
{
	res->expected_total = res->expected_len;
	res->observed_total = res->observed_len;
	if (res->expected_len <= SHOW_MAX && res->observed_len <= SHOW_MAX)
		return;
	size_t from = res->diff_at > 1024 ? (size_t)res->diff_at - 1024 : 0;
	if (res->has_expected)
		trim(&res->expected, &res->expected_len, from);
	if (res->has_observed)
		trim(&res->observed, &res->observed_len, from);
	if (res->diff_at >= 0)
		res->diff_at -= (long)from;
	res->shown_from = from;
}

void probe_execute(const struct probe_env *env, const struct probe *probe,
		   struct probe_result *res)
{
	memset(res, 0, sizeof *res);
	int failed = 0, runs = env->once ? 1 : probe->repeat;
	for (int run = 0; run < runs; run++) {
		struct probe_result one;
		memset(&one, 0, sizeof one);
		one.probe = probe;
		run_once(env, probe, run, &one);
		if (!one.passed)
			failed++;
		/* keep the first failing run, else the last */
		if (failed == 0 || (!one.passed && failed == 1)) {
			probe_result_release(res);
			*res = one;
		} else {
			probe_result_release(&one);
		}
	}
	res->probe = probe;
	res->runs = runs;
	res->failed_runs = failed;
	trim_shown(res);
	res->passed = failed == 0;
	res->score = res->passed ? probe->points : 0;
	if (failed && runs > 1 && res->why) {
		char *why = xasprintf("%s (failed %d of %d runs)", res->why, failed, runs);
		free(res->why);
		res->why = why;
	}
}

void probe_result_release(struct probe_result *res)
{
	free(res->why);
	free(res->note);
	free(res->expected);
	free(res->observed);
	for (size_t i = 0; i < res->nevents; i++) {
		free(res->events[i].who);
		free(res->events[i].data);
	}
	free(res->events);
	for (size_t i = 0; i < res->nprocs; i++) {
		free(res->procs[i].program);
		free(res->procs[i].argv);
		free(res->procs[i].out);
		free(res->procs[i].err);
	}
	free(res->procs);
	for (size_t i = 0; i < res->nvars; i++) {
		free(res->vars[i].name);
		free(res->vars[i].value);
	}
	free(res->vars);
	memset(res, 0, sizeof *res);
}

const struct ref_obs *ref_find(const struct ref_data *ref, const char *probe, int step, int run)
{
	for (size_t i = 0; i < ref->n; i++)
		if (ref->v[i].step == step && ref->v[i].run == run && !strcmp(ref->v[i].probe, probe))
			return &ref->v[i];
	return NULL;
}

void ref_add(struct ref_data *ref, const char *probe, int step, int run, const char *data,
	     size_t len)
{
	ref->v = xrealloc(ref->v, (ref->n + 1) * sizeof *ref->v);
	struct ref_obs *o = &ref->v[ref->n++];
	o->probe = xstrdup(probe);
	o->step = step;
	o->run = run;
	o->data = xstrndup(data, len);
	o->len = len;
}

void ref_release(struct ref_data *ref)
{
	for (size_t i = 0; i < ref->n; i++) {
		free(ref->v[i].probe);
		free(ref->v[i].data);
	}
	free(ref->v);
	ref->v = NULL;
	ref->n = 0;
}
