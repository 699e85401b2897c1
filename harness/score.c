/*
 * score: turns one submission's build and probe results into results.json
 * (Gradescope's format, sockgrade's details under extra_data; see
 * specs/RESULTS.md), written atomically. Also keeps the reference's recorded
 * answers for steps whose expectation is "from: reference".
 */
#include "score.h"
#include "json.h"
#include "util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void jw_escaped(struct json_writer *w, const char *data, size_t len)
{
	struct strbuf sb = STRBUF_INIT;
	sb_add_escaped(&sb, data ? data : "", data ? len : 0);
	jw_string_len(w, sb.buf ? sb.buf : "", sb.len);
	sb_release(&sb);
}

static void jw_kv_str(struct json_writer *w, const char *k, const char *v)
{
	jw_key(w, k);
	jw_string(w, v);
}

static void jw_kv_int(struct json_writer *w, const char *k, long long v)
{
	jw_key(w, k);
	jw_int(w, v);
}

/* The text Gradescope shows for a test: verdict, why, bytes, hint. */
static char *test_output(const struct probe_result *r)
{
	struct strbuf sb = STRBUF_INIT;

	if (r->passed) {
		sb_adds(&sb, "passed");
		if (r->runs > 1)
			sb_addf(&sb, " (%d runs)", r->runs);
		if (r->note)
			sb_addf(&sb, "\nnote: %s", r->note);
		return sb_detach(&sb, NULL);
	}
	sb_addf(&sb, "failed at step %d: %s", r->failed_step + 1, r->why ? r->why : "");
	if (r->note)
		sb_addf(&sb, "\nnote: %s", r->note);
	if (r->has_expected) {
		sb_adds(&sb, "\nexpected: \"");
		sb_add_escaped(&sb, r->expected, r->expected_len);
		sb_adds(&sb, "\"");
	}
	if (r->has_observed) {
		sb_adds(&sb, "\nobserved: \"");
		sb_add_escaped(&sb, r->observed, r->observed_len);
		sb_adds(&sb, "\"");
		if (r->diff_at >= 0)
			sb_addf(&sb, " (first difference at byte %ld)", r->diff_at);
	}
	if (r->probe->hint)
		sb_addf(&sb, "\nhint: %s", r->probe->hint);
	return sb_detach(&sb, NULL);
}

static void write_process(struct json_writer *w, const struct proc_report *p)
{
	struct strbuf d = STRBUF_INIT;
	verdict_describe(&p->v, &d);
	jw_object_begin(w);
	jw_kv_str(w, "program", p->program);
	jw_kv_str(w, "argv", p->argv);
	jw_kv_str(w, "verdict", verdict_code(p->v.status));
	jw_kv_str(w, "description", d.buf);
	jw_kv_int(w, "exit_code", p->v.exit_code);
	jw_kv_int(w, "signal", p->v.signal);
	jw_kv_int(w, "wall_ms", p->v.wall_ms);
	jw_kv_int(w, "cpu_ms", p->v.cpu_ms);
	jw_kv_int(w, "max_rss_kb", p->v.max_rss_kb);
	jw_kv_str(w, "memory_limit", memory_hold_name(p->v.memory_by));
	jw_kv_str(w, "memory_note", *p->v.memory_note ? p->v.memory_note : NULL);
	jw_key(w, "stdout");
	jw_escaped(w, p->out, p->out_len);
	jw_key(w, "stderr");
	jw_escaped(w, p->err, p->err_len);
	jw_object_end(w);
	sb_release(&d);
}

static void write_probe(struct json_writer *w, const struct probe_result *r)
{
	const struct probe *p = r->probe;

	jw_object_begin(w);
	jw_kv_str(w, "name", p->name);
	jw_kv_int(w, "number", p->number);
	jw_kv_int(w, "points", p->points);
	jw_kv_int(w, "score", r->score);
	jw_key(w, "passed");
	jw_bool(w, r->passed);
	jw_key(w, "hidden");
	jw_bool(w, p->hidden);
	if (p->hidden == 2) {
		/* hidden from students even once published (the Gradescope package's "hidden") */
		jw_key(w, "secret");
		jw_bool(w, 1);
	}
	jw_kv_str(w, "hint", p->hint);
	jw_kv_str(w, "why", r->why);
	jw_kv_str(w, "note", r->note);
	jw_key(w, "failed_step");
	if (r->failed_step >= 0 && !r->passed) {
		const struct step *st = &p->steps[r->failed_step];
		jw_int(w, r->failed_step + 1);
		jw_kv_str(w, "step_kind", st->def->name);
		jw_kv_int(w, "step_line", st->line);
	} else {
		jw_null(w);
	}
	jw_key(w, "expected");
	if (r->has_expected)
		jw_escaped(w, r->expected, r->expected_len);
	else
		jw_null(w);
	jw_key(w, "observed");
	if (r->has_observed)
		jw_escaped(w, r->observed, r->observed_len);
	else
		jw_null(w);
	jw_key(w, "diff_at");
	if (r->diff_at >= 0 && r->has_observed)
		jw_int(w, r->diff_at);
	else
		jw_null(w);
	if (r->shown_from || r->expected_total > r->expected_len ||
	    r->observed_total > r->observed_len) {
		/* a window of long bytes: where it starts and how long they were */
		jw_kv_int(w, "shown_from", (long long)r->shown_from);
		jw_kv_int(w, "expected_len", (long long)r->expected_total);
		jw_kv_int(w, "observed_len", (long long)r->observed_total);
	}
	jw_kv_int(w, "runs", r->runs);
	jw_kv_int(w, "failed_runs", r->failed_runs);
	jw_kv_int(w, "wall_ms", r->wall_ms);
	jw_key(w, "overhead_ms");
	jw_double(w, (double)r->overhead_us / 1000.0);
	jw_key(w, "vars");
	jw_object_begin(w);
	for (size_t i = 0; i < r->nvars; i++) {
		jw_key(w, r->vars[i].name);
		jw_escaped(w, r->vars[i].value, r->vars[i].len);
	}
	jw_object_end(w);
	jw_key(w, "transcript");
	jw_array_begin(w);
	for (size_t i = 0; i < r->nevents; i++) {
		const struct event *e = &r->events[i];
		jw_object_begin(w);
		jw_kv_int(w, "t", e->t_ms);
		jw_kv_str(w, "kind", event_name(e->kind));
		jw_kv_str(w, "who", e->who);
		jw_key(w, "data");
		jw_escaped(w, e->data, e->kept);
		jw_kv_int(w, "len", (long long)e->len);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_key(w, "processes");
	jw_array_begin(w);
	for (size_t i = 0; i < r->nprocs; i++)
		write_process(w, &r->procs[i]);
	jw_array_end(w);
	jw_object_end(w);
}

/* Which files went into a program built without a Makefile, and which .c files did not. */
static void write_sources(struct json_writer *w, const struct build_prog *p)
{
	const struct source_set *s = &p->src;
	int compiled = p->command && !p->used_makefile;

	jw_key(w, "sources");
	if (compiled) {
		jw_array_begin(w);
		for (size_t i = 0; i < s->nfiles; i++)
			jw_string(w, s->files[i]);
		jw_array_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "helpers");
	if (compiled) {
		jw_array_begin(w);
		for (size_t i = s->nnamed; i < s->nfiles; i++)
			jw_string(w, s->files[i]);
		jw_array_end(w);
	} else {
		jw_null(w);
	}
	jw_key(w, "left_out");
	if (compiled) {
		jw_array_begin(w);
		for (size_t i = 0; i < s->nskipped; i++) {
			jw_object_begin(w);
			jw_kv_str(w, "file", s->skipped[i].file);
			jw_kv_str(w, "why", s->skipped[i].why);
			jw_object_end(w);
		}
		jw_array_end(w);
	} else {
		jw_null(w);
	}
}

static void write_build(struct json_writer *w, const struct score_input *in)
{
	const struct build_result *b = in->build;

	jw_key(w, "build");
	if (!b) {
		jw_null(w);
		return;
	}
	jw_object_begin(w);
	jw_kv_str(w, "compiler", b->compiler);
	jw_kv_str(w, "cflags", in->spec->cflags);
	jw_kv_str(w, "files", b->files);
	jw_kv_str(w, "notes", b->notes);
	jw_kv_int(w, "wall_ms", b->wall_ms);
	jw_key(w, "programs");
	jw_array_begin(w);
	for (size_t i = 0; i < b->nprogs; i++) {
		const struct build_prog *p = &b->progs[i];
		jw_object_begin(w);
		jw_kv_str(w, "name", p->name);
		jw_key(w, "ok");
		jw_bool(w, p->ok);
		jw_key(w, "used_makefile");
		jw_bool(w, p->used_makefile);
		jw_kv_str(w, "command", p->command);
		write_sources(w, p);
		jw_kv_str(w, "why", p->why);
		jw_key(w, "log");
		if (p->log)
			jw_escaped(w, p->log, strlen(p->log));
		else
			jw_null(w);
		jw_kv_str(w, "verdict", p->command ? verdict_code(p->v.status) : NULL);
		jw_object_end(w);
	}
	jw_array_end(w);
	jw_object_end(w);
}

/* Gradescope's "tests": a test per probe, its output the text a student reads. */
static void write_tests(struct json_writer *w, const struct score_input *in)
{
	jw_key(w, "tests");
	jw_array_begin(w);
	for (size_t i = 0; i < in->nresults; i++) {
		const struct probe_result *r = &in->results[i];
		char num[16];
		snprintf(num, sizeof num, "%d", r->probe->number);
		char *text = test_output(r);
		jw_object_begin(w);
		jw_kv_str(w, "name", r->probe->name);
		jw_kv_str(w, "number", num);
		jw_kv_int(w, "score", r->score);
		jw_kv_int(w, "max_score", r->probe->points);
		jw_kv_str(w, "status", r->passed ? "passed" : "failed");
		jw_kv_str(w, "output", text);
		jw_kv_str(w, "output_format", "text");
		jw_kv_str(w, "visibility", r->probe->hidden ? "hidden" : "visible");
		jw_key(w, "tags");
		jw_array_begin(w);
		jw_array_end(w);
		jw_object_end(w);
		free(text);
	}
	jw_array_end(w);
}

/* extra_data.coverage: null when coverage was off. */
static void write_coverage(struct json_writer *w, const struct coverage_info *c)
{
	jw_key(w, "coverage");
	if (c) {
		jw_object_begin(w);
		jw_key(w, "done");
		jw_bool(w, c->done);
		jw_key(w, "lines");
		if (c->done && c->lines >= 0)
			jw_double(w, c->lines);
		else
			jw_null(w);
		jw_key(w, "branches");
		if (c->done && c->branches >= 0)
			jw_double(w, c->branches);
		else
			jw_null(w);
		jw_kv_str(w, "why", c->done ? NULL : c->why);
		jw_kv_str(w, "page", c->done ? "coverage/index.html" : NULL);
		jw_object_end(w);
	} else {
		jw_null(w);
	}
}

int score_write(const char *path, const struct score_input *in, char *err)
{
	struct strbuf out = STRBUF_INIT;
	struct json_writer w;
	int score = 0;
	int max = spec_max_score(in->spec, !in->selfcheck);

	for (size_t i = 0; i < in->nresults; i++)
		score += in->results[i].score;

	jw_init(&w, &out, 1);
	jw_object_begin(&w);
	jw_kv_int(&w, "score", score);
	jw_key(&w, "execution_time");
	jw_double(&w, in->execution_time);
	struct strbuf summary = STRBUF_INIT;
	if (in->harness_error)
		sb_addf(&summary, "not graded: harness error: %s", in->harness_error);
	else
		sb_addf(&summary, "sockgrade: %d/%d; sandbox: %s", score, max, in->sandbox_mode);
	jw_kv_str(&w, "output", summary.buf);
	sb_release(&summary);
	jw_kv_str(&w, "visibility", "visible");
	jw_kv_str(&w, "stdout_visibility", "hidden");

	write_tests(&w, in);

	char seed[32];
	snprintf(seed, sizeof seed, "%" PRIu64, in->seed);
	jw_key(&w, "extra_data");
	jw_object_begin(&w);
	jw_kv_int(&w, "sockgrade", 1);
	jw_kv_str(&w, "lab", in->spec->lab);
	jw_kv_str(&w, "title", in->spec->title);
	jw_kv_str(&w, "student", in->student);
	jw_kv_str(&w, "seed", seed);
	jw_kv_str(&w, "sandbox", in->sandbox_mode);
	jw_kv_str(&w, "sandbox_warning", in->sandbox_warning);
	jw_kv_int(&w, "max_score", spec_max_score(in->spec, 1));
	jw_kv_int(&w, "max_visible_score", spec_max_score(in->spec, 0));
	jw_key(&w, "selfcheck");
	jw_bool(&w, in->selfcheck);
	jw_kv_str(&w, "harness_error", in->harness_error);
	jw_kv_int(&w, "harness_rss_kb", in->harness_rss_kb);
	jw_kv_int(&w, "build_wait_ms", in->build_wait_ms);
	write_build(&w, in);
	jw_key(&w, "import");
	import_row_json(&w, in->import);
	write_coverage(&w, in->coverage);
	jw_key(&w, "probes");
	jw_array_begin(&w);
	for (size_t i = 0; i < in->nresults; i++)
		write_probe(&w, &in->results[i]);
	jw_array_end(&w);
	jw_object_end(&w);
	jw_object_end(&w);

	int rc = write_file_atomic(path, out.buf, out.len, err);
	sb_release(&out);
	return rc;
}

static void hex_encode(struct strbuf *sb, const char *data, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		sb_addc(sb, digits[(unsigned char)data[i] >> 4]);
		sb_addc(sb, digits[(unsigned char)data[i] & 15]);
	}
}

static int hex_decode(const char *hex, size_t len, struct strbuf *out)
{
	if (len % 2)
		return -1;
	for (size_t i = 0; i < len; i += 2) {
		int v = 0;
		for (int k = 0; k < 2; k++) {
			char c = hex[i + (size_t)k];
			int d = c >= '0' && c <= '9' ? c - '0' :
				c >= 'a' && c <= 'f' ? c - 'a' + 10 :
				c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
			if (d < 0)
				return -1;
			v = v * 16 + d;
		}
		sb_addc(out, (char)v);
	}
	return 0;
}

int score_write_reference(const char *path, const struct spec *spec, uint64_t seed,
			  const struct ref_data *ref, char *err)
{
	struct strbuf out = STRBUF_INIT, hex = STRBUF_INIT;
	struct json_writer w;
	char s[32];

	snprintf(s, sizeof s, "%" PRIu64, seed);
	jw_init(&w, &out, 1);
	jw_object_begin(&w);
	jw_kv_str(&w, "lab", spec->lab);
	jw_kv_str(&w, "seed", s);
	jw_key(&w, "observations");
	jw_array_begin(&w);
	for (size_t i = 0; i < ref->n; i++) {
		jw_object_begin(&w);
		jw_kv_str(&w, "probe", ref->v[i].probe);
		jw_kv_int(&w, "step", ref->v[i].step + 1);
		jw_kv_int(&w, "run", ref->v[i].run + 1);
		sb_reset(&hex);
		hex_encode(&hex, ref->v[i].data, ref->v[i].len);
		jw_kv_str(&w, "hex", hex.buf ? hex.buf : "");
		jw_object_end(&w);
	}
	jw_array_end(&w);
	jw_object_end(&w);
	int rc = write_file_atomic(path, out.buf, out.len, err);
	sb_release(&out);
	sb_release(&hex);
	return rc;
}

int score_read_reference(const char *path, struct ref_data *ref, uint64_t *seed, char *err)
{
	struct strbuf data = STRBUF_INIT;
	int rc = -1;

	struct json *root = json_parse_file(path, err);
	if (!root)
		goto out;
	*seed = strtoull(json_get_str(root, "seed", "0"), NULL, 10);
	const struct json *obs = json_get(root, "observations");
	for (size_t i = 0; i < json_len(obs); i++) {
		const struct json *o = json_at(obs, i);
		const char *hex = json_get_str(o, "hex", "");
		sb_reset(&data);
		if (hex_decode(hex, strlen(hex), &data) < 0) {
			snprintf(err, ERRLEN, "%s: observation %zu: bad hex", path, i + 1);
			json_free(root);
			goto out;
		}
		int step = json_get_int(o, "step", 1, 1 << 20, 0), run = json_get_int(o, "run", 1, 1 << 20, 0);
		if (!step || !run) {
			snprintf(err, ERRLEN, "%s: observation %zu: 'step' and 'run' must be whole numbers from 1",
				 path, i + 1);
			json_free(root);
			goto out;
		}
		ref_add(ref, json_get_str(o, "probe", ""), step - 1, run - 1, data.buf ? data.buf : "",
			data.len);
	}
	json_free(root);
	rc = 0;
out:
	sb_release(&data);
	return rc;
}
