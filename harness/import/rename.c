/*
 * import/rename: a hand-in's files renamed to the names the spec's programs
 * are built from, when no other reading is possible. A file's role comes
 * from its text (a main that calls listen is a TCP server, one that binds
 * and calls recvfrom a UDP server, one that calls connect or sendto and
 * never binds a client; main as sources_scan finds it, as the build does);
 * a program's from the spec (ready: tcp, udp or none). Anything less than
 * one file for one program is left as handed in, with a note saying why:
 * never a silent guess.
 */
#include "lms.h"
#include "sources.h"
#include "spec.h"

#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Records what the identifier id (len bytes) says, given what follows it at p. */
static void note_identifier(const char *id, size_t len, const char *p, const char *end,
			    struct src_facts *f)
{
	static const struct {
		const char *name;
		size_t off;
	} calls[] = {
		{ "bind", offsetof(struct src_facts, bind) },
		{ "listen", offsetof(struct src_facts, listen) },
		{ "accept", offsetof(struct src_facts, accept) },
		{ "accept4", offsetof(struct src_facts, accept) },
		{ "connect", offsetof(struct src_facts, connect) },
		{ "recvfrom", offsetof(struct src_facts, recvfrom) },
		{ "recvmsg", offsetof(struct src_facts, recvfrom) },
		{ "sendto", offsetof(struct src_facts, sendto) },
		{ "sendmsg", offsetof(struct src_facts, sendto) },
	};

	if (len == 10 && !memcmp(id, "SOCK_DGRAM", 10)) {
		f->dgram = 1;
		return;
	}
	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p >= end || *p != '(')
		return;
	for (size_t i = 0; i < sizeof calls / sizeof calls[0]; i++)
		if (strlen(calls[i].name) == len && !memcmp(id, calls[i].name, len))
			*(int *)((char *)f + calls[i].off) = 1;
}

/* The text with comments, string and character literals blanked: identifiers only count outside them. */
static char *code_only(const char *text, size_t len)
{
	char *s = xmalloc(len + 1);
	size_t i = 0;
	while (i < len) {
		if (text[i] == '/' && i + 1 < len && text[i + 1] == '*') {
			for (s[i] = s[i + 1] = ' ', i += 2; i < len; i++) {
				s[i] = text[i] == '\n' ? '\n' : ' ';
				if (text[i] == '*' && i + 1 < len && text[i + 1] == '/') {
					s[i + 1] = ' ';
					i += 2;
					break;
				}
			}
		} else if (text[i] == '/' && i + 1 < len && text[i + 1] == '/') {
			for (; i < len && text[i] != '\n'; i++)
				s[i] = ' ';
		} else if (text[i] == '"' || text[i] == '\'') {
			char q = text[i];
			for (s[i++] = ' '; i < len && text[i] != q && text[i] != '\n'; i++) {
				s[i] = ' ';
				if (text[i] == '\\' && i + 1 < len)
					s[++i] = ' ';
			}
			if (i < len)
				s[i++] = ' ';
		} else {
			s[i] = text[i] ? text[i] : ' ';
			i++;
		}
	}
	s[len] = '\0';
	return s;
}

void rename_scan(const char *text, size_t len, struct src_facts *f)
{
	char *s = code_only(text, len);
	const char *end = s + len;

	memset(f, 0, sizeof *f);
	/* main as the build sees it: one scan decides for both */
	struct source_scan scan;
	sources_scan(text, len, &scan);
	f->has_main = scan.main_line > 0;
	source_scan_release(&scan);
	for (const char *p = s; p < end;) {
		if (isalpha((unsigned char)*p) || *p == '_') {
			const char *id = p;
			while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
				p++;
			note_identifier(id, (size_t)(p - id), p, end, f);
		} else if (isdigit((unsigned char)*p)) {
			while (p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '.'))
				p++;
		} else {
			p++;
		}
	}
	free(s);
}

enum src_role rename_role(const struct src_facts *f)
{
	if (!f->has_main)
		return ROLE_NONE;
	int tcp = (f->listen || f->accept) && !f->connect;
	int udp = f->bind && (f->recvfrom || f->dgram) && !f->listen && !f->accept;
	int client = (f->connect || f->sendto) && !f->bind && !f->listen && !f->accept;
	if (tcp + udp + client != 1)
		return ROLE_UNCLEAR;
	return tcp ? ROLE_TCP_SERVER : udp ? ROLE_UDP_SERVER : ROLE_CLIENT;
}

enum src_role rename_program_role(const char *ready)
{
	if (!ready)
		return ROLE_NONE;
	if (!strcmp(ready, "tcp"))
		return ROLE_TCP_SERVER;
	if (!strcmp(ready, "udp"))
		return ROLE_UDP_SERVER;
	if (!strcmp(ready, "none"))
		return ROLE_CLIENT;
	return ROLE_NONE;
}

const char *rename_role_name(enum src_role r)
{
	switch (r) {
	case ROLE_TCP_SERVER: return "a TCP server (a main that calls listen or accept)";
	case ROLE_UDP_SERVER: return "a UDP server (a main that binds and calls recvfrom)";
	case ROLE_CLIENT: return "a client (a main that calls connect or sendto and never binds)";
	case ROLE_UNCLEAR: return "a main whose calls fit no one role";
	case ROLE_NONE: break;
	}
	return "no program (no main)";
}

static const char *ext_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	return dot && dot != name ? dot : "";
}

static int is_makefile(const char *name)
{
	return !strcmp(name, "Makefile") || !strcmp(name, "makefile") || !strcmp(name, "GNUmakefile");
}

/* 1 when name is one of the spec's source names. */
static int is_source(const struct spec *spec, const char *name)
{
	for (size_t i = 0; i < spec->nprograms; i++)
		for (size_t k = 0; k < spec->programs[i].nsources; k++)
			if (!strcmp(spec->programs[i].sources[k], name))
				return 1;
	return 0;
}

static int handed_in(const struct handin_file *files, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(files[i].name, name))
			return 1;
	return 0;
}

/* 'a', 'b' and 'c' of names[0..n). */
static void add_list(struct strbuf *sb, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sb_addf(sb, "%s'%s'", i == 0 ? "" : i + 1 == n ? " and " : ", ", names[i]);
	}
}

size_t rename_decide(const struct spec *spec, const struct handin_file *files, size_t n,
		     struct import_rename **renamed, struct notes *ns)
{
	const struct program **missing = xcalloc(spec->nprograms + 1, sizeof *missing);
	const char **cands = xcalloc(n + 1, sizeof *cands);
	int *taken = xcalloc(n + 1, sizeof *taken);
	size_t nmissing = 0, nren = 0;
	int makefile = 0;

	*renamed = NULL;
	for (size_t i = 0; i < n; i++)
		makefile |= is_makefile(files[i].name);
	for (size_t i = 0; i < spec->nprograms; i++) {
		const struct program *p = &spec->programs[i];
		if (p->nsources == 1 && !handed_in(files, n, p->sources[0])) {
			missing[nmissing++] = p;
		} else if (p->nsources > 1) {
			for (size_t k = 0; k < p->nsources; k++)
				if (!handed_in(files, n, p->sources[k]))
					notes_add(ns, "'%s' is not in the hand-in: not renamed, as '%s' is "
						  "built from %zu sources", p->sources[k], p->name,
						  p->nsources);
		}
	}
	if (nmissing && makefile) {
		struct strbuf sb = STRBUF_INIT;
		for (size_t m = 0; m < nmissing; m++)
			sb_addf(&sb, "%s'%s'", m ? ", " : "", missing[m]->sources[0]);
		notes_add(ns, "nothing renamed: the hand-in has a Makefile, whose rules name its files "
			  "(not handed in: %s)", sb.buf);
		sb_release(&sb);
		nmissing = 0;
	}
	for (size_t m = 0; m < nmissing; m++) {
		const struct program *p = missing[m];
		const char *want = p->sources[0];
		enum src_role role = rename_program_role(p->ready);
		size_t nc = 0, rivals = 0;

		for (size_t k = 0; k < nmissing; k++)
			if (rename_program_role(missing[k]->ready) == role &&
			    !strcmp(ext_of(missing[k]->sources[0]), ext_of(want)))
				rivals++;
		for (size_t i = 0; i < n; i++)
			if (!taken[i] && !strcmp(ext_of(files[i].name), ext_of(want)) &&
			    !is_source(spec, files[i].name) && role != ROLE_NONE &&
			    rename_role(&files[i].facts) == role)
				cands[nc++] = files[i].name;
		if (role == ROLE_NONE) {
			notes_add(ns, "no file renamed to '%s': the rule knows no role for a program "
				  "that is ready '%s'", want, p->ready ? p->ready : "?");
		} else if (nc == 1 && rivals == 1) {
			for (size_t i = 0; i < n; i++)
				if (files[i].name == cands[0])
					taken[i] = 1;
			*renamed = xrealloc(*renamed, (nren + 1) * sizeof **renamed);
			(*renamed)[nren].from = (char *)cands[0];
			(*renamed)[nren].to = (char *)want;
			nren++;
		} else if (nc == 0) {
			struct strbuf sb = STRBUF_INIT;
			for (size_t i = 0; i < n; i++)
				if (!strcmp(ext_of(files[i].name), ext_of(want)) &&
				    !is_source(spec, files[i].name) &&
				    rename_role(&files[i].facts) == ROLE_UNCLEAR)
					sb_addf(&sb, "%s'%s'", sb.len ? ", " : "", files[i].name);
			notes_add(ns, "'%s' is not in the hand-in, and no %s file is %s%s%s", want,
				  ext_of(want), rename_role_name(role),
				  sb.len ? "; unclear: " : "", sb.len ? sb.buf : "");
			sb_release(&sb);
		} else {
			struct strbuf sb = STRBUF_INIT;
			if (rivals > 1 && nc == 1)
				sb_addf(&sb, "'%s' could be any of %zu programs' sources, each %s", cands[0],
					rivals, rename_role_name(role));
			else {
				add_list(&sb, cands, nc);
				sb_addf(&sb, " could each be '%s': each is %s", want,
					rename_role_name(role));
			}
			notes_add(ns, "left as handed in: %s", sb.buf);
			sb_release(&sb);
		}
	}
	free(missing);
	free(cands);
	free(taken);
	return nren;
}
