/*
 * report/text: numbers as people write them, UTF-8 boundaries, and the
 * escaped byte strings of results files decoded.
 */
#include "html.h"

#include <stdio.h>
#include <string.h>

/* A number as people write it: 9, 7.5, 2.33. */
void add_num(struct strbuf *sb, double v)
{
	if (v > -1e15 && v < 1e15 && v == (double)(long long)v) {
		sb_addf(sb, "%lld", (long long)v);
	} else if (v > -1e15 && v < 1e15) {
		char buf[64];
		snprintf(buf, sizeof buf, "%.2f", v);
		size_t n = strlen(buf);
		while (n && buf[n - 1] == '0')
			n--;
		if (n && buf[n - 1] == '.')
			n--;
		sb_add(sb, buf, n);
	} else {
		sb_adds(sb, "?");
	}
}

/* The longest prefix of s (len bytes) of at most max bytes that does not cut a UTF-8 character. */
size_t cut_utf8(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return len;
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* A percentage as coverage tools print it: 81.0%. */
void add_percent(struct strbuf *sb, double v)
{
	if (v >= 0 && v <= 100)
		sb_addf(sb, "%.1f%%", v);
	else
		sb_adds(sb, "?");
}

/* ---- escaped byte strings (RESULTS.md: \n \r \t \\ \" \0 \xHH) ---------- */

static int hex_value(char c)
{
	return c >= '0' && c <= '9' ? c - '0' :
	       c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/*
 * Decodes the escape unit at s[i] (one byte of the original) into *byte and
 * returns its length in s: 4 for \xHH, 2 for \n \r \t \\ \" \0, else 1 (a
 * stray backslash stands for itself).
 */
static size_t unit_decode(const char *s, size_t len, size_t i, unsigned char *byte)
{
	*byte = (unsigned char)s[i];
	if (s[i] != '\\' || i + 1 >= len)
		return 1;
	switch (s[i + 1]) {
	case 'n': *byte = '\n'; return 2;
	case 'r': *byte = '\r'; return 2;
	case 't': *byte = '\t'; return 2;
	case '\\': *byte = '\\'; return 2;
	case '"': *byte = '"'; return 2;
	case '0': *byte = '\0'; return 2;
	case 'x':
		if (i + 3 < len && hex_value(s[i + 2]) >= 0 && hex_value(s[i + 3]) >= 0) {
			*byte = (unsigned char)(hex_value(s[i + 2]) * 16 + hex_value(s[i + 3]));
			return 4;
		}
		return 1;
	default:
		return 1;
	}
}

/* How many bytes the escaped text s stands for. */
size_t decoded_len(const char *s, size_t len)
{
	size_t n = 0;
	unsigned char b;

	for (size_t i = 0; i < len; i += unit_decode(s, len, i, &b))
		n++;
	return n;
}

/*
 * Offset in the escaped text s where the byte numbered idx (0-based, in
 * the decoded bytes, which is what diff_at counts) is written; len when
 * the text stands for idx bytes or fewer. Never inside a UTF-8 character:
 * a raw multi-byte character backs up to its first byte.
 */
size_t escaped_offset(const char *s, size_t len, size_t idx)
{
	size_t off = 0;
	unsigned char b;

	for (size_t n = 0; off < len && n < idx; n++)
		off += unit_decode(s, len, off, &b);
	while (off > 0 && off < len && ((unsigned char)s[off] & 0xc0) == 0x80)
		off--;
	return off;
}

void decode_escaped(const char *s, size_t len, struct strbuf *out)
{
	unsigned char b;

	for (size_t i = 0; i < len; ) {
		i += unit_decode(s, len, i, &b);
		sb_addc(out, (char)b);
	}
}
