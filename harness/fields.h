/*
 * fields: the binary fields of a send or an expect step,
 *   send: {u8: 3, i32: ["{a}", "{b}"], order: host, text: "{op}"}
 * read from the spec in the order written, turned into bytes at run time,
 * and written back; and the checks of a step's typed options (fields, the
 * integers and choices of random) that the loader makes.
 */
#ifndef SG_FIELDS_H
#define SG_FIELDS_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

struct strbuf;

/* Byte orders; FIELD_ORDER_NONE: not given (the step's, else network). */
enum field_order { FIELD_ORDER_NONE, FIELD_ORDER_NETWORK, FIELD_ORDER_LITTLE, FIELD_ORDER_BIG,
		   FIELD_ORDER_HOST };

struct field {
	int type;		/* index of its name in the type table: 0 text, then u8 ... i64 */
	enum field_order order;	/* its own order, or NONE */
	char *text;		/* the value as written ({...} substituted at run time); NULL with into */
	size_t len;
	char *into;		/* expect: the variable the received value is stored in, or NULL */
	int line, col;
};

struct fields {
	struct field *v;
	size_t n;
	enum field_order order;	/* the step's order: key or item order:, or NONE */
};

/* Reads a spec's scalar as a text, its \xNN escapes as bytes; 0, or -1 with err set. */
typedef int (*fields_text_fn)(void *ctx, const yaml_node_t *n, char **text, size_t *len);

/*
 * Loads the fields of node n (a mapping, or a list of one-key mappings) of
 * the spec file; reading: 1 for an expect (fields may read into a variable).
 * Returns 0 with *out, or -1 with err "file:line:col: what is wrong".
 */
int fields_load(yaml_document_t *doc, const yaml_node_t *n, const char *file, int reading,
		fields_text_fn text, void *ctx, struct fields **out, char *err);
void fields_free(struct fields *f);
/* Writes the fields back as YAML (a flow list of one-key mappings) that fields_load() reads. */
void fields_write(const struct fields *f, struct strbuf *out);

/* An option of a step as the checks below see it (the loader's struct step_arg, in short). */
struct field_opt {
	const char *key;
	const char *text;	/* a scalar's text */
	size_t len;
	size_t nlist;		/* a list's items */
	int line, col;
};
/* Fills *out with the step's option key: 1 when the spec gave it, else 0. */
typedef int (*fields_opt_fn)(void *ctx, const char *key, struct field_opt *out);

/*
 * The loader's last look at a step whose options are typed: fields
 * (has_fields) with options they contradict (from, length, tolerate,
 * ignore_case, hex, a match other than exact or prefix), and random's
 * min/max/choice. kind is the step's kind. 0, or -1 with err
 * "file:line:col: ...".
 */
int fields_check_step(const char *kind, int has_fields, fields_opt_fn opt, void *ctx,
		      const char *file, char *err);

/* One field once its value is known: where its bytes are in the whole. */
struct field_slot {
	const struct field *f;
	size_t off, width;	/* its bytes; width 0 for an empty text */
	enum field_order order;	/* the order that applies to it */
};

/* Substitutes {...} in a text; 0, or -1 once the caller has said why. */
typedef int (*fields_subst_fn)(void *ctx, const char *s, size_t len, struct strbuf *out);

/*
 * The bytes the fields give, with {...} substituted: integers truncated to
 * their width (the low bits of the 64-bit value), in their byte order; a
 * field with into gives zero bytes of its width. *slots (freed by the
 * caller) has one entry per field. Returns 0, or -1 with err set (or with
 * err empty when subst failed and said why).
 */
int fields_bytes(const struct fields *f, fields_subst_fn subst, void *ctx, struct strbuf *out,
		 struct field_slot **slots, char *err);

/* A field's name ("i32") and its order's name ("host"), for messages. */
const char *field_type_name(const struct field *f);
const char *field_order_name(enum field_order o);
/* The integer in the slot's bytes at p, as decimal text (signed or not by its type). */
void field_decode(const struct field_slot *s, const unsigned char *p, struct strbuf *out);

#endif
