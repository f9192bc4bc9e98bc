/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application side of AF_INET6 stream sockets: connect()'s checks as
 * Linux's tcp_v6_connect() makes them, then the lcore's part
 * (dps_tcp6_do_connect(), through DPS_REQ_CONNECT6), and the
 * peer's name accept() writes. bind(), listen(), getsockname() and
 * getpeername() are the datagram sockets' (dps_sock6.c) and the IPv4
 * stream code's; docs/connect.md ("AF_INET6 stream sockets") lists the
 * steps against Linux's.
 */
#include <errno.h>
#include <rte_byteorder.h>
#include "dps_sock_priv.h"
#include "dps_wire6.h"

#define SIN6_LEN_RFC2133 24		/* sockaddr_in6 without sin6_scope_id */

/* The scope id a connect() to @sin6 takes: a link-local destination
 * needs one, from the name or the socket, and the two must agree. */
static int
stream6_scope(const struct dps_sock6_side *v6, const struct sockaddr_in6 *sin6,
	socklen_t len, uint32_t *scope)
{
	*scope = v6->scope;
	if (!dps_ip6_is_linklocal(sin6->sin6_addr.s6_addr))
		return 0;
	if (len >= sizeof(*sin6) && sin6->sin6_scope_id != 0) {
		if (*scope != 0 && *scope != sin6->sin6_scope_id)
			return -EINVAL;
		*scope = sin6->sin6_scope_id;
	}
	return *scope == 0 ? -EINVAL : 0;
}

/* Which lcore runs the connect: with a bound port, the owner of the
 * tuple (RSS over the IPv6 tuple); else the caller's own lcore when it
 * is one, else round robin per thread (as connect_owner() for IPv4). */
static unsigned int
stream6_owner(struct dps_sock *sk, const uint8_t src[16])
{
	static __thread unsigned int rr;
	const struct dps_sock6_side *v6 = dps_sock6_c(sk);
	struct dps_stack *s = sk->stack;
	int self = dps_stack_self(s);

	if (dps_sock_lport(sk) != 0) {
		struct dps_tuple6 t = { .lport = dps_sock_lport(sk),
			.rport = sk->tup.rport, .proto = IPPROTO_TCP };

		memcpy(t.laddr, dps_ip6_is_unspecified(v6->laddr) ? src : v6->laddr, 16);
		memcpy(t.raddr, v6->raddr, 16);
		return dps_flow_owner6(dps_socks(s), &t);
	}
	if (self >= 0)
		return (unsigned int)self;
	return rr++ % s->n_lcores;
}

/*
 * A v4-mapped destination on a dual-stack socket: tcp_v4_connect()
 * (dps_stream_connect4()), the socket's names v4-mapped (Linux's
 * ipv6_mapped: the IPv4 halves are the connection's).
 */
static int
stream6_connect_mapped(struct dps_sock *sk, const struct sockaddr_in6 *sin6)
{
	struct dps_sock6_side *v6 = dps_sock6(sk);
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = sin6->sin6_port,
		.sin_addr.s_addr = dps_ip6_mapped_v4(sin6->sin6_addr.s6_addr) };
	int rc;

	if (v6->v6only)
		return -ENETUNREACH;
	/* The peer's name first: a connect that fails or is interrupted
	 * forgets it again (tcp_forget()). */
	dps_ip6_set_mapped(v6->raddr, sin.sin_addr.s_addr);
	rc = dps_stream_connect4(sk, &sin, sizeof(sin));
	if (rc != 0 && rc != -EINPROGRESS) {
		memset(v6->raddr, 0, 16);
		return rc;
	}
	if (dps_ip6_is_unspecified(v6->laddr) ||
			(dps_ip6_is_v4mapped(v6->laddr) && dps_ip6_mapped_v4(v6->laddr) == 0))
		dps_ip6_set_mapped(v6->laddr, dps_sock_laddr(sk));
	return rc;
}

/*
 * tcp_v6_connect(), under the socket lock: the checks in Linux's order,
 * then the lcore's part; a v4-mapped destination is an IPv4 connection
 * (above), ENETUNREACH on a v6-only socket.
 */
int
dps_sock6_stream_connect(struct dps_sock *sk, const struct sockaddr_storage *a,
	socklen_t len)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)a;
	struct dps_sock6_side *v6 = dps_sock6(sk);
	const uint8_t *dst = sin6->sin6_addr.s6_addr;
	uint32_t scope;
	uint8_t src[16];
	int rc;

	if (len < SIN6_LEN_RFC2133)
		return -EINVAL;
	if (a->ss_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (dps_ip6_is_multicast(dst))
		return -ENETUNREACH;
	rc = stream6_scope(v6, sin6, len, &scope);
	if (rc != 0)
		return rc;
	if (dps_ip6_is_v4mapped(dst))
		return stream6_connect_mapped(sk, sin6);
	rc = dps_udp6_route(sk, dst, scope, src);
	if (rc != 0)
		return rc;
	/* Linux 6.18 refuses it past the route lookup, as for IPv4. */
	if (sk->roles & DPS_ROLE_LISTENED)
		return -EINVAL;
	sk->roles |= DPS_ROLE_CONNECTED;
	memcpy(v6->raddr, dst, 16);
	v6->scope = scope;
	sk->tup.raddr = 0;
	sk->tup.rport = sin6->sin6_port;
	rc = dps_sock_lcore_call(sk, stream6_owner(sk, src), DPS_REQ_CONNECT6);
	if (rc != 0) {
		memset(v6->raddr, 0, 16);
		sk->tup.rport = 0;
	}
	return rc;
}

/* The peer's name accept() writes (inet6_getname() with peer 2: no state
 * check, the connection may have ended since). */
int
dps_sock6_peer_name(struct dps_sock *sk, struct sockaddr *addr, socklen_t *len)
{
	const struct dps_sock6_side *v6 = dps_sock6_c(sk);
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_port = sk->tup.rport };

	memcpy(sin6.sin6_addr.s6_addr, v6->raddr, 16);
	if (dps_ip6_is_linklocal(v6->raddr))
		sin6.sin6_scope_id = v6->scope;
	return dps_put_addr(&sin6, sizeof(sin6), addr, len);
}
