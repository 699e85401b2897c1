/*
 * spec/load.c: reads a lab's YAML with libyaml's document API, so that every
 * node keeps its start mark, and turns it into struct spec: the helpers that
 * read a node, the top level, defaults, programs and probes (a probe's steps:
 * step.c). Every problem is an error "file:line:col: what is wrong"; nothing
 * here exits or crashes on bad input. Step kinds and their options come from
 * the table in steps.c, so a new step kind needs no change here.
 */
#include "internal.h"
#include "fields.h"
#include "steps.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

int ld_fail(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (node)
		snprintf(ld->err, ERRLEN, "%s:%zu:%zu: %s", ld->name,
			 node->start_mark.line + 1, node->start_mark.column + 1, msg);
	else
		snprintf(ld->err, ERRLEN, "%s: %s", ld->name, msg);
	return -1;
}

yaml_node_t *ld_node_at(struct loader *ld, int index)
{
	return yaml_document_get_node(&ld->doc, index);
}

const char *ld_node_kind(const yaml_node_t *n)
{
	switch (n->type) {
	case YAML_SCALAR_NODE: return "a scalar";
	case YAML_SEQUENCE_NODE: return "a list";
	case YAML_MAPPING_NODE: return "a mapping";
	default: return "nothing";
	}
}

/* A plain empty, "~" or "null" scalar: the key was written with no value. */
int ld_is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return 0;
	const char *v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

const char *ld_closest(const char *word, const char *const *cands, size_t n)
{
	const char *best = NULL;
	int bestd = 1000;
	int limit = (int)strlen(word) / 3;

	if (limit < 2)
		limit = 2;
	for (size_t i = 0; i < n; i++) {
		int d = edit_distance(word, cands[i]);
		if (d < bestd) {
			bestd = d;
			best = cands[i];
		}
	}
	return bestd <= limit ? best : NULL;
}

/*
 * The keys the loader accepts in each part of a spec (steps and their options
 * are in steps.c): what unknown keys are matched against, and what the format
 * document must describe (spec_keysets()).
 */
#define NKEYS(a) (sizeof a / sizeof *a)
static const char *const limit_keys[] = { "cpu", "memory", "files", "file_size", "output" };
static const char *const default_keys[] = { "within", "ready_within", "build_within", "cc",
						 "cflags", "ldflags", "limits" };
static const char *const program_keys[] = { "sources", "helpers", "argv", "ready", "cflags",
						 "stdout", "limits" };
static const char *const probe_keys[] = { "name", "points", "hint", "visibility", "repeat",
					       "steps" };
static const char *const top_keys[] = { "lab", "title", "defaults", "programs", "probes" };

static const struct spec_keyset keysets[] = {
	{ "top level", top_keys, NKEYS(top_keys) },
	{ "defaults", default_keys, NKEYS(default_keys) },
	{ "limits", limit_keys, NKEYS(limit_keys) },
	{ "programs", program_keys, NKEYS(program_keys) },
	{ "probes", probe_keys, NKEYS(probe_keys) },
};

const struct spec_keyset *spec_keysets(size_t *n)
{
	*n = NKEYS(keysets);
	return keysets;
}

int ld_unknown_key(struct loader *ld, const yaml_node_t *key, const char *what,
		       const char *const *known, size_t n)
{
	const char *k = (const char *)key->data.scalar.value;
	const char *s = ld_closest(k, known, n);

	if (s)
		return ld_fail(ld, key, "unknown %s '%s' (did you mean '%s'?)", what, k, s);
	return ld_fail(ld, key, "unknown %s '%s'", what, k);
}

int ld_want_scalar(struct loader *ld, const yaml_node_t *n, const char *what)
{
	if (n->type != YAML_SCALAR_NODE)
		return ld_fail(ld, n, "%s must be a scalar, not %s", what, ld_node_kind(n));
	return 0;
}

static int get_string(struct loader *ld, const yaml_node_t *n, const char *what, char **out)
{
	if (ld_want_scalar(ld, n, what) < 0)
		return -1;
	free(*out);
	*out = xstrndup((const char *)n->data.scalar.value, n->data.scalar.length);
	return 0;
}

int ld_get_duration(struct loader *ld, const yaml_node_t *n, const char *what, int64_t *out)
{
	if (ld_want_scalar(ld, n, what) < 0)
		return -1;
	const char *t = (const char *)n->data.scalar.value;
	int64_t ms = parse_duration_ms(t);
	if (ms < 0)
		return ld_fail(ld, n, "%s: '%s' is not a duration (write 2s or 300ms)", what, t);
	/* a bare number is no duration FORMAT.md knows: seconds or milliseconds? */
	if (*t && t[strspn(t, "0123456789.")] == '\0')
		return ld_fail(ld, n, "%s: '%s' has no unit (write %sms or %ss)", what, t, t, t);
	*out = ms;
	return 0;
}

int ld_get_int(struct loader *ld, const yaml_node_t *n, const char *what, long min, long max,
		   long *out)
{
	if (ld_want_scalar(ld, n, what) < 0)
		return -1;
	const char *s = (const char *)n->data.scalar.value;
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno)
		return ld_fail(ld, n, "%s: '%s' is not a whole number", what, s);
	if (v < min || v > max)
		return ld_fail(ld, n, "%s: %ld is out of range (%ld to %ld)", what, v, min, max);
	*out = v;
	return 0;
}

int ld_get_bool(struct loader *ld, const yaml_node_t *n, const char *what, int *out)
{
	if (ld_want_scalar(ld, n, what) < 0)
		return -1;
	const char *s = (const char *)n->data.scalar.value;
	if (!strcmp(s, "true") || !strcmp(s, "yes"))
		*out = 1;
	else if (!strcmp(s, "false") || !strcmp(s, "no"))
		*out = 0;
	else
		return ld_fail(ld, n, "%s: '%s' is not true or false", what, s);
	return 0;
}

/* A list of scalars; a lone scalar counts as a list of one. */
int ld_get_list(struct loader *ld, const yaml_node_t *n, const char *what, char ***out,
		    size_t *nout)
{
	if (n->type == YAML_SCALAR_NODE) {
		*out = xcalloc(1, sizeof **out);
		(*out)[0] = xstrndup((const char *)n->data.scalar.value, n->data.scalar.length);
		*nout = 1;
		return 0;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return ld_fail(ld, n, "%s must be a list, not %s", what, ld_node_kind(n));
	size_t cnt = (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
	*out = xcalloc(cnt + 1, sizeof **out);
	*nout = 0;
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = ld_node_at(ld, n->data.sequence.items.start[i]);
		if (ld_want_scalar(ld, it, what) < 0)
			return -1;
		(*out)[(*nout)++] = xstrndup((const char *)it->data.scalar.value,
					     it->data.scalar.length);
	}
	return 0;
}

int ld_valid_name(const char *s)
{
	if (!*s || !(isalpha((unsigned char)*s) || *s == '_'))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return 0;
	return 1;
}

/* Walks the pairs of a mapping: calls fn(key, value) for each, checking duplicates. */
typedef int (*pair_fn)(struct loader *ld, void *ctx, const yaml_node_t *key, const char *k,
		       const yaml_node_t *value);

static int each_pair(struct loader *ld, const yaml_node_t *map, const char *what, void *ctx,
		     pair_fn fn)
{
	if (map->type != YAML_MAPPING_NODE)
		return ld_fail(ld, map, "%s must be a mapping, not %s", what, ld_node_kind(map));
	yaml_node_pair_t *start = map->data.mapping.pairs.start;
	yaml_node_pair_t *top = map->data.mapping.pairs.top;
	for (yaml_node_pair_t *p = start; p < top; p++) {
		yaml_node_t *k = ld_node_at(ld, p->key);
		yaml_node_t *v = ld_node_at(ld, p->value);
		if (k->type != YAML_SCALAR_NODE)
			return ld_fail(ld, k, "keys of %s must be scalars", what);
		for (yaml_node_pair_t *q = start; q < p; q++) {
			yaml_node_t *qk = ld_node_at(ld, q->key);
			if (qk->type == YAML_SCALAR_NODE &&
			    !strcmp((char *)qk->data.scalar.value, (char *)k->data.scalar.value))
				return ld_fail(ld, k, "'%s' is given twice in %s", (char *)k->data.scalar.value,
					       what);
		}
		if (fn(ld, ctx, k, (const char *)k->data.scalar.value, v) < 0)
			return -1;
	}
	return 0;
}

/* ---- defaults ---- */


static int on_limit(struct loader *ld, void *ctx, const yaml_node_t *key, const char *k,
		    const yaml_node_t *v)
{
	struct spec_limits *l = ctx;
	long n;

	if (!strcmp(k, "cpu"))
		return ld_get_duration(ld, v, "cpu", &l->cpu_ms);
	if (!strcmp(k, "memory") || !strcmp(k, "file_size") || !strcmp(k, "output")) {
		int64_t bytes;
		if (ld_load_size(ld, v, k, &bytes) < 0)
			return -1;
		if (!strcmp(k, "output"))
			l->output_kb = bytes / 1024 ? bytes / 1024 : 1;
		else if (!strcmp(k, "memory"))
			l->memory_mb = bytes >> 20 ? bytes >> 20 : 1;
		else
			l->fsize_mb = bytes >> 20 ? bytes >> 20 : 1;
		return 0;
	}
	if (!strcmp(k, "files")) {
		if (ld_get_int(ld, v, "files", 8, 65536, &n) < 0)
			return -1;
		l->nofile = n;
		return 0;
	}
	return ld_unknown_key(ld, key, "limit", limit_keys, NKEYS(limit_keys));
}

static void limits_unset(struct spec_limits *l)
{
	l->cpu_ms = l->memory_mb = l->nofile = l->fsize_mb = l->output_kb = -1;
}

static int on_default(struct loader *ld, void *ctx, const yaml_node_t *key, const char *k,
		      const yaml_node_t *v)
{
	struct spec *s = ctx;

	if (!strcmp(k, "limits"))
		return each_pair(ld, v, "limits", &s->limits, on_limit);
	if (!strcmp(k, "within"))
		return ld_get_duration(ld, v, "within", &s->within_ms);
	if (!strcmp(k, "ready_within"))
		return ld_get_duration(ld, v, "ready_within", &s->ready_within_ms);
	if (!strcmp(k, "build_within"))
		return ld_get_duration(ld, v, "build_within", &s->build_within_ms);
	if (!strcmp(k, "cc"))
		return get_string(ld, v, "cc", &s->cc);
	if (!strcmp(k, "cflags"))
		return get_string(ld, v, "cflags", &s->cflags);
	if (!strcmp(k, "ldflags"))
		return get_string(ld, v, "ldflags", &s->ldflags);
	return ld_unknown_key(ld, key, "default", default_keys, NKEYS(default_keys));
}

/* ---- programs ---- */

static int plain_file_name(const char *s)
{
	return *s && !strchr(s, '/') && s[0] != '.' && s[0] != '-';
}

/* helpers: none, auto, or a list of .c files (each a plain name, given once). */
static int load_helpers(struct loader *ld, const yaml_node_t *v, struct program *p)
{
	if (v->type == YAML_SCALAR_NODE) {
		const char *w = (const char *)v->data.scalar.value;
		if (!strcmp(w, "none") || !strcmp(w, "auto")) {
			p->helpers_rule = !strcmp(w, "none") ? HELPERS_NONE : HELPERS_AUTO;
			return 0;
		}
		if (ld_is_null(v))
			return ld_fail(ld, v, "helpers needs a value: none, auto or a list of .c files");
		return ld_fail(ld, v, "helpers: '%s' is not none, auto or a list (write [%s])", w, w);
	}
	if (v->type != YAML_SEQUENCE_NODE)
		return ld_fail(ld, v, "helpers must be none, auto or a list of .c files, not %s",
			       ld_node_kind(v));
	if (ld_get_list(ld, v, "helpers", &p->helpers, &p->nhelpers) < 0)
		return -1;
	p->helpers_rule = HELPERS_LIST;
	for (size_t i = 0; i < p->nhelpers; i++) {
		const yaml_node_t *it = ld_node_at(ld, v->data.sequence.items.start[i]);
		const char *h = p->helpers[i];
		size_t hl = strlen(h);
		if (!plain_file_name(h))
			return ld_fail(ld, it, "helper '%s' must be a plain file name", h);
		if (hl < 3 || strcmp(h + hl - 2, ".c"))
			return ld_fail(ld, it, "helper '%s' is not a .c file", h);
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p->helpers[j], h))
				return ld_fail(ld, it, "helper '%s' is listed twice", h);
	}
	return 0;
}

static int on_program_key(struct loader *ld, void *ctx, const yaml_node_t *key, const char *k,
			  const yaml_node_t *v)
{
	struct program *p = ctx;

	if (!strcmp(k, "limits"))
		return each_pair(ld, v, "limits", &p->limits, on_limit);
	if (!strcmp(k, "sources")) {
		if (ld_get_list(ld, v, "sources", &p->sources, &p->nsources) < 0)
			return -1;
		for (size_t i = 0; i < p->nsources; i++)
			if (!plain_file_name(p->sources[i]))
				return ld_fail(ld, v, "source '%s' must be a plain file name",
					       p->sources[i]);
		return 0;
	}
	if (!strcmp(k, "helpers"))
		return load_helpers(ld, v, p);
	if (!strcmp(k, "argv"))
		return ld_get_list(ld, v, "argv", &p->argv, &p->argc);
	if (!strcmp(k, "ready")) {
		if (get_string(ld, v, "ready", &p->ready) < 0)
			return -1;
		if (strcmp(p->ready, "tcp") && strcmp(p->ready, "udp") && strcmp(p->ready, "none"))
			return ld_fail(ld, v, "ready: '%s' is not one of tcp, udp, none", p->ready);
		return 0;
	}
	if (!strcmp(k, "cflags"))
		return get_string(ld, v, "cflags", &p->cflags);
	if (!strcmp(k, "stdout")) {
		char *mode = NULL;
		if (get_string(ld, v, "stdout", &mode) < 0)
			return -1;
		int ok = !strcmp(mode, "pipe") || !strcmp(mode, "pty");
		p->stdout_pty = !strcmp(mode, "pty");
		if (!ok)
			ld_fail(ld, v, "stdout: '%s' is not one of pipe, pty", mode);
		free(mode);
		return ok ? 0 : -1;
	}
	return ld_unknown_key(ld, key, "program key", program_keys, NKEYS(program_keys));
}

/* The node of the i-th item of the program's helpers list (for a message's position). */
static const yaml_node_t *helpers_item(struct loader *ld, const yaml_node_t *prog, size_t i)
{
	for (yaml_node_pair_t *q = prog->data.mapping.pairs.start; q < prog->data.mapping.pairs.top;
	     q++) {
		yaml_node_t *k = ld_node_at(ld, q->key);
		yaml_node_t *v = ld_node_at(ld, q->value);
		if (k->type == YAML_SCALAR_NODE && !strcmp((char *)k->data.scalar.value, "helpers") &&
		    v->type == YAML_SEQUENCE_NODE &&
		    i < (size_t)(v->data.sequence.items.top - v->data.sequence.items.start))
			return ld_node_at(ld, v->data.sequence.items.start[i]);
	}
	return prog;
}

static int on_program(struct loader *ld, void *ctx, const yaml_node_t *key, const char *k,
		      const yaml_node_t *v)
{
	struct spec *s = ctx;

	if (!ld_valid_name(k))
		return ld_fail(ld, key, "program name '%s' must be a plain name (letters, digits, _ and -)",
			       k);
	struct program *p = &s->programs[s->nprograms++];
	p->name = xstrdup(k);
	limits_unset(&p->limits);
	if (each_pair(ld, v, "a program", p, on_program_key) < 0)
		return -1;
	if (!p->nsources)
		return ld_fail(ld, v, "program '%s' has no sources", k);
	for (size_t i = 0; i < p->nhelpers; i++)
		for (size_t j = 0; j < p->nsources; j++)
			if (!strcmp(p->helpers[i], p->sources[j]))
				return ld_fail(ld, helpers_item(ld, v, i),
					       "helper '%s' is one of the program's sources",
					       p->helpers[i]);
	if (!p->ready)
		p->ready = xstrdup("tcp");
	if (!p->argv)
		p->argv = xcalloc(1, sizeof *p->argv);
	return 0;
}
/* ---- probes ---- */

static int on_probe_key(struct loader *ld, void *ctx, const yaml_node_t *key, const char *k,
			const yaml_node_t *v)
{
	struct probe *p = ctx;

	if (!strcmp(k, "name")) {
		if (get_string(ld, v, "name", &p->name) < 0)
			return -1;
		if (!*p->name)
			return ld_fail(ld, v, "a probe's name must not be empty");
		return 0;
	}
	if (!strcmp(k, "points")) {
		long n;
		if (ld_get_int(ld, v, "points", 0, 1000000, &n) < 0)
			return -1;
		p->points = (int)n;
		return 0;
	}
	if (!strcmp(k, "hint"))
		return get_string(ld, v, "hint", &p->hint);
	if (!strcmp(k, "repeat")) {
		long n;
		if (ld_get_int(ld, v, "repeat", 1, 100, &n) < 0)
			return -1;
		p->repeat = (int)n;
		return 0;
	}
	if (!strcmp(k, "visibility")) {
		char *s = NULL;
		if (get_string(ld, v, "visibility", &s) < 0)
			return -1;
		int ok = !strcmp(s, "visible") || !strcmp(s, "hidden") || !strcmp(s, "secret");
		p->hidden = !strcmp(s, "hidden") ? 1 : !strcmp(s, "secret") ? 2 : 0;
		if (!ok)
			ld_fail(ld, v, "visibility: '%s' is not one of visible, hidden, secret", s);
		free(s);
		return ok ? 0 : -1;
	}
	if (!strcmp(k, "steps")) {
		if (v->type != YAML_SEQUENCE_NODE)
			return ld_fail(ld, v, "steps must be a list, not %s", ld_node_kind(v));
		size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
		if (!cnt)
			return ld_fail(ld, v, "a probe needs at least one step");
		p->steps = xcalloc(cnt, sizeof *p->steps);
		for (size_t i = 0; i < cnt; i++) {
			if (ld_load_step(ld, ld_node_at(ld, v->data.sequence.items.start[i]),
				         &p->steps[p->nsteps++]) < 0)
				return -1;
		}
		return 0;
	}
	return ld_unknown_key(ld, key, "probe key", probe_keys, NKEYS(probe_keys));
}

static int load_probes(struct loader *ld, const yaml_node_t *v)
{
	struct spec *s = ld->spec;

	if (v->type != YAML_SEQUENCE_NODE)
		return ld_fail(ld, v, "probes must be a list, not %s", ld_node_kind(v));
	size_t cnt = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	s->probes = xcalloc(cnt + 1, sizeof *s->probes);
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *pn = ld_node_at(ld, v->data.sequence.items.start[i]);
		struct probe *p = &s->probes[s->nprobes++];
		p->number = (int)s->nprobes;
		p->points = 1;
		p->repeat = 1;
		p->line = (int)pn->start_mark.line + 1;
		p->col = (int)pn->start_mark.column + 1;
		if (each_pair(ld, pn, "a probe", p, on_probe_key) < 0)
			return -1;
		if (!p->name)
			return ld_fail(ld, pn, "probe %zu has no name", i + 1);
		if (!p->steps)
			return ld_fail(ld, pn, "probe '%s' has no steps", p->name);
		for (size_t j = 0; j + 1 < s->nprobes; j++)
			if (!strcmp(s->probes[j].name, p->name))
				return ld_fail(ld, pn, "two probes are named '%s' (the other is at line %d)",
					       p->name, s->probes[j].line);
	}
	return 0;
}

/* ---- top level ---- */

static int on_top(struct loader *ld, void *ctx, const yaml_node_t *key, const char *k,
		  const yaml_node_t *v)
{
	struct spec *s = ld->spec;
	(void)ctx;

	if (!strcmp(k, "lab")) {
		if (get_string(ld, v, "lab", &s->lab) < 0)
			return -1;
		if (!ld_valid_name(s->lab))
			return ld_fail(ld, v, "lab '%s' must be a plain name (letters, digits, _ and -)",
				       s->lab);
		return 0;
	}
	if (!strcmp(k, "title"))
		return get_string(ld, v, "title", &s->title);
	if (!strcmp(k, "defaults"))
		return each_pair(ld, v, "defaults", s, on_default);
	if (!strcmp(k, "programs")) {
		if (v->type != YAML_MAPPING_NODE)
			return ld_fail(ld, v, "programs must be a mapping, not %s", ld_node_kind(v));
		size_t cnt = (size_t)(v->data.mapping.pairs.top - v->data.mapping.pairs.start);
		s->programs = xcalloc(cnt + 1, sizeof *s->programs);
		return each_pair(ld, v, "programs", s, on_program);
	}
	if (!strcmp(k, "probes"))
		return 0;	/* after programs, which steps refer to */
	return ld_unknown_key(ld, key, "key", top_keys, NKEYS(top_keys));
}

/*
 * Before the real load: refuse what libyaml would take long over or what we
 * would silently ignore. Nesting deeper than SPEC_MAX_DEPTH (libyaml's cost
 * grows with the square of the depth: 100k levels took 21 s), and a second
 * document after `---`. Stops at the first such event, so the cost stays
 * small; a YAML error is left to the load, which reports it. 0 or -1.
 */
#define SPEC_MAX_DEPTH 64

static int spec_prescan(const char *name, const char *text, size_t len, char *err)
{
	yaml_parser_t parser;
	yaml_event_t ev;
	int depth = 0, docs = 0, rc = 0, done = 0;

	if (!yaml_parser_initialize(&parser))
		return 0;
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&parser, &ev))
			break;
		switch (ev.type) {
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			if (++depth > SPEC_MAX_DEPTH) {
				snprintf(err, ERRLEN, "%s:%zu:%zu: nested more than %d levels deep: a spec "
					 "needs a handful (a probe, its steps, a step's options)", name,
					 ev.start_mark.line + 1, ev.start_mark.column + 1, SPEC_MAX_DEPTH);
				rc = -1;
			}
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			depth--;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				snprintf(err, ERRLEN, "%s:%zu:%zu: a second YAML document: a spec is one "
					 "document; remove this '---' (and what follows), or put it in a spec "
					 "of its own", name, ev.start_mark.line + 1, ev.start_mark.column + 1);
				rc = -1;
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&parser);
	return rc;
}

int spec_load_string(const char *name, const char *text, size_t len, struct spec **out, char *err)
{
	struct loader ld = { .name = name, .src = text, .srclen = len, .err = err };
	yaml_parser_t parser;
	int rc = -1, have_doc = 0;

	*out = NULL;
	ld.spec = xcalloc(1, sizeof *ld.spec);
	ld.spec->path = xstrdup(name);
	ld.spec->within_ms = 2000;
	ld.spec->ready_within_ms = 5000;
	ld.spec->build_within_ms = 60000;
	limits_unset(&ld.spec->limits);

	if (spec_prescan(name, text, len, err) < 0)
		goto out_spec;
	if (!yaml_parser_initialize(&parser)) {
		snprintf(err, ERRLEN, "%s: internal error: cannot start the YAML parser", name);
		goto out_spec;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		snprintf(err, ERRLEN, "%s:%zu:%zu: %s%s%s", name, parser.problem_mark.line + 1,
			 parser.problem_mark.column + 1, parser.problem ? parser.problem : "bad YAML",
			 parser.context ? " " : "", parser.context ? parser.context : "");
		goto out_parser;
	}
	have_doc = 1;

	yaml_node_t *root = yaml_document_get_root_node(&ld.doc);
	if (!root) {
		snprintf(err, ERRLEN, "%s:1:1: the spec is empty", name);
		goto out_parser;
	}
	if (each_pair(&ld, root, "the spec", NULL, on_top) < 0)
		goto out_parser;
	/* probes last: their steps name programs */
	const yaml_node_t *probes = NULL;
	for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
	     p++)
		if (!strcmp((char *)ld_node_at(&ld, p->key)->data.scalar.value, "probes"))
			probes = ld_node_at(&ld, p->value);
	if (!ld.spec->lab) {
		ld_fail(&ld, root, "the spec has no 'lab'");
		goto out_parser;
	}
	if (!ld.spec->nprograms) {
		ld_fail(&ld, root, "the spec has no 'programs'");
		goto out_parser;
	}
	if (!probes) {
		ld_fail(&ld, root, "the spec has no 'probes'");
		goto out_parser;
	}
	if (load_probes(&ld, probes) < 0)
		goto out_parser;
	if (!ld.spec->cc)
		ld.spec->cc = xstrdup("cc");
	if (!ld.spec->cflags)
		ld.spec->cflags = xstrdup("-O1 -g");
	if (!ld.spec->ldflags)
		ld.spec->ldflags = xstrdup("");
	if (!ld.spec->title)
		ld.spec->title = xstrdup(ld.spec->lab);
	rc = 0;
out_parser:
	if (have_doc)
		yaml_document_delete(&ld.doc);
	yaml_parser_delete(&parser);
out_spec:
	if (rc == 0)
		*out = ld.spec;
	else
		spec_free(ld.spec);
	return rc;
}

int spec_load(const char *path, struct spec **out, char *err)
{
	struct strbuf sb = STRBUF_INIT;

	*out = NULL;
	if (read_file(path, &sb) < 0) {
		snprintf(err, ERRLEN, "%s: cannot read: %s", path, strerror(errno));
		sb_release(&sb);
		return -1;
	}
	int rc = spec_load_string(path, sb.buf ? sb.buf : "", sb.len, out, err);
	sb_release(&sb);
	return rc;
}

static void free_list(char **l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(l[i]);
	free(l);
}

static void free_arg(struct step_arg *a)
{
	free(a->text);
	free_list(a->list, a->nlist);
	fields_free(a->fields);
}

void spec_free(struct spec *s)
{
	if (!s)
		return;
	free(s->warnings);
	for (size_t i = 0; i < s->nprograms; i++) {
		struct program *p = &s->programs[i];
		free(p->name);
		free_list(p->sources, p->nsources);
		free_list(p->helpers, p->nhelpers);
		free_list(p->argv, p->argc);
		free(p->ready);
		free(p->cflags);
	}
	free(s->programs);
	for (size_t i = 0; i < s->nprobes; i++) {
		struct probe *p = &s->probes[i];
		for (size_t j = 0; j < p->nsteps; j++) {
			free_arg(&p->steps[j].value);
			for (size_t k = 0; k < p->steps[j].nopts; k++)
				free_arg(&p->steps[j].opts[k]);
			free(p->steps[j].opts);
		}
		free(p->steps);
		free(p->name);
		free(p->hint);
	}
	free(s->probes);
	free(s->path);
	free(s->lab);
	free(s->title);
	free(s->cc);
	free(s->cflags);
	free(s->ldflags);
	free(s);
}

const struct program *spec_program(const struct spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->nprograms; i++)
		if (!strcmp(spec->programs[i].name, name))
			return &spec->programs[i];
	return NULL;
}

const struct step_arg *step_opt(const struct step *step, const char *key)
{
	for (size_t i = 0; i < step->nopts; i++)
		if (!strcmp(step->opts[i].key, key) && step->opts[i].present)
			return &step->opts[i];
	return NULL;
}

int spec_max_score(const struct spec *spec, int include_hidden)
{
	int total = 0;
	for (size_t i = 0; i < spec->nprobes; i++)
		if (include_hidden || !spec->probes[i].hidden)
			total += spec->probes[i].points;
	return total;
}
