/*
 * fields: binary fields of send and expect. A spec writes them as a mapping
 * read pair by pair in source order (libyaml keeps it), or as a list of
 * one-key mappings where a mapping would repeat a key:
 *
 *   send: {u8: 3, i32: ["{a}", "{b}", "{c}"], order: host, text: "{op}"}
 *   expect: [{u8: 3}, {i32: {into: x}}, {u8: 1}]
 *
 * An integer's value is a text: {name} and {= expr} are substituted at run
 * time, then read as a 64-bit integer whose low bits (the field's width) are
 * sent, in the field's order; a literal must fit the field's type.
 */
#include "fields.h"
#include "expr.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	size_t width;
	int is_signed;
} types[] = {
	{ "text", 0, 0 }, { "u8", 1, 0 }, { "u16", 2, 0 }, { "u32", 4, 0 }, { "u64", 8, 0 },
	{ "i8", 1, 1 }, { "i16", 2, 1 }, { "i32", 4, 1 }, { "i64", 8, 1 },
};
#define NTYPES (sizeof types / sizeof *types)

static const char *const order_names[] = { "", "network", "little", "big", "host" };

const char *field_type_name(const struct field *f)
{
	return types[f->type].name;
}

const char *field_order_name(enum field_order o)
{
	return o == FIELD_ORDER_NONE ? "network" : order_names[o];
}

struct floader {
	yaml_document_t *doc;
	const char *file;
	int reading;
	fields_text_fn text;
	void *ctx;
	struct fields *f;
	char *err;
};

static int ffail(struct floader *fl, const yaml_node_t *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int ffail(struct floader *fl, const yaml_node_t *n, const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(fl->err, ERRLEN, "%s:%zu:%zu: %s", fl->file, n->start_mark.line + 1,
		 n->start_mark.column + 1, msg);
	return -1;
}

static yaml_node_t *nat(struct floader *fl, int i)
{
	return yaml_document_get_node(fl->doc, i);
}

static const char *sval(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static int type_index(const char *k)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (!strcmp(types[i].name, k))
			return (int)i;
	return -1;
}

static int load_order(struct floader *fl, const yaml_node_t *v, enum field_order *out)
{
	if (v->type == YAML_SCALAR_NODE)
		for (int i = 1; i <= FIELD_ORDER_HOST; i++)
			if (!strcmp(sval(v), order_names[i])) {
				*out = (enum field_order)i;
				return 0;
			}
	return ffail(fl, v, "order: '%s' is not one of network, little, big, host",
		     v->type == YAML_SCALAR_NODE ? sval(v) : "(not a scalar)");
}

/* Does the literal s fit the type? Texts with {...} are known only at run time. */
static int literal_fits(int type, const char *s, size_t len)
{
	int64_t v;
	if (memchr(s, '{', len))
		return 1;
	if (expr_parse_int(s, len, &v) < 0)
		return 0;
	int neg = memchr(s, '-', len) != NULL;
	size_t bits = types[type].width * 8;
	if (types[type].is_signed) {
		if (neg)
			return bits == 64 || v >= -((int64_t)1 << (bits - 1));
		return (uint64_t)v <= (bits == 64 ? (uint64_t)INT64_MAX : ((uint64_t)1 << (bits - 1)) - 1);
	}
	if (neg)
		return v == 0;
	return bits == 64 || (uint64_t)v < ((uint64_t)1 << bits);
}

static struct field *new_field(struct floader *fl, int type, enum field_order order,
			       const yaml_node_t *at)
{
	struct fields *f = fl->f;
	f->v = xrealloc(f->v, (f->n + 1) * sizeof *f->v);
	struct field *x = &f->v[f->n++];
	memset(x, 0, sizeof *x);
	x->type = type;
	x->order = order;
	x->line = (int)at->start_mark.line + 1;
	x->col = (int)at->start_mark.column + 1;
	return x;
}

/* One value of a field of type: a scalar, or (reading) {into: name}. */
static int load_one(struct floader *fl, int type, enum field_order order, const yaml_node_t *v)
{
	const char *tn = types[type].name;

	if (v->type == YAML_MAPPING_NODE) {
		yaml_node_pair_t *p = v->data.mapping.pairs.start;
		if (!fl->reading)
			return ffail(fl, v, "%s: a value to send is a number or a text such as \"{a}\"; "
				     "into: is for expect", tn);
		if (v->data.mapping.pairs.top - p != 1 || nat(fl, p->key)->type != YAML_SCALAR_NODE ||
		    strcmp(sval(nat(fl, p->key)), "into"))
			return ffail(fl, v, "%s: write a value, or {into: name} to read it into a "
				     "variable", tn);
		const yaml_node_t *nv = nat(fl, p->value);
		if (!type)
			return ffail(fl, v, "text: a text has no length of its own, so it cannot be "
				     "read into a variable: read it with an integer field, or expect "
				     "the text");
		if (nv->type != YAML_SCALAR_NODE || !*sval(nv))
			return ffail(fl, nv, "into: needs a variable's name, such as into: result");
		for (const char *c = sval(nv); *c; c++)
			if (!(*c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
			      (c != sval(nv) && *c >= '0' && *c <= '9')))
				return ffail(fl, nv, "into: '%s' is not a variable name (letters, digits "
					     "and _)", sval(nv));
		struct field *x = new_field(fl, type, order, v);
		x->into = xstrdup(sval(nv));
		return 0;
	}
	if (v->type != YAML_SCALAR_NODE)
		return ffail(fl, v, "%s: a value must be a number or a text, not a list inside a "
			     "list", tn);
	char *text = NULL;
	size_t len = 0;
	if (fl->text(fl->ctx, v, &text, &len) < 0)
		return -1;
	if (type && !literal_fits(type, text, len)) {
		ffail(fl, v, "%s: '%s' is not a whole number that fits in %s (write a number, "
		      "\"{name}\" or \"{= expression}\")", tn, text, tn);
		free(text);
		return -1;
	}
	struct field *x = new_field(fl, type, order, v);
	x->text = text;
	x->len = len;
	return 0;
}

/* A key of the fields (a type, or order) and its value. */
static int load_pair(struct floader *fl, const yaml_node_t *k, const yaml_node_t *v,
		     enum field_order item_order)
{
	if (k->type != YAML_SCALAR_NODE)
		return ffail(fl, k, "a field's key must be a type such as u8 or i32");
	const char *key = sval(k);
	if (!strcmp(key, "order"))
		return 0;	/* read by the caller */
	int t = type_index(key);
	if (t < 0) {
		const char *best = NULL;
		int bestd = 3;
		for (size_t i = 0; i < NTYPES; i++) {
			int d = edit_distance(key, types[i].name);
			if (d < bestd) {
				bestd = d;
				best = types[i].name;
			}
		}
		if (best)
			return ffail(fl, k, "unknown field '%s' (did you mean '%s'?)", key, best);
		return ffail(fl, k, "unknown field '%s': a field is text, u8, u16, u32, u64, i8, "
			     "i16, i32 or i64, or order:", key);
	}
	if (v->type == YAML_SEQUENCE_NODE) {
		yaml_node_item_t *a = v->data.sequence.items.start, *b = v->data.sequence.items.top;
		if (a == b)
			return ffail(fl, v, "%s: an empty list gives no field", key);
		for (; a < b; a++)
			if (load_one(fl, t, item_order, nat(fl, *a)) < 0)
				return -1;
		return 0;
	}
	return load_one(fl, t, item_order, v);
}

static int set_step_order(struct floader *fl, const yaml_node_t *v)
{
	if (fl->f->order != FIELD_ORDER_NONE)
		return ffail(fl, v, "order: is given twice for these fields: give it once, or "
			     "beside one field in a list item ({i32: \"{a}\", order: little})");
	return load_order(fl, v, &fl->f->order);
}

int fields_load(yaml_document_t *doc, const yaml_node_t *n, const char *file, int reading,
		fields_text_fn text, void *ctx, struct fields **out, char *err)
{
	struct floader fl = { doc, file, reading, text, ctx, xcalloc(1, sizeof *fl.f), err };

	*out = NULL;
	if (n->type == YAML_MAPPING_NODE) {
		yaml_node_pair_t *a = n->data.mapping.pairs.start, *b = n->data.mapping.pairs.top;
		for (yaml_node_pair_t *p = a; p < b; p++) {
			yaml_node_t *k = nat(&fl, p->key);
			for (yaml_node_pair_t *q = a; q < p; q++) {
				yaml_node_t *qk = nat(&fl, q->key);
				if (k->type == YAML_SCALAR_NODE && qk->type == YAML_SCALAR_NODE &&
				    !strcmp(sval(k), sval(qk)) && strcmp(sval(k), "order")) {
					ffail(&fl, k, "'%s' is given twice in these fields: write them as "
					      "a list of one-key mappings (- %s: ...), or give a list "
					      "(%s: [..., ...])", sval(k), sval(k), sval(k));
					goto bad;
				}
			}
			if (k->type == YAML_SCALAR_NODE && !strcmp(sval(k), "order")) {
				if (set_step_order(&fl, nat(&fl, p->value)) < 0)
					goto bad;
				continue;
			}
			if (load_pair(&fl, k, nat(&fl, p->value), FIELD_ORDER_NONE) < 0)
				goto bad;
		}
	} else {
		yaml_node_item_t *a = n->data.sequence.items.start, *b = n->data.sequence.items.top;
		for (; a < b; a++) {
			yaml_node_t *it = nat(&fl, *a);
			if (it->type != YAML_MAPPING_NODE) {
				ffail(&fl, it, "an item of a list of fields is a one-key mapping such as "
				      "'- u8: 3' or '- text: \"hi\"'");
				goto bad;
			}
			yaml_node_pair_t *pa = it->data.mapping.pairs.start, *pb = it->data.mapping.pairs.top;
			const yaml_node_t *order = NULL, *tk = NULL, *tv = NULL;
			for (yaml_node_pair_t *p = pa; p < pb; p++) {
				yaml_node_t *k = nat(&fl, p->key);
				if (k->type == YAML_SCALAR_NODE && !strcmp(sval(k), "order") && !order) {
					order = nat(&fl, p->value);
				} else if (!tk) {
					tk = k;
					tv = nat(&fl, p->value);
				} else {
					ffail(&fl, k, "one item, one field: put '%s' in an item of its own "
					      "(- %s: ...)", k->type == YAML_SCALAR_NODE ? sval(k) : "?",
					      k->type == YAML_SCALAR_NODE ? sval(k) : "?");
					goto bad;
				}
			}
			if (!tk && !order) {
				ffail(&fl, it, "an empty item: write a field such as '- u8: 3'");
				goto bad;
			}
			if (!tk) {
				if (set_step_order(&fl, order) < 0)
					goto bad;
				continue;
			}
			enum field_order o = FIELD_ORDER_NONE;
			if (order && load_order(&fl, order, &o) < 0)
				goto bad;
			if (load_pair(&fl, tk, tv, o) < 0)
				goto bad;
		}
	}
	if (!fl.f->n) {
		ffail(&fl, n, "no field: write at least one, such as {u8: 3}");
		goto bad;
	}
	*out = fl.f;
	return 0;
bad:
	fields_free(fl.f);
	return -1;
}

void fields_free(struct fields *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].text);
		free(f->v[i].into);
	}
	free(f->v);
	free(f);
}

/* A double-quoted YAML scalar; bytes past ASCII as \xNN, which the loader reads back as bytes. */
static void quoted(struct strbuf *out, const char *s, size_t len)
{
	sb_addc(out, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			sb_addf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			sb_addf(out, "\\x%02x", c);
		else
			sb_addc(out, (char)c);
	}
	sb_addc(out, '"');
}

void fields_write(const struct fields *f, struct strbuf *out)
{
	sb_addc(out, '[');
	for (size_t i = 0; i < f->n; i++) {
		const struct field *x = &f->v[i];
		sb_addf(out, "%s{%s: ", i ? ", " : "", types[x->type].name);
		if (x->into) {
			sb_adds(out, "{into: ");
			quoted(out, x->into, strlen(x->into));
			sb_addc(out, '}');
		} else {
			quoted(out, x->text, x->len);
		}
		if (x->order != FIELD_ORDER_NONE)
			sb_addf(out, ", order: %s", order_names[x->order]);
		sb_addc(out, '}');
	}
	if (f->order != FIELD_ORDER_NONE)
		sb_addf(out, ", {order: %s}", order_names[f->order]);
	sb_addc(out, ']');
}

static int host_little(void)
{
	const uint16_t one = 1;
	return *(const unsigned char *)&one == 1;
}

static void put_int(struct strbuf *out, uint64_t v, size_t w, enum field_order o)
{
	int little = o == FIELD_ORDER_LITTLE || (o == FIELD_ORDER_HOST && host_little());
	for (size_t i = 0; i < w; i++) {
		size_t shift = little ? i : w - 1 - i;
		sb_addc(out, (char)(unsigned char)(v >> (8 * shift)));
	}
}

void field_decode(const struct field_slot *s, const unsigned char *p, struct strbuf *out)
{
	int little = s->order == FIELD_ORDER_LITTLE || (s->order == FIELD_ORDER_HOST && host_little());
	uint64_t v = 0;
	size_t w = s->width;
	for (size_t i = 0; i < w; i++) {
		size_t shift = little ? i : w - 1 - i;
		v |= (uint64_t)p[i] << (8 * shift);
	}
	if (!types[s->f->type].is_signed) {
		sb_addf(out, "%llu", (unsigned long long)v);
		return;
	}
	if (w < 8 && (v >> (8 * w - 1)) & 1)
		v |= ~(uint64_t)0 << (8 * w);	/* sign extension */
	sb_addf(out, "%lld", (long long)(int64_t)v);
}

int fields_bytes(const struct fields *f, fields_subst_fn subst, void *ctx, struct strbuf *out,
		 struct field_slot **slots, char *err)
{
	struct field_slot *sl = xcalloc(f->n ? f->n : 1, sizeof *sl);

	*err = '\0';
	for (size_t i = 0; i < f->n; i++) {
		const struct field *x = &f->v[i];
		sl[i].f = x;
		sl[i].off = out->len;
		sl[i].order = x->order != FIELD_ORDER_NONE ? x->order :
			      f->order != FIELD_ORDER_NONE ? f->order : FIELD_ORDER_NETWORK;
		if (x->into) {
			sl[i].width = types[x->type].width;
			for (size_t k = 0; k < sl[i].width; k++)
				sb_addc(out, '\0');
			continue;
		}
		struct strbuf t = STRBUF_INIT;
		if (subst(ctx, x->text, x->len, &t) < 0) {
			sb_release(&t);
			free(sl);
			return -1;
		}
		if (!x->type) {
			sb_add(out, t.buf ? t.buf : "", t.len);
			sl[i].width = t.len;
			sb_release(&t);
			continue;
		}
		int64_t v;
		if (expr_parse_int(t.buf ? t.buf : "", t.len, &v) < 0) {
			snprintf(err, ERRLEN, "spec error: field %zu (%s, line %d): \"%.*s\" gives \"%.40s\", "
				 "not a whole number", i + 1, types[x->type].name, x->line, (int)x->len,
				 x->text, t.buf ? t.buf : "");
			sb_release(&t);
			free(sl);
			return -1;
		}
		sb_release(&t);
		sl[i].width = types[x->type].width;
		put_int(out, (uint64_t)v, sl[i].width, sl[i].order);
	}
	*slots = sl;
	return 0;
}

/* ---- the loader's checks of typed options ---- */

static int efail(char *err, const char *file, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int efail(char *err, const char *file, int line, int col, const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(err, ERRLEN, "%s:%d:%d: %s", file, line, col, msg);
	return -1;
}

/* A bound of random: a whole number; *is_big: above INT64_MAX. */
static int bound(const struct field_opt *a, const char *file, int64_t *v, int *is_big, char *err)
{
	if (expr_parse_int(a->text, a->len, v) < 0)
		return efail(err, file, a->line, a->col, "%s: '%s' is not a whole number (write -100 "
			     "or 4294967295)", a->key, a->text);
	*is_big = *v < 0 && !memchr(a->text, '-', a->len);
	return 0;
}

static int check_random(fields_opt_fn opt, void *ctx, const char *file, char *err)
{
	struct field_opt omin, omax, och, olen, ocs;
	const struct field_opt *mn = opt(ctx, "min", &omin) ? &omin : NULL;
	const struct field_opt *mx = opt(ctx, "max", &omax) ? &omax : NULL;
	const struct field_opt *ch = opt(ctx, "choice", &och) ? &och : NULL;
	const struct field_opt *len = opt(ctx, "length", &olen) ? &olen : NULL;
	const struct field_opt *cs = opt(ctx, "charset", &ocs) ? &ocs : NULL;
	const struct field_opt *typed = mn ? mn : mx ? mx : ch;

	if (!typed)
		return 0;
	const struct field_opt *text = len ? len : cs;
	if (text)
		return efail(err, file, text->line, text->col, "'%s' is for random text, not with "
			     "'%s': remove one of them", text->key, typed->key);
	if (ch && (mn || mx)) {
		const struct field_opt *o = mn ? mn : mx;
		return efail(err, file, o->line, o->col, "'%s' and 'choice' contradict each other: "
			     "random gives a number from min to max, or one item of choice", o->key);
	}
	if (ch) {
		if (!ch->nlist)
			return efail(err, file, ch->line, ch->col, "choice: an empty list: give the "
				     "values to choose from, such as [\"+\", \"-\", \"*\"]");
		return 0;
	}
	if (!mn || !mx) {
		const struct field_opt *o = mn ? mn : mx;
		return efail(err, file, o->line, o->col, "random with '%s' needs '%s' too (min: -100, "
			     "max: 100)", o->key, mn ? "max" : "min");
	}
	int64_t a, b;
	int abig, bbig;
	if (bound(mn, file, &a, &abig, err) < 0 || bound(mx, file, &b, &bbig, err) < 0)
		return -1;
	int ok = abig ? bbig && (uint64_t)a <= (uint64_t)b : bbig ? a >= 0 : a <= b;
	if (!ok)
		return efail(err, file, mx->line, mx->col, "max %s is below min %s (or mixes a "
			     "negative min with a max past 2^63 - 1)", mx->text, mn->text);
	return 0;
}

int fields_check_step(const char *kind, int has_fields, fields_opt_fn opt, void *ctx,
		      const char *file, char *err)
{
	static const char *const contradict[] = { "from", "length", "tolerate", "ignore_case", "hex" };
	struct field_opt a;

	if (!strcmp(kind, "random"))
		return check_random(opt, ctx, file, err);
	if (!has_fields)
		return 0;
	for (size_t i = 0; i < sizeof contradict / sizeof *contradict; i++)
		if (opt(ctx, contradict[i], &a))
			return efail(err, file, a.line, a.col, "'%s' cannot go with binary fields, "
				     "which say every byte: remove it, or write a text instead of "
				     "fields", a.key);
	if (opt(ctx, "match", &a) && strcmp(a.text, "exact") && strcmp(a.text, "prefix"))
		return efail(err, file, a.line, a.col, "match: %s cannot go with binary fields: "
			     "write exact (the fields and nothing more) or prefix (the rest stays "
			     "for the next step)", a.text);
	return 0;
}
