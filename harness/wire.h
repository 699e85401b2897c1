/*
 * wire: a probe's result, and the reference's answers it recorded, as bytes,
 * so that a probe can run in a process of its own and hand its result to the
 * worker that assembles the submission's results. Both ends are the same
 * binary; the format is private to one grading run.
 */
#ifndef SG_WIRE_H
#define SG_WIRE_H

#include <stddef.h>

#include "probe.h"
#include "util.h"

/* Appends res, and the recorded answers ref->v[ref_from..], to out. */
void wire_pack(const struct probe_result *res, const struct ref_data *ref, size_t ref_from,
	       struct strbuf *out);

/*
 * Reads what wire_pack wrote: fills res (its probe pointer set to probe) and
 * appends the recorded answers to ref (when ref is not NULL). 0, or -1 when
 * the bytes are cut short or malformed (res is then empty and err says why).
 */
int wire_unpack(const char *buf, size_t len, const struct probe *probe, struct probe_result *res,
		struct ref_data *ref, char *err);

#endif
