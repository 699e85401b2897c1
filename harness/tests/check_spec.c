#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "spec.h"
#include "suites.h"
#include "util.h"

#define HEAD "lab: t\nprograms:\n  srv:\n    sources: [srv.c]\n    argv: [\"{port}\"]\n"

static struct spec *load_ok(const char *text)
{
	struct spec *s = NULL;
	char err[ERRLEN] = "";
	int rc = spec_load_string("t.yaml", text, strlen(text), &s, err);
	ck_assert_msg(rc == 0, "unexpected error: %s", err);
	return s;
}

static void load_bad(const char *text, const char *want)
{
	struct spec *s = NULL;
	char err[ERRLEN] = "";
	int rc = spec_load_string("t.yaml", text, strlen(text), &s, err);
	ck_assert_msg(rc == -1, "expected an error for:\n%s", text);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(err, want);
}

START_TEST(loads_the_hello_spec)
{
	struct spec *s = NULL;
	char err[ERRLEN] = "";
	ck_assert_msg(spec_load("specs/hello.yaml", &s, err) == 0, "%s", err);
	ck_assert_str_eq(s->lab, "hello");
	ck_assert_uint_eq(s->nprograms, 2);
	ck_assert_uint_eq(s->nprobes, 12);
	ck_assert_str_eq(s->probes[0].name, "sends the greeting");
	ck_assert_int_eq(s->probes[0].points, 3);
	ck_assert_str_eq(s->probes[0].steps[0].def->name, "start");
	/* the shipped spec still wants "Hello world!" as written: no ignore_case */
	const struct step *greeting = &s->probes[0].steps[2];
	ck_assert_str_eq(greeting->def->name, "expect");
	ck_assert_str_eq(greeting->value.text, "Hello world!");
	ck_assert_ptr_null(step_opt(greeting, "ignore_case"));
	ck_assert_int_eq(s->probes[3].hidden, 1);
	ck_assert_int_eq(spec_max_score(s, 1), 16);
	ck_assert_int_eq(spec_max_score(s, 0), 15);
	ck_assert_int_eq(s->ready_within_ms, 5000);
	spec_free(s);
}
END_TEST

START_TEST(steps_and_options)
{
	struct spec *s = load_ok(HEAD "probes:\n"
				 "  - name: p\n"
				 "    points: 2\n"
				 "    visibility: hidden\n"
				 "    repeat: 4\n"
				 "    steps:\n"
				 "      - start: srv\n"
				 "        any_port: true\n"
				 "      - connect:\n"
				 "      - send: \"a\\0b\"\n"
				 "        pieces: 2\n"
				 "        pause: 300ms\n"
				 "      - expect: \"x\"\n"
				 "        within: 1.5s\n"
				 "      - expect_exit: nonzero\n");
	const struct probe *p = &s->probes[0];
	ck_assert_int_eq(p->points, 2);
	ck_assert_int_eq(p->hidden, 1);
	ck_assert_int_eq(p->repeat, 4);
	ck_assert_uint_eq(p->nsteps, 5);
	ck_assert_int_eq(step_opt(&p->steps[0], "any_port")->num, 1);
	ck_assert_int_eq(p->steps[1].value.present, 0);
	/* texts keep NUL bytes */
	ck_assert_uint_eq(p->steps[2].value.len, 3);
	ck_assert_int_eq(memcmp(p->steps[2].value.text, "a\0b", 3), 0);
	ck_assert_int_eq(step_opt(&p->steps[2], "pause")->num, 300);
	ck_assert_int_eq(step_opt(&p->steps[3], "within")->num, 1500);
	ck_assert_int_eq(p->steps[4].value.num, -1);
	ck_assert_ptr_null(step_opt(&p->steps[3], "match"));
	ck_assert_int_eq(p->steps[3].line, 18);
	ck_assert_int_eq(p->steps[3].col, 9);
	spec_free(s);
}
END_TEST

/* secret: hidden (left out of kits, counted in the maximum) and told apart from hidden */
START_TEST(secret_is_hidden_and_told_apart)
{
	struct spec *s = load_ok(HEAD "probes:\n"
				 "  - name: a\n    visibility: secret\n    points: 3\n    steps: [{connect: }]\n"
				 "  - name: b\n    visibility: hidden\n    steps: [{connect: }]\n"
				 "  - name: c\n    steps: [{connect: }]\n");
	ck_assert_int_eq(s->probes[0].hidden, 2);
	ck_assert_int_eq(s->probes[1].hidden, 1);
	ck_assert_int_eq(s->probes[2].hidden, 0);
	ck_assert_int_eq(spec_max_score(s, 1), 5);
	ck_assert_int_eq(spec_max_score(s, 0), 1);
	struct strbuf out = STRBUF_INIT;
	spec_write(s, 0, &out);
	ck_assert_ptr_nonnull(strstr(out.buf, "visibility: secret"));
	ck_assert_ptr_nonnull(strstr(out.buf, "visibility: hidden"));
	sb_reset(&out);
	spec_write(s, 1, &out);
	ck_assert_ptr_null(strstr(out.buf, "visibility"));
	sb_release(&out);
	spec_free(s);
}
END_TEST

START_TEST(hex_escapes_are_bytes)
{
	/* YAML alone would read \xff as U+00FF, two bytes in UTF-8 */
	struct spec *s = load_ok(HEAD "probes:\n  - name: p\n    steps:\n"
				 "      - send: \"\\0\\x01\\xff\\xfeab\\n\\\"\"\n"
				 "      - send: \"caf\\u00e9\"\n");
	const struct step_arg *a = &s->probes[0].steps[0].value;
	ck_assert_uint_eq(a->len, 8);
	ck_assert_int_eq(memcmp(a->text, "\0\x01\xff\xfe" "ab\n\"", 8), 0);
	a = &s->probes[0].steps[1].value;
	ck_assert_str_eq(a->text, "caf\xc3\xa9");
	spec_free(s);
}
END_TEST

/* Non-ASCII text: \xNN after it still reads as bytes, and written back it stays text. */
START_TEST(non_ascii_text)
{
	struct spec *s = load_ok(HEAD "probes:\n  - name: \"réponse à l'écho\"\n    hint: \"dès le début\"\n"
				 "    steps:\n      - send: \"é\\x01\\xff\"\n");
	const struct step_arg *a = &s->probes[0].steps[0].value;
	ck_assert_uint_eq(a->len, 4);
	ck_assert_int_eq(memcmp(a->text, "\xc3\xa9\x01\xff", 4), 0);
	struct strbuf out = STRBUF_INIT;
	spec_write(s, 1, &out);
	ck_assert_msg(strstr(out.buf, "réponse à l'écho") && strstr(out.buf, "dès le début"), "%s", out.buf);
	ck_assert_ptr_null(strstr(out.buf, "\\xc3"));
	struct spec *b = NULL;
	char err[ERRLEN];
	ck_assert_msg(spec_load_string("w.yaml", out.buf, out.len, &b, err) == 0, "%s", err);
	ck_assert_str_eq(b->probes[0].name, "réponse à l'écho");
	ck_assert_uint_eq(b->probes[0].steps[0].value.len, 4);
	ck_assert_int_eq(memcmp(b->probes[0].steps[0].value.text, "\xc3\xa9\x01\xff", 4), 0);
	spec_free(b);
	spec_free(s);
	sb_release(&out);
}
END_TEST

/* spec_write gives a spec that loads back to the same probes, steps and values */
START_TEST(writes_back_what_it_read)
{
	static const char *const specs[] = { "specs/hello.yaml", "specs/echo.yaml",
					     "specs/uecho.yaml", "specs/echo_mp.yaml", "specs/op.yaml",
					     "specs/chat.yaml" };
	for (size_t i = 0; i < sizeof specs / sizeof *specs; i++) {
		struct spec *a = NULL, *b = NULL, *c = NULL;
		char err[ERRLEN];
		struct strbuf all = STRBUF_INIT, vis = STRBUF_INIT;
		ck_assert_msg(spec_load(specs[i], &a, err) == 0, "%s", err);
		spec_write(a, 0, &all);
		spec_write(a, 1, &vis);
		ck_assert_msg(spec_load_string("w.yaml", all.buf, all.len, &b, err) == 0, "%s\n%s", err,
			      all.buf);
		ck_assert_msg(spec_load_string("v.yaml", vis.buf, vis.len, &c, err) == 0, "%s", err);
		ck_assert_uint_eq(b->nprobes, a->nprobes);
		ck_assert_int_eq(spec_max_score(b, 1), spec_max_score(a, 1));
		ck_assert_int_eq(spec_max_score(c, 1), spec_max_score(a, 0));
		for (size_t p = 0; p < a->nprobes; p++) {
			const struct probe *x = &a->probes[p], *y = &b->probes[p];
			ck_assert_str_eq(x->name, y->name);
			ck_assert_int_eq(x->hidden, y->hidden);
			ck_assert_int_eq(x->repeat, y->repeat);
			ck_assert_uint_eq(x->nsteps, y->nsteps);
			for (size_t k = 0; k < x->nsteps; k++) {
				const struct step *u = &x->steps[k], *v = &y->steps[k];
				ck_assert_str_eq(u->def->name, v->def->name);
				ck_assert_int_eq(u->value.num, v->value.num);
				ck_assert_int_eq(u->value.present, v->value.present);
				if (u->value.type == OPT_TEXT || u->value.type == OPT_NAME ||
				    u->value.type == OPT_PROGRAM || u->value.type == OPT_ENUM) {
					ck_assert_uint_eq(u->value.len, v->value.len);
					if (u->value.len)
						ck_assert_int_eq(memcmp(u->value.text, v->value.text,
									u->value.len), 0);
				}
				ck_assert_uint_eq(u->nopts, v->nopts);
				ck_assert_int_eq(!u->value.fields, !v->value.fields);
				if (u->value.fields) {
					const struct fields *fu = u->value.fields, *fv = v->value.fields;
					ck_assert_uint_eq(fu->n, fv->n);
					ck_assert_int_eq(fu->order, fv->order);
					for (size_t f = 0; f < fu->n; f++) {
						ck_assert_int_eq(fu->v[f].type, fv->v[f].type);
						ck_assert_int_eq(fu->v[f].order, fv->v[f].order);
						ck_assert_str_eq(fu->v[f].into ? fu->v[f].into : "-",
								 fv->v[f].into ? fv->v[f].into : "-");
						ck_assert_uint_eq(fu->v[f].len, fv->v[f].len);
						if (fu->v[f].len)
							ck_assert_int_eq(memcmp(fu->v[f].text, fv->v[f].text,
										fu->v[f].len), 0);
					}
				}
			}
			if (x->hidden) {
				ck_assert_ptr_null(strstr(vis.buf, x->name));
				if (x->hint)
					ck_assert_ptr_null(strstr(vis.buf, x->hint));
			}
		}
		spec_free(a);
		spec_free(b);
		spec_free(c);
		sb_release(&all);
		sb_release(&vis);
	}
}
END_TEST

START_TEST(limits)
{
	struct spec *s = load_ok("lab: t\ndefaults:\n  limits: {cpu: 5s, memory: 256MiB, output: 64KiB}\n"
				 "programs:\n  srv:\n    sources: [srv.c]\n    limits: {files: 32, memory: 1GiB}\n"
				 "probes:\n  - name: p\n    steps: [{connect: }]\n");
	ck_assert_int_eq(s->limits.cpu_ms, 5000);
	ck_assert_int_eq(s->limits.memory_mb, 256);
	ck_assert_int_eq(s->limits.output_kb, 64);
	ck_assert_int_eq(s->limits.nofile, -1);
	ck_assert_int_eq(s->programs[0].limits.nofile, 32);
	ck_assert_int_eq(s->programs[0].limits.memory_mb, 1024);
	ck_assert_int_eq(s->programs[0].limits.cpu_ms, -1);
	spec_free(s);
	load_bad("lab: t\ndefaults:\n  limits: {cpus: 5s}\n",
		 "t.yaml:3:12: unknown limit 'cpus' (did you mean 'cpu'?)");
	load_bad("lab: t\ndefaults:\n  limits: {memory: lots}\n",
		 "t.yaml:3:20: memory: 'lots' is not a size (write 2000, 4KiB or 1MiB)");
}
END_TEST

START_TEST(unknown_step_suggests)
{
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - sned: hi\n",
		 "t.yaml:9:9: unknown step 'sned' (did you mean 'send'?)");
}
END_TEST

START_TEST(unknown_option_suggests)
{
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - expect: hi\n        withn: 2s\n",
		 "t.yaml:10:9: unknown option of 'expect' 'withn' (did you mean 'within'?)");
}
END_TEST

START_TEST(unknown_top_key_suggests)
{
	load_bad("lab: t\nprogram:\n  srv: {sources: [a.c]}\n",
		 "t.yaml:2:1: unknown key 'program' (did you mean 'programs'?)");
	load_bad(HEAD "probes:\n  - name: p\n    hnit: x\n    steps: [{connect: }]\n",
		 "t.yaml:8:5: unknown probe key 'hnit' (did you mean 'hint'?)");
}
END_TEST

START_TEST(bad_values)
{
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - expect: hi\n        within: soon\n",
		 "t.yaml:10:17: 'within': 'soon' is not a duration (write 2s or 300ms)");
	load_bad(HEAD "probes:\n  - name: p\n    points: -1\n    steps: [{connect: }]\n",
		 "t.yaml:8:13: points: -1 is out of range (0 to 1000000)");
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - expect: hi\n        match: fuzzy\n",
		 "t.yaml:10:16: 'match': 'fuzzy' is not one of exact, prefix, contains, regex");
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - start: client\n",
		 "t.yaml:9:16: no program 'client' in this spec");
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - start: sr\n",
		 "t.yaml:9:16: no program 'sr' in this spec (did you mean 'srv'?)");
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - expect_exit: maybe\n",
		 "t.yaml:9:22: 'expect_exit': 'maybe' is not an exit status (0 to 255, nonzero or any)");
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - send:\n",
		 "t.yaml:9:9: 'send' needs a value");
	load_bad(HEAD "probes:\n  - name: p\n    visibility: private\n    steps: [{connect: }]\n",
		 "t.yaml:8:17: visibility: 'private' is not one of visible, hidden, secret");
}
END_TEST

START_TEST(structure_errors)
{
	load_bad("", "t.yaml:1:1: the spec is empty");
	load_bad("lab: t\n", "t.yaml:1:1: the spec has no 'programs'");
	load_bad(HEAD, "t.yaml:1:1: the spec has no 'probes'");
	load_bad(HEAD "probes:\n  - name: p\n    steps: []\n",
		 "t.yaml:8:12: a probe needs at least one step");
	load_bad(HEAD "probes:\n  - name: p\n    steps: [{connect: }]\n  - name: p\n    steps: [{connect: }]\n",
		 "t.yaml:9:5: two probes are named 'p' (the other is at line 7)");
	load_bad(HEAD "probes:\n  - name: p\n    name: q\n    steps: [{connect: }]\n",
		 "t.yaml:8:5: 'name' is given twice in a probe");
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - send: hi\n        expect: ho\n",
		 "t.yaml:10:9: one step has two kinds, 'send' and 'expect'");
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - hello\n",
		 "t.yaml:9:9: a step must be a mapping such as '- send: \"hi\"', not a scalar");
	load_bad("lab: t\nprograms:\n  srv:\n    argv: []\n", "t.yaml:4:5: program 'srv' has no sources");
	load_bad("lab: t\nprograms:\n  srv:\n    sources: [../x.c]\n",
		 "t.yaml:4:14: source '../x.c' must be a plain file name");
}
END_TEST

/* helpers: auto by default, none, or a list of .c files; written back as read */
START_TEST(helpers)
{
	struct spec *s = load_ok("lab: t\nprograms:\n"
				 "  a: {sources: [a.c]}\n"
				 "  b: {sources: [b.c], helpers: none}\n"
				 "  c: {sources: [c.c], helpers: [sock.c, error_handling.c]}\n"
				 "  d: {sources: [d.c], helpers: []}\n"
				 "  e: {sources: [e.c], helpers: auto}\n"
				 "probes:\n  - name: p\n    steps: [{connect: }]\n");
	ck_assert_int_eq(s->programs[0].helpers_rule, HELPERS_AUTO);
	ck_assert_int_eq(s->programs[1].helpers_rule, HELPERS_NONE);
	ck_assert_int_eq(s->programs[2].helpers_rule, HELPERS_LIST);
	ck_assert_uint_eq(s->programs[2].nhelpers, 2);
	ck_assert_str_eq(s->programs[2].helpers[1], "error_handling.c");
	ck_assert_int_eq(s->programs[3].helpers_rule, HELPERS_LIST);
	ck_assert_uint_eq(s->programs[3].nhelpers, 0);
	ck_assert_int_eq(s->programs[4].helpers_rule, HELPERS_AUTO);

	struct strbuf w = STRBUF_INIT;
	struct spec *b = NULL;
	char err[ERRLEN];
	spec_write(s, 0, &w);
	ck_assert_msg(spec_load_string("w.yaml", w.buf, w.len, &b, err) == 0, "%s\n%s", err, w.buf);
	for (size_t i = 0; i < s->nprograms; i++) {
		ck_assert_int_eq(b->programs[i].helpers_rule, s->programs[i].helpers_rule);
		ck_assert_uint_eq(b->programs[i].nhelpers, s->programs[i].nhelpers);
		for (size_t j = 0; j < s->programs[i].nhelpers; j++)
			ck_assert_str_eq(b->programs[i].helpers[j], s->programs[i].helpers[j]);
	}
	spec_free(b);
	sb_release(&w);
	spec_free(s);

	load_bad("lab: t\nprograms:\n  a:\n    sources: [a.c]\n    helpers: some\n",
		 "t.yaml:5:14: helpers: 'some' is not none, auto or a list (write [some])");
	load_bad("lab: t\nprograms:\n  a:\n    sources: [a.c]\n    helpers:\n",
		 "t.yaml:5:13: helpers needs a value: none, auto or a list of .c files");
	load_bad("lab: t\nprograms:\n  a:\n    sources: [a.c]\n    helpers: {x: y}\n",
		 "t.yaml:5:14: helpers must be none, auto or a list of .c files, not a mapping");
	load_bad("lab: t\nprograms:\n  a:\n    sources: [a.c]\n    helpers: [sock.c, ../x.c]\n",
		 "t.yaml:5:23: helper '../x.c' must be a plain file name");
	load_bad("lab: t\nprograms:\n  a:\n    sources: [a.c]\n    helpers: [sock.h]\n",
		 "t.yaml:5:15: helper 'sock.h' is not a .c file");
	load_bad("lab: t\nprograms:\n  a:\n    sources: [a.c]\n    helpers: [s.c, s.c]\n",
		 "t.yaml:5:20: helper 's.c' is listed twice");
	load_bad("lab: t\nprograms:\n  a:\n    helpers: [x.c, a.c]\n    sources: [a.c]\n",
		 "t.yaml:4:20: helper 'a.c' is one of the program's sources");
	load_bad("lab: t\nprograms:\n  a:\n    sources: [a.c]\n    helper: none\n",
		 "t.yaml:5:5: unknown program key 'helper' (did you mean 'helpers'?)");
}
END_TEST

START_TEST(yaml_syntax_error_has_position)
{
	load_bad("lab: t\nprograms: [\n", "t.yaml:3:1: did not find expected node content while parsing a flow node");
}
END_TEST

START_TEST(missing_file)
{
	struct spec *s = NULL;
	char err[ERRLEN];
	ck_assert_int_eq(spec_load("no/such/spec.yaml", &s, err), -1);
	ck_assert_str_eq(err, "no/such/spec.yaml: cannot read: No such file or directory");
}
END_TEST


/* Refused early, with a place: deep nesting (quadratic in libyaml) and a second document. */
START_TEST(deep_nesting_and_second_document)
{
	struct strbuf deep = STRBUF_INIT;
	sb_adds(&deep, HEAD "probes:\n  - name: p\n    steps:\n      - pause: ");
	for (int i = 0; i < 100000; i++)
		sb_adds(&deep, "[");
	char err[ERRLEN] = "";
	struct spec *sp = NULL;
	ck_assert_int_eq(spec_load_string("t.yaml", deep.buf, deep.len, &sp, err), -1);
	ck_assert_msg(strstr(err, "t.yaml:9:") && strstr(err, "nested more than 64 levels deep"), "%s", err);
	sb_release(&deep);
	load_bad(HEAD "probes:\n  - name: p\n    steps:\n      - pause: 1s\n---\nlab: other\n",
		 "t.yaml:10:1: a second YAML document: a spec is one document; remove this '---' (and what "
		 "follows), or put it in a spec of its own");
}
END_TEST

/* A substitution that keeps the text as written: the fields' own encoding is what is tested. */
static int copy_text(void *ctx, const char *t, size_t len, struct strbuf *out)
{
	(void)ctx;
	sb_add(out, t, len);
	return 0;
}

static void field_bytes_are(const struct step *st, const char *want, size_t wlen)
{
	struct strbuf b = STRBUF_INIT;
	struct field_slot *sl = NULL;
	char err[ERRLEN] = "";
	ck_assert_ptr_nonnull(st->value.fields);
	ck_assert_msg(fields_bytes(st->value.fields, copy_text, NULL, &b, &sl, err) == 0, "%s", err);
	ck_assert_uint_eq(b.len, wlen);
	ck_assert_msg(!memcmp(b.buf, want, wlen), "bytes differ");
	free(sl);
	sb_release(&b);
}

START_TEST(binary_fields_in_the_order_written)
{
	struct spec *s = load_ok(HEAD "probes:\n"
				 "  - name: p\n"
				 "    steps:\n"
				 "      - send: {u8: 3, i16: [-2, 258], order: big, text: \"+\"}\n"
				 "      - send: [{u16: 1}, {u16: 2, order: little}, {u32: 0x01020304}, {i8: -1}]\n"
				 "      - send: [{u64: 18446744073709551615}, {order: little}, {i64: 1}]\n"
				 "      - expect: [{u8: {into: n}}, {i32: \"{= n * 2}\"}]\n"
				 "        match: prefix\n");
	const struct step *st = s->probes[0].steps;
	field_bytes_are(&st[0], "\x03\xff\xfe\x01\x02+", 6);
	field_bytes_are(&st[1], "\x00\x01\x02\x00\x01\x02\x03\x04\xff", 9);
	field_bytes_are(&st[2], "\xff\xff\xff\xff\xff\xff\xff\xff\x01\0\0\0\0\0\0\0", 16);
	/* a field read into a variable is a slot of its width */
	struct strbuf b = STRBUF_INIT;
	struct field_slot *sl = NULL;
	char err[ERRLEN] = "";
	ck_assert_int_eq(fields_bytes(st[3].value.fields, copy_text, NULL, &b, &sl, err), -1);
	ck_assert_msg(strstr(err, "not a whole number"), "%s", err);
	free(sl);
	sb_release(&b);
	ck_assert_str_eq(st[3].value.fields->v[0].into, "n");
	/* decoding: signed and unsigned, each order */
	struct field_slot one = { &st[0].value.fields->v[1], 0, 2, FIELD_ORDER_BIG };
	struct strbuf d = STRBUF_INIT;
	field_decode(&one, (const unsigned char *)"\xff\xfe", &d);
	ck_assert_str_eq(d.buf, "-2");
	sb_reset(&d);
	struct field_slot u = { &st[1].value.fields->v[1], 0, 2, FIELD_ORDER_LITTLE };
	field_decode(&u, (const unsigned char *)"\xff\xfe", &d);
	ck_assert_str_eq(d.buf, "65279");
	sb_release(&d);

	/* written back and read again: the same bytes */
	struct strbuf out = STRBUF_INIT;
	spec_write(s, 0, &out);
	struct spec *again = load_ok(out.buf);
	field_bytes_are(&again->probes[0].steps[0], "\x03\xff\xfe\x01\x02+", 6);
	field_bytes_are(&again->probes[0].steps[1], "\x00\x01\x02\x00\x01\x02\x03\x04\xff", 9);
	ck_assert_str_eq(again->probes[0].steps[3].value.fields->v[0].into, "n");
	sb_release(&out);
	spec_free(again);
	spec_free(s);
}
END_TEST

START_TEST(binary_field_errors)
{
#define STEP(x) HEAD "probes:\n  - name: p\n    steps:\n      - " x "\n"
	load_bad(STEP("send: {u8: 256}"), "t.yaml:9:20: u8: '256' is not a whole number that fits "
		 "in u8 (write a number, \"{name}\" or \"{= expression}\")");
	load_bad(STEP("send: {i8: -129}"), "t.yaml:9:20: i8: '-129' is not a whole number that fits "
		 "in i8 (write a number, \"{name}\" or \"{= expression}\")");
	load_bad(STEP("send: {u8: 1, u8: 2}"), "t.yaml:9:23: 'u8' is given twice in these fields: "
		 "write them as a list of one-key mappings (- u8: ...), or give a list (u8: [..., ...])");
	load_bad(STEP("send: {u33: 1}"), "t.yaml:9:16: unknown field 'u33' (did you mean 'u32'?)");
	load_bad(STEP("send: {i32: {into: x}}"), "t.yaml:9:21: i32: a value to send is a number or a "
		 "text such as \"{a}\"; into: is for expect");
	load_bad(STEP("expect: {text: {into: x}}"), "t.yaml:9:24: text: a text has no length of its "
		 "own, so it cannot be read into a variable: read it with an integer field, or expect "
		 "the text");
	load_bad(STEP("send: [{u8: 1, i32: 2}]"), "t.yaml:9:24: one item, one field: put 'i32' in "
		 "an item of its own (- i32: ...)");
	load_bad(STEP("send: {u8: 1, order: sideways}"), "t.yaml:9:30: order: 'sideways' is not one "
		 "of network, little, big, host");
	load_bad(STEP("send: [{order: host}, {order: big}, {u8: 1}]"), "t.yaml:9:39: order: is given "
		 "twice for these fields: give it once, or beside one field in a list item ({i32: "
		 "\"{a}\", order: little})");
	load_bad(STEP("send: {order: host}"), "t.yaml:9:15: no field: write at least one, such as "
		 "{u8: 3}");
	load_bad(STEP("expect: {u8: 1}\n        length: 4"), "t.yaml:10:17: 'length' cannot go with "
		 "binary fields, which say every byte: remove it, or write a text instead of fields");
	load_bad(STEP("expect: {u8: 1}\n        match: regex"), "t.yaml:10:16: match: regex cannot go "
		 "with binary fields: write exact (the fields and nothing more) or prefix (the rest "
		 "stays for the next step)");
	/* fields only where a step takes them */
	load_bad(STEP("udp_send: {u8: 1}"), "t.yaml:9:19: 'udp_send' must be a scalar, not a mapping");
}
END_TEST

START_TEST(random_integers_and_choices)
{
	struct spec *s = load_ok(STEP("random: a\n        min: -5\n        max: 5") "      - random: "
				 "b\n        choice: [\"+\", \"-\"]\n      - random: c\n        min: 0\n"
				 "        max: 18446744073709551615\n");
	ck_assert_str_eq(step_opt(&s->probes[0].steps[0], "min")->text, "-5");
	ck_assert_uint_eq(step_opt(&s->probes[0].steps[1], "choice")->nlist, 2);
	spec_free(s);
	load_bad(STEP("random: a\n        min: 5\n        max: -5"), "t.yaml:11:14: max -5 is below "
		 "min 5 (or mixes a negative min with a max past 2^63 - 1)");
	load_bad(STEP("random: a\n        min: 5"), "t.yaml:10:14: random with 'min' needs 'max' too "
		 "(min: -100, max: 100)");
	load_bad(STEP("random: a\n        min: x\n        max: 5"), "t.yaml:10:14: min: 'x' is not a "
		 "whole number (write -100 or 4294967295)");
	load_bad(STEP("random: a\n        min: 1\n        max: 5\n        length: 3"), "t.yaml:12:17: "
		 "'length' is for random text, not with 'min': remove one of them");
	load_bad(STEP("random: a\n        choice: [x]\n        min: 1"), "t.yaml:11:14: 'min' and "
		 "'choice' contradict each other: random gives a number from min to max, or one item of "
		 "choice");
	load_bad(STEP("random: a\n        choice: []"), "t.yaml:10:17: choice: an empty list: give the "
		 "values to choose from, such as [\"+\", \"-\", \"*\"]");
#undef STEP
}
END_TEST

START_TEST(match_line_on_output_only)
{
#define STEP(x) HEAD "probes:\n  - name: p\n    steps:\n      - " x "\n"
	struct spec *s = load_ok(STEP("expect_stdout: \"Result: 3\"\n        match: line\n"
				      "        ignore_case: true"));
	ck_assert_str_eq(step_opt(&s->probes[0].steps[0], "match")->text, "line");
	spec_free(s);
	load_bad(STEP("expect: \"x\"\n        match: line"), "t.yaml:10:16: 'match': 'line' is not "
		 "one of exact, prefix, contains, regex");
#undef STEP
}
END_TEST

/*
 * specs/FORMAT.md names every key and step the loader accepts, as the tables
 * of spec/load.c and steps.c list them: a step written as its syntax ("`send:"),
 * a key or an option in backquotes ("`conn`", "`pieces: N`") or as a key of a
 * YAML example ("    points: 3"). A name added to
 * a table without its documentation fails here.
 */
static int documented(const char *doc, const char *name, const char *ends)
{
	size_t n = strlen(name);
	for (const char *p = doc; (p = strchr(p, '`')); p++)
		if (!strncmp(p + 1, name, n) && p[1 + n] && strchr(ends, p[1 + n]))
			return 1;
	/* or as a key of a YAML example: a line "    name:" or "  - name:" */
	for (const char *p = doc; (p = strchr(p, '\n')); ) {
		p++;
		p += strspn(p, " ");
		if (!strncmp(p, "- ", 2))
			p += 2;
		if (!strncmp(p, name, n) && p[n] == ':')
			return 1;
	}
	return 0;
}

START_TEST(format_document_names_every_key)
{
	struct strbuf doc = STRBUF_INIT;
	struct strbuf missing = STRBUF_INIT;
	ck_assert_msg(read_file("specs/FORMAT.md", &doc) == 0, "cannot read specs/FORMAT.md");

	size_t nk, nd;
	const struct spec_keyset *ks = spec_keysets(&nk);
	ck_assert_uint_gt(nk, 0);
	for (size_t i = 0; i < nk; i++)
		for (size_t j = 0; j < ks[i].n; j++)
			if (!documented(doc.buf, ks[i].keys[j], "`:"))
				sb_addf(&missing, " %s key '%s';", ks[i].where, ks[i].keys[j]);
	const struct step_def *d = step_defs(&nd);
	ck_assert_uint_gt(nd, 0);
	for (size_t i = 0; i < nd; i++) {
		if (!documented(doc.buf, d[i].name, ":"))
			sb_addf(&missing, " step '%s';", d[i].name);
		for (const struct opt_def *o = d[i].opts; o->key; o++)
			if (!documented(doc.buf, o->key, "`:"))
				sb_addf(&missing, " option '%s' of '%s';", o->key, d[i].name);
	}
	ck_assert_msg(missing.len == 0, "specs/FORMAT.md does not describe:%s", missing.buf);
	sb_release(&missing);
	sb_release(&doc);
}
END_TEST

Suite *make_spec_suite(void)
{
	Suite *s = suite_create("spec");
	TCase *tc = tcase_create("spec");
	tcase_add_test(tc, loads_the_hello_spec);
	tcase_add_test(tc, steps_and_options);
	tcase_add_test(tc, secret_is_hidden_and_told_apart);
	tcase_add_test(tc, hex_escapes_are_bytes);
	tcase_add_test(tc, writes_back_what_it_read);
	tcase_add_test(tc, limits);
	tcase_add_test(tc, unknown_step_suggests);
	tcase_add_test(tc, unknown_option_suggests);
	tcase_add_test(tc, unknown_top_key_suggests);
	tcase_add_test(tc, bad_values);
	tcase_add_test(tc, structure_errors);
	tcase_add_test(tc, helpers);
	tcase_add_test(tc, yaml_syntax_error_has_position);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, deep_nesting_and_second_document);
	tcase_add_test(tc, non_ascii_text);
	tcase_add_test(tc, binary_fields_in_the_order_written);
	tcase_add_test(tc, binary_field_errors);
	tcase_add_test(tc, random_integers_and_choices);
	tcase_add_test(tc, match_line_on_output_only);
	tcase_add_test(tc, format_document_names_every_key);
	suite_add_tcase(s, tc);
	return s;
}
