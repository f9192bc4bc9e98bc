/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A stream socket's buffers on the lcore that owns it.
 *
 * Send buffer: the mbufs application threads filled (or handed over with
 * dps_send_mbuf()), taken from the socket's txq and kept as a chain linked
 * through m->next until acknowledged. Segments copy their payload out of
 * it, so a retransmission is a copy of the same bytes; a cursor remembers
 * where the last copy ended, which makes bulk sending O(1) per segment.
 *
 * Receive side: payload mbufs are trimmed to the bytes the TCB accepted
 * and, in order, put on the socket's rxq for the reader; out-of-order ones
 * wait in a list sorted by sequence (the number kept in m->hash.usr) until
 * the hole before them fills.
 */
#include <errno.h>
#include <string.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include "dps_tcp_priv.h"

#define TXQ_SIZE 512
#define RXQ_SIZE 1024

struct rte_ring *
dps_ring_make(const char *name, unsigned int count, unsigned int flags)
{
	ssize_t sz = rte_ring_get_memsize(count);
	struct rte_ring *r;

	if (sz < 0)
		return NULL;
	r = rte_zmalloc(name, (size_t)sz, RTE_CACHE_LINE_SIZE);
	if (r != NULL && rte_ring_init(r, name, count, flags) != 0) {
		rte_free(r);
		r = NULL;
	}
	return r;
}

/*
 * The receive ring of a stream socket, made when the owning lcore first
 * has payload to queue (the only writer of the pointer), so a connection
 * that never receives data holds none. Rings are memory from rte_malloc,
 * not memzones, so there is no limit on their number; a ring stays with
 * the pool object for its next life (a UDP socket's rxq has the same
 * shape and may be inherited).
 */
struct rte_ring *
dps_tcp_rxq_make(struct dps_sock *sk)
{
	struct rte_ring *r = dps_sock_rxq(sk);

	if (r != NULL)
		return r;
	r = dps_ring_make("dps_rxq", RXQ_SIZE, 0);
	if (r != NULL)
		dps_sock_publish_rxq(sk, r);
	return r;
}

/*
 * The send ring, made by the first writer, on any thread. Writers of one
 * socket take turns on tx_busy, but the pointer does not rely on that:
 * the ring is installed with a compare-and-swap, and a thread that loses
 * the race frees its own and uses the winner's.
 */
struct rte_ring *
dps_tcp_txq_make(struct dps_sock *sk)
{
	struct rte_ring *r = dps_sock_txq(sk), *mine;

	if (r != NULL)
		return r;
	mine = dps_ring_make("dps_txq", TXQ_SIZE, RING_F_SC_DEQ);
	if (mine == NULL)
		return NULL;
	if (dps_sock_install_txq(sk, &r, mine))
		return mine;
	rte_free(mine);
	return r;
}

static void
free_list(struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free_seg(m);
		m = next;
	}
}

/* Out-of-order payload is of no use once the connection is over. */
void
dps_tcp_ooo_free(struct dps_sock *sk)
{
	struct dps_tcp_cold *c = dps_tcp_cold(sk);

	if (c == NULL)
		return;		/* quiet: nothing held */
	free_list(c->ooo);
	c->ooo = NULL;
	c->ooo_bytes = 0;
}

/* The send buffer and the out-of-order queue, which live in the cold
 * half: before it goes back to its pool (dps_tcp_x_drop()). */
void
dps_tcp_cold_bufs_free(struct dps_sock *sk)
{
	struct dps_tcp_cold *c = dps_tcp_cold(sk);

	if (c == NULL)
		return;
	free_list(c->snd_head);
	c->snd_head = c->snd_tail = c->snd_cur = NULL;
	c->snd_off = 0;
	dps_tcp_ooo_free(sk);
}

/* Everything the socket still holds (its last reference is going). */
void
dps_tcp_bufs_free(struct dps_sock *sk)
{
	struct rte_ring *r;
	void *m;

	dps_tcp_cold_bufs_free(sk);
	if (dps_sock_rx_cur(sk) != NULL)
		rte_pktmbuf_free(dps_sock_rx_cur(sk));
	dps_sock_set_rx_cur(sk, NULL);
	r = dps_sock_txq(sk);
	while (r != NULL && rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

/* Window space the reader leaves: half of SO_RCVBUF's figure (Linux's
 * tcp_adv_win_scale), less what is queued in order and out of order. */
uint32_t
dps_tcp_rcv_space(const struct dps_sock *sk)
{
	const struct dps_tcp_cold *c = dps_tcp_cold(sk);
	uint32_t cap = sk->opt.rcvbuf / 2;
	uint32_t used = dps_sock_rcv_queued(sk) + (c != NULL ? c->ooo_bytes : 0);

	return used < cap ? cap - used : 0;
}

/* ---- send buffer ---- */

/* Append @m (one or more segments of payload) to the chain; returns the
 * bytes added. The caller holds the cold half (dps_tcp_x_hold()). */
uint32_t
dps_tcp_snd_append(struct dps_sock *sk, struct rte_mbuf *m)
{
	struct dps_tcp_cold *c = dps_tcp_cold(sk);
	uint32_t n = 0;

	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		m->next = NULL;
		m->nb_segs = 1;
		m->pkt_len = m->data_len;
		if (m->data_len == 0) {
			rte_pktmbuf_free_seg(m);
		} else {
			n += m->data_len;
			if (c->snd_tail != NULL)
				c->snd_tail->next = m;
			else
				c->snd_head = m;
			c->snd_tail = m;
		}
		m = next;
	}
	return n;
}

/* Drop @n acknowledged bytes from the head. */
void
dps_tcp_snd_drop(struct dps_sock *sk, uint32_t n)
{
	struct dps_tcp_cold *c = dps_tcp_cold(sk);

	if (c == NULL)
		return;		/* quiet: nothing held */
	n = n > UINT32_MAX - c->snd_off ? UINT32_MAX : n + c->snd_off;
	while (c->snd_head != NULL && n >= c->snd_head->data_len) {
		struct rte_mbuf *m = c->snd_head;

		n -= m->data_len;
		c->snd_head = m->next;
		if (c->snd_cur == m)
			c->snd_cur = NULL;
		m->next = NULL;
		rte_pktmbuf_free_seg(m);
	}
	if (c->snd_head == NULL) {
		c->snd_tail = NULL;
		n = 0;
	}
	c->snd_off = n;
}

/*
 * Copy @len bytes starting @off bytes after snd_una into @dst. @una is
 * the TCB's snd_una, which the cursor's sequence is relative to.
 */
void
dps_tcp_snd_copy(struct dps_sock *sk, uint32_t una, uint32_t off, uint32_t len,
	uint8_t *dst)
{
	struct dps_tcp_cold *c = dps_tcp_cold(sk);	/* output holds it */
	uint32_t seq = una + off, pos;
	struct rte_mbuf *m;

	/* The cursor holds if it is at or before the wanted byte and still
	 * in the chain (acknowledged mbufs reset it). */
	if (c->snd_cur != NULL && dps_seq_leq(c->snd_cur_seq, seq)) {
		m = c->snd_cur;
		pos = seq - c->snd_cur_seq;
	} else {
		m = c->snd_head;
		pos = off + c->snd_off;
		c->snd_cur_seq = una - c->snd_off;
	}
	while (m != NULL && pos >= m->data_len) {
		pos -= m->data_len;
		c->snd_cur_seq += m->data_len;
		m = m->next;
	}
	c->snd_cur = m;
	while (len != 0 && m != NULL) {
		uint32_t k = m->data_len - pos;

		if (k > len)
			k = len;
		memcpy(dst, rte_pktmbuf_mtod_offset(m, uint8_t *, pos), k);
		dst += k;
		len -= k;
		pos += k;
		if (pos == m->data_len) {
			pos = 0;
			if (len != 0) {
				c->snd_cur_seq += m->data_len;
				c->snd_cur = m->next;
			}
			m = m->next;
		}
	}
}

/*
 * Payload too large for the header's mbuf (a TSO frame, or a segment of a
 * jumbo MTU): copy @len bytes from @off after snd_una into fresh mbufs of
 * @pool, each filled to its data room, and chain them after @head.
 * Returns 0, or -ENOMEM with @head as it was.
 */
int
dps_tcp_snd_chain(struct dps_sock *sk, uint32_t una, uint32_t off, uint32_t len,
	struct rte_mempool *pool, struct rte_mbuf *head)
{
	uint32_t room = rte_pktmbuf_data_room_size(pool) - RTE_PKTMBUF_HEADROOM;
	unsigned int n = (len + room - 1) / room;
	struct rte_mbuf *ms[DPS_TX_CHAIN_MAX], *tail = rte_pktmbuf_lastseg(head);

	if (n > RTE_DIM(ms) || n + head->nb_segs > RTE_MBUF_MAX_NB_SEGS ||
			rte_pktmbuf_alloc_bulk(pool, ms, n) != 0)
		return -ENOMEM;
	for (unsigned int i = 0; i < n; i++) {
		uint32_t k = len < room ? len : room;

		dps_tcp_snd_copy(sk, una, off, k, (uint8_t *)rte_pktmbuf_append(ms[i],
			(uint16_t)k));
		off += k;
		len -= k;
		head->pkt_len += k;
		tail->next = ms[i];
		tail = ms[i];
	}
	head->nb_segs = (uint16_t)(head->nb_segs + n);
	return 0;
}

/* ---- receive side ---- */

/* Put one in-order mbuf on the reader's queue. */
static bool
rx_enqueue(struct dps_sock *sk, struct rte_mbuf *m)
{
	struct rte_ring *r = dps_sock_rxq(sk);
	uint32_t len = m->data_len;

	m->next = NULL;
	/* The free-slot check before the TCB saw the segment made the ring
	 * (tcp_rx_room()); NULL here is a queue that cannot take it. */
	if (r == NULL || rte_ring_mp_enqueue(r, m) != 0)
		return false;
	dps_sock_rcv_queued_add(sk, len);
	return true;
}

/* Trim @m so it holds [@seq + @off, + @len): payload only. */
static void
rx_trim(struct rte_mbuf *m, uint32_t hdr, uint32_t off, uint32_t len)
{
	rte_pktmbuf_adj(m, (uint16_t)(hdr + off));
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - len));
}

/* Insert into the out-of-order list, sorted; a segment wholly covered by
 * one already there is freed. */
static void
ooo_insert(struct dps_sock *sk, struct rte_mbuf *m, uint32_t seq)
{
	struct dps_tcp_cold *c = dps_tcp_cold(sk);	/* input holds it */
	struct rte_mbuf **pp = &c->ooo;

	m->hash.usr = seq;
	while (*pp != NULL && dps_seq_lt((*pp)->hash.usr, seq))
		pp = &(*pp)->next;
	if (*pp != NULL && (*pp)->hash.usr == seq && (*pp)->data_len >= m->data_len) {
		rte_pktmbuf_free(m);
		return;
	}
	m->next = *pp;
	*pp = m;
	c->ooo_bytes += m->data_len;
}

/* Move out-of-order mbufs now below @rcv_nxt to the reader, trimming the
 * bytes already delivered. Returns false if the queue overflowed. */
static bool
ooo_drain(struct dps_sock *sk, uint32_t delivered, uint32_t rcv_nxt)
{
	struct dps_tcp_cold *c = dps_tcp_cold(sk);	/* input holds it */
	bool ok = true;

	while (c->ooo != NULL && dps_seq_lt(c->ooo->hash.usr, rcv_nxt)) {
		struct rte_mbuf *m = c->ooo;
		uint32_t seq = m->hash.usr, end = seq + m->data_len;

		c->ooo = m->next;
		c->ooo_bytes -= m->data_len;
		m->next = NULL;
		if (dps_seq_leq(end, delivered)) {
			rte_pktmbuf_free(m);
			continue;
		}
		if (dps_seq_lt(seq, delivered))
			rte_pktmbuf_adj(m, (uint16_t)(delivered - seq));
		delivered += m->data_len;
		if (!rx_enqueue(sk, m)) {
			rte_pktmbuf_free(m);
			ok = false;
		}
	}
	return ok;
}

/*
 * The TCB kept [rx_off, rx_off + rx_len) of the payload of @m (whose
 * headers are @hdr bytes) at sequence rx_seq. @old_nxt is rcv_nxt before
 * the segment. Takes @m. Returns false if the reader's queue overflowed,
 * which the caller's free-slot check should make impossible.
 */
bool
dps_tcp_rx_take(struct dps_sock *sk, struct rte_mbuf *m, uint32_t hdr,
	uint32_t old_nxt)
{
	const struct dps_tcb *t = &sk->tcb;
	const struct dps_tcb_ext *x = t->x;
	bool ok = true;

	if (x->rx_len == 0) {
		rte_pktmbuf_free(m);
		return true;
	}
	rx_trim(m, hdr, x->rx_off, x->rx_len);
	if (x->rx_seq != old_nxt) {
		ooo_insert(sk, m, x->rx_seq);
		return true;
	}
	if (!rx_enqueue(sk, m)) {
		rte_pktmbuf_free(m);
		ok = false;
	}
	return ooo_drain(sk, old_nxt + x->rx_len, t->rcv_nxt) && ok;
}
