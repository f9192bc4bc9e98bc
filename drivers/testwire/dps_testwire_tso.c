/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test wire's transmit offloads, in software, as a NIC does them
 * under the ethdev contract (rte_mbuf_core.h, the RTE_MBUF_F_TX_* flags;
 * Intel's and Mellanox's datasheets for segmentation), so that a stack's
 * offload path can be tested without such a NIC:
 *
 *  - RTE_MBUF_F_TX_IP_CKSUM (with TX_IPV4): l2_len, l3_len set, the
 *    header checksum field 0; the wire fills it.
 *  - RTE_MBUF_F_TX_TCP_CKSUM: l2_len, l3_len set, the TCP checksum field
 *    holding the pseudo-header sum; the wire finishes it.
 *  - RTE_MBUF_F_TX_TCP_SEG: TX_IPV4 (with TX_IP_CKSUM) or TX_IPV6;
 *    l2_len, l3_len, l4_len the headers' lengths, all three in the first
 *    mbuf; tso_segsz the payload of each piece; the TCP checksum field
 *    the pseudo-header sum *without* the length. The wire cuts the
 *    payload into tso_segsz pieces (the last may be shorter), each
 *    behind a copy of the headers with the sequence number advanced,
 *    FIN and PSH on the last piece only, CWR on the first only (the
 *    flag masks of Intel's 82599 and later), the IPv4 identification
 *    advanced by one a piece, the IPv4 total length or IPv6 payload
 *    length of the piece, and both checksums filled.
 *
 * A frame that breaks the contract (a length that does not match its
 * headers, a checksum field not as asked, flags that do not go together,
 * a SYN or RST to cut) is not sent: a NIC would send garbage or hang its
 * queue, and the test should see the stack's mistake, counted.
 */
#include <string.h>
#include <netinet/in.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_tcp.h>

#include "dps_testwire_tso.h"

/* The flags this file knows; any other TX flag makes the frame bad. */
#define TW_TX_KNOWN (RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IPV6 | \
	RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_L4_MASK | RTE_MBUF_F_TX_TCP_SEG)

/* The headers of a frame with offload flags, as its metadata says. */
struct tw_hdrs {
	uint8_t buf[RTE_ETHER_HDR_LEN + 60 + 60];	/* a copy, for pieces */
	uint16_t hlen;			/* l2 + l3 + l4 */
	bool v6;
};

/* @len bytes of @m from @off into @dst. */
static void
tw_read(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t *dst)
{
	const void *p = rte_pktmbuf_read(m, off, len, dst);

	if (p != dst)
		memcpy(dst, p, len);
}

/* The L3 header: IPv4 as TX_IPV4 and l3_len say; its checksum field 0
 * when TX_IP_CKSUM asks the wire to fill it; the total length the
 * frame's. */
static bool
tw_check_ipv4(const struct rte_mbuf *m, const struct rte_ipv4_hdr *ip)
{
	uint16_t frag = rte_be_to_cpu_16(ip->fragment_offset);

	if ((ip->version_ihl >> 4) != 4 || rte_ipv4_hdr_len(ip) != m->l3_len)
		return false;
	if ((m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM) && ip->hdr_checksum != 0)
		return false;
	if (frag & (RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK))
		return false;
	return rte_be_to_cpu_16(ip->total_length) == m->pkt_len - m->l2_len;
}

/* IPv6 as TX_IPV6 says: no extension header (l3_len 40), the payload
 * length the frame's. */
static bool
tw_check_ipv6(const struct rte_mbuf *m, const struct rte_ipv6_hdr *ip)
{
	if ((rte_be_to_cpu_32(ip->vtc_flow) >> 28) != 6 || m->l3_len != sizeof(*ip))
		return false;
	return rte_be_to_cpu_16(ip->payload_len) == m->pkt_len - m->l2_len - m->l3_len;
}

/* The flag combinations a NIC takes: one family; IP_CKSUM only on IPv4
 * (and required there for TSO); TSO only of TCP. */
static bool
tw_check_flags(uint64_t f)
{
	bool v4 = f & RTE_MBUF_F_TX_IPV4, v6 = f & RTE_MBUF_F_TX_IPV6;
	uint64_t l4 = f & RTE_MBUF_F_TX_L4_MASK;

	if (f & ~TW_TX_KNOWN || (v4 && v6))
		return false;
	if ((f & RTE_MBUF_F_TX_IP_CKSUM) && !v4)
		return false;
	if (l4 != 0 && l4 != RTE_MBUF_F_TX_TCP_CKSUM)
		return false;		/* the wire advertises TCP's alone */
	if (l4 != 0 && !v4 && !v6)
		return false;
	if (f & RTE_MBUF_F_TX_TCP_SEG)
		return (v4 && (f & RTE_MBUF_F_TX_IP_CKSUM)) || v6;
	return true;
}

/*
 * Check the metadata of @m, which carries offload flags, against its
 * headers, and copy the headers into @h. False: a NIC would refuse it.
 */
static bool
tw_check(const struct rte_mbuf *m, struct tw_hdrs *h)
{
	uint64_t f = m->ol_flags;
	bool seg = f & RTE_MBUF_F_TX_TCP_SEG, l4 = seg ||
		(f & RTE_MBUF_F_TX_L4_MASK) != 0;
	const struct rte_ether_hdr *eh = (const void *)h->buf;
	const struct rte_tcp_hdr *th;

	if (!tw_check_flags(f) || m->l2_len != RTE_ETHER_HDR_LEN)
		return false;
	h->v6 = f & RTE_MBUF_F_TX_IPV6;
	if (m->l3_len < sizeof(struct rte_ipv4_hdr) || m->l3_len > 60)
		return false;
	h->hlen = (uint16_t)(m->l2_len + m->l3_len + (l4 ? m->l4_len : 0));
	if (l4 && (m->l4_len < sizeof(*th) || m->l4_len > 60))
		return false;
	if (m->data_len < h->hlen)
		return false;	/* the headers in the first mbuf */
	tw_read(m, 0, h->hlen, h->buf);
	if (eh->ether_type != rte_cpu_to_be_16(h->v6 ? RTE_ETHER_TYPE_IPV6 :
			RTE_ETHER_TYPE_IPV4))
		return false;
	if (h->v6 ? !tw_check_ipv6(m, (const void *)(eh + 1)) :
			!tw_check_ipv4(m, (const void *)(eh + 1)))
		return false;
	if (!l4)
		return true;
	if ((h->v6 ? ((const struct rte_ipv6_hdr *)(eh + 1))->proto :
			((const struct rte_ipv4_hdr *)(eh + 1))->next_proto_id) != IPPROTO_TCP)
		return false;
	th = (const void *)(h->buf + m->l2_len + m->l3_len);
	if ((th->data_off >> 4) * 4u != m->l4_len)
		return false;
	if (seg && (m->tso_segsz == 0 || m->pkt_len == h->hlen ||
			(th->tcp_flags & (RTE_TCP_SYN_FLAG | RTE_TCP_RST_FLAG))))
		return false;
	/* The pseudo-header sum, without the length for TSO. */
	return th->cksum == (h->v6 ?
		rte_ipv6_phdr_cksum((const void *)(eh + 1), f) :
		rte_ipv4_phdr_cksum((const void *)(eh + 1), f));
}

/* Fill the checksums of a contiguous frame @p (Ethernet first). */
static void
tw_fill_csums(uint8_t *p, bool v6, uint16_t l3_len, bool ip, bool tcp)
{
	void *l3 = p + RTE_ETHER_HDR_LEN;
	struct rte_tcp_hdr *th = (void *)((uint8_t *)l3 + l3_len);

	if (ip) {
		((struct rte_ipv4_hdr *)l3)->hdr_checksum = 0;
		((struct rte_ipv4_hdr *)l3)->hdr_checksum = rte_ipv4_cksum(l3);
	}
	if (!tcp)
		return;
	th->cksum = 0;
	th->cksum = v6 ? rte_ipv6_udptcp_cksum(l3, th) : rte_ipv4_udptcp_cksum(l3, th);
}

/* The checksums of a frame that is not cut, in its first mbuf (copied
 * first when that is shared: a NIC does not write the frame), the TCP
 * checksum summed across a chain. NULL: no mbuf for the copy. */
static struct rte_mbuf *
tw_fill_frame(struct rte_mbuf *m, const struct tw_hdrs *h, struct rte_mempool *pool)
{
	uint32_t th_off = m->l2_len + m->l3_len;
	struct rte_tcp_hdr *th;
	uint8_t *p;

	if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) > 1) {
		struct rte_mbuf *c = rte_pktmbuf_copy(m, pool, 0, UINT32_MAX);

		if (c != NULL) {
			c->ol_flags = m->ol_flags;
			c->tx_offload = m->tx_offload;
		}
		rte_pktmbuf_free(m);
		if (c == NULL)
			return NULL;
		m = c;
	}
	p = rte_pktmbuf_mtod(m, uint8_t *);
	if (m->ol_flags & RTE_MBUF_F_TX_IP_CKSUM)
		tw_fill_csums(p, false, m->l3_len, true, false);
	if (m->ol_flags & RTE_MBUF_F_TX_L4_MASK) {
		th = (struct rte_tcp_hdr *)(p + th_off);
		th->cksum = 0;
		th->cksum = h->v6 ?
			rte_ipv6_udptcp_cksum_mbuf(m, (const void *)(p + m->l2_len), (uint16_t)th_off) :
			rte_ipv4_udptcp_cksum_mbuf(m, (const void *)(p + m->l2_len), (uint16_t)th_off);
	}
	m->ol_flags &= ~RTE_MBUF_F_TX_OFFLOAD_MASK;
	return m;
}

/*
 * Piece @k of TSO frame @m: the headers @h with this piece's numbers,
 * then @len bytes of payload from @off. NULL when @pool has no mbuf or
 * the piece does not fit one.
 */
static struct rte_mbuf *
tw_piece(const struct rte_mbuf *m, const struct tw_hdrs *h, struct rte_mempool *pool,
	uint32_t k, uint32_t off, uint32_t len, bool last)
{
	struct rte_mbuf *p = rte_pktmbuf_alloc(pool);
	uint8_t *d;
	void *l3;
	struct rte_tcp_hdr *th;
	uint16_t l4_total = (uint16_t)(m->l4_len + len);

	if (p == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(p, (uint16_t)(h->hlen + len));
	if (d == NULL) {
		rte_pktmbuf_free(p);
		return NULL;
	}
	memcpy(d, h->buf, h->hlen);
	tw_read(m, off, len, d + h->hlen);
	l3 = d + m->l2_len;
	th = (void *)((uint8_t *)l3 + m->l3_len);
	th->sent_seq = rte_cpu_to_be_32(rte_be_to_cpu_32(th->sent_seq) +
		(off - h->hlen));
	if (!last)
		th->tcp_flags &= (uint8_t)~(RTE_TCP_FIN_FLAG | RTE_TCP_PSH_FLAG);
	if (k != 0)
		th->tcp_flags &= (uint8_t)~RTE_TCP_CWR_FLAG;
	if (h->v6) {
		((struct rte_ipv6_hdr *)l3)->payload_len = rte_cpu_to_be_16(l4_total);
	} else {
		struct rte_ipv4_hdr *ip = l3;

		ip->total_length = rte_cpu_to_be_16((uint16_t)(m->l3_len + l4_total));
		ip->packet_id = rte_cpu_to_be_16((uint16_t)(rte_be_to_cpu_16(ip->packet_id) + k));
	}
	tw_fill_csums(d, h->v6, m->l3_len, !h->v6, true);
	p->port = m->port;
	return p;
}

/* Cut TSO frame @m into its pieces and emit them; false when a piece
 * could not be built (the ones before it went). */
static bool
tw_cut(const struct rte_mbuf *m, const struct tw_hdrs *h, struct rte_mempool *pool,
	dps_tw_emit_fn emit, void *arg, uint32_t *pieces)
{
	uint32_t off = h->hlen, k = 0;

	while (off < m->pkt_len) {
		uint32_t len = RTE_MIN((uint32_t)m->tso_segsz, m->pkt_len - off);
		struct rte_mbuf *p = tw_piece(m, h, pool, k, off, len,
			off + len == m->pkt_len);

		if (p == NULL)
			return false;
		emit(arg, p);
		*pieces = ++k;
		off += len;
	}
	return true;
}

enum dps_tw_soft
dps_tw_soft_tx(struct rte_mbuf *m, struct rte_mempool *pool,
	dps_tw_emit_fn emit, void *arg, uint32_t *pieces)
{
	struct tw_hdrs h;
	bool ok;

	*pieces = 0;
	if ((m->ol_flags & RTE_MBUF_F_TX_OFFLOAD_MASK) == 0) {
		emit(arg, m);
		*pieces = 1;
		return DPS_TW_SOFT_PASS;
	}
	if (!tw_check(m, &h)) {
		rte_pktmbuf_free(m);
		return DPS_TW_SOFT_BAD;
	}
	if (pool == NULL)
		pool = m->pool;
	if (!(m->ol_flags & RTE_MBUF_F_TX_TCP_SEG)) {
		m = tw_fill_frame(m, &h, pool);
		if (m == NULL)
			return DPS_TW_SOFT_NOMEM;
		emit(arg, m);
		*pieces = 1;
		return DPS_TW_SOFT_PASS;
	}
	ok = tw_cut(m, &h, pool, emit, arg, pieces);
	rte_pktmbuf_free(m);
	return ok ? DPS_TW_SOFT_CUT : DPS_TW_SOFT_NOMEM;
}
