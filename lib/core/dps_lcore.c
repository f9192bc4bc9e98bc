/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore poll loop: housekeeping timers, one receive burst per port,
 * the request ring, and the transmit flush. Everything here runs on the
 * lcore that owns the context.
 *
 * Timers are driven by the stack clock (dps_now()) rather than rte_timer,
 * because rte_timer reads the TSC itself and the protocol code must run on
 * a virtual clock in tests; a 10 ms housekeeping tick is all the L2/L3
 * layers need.
 */
#include <errno.h>
#include <netinet/in.h>
#include <rte_ethdev.h>
#include <rte_cycles.h>
#include <rte_malloc.h>
#include "dps_stack_priv.h"

int
dps_lcore_post(struct dps_stack *s, unsigned int idx, const struct dps_msg *m)
{
	if (idx >= s->n_lcores)
		return -EINVAL;
	/* rte_ring's MP enqueue publishes the element with release order,
	 * paired with the consumer's acquire in the dequeue. */
	if (rte_ring_mp_enqueue_elem(s->lc[idx]->req_ring, (void *)m,
			sizeof(*m)) != 0)
		return -EAGAIN;
	return 0;
}

void
dps_lcore_drop(struct dps_lcore *lc, struct rte_mbuf *m, int reason)
{
	dps_drop(&lc->cnt, reason);
	rte_pktmbuf_free(m);
}

/*
 * Hand @n frames to the device; returns how many it took. Bytes are
 * summed before the burst: a frame the device took is no longer ours
 * to read.
 */
static uint16_t
lcore_tx_burst(struct dps_lcore *lc, uint16_t port, struct rte_mbuf **pkts,
	uint16_t n)
{
	uint64_t bytes = 0;
	uint16_t sent;

	for (uint16_t i = 0; i < n; i++)
		bytes += pkts[i]->pkt_len;
	sent = rte_eth_tx_burst(port, lc->queue, pkts, n);
	for (uint16_t i = sent; i < n; i++)
		bytes -= pkts[i]->pkt_len;
	DPS_CNT_ADD(&lc->cnt, eth_tx_pkts, sent);
	DPS_CNT_ADD(&lc->cnt, eth_tx_bytes, bytes);
	return sent;
}

/*
 * The backlog's depth and pointer are read by other threads
 * (dps_stack_tx_backlog(), telemetry): the lcore stores them atomically,
 * and reads its own stores plainly.
 */

/* Relaxed: a depth for monitors, no data is published with it; pairs
 * with the relaxed load in dps_stack_tx_backlog(). */
static inline void
txlog_set_n(struct dps_txlog *log, uint32_t n)
{
	__atomic_store_n(&log->n, n, __ATOMIC_RELAXED);
}

/* Release: the backlog's cap and head before its pointer; pairs with
 * the acquire in dps_stack_tx_backlog(). */
static inline void
txlog_publish(struct dps_txbuf *tb, struct dps_txlog *log)
{
	__atomic_store_n(&tb->log, log, __ATOMIC_RELEASE);
}

/* Send the backlog, oldest first, until it is empty or the device is
 * full again. Returns whether it is empty. */
static bool
txlog_send(struct dps_lcore *lc, uint16_t port, struct dps_txlog *log)
{
	while (log->n != 0) {
		uint32_t k = RTE_MIN(log->n, log->cap - log->head);
		uint16_t want = (uint16_t)RTE_MIN(k, (uint32_t)DPS_BURST);
		uint16_t sent = lcore_tx_burst(lc, port, &log->pkts[log->head], want);

		log->head = (log->head + sent) % log->cap;
		txlog_set_n(log, log->n - sent);
		if (sent < want)
			break;
	}
	return log->n == 0;
}

/*
 * Keep @m for when the device has room. The backlog is made the first
 * time it is needed, on the lcore's socket; when it is full (or cannot
 * be made) the frame is dropped as tx_full; so is a frame that finds the
 * pool down to its transmit reserve (dps_pool_low()): the backlog may
 * hold what the pool can spare, never the reserve.
 */
static void
txlog_put(struct dps_lcore *lc, struct dps_txbuf *tb, struct rte_mbuf *m)
{
	struct dps_txlog *log = tb->log;

	if (log == NULL) {
		uint32_t cap = lc->stack->conf.tx_backlog;

		log = rte_malloc_socket("dps_txlog", sizeof(*log) + cap * sizeof(m),
			RTE_CACHE_LINE_SIZE, lc->socket);
		if (log != NULL) {
			log->head = log->n = 0;
			log->cap = cap;
			txlog_publish(tb, log);
		}
	}
	if (log == NULL || log->n == log->cap || dps_pool_low(lc)) {
		dps_lcore_drop(lc, m, DPS_DROP_tx_full);
		return;
	}
	log->pkts[(log->head + log->n) % log->cap] = m;
	txlog_set_n(log, log->n + 1);
	DPS_CNT_INC(&lc->cnt, eth_tx_backlog);
}

/*
 * Hand the burst for one port to the device. What it refuses waits in the
 * backlog, which goes first on every flush so frames leave in order; a
 * short burst of closes (thousands of FINs at once) thus waits for room
 * instead of being lost and recovered at RTO pace.
 */
static void
lcore_flush_port(struct dps_lcore *lc, unsigned int ifindex)
{
	struct dps_txbuf *tb = &lc->tx[ifindex];
	uint16_t port = lc->stack->ifs[ifindex].port_id;
	bool clear = tb->log == NULL || tb->log->n == 0 ||
		txlog_send(lc, port, tb->log);
	uint16_t sent = 0;

	if (clear && tb->n != 0)
		sent = lcore_tx_burst(lc, port, tb->pkts, tb->n);
	for (uint16_t i = sent; i < tb->n; i++)
		txlog_put(lc, tb, tb->pkts[i]);
	tb->n = 0;
}

void
dps_lcore_flush(struct dps_lcore *lc)
{
	for (unsigned int i = 0; i < lc->stack->n_ifaces; i++)
		lcore_flush_port(lc, i);
}

unsigned int
dps_stack_tx_backlog(const struct dps_stack *s, unsigned int idx)
{
	const struct dps_lcore *lc = s->lc[idx];
	unsigned int n = 0;

	for (unsigned int i = 0; i < s->n_ifaces; i++) {
		/* Acquire: pairs with txlog_publish(). */
		const struct dps_txlog *log = __atomic_load_n(&lc->tx[i].log,
			__ATOMIC_ACQUIRE);

		/* Relaxed: pairs with txlog_set_n(). */
		if (log != NULL)
			n += __atomic_load_n(&log->n, __ATOMIC_RELAXED);
	}
	return n;
}

/* What still waits when the stack goes is dropped, as tx_full. */
void
dps_lcore_tx_fini(struct dps_lcore *lc)
{
	for (unsigned int i = 0; i < DPS_MAX_PORTS; i++) {
		struct dps_txlog *log = lc->tx[i].log;

		if (log == NULL)
			continue;
		for (; log->n != 0; txlog_set_n(log, log->n - 1)) {
			dps_lcore_drop(lc, log->pkts[log->head], DPS_DROP_tx_full);
			log->head = (log->head + 1) % log->cap;
		}
		txlog_publish(&lc->tx[i], NULL);
		rte_free(log);
	}
}

/* A full burst goes to the device before @m takes its place. Apart from
 * dps_lcore_tx(): the call there made the compiler save four registers
 * on every frame (25 instructions a frame; 9 without). */
static __attribute__((noinline)) void
lcore_tx_full(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m)
{
	struct dps_txbuf *tb = &lc->tx[ifindex];

	lcore_flush_port(lc, ifindex);
	tb->pkts[tb->n++] = m;
}

void
dps_lcore_tx(struct dps_lcore *lc, uint16_t ifindex, struct rte_mbuf *m)
{
	struct dps_txbuf *tb = &lc->tx[ifindex];

	if (unlikely(tb->n == DPS_BURST)) {
		lcore_tx_full(lc, ifindex, m);
		return;
	}
	tb->pkts[tb->n++] = m;
}

/*
 * Do request @r's work on @lc, leaving the result in r->err. Returns
 * false for a request that completes later (a ping waits for its reply).
 * The ring path and callers already running on @lc share this dispatch:
 * the slot the op names does the work (dps_proto.h).
 */
bool
dps_lcore_run_req(struct dps_lcore *lc, struct dps_req *r, uint64_t now)
{
	const struct dps_proto_ops *ops = lc->stack->protos[DPS_OP_SLOT(r->op)];

	if (r->op == DPS_REQ_NOP) {
		r->err = 0;
		return true;
	}
	if (ops == NULL || ops->request == NULL) {
		r->err = -EOPNOTSUPP;
		return true;
	}
	return ops->request(lc, r, now);
}

static void
lcore_handle_msg(struct dps_lcore *lc, const struct dps_msg *m, uint64_t now)
{
	const struct dps_proto_ops *ops;

	if (m->op == DPS_MSG_REQ) {
		struct dps_req *r = m->ptr;

		if (dps_lcore_run_req(lc, r, now))
			dps_req_complete(r);
		return;
	}
	ops = lc->stack->protos[DPS_OP_SLOT(m->op)];
	if (ops != NULL && ops->msg != NULL)
		ops->msg(lc, m, now);
}

static unsigned int
lcore_drain_requests(struct dps_lcore *lc, uint64_t now)
{
	struct dps_msg msgs[DPS_BURST];
	unsigned int n;

	n = rte_ring_sc_dequeue_burst_elem(lc->req_ring, msgs, sizeof(msgs[0]),
		DPS_BURST, NULL);
	for (unsigned int i = 0; i < n; i++)
		lcore_handle_msg(lc, &msgs[i], now);
	DPS_CNT_ADD(&lc->cnt, req_rx, n);
	return n;
}

static void
lcore_tick(struct dps_lcore *lc, uint64_t now)
{
	if (now < lc->next_tick_ns)
		return;
	lc->next_tick_ns = now + DPS_TICK_NS;
	for (unsigned int i = 0; i < lc->stack->n_ticks; i++)
		lc->stack->ticks[i](lc, now);
}

/* Every slot's timers, on every iteration: a short array made at
 * registration, so slots without timers cost nothing here. */
static void
lcore_timers(struct dps_lcore *lc, uint64_t now)
{
	for (unsigned int i = 0; i < lc->stack->n_timers; i++)
		lc->stack->timers[i](lc, now);
}

static unsigned int
lcore_rx(struct dps_lcore *lc, uint64_t now)
{
	struct dps_stack *s = lc->stack;
	struct rte_mbuf *pkts[DPS_BURST];
	unsigned int total = 0;

	for (unsigned int i = 0; i < s->n_ifaces; i++) {
		uint16_t n = rte_eth_rx_burst(s->ifs[i].port_id, lc->queue, pkts,
			DPS_BURST);

		for (uint16_t k = 0; k < n; k++) {
			if (k + 1 < n)
				rte_prefetch0(rte_pktmbuf_mtod(pkts[k + 1], void *));
			s->rx_frame(lc, (uint16_t)i, pkts[k], now);
		}
		total += n;
	}
	return total;
}

/* What each slot left owed: one output per flow per iteration. */
static void
lcore_output(struct dps_lcore *lc, uint64_t now)
{
	for (unsigned int i = 0; i < lc->stack->n_outputs; i++)
		lc->stack->outputs[i](lc, now);
}

int
dps_stack_set_work(struct dps_stack *s, unsigned int idx, dps_lcore_work_fn fn,
	void *arg)
{
	if (idx >= s->n_lcores)
		return -EINVAL;
	s->lc[idx]->work = fn;
	s->lc[idx]->work_arg = arg;
	return 0;
}

/*
 * Busy and idle cycles from the one TSC read of an iteration, the one
 * that also gives the clock: the span from the last poll's start to this
 * one's is charged now, to busy or idle by what the last poll did. So
 * an appliance's own code between two polls counts with the poll before
 * it, and the last poll before a stop is not charged.
 */
static inline void
lcore_charge(struct dps_lcore *lc, uint64_t tsc)
{
	uint64_t span = tsc - lc->poll_tsc;

	if (lc->poll_tsc != 0 && lc->poll_busy)
		DPS_CNT_ADD(&lc->cnt, poll_busy_cycles, span);
	else if (lc->poll_tsc != 0)
		DPS_CNT_ADD(&lc->cnt, poll_idle_cycles, span);
	lc->poll_tsc = tsc;
}

unsigned int
dps_stack_poll(struct dps_stack *s, unsigned int idx)
{
	struct dps_lcore *lc = s->lc[idx];
	uint64_t tsc = rte_rdtsc();
	uint64_t now = dps_now_at(s, tsc);
	unsigned int work;

	lcore_charge(lc, tsc);
	lcore_output(lc, now);		/* what the lcore's code did between polls */
	lcore_tick(lc, now);
	work = lcore_rx(lc, now);
	work += lcore_drain_requests(lc, now);
	lcore_timers(lc, now);
	if (lc->work != NULL)
		work += lc->work(s, idx, lc->work_arg);
	lcore_output(lc, now);
	dps_lcore_flush(lc);
	DPS_CNT_INC(&lc->cnt, poll_loops);
	lc->poll_busy = work != 0;
	return work;
}

int
dps_stack_run(struct dps_stack *s, unsigned int idx)
{
	while (!dps_stack_stopping(s))
		dps_stack_poll(s, idx);
	return 0;
}
