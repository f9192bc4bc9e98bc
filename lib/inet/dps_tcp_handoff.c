/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hand-off between lcores. A segment or ICMP error lands on whatever
 * queue RSS (or the device) picked; the flow's owner is the lcore the
 * stack's redirection table names for its tuple (dps_flow_owner()), and
 * anything for a flow owned elsewhere goes there through the owner's
 * request ring.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include <rte_ip.h>
#include <rte_random.h>
#include <rte_log.h>
#include "dps_tcp_priv.h"

static void
tuple_of(struct dps_tuple *t, uint32_t src, uint32_t dst, const uint8_t *th)
{
	memset(t, 0, sizeof(*t));
	t->laddr = dst;
	t->raddr = src;
	memcpy(&t->rport, th, 2);
	memcpy(&t->lport, th + 2, 2);
	t->proto = IPPROTO_TCP;
}

void
dps_tcp_rx(struct dps_lcore *lc, struct rte_mbuf *m, const struct dps_rx_pkt *p,
	uint64_t now)
{
	const uint8_t *th = rte_pktmbuf_mtod_offset(m, const uint8_t *,
		p->eth.hdr_len + p->ip.hdr_len);
	struct dps_tuple t;
	unsigned int owner;

	const struct dps_sockets *ss = dps_socks(lc->stack);
	uint32_t len = (uint32_t)(p->eth.hdr_len + p->ip.hdr_len + p->l4.hdr_len +
		p->l4.payload_len);

	DPS_CNT_INC(&lc->cnt, tcp_rx);
	tuple_of(&t, p->ip.src, p->ip.dst, th);
	m->l2_len = p->eth.hdr_len;
	m->l3_len = p->ip.hdr_len;
	m->l4_len = p->l4.hdr_len;
	/* One lcore owns every flow: dps_flow_owner() says 0 at once, and
	 * the call is all it would cost. */
	owner = ss->n_owners == 1 ? 0 : dps_flow_owner(ss, &t);
	if (owner != lc->idx) {
		struct dps_msg msg = { .op = DPS_MSG_RX_HANDOFF, .ptr = m };

		if (dps_lcore_post(lc->stack, owner, &msg) != 0)
			dps_lcore_drop(lc, m, DPS_DROP_tcp_handoff_full);
		else
			DPS_CNT_INC(&lc->cnt, tcp_rx_handoff);
		return;
	}
	/* Trailing bytes (Ethernet padding) are not payload. */
	if (unlikely(m->data_len != len))
		rte_pktmbuf_trim(m, (uint16_t)(m->data_len - len));
	dps_tcp_input(lc, m, &t, th, p->l4.hdr_len, p->l4.payload_len, now);
}

/* A segment another lcore received for a flow we own (validated there). */
void
dps_tcp_rx_handoff(struct dps_lcore *lc, struct rte_mbuf *m, uint64_t now)
{
	const struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m,
		const struct rte_ipv4_hdr *, m->l2_len);
	const uint8_t *th = (const uint8_t *)ip + m->l3_len;
	uint32_t payload = rte_be_to_cpu_16(ip->total_length) - m->l3_len - m->l4_len;
	struct dps_tuple t;

	tuple_of(&t, ip->src_addr, ip->dst_addr, th);
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - (m->l2_len + m->l3_len +
		m->l4_len + payload)));
	dps_tcp_input(lc, m, &t, th, m->l4_len, payload, now);
}

/* The l4_err hook: find the owner of the quoted flow (ICMP errors hash
 * to whatever queue their own header picks). */
void
dps_tcp_icmp_err(struct dps_lcore *lc, const struct dps_icmp_view *icmp, int err,
	bool fatal, uint64_t now)
{
	struct dps_tuple t = {
		.laddr = icmp->quote.src, .raddr = icmp->quote.dst,
		.lport = icmp->quote.sport, .rport = icmp->quote.dport,
		.proto = IPPROTO_TCP,
	};
	unsigned int owner = dps_flow_owner(dps_socks(lc->stack), &t);
	uint32_t seq = rte_be_to_cpu_32(icmp->quote.seq);

	(void)fatal;
	if (owner == lc->idx) {
		dps_tcp_icmp(lc, &t, seq, err, icmp->next_mtu, now);
	} else {
		struct dps_msg m = { .op = DPS_MSG_TCP_ICMP };

		m.icmp.laddr = t.laddr;
		m.icmp.raddr = t.raddr;
		m.icmp.lport = t.lport;
		m.icmp.rport = t.rport;
		m.icmp.seq = seq;
		m.icmp.err = (int16_t)err;
		m.icmp.mtu = icmp->next_mtu;
		if (dps_lcore_post(lc->stack, owner, &m) != 0)
			dps_drop(&lc->cnt, DPS_DROP_tcp_handoff_full);
	}
}
