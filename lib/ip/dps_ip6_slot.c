/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 in the protocol switch (slot DPS_PROTO_IPV6). Frames reach it
 * through the IP layer's frame handler (dps_rx_frame()); the slot holds
 * each lcore's IPv6 state: the neighbour cache, aged on every tick, and
 * the lcore's copy of the interfaces' addresses. Lcore 0 runs duplicate
 * address detection for every address and posts its verdicts to the
 * other lcores, so that each lcore reads only state it owns.
 */
#include <errno.h>
#include <rte_malloc.h>
#include <rte_random.h>
#include "dps_ip.h"

struct dps_ip6_lcore *
dps_ip6_lc(struct dps_lcore *lc)
{
	struct dps_ip6_lcore *x = dps_lcore_ctx(lc, DPS_PROTO_IPV6);
	const struct dps_stack *s = lc->stack;

	if (likely(x->ready))
		return x;
	/* The link-local addresses exist once the ports have started,
	 * which is after lcore_init(): copy on the first use. */
	for (unsigned int i = 0; i < s->n_ifaces; i++) {
		x->n_addrs[i] = s->ifs[i].n_addrs6;
		x->any = x->any || x->n_addrs[i] != 0;
		memcpy(x->addrs[i], s->ifs[i].addrs6, sizeof(x->addrs[i]));
	}
	x->ready = true;
	return x;
}

static int
ip6_lcore_init(struct dps_lcore *lc)
{
	const struct dps_stack *s = lc->stack;
	struct dps_ip6_lcore *x = rte_zmalloc_socket("dps_ip6",
		sizeof(struct dps_ip6_lcore), RTE_CACHE_LINE_SIZE, lc->socket);

	if (x == NULL)
		return -ENOMEM;
	lc->ctx[DPS_PROTO_IPV6] = x;
	dps_nd_init(&x->nd, NULL, rte_rand() | 1, dps_now(s));
	for (unsigned int a = 0; a < s->n_static_nd; a++) {
		(void)dps_nd_add_static(&x->nd, s->static_nd[a].ifindex,
			s->static_nd[a].ip, &s->static_nd[a].mac, &x->out);
		x->out.n = 0;	/* nothing is held yet */
	}
	return 0;
}

/* Give back what the neighbour cache holds. */
static void
ip6_release(struct dps_lcore *lc)
{
	struct dps_ip6_lcore *x = dps_lcore_ctx(lc, DPS_PROTO_IPV6);

	if (x == NULL)
		return;
	do {
		dps_nd_flush(&x->nd, &x->out);
		for (unsigned int i = 0; i < x->out.n; i++)
			if (x->out.a[i].pkt != NULL)
				dps_lcore_drop(lc, x->out.a[i].pkt, x->out.a[i].reason);
		x->out.n = 0;
	} while (x->out.more);
}

static void
ip6_lcore_fini(struct dps_lcore *lc)
{
	ip6_release(lc);
	rte_free(lc->ctx[DPS_PROTO_IPV6]);
	lc->ctx[DPS_PROTO_IPV6] = NULL;
}

static void
ip6_tick(struct dps_lcore *lc, uint64_t now)
{
	struct dps_ip6_lcore *x = dps_ip6_lc(lc);

	if (!x->any)
		return;		/* IPv6 is off on every port */
	if (lc->idx == 0)
		dps_dad_glue_tick(lc, now);
	do {
		dps_nd_tick(&x->nd, now, &x->out);
		dps_nd_glue_act(lc, now);
	} while (x->out.more);
}

static void
ip6_msg(struct dps_lcore *lc, const struct dps_msg *m, uint64_t now)
{
	dps_nd_msg(lc, m, now);
}

static const struct dps_proto_ops ip6_ops = {
	.name = "ipv6",
	.lcore_init = ip6_lcore_init,
	.lcore_fini = ip6_lcore_fini,
	.tick = ip6_tick,
	.msg = ip6_msg,
	.release = ip6_release,
};

int
dps_ip6_register(struct dps_stack *s)
{
	return dps_proto_register(s, DPS_PROTO_IPV6, &ip6_ops, NULL);
}
