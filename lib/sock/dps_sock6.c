/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application side of AF_INET6 datagram sockets: bind(), connect(),
 * getsockname() and getpeername() with Linux's checks (net/ipv6/
 * af_inet6.c __inet6_bind() and inet6_getname(), datagram.c
 * __ip6_datagram_connect()), v4-mapped addresses on a dual-stack socket
 * handed to the IPv4 code, and IPV6_V6ONLY. The calls come here from
 * dps_sock_api.c when the socket is an AF_INET6 one; docs/connect.md
 * ("AF_INET6 datagram sockets") lists the steps.
 *
 * Scope ids: dpstack's interface index plus one (a Linux ifindex is
 * never 0); a link-local address needs one to bind or connect, and
 * names carry it back for link-local addresses only, as
 * ipv6_iface_scope_id() does.
 */
#include <errno.h>
#include <rte_byteorder.h>
#include "dps_sock_priv.h"
#include "dps_wire6.h"

#define SIN6_LEN_RFC2133 24		/* sockaddr_in6 without sin6_scope_id */

/* __ipv6_addr_needs_scope_id(): link-local unicast, and groups of
 * interface-local or link-local scope. */
static bool
needs_scope(const uint8_t a[16])
{
	return dps_ip6_is_linklocal(a) ||
		(dps_ip6_is_multicast(a) && (a[1] & 0xf) <= DPS_IP6_SCOPE_LINK);
}

/* The scope id of a name holding @a (ipv6_iface_scope_id()). */
static uint32_t
name_scope(const struct dps_sock6_side *v6, const uint8_t a[16])
{
	return needs_scope(a) ? v6->scope : 0;
}

/* The address part of a v4-mapped bind, as inet_bind() checks it. */
static int
bind_mapped(struct dps_sock *sk, uint32_t v4)
{
	if (dps_sock6(sk)->v6only)
		return -EINVAL;	/* a v4-mapped address on a v6-only socket */
	if (v4 != INADDR_ANY && v4 != INADDR_BROADCAST && !dps_ip_is_ours(sk->stack, v4))
		return -EADDRNOTAVAIL;
	return 0;
}

/* The address part of an IPv6 bind: a scoped address needs an interface
 * (the name's scope id, or the one the socket has), and a unicast
 * address must be one of ours and usable (ipv6_chk_addr()). */
static int
bind_v6(struct dps_sock *sk, const struct sockaddr_in6 *sin6, socklen_t len,
	uint32_t *scope)
{
	const uint8_t *a = sin6->sin6_addr.s6_addr;

	if (dps_ip6_is_unspecified(a))
		return 0;
	if (needs_scope(a)) {
		if (len >= sizeof(*sin6) && sin6->sin6_scope_id != 0)
			*scope = sin6->sin6_scope_id;
		if (*scope == 0)
			return -EINVAL;
	}
	if (*scope > sk->stack->n_ifaces)
		return -ENODEV;
	if (!dps_ip6_is_multicast(a) && !dps_udp6_is_ours(sk->stack, a, *scope))
		return -EADDRNOTAVAIL;
	return 0;
}

/* __inet6_bind(), under the socket lock. */
int
dps_sock6_bind(struct dps_sock *sk, const struct sockaddr_storage *st, socklen_t len)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)st;
	struct dps_sock6_side *v6 = dps_sock6(sk);
	const uint8_t *a = sin6->sin6_addr.s6_addr;
	uint16_t port = rte_be_to_cpu_16(sin6->sin6_port);
	bool mapped = dps_ip6_is_v4mapped(a), any = dps_ip6_is_unspecified(a);
	bool saved_only = v6->v6only;
	uint32_t scope = v6->scope;
	int rc;

	if (len < SIN6_LEN_RFC2133)
		return -EINVAL;
	if (sin6->sin6_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (dps_sock_lport(sk) != 0 || dps_sock_state(sk) != DPS_TCP_CLOSE)
		return -EINVAL;
	rc = mapped ? bind_mapped(sk, dps_ip6_mapped_v4(a)) : bind_v6(sk, sin6, len, &scope);
	if (rc != 0)
		return rc;
	/* The address first: the port map publishes the socket with it. */
	memcpy(v6->laddr, a, 16);
	dps_sock_set_laddr(sk, mapped ? dps_ip6_mapped_v4(a) : 0);
	v6->scope = scope;
	if (!any && !mapped)
		v6->v6only = true;	/* Linux: an IPv6 address takes IPv6 alone */
	if (port != 0 || !sk->opt.bind_no_port) {
		rc = dps_sock_bind_port(sk, port);
		if (rc != 0) {
			v6->v6only = saved_only;
			memset(v6->laddr, 0, 16);
			dps_sock_set_laddr(sk, 0);
			return rc;
		}
		dps_sock_set_explicit_bind(sk, true);
	}
	if (!any)
		sk->userlocks |= DPS_BINDADDR_LOCK;
	if (port != 0)
		sk->userlocks |= DPS_BINDPORT_LOCK;
	return 0;
}

/* After an IPv4 connect of a dual-stack socket (ipv4_connected in
 * __ip6_datagram_connect()): the IPv6 names of both ends, v4-mapped. */
static void
connected_v4(struct dps_sock *sk)
{
	struct dps_sock6_side *v6 = dps_sock6(sk);

	dps_ip6_set_mapped(v6->raddr, sk->tup.raddr);
	if (dps_ip6_is_unspecified(v6->laddr) ||
			(dps_ip6_is_v4mapped(v6->laddr) && dps_ip6_mapped_v4(v6->laddr) == 0))
		dps_ip6_set_mapped(v6->laddr, dps_sock_laddr(sk));
}

/* An AF_INET name, or a v4-mapped one, on a dual-stack socket. */
static int
connect_v4(struct dps_sock *sk, const struct sockaddr_storage *a, socklen_t len)
{
	int rc = dps_dgram_connect4(sk, a, len);

	if (rc == 0)
		connected_v4(sk);
	return rc;
}

/* A scoped destination takes the name's scope id, which must agree with
 * the socket's interface; it needs one. */
static int
connect_scope(struct dps_sock *sk, const struct sockaddr_in6 *sin6, socklen_t len,
	uint32_t *scope)
{
	uint32_t have = dps_sock6(sk)->scope;

	*scope = have;
	if (!needs_scope(sin6->sin6_addr.s6_addr))
		return 0;
	if (len >= sizeof(*sin6) && sin6->sin6_scope_id != 0) {
		if (have != 0 && have != sin6->sin6_scope_id)
			return -EINVAL;
		*scope = sin6->sin6_scope_id;
	}
	return *scope == 0 ? -EINVAL : 0;
}

/* __ip6_datagram_connect(), after inet_dgram_connect()'s autobind
 * (dgram_connect() in dps_sock_api.c), under the socket lock. */
int
dps_sock6_connect(struct dps_sock *sk, const struct sockaddr_storage *a, socklen_t len)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)a;
	struct dps_sock6_side *v6 = dps_sock6(sk);
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint8_t src[16];
	uint32_t scope;
	int rc;

	if (a->ss_family == AF_INET)
		return v6->v6only ? -EAFNOSUPPORT : connect_v4(sk, a, len);
	if (len < SIN6_LEN_RFC2133)
		return -EINVAL;
	if (a->ss_family != AF_INET6)
		return -EAFNOSUPPORT;
	if (dps_ip6_is_v4mapped(sin6->sin6_addr.s6_addr)) {
		if (v6->v6only)
			return -ENETUNREACH;
		sin.sin_port = sin6->sin6_port;
		sin.sin_addr.s_addr = dps_ip6_mapped_v4(sin6->sin6_addr.s6_addr);
		return connect_v4(sk, (const struct sockaddr_storage *)&sin, sizeof(sin));
	}
	rc = connect_scope(sk, sin6, len, &scope);
	if (rc == 0)
		rc = dps_udp6_route(sk, sin6->sin6_addr.s6_addr, scope, src);
	if (rc != 0)
		return rc;	/* the old peer, if any, stays */
	v6->scope = scope;
	if (dps_ip6_is_unspecified(v6->laddr))
		memcpy(v6->laddr, src, 16);
	memcpy(v6->raddr, sin6->sin6_addr.s6_addr, 16);
	sk->tup.raddr = 0;
	sk->tup.rport = sin6->sin6_port;
	/* A flow hash of its own from now on, for its datagrams' label
	 * (sk_set_txhash() in __ip6_datagram_connect()). Relaxed: read by
	 * this socket's sends alone, which the lock orders. */
	__atomic_store_n(&v6->flow, dps_ip6_label(sk->stack, dps_ip6_txhash()),
		__ATOMIC_RELAXED);
	dps_sock_publish_state(sk, DPS_TCP_ESTABLISHED);
	return 0;
}

/* inet6_getname(): the bound (or chosen) address, or the peer; flow info
 * 0 (no IPV6_FLOWINFO_SEND). */
int
dps_sock6_name(struct dps_sock *sk, bool peer, struct sockaddr *addr, socklen_t *len)
{
	const struct dps_sock6_side *v6 = dps_sock6_c(sk);
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6 };
	uint8_t st = dps_sock_state(sk);

	if (peer) {
		/* A stream's peer is named once connected (inet6_getname()). */
		if (sk->tup.rport == 0 || st == DPS_TCP_CLOSE ||
				(st == DPS_TCP_SYN_SENT && sk->type == SOCK_STREAM))
			return -ENOTCONN;
		sin6.sin6_port = sk->tup.rport;
		memcpy(sin6.sin6_addr.s6_addr, v6->raddr, 16);
	} else {
		sin6.sin6_port = dps_sock_lport(sk);
		/* A stream whose connection failed or was disconnected has
		 * given its port back, but inet_sport still names it
		 * (tcp_forget() keeps it), as for AF_INET. */
		if (sin6.sin6_port == 0 && sk->type == SOCK_STREAM)
			sin6.sin6_port = sk->old_sport;
		memcpy(sin6.sin6_addr.s6_addr, v6->laddr, 16);
	}
	sin6.sin6_scope_id = name_scope(v6, sin6.sin6_addr.s6_addr);
	return dps_put_addr(&sin6, sizeof(sin6), addr, len);
}

/* udp_disconnect()'s IPv6 part: the peer goes, and the address and its
 * interface unless bind() named them. */
void
dps_sock6_disconnect(struct dps_sock *sk)
{
	struct dps_sock6_side *v6 = dps_sock6(sk);

	memset(v6->raddr, 0, 16);
	if (!(sk->userlocks & DPS_BINDADDR_LOCK)) {
		memset(v6->laddr, 0, 16);
		v6->scope = 0;
	}
}
