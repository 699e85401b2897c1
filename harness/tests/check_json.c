/* (1k lines: 26 tests of one module, json.c: parsing, printing, escaping and the error positions, each a short case) */
#include <check.h>
#include <errno.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"
#include "probe.h"
#include "score.h"
#include "suites.h"
#include "util.h"

/* Writes one string value compactly and returns the text (caller frees). */
static char *quote(const char *s, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 0);
	jw_string_len(&w, s, len);
	return sb_detach(&sb, NULL);
}

static char *quotes(const char *s)
{
	return quote(s, strlen(s));
}

/* Parses a string that must be valid JSON; fails the test otherwise. */
static struct json *parse_ok(const char *text, size_t len)
{
	char err[ERRLEN] = "";
	struct json *j = json_parse(text, len, err);

	ck_assert_msg(j != NULL, "'%s' did not parse: %s", text, err);
	return j;
}

/* A document using every writer call, written the same way for both modes. */
static void write_sample(struct json_writer *w)
{
	jw_object_begin(w);
	jw_key(w, "name");
	jw_string(w, "echo");
	jw_key(w, "score");
	jw_double(w, 0.5);
	jw_key(w, "steps");
	jw_array_begin(w);
	jw_int(w, 1);
	jw_bool(w, 1);
	jw_bool(w, 0);
	jw_null(w);
	jw_string(w, NULL);
	jw_array_end(w);
	jw_key(w, "empty_a");
	jw_array_begin(w);
	jw_array_end(w);
	jw_key(w, "empty_o");
	jw_object_begin(w);
	jw_object_end(w);
	jw_key(w, "nested");
	jw_object_begin(w);
	jw_key(w, "k");
	jw_array_begin(w);
	jw_object_begin(w);
	jw_object_end(w);
	jw_array_end(w);
	jw_object_end(w);
	jw_object_end(w);
}

START_TEST(test_write_compact)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 0);
	write_sample(&w);
	ck_assert_str_eq(sb.buf,
		"{\"name\":\"echo\",\"score\":0.5,\"steps\":[1,true,false,null,null],"
		"\"empty_a\":[],\"empty_o\":{},\"nested\":{\"k\":[{}]}}");
	ck_assert_int_eq(w.depth, 0);
	sb_release(&sb);
}
END_TEST

START_TEST(test_write_pretty)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 1);
	write_sample(&w);
	ck_assert_str_eq(sb.buf,
		"{\n"
		"  \"name\": \"echo\",\n"
		"  \"score\": 0.5,\n"
		"  \"steps\": [\n"
		"    1,\n"
		"    true,\n"
		"    false,\n"
		"    null,\n"
		"    null\n"
		"  ],\n"
		"  \"empty_a\": [],\n"
		"  \"empty_o\": {},\n"
		"  \"nested\": {\n"
		"    \"k\": [\n"
		"      {}\n"
		"    ]\n"
		"  }\n"
		"}\n");
	sb_release(&sb);
}
END_TEST

START_TEST(test_write_top_level)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	/* a bare scalar, then a second value on its own line (JSON Lines) */
	jw_init(&w, &sb, 0);
	jw_int(&w, 42);
	ck_assert_str_eq(sb.buf, "42");
	jw_array_begin(&w);
	jw_array_end(&w);
	ck_assert_str_eq(sb.buf, "42\n[]");
	sb_reset(&sb);

	jw_init(&w, &sb, 1);
	jw_string(&w, "a");
	jw_int(&w, 1);
	ck_assert_str_eq(sb.buf, "\"a\"\n1\n");
	sb_release(&sb);
}
END_TEST

START_TEST(test_write_misuse)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	/* key without value, two keys in a row, an extra end: still valid JSON */
	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_key(&w, "a");
	jw_key(&w, "b");
	jw_int(&w, 1);
	jw_key(&w, "c");
	jw_object_end(&w);
	jw_object_end(&w);
	ck_assert_str_eq(sb.buf, "{\"a\":null,\"b\":1,\"c\":null}");
	ck_assert_int_eq(w.depth, 0);
	sb_release(&sb);
}
END_TEST

START_TEST(test_write_deep)
{
	struct strbuf sb = STRBUF_INIT, want = STRBUF_INIT;
	struct json_writer w;
	const int n = 200;	/* far past first[64] */

	jw_init(&w, &sb, 0);
	for (int i = 0; i < n; i++) {
		jw_array_begin(&w);
		jw_int(&w, i);
	}
	for (int i = 0; i < n; i++) {
		jw_array_begin(&w);
		jw_array_end(&w);
		jw_array_end(&w);
	}
	for (int i = 0; i < n; i++)
		sb_addf(&want, "[%d,", i);
	for (int i = 0; i < n; i++)
		sb_adds(&want, i ? ",[]]" : "[]]");
	ck_assert_str_eq(sb.buf, want.buf);
	ck_assert_int_eq(w.depth, 0);

	/* and pretty output of the same nests and reads back */
	sb_reset(&sb);
	jw_init(&w, &sb, 1);
	for (int i = 0; i < 100; i++) {
		jw_object_begin(&w);
		jw_key(&w, "x");
		jw_int(&w, i);
		jw_key(&w, "in");
	}
	jw_null(&w);
	for (int i = 0; i < 100; i++)
		jw_object_end(&w);
	struct json *j = parse_ok(sb.buf, sb.len), *root = j;
	const struct json *p = j;
	for (int i = 0; i < 100; i++) {
		ck_assert_int_eq(json_int(json_get(p, "x"), -1), i);
		p = json_get(p, "in");
	}
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(json_kind(p), JSON_KIND_NULL);
	ck_assert_str_eq(sb.buf + sb.len - 2, "}\n");
	json_free(root);
	sb_release(&sb);
	sb_release(&want);
}
END_TEST

START_TEST(test_escape)
{
	char *s;

	s = quotes("a\"b\\c/d");
	ck_assert_str_eq(s, "\"a\\\"b\\\\c/d\"");
	free(s);
	s = quotes("\n\t\r\b\f\x01\x1f\x7f");
	ck_assert_str_eq(s, "\"\\n\\t\\r\\b\\f\\u0001\\u001f\x7f\"");
	free(s);
	s = quotes("</script><!-- & -->");
	ck_assert_str_eq(s, "\"\\u003c/script\\u003e\\u003c!-- \\u0026 --\\u003e\"");
	ck_assert_ptr_null(strstr(s, "</"));
	ck_assert_ptr_null(strchr(s, '<'));
	free(s);
	/* U+2028 and U+2029 escaped, their neighbour U+2027 not */
	s = quotes("\xe2\x80\xa8|\xe2\x80\xa9|\xe2\x80\xa7");
	ck_assert_str_eq(s, "\"\\u2028|\\u2029|\xe2\x80\xa7\"");
	free(s);
	/* key strings are escaped the same way */
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_key(&w, "<k\"\n>");
	jw_int(&w, 1);
	jw_object_end(&w);
	ck_assert_str_eq(sb.buf, "{\"\\u003ck\\\"\\n\\u003e\":1}");
	sb_release(&sb);
}
END_TEST

START_TEST(test_utf8)
{
	static const struct {
		const char *in;
		const char *out;	/* without the quotes */
	} cases[] = {
		/* valid: 2, 3 and 4 bytes, and the edges of the ranges */
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf",
		  "\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xf4\x8f\xbf\xbf" },
		{ "\xed\x9f\xbf", "\xed\x9f\xbf" },	/* U+D7FF, just below the surrogates */
		/* invalid: one U+FFFD per byte */
		{ "a\x80z", "a\xef\xbf\xbdz" },				/* stray continuation */
		{ "\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd" },		/* overlong '/' */
		{ "\xc1\xbf", "\xef\xbf\xbd\xef\xbf\xbd" },		/* overlong */
		{ "\xe0\x80\xaf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong 3 */
		{ "\xf0\x80\x80\xaf",
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* overlong 4 */
		{ "\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* U+D800 */
		{ "\xed\xbf\xbf", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* U+DFFF */
		{ "\xf4\x90\x80\x80",
		  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd" },	/* U+110000 */
		{ "\xff\xfe", "\xef\xbf\xbd\xef\xbf\xbd" },
		{ "x\xe2\x82", "x\xef\xbf\xbd\xef\xbf\xbd" },		/* cut short at the end */
		{ "\xe2\x82<", "\xef\xbf\xbd\xef\xbf\xbd\\u003c" },	/* cut short, then ASCII */
		{ "\xc3\xc3\xa9", "\xef\xbf\xbd\xc3\xa9" },		/* lead byte, then a valid pair */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *s = quotes(cases[i].in);
		size_t n = strlen(cases[i].out);

		ck_assert_msg(strlen(s) == n + 2 && !memcmp(s + 1, cases[i].out, n),
			      "case %zu: got %s", i, s);
		/* whatever went in, what comes out is valid JSON that reads back */
		struct json *j = parse_ok(s, strlen(s));
		ck_assert_uint_eq(json_str_len(j), n - (strstr(cases[i].out, "\\u003c") ? 5 : 0));
		json_free(j);
		free(s);
	}
}
END_TEST

START_TEST(test_embedded_nul)
{
	static const char raw[] = "a\0b\0";	/* 4 bytes and the terminator */
	char *s = quote(raw, 4);

	ck_assert_str_eq(s, "\"a\\u0000b\\u0000\"");
	struct json *j = parse_ok(s, strlen(s));
	ck_assert_uint_eq(json_str_len(j), 4);
	ck_assert_mem_eq(json_str(j, NULL), raw, 5);
	json_free(j);
	free(s);

	/* a key with a NUL in it is refused (jansson 2.13 keys are C strings), with where */
	const char *doc = "{\"a\\u0000b\": 1, \"a\": 2}";
	char err[ERRLEN] = "";
	ck_assert_ptr_null(json_parse(doc, strlen(doc), err));
	ck_assert_str_eq(err, "1:11: NUL byte in object key not supported near '\"a\\u0000b\"'");
}
END_TEST

/* NULs anywhere in a string, in values and nested, in both modes, through a file and back. */
START_TEST(test_nul_strings)
{
	static const struct {
		const char *raw;
		size_t len;
		const char *text;	/* compact, quotes included */
	} cases[] = {
		{ "\0", 1, "\"\\u0000\"" },
		{ "\0\0\0", 3, "\"\\u0000\\u0000\\u0000\"" },
		{ "\0" "1.5", 4, "\"\\u00001.5\"" },		/* a digit after it is not part of it */
		{ "end\0", 4, "\"end\\u0000\"" },
		{ "<\0>", 3, "\"\\u003c\\u0000\\u003e\"" },
		{ "\xff\0\xe2\x80\xa8", 5, "\"\xef\xbf\xbd\\u0000\\u2028\"" },
	};
	const size_t n = sizeof cases / sizeof cases[0];
	char dir[] = "/tmp/check_json.XXXXXX", err[ERRLEN];

	for (size_t i = 0; i < n; i++) {
		char *s = quote(cases[i].raw, cases[i].len);
		ck_assert_msg(!strcmp(s, cases[i].text), "case %zu: got %s", i, s);
		free(s);
	}

	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *path = xasprintf("%s/results.json", dir);
	for (int pretty = 0; pretty <= 1; pretty++) {
		struct strbuf sb = STRBUF_INIT;
		struct json_writer w;

		jw_init(&w, &sb, pretty);
		jw_object_begin(&w);
		jw_key(&w, "probes");
		jw_array_begin(&w);
		for (size_t i = 0; i < n; i++) {
			jw_object_begin(&w);
			jw_key(&w, "observed");
			jw_string_len(&w, cases[i].raw, cases[i].len);
			jw_object_end(&w);
		}
		jw_array_end(&w);
		jw_object_end(&w);
		ck_assert_int_eq(write_file_atomic(path, sb.buf, sb.len, err), 0);
		sb_release(&sb);

		struct json *j = json_parse_file(path, err);
		ck_assert_msg(j != NULL, "%s", err);
		const struct json *probes = json_get(j, "probes");
		for (size_t i = 0; i + 1 < n; i++) {
			const struct json *o = json_get(json_at(probes, i), "observed");
			ck_assert_uint_eq(json_str_len(o), cases[i].len);
			ck_assert_mem_eq(json_str(o, NULL), cases[i].raw, cases[i].len + 1);
		}
		/* the invalid byte of the last one came back as U+FFFD */
		const struct json *last = json_get(json_at(probes, n - 1), "observed");
		ck_assert_uint_eq(json_str_len(last), 7);
		ck_assert_mem_eq(json_str(last, NULL), "\xef\xbf\xbd\0\xe2\x80\xa8", 8);

		/* truncation counts bytes, NULs included, and keeps the terminator */
		struct json *o = (struct json *)json_get(json_at(probes, 1), "observed");
		json_str_truncate(o, 2);
		ck_assert_uint_eq(json_str_len(o), 2);
		ck_assert_mem_eq(json_str(o, NULL), "\0\0", 3);
		json_free(j);
	}
	unlink(path);
	rmdir(dir);
	free(path);
}
END_TEST

/* What we write may sit in an HTML <script>: nothing in it can end or open markup. */
START_TEST(test_html_safe)
{
	const char nasty[] = "</script><script>alert(1)</script><!-- x --> ]]> & &amp; "
			     "\xe2\x80\xa8\xe2\x80\xa9 \x1b[31m";

	for (int pretty = 0; pretty <= 1; pretty++) {
		struct strbuf sb = STRBUF_INIT;
		struct json_writer w;

		jw_init(&w, &sb, pretty);
		jw_object_begin(&w);
		jw_key(&w, nasty);
		jw_object_begin(&w);
		jw_key(&w, "in");
		jw_array_begin(&w);
		jw_string(&w, nasty);
		jw_array_end(&w);
		jw_object_end(&w);
		jw_object_end(&w);
		ck_assert_ptr_null(memchr(sb.buf, '<', sb.len));
		ck_assert_ptr_null(memchr(sb.buf, '>', sb.len));
		ck_assert_ptr_null(memchr(sb.buf, '&', sb.len));
		ck_assert_ptr_null(strstr(sb.buf, "\xe2\x80\xa8"));
		ck_assert_ptr_null(strstr(sb.buf, "\xe2\x80\xa9"));
		ck_assert_ptr_null(memchr(sb.buf, 0x1b, sb.len));
		/* the escapes are the ones the old writer used, in lowercase hex */
		ck_assert_ptr_nonnull(strstr(sb.buf, "\\u003c/script\\u003e\\u003cscript\\u003e"));
		ck_assert_ptr_nonnull(strstr(sb.buf, "\\u0026amp; \\u2028\\u2029 \\u001b[31m"));

		struct json *j = parse_ok(sb.buf, sb.len);
		ck_assert_str_eq(json_key_at(j, 0), nasty);
		ck_assert_str_eq(json_str(json_at(json_get(json_get(j, nasty), "in"), 0), NULL), nasty);
		json_free(j);
		sb_release(&sb);
	}
}
END_TEST

/* Text in strings that looks like numbers or escapes is data: only real numbers are rewritten. */
START_TEST(test_text_untouched)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_key(&w, "1.50");
	jw_string(&w, "-0.0 1e+07 2.0 \\u00AB \\\\u00AB \\\"");
	jw_key(&w, "n");
	jw_array_begin(&w);
	jw_double(&w, 2.0);
	jw_double(&w, 1e7);
	jw_double(&w, 2.5e-7);
	jw_double(&w, -1e300);
	jw_int(&w, -0);
	jw_int(&w, 10);
	jw_array_end(&w);
	jw_object_end(&w);
	ck_assert_str_eq(sb.buf, "{\"1.50\":\"-0.0 1e+07 2.0 \\\\u00AB \\\\\\\\u00AB \\\\\\\"\","
				 "\"n\":[2,10000000,2.5e-07,-1e+300,0,10]}");
	sb_release(&sb);
}
END_TEST

/* A writer left inside a document frees what it built (ASan checks) and can start again. */
START_TEST(test_write_release)
{
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	jw_init(&w, &sb, 1);
	jw_object_begin(&w);
	jw_key(&w, "a");
	jw_array_begin(&w);
	jw_string(&w, "never written");
	jw_key(&w, "dropped: not in an object");
	jw_release(&w);
	ck_assert_uint_eq(sb.len, 0);
	ck_assert_int_eq(w.depth, 0);

	jw_init(&w, &sb, 0);
	jw_array_begin(&w);
	jw_key(&w, "dropped");
	jw_int(&w, 1);
	jw_array_end(&w);
	ck_assert_str_eq(sb.buf, "[1]");

	/* a value with no key in an object gets the key "" */
	sb_reset(&sb);
	jw_init(&w, &sb, 0);
	jw_object_begin(&w);
	jw_int(&w, 1);
	jw_object_end(&w);
	ck_assert_str_eq(sb.buf, "{\"\":1}");
	jw_release(&w);
	sb_release(&sb);
}
END_TEST

START_TEST(test_numbers_write)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{ 0.1, "0.1" }, { 0.5, "0.5" }, { -2.0, "-2" }, { 0.0, "0" },
		{ -0.0, "-0" }, { 1e21, "1e+21" }, { 1e-7, "1e-07" },
		{ 123456789012.0, "123456789012" },
		{ 0.30000000000000004, "0.30000000000000004" },
		{ 1.0 / 3.0, "0.3333333333333333" },
		{ DBL_MAX, "1.7976931348623157e+308" },
		{ 5e-324, "4.94065645841247e-324" },
	};
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		sb_reset(&sb);
		jw_init(&w, &sb, 0);
		jw_double(&w, cases[i].v);
		ck_assert_msg(!strcmp(sb.buf, cases[i].text), "case %zu: got %s", i, sb.buf);
		struct json *j = parse_ok(sb.buf, sb.len);
		ck_assert_msg(json_num(j, NAN) == cases[i].v, "case %zu: %s reads back differently",
			      i, sb.buf);
		json_free(j);
	}

	sb_reset(&sb);
	jw_init(&w, &sb, 0);
	jw_array_begin(&w);
	jw_double(&w, NAN);
	jw_double(&w, INFINITY);
	jw_double(&w, -INFINITY);
	jw_int(&w, LLONG_MIN);
	jw_int(&w, LLONG_MAX);
	jw_array_end(&w);
	ck_assert_str_eq(sb.buf, "[null,null,null,-9223372036854775808,9223372036854775807]");
	sb_release(&sb);
}
END_TEST

START_TEST(test_numbers_read)
{
	const char *doc = "[0, -0, 12, -3.5, 1e3, 1E-2, 2.5e+1, 9007199254740993,"
			  " -9223372036854775808, 9223372036854775808.0, 1.5, 1e300, 1e-400]";
	struct json *j = parse_ok(doc, strlen(doc));
	char err[ERRLEN];

	ck_assert_uint_eq(json_len(j), 13);
	ck_assert_int_eq(json_int(json_at(j, 0), -1), 0);
	ck_assert_int_eq(json_int(json_at(j, 1), -1), 0);
	ck_assert_int_eq(json_int(json_at(j, 2), -1), 12);
	ck_assert_double_eq(json_num(json_at(j, 3), 0), -3.5);
	ck_assert_int_eq(json_int(json_at(j, 4), -1), 1000);
	ck_assert_double_eq(json_num(json_at(j, 5), 0), 0.01);
	ck_assert_double_eq(json_num(json_at(j, 6), 0), 25.0);
	/* not representable as a double, exact as an integer */
	ck_assert_int_eq(json_int(json_at(j, 7), -1), 9007199254740993LL);
	ck_assert_int_eq(json_int(json_at(j, 8), -1), LLONG_MIN);
	/* 2^63 does not fit a long long */
	ck_assert_int_eq(json_int(json_at(j, 9), -1), -1);
	ck_assert_double_eq(json_num(json_at(j, 9), 0), 9223372036854775808.0);
	ck_assert_int_eq(json_int(json_at(j, 10), -1), -1);
	ck_assert_int_eq(json_int(json_at(j, 11), -1), -1);
	ck_assert_double_eq(json_num(json_at(j, 12), -1), 0.0);
	json_free(j);

	/* an integer literal past long long is an error, not a rounded double */
	ck_assert_ptr_null(json_parse("[9223372036854775808]", 21, err));
	ck_assert_str_eq(err, "1:20: too big integer near '9223372036854775808'");
	ck_assert_ptr_null(json_parse("-9223372036854775809", 20, err));
	ck_assert_str_eq(err, "1:20: too big negative integer near '-9223372036854775809'");
}
END_TEST

START_TEST(test_read_types)
{
	const char *doc = " {\"s\": \"hi\", \"n\": 2.5, \"t\": true, \"f\": false, \"z\": null,"
			  " \"a\": [1, \"two\"], \"o\": {\"k\": \"v\"}, \"e\": \"\"} \r\n";
	struct json *j = parse_ok(doc, strlen(doc));

	ck_assert_int_eq(json_kind(j), JSON_KIND_OBJECT);
	ck_assert_uint_eq(json_len(j), 8);
	ck_assert_str_eq(json_get_str(j, "s", NULL), "hi");
	ck_assert_double_eq(json_get_num(j, "n", 0), 2.5);
	ck_assert_int_eq(json_bool(json_get(j, "t"), -1), 1);
	ck_assert_int_eq(json_bool(json_get(j, "f"), -1), 0);
	ck_assert_int_eq(json_kind(json_get(j, "z")), JSON_KIND_NULL);
	ck_assert_ptr_nonnull(json_get(j, "z"));
	ck_assert_str_eq(json_str(json_at(json_get(j, "a"), 1), NULL), "two");
	ck_assert_str_eq(json_get_str(json_get(j, "o"), "k", NULL), "v");
	ck_assert_str_eq(json_get_str(j, "e", NULL), "");

	/* member order is kept */
	static const char *order[] = { "s", "n", "t", "f", "z", "a", "o", "e" };
	for (size_t i = 0; i < 8; i++) {
		ck_assert_str_eq(json_key_at(j, i), order[i]);
		ck_assert_ptr_eq(json_value_at(j, i), json_get(j, order[i]));
	}

	/* wrong types, missing keys and NULL answer with the default */
	ck_assert_ptr_null(json_get(j, "missing"));
	ck_assert_str_eq(json_get_str(j, "n", "dflt"), "dflt");
	ck_assert_double_eq(json_get_num(j, "s", 7.0), 7.0);
	ck_assert_double_eq(json_get_num(NULL, "s", 7.0), 7.0);
	ck_assert_int_eq(json_bool(json_get(j, "z"), 5), 5);
	ck_assert_int_eq(json_int(json_get(j, "s"), 5), 5);
	ck_assert_uint_eq(json_str_len(json_get(j, "n")), 0);
	ck_assert_uint_eq(json_len(json_get(j, "s")), 0);
	ck_assert_ptr_null(json_get(json_get(j, "a"), "s"));
	ck_assert_ptr_null(json_at(json_get(j, "a"), 2));
	ck_assert_ptr_null(json_at(j, 0));
	ck_assert_ptr_null(json_key_at(j, 8));
	ck_assert_ptr_null(json_value_at(json_get(j, "a"), 0));
	ck_assert_int_eq(json_kind(NULL), JSON_KIND_NULL);
	json_free(j);
	json_free(NULL);
}
END_TEST

START_TEST(test_duplicate_keys)
{
	const char *doc = "{\"k\": 1, \"other\": 0, \"k\": 2}";
	struct json *j = parse_ok(doc, strlen(doc));

	/* the key keeps its first place and takes its last value */
	ck_assert_uint_eq(json_len(j), 2);
	ck_assert_int_eq(json_int(json_get(j, "k"), 0), 2);
	ck_assert_str_eq(json_key_at(j, 0), "k");
	ck_assert_int_eq(json_int(json_value_at(j, 0), 0), 2);
	ck_assert_str_eq(json_key_at(j, 1), "other");
	json_free(j);
}
END_TEST

START_TEST(test_read_escapes)
{
	const char *doc = "\"\\\"\\\\\\/\\b\\f\\n\\r\\t \\u0041\\u00e9\\u20AC \\ud83d\\ude00"
			  " \\u0000 \\u003c\\u2028\"";
	const char want[] = "\"\\/\b\f\n\r\t A\xc3\xa9\xe2\x82\xac \xf0\x9f\x98\x80"
			    " \0 <\xe2\x80\xa8";
	struct json *j = parse_ok(doc, strlen(doc));
	char err[ERRLEN];

	ck_assert_uint_eq(json_str_len(j), sizeof want - 1);
	ck_assert_mem_eq(json_str(j, NULL), want, sizeof want);
	json_free(j);

	/* a lone surrogate is an error (we never write one: invalid bytes become U+FFFD) */
	ck_assert_ptr_null(json_parse("\"\\ud800x\"", 10, err));
	ck_assert_str_eq(err, "1:9: invalid Unicode '\\uD800' near '\"\\ud800x\"'");
	ck_assert_ptr_null(json_parse("\"\\udc00\"", 8, err));
	ck_assert_str_eq(err, "1:8: invalid Unicode '\\uDC00' near '\"\\udc00\"'");
	ck_assert_ptr_null(json_parse("\"\\ud800\\u0041\"", 14, err));
	ck_assert_str_eq(err, "1:14: invalid Unicode '\\uD800\\u0041' near '\"\\ud800\\u0041\"'");
}
END_TEST

/* Written, read, written again: the same text, in both modes. */
START_TEST(test_round_trip)
{
	for (int pretty = 0; pretty <= 1; pretty++) {
		struct strbuf a = STRBUF_INIT, b = STRBUF_INIT;
		struct json_writer w;
		const char odd[] = "tab\there \"q\" </x> \xe2\x80\xa8 \xf0\x9f\x98\x80 nul\0end";

		jw_init(&w, &a, pretty);
		jw_object_begin(&w);
		jw_key(&w, "text");
		jw_string_len(&w, odd, sizeof odd - 1);
		jw_key(&w, "nums");
		jw_array_begin(&w);
		jw_double(&w, 3.14159);
		jw_double(&w, -1e-300);
		jw_int(&w, -42);
		jw_array_end(&w);
		jw_key(&w, "flags");
		jw_object_begin(&w);
		jw_key(&w, "ok");
		jw_bool(&w, 1);
		jw_key(&w, "none");
		jw_null(&w);
		jw_object_end(&w);
		jw_object_end(&w);

		struct json *j = parse_ok(a.buf, a.len);
		ck_assert_uint_eq(json_str_len(json_get(j, "text")), sizeof odd - 1);
		ck_assert_mem_eq(json_get_str(j, "text", ""), odd, sizeof odd);
		ck_assert_double_eq(json_num(json_at(json_get(j, "nums"), 0), 0), 3.14159);
		ck_assert_double_eq(json_num(json_at(json_get(j, "nums"), 1), 0), -1e-300);

		/* generic re-writer over the parsed tree */
		jw_init(&w, &b, pretty);
		const struct json *stack[8];
		size_t idx[8], sp = 0;
		stack[0] = j;
		idx[0] = 0;
		jw_object_begin(&w);
		while (1) {
			const struct json *c = stack[sp];
			if (idx[sp] == json_len(c)) {
				if (json_kind(c) == JSON_KIND_OBJECT)
					jw_object_end(&w);
				else
					jw_array_end(&w);
				if (sp-- == 0)
					break;
				continue;
			}
			const struct json *v;
			if (json_kind(c) == JSON_KIND_OBJECT) {
				jw_key(&w, json_key_at(c, idx[sp]));
				v = json_value_at(c, idx[sp]);
			} else {
				v = json_at(c, idx[sp]);
			}
			idx[sp]++;
			switch (json_kind(v)) {
			case JSON_KIND_NULL: jw_null(&w); break;
			case JSON_KIND_BOOL: jw_bool(&w, json_bool(v, 0)); break;
			case JSON_KIND_NUMBER: jw_double(&w, json_num(v, 0)); break;
			case JSON_KIND_STRING: jw_string_len(&w, json_str(v, ""), json_str_len(v)); break;
			case JSON_KIND_ARRAY:
			case JSON_KIND_OBJECT:
				if (json_kind(v) == JSON_KIND_OBJECT)
					jw_object_begin(&w);
				else
					jw_array_begin(&w);
				stack[++sp] = v;
				idx[sp] = 0;
				break;
			}
		}
		ck_assert_str_eq(b.buf, a.buf);
		json_free(j);
		sb_release(&a);
		sb_release(&b);
	}
}
END_TEST

static const struct {
	const char *in;
	size_t len;		/* 0: strlen(in) */
	const char *err;
} bad_docs[] = {
	/* jansson's messages; the column names the last character it read */
	{ "", 0, "1:1: unexpected token near end of file" },
	{ "   \n  ", 0, "2:2: unexpected token near end of file" },
	{ "[1,]", 0, "1:4: unexpected token near ']'" },
	{ "[1 2]", 0, "1:4: ']' expected near '2'" },
	{ "{\"a\":1,}", 0, "1:8: string or '}' expected near '}'" },
	{ "{,}", 0, "1:2: string or '}' expected near ','" },
	{ "{'a':1}", 0, "1:2: string or '}' expected near '''" },
	{ "{\"a\" 1}", 0, "1:6: ':' expected near '1'" },
	{ "{\"a\":1 \"b\":2}", 0, "1:10: '}' expected near '\"b\"'" },
	{ "{\n  \"a\": 01\n}", 0, "2:8: invalid token near '0'" },
	{ "-007", 0, "1:2: invalid token near '-0'" },
	{ "[1.]", 0, "1:3: invalid token near '1.'" },
	{ "[.5]", 0, "1:2: invalid token near '.'" },
	{ "+1", 0, "1:1: invalid token near '+'" },
	{ "-", 0, "1:1: invalid token near '-'" },
	{ "1e", 0, "1:2: invalid token near '1e'" },
	{ "0x1F", 0, "1:2: end of file expected near 'x'" },
	{ "1e400", 0, "1:5: real number overflow near '1e400'" },
	{ "tru", 0, "1:3: invalid token near 'tru'" },
	{ "[True]", 0, "1:5: invalid token near 'True'" },
	{ "nulls", 0, "1:5: invalid token near 'nulls'" },
	{ "NaN", 0, "1:3: invalid token near 'NaN'" },
	{ "[1] x", 0, "1:5: end of file expected near 'x'" },
	{ "{} {}", 0, "1:4: end of file expected near '{'" },
	{ "\"abc", 0, "1:4: premature end of input near '\"abc'" },
	{ "[\"ok\",\n \"abc\\", 0, "2:6: invalid escape near '\"abc\\'" },
	{ "\"\\u00", 0, "1:5: invalid escape near '\"\\u00'" },
	{ "\"a\tb\"", 0, "1:2: control character 0x9 near '\"a'" },
	{ "\"a\nb\"", 0, "1:2: unexpected newline near '\"a'" },
	{ "[\"\x7f\", \"\x1f\"]", 0, "1:7: control character 0x1f near '\"'" },
	{ "\"\\x\"", 0, "1:3: invalid escape near '\"\\x'" },
	{ "\"\\u12G4\"", 0, "1:6: invalid escape near '\"\\u12G'" },
	{ "\"\\U0041\"", 0, "1:3: invalid escape near '\"\\U'" },
	{ "\"a\xff" "b\"", 0, "1:2: unable to decode byte 0xff near '\"a'" },
	{ "\"\xc0\xaf\"", 0, "1:1: unable to decode byte 0xc0 near '\"'" },
	{ "\"\xed\xa0\x80\"", 0, "1:1: unable to decode byte 0xed near '\"'" },
	/* columns count characters, not bytes */
	{ "[\"\xc3\xa9\xe2\x82\xac\", x]", 0, "1:8: invalid token near 'x'" },
	{ "[1,\0]", 5, "1:4: invalid token near end of file" },
	/* bytes that would not print are shown as \xHH */
	{ "\xef\xbb\xbf{}", 0, "1:1: invalid token near '\\xef\\xbb\\xbf'" },
	{ "[\x80]", 0, "1:1: unable to decode byte 0x80" },
	{ "{\"a\": [1, 2", 0, "1:11: ']' expected near end of file" },
	{ "// c\n1", 0, "1:1: invalid token near '/'" },
	{ "[1,2,]", 0, "1:6: unexpected token near ']'" },
};

START_TEST(test_errors)
{
	const char *in = bad_docs[_i].in;
	size_t len = bad_docs[_i].len ? bad_docs[_i].len : strlen(in);
	char err[ERRLEN] = "";
	struct json *j = json_parse(in, len, err);

	ck_assert_msg(j == NULL, "case %d: '%s' parsed", _i, in);
	ck_assert_str_eq(err, bad_docs[_i].err);
}
END_TEST

START_TEST(test_long_token_message)
{
	struct strbuf sb = STRBUF_INIT;
	char err[ERRLEN];

	sb_adds(&sb, "[");
	for (int i = 0; i < 1000; i++)
		sb_adds(&sb, "x");
	ck_assert_ptr_null(json_parse(sb.buf, sb.len, err));
	/* jansson quotes only short tokens; the column still says where */
	ck_assert_str_eq(err, "1:1001: invalid token");
	/* no error buffer: still just NULL */
	ck_assert_ptr_null(json_parse(sb.buf, sb.len, NULL));
	sb_release(&sb);
}
END_TEST

/* A results file that is not JSON: the file, the line and the column, and what is wrong. */
START_TEST(test_malformed_file)
{
	static const char edited[] = "{\n  \"score\": 3,\n  \"tests\": [\n    {\"name\": 'x'}\n  ]\n}\n";
	char dir[] = "/tmp/check_json.XXXXXX", err[ERRLEN];
	struct strbuf sb = STRBUF_INIT;
	struct json_writer w;
	char *want;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *path = xasprintf("%s/results.json", dir);
	char *missing = xasprintf("%s/none.json", dir);

	ck_assert_ptr_null(json_parse_file(missing, err));
	want = xasprintf("%s: cannot read: %s", missing, strerror(ENOENT));
	ck_assert_str_eq(err, want);
	free(want);

	/* cut short while written: a full disk, a killed worker */
	jw_init(&w, &sb, 1);
	jw_object_begin(&w);
	jw_key(&w, "score");
	jw_int(&w, 3);
	jw_key(&w, "output");
	jw_string(&w, "sockgrade: 3/5; sandbox: root");
	jw_object_end(&w);
	ck_assert_int_eq(write_file_atomic(path, sb.buf, 41, err), 0);
	ck_assert_ptr_null(json_parse_file(path, err));
	want = xasprintf("%s:3:25: premature end of input near '\"sockgrade: 3'", path);
	ck_assert_str_eq(err, want);
	free(want);

	/* edited by hand */
	ck_assert_int_eq(write_file_atomic(path, edited, sizeof edited - 1, err), 0);
	ck_assert_ptr_null(json_parse_file(path, err));
	want = xasprintf("%s:4:14: invalid token near '''", path);
	ck_assert_str_eq(err, want);
	free(want);

	/* empty, and zeros where the text should be */
	ck_assert_int_eq(write_file_atomic(path, "", 0, err), 0);
	ck_assert_ptr_null(json_parse_file(path, err));
	want = xasprintf("%s:1:1: unexpected token near end of file", path);
	ck_assert_str_eq(err, want);
	free(want);
	ck_assert_int_eq(write_file_atomic(path, "\0\0\0\0", 4, err), 0);
	ck_assert_ptr_null(json_parse_file(path, err));
	want = xasprintf("%s:1:1: invalid token near end of file", path);
	ck_assert_str_eq(err, want);
	free(want);

	/* no error buffer: still just NULL */
	ck_assert_ptr_null(json_parse_file(path, NULL));
	ck_assert_ptr_null(json_parse_file(missing, NULL));

	unlink(path);
	rmdir(dir);
	free(missing);
	free(path);
	sb_release(&sb);
}
END_TEST

/* Returns a string of n '[' then n ']' (or none, when close is 0). */
static char *nest(int n, int close)
{
	struct strbuf sb = STRBUF_INIT;

	for (int i = 0; i < n; i++)
		sb_addc(&sb, '[');
	for (int i = 0; close && i < n; i++)
		sb_addc(&sb, ']');
	return sb_detach(&sb, NULL);
}

START_TEST(test_depth_limit)
{
	char err[ERRLEN];
	/* jansson's limit: JSON_PARSER_MAX_DEPTH of its build (2048 in Debian's) */
	char *s = nest(2048, 1);
	struct json *j = json_parse(s, strlen(s), err);

	ck_assert_msg(j != NULL, "%s", err);
	const struct json *p = j;
	int depth = 0;
	while (json_kind(p) == JSON_KIND_ARRAY) {
		p = json_at(p, 0);
		depth++;
	}
	ck_assert_int_eq(depth, 2048);
	json_free(j);
	free(s);

	s = nest(2049, 1);
	ck_assert_ptr_null(json_parse(s, strlen(s), err));
	ck_assert_str_eq(err, "1:2049: maximum parsing depth reached near '['");
	free(s);

	/* objects count too */
	struct strbuf sb = STRBUF_INIT;
	for (int i = 0; i < 3000; i++)
		sb_adds(&sb, "{\"a\":");
	ck_assert_ptr_null(json_parse(sb.buf, sb.len, err));
	ck_assert_str_eq(err, "1:10241: maximum parsing depth reached near '{'");
	sb_release(&sb);

	/* far deeper than any stack would survive by recursion */
	s = nest(1000000, 0);
	ck_assert_ptr_null(json_parse(s, strlen(s), err));
	ck_assert_str_eq(err, "1:2049: maximum parsing depth reached near '['");
	free(s);
}
END_TEST

/* Every proper prefix of a valid document is an error, never a crash. */
START_TEST(test_truncated)
{
	const char *doc = "{\"name\": \"caf\xc3\xa9 \\u00e9 \\ud83d\\ude00\", \"list\": [1, -2.5e+3,"
			  " true, false, null, {\"k\": []}], \"x\": 10}";
	size_t len = strlen(doc);
	char err[ERRLEN];

	for (size_t n = 0; n < len; n++) {
		/* a copy of exactly n bytes, so ASan sees any read past the end */
		char *cut = xmalloc(n ? n : 1);
		memcpy(cut, doc, n);
		err[0] = '\0';
		struct json *j = json_parse(cut, n, err);
		ck_assert_msg(j == NULL, "prefix of %zu bytes parsed", n);
		ck_assert_msg(err[0] == '1' && err[1] == ':', "prefix %zu: error '%s'", n, err);
		free(cut);
	}
	struct json *j = parse_ok(doc, len);
	ck_assert_uint_eq(json_len(j), 3);
	json_free(j);
}
END_TEST

/* Random mutations of a valid document: each parses or fails with a message. */
START_TEST(test_fuzz)
{
	const char *doc = "{\"a\": [1, 2.5, -3e2, \"s\\n\\u00e9\\ud83d\\ude00\"], \"b\": {\"c\": true,"
			  " \"d\": null}, \"e\": \"\xe2\x82\xac\"}";
	static const char alphabet[] = "{}[]\",:\\u0123456789eE+-.tfn \n\x80\xc3\xed\xff";
	size_t len = strlen(doc);
	unsigned long x = 12345;	/* our own generator: repeatable, no global state */
	int parsed = 0, failed = 0;

	for (int round = 0; round < 20000; round++) {
		char *s = xmalloc(len);
		char err[ERRLEN];

		memcpy(s, doc, len);
		for (int k = 0; k < 3; k++) {
			x = x * 6364136223846793005UL + 1442695040888963407UL;
			size_t at = (x >> 33) % len;
			s[at] = alphabet[(x >> 17) % (sizeof alphabet - 1)];
		}
		err[0] = '\0';
		struct json *j = json_parse(s, len, err);
		if (j) {
			parsed++;
			json_free(j);
		} else {
			failed++;
			ck_assert_msg(strstr(err, ": ") != NULL, "no message for mutation %d", round);
		}
		free(s);
	}
	/* both outcomes happen, or the mutations were not testing anything */
	ck_assert_int_gt(parsed, 0);
	ck_assert_int_gt(failed, 0);
}
END_TEST

/* Whole numbers in a range, or the default: never a cast of an out-of-range double (UB). */
START_TEST(test_get_int)
{
	char err[ERRLEN];
	const char *doc = "{\"a\": 3, \"b\": -3e9, \"c\": 2.5, \"d\": \"7\", \"e\": 1e300}";
	struct json *j = json_parse(doc, strlen(doc), err);
	ck_assert_ptr_nonnull(j);
	ck_assert_int_eq(json_get_int(j, "a", 1, 10, 0), 3);
	ck_assert_int_eq(json_get_int(j, "b", 1, 10, 0), 0);
	ck_assert_int_eq(json_get_int(j, "c", 1, 10, 0), 0);
	ck_assert_int_eq(json_get_int(j, "d", 1, 10, 0), 0);
	ck_assert_int_eq(json_get_int(j, "e", 1, 10, -1), -1);
	ck_assert_int_eq(json_get_int(j, "missing", 1, 10, 5), 5);
	json_free(j);
}
END_TEST

/* A reference record with "step": -3e9 is refused with a reason (it was a signed overflow). */
START_TEST(test_reference_bad_step)
{
	char dir[] = "/tmp/check_json.XXXXXX", err[ERRLEN];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	char *path = xasprintf("%s/reference.json", dir);
	const char *doc = "{\"seed\": \"1\", \"observations\": [{\"probe\": \"p\", \"step\": -3e9, "
			  "\"run\": 1, \"hex\": \"41\"}]}";
	ck_assert_int_eq(write_file_atomic(path, doc, strlen(doc), err), 0);
	struct ref_data ref = { NULL, 0 };
	uint64_t seed;
	ck_assert_int_eq(score_read_reference(path, &ref, &seed, err), -1);
	ck_assert_ptr_nonnull(strstr(err, "observation 1: 'step' and 'run' must be whole numbers"));
	ref_release(&ref);
	unlink(path);
	rmdir(dir);
	free(path);
}
END_TEST

Suite *make_json_suite(void)
{
	Suite *s = suite_create("json");
	TCase *tc;

	tc = tcase_create("writer");
	tcase_add_test(tc, test_write_compact);
	tcase_add_test(tc, test_write_pretty);
	tcase_add_test(tc, test_write_top_level);
	tcase_add_test(tc, test_write_misuse);
	tcase_add_test(tc, test_write_deep);
	tcase_add_test(tc, test_escape);
	tcase_add_test(tc, test_utf8);
	tcase_add_test(tc, test_embedded_nul);
	tcase_add_test(tc, test_numbers_write);
	tcase_add_test(tc, test_nul_strings);
	tcase_add_test(tc, test_html_safe);
	tcase_add_test(tc, test_text_untouched);
	tcase_add_test(tc, test_write_release);
	suite_add_tcase(s, tc);

	tc = tcase_create("reader");
	tcase_add_test(tc, test_numbers_read);
	tcase_add_test(tc, test_read_types);
	tcase_add_test(tc, test_duplicate_keys);
	tcase_add_test(tc, test_read_escapes);
	tcase_add_test(tc, test_round_trip);
	tcase_add_loop_test(tc, test_errors, 0, (int)(sizeof bad_docs / sizeof bad_docs[0]));
	tcase_add_test(tc, test_long_token_message);
	tcase_add_test(tc, test_malformed_file);
	tcase_add_test(tc, test_depth_limit);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_fuzz);
	tcase_add_test(tc, test_get_int);
	tcase_add_test(tc, test_reference_bad_step);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
