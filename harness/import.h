/*
 * import: an LMS download in (Canvas, Moodle, Blackboard, or one folder per
 * student), laid out as <root>/<lab>/<student>/, and the manifest it leaves
 * there, <root>/<lab>/import.tsv, which the grader reads (what a student's
 * page says about the hand-in) and the report stage too (the gradebook
 * files). The code is in import/:
 *
 *   import/names.c     the LMSs' file names, parsed; folder names made safe
 *   import/source.c    the download: a folder or an archive, listed and read
 *   import/unpack.c    archives inside a hand-in, unpacked within limits
 *   import/rename.c    files renamed to the spec's source names, when unambiguous
 *   import/manifest.c  import.tsv, written and read
 *   import/claims.c    the download read into students: its format, whose each entry is
 *   import/handin.c    a student's entries copied, unpacked, hoisted, renamed
 *   import/import.c    the driver, import_lab() in stages; the manifest written
 *
 * The importer writes below <root>/<lab>/ and nowhere else: a student's
 * folder is made in <root>/<lab>/.import.tmp/ and moved into place whole.
 */
#ifndef SG_IMPORT_H
#define SG_IMPORT_H

#include <stddef.h>

struct json_writer;

struct import_opts {
	const char *spec_path;	/* specs/<lab>.yaml: the lab's name and its programs' sources */
	const char *from;	/* the download: a .zip/.tar(.gz) or a folder */
	const char *root;	/* the submissions root: <root>/<lab>/ receives (default submissions) */
	const char *format;	/* canvas, moodle, blackboard, folders; NULL or "" guesses */
};

/*
 * Imports o->from into <root>/<lab>/, printing a line per student and one
 * per refusal. Returns 0 (entries refused, or hand-ins left as they are, are
 * said, not failures), or -1 with err when nothing could be imported: the
 * spec, the download or the target cannot be read or written, or the format
 * is not known.
 */
int import_lab(const struct import_opts *o, char *err);

/* ---- the manifest: <root>/<lab>/import.tsv -------------------------------- */

struct import_rename {
	char *from;		/* the name as handed in (a path inside the hand-in) */
	char *to;		/* the name it was given */
};

/* One student folder's line of import.tsv. */
struct import_row {
	char *student;		/* the folder's name below <root>/<lab>/ */
	char *lms;		/* canvas, moodle, blackboard or folders */
	char *id;		/* the LMS's id: Canvas user id, Moodle participant id, Blackboard username */
	char *name;		/* the student's name as the LMS writes it */
	char *submission;	/* Canvas submission id, Blackboard attempt (date-time); "" if none */
	int late;		/* 1: the LMS marked the hand-in late */
	struct import_rename *renamed;	/* what the importer renamed */
	size_t nrenamed;
	char **older;		/* files handed in but not used: an earlier upload or attempt */
	size_t nolder;
	char **notes;		/* refusals, hand-ins left as they are, and why */
	size_t nnotes;
	char *line;		/* the line as written, for fingerprints */
};

struct import_manifest {
	struct import_row *rows;	/* sorted by student */
	size_t n;
};

/*
 * Reads path into m (zeroed first). Returns 1 when read, 0 when there is no
 * such file (m empty), -1 with err when it cannot be read or is not an
 * import manifest. import_manifest_release(m) after any of them.
 */
int import_manifest_load(const char *path, struct import_manifest *m, char *err);
/* Writes m (rows sorted by student) to path atomically; 0, or -1 with err. */
int import_manifest_write(const char *path, const struct import_manifest *m, char *err);
/* The row of student, or NULL. */
const struct import_row *import_manifest_find(const struct import_manifest *m, const char *student);
void import_manifest_release(struct import_manifest *m);
void import_row_release(struct import_row *r);
/* The row as results.json's extra_data.import (specs/RESULTS.md); NULL writes null. */
void import_row_json(struct json_writer *w, const struct import_row *r);

/* An LMS's name as people write it: "Canvas" for "canvas"; s itself if unknown. */
const char *import_lms_title(const char *lms);

#endif
