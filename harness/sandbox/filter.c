/*
 * sandbox/filter.c - what a box process may not ask of the kernel.
 *
 * Namespaces do not separate two things a box could use to reach another
 * box or the grader:
 *  - kernel keyrings: a process keeps the session keyring of whoever started
 *    the grader (pam_keyinit under `su -`, a systemd service), and a user
 *    id's user keyring outlives its processes, so boxes that reuse a user id
 *    of the pool would share it. Every box gets a session keyring of its own
 *    (box_keyrings_fresh, in its init), its user's keyrings are emptied once
 *    it runs as that user (box_keyrings_clear), and the key syscalls are
 *    refused to student code (the filter below);
 *  - user namespaces: in one of its own, a process holds every capability
 *    and can mount tmpfs and proc (more kernel surface to attack). The filter
 *    refuses new namespaces of any kind: unshare(), clone() with a CLONE_NEW*
 *    flag, setns(); clone3(), whose flags a filter cannot read, answers ENOSYS
 *    so that the C library falls back to clone().
 * The filter is installed last before exec, after no_new_privs; it refuses
 * with EPERM (ENOSYS for clone3) and never kills, so that a program sees a
 * failed call and a grade says what it did.
 */
#include "filter.h"

#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/keyctl.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#elif defined(__i386__)
#define FILTER_ARCH AUDIT_ARCH_I386
#endif

#define NS_FLAGS                                                                                   \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET |  \
	 CLONE_NEWCGROUP)

int box_keyrings_fresh(void)
{
	/* an anonymous session keyring of the box's own: nothing of the grader's is reachable */
	return syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL) < 0 ? -1 : 0;
}

int box_keyrings_clear(void)
{
	/* what an earlier box of the same user id left; a user that has none yet gets empty ones */
	if (syscall(SYS_keyctl, KEYCTL_CLEAR, KEY_SPEC_USER_KEYRING) < 0)
		return -1;
	if (syscall(SYS_keyctl, KEYCTL_CLEAR, KEY_SPEC_USER_SESSION_KEYRING) < 0)
		return -1;
	return 0;
}

#ifdef FILTER_ARCH

#define LOAD_NR BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr))
#define LOAD_ARG0_LO BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]))
#define REFUSE(err) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ((err) & SECCOMP_RET_DATA))
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)
/* if nr == n: the next instruction, else skip one */
#define IF_NR(n) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (n), 0, 1)

int box_filter_install(void)
{
	struct sock_filter prog[] = {
		/* another architecture's system call numbers mean other calls: refuse them all */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 1, 0),
		REFUSE(EPERM),
		LOAD_NR,
#ifdef __x86_64__
		/* the x32 ABI reaches the same calls by other numbers */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000u, 0, 1),
		REFUSE(EPERM),
#endif
		IF_NR(SYS_add_key), REFUSE(EPERM),
		IF_NR(SYS_request_key), REFUSE(EPERM),
		IF_NR(SYS_keyctl), REFUSE(EPERM),
		IF_NR(SYS_setns), REFUSE(EPERM),
		IF_NR(SYS_unshare), REFUSE(EPERM),
#ifdef SYS_clone3
		IF_NR(SYS_clone3), REFUSE(ENOSYS),
#endif
		/* clone: its flags are the first argument (the low word holds every CLONE_NEW*) */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 1, 0),
		ALLOW,
		LOAD_ARG0_LO,
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NS_FLAGS, 0, 1),
		REFUSE(EPERM),
		ALLOW,
	};
	struct sock_fprog fprog = { .len = sizeof prog / sizeof *prog, .filter = prog };
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog, 0, 0) < 0 ? -1 : 0;
}

#else

int box_filter_install(void)
{
	errno = ENOSYS;	/* no filter for this architecture: the box is not started */
	return -1;
}

#endif
