/*
 * sources: decides which files make a program of a submission without a
 * Makefile. The rule (specs/FORMAT.md, helpers:): the program's named
 * sources, plus every other .c file of the submission that defines no main,
 * so that error_handling.c or a wrapper library is linked in and a client
 * beside the server never is.
 *
 * Whether a file defines main is read from its text, in the harness: this
 * only reads bytes, runs nothing the student wrote and costs no compiler run
 * per file. The scan is a small C tokenizer (comments, literals, splices,
 * directives, #if 0 groups) and a file-scope pattern, not a preprocessor: a
 * main hidden behind a macro is not seen, and a main inside #ifdef counts.
 */
#include "sources.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the tokenizer ---- */

enum tok_kind { T_EOF, T_IDENT, T_PUNCT, T_OTHER };

struct tok {
	enum tok_kind kind;
	const char *s;		/* T_IDENT: the name (not NUL-terminated) */
	size_t len;
	char c;			/* T_PUNCT: the character ('{' for "<%", '}' for "%>") */
	int line;
};

#define COND_MAX 64

/* One #if group: whether its current branch is live, and what is known of its branches. */
struct cond {
	int outer_live;		/* the group's parent is live */
	int live;		/* the current branch is live */
	int taken;		/* a branch known to be true was seen: the rest are dead */
	int known_false;	/* every branch so far was known false (#if 0) */
};

struct lexer {
	const char *s;
	size_t n, i;
	int line;
	int bol;		/* only blanks and comments since the start of the line */
	struct cond conds[COND_MAX];
	int nconds;		/* deeper groups than COND_MAX are counted, not tracked */
	int depth_over;
	struct source_scan *out;
};

static int is_ident(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '$' || c >= 0x80;
}

static int live(const struct lexer *lx)
{
	return lx->nconds == 0 || lx->conds[lx->nconds - 1].live;
}

/* A backslash-newline (or backslash-CR-LF) at i: its length, else 0. */
static size_t splice_at(const struct lexer *lx, size_t i)
{
	if (i + 1 < lx->n && lx->s[i] == '\\' && lx->s[i + 1] == '\n')
		return 2;
	if (i + 2 < lx->n && lx->s[i] == '\\' && lx->s[i + 1] == '\r' && lx->s[i + 2] == '\n')
		return 3;
	return 0;
}

/* Steps over splices at the cursor. */
static void skip_splices(struct lexer *lx)
{
	size_t k;
	while ((k = splice_at(lx, lx->i))) {
		lx->i += k;
		lx->line++;
	}
}

/* The byte at the cursor (0 at the end), splices skipped. */
static int cur(struct lexer *lx)
{
	skip_splices(lx);
	return lx->i < lx->n ? (unsigned char)lx->s[lx->i] : -1;
}

/* The byte after the cursor's, splices skipped, without moving. */
static int next_byte(struct lexer *lx)
{
	skip_splices(lx);
	size_t i = lx->i + 1, k;
	while ((k = splice_at(lx, i)))
		i += k;
	return i < lx->n ? (unsigned char)lx->s[i] : -1;
}

static void advance(struct lexer *lx)
{
	skip_splices(lx);
	if (lx->i < lx->n) {
		if (lx->s[lx->i] == '\n')
			lx->line++;
		lx->i++;
	}
}

/* After the opening of a block comment: to its end. */
static void skip_block_comment(struct lexer *lx)
{
	int c;
	while ((c = cur(lx)) >= 0) {
		advance(lx);
		if (c == '*' && cur(lx) == '/') {
			advance(lx);
			return;
		}
	}
}

/* After "//": to the end of the line (a splice continues it), the newline left. */
static void skip_line_comment(struct lexer *lx)
{
	int c;
	while ((c = cur(lx)) >= 0 && c != '\n')
		advance(lx);
}

/* After the opening quote: to the closing one; an unescaped newline ends it too. */
static void skip_literal(struct lexer *lx, int quote)
{
	int c;
	while ((c = cur(lx)) >= 0 && c != '\n') {
		advance(lx);
		if (c == '\\') {
			if (cur(lx) >= 0 && cur(lx) != '\n')
				advance(lx);
		} else if (c == quote) {
			return;
		}
	}
}

/* Blanks, newlines and comments; 1 when the cursor is then at a token. */
static void skip_space(struct lexer *lx)
{
	int c;
	while ((c = cur(lx)) >= 0) {
		if (c == '\n') {
			advance(lx);
			lx->bol = 1;
		} else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
			advance(lx);
		} else if (c == '/' && next_byte(lx) == '*') {
			advance(lx);
			advance(lx);
			skip_block_comment(lx);
		} else if (c == '/' && next_byte(lx) == '/') {
			skip_line_comment(lx);
		} else {
			return;
		}
	}
}

/* The directive's text to the end of its logical line, comments as one blank. */
static void read_directive(struct lexer *lx, struct strbuf *sb)
{
	int c;
	while ((c = cur(lx)) >= 0 && c != '\n') {
		if (c == '/' && next_byte(lx) == '*') {
			advance(lx);
			advance(lx);
			skip_block_comment(lx);
			sb_addc(sb, ' ');
		} else if (c == '/' && next_byte(lx) == '/') {
			skip_line_comment(lx);
		} else {
			sb_addc(sb, (char)c);
			advance(lx);
		}
	}
}

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f' || *p == '\v')
		p++;
	return p;
}

/* 1 known true, 0 known false, -1 unknown: only "0" and "1" are known. */
static int eval_condition(const char *expr)
{
	const char *p = skip_blanks(expr);
	if ((*p == '0' || *p == '1') && !is_ident((unsigned char)p[1])) {
		const char *q = skip_blanks(p + 1);
		if (!*q)
			return *p == '1';
	}
	return -1;
}

static void push_cond(struct lexer *lx, int value)
{
	if (lx->nconds == COND_MAX) {
		lx->depth_over++;
		return;
	}
	int outer = live(lx);
	struct cond *c = &lx->conds[lx->nconds++];
	c->outer_live = outer;
	c->live = outer && value != 0;
	c->taken = value == 1;
	c->known_false = value == 0;
}

static void else_cond(struct lexer *lx, int is_elif, const char *expr)
{
	if (lx->depth_over || !lx->nconds)
		return;
	struct cond *c = &lx->conds[lx->nconds - 1];
	int value = is_elif ? eval_condition(expr) : 1;
	if (c->taken) {
		c->live = 0;
		return;
	}
	if (c->known_false) {
		/* every branch before was false: this one decides */
		c->live = c->outer_live && value != 0;
		c->taken = value == 1;
		c->known_false = value == 0;
		return;
	}
	/* an earlier branch may have been true: this one may be too, unless known false */
	c->live = c->outer_live && value != 0;
}

static void add_include(struct source_scan *out, const char *name, size_t len)
{
	if (len < 3 || memcmp(name + len - 2, ".c", 2) || memchr(name, '/', len))
		return;
	out->includes = xrealloc(out->includes, (out->nincludes + 1) * sizeof *out->includes);
	out->includes[out->nincludes++] = xstrndup(name, len);
}

/* At '#' at the start of a line: handles the directive, the cursor left at its newline. */
static void directive(struct lexer *lx)
{
	struct strbuf sb = STRBUF_INIT;
	advance(lx);
	read_directive(lx, &sb);
	const char *p = skip_blanks(sb.buf ? sb.buf : "");
	const char *w = p;
	while (is_ident((unsigned char)*p))
		p++;
	size_t wl = (size_t)(p - w);
	const char *rest = p;
#define IS(word) (wl == sizeof word - 1 && !memcmp(w, word, wl))
	if (IS("if")) {
		push_cond(lx, live(lx) ? eval_condition(rest) : 0);
	} else if (IS("ifdef") || IS("ifndef")) {
		push_cond(lx, live(lx) ? -1 : 0);
	} else if (IS("elif") || IS("elifdef") || IS("elifndef")) {
		else_cond(lx, 1, IS("elif") ? rest : "x");
	} else if (IS("else")) {
		else_cond(lx, 0, "");
	} else if (IS("endif")) {
		if (lx->depth_over)
			lx->depth_over--;
		else if (lx->nconds)
			lx->nconds--;
	} else if (IS("include") && live(lx)) {
		const char *q = skip_blanks(rest);
		const char *end = *q == '"' ? strchr(q + 1, '"') : NULL;
		if (end)
			add_include(lx->out, q + 1, (size_t)(end - q - 1));
	}
#undef IS
	sb_release(&sb);
}

/* The next token of live code: directives are handled and dead groups skipped on the way. */
static struct tok next_tok(struct lexer *lx)
{
	struct tok t = { T_EOF, NULL, 0, 0, 0 };
	for (;;) {
		skip_space(lx);
		int c = cur(lx);
		if (c < 0) {
			t.line = lx->line;
			return t;
		}
		if (c == '#' && lx->bol) {
			directive(lx);
			continue;
		}
		lx->bol = 0;
		t.line = lx->line;
		if (is_ident((unsigned char)c) && !(c >= '0' && c <= '9')) {
			size_t start = lx->i;
			int spliced = 0;
			while (cur(lx) >= 0 && is_ident((unsigned char)cur(lx))) {
				size_t before = lx->i;
				advance(lx);
				spliced |= lx->i != before + 1;
			}
			t.kind = T_IDENT;
			t.s = lx->s + start;
			t.len = lx->i - start;
			if (spliced)
				t.len = 0;	/* an identifier cut by a splice is not "main" */
		} else if (c >= '0' && c <= '9') {
			/* a pp-number, C23 digit separators included */
			while ((c = cur(lx)) >= 0 &&
			       (is_ident((unsigned char)c) || c == '.' || c == '\'' ||
				((c == '+' || c == '-') && strchr("eEpP", lx->s[lx->i - 1]))))
				advance(lx);
			t.kind = T_OTHER;
		} else if (c == '"' || c == '\'') {
			advance(lx);
			skip_literal(lx, c);
			t.kind = T_OTHER;
		} else {
			advance(lx);
			t.kind = T_PUNCT;
			t.c = (char)c;
			if (c == '<' && cur(lx) == '%') {
				advance(lx);
				t.c = '{';
			} else if (c == '%' && cur(lx) == '>') {
				advance(lx);
				t.c = '}';
			}
		}
		if (live(lx))
			return t;
	}
}

static int tok_is(const struct tok *t, const char *word)
{
	size_t n = strlen(word);
	return t->kind == T_IDENT && t->len == n && !memcmp(t->s, word, n);
}

static int tok_punct(const struct tok *t, char c)
{
	return t->kind == T_PUNCT && t->c == c;
}

/* After '(' was read: to its matching ')'; the token after it. */
static struct tok skip_parens(struct lexer *lx)
{
	int depth = 1;
	struct tok t;
	do {
		t = next_tok(lx);
		if (tok_punct(&t, '('))
			depth++;
		else if (tok_punct(&t, ')'))
			depth--;
	} while (depth > 0 && t.kind != T_EOF);
	return next_tok(lx);
}

void sources_scan(const char *text, size_t len, struct source_scan *out)
{
	struct lexer lx = { .s = text, .n = len, .line = 1, .bol = 1, .out = out };
	int depth = 0, have_back = 0;
	struct tok t, back = { T_EOF, NULL, 0, 0, 0 };

	memset(out, 0, sizeof *out);
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		lx.i = 3;	/* a UTF-8 byte order mark */
	for (;;) {
		t = have_back ? back : next_tok(&lx);
		have_back = 0;
		if (t.kind == T_EOF)
			break;
		if (tok_punct(&t, '{')) {
			depth++;
		} else if (tok_punct(&t, '}')) {
			if (depth > 0)
				depth--;
		} else if (depth == 0 && !out->main_line && tok_is(&t, "main")) {
			int line = t.line;
			struct tok u = next_tok(&lx);
			if (!tok_punct(&u, '(')) {
				back = u;
				have_back = 1;
				continue;
			}
			u = skip_parens(&lx);
			/* attributes between the parameters and the body */
			while (tok_is(&u, "__attribute__") || tok_is(&u, "__attribute")) {
				u = next_tok(&lx);
				if (tok_punct(&u, '('))
					u = skip_parens(&lx);
			}
			if (tok_punct(&u, '{') ||
			    (u.kind == T_IDENT && u.len && !tok_is(&u, "asm") && !tok_is(&u, "__asm") &&
			     !tok_is(&u, "__asm__")))
				out->main_line = line;	/* a body, or K&R parameter declarations */
			back = u;
			have_back = 1;
		}
	}
}

void source_scan_release(struct source_scan *s)
{
	for (size_t i = 0; i < s->nincludes; i++)
		free(s->includes[i]);
	free(s->includes);
	memset(s, 0, sizeof *s);
}

/* ---- choosing a program's files ---- */

static int regular_file(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	int ok = lstat(p, &st) == 0 && S_ISREG(st.st_mode);
	free(p);
	return ok;
}

/* The names of the .c files at the top of dir that could be helpers, sorted. */
static char **list_c_files(const char *dir, size_t *n)
{
	size_t all;
	char **names = dir_names(dir, 1, &all);

	*n = 0;
	for (size_t i = 0; i < all; i++) {
		size_t len = strlen(names[i]);
		if (len < 3 || strcmp(names[i] + len - 2, ".c") || names[i][0] == '-' ||
		    !regular_file(dir, names[i]))
			free(names[i]);
		else
			names[(*n)++] = names[i];
	}
	return names;
}

static int in_list(char *const *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return 1;
	return 0;
}

static void add_file(struct source_set *s, const char *name)
{
	s->files = xrealloc(s->files, (s->nfiles + 1) * sizeof *s->files);
	s->files[s->nfiles++] = xstrdup(name);
}

static void add_skip(struct source_set *s, const char *name, char *why)
{
	s->skipped = xrealloc(s->skipped, (s->nskipped + 1) * sizeof *s->skipped);
	s->skipped[s->nskipped].file = xstrdup(name);
	s->skipped[s->nskipped++].why = why;
}

/* Which file of the program (files[0..n)) #includes name; NULL when none. */
static const char *includer(char *const *files, struct source_scan *scans, size_t n,
			    const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (in_list(scans[i].includes, scans[i].nincludes, name))
			return files[i];
	return NULL;
}

void sources_choose(const char *dir, const struct program *prog, struct source_set *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; i < prog->nsources; i++) {
		if (!regular_file(dir, prog->sources[i]) && !out->missing)
			out->missing = xstrdup(prog->sources[i]);
		add_file(out, prog->sources[i]);
	}
	out->nnamed = out->nfiles;
	if (prog->helpers_rule == HELPERS_LIST) {
		for (size_t i = 0; i < prog->nhelpers; i++) {
			if (!regular_file(dir, prog->helpers[i]) && !out->missing)
				out->missing = xstrdup(prog->helpers[i]);
			if (!in_list(out->files, out->nfiles, prog->helpers[i]))
				add_file(out, prog->helpers[i]);
		}
	}

	size_t nc;
	char **cfiles = list_c_files(dir, &nc);
	/* every candidate is scanned once: for main, and for the .c files it includes */
	struct source_scan *scans = xcalloc(nc + 1, sizeof *scans);
	int *read_errno = xcalloc(nc + 1, sizeof *read_errno);
	for (size_t i = 0; i < nc; i++) {
		struct strbuf sb = STRBUF_INIT;
		/* a regular file below dir, through no link (none on the way either) */
		read_errno[i] = read_beneath(dir, cfiles[i], (size_t)64 << 20, &sb) < 0 ? errno : 0;
		sources_scan(sb.buf ? sb.buf : "", sb.len, &scans[i]);
		sb_release(&sb);
	}
	/* the scans of the program's files so far, for "included by" */
	size_t cap = out->nfiles + nc + 1;
	struct source_scan *mine = xcalloc(cap, sizeof *mine);
	char **mine_names = xcalloc(cap, sizeof *mine_names);
	size_t nmine = 0;
	for (size_t i = 0; i < nc; i++) {
		if (in_list(out->files, out->nfiles, cfiles[i])) {
			mine[nmine] = scans[i];
			mine_names[nmine++] = cfiles[i];
		}
	}

	for (size_t i = 0; i < nc; i++) {
		const char *name = cfiles[i];
		if (in_list(out->files, out->nfiles, name))
			continue;
		if (prog->helpers_rule == HELPERS_NONE) {
			add_skip(out, name, xstrdup("the spec says helpers: none"));
			continue;
		}
		if (prog->helpers_rule == HELPERS_LIST) {
			add_skip(out, name, xstrdup("not among the spec's helpers"));
			continue;
		}
		if (read_errno[i]) {
			add_skip(out, name, xasprintf("cannot be read: %s", strerror(read_errno[i])));
			continue;
		}
		if (scans[i].main_line) {
			add_skip(out, name, xasprintf("defines main (line %d)", scans[i].main_line));
			continue;
		}
		const char *by = includer(mine_names, mine, nmine, name);
		if (by) {
			add_skip(out, name, xasprintf("included by %s", by));
			continue;
		}
		add_file(out, name);
		mine[nmine] = scans[i];
		mine_names[nmine++] = cfiles[i];
	}
	/* a helper taken before the file that includes it sorted after it: leave it out now */
	for (size_t i = out->nnamed; i < out->nfiles; i++) {
		const char *by = includer(mine_names, mine, nmine, out->files[i]);
		if (by && strcmp(by, out->files[i])) {
			add_skip(out, out->files[i], xasprintf("included by %s", by));
			free(out->files[i]);
			memmove(&out->files[i], &out->files[i + 1],
				(out->nfiles - i - 1) * sizeof *out->files);
			out->nfiles--;
			i--;
		}
	}
	free(mine);
	free(mine_names);
	for (size_t i = 0; i < nc; i++) {
		source_scan_release(&scans[i]);
		free(cfiles[i]);
	}
	free(scans);
	free(read_errno);
	free(cfiles);
}

void source_set_release(struct source_set *s)
{
	for (size_t i = 0; i < s->nfiles; i++)
		free(s->files[i]);
	free(s->files);
	for (size_t i = 0; i < s->nskipped; i++) {
		free(s->skipped[i].file);
		free(s->skipped[i].why);
	}
	free(s->skipped);
	free(s->missing);
	memset(s, 0, sizeof *s);
}
