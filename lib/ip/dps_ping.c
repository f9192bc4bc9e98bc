/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Echo requests on behalf of application threads (dps_ping()). Each lcore
 * keeps its outstanding pings in a short list; the echo identifier names
 * the lcore, so a reply that RSS delivers elsewhere is forwarded home.
 */
#include <errno.h>
#include <netinet/in.h>
#include "dps_stack_priv.h"

#define PING_DATA 56

static void
ping_unlink(struct dps_lcore *lc, struct dps_req *r)
{
	for (struct dps_req **pp = &lc->pings; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			return;
		}
}

static void
ping_finish(struct dps_lcore *lc, struct dps_req *r, int err)
{
	ping_unlink(lc, r);
	r->err = err;
	dps_req_complete(r);
}

/* r->ping.deadline_ns arrives relative (the timeout) and becomes absolute. */
void
dps_ping_start(struct dps_lcore *lc, struct dps_req *r, uint64_t now)
{
	uint8_t data[PING_DATA];
	struct rte_mbuf *m;
	int err = 0;

	r->ping.id = (uint16_t)(DPS_ECHO_ID_BASE + lc->idx);
	r->ping.deadline_ns += now;
	r->ping.sent_ns = now;
	m = dps_ip_alloc(lc, r->ping.dst, IPPROTO_ICMP, 8 + PING_DATA, &err);
	if (m == NULL) {
		r->err = err;
		dps_req_complete(r);
		return;
	}
	for (unsigned int i = 0; i < PING_DATA; i++)
		data[i] = (uint8_t)(0x10 + i);
	memcpy(data, &now, sizeof(now));
	dps_icmp_echo_build(rte_pktmbuf_mtod_offset(m, uint8_t *, 20), 8 + PING_DATA,
		8, r->ping.id, r->ping.seq, data, PING_DATA);
	r->next = lc->pings;
	lc->pings = r;
	DPS_CNT_INC(&lc->cnt, icmp_tx_echo_request);
	err = dps_ip_output(lc, m, r->ping.dst, now);
	if (err != 0)
		ping_finish(lc, r, -err);
}

void
dps_ping_reply(struct dps_lcore *lc, uint32_t src, uint16_t id, uint16_t seq,
	uint64_t now)
{
	for (struct dps_req *r = lc->pings; r != NULL; r = r->next)
		if (r->ping.dst == src && r->ping.id == id && r->ping.seq == seq) {
			r->ping.rtt_ns = now - r->ping.sent_ns;
			DPS_CNT_INC(&lc->cnt, icmp_rx_echo_reply);
			ping_finish(lc, r, 0);
			return;
		}
	dps_drop(&lc->cnt, DPS_DROP_icmp_no_owner);
}

void
dps_ping_tick(struct dps_lcore *lc, uint64_t now)
{
	struct dps_req *r = lc->pings, *next;

	for (; r != NULL; r = next) {
		next = r->next;
		if (now >= r->ping.deadline_ns)
			ping_finish(lc, r, ETIMEDOUT);
	}
}

/* The next hop @ip never answered ARP: pings routed through it fail. */
void
dps_ping_fail_dst(struct dps_lcore *lc, uint32_t ip, int err)
{
	struct dps_req *r = lc->pings, *next;

	for (; r != NULL; r = next) {
		const struct dps_route *rt;

		next = r->next;
		rt = dps_route_lookup(&lc->stack->routes, r->ping.dst);
		if (rt != NULL && dps_route_nexthop(rt, r->ping.dst) == ip)
			ping_finish(lc, r, err);
	}
}

void
dps_ping_abort_all(struct dps_lcore *lc)
{
	while (lc->pings != NULL)
		ping_finish(lc, lc->pings, ESHUTDOWN);
}
