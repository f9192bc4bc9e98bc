/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test wire: frames sent with rte_eth_tx_burst() on one side, carried
 * by dps_testwire_pump() under a virtual clock, read with
 * rte_eth_rx_burst() on the other. Every frame carries its sequence
 * number at offset 14 and a pattern derived from it after that.
 */

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <criterion/criterion.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "dps_testwire.h"
#include "dps_test_eal.h"

#define MS		1000000ULL
#define FRAME_MIN	60
#define SEQ_OFF		14

/* Received frames, in arrival order. */
struct rx_set {
	struct rte_mbuf **m;
	unsigned int n;
	unsigned int cap;
};

/* One test's wire, its two ports and the pool the frames come from. */
struct bench {
	struct rte_mempool *pool;
	struct dps_testwire *w;
	uint16_t port[2];
	struct rx_set rx[2];	/* rx[i]: what side i received */
	uint64_t now;
};

/* Length of frame @seq: varies so that captures and copies see sizes. */
static uint32_t
frame_len(uint32_t seq)
{
	return FRAME_MIN + seq % 40;
}

/* The expected bytes of frame @seq, into @buf (at least 100 bytes). */
static void
frame_bytes(uint32_t seq, uint8_t *buf)
{
	static const uint8_t hdr[14] = {
		0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x88, 0xb5,
	};
	uint32_t i;

	memcpy(buf, hdr, sizeof(hdr));
	memcpy(buf + SEQ_OFF, &seq, sizeof(seq));
	for (i = SEQ_OFF + 4; i < frame_len(seq); i++)
		buf[i] = (uint8_t)(seq * 7 + i);
}

/* A new mbuf holding frame @seq. */
static struct rte_mbuf *
frame_new(struct rte_mempool *mp, uint32_t seq)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *p;

	cr_assert_not_null(m, "pool exhausted");
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)frame_len(seq));
	cr_assert_not_null(p);
	frame_bytes(seq, p);
	return m;
}

/* The sequence number written in @m. */
static uint32_t
frame_seq(const struct rte_mbuf *m)
{
	uint32_t seq;

	memcpy(&seq, rte_pktmbuf_mtod_offset(m, const uint8_t *, SEQ_OFF),
		sizeof(seq));
	return seq;
}

/* Number of bits in which @m differs from frame @seq (-1: length differs). */
static int
frame_diff_bits(const struct rte_mbuf *m, uint32_t seq)
{
	uint8_t want[128];
	const uint8_t *got = rte_pktmbuf_mtod(m, const uint8_t *);
	int bits = 0;

	if (m->pkt_len != frame_len(seq) || m->nb_segs != 1)
		return -1;
	frame_bytes(seq, want);
	for (uint32_t i = 0; i < m->pkt_len; i++)
		bits += __builtin_popcount((unsigned int)(got[i] ^ want[i]));
	return bits;
}

/* Bring up EAL (once), a pool, the wire and both ports. */
static void
bench_up(struct bench *b, const char *name, struct dps_testwire_conf *conf,
	int use_pool)
{
	static int eal_up;	/* per process: each test is forked */

	memset(b, 0, sizeof(*b));
	if (!eal_up) {
		dps_test_eal_init(NULL, 0);
		eal_up = 1;
	}
	b->pool = dps_test_pool("tw_test", 8191);
	if (use_pool)
		conf->pool = b->pool;
	b->w = dps_testwire_create(name, conf);
	cr_assert_not_null(b->w, "create: %s", rte_strerror(rte_errno));
	for (int s = 0; s < 2; s++) {
		b->port[s] = dps_testwire_port(b->w, s);
		dps_test_port_start(b->port[s], b->pool);
	}
	cr_assert_neq(b->port[0], b->port[1]);
}

/* Send frames @first .. @first + @n - 1 from side @side. */
static void
send_seq(struct bench *b, int side, uint32_t first, uint32_t n)
{
	struct rte_mbuf *pk[64];

	while (n > 0) {
		uint16_t k = (uint16_t)RTE_MIN(n, 64u), sent;

		for (uint16_t i = 0; i < k; i++)
			pk[i] = frame_new(b->pool, first + i);
		sent = rte_eth_tx_burst(b->port[side], 0, pk, k);
		cr_assert_eq(sent, k, "tx ring full: send less between pumps");
		first += k;
		n -= k;
	}
}

/* Move everything side @side can read into b->rx[side]. */
static unsigned int
recv_all(struct bench *b, int side)
{
	struct rx_set *rs = &b->rx[side];
	unsigned int total = 0;
	uint16_t n;

	do {
		if (rs->cap - rs->n < 64) {
			rs->cap = rs->cap ? rs->cap * 2 : 1024;
			rs->m = realloc(rs->m, sizeof(*rs->m) * rs->cap);
			cr_assert_not_null(rs->m);
		}
		n = rte_eth_rx_burst(b->port[side], 0, rs->m + rs->n, 64);
		rs->n += n;
		total += n;
	} while (n > 0);
	return total;
}

/* Pump at @now, then read both sides; returns frames read. */
static unsigned int
pump_at(struct bench *b, uint64_t now)
{
	b->now = now;
	dps_testwire_pump(b->w, now);
	return recv_all(b, 0) + recv_all(b, 1);
}

/* Check the conservation law of the stats of direction @dir. */
static struct dps_testwire_stats
stats_checked(struct bench *b, int dir)
{
	struct dps_testwire_stats st;

	dps_testwire_stats(b->w, dir, &st);
	cr_assert_eq(st.sent + st.duplicated,
		st.delivered + st.lost + st.overflow + st.in_flight,
		"dir %d: %lu+%lu != %lu+%lu+%lu+%lu", dir, st.sent,
		st.duplicated, st.delivered, st.lost, st.overflow,
		st.in_flight);
	return st;
}

/* Stop the ports, destroy the wire, free what was read, check for leaks. */
static void
bench_down(struct bench *b)
{
	for (int s = 0; s < 2; s++)
		cr_assert_eq(rte_eth_dev_stop(b->port[s]), 0);
	dps_testwire_destroy(b->w);
	for (int s = 0; s < 2; s++) {
		for (unsigned int i = 0; i < b->rx[s].n; i++)
			rte_pktmbuf_free(b->rx[s].m[i]);
		free(b->rx[s].m);
	}
	cr_assert_eq(dps_test_pool_in_use(b->pool), 0, "%u mbufs leaked",
		dps_test_pool_in_use(b->pool));
	rte_mempool_free(b->pool);
}

Test(dpdk, testwire_perfect)
{
	struct dps_testwire_conf conf = { .seed = 1 };
	struct bench b;
	const uint32_t n = 3000;

	bench_up(&b, "twp", &conf, 0);
	for (uint32_t i = 0; i < n; i += 500) {
		send_seq(&b, 0, i, 500);
		send_seq(&b, 1, 100000 + i, 500);
		pump_at(&b, i);
	}
	for (int s = 0; s < 2; s++) {
		struct dps_testwire_stats st = stats_checked(&b, s);
		struct rx_set *rs = &b.rx[1 - s];

		cr_assert_eq(rs->n, n);
		cr_assert_eq(st.sent, n);
		cr_assert_eq(st.delivered, n);
		cr_assert_eq(st.in_flight, 0);
		for (uint32_t i = 0; i < n; i++)
			cr_assert_eq(frame_diff_bits(rs->m[i],
				(s ? 100000 : 0) + i), 0, "frame %u", i);
	}
	bench_down(&b);
}

Test(dpdk, testwire_delay)
{
	struct dps_testwire_conf conf = { .seed = 2, .delay_ns = 3 * MS };
	struct bench b;

	bench_up(&b, "twd", &conf, 0);
	send_seq(&b, 0, 0, 100);
	cr_assert_eq(pump_at(&b, 10 * MS), 0);
	send_seq(&b, 1, 0, 50);
	cr_assert_eq(pump_at(&b, 11 * MS), 0);
	cr_assert_eq(pump_at(&b, 13 * MS - 1), 0);
	cr_assert_eq(stats_checked(&b, 0).in_flight, 100);
	cr_assert_eq(pump_at(&b, 13 * MS), 100);
	cr_assert_eq(b.rx[1].n, 100);
	cr_assert_eq(pump_at(&b, 14 * MS - 1), 0);
	cr_assert_eq(pump_at(&b, 14 * MS), 50);
	cr_assert_eq(stats_checked(&b, 1).delivered, 50);
	for (uint32_t i = 0; i < 100; i++)
		cr_assert_eq(frame_seq(b.rx[1].m[i]), i);
	/* Frames still in flight at destroy time are freed, not leaked. */
	send_seq(&b, 0, 100, 300);
	send_seq(&b, 1, 100, 10);
	pump_at(&b, 20 * MS);
	send_seq(&b, 0, 400, 20);	/* left in the tx ring */
	cr_assert_eq(stats_checked(&b, 0).in_flight, 300);
	bench_down(&b);
}

Test(dpdk, testwire_jitter)
{
	struct dps_testwire_conf conf = {
		.seed = 3, .delay_ns = 2 * MS, .jitter_ns = 1 * MS,
	};
	struct bench b;
	unsigned int inversions = 0;

	bench_up(&b, "twj", &conf, 0);
	send_seq(&b, 0, 0, 500);
	cr_assert_eq(pump_at(&b, 0), 0);
	cr_assert_eq(pump_at(&b, 2 * MS - 1), 0);
	for (uint64_t t = 2 * MS; t < 3 * MS; t += 50000)
		pump_at(&b, t);
	cr_assert_lt(b.rx[1].n, 500, "jitter spreads the arrivals");
	pump_at(&b, 3 * MS);
	cr_assert_eq(b.rx[1].n, 500);
	for (unsigned int i = 1; i < b.rx[1].n; i++)
		inversions += frame_seq(b.rx[1].m[i]) <
			frame_seq(b.rx[1].m[i - 1]);
	cr_assert_gt(inversions, 0);
	bench_down(&b);
}

/*
 * Run 10,000 frames side 0 -> 1 through a wire losing 30% with @seed;
 * fills @got[seq] = 1 for every delivered frame.
 */
static void
run_loss(uint64_t seed, uint8_t *got, uint32_t n)
{
	struct dps_testwire_conf conf = { .seed = seed, .loss = 0.3 };
	struct dps_testwire_stats st;
	struct bench b;

	bench_up(&b, "twl", &conf, 0);
	for (uint32_t i = 0; i < n; i += 500) {
		send_seq(&b, 0, i, 500);
		pump_at(&b, i);
	}
	st = stats_checked(&b, 0);
	cr_assert_eq(st.sent, n);
	cr_assert_eq(st.delivered + st.lost, n);
	cr_assert_eq(st.delivered, b.rx[1].n);
	cr_assert(st.lost > 2800 && st.lost < 3200, "lost %lu", st.lost);
	memset(got, 0, n);
	for (unsigned int i = 0; i < b.rx[1].n; i++) {
		uint32_t seq = frame_seq(b.rx[1].m[i]);

		cr_assert_lt(seq, n);
		cr_assert_eq(got[seq], 0, "seq %u twice", seq);
		got[seq] = 1;
		if (i > 0)
			cr_assert_gt(seq, frame_seq(b.rx[1].m[i - 1]));
	}
	bench_down(&b);
}

Test(dpdk, testwire_loss_seeded)
{
	enum { N = 10000 };
	static uint8_t a[N], a2[N], c[N];

	run_loss(42, a, N);
	run_loss(42, a2, N);	/* same name again: destroy freed it */
	run_loss(43, c, N);
	cr_assert_eq(memcmp(a, a2, N), 0, "same seed, same fate");
	cr_assert_neq(memcmp(a, c, N), 0, "other seed, other fate");
}

Test(dpdk, testwire_dup)
{
	struct dps_testwire_conf conf = { .seed = 4, .dup = 0.2 };
	struct dps_testwire_stats st;
	struct bench b;
	const uint32_t n = 2000;
	unsigned int twice = 0;
	struct rx_set *rs;

	bench_up(&b, "twu", &conf, 1);
	for (uint32_t i = 0; i < n; i += 400) {
		send_seq(&b, 0, i, 400);
		pump_at(&b, i);
	}
	st = stats_checked(&b, 0);
	rs = &b.rx[1];
	cr_assert(st.duplicated > 300 && st.duplicated < 500, "dup %lu",
		st.duplicated);
	cr_assert_eq(rs->n, n + st.duplicated);
	for (unsigned int i = 0, want = 0; i < rs->n; i++, want++) {
		cr_assert_eq(frame_seq(rs->m[i]), want);
		cr_assert_eq(frame_diff_bits(rs->m[i], want), 0);
		if (i + 1 < rs->n && frame_seq(rs->m[i + 1]) == want) {
			struct rte_mbuf *x = rs->m[i], *y = rs->m[i + 1];

			cr_assert_neq(x, y);
			cr_assert_neq(x->buf_addr, y->buf_addr, "deep copy");
			cr_assert_eq(rte_mbuf_refcnt_read(y), 1);
			cr_assert_eq(x->pkt_len, y->pkt_len);
			cr_assert_eq(memcmp(rte_pktmbuf_mtod(x, void *),
				rte_pktmbuf_mtod(y, void *), x->pkt_len), 0);
			twice++;
			i++;
		}
	}
	cr_assert_eq(twice, st.duplicated);
	bench_down(&b);
}

Test(dpdk, testwire_reorder)
{
	struct dps_testwire_conf conf = {
		.seed = 5, .reorder = 0.1, .delay_ns = 1 * MS,
	};
	struct dps_testwire_stats st;
	struct bench b;
	const uint32_t n = 2000;
	unsigned int inversions = 0;
	static uint8_t seen[2000];
	struct rx_set *rs;

	bench_up(&b, "twr", &conf, 0);
	for (uint32_t i = 0; i < n; i++) {
		send_seq(&b, 1, i, 1);
		pump_at(&b, i * 10000ULL);	/* one frame every 10 us */
	}
	pump_at(&b, b.now + 1 * MS);
	pump_at(&b, b.now + 2 * MS);	/* a held last frame: hold expires */
	st = stats_checked(&b, 1);
	rs = &b.rx[0];
	cr_assert_eq(st.in_flight, 0);
	cr_assert_eq(st.lost, 0);
	cr_assert_eq(rs->n, n);
	cr_assert(st.reordered > 100 && st.reordered < 300, "reordered %lu",
		st.reordered);
	for (unsigned int i = 0; i < rs->n; i++) {
		uint32_t seq = frame_seq(rs->m[i]);

		cr_assert_lt(seq, n);
		cr_assert_eq(seen[seq], 0);
		seen[seq] = 1;
		cr_assert_eq(frame_diff_bits(rs->m[i], seq), 0);
		if (i > 0 && seq < frame_seq(rs->m[i - 1])) {
			/* The held frame comes right behind its follower. */
			cr_assert_eq(seq + 1, frame_seq(rs->m[i - 1]));
			inversions++;
		}
	}
	/* Every held frame but possibly the last had a follower. */
	cr_assert(inversions == st.reordered || inversions + 1 == st.reordered,
		"%u inversions, %lu reordered", inversions, st.reordered);
	bench_down(&b);
}

Test(dpdk, testwire_corrupt)
{
	struct dps_testwire_conf conf = { .seed = 6, .corrupt = 0.1 };
	struct dps_testwire_stats st;
	struct bench b;
	const uint32_t n = 3000;
	unsigned int bad = 0;

	bench_up(&b, "twc", &conf, 1);
	for (uint32_t i = 0; i < n; i += 500) {
		send_seq(&b, 0, i, 500);
		pump_at(&b, i);
	}
	st = stats_checked(&b, 0);
	cr_assert_eq(b.rx[1].n, n);
	cr_assert(st.corrupted > 200 && st.corrupted < 400, "corrupted %lu",
		st.corrupted);
	for (uint32_t i = 0; i < n; i++) {
		int d = frame_diff_bits(b.rx[1].m[i], i);	/* in order */

		cr_assert(d == 0 || d == 1, "frame %u: %d bits", i, d);
		bad += d;
	}
	cr_assert_eq(bad, st.corrupted);
	bench_down(&b);
}

Test(dpdk, testwire_corrupt_shared)
{
	struct dps_testwire_conf conf = { .seed = 7, .corrupt = 1.0 };
	struct rte_mbuf *orig[32];
	struct bench b;

	bench_up(&b, "tws", &conf, 1);
	for (uint32_t i = 0; i < 32; i++) {
		orig[i] = frame_new(b.pool, i);
		rte_mbuf_refcnt_update(orig[i], 1);	/* the test keeps one */
	}
	cr_assert_eq(rte_eth_tx_burst(b.port[0], 0, orig, 32), 32);
	pump_at(&b, 0);
	cr_assert_eq(b.rx[1].n, 32);
	for (uint32_t i = 0; i < 32; i++) {
		cr_assert_eq(frame_diff_bits(orig[i], i), 0, "original hit");
		cr_assert_eq(frame_diff_bits(b.rx[1].m[i], i), 1);
		cr_assert_neq(b.rx[1].m[i], orig[i]);
		cr_assert_eq(rte_mbuf_refcnt_read(orig[i]), 1);
		rte_pktmbuf_free(orig[i]);
	}
	bench_down(&b);
}

/*
 * Walk the blocks of pcapng file @path by their length fields, checking
 * the Section Header Block first. Returns the number of Enhanced Packet
 * Blocks; @at[i] counts those stamped @when[i] (the wire's clock).
 */
static unsigned int
pcapng_count_epb(const char *path, const uint64_t *when, unsigned int *at,
	int n_when)
{
	FILE *f = fopen(path, "rb");
	uint32_t hdr[5];
	unsigned int epb = 0, blocks = 0;
	long size, off = 0;

	cr_assert_not_null(f, "no capture file %s", path);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	while (off + 8 <= size) {
		cr_assert_eq(fseek(f, off, SEEK_SET), 0);
		cr_assert_eq(fread(hdr, sizeof(uint32_t), 2, f), 2);
		if (blocks++ == 0)
			cr_assert_eq(hdr[0], 0x0A0D0D0A, "not a pcapng SHB");
		cr_assert(hdr[1] >= 12 && hdr[1] % 4 == 0 &&
			off + hdr[1] <= size, "bad block length %u at %ld",
			hdr[1], off);
		if (hdr[0] == 6) {
			uint64_t ts;

			cr_assert_eq(fread(hdr + 2, sizeof(uint32_t), 3, f), 3);
			ts = (uint64_t)hdr[3] << 32 | hdr[4];
			for (int i = 0; i < n_when; i++)
				at[i] += ts == when[i];
			epb++;
		}
		off += hdr[1];
	}
	cr_assert_eq(off, size, "trailing bytes");
	fclose(f);
	return epb;
}

Test(dpdk, testwire_pcapng)
{
	char dir[] = "/tmp/dps_twpcap.XXXXXX";
	char path[64];
	struct dps_testwire_conf conf = {
		.seed = 8, .loss = 0.2, .dup = 0.1, .delay_ns = 1 * MS,
	};
	struct dps_testwire_stats s0, s1;
	const uint64_t when[2] = { 5 * MS, 6 * MS };
	unsigned int at[2] = { 0, 0 };
	struct bench b;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/wire.pcapng", dir);
	conf.pcap_path = path;
	bench_up(&b, "twq", &conf, 0);
	send_seq(&b, 0, 0, 300);
	send_seq(&b, 1, 1000, 200);
	pump_at(&b, 5 * MS);
	pump_at(&b, 6 * MS);
	s0 = stats_checked(&b, 0);
	s1 = stats_checked(&b, 1);
	cr_assert_eq(b.rx[1].n + b.rx[0].n, s0.delivered + s1.delivered);
	bench_down(&b);	/* closes the capture */
	cr_assert_geq(pcapng_count_epb(path, when, at, 2),
		s0.sent + s1.sent + s0.delivered + s1.delivered);
	/* Records carry the pump's clock: sent at 5 ms, delivered at 6. */
	cr_assert_eq(at[0], s0.sent + s1.sent);
	cr_assert_eq(at[1], s0.delivered + s1.delivered);
	unlink(path);
	rmdir(dir);
}

Test(dpdk, testwire_create_errors)
{
	struct dps_testwire_conf conf = { .seed = 9 };
	struct dps_testwire_conf bad = { .loss = 1.5 };
	struct bench b;

	bench_up(&b, "twe", &conf, 0);
	cr_assert_null(dps_testwire_create("twe", &conf));
	cr_assert_eq(rte_errno, EEXIST);
	cr_assert_null(dps_testwire_create("a_name_far_too_long_for_rings",
		&conf));
	cr_assert_eq(rte_errno, EINVAL);
	cr_assert_null(dps_testwire_create("twx", &bad));
	cr_assert_eq(rte_errno, EINVAL);
	cr_assert_null(dps_testwire_create(NULL, &conf));
	cr_assert_eq(rte_errno, EINVAL);
	bench_down(&b);
}

Test(dpdk, testwire_overflow)
{
	struct dps_testwire_conf conf = {
		.seed = 10, .ring_size = 64, .delay_ns = 1 * MS,
	};
	struct dps_testwire_stats st;
	struct bench b;

	bench_up(&b, "two", &conf, 0);
	/* In flight holds 4 x ring_size = 256 frames: 64 of 320 overflow. */
	for (uint32_t i = 0; i < 320; i += 64) {
		send_seq(&b, 0, i, 64);
		dps_testwire_pump(b.w, i);
	}
	st = stats_checked(&b, 0);
	cr_assert_eq(st.in_flight, 256);
	cr_assert_eq(st.overflow, 64);
	/* The receiver's ring holds 64: nothing is read, 192 overflow. */
	cr_assert_eq(dps_testwire_pump(b.w, 2 * MS), 64);
	st = stats_checked(&b, 0);
	cr_assert_eq(st.delivered, 64);
	cr_assert_eq(st.overflow, 64 + 192);
	cr_assert_eq(st.in_flight, 0);
	recv_all(&b, 1);
	cr_assert_eq(b.rx[1].n, 64);
	for (uint32_t i = 0; i < 64; i++)
		cr_assert_eq(frame_seq(b.rx[1].m[i]), i);
	bench_down(&b);
}

/*
 * Run 2000 frames each way through a wire with every impairment; record
 * what side 1 received as (seq << 8 | differing bits) into @out.
 */
static unsigned int
run_mixed(uint64_t seed, uint32_t *out, struct dps_testwire_stats *st)
{
	struct dps_testwire_conf conf = {
		.seed = seed, .loss = 0.05, .dup = 0.05, .reorder = 0.05,
		.corrupt = 0.05, .delay_ns = 200000, .jitter_ns = 300000,
	};
	struct bench b;
	unsigned int n;

	bench_up(&b, "twm", &conf, 1);
	for (uint32_t i = 0; i < 2000; i += 100) {
		send_seq(&b, 0, i, 100);
		send_seq(&b, 1, i, 100);
		pump_at(&b, i * 1000ULL);
	}
	pump_at(&b, b.now + 5 * MS);
	*st = stats_checked(&b, 0);
	stats_checked(&b, 1);
	cr_assert_eq(st->in_flight, 0);
	n = b.rx[1].n;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t seq = frame_seq(b.rx[1].m[i]);
		int d = seq < 2000 ? frame_diff_bits(b.rx[1].m[i], seq) : 1;

		/* A flipped sequence number shows up as an unknown seq. */
		out[i] = seq << 8 | (uint32_t)d;
	}
	bench_down(&b);
	return n;
}

Test(dpdk, testwire_mixed_reproducible)
{
	static uint32_t a[4000], c[4000];
	struct dps_testwire_stats sa, sc;
	unsigned int na, nc;

	na = run_mixed(77, a, &sa);
	nc = run_mixed(77, c, &sc);
	cr_assert_eq(na, nc);
	cr_assert_eq(memcmp(&sa, &sc, sizeof(sa)), 0);
	cr_assert_eq(memcmp(a, c, na * sizeof(a[0])), 0);
	cr_assert_gt(sa.lost, 0);
	cr_assert_gt(sa.duplicated, 0);
	cr_assert_gt(sa.reordered, 0);
	cr_assert_gt(sa.corrupted, 0);
}
