/* diag: the first real diagnostic of a failed build, as one line a student can act on. */
#ifndef SG_DIAG_H
#define SG_DIAG_H

#include <stddef.h>

/* What a diagnostic line came from. */
enum diag_kind {
	DIAG_NONE,		/* nothing found */
	DIAG_COMPILE,		/* the compiler: "file:line:col: error: ..." */
	DIAG_LINK,		/* the linker: undefined reference, multiple definition, -lx not found */
	DIAG_OTHER,		/* another line that says error (the driver, make) */
};

/*
 * The first error of GCC's -fdiagnostics-format=json output (one JSON array
 * per file compiled, maybe with text between them), as "file:line:col:
 * error: message"; errors and fatal errors count, warnings and notes do not.
 * Returns NULL when there is none; *arrays is set to the number of JSON
 * arrays read (0: the compiler does not speak JSON, scan its text instead).
 */
char *diag_first_json(const char *out, size_t len, int *arrays);

/*
 * The first error in a compiler's (or make's) text output, in output order:
 * a "file:line[:col]: error:" line, or a linker error tidied to what it says
 * (no ld prefix, no temporary object names or section offsets, `x' quoted
 * as 'x'); else the first other line that says error and is not a summary
 * ("collect2: error: ld returned 1 exit status", make's "Error 1"); else a
 * summary. Sets *kind (may be NULL); NULL when the log says nothing of errors.
 */
char *diag_first_text(const char *log, enum diag_kind *kind);

/*
 * A copy of len bytes of text with the folder dir named relative to itself:
 * "dir/" is removed and "dir" alone becomes ".". Sets *outlen (may be NULL).
 */
char *diag_strip_dir(const char *text, size_t len, const char *dir, size_t *outlen);

#endif
