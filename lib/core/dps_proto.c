/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The protocol switch (dps_proto.h): registration, and the walks over the
 * registered slots at start, at teardown and on a failed next hop. The
 * per-packet and per-iteration dispatch lives with the poll loop
 * (dps_lcore.c) and IP input.
 */
#include <errno.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include "dps_stack_priv.h"

int
dps_proto_register(struct dps_stack *s, unsigned int slot,
	const struct dps_proto_ops *ops, void *ctx)
{
	if (slot == 0 || slot >= DPS_PROTO_MAX || ops == NULL)
		return -EINVAL;
	if (s->started)
		return -EBUSY;
	if (s->protos[slot] != NULL ||
			(ops->ipproto != 0 && s->by_ipproto[ops->ipproto] != 0) ||
			(ops->frame != NULL && s->rx_frame != NULL))
		return -EEXIST;
	s->protos[slot] = ops;
	s->proto_ctx[slot] = ctx;
	if (ops->ipproto != 0)
		s->by_ipproto[ops->ipproto] = (uint8_t)slot;
	if (ops->frame != NULL)
		s->rx_frame = ops->frame;
	if (ops->tick != NULL)
		s->ticks[s->n_ticks++] = ops->tick;
	if (ops->timers != NULL)
		s->timers[s->n_timers++] = ops->timers;
	if (ops->output != NULL)
		s->outputs[s->n_outputs++] = ops->output;
	return 0;
}

const struct dps_proto_ops *
dps_proto_by_ipproto(const struct dps_stack *s, uint8_t ipproto)
{
	unsigned int slot = s->by_ipproto[ipproto];

	return slot != 0 ? s->protos[slot] : NULL;
}

void
dps_proto_nexthop_fail(struct dps_lcore *lc, uint32_t nexthop, int err)
{
	for (unsigned int i = 1; i < DPS_PROTO_MAX; i++) {
		const struct dps_proto_ops *ops = lc->stack->protos[i];

		if (ops != NULL && ops->nexthop_fail != NULL)
			ops->nexthop_fail(lc, nexthop, err);
	}
}

/* Every slot's start(), then its lcore_init() on every lcore, in slot
 * order: a slot may use what the slots below it made. */
int
dps_proto_start(struct dps_stack *s)
{
	int rc = 0;

	for (unsigned int i = 1; rc == 0 && i < DPS_PROTO_MAX; i++) {
		const struct dps_proto_ops *ops = s->protos[i];

		if (ops == NULL)
			continue;
		if (ops->start != NULL)
			rc = ops->start(s);
		for (unsigned int k = 0; rc == 0 && ops->lcore_init != NULL &&
				k < s->n_lcores; k++)
			rc = ops->lcore_init(s->lc[k]);
	}
	return rc;
}

/* Teardown of one lcore, lcores stopped: every slot's release(), then
 * what is still on the request ring. */
void
dps_proto_release(struct dps_lcore *lc)
{
	struct dps_stack *s = lc->stack;
	struct dps_msg m;

	for (unsigned int i = DPS_PROTO_MAX; i-- > 1;)
		if (s->protos[i] != NULL && s->protos[i]->release != NULL)
			s->protos[i]->release(lc);
	while (rte_ring_dequeue_elem(lc->req_ring, &m, sizeof(m)) == 0) {
		if (m.op == DPS_MSG_REQ) {
			struct dps_req *r = m.ptr;

			r->err = -ESHUTDOWN;
			dps_req_complete(r);
		} else if (m.op & DPS_MSG_MBUF) {
			rte_pktmbuf_free(m.ptr);
		}
	}
}

/* Every slot's lcore_fini() on every lcore, then its destroy(), in the
 * reverse of slot order. */
void
dps_proto_destroy(struct dps_stack *s)
{
	for (unsigned int i = DPS_PROTO_MAX; i-- > 1;) {
		const struct dps_proto_ops *ops = s->protos[i];

		if (ops == NULL)
			continue;
		for (unsigned int k = 0; ops->lcore_fini != NULL && k < s->n_lcores; k++)
			if (s->lc[k] != NULL)
				ops->lcore_fini(s->lc[k]);
		if (ops->destroy != NULL)
			ops->destroy(s);
	}
}
