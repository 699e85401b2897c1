/*
 * probe/typed: the typed values of a probe: binary fields sent and expected
 * (fields.h says how they are written and encoded), and random integers and
 * choices. A field's value is substituted like any text, {= expr} included.
 */
#include "run.h"
#include "fields.h"
#include "expr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int subst_cb(void *ctx, const char *s, size_t len, struct strbuf *out)
{
	return subst(ctx, s, len, out);
}

/* The bytes of a field list, or -1 (fail). */
static int fields_of(struct probe_run *r, const struct step *s, struct strbuf *out,
		     struct field_slot **slots)
{
	char err[ERRLEN];
	if (fields_bytes(s->value.fields, subst_cb, r, out, slots, err) < 0)
		return *err ? fail(r, "%s", err) : -1;
	return 0;
}

int value_bytes(struct probe_run *r, const struct step *s, struct strbuf *out)
{
	if (!s->value.fields)
		return subst(r, s->value.text, s->value.len, out);
	struct field_slot *slots = NULL;
	int rc = fields_of(r, s, out, &slots);
	free(slots);
	return rc;
}

/* The first field whose bytes differ from what arrived (of those fully arrived), or -1. */
static long first_bad(const struct fields *f, const struct field_slot *sl, const struct strbuf *want,
		      const struct strbuf *in)
{
	for (size_t i = 0; i < f->n; i++) {
		if (sl[i].f->into || sl[i].off + sl[i].width > in->len)
			continue;
		if (memcmp(want->buf + sl[i].off, in->buf + sl[i].off, sl[i].width))
			return (long)i;
	}
	return -1;
}

static void describe_field(const struct field_slot *sl, size_t i, struct strbuf *sb)
{
	if (!sl->f->type) {
		sb_addf(sb, "field %zu (text)", i + 1);
		return;
	}
	sb_addf(sb, "field %zu (%s", i + 1, field_type_name(sl->f));
	if (sl->width > 1)
		sb_addf(sb, ", %s order", field_order_name(sl->order));
	sb_addc(sb, ')');
}

static int field_mismatch(struct probe_run *r, const struct field_slot *sl, size_t i,
			  const struct strbuf *want, const struct strbuf *in)
{
	struct strbuf sb = STRBUF_INIT;
	describe_field(&sl[i], i, &sb);
	set_expected(r, want->buf, want->len);
	set_observed(r, in->buf, in->len, (long)sl[i].off);
	if (sl[i].f->type) {
		struct strbuf got = STRBUF_INIT, exp = STRBUF_INIT;
		field_decode(&sl[i], (const unsigned char *)in->buf + sl[i].off, &got);
		field_decode(&sl[i], (const unsigned char *)want->buf + sl[i].off, &exp);
		fail(r, "%s: received %s, expected %s", sb.buf, got.buf, exp.buf);
		sb_release(&got);
		sb_release(&exp);
	} else {
		fail(r, "%s: received bytes differ from the expected at byte %zu", sb.buf, sl[i].off);
	}
	sb_release(&sb);
	return -1;
}

int expect_fields(struct probe_run *r, const struct step *s, struct conn *c)
{
	const struct fields *f = s->value.fields;
	struct strbuf want = STRBUF_INIT;
	struct field_slot *sl = NULL;
	int rc = -1;
	const char *mode = opt_text(s, "match", "exact");

	if (fields_of(r, s, &want, &sl) < 0)
		goto out;
	int64_t deadline = within(r, s);
	int timed_out = 0;
	for (;;) {
		/* fields that already arrived wrong fail at once; into fields take what comes */
		for (size_t i = 0; i < f->n; i++)
			if (sl[i].f->into && sl[i].off + sl[i].width <= c->in.len)
				memcpy(want.buf + sl[i].off, c->in.buf + sl[i].off, sl[i].width);
		long bad = first_bad(f, sl, &want, &c->in);
		if (bad >= 0) {
			field_mismatch(r, sl, (size_t)bad, &want, &c->in);
			goto out;
		}
		if (c->in.len >= want.len || c->eof || c->rst || c->err || c->fd < 0 || timed_out)
			break;
		struct wait_conn w = { c, c->in.len, c->ndg };
		if (!pump(r, deadline, conn_changed, &w)) {
			ev(r, EV_TIMEOUT, c->name, NULL, 0);
			timed_out = 1;
		}
	}
	if (c->in.len < want.len) {
		set_expected(r, want.buf, want.len);
		set_observed(r, c->in.buf ? c->in.buf : "", c->in.len, (long)c->in.len);
		fail(r, "received %zu bytes, expected %zu, then the %s", c->in.len, want.len,
		     c->eof ? "connection closed" : c->rst ? "connection was reset" :
		     c->err ? read_error(c) : "deadline passed");
		goto out;
	}
	if (!strcmp(mode, "exact")) {
		/* nothing more: what follows soon is looked at, as for a text */
		if (c->in.len == want.len && !c->eof && !c->rst && c->fd >= 0) {
			struct wait_conn w = { c, c->in.len, c->ndg };
			int64_t settle = now_ms() + scaled_ms(SETTLE_MS);
			pump(r, settle < deadline ? settle : deadline, conn_changed, &w);
		}
		if (c->in.len > want.len) {
			set_expected(r, want.buf, want.len);
			set_observed(r, c->in.buf, c->in.len, (long)want.len);
			fail(r, "received %zu bytes: the expected %zu and then %zu more", c->in.len,
			     want.len, c->in.len - want.len);
			goto out;
		}
	}
	for (size_t i = 0; i < f->n; i++) {
		if (!sl[i].f->into)
			continue;
		struct strbuf v = STRBUF_INIT;
		field_decode(&sl[i], (const unsigned char *)c->in.buf + sl[i].off, &v);
		var_set(r, sl[i].f->into, v.buf, v.len);
		var_record(r, sl[i].f->into, v.buf, v.len);
		sb_release(&v);
	}
	memmove(c->in.buf, c->in.buf + want.len, c->in.len - want.len);
	sb_truncate(&c->in, c->in.len - want.len);
	rc = 0;
out:
	free(sl);
	sb_release(&want);
	return rc;
}

/* A uniform draw from 0 to span (inclusive), without modulo bias. */
static uint64_t draw(struct probe_run *r, uint64_t span)
{
	if (span == UINT64_MAX)
		return rng_next(&r->rng);
	uint64_t n = span + 1, limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t x;
	do
		x = rng_next(&r->rng);
	while (x >= limit);
	return x % n;
}

int random_typed(struct probe_run *r, const struct step *s)
{
	const struct step_arg *ch = step_opt(s, "choice");
	const char *name = s->value.text;

	if (ch) {
		const char *v = ch->list[draw(r, ch->nlist - 1)];
		var_set(r, name, v, strlen(v));
		var_record(r, name, v, strlen(v));
		return 0;
	}
	const struct step_arg *mn = step_opt(s, "min"), *mx = step_opt(s, "max");
	int64_t a, b;
	if (!mn || !mx || expr_parse_int(mn->text, mn->len, &a) < 0 ||
	    expr_parse_int(mx->text, mx->len, &b) < 0)
		return fail(r, "spec error: random '%s' needs whole numbers min and max", name);
	/* past INT64_MAX (no minus sign, negative as int64): the range is unsigned */
	int big = (a < 0 && !memchr(mn->text, '-', mn->len)) || (b < 0 && !memchr(mx->text, '-', mx->len));
	uint64_t v = (uint64_t)a + draw(r, (uint64_t)b - (uint64_t)a);
	char buf[32];
	int n = big ? snprintf(buf, sizeof buf, "%llu", (unsigned long long)v) :
		      snprintf(buf, sizeof buf, "%lld", (long long)(int64_t)v);
	var_set(r, name, buf, (size_t)n);
	var_record(r, name, buf, (size_t)n);
	return 0;
}
