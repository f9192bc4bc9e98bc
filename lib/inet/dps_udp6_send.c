/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sending from an AF_INET6 datagram socket (udpv6_sendmsg()): the
 * destination's checks, a v4-mapped destination handed to the IPv4 send
 * (dps_udp_send(), Linux's udp_sendmsg()), and an IPv6 datagram built
 * whole on the application side (IPv6 header with the socket's hop limit
 * and traffic class, UDP header, payload, the checksum over the IPv6
 * pseudo-header, mandatory: RFC 8200 8.1) and posted to the lcore that
 * owns the flow, which routes it (dps_ip6_output(): the neighbour cache,
 * the packet held while its entry resolves).
 *
 * The flow label is automatic (RFC 6437; dps_ip6_flow.c), as Linux's
 * ip6_make_flowlabel() makes it: a connected socket's datagrams carry the
 * label of the hash it drew at connect(), an unconnected one's the label
 * of a keyed hash of the datagram's tuple (Linux's skb_get_hash_flowi6()
 * for a socket without sk_txhash); none with IPV6_AUTOFLOWLABEL 0.
 *
 * Not built: fragmentation (a datagram longer than the 1500-byte MTU
 * allows gives EMSGSIZE, as the IPv4 side does) and IPV6_FLOWINFO_SEND,
 * so a sin6_flowinfo is ignored as Linux ignores it without that option.
 */
#include <errno.h>
#include <stddef.h>
#include <rte_udp.h>
#include "dps_inet.h"
#include "dps_wire6.h"

#define SIN6_LEN_RFC2133 24		/* sockaddr_in6 without sin6_scope_id */
#define UDP6_MTU 1500
#define UDP6_HOPS_DEFAULT 64		/* net.ipv6.conf.all.hop_limit */

/* The destination of a send: an address, a port, a scope id. */
struct udp6_dst {
	uint8_t addr[16];
	uint16_t port;
	uint32_t scope;
};

/* udpv6_sendmsg()'s look at the address: 0, 1 for "send it as IPv4"
 * (AF_INET, or a v4-mapped destination), or a negative errno. */
static int
dest_of(struct dps_sock *sk, const struct sockaddr_storage *a, socklen_t tolen,
	bool named, struct udp6_dst *d)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)a;

	if (named && tolen < offsetof(struct sockaddr, sa_data))
		return -EINVAL;
	if (named && a->ss_family == AF_INET)
		return 1;
	if (named && a->ss_family == AF_INET6) {
		if (tolen < SIN6_LEN_RFC2133)
			return -EINVAL;
		memcpy(d->addr, &sin6->sin6_addr, 16);
		d->port = sin6->sin6_port;
		if (tolen >= sizeof(*sin6))
			d->scope = sin6->sin6_scope_id;
	} else if (named && a->ss_family != AF_UNSPEC) {
		return -EINVAL;
	} else {
		/* No address, or AF_UNSPEC (taken as none): the peer. */
		if (sk->tup.rport == 0)
			return -EDESTADDRREQ;
		memcpy(d->addr, dps_sock6(sk)->raddr, 16);
		d->port = sk->tup.rport;
		return dps_ip6_is_v4mapped(d->addr) ? 1 : 0;
	}
	if (dps_ip6_is_v4mapped(d->addr))
		return 1;
	return d->port == 0 ? -EINVAL : 0;
}

/* The flow label of @sk's datagram from @src to @d. */
static uint32_t
udp6_label(const struct dps_sock *sk, const uint8_t src[16], const struct udp6_dst *d)
{
	const struct dps_sock6_side *v6 = dps_sock6_c(sk);
	/* Relaxed: the option (ipv6_set()) and connect()'s hash, values on
	 * their own. */
	uint32_t flow = __atomic_load_n(&v6->flow, __ATOMIC_RELAXED);

	if (!__atomic_load_n(&v6->afl, __ATOMIC_RELAXED))
		return 0;
	if (flow != 0)
		return flow;
	return dps_ip6_label(sk->stack, dps_ip6_flow_hash(sk->stack, src, d->addr,
		dps_sock_lport(sk), d->port, IPPROTO_UDP));
}

/* The datagram, headers and payload, in an mbuf of @mp; NULL when no
 * mbuf was free or (*@fault) @buf could not be read. */
static struct rte_mbuf *
build(struct dps_sock *sk, struct rte_mempool *mp, const uint8_t src[16],
	const struct udp6_dst *d, const void *buf, size_t len, bool *fault)
{
	const struct dps_sock6_side *v6 = dps_sock6_c(sk);
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint16_t ulen = (uint16_t)(sizeof(struct rte_udp_hdr) + len);
	struct rte_udp_hdr *uh;
	uint8_t *ip;

	if (m == NULL)
		return NULL;
	ip = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(DPS_IPV6_HLEN + ulen));
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	dps_ipv6_build(ip, DPS_IPV6_HLEN, src, d->addr, IPPROTO_UDP, ulen,
		(uint8_t)(v6->hops < 0 ? UDP6_HOPS_DEFAULT : v6->hops), v6->tclass,
		udp6_label(sk, src, d));
	uh = (struct rte_udp_hdr *)(ip + DPS_IPV6_HLEN);
	uh->src_port = dps_sock_lport(sk);
	uh->dst_port = d->port;
	uh->dgram_len = rte_cpu_to_be_16(ulen);
	uh->dgram_cksum = 0;
	if (dps_copy_from_user(uh + 1, buf, len) != 0) {
		rte_pktmbuf_free(m);
		*fault = true;
		return NULL;
	}
	uh->dgram_cksum = dps_l4v6_csum(uh, ulen, src, d->addr, IPPROTO_UDP);
	return m;
}

/* Post @m to the lcore owning its flow: 0, -ENOBUFS, -EFAULT, -EAGAIN. */
static int
post(struct dps_sock *sk, const uint8_t src[16], const struct udp6_dst *d,
	const void *buf, size_t len)
{
	struct dps_stack *s = sk->stack;
	struct dps_msg msg = { .op = DPS_MSG_UDP6_TX };
	struct dps_tuple6 t = { .lport = dps_sock_lport(sk), .rport = d->port,
		.proto = IPPROTO_UDP };
	unsigned int owner;
	bool fault = false;

	memcpy(t.laddr, src, 16);
	memcpy(t.raddr, d->addr, 16);
	owner = dps_flow_owner6(dps_socks(s), &t);
	msg.ptr = build(sk, s->lc[owner]->pool, src, d, buf, len, &fault);
	if (msg.ptr == NULL)
		return fault ? -EFAULT : -ENOBUFS;
	if (dps_lcore_post(s, owner, &msg) != 0) {
		rte_pktmbuf_free(msg.ptr);
		return -EAGAIN;
	}
	return 0;
}

/* A v4-mapped or AF_INET destination: udp_sendmsg() on the IPv4 side,
 * refused on a v6-only socket. */
static ssize_t
send_v4(struct dps_sock *sk, const void *buf, size_t len,
	const struct sockaddr_storage *a, socklen_t tolen, bool named,
	const struct udp6_dst *d)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };

	if (dps_sock6(sk)->v6only)
		return -ENETUNREACH;
	if (named && a->ss_family == AF_INET)
		return dps_udp_send(sk, buf, len, (const struct sockaddr *)a, tolen);
	if (!named || a->ss_family == AF_UNSPEC)
		return dps_udp_send(sk, buf, len, NULL, 0);	/* the peer */
	sin.sin_port = d->port;
	sin.sin_addr.s_addr = dps_ip6_mapped_v4(d->addr);
	return dps_udp_send(sk, buf, len, (const struct sockaddr *)&sin, sizeof(sin));
}

ssize_t
dps_udp6_send(struct dps_sock *sk, const void *buf, size_t len,
	const struct sockaddr *to, socklen_t tolen)
{
	struct sockaddr_storage a = { .ss_family = AF_UNSPEC };
	struct udp6_dst d = { .scope = 0 };
	uint8_t src[16];
	int rc;

	/* move_addr_to_kernel(), then inet_send_prepare()'s autobind. */
	if (to != NULL && (rc = dps_copy_addr(to, tolen, &a)) != 0)
		return rc;
	if (dps_sock_lport(sk) == 0 && dps_sock_autobind(sk) != 0)
		return -EAGAIN;
	rc = dest_of(sk, &a, tolen, to != NULL, &d);
	if (rc == 1)
		return send_v4(sk, buf, len, &a, tolen, to != NULL, &d);
	if (rc != 0)
		return rc;
	if (d.scope != 0 && !dps_ip6_is_linklocal(d.addr) && !dps_ip6_is_multicast(d.addr))
		d.scope = 0;	/* a scope id counts for scoped addresses only */
	rc = dps_udp6_route(sk, d.addr, d.scope, src);
	if (rc == 0)
		rc = dps_sock_error_ret(sk);	/* a pending error, once */
	if (rc == 0 && len + DPS_IPV6_HLEN + sizeof(struct rte_udp_hdr) > UDP6_MTU)
		rc = -EMSGSIZE;			/* no fragmentation */
	if (rc == 0)
		rc = post(sk, src, &d, buf, len);
	return rc != 0 ? rc : (ssize_t)len;
}

/* On the owning lcore: route the datagram to the destination in its
 * header. */
void
dps_udp6_msg(struct dps_lcore *lc, const struct dps_msg *msg, uint64_t now)
{
	struct rte_mbuf *m = msg->ptr;
	uint8_t dst[16];

	if (msg->op != DPS_MSG_UDP6_TX)
		return;
	memcpy(dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, 24), 16);
	(void)dps_ip6_output(lc, m, dst, now);
}
