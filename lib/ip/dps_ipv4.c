/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 input dispatch and output (RFC 791, RFC 1122 3.2.1/3.3).
 * The checks themselves live in the pure classifier (lib/wire); this file
 * moves mbufs: it counts, hands packets to ICMP/UDP/TCP, and on output
 * routes, fills the header checksum (or asks the NIC to) and resolves the
 * next hop through the lcore's ARP cache.
 */
#include <errno.h>
#include <netinet/in.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include "dps_ip.h"

uint32_t
dps_ip_source_for(const struct dps_stack *s, uint32_t dst)
{
	const struct dps_route *r = dps_route_lookup(&s->routes, dst);

	if (r == NULL)
		return 0;
	return dps_iface_source(&s->ifs[r->ifindex], dps_route_nexthop(r, dst));
}

static uint16_t
rx_csum_flags(const struct dps_iface *ifp, const struct rte_mbuf *m)
{
	uint16_t f = 0;

	if (ifp->conf.trust_rx_csum)
		return DPS_CSUM_IP_GOOD | DPS_CSUM_L4_GOOD;
	if (!ifp->rx_csum)
		return 0;
	if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD)
		f |= DPS_CSUM_IP_GOOD;
	else if ((m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_BAD)
		f |= DPS_CSUM_IP_BAD;
	if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		f |= DPS_CSUM_L4_GOOD;
	else if ((m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		f |= DPS_CSUM_L4_BAD;
	return f;
}

/*
 * To the transport registered for the packet's protocol (dps_proto.h);
 * protocols nobody registered get protocol unreachable (RFC 1122
 * 3.2.2.1). Errors are never sent about broadcasts (RFC 1122 3.2.2).
 * The switch is read in place, as dps_proto_by_ipproto() reads it: slot
 * 0 is never registered, so its entry is NULL and needs no test, and a
 * call for each frame cost more than the two loads.
 */
static void
rx_transport(struct dps_lcore *lc, struct rte_mbuf *m,
	const struct dps_rx_pkt *p, uint64_t now)
{
	const struct dps_stack *s = lc->stack;
	const struct dps_proto_ops *ops = s->protos[s->by_ipproto[p->ip.proto]];

	if (ops != NULL && ops->input != NULL &&
			(p->kind == DPS_RX_UDP || p->kind == DPS_RX_TCP)) {
		ops->input(lc, m, p, now);
		return;
	}
	dps_icmp_send_error(lc, m, p->eth.hdr_len, p, 3, 2, now);
	dps_lcore_drop(lc, m, DPS_DROP_ip_unknown_proto);
}

void
dps_rx_frame(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m,
	uint64_t now)
{
	const struct dps_iface *ifp = &lc->stack->ifs[ifindex];
	struct dps_rx_pkt p;
	int rc;

	DPS_CNT_INC(&lc->cnt, eth_rx_pkts);
	DPS_CNT_ADD(&lc->cnt, eth_rx_bytes, m->pkt_len);
	if (m->data_len < m->pkt_len) {
		dps_lcore_drop(lc, m, DPS_DROP_mbuf_multiseg);
		return;
	}
	/* IPv6 aside before the IPv4 classifier, at one compare a frame
	 * (the type is read within the mbuf's room, then the length
	 * confirms it is the frame's). */
	if (unlikely(dps_eth_type_at(m) == RTE_BE16(RTE_ETHER_TYPE_IPV6) &&
			m->data_len >= RTE_ETHER_HDR_LEN)) {
		dps_ip6_rx(lc, ifindex, m, now);
		return;
	}
	rc = dps_rx_classify(&ifp->rx, rte_pktmbuf_mtod(m, const uint8_t *),
		m->data_len, rx_csum_flags(ifp, m), &p, &lc->cnt);
	if (rc == DPS_DROP_arp_not_for_us) {
		/* Not answered, but RFC 826's merge step still applies. */
		dps_arp_rx(lc, ifindex, &p, false, now);
		rte_pktmbuf_free(m);
		return;
	}
	if (rc != DPS_DROP_NONE) {
		rte_pktmbuf_free(m);	/* counted by the classifier */
		return;
	}
	if (p.kind == DPS_RX_ARP) {
		DPS_CNT_INC(&lc->cnt, arp_rx);
		dps_arp_rx(lc, ifindex, &p, true, now);
		rte_pktmbuf_free(m);
		return;
	}
	DPS_CNT_INC(&lc->cnt, ip_rx);
	if (p.kind == DPS_RX_ICMP)
		dps_icmp_rx(lc, m, &p, now);
	else
		rx_transport(lc, m, &p, now);
}

void
dps_eth_output_type(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m,
	const struct rte_ether_addr *dst, uint16_t type)
{
	const struct dps_iface *ifp = &lc->stack->ifs[ifindex];
	uint8_t *eh = (uint8_t *)rte_pktmbuf_prepend(m, RTE_ETHER_HDR_LEN);

	if (eh == NULL) {
		dps_lcore_drop(lc, m, DPS_DROP_nomem);
		return;
	}
	dps_eth_build(eh, RTE_ETHER_HDR_LEN, dst, &ifp->mac, type);
	m->l2_len = RTE_ETHER_HDR_LEN;
	dps_lcore_tx(lc, ifindex, m);
}

/*
 * Header checksum in software, or flags for the NIC to fill it. The sum
 * is of the IHL's 32-bit words, as dps_eth_ipv4_write() takes it:
 * rte_ipv4_cksum() gives the same value through rte_raw_cksum()'s loop
 * over 16-bit words, 41 instructions a header against 12 (callgrind,
 * the SYN and the first segments of a connection).
 */
static void
ip_output_csum(const struct dps_iface *ifp, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *);
	uint16_t hlen = (uint16_t)rte_ipv4_hdr_len(ip);

	ip->hdr_checksum = 0;
	m->l3_len = hlen;
	if (ifp->tx_ip_csum)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	else
		ip->hdr_checksum = (uint16_t)~dps_csum_fold(dps_csum_words(ip, hlen / 4u));
}

int
dps_ip_output(struct dps_lcore *lc, struct rte_mbuf *m, uint32_t dst,
	uint64_t now)
{
	return dps_ip_output_path(lc, m, dst, now, NULL);
}

/*
 * A connection sends to one next hop again and again: the route found
 * and the ARP entry probed for its first segment serve every later one
 * while the ARP table's generation stands (the use is still recorded on
 * the entry, so it ages as it would). About 150 instructions a segment
 * (callgrind_http.sh).
 */
int
dps_ip_output_path(struct dps_lcore *lc, struct rte_mbuf *m, uint32_t dst,
	uint64_t now, struct dps_ip_path *path)
{
	struct dps_stack *s = lc->stack;
	const struct dps_route *r;
	const struct dps_iface *ifp;
	struct rte_ether_addr mac;
	int rc;

	if (path != NULL && dps_arp_hint_use(&lc->arp, &path->arp, now, &mac)) {
		ip_output_csum(&s->ifs[path->ifindex], m);
		DPS_CNT_INC(&lc->cnt, ip_tx);
		dps_eth_output(lc, path->ifindex, m, &mac);
		return 0;
	}
	r = dps_route_lookup(&s->routes, dst);
	if (r == NULL && dst == INADDR_BROADCAST) {
		/* Limited broadcast: out of the interface owning the source. */
		uint32_t src = rte_pktmbuf_mtod(m, struct rte_ipv4_hdr *)->src_addr;

		for (unsigned int i = 0; i < s->n_ifaces; i++)
			if (dps_rx_iface_has_addr(&s->ifs[i].rx, src)) {
				struct rte_ether_addr bc;

				memset(&bc, 0xff, sizeof(bc));
				ip_output_csum(&s->ifs[i], m);
				DPS_CNT_INC(&lc->cnt, ip_tx);
				dps_eth_output(lc, (uint16_t)i, m, &bc);
				return 0;
			}
	}
	if (r == NULL) {
		dps_lcore_drop(lc, m, DPS_DROP_ip_no_route);
		return -ENETUNREACH;
	}
	ifp = &s->ifs[r->ifindex];
	ip_output_csum(ifp, m);
	DPS_CNT_INC(&lc->cnt, ip_tx);
	if (dps_rx_iface_is_bcast(&ifp->rx, dst)) {
		memset(&mac, 0xff, sizeof(mac));
		dps_eth_output(lc, r->ifindex, m, &mac);
		return 0;
	}
	if (path != NULL)
		path->ifindex = r->ifindex;
	rc = dps_arp_resolve_hint(&lc->arp, r->ifindex, dps_route_nexthop(r, dst), m,
		&mac, now, path != NULL ? &path->arp : NULL);
	if (rc == 0)
		dps_eth_output(lc, r->ifindex, m, &mac);
	else if (rc == -ENOBUFS)
		dps_lcore_drop(lc, m, DPS_DROP_arp_table_full);
	return 0;
}

bool
dps_ip_path_prime(struct dps_lcore *lc, struct dps_ip_path *path,
	const struct dps_route *r, uint32_t dst)
{
	/* dps_ip_output_path()'s decisions, in its order: a broadcast
	 * goes out without ARP and keeps no path. */
	if (r == NULL || dps_rx_iface_is_bcast(&lc->stack->ifs[r->ifindex].rx, dst))
		return false;
	if (!dps_arp_hint_find(&lc->arp, r->ifindex, dps_route_nexthop(r, dst), &path->arp))
		return false;
	path->ifindex = r->ifindex;
	return true;
}

/*
 * Frames of an established flow skip the route, the ARP probe, the
 * prepend and the 16-bit header sum of the general output: the path's
 * hint gives the MAC, and the headers are written once, in place, as
 * words (issue 14's header templates; the socket keeps no 66-byte copy
 * of them, which would cost every idle connection a cache line, see
 * docs/performance.md).
 */
struct rte_mbuf *
dps_ip_path_alloc(struct dps_lcore *lc, struct dps_ip_path *path, uint32_t src,
	uint32_t dst, uint8_t proto, uint8_t tos, uint8_t ttl, uint16_t id,
	uint16_t l4_len, uint64_t now, uint8_t **l4, int *err)
{
	const struct dps_iface *ifp = &lc->stack->ifs[path->ifindex];
	uint32_t len = RTE_ETHER_HDR_LEN + DPS_IPV4_HLEN + l4_len;
	struct rte_ether_addr mac;
	struct rte_mbuf *m;
	uint8_t *p;

	if (!dps_arp_hint_use(&lc->arp, &path->arp, now, &mac)) {
		*err = -EAGAIN;
		return NULL;
	}
	m = rte_pktmbuf_alloc(lc->pool);
	if (m == NULL) {
		dps_drop(&lc->cnt, DPS_DROP_nomem);
		*err = -ENOBUFS;
		return NULL;
	}
	if (len > rte_pktmbuf_tailroom(m)) {
		rte_pktmbuf_free(m);
		*err = -EAGAIN;
		return NULL;
	}
	p = rte_pktmbuf_mtod(m, uint8_t *);
	m->data_len = (uint16_t)len;
	m->pkt_len = len;
	m->l2_len = RTE_ETHER_HDR_LEN;
	m->l3_len = DPS_IPV4_HLEN;
	if (ifp->tx_ip_csum)
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM;
	dps_eth_ipv4_write(p, &mac, &ifp->mac, src, dst, proto, l4_len, tos, ttl, id,
		ifp->tx_ip_csum);
	*l4 = p + RTE_ETHER_HDR_LEN + DPS_IPV4_HLEN;
	return m;
}

void
dps_ip_path_send(struct dps_lcore *lc, const struct dps_ip_path *path,
	struct rte_mbuf *m)
{
	DPS_CNT_INC(&lc->cnt, ip_tx);
	dps_lcore_tx(lc, path->ifindex, m);
}

struct rte_mbuf *
dps_ip_mbuf(struct dps_lcore *lc, uint32_t len, uint8_t **data, int *err)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(lc->pool);

	if (m == NULL) {
		dps_drop(&lc->cnt, DPS_DROP_nomem);
		*err = -ENOBUFS;
		return NULL;
	}
	*data = len > UINT16_MAX ? NULL : (uint8_t *)rte_pktmbuf_append(m, (uint16_t)len);
	if (*data == NULL) {
		rte_pktmbuf_free(m);
		*err = -EMSGSIZE;
		return NULL;
	}
	return m;
}

struct rte_mbuf *
dps_ip_alloc(struct dps_lcore *lc, uint32_t dst, uint8_t proto,
	uint16_t payload_len, int *err)
{
	uint32_t src = dps_ip_source_for(lc->stack, dst);
	struct rte_mbuf *m;
	uint8_t *ip;

	if (src == 0) {
		*err = -ENETUNREACH;
		return NULL;
	}
	m = dps_ip_mbuf(lc, DPS_IPV4_HLEN + payload_len, &ip, err);
	if (m == NULL)
		return NULL;
	dps_ipv4_build(ip, DPS_IPV4_HLEN, src, dst, proto, payload_len, DPS_IP_TTL,
		lc->ip_id++, true);
	return m;
}
