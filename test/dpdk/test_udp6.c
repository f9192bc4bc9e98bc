/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * AF_INET6 datagram sockets on the test wire, under the virtual clock:
 * two stacks over IPv6 sending both ways (connect(), sendto(),
 * recvfrom() and recvmsg() names, getsockname() and getpeername()), a
 * dual-stack socket taking IPv4 datagrams as v4-mapped peers and
 * answering them, IPV6_V6ONLY sharing a port with an AF_INET socket,
 * port unreachable read as ECONNREFUSED, SO_REUSEPORT groups; against a
 * raw peer, the frame itself (hop limit, traffic class, checksum over
 * the IPv6 pseudo-header, automatic flow labels), a datagram behind an
 * extension header, and
 * bind()'s, connect()'s and the options' refusals as Linux gives them.
 * Every test ends with the socket pools and port maps empty, and
 * bench_down() checks that every mbuf came back.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "dpstack.h"
#include "dps_socket.h"
#include "dps_wire.h"
#include "dps_wire6.h"
#include "dps_test_eal.h"
#include "dps_bench.h"

#define A6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 }
#define B6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 }
#define PEER6 { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 }
static const uint8_t a6[16] = A6, b6[16] = B6, peer6[16] = PEER6;

/* ---- set-up ------------------------------------------------------------- */

static struct dps_stack *
stack6_new(struct bench *b, int side, const char *name, uint32_t ip4,
	const uint8_t v6[16])
{
	struct dps_stack *s = stack_new(b, side, name, ip4, 0);
	struct dps_addr a = dps_addr_v6(v6);

	cr_assert_eq(dps_stack_add_addr(s, 0, &a, 64), 0);
	return s;
}

/* Stacks A (198.18.0.1, 2001:db8::1) and B (198.18.0.2, 2001:db8::2),
 * DAD over (two_up46()). */
static void
two_up(struct bench *b, const char *w)
{
	two_up46(b, w, NULL, NULL);
}

/* Stack A and a raw peer (2001:db8::9, a static neighbour). */
static void
raw_up6(struct bench *b, const char *w)
{
	struct dps_addr pa = dps_addr_v6(peer6);
	struct dps_stack *s;

	bench_up(b, w, NULL, true);
	s = stack6_new(b, 0, "sa", A_IP, a6);
	cr_assert_eq(dps_stack_add_arp(s, 0, &pa, &peer_mac), 0);
	stack_start(b, 0);
	wait_dad6(b, s, a6);
	peer_flush(b);
}

/* No socket left in either pool, no port held. */
static void
assert_no_sockets(struct bench *b)
{
	for (int i = 0; i < 2; i++) {
		struct dps_sock_stats st;

		if (b->s[i] == NULL)
			continue;
		dps_stack_sock_stats(b->s[i], &st);
		cr_assert_eq(st.socks_in_use, 0, "stack %c keeps sockets", 'A' + i);
		cr_assert_eq(st.udp_ports_held, 0, "stack %c keeps ports", 'A' + i);
	}
}

/* ---- addresses and calls -------------------------------------------------- */

static struct sockaddr_in6
sin6_of(const uint8_t a[16], uint16_t port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	memcpy(s.sin6_addr.s6_addr, a, 16);
	return s;
}

static struct sockaddr_in6
mapped_of(uint32_t v4, uint16_t port)
{
	struct sockaddr_in6 s = { .sin6_family = AF_INET6, .sin6_port = htons(port) };

	s.sin6_addr.s6_addr[10] = 0xff;
	s.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&s.sin6_addr.s6_addr[12], &v4, 4);
	return s;
}

static int
sock6(struct dps_stack *s, bool v6only)
{
	int fd = dps_socket_on(s, AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	int one = 1;

	cr_assert_geq(fd, 0, "socket: errno %d", errno);
	if (v6only)
		cr_assert_eq(dps_setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
			sizeof(one)), 0);
	return fd;
}

static int
bind6(int fd, const uint8_t a[16], uint16_t port)
{
	struct sockaddr_in6 s = sin6_of(a, port);

	return dps_bind(fd, (struct sockaddr *)&s, sizeof(s));
}

static int
connect6(int fd, const struct sockaddr_in6 *to)
{
	return dps_connect(fd, (const struct sockaddr *)to, sizeof(*to));
}

static struct sockaddr_in6
name6(int fd, bool peer)
{
	struct sockaddr_in6 s;
	socklen_t l = sizeof(s);

	memset(&s, 0xaa, sizeof(s));
	cr_assert_eq(peer ? dps_getpeername(fd, (struct sockaddr *)&s, &l) :
		dps_getsockname(fd, (struct sockaddr *)&s, &l), 0, "errno %d", errno);
	cr_assert_eq(l, sizeof(s));
	cr_assert_eq(s.sin6_family, AF_INET6);
	cr_assert_eq(s.sin6_flowinfo, 0);
	return s;
}

static bool
same6(const struct sockaddr_in6 *s, const uint8_t a[16], uint16_t port)
{
	return memcmp(s->sin6_addr.s6_addr, a, 16) == 0 && ntohs(s->sin6_port) == port;
}

/* Receive one datagram of @want bytes on @fd; its sender into *@from. */
static void
recv6(struct bench *b, int fd, const char *want, size_t n, struct sockaddr_in6 *from)
{
	char buf[256];
	socklen_t l = sizeof(*from);

	settle(b);
	cr_assert_eq(dps_recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)from, &l),
		(ssize_t)n, "errno %d", errno);
	cr_assert_eq(memcmp(buf, want, n), 0);
	cr_assert_eq(l, sizeof(*from));
	cr_assert_eq(from->sin6_family, AF_INET6);
	cr_assert_eq(from->sin6_flowinfo, 0);
	cr_assert_eq(from->sin6_scope_id, 0);
}

static int
poll1(int fd, short ev)
{
	struct pollfd p = { .fd = fd, .events = ev };

	cr_assert_geq(dps_poll(&p, 1, 0), 0);
	return p.revents;
}

/* ---- two stacks ------------------------------------------------------------ */

/*
 * A connects to B's [::]:5000 and sends; B reads the sender's IPv6 name
 * and answers it with sendto(); A reads the answer from its peer. Names
 * before and after, poll readiness, and both pools empty at the end.
 */
Test(dpdk, udp6_both_ways)
{
	static const char ping[] = "ping over IPv6", pong[] = "pong";
	struct bench b;
	struct sockaddr_in6 to = sin6_of(b6, 5000), me, from, peer;
	int fa, fb;

	two_up(&b, "u6bw");
	fb = sock6(b.s[1], false);
	cr_assert_eq(bind6(fb, in6addr_any.s6_addr, 5000), 0);
	me = name6(fb, false);
	cr_assert(same6(&me, in6addr_any.s6_addr, 5000));
	cr_assert_eq(poll1(fb, POLLIN | POLLOUT), POLLOUT);

	fa = sock6(b.s[0], false);
	me = name6(fa, false);
	cr_assert(same6(&me, in6addr_any.s6_addr, 0), "a fresh socket is [::]:0");
	cr_assert_eq(dps_getpeername(fa, (struct sockaddr *)&peer,
		&(socklen_t){ sizeof(peer) }), -1);
	cr_assert_eq(errno, ENOTCONN);
	cr_assert_eq(connect6(fa, &to), 0);
	me = name6(fa, false);
	cr_assert_eq(memcmp(me.sin6_addr.s6_addr, a6, 16), 0, "the source chosen");
	cr_assert_neq(me.sin6_port, 0, "autobound");
	cr_assert_eq(me.sin6_scope_id, 0);
	peer = name6(fa, true);
	cr_assert(same6(&peer, b6, 5000));

	cr_assert_eq(dps_send(fa, ping, sizeof(ping), 0), (ssize_t)sizeof(ping));
	recv6(&b, fb, ping, sizeof(ping), &from);
	cr_assert(same6(&from, a6, ntohs(me.sin6_port)), "the sender's name");
	cr_assert_eq(dps_recv(fb, (char[8]){ 0 }, 8, 0), -1);
	cr_assert_eq(errno, EAGAIN);

	cr_assert_eq(dps_sendto(fb, pong, sizeof(pong), 0, (struct sockaddr *)&from,
		sizeof(from)), (ssize_t)sizeof(pong));
	settle(&b);
	cr_assert_eq(poll1(fa, POLLIN | POLLOUT), POLLIN | POLLOUT);
	recv6(&b, fa, pong, sizeof(pong), &from);
	cr_assert(same6(&from, b6, 5000));
	cr_assert_eq(cnt(&b, 0).udp_rx, 1);
	cr_assert_eq(cnt(&b, 1).udp_rx, 1);

	/* AF_UNSPEC: the peer goes, and the autobound port and the chosen
	 * source with it. */
	cr_assert_eq(dps_connect(fa, (struct sockaddr *)&(struct sockaddr_in6){
		.sin6_family = AF_UNSPEC }, sizeof(struct sockaddr_in6)), 0);
	cr_assert_eq(dps_getpeername(fa, (struct sockaddr *)&peer,
		&(socklen_t){ sizeof(peer) }), -1);
	cr_assert_eq(errno, ENOTCONN);
	me = name6(fa, false);
	cr_assert(same6(&me, in6addr_any.s6_addr, 0));
	cr_assert_eq(dps_send(fa, ping, 4, 0), -1);
	cr_assert_eq(errno, EDESTADDRREQ);

	/* sendto() autobinds; B's answer reaches the new port. */
	cr_assert_eq(dps_sendto(fa, ping, 4, 0, (struct sockaddr *)&to, sizeof(to)), 4);
	recv6(&b, fb, ping, 4, &from);
	cr_assert_eq(memcmp(from.sin6_addr.s6_addr, a6, 16), 0);
	cr_assert_eq(from.sin6_port, name6(fa, false).sin6_port);

	cr_assert_eq(dps_close(fa), 0);
	cr_assert_eq(dps_close(fb), 0);
	settle(&b);
	assert_no_sockets(&b);
	bench_down(&b);
}

/*
 * A dual-stack socket on B's port 5001 takes an IPv4 datagram from A's
 * AF_INET socket and names its sender ::ffff:198.18.0.1; its answer
 * (to that name) leaves as IPv4. It holds the port for AF_INET
 * sockets too; a v6-only socket shares its port with one, each taking
 * its own family. recvmsg() writes a 28-byte name.
 */
Test(dpdk, udp6_dual_stack)
{
	static const char hi[] = "from IPv4";
	struct bench b;
	struct sockaddr_in to4 = { .sin_family = AF_INET, .sin_port = htons(5001),
		.sin_addr.s_addr = B_IP }, from4;
	struct sockaddr_in6 from, mapped_a;
	socklen_t l = sizeof(from4);
	char buf[64];
	int f4, fb, fb4, fo, f6;

	two_up(&b, "u6ds");
	fb = sock6(b.s[1], false);
	cr_assert_eq(bind6(fb, in6addr_any.s6_addr, 5001), 0);
	fb4 = dps_socket_on(b.s[1], AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(dps_bind(fb4, (struct sockaddr *)&to4, sizeof(to4)), -1,
		"[::]:5001 holds the port for IPv4 too");
	cr_assert_eq(errno, EADDRINUSE);

	f4 = dps_socket_on(b.s[0], AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(dps_sendto(f4, hi, sizeof(hi), 0, (struct sockaddr *)&to4,
		sizeof(to4)), (ssize_t)sizeof(hi));
	recv6(&b, fb, hi, sizeof(hi), &from);
	mapped_a = mapped_of(A_IP, 0);
	cr_assert_eq(memcmp(from.sin6_addr.s6_addr, mapped_a.sin6_addr.s6_addr, 16), 0,
		"a v4-mapped sender");
	cr_assert_eq(dps_sendto(fb, "back", 4, 0, (struct sockaddr *)&from,
		sizeof(from)), 4);
	settle(&b);
	cr_assert_eq(dps_recvfrom(f4, buf, sizeof(buf), 0, (struct sockaddr *)&from4,
		&l), 4);
	cr_assert_eq(from4.sin_addr.s_addr, B_IP);
	cr_assert_eq(ntohs(from4.sin_port), 5001);

	/* Connected to the v4-mapped peer: its names are v4-mapped. */
	cr_assert_eq(connect6(fb, &from), 0);
	cr_assert_eq(memcmp(name6(fb, false).sin6_addr.s6_addr,
		mapped_of(B_IP, 0).sin6_addr.s6_addr, 16), 0);
	mapped_a = name6(fb, true);
	cr_assert(same6(&mapped_a, from.sin6_addr.s6_addr, ntohs(from.sin6_port)));
	mapped_a = mapped_of(A_IP, 0);
	cr_assert_eq(dps_send(fb, "again", 5, 0), 5);
	settle(&b);
	cr_assert_eq(dps_recv(f4, buf, sizeof(buf), 0), 5);
	/* recvmsg() names the sender in 28 bytes. */
	cr_assert_eq(dps_send(f4, hi, 3, 0), -1, "f4 is not connected");
	cr_assert_eq(dps_sendto(f4, hi, 3, 0, (struct sockaddr *)&to4, sizeof(to4)), 3);
	settle(&b);
	{
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
			.msg_iov = &iov, .msg_iovlen = 1 };

		memset(&from, 0, sizeof(from));
		cr_assert_eq(dps_recvmsg(fb, &mh, 0), 3);
		cr_assert_eq(mh.msg_namelen, sizeof(struct sockaddr_in6));
		cr_assert_eq(from.sin6_family, AF_INET6);
		cr_assert_eq(memcmp(from.sin6_addr.s6_addr, mapped_a.sin6_addr.s6_addr, 16), 0);
	}
	cr_assert_eq(dps_close(fb), 0);

	/* IPV6_V6ONLY: the AF_INET socket and the v6-only one share 5002. */
	fo = sock6(b.s[1], true);
	cr_assert_eq(bind6(fo, in6addr_any.s6_addr, 5002), 0);
	to4.sin_port = htons(5002);
	cr_assert_eq(dps_bind(fb4, (struct sockaddr *)&to4, sizeof(to4)), 0);
	f6 = sock6(b.s[0], false);
	cr_assert_eq(dps_sendto(f6, "six", 3, 0,
		(struct sockaddr *)&(struct sockaddr_in6){ .sin6_family = AF_INET6,
			.sin6_port = htons(5002), .sin6_addr = { .s6_addr = B6 } },
		sizeof(struct sockaddr_in6)), 3);
	cr_assert_eq(dps_sendto(f4, "four", 4, 0, (struct sockaddr *)&to4, sizeof(to4)), 4);
	settle(&b);
	cr_assert_eq(dps_recv(fo, buf, sizeof(buf), 0), 3);
	cr_assert_eq(memcmp(buf, "six", 3), 0);
	cr_assert_eq(dps_recv(fb4, buf, sizeof(buf), 0), 4);
	cr_assert_eq(memcmp(buf, "four", 4), 0);
	/* A v6-only socket refuses v4-mapped peers. */
	mapped_a = mapped_of(A_IP, 9);
	cr_assert_eq(connect6(fo, &mapped_a), -1);
	cr_assert_eq(errno, ENETUNREACH);
	cr_assert_eq(dps_sendto(fo, "x", 1, 0, (struct sockaddr *)&mapped_a,
		sizeof(mapped_a)), -1);
	cr_assert_eq(errno, ENETUNREACH);
	cr_assert_eq(dps_connect(fo, (struct sockaddr *)&to4, sizeof(to4)), -1);
	cr_assert_eq(errno, EAFNOSUPPORT);

	/* Connected first to an IPv6 peer, a socket keeps that source and
	 * hears no IPv4 even once connected to an IPv4 peer (Linux's
	 * inet_rcv_saddr is LOOPBACK4_IPV6 then). */
	{
		struct sockaddr_in me4;
		socklen_t ml = sizeof(me4);
		struct sockaddr_in6 a9 = sin6_of(a6, 9);
		struct dps_counters c0;
		int fx = sock6(b.s[1], false);

		cr_assert_eq(dps_getsockname(f4, (struct sockaddr *)&me4, &ml), 0);
		cr_assert_eq(bind6(fx, in6addr_any.s6_addr, 5003), 0);
		cr_assert_eq(connect6(fx, &a9), 0);
		me4.sin_addr.s_addr = A_IP;
		cr_assert_eq(dps_connect(fx, (struct sockaddr *)&me4, sizeof(me4)), 0);
		cr_assert_eq(memcmp(name6(fx, false).sin6_addr.s6_addr, b6, 16), 0);
		c0 = cnt(&b, 1);
		to4.sin_port = htons(5003);
		cr_assert_eq(dps_sendto(f4, "deaf", 4, 0, (struct sockaddr *)&to4,
			sizeof(to4)), 4);
		settle(&b);
		cr_assert_eq(dps_recv(fx, buf, sizeof(buf), 0), -1);
		cr_assert_eq(errno, EAGAIN);
		cr_assert_eq(cnt(&b, 1).drop[DPS_DROP_udp_not_peer],
			c0.drop[DPS_DROP_udp_not_peer] + 1);
		cr_assert_eq(dps_close(fx), 0);
	}
	cr_assert_eq(dps_close(fo), 0);
	cr_assert_eq(dps_close(fb4), 0);
	cr_assert_eq(dps_close(f4), 0);
	cr_assert_eq(dps_close(f6), 0);
	settle(&b);
	assert_no_sockets(&b);
	bench_down(&b);
}

/*
 * Port unreachable: B has nothing on 5999, answers with ICMPv6, and A's
 * connected socket reads ECONNREFUSED once (icmpv6_err_convert()); an
 * unconnected one hears nothing.
 */
Test(dpdk, udp6_port_unreachable)
{
	struct bench b;
	struct sockaddr_in6 to = sin6_of(b6, 5999);
	char buf[16];
	int fa, fu;
	socklen_t l = sizeof(int);
	int err = -1;

	two_up(&b, "u6pu");
	fa = sock6(b.s[0], false);
	fu = sock6(b.s[0], false);
	cr_assert_eq(connect6(fa, &to), 0);
	cr_assert_eq(dps_send(fa, "knock", 5, 0), 5);
	cr_assert_eq(dps_sendto(fu, "knock", 5, 0, (struct sockaddr *)&to, sizeof(to)), 5);
	settle(&b);
	cr_assert_eq(cnt(&b, 1).drop[DPS_DROP_udp_no_port], 2);
	cr_assert_eq(poll1(fa, POLLIN | POLLOUT) & POLLERR, POLLERR);
	cr_assert_eq(dps_recv(fa, buf, sizeof(buf), 0), -1);
	cr_assert_eq(errno, ECONNREFUSED);
	cr_assert_eq(dps_recv(fa, buf, sizeof(buf), 0), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(dps_getsockopt(fu, SOL_SOCKET, SO_ERROR, &err, &l), 0);
	cr_assert_eq(err, 0, "an unconnected socket hears no error");
	cr_assert_eq(dps_close(fa), 0);
	cr_assert_eq(dps_close(fu), 0);
	settle(&b);
	assert_no_sockets(&b);
	bench_down(&b);
}

/* Datagrams waiting on @fd, read. */
static unsigned int
drain(int fd)
{
	char buf[64];
	unsigned int n = 0;

	while (dps_recv(fd, buf, sizeof(buf), 0) >= 0)
		n++;
	cr_assert_eq(errno, EAGAIN);
	return n;
}

/*
 * SO_REUSEPORT: two AF_INET6 sockets that both set it share [::]:5100,
 * a third without it is refused, an AF_INET one with it joins them on
 * the IPv4 side; datagrams from 32 source ports spread over the two (a
 * hash of the 4-tuple), and once one closes the other takes them all.
 */
Test(dpdk, udp6_reuseport)
{
	enum { N = 32 };
	struct bench b;
	struct sockaddr_in6 to = sin6_of(b6, 5100);
	struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_port = htons(5100) };
	int r[2], f4, fx, src[N], one = 1;
	unsigned int got[2];

	two_up(&b, "u6rp");
	for (int i = 0; i < 2; i++) {
		r[i] = sock6(b.s[1], false);
		cr_assert_eq(dps_setsockopt(r[i], SOL_SOCKET, SO_REUSEPORT, &one,
			sizeof(one)), 0);
		cr_assert_eq(bind6(r[i], in6addr_any.s6_addr, 5100), 0, "member %d", i);
	}
	fx = sock6(b.s[1], false);
	cr_assert_eq(bind6(fx, in6addr_any.s6_addr, 5100), -1);
	cr_assert_eq(errno, EADDRINUSE, "without SO_REUSEPORT");
	f4 = dps_socket_on(b.s[1], AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	cr_assert_eq(dps_setsockopt(f4, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)), 0);
	cr_assert_eq(dps_bind(f4, (struct sockaddr *)&a4, sizeof(a4)), 0,
		"an AF_INET member beside dual-stack ones");

	for (int i = 0; i < N; i++) {
		src[i] = sock6(b.s[0], false);
		cr_assert_eq(dps_sendto(src[i], "rp", 2, 0, (struct sockaddr *)&to,
			sizeof(to)), 2);
	}
	settle(&b);
	got[0] = drain(r[0]);
	got[1] = drain(r[1]);
	cr_assert_eq(got[0] + got[1], N);
	cr_assert(got[0] != 0 && got[1] != 0, "spread %u/%u", got[0], got[1]);
	cr_assert_eq(drain(f4), 0, "IPv6 reaches AF_INET6 members only");

	cr_assert_eq(dps_close(r[0]), 0);
	for (int i = 0; i < N; i++)
		cr_assert_eq(dps_sendto(src[i], "rp", 2, 0, (struct sockaddr *)&to,
			sizeof(to)), 2);
	settle(&b);
	cr_assert_eq(drain(r[1]), N, "the last member takes all");
	for (int i = 0; i < N; i++)
		cr_assert_eq(dps_close(src[i]), 0);
	cr_assert_eq(dps_close(r[1]), 0);
	cr_assert_eq(dps_close(fx), 0);
	cr_assert_eq(dps_close(f4), 0);
	settle(&b);
	assert_no_sockets(&b);
	bench_down(&b);
}

/* ---- a raw peer ---------------------------------------------------------- */

/* A's next frame to the peer: its IPv6 header, checked to be UDP from a6
 * with a good checksum. */
static const uint8_t *
udp6_frame(struct bench *b, struct rte_mbuf **m)
{
	const uint8_t *p, *ip;

	settle(b);
	*m = peer_pop(b);
	cr_assert_not_null(*m, "no datagram");
	p = rte_pktmbuf_mtod(*m, const uint8_t *);
	cr_assert_eq(rd16(p + 12), RTE_ETHER_TYPE_IPV6);
	ip = p + ETH_LEN;
	cr_assert_eq(ip[6], IPPROTO_UDP);
	cr_assert_eq(memcmp(ip + 8, a6, 16), 0);
	cr_assert_eq(memcmp(ip + 24, peer6, 16), 0);
	cr_assert_eq(rte_ipv6_udptcp_cksum_verify((const struct rte_ipv6_hdr *)ip,
		ip + DPS_IPV6_HLEN), 0, "UDP checksum over the IPv6 pseudo-header");
	return ip;
}

/* A datagram from peer6:@sport to a6:@dport, behind a hop-by-hop header
 * of 8 bytes (PadN) when @hbh. */
static uint32_t
mk_udp6(uint8_t *f, const struct bench *b, uint16_t sport, uint16_t dport,
	const char *data, uint16_t n, bool hbh)
{
	uint8_t *ip = f + ETH_LEN, *uh = ip + DPS_IPV6_HLEN + (hbh ? 8 : 0);
	uint16_t sum;

	dps_eth_build(f, ETH_LEN, &b->mac[0], &peer_mac, RTE_ETHER_TYPE_IPV6);
	dps_ipv6_build(ip, DPS_IPV6_HLEN, peer6, a6, hbh ? 0 : IPPROTO_UDP,
		(uint16_t)(8 + n + (hbh ? 8 : 0)), 64, 0, 0);
	if (hbh) {
		uint8_t *h = ip + DPS_IPV6_HLEN;

		memset(h, 0, 8);
		h[0] = IPPROTO_UDP;	/* next header */
		h[2] = 1;		/* PadN, 4 bytes */
		h[3] = 4;
	}
	wr16(uh, sport);
	wr16(uh + 2, dport);
	wr16(uh + 4, (uint16_t)(8 + n));
	memset(uh + 6, 0, 2);
	memcpy(uh + 8, data, n);
	sum = dps_l4v6_csum(uh, 8u + n, peer6, a6, IPPROTO_UDP);
	memcpy(uh + 6, &sum, 2);
	return pad60(f, (uint32_t)(uh + 8 + n - f));
}

/*
 * The frame: IPV6_UNICAST_HOPS and IPV6_TCLASS reach the header, the
 * defaults are 64 and 0, the checksum covers the pseudo-header. A
 * datagram with a hop-by-hop header is delivered, its sender named.
 */
Test(dpdk, udp6_frame_and_options)
{
	struct bench b;
	struct sockaddr_in6 to = sin6_of(peer6, 7000), from;
	socklen_t l = sizeof(int), fl = sizeof(from);
	uint8_t f[FRAME_MAX];
	struct rte_mbuf *m;
	const uint8_t *ip;
	char buf[32];
	int fd, v = 0;

	raw_up6(&b, "u6fo");
	fd = sock6(b.s[0], false);
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &l), 0);
	cr_assert_eq(v, 64);
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, &l), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &l), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(dps_getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &l), 0);
	cr_assert_eq(v, AF_INET6);
	cr_assert_eq(dps_sendto(fd, "abc", 3, 0, (struct sockaddr *)&to, sizeof(to)), 3);
	ip = udp6_frame(&b, &m);
	cr_assert_eq(ip[7], 64, "default hop limit");
	cr_assert_eq((rd32(ip) >> 20) & 0xff, 0, "default traffic class");
	cr_assert_eq(rd16(ip + DPS_IPV6_HLEN + 2), 7000);
	cr_assert_eq(memcmp(ip + DPS_IPV6_HLEN + 8, "abc", 3), 0);
	rte_pktmbuf_free(m);

	v = 7;
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), 0);
	v = 0xb8;
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)), 0);
	cr_assert_eq(dps_sendto(fd, "de", 2, 0, (struct sockaddr *)&to, sizeof(to)), 2);
	ip = udp6_frame(&b, &m);
	cr_assert_eq(ip[7], 7);
	cr_assert_eq((rd32(ip) >> 20) & 0xff, 0xb8);
	rte_pktmbuf_free(m);
	v = -1;
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), 0);
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)), 0);
	l = sizeof(v);
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, &l), 0);
	cr_assert_eq(v, 64, "-1 is the default again");
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, &l), 0);
	cr_assert_eq(v, 0);
	v = 256;
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &v, sizeof(v)), -1);
	cr_assert_eq(errno, EINVAL);
	v = -2;
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, sizeof(v)), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, &v, 2), -1);
	cr_assert_eq(errno, EINVAL);
	v = 1;
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, sizeof(v)), -1,
		"bound by the sendto()");
	cr_assert_eq(errno, EINVAL);

	/* From the peer, behind a hop-by-hop header, to our port. */
	peer_send(&b, f, mk_udp6(f, &b, 7000, ntohs(name6(fd, false).sin6_port),
		"hbh", 3, true));
	settle(&b);
	cr_assert_eq(dps_recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
		&fl), 3);
	cr_assert_eq(memcmp(buf, "hbh", 3), 0);
	cr_assert(same6(&from, peer6, 7000));
	/* To a port nobody holds: port unreachable, the datagram counted. */
	peer_send(&b, f, mk_udp6(f, &b, 7000, 4444, "no", 2, false));
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no port unreachable");
	ip = rte_pktmbuf_mtod(m, const uint8_t *) + ETH_LEN;
	cr_assert_eq(ip[6], DPS_IP6_NH_ICMPV6);
	cr_assert_eq(ip[DPS_IPV6_HLEN], 1);
	cr_assert_eq(ip[DPS_IPV6_HLEN + 1], 4);
	rte_pktmbuf_free(m);
	cr_assert_eq(dps_close(fd), 0);
	settle(&b);
	assert_no_sockets(&b);
	bench_down(&b);
}

/* The flow label of the next datagram A sends to the peer. */
static uint32_t
udp6_label_sent(struct bench *b, int fd, const struct sockaddr_in6 *to)
{
	struct rte_mbuf *m;
	const uint8_t *ip;
	uint32_t fl;

	if (to != NULL)
		cr_assert_eq(dps_sendto(fd, "f", 1, 0, (const struct sockaddr *)to,
			sizeof(*to)), 1);
	else
		cr_assert_eq(dps_send(fd, "f", 1, 0), 1);
	ip = udp6_frame(b, &m);
	fl = rd32(ip) & DPS_IPV6_FLOWLABEL_MASK;
	rte_pktmbuf_free(m);
	return fl;
}

/*
 * Automatic flow labels on datagrams (Linux's ip6_make_flowlabel() with
 * auto_flowlabels 1): an unconnected socket's carry the label of their
 * tuple's hash, the same for each datagram to one destination; a
 * connected socket's the label of the hash it drew at connect();
 * IPV6_AUTOFLOWLABEL 0 sends none. The port unreachable A sends is
 * labelled as well (Linux's icmpv6 control socket).
 */
Test(dpdk, udp6_flowlabel)
{
	struct bench b;
	struct sockaddr_in6 to = sin6_of(peer6, 7000), to2 = sin6_of(peer6, 7001);
	uint8_t f[FRAME_MAX];
	struct rte_mbuf *m;
	const uint8_t *ip;
	uint32_t l1, l2, c1;
	int fd, cfd, v = 0;
	socklen_t l = sizeof(v);

	raw_up6(&b, "u6fl");
	fd = sock6(b.s[0], false);
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, &v, &l), 0);
	cr_assert_eq(v, 1, "auto_flowlabels 1: on by default");
	l1 = udp6_label_sent(&b, fd, &to);
	cr_assert_neq(l1, 0);
	cr_assert_eq(udp6_label_sent(&b, fd, &to), l1, "one tuple, one label");
	l2 = udp6_label_sent(&b, fd, &to2);
	cr_assert_neq(l2, 0);
	cr_assert_neq(l2, l1, "two tuples, one label %#x", l1);
	v = 0;
	cr_assert_eq(dps_setsockopt(fd, IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, &v, sizeof(v)), 0);
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_IPV6, IPV6_AUTOFLOWLABEL, &v, &l), 0);
	cr_assert_eq(v, 0);
	cr_assert_eq(udp6_label_sent(&b, fd, &to), 0);
	/* Connected: the socket's own hash. */
	cfd = sock6(b.s[0], false);
	cr_assert_eq(dps_connect(cfd, (struct sockaddr *)&to, sizeof(to)), 0);
	c1 = udp6_label_sent(&b, cfd, NULL);
	cr_assert_neq(c1, 0);
	cr_assert_eq(udp6_label_sent(&b, cfd, NULL), c1);
	/* The stack's port unreachable: labelled. */
	peer_send(&b, f, mk_udp6(f, &b, 7000, 4445, "no", 2, false));
	settle(&b);
	m = peer_pop(&b);
	cr_assert_not_null(m, "no port unreachable");
	ip = rte_pktmbuf_mtod(m, const uint8_t *) + ETH_LEN;
	cr_assert_eq(ip[6], DPS_IP6_NH_ICMPV6);
	cr_assert_neq(rd32(ip) & DPS_IPV6_FLOWLABEL_MASK, 0, "ICMPv6 error unlabelled");
	rte_pktmbuf_free(m);
	cr_assert_eq(dps_close(fd), 0);
	cr_assert_eq(dps_close(cfd), 0);
	settle(&b);
	assert_no_sockets(&b);
	bench_down(&b);
}

/*
 * bind()'s and connect()'s refusals, in Linux's order: the length below
 * SIN6_LEN_RFC2133, the family, a second bind, an address not ours, a
 * link-local one without an interface, a v4-mapped one on a v6-only
 * socket; a specific IPv6 address makes the socket v6-only; port
 * conflicts between the families.
 */
Test(dpdk, udp6_bind_connect_checks)
{
	static const uint8_t ll[16] = { 0xfe, 0x80, [15] = 0x42 };
	struct bench b;
	struct sockaddr_in6 s6 = sin6_of(a6, 6000), peer;
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(6001),
		.sin_addr.s_addr = A_IP };
	struct dps_addr lla;
	socklen_t l = sizeof(int);
	int fd, f2, f4, v = 0;

	raw_up6(&b, "u6bc");
	fd = sock6(b.s[0], false);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&s6, 23), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&s4, sizeof(s4)), -1);
	cr_assert_eq(errno, EINVAL, "16 bytes: below SIN6_LEN_RFC2133");
	s6.sin6_family = AF_INET;
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&s6, sizeof(s6)), -1);
	cr_assert_eq(errno, EAFNOSUPPORT);
	s6 = sin6_of(b6, 6000);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&s6, sizeof(s6)), -1);
	cr_assert_eq(errno, EADDRNOTAVAIL);
	s6 = sin6_of(ll, 6000);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&s6, sizeof(s6)), -1);
	cr_assert_eq(errno, EINVAL, "link-local without a scope id");
	cr_assert_eq(dps_stack_linklocal(b.s[0], 0, &lla), 0);
	wait_dad6(&b, b.s[0], lla.v6);
	s6 = sin6_of(lla.v6, 6000);
	s6.sin6_scope_id = 2;
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&s6, sizeof(s6)), -1);
	cr_assert_eq(errno, ENODEV, "one interface");
	s6.sin6_scope_id = 1;
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&s6, sizeof(s6)), 0);
	cr_assert_eq(name6(fd, false).sin6_scope_id, 1, "a link-local name has its scope");
	cr_assert_eq(dps_getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v, &l), 0);
	cr_assert_eq(v, 1, "an IPv6 address binds IPv6 alone");
	cr_assert_eq(bind6(fd, a6, 6002), -1);
	cr_assert_eq(errno, EINVAL, "bound already");
	cr_assert_eq(dps_close(fd), 0);

	/* v4-mapped: refused on a v6-only socket, checked as AF_INET is. */
	fd = sock6(b.s[0], true);
	s6 = mapped_of(A_IP, 6003);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&s6, sizeof(s6)), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(dps_close(fd), 0);
	fd = sock6(b.s[0], false);
	s6 = mapped_of(B_IP, 6003);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&s6, sizeof(s6)), -1);
	cr_assert_eq(errno, EADDRNOTAVAIL);
	s6 = mapped_of(A_IP, 6003);
	cr_assert_eq(dps_bind(fd, (struct sockaddr *)&s6, sizeof(s6)), 0);
	cr_assert_eq(memcmp(name6(fd, false).sin6_addr.s6_addr, s6.sin6_addr.s6_addr, 16), 0);
	peer = sin6_of(peer6, 7000);
	cr_assert_eq(connect6(fd, &peer), -1);
	cr_assert_eq(errno, EAFNOSUPPORT, "a v4-mapped source has no IPv6 route");
	/* It holds 6003 for IPv4: AF_INET conflicts, a v6-only one does not. */
	f4 = dps_socket_on(b.s[0], AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	s4.sin_port = htons(6003);
	cr_assert_eq(dps_bind(f4, (struct sockaddr *)&s4, sizeof(s4)), -1);
	cr_assert_eq(errno, EADDRINUSE);
	f2 = sock6(b.s[0], true);
	cr_assert_eq(bind6(f2, in6addr_any.s6_addr, 6003), 0);
	cr_assert_eq(dps_close(f2), 0);
	cr_assert_eq(dps_close(fd), 0);
	/* An AF_INET socket first: a dual-stack [::] conflicts with it, a
	 * v6-only one and one on an IPv6 address do not. */
	cr_assert_eq(dps_bind(f4, (struct sockaddr *)&s4, sizeof(s4)), 0);
	fd = sock6(b.s[0], false);
	cr_assert_eq(bind6(fd, in6addr_any.s6_addr, 6003), -1);
	cr_assert_eq(errno, EADDRINUSE);
	cr_assert_eq(bind6(fd, a6, 6003), 0);
	cr_assert_eq(dps_close(fd), 0);

	/* connect(): the length, the family, AF_INET on a v6-only socket,
	 * link-local without a scope, our own address; a failed connect
	 * keeps the autobound port and no peer. */
	fd = sock6(b.s[0], false);
	s6 = sin6_of(peer6, 7000);
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&s6, 23), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_neq(name6(fd, false).sin6_port, 0, "autobind comes first");
	s6.sin6_family = AF_UNIX;
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&s6, sizeof(s6)), -1);
	cr_assert_eq(errno, EAFNOSUPPORT);
	/* AF_INET on a dual-stack socket: an IPv4 peer, named v4-mapped. */
	s4.sin_addr.s_addr = PEER_IP;
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&s4, sizeof(s4)), 0);
	peer = name6(fd, true);
	cr_assert(same6(&peer, mapped_of(PEER_IP, 0).sin6_addr.s6_addr, 6003));
	cr_assert_eq(memcmp(name6(fd, false).sin6_addr.s6_addr,
		mapped_of(A_IP, 0).sin6_addr.s6_addr, 16), 0);
	cr_assert_eq(dps_connect(fd, (struct sockaddr *)&(struct sockaddr){
		.sa_family = AF_UNSPEC }, sizeof(struct sockaddr)), 0);
	cr_assert(same6(&(struct sockaddr_in6){ .sin6_addr = name6(fd, false).sin6_addr },
		in6addr_any.s6_addr, 0), "the chosen source goes");
	s6 = sin6_of(ll, 7000);
	cr_assert_eq(connect6(fd, &s6), -1);
	cr_assert_eq(errno, EINVAL);
	s6 = sin6_of(a6, 7000);
	cr_assert_eq(connect6(fd, &s6), -1);
	cr_assert_eq(errno, ENETUNREACH, "our own address: Linux's loopback");
	s6 = sin6_of((const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb9, [15] = 1 }, 7000);
	cr_assert_eq(connect6(fd, &s6), -1);
	cr_assert_eq(errno, ENETUNREACH, "no route");
	cr_assert_eq(dps_getpeername(fd, (struct sockaddr *)&peer,
		&(socklen_t){ sizeof(peer) }), -1);
	cr_assert_eq(errno, ENOTCONN);
	cr_assert_eq(dps_close(fd), 0);
	cr_assert_eq(dps_close(f4), 0);
	settle(&b);
	assert_no_sockets(&b);
	bench_down(&b);
}
