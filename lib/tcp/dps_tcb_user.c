/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCB's calls for the code that runs it on an lcore: settings an
 * application changed, close(), the end of a connection decided outside
 * the TCB (a failed next hop), and the per-lcore challenge-ACK limit. The
 * caller never writes a TCB field itself; these keep the invariants the
 * rest of the core relies on (one deadline in timer_ns, state and err
 * together).
 */
#include "dps_tcb_priv.h"

void
dps_tcb_attach_limit(struct dps_tcb *t, struct dps_tcp_ratelimit *chlim)
{
	t->x->chlim = chlim;
}

void
dps_tcb_set_predict(struct dps_tcb *t, bool on)
{
	t->no_pred = !on;
}

void
dps_tcb_set_rcv_space(struct dps_tcb *t, uint32_t space)
{
	t->rcv_space = space;
}

/*
 * New settings (setsockopt() on the application side). Keepalive is
 * re-armed from the last segment received with the new times, as
 * Linux's keepalive_time_when() counts, when it was switched or its
 * times changed in a state that keeps one.
 */
bool
dps_tcb_set_opts(struct dps_tcb *t, const struct dps_tcb_opts *o, uint64_t now)
{
	uint32_t idle = dps_tcp_keepidle_s(o->keepidle_s);
	uint32_t intvl = dps_tcp_keepintvl_s(o->keepintvl_s);
	bool push = (o->nodelay && !t->nodelay) || (!o->cork && t->cork), rearm;

	t->x->keepcnt = dps_tcp_keepcnt(o->keepcnt);
	t->nodelay = o->nodelay;
	t->cork = o->cork;
	t->pingpong = o->pingpong;
	if (push)
		t->push_once = true;
	/* __tcp_sock_set_quickack(): a delayed ACK that waits goes now. */
	if (o->quickack && t->dack_at != 0 && (t->state == DPS_TCPS_ESTABLISHED ||
			t->state == DPS_TCPS_CLOSE_WAIT)) {
		t->dack_at = 0;
		t->ack_now = true;
		push = true;
	}
	t->x->user_timeout_ms = o->user_timeout_ms;
	rearm = o->keepalive != t->keepalive || idle != t->x->keepidle_s ||
		intvl != t->x->keepintvl_s;
	t->keepalive = o->keepalive;
	t->x->keepidle_s = idle;
	t->x->keepintvl_s = intvl;
	if (rearm && (t->state == DPS_TCPS_ESTABLISHED || t->state == DPS_TCPS_CLOSE_WAIT)) {
		t->ka_at = 0;
		dps_tcb_arm_keepalive(t, now);
	}
	return push;
}

void
dps_tcb_set_more(struct dps_tcb *t, bool more)
{
	t->more = more;
}

void
dps_tcb_acked(struct dps_tcb *t)
{
	t->more = false;
}

bool
dps_tcb_defer_ack(struct dps_tcb *t, const struct dps_tcp_seg *s)
{
	if (t->state != DPS_TCPS_SYN_RECV || !t->passive ||
			t->retransmits >= t->x->defer_accept ||
			s->len != 0 || (s->flags & (DPS_TH_SYN | DPS_TH_RST | DPS_TH_FIN)) ||
			!(s->flags & DPS_TH_ACK) || s->seq != t->irs + 1 ||
			s->ack != t->iss + 1)
		return false;
	t->defer_acked = true;
	return true;
}

/*
 * close() by the application (tcp_close()): the TCB is orphaned, the FIN
 * queued, and an orphan that reaches FIN_WAIT2 at once gets the
 * tcp_fin_timeout deadline there.
 */
int
dps_tcb_user_close(struct dps_tcb *t, uint64_t now)
{
	int ev;

	t->orphan = true;
	ev = dps_tcb_shutdown(t, now);
	if (t->state == DPS_TCPS_FIN_WAIT2 && t->ka_at == 0)
		t->ka_at = now + DPS_TCP_FIN_TIMEOUT_NS;
	return ev;
}

/* The connection ended outside the TCB: closed, with @err (0: none). */
void
dps_tcb_set_closed(struct dps_tcb *t, int err)
{
	if (err != 0)
		t->err = err;
	t->state = DPS_TCPS_CLOSE;
}
