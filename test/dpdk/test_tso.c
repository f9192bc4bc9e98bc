/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP segmentation offload on the test wire, under the virtual clock.
 *
 * The wire (dps_testwire_conf.tso) is a NIC that cuts TSO frames in
 * software: first it is checked on its own, with frames built here as a
 * driver's caller must build them (the pieces' sequence numbers, flags,
 * lengths, IPv4 identifications and checksums, for IPv4 and IPv6) and
 * with frames whose offload metadata a NIC would refuse (each dropped
 * and counted). Then two stacks move data over it with TSO on, over
 * IPv4 and over IPv6, without impairment, under loss and under
 * reordering: every byte checked, every piece on the wire no longer
 * than the MSS and with good checksums, the stacks' frames cut into
 * several pieces, no frame refused.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <criterion/criterion.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dpstack.h"
#include "dps_socket.h"
#include "dps_testwire.h"
#include "dps_test_eal.h"
#include "dps_bench.h"

#define KIB		1024u
#define SRV_PORT	8080
#define MSS4		1448	/* 1500 - 40 - 12 (timestamps) */
#define MSS6		1428	/* 1500 - 60 - 12 */

static const uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
static const uint8_t b6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };

/* Byte i of a stream is a function of i, so that any loss, duplication
 * or reordering shows. */
static uint8_t
pat(uint64_t i, unsigned int seed)
{
	return (uint8_t)((i * 131 + seed + (i >> 9)) & 0xff);
}

/* ---- the wire on its own -------------------------------------------------- */

#define TH_LEN		32	/* 20 + NOP NOP timestamps */
#define SEQ0		0xfffff000u	/* the pieces wrap the sequence space */
#define ID0		0xfffe		/* and the identification */

/* A raw bench with TSO on the wire and side 0's port started, so the test
 * sends on side 0 and the raw peer reads side 1. */
static void
wire_up(struct bench *b, const char *name)
{
	struct dps_testwire_conf wc = { .seed = 1, .tso = true };

	bench_up(b, name, &wc, true);
	dps_test_port_start(b->port[0], b->ppool);
}

static void
wire_down(struct bench *b)
{
	cr_assert_eq(rte_eth_dev_stop(b->port[0]), 0);
	bench_down(b);
}

/* What a frame from the wire test carries. */
struct tso_spec {
	bool v6;
	uint32_t plen;		/* payload */
	uint16_t segsz;
	uint8_t flags;		/* TCP flags of the frame */
};

/* Ethernet + IPv4 (or IPv6) + TCP (TH_LEN) of a frame of @plen payload
 * bytes, into @p; returns the headers' length. */
static uint16_t
tso_headers(uint8_t *p, const struct tso_spec *sp)
{
	struct rte_ether_hdr *eh = (void *)p;
	uint16_t l3 = sp->v6 ? 40 : 20;
	struct rte_tcp_hdr *th = (void *)(p + ETH_LEN + l3);
	uint8_t *opt = (uint8_t *)(th + 1);

	memset(p, 0, ETH_LEN + l3 + TH_LEN);
	memset(&eh->dst_addr, 0x02, 6);
	eh->src_addr.addr_bytes[0] = 0x02;
	eh->ether_type = rte_cpu_to_be_16(sp->v6 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4);
	if (sp->v6) {
		struct rte_ipv6_hdr *ip = (void *)(eh + 1);

		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16((uint16_t)(TH_LEN + sp->plen));
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, a6, 16);
		memcpy(ip->dst_addr, b6, 16);
	} else {
		struct rte_ipv4_hdr *ip = (void *)(eh + 1);

		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16((uint16_t)(20 + TH_LEN + sp->plen));
		ip->packet_id = rte_cpu_to_be_16(ID0);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		ip->src_addr = A_IP;
		ip->dst_addr = B_IP;
	}
	th->src_port = rte_cpu_to_be_16(40000);
	th->dst_port = rte_cpu_to_be_16(SRV_PORT);
	th->sent_seq = rte_cpu_to_be_32(SEQ0);
	th->recv_ack = rte_cpu_to_be_32(77);
	th->data_off = (TH_LEN / 4) << 4;
	th->tcp_flags = sp->flags;
	th->rx_win = rte_cpu_to_be_16(1000);
	opt[0] = opt[1] = 1;
	opt[2] = 8;
	opt[3] = 10;
	for (int i = 4; i < 12; i++)
		opt[i] = (uint8_t)(0x40 + i);
	return (uint16_t)(ETH_LEN + l3 + TH_LEN);
}

/*
 * A TSO frame as a driver's caller builds it: the headers in one mbuf,
 * the payload (byte i = pat(i, 5)) chained after it in mbufs of odd
 * sizes, the offload metadata, the pseudo-header sum without the length.
 */
static struct rte_mbuf *
tso_frame(struct bench *b, const struct tso_spec *sp)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(b->ppool);
	uint32_t off = 0;
	uint8_t *p;
	uint16_t hlen;

	cr_assert_not_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, ETH_LEN + 40 + TH_LEN);
	hlen = tso_headers(p, sp);
	rte_pktmbuf_trim(m, (uint16_t)(ETH_LEN + 40 + TH_LEN - hlen));
	while (off < sp->plen) {
		uint32_t n = RTE_MIN(sp->plen - off, off == 0 ? 777u : 1999u);
		struct rte_mbuf *c = rte_pktmbuf_alloc(b->ppool);
		uint8_t *d;

		cr_assert_not_null(c);
		d = (uint8_t *)rte_pktmbuf_append(c, (uint16_t)n);
		cr_assert_not_null(d);
		for (uint32_t i = 0; i < n; i++)
			d[i] = pat(off + i, 5);
		off += n;
		cr_assert_eq(rte_pktmbuf_chain(m, c), 0);
	}
	m->l2_len = ETH_LEN;
	m->l3_len = sp->v6 ? 40 : 20;
	m->l4_len = TH_LEN;
	m->tso_segsz = sp->segsz;
	m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | (sp->v6 ? RTE_MBUF_F_TX_IPV6 :
		RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM);
	{
		void *l3 = p + ETH_LEN;
		struct rte_tcp_hdr *th = (void *)(p + ETH_LEN + m->l3_len);

		th->cksum = sp->v6 ? rte_ipv6_phdr_cksum(l3, m->ol_flags) :
			rte_ipv4_phdr_cksum(l3, m->ol_flags);
	}
	return m;
}

static void
wire_send(struct bench *b, struct rte_mbuf *m)
{
	cr_assert_eq(rte_eth_tx_burst(b->port[0], 0, &m, 1), 1);
	run(b, 2, 0);
}

/* Piece @k of @sp's frame, as received: the headers copied with this
 * piece's numbers, the payload's bytes, both checksums good. */
static void
check_piece(struct rte_mbuf *m, const struct tso_spec *sp, uint32_t k, uint32_t n_pieces)
{
	uint8_t want[ETH_LEN + 40 + TH_LEN];
	uint16_t l3 = sp->v6 ? 40 : 20, hlen = tso_headers(want, sp);
	uint32_t off = k * sp->segsz, len = RTE_MIN((uint32_t)sp->segsz, sp->plen - off);
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	const struct rte_tcp_hdr *th = (const void *)(p + ETH_LEN + l3);
	uint8_t flags = sp->flags;

	cr_assert_eq(m->nb_segs, 1);
	cr_assert_eq(m->pkt_len, hlen + len, "piece %u: %u bytes", k, m->pkt_len);
	cr_assert_eq(memcmp(p, want, ETH_LEN), 0);
	if (sp->v6) {
		const struct rte_ipv6_hdr *ip = (const void *)(p + ETH_LEN);

		cr_assert_eq(rte_be_to_cpu_16(ip->payload_len), TH_LEN + len);
		cr_assert_eq(memcmp(ip->src_addr, a6, 16), 0);
		cr_assert_eq(rte_ipv6_udptcp_cksum_verify(ip, th), 0, "piece %u TCP sum", k);
	} else {
		const struct rte_ipv4_hdr *ip = (const void *)(p + ETH_LEN);

		cr_assert_eq(rte_be_to_cpu_16(ip->total_length), 20 + TH_LEN + len);
		cr_assert_eq(rte_be_to_cpu_16(ip->packet_id), (uint16_t)(ID0 + k),
			"piece %u: IP ID %#x", k, rte_be_to_cpu_16(ip->packet_id));
		cr_assert_eq(ip->fragment_offset, rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG));
		cr_assert_eq(rte_ipv4_cksum(ip), 0, "piece %u IP sum", k);
		cr_assert_eq(rte_ipv4_udptcp_cksum_verify(ip, th), 0, "piece %u TCP sum", k);
	}
	cr_assert_eq(rte_be_to_cpu_32(th->sent_seq), SEQ0 + off, "piece %u seq", k);
	cr_assert_eq(th->recv_ack, rte_cpu_to_be_32(77));
	if (k + 1 != n_pieces)
		flags &= (uint8_t)~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
	if (k != 0)
		flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
	cr_assert_eq(th->tcp_flags, flags, "piece %u flags %#x, want %#x", k,
		th->tcp_flags, flags);
	cr_assert_eq(memcmp(th + 1, want + ETH_LEN + l3 + 20, TH_LEN - 20), 0,
		"piece %u options", k);
	for (uint32_t i = 0; i < len; i++)
		cr_assert_eq(p[hlen + i], pat(off + i, 5), "piece %u byte %u", k, i);
}

/* One frame of @sp through the wire: its pieces as a NIC cuts them. */
static void
cut_one(struct bench *b, const struct tso_spec *sp)
{
	uint32_t n = (sp->plen + sp->segsz - 1) / sp->segsz;
	struct dps_testwire_stats st0, st;
	struct rte_mbuf *m;

	dps_testwire_stats(b->w, 0, &st0);
	wire_send(b, tso_frame(b, sp));
	for (uint32_t k = 0; k < n; k++) {
		m = peer_pop(b);
		cr_assert_not_null(m, "piece %u of %u missing", k, n);
		check_piece(m, sp, k, n);
		rte_pktmbuf_free(m);
	}
	cr_assert_null(peer_pop(b), "more than %u pieces", n);
	dps_testwire_stats(b->w, 0, &st);
	cr_assert_eq(st.tso_frames - st0.tso_frames, 1);
	cr_assert_eq(st.tso_pieces - st0.tso_pieces, n);
	cr_assert_eq(st.sent - st0.sent, n, "each piece is one frame on the wire");
	cr_assert_eq(st.offload_bad, 0);
}

Test(dpdk, tso_wire_cuts, .timeout = 60)
{
	struct bench b;
	const uint8_t af = RTE_TCP_ACK_FLAG;

	wire_up(&b, "tsocut");
	/* 3.5 pieces, FIN, PSH and CWR: where each flag goes. */
	cut_one(&b, &(struct tso_spec){ .plen = 3500, .segsz = 1000,
		.flags = af | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_CWR_FLAG });
	cut_one(&b, &(struct tso_spec){ .v6 = true, .plen = 3500, .segsz = 1000,
		.flags = af | RTE_TCP_PSH_FLAG | RTE_TCP_FIN_FLAG | RTE_TCP_CWR_FLAG });
	/* Whole pieces, the largest frame a 16-bit IPv4 length allows. */
	cut_one(&b, &(struct tso_spec){ .plen = 44 * 1448, .segsz = 1448, .flags = af });
	cut_one(&b, &(struct tso_spec){ .v6 = true, .plen = 44 * 1428, .segsz = 1428,
		.flags = af | RTE_TCP_PSH_FLAG });
	/* One piece only: the frame goes as it is, its sums filled. */
	cut_one(&b, &(struct tso_spec){ .plen = 700, .segsz = 1448,
		.flags = af | RTE_TCP_PSH_FLAG | RTE_TCP_CWR_FLAG });
	wire_down(&b);
}

/* What each refused frame gets wrong. */
enum tso_bad {
	BAD_SUM_WITH_LEN,	/* the pseudo-header sum with the length */
	BAD_L4_LEN,		/* l4_len not the data offset's */
	BAD_L3_LEN,		/* l3_len not the header's */
	BAD_L2_LEN,
	BAD_NO_IP_CKSUM,	/* IPv4 TSO without TX_IP_CKSUM */
	BAD_NO_FAMILY,		/* neither TX_IPV4 nor TX_IPV6 */
	BAD_BOTH_FAMILIES,
	BAD_WRONG_FAMILY,	/* TX_IPV4 on an IPv6 frame */
	BAD_SEGSZ_0,
	BAD_SYN,
	BAD_IP_SUM_SET,		/* the IPv4 checksum field not 0 */
	BAD_TOT_LEN,		/* IPv4 total length not the frame's */
	BAD_V6_PLEN,		/* IPv6 payload length not the frame's */
	BAD_UDP_CKSUM,		/* an offload the wire does not offer */
	BAD_N
};

static struct rte_mbuf *
bad_frame(struct bench *b, enum tso_bad k)
{
	bool v6 = k == BAD_WRONG_FAMILY || k == BAD_V6_PLEN;
	struct tso_spec sp = { .v6 = v6, .plen = 3000, .segsz = 1000,
		.flags = k == BAD_SYN ? RTE_TCP_SYN_FLAG : RTE_TCP_ACK_FLAG };
	struct rte_mbuf *m = tso_frame(b, &sp);
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_ipv4_hdr *ip = (void *)(p + ETH_LEN);
	struct rte_tcp_hdr *th = (void *)(p + ETH_LEN + m->l3_len);

	switch (k) {
	case BAD_SUM_WITH_LEN: th->cksum = rte_ipv4_phdr_cksum(ip, 0); break;
	case BAD_L4_LEN: m->l4_len = 20; break;
	case BAD_L3_LEN: m->l3_len = 24; break;
	case BAD_L2_LEN: m->l2_len = 18; break;
	case BAD_NO_IP_CKSUM: m->ol_flags &= ~RTE_MBUF_F_TX_IP_CKSUM; break;
	case BAD_NO_FAMILY:
		m->ol_flags &= ~(RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM); break;
	case BAD_BOTH_FAMILIES: m->ol_flags |= RTE_MBUF_F_TX_IPV6; break;
	case BAD_WRONG_FAMILY: m->ol_flags = RTE_MBUF_F_TX_TCP_SEG | RTE_MBUF_F_TX_IPV4 |
		RTE_MBUF_F_TX_IP_CKSUM; break;
	case BAD_SEGSZ_0: m->tso_segsz = 0; break;
	case BAD_SYN: break;
	case BAD_IP_SUM_SET: ip->hdr_checksum = rte_ipv4_cksum(ip); break;
	case BAD_TOT_LEN: ip->total_length = rte_cpu_to_be_16(1500); break;
	case BAD_V6_PLEN: ((struct rte_ipv6_hdr *)ip)->payload_len = rte_cpu_to_be_16(1500); break;
	case BAD_UDP_CKSUM: m->ol_flags |= RTE_MBUF_F_TX_UDP_CKSUM; break;
	case BAD_N: break;
	}
	return m;
}

/* Frames a NIC would refuse are dropped and counted, one by one; a frame
 * asking for the IPv4 header checksum alone gets it filled; a frame
 * asking for nothing crosses untouched. */
Test(dpdk, tso_wire_refuses_bad_metadata, .timeout = 60)
{
	struct dps_testwire_stats st;
	struct bench b;
	struct rte_mbuf *m;

	wire_up(&b, "tsobad");
	for (int k = 0; k < BAD_N; k++) {
		wire_send(&b, bad_frame(&b, (enum tso_bad)k));
		m = peer_pop(&b);
		cr_assert_null(m, "bad frame %d crossed", k);
		dps_testwire_stats(b.w, 0, &st);
		cr_assert_eq(st.offload_bad, (uint64_t)k + 1, "bad frame %d not counted", k);
		cr_assert_eq(st.sent, 0);
	}
	/* IP_CKSUM alone, on a frame of one piece's size. */
	{
		struct tso_spec sp = { .plen = 100, .segsz = 1000, .flags = RTE_TCP_ACK_FLAG };
		struct rte_ipv4_hdr *ip;
		struct rte_tcp_hdr *th;

		m = tso_frame(&b, &sp);
		cr_assert_eq(rte_pktmbuf_linearize(m), 0);
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, ETH_LEN);
		th = (void *)(ip + 1);
		th->cksum = 0;
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
		m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
		wire_send(&b, m);
		m = peer_pop(&b);
		cr_assert_not_null(m);
		ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, ETH_LEN);
		cr_assert_neq(ip->hdr_checksum, 0);
		cr_assert_eq(rte_ipv4_cksum(ip), 0, "IP header sum not filled");
		cr_assert_eq(rte_ipv4_udptcp_cksum_verify(ip, (void *)(ip + 1)), 0);
		rte_pktmbuf_free(m);
	}
	/* No flag: untouched, even a bad IP checksum. */
	{
		uint8_t f[ETH_LEN + 20 + TH_LEN];
		struct tso_spec sp = { .plen = 0, .flags = RTE_TCP_ACK_FLAG };
		uint16_t len = tso_headers(f, &sp);

		f[ETH_LEN + 10] = 0x12;
		m = rte_pktmbuf_alloc(b.ppool);
		memcpy(rte_pktmbuf_append(m, len), f, len);
		wire_send(&b, m);
		m = peer_pop(&b);
		cr_assert_not_null(m);
		assert_bytes(m, f, len);
		rte_pktmbuf_free(m);
	}
	dps_testwire_stats(b.w, 0, &st);
	cr_assert_eq(st.offload_bad, BAD_N);
	cr_assert_eq(st.tso_frames, 0);
	wire_down(&b);
}

/* ---- two stacks --------------------------------------------------------------- */

/* What the stacks put on the wire, read by the tap: TCP data pieces and
 * the largest, per direction. */
struct tap_log {
	uint64_t pieces[2], full[2], over[2], bad_sum[2];
	uint16_t mss;
};

/* Check a TCP piece of a direction: payload within the MSS, checksums
 * good (the wire filled them). */
static void
tap_fn(void *arg, int dir, const struct rte_mbuf *m)
{
	struct tap_log *t = arg;
	const uint8_t *p = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t type = rd16(p + 12);
	const struct rte_tcp_hdr *th;
	uint32_t plen;
	bool good;

	if (m->nb_segs != 1)
		return;
	if (type == RTE_ETHER_TYPE_IPV4 && p[ETH_LEN + 9] == IPPROTO_TCP) {
		const struct rte_ipv4_hdr *ip = (const void *)(p + ETH_LEN);

		th = (const void *)(p + ETH_LEN + rte_ipv4_hdr_len(ip));
		plen = rte_be_to_cpu_16(ip->total_length) - rte_ipv4_hdr_len(ip) -
			(th->data_off >> 4) * 4u;
		good = rte_ipv4_cksum(ip) == 0 && rte_ipv4_udptcp_cksum_verify(ip, th) == 0;
	} else if (type == RTE_ETHER_TYPE_IPV6 && p[ETH_LEN + 6] == IPPROTO_TCP) {
		const struct rte_ipv6_hdr *ip = (const void *)(p + ETH_LEN);

		th = (const void *)(ip + 1);
		plen = rte_be_to_cpu_16(ip->payload_len) - (th->data_off >> 4) * 4u;
		good = rte_ipv6_udptcp_cksum_verify(ip, th) == 0;
	} else {
		return;
	}
	t->bad_sum[dir] += !good;
	if (plen == 0)
		return;
	t->pieces[dir]++;
	t->full[dir] += plen == t->mss;
	t->over[dir] += plen > t->mss;
}

/* One direction of a transfer. */
struct flow {
	int tx, rx;
	uint64_t total, sent, got;
	unsigned int seed;
	bool shut;
};

static void
flow_step(struct flow *f)
{
	uint8_t buf[16384];

	while (f->sent < f->total) {
		size_t n = RTE_MIN(f->total - f->sent, sizeof(buf));
		ssize_t r;

		for (size_t i = 0; i < n; i++)
			buf[i] = pat(f->sent + i, f->seed);
		r = dps_send(f->tx, buf, n, 0);
		if (r < 0) {
			cr_assert_eq(errno, EAGAIN, "send: errno %d", errno);
			break;
		}
		f->sent += (uint64_t)r;
	}
	if (f->sent == f->total && !f->shut) {
		cr_assert_eq(dps_shutdown(f->tx, SHUT_WR), 0);
		f->shut = true;
	}
	for (;;) {
		ssize_t r = dps_recv(f->rx, buf, sizeof(buf), 0);

		if (r <= 0) {
			cr_assert(r == 0 || errno == EAGAIN, "recv: errno %d", errno);
			break;
		}
		for (ssize_t i = 0; i < r; i++)
			cr_assert_eq(buf[i], pat(f->got + (uint64_t)i, f->seed),
				"byte %" PRIu64 " wrong", f->got + (uint64_t)i);
		f->got += (uint64_t)r;
	}
}

/* @n bytes each way, both half-closed at the end; every byte checked. */
static void
transfer(struct bench *b, int cfd, int sfd, uint64_t n, uint64_t limit)
{
	struct flow f[2] = {
		{ .tx = cfd, .rx = sfd, .total = n, .seed = 7 },
		{ .tx = sfd, .rx = cfd, .total = n, .seed = 99 },
	};

	while (f[0].got < n || f[1].got < n || !f[0].shut || !f[1].shut) {
		flow_step(&f[0]);
		flow_step(&f[1]);
		step(b, 100 * US);
		cr_assert_lt(vnow(b), limit, "stalled: A->B %" PRIu64 ", B->A %" PRIu64
			" of %" PRIu64, f[0].got, f[1].got, n);
	}
}

static int
tcp_sock(struct dps_stack *s, int family)
{
	int fd = dps_socket_on(s, family, SOCK_STREAM | SOCK_NONBLOCK, 0);

	cr_assert_geq(fd, 0, "socket: errno %d", errno);
	return fd;
}

/* The address of side @side in @family, port @port. */
static socklen_t
addr_of(int family, int side, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (void *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(s6->sin6_addr.s6_addr, side == 0 ? a6 : b6, 16);
		return sizeof(*s6);
	}
	struct sockaddr_in *s4 = (void *)ss;

	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	s4->sin_addr.s_addr = side == 0 ? A_IP : B_IP;
	return sizeof(*s4);
}

/* Two stacks on a TSO wire, with IPv6 addresses too (two_up46()). */
static void
two_up(struct bench *b, const char *w, struct dps_testwire_conf *wc)
{
	wc->tso = true;
	two_up46(b, w, wc, NULL);
}

/* A connects to B's listener over @family; the client's descriptor, the
 * accepted one in *@sfd. */
static int
pair(struct bench *b, int family, int *lfd, int *sfd)
{
	struct sockaddr_storage ss;
	socklen_t len = addr_of(family, 1, SRV_PORT, &ss);
	uint64_t limit = vnow(b) + 30 * S;
	int cfd;

	*lfd = tcp_sock(b->s[1], family);
	cr_assert_eq(dps_bind(*lfd, (struct sockaddr *)&ss, len), 0, "bind: errno %d", errno);
	cr_assert_eq(dps_listen(*lfd, 16), 0);
	cfd = tcp_sock(b->s[0], family);
	cr_assert_eq(dps_connect(cfd, (struct sockaddr *)&ss, len), -1);
	cr_assert_eq(errno, EINPROGRESS);
	for (*sfd = -1; *sfd < 0;) {
		step(b, 100 * US);
		*sfd = dps_accept4(*lfd, NULL, NULL, SOCK_NONBLOCK);
		cr_assert(*sfd >= 0 || errno == EAGAIN, "accept: errno %d", errno);
		cr_assert_lt(vnow(b), limit, "no connection");
	}
	return cfd;
}

/*
 * 1 MiB each way over @family on a TSO wire with @loss and @reorder:
 * every byte arrives in order; both stacks hand the wire TSO frames,
 * which it cuts into pieces of the MSS (never more), none refused, every
 * piece's checksums good.
 */
static void
tso_transfer(const char *w, int family, double loss, double reorder, uint64_t seed)
{
	struct tap_log t = { .mss = family == AF_INET6 ? MSS6 : MSS4 };
	struct dps_testwire_conf wc = { .seed = seed, .loss = loss, .reorder = reorder,
		.delay_ns = 1 * MS, .tap = tap_fn, .tap_arg = &t };
	struct dps_testwire_stats ws[2];
	struct bench b;
	int lfd, cfd, sfd;

	two_up(&b, w, &wc);
	cfd = pair(&b, family, &lfd, &sfd);
	transfer(&b, cfd, sfd, 1024 * KIB, vnow(&b) + 300 * S);
	for (int d = 0; d < 2; d++) {
		struct dps_counters c = cnt(&b, d);

		dps_testwire_stats(b.w, d, &ws[d]);
		cr_assert_gt(c.tcp_tx_tso, 10, "%c sent %" PRIu64 " TSO frames", 'A' + d,
			c.tcp_tx_tso);
		cr_assert_eq(ws[d].offload_bad, 0, "the wire refused %" PRIu64 " frames",
			ws[d].offload_bad);
		cr_assert_eq(ws[d].tso_frames, c.tcp_tx_tso, "frames the stack marked, "
			"frames the wire cut");
		cr_assert_geq(ws[d].tso_pieces, 2 * ws[d].tso_frames);
		cr_assert_eq(t.over[d], 0, "%" PRIu64 " pieces over the MSS", t.over[d]);
		cr_assert_eq(t.bad_sum[d], 0, "%" PRIu64 " bad checksums", t.bad_sum[d]);
		cr_assert_gt(t.full[d] * 10, t.pieces[d] * 9, "%" PRIu64 " of %" PRIu64
			" pieces of the MSS", t.full[d], t.pieces[d]);
		/* Every data packet the stack counts is a piece on the wire. */
		cr_assert_eq(t.pieces[d], c.tcp_tx_data + c.tcp_retrans,
			"%c: %" PRIu64 " pieces, %" PRIu64 " data + %" PRIu64 " retransmitted",
			'A' + d, t.pieces[d], c.tcp_tx_data, c.tcp_retrans);
	}
	if (loss > 0)
		cr_assert_gt(cnt(&b, 0).tcp_retrans, 0, "no retransmission under loss");
	if (reorder > 0)
		cr_assert_gt(cnt(&b, 1).tcp_ooo, 0, "B queued nothing out of order");
	cr_assert_eq(dps_close(cfd), 0);
	cr_assert_eq(dps_close(sfd), 0);
	cr_assert_eq(dps_close(lfd), 0);
	run(&b, 6200, 10 * MS);		/* past TIME_WAIT */
	bench_down(&b);
}

Test(dpdk, tso4_transfer, .timeout = 300)
{
	tso_transfer("tso4", AF_INET, 0, 0, 41);
}

Test(dpdk, tso4_transfer_loss, .timeout = 300)
{
	tso_transfer("tso4loss", AF_INET, 0.02, 0, 42);
}

Test(dpdk, tso4_transfer_reorder, .timeout = 300)
{
	tso_transfer("tso4reord", AF_INET, 0, 0.05, 43);
}

Test(dpdk, tso6_transfer, .timeout = 300)
{
	tso_transfer("tso6", AF_INET6, 0, 0, 61);
}

Test(dpdk, tso6_transfer_loss, .timeout = 300)
{
	tso_transfer("tso6loss", AF_INET6, 0.02, 0, 62);
}

Test(dpdk, tso6_transfer_reorder, .timeout = 300)
{
	tso_transfer("tso6reord", AF_INET6, 0, 0.05, 63);
}
