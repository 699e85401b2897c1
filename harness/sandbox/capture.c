/*
 * sandbox/capture: a program's output as the harness keeps it: the first
 * half of its cap, and a ring of the newest bytes, so that endless output
 * costs bounded memory.
 */
#include "sandbox.h"
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void capture_init(struct capture *c, size_t cap)
{
	memset(c, 0, sizeof *c);
	c->cap = cap < 64 ? 64 : cap;
}

void capture_add(struct capture *c, const char *data, size_t len)
{
	size_t head_cap = c->cap / 2;

	c->total += len;
	if (c->head.len < head_cap) {
		size_t n = head_cap - c->head.len;
		if (n > len)
			n = len;
		sb_add(&c->head, data, n);
		data += n;
		len -= n;
	}
	if (!len)
		return;
	if (!c->tail) {
		c->tail_cap = c->cap - head_cap;
		c->tail = xmalloc(c->tail_cap);
	}
	if (len >= c->tail_cap) {
		memcpy(c->tail, data + len - c->tail_cap, c->tail_cap);
		c->tail_pos = 0;
		c->tail_len = c->tail_cap;
		return;
	}
	for (size_t i = 0; i < len; i++) {
		c->tail[c->tail_pos] = data[i];
		c->tail_pos = (c->tail_pos + 1) % c->tail_cap;
		if (c->tail_len < c->tail_cap)
			c->tail_len++;
	}
}

void capture_release(struct capture *c)
{
	sb_release(&c->head);
	free(c->tail);
	c->tail = NULL;
}

size_t capture_cut(const struct capture *c)
{
	return c->total - c->head.len - c->tail_len;
}

static void tail_copy(const struct capture *c, size_t skip, struct strbuf *out)
{
	size_t start = (c->tail_pos + c->tail_cap - c->tail_len) % (c->tail_cap ? c->tail_cap : 1);
	for (size_t i = skip; i < c->tail_len; i++)
		sb_addc(out, c->tail[(start + i) % c->tail_cap]);
}

void capture_text(const struct capture *c, struct strbuf *out)
{
	if (c->head.len)
		sb_add(out, c->head.buf, c->head.len);
	size_t cut = capture_cut(c);
	if (cut)
		sb_addf(out, "\n[... %zu bytes cut ...]\n", cut);
	if (c->tail_len)
		tail_copy(c, 0, out);
}

void capture_tail(const struct capture *c, size_t n, struct strbuf *out)
{
	if (c->tail_len >= n) {
		tail_copy(c, c->tail_len - n, out);
		return;
	}
	size_t from_head = n - c->tail_len;
	if (from_head > c->head.len)
		from_head = c->head.len;
	if (from_head)
		sb_add(out, c->head.buf + c->head.len - from_head, from_head);
	tail_copy(c, 0, out);
}
