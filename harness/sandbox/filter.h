#ifndef SOCKGRADE_SANDBOX_FILTER_H
#define SOCKGRADE_SANDBOX_FILTER_H

/*
 * Walls that namespaces do not give, for box processes only (see the comment
 * atop filter.c). Each returns 0, or -1 with errno set.
 */

/* In the box's init: a new, empty session keyring, the box's own. */
int box_keyrings_fresh(void);
/* Once running as the box's user id: empty that user's user and user-session keyrings. */
int box_keyrings_clear(void);
/* Last before exec (after no_new_privs): refuse key syscalls and new namespaces. */
int box_filter_install(void);

#endif
