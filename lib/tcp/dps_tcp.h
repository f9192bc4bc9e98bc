/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_TCP_H
#define DPS_TCP_H

/*
 * The TCP core: segment options on the wire, and the per-connection state
 * machine (the TCB) for the active open.
 *
 * Pure code. It does no I/O, allocates nothing, needs no EAL, and takes
 * the time as an argument, so the unit suite drives it with crafted
 * segments on a virtual clock. The caller (lib/sock/dps_tcp_glue.c on an
 * lcore) parses a received segment into struct dps_tcp_seg, calls an input
 * function, and turns every struct dps_tcp_out the core asks for into a
 * packet.
 */

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/* TCP header flags. */
#define DPS_TH_FIN 0x01
#define DPS_TH_SYN 0x02
#define DPS_TH_RST 0x04
#define DPS_TH_PSH 0x08
#define DPS_TH_ACK 0x10

#define DPS_TCP_HLEN 20
#define DPS_TCP_SYN_OPT_LEN 20	/* MSS, SACK-permitted, timestamps, wscale */
#define DPS_TCP_TS_OPT_LEN 12	/* NOP, NOP, timestamps */

/* Sequence-space comparisons (RFC 9293 3.4), modulo 2^32. */
static inline bool dps_seq_lt(uint32_t a, uint32_t b) { return (int32_t)(a - b) < 0; }
static inline bool dps_seq_leq(uint32_t a, uint32_t b) { return (int32_t)(a - b) <= 0; }
static inline bool dps_seq_gt(uint32_t a, uint32_t b) { return (int32_t)(a - b) > 0; }
static inline bool dps_seq_geq(uint32_t a, uint32_t b) { return (int32_t)(a - b) >= 0; }

/* Options of one segment (RFC 9293 3.2, RFC 7323, RFC 2018). */
struct dps_tcp_opts {
	bool has_mss, has_ws, sack_ok, has_ts;
	uint16_t mss;
	uint8_t wscale;
	uint32_t tsval, tsecr;
};

#define DPS_TCP_SACK_MAX 4		/* blocks one option can carry */

/* One SACK block (RFC 2018): bytes [left, right) held by the receiver. */
struct dps_sack_blk {
	uint32_t left, right;
};

/* A received segment, host byte order. */
struct dps_tcp_seg {
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;
	uint8_t n_sack;			/* SACK blocks in @sack */
	uint32_t len;			/* payload bytes */
	/* The IPv6 flow label the segment arrived with, or-ed with
	 * DPS_TCP_FLOW_V6; 0 for a segment that came over IPv4
	 * (dps_tcp_seg_parse() leaves it 0, IPv6 input sets it). */
	uint32_t flow;
	/* The IPv4 TOS or IPv6 traffic class it arrived with, which a RST
	 * answering it reflects (dps_tcp_rst_for()); the input paths set
	 * it after dps_tcp_seg_parse(), which leaves it 0. */
	uint8_t tos;
	struct dps_tcp_opts opt;
	struct dps_sack_blk sack[DPS_TCP_SACK_MAX];
};

/* struct dps_tcp_seg.flow: the segment came over IPv6 (its label, which
 * may be 0, in the low 20 bits). */
#define DPS_TCP_FLOW_V6 0x80000000u
#define DPS_TCP_FLOW_LABEL 0xfffffu

/* What the option block of an outgoing segment holds. */
enum dps_tcp_out_opts {
	DPS_TCP_OUT_NONE,		/* no options (RSTs) */
	DPS_TCP_OUT_TS,			/* NOP NOP timestamps */
	DPS_TCP_OUT_SYN,		/* the SYN / SYN-ACK block */
};

/*
 * A segment the core asks the caller to send. @len payload bytes come
 * from the send buffer, starting @seq - snd_una bytes after its head
 * (the caller has already dropped the acknowledged bytes); a FIN, if
 * set, follows them.
 */
struct dps_tcp_out {
	uint32_t seq, ack;
	uint32_t len;			/* payload bytes from the send buffer */
	uint16_t wnd;			/* raw header value (already scaled) */
	uint8_t flags;
	uint8_t opts;			/* enum dps_tcp_out_opts */
	uint8_t n_sack;			/* SACK blocks after the timestamps */
	bool rexmit;			/* a retransmission (counters) */
	bool sack_rexmit;		/* one the SACK scoreboard chose */
	bool answer;			/* a RST answering a segment
					 * (dps_tcp_rst_for()), not the
					 * connection's own */
	uint8_t tos;			/* an answer's TOS / traffic class:
					 * the segment's, less ECN */
	struct dps_tcp_opts opt;	/* values for the option block */
	struct dps_sack_blk sack[3];	/* with timestamps, 3 fit */
};

/*
 * Parse the options of a TCP header (@opt, @len bytes after the fixed 20).
 * Malformed options end the parse without failing the segment, as RFC
 * 9293 3.1 asks of receivers; what was parsed before stays.
 */
void dps_tcp_opts_parse(const uint8_t *opt, size_t len, struct dps_tcp_opts *o);

/* Parse a whole TCP header at @th (@hdr_len bytes, payload @payload_len). */
void dps_tcp_seg_parse(const uint8_t *th, uint16_t hdr_len, uint32_t payload_len,
	struct dps_tcp_seg *s);

/* Length of the option block @out asks for (the SYN block as
 * dps_tcp_build() lays it out: MSS; SACK-permitted inside the timestamp
 * option's pad, or on its own; window scale). Inline: every segment sent
 * takes it, and as a call it cost 14 instructions a segment where the
 * caller's own case is two tests. */
static inline size_t
dps_tcp_out_opt_len(const struct dps_tcp_out *out)
{
	size_t n = 4;	/* MSS */

	switch (out->opts) {
	case DPS_TCP_OUT_SYN:
		if (out->opt.has_ts)
			n += 12;
		else if (out->opt.sack_ok)
			n += 4;
		if (out->opt.has_ws)
			n += 4;
		return n;
	case DPS_TCP_OUT_TS:
		return (out->opt.has_ts ? DPS_TCP_TS_OPT_LEN : 0) +
			(out->n_sack != 0 ? 4 + 8u * out->n_sack : 0);
	default:
		return 0;
	}
}

/*
 * Write the TCP header for @out at @buf (cap bytes): ports in network
 * order, checksum left zero. Options in the order Linux sends them: SYN
 * MSS, SACK-permitted, timestamps, NOP, window scale. Returns the header
 * length, 0 when @cap is too small.
 */
size_t dps_tcp_build(uint8_t *buf, size_t cap, uint16_t sport_be,
	uint16_t dport_be, const struct dps_tcp_out *out);

/*
 * dps_tcp_build() for the common case of an established flow: @out has
 * DPS_TCP_OUT_TS options and no SACK blocks (the caller checks). @buf
 * has room for 32 bytes. Returns the header length.
 */
size_t dps_tcp_build_est(uint8_t *buf, uint16_t sport_be, uint16_t dport_be,
	const struct dps_tcp_out *out);

/* ---- the TCB ---- */

/* Same numbering as enum dps_tcp_state in dps_socket.h (Linux's). */
enum {
	DPS_TCPS_ESTABLISHED = 1,
	DPS_TCPS_SYN_SENT = 2,
	DPS_TCPS_SYN_RECV = 3,
	DPS_TCPS_FIN_WAIT1 = 4,
	DPS_TCPS_FIN_WAIT2 = 5,
	DPS_TCPS_TIME_WAIT = 6,
	DPS_TCPS_CLOSE = 7,
	DPS_TCPS_CLOSE_WAIT = 8,
	DPS_TCPS_LAST_ACK = 9,
	DPS_TCPS_LISTEN = 10,
	DPS_TCPS_CLOSING = 11,
};

/* Linux's defaults (net.ipv4.tcp_syn_retries, tcp_syn_linear_timeouts). */
#define DPS_TCP_SYN_RETRIES 6
#define DPS_TCP_SYNACK_RETRIES 5	/* net.ipv4.tcp_synack_retries */
#define DPS_TCP_RETRIES2 15		/* net.ipv4.tcp_retries2 */
#define DPS_TCP_ORPHAN_RETRIES 8	/* tcp_orphan_retries 0 means 8 */
#define DPS_TCP_SYN_LINEAR 4	/* the RTO stays 1 s for LINEAR + 1 retransmissions */
#define DPS_TCP_RTO_INIT_NS (1000ull * 1000 * 1000)	/* RFC 6298 2.1 */
#define DPS_TCP_RTO_MIN_NS (200ull * 1000 * 1000)	/* Linux TCP_RTO_MIN */
#define DPS_TCP_RTO_MAX_NS (120ull * 1000 * 1000 * 1000)
/* Linux keeps the RTO in jiffies; the oracle's kernel (Debian's) has
 * CONFIG_HZ=250, a jiffy of 4 ms. */
#define DPS_TCP_JIFFY_NS (4ull * 1000 * 1000)
#define DPS_TCP_MSS_DEFAULT 536				/* RFC 9293 3.7.1 */
/* Linux's TCP_TIMEOUT_MIN is 2 jiffies; measured here as 10-20 ms. */
#define DPS_TCP_TIMEOUT_MIN_NS (10ull * 1000 * 1000)
#define DPS_TCP_DELACK_NS (40ull * 1000 * 1000)	/* Linux TCP_DELACK_MIN */
#define DPS_TCP_DELACK_MAX_NS (200ull * 1000 * 1000)	/* Linux TCP_DELACK_MAX */
#define DPS_TCP_TIMEWAIT_NS (60ull * 1000 * 1000 * 1000) /* TCP_TIMEWAIT_LEN */
/* Keepalive defaults, Linux's tcp_keepalive_time, _intvl, _probes. */
#define DPS_TCP_KEEPIDLE_S 7200
#define DPS_TCP_KEEPINTVL_S 75
#define DPS_TCP_KEEPCNT 9
#define DPS_TCP_FIN_TIMEOUT_NS (60ull * 1000 * 1000 * 1000) /* tcp_fin_timeout */
#define DPS_TCP_INIT_CWND 10				/* RFC 6928 */
#define DPS_TCP_OOO_MAX 8	/* out-of-order ranges a receiver keeps */
#define DPS_TCP_SACKED_MAX 8	/* SACKed ranges a sender remembers */
#define DPS_TCP_QUICKACKS 16	/* Linux TCP_MAX_QUICKACKS */

/* Congestion control algorithms (TCP_CONGESTION names in brackets). */
enum dps_tcp_cc_algo {
	DPS_CC_CUBIC = 0,	/* "cubic", RFC 9438; the default, as in Linux */
	DPS_CC_NEWRENO,		/* "reno", RFC 5681 + RFC 6582 */
};

/* Per-connection settings from socket options and the route. */
struct dps_tcb_conf {
	uint8_t syn_retries;		/* TCP_SYNCNT; 0 = default */
	uint32_t user_timeout_ms;	/* TCP_USER_TIMEOUT; 0 = off */
	uint16_t adv_mss;		/* MSS we announce (MTU - 40) */
	uint16_t user_mss;		/* TCP_MAXSEG clamp; 0 = none */
	uint8_t rcv_wscale;		/* our window scale */
	uint16_t rcv_wnd;		/* window we announce in the SYN */
	uint32_t rcv_buf;		/* receive buffer, bytes (window ceiling) */
	uint8_t cc;			/* enum dps_tcp_cc_algo */
	bool nodelay;			/* TCP_NODELAY */
	bool cork;			/* TCP_CORK */
	bool pingpong;			/* TCP_QUICKACK 0 */
	uint8_t defer_accept;		/* TCP_DEFER_ACCEPT, in SYN-ACK timeouts */
	bool keepalive;			/* SO_KEEPALIVE */
	uint32_t keepidle_s, keepintvl_s;	/* 0 = DPS_TCP_KEEPIDLE_S / _KEEPINTVL_S */
	uint8_t keepcnt;			/* 0 = DPS_TCP_KEEPCNT */
	uint16_t tso_max;		/* payload one TSO frame may carry; 0 = no TSO */
};

/*
 * Events dps_tcb_input() and dps_tcb_timeout() report, or-ed together.
 * The values of CONNECTED and CLOSED are those of the first version, where
 * a result was one event.
 */
enum dps_tcb_ev {
	DPS_TCB_NONE = 0,
	DPS_TCB_CONNECTED = 1,		/* handshake complete */
	DPS_TCB_CLOSED = 2,		/* connection over; t->err says why */
	DPS_TCB_PEER_FIN = 4,		/* peer closed its side (in order) */
	DPS_TCB_ACKED = 8,		/* snd_una moved: free sent bytes */
	DPS_TCB_DATA = 16,		/* rcv_nxt moved: in-order bytes to deliver */
	DPS_TCB_TIME_WAIT = 32,		/* entered TIME_WAIT */
	DPS_TCB_OUTPUT = 64,		/* dps_tcb_output() has work */
};

#define DPS_TCB_MAX_OUT 2

/* A rate limit shared by the TCBs of one lcore (RFC 5961 10: challenge
 * ACKs; Linux's tcp_challenge_ack_limit, 1000 per second). */
struct dps_tcp_ratelimit {
	uint64_t window_start;		/* ns */
	uint32_t count;
	uint32_t limit;			/* per second; 0 = 1000 */
	uint64_t suppressed;		/* over the limit, for counters */
};

/* Counters a TCB keeps while its extension is attached: the stack's
 * counters take the difference across each call (dps_tcp_count_recovery()),
 * and the lossy-wire tests read them. Retransmissions also go into the
 * hot t->retrans_total, which outlives the extension (TCP_INFO). */
struct dps_tcb_stats {
	uint32_t retrans_segs;		/* all retransmitted segments */
	uint32_t fast_retrans;		/* entries into fast recovery */
	uint32_t sack_retrans;		/* retransmissions chosen by SACK */
	uint32_t rto_count;		/* retransmission timeouts */
	uint32_t dupacks_rx;
	uint32_t ooo_segs;		/* segments queued out of order */
	uint32_t challenge_acks;
	uint32_t paws_drops;
	uint32_t zwp_sent;		/* zero-window probes */
	uint32_t ka_sent;		/* keepalive probes */
	uint32_t dup_rehash;		/* duplicate data under a new IPv6 flow
					 * label: a new flow hash is due
					 * (Linux's TCPDuplicateDataRehash) */
	uint32_t pred_acks;		/* header prediction: pure ACKs of new data */
	uint32_t pred_data;		/* header prediction: in-order data */
	uint32_t tlp_probes;		/* tail loss probes sent (RFC 8985 7) */
	uint32_t rack_lost;		/* recoveries RACK started (RFC 8985 6) */
	uint32_t undos;			/* reductions undone (RFC 3708, D-SACK) */
};

#define DPS_TCP_SENT_LOG 8	/* transmissions a sender remembers (RACK) */

/* One transmission, or several adjacent ones at the same time: bytes
 * [left, right) left at @ts (ns). */
struct dps_tcp_sent {
	uint32_t left, right;
	uint64_t ts;
};

/* What t->rtx_at stands for while data is in flight (dps_tcp_rack.c). */
enum dps_tcp_ltimer {
	DPS_LT_RTO = 0,		/* retransmission timeout (RFC 6298) */
	DPS_LT_TLP,		/* probe timeout (RFC 8985 7.2) */
	DPS_LT_REO,		/* RACK reordering timer (RFC 8985 6.3) */
};

struct dps_tcb;

/**
 * The cold half of a TCB: what only moving data, loss, the handshake or a
 * socket option that is not the default needs. An idle established
 * connection gives it back (dps_tcb_ext_detach()), so that it costs only
 * its hot half (struct dps_tcb); issue 15 sized the halves.
 *
 * Every call of the core that may change the TCB runs with an extension
 * attached (dps_tcb_ext_attach()); the hot half alone is enough for the
 * read-only helpers (dps_tcb_tsval(), dps_tcb_flight(), dps_tcb_smss()).
 */
struct dps_tcb_ext {
	struct dps_tcb *owner;		/* the TCB it is attached to */

	/* Settings; dps_tcb_ext_attach() writes the defaults. */
	uint8_t syn_retries;		/* limit */
	uint8_t keepcnt;
	uint8_t defer_accept;		/* TCP_DEFER_ACCEPT: SYN-ACK timeouts
					 * a bare ACK is dropped for */
	uint32_t user_timeout_ms;
	uint32_t keepidle_s, keepintvl_s;

	uint32_t fin_seq;		/* sequence number of a FIN beyond a hole */
	struct dps_sack_blk dsack_blk;	/* a duplicate to report (RFC 2883) */
	uint32_t syn_tsval;		/* TSval of the first SYN */

	/* Verdict on the payload of the last dps_tcb_input(): keep @rx_len
	 * bytes from @rx_off into it (sequence rx_seq); 0 = free it. */
	uint32_t rx_off, rx_len, rx_seq;

	/* Loss recovery (RFC 6675, RFC 6582) and congestion control. */
	uint32_t recovery_point;	/* RFC 6675 RecoveryPoint */
	uint32_t high_rxt;		/* RFC 6675 HighRxt */
	uint32_t lost_edge;		/* unSACKed bytes below are lost */
	uint64_t cc_priv[6];		/* the algorithm's own state */

	/* The RTT measurement in progress (RFC 6298 3, Karn). */
	uint32_t rtt_seq;		/* the timed byte; 0 = none */
	/* The IPv6 flow label of the last in-order data or duplicate data
	 * (Linux's icsk_ack.lrcv_flowlabel), in the form of
	 * dps_tcp_seg.flow; 0 over IPv4. */
	uint32_t lrcv_flow;
	uint64_t rtt_start;

	struct dps_tcp_ratelimit *chlim;	/* NULL: unlimited */
	uint64_t syn_start_ns;		/* first SYN sent */
	uint64_t rtx_start_ns;		/* first unanswered retransmission */

	/* RACK-TLP (RFC 8985; dps_tcp_rack.c). */
	uint8_t sent_head, sent_n;	/* the ring @sent below */
	uint8_t sent_rxt;		/* bit i: sent[i] is a retransmission */
	uint8_t ltimer;			/* enum dps_tcp_ltimer */
	uint8_t reo_steps;		/* reo_wnd in min_rtt/4 (6.2 step 4) */
	uint8_t reo_persist;		/* recoveries the steps last */
	bool dsack_seen:1;		/* a D-SACK since reo_steps last moved */
	bool tlp_on:1;			/* a probe is out (TLPRxtOut) */
	bool tlp_rxt:1;			/* ... and it was a retransmission */
	bool tlp_fire:1;		/* the probe goes at the next output */
	bool undo_on:1;			/* undo_marker is set */
	uint32_t tail_seq;		/* start of the last segment sent */
	uint32_t rack_end;		/* RACK.end_seq */
	uint32_t dsack_round;		/* snd_nxt when reo_steps grew */
	uint32_t tlp_high;		/* snd_nxt at the probe (TLP.end_seq) */
	uint64_t rack_ts;		/* RACK.xmit_ts */
	uint64_t rack_rtt;		/* RACK.rtt */
	uint64_t rto_at;		/* the RTO while rtx_at is TLP or REO */

	/* PRR (RFC 6937; dps_tcp_prr.c), bytes, and undo (RFC 3708). */
	uint32_t prr_delivered, prr_out, prior_cwnd;
	uint32_t undo_marker;		/* snd_una when the reduction began */
	uint32_t prior_ssthresh;
	int32_t undo_retrans;		/* retransmissions not yet D-SACKed */

	struct dps_tcb_stats st;

	/* The arrays are last, so that dps_tcb_ext_attach() need not clear
	 * them: the hot half's n_ooo and n_sacked, and sent_n above, say
	 * how many entries hold anything, and none is read beyond them.
	 * Clearing them cost 8 instructions of 16-byte stores per 128 bytes
	 * on every attach (callgrind). */
	/* Receiver's out-of-order ranges, most recent first (RFC 2018 4). */
	struct dps_sack_blk ooo[DPS_TCP_OOO_MAX];
	/* Sender's scoreboard: SACKed ranges above snd_una, sorted. */
	struct dps_sack_blk sacked[DPS_TCP_SACKED_MAX];
	/* Transmissions, a ring: @sent_n entries from @sent_head, oldest
	 * first; the two oldest merge when it is full. */
	struct dps_tcp_sent sent[DPS_TCP_SENT_LOG];
};

/**
 * The hot half of a TCB: what an idle established connection needs, the
 * sequence and window variables, the scales, timestamps, MSS, the RTT
 * estimate and the deadlines. Its size is checked by a unit test
 * (test_tcp_parts.c) so that it cannot grow unnoticed.
 */
struct dps_tcb {
	uint8_t state;
	uint8_t retransmits;		/* consecutive timeouts (SYN or data) */
	uint8_t snd_wscale, rcv_wscale;
	uint8_t syn_wscale;		/* the shift our SYN announced */
	uint8_t cc:7;			/* enum dps_tcp_cc_algo */
	bool dsack:1;			/* x->dsack_blk goes first in the next ACK */
	uint8_t quickacks;		/* segments still acknowledged at once */
	uint8_t dupacks;
	uint8_t probes;			/* zero-window or keepalive probes unanswered */
	uint8_t n_ooo, n_sacked;	/* used entries of x->ooo, x->sacked */
	bool sack_ok:1, ts_ok:1, ws_ok:1;
	bool passive:1;			/* opened by a SYN to a listener */
	bool orphan:1;			/* closed by the application */
	bool nodelay:1, keepalive:1;
	bool fin_queued:1;		/* shutdown(SHUT_WR): FIN after the data */
	bool ack_now:1;			/* an ACK is owed at the next output */
	bool in_recovery:1;		/* fast recovery (RFC 6675 / 6582) */
	bool in_loss:1;			/* after an RTO, until recovery_point */
	bool cwnd_limited:1;		/* the last output stopped on cwnd */
	bool rexmit_now:1;		/* retransmit the first hole regardless of cwnd */
	bool persist:1;			/* rtx_at is the zero-window probe timer */
	bool fin_ooo:1;			/* a FIN arrived beyond a hole, at x->fin_seq */
	bool syn_unacked:1;		/* our SYN, at the ISS, is not acknowledged */
	bool cork:1;			/* TCP_CORK: hold a partial last segment */
	bool more:1;			/* the queue ends in a MSG_MORE write */
	bool push_once:1;		/* the next output sends what cork holds */
	bool pingpong:1;		/* TCP_QUICKACK 0: no quick ACKs (Linux's
					 * pingpong mode) until a delayed ACK fires */
	bool defer_acked:1;		/* TCP_DEFER_ACCEPT dropped the bare ACK */
	bool no_pred:1;			/* header prediction off (tests) */
	bool data_seen:1;		/* in-order data arrived (Linux: ato set) */
	bool reord_seen:1;		/* RACK: a delivery came below the highest
					 * SACK (Linux's reord_seen; kept while
					 * the cold half is given back) */
	uint16_t adv_mss;
	uint16_t mss;			/* effective send MSS (peer's, clamped) */
	uint16_t rcv_mss;		/* largest segment seen from the peer */
	uint16_t pmtu_mss;		/* from ICMP frag-needed; 0 = none */
	uint16_t user_mss;
	uint16_t rcv_wnd;		/* the SYN's window */
	uint16_t tso_max;		/* payload per output segment the device
					 * cuts into MSS pieces; 0 = no TSO */

	/* Send sequence space (RFC 9293 3.3.1). */
	uint32_t iss, snd_una, snd_nxt, snd_wnd;
	uint32_t snd_max;		/* highest sequence sent + 1 */
	uint32_t snd_wl1, snd_wl2;
	uint32_t snd_end;		/* end of queued data (FIN goes here) */
	uint32_t snd_sml;		/* end of the last small segment sent */
	uint32_t push_seq;		/* end of the last write (tcp_mark_push()) */
	uint32_t pushed_seq;		/* end of the last segment sent with PSH */
	uint32_t max_snd_wnd;		/* largest window the peer offered */
	/* Receive sequence space. */
	uint32_t irs, rcv_nxt;
	uint32_t rcv_adv;		/* right edge we announced */
	uint32_t rcv_acked;		/* rcv_nxt of our last ACK */
	uint32_t rcv_buf;		/* window ceiling (bytes) */
	uint32_t rcv_space;		/* free receive buffer; the caller sets it */
	uint32_t rcv_ssthresh;		/* window growth clamp (Linux's name) */

	/* Timestamps (RFC 7323). */
	uint32_t ts_off;		/* random offset added to our clock */
	uint32_t ts_recent;

	uint32_t cwnd, ssthresh;	/* bytes */
	uint32_t cwnd_acc;		/* byte counting in avoidance */
	uint32_t retrans_total;		/* TCP_INFO's tcpi_total_retrans */

	int err;			/* why the TCB closed (an errno) */
	int soft_err;			/* last soft ICMP error */

	/* RTT (RFC 6298) in Linux's units, 32 bits each: the smoothed RTT in
	 * 1/8 us and its variation in 1/4 us (tcp_sock's srtt_us and
	 * mdev_us), so that the averages keep their fractions; the smallest
	 * sample and the RTO in us. Read them in ns with dps_tcb_srtt() and
	 * its siblings below. */
	uint32_t srtt_us8, rttvar_us4, min_rtt_us, rto_us;

	/* On the TCB's millisecond clock (dps_tcb_ms(); Linux keeps both in
	 * 32-bit jiffies): */
	uint32_t last_oow_ack_ms;	/* per-connection limit (500 ms); 0 none */
	uint32_t rcv_tstamp_ms;		/* last segment received */
	uint64_t rtx_at;		/* retransmit / SYN / persist deadline */
	uint64_t dack_at;		/* delayed ACK deadline */
	uint64_t ka_at;			/* keepalive, FIN_WAIT2 or TIME_WAIT */

	struct dps_tcb_ext *x;		/* the cold half; NULL while idle */
};

/** The one deadline the caller's timer wheel needs: the earliest of the
 * TCB's three, in ns; 0 for none. Computed, not kept: 8 bytes less per
 * connection, and it cannot go stale. */
static inline uint64_t
dps_tcb_deadline(const struct dps_tcb *t)
{
	uint64_t d = t->rtx_at;

	if (t->dack_at != 0 && (d == 0 || t->dack_at < d))
		d = t->dack_at;
	if (t->ka_at != 0 && (d == 0 || t->ka_at < d))
		d = t->ka_at;
	return d;
}

/** The smoothed round-trip time in ns (0: no sample yet). */
static inline uint64_t
dps_tcb_srtt(const struct dps_tcb *t)
{
	return (uint64_t)t->srtt_us8 * 125;
}

/** The round-trip time variation in ns. */
static inline uint64_t
dps_tcb_rttvar(const struct dps_tcb *t)
{
	return (uint64_t)t->rttvar_us4 * 250;
}

/** The smallest round-trip time sampled, in ns (0: none). */
static inline uint64_t
dps_tcb_min_rtt(const struct dps_tcb *t)
{
	return (uint64_t)t->min_rtt_us * 1000;
}

/** The retransmission timeout in ns (whole jiffies). */
static inline uint64_t
dps_tcb_rto(const struct dps_tcb *t)
{
	return (uint64_t)t->rto_us * 1000;
}

/** The TCB's millisecond clock at @p now (ns); it wraps in 49 days,
 * and is only ever compared by difference. */
static inline uint32_t
dps_tcb_ms(uint64_t now)
{
	return (uint32_t)(now / (1000 * 1000));
}

/** When the last segment arrived, in ns, to the millisecond: the
 * difference of the two millisecond clocks taken back from @p now. */
static inline uint64_t
dps_tcb_rcv_tstamp(const struct dps_tcb *t, uint64_t now)
{
	uint64_t ms = now / (1000 * 1000);
	uint32_t ago = (uint32_t)ms - t->rcv_tstamp_ms;

	return (ms - ago) * 1000 * 1000;
}

/**
 * Attach the cold half @x to @t: @x is written (default settings, no
 * scoreboard, zero counters; the entries of its out-of-order, scoreboard
 * and transmission arrays are left as they were), nothing of it is
 * read. Call it before any call that may change the TCB,
 * connect/accept included.
 */
void dps_tcb_ext_attach(struct dps_tcb *t, struct dps_tcb_ext *x);

/**
 * Give @t the cold half @x without writing it, for a TCB whose next call
 * opens it (dps_tcb_connect(), dps_tcb_accept(), dps_tcb_from_cookie():
 * they attach the cold half they find, so an attach before them would be
 * done twice). @x has no owner until then.
 */
void dps_tcb_ext_link(struct dps_tcb *t, struct dps_tcb_ext *x);

/**
 * Whether @t could give its cold half back now without losing anything:
 * a synchronized state with nothing in flight or queued, no scoreboard,
 * no recovery, no retransmission or probe timer, no RTT sample pending,
 * the congestion control at rest and every setting at its default.
 */
bool dps_tcb_quiet(const struct dps_tcb *t);

/**
 * Take the cold half back from @t if dps_tcb_quiet(); NULL otherwise
 * (and when none is attached). The counters of @x are dropped: callers
 * that count have taken their differences already.
 */
struct dps_tcb_ext *dps_tcb_ext_detach(struct dps_tcb *t);

/**
 * The idle record of a TCB: everything of the hot half that a quiet
 * connection, its cold half given back, can still depend on, in the
 * space the compact idle form of issue 15 has for it
 * (docs/architecture.md, "The compact idle form"). What it leaves out is
 * fixed while dps_tcb_idle_ok() holds: SND.NXT, SND.MAX and the end of
 * the queue equal SND.UNA; no retransmission, duplicate ACK,
 * out-of-order range or SACK block; no error or soft error; no
 * retransmission, delayed-ACK or keepalive deadline; no cold half. Five
 * sequence numbers that can only lag SND.UNA (SND.WL2, the ends of the
 * last small segment, of the last write and of the last pushed segment)
 * or RCV.NXT (the last ACK's) are kept as 16-bit distances behind it:
 * a TCB where one lags by 64 KiB or more is not kept. So are four
 * figures that a quiet connection nearly always holds small: the largest
 * window the peer offered (as its distance above the window it offers
 * now), the bytes counted toward the next congestion window step, the
 * retransmissions ever made (each below 64 Ki) and the RTO (whole
 * jiffies, as it always is, below 65,536 of them); a TCB where one does
 * not fit is not kept.
 */
struct dps_tcb_idle {
	uint32_t iss, snd_una, snd_wnd, snd_wl1;
	uint32_t irs, rcv_nxt, rcv_adv;
	uint32_t rcv_buf, rcv_space, rcv_ssthresh;
	uint32_t ts_off, ts_recent;
	uint32_t cwnd, ssthresh;
	uint32_t srtt_us8, rttvar_us4, min_rtt_us;
	uint32_t last_oow_ack_ms, rcv_tstamp_ms;
	uint32_t flags;			/* the TCB's one-bit fields */
	uint16_t wl2_lag, sml_lag, push_lag, pushed_lag;	/* behind SND.UNA */
	uint16_t acked_lag;		/* rcv_acked behind RCV.NXT */
	uint16_t maxwnd_over;		/* max_snd_wnd above snd_wnd */
	uint16_t cwnd_acc, retrans_total;
	uint16_t rto_j;			/* rto_us in jiffies */
	uint16_t adv_mss, mss, rcv_mss, pmtu_mss, user_mss, rcv_wnd, tso_max;
	uint8_t state, snd_wscale, rcv_wscale, syn_wscale, cc, quickacks, probes;
};

/** The RTO kept in @p r, in us (struct dps_tcb's rto_us). */
static inline uint32_t
dps_tcb_idle_rto_us(const struct dps_tcb_idle *r)
{
	return (uint32_t)r->rto_j * (uint32_t)(DPS_TCP_JIFFY_NS / 1000);
}

/** Whether @p t can be kept as a struct dps_tcb_idle (see there). */
bool dps_tcb_idle_ok(const struct dps_tcb *t);

/** Save @p t, for which dps_tcb_idle_ok() holds, into @p r. */
void dps_tcb_idle_save(const struct dps_tcb *t, struct dps_tcb_idle *r);

/** Make @p t the TCB that was saved into @p r, byte for byte (its cold
 * half NULL). */
void dps_tcb_idle_load(struct dps_tcb *t, const struct dps_tcb_idle *r);

/**
 * Take the cold half back from @t whatever its state (the connection is
 * over); NULL when none is attached. What it held is the caller's.
 */
struct dps_tcb_ext *dps_tcb_ext_take(struct dps_tcb *t);

/**
 * The cold half attached to @t, for a thread other than the owner's that
 * reads figures (TCP_INFO). Relaxed: the caller confirms with x->owner
 * (acquire), which the attach publishes with release.
 */
static inline const struct dps_tcb_ext *
dps_tcb_ext_peek(const struct dps_tcb *t)
{
	return __atomic_load_n(&t->x, __ATOMIC_RELAXED);
}

/* TSval for @now: milliseconds plus the connection's offset (RFC 7323 5.4;
 * Linux uses a 1 kHz clock). Inline: a call cost a third of it, and
 * every segment sent and most received take one. */
static inline uint32_t
dps_tcb_tsval(const struct dps_tcb *t, uint64_t now)
{
	return dps_tcb_ms(now) + t->ts_off;
}

/*
 * Start an active open (RFC 9293 3.10.1): SYN_SENT, arm the retransmit
 * timer, fill @out with the SYN.
 */
void dps_tcb_connect(struct dps_tcb *t, const struct dps_tcb_conf *c,
	uint32_t iss, uint32_t ts_off, uint64_t now, struct dps_tcp_out *out);

/*
 * Passive open (RFC 9293 3.10.7.2): a listener received SYN @s. Fills
 * the TCB in SYN_RECV with what the SYN offers and @out with the SYN-ACK
 * (options only where the peer offered them, RFC 7323 / RFC 2018).
 */
void dps_tcb_accept(struct dps_tcb *t, const struct dps_tcb_conf *c,
	const struct dps_tcp_seg *s, uint32_t iss, uint32_t ts_off, uint64_t now,
	struct dps_tcp_out *out);

/*
 * A connection rebuilt from a valid SYN cookie: ACK @s completes the
 * handshake for a SYN we kept no state for. @mss, @wscale (0xff: none)
 * and @sack come from the cookie. The TCB is ESTABLISHED.
 */
void dps_tcb_from_cookie(struct dps_tcb *t, const struct dps_tcb_conf *c,
	const struct dps_tcp_seg *s, uint16_t mss, uint8_t wscale, bool sack,
	uint32_t ts_off, uint64_t now);

/*
 * A segment arrived for this TCB. Fills up to DPS_TCB_MAX_OUT immediate
 * replies (RSTs, handshake and challenge ACKs) in @out and their number
 * in *n_out; acknowledgements of data and everything else to send come
 * from dps_tcb_output(), which the caller runs after every input. The
 * payload verdict is in rx_off/rx_len/rx_seq. Returns dps_tcb_ev bits.
 */
int dps_tcb_input(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n_out);

/*
 * What to send now: new data within min(cwnd, peer window), retransmissions
 * (fast recovery, after an RTO), a FIN, a window update, a delayed ACK
 * that is due. Fills at most @max segments and arms the timers. Call
 * again while it returns @max.
 */
unsigned int dps_tcb_output(struct dps_tcb *t, uint64_t now,
	struct dps_tcp_out *out, unsigned int max);

/*
 * The timer expired (t->timer_ns <= now): SYN and data retransmission,
 * delayed ACK, zero-window and keepalive probes, FIN_WAIT2 and TIME_WAIT
 * ends. Fills at most DPS_TCB_MAX_OUT segments (probes, SYN); the caller
 * runs dps_tcb_output() afterwards for retransmitted data. Returns
 * dps_tcb_ev bits (DPS_TCB_CLOSED when it gives up: ETIMEDOUT).
 */
int dps_tcb_timeout(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int *n_out);

/* Arm the keepalive timer if SO_KEEPALIVE is on and the state has one. */
void dps_tcb_arm_keepalive(struct dps_tcb *t, uint64_t now);

/* The application queued @n more bytes to send. */
void dps_tcb_queue(struct dps_tcb *t, uint32_t n);

/* A write ended at the end of the queue: the segment that sends its last
 * byte carries PSH (Linux's tcp_push() / tcp_mark_push()). */
void dps_tcb_mark_push(struct dps_tcb *t);

/*
 * The queue ends (@more) or no longer ends in a write made with MSG_MORE
 * (dps_tcb_user.c). Its partial last segment waits as under TCP_CORK,
 * until a write without it, an ACK that advances SND.UNA
 * (dps_tcb_acked()) or the probe timer: Linux corks only the push of
 * that tcp_sendmsg() (TCP_NAGLE_CORK), and pushes with Nagle alone later.
 */
void dps_tcb_set_more(struct dps_tcb *t, bool more);

/* SND.UNA advanced: a MSG_MORE hold ends (dps_tcb_user.c). */
void dps_tcb_acked(struct dps_tcb *t);

/*
 * TCP_DEFER_ACCEPT on a listener's child in SYN_RECV (Linux's
 * tcp_check_req()): true when @s is the bare ACK of the handshake and
 * fewer SYN-ACK timeouts than the option's count went by; the caller
 * drops it, and the child waits for data (the SYN-ACK timer then resends
 * only towards the end of the period, syn_ack_recalc()).
 */
bool dps_tcb_defer_ack(struct dps_tcb *t, const struct dps_tcp_seg *s);

/*
 * close() (RFC 9293 3.10.4, Linux's tcp_close_state()): a FIN after the
 * queued data; ESTABLISHED and SYN_RECV -> FIN_WAIT1, CLOSE_WAIT ->
 * LAST_ACK. SYN_SENT closes at once. Returns dps_tcb_ev bits.
 */
int dps_tcb_shutdown(struct dps_tcb *t, uint64_t now);

/*
 * shutdown(SHUT_WR): as dps_tcb_shutdown(), except that SYN_RECV is left
 * alone, as Linux's tcp_shutdown() leaves it: no FIN goes out until
 * close().
 */
int dps_tcb_shut_wr(struct dps_tcb *t, uint64_t now);

/*
 * The receive buffer has @space bytes free now (the application read).
 * Returns true when the window grew enough to be worth announcing at
 * once (Linux tcp_cleanup_rbuf()): then run dps_tcb_output().
 */
bool dps_tcb_rcv_space(struct dps_tcb *t, uint32_t space);

/*
 * An ICMP error quoting sequence number @seq arrived (Linux tcp_v4_err).
 * @err is the errno icmp_err_convert gives; @mtu the next-hop MTU for
 * fragmentation-needed (err EMSGSIZE), else 0.
 */
int dps_tcb_icmp(struct dps_tcb *t, uint32_t seq, int err, uint16_t mtu);

/* The keepalive settings as they apply: 0 means Linux's default. Inline:
 * every attach of a cold half and every check for a quiet TCB takes
 * them. */
static inline uint32_t
dps_tcp_keepidle_s(uint32_t s)
{
	return s != 0 ? s : DPS_TCP_KEEPIDLE_S;
}

static inline uint32_t
dps_tcp_keepintvl_s(uint32_t s)
{
	return s != 0 ? s : DPS_TCP_KEEPINTVL_S;
}

static inline uint8_t
dps_tcp_keepcnt(uint8_t n)
{
	return n != 0 ? n : DPS_TCP_KEEPCNT;
}

/* Settings an application may change on a live connection. */
struct dps_tcb_opts {
	bool keepalive, nodelay, cork;
	bool pingpong;			/* TCP_QUICKACK 0 */
	bool quickack;			/* TCP_QUICKACK nonzero was set again:
					 * an ACK that waits goes now */
	uint32_t keepidle_s, keepintvl_s;	/* 0: the defaults above */
	uint8_t keepcnt;
	uint32_t user_timeout_ms;
};

/*
 * Apply @o (dps_tcb_user.c). Returns true when output is due: TCP_NODELAY
 * was switched on or TCP_CORK off, so what Nagle or the cork held goes
 * now, the cork's partial segment too (Linux's TCP_NAGLE_PUSH, then
 * tcp_push_pending_frames()).
 */
bool dps_tcb_set_opts(struct dps_tcb *t, const struct dps_tcb_opts *o, uint64_t now);

/* close() by the application: orphan, FIN, and the FIN_WAIT2 deadline.
 * Returns dps_tcb_ev bits. */
int dps_tcb_user_close(struct dps_tcb *t, uint64_t now);

/* The connection ended outside the TCB (a next hop never answered):
 * state CLOSE, t->err = @err unless 0. */
void dps_tcb_set_closed(struct dps_tcb *t, int err);

/*
 * Header prediction (dps_tcb_in.c) on or off for @t; it is on from
 * connect, accept and SYN cookies. Off, every segment takes the general
 * path of RFC 9293 3.10.7.4: the tests compare the two this way.
 */
void dps_tcb_set_predict(struct dps_tcb *t, bool on);

/* The lcore's challenge-ACK limit (RFC 5961 10) this TCB shares. */
void dps_tcb_attach_limit(struct dps_tcb *t, struct dps_tcp_ratelimit *chlim);

/* The receive buffer's free space before a segment is processed. */
void dps_tcb_set_rcv_space(struct dps_tcb *t, uint32_t space);

/*
 * Abort the connection (close() with unread data, AF_UNSPEC, SO_LINGER 0).
 * Fills @out with a RST when the state calls for one (Linux
 * tcp_need_reset: not in SYN_SENT). Sets t->err to ECONNRESET for a
 * connecting or connected TCB. Returns the number of segments in @out.
 */
unsigned int dps_tcb_abort(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out);

/*
 * The RST answering a segment that belongs to no connection, or an
 * unacceptable ACK in SYN_SENT (RFC 9293 3.10.7.1 "reset generation"),
 * marked as an answer (@out->answer: Linux sends these from its control
 * socket, tcp_v6_send_reset(), not through the connection's own path).
 * Returns false when no RST may be sent (the segment was itself a RST).
 */
bool dps_tcp_rst_for(const struct dps_tcp_seg *s, struct dps_tcp_out *out);

/* Bytes sent and not yet acknowledged (sequence space, FIN included). */
static inline uint32_t
dps_tcb_flight(const struct dps_tcb *t)
{
	return t->snd_max - t->snd_una;
}

/* Payload bytes one segment carries: the MSS less the timestamp option. */
static inline uint32_t
dps_tcb_smss(const struct dps_tcb *t)
{
	return t->mss - (t->ts_ok ? DPS_TCP_TS_OPT_LEN : 0);
}

/* ---- compact TIME_WAIT (dps_tcp_tw.c) ---- */

/*
 * What is left of a connection in TIME_WAIT: 28 bytes instead of a
 * socket, so a load generator can hold millions (the table entry that
 * points at it is the caller's).
 */
struct dps_tcp_tw {
	uint32_t snd_nxt, rcv_nxt;
	uint32_t ts_recent, ts_off;
	uint32_t ts_recent_s;		/* when ts_recent was taken, seconds */
	uint32_t expire_s;		/* end of TIME_WAIT, seconds */
	uint16_t wnd;			/* raw window of our ACKs */
	uint8_t rcv_wscale;
	uint8_t ts_ok;
};

/* Fill @tw from a TCB entering TIME_WAIT at @now. */
void dps_tcp_tw_from(struct dps_tcp_tw *tw, const struct dps_tcb *t, uint64_t now);

enum dps_tw_verdict {
	DPS_TW_DROP,		/* nothing to do */
	DPS_TW_ACK,		/* send @out (an ACK) */
	DPS_TW_KILL,		/* the entry is over (RST) */
	DPS_TW_SYN,		/* a new SYN may take the tuple: kill, then
				 * treat the SYN as for a listener */
};

/* A segment for a TIME_WAIT entry (Linux tcp_timewait_state_process()). */
int dps_tcp_tw_input(struct dps_tcp_tw *tw, const struct dps_tcp_seg *s,
	uint64_t now, struct dps_tcp_out *out);

/*
 * tcp_tw_reuse for an outgoing connection: may a new connect take this
 * tuple now (timestamps were on and the last one is >= 1 s old)? If so,
 * the new ISN must be above @*isn_floor (tcp_twsk_unique()).
 */
bool dps_tcp_tw_reusable(const struct dps_tcp_tw *tw, uint64_t now,
	uint32_t *isn_floor);
/* The same for a port the application bound: timestamps were on, at any
 * age (Linux: bind() before connect() bypasses the reuse delay). */
bool dps_tcp_tw_bound_reusable(const struct dps_tcp_tw *tw, uint32_t *isn_floor);

/* ---- SYN cookies (dps_syncookie.c) ---- */

/*
 * SYN cookies (Linux's syncookies, RFC 4987 3.6): the ISN of a SYN-ACK
 * sent without keeping state encodes the MSS; with timestamps, the low
 * bits of our TSval carry window scale and SACK-permitted.
 */
struct dps_cookie_in {
	uint32_t saddr, daddr;		/* peer, us: network order */
	uint16_t sport, dport;		/* network order */
	uint32_t peer_isn;		/* the SYN's sequence number */
};

/* The ISN for a SYN-ACK answering @in with MSS @mss; *mss_out is the
 * table's value at or below it. @now_ns gives the minute counter. */
uint32_t dps_syncookie_make(const uint64_t key[2], const struct dps_cookie_in *in,
	uint16_t mss, uint64_t now_ns, uint16_t *mss_out);

/* Check @cookie (the ACK's ack - 1) for @in (peer_isn = the ACK's seq - 1).
 * Returns the MSS it encoded, or 0 if invalid or older than 2 minutes. */
uint16_t dps_syncookie_check(const uint64_t key[2], const struct dps_cookie_in *in,
	uint32_t cookie, uint64_t now_ns);

/* The same over an IPv6 tuple, with Linux's IPv6 MSS table (1220, 1420,
 * 1440, 8940). */
struct dps_cookie_in6 {
	uint8_t saddr[16], daddr[16];	/* peer, us */
	uint16_t sport, dport;		/* network order */
	uint32_t peer_isn;		/* the SYN's sequence number */
};
uint32_t dps_syncookie_make6(const uint64_t key[2], const struct dps_cookie_in6 *in,
	uint16_t mss, uint64_t now_ns, uint16_t *mss_out);
uint16_t dps_syncookie_check6(const uint64_t key[2], const struct dps_cookie_in6 *in,
	uint32_t cookie, uint64_t now_ns);

/* Fold window scale (0xff: none) and SACK into the low 6 bits of a TSval,
 * and read them back (false: the TSval carries no option bits). */
uint32_t dps_syncookie_ts(uint32_t tsval, uint8_t wscale, bool sack);
bool dps_syncookie_ts_opts(uint32_t tsecr, uint8_t *wscale, bool *sack);

/* ---- congestion control (dps_tcp_cc.c, dps_tcp_cubic.c) ---- */

/*
 * One algorithm. The core calls @init once established, @ack for every
 * ACK that advances snd_una outside recovery while cwnd-limited, and
 * @loss when it enters recovery or times out; @loss returns the new
 * ssthresh in bytes. State lives in t->cc_priv.
 */
struct dps_tcp_cc_ops {
	const char *name;
	void (*init)(struct dps_tcb *t, uint64_t now);
	void (*ack)(struct dps_tcb *t, uint32_t acked, uint64_t now);
	uint32_t (*loss)(struct dps_tcb *t, uint64_t now);
};

extern const struct dps_tcp_cc_ops dps_cc_newreno;
extern const struct dps_tcp_cc_ops dps_cc_cubic;
const struct dps_tcp_cc_ops *dps_tcp_cc(const struct dps_tcb *t);
/* Slow start (RFC 5681 3.1, RFC 3465 byte counting with L = 2*SMSS);
 * returns bytes of @acked left over once cwnd reached ssthresh. */
uint32_t dps_tcp_slow_start(struct dps_tcb *t, uint32_t acked);

#endif
