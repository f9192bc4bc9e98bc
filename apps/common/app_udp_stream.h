/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_APP_UDP_STREAM_H
#define DPS_APP_UDP_STREAM_H

/*
 * A UDP stream, as iperf3 -u measures one (dps-gen --mode bulk --proto
 * udp): each datagram carries a stamp (a flow number, a sequence number
 * and its send time), the peer echoes it, and the returning stream gives
 * the datagrams received, those out of order and the interarrival jitter
 * of RFC 3550 6.4.1 / A.8 over the transit times. Pure: no I/O, the
 * caller passes the time. The transit is a round trip, so the two clocks
 * are one and the jitter needs no synchronisation; the loss is that of
 * both directions.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define APP_UDPS_MAGIC 0x55535044u	/* "DPSU", little-endian */
/** The smallest datagram that holds a stamp. */
#define APP_UDPS_MIN 24

/** What a flow keeps: 32 bytes (it lives in the client's connection
 * slot). */
struct app_udps_flow {
	uint64_t next_seq;	/**< the next datagram's sequence number */
	uint64_t expect;	/**< one past the highest sequence received */
	int64_t transit_ns;	/**< the last datagram's transit (-1: none yet) */
	uint32_t jitter16;	/**< RFC 3550 jitter in ns, times 16 */
	uint32_t flow;		/**< this flow's number */
};

/** What one received datagram was. */
enum app_udps_rx {
	APP_UDPS_IN_ORDER,	/**< at or past the highest so far */
	APP_UDPS_LATE,		/**< below it: out of order (or a duplicate) */
	APP_UDPS_FOREIGN,	/**< not a stamp of this flow: ignored */
};

/** Start flow number @p flow. */
void app_udps_init(struct app_udps_flow *f, uint32_t flow);

/** Stamp the next datagram of @p f into @p buf (at least APP_UDPS_MIN
 * bytes) as sent at @p now_ns, and count it. */
void app_udps_stamp(struct app_udps_flow *f, void *buf, uint64_t now_ns);

/**
 * Take datagram @p buf of @p len bytes, received at @p now_ns: order
 * and jitter. The jitter moves by a sixteenth of the change in transit
 * (RFC 3550 A.8) on every datagram of the flow, late ones included, as
 * iperf3 does.
 */
enum app_udps_rx app_udps_rx(struct app_udps_flow *f, const void *buf, size_t len,
	uint64_t now_ns);

/** The flow's jitter in nanoseconds. */
static inline uint64_t
app_udps_jitter_ns(const struct app_udps_flow *f)
{
	return f->jitter16 >> 4;
}

#endif
