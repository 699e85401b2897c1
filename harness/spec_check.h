/*
 * spec_check: static checks of a loaded spec (`check` and every grading run
 * load specs through spec_load_checked()): each
 * probe's steps followed in order; a name or variable used before it exists
 * and options that contradict each other are refused; doubtful texts warned.
 */
#ifndef SG_SPEC_CHECK_H
#define SG_SPEC_CHECK_H

struct spec;

/*
 * Checks spec. Returns 0, setting spec->warnings to lines "file:line:col:
 * warning: ..." (NULL when none), or -1 with err set to "file:line:col: what
 * is wrong (what to write instead)".
 */
int spec_check(struct spec *spec, char *err);
/* spec_load() and spec_check(): 0 and *out, or -1 with err set and *out NULL. */
int spec_load_checked(const char *path, struct spec **out, char *err);

#endif
