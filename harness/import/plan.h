/*
 * import/plan.h: the plan of one import, shared by the driver (import.c), the
 * reading of the download into students (claims.c) and the work on each
 * student's copied hand-in (handin.c); not for other modules or the tests.
 */
#ifndef SG_IMPORT_PLAN_H
#define SG_IMPORT_PLAN_H

#include <stddef.h>
#include <sys/types.h>

#include "lms.h"

enum format { F_CANVAS, F_MOODLE, F_BLACKBOARD, F_FOLDERS, F_NONE };
/* Per enum format: its name (FORMAT=) and the shape of its names, for messages. */
extern const char *const plan_format_names[];
extern const char *const plan_format_shapes[];

/* The staging folder below <lab>/: a dot name, which the grader skips. */
#define STAGE ".import.tmp"

/* What one entry of the download is to the plan. */
struct claim {
	char *key;		/* whose (the LMS's id); NULL: no student's */
	char *name;		/* the student's name as the LMS writes it, or NULL */
	char *rel;		/* where in the student's folder ("" the folder itself) */
	char *shown;		/* the file's own name as handed in, for lists */
	char *submission;	/* Canvas submission id */
	char *when;		/* Blackboard attempt */
	int late;		/* Canvas _LATE_ */
	int receipt;		/* a Blackboard receipt: read, never copied */
	int resub;		/* Canvas: the N of a -N resubmission, 0 for none */
};

struct student {
	char *key;		/* the LMS's id */
	char *folder;		/* its folder's name below <lab>/ */
	char *name;		/* as the LMS writes it */
	char *submission;	/* Canvas submission id, Blackboard attempt */
	int late;
	struct budget b;	/* what its folder may still take */
	struct notes notes;	/* refusals and what was left as it is */
	struct notes older;	/* files handed in but not used */
	struct import_rename *renamed;
	size_t nrenamed;
	long refused, over, unlisted;	/* refusals: said, past the file limit, past the cap */
	int git;		/* a .git folder was left out */
	long files;		/* files in its folder at the end */
};

struct plan {
	const struct spec *spec;
	struct source src;
	enum format fmt;
	char *prefix;		/* a folder the whole download sits in, with its '/', or "" */
	struct claim *claims;	/* per entry */
	ssize_t *owner;		/* per entry: its student, or -1 */
	unsigned char *want;	/* per entry: 1 to be copied */
	struct student *st;
	size_t nst;
	struct notes skipped;	/* what belongs to no student */
	struct bb_receipt *receipts;	/* Blackboard: per entry, what a receipt says */
	char *assignment;	/* Blackboard: the assignment part of every name */
	int stagefd;		/* <lab>/.import.tmp */
};

/* import.c: the part of path below the plan's prefix, or NULL when it is not below it. */
const char *plan_below(const struct plan *P, const char *path);

/* claims.c, in this order: the format, each entry's claim, the students, what is copied. */
int plan_tell_format(struct plan *P, const char *given, char *err);
void plan_make_claims(struct plan *P);
void plan_make_students(struct plan *P, const struct import_manifest *old, int labfd);
void plan_choose_entries(struct plan *P);

/* handin.c: an entry copied into its student's staged folder (a source_put_fn). */
int plan_put_entry(void *ctx, size_t i, const struct reader *r, char *err);
/* handin.c: everything after the copy, in s's staged folder; 0, or -1 with err. */
int plan_finish_student(struct plan *P, struct student *s, char *err);

#endif
