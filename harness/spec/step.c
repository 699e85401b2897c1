/*
 * spec/step.c: one step of a probe: its kind (its first key that names one in
 * steps.c), its value and its options, each read by the type steps.c gives it
 * (load_arg()), and binary fields through fields.c.
 */
#include "internal.h"
#include "fields.h"
#include "steps.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * YAML reads "\xff" as the character U+00FF, which libyaml gives as two UTF-8
 * bytes; a spec means the byte 0xff. A one-line double-quoted scalar with a
 * \x escape is therefore decoded here from its source, \xNN as one byte and
 * the other escapes as YAML defines them. Returns 1 when it did so.
 */
/* libyaml's marks count characters, not bytes: the byte offset of the index-th character. */
static size_t byte_offset(const struct loader *ld, size_t index)
{
	size_t off = 0;
	/* skip a byte order mark, which libyaml does not count */
	if (ld->srclen >= 3 && !memcmp(ld->src, "\xef\xbb\xbf", 3))
		off = 3;
	for (size_t k = 0; k < index && off < ld->srclen; k++) {
		off++;
		while (off < ld->srclen && ((unsigned char)ld->src[off] & 0xc0) == 0x80)
			off++;
	}
	return off;
}

static int raw_double_quoted(struct loader *ld, const yaml_node_t *v, struct strbuf *out)
{
	size_t a = byte_offset(ld, v->start_mark.index), b = byte_offset(ld, v->end_mark.index);
	if (v->data.scalar.style != YAML_DOUBLE_QUOTED_SCALAR_STYLE ||
	    v->start_mark.line != v->end_mark.line || b > ld->srclen || b < a + 2 ||
	    ld->src[a] != '"' || ld->src[b - 1] != '"')
		return 0;
	const char *s = ld->src + a + 1, *end = ld->src + b - 1;
	if (!memmem(s, (size_t)(end - s), "\\x", 2))
		return 0;
	for (; s < end; s++) {
		if (*s != '\\') {
			sb_addc(out, *s);
			continue;
		}
		if (++s >= end)
			return 0;
		switch (*s) {
		case '0': sb_addc(out, '\0'); break;
		case 'a': sb_addc(out, '\a'); break;
		case 'b': sb_addc(out, '\b'); break;
		case 't': case '\t': sb_addc(out, '\t'); break;
		case 'n': sb_addc(out, '\n'); break;
		case 'v': sb_addc(out, '\v'); break;
		case 'f': sb_addc(out, '\f'); break;
		case 'r': sb_addc(out, '\r'); break;
		case 'e': sb_addc(out, 0x1b); break;
		case ' ': case '"': case '/': case '\\': sb_addc(out, *s); break;
		case 'x':
			if (end - s < 3 || hexval(s[1]) < 0 || hexval(s[2]) < 0)
				return 0;
			sb_addc(out, (char)(hexval(s[1]) * 16 + hexval(s[2])));
			s += 2;
			break;
		default:
			return 0;	/* \u and the rest: libyaml's reading stands */
		}
	}
	return 1;
}

/* A text of a field (fields.c): its scalar, \xNN escapes as bytes. */
static int field_text(void *ctx, const yaml_node_t *v, char **text, size_t *len)
{
	struct loader *ld = ctx;
	struct strbuf raw = STRBUF_INIT;

	if (raw_double_quoted(ld, v, &raw)) {
		*text = sb_detach(&raw, len);
		return 0;
	}
	sb_release(&raw);
	*text = xstrndup((const char *)v->data.scalar.value, v->data.scalar.length);
	*len = v->data.scalar.length;
	return 0;
}

/* A byte count: 2000, 4KiB, 1MiB. */
int ld_load_size(struct loader *ld, const yaml_node_t *v, const char *what, int64_t *out)
{
	if (ld_want_scalar(ld, v, what) < 0)
		return -1;
	const char *t = (const char *)v->data.scalar.value;
	char *end;
	errno = 0;
	double num = strtod(t, &end);
	double mult = !*end || !strcmp(end, "B") ? 1 :
		      !strcmp(end, "KiB") || !strcmp(end, "K") ? 1024 :
		      !strcmp(end, "MiB") || !strcmp(end, "M") ? 1048576 :
		      !strcmp(end, "GiB") || !strcmp(end, "G") ? 1073741824.0 : -1;
	if (end == t || errno || num < 0 || mult < 0 || num * mult > 64.0 * 1073741824.0)
		return ld_fail(ld, v, "%s: '%s' is not a size (write 2000, 4KiB or 1MiB)", what, t);
	*out = (int64_t)(num * mult);
	return 0;
}

/* OPT_TEXT: a text, \xNN escapes of a double-quoted one as bytes; an empty value is no text. */
static int arg_text(struct loader *ld, const yaml_node_t *v, struct step_arg *a)
{
	if (ld_is_null(v)) {
		a->present = 0;
		a->len = 0;
		a->text[0] = '\0';
		return 0;
	}
	struct strbuf raw = STRBUF_INIT;
	if (raw_double_quoted(ld, v, &raw)) {
		free(a->text);
		a->len = raw.len;
		a->text = sb_detach(&raw, NULL);
	}
	sb_release(&raw);
	return 0;
}

/* OPT_NAME and OPT_PROGRAM: a name; a program's must be one of the spec's programs. */
static int arg_name(struct loader *ld, const yaml_node_t *v, const char *what, enum opt_type type,
		    struct step_arg *a)
{
	if (!ld_valid_name(a->text))
		return ld_fail(ld, v, "%s: '%s' is not a name (letters, digits, _ and -)", what,
			       a->text);
	if (type == OPT_PROGRAM && !spec_program(ld->spec, a->text)) {
		const char *names[64];
		size_t n = 0;
		for (size_t i = 0; i < ld->spec->nprograms && n < 64; i++)
			names[n++] = ld->spec->programs[i].name;
		const char *s = ld_closest(a->text, names, n);
		if (s)
			return ld_fail(ld, v, "no program '%s' in this spec (did you mean '%s'?)",
				       a->text, s);
		return ld_fail(ld, v, "no program '%s' in this spec", a->text);
	}
	return 0;
}

/* OPT_EXIT: a status 0 to 255, nonzero (-1) or any (-2). */
static int arg_exit(struct loader *ld, const yaml_node_t *v, const char *what, struct step_arg *a)
{
	if (!strcmp(a->text, "nonzero")) {
		a->num = -1;
		return 0;
	} else if (!strcmp(a->text, "any")) {
		a->num = -2;
		return 0;
	} else {
		long n;
		if (ld_get_int(ld, v, what, 0, 255, &n) < 0)
			return ld_fail(ld, v, "%s: '%s' is not an exit status (0 to 255, nonzero or any)",
				       what, a->text);
		a->num = n;
		return 0;
	}
}

/* OPT_ENUM: one of choices, written "a|b|c". */
static int arg_enum(struct loader *ld, const yaml_node_t *v, const char *what, const char *choices,
		    struct step_arg *a)
{
	size_t kl = strlen(a->text);
	for (const char *c = choices; *c;) {
		const char *bar = strchr(c, '|');
		size_t cl = bar ? (size_t)(bar - c) : strlen(c);
		if (cl == kl && !memcmp(c, a->text, kl))
			return 0;
		c += cl + (bar != NULL);
	}
	struct strbuf sb = STRBUF_INIT;
	for (const char *c = choices; *c; c++)
		sb_adds(&sb, *c == '|' ? ", " : (char[]){ *c, 0 });
	ld_fail(ld, v, "%s: '%s' is not one of %s", what, a->text, sb.buf);
	sb_release(&sb);
	return -1;
}

/*
 * The value v of the option key (or of a step's kind), read as type into a;
 * choices lists an OPT_ENUM's values. A value not given leaves a->present 0.
 * 0, or -1 with ld->err filled.
 */
static int load_arg(struct loader *ld, const yaml_node_t *v, const char *key, enum opt_type type,
		    const char *choices, struct step_arg *a)
{
	char what[96];

	snprintf(what, sizeof what, "'%s'", key);
	a->key = key;
	a->type = type;
	a->line = (int)v->start_mark.line + 1;
	a->col = (int)v->start_mark.column + 1;
	if (type == OPT_NONE) {
		if (!ld_is_null(v))
			return ld_fail(ld, v, "'%s' takes no value", key);
		return 0;
	}
	if (ld_is_null(v) && type != OPT_TEXT)
		return 0;
	a->present = 1;
	if (type == OPT_LIST)
		return ld_get_list(ld, v, what, &a->list, &a->nlist);
	if (ld_want_scalar(ld, v, what) < 0)
		return -1;
	a->text = xstrndup((const char *)v->data.scalar.value, v->data.scalar.length);
	a->len = v->data.scalar.length;
	a->single_quoted = v->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE;
	switch (type) {
	case OPT_TEXT:
		return arg_text(ld, v, a);
	case OPT_NAME:
	case OPT_PROGRAM:
		return arg_name(ld, v, what, type, a);
	case OPT_FILE:
		if (!a->len || memchr(a->text, '/', a->len) || memchr(a->text, '\0', a->len) ||
		    !strcmp(a->text, ".") || !strcmp(a->text, "..") || a->len > 255)
			return ld_fail(ld, v, "%s: '%s' is not a plain file name: write a name in the "
				       "program's folder such as data.bin (no '/', not '.' or '..')", what, a->text);
		return 0;
	case OPT_DURATION:
		return ld_get_duration(ld, v, what, &a->num);
	case OPT_INT: {
		long n;
		if (ld_get_int(ld, v, what, 0, 1L << 30, &n) < 0)
			return -1;
		a->num = n;
		return 0;
	}
	case OPT_BOOL: {
		int b = 0;
		if (ld_get_bool(ld, v, what, &b) < 0)
			return -1;
		a->num = b;
		return 0;
	}
	case OPT_SIZE:
		return ld_load_size(ld, v, what, &a->num);
	case OPT_EXIT:
		return arg_exit(ld, v, what, a);
	case OPT_ENUM:
		return arg_enum(ld, v, what, choices, a);
	default:
		return ld_fail(ld, v, "internal error: option type %d", (int)type);
	}
}

/* An option of the step, for fields_check_step(). */
static int step_field_opt(void *ctx, const char *key, struct field_opt *out)
{
	const struct step_arg *a = step_opt(ctx, key);
	if (!a)
		return 0;
	*out = (struct field_opt){ a->key, a->text, a->len, a->nlist, a->line, a->col };
	return 1;
}

int ld_load_step(struct loader *ld, const yaml_node_t *n, struct step *st)
{
	if (n->type != YAML_MAPPING_NODE)
		return ld_fail(ld, n, "a step must be a mapping such as '- send: \"hi\"', not %s",
			       ld_node_kind(n));
	st->line = (int)n->start_mark.line + 1;
	st->col = (int)n->start_mark.column + 1;

	yaml_node_pair_t *start = n->data.mapping.pairs.start;
	yaml_node_pair_t *top = n->data.mapping.pairs.top;
	const yaml_node_t *kind_key = NULL;

	/* The step's kind is its first key that names a step kind; the rest are options. */
	for (yaml_node_pair_t *p = start; p < top; p++) {
		yaml_node_t *k = ld_node_at(ld, p->key);
		if (k->type != YAML_SCALAR_NODE)
			return ld_fail(ld, k, "keys of a step must be scalars");
		const struct step_def *d = step_def_find((const char *)k->data.scalar.value);
		if (!d || st->def)
			continue;
		st->def = d;
		kind_key = k;
		yaml_node_t *kv = ld_node_at(ld, p->value);
		if (d->fields && (kv->type == YAML_MAPPING_NODE || kv->type == YAML_SEQUENCE_NODE)) {
			struct step_arg *a = &st->value;
			a->key = d->name;
			a->type = d->value;
			a->line = (int)kv->start_mark.line + 1;
			a->col = (int)kv->start_mark.column + 1;
			a->present = 1;
			a->text = xstrdup("");
			if (fields_load(&ld->doc, kv, ld->name, d->kind == STEP_EXPECT, field_text, ld,
					&a->fields, ld->err) < 0)
				return -1;
			continue;
		}
		if (load_arg(ld, ld_node_at(ld, p->value), d->name, d->value,
			     d->value_choices ? d->value_choices : "", &st->value) < 0)
			return -1;
		if (d->value_required && !st->value.present)
			return ld_fail(ld, k, "'%s' needs a value", d->name);
	}
	if (!st->def) {
		size_t nd;
		const struct step_def *defs = step_defs(&nd);
		const char *names[64];
		for (size_t i = 0; i < nd && i < 64; i++)
			names[i] = defs[i].name;
		yaml_node_t *k = ld_node_at(ld, start ? start->key : 0);
		if (!k || start == top)
			return ld_fail(ld, n, "empty step");
		const char *word = (const char *)k->data.scalar.value;
		const char *s = ld_closest(word, names, nd < 64 ? nd : 64);
		if (s)
			return ld_fail(ld, k, "unknown step '%s' (did you mean '%s'?)", word, s);
		return ld_fail(ld, k, "unknown step '%s'", word);
	}

	st->opts = xcalloc((size_t)(top - start), sizeof *st->opts);
	for (yaml_node_pair_t *p = start; p < top; p++) {
		yaml_node_t *k = ld_node_at(ld, p->key);
		if (k == kind_key)
			continue;
		const char *key = (const char *)k->data.scalar.value;
		const struct opt_def *o = st->def->opts;
		size_t no = 0;
		while (o && o[no].key)
			no++;
		const struct opt_def *found = NULL;
		for (size_t i = 0; i < no; i++)
			if (!strcmp(o[i].key, key))
				found = &o[i];
		if (!found) {
			const char *names[64];
			for (size_t i = 0; i < no && i < 64; i++)
				names[i] = o[i].key;
			char what[80];
			snprintf(what, sizeof what, "option of '%s'", st->def->name);
			if (step_def_find(key))
				return ld_fail(ld, k, "one step has two kinds, '%s' and '%s'",
					       st->def->name, key);
			return ld_unknown_key(ld, k, what, names, no < 64 ? no : 64);
		}
		for (size_t i = 0; i < st->nopts; i++)
			if (!strcmp(st->opts[i].key, key))
				return ld_fail(ld, k, "'%s' is given twice in a step", key);
		if (load_arg(ld, ld_node_at(ld, p->value), found->key, found->type,
			     found->choices ? found->choices : "", &st->opts[st->nopts++]) < 0)
			return -1;
	}
	return fields_check_step(st->def->name, st->value.fields != NULL, step_field_opt, st, ld->name,
				 ld->err);
}
