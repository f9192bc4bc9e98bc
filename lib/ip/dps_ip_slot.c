/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The IP layer in the protocol switch (slot DPS_PROTO_IPV4): it takes the
 * frames from the ports, keeps each lcore's ARP cache (made when the
 * stack starts, aged on every tick), announces our addresses once from
 * lcore 0, and handles the messages other lcores post to it.
 */
#include "dps_ip.h"

static int
ip_start(struct dps_stack *s)
{
	/* Lcore 0 announces our addresses on its first iteration. */
	s->lc[0]->garp_pending = true;
	return 0;
}

static int
ip_lcore_init(struct dps_lcore *lc)
{
	dps_arp_glue_init(lc);
	return 0;
}

static void
ip_tick(struct dps_lcore *lc, uint64_t now)
{
	if (lc->garp_pending) {
		lc->garp_pending = false;
		dps_arp_send_garp(lc);
	}
	dps_arp_tick(&lc->arp, now);
}

static void
ip_msg(struct dps_lcore *lc, const struct dps_msg *m, uint64_t now)
{
	if (m->op == DPS_MSG_ARP_LEARN)
		dps_arp_msg(lc, m, now);
	else if (m->op == DPS_MSG_IP_TX)
		(void)dps_ip_output(lc, m->ptr, m->ip, now);
}

static const struct dps_proto_ops ip_ops = {
	.name = "ipv4",
	.start = ip_start,
	.lcore_init = ip_lcore_init,
	.frame = dps_rx_frame,
	.tick = ip_tick,
	.msg = ip_msg,
};

int
dps_ip_register(struct dps_stack *s)
{
	int rc = dps_proto_register(s, DPS_PROTO_IPV4, &ip_ops, NULL);

	if (rc == 0)
		rc = dps_ping_register(s);
	return rc != 0 ? rc : dps_ip6_register(s);
}
