/*
 * spec_check: the static checks of a loaded spec, run by spec_load() before
 * anything is graded. Each probe's steps are followed in order, with what
 * exists at each step (connections, listeners, UDP sockets, variables), so
 * that a spec which would only fail when the reference runs is refused with
 * the step's file:line:col and what to write instead.
 *
 * What a step makes and uses is data: a row of name_rules per step kind.
 * A new step kind that makes or uses a connection, a listener, a socket or a
 * variable adds rows here; one that expects something adds a row to
 * expect_rules.
 */
#include "spec_check.h"
#include "fields.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "util.h"

/* What a name stands for: the harness's connections, listeners and sockets share one table. */
enum name_space {
	NS_CONN,	/* a TCP connection (connect, accept) */
	NS_LISTENER,	/* a listener of the harness (listen) */
	NS_UDP,		/* a UDP socket (udp_send, listen: proto: udp) */
	NS_VAR,		/* a variable, {name} in a text */
};

/* One name a step makes or uses. */
struct name_rule {
	enum step_kind kind;
	const char *key;	/* the option holding the name; NULL: the kind key's own value */
	const char *dflt;	/* the name when the spec gives none; NULL: none is made or used */
	enum name_space ns;
	int makes;		/* 1: the step makes it; 0: it must exist before */
};

static const struct name_rule name_rules[] = {
	{ STEP_CONNECT, NULL, "c", NS_CONN, 1 },
	{ STEP_CONNECT, NULL, "peer_host", NS_VAR, 1 },
	{ STEP_CONNECT, NULL, "peer_port", NS_VAR, 1 },
	{ STEP_ACCEPT, NULL, "peer_host", NS_VAR, 1 },
	{ STEP_ACCEPT, NULL, "peer_port", NS_VAR, 1 },
	{ STEP_WRITE_FILE, "var", NULL, NS_VAR, 1 },
	{ STEP_LISTEN, NULL, "l", NS_LISTENER, 1 },
	{ STEP_LISTEN, NULL, "port", NS_VAR, 1 },
	{ STEP_LISTEN, NULL, "host", NS_VAR, 1 },
	{ STEP_ACCEPT, "listener", "l", NS_LISTENER, 0 },
	{ STEP_ACCEPT, NULL, "c", NS_CONN, 1 },
	{ STEP_START, NULL, "port", NS_VAR, 1 },
	{ STEP_START, NULL, "host", NS_VAR, 1 },
	{ STEP_UNUSED_PORT, NULL, "port", NS_VAR, 1 },
	{ STEP_RANDOM, NULL, NULL, NS_VAR, 1 },
	{ STEP_SEND, "conn", "c", NS_CONN, 0 },
	{ STEP_EXPECT, "conn", "c", NS_CONN, 0 },
	{ STEP_EXPECT_EOF, "conn", "c", NS_CONN, 0 },
	{ STEP_CLOSE, NULL, "c", NS_CONN, 0 },
	{ STEP_ABORT, NULL, "c", NS_CONN, 0 },
	{ STEP_SHUTDOWN, NULL, "c", NS_CONN, 0 },
	{ STEP_SEND_PAYLOAD, "conn", "c", NS_CONN, 0 },
	{ STEP_EXPECT_ECHO, "conn", "c", NS_CONN, 0 },
	{ STEP_FLOOD, "conn", "c", NS_CONN, 0 },
	{ STEP_EXPECT_SILENCE, "conn", "c", NS_CONN, 0 },
	{ STEP_EXPECT_RESET, "conn", "c", NS_CONN, 0 },
	{ STEP_UDP_SEND, "socket", "u", NS_UDP, 1 },
	{ STEP_UDP_EXPECT, "socket", "u", NS_UDP, 0 },
	{ STEP_UDP_EXPECT_NONE, "socket", "u", NS_UDP, 0 },
	{ STEP_UDP_REPLY, "socket", "u", NS_UDP, 0 },
	{ STEP_EXPECT_FILE, "sent", NULL, NS_CONN, 0 },
	{ STEP_EXPECT_FILE, "received", NULL, NS_CONN, 0 },
};

/* A step that expects something: the options that give the expectation instead of a text. */
struct expect_rule {
	enum step_kind kind;
	const char *instead[3];	/* options that replace the text, NULL-terminated */
};

static const struct expect_rule expect_rules[] = {
	{ STEP_EXPECT, { "from", "length", NULL } },
	{ STEP_EXPECT_STDOUT, { "from", NULL } },
	{ STEP_EXPECT_STDERR, { "from", NULL } },
	{ STEP_UDP_EXPECT, { "from", "echo", NULL } },
};

#define NROWS(a) (sizeof a / sizeof *a)
#define MAX_NAMES 256

/* The names that exist at one step of a probe. */
struct scope {
	const char *name[MAX_NAMES];
	enum name_space ns[MAX_NAMES];
	size_t n;
};

static const char *const ns_words[] = { "connection", "listener", "UDP socket", "variable" };

static int scope_has(const struct scope *sc, enum name_space ns, const char *name, size_t len)
{
	for (size_t i = 0; i < sc->n; i++)
		if (sc->ns[i] == ns && strlen(sc->name[i]) == len && !memcmp(sc->name[i], name, len))
			return 1;
	return 0;
}

static void scope_add(struct scope *sc, enum name_space ns, const char *name)
{
	if (scope_has(sc, ns, name, strlen(name)) || sc->n == MAX_NAMES)
		return;
	sc->name[sc->n] = name;
	sc->ns[sc->n++] = ns;
}

static int failf(char *err, const struct spec *spec, int line, int col, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int failf(char *err, const struct spec *spec, int line, int col, const char *fmt, ...)
{
	char msg[ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	snprintf(err, ERRLEN, "%s:%d:%d: %s", spec->path, line, col, msg);
	return -1;
}

/* Which steps make the first name of ns, for a suggestion. */
static const char *maker_of(enum name_space ns)
{
	switch (ns) {
	case NS_CONN:
		return "a 'connect:' or 'accept:' step";
	case NS_LISTENER:
		return "a 'listen:' step";
	case NS_UDP:
		return "a 'udp_send:' step (or 'listen:' with 'proto: udp')";
	default:
		return "a 'random:' step (or 'start:', 'listen:', 'unused_port:' for {port} and {host})";
	}
}

/*
 * Every {name} of a text must be a variable that exists; {{ and }} are
 * braces, and a '{' that is not a name (an expression, say) is left to the
 * step that reads it. 0, or -1 with err set.
 */
static int check_vars(const struct spec *spec, const struct scope *sc, const char *text, size_t len,
		      int line, int col, const char *what, char *err)
{
	for (size_t i = 0; i < len; i++) {
		if ((text[i] == '{' || text[i] == '}') && i + 1 < len && text[i + 1] == text[i]) {
			i++;
			continue;
		}
		if (text[i] != '{')
			continue;
		const char *end = memchr(text + i, '}', len - i);
		if (!end)
			return failf(err, spec, line, col, "%s: unclosed '{' (write '{{' for a brace)",
				     what);
		size_t n = (size_t)(end - text - i - 1);
		const char *name = text + i + 1;
		int is_name = n > 0;
		for (size_t k = 0; k < n; k++)
			if (!(name[k] == '_' || name[k] == '-' || (name[k] >= '0' && name[k] <= '9') ||
			      ((name[k] | 0x20) >= 'a' && (name[k] | 0x20) <= 'z')))
				is_name = 0;
		if (is_name && !scope_has(sc, NS_VAR, name, n))
			return failf(err, spec, line, col,
				     "%s: no variable '%.*s' is set before this step (set it with %s "
				     "before, or write '{{%.*s}}' for the braces themselves)",
				     what, (int)n, name, maker_of(NS_VAR), (int)n, name);
		i = (size_t)(end - text);
	}
	return 0;
}

/* A '\x' in a single-quoted text is four characters, not a byte: a warning. */
static void warn_single_quoted(const struct spec *spec, const struct step_arg *a,
			       struct strbuf *warnings)
{
	if (!a->present || !a->single_quoted || !a->text)
		return;
	const char *x = memmem(a->text, a->len, "\\x", 2);
	if (!x)
		return;
	int n = (int)strspn(x + 2, "0123456789abcdefABCDEF");
	if (n > 2)
		n = 2;
	sb_addf(warnings, "%s:%d:%d: warning: '%s': '\\x%.*s' in single quotes is %d characters, not "
		"a byte (write the text in double quotes, \"\\x%.*s\")\n", spec->path, a->line, a->col,
		a->key, n, x + 2, 2 + n, n, x + 2);
}

/*
 * The texts of a step: the variables they use set before (a start sets {port}
 * and {host} first), \x in single quotes warned about; binary fields too.
 */
static int check_texts(const struct spec *spec, const struct step *st, struct scope *sc,
		       struct strbuf *warnings, char *err)
{
	char what[64];

	/* a start sets {port} and {host} before its argv and stdin are filled in */
	if (st->def->kind == STEP_START) {
		scope_add(sc, NS_VAR, "port");
		scope_add(sc, NS_VAR, "host");
	}
	/* texts: variables set before, \x in single quotes */
	snprintf(what, sizeof what, "'%s'", st->def->name);
	warn_single_quoted(spec, &st->value, warnings);
	if (st->value.present && st->value.type == OPT_TEXT &&
	    check_vars(spec, sc, st->value.text, st->value.len, st->value.line, st->value.col, what,
		       err) < 0)
		return -1;
	for (size_t i = 0; i < st->nopts; i++) {
		const struct step_arg *a = &st->opts[i];
		warn_single_quoted(spec, a, warnings);
		snprintf(what, sizeof what, "'%s'", a->key);
		if (a->present && a->type == OPT_TEXT &&
		    check_vars(spec, sc, a->text, a->len, a->line, a->col, what, err) < 0)
			return -1;
	}

	/* binary fields: their texts' variables */
	const struct fields *fl = st->value.fields;
	for (size_t i = 0; fl && i < fl->n; i++)
		if (fl->v[i].text && check_vars(spec, sc, fl->v[i].text, fl->v[i].len, fl->v[i].line,
						fl->v[i].col, what, err) < 0)
			return -1;
	return 0;
}

/* Options that contradict each other, and an expect with nothing to expect. */
static int check_options(const struct spec *spec, const struct step *st, char *err)
{
	const struct step_arg *pieces = step_opt(st, "pieces");
	if (pieces && pieces->num == 0)
		return failf(err, spec, pieces->line, pieces->col,
			     "'pieces: 0' sends nothing (write 'pieces: 1' or more, or leave it out for "
			     "one piece)");
	for (size_t i = 0; i < NROWS(expect_rules); i++) {
		if (expect_rules[i].kind != st->def->kind)
			continue;
		const struct step_arg *instead = NULL;
		for (const char *const *o = expect_rules[i].instead; *o; o++) {
			const struct step_arg *a = step_opt(st, *o);
			if (a && (a->type != OPT_BOOL || a->num) && !instead)
				instead = a;
		}
		if (instead && st->value.present)
			return failf(err, spec, st->value.line, st->value.col,
				     "'%s' has a text and '%s:' (say what to expect once: remove the "
				     "text, or remove '%s:')", st->def->name, instead->key, instead->key);
		if (!instead && !st->value.present) {
			struct strbuf alt = STRBUF_INIT;
			for (const char *const *o = expect_rules[i].instead; *o; o++)
				sb_addf(&alt, "%s'%s:'", o == expect_rules[i].instead ? "" :
					o[1] ? ", " : " or ", *o);
			failf(err, spec, st->line, st->col,
			      "'%s' with nothing to expect (write the text, '%s: \"...\"', or give %s)",
			      st->def->name, st->def->name, alt.buf);
			sb_release(&alt);
			return -1;
		}
	}
	return 0;
}

/* The names the step uses (name_rules that do not make one): each must exist before it. */
static int check_uses(const struct spec *spec, const struct step *st, const struct scope *sc,
		      char *err)
{
	for (size_t i = 0; i < NROWS(name_rules); i++) {
		const struct name_rule *nr = &name_rules[i];
		if (nr->kind != st->def->kind || nr->makes)
			continue;
		const struct step_arg *a = nr->key ? step_opt(st, nr->key) : &st->value;
		const char *name = a && a->present ? a->text : nr->dflt;
		if (!name)
			continue;
		if (!scope_has(sc, nr->ns, name, strlen(name)) &&
		    !(nr->ns == NS_UDP && scope_has(sc, NS_LISTENER, name, strlen(name))))
			return failf(err, spec, a && a->present ? a->line : st->line,
				     a && a->present ? a->col : st->col,
				     "'%s': no %s '%s'%s exists before this step (make it with %s "
				     "before this one)", st->def->name, ns_words[nr->ns], name,
				     a && a->present ? "" : " (the default name)", maker_of(nr->ns));
	}
	return 0;
}

/* What the step makes, added to the scope: an expect's {into: name}, then its name_rules. */
static void add_made(const struct step *st, struct scope *sc)
{
	enum step_kind kind = st->def->kind;
	const struct fields *fl = st->value.fields;

	for (size_t i = 0; fl && i < fl->n; i++)
		if (fl->v[i].into)
			scope_add(sc, NS_VAR, fl->v[i].into);
	const struct step_arg *refused = step_opt(st, "refused");
	const struct step_arg *proto = step_opt(st, "proto");
	for (size_t i = 0; i < NROWS(name_rules); i++) {
		const struct name_rule *nr = &name_rules[i];
		if (nr->kind != kind || !nr->makes || (refused && refused->num))
			continue;
		const struct step_arg *a = nr->key ? step_opt(st, nr->key) : &st->value;
		/* a variable is named by the step's value only for random: ({port} is start's) */
		const char *name = nr->ns != NS_VAR || kind == STEP_RANDOM || nr->key ?
				   (a && a->present ? a->text : nr->dflt) : nr->dflt;
		if (!name)
			continue;
		enum name_space ns = nr->ns;
		if (ns == NS_LISTENER && proto && !strcmp(proto->text, "udp"))
			ns = NS_UDP;
		scope_add(sc, ns, name);
	}
}

/* One step, with what exists before it in sc; adds what it makes. 0, or -1 with err filled. */
static int check_step(const struct spec *spec, const struct step *st, struct scope *sc,
		      struct strbuf *warnings, char *err)
{
	if (check_texts(spec, st, sc, warnings, err) < 0 || check_options(spec, st, err) < 0 ||
	    check_uses(spec, st, sc, err) < 0)
		return -1;
	add_made(st, sc);
	return 0;
}

int spec_check(struct spec *spec, char *err)
{
	struct strbuf warnings = STRBUF_INIT;
	int rc = 0;

	for (size_t p = 0; p < spec->nprobes && rc == 0; p++) {
		const struct probe *pr = &spec->probes[p];
		struct scope sc = { .n = 0 };
		for (size_t i = 0; i < pr->nsteps && rc == 0; i++)
			rc = check_step(spec, &pr->steps[i], &sc, &warnings, err);
	}
	free(spec->warnings);
	spec->warnings = rc == 0 && warnings.len ? sb_detach(&warnings, NULL) : NULL;
	sb_release(&warnings);
	return rc;
}

int spec_load_checked(const char *path, struct spec **out, char *err)
{
	if (spec_load(path, out, err) < 0)
		return -1;
	if (spec_check(*out, err) < 0) {
		spec_free(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}
