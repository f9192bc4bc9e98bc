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

/* A received segment, host byte order. */
struct dps_tcp_seg {
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;
	uint32_t len;			/* payload bytes */
	struct dps_tcp_opts opt;
};

/* What the option block of an outgoing segment holds. */
enum dps_tcp_out_opts {
	DPS_TCP_OUT_NONE,		/* no options (RSTs) */
	DPS_TCP_OUT_TS,			/* NOP NOP timestamps */
	DPS_TCP_OUT_SYN,		/* the SYN / SYN-ACK block */
};

/* A segment the core asks the caller to send. */
struct dps_tcp_out {
	uint32_t seq, ack;
	uint16_t wnd;			/* raw header value (already scaled) */
	uint8_t flags;
	uint8_t opts;			/* enum dps_tcp_out_opts */
	struct dps_tcp_opts opt;	/* values for the option block */
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

/* Length of the option block @out asks for. */
size_t dps_tcp_out_opt_len(const struct dps_tcp_out *out);

/*
 * Write the TCP header for @out at @buf (cap bytes): ports in network
 * order, checksum left zero. Options in the order Linux sends them: SYN
 * MSS, SACK-permitted, timestamps, NOP, window scale. Returns the header
 * length, 0 when @cap is too small.
 */
size_t dps_tcp_build(uint8_t *buf, size_t cap, uint16_t sport_be,
	uint16_t dport_be, const struct dps_tcp_out *out);

/* ---- the TCB ---- */

/* Same numbering as enum dps_tcp_state in dps_socket.h (Linux's). */
enum {
	DPS_TCPS_ESTABLISHED = 1,
	DPS_TCPS_SYN_SENT = 2,
	DPS_TCPS_SYN_RECV = 3,
	DPS_TCPS_CLOSE = 7,
	DPS_TCPS_CLOSE_WAIT = 8,
	DPS_TCPS_LISTEN = 10,
};

/* Linux's defaults (net.ipv4.tcp_syn_retries, tcp_syn_linear_timeouts). */
#define DPS_TCP_SYN_RETRIES 6
#define DPS_TCP_SYN_LINEAR 4	/* the RTO stays 1 s for LINEAR + 1 retransmissions */
#define DPS_TCP_RTO_INIT_NS (1000ull * 1000 * 1000)	/* RFC 6298 2.1 */
#define DPS_TCP_RTO_MAX_NS (120ull * 1000 * 1000 * 1000)
#define DPS_TCP_MSS_DEFAULT 536				/* RFC 9293 3.7.1 */
/* Linux's TCP_TIMEOUT_MIN is 2 jiffies; measured here as 10-20 ms. */
#define DPS_TCP_TIMEOUT_MIN_NS (10ull * 1000 * 1000)

/* Per-connection settings from socket options and the route. */
struct dps_tcb_conf {
	uint8_t syn_retries;		/* TCP_SYNCNT; 0 = default */
	uint32_t user_timeout_ms;	/* TCP_USER_TIMEOUT; 0 = off */
	uint16_t adv_mss;		/* MSS we announce (MTU - 40) */
	uint16_t user_mss;		/* TCP_MAXSEG clamp; 0 = none */
	uint8_t rcv_wscale;		/* our window scale */
	uint16_t rcv_wnd;		/* window we announce in the SYN */
};

/* Results of feeding the TCB. */
enum dps_tcb_ev {
	DPS_TCB_NONE = 0,
	DPS_TCB_CONNECTED,		/* handshake complete */
	DPS_TCB_CLOSED,			/* connection over; t->err says why */
	DPS_TCB_PEER_FIN,		/* peer closed its side */
};

#define DPS_TCB_MAX_OUT 2

struct dps_tcb {
	uint8_t state;
	uint8_t retransmits;		/* SYNs retransmitted */
	uint8_t syn_retries;		/* limit */
	uint8_t snd_wscale, rcv_wscale;
	uint8_t syn_wscale;		/* the shift our SYN announced */
	bool sack_ok, ts_ok;
	uint16_t adv_mss;
	uint16_t mss;			/* effective send MSS */
	uint16_t pmtu_mss;		/* from ICMP frag-needed; 0 = none */
	uint16_t user_mss;
	uint16_t rcv_wnd;
	uint32_t user_timeout_ms;
	uint32_t iss, snd_una, snd_nxt, snd_wnd;
	uint32_t irs, rcv_nxt;
	uint32_t ts_off;		/* random offset added to our clock */
	uint32_t ts_recent;
	uint32_t syn_tsval;		/* TSval of the first SYN */
	int err;			/* why the TCB closed (an errno) */
	int soft_err;			/* last soft ICMP error */
	uint64_t syn_start_ns;		/* first SYN sent */
	uint64_t rto_ns;
	uint64_t timer_ns;		/* deadline; 0 = none */
};

/* TSval for @now: milliseconds plus the connection's offset (RFC 7323 5.4;
 * Linux uses a 1 kHz clock). */
uint32_t dps_tcb_tsval(const struct dps_tcb *t, uint64_t now);

/*
 * Start an active open (RFC 9293 3.10.1): SYN_SENT, arm the retransmit
 * timer, fill @out with the SYN.
 */
void dps_tcb_connect(struct dps_tcb *t, const struct dps_tcb_conf *c,
	uint32_t iss, uint32_t ts_off, uint64_t now, struct dps_tcp_out *out);

/*
 * A segment arrived for this TCB. Fills up to DPS_TCB_MAX_OUT replies in
 * @out and their number in *n_out. Returns an enum dps_tcb_ev.
 */
int dps_tcb_input(struct dps_tcb *t, const struct dps_tcp_seg *s, uint64_t now,
	struct dps_tcp_out *out, unsigned int *n_out);

/*
 * The timer expired (t->timer_ns <= now): retransmit the SYN into @out
 * (returns DPS_TCB_NONE with *n_out = 1), or give up with ETIMEDOUT
 * (DPS_TCB_CLOSED).
 */
int dps_tcb_timeout(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out,
	unsigned int *n_out);

/*
 * An ICMP error quoting sequence number @seq arrived (Linux tcp_v4_err).
 * @err is the errno icmp_err_convert gives; @mtu the next-hop MTU for
 * fragmentation-needed (err EMSGSIZE), else 0.
 */
int dps_tcb_icmp(struct dps_tcb *t, uint32_t seq, int err, uint16_t mtu);

/*
 * Abort the connection (close(), AF_UNSPEC, SO_LINGER 0). Fills @out with
 * a RST when the state calls for one (Linux tcp_need_reset: not in
 * SYN_SENT). Sets t->err to ECONNRESET for a connecting or connected
 * TCB. Returns the number of segments in @out.
 */
unsigned int dps_tcb_abort(struct dps_tcb *t, uint64_t now, struct dps_tcp_out *out);

/*
 * The RST answering a segment that belongs to no connection, or an
 * unacceptable ACK in SYN_SENT (RFC 9293 3.10.7.1 "reset generation").
 * Returns false when no RST may be sent (the segment was itself a RST).
 */
bool dps_tcp_rst_for(const struct dps_tcp_seg *s, struct dps_tcp_out *out);

#endif
