/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookies (RFC 4987 3.6), laid out as Linux lays them out so that a
 * reader who knows net/ipv4/syncookies.c finds the same fields:
 *
 *   cookie = H1(tuple) + peer ISN + (count << 24)
 *          + ((H2(tuple, count) + mss index) mod 2^24)
 *
 * where count is a minute counter. The top 8 bits carry the low bits of
 * count, so a check can tell the cookie's age; the low 24 bits can only
 * give a valid MSS index when H2 of the right tuple and minute is taken
 * off. H1 hides the tuple's contribution from an observer who sees many
 * cookies. Both hashes are SipHash-2-4 under one key, kept apart by a tag
 * word in the hashed input (Linux uses two keys instead).
 *
 * With timestamps, the low 6 bits of the SYN-ACK's TSval carry what the
 * SYN offered beyond the MSS: window scale and SACK-permitted. The peer
 * echoes them in the ACK's TSecr.
 *
 * IPv6 (Linux's net/ipv6/syncookies.c): the same arithmetic over the
 * 16-byte addresses, with its own MSS table (an IPv6 header is 20 bytes
 * longer). Both families hash the tuple's words, then the tag, then the
 * minute: the IPv4 input is 5 words, the IPv6 one 11.
 */
#include <string.h>
#include "dps_tcp.h"
#include "dps_siphash.h"

#define NS_PER_MIN (60ull * 1000 * 1000 * 1000)
#define COOKIE_BITS 24				/* low part: hash + MSS index */
#define COOKIE_MASK ((1u << COOKIE_BITS) - 1)
#define COUNT_MASK (0xffffffffu >> COOKIE_BITS)	/* what survives of count */
/* A cookie is good while the minute counter has moved less than this
 * since it was made: at most two minutes, at least one (Linux's
 * MAX_SYNCOOKIE_AGE). */
#define COOKIE_MAX_AGE 2

#define TS_BITS 6				/* option bits in the TSval */
#define TS_WSCALE_MASK 0xfu			/* 0xf: no window scale */
#define TS_SACK (1u << 4)
#define TS_UNUSED (1u << 5)			/* Linux's ECN bit */
#define WSCALE_MAX 14				/* RFC 7323 2.3 */

/* The MSS values a cookie can say, as in Linux: the common ones for
 * IPv4 over Ethernet, tunnels and the RFC 9293 default. */
static const uint16_t cookie_mss[] = { 536, 1300, 1440, 1460 };

/* Linux's IPv6 table: the minimum MTU's (RFC 8200 5), a tunnel's,
 * Ethernet's and a jumbo frame's, less 60 bytes of headers. */
static const uint16_t cookie_mss6[] = { 1220, 1420, 1440, 8940 };

#define N_MSS 4
_Static_assert(sizeof(cookie_mss) == N_MSS * sizeof(uint16_t), "IPv4 MSS table");
_Static_assert(sizeof(cookie_mss6) == N_MSS * sizeof(uint16_t), "IPv6 MSS table");

/* The hashed input of one family: the tuple's words (peer address, our
 * address, the ports), room for the tag and the minute after them. */
#define TUPLE_WORDS_MAX 9
struct cookie_words {
	uint32_t w[TUPLE_WORDS_MAX + 2];
	unsigned int n;			/* tuple words in w */
	uint32_t peer_isn;
	const uint16_t *mss;		/* the family's table, N_MSS entries */
};

/* SipHash of the tuple, a tag telling H1 from H2, and @count. */
static uint32_t
cookie_hash(const uint64_t key[2], struct cookie_words *cw, uint32_t tag,
	uint32_t count)
{
	cw->w[cw->n] = tag;
	cw->w[cw->n + 1] = count;
	return (uint32_t)dps_siphash24(cw->w, (cw->n + 2) * sizeof(uint32_t), key);
}

/* H1: the tuple alone. */
static uint32_t
cookie_h1(const uint64_t key[2], struct cookie_words *cw)
{
	return cookie_hash(key, cw, 1, 0);
}

/* H2: the tuple and the minute. */
static uint32_t
cookie_h2(const uint64_t key[2], struct cookie_words *cw, uint32_t count)
{
	return cookie_hash(key, cw, 2, count);
}

/* The minute counter for @now_ns (Linux tcp_cookie_time()). */
static uint32_t
cookie_count(uint64_t now_ns)
{
	return (uint32_t)(now_ns / NS_PER_MIN);
}

/* The index of the largest table MSS at or below @mss; below the
 * smallest entry, the smallest, as Linux does. */
static unsigned int
cookie_mss_index(const uint16_t *tab, uint16_t mss)
{
	unsigned int i = N_MSS - 1;

	while (i > 0 && tab[i] > mss)
		i--;
	return i;
}

/* An IPv4 tuple's words. */
static void
words4(struct cookie_words *cw, const struct dps_cookie_in *in)
{
	cw->w[0] = in->saddr;
	cw->w[1] = in->daddr;
	cw->w[2] = (uint32_t)in->sport << 16 | in->dport;
	cw->n = 3;
	cw->peer_isn = in->peer_isn;
	cw->mss = cookie_mss;
}

/* An IPv6 tuple's words: the addresses as they lie in memory. */
static void
words6(struct cookie_words *cw, const struct dps_cookie_in6 *in)
{
	memcpy(&cw->w[0], in->saddr, 16);
	memcpy(&cw->w[4], in->daddr, 16);
	cw->w[8] = (uint32_t)in->sport << 16 | in->dport;
	cw->n = 9;
	cw->peer_isn = in->peer_isn;
	cw->mss = cookie_mss6;
}

/* RFC 4987 3.6's encoding, for either family's words. */
static uint32_t
cookie_make(const uint64_t key[2], struct cookie_words *cw, uint16_t mss,
	uint64_t now_ns, uint16_t *mss_out)
{
	uint32_t count = cookie_count(now_ns);
	unsigned int idx = cookie_mss_index(cw->mss, mss);

	if (mss_out != NULL)
		*mss_out = cw->mss[idx];
	return cookie_h1(key, cw) + cw->peer_isn + (count << COOKIE_BITS) +
		((cookie_h2(key, cw, count) + idx) & COOKIE_MASK);
}

/*
 * Undo cookie_make(): take off H1 and the peer's ISN, read the minute
 * from the top bits, refuse it when COOKIE_MAX_AGE minutes or more have
 * passed (or it lies in the future, which wraps to a large age), then
 * take off H2 of that minute. What remains must be an MSS index.
 * Returns the MSS, 0 for a bad or stale cookie.
 */
static uint16_t
cookie_check(const uint64_t key[2], struct cookie_words *cw, uint32_t cookie,
	uint64_t now_ns)
{
	uint32_t count = cookie_count(now_ns);
	uint32_t c = cookie - cookie_h1(key, cw) - cw->peer_isn;
	uint32_t age = (count - (c >> COOKIE_BITS)) & COUNT_MASK;
	uint32_t idx;

	if (age >= COOKIE_MAX_AGE)
		return 0;
	idx = (c - cookie_h2(key, cw, count - age)) & COOKIE_MASK;
	return idx < N_MSS ? cw->mss[idx] : 0;
}

/*
 * The cookie ISN for a SYN-ACK answering @in, which offered @mss (RFC
 * 4987 3.6). *mss_out, if not NULL, gets the MSS the cookie will give
 * back: the table's entry at or below @mss.
 */
uint32_t
dps_syncookie_make(const uint64_t key[2], const struct dps_cookie_in *in,
	uint16_t mss, uint64_t now_ns, uint16_t *mss_out)
{
	struct cookie_words cw;

	words4(&cw, in);
	return cookie_make(key, &cw, mss, now_ns, mss_out);
}

/* The MSS that cookie @cookie for @in encodes, 0 for a bad or stale one. */
uint16_t
dps_syncookie_check(const uint64_t key[2], const struct dps_cookie_in *in,
	uint32_t cookie, uint64_t now_ns)
{
	struct cookie_words cw;

	words4(&cw, in);
	return cookie_check(key, &cw, cookie, now_ns);
}

/* The same over an IPv6 tuple (Linux's __cookie_v6_init_sequence() and
 * __cookie_v6_check()). */
uint32_t
dps_syncookie_make6(const uint64_t key[2], const struct dps_cookie_in6 *in,
	uint16_t mss, uint64_t now_ns, uint16_t *mss_out)
{
	struct cookie_words cw;

	words6(&cw, in);
	return cookie_make(key, &cw, mss, now_ns, mss_out);
}

uint16_t
dps_syncookie_check6(const uint64_t key[2], const struct dps_cookie_in6 *in,
	uint32_t cookie, uint64_t now_ns)
{
	struct cookie_words cw;

	words6(&cw, in);
	return cookie_check(key, &cw, cookie, now_ns);
}

/*
 * Put window scale (0xff: none offered, sent as 0xf) and SACK-permitted
 * in the low 6 bits of @tsval, as Linux's cookie_init_timestamp() does.
 * The TSval may not run ahead of the clock (RFC 7323 5.4 asks for a
 * monotonic one): when the option bits exceed @tsval's own low bits, the
 * result steps back one 64 ms period instead.
 */
uint32_t
dps_syncookie_ts(uint32_t tsval, uint8_t wscale, bool sack)
{
	uint32_t opts, ts;

	if (wscale == 0xff)
		opts = TS_WSCALE_MASK;
	else
		opts = wscale > WSCALE_MAX ? WSCALE_MAX : wscale;
	if (sack)
		opts |= TS_SACK;
	ts = (tsval & ~((1u << TS_BITS) - 1)) | opts;
	if (ts > tsval)
		ts -= 1u << TS_BITS;
	return ts;
}

/*
 * Read back what dps_syncookie_ts() folded into a TSval, from the TSecr
 * of the ACK that echoes it. *wscale is 0xff when the SYN offered no
 * window scale. Returns false when the bits cannot have come from us:
 * bit 5 set (Linux's ECN bit, which we never send). The 4-bit shift
 * itself is always 0-14 or the "none" value 0xf, as we never encode more
 * than 14.
 */
bool
dps_syncookie_ts_opts(uint32_t tsecr, uint8_t *wscale, bool *sack)
{
	uint32_t ws = tsecr & TS_WSCALE_MASK;

	*sack = (tsecr & TS_SACK) != 0;
	*wscale = ws == TS_WSCALE_MASK ? 0xff : (uint8_t)ws;
	return (tsecr & TS_UNUSED) == 0;
}
