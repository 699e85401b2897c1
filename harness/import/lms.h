/*
 * import/lms.h: the importer's parts, shared by the files of import/ and by
 * their tests (not for other modules).
 */
#ifndef SG_IMPORT_LMS_H
#define SG_IMPORT_LMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "import.h"
#include "util.h"

struct spec;

/*
 * The grader's own limits on a submission (build.c copies no more into the
 * sandbox): an import stops at them too, per student.
 */
#define IMPORT_MAX_FILES 2000		/* files and folders */
#define IMPORT_MAX_BYTES (64L << 20)
#define IMPORT_MAX_DEPTH 64		/* folders in folders */
/* Archives in archives in a hand-in: unpacked this many levels deep. */
#define IMPORT_MAX_NESTING 3
/* Refusals listed one by one per archive; past this, counted. */
#define IMPORT_MAX_REFUSALS 20

/* ---- names.c: the LMSs' file names ---------------------------------------- */

/* A download's file name, parsed; every string owned (lms_name_release). */
struct lms_name {
	char *name;		/* the student's name as the LMS writes it */
	char *id;		/* Canvas user id, Moodle participant id */
	char *submission;	/* Canvas submission id; NULL for Moodle */
	char *file;		/* the file's own name; "" for a Moodle folder */
	char *plugin;		/* Moodle: the submission plugin (file, onlinetext); else NULL */
	int late;		/* Canvas: _LATE_ */
};

/*
 * Canvas: lastfirst_<userid>_<submissionid>_<file>, with _LATE_ after the
 * name for late work: lastfirst_LATE_<userid>_<submissionid>_<file>. The
 * name may hold underscores: the first "_<digits>_<digits>_" (after an
 * optional LATE_) that leaves a name and a file ends it. 0, or -1 when s is
 * not such a name.
 */
int lms_parse_canvas(const char *s, struct lms_name *n);
/*
 * Moodle: <Full Name>_<id>_assignsubmission_<plugin>_ (a folder: file "")
 * or <Full Name>_<id>_assignsubmission_<plugin>_<file> (flat). 0, or -1.
 */
int lms_parse_moodle(const char *s, struct lms_name *n);
void lms_name_release(struct lms_name *n);

/* A Blackboard file name: <head>_attempt_<YYYY-MM-DD-HH-MM-SS>(_<file>|.txt). */
struct bb_name {
	char *head;		/* <assignment>_<username> */
	char *when;		/* YYYY-MM-DD-HH-MM-SS: sorts as time does */
	char *file;		/* the file's own name; NULL for the attempt's receipt */
};
/* 0, or -1 when s is not such a name. */
int lms_split_blackboard(const char *s, struct bb_name *b);
void bb_name_release(struct bb_name *b);

/* What a Blackboard receipt (the attempt's .txt) says. */
struct bb_receipt {
	char *name;		/* "Name: Bob Smith (bsmith)": Bob Smith; NULL if not said */
	char *username;		/* bsmith; NULL if not said */
	char **original;	/* per file: "Original filename:" */
	char **stored;		/* and the "Filename:" that follows it: the name in the download */
	size_t nfiles;
};
/* Parses a receipt's text (len bytes); what it does not say stays NULL. */
void lms_parse_receipt(const char *text, size_t len, struct bb_receipt *r);
void bb_receipt_release(struct bb_receipt *r);

/*
 * The assignment part of Blackboard heads (<assignment>_<username>; all of
 * one download share it). users[i] is the username a receipt gives for
 * heads[i], or NULL: a head that ends in "_<username>" tells the
 * assignment; otherwise the longest common prefix of two or more heads, cut
 * at an underscore; otherwise whatever comes before the last underscore.
 * NULL when no head has an underscore. To be freed.
 */
char *lms_blackboard_assignment(char *const *heads, char *const *users, size_t n);
/* The username in head, given the assignment (may be NULL); to be freed, NULL if none. */
char *lms_blackboard_user(const char *head, const char *assignment);

/*
 * A resubmission suffix "-N" before the extension (hello-2.c, Makefile-1,
 * lab-3.tar.gz): returns N >= 1 and *base the name without it (to be
 * freed), or 0 and *base NULL when there is none.
 */
int lms_resubmission(const char *file, char **base);

/*
 * A folder name made of the LMS's name and id: the name lowercased to
 * ASCII letters and digits (accented Latin letters folded, anything else a
 * '-'), then '_' and the id: "Smith, Bob" and 1001 give smith-bob_1001.
 * With no name, the id alone. An id that is not a safe name is folded too.
 * To be freed.
 */
char *lms_folder(const char *name, const char *id);
/* The folding alone ("" for a name with no letter or digit); to be freed. */
char *lms_slug(const char *name);
/* 1 when s can be a student folder's name as it is: [A-Za-z0-9._@+-], not starting with . or -. */
int lms_safe_name(const char *s);
/* s for a terminal: valid UTF-8 kept, control, bidi and invalid bytes as \xHH or \u{...}. */
void lms_term(struct strbuf *sb, const char *s);
/* The same into a static buffer of its own per slot (0..3): for printf arguments. */
const char *lms_t(int slot, const char *s);

/* ---- tree.c: writing below a student's folder, within limits -------------- */

/* What a student's folder may still take. */
struct budget {
	long files;		/* files and folders written */
	int64_t bytes;		/* bytes written */
};

/* Reads up to n bytes of an entry's data: >0, 0 at its end, -1 (errno) on error. */
struct reader {
	ssize_t (*read)(void *h, void *buf, size_t n);
	void *h;
};

/*
 * raw (a name from a download or an archive) as a clean relative path:
 * '\' read as '/', empty and "." parts dropped. Returns it (to be freed),
 * "" for the folder itself, or NULL with *why (static text) when it is
 * refused: absolute, "..", control characters, a part over 255 bytes,
 * deeper than IMPORT_MAX_DEPTH.
 */
char *tree_clean_path(const char *raw, const char **why);
/*
 * Writes a file at rel below dirfd from r: folders on the way made, never
 * following a link, never replacing what is there. Returns 0, 1 when
 * refused (*why: static text; nothing is left of the file) or -1 with err
 * when the importer itself fails (a full disk).
 */
int tree_put_file(int dirfd, const char *rel, mode_t mode, const struct reader *r,
		  struct budget *b, const char **why, char *err);
/* The *why of an entry refused because the submission has IMPORT_MAX_FILES already. */
extern const char tree_too_many[];
/* Makes the folder rel below dirfd (and those on the way); 0, 1 refused (*why), -1 with err. */
int tree_put_dir(int dirfd, const char *rel, struct budget *b, const char **why, char *err);
/* The folder rel below dirfd, opened without following links; -1 with errno. */
int tree_open_dir(int dirfd, const char *rel);

/* ---- archive.c: libarchive, read only ------------------------------------ */

struct archive;
struct archive_entry;

/* 1 when name is one the importer unpacks: .zip, .tar, .tar.gz, .tgz, .tar.bz2, .tar.xz. */
int arc_is_archive(const char *name);
/* Reads the archive open at fd (zip, tar, 7z; gzip, bzip2, xz): the handle, or NULL with err. */
struct archive *arc_open(int fd, char *err);
void arc_close(struct archive *a);
/* The entry's path as UTF-8 when the archive says, else as stored. */
const char *arc_path(struct archive_entry *e);
/* 'f' a file, 'd' a folder, else 0 with *why: a link (symbolic or hard), a device, ... */
int arc_kind(struct archive_entry *e, const char **why);
/* The entry's mode for a file written from it: 0755 if any x bit, else 0644. */
mode_t arc_mode(struct archive_entry *e);
/* 1 for what macOS adds to a zip (__MACOSX/, .DS_Store): nobody's work, skipped unsaid. */
int is_mac_litter(const char *rel);
/* A reader of the current entry's data. */
struct reader arc_reader(struct archive *a);

/* Notes of one student: what is said on their page and in the manifest. */
struct notes {
	char **v;
	size_t n;
};
void notes_add(struct notes *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void notes_release(struct notes *ns);

/*
 * Unpacks the archive at rel below dirfd into the folder holding it, within
 * b; each refused entry (a path outside, a link, over the limits, a name
 * already there) is skipped with a note and the rest unpacked. *written
 * gets the number of files and folders made. Returns 0, 1 when the archive
 * cannot be read (a note says why; what it gave is kept), -1 with err when
 * the importer itself fails.
 */
int unpack_archive(int dirfd, const char *rel, struct budget *b, struct notes *ns,
		   long *written, char *err);

/* ---- source.c: the download -------------------------------------------- */

/* One entry of a download, as listed. */
struct src_entry {
	char *raw;		/* its name as the download gives it (for messages) */
	char *path;		/* that name cleaned (tree_clean_path); NULL when refused */
	int kind;		/* 'f' a file, 'd' a folder, 0 refused */
	const char *why;	/* why refused (static text), or NULL */
	mode_t mode;		/* a file's mode: 0644 or 0755 */
	char *text;		/* the contents, when the lister was asked to keep them */
	size_t text_len;
};

struct source {
	const char *path;	/* as given */
	int fd;			/* the folder or the archive, open */
	int is_archive;
	struct src_entry *v;	/* in the download's order (a folder's: sorted, depth first) */
	size_t n;
};

/*
 * Lists the folder or archive at path into s; keep(path) says which files'
 * contents to keep (up to 64 KiB). Links, devices and names that are
 * refused are listed with why; a folder named .git is listed, not walked.
 * 0, or -1 with err; source_release(s) after either.
 */
int source_list(struct source *s, const char *path, int (*keep)(const char *path), char *err);
/* Receives entry i of a source: r reads a file's data; NULL for a folder or an unreadable file. */
typedef int (*source_put_fn)(void *ctx, size_t i, const struct reader *r, char *err);
/* Calls put for each entry i with want[i], in order; 0, or -1 with err (put's or its own). */
int source_extract(struct source *s, const unsigned char *want, source_put_fn put, void *ctx,
		   char *err);
void source_release(struct source *s);
/* strcmp on char ** (qsort, bsearch). */
int cmp_strp(const void *a, const void *b);

/* ---- rename.c: the spec's source names ----------------------------------- */

/* What a source file's text shows (comments and literals left out). */
struct src_facts {
	int has_main;		/* defines main */
	int bind, listen, accept, connect, recvfrom, sendto;	/* calls them */
	int dgram;		/* names SOCK_DGRAM */
};

/* The role a program plays, from its spec (ready:) or a file from its calls. */
enum src_role {
	ROLE_NONE,		/* no main: a helper, or not a program */
	ROLE_TCP_SERVER,	/* listen or accept */
	ROLE_UDP_SERVER,	/* bind and recvfrom, no listen */
	ROLE_CLIENT,		/* connect or sendto, no bind, listen or accept */
	ROLE_UNCLEAR,		/* a main whose calls say no one role (both, or neither) */
};

void rename_scan(const char *text, size_t len, struct src_facts *f);
enum src_role rename_role(const struct src_facts *f);
/* tcp: ROLE_TCP_SERVER, udp: ROLE_UDP_SERVER, none: ROLE_CLIENT. */
enum src_role rename_program_role(const char *ready);
const char *rename_role_name(enum src_role r);

/* One file at the top of a hand-in, as the rename rule sees it. */
struct handin_file {
	const char *name;
	struct src_facts facts;	/* zero unless scanned (a file whose extension a source has) */
};

/*
 * The rename rule. For each program of spec with a single source that the
 * hand-in (files[0..n), its top level) lacks, the one file with the same
 * extension, not named as any source, whose role is the program's, is
 * renamed to it, when no other missing program has that role. Nothing is
 * renamed in a hand-in with a Makefile (its own rules name the files).
 * Renames go to *renamed (from, to: pointers into files and spec), and
 * each program left without its source gets a note saying why. Returns the
 * number of renames.
 */
size_t rename_decide(const struct spec *spec, const struct handin_file *files, size_t n,
		     struct import_rename **renamed, struct notes *ns);

/* ---- manifest.c ----------------------------------------------------------- */

/* A cell of import.tsv: \\ \t \n \r and other control bytes as \xHH; in lists also ; and >. */
void tsv_escape(struct strbuf *sb, const char *s, int in_list);

#endif
