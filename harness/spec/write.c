/* spec/write.c: a loaded spec written back as YAML (spec_write()). */
#include "spec.h"
#include "fields.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static void yaml_quoted(struct strbuf *out, const char *s, size_t len)
{
	sb_addc(out, '"');
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c >= 0x80 ? utf8_len((const unsigned char *)s + i, len - i) : 0;
		if (k == 2 && c == 0xc2 && (unsigned char)s[i + 1] < 0xa0)
			k = 0;	/* a C1 control: \xNN like the others */
		if (k) {
			/* text (an accented probe name, a hint) stays text */
			sb_add(out, s + i, k);
			i += k - 1;
		} else if (c == '"' || c == '\\') {
			sb_addf(out, "\\%c", c);
		} else if (c == '\n') {
			sb_adds(out, "\\n");
		} else if (c == '\t') {
			sb_adds(out, "\\t");
		} else if (c < 0x20 || c >= 0x7f) {
			sb_addf(out, "\\x%02x", c);	/* read back as that byte: see raw_double_quoted */
		} else {
			sb_addc(out, (char)c);
		}
	}
	sb_addc(out, '"');
}

static void yaml_list(struct strbuf *out, char **items, size_t n)
{
	sb_addc(out, '[');
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_adds(out, ", ");
		yaml_quoted(out, items[i], strlen(items[i]));
	}
	sb_addc(out, ']');
}

static void yaml_arg(struct strbuf *out, const struct step_arg *a)
{
	if (!a->present)
		return;	/* written as a key with no value */
	if (a->fields) {
		fields_write(a->fields, out);
		return;
	}
	switch (a->type) {
	case OPT_NONE:
		break;
	case OPT_LIST:
		yaml_list(out, a->list, a->nlist);
		break;
	case OPT_DURATION:
		sb_addf(out, "%lldms", (long long)a->num);
		break;
	case OPT_INT:
	case OPT_SIZE:
		sb_addf(out, "%lld", (long long)a->num);
		break;
	case OPT_BOOL:
		sb_adds(out, a->num ? "true" : "false");
		break;
	case OPT_EXIT:
		if (a->num == -1)
			sb_adds(out, "nonzero");
		else if (a->num == -2)
			sb_adds(out, "any");
		else
			sb_addf(out, "%lld", (long long)a->num);
		break;
	default:
		yaml_quoted(out, a->text, a->len);
	}
}

static void write_limits(struct strbuf *out, const char *indent, const struct spec_limits *l)
{
	if (l->cpu_ms < 0 && l->memory_mb < 0 && l->nofile < 0 && l->fsize_mb < 0 && l->output_kb < 0)
		return;
	sb_addf(out, "%slimits:\n", indent);
	if (l->cpu_ms >= 0)
		sb_addf(out, "%s  cpu: %lldms\n", indent, (long long)l->cpu_ms);
	if (l->memory_mb >= 0)
		sb_addf(out, "%s  memory: %lldMiB\n", indent, (long long)l->memory_mb);
	if (l->nofile >= 0)
		sb_addf(out, "%s  files: %lld\n", indent, (long long)l->nofile);
	if (l->fsize_mb >= 0)
		sb_addf(out, "%s  file_size: %lldMiB\n", indent, (long long)l->fsize_mb);
	if (l->output_kb >= 0)
		sb_addf(out, "%s  output: %lldKiB\n", indent, (long long)l->output_kb);
}

void spec_write(const struct spec *spec, int visible_only, struct strbuf *out)
{
	sb_adds(out, "# Written by sockgrade; the format is described in specs/FORMAT.md.\n");
	sb_adds(out, "lab: ");
	yaml_quoted(out, spec->lab, strlen(spec->lab));
	sb_adds(out, "\ntitle: ");
	yaml_quoted(out, spec->title, strlen(spec->title));
	sb_addf(out, "\ndefaults:\n  within: %lldms\n  ready_within: %lldms\n  build_within: %lldms\n",
		(long long)spec->within_ms, (long long)spec->ready_within_ms,
		(long long)spec->build_within_ms);
	const char *const strs[][2] = { { "cc", spec->cc }, { "cflags", spec->cflags },
					{ "ldflags", spec->ldflags } };
	for (size_t i = 0; i < 3; i++) {
		sb_addf(out, "  %s: ", strs[i][0]);
		yaml_quoted(out, strs[i][1], strlen(strs[i][1]));
		sb_addc(out, '\n');
	}
	write_limits(out, "  ", &spec->limits);
	sb_adds(out, "programs:\n");
	for (size_t i = 0; i < spec->nprograms; i++) {
		const struct program *p = &spec->programs[i];
		sb_addf(out, "  %s:\n    sources: ", p->name);
		yaml_list(out, p->sources, p->nsources);
		sb_adds(out, "\n    argv: ");
		yaml_list(out, p->argv, p->argc);
		sb_addf(out, "\n    ready: %s\n", p->ready);
		if (p->helpers_rule == HELPERS_NONE) {
			sb_adds(out, "    helpers: none\n");
		} else if (p->helpers_rule == HELPERS_LIST) {
			sb_adds(out, "    helpers: ");
			yaml_list(out, p->helpers, p->nhelpers);
			sb_addc(out, '\n');
		}
		if (p->stdout_pty)
			sb_adds(out, "    stdout: pty\n");
		if (p->cflags) {
			sb_adds(out, "    cflags: ");
			yaml_quoted(out, p->cflags, strlen(p->cflags));
			sb_addc(out, '\n');
		}
		write_limits(out, "    ", &p->limits);
	}
	sb_adds(out, "probes:\n");
	for (size_t i = 0; i < spec->nprobes; i++) {
		const struct probe *p = &spec->probes[i];
		if (visible_only && p->hidden)
			continue;
		sb_adds(out, "  - name: ");
		yaml_quoted(out, p->name, strlen(p->name));
		sb_addf(out, "\n    points: %d\n", p->points);
		if (p->hidden)
			sb_adds(out, p->hidden == 2 ? "    visibility: secret\n" : "    visibility: hidden\n");
		if (p->repeat > 1)
			sb_addf(out, "    repeat: %d\n", p->repeat);
		if (p->hint) {
			sb_adds(out, "    hint: ");
			yaml_quoted(out, p->hint, strlen(p->hint));
			sb_addc(out, '\n');
		}
		sb_adds(out, "    steps:\n");
		for (size_t j = 0; j < p->nsteps; j++) {
			const struct step *st = &p->steps[j];
			sb_addf(out, "      - %s: ", st->def->name);
			yaml_arg(out, &st->value);
			sb_addc(out, '\n');
			for (size_t k = 0; k < st->nopts; k++) {
				sb_addf(out, "        %s: ", st->opts[k].key);
				yaml_arg(out, &st->opts[k]);
				sb_addc(out, '\n');
			}
		}
	}
}
