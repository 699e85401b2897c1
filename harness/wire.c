/*
 * wire: a probe's result as bytes. Numbers are 64-bit in host order, byte
 * strings a length then the bytes (an absent string has the length
 * UINT64_MAX). The reader checks every length against what is left, so a
 * process that died halfway through writing gives an error, not a crash.
 */
#include "wire.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WIRE_MAGIC "sgw1"
#define ABSENT UINT64_MAX

static void put_num(struct strbuf *out, int64_t v)
{
	sb_add(out, &v, sizeof v);
}

static void put_bytes(struct strbuf *out, const char *p, size_t len)
{
	if (!p) {
		put_num(out, (int64_t)ABSENT);
		return;
	}
	put_num(out, (int64_t)len);
	sb_add(out, p, len);
}

static void put_str(struct strbuf *out, const char *s)
{
	put_bytes(out, s, s ? strlen(s) : 0);
}

void wire_pack(const struct probe_result *res, const struct ref_data *ref, size_t ref_from,
	       struct strbuf *out)
{
	sb_add(out, WIRE_MAGIC, 4);
	put_num(out, res->passed);
	put_num(out, res->score);
	put_num(out, res->runs);
	put_num(out, res->failed_runs);
	put_num(out, res->failed_step);
	put_str(out, res->why);
	put_str(out, res->note);
	put_num(out, res->has_expected);
	put_bytes(out, res->expected, res->expected_len);
	put_num(out, res->has_observed);
	put_bytes(out, res->observed, res->observed_len);
	put_num(out, res->diff_at);
	put_num(out, (int64_t)res->shown_from);
	put_num(out, (int64_t)res->expected_total);
	put_num(out, (int64_t)res->observed_total);
	put_num(out, res->wall_ms);
	put_num(out, res->overhead_us);

	put_num(out, (int64_t)res->nevents);
	for (size_t i = 0; i < res->nevents; i++) {
		const struct event *e = &res->events[i];
		put_num(out, e->t_ms);
		put_num(out, e->kind);
		put_str(out, e->who);
		put_bytes(out, e->data, e->kept);
		put_num(out, (int64_t)e->len);
	}
	put_num(out, (int64_t)res->nprocs);
	for (size_t i = 0; i < res->nprocs; i++) {
		const struct proc_report *p = &res->procs[i];
		put_str(out, p->program);
		put_str(out, p->argv);
		sb_add(out, &p->v, sizeof p->v);
		put_bytes(out, p->out, p->out_len);
		put_bytes(out, p->err, p->err_len);
	}
	put_num(out, (int64_t)res->nvars);
	for (size_t i = 0; i < res->nvars; i++) {
		put_str(out, res->vars[i].name);
		put_bytes(out, res->vars[i].value, res->vars[i].len);
	}
	size_t nref = ref && ref->n > ref_from ? ref->n - ref_from : 0;
	put_num(out, (int64_t)nref);
	for (size_t i = 0; i < nref; i++) {
		const struct ref_obs *o = &ref->v[ref_from + i];
		put_str(out, o->probe);
		put_num(out, o->step);
		put_num(out, o->run);
		put_bytes(out, o->data, o->len);
	}
}

struct reader {
	const char *p;
	size_t left;
	int bad;
};

static int64_t get_num(struct reader *r)
{
	int64_t v = 0;
	if (r->bad || r->left < sizeof v) {
		r->bad = 1;
		return 0;
	}
	memcpy(&v, r->p, sizeof v);
	r->p += sizeof v;
	r->left -= sizeof v;
	return v;
}

/* A copy of the next byte string (NUL-terminated), NULL when absent or bad. */
static char *get_bytes(struct reader *r, size_t *len)
{
	uint64_t n = (uint64_t)get_num(r);
	if (len)
		*len = 0;
	if (r->bad || n == ABSENT)
		return NULL;
	if (n > r->left) {
		r->bad = 1;
		return NULL;
	}
	char *s = xstrndup(r->p, (size_t)n);
	r->p += n;
	r->left -= n;
	if (len)
		*len = (size_t)n;
	return s;
}

/* A count of n items of at least min bytes each, checked against what is left. */
static size_t get_count(struct reader *r, size_t min)
{
	int64_t n = get_num(r);
	if (r->bad || n < 0 || (uint64_t)n > r->left / min) {
		r->bad = 1;
		return 0;
	}
	return (size_t)n;
}

int wire_unpack(const char *buf, size_t len, const struct probe *probe, struct probe_result *res,
		struct ref_data *ref, char *err)
{
	struct reader r = { buf, len, 0 };

	memset(res, 0, sizeof *res);
	res->probe = probe;
	if (len < 4 || memcmp(buf, WIRE_MAGIC, 4)) {
		snprintf(err, ERRLEN, "probe result: %zu bytes, not a result", len);
		return -1;
	}
	r.p += 4;
	r.left -= 4;
	res->passed = (int)get_num(&r);
	res->score = (int)get_num(&r);
	res->runs = (int)get_num(&r);
	res->failed_runs = (int)get_num(&r);
	res->failed_step = (int)get_num(&r);
	res->why = get_bytes(&r, NULL);
	res->note = get_bytes(&r, NULL);
	res->has_expected = (int)get_num(&r);
	res->expected = get_bytes(&r, &res->expected_len);
	res->has_observed = (int)get_num(&r);
	res->observed = get_bytes(&r, &res->observed_len);
	res->diff_at = (long)get_num(&r);
	res->shown_from = (size_t)get_num(&r);
	res->expected_total = (size_t)get_num(&r);
	res->observed_total = (size_t)get_num(&r);
	res->wall_ms = get_num(&r);
	res->overhead_us = get_num(&r);

	size_t n = get_count(&r, 5 * sizeof(int64_t));
	res->events = n ? xcalloc(n, sizeof *res->events) : NULL;
	for (size_t i = 0; i < n && !r.bad; i++) {
		struct event *e = &res->events[res->nevents++];
		e->t_ms = get_num(&r);
		e->kind = (enum event_kind)get_num(&r);
		e->who = get_bytes(&r, NULL);
		e->data = get_bytes(&r, &e->kept);
		e->len = (size_t)get_num(&r);
	}
	n = get_count(&r, 4 * sizeof(int64_t) + sizeof(struct verdict));
	res->procs = n ? xcalloc(n, sizeof *res->procs) : NULL;
	for (size_t i = 0; i < n && !r.bad; i++) {
		struct proc_report *p = &res->procs[res->nprocs++];
		p->program = get_bytes(&r, NULL);
		p->argv = get_bytes(&r, NULL);
		if (r.left < sizeof p->v) {
			r.bad = 1;
			break;
		}
		memcpy(&p->v, r.p, sizeof p->v);
		r.p += sizeof p->v;
		r.left -= sizeof p->v;
		p->out = get_bytes(&r, &p->out_len);
		p->err = get_bytes(&r, &p->err_len);
	}
	n = get_count(&r, 2 * sizeof(int64_t));
	res->vars = n ? xcalloc(n, sizeof *res->vars) : NULL;
	for (size_t i = 0; i < n && !r.bad; i++) {
		struct probe_var *v = &res->vars[res->nvars++];
		v->name = get_bytes(&r, NULL);
		v->value = get_bytes(&r, &v->len);
	}
	/* the answers go to ref only once the whole record has been read */
	struct ref_data got = { NULL, 0 };
	n = get_count(&r, 4 * sizeof(int64_t));
	for (size_t i = 0; i < n && !r.bad; i++) {
		char *name = get_bytes(&r, NULL);
		int step = (int)get_num(&r);
		int run = (int)get_num(&r);
		size_t dlen;
		char *data = get_bytes(&r, &dlen);
		if (!r.bad && name)
			ref_add(&got, name, step, run, data ? data : "", dlen);
		free(name);
		free(data);
	}
	if (r.bad || r.left) {
		snprintf(err, ERRLEN, "probe result: %s after %zu of %zu bytes",
			 r.bad ? "cut short" : "extra bytes", len - r.left, len);
		probe_result_release(res);
		ref_release(&got);
		res->probe = probe;
		return -1;
	}
	for (size_t i = 0; ref && i < got.n; i++)
		ref_add(ref, got.v[i].probe, got.v[i].step, got.v[i].run, got.v[i].data, got.v[i].len);
	ref_release(&got);
	return 0;
}
