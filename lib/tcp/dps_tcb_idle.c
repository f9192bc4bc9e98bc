/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The idle record of a TCB (issue 15): a quiet connection's hot half in
 * 120 bytes (119 used), against the 192 of struct dps_tcb, for the
 * compact idle form. The fields a quiet TCB fixes are left out and put
 * back on load, the sequence numbers that can only lag SND.UNA or
 * RCV.NXT are kept as 16-bit distances, and four figures that are
 * nearly always small in 16 bits (a TCB where one is not stays whole);
 * every other byte comes back as it was, which
 * test/unit/test_tcb_ext.c checks on TCBs of random bytes and by running
 * a connection that is saved and loaded at each quiet moment beside one
 * that never is, segment for segment.
 */
#include <string.h>
#include "dps_tcb_priv.h"

/* The one-bit fields, each a bit of dps_tcb_idle.flags. */
#define IDLE_FLAGS(X) \
	X(dsack) X(sack_ok) X(ts_ok) X(ws_ok) X(passive) X(orphan) \
	X(nodelay) X(keepalive) X(fin_queued) X(ack_now) X(in_recovery) \
	X(in_loss) X(cwnd_limited) X(rexmit_now) X(persist) X(fin_ooo) \
	X(syn_unacked) X(cork) X(more) X(push_once) X(pingpong) \
	X(defer_acked) X(no_pred) X(data_seen) X(reord_seen)

enum {
#define IDLE_BIT(f) IDLE_##f,
	IDLE_FLAGS(IDLE_BIT)
#undef IDLE_BIT
	IDLE_N_FLAGS
};
_Static_assert(IDLE_N_FLAGS <= 32, "the TCB's flags fill the word");
_Static_assert(sizeof(struct dps_tcb_idle) <= 120,
	"the idle record outgrew its place in the compact form");

/* The fields both sides copy as they are. */
#define IDLE_FIELDS(X) \
	X(iss) X(snd_una) X(snd_wnd) X(snd_wl1) X(irs) \
	X(rcv_nxt) X(rcv_adv) X(rcv_buf) X(rcv_space) X(rcv_ssthresh) \
	X(ts_off) X(ts_recent) X(cwnd) X(ssthresh) \
	X(srtt_us8) X(rttvar_us4) \
	X(min_rtt_us) X(last_oow_ack_ms) X(rcv_tstamp_ms) \
	X(adv_mss) X(mss) X(rcv_mss) X(pmtu_mss) X(user_mss) \
	X(rcv_wnd) X(tso_max) X(state) X(snd_wscale) X(rcv_wscale) \
	X(syn_wscale) X(cc) X(quickacks) X(probes)

/* The sequence numbers kept as distances behind SND.UNA or RCV.NXT:
 * (the TCB's field, the record's distance, the base). */
#define IDLE_LAGS(X) \
	X(snd_wl2, wl2_lag, snd_una) X(snd_sml, sml_lag, snd_una) \
	X(push_seq, push_lag, snd_una) X(pushed_seq, pushed_lag, snd_una) \
	X(rcv_acked, acked_lag, rcv_nxt)

/* The 32-bit figures kept in 16 bits as they are. */
#define IDLE_NARROW(X) X(cwnd_acc) X(retrans_total)

/* The RTO's unit in the record: a jiffy, in us (dps_tcb_rtt_sample()
 * and the backoff keep it a whole number of them). */
#define IDLE_RTO_UNIT ((uint32_t)(DPS_TCP_JIFFY_NS / 1000))

/* Whether @seq lags @base by less than 64 KiB (0 included). */
static bool
lag_fits(uint32_t seq, uint32_t base)
{
	return base - seq <= UINT16_MAX;
}

/* Whether the figures the record narrows fit in it. */
static bool
narrow_fits(const struct dps_tcb *t)
{
	bool fits = lag_fits(t->snd_wnd, t->max_snd_wnd) &&
		t->rto_us % IDLE_RTO_UNIT == 0 &&
		t->rto_us / IDLE_RTO_UNIT <= UINT16_MAX;

#define NARROW_FITS(f) fits = fits && t->f <= UINT16_MAX;
	IDLE_NARROW(NARROW_FITS)
#undef NARROW_FITS
	return fits;
}

bool
dps_tcb_idle_ok(const struct dps_tcb *t)
{
	bool lags = true;

#define LAG_FITS(f, l, b) lags = lags && lag_fits(t->f, t->b);
	IDLE_LAGS(LAG_FITS)
#undef LAG_FITS
	return lags && narrow_fits(t) && t->x == NULL && t->snd_nxt == t->snd_una &&
		t->snd_max == t->snd_una && t->snd_end == t->snd_una &&
		t->retransmits == 0 && t->dupacks == 0 && t->n_ooo == 0 &&
		t->n_sacked == 0 && t->err == 0 && t->soft_err == 0 &&
		t->rtx_at == 0 && t->dack_at == 0 && t->ka_at == 0;
}

void
dps_tcb_idle_save(const struct dps_tcb *t, struct dps_tcb_idle *r)
{
	memset(r, 0, sizeof(*r));
#define SAVE_FIELD(f) r->f = t->f;
	IDLE_FIELDS(SAVE_FIELD)
#undef SAVE_FIELD
#define SAVE_FLAG(f) r->flags |= (uint32_t)t->f << IDLE_##f;
	IDLE_FLAGS(SAVE_FLAG)
#undef SAVE_FLAG
#define SAVE_LAG(f, l, b) r->l = (uint16_t)(t->b - t->f);
	IDLE_LAGS(SAVE_LAG)
#undef SAVE_LAG
#define SAVE_NARROW(f) r->f = (uint16_t)t->f;
	IDLE_NARROW(SAVE_NARROW)
#undef SAVE_NARROW
	r->maxwnd_over = (uint16_t)(t->max_snd_wnd - t->snd_wnd);
	r->rto_j = (uint16_t)(t->rto_us / IDLE_RTO_UNIT);
}

void
dps_tcb_idle_load(struct dps_tcb *t, const struct dps_tcb_idle *r)
{
	memset(t, 0, sizeof(*t));
#define LOAD_FIELD(f) t->f = r->f;
	IDLE_FIELDS(LOAD_FIELD)
#undef LOAD_FIELD
#define LOAD_FLAG(f) t->f = (r->flags >> IDLE_##f) & 1;
	IDLE_FLAGS(LOAD_FLAG)
#undef LOAD_FLAG
#define LOAD_LAG(f, l, b) t->f = t->b - r->l;
	IDLE_LAGS(LOAD_LAG)
#undef LOAD_LAG
#define LOAD_NARROW(f) t->f = r->f;
	IDLE_NARROW(LOAD_NARROW)
#undef LOAD_NARROW
	t->max_snd_wnd = t->snd_wnd + r->maxwnd_over;
	t->rto_us = dps_tcb_idle_rto_us(r);
	t->snd_nxt = t->snd_max = t->snd_end = t->snd_una;
}
