/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The idle record of a TCB (issue 15): a quiet connection's hot half in
 * 128 bytes (127 used), against the 192 of struct dps_tcb, for the
 * compact idle form. The fields a quiet TCB fixes are left out and put
 * back on load, and the sequence numbers that can only lag SND.UNA or
 * RCV.NXT are kept as 16-bit distances; every other byte comes back as
 * it was, which
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
_Static_assert(sizeof(struct dps_tcb_idle) <= 128,
	"the idle record outgrew its place in the compact form");

/* The fields both sides copy as they are. */
#define IDLE_FIELDS(X) \
	X(iss) X(snd_una) X(snd_wnd) X(snd_wl1) X(max_snd_wnd) X(irs) \
	X(rcv_nxt) X(rcv_adv) X(rcv_buf) X(rcv_space) X(rcv_ssthresh) \
	X(ts_off) X(ts_recent) X(cwnd) X(ssthresh) X(cwnd_acc) \
	X(retrans_total) X(srtt_us8) X(rttvar_us4) \
	X(min_rtt_us) X(rto_us) X(last_oow_ack_ms) X(rcv_tstamp_ms) \
	X(adv_mss) X(mss) X(rcv_mss) X(pmtu_mss) X(user_mss) \
	X(rcv_wnd) X(tso_max) X(state) X(snd_wscale) X(rcv_wscale) \
	X(syn_wscale) X(cc) X(quickacks) X(probes)

/* The sequence numbers kept as distances behind SND.UNA or RCV.NXT:
 * (the TCB's field, the record's distance, the base). */
#define IDLE_LAGS(X) \
	X(snd_wl2, wl2_lag, snd_una) X(snd_sml, sml_lag, snd_una) \
	X(push_seq, push_lag, snd_una) X(pushed_seq, pushed_lag, snd_una) \
	X(rcv_acked, acked_lag, rcv_nxt)

/* Whether @seq lags @base by less than 64 KiB (0 included). */
static bool
lag_fits(uint32_t seq, uint32_t base)
{
	return base - seq <= UINT16_MAX;
}

bool
dps_tcb_idle_ok(const struct dps_tcb *t)
{
	bool lags = true;

#define LAG_FITS(f, l, b) lags = lags && lag_fits(t->f, t->b);
	IDLE_LAGS(LAG_FITS)
#undef LAG_FITS
	return lags && t->x == NULL && t->snd_nxt == t->snd_una &&
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
	t->snd_nxt = t->snd_max = t->snd_end = t->snd_una;
}
