/*
 * expr: integer expressions of a spec's texts, "{= a - b * (c + 1)}": the
 * numbers, variables, + - * / %, unary minus and parentheses of C, on 64-bit
 * two's complement integers that wrap on overflow; nothing here reads a
 * probe's state but through the caller's lookup.
 */
#ifndef SG_EXPR_H
#define SG_EXPR_H

#include <stddef.h>
#include <stdint.h>

/* A variable's text by name (len bytes, not NUL-terminated); NULL when it is not set. */
typedef const char *(*expr_lookup)(void *ctx, const char *name, size_t len);

/*
 * Evaluates the expression s (len bytes). Returns 0 with *out, or -1 with
 * err (ERRLEN bytes) saying what is wrong and where: a syntax error, an
 * unset variable or one whose value is not a whole number, a division (or
 * %) by zero, INT64_MIN / -1.
 */
int expr_eval(const char *s, size_t len, expr_lookup look, void *ctx, int64_t *out, char *err);

/*
 * A whole number as a spec or a variable writes it: optional spaces, an
 * optional sign, decimal digits (or 0x and hex digits), optional spaces;
 * from -2^63 to 2^64 - 1, a value past INT64_MAX kept as its 64 bits.
 * 0, or -1 when it is not one.
 */
int expr_parse_int(const char *s, size_t len, int64_t *out);

#endif
