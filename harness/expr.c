/*
 * expr: a recursive-descent evaluator of the integer expressions of texts.
 *
 *   expr  := term { ('+' | '-') term }
 *   term  := unary { ('*' | '/' | '%') unary }
 *   unary := ('-' | '+') unary | atom
 *   atom  := number | name | '(' expr ')'
 *
 * Every operation is done on uint64_t and read back as int64_t, so overflow
 * wraps as two's complement, never undefined behaviour; / and % truncate
 * toward zero as C's do. Nesting is bounded (EXPR_MAX_DEPTH) so that no
 * text can exhaust the stack.
 */
#include "expr.h"
#include "util.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define EXPR_MAX_DEPTH 64

struct parser {
	const char *s;
	size_t len, pos;
	int depth;
	expr_lookup look;
	void *ctx;
	char *err;
};

static int perr(struct parser *p, const char *what)
{
	snprintf(p->err, ERRLEN, "expression '%.*s': %s at character %zu", (int)p->len, p->s, what,
		 p->pos + 1);
	return -1;
}

static void skip_space(struct parser *p)
{
	while (p->pos < p->len && isspace((unsigned char)p->s[p->pos]))
		p->pos++;
}

static int name_char(char c, int first)
{
	return isalpha((unsigned char)c) || c == '_' || (!first && isdigit((unsigned char)c));
}

int expr_parse_int(const char *s, size_t len, int64_t *out)
{
	size_t i = 0;
	int neg = 0, base = 10, digits = 0;
	uint64_t v = 0;

	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (i < len && (s[i] == '-' || s[i] == '+'))
		neg = s[i++] == '-';
	if (i + 1 < len && s[i] == '0' && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
		base = 16;
		i += 2;
	}
	for (; i < len; i++, digits++) {
		char c = s[i];
		int d = c >= '0' && c <= '9' ? c - '0' :
			base == 16 && c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			base == 16 && c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (d < 0)
			break;
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return -1;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	while (i < len && isspace((unsigned char)s[i]))
		i++;
	if (!digits || i != len)
		return -1;
	if (neg && v > (uint64_t)INT64_MAX + 1)
		return -1;
	*out = (int64_t)(neg ? (uint64_t)0 - v : v);
	return 0;
}

static int parse_expr(struct parser *p, int64_t *out);

static int parse_atom(struct parser *p, int64_t *out)
{
	skip_space(p);
	if (p->pos >= p->len)
		return perr(p, "a number, a variable or '(' is missing");
	char c = p->s[p->pos];
	if (c == '(') {
		p->pos++;
		if (parse_expr(p, out) < 0)
			return -1;
		skip_space(p);
		if (p->pos >= p->len || p->s[p->pos] != ')')
			return perr(p, "')' is missing");
		p->pos++;
		return 0;
	}
	if (isdigit((unsigned char)c)) {
		size_t a = p->pos;
		while (p->pos < p->len && isalnum((unsigned char)p->s[p->pos]))
			p->pos++;
		if (expr_parse_int(p->s + a, p->pos - a, out) < 0) {
			p->pos = a;
			return perr(p, "not a number (write digits, at most 2^64 - 1)");
		}
		return 0;
	}
	if (name_char(c, 1)) {
		size_t a = p->pos;
		while (p->pos < p->len && name_char(p->s[p->pos], 0))
			p->pos++;
		size_t n = p->pos - a;
		const char *v = p->look(p->ctx, p->s + a, n);
		if (!v) {
			snprintf(p->err, ERRLEN, "expression '%.*s': no variable '%.*s' is set before "
				 "this step", (int)p->len, p->s, (int)n, p->s + a);
			return -1;
		}
		if (expr_parse_int(v, strlen(v), out) < 0) {
			snprintf(p->err, ERRLEN, "expression '%.*s': variable '%.*s' is \"%.40s\", not a "
				 "whole number (give it with random: min:, max:)", (int)p->len, p->s,
				 (int)n, p->s + a, v);
			return -1;
		}
		return 0;
	}
	return perr(p, "a number, a variable or '(' is expected");
}

static int parse_unary(struct parser *p, int64_t *out)
{
	skip_space(p);
	if (p->pos < p->len && (p->s[p->pos] == '-' || p->s[p->pos] == '+')) {
		int neg = p->s[p->pos++] == '-';
		if (++p->depth > EXPR_MAX_DEPTH)
			return perr(p, "nested too deep");
		int rc = parse_unary(p, out);
		p->depth--;
		if (rc < 0)
			return -1;
		if (neg)
			*out = (int64_t)((uint64_t)0 - (uint64_t)*out);
		return 0;
	}
	return parse_atom(p, out);
}

static int parse_term(struct parser *p, int64_t *out)
{
	if (parse_unary(p, out) < 0)
		return -1;
	for (;;) {
		skip_space(p);
		if (p->pos >= p->len)
			return 0;
		char op = p->s[p->pos];
		if (op != '*' && op != '/' && op != '%')
			return 0;
		size_t at = p->pos++;
		int64_t b;
		if (parse_unary(p, &b) < 0)
			return -1;
		if (op == '*') {
			*out = (int64_t)((uint64_t)*out * (uint64_t)b);
			continue;
		}
		if (b == 0) {
			p->pos = at;
			return perr(p, op == '/' ? "division by zero" : "remainder of a division by zero");
		}
		if (*out == INT64_MIN && b == -1) {
			p->pos = at;
			return perr(p, "-9223372036854775808 divided by -1 does not fit in 64 bits");
		}
		*out = op == '/' ? *out / b : *out % b;
	}
}

static int parse_expr(struct parser *p, int64_t *out)
{
	if (++p->depth > EXPR_MAX_DEPTH)
		return perr(p, "nested too deep");
	if (parse_term(p, out) < 0)
		return -1;
	for (;;) {
		skip_space(p);
		if (p->pos >= p->len || (p->s[p->pos] != '+' && p->s[p->pos] != '-'))
			break;
		char op = p->s[p->pos++];
		int64_t b;
		if (parse_term(p, &b) < 0)
			return -1;
		*out = (int64_t)(op == '+' ? (uint64_t)*out + (uint64_t)b : (uint64_t)*out - (uint64_t)b);
	}
	p->depth--;
	return 0;
}

int expr_eval(const char *s, size_t len, expr_lookup look, void *ctx, int64_t *out, char *err)
{
	struct parser p = { .s = s, .len = len, .look = look, .ctx = ctx, .err = err };

	if (parse_expr(&p, out) < 0)
		return -1;
	skip_space(&p);
	if (p.pos < p.len)
		return perr(&p, "an operator (+ - * / %) or the end is expected");
	return 0;
}
