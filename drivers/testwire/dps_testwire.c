/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The test wire: two net_ring ethdevs carried across by a pump.
 *
 * Side i owns two rings: rx[i] holds frames delivered to it, tx[i] frames
 * it transmitted. The pump takes frames from tx[i], decides their fate
 * from a per-direction PRNG and keeps them in a per-direction queue
 * sorted by due time until dps_testwire_pump() is called with a time at
 * or after it; then they go to rx[1 - i].
 *
 * Every frame taken from a sender consumes exactly six PRNG draws, in this
 * order, whatever their outcome: loss, corrupt, corrupt bit, dup, reorder,
 * jitter. The fate of the k-th frame of a direction therefore depends only
 * on the seed, the direction and k.
 *
 * Reorder rule: a frame drawn for reorder is held out of the wire in a
 * single slot. The next frame of that direction that enters the wire (not
 * a lost one) is scheduled first, then the held frame with due time
 * max(own due, follower's due), so it arrives right behind its follower.
 * If nothing follows, the held frame is released at own due +
 * DPS_TW_HOLD_NS. A reorder draw while the slot is occupied is ignored:
 * that frame becomes the follower. Only frames actually held count in
 * `reordered`.
 *
 * A duplicate is a deep copy scheduled right after its original; it comes
 * from conf->pool, or, when that is NULL, from the original's own pool (a
 * wire-owned pool could be freed while the application still holds
 * copies). A corrupted shared frame is copied the same way first. The
 * internal pool, created only for a capture, holds the pcapng records.
 * Corruption comes before duplication: both copies carry the same flip.
 *
 * The capture records every frame taken from a sender (OUT, on the
 * sender's port, lost ones included) and every frame delivered (IN, on the
 * receiver's port), stamped with the pump's now_ns.
 *
 * With conf->tso the wire is a NIC with TCP segmentation and checksum
 * offload: both ports advertise them (dps_port_set_soft_tx()), and a
 * frame taken from a sender gets its offloads done before anything else
 * (dps_testwire_tso.c): a TSO frame becomes its pieces, each of which
 * is then one frame as above (six draws, captured, tapped); a frame whose
 * offload metadata is wrong is dropped into `offload_bad` and draws
 * nothing.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pcapng.h>
#include <rte_ring.h>

#include "dps_stack.h"	/* DPS_LOG */
#include "dps_testwire.h"
#include "dps_testwire_tso.h"
#include "dps_port.h"

#define DPS_TW_NAME_MAX		16	/* so every derived name fits */
#define DPS_TW_RING_DEFAULT	1024
#define DPS_TW_RING_MAX		(1u << 20)
#define DPS_TW_BURST		32
#define DPS_TW_HOLD_NS		1000000ULL	/* reorder: max extra hold */
#define DPS_TW_FLIGHT_MULT	4	/* in-flight bound: 4 x ring_size */

#define TW_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_ ## level, dps_log_type(), "testwire: " fmt "\n", \
		##__VA_ARGS__)

/* A frame on the wire and the time it is due at the receiver. */
struct dps_tw_slot {
	struct rte_mbuf *m;
	uint64_t due;
};

/* One direction: PRNG, in-flight queue (circular, sorted by due), stats. */
struct dps_tw_dir {
	uint64_t prng;
	struct dps_tw_slot *flight;
	uint32_t cap;		/* power of two */
	uint32_t head;
	uint32_t count;
	struct dps_tw_slot held;	/* reorder slot; m == NULL when empty */
	struct dps_testwire_stats st;
};

struct dps_testwire {
	char name[DPS_TW_NAME_MAX + 1];
	struct dps_testwire_conf conf;
	uint16_t port[2];
	int port_ok[2];
	struct rte_ring *rx[2];
	struct rte_ring *tx[2];
	struct rte_mempool *own_pool;	/* capture copies; NULL if no capture */
	rte_pcapng_t *pcap;
	struct dps_tw_dir dir[2];
};

/* splitmix64: one 64-bit draw; the state advances by a fixed odd step. */
static uint64_t
tw_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A draw mapped to a double uniform in [0, 1). */
static double
tw_unit(uint64_t r)
{
	return (double)(r >> 11) * (1.0 / 9007199254740992.0);
}

/*
 * A deep copy of @m, from conf->pool or else from @m's own pool, so that
 * copies the application holds never outlive their pool with the wire.
 */
static struct rte_mbuf *
tw_copy(const struct dps_testwire *w, const struct rte_mbuf *m)
{
	return rte_pktmbuf_copy(m, w->conf.pool != NULL ? w->conf.pool :
		m->pool, 0, UINT32_MAX);
}

/* True if every segment of @m may be written in place. */
static int
tw_writable(const struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next)
		if (!RTE_MBUF_DIRECT(m) || rte_mbuf_refcnt_read(m) > 1)
			return 0;
	return 1;
}

/*
 * Flip bit @bit (counted from the first data byte) of frame *@mp, copying
 * the frame first if it is shared. Returns 0, or -1 if no copy could be made
 * (the frame is then left intact).
 */
static int
tw_flip_bit(struct dps_testwire *w, struct rte_mbuf **mp, uint64_t bit)
{
	struct rte_mbuf *m = *mp;
	uint32_t off = (uint32_t)(bit >> 3);

	if (!tw_writable(m)) {
		struct rte_mbuf *c = tw_copy(w, m);

		if (c == NULL)
			return -1;
		rte_pktmbuf_free(m);
		*mp = m = c;
	}
	while (off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	*rte_pktmbuf_mtod_offset(m, uint8_t *, off) ^=
		(uint8_t)(1u << (bit & 7));
	return 0;
}

/*
 * Set the timestamp of pcapng record @rec (an Enhanced Packet Block: type,
 * length, interface, timestamp high and low words) to @ns.
 */
static void
tw_stamp(struct rte_mbuf *rec, uint64_t ns)
{
	uint32_t *epb = rte_pktmbuf_mtod(rec, uint32_t *);

	epb[3] = (uint32_t)(ns >> 32);
	epb[4] = (uint32_t)ns;
}

/*
 * Write capture records of the @n frames @pkts as seen on @port in
 * direction @pdir at wire time @now.
 *
 * Two DPDK 22.11 quirks are handled here: rte_pcapng_write_packets() does
 * not free the records (whatever its comment says), and the timestamps
 * rte_pcapng_copy() derives from TSC cycles come out centuries off, so
 * they are replaced by the pump's clock, which also makes the capture
 * show the emulated delays.
 */
static void
tw_capture(struct dps_testwire *w, uint16_t port, struct rte_mbuf **pkts,
	unsigned int n, enum rte_pcapng_direction pdir, uint64_t now)
{
	struct rte_mbuf *rec[DPS_TW_BURST];
	uint64_t tsc = rte_get_tsc_cycles();
	unsigned int i, k = 0;

	if (w->pcap == NULL)
		return;
	for (i = 0; i < n; i++) {
		rec[k] = rte_pcapng_copy(port, 0, pkts[i], w->own_pool,
			UINT32_MAX, tsc, pdir);
		if (rec[k] == NULL) {
			TW_LOG(WARNING, "%s: capture copy failed", w->name);
			continue;
		}
		tw_stamp(rec[k++], now);
	}
	if (k > 0 && rte_pcapng_write_packets(w->pcap, rec, (uint16_t)k) < 0)
		TW_LOG(WARNING, "%s: capture write failed", w->name);
	rte_pktmbuf_free_bulk(rec, k);
}

/*
 * Put @m, due at @due, in the in-flight queue of @d, behind every frame
 * due at or before @due. A full queue drops the frame into `overflow`.
 */
static void
tw_schedule(struct dps_tw_dir *d, struct rte_mbuf *m, uint64_t due)
{
	uint32_t mask = d->cap - 1;
	uint32_t i, prev;

	if (d->count == d->cap) {
		rte_pktmbuf_free(m);
		d->st.overflow++;
		return;
	}
	/* Frames mostly come in due order: the walk is usually empty. */
	i = (d->head + d->count) & mask;
	while (i != d->head) {
		prev = (i - 1) & mask;
		if (d->flight[prev].due <= due)
			break;
		d->flight[i] = d->flight[prev];
		i = prev;
	}
	d->flight[i].m = m;
	d->flight[i].due = due;
	d->count++;
}

/*
 * Schedule @m and, if @dup, a deep copy of it right behind. Then, if a
 * frame is held for reorder, release it behind them.
 */
static void
tw_enter(struct dps_testwire *w, struct dps_tw_dir *d, struct rte_mbuf *m,
	uint64_t due, int dup)
{
	struct rte_mbuf *c = NULL;

	if (dup) {
		c = tw_copy(w, m);
		if (c != NULL)
			d->st.duplicated++;
		else
			TW_LOG(WARNING, "%s: duplicate copy failed", w->name);
	}
	tw_schedule(d, m, due);
	if (c != NULL)
		tw_schedule(d, c, due);
	if (d->held.m != NULL) {
		tw_schedule(d, d->held.m, RTE_MAX(d->held.due, due));
		d->held.m = NULL;
	}
}

/*
 * Decide the fate of one frame taken from the sender at @now and put it
 * on the wire (or drop it). Always six draws, see the file comment.
 */
static void
tw_take(struct dps_testwire *w, struct dps_tw_dir *d, struct rte_mbuf *m,
	uint64_t now)
{
	const struct dps_testwire_conf *cf = &w->conf;
	double u_loss = tw_unit(tw_rand(&d->prng));
	double u_corrupt = tw_unit(tw_rand(&d->prng));
	uint64_t r_bit = tw_rand(&d->prng);
	double u_dup = tw_unit(tw_rand(&d->prng));
	double u_reorder = tw_unit(tw_rand(&d->prng));
	uint64_t r_jitter = tw_rand(&d->prng);
	uint64_t due;

	d->st.sent++;
	if (u_loss < cf->loss) {
		rte_pktmbuf_free(m);
		d->st.lost++;
		return;
	}
	if (u_corrupt < cf->corrupt && m->pkt_len > 0 &&
			tw_flip_bit(w, &m, r_bit % (m->pkt_len * 8ULL)) == 0)
		d->st.corrupted++;
	due = now + cf->delay_ns;
	if (cf->jitter_ns > 0)
		due += r_jitter % (cf->jitter_ns + 1);
	if (u_reorder < cf->reorder && d->held.m == NULL) {
		/* The duplicate, if any, still goes now: it overtakes. */
		if (u_dup < cf->dup) {
			struct rte_mbuf *c = tw_copy(w, m);

			if (c != NULL) {
				d->st.duplicated++;
				tw_schedule(d, c, due);
			}
		}
		d->held.m = m;
		d->held.due = due;
		d->st.reordered++;
		return;
	}
	tw_enter(w, d, m, due, u_dup < cf->dup);
}

/* A frame side @side sent, after its offloads: captured, tapped, taken. */
struct tw_emit {
	struct dps_testwire *w;
	int side;
	uint64_t now;
};

static void
tw_emit_one(void *arg, struct rte_mbuf *m)
{
	const struct tw_emit *e = arg;
	struct dps_testwire *w = e->w;

	tw_capture(w, w->port[e->side], &m, 1, RTE_PCAPNG_DIRECTION_OUT, e->now);
	if (w->conf.tap != NULL)
		w->conf.tap(w->conf.tap_arg, e->side, m);
	tw_take(w, &w->dir[e->side], m, e->now);
}

/* The offloads of the @n frames @burst asks for, then each frame or
 * piece onto the wire (the file comment). */
static void
tw_intake_soft(struct dps_testwire *w, int side, struct rte_mbuf **burst,
	unsigned int n, uint64_t now)
{
	struct dps_testwire_stats *st = &w->dir[side].st;
	struct tw_emit e = { .w = w, .side = side, .now = now };
	uint32_t pieces;

	for (unsigned int i = 0; i < n; i++) {
		switch (dps_tw_soft_tx(burst[i], w->conf.pool, tw_emit_one, &e,
				&pieces)) {
		case DPS_TW_SOFT_CUT:
			st->tso_frames++;
			st->tso_pieces += pieces;
			break;
		case DPS_TW_SOFT_BAD:
			st->offload_bad++;
			break;
		case DPS_TW_SOFT_NOMEM:
			st->overflow++;
			break;
		case DPS_TW_SOFT_PASS:
			break;
		}
	}
}

/* Take everything side @side transmitted and put it on the wire. */
static void
tw_intake(struct dps_testwire *w, int side, uint64_t now)
{
	struct dps_tw_dir *d = &w->dir[side];
	struct rte_mbuf *burst[DPS_TW_BURST];
	unsigned int n, i;

	do {
		n = rte_ring_dequeue_burst(w->tx[side], (void **)burst,
			DPS_TW_BURST, NULL);
		if (w->conf.tso) {
			tw_intake_soft(w, side, burst, n, now);
			continue;
		}
		tw_capture(w, w->port[side], burst, n,
			RTE_PCAPNG_DIRECTION_OUT, now);
		for (i = 0; i < n; i++) {
			if (w->conf.tap != NULL)
				w->conf.tap(w->conf.tap_arg, side, burst[i]);
			tw_take(w, d, burst[i], now);
		}
	} while (n == DPS_TW_BURST);
	if (d->held.m != NULL && now >= d->held.due + DPS_TW_HOLD_NS) {
		tw_schedule(d, d->held.m, d->held.due + DPS_TW_HOLD_NS);
		d->held.m = NULL;
	}
}

/*
 * Hand the frames of direction @side that are due at @now to the other
 * side's rx ring; those that do not fit are dropped into `overflow`.
 */
static unsigned int
tw_deliver(struct dps_testwire *w, int side, uint64_t now)
{
	struct dps_tw_dir *d = &w->dir[side];
	struct rte_ring *r = w->rx[1 - side];
	uint16_t rport = w->port[1 - side];
	struct rte_mbuf *burst[DPS_TW_BURST];
	unsigned int total = 0, n, room, i;

	for (;;) {
		n = 0;
		while (n < DPS_TW_BURST && d->count > 0 &&
				d->flight[d->head].due <= now) {
			burst[n++] = d->flight[d->head].m;
			d->head = (d->head + 1) & (d->cap - 1);
			d->count--;
		}
		if (n == 0)
			break;
		/* We are the only producer: free space can only grow. */
		room = RTE_MIN(n, rte_ring_free_count(r));
		tw_capture(w, rport, burst, room, RTE_PCAPNG_DIRECTION_IN,
			now);
		if (room > 0)
			(void)rte_ring_enqueue_bulk(r, (void **)burst, room,
				NULL);
		for (i = room; i < n; i++)
			rte_pktmbuf_free(burst[i]);
		d->st.delivered += room;
		d->st.overflow += n - room;
		total += room;
	}
	return total;
}

unsigned int
dps_testwire_pump(struct dps_testwire *w, uint64_t now_ns)
{
	unsigned int n = 0;
	int s;

	for (s = 0; s < 2; s++)
		tw_intake(w, s, now_ns);
	for (s = 0; s < 2; s++)
		n += tw_deliver(w, s, now_ns);
	return n;
}

unsigned int
dps_testwire_inject(struct dps_testwire *w, int side, struct rte_mbuf **pkts,
	unsigned int n)
{
	/* The pump's thread: the ring's only producer, as in tw_deliver(). */
	return rte_ring_enqueue_burst(w->rx[side != 0], (void **)pkts, n, NULL);
}

uint16_t
dps_testwire_port(const struct dps_testwire *w, int side)
{
	return w->port[side != 0];
}

void
dps_testwire_stats(const struct dps_testwire *w, int dir,
	struct dps_testwire_stats *st)
{
	const struct dps_tw_dir *d = &w->dir[dir != 0];

	*st = d->st;
	st->in_flight = d->count + (d->held.m != NULL);
}

/* Free every mbuf left in ring @r. */
static void
tw_drain_ring(struct rte_ring *r)
{
	void *m;

	if (r == NULL)
		return;
	while (rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

/*
 * Release everything create() may have set up, in reverse order. Safe on
 * a partly built wire.
 */
static void
tw_teardown(struct dps_testwire *w)
{
	char vname[RTE_ETH_NAME_MAX_LEN];
	int s;

	for (s = 0; s < 2; s++) {
		struct dps_tw_dir *d = &w->dir[s];

		while (d->flight != NULL && d->count > 0) {
			rte_pktmbuf_free(d->flight[d->head].m);
			d->head = (d->head + 1) & (d->cap - 1);
			d->count--;
		}
		rte_pktmbuf_free(d->held.m);
		d->held.m = NULL;
		rte_free(d->flight);
		d->flight = NULL;
	}
	if (w->pcap != NULL)
		rte_pcapng_close(w->pcap);
	w->pcap = NULL;
	for (s = 0; s < 2; s++) {
		if (w->port_ok[s]) {
			dps_port_set_soft_tx(w->port[s], 0);
			if (rte_eth_dev_close(w->port[s]) != 0)
				TW_LOG(WARNING, "%s: close port %u failed",
					w->name, w->port[s]);
			snprintf(vname, sizeof(vname), "net_ring_%s_%d",
				w->name, s);
			rte_vdev_uninit(vname);
			w->port_ok[s] = 0;
		}
		tw_drain_ring(w->rx[s]);
		tw_drain_ring(w->tx[s]);
		rte_ring_free(w->rx[s]);
		rte_ring_free(w->tx[s]);
		w->rx[s] = w->tx[s] = NULL;
	}
	rte_mempool_free(w->own_pool);	/* records never outlive a pump */
	w->own_pool = NULL;
	rte_free(w);
}

void
dps_testwire_destroy(struct dps_testwire *w)
{
	if (w != NULL)
		tw_teardown(w);
}

/* Validate @name and @conf; returns 0 or an errno value. */
static int
tw_check_conf(const char *name, const struct dps_testwire_conf *conf)
{
	char vname[RTE_ETH_NAME_MAX_LEN];
	uint16_t pid;
	size_t len;

	if (name == NULL || conf == NULL)
		return EINVAL;
	len = strlen(name);
	if (len == 0 || len > DPS_TW_NAME_MAX)
		return EINVAL;
	if (!(conf->loss >= 0 && conf->loss <= 1) ||
			!(conf->dup >= 0 && conf->dup <= 1) ||
			!(conf->reorder >= 0 && conf->reorder <= 1) ||
			!(conf->corrupt >= 0 && conf->corrupt <= 1) ||
			conf->jitter_ns == UINT64_MAX)
		return EINVAL;
	if (conf->ring_size > DPS_TW_RING_MAX)
		return EINVAL;
	snprintf(vname, sizeof(vname), "net_ring_%s_0", name);
	if (rte_eth_dev_get_port_by_name(vname, &pid) == 0)
		return EEXIST;
	return 0;
}

/* Create the four rings and the two ports; returns 0 or an errno value. */
static int
tw_make_ports(struct dps_testwire *w, int socket)
{
	char rname[RTE_RING_NAMESIZE];
	unsigned int flags = RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ;
	int s, ret;

	for (s = 0; s < 2; s++) {
		snprintf(rname, sizeof(rname), "%s_rx%d", w->name, s);
		w->rx[s] = rte_ring_create(rname, w->conf.ring_size, socket,
			flags);
		if (w->rx[s] == NULL)
			return rte_errno;
		snprintf(rname, sizeof(rname), "%s_tx%d", w->name, s);
		w->tx[s] = rte_ring_create(rname, w->conf.ring_size, socket,
			flags);
		if (w->tx[s] == NULL)
			return rte_errno;
	}
	for (s = 0; s < 2; s++) {
		snprintf(rname, sizeof(rname), "%s_%d", w->name, s);
		ret = rte_eth_from_rings(rname, &w->rx[s], 1, &w->tx[s], 1,
			(unsigned int)socket);
		if (ret < 0)
			return rte_errno == EIO ? EEXIST : rte_errno;
		w->port[s] = (uint16_t)ret;
		w->port_ok[s] = 1;
		if (w->conf.tso)
			dps_port_set_soft_tx(w->port[s], DPS_TW_SOFT_TX);
	}
	return 0;
}

/*
 * Open the capture file and the pool its records are built in. Records are
 * written and freed at once, so the pool is empty whenever pump() returns.
 */
static int
tw_make_pcap(struct dps_testwire *w, const char *path, int socket)
{
	char pname[RTE_MEMPOOL_NAMESIZE];
	unsigned int n = 2 * DPS_TW_BURST - 1;
	int fd;

	snprintf(pname, sizeof(pname), "%s_pool", w->name);
	w->own_pool = rte_pktmbuf_pool_create(pname, n, 0, 0,
		(uint16_t)(RTE_PKTMBUF_HEADROOM +
		rte_pcapng_mbuf_size(RTE_ETHER_MAX_JUMBO_FRAME_LEN)),
		socket);
	if (w->own_pool == NULL)
		return rte_errno;
	/* After the ports exist: the file header lists the interfaces. */
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		0644);
	if (fd < 0)
		return errno;
	w->pcap = rte_pcapng_fdopen(fd, NULL, NULL, "dpstack testwire",
		w->name);
	if (w->pcap == NULL) {
		int err = rte_errno;

		close(fd);
		return err != 0 ? err : EIO;
	}
	return 0;
}

struct dps_testwire *
dps_testwire_create(const char *name, const struct dps_testwire_conf *conf)
{
	struct dps_testwire *w;
	int socket = (int)rte_socket_id();
	int s, err;

	err = tw_check_conf(name, conf);
	if (err != 0) {
		rte_errno = err;
		return NULL;
	}
	w = rte_zmalloc_socket("dps_testwire", sizeof(*w), 0, socket);
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	snprintf(w->name, sizeof(w->name), "%s", name);
	w->conf = *conf;
	w->conf.pcap_path = NULL;	/* caller's storage: create only */
	if (w->conf.ring_size == 0)
		w->conf.ring_size = DPS_TW_RING_DEFAULT;
	for (s = 0; s < 2; s++) {
		struct dps_tw_dir *d = &w->dir[s];
		uint64_t sm = conf->seed ^ (s ? 0xd1b54a32d192ed03ULL : 0);

		d->prng = tw_rand(&sm);	/* decorrelate the two directions */
		d->cap = rte_align32pow2(w->conf.ring_size *
			DPS_TW_FLIGHT_MULT);
		d->flight = rte_malloc_socket("dps_testwire_flight",
			sizeof(*d->flight) * d->cap, 0, socket);
		if (d->flight == NULL) {
			tw_teardown(w);
			rte_errno = ENOMEM;
			return NULL;
		}
	}
	err = tw_make_ports(w, socket);
	if (err == 0 && conf->pcap_path != NULL)
		err = tw_make_pcap(w, conf->pcap_path, socket);
	if (err != 0) {
		tw_teardown(w);
		rte_errno = err;
		return NULL;
	}
	return w;
}
