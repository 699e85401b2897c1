/*
 * launch: a server is ready when one of its own sockets appears in LISTEN
 * state (TCP) or bound (UDP) in /proc/<pid>/net/{tcp,tcp6,udp,udp6}, with an
 * inode that /proc/<pid>/fd of the server or of one of its descendants points
 * to. Reading through the server's own /proc entry sees its network
 * namespace. Nothing here connects to the server: a readiness connect()
 * would use up the one accept() of a one-client server.
 */
#include "launch.h"
#include "sandbox.h"
#include "util.h"

#include <arpa/inet.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_INODES 1024
#define MAX_PIDS 256

struct inode_set {
	unsigned long v[MAX_INODES];
	int n;
};

int endpoint_is_any(const struct endpoint *ep)
{
	return !strcmp(ep->addr, "0.0.0.0") || !strcmp(ep->addr, "::");
}

static void add_socket_inodes(pid_t pid, struct inode_set *set)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d)) && set->n < MAX_INODES) {
		char link[96], target[128];
		if (e->d_name[0] == '.')
			continue;
		snprintf(link, sizeof link, "%s/%s", path, e->d_name);
		ssize_t n = readlink(link, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		unsigned long ino;
		if (sscanf(target, "socket:[%lu]", &ino) == 1)
			set->v[set->n++] = ino;
	}
	closedir(d);
}

/* 1 when pid's network namespace is the caller's: then netlink sees its sockets. */
static int same_netns(pid_t pid)
{
	char path[64];
	struct stat a, b;
	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)pid);
	return stat(path, &a) == 0 && stat("/proc/self/ns/net", &b) == 0 && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

/* pid and its descendants, through /proc/<pid>/task/<tid>/children. */
static int collect_pids(pid_t root, pid_t *pids, int max)
{
	int n = 0;
	pids[n++] = root;
	for (int i = 0; i < n; i++) {
		char path[64];
		snprintf(path, sizeof path, "/proc/%d/task", (int)pids[i]);
		DIR *d = opendir(path);
		if (!d)
			continue;
		struct dirent *e;
		while ((e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			char cpath[128];
			snprintf(cpath, sizeof cpath, "%s/%s/children", path, e->d_name);
			struct strbuf sb = STRBUF_INIT;
			if (read_file(cpath, &sb) == 0 && sb.buf) {
				char *s = sb.buf, *end;
				for (;;) {
					long c = strtol(s, &end, 10);
					if (end == s)
						break;
					if (n < max)
						pids[n++] = (pid_t)c;
					s = end;
				}
			}
			sb_release(&sb);
		}
		closedir(d);
	}
	return n;
}

static int has_inode(const struct inode_set *set, unsigned long ino)
{
	for (int i = 0; i < set->n; i++)
		if (set->v[i] == ino)
			return 1;
	return 0;
}

/* 1 when ino is among the first n of seen: a socket found once already. */
static int seen_before(const unsigned long *seen, int n, unsigned long ino)
{
	for (int i = 0; i < n; i++)
		if (seen[i] == ino)
			return 1;
	return 0;
}

static int parse_addr(const char *hex, int family, char *out, size_t outlen)
{
	if (family == AF_INET) {
		struct in_addr a;
		a.s_addr = (uint32_t)strtoul(hex, NULL, 16);
		return inet_ntop(AF_INET, &a, out, (socklen_t)outlen) ? 0 : -1;
	}
	struct in6_addr a6;
	if (strlen(hex) != 32)
		return -1;
	for (int i = 0; i < 4; i++) {
		char word[9];
		memcpy(word, hex + 8 * i, 8);
		word[8] = '\0';
		uint32_t w = (uint32_t)strtoul(word, NULL, 16);
		memcpy(&a6.s6_addr[4 * i], &w, 4);
	}
	return inet_ntop(AF_INET6, &a6, out, (socklen_t)outlen) ? 0 : -1;
}

static int scan_table(pid_t pid, const char *table, int family, const char *state,
		      const struct inode_set *set, struct endpoint *eps, unsigned long *seen, int n,
		      int max)
{
	char path[64];
	struct strbuf sb = STRBUF_INIT;

	snprintf(path, sizeof path, "/proc/%d/net/%s", (int)pid, table);
	if (read_file(path, &sb) < 0 || !sb.buf) {
		sb_release(&sb);
		return n;
	}
	char *save = NULL;
	char *line = strtok_r(sb.buf, "\n", &save);	/* the header */
	while ((line = strtok_r(NULL, "\n", &save)) && n < max) {
		char local[64], st[8];
		unsigned long ino;
		/* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
		if (sscanf(line, " %*s %63s %*s %7s %*s %*s %*s %*s %*s %lu", local, st, &ino) != 3)
			continue;
		if (strcmp(st, state) || !has_inode(set, ino))
			continue;
		/* the table is read in pieces while it changes: a line can come twice */
		if (seen_before(seen, n, ino))
			continue;
		seen[n] = ino;
		char *colon = strchr(local, ':');
		if (!colon)
			continue;
		*colon = '\0';
		struct endpoint *ep = &eps[n];
		ep->family = family;
		ep->port = (int)strtol(colon + 1, NULL, 16);
		if (parse_addr(local, family, ep->addr, sizeof ep->addr) < 0)
			continue;
		n++;
	}
	sb_release(&sb);
	return n;
}

/*
 * The same question asked of the kernel by sock_diag (netlink), which answers
 * in microseconds where /proc/net/tcp walks the whole connection hash table
 * (milliseconds on a machine with much memory). The harness's worker shares
 * its students' network namespace, so its netlink socket sees theirs.
 * Returns the new count, or -1 when netlink is not available (then /proc is read).
 */
static int diag_scan(int family, int protocol, uint32_t states, const struct inode_set *set,
		     struct endpoint *eps, unsigned long *seen, int n, int max)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -1;
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} msg;
	memset(&msg, 0, sizeof msg);
	msg.nlh.nlmsg_len = sizeof msg;
	msg.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	msg.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	msg.req.sdiag_family = (uint8_t)family;
	msg.req.sdiag_protocol = (uint8_t)protocol;
	msg.req.idiag_states = states;
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	if (sendto(fd, &msg, sizeof msg, 0, (struct sockaddr *)&nl, sizeof nl) < 0) {
		close(fd);
		return -1;
	}
	long buf[8192 / sizeof(long)];
	for (;;) {
		ssize_t len = recv(fd, buf, sizeof buf, 0);
		if (len < 0 && errno == EINTR)
			continue;
		if (len <= 0) {
			close(fd);
			return -1;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned int)len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return n;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				close(fd);
				return -1;
			}
			const struct inet_diag_msg *d = NLMSG_DATA(h);
			unsigned long ino = d->idiag_inode;
			if (n >= max || !has_inode(set, ino))
				continue;
			if (seen_before(seen, n, ino))
				continue;
			struct endpoint *ep = &eps[n];
			ep->family = d->idiag_family;
			ep->port = ntohs(d->id.idiag_sport);
			if (!inet_ntop(d->idiag_family, d->id.idiag_src, ep->addr, sizeof ep->addr))
				continue;
			seen[n++] = ino;
		}
	}
}

int launch_scan(pid_t pid, const char *proto, struct endpoint *eps, int max)
{
	pid_t pids[MAX_PIDS];
	struct inode_set *set = xcalloc(1, sizeof *set);
	int np = collect_pids(pid, pids, MAX_PIDS);
	int udp = !strcmp(proto, "udp");
	unsigned long *seen = xcalloc((size_t)max + 1, sizeof *seen);
	int n = 0;

	for (int i = 0; i < np; i++)
		add_socket_inodes(pids[i], set);
	if (set->n && same_netns(pid)) {
		uint32_t states = 1u << (udp ? TCP_CLOSE : TCP_LISTEN);
		int proto_num = udp ? IPPROTO_UDP : IPPROTO_TCP;
		int k = diag_scan(AF_INET, proto_num, states, set, eps, seen, n, max);
		if (k >= 0)
			k = diag_scan(AF_INET6, proto_num, states, set, eps, seen, k, max);
		if (k >= 0) {
			free(seen);
			free(set);
			return k;
		}
	}
	if (set->n) {
		/* TCP_LISTEN is 0A; an unconnected bound UDP socket is TCP_CLOSE, 07 */
		n = scan_table(pid, udp ? "udp" : "tcp", AF_INET, udp ? "07" : "0A", set, eps, seen, n,
			       max);
		n = scan_table(pid, udp ? "udp6" : "tcp6", AF_INET6, udp ? "07" : "0A", set, eps, seen,
			       n, max);
	}
	free(seen);
	free(set);
	return n;
}

int launch_wait_ready(struct sbproc *p, const char *proto, int64_t deadline,
		      struct endpoint *eps, int max, int *n, int64_t *blocked_us)
{
	int backoff = 1;

	*n = 0;
	for (;;) {
		if (sbproc_ended(p))
			return -1;
		*n = launch_scan(sbproc_pid(p), proto, eps, max);
		if (*n > 0)
			return 1;
		int left = ms_left(deadline);
		if (!left)
			return 0;
		/* wait for the process to end or for the next scan, whichever is first */
		struct pollfd fds[3];
		int nf = sbproc_pollfds(p, fds, 3);
		int64_t t0 = now_us();
		int r = poll(fds, (nfds_t)nf, backoff < left ? backoff : left);
		if (blocked_us)
			*blocked_us += now_us() - t0;
		if (r > 0)
			sbproc_events(p, fds, nf);
		if (backoff < 16)
			backoff *= 2;
	}
}

int launch_count_fds(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
	DIR *d = opendir(path);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

int launch_count_zombies(pid_t pid)
{
	pid_t pids[MAX_PIDS];
	int np = collect_pids(pid, pids, MAX_PIDS);
	int z = 0;

	for (int i = 1; i < np; i++) {
		char path[64];
		struct strbuf sb = STRBUF_INIT;
		snprintf(path, sizeof path, "/proc/%d/stat", (int)pids[i]);
		if (read_file(path, &sb) == 0 && sb.buf) {
			char *rp = strrchr(sb.buf, ')');
			if (rp && rp[1] == ' ' && rp[2] == 'Z')
				z++;
		}
		sb_release(&sb);
	}
	return z;
}

/* The state letter and the CPU time (utime + stime) of pid, from /proc/<pid>/stat; 0 if gone. */
static char proc_stat(pid_t pid, int64_t *cpu_ms)
{
	char path[64], state = 0;
	struct strbuf sb = STRBUF_INIT;
	unsigned long ut = 0, st = 0;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_file(path, &sb) == 0 && sb.buf) {
		char *rp = strrchr(sb.buf, ')');
		/* state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime */
		if (!rp || sscanf(rp + 1, " %c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &state,
				  &ut, &st) != 3)
			state = 0;
	}
	sb_release(&sb);
	if (cpu_ms) {
		long hz = sysconf(_SC_CLK_TCK);
		*cpu_ms = hz > 0 ? (int64_t)(ut + st) * 1000 / hz : 0;
	}
	return state;
}

char launch_proc_state(pid_t pid)
{
	return proc_stat(pid, NULL);
}

int launch_stopped(pid_t pid)
{
	char path[64];
	snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
	size_t n;
	char **tids = dir_names(path, 0, &n);
	if (!tids)
		return 1;
	int stopped = 1;
	for (size_t i = 0; i < n && stopped; i++) {
		char state = proc_stat((pid_t)atoi(tids[i]), NULL);
		/* a thread gone, or ending, holds nothing back */
		stopped = !state || state == 'T' || state == 'Z' || state == 'X';
	}
	names_free(tids, n);
	return stopped;
}

int launch_live_descendants(pid_t pid, struct live_proc *v, int max)
{
	pid_t pids[MAX_PIDS];
	int np = collect_pids(pid, pids, MAX_PIDS), n = 0;

	for (int i = 1; i < np && n < max; i++) {
		int64_t cpu;
		char state = proc_stat(pids[i], &cpu);
		if (!state || state == 'Z' || state == 'X')
			continue;
		v[n].pid = pids[i];
		v[n].cpu_ms = cpu;
		n++;
	}
	return n;
}

int launch_accept_backlog(pid_t pid)
{
	pid_t pids[MAX_PIDS];
	struct inode_set *set = xcalloc(1, sizeof *set);
	int np = collect_pids(pid, pids, MAX_PIDS), total = -1;
	static const char *const tables[] = { "tcp", "tcp6" };

	for (int i = 0; i < np; i++)
		add_socket_inodes(pids[i], set);
	for (size_t t = 0; t < 2 && set->n; t++) {
		char path[64];
		struct strbuf sb = STRBUF_INIT;
		snprintf(path, sizeof path, "/proc/%d/net/%s", (int)pid, tables[t]);
		if (read_file(path, &sb) == 0 && sb.buf) {
			char *save = NULL;
			char *line = strtok_r(sb.buf, "\n", &save);	/* the header */
			while ((line = strtok_r(NULL, "\n", &save))) {
				char st[8];
				unsigned long ino, rxq;
				/* sl local rem st tx_queue:rx_queue ...: a listener's rx_queue is its accept backlog */
				if (sscanf(line, " %*s %*s %*s %7s %*x:%lx %*s %*s %*s %*s %*s %lu", st, &rxq,
					   &ino) != 3 || strcmp(st, "0A") || !has_inode(set, ino))
					continue;
				total = (total < 0 ? 0 : total) + (int)rxq;
			}
		}
		sb_release(&sb);
	}
	free(set);
	return total;
}

const char *launch_port_held(int port)
{
	static const char *const names[] = {
		[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV", [4] = "FIN_WAIT1",
		[5] = "FIN_WAIT2", [6] = "TIME_WAIT", [7] = "CLOSE", [8] = "CLOSE_WAIT",
		[9] = "LAST_ACK", [11] = "CLOSING",
	};
	static const char *const tables[] = { "/proc/self/net/tcp", "/proc/self/net/tcp6" };
	const char *found = NULL;

	for (size_t t = 0; t < 2 && !(found && !strcmp(found, "TIME_WAIT")); t++) {
		struct strbuf sb = STRBUF_INIT;
		if (read_file(tables[t], &sb) == 0 && sb.buf) {
			char *save = NULL;
			char *line = strtok_r(sb.buf, "\n", &save);	/* the header */
			while ((line = strtok_r(NULL, "\n", &save))) {
				char local[64];
				unsigned st;
				if (sscanf(line, " %*s %63s %*s %x", local, &st) != 2)
					continue;
				char *colon = strrchr(local, ':');
				if (!colon || strtol(colon + 1, NULL, 16) != port || st >= sizeof names / sizeof *names ||
				    !names[st])
					continue;
				if (!found || st == 6)
					found = names[st];
			}
		}
		sb_release(&sb);
	}
	return found;
}

int launch_proc_exiting(pid_t pid)
{
	char path[64], state = 0;
	struct strbuf sb = STRBUF_INIT;
	unsigned long flags = 0;
	int r = 1;

	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	if (read_file(path, &sb) == 0 && sb.buf) {
		char *rp = strrchr(sb.buf, ')');
		/* state ppid pgrp session tty_nr tpgid flags */
		if (rp && sscanf(rp + 1, " %c %*d %*d %*d %*d %*d %lu", &state, &flags) == 2)
			r = state == 'Z' || state == 'X' || (flags & 0x4 /* PF_EXITING */);
	}
	sb_release(&sb);
	return r;
}
