/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TIME_WAIT of IPv6 connections: compact entries as the IPv4 ones
 * (dps_tcp_timewait.c, Linux's inet_timewait_sock), in a per-lcore store
 * of their own whose entries carry the 40-byte IPv6 tuple (80 bytes an
 * entry). A store of its own rather than the IPv4 store with a wider
 * key: the IPv4 entries stay 56 bytes (a TIME_WAIT-heavy client holds
 * hundreds of thousands), and each store's entries are keys of its own
 * table. The protocol is the TCP core's (dps_tcp_tw_*()), the same for
 * both families: 60 s, ACKs to old segments, RST kills, a SYN above the
 * old sequence goes on to the listener, and tcp_twsk_unique()'s reuse.
 */
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "dps_tcp_priv.h"
#include "dps_wire6.h"

static void
tw6_fifo_push(struct dps_tws6_store *st, uint32_t i)
{
	st->e[i].next = TW_NONE;
	if (st->tail == TW_NONE)
		st->head = i;
	else
		st->e[st->tail].next = i;
	st->tail = i;
}

/* @sk (an IPv6 connection) entered TIME_WAIT: an entry takes its key in
 * the IPv6 table and the socket goes; over max_tw_buckets, counting the
 * IPv4 entries too (dps_tws_room()), the socket simply closes (as
 * dps_tws_enter()). */
void
dps_tws6_enter(struct dps_lcore *lc, struct dps_sock *sk, uint64_t now)
{
	struct dps_tws6_store *st = dps_tcp_lc(lc)->v6->tws;
	uint32_t i = st->free_head;
	struct dps_tws6_ent *e;

	if (!dps_tws_room(lc)) {
		dps_tcp_done(lc, sk, 0);
		return;
	}
	if (i == TW_NONE && st->fresh < st->cap)
		st->e[i = st->fresh++].next = TW_NONE;	/* first use */
	if (i == TW_NONE) {
		DPS_CNT_INC(&lc->cnt, tcp_tw_overflow);
		dps_tcp_done(lc, sk, 0);
		return;
	}
	e = &st->e[i];
	st->free_head = e->next;
	dps_tcp_tw_from(&e->tw, &sk->tcb, now);
	e->tup = dps_sock6(sk)->key;
	/* Its segments go as Linux's tcp_v6_timewait_ack(): the
	 * connection's hash (tw_txhash) under the stack's default. */
	e->flow = dps_ip6_autolabel(lc->stack, -1) ? dps_sock6(sk)->flow : 0;
	e->port_held = sk->port_held;
	if (e->port_held == DPS_PORT_FREE)
		e->port_held = dps_tw_bind_hold(lc, sk);
	if (dps_tcp6_table_put(lc, (void *)((uintptr_t)e | TW_TAG)) != 0) {
		if (e->port_held != sk->port_held)
			dps_port_release(dps_socks(lc->stack), e->tup.lport, &e->port_held);
		e->next = st->free_head;
		st->free_head = i;
		dps_tcp_done(lc, sk, 0);
		return;
	}
	dps_tcp_stat_own_add(&st->n, 1);
	dps_tcp_lc(lc)->tw_held++;
	DPS_CNT_INC(&lc->cnt, tcp_time_wait);
	tw6_fifo_push(st, i);
	sk->port_held = DPS_PORT_FREE;	/* the entry holds it until it expires */
	dps_tcp_finish(lc, sk, 0, true);
}

/* The entry ends: out of the table, port back. */
static void
tw6_kill(struct dps_lcore *lc, struct dps_tws6_ent *e)
{
	dps_tcp6_table_del(lc, &e->tup);
	dps_tcp_stat_own_add(&dps_tcp_lc(lc)->v6->tws->n, -1);
	dps_tcp_lc(lc)->tw_held--;
	e->tw.expire_s = 0;		/* on the FIFO until its turn, then freed */
	dps_port_release(dps_socks(lc->stack), e->tup.lport, &e->port_held);
}

/* Entries whose 2MSL is over leave (every entry lives the same 60 s, so
 * the FIFO is in expiry order). */
void
dps_tws6_expire(struct dps_lcore *lc, uint64_t now)
{
	struct dps_tws6_store *st = dps_tcp_lc(lc)->v6->tws;
	uint32_t now_s = (uint32_t)(now / 1000000000ull);

	while (st->head != TW_NONE) {
		uint32_t i = st->head;
		struct dps_tws6_ent *e = &st->e[i];

		if (e->tw.expire_s != 0 && (int32_t)(e->tw.expire_s - now_s) > 0)
			break;
		st->head = e->next;
		if (st->head == TW_NONE)
			st->tail = TW_NONE;
		if (e->tw.expire_s != 0)
			tw6_kill(lc, e);
		e->next = st->free_head;
		st->free_head = i;
	}
}

uint32_t
dps_tcp6_tw_count(const struct dps_lcore *lc)
{
	const struct dps_tcp6_lcore *t6 = dps_tcp_lc(lc)->v6;

	return t6 != NULL && t6->tws != NULL ? dps_tcp_stat(&t6->tws->n) : 0;
}

/* A segment for an entry (tcp_timewait_state_process()); false when a
 * SYN goes on to the listener. */
bool
dps_tws6_input(struct dps_lcore *lc, struct dps_tws6_ent *e, const struct dps_tcp_seg *seg,
	uint64_t now)
{
	struct dps_tcp_out out;

	switch (dps_tcp_tw_input(&e->tw, seg, now, &out)) {
	case DPS_TW_ACK:
		dps_tcp6_xmit_out(lc, &e->tup, &out, e->flow, now);
		break;
	case DPS_TW_KILL:
		tw6_kill(lc, e);
		break;
	case DPS_TW_SYN:
		tw6_kill(lc, e);
		return false;
	default:
		break;
	}
	return true;
}

/* tcp_twsk_unique() for an IPv6 tuple, as dps_tws_usable(): loopback
 * is ::1, which never reaches this stack, so the loopback-only default
 * of tw_reuse never allows autobind to reuse here. */
struct dps_tws6_ent *
dps_tws6_usable(const struct dps_lcore *lc, void *d, bool autobind, uint64_t now,
	uint32_t *isn_floor)
{
	uint8_t mode = dps_socks(lc->stack)->conf.tw_reuse;
	struct dps_tws6_ent *e;

	if (!dps_tcp_is_tw(d))
		return NULL;
	e = dps_tcp_tw6_of(d);
	if (!autobind)
		return dps_tcp_tw_bound_reusable(&e->tw, isn_floor) ? e : NULL;
	if (mode != DPS_TW_REUSE_ON)
		return NULL;
	return dps_tcp_tw_reusable(&e->tw, now, isn_floor) ? e : NULL;
}

void
dps_tws6_take_over(struct dps_lcore *lc, struct dps_tws6_ent *e)
{
	tw6_kill(lc, e);
	DPS_CNT_INC(&lc->cnt, tcp_tw_reused);
}
