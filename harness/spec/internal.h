/*
 * spec/internal.h: what the files of spec/ share and nothing outside uses:
 * the loader's state and the helpers that read a YAML node into a value.
 * load.c reads the spec's sections, step.c a probe's steps, write.c writes
 * a spec back as YAML.
 */
#ifndef SG_SPEC_INTERNAL_H
#define SG_SPEC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "spec.h"

/* One load of a spec: its text, its libyaml document, the spec being filled. */
struct loader {
	const char *name;	/* the spec's name in messages (its path) */
	const char *src;	/* the spec's text, for re-reading double-quoted scalars */
	size_t srclen;
	yaml_document_t doc;
	char *err;		/* the caller's error buffer (ERRLEN) */
	struct spec *spec;
};

/* Writes "name:line:col: message" (the node's position) into ld->err; returns -1. */
int ld_fail(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
yaml_node_t *ld_node_at(struct loader *ld, int index);
/* "a scalar", "a list", "a mapping": what a message says a node is. */
const char *ld_node_kind(const yaml_node_t *n);
/* A plain empty, "~" or "null" scalar: the key was written with no value. */
int ld_is_null(const yaml_node_t *n);
/* The candidate nearest to word by edit distance, or NULL when none is near. */
const char *ld_closest(const char *word, const char *const *cands, size_t n);
/* Fails on an unknown key, naming the nearest known one. */
int ld_unknown_key(struct loader *ld, const yaml_node_t *key, const char *what,
		   const char *const *known, size_t n);

/* Each reads a scalar (what names it in a message); 0, or -1 with ld->err filled. */
int ld_want_scalar(struct loader *ld, const yaml_node_t *n, const char *what);
int ld_get_duration(struct loader *ld, const yaml_node_t *n, const char *what, int64_t *out);
int ld_get_int(struct loader *ld, const yaml_node_t *n, const char *what, long min, long max,
	       long *out);
int ld_get_bool(struct loader *ld, const yaml_node_t *n, const char *what, int *out);
/* A list of scalars; a lone scalar counts as a list of one. */
int ld_get_list(struct loader *ld, const yaml_node_t *n, const char *what, char ***out,
		size_t *nout);
/* A byte count: 2000, 4KiB, 1MiB. */
int ld_load_size(struct loader *ld, const yaml_node_t *v, const char *what, int64_t *out);
/* A name: letters, digits, _ and -, not starting with a digit or -. 1 or 0. */
int ld_valid_name(const char *s);

/* One step of a probe (step.c): its kind, its value and its options. 0 or -1. */
int ld_load_step(struct loader *ld, const yaml_node_t *n, struct step *st);

#endif
