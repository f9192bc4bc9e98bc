/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * UDP sockets (RFC 768, RFC 1122 4.1): delivery by local port from any
 * lcore into the socket's ring, ICMP errors for connected sockets, and
 * the transport's side of send and receive (the socket layer's calls
 * hand them over, returning a count or a negative errno).
 *
 * A UDP socket has no owning lcore: the port map points at it (or at one
 * member of the port's SO_REUSEPORT group, dps_udp_reuseport.c), every
 * lcore may deliver into its receive ring (multi-producer), and datagrams
 * leave through the request ring of the lcore that owns the flow. Each
 * delivery holds a reference on the socket while it touches it.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/uio.h>
#include <netinet/in.h>
#include <rte_ip.h>
#include <rte_udp.h>
#include <rte_malloc.h>
#include "dps_inet.h"
#include "dps_ip.h"

#define UDP_RXQ 256
#define UDP_MAX_PAYLOAD 65507

/* The receive ring, made once per pooled socket object. */
int
dps_udp_rxq_init(struct dps_sock *sk)
{
	if (dps_sock_rxq(sk) == NULL)
		dps_sock_publish_rxq(sk, dps_ring_make("dps_udp_rxq", UDP_RXQ, 0));
	return dps_sock_rxq(sk) != NULL ? 0 : -ENOBUFS;
}

/* The socket bound to @port, with a reference, or NULL; @member, when
 * not NULL, is the one of the port's SO_REUSEPORT group to take instead
 * (still bound to the port, checked with the reference held). */
static struct dps_sock *
udp_lookup(struct dps_sockets *ss, uint16_t port, struct dps_sock *member)
{
	struct dps_sock *sk = member != NULL ? member : dps_udp_port_sock(ss, port);

	if (sk == NULL || !dps_obj_tryref(&sk->obj))
		return NULL;
	if (member != NULL ? sk->type != SOCK_DGRAM ||
			dps_sock_lport(sk) != rte_cpu_to_be_16(port) :
			dps_udp_port_sock(ss, port) != sk) {
		dps_sock_put(sk);
		return NULL;
	}
	return sk;
}

/* An AF_INET6 socket whose own address is an IPv6 one (bound, or the
 * source a connect() to an IPv6 peer chose) hears no IPv4: Linux sets
 * its inet_rcv_saddr to LOOPBACK4_IPV6 then, which no datagram is for,
 * and keeps it through a later connect() to an IPv4 peer. */
static bool
udp6_deaf_to_v4(const struct dps_sock *sk)
{
	const uint8_t *a = dps_sock6_c(sk)->laddr;

	return !dps_ip6_is_unspecified(a) && !dps_ip6_is_v4mapped(a);
}

/* Does @sk take a datagram from @src:@sport to @dst? (Linux's socket
 * lookup: a connected socket only hears its peer.) */
static bool
udp_match(const struct dps_sock *sk, uint32_t src, uint16_t sport, uint32_t dst)
{
	uint32_t laddr = dps_sock_laddr(sk);

	if (laddr != 0 && laddr != dst)
		return false;
	if (dps_sock_is6(sk) && udp6_deaf_to_v4(sk))
		return false;
	if (sk->tup.rport != 0 && (sk->tup.raddr != src || sk->tup.rport != sport))
		return false;
	return true;
}

/* No socket takes the datagram: port unreachable (RFC 1122 4.1.3.1),
 * and the drop counted under @reason. */
static void
udp_unreach(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_rx_pkt *p,
	int reason, uint64_t now)
{
	dps_icmp_send_error(lc, m, p->eth.hdr_len, p, 3, 3, now);
	dps_lcore_drop(lc, m, reason);
}

static void
udp_rx(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_rx_pkt *p,
	uint64_t now)
{
	struct dps_sock *sk;

	struct dps_sockets *ss = dps_socks(lc->stack);

	DPS_CNT_INC(&lc->cnt, udp_rx);
	sk = udp_lookup(ss, rte_be_to_cpu_16(p->l4.dport), dps_ugroup_pick(ss,
		p->ip.src, p->l4.sport, p->ip.dst, p->l4.dport));
	if (sk != NULL && !udp_match(sk, p->ip.src, p->l4.sport, p->ip.dst)) {
		/* Linux finds no socket either, and says so. */
		dps_sock_put(sk);
		udp_unreach(lc, m, p, DPS_DROP_udp_not_peer, now);
		return;
	}
	if (sk == NULL) {
		udp_unreach(lc, m, p, DPS_DROP_udp_no_port, now);
		return;
	}
	/* Keep the IPv4 header: recvfrom() reads the source from it. */
	rte_pktmbuf_adj(m, p->eth.hdr_len);
	rte_pktmbuf_trim(m, (uint16_t)(m->pkt_len - p->ip.tot_len));
	m->l3_len = p->ip.hdr_len;
	if (rte_ring_mp_enqueue(dps_sock_rxq(sk), m) != 0) {
		dps_lcore_drop(lc, m, DPS_DROP_udp_rxq_full);
	} else {
		dps_sock_notify(sk, DPS_CB_READABLE);
	}
	dps_sock_put(sk);
}

/* ICMP errors reach a connected socket's next receive (__udp4_lib_err():
 * without IP_RECVERR only hard errors, and only when connected). */
static void
udp_icmp_hook(struct dps_lcore *lc, const struct dps_icmp_view *icmp, int err,
	bool fatal, uint64_t now)
{
	struct dps_sock *sk = udp_lookup(dps_socks(lc->stack),
		rte_be_to_cpu_16(icmp->quote.sport), NULL);

	(void)now;
	if (sk == NULL)
		return;
	if (fatal && err != 0 && sk->tup.rport != 0 &&
			sk->tup.raddr == icmp->quote.dst &&
			sk->tup.rport == icmp->quote.dport) {
		dps_sock_publish_error(sk, err);
		dps_sock_notify(sk, DPS_CB_ERROR);
	}
	dps_sock_put(sk);
}

/* UDP in the protocol switch: input and ICMP errors (no per-lcore
 * state; its sockets belong to no lcore); over IPv6, input and ICMPv6
 * errors (dps_udp6.c) and the datagrams AF_INET6 sockets send
 * (dps_udp6_send.c). */
static const struct dps_proto_ops udp_ops = {
	.name = "udp",
	.ipproto = IPPROTO_UDP,
	.input = udp_rx,
	.input6 = dps_udp_rx6,
	.err = udp_icmp_hook,
	.err6 = dps_udp_err6,
	.msg = dps_udp6_msg,
};

int
dps_udp_register(struct dps_stack *s)
{
	return dps_proto_register(s, DPS_PROTO_UDP, &udp_ops, NULL);
}

/* ---- application side ---- */

/* The datagram as an mbuf ready for dps_ip_output(); NULL when no mbuf
 * was free or (*@fault) the caller's buffer could not be read. */
static struct rte_mbuf *
udp_build(struct dps_sock *sk, struct rte_mempool *mp, uint32_t dst,
	uint16_t dport, const void *buf, size_t len, bool *fault)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	struct rte_ipv4_hdr *ip;
	struct rte_udp_hdr *uh;

	if (m == NULL)
		return NULL;
	ip = (struct rte_ipv4_hdr *)rte_pktmbuf_append(m,
		(uint16_t)(sizeof(*ip) + sizeof(*uh) + len));
	if (ip == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	uh = (struct rte_udp_hdr *)(ip + 1);
	dps_ipv4_build((uint8_t *)ip, sizeof(*ip), dps_sock_laddr(sk) != 0 ?
		dps_sock_laddr(sk) : dps_ip_source_for(sk->stack, dst), dst,
		IPPROTO_UDP, (uint16_t)(sizeof(*uh) + len), DPS_IP_TTL, 0, true);
	dps_sock_ip_marks(sk, ip);
	uh->src_port = dps_sock_lport(sk);
	uh->dst_port = dport;
	uh->dgram_len = rte_cpu_to_be_16((uint16_t)(sizeof(*uh) + len));
	uh->dgram_cksum = 0;
	if (dps_copy_from_user(uh + 1, buf, len) != 0) {
		rte_pktmbuf_free(m);
		*fault = true;
		return NULL;
	}
	uh->dgram_cksum = (uint16_t)~dps_l4_sum(uh, (uint32_t)(sizeof(*uh) + len),
		ip->src_addr, dst, IPPROTO_UDP);
	if (uh->dgram_cksum == 0)
		uh->dgram_cksum = 0xffff;	/* RFC 768: 0 means none */
	return m;
}

/* udp_sendmsg()'s destination: the address given (@a, already copied,
 * NULL for none) or the connected peer. AF_UNSPEC passes as AF_INET, as
 * Linux lets it for old programs. */
static int
udp_dest(struct dps_sock *sk, const struct sockaddr_storage *a, socklen_t tolen,
	uint32_t *dst, uint16_t *dport)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)a;
	int rc;

	if (a == NULL) {
		if (sk->tup.rport == 0)
			return -EDESTADDRREQ;
		*dst = sk->tup.raddr;
		*dport = sk->tup.rport;
		return 0;
	}
	if (tolen < sizeof(*sin))
		return -EINVAL;
	if (sin->sin_family != AF_INET && sin->sin_family != AF_UNSPEC)
		return -EAFNOSUPPORT;
	if (sin->sin_port == 0)
		return -EINVAL;
	rc = dps_route_check(sk, sin->sin_addr.s_addr);
	if (rc != 0)
		return rc;
	*dst = sin->sin_addr.s_addr;
	*dport = sin->sin_port;
	return 0;
}

ssize_t
dps_udp_send(struct dps_sock *sk, const void *buf, size_t len,
	const struct sockaddr *to, socklen_t tolen)
{
	struct dps_stack *s = sk->stack;
	struct dps_msg msg = { .op = DPS_MSG_IP_TX };
	struct sockaddr_storage a;
	struct dps_tuple t;
	struct rte_mbuf *m;
	uint32_t dst;
	uint16_t dport;
	unsigned int owner;
	bool fault = false;
	int rc;

	/* move_addr_to_kernel(), then inet_send_prepare()'s autobind: a
	 * socket gets its port even when udp_sendmsg() then refuses the
	 * destination. */
	if (to != NULL && (rc = dps_copy_addr(to, tolen, &a)) != 0)
		return rc;
	if (dps_sock_lport(sk) == 0 && dps_sock_autobind(sk) != 0)
		return -EAGAIN;
	if (len > 0xffff)
		return -EMSGSIZE;
	rc = udp_dest(sk, to != NULL ? &a : NULL, tolen, &dst, &dport);
	if (rc != 0)
		return rc;
	/* sock_alloc_send_pskb() reports a pending error first, once. */
	rc = dps_sock_error_ret(sk);
	if (rc != 0)
		return rc;
	if (len > UDP_MAX_PAYLOAD ||
			len + DPS_IPV4_HLEN + sizeof(struct rte_udp_hdr) > 1500)
		return -EMSGSIZE;	/* no fragmentation */
	t = sk->tup;
	t.raddr = dst;
	t.rport = dport;
	owner = dps_flow_owner(dps_socks(s), &t);
	m = udp_build(sk, s->lc[owner]->pool, dst, dport, buf, len, &fault);
	if (m == NULL)
		return fault ? -EFAULT : -ENOBUFS;
	msg.ptr = m;
	msg.ip = dst;
	if (dps_lcore_post(s, owner, &msg) != 0) {
		rte_pktmbuf_free(m);
		return -EAGAIN;
	}
	return (ssize_t)len;
}

/*
 * The next datagram, held in rx_cur until a read consumes it, so that
 * MSG_PEEK and SIOCINQ can look at it (Linux peeks at the head of
 * sk_receive_queue). The caller holds rx_busy.
 */
static struct rte_mbuf *
udp_head(struct dps_sock *sk)
{
	struct rte_mbuf *m = dps_sock_rx_cur(sk);
	void *p;

	if (m == NULL && rte_ring_mc_dequeue(dps_sock_rxq(sk), &p) == 0) {
		m = p;
		dps_sock_set_rx_cur(sk, m);
	}
	return m;
}

/* The payload length of datagram @m (its IP header first, the UDP
 * header at l3_len). */
static uint32_t
udp_payload_len(const struct rte_mbuf *m)
{
	const struct rte_udp_hdr *uh = rte_pktmbuf_mtod_offset(m,
		const struct rte_udp_hdr *, m->l3_len);

	return (uint32_t)(rte_be_to_cpu_16(uh->dgram_len) - sizeof(*uh));
}

static bool
udp_readable(struct dps_sock *sk)
{
	return dps_sock_error_sc(sk) != 0 || dps_sock_rx_cur(sk) != NULL ||
		rte_ring_count(dps_sock_rxq(sk)) != 0;
}

bool
dps_udp_has_data(const struct dps_sock *sk)
{
	return dps_sock_rx_cur(sk) != NULL || rte_ring_count(dps_sock_rxq(sk)) != 0;
}

uint32_t
dps_udp_inq(struct dps_sock *sk)
{
	struct rte_mbuf *m;
	uint32_t n;

	dps_sock_busy_take(&sk->rx_busy);
	m = udp_head(sk);
	n = m != NULL ? udp_payload_len(m) : 0;
	dps_sock_busy_give(&sk->rx_busy);
	return n;
}

/* The payload of @m into @iov, as far as it goes: 0 or -EFAULT. */
static int
udp_copy_iov(const struct rte_mbuf *m, const struct iovec *iov, int iovcnt,
	uint32_t len)
{
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *,
		m->l3_len + sizeof(struct rte_udp_hdr));

	for (int i = 0; i < iovcnt && len != 0; i++) {
		size_t k = iov[i].iov_len < len ? iov[i].iov_len : len;

		if (dps_copy_to_user(iov[i].iov_base, p, k) != 0)
			return -EFAULT;
		p += k;
		len -= (uint32_t)k;
	}
	return 0;
}

/*
 * The sender of datagram @m as @sk names it: an AF_INET socket's
 * sockaddr_in; an AF_INET6 socket's sockaddr_in6, v4-mapped for an IPv4
 * datagram, with flow info 0 and, for a link-local sender, the scope id
 * of the socket's interface (udpv6_recvmsg(); dpstack records no
 * arrival interface, and a link-local peer is met on the bound one).
 */
static void
udp_from(const struct dps_sock *sk, const struct rte_mbuf *m, uint16_t sport,
	struct dps_udp_from *from)
{
	const uint8_t *ip = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t v4;

	if (!dps_sock_is6(sk)) {
		memcpy(&v4, ip + 12, 4);	/* the IPv4 source */
		from->sin = (struct sockaddr_in){ .sin_family = AF_INET,
			.sin_port = sport, .sin_addr.s_addr = v4 };
		from->len = sizeof(from->sin);
		return;
	}
	from->sin6 = (struct sockaddr_in6){ .sin6_family = AF_INET6,
		.sin6_port = sport };
	if ((ip[0] >> 4) == 4) {
		memcpy(&v4, ip + 12, 4);
		dps_ip6_set_mapped(from->sin6.sin6_addr.s6_addr, v4);
	} else {
		memcpy(from->sin6.sin6_addr.s6_addr, ip + 8, 16);	/* the source */
		if (dps_ip6_is_linklocal(ip + 8))
			from->sin6.sin6_scope_id = dps_sock6_c(sk)->scope;
	}
	from->len = sizeof(from->sin6);
}

/*
 * Copy the held datagram out and, unless @peek, consume it.
 * udp_recvmsg(): a longer datagram is cut and marked MSG_TRUNC; a
 * datagram that cannot be written is consumed all the same (EFAULT),
 * unless peeked at. The sender goes to *@from.
 */
static ssize_t
udp_take(struct dps_sock *sk, struct rte_mbuf *m, const struct iovec *iov,
	int iovcnt, int flags, struct dps_udp_from *from)
{
	const struct rte_udp_hdr *uh = rte_pktmbuf_mtod_offset(m,
		const struct rte_udp_hdr *, m->l3_len);
	uint32_t n = udp_payload_len(m), room = 0;
	int rc;

	for (int i = 0; i < iovcnt && room < n; i++)
		room = iov[i].iov_len >= n - room ? n : room + (uint32_t)iov[i].iov_len;
	from->flags = room < n ? MSG_TRUNC : 0;
	udp_from(sk, m, uh->src_port, from);
	rc = udp_copy_iov(m, iov, iovcnt, room);
	if (!(flags & MSG_PEEK)) {
		dps_sock_set_rx_cur(sk, NULL);
		rte_pktmbuf_free(m);
	}
	if (rc != 0)
		return rc;
	return (ssize_t)((flags & MSG_TRUNC) ? n : room);
}

ssize_t
dps_udp_recvmsg(struct dps_sock *sk, const struct iovec *iov, int iovcnt,
	int flags, struct dps_udp_from *from)
{
	bool nonblock = (flags & MSG_DONTWAIT) ||
		(dps_sock_fflags(sk) & O_NONBLOCK) ||
		dps_stack_self(sk->stack) >= 0;
	struct rte_mbuf *m;
	ssize_t rc;

	for (;;) {
		/* A pending error comes first, once (sock_error()). */
		rc = dps_sock_error_ret(sk);
		if (rc != 0)
			return rc;
		dps_sock_busy_take(&sk->rx_busy);
		m = udp_head(sk);
		if (m != NULL)
			rc = udp_take(sk, m, iov, iovcnt, flags, from);
		dps_sock_busy_give(&sk->rx_busy);
		if (m != NULL)
			return rc;
		if (nonblock)
			return -EAGAIN;
		rc = dps_sock_wait(sk, udp_readable, dps_sock_timeo(sk->opt.rcvtimeo_j));
		if (rc != 0)
			return rc;
	}
}

/* recvfrom(2): the sender's address is written after the data, as
 * __sys_recvfrom() does, and only when @from is not NULL. */
ssize_t
dps_udp_recv(struct dps_sock *sk, void *buf, size_t len, int flags,
	struct sockaddr *from, socklen_t *fromlen)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct dps_udp_from f;
	ssize_t rc = dps_udp_recvmsg(sk, &iov, 1, flags, &f);
	int e;

	if (rc < 0 || from == NULL)
		return rc;
	e = dps_put_addr(&f.sin, f.len, from, fromlen);
	return e != 0 ? e : rc;
}
