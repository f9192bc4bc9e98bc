/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Compact TIME_WAIT: the 28 bytes of a closed connection that TIME_WAIT
 * needs (RFC 9293 3.6.1, 3.10.7.4), and the answers Linux's
 * tcp_timewait_state_process() gives to what arrives meanwhile:
 * - PAWS (RFC 7323 5) first: an old timestamp gets an ACK, not a verdict;
 * - an in-window RST ends the entry (Linux's default tcp_rfc1337 = 0);
 * - an in-window bare ACK restarts the 60 s and is dropped;
 * - a new SYN that is clearly not an old duplicate may reopen the tuple
 *   (RFC 1122 4.2.2.13, with RFC 6191's timestamp test);
 * - everything else (a retransmitted FIN, data, out-of-window segments)
 *   gets an ACK of what we hold, so the peer can finish its close.
 * Times in the entry are seconds, as Linux keeps them.
 */
#include <string.h>
#include "dps_tcp.h"

#define NS_PER_MS (1000ull * 1000)
#define NS_PER_S (1000ull * 1000 * 1000)
#define TW_LEN_S ((uint32_t)(DPS_TCP_TIMEWAIT_NS / NS_PER_S))
#define PAWS_MSL_S 60		/* Linux TCP_PAWS_MSL: a RST may pass PAWS after */
#define TW_REUSE_S 1		/* tcp_tw_reuse: ts_recent at least this old */

static uint32_t
tw_sec(uint64_t now)
{
	return (uint32_t)(now / NS_PER_S);
}

/*
 * Fill @tw from TCB @t entering TIME_WAIT at @now. The window is the one
 * our ACKs announce now, already shifted (Linux keeps tcp_receive_window()
 * and shifts it when it sends).
 */
void
dps_tcp_tw_from(struct dps_tcp_tw *tw, const struct dps_tcb *t, uint64_t now)
{
	uint32_t wnd = 0;

	if (dps_seq_gt(t->rcv_adv, t->rcv_nxt))
		wnd = (t->rcv_adv - t->rcv_nxt) >> t->rcv_wscale;
	memset(tw, 0, sizeof(*tw));
	tw->snd_nxt = t->snd_nxt;
	tw->rcv_nxt = t->rcv_nxt;
	tw->ts_recent = t->ts_recent;
	tw->ts_off = t->ts_off;
	tw->ts_ok = t->ts_ok;
	tw->ts_recent_s = tw_sec(now);
	tw->expire_s = tw_sec(now) + TW_LEN_S;
	tw->wnd = wnd > 0xffff ? 0xffff : (uint16_t)wnd;
	tw->rcv_wscale = t->rcv_wscale;
}

/*
 * PAWS (RFC 7323 5.3 R1) against the entry: a timestamp older than
 * ts_recent marks an old duplicate. Linux (tcp_paws_reject()) lets a RST
 * through when ts_recent is over a PAWS MSL old, since the peer may have
 * rebooted.
 */
static bool
tw_paws_reject(const struct dps_tcp_tw *tw, const struct dps_tcp_seg *s,
	uint64_t now)
{
	if (!tw->ts_ok || !s->opt.has_ts)
		return false;
	if (!dps_seq_lt(s->opt.tsval, tw->ts_recent))
		return false;
	if ((s->flags & DPS_TH_RST) &&
	    (int32_t)(tw_sec(now) - tw->ts_recent_s) >= PAWS_MSL_S)
		return false;
	return true;
}

/* The ACK TIME_WAIT sends: what we sent and received, our last window,
 * and timestamps when the connection had them (Linux tcp_v4_timewait_ack). */
static void
tw_ack(const struct dps_tcp_tw *tw, uint64_t now, struct dps_tcp_out *out)
{
	memset(out, 0, sizeof(*out));
	out->seq = tw->snd_nxt;
	out->ack = tw->rcv_nxt;
	out->flags = DPS_TH_ACK;
	out->wnd = tw->wnd;
	if (tw->ts_ok) {
		out->opts = DPS_TCP_OUT_TS;
		out->opt.has_ts = true;
		out->opt.tsval = (uint32_t)(now / NS_PER_MS) + tw->ts_off;
		out->opt.tsecr = tw->ts_recent;
	}
}

/* Keep the entry a full TIME_WAIT from now (Linux reschedules it). */
static void
tw_restart(struct dps_tcp_tw *tw, uint64_t now)
{
	tw->expire_s = tw_sec(now) + TW_LEN_S;
}

/*
 * Exactly at rcv_nxt and carrying nothing, or a RST there: the only
 * segments TIME_WAIT takes as in window (anything occupying sequence
 * space is past the peer's FIN).
 */
static bool
tw_in_window(const struct dps_tcp_tw *tw, const struct dps_tcp_seg *s)
{
	if (s->seq != tw->rcv_nxt)
		return false;
	if (s->flags & DPS_TH_RST)
		return true;
	return s->len == 0 && !(s->flags & (DPS_TH_SYN | DPS_TH_FIN));
}

/*
 * A SYN may reopen the tuple (RFC 1122 4.2.2.13) when it cannot be an
 * old duplicate: its sequence number is above everything the last
 * connection used, or its timestamp is newer than the last one seen
 * (RFC 6191 3).
 */
static bool
tw_new_syn(const struct dps_tcp_tw *tw, const struct dps_tcp_seg *s)
{
	if ((s->flags & (DPS_TH_SYN | DPS_TH_RST | DPS_TH_ACK)) != DPS_TH_SYN)
		return false;
	if (dps_seq_gt(s->seq, tw->rcv_nxt))
		return true;
	return tw->ts_ok && s->opt.has_ts &&
		dps_seq_gt(s->opt.tsval, tw->ts_recent);
}

/*
 * A segment for the entry. The order is Linux's: the in-window case
 * (after PAWS), then a new SYN, then an ACK for whatever else is not a
 * RST. A segment that failed PAWS, or carried ACK, also restarts the
 * 60 s; an ACK-less SYN does not, since it may be a new connection's SYN
 * with a random ISN below rcv_nxt.
 */
int
dps_tcp_tw_input(struct dps_tcp_tw *tw, const struct dps_tcp_seg *s,
	uint64_t now, struct dps_tcp_out *out)
{
	bool paws = tw_paws_reject(tw, s, now);

	if (!paws && tw_in_window(tw, s)) {
		if (s->flags & DPS_TH_RST)
			return DPS_TW_KILL;
		tw_restart(tw, now);
		if (tw->ts_ok && s->opt.has_ts) {
			tw->ts_recent = s->opt.tsval;
			tw->ts_recent_s = tw_sec(now);
		}
		return DPS_TW_DROP;
	}
	if (!paws && tw_new_syn(tw, s))
		return DPS_TW_SYN;
	if (s->flags & DPS_TH_RST)
		return DPS_TW_DROP;
	if (paws || (s->flags & DPS_TH_ACK))
		tw_restart(tw, now);
	tw_ack(tw, now, out);
	return DPS_TW_ACK;
}

/*
 * tcp_tw_reuse (Linux tcp_twsk_unique()): a connect may take the tuple
 * of this entry when timestamps were on and the last one is over a
 * second old, so PAWS at the peer tells the two connections apart. The
 * new ISN must then lie beyond anything the old connection sent or the
 * peer could still accept: a maximal unscaled window past snd_nxt.
 */
bool
dps_tcp_tw_reusable(const struct dps_tcp_tw *tw, uint64_t now,
	uint32_t *isn_floor)
{
	if ((int32_t)(tw_sec(now) - (tw->ts_recent_s + TW_REUSE_S)) < 0)
		return false;
	return dps_tcp_tw_bound_reusable(tw, isn_floor);
}

/* A bound port (Linux tcp_twsk_unique() with no time-wait pointer):
 * timestamps alone decide, at any age. */
bool
dps_tcp_tw_bound_reusable(const struct dps_tcp_tw *tw, uint32_t *isn_floor)
{
	if (!tw->ts_ok)
		return false;
	*isn_floor = tw->snd_nxt + 65535 + 2;
	return true;
}
