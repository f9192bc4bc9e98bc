/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cold half of a connection's TCB (struct dps_tcb_ext, issue 15).
 *
 * A connection holds one while it moves data, recovers from loss, opens
 * or closes: every call into the TCP core on the owning lcore is preceded
 * by dps_tcp_x_hold(). When the output of an iteration leaves it quiet
 * (dps_tcb_quiet(): nothing in flight or queued, no scoreboard, default
 * settings) and its buffers are empty, dps_tcp_x_release() gives the
 * extension back (struct dps_tcp_cold: the TCB's half and the send and
 * out-of-order buffers' pointers), and an idle
 * established connection costs only the hot half in its socket (an IPv6
 * one keeps the peer's last flow label there too, dps_sock6_side). An HTTP
 * connection that opens, asks, is answered and closes takes one or two
 * extensions in its life; a million idle ones hold none.
 *
 * The pool is the stack's; an empty pool drops the segment (counted as
 * tcp_ext_pool_empty) as Linux drops under memory pressure, and the peer
 * retransmits; a timer that finds it empty tries again a millisecond on.
 */
#include "dps_tcp_priv.h"

/* A cold half from the pool with empty buffers (the rest of struct
 * dps_tcp_cold), or NULL. */
static void *
tcp_x_get(struct dps_lcore *lc)
{
	void *obj = dps_pool_get(dps_socks(lc->stack)->xpool);

	if (obj != NULL)
		memset((char *)obj + sizeof(struct dps_tcb_ext), 0,
			sizeof(struct dps_tcp_cold) - sizeof(struct dps_tcb_ext));
	return obj;
}

bool
dps_tcp_x_take(struct dps_lcore *lc, struct dps_sock *sk)
{
	void *obj = tcp_x_get(lc);

	if (obj == NULL)
		return false;
	dps_tcb_ext_attach(&sk->tcb, obj);
	dps_tcb_attach_limit(&sk->tcb, &dps_tcp_lc(lc)->chlim);
	if (dps_tcp_is_v6(sk))
		sk->tcb.x->lrcv_flow = dps_sock6(sk)->lrcv_flow;
	return true;
}

/*
 * The same for a TCB about to be opened: connect, accept and a SYN
 * cookie's child write the cold half themselves (tcb_init() attaches
 * what it finds), so it is only linked here; their callers attach the
 * challenge-ACK limit after them. This saves the second attach (48
 * instructions a connection on each side).
 */
bool
dps_tcp_x_hold_new(struct dps_lcore *lc, struct dps_sock *sk)
{
	void *obj;

	if (sk->tcb.x != NULL)
		return true;
	obj = tcp_x_get(lc);
	if (obj == NULL)
		return false;
	dps_tcb_ext_link(&sk->tcb, obj);
	return true;
}

void
dps_tcp_x_release(struct dps_lcore *lc, struct dps_sock *sk)
{
	struct dps_tcp_cold *c = dps_tcp_cold(sk);
	struct dps_tcb_ext *x;

	/* The buffers empty as the TCB goes quiet (all acknowledged, no
	 * hole); checked all the same, they are not the TCB's to judge. */
	if (c == NULL || c->snd_head != NULL || c->ooo != NULL)
		return;
	x = dps_tcb_ext_detach(&sk->tcb);
	if (x == NULL)
		return;
	/* The peer's last flow label outlives the cold half, as Linux's
	 * lrcv_flowlabel lives as long as the socket: a duplicate after a
	 * quiet spell compares with it (tcb_dup_data_seen()). */
	if (dps_tcp_is_v6(sk))
		dps_sock6(sk)->lrcv_flow = x->lrcv_flow;
	dps_pool_put(dps_socks(lc->stack)->xpool, x);
}

void
dps_tcp_x_drop(struct dps_sock *sk)
{
	struct dps_tcb_ext *x;

	dps_tcp_cold_bufs_free(sk);	/* what it holds goes with it */
	x = dps_tcb_ext_take(&sk->tcb);
	if (x != NULL)
		dps_pool_put(dps_socks(sk->stack)->xpool, x);
}
