/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_TCB_PRIV_H
#define DPS_TCB_PRIV_H

/* What the TCB's files (dps_tcb*.c) share; not for the rest of the stack. */

#include "dps_tcp.h"

#define NS_PER_MS (1000ull * 1000)
#define NS_PER_S (1000ull * 1000 * 1000)

static inline uint32_t u32_min(uint32_t a, uint32_t b) { return a < b ? a : b; }
static inline uint32_t u32_max(uint32_t a, uint32_t b) { return a > b ? a : b; }

/* dps_tcb.c */
void dps_tcb_syn(const struct dps_tcb *t, uint64_t now, bool ack,
	struct dps_tcp_out *o);
void dps_tcb_established(struct dps_tcb *t, uint64_t now);
int dps_tcb_close(struct dps_tcb *t, int err);
bool dps_tcb_seq_ok(const struct dps_tcb *t, const struct dps_tcp_seg *s);

/* dps_tcb_out.c */
void dps_tcb_fill_ack(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *o);
/* An ACK with RST set at snd_nxt, as tcp_send_active_reset() sends it. */
void dps_tcb_fill_rst(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out);
/* An ACK for an out-of-window or unacceptable segment, limited to one per
 * 500 ms for segments without payload (Linux tcp_oow_rate_limited()). */
/* An in-window segment whose data all arrived before: its ACK now, with
 * the D-SACK block naming it (RFC 2883), when SACK was negotiated. */
void dps_tcb_dup_ack(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n);
void dps_tcb_oow_ack(struct dps_tcb *t, const struct dps_tcp_seg *s,
	uint64_t now, struct dps_tcp_out *out, unsigned int *n);
/* A challenge ACK (RFC 5961 3.2, 4.2, 5.2), rate-limited. */
void dps_tcb_challenge(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int *n);
/* RFC 6675 IsLost() boundary: unSACKed bytes below it are lost. */
uint32_t dps_tcb_sack_lost_edge(const struct dps_tcb *t);
void dps_tcb_timers_sync(struct dps_tcb *t);
/* A partial last segment waits for TCP_CORK or MSG_MORE while the peer's
 * window is open for it: the probe timer sends it (dps_tcb_timer.c). */
bool dps_tcb_corked_open(const struct dps_tcb *t);

/* dps_tcb_in.c */
int dps_tcb_input_sync(struct dps_tcb *t, const struct dps_tcp_seg *s,
	uint64_t now, struct dps_tcp_out *out, unsigned int *n);

/* dps_tcb_timer.c */
void dps_tcb_rtt_sample(struct dps_tcb *t, uint64_t rtt);
void dps_tcb_arm_rto(struct dps_tcb *t, uint64_t now);
void dps_tcb_arm_keepalive(struct dps_tcb *t, uint64_t now);

#endif
