/*
 * probe/inet: the address families of a probe. What start's address and
 * dual_stack options demand of a server's listening sockets, and the peer
 * address of a connection ({peer_host}, {peer_port}) that a program may print.
 *
 * Whether an IPv6 socket also takes IPv4 (IPV6_V6ONLY off) is not in
 * /proc/net/tcp6: it is asked of the kernel's socket diagnostics
 * (NETLINK_SOCK_DIAG, INET_DIAG_SKV6ONLY), in the probe's own network
 * namespace, where the programs' sockets are.
 */
#include "run.h"
#include "launch.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define TCP_LISTEN_STATE 10

/*
 * The IPV6_V6ONLY setting of the IPv6 TCP socket listening on port, from the
 * kernel: 1 or 0, -1 when no such socket is found, or -2 with err when the
 * kernel cannot be asked.
 */
static int v6only_of(int port, char *err, size_t errlen)
{
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		snprintf(err, errlen, "socket diagnostics: %s", strerror(errno));
		return -2;
	}
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;
	memset(&req, 0, sizeof req);
	req.nlh.nlmsg_len = sizeof req;
	req.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.r.sdiag_family = AF_INET6;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = 1u << TCP_LISTEN_STATE;
	if (send(fd, &req, sizeof req, 0) < 0) {
		snprintf(err, errlen, "socket diagnostics: %s", strerror(errno));
		close(fd);
		return -2;
	}
	int found = -1;
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (int done = 0; !done;) {
		/* the kernel answers at once; a bound keeps a broken answer from hanging the probe */
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 1000) <= 0) {
			snprintf(err, errlen, "socket diagnostics: no answer");
			found = -2;
			break;
		}
		ssize_t k = recv(fd, buf, sizeof buf, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			snprintf(err, errlen, "socket diagnostics: %s", k < 0 ? strerror(errno) : "no answer");
			found = -2;
			break;
		}
		size_t left = (size_t)k;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				snprintf(err, errlen, "socket diagnostics: %s", strerror(-e->error));
				found = -2;
				done = 1;
				break;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
				continue;
			const struct inet_diag_msg *m = NLMSG_DATA(h);
			if (ntohs(m->id.idiag_sport) != port)
				continue;
			int alen = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
			for (const struct rtattr *a = (const struct rtattr *)(m + 1); RTA_OK(a, alen);
			     a = RTA_NEXT(a, alen))
				if (a->rta_type == INET_DIAG_SKV6ONLY && RTA_PAYLOAD(a) >= 1)
					found = *(const unsigned char *)RTA_DATA(a) ? 1 : 0;
		}
	}
	close(fd);
	if (found == -1)
		snprintf(err, errlen, "no IPv6 socket listens on port %d", port);
	return found;
}

int check_listen_address(struct probe_run *r, const struct step *s, const char *program,
			 const struct endpoint *eps, int n, const struct endpoint *ep)
{
	const char *addr = opt_text(s, "address", NULL);
	const struct step_arg *ds = step_opt(s, "dual_stack");
	int want_dual = ds && ds->num;
	const struct endpoint *v4 = NULL, *v6 = NULL;

	/* the sockets on the probed port, by family: a server may listen on both */
	for (int i = 0; i < n; i++) {
		if (eps[i].port != ep->port || !endpoint_is_any(&eps[i]))
			continue;
		if (eps[i].family == AF_INET6)
			v6 = &eps[i];
		else
			v4 = &eps[i];
	}
	if (addr && !strcmp(addr, "any") && !endpoint_is_any(ep))
		return fail(r, "%s listens on %s only, not on every address", program, ep->addr);
	if (addr && !strcmp(addr, "0.0.0.0") && !v4)
		return fail(r, "%s does not listen on every IPv4 address (0.0.0.0) of port %d: it listens "
			       "on %s; bind an AF_INET socket to INADDR_ANY", program, ep->port, ep->addr);
	if (addr && !strcmp(addr, "::") && !v6)
		return fail(r, "%s does not listen on IPv6 (::) port %d: it listens on %s only; use an "
			       "AF_INET6 socket bound to in6addr_any", program, ep->port, ep->addr);
	if (!want_dual)
		return 0;
	if (!v6)
		return fail(r, "%s listens on %s only, not on IPv6 and IPv4 both (dual stack): use an "
			       "AF_INET6 socket bound to in6addr_any with IPV6_V6ONLY set to 0",
			    program, ep->addr);
	if (v4) {
		note(r, EV_NOTE, program, "listens on 0.0.0.0 and :: port %d: two sockets, both families",
		     ep->port);
		return 0;
	}
	char err[ERRLEN];
	int only = v6only_of(ep->port, err, sizeof err);
	if (only == -2)
		return fail(r, "harness error: cannot tell whether %s's IPv6 socket takes IPv4 too: %s",
			    program, err);
	if (only != 0)
		return fail(r, "%s listens on IPv6 only (:: with IPV6_V6ONLY set), so IPv4 clients are "
			       "refused: set IPV6_V6ONLY to 0 before bind(), or listen on 0.0.0.0 too",
			    program);
	note(r, EV_NOTE, program, "listens on :: port %d with IPV6_V6ONLY off: IPv6 and IPv4",
	     ep->port);
	return 0;
}

void set_peer_vars(struct probe_run *r, const struct conn *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[INET6_ADDRSTRLEN] = "";
	int port = 0;
	if (getsockname(c->fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		port = ntohs(a->sin6_port);
	} else {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		port = ntohs(a->sin_port);
	}
	char name[96];
	var_set(r, "peer_host", host, strlen(host));
	var_set_int(r, "peer_port", port);
	snprintf(name, sizeof name, "%s.peer_host", c->name);
	var_set(r, name, host, strlen(host));
	snprintf(name, sizeof name, "%s.peer_port", c->name);
	var_set_int(r, name, port);
}
