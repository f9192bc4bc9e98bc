/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The UDP stream's stamps, order and jitter (app_udp_stream.h).
 *
 * The stamp is four fields in the host's byte order: the echo returns the
 * sender's own bytes, so no other host ever reads them.
 */
#include <string.h>
#include "app_udp_stream.h"

struct stamp {
	uint32_t magic;
	uint32_t flow;
	uint64_t seq;
	uint64_t sent_ns;
};

_Static_assert(sizeof(struct stamp) == APP_UDPS_MIN, "the stamp is APP_UDPS_MIN bytes");
_Static_assert(sizeof(struct app_udps_flow) == 32, "a flow is 32 bytes");

void
app_udps_init(struct app_udps_flow *f, uint32_t flow)
{
	memset(f, 0, sizeof(*f));
	f->transit_ns = -1;
	f->flow = flow;
}

void
app_udps_stamp(struct app_udps_flow *f, void *buf, uint64_t now_ns)
{
	const struct stamp s = { APP_UDPS_MAGIC, f->flow, f->next_seq++, now_ns };

	memcpy(buf, &s, sizeof(s));
}

/*
 * RFC 3550 A.8: D is the difference of two transits, and
 * J += (|D| - J) / 16, kept times 16 in integers as the RFC's own code
 * does: J16 += |D| - round(J16 / 16).
 */
static void
jitter_add(struct app_udps_flow *f, int64_t transit)
{
	int64_t d;

	if (f->transit_ns >= 0) {
		d = transit - f->transit_ns;
		if (d < 0)
			d = -d;
		/* A stall: clamp at 134 ms, so that J16 (at most 16 x the
		 * largest |D|) stays within 32 bits. */
		if (d > (int64_t)(UINT32_MAX >> 5))
			d = (int64_t)(UINT32_MAX >> 5);
		f->jitter16 += (uint32_t)d - ((f->jitter16 + 8) >> 4);
	}
	f->transit_ns = transit;
}

enum app_udps_rx
app_udps_rx(struct app_udps_flow *f, const void *buf, size_t len, uint64_t now_ns)
{
	struct stamp s;

	if (len < sizeof(s))
		return APP_UDPS_FOREIGN;
	memcpy(&s, buf, sizeof(s));
	if (s.magic != APP_UDPS_MAGIC || s.flow != f->flow || s.seq >= f->next_seq ||
			s.sent_ns > now_ns)
		return APP_UDPS_FOREIGN;
	jitter_add(f, (int64_t)(now_ns - s.sent_ns));
	if (s.seq < f->expect)
		return APP_UDPS_LATE;
	f->expect = s.seq + 1;
	return APP_UDPS_IN_ORDER;
}
