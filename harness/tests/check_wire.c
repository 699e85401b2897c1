/*
 * check_wire: a probe's result survives the trip from the process that ran
 * the probe to its worker, byte for byte, and a result cut short anywhere is
 * an error, never a crash.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "probe.h"
#include "suites.h"
#include "util.h"
#include "wire.h"

static const struct probe the_probe = { .name = (char *)"echoes 1 MiB", .points = 2 };

/* A result with every kind of field: binary bytes, absent strings, events, programs, values. */
static void sample(struct probe_result *r, struct ref_data *ref)
{
	memset(r, 0, sizeof *r);
	r->probe = &the_probe;
	r->passed = 0;
	r->score = 0;
	r->runs = 3;
	r->failed_runs = 2;
	r->failed_step = 4;
	r->why = xstrdup("got 5 bytes, expected 6");
	r->note = xstrdup("sent a trailing NUL (tolerated)");
	r->has_expected = 1;
	r->expected = xstrndup("ab\0cd\n", 6);
	r->expected_len = 6;
	r->has_observed = 1;
	r->observed = xstrndup("ab\0cd", 5);
	r->observed_len = 5;
	r->diff_at = 5;
	r->shown_from = 7;
	r->expected_total = 13;
	r->observed_total = 12;
	r->wall_ms = 1234;
	r->overhead_us = 567;
	r->nevents = 2;
	r->events = xcalloc(2, sizeof *r->events);
	r->events[0] = (struct event){ 3, EV_SEND, xstrdup("c1"), xstrndup("\xff\0x", 3), 3, 3 };
	r->events[1] = (struct event){ 9, EV_FIN, NULL, NULL, 0, 0 };
	r->nprocs = 1;
	r->procs = xcalloc(1, sizeof *r->procs);
	r->procs[0].program = xstrdup("echo_server");
	r->procs[0].argv = xstrdup("./echo_server 4242");
	r->procs[0].v.status = V_SIGNAL;
	r->procs[0].v.signal = 13;
	snprintf(r->procs[0].v.detail, sizeof r->procs[0].v.detail, "killed by SIGPIPE");
	r->procs[0].out = xstrdup("new client\n");
	r->procs[0].out_len = 11;
	r->procs[0].err = NULL;
	r->nvars = 1;
	r->vars = xcalloc(1, sizeof *r->vars);
	r->vars[0] = (struct probe_var){ xstrdup("n"), xstrdup("42"), 2 };
	memset(ref, 0, sizeof *ref);
	ref_add(ref, "other probe", 1, 0, "not sent", 8);	/* before ref_from: stays behind */
	ref_add(ref, "echoes 1 MiB", 2, 1, "Hello\0!", 7);
}

START_TEST(round_trip_keeps_every_field)
{
	struct probe_result a, b;
	struct ref_data ref, got = { 0 };
	struct strbuf buf = STRBUF_INIT;
	char err[ERRLEN];

	sample(&a, &ref);
	wire_pack(&a, &ref, 1, &buf);
	ck_assert_int_eq(wire_unpack(buf.buf, buf.len, &the_probe, &b, &got, err), 0);
	ck_assert_ptr_eq(b.probe, &the_probe);
	ck_assert_int_eq(b.passed, 0);
	ck_assert_int_eq(b.runs, 3);
	ck_assert_int_eq(b.failed_runs, 2);
	ck_assert_int_eq(b.failed_step, 4);
	ck_assert_str_eq(b.why, a.why);
	ck_assert_str_eq(b.note, a.note);
	ck_assert_int_eq(b.expected_len, 6);
	ck_assert_mem_eq(b.expected, "ab\0cd\n", 6);
	ck_assert_int_eq(b.observed_len, 5);
	ck_assert_int_eq(b.diff_at, 5);
	ck_assert_int_eq(b.shown_from, 7);
	ck_assert_int_eq(b.expected_total, 13);
	ck_assert_int_eq(b.observed_total, 12);
	ck_assert_int_eq(b.wall_ms, 1234);
	ck_assert_int_eq(b.overhead_us, 567);
	ck_assert_int_eq(b.nevents, 2);
	ck_assert_int_eq(b.events[0].kind, EV_SEND);
	ck_assert_str_eq(b.events[0].who, "c1");
	ck_assert_int_eq(b.events[0].kept, 3);
	ck_assert_mem_eq(b.events[0].data, "\xff\0x", 3);
	ck_assert_ptr_null(b.events[1].who);
	ck_assert_ptr_null(b.events[1].data);
	ck_assert_int_eq(b.events[1].t_ms, 9);
	ck_assert_int_eq(b.nprocs, 1);
	ck_assert_str_eq(b.procs[0].argv, "./echo_server 4242");
	ck_assert_int_eq(b.procs[0].v.status, V_SIGNAL);
	ck_assert_str_eq(b.procs[0].v.detail, "killed by SIGPIPE");
	ck_assert_str_eq(b.procs[0].out, "new client\n");
	ck_assert_ptr_null(b.procs[0].err);
	ck_assert_int_eq(b.nvars, 1);
	ck_assert_str_eq(b.vars[0].value, "42");
	/* only what was recorded after ref_from travels */
	ck_assert_int_eq(got.n, 1);
	ck_assert_str_eq(got.v[0].probe, "echoes 1 MiB");
	ck_assert_int_eq(got.v[0].step, 2);
	ck_assert_int_eq(got.v[0].run, 1);
	ck_assert_int_eq(got.v[0].len, 7);
	ck_assert_mem_eq(got.v[0].data, "Hello\0!", 7);
	probe_result_release(&a);
	probe_result_release(&b);
	ref_release(&ref);
	ref_release(&got);
	sb_release(&buf);
}
END_TEST

START_TEST(cut_short_anywhere_is_an_error)
{
	struct probe_result a, b;
	struct ref_data ref;
	struct strbuf buf = STRBUF_INIT;
	char err[ERRLEN];

	sample(&a, &ref);
	wire_pack(&a, &ref, 0, &buf);
	for (size_t len = 0; len < buf.len; len++) {
		/* a copy of exactly len bytes, so that ASan sees any read past the end */
		char *cut = xmalloc(len ? len : 1);
		memcpy(cut, buf.buf, len);
		ck_assert_int_eq(wire_unpack(cut, len, &the_probe, &b, NULL, err), -1);
		ck_assert_ptr_null(b.why);
		ck_assert_int_eq(b.nevents, 0);
		free(cut);
	}
	sb_add(&buf, "x", 1);
	struct ref_data got = { NULL, 0 };
	ck_assert_int_eq(wire_unpack(buf.buf, buf.len, &the_probe, &b, &got, err), -1);
	ck_assert(strstr(err, "extra bytes") != NULL);
	/* a rejected record adds none of its recorded answers */
	ck_assert_uint_eq(got.n, 0);
	probe_result_release(&a);
	ref_release(&ref);
	sb_release(&buf);
}
END_TEST

START_TEST(a_huge_count_is_refused_before_allocating)
{
	struct probe_result a, b;
	struct ref_data ref;
	struct strbuf buf = STRBUF_INIT;
	char err[ERRLEN];

	sample(&a, &ref);
	a.nevents = 0;	/* then the event count is the first number after overhead_us */
	wire_pack(&a, NULL, 0, &buf);
	a.nevents = 2;
	/* magic, 5 numbers, why, note, has_expected, expected, has_observed, observed, 6 numbers */
	size_t at = 4 + 5 * 8 + (8 + strlen(a.why)) + (8 + strlen(a.note)) + 8 + (8 + 6) + 8 + (8 + 5) +
		    6 * 8;
	int64_t huge = INT64_MAX / 2;
	memcpy(buf.buf + at, &huge, sizeof huge);
	ck_assert_int_eq(wire_unpack(buf.buf, buf.len, &the_probe, &b, NULL, err), -1);
	ck_assert(strstr(err, "cut short") != NULL);
	probe_result_release(&a);
	ref_release(&ref);
	sb_release(&buf);
}
END_TEST

Suite *make_wire_suite(void)
{
	Suite *s = suite_create("wire");
	TCase *tc = tcase_create("wire");
	tcase_add_test(tc, round_trip_keeps_every_field);
	tcase_add_test(tc, cut_short_anywhere_is_an_error);
	tcase_add_test(tc, a_huge_count_is_refused_before_allocating);
	suite_add_tcase(s, tc);
	return s;
}
