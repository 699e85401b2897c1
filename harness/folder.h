/*
 * folder: each probe's own copy of a submission's scratch folder, so that
 * probes run at once never see each other's files (the files a probe writes
 * with write_file, the files its programs write), and the coverage data its
 * programs leave there, taken back into the scratch folder.
 */
#ifndef SG_FOLDER_H
#define SG_FOLDER_H

#include <stddef.h>

#include "probe.h"

/* Names in the scratch folder that start with this are the probes' copies, never copied themselves. */
#define FOLDER_PREFIX ".sockgrade-probe-"

/* The path of probe idx's copy of scratch (inside it, on its file system); to be freed. */
char *folder_path(const char *scratch, size_t idx);

/*
 * Copies the folder from into the new folder to: regular files (with their
 * permission bits) and folders, recursively; symbolic links and other kinds
 * are left out, and so are from's own entries named FOLDER_PREFIX*. Nothing is
 * followed. 0, or -errno with err (-ENOSPC: the file system of to is full).
 */
int folder_copy(const char *from, const char *to, char *err);

/*
 * Moves every .gcda file of the copy to the same place in scratch, replacing
 * what was there (the copy was made from scratch, so its counts include
 * scratch's): coverage counts carried from one probe to the next. 0, or -1
 * with err.
 */
int folder_take_gcda(const char *copy, const char *scratch, char *err);

/*
 * Runs probe, the idx-th of its submission, in a copy of env's workdir of its
 * own (env->folder), removed afterwards; with take_gcda its programs'
 * coverage data goes back into the workdir first (probes one after another:
 * each copy starts with the counts of those before). A copy that cannot be
 * made is a harness error in res, but for a full disk: only the submission's
 * programs write more than their copies there, so the probe fails, its why says so.
 */
void folder_probe_execute(const struct probe_env *env, const struct probe *probe, size_t idx,
			  int take_gcda, struct probe_result *res);

#endif
