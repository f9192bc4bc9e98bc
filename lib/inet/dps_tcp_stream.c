/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream calls on the application side: accept, send, receive, shutdown,
 * as the socket layer's calls (lib/sock) hand them over: each takes a
 * socket the caller holds a reference on and returns a count or a
 * negative errno.
 *
 * Data never waits for the lcore on the way in: send() copies into mbufs
 * and enqueues them on the socket's txq, and posts one DPS_MSG_TCP_TX to
 * the owner if none is on its way; recv() copies out of the mbufs the
 * lcore queued on rxq and, when it freed enough space to matter, posts a
 * DPS_MSG_TCP_WND so the lcore announces the larger window (Linux's
 * tcp_cleanup_rbuf()). Space and readiness are atomics the lcore
 * publishes, so nothing here takes a lock; concurrent readers (or
 * writers) of one socket take turns on a flag, as lock_sock() serialises
 * them in Linux.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include "dps_tcp_priv.h"

static bool
sock_nonblock(const struct dps_sock *sk, int flags)
{
	return (flags & MSG_DONTWAIT) ||
		(dps_sock_fflags(sk) & O_NONBLOCK) ||
		dps_stack_self(sk->stack) >= 0;
}

/* Post message @op about @sk to its owner once (@flag is the "on its way"
 * bit); the message carries a reference. Inline on the owner itself. */
static int
sock_kick(struct dps_sock *sk, uint8_t *flag, uint16_t op)
{
	struct dps_stack *s = sk->stack;
	struct dps_msg m = { .op = op, .ptr = sk };
	int owner = dps_sock_owner(sk);

	if (owner < 0)
		return -ENOTCONN;
	if (dps_stack_self(s) == owner) {
		if (op == DPS_MSG_TCP_TX)
			dps_tcp_do_tx(s->lc[owner], sk, dps_now(s));
		else
			dps_tcp_do_wnd_here(s->lc[owner], sk);
		return 0;
	}
	if (!dps_sock_kick_claim(flag))
		return 0;
	if (dps_lcore_post(s, (unsigned int)owner, &m) != 0) {
		dps_sock_kick_clear(flag);
		return -EAGAIN;
	}
	return 0;
}

/* A setting changed that the lcore must act on (keepalive): the window
 * kick runs there and re-arms the timers. */
void
dps_tcp_kick_wnd(struct dps_sock *sk)
{
	/* Release: the option stores before it are seen by the lcore's
	 * acquire exchange in dps_tcp_do_wnd(). */
	__atomic_store_n(&sk->opts_changed, 1, __ATOMIC_RELEASE);
	if (sk->type == SOCK_STREAM && dps_sock_owner(sk) >= 0)
		(void)sock_kick(sk, &sk->wnd_kick, DPS_MSG_TCP_WND);
}

/* ---- accept ---- */

static bool
acceptable(struct dps_sock *sk)
{
	struct dps_listener *l = dps_sock_lst(sk);

	return l == NULL || rte_ring_count(l->acceptq) != 0 ||
		dps_sock_state(sk) != DPS_TCP_LISTEN;
}

/*
 * inet_csk_accept(): wait for a child on @sk's accept queue (as long as
 * the socket's receive timeout, not at all with @nonblock) and take it.
 * The child comes with the queue's reference; 0 or a negative errno.
 */
int
dps_tcp_accept(struct dps_sock *sk, int flags, struct dps_sock **child)
{
	struct dps_listener *l;
	struct dps_sock *c;
	void *p;
	int rc;

	if (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (sk->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	for (;;) {
		l = dps_sock_lst(sk);
		if (l == NULL || dps_sock_state(sk) != DPS_TCP_LISTEN)
			return -EINVAL;
		if (rte_ring_dequeue(l->acceptq, &p) == 0)
			break;
		if (sock_nonblock(sk, 0))
			return -EAGAIN;
		rc = dps_sock_wait(sk, acceptable, dps_sock_timeo(sk->opt.rcvtimeo_j));
		if (rc != 0)
			return rc;
	}
	c = p;
	dps_tcp_child_gone(c);
	if (flags & SOCK_NONBLOCK)
		dps_sock_set_fflags(c, O_NONBLOCK);
	*child = c;
	return 0;
}

/* ---- send ---- */

static bool
send_ready(struct dps_sock *sk)
{
	uint32_t q = dps_sock_snd_queued(sk);
	uint8_t st = dps_sock_state(sk);

	return q < sk->opt.sndbuf / 2 ||
		dps_sock_error(sk) != 0 ||
		(dps_sock_shutdown(sk) & DPS_SEND_SHUTDOWN) ||
		(st != DPS_TCP_ESTABLISHED && st != DPS_TCP_CLOSE_WAIT &&
		 st != DPS_TCP_SYN_SENT && st != DPS_TCP_SYN_RECV);
}

/*
 * Why a stream may not take data now (sk_stream_wait_connect() and the
 * checks of tcp_sendmsg()): a pending error once, EPIPE once our side is
 * shut or the connection is gone (also for a socket never connected, as
 * Linux's), 1 while the handshake is still running, 0 when it may send.
 */
static int
send_state(struct dps_sock *sk, bool consume)
{
	int err = consume ? dps_sock_error_ret(sk) : -dps_sock_error_sc(sk);
	uint8_t st = dps_sock_state(sk);

	if (err != 0)
		return err;
	if (dps_sock_shutdown(sk) & DPS_SEND_SHUTDOWN)
		return -EPIPE;
	if (st == DPS_TCP_ESTABLISHED || st == DPS_TCP_CLOSE_WAIT)
		return 0;
	if (st == DPS_TCP_SYN_SENT || st == DPS_TCP_SYN_RECV)
		return 1;
	return -EPIPE;
}

/* Copy up to @len bytes of @iov (from @skip) into mbufs on txq, which
 * the first write makes; with @push the last one ends a write (PSH).
 * The copies stop where the pool keeps its last mbufs for ACKs and other
 * segments without payload (ENOBUFS). *@fault tells that the caller's
 * memory could not be read, which ends the copy. */
static ssize_t
send_copy(struct dps_sock *sk, const struct iovec *iov, int iovcnt, size_t skip,
	size_t len, bool push, bool *fault)
{
	const struct dps_lcore *lc = sk->stack->lc[dps_sock_owner(sk)];
	struct rte_mempool *pool = lc->pool;
	struct rte_ring *txq = dps_tcp_txq_make(sk);
	size_t done = 0;
	int i = 0;

	if (txq == NULL)
		return 0;

	while (i < iovcnt && skip >= iov[i].iov_len)
		skip -= iov[i++].iov_len;
	while (done < len) {
		struct rte_mbuf *m = dps_pool_send_low(lc) ? NULL : rte_pktmbuf_alloc(pool);
		uint16_t room, n = 0;
		uint8_t *dst;

		if (m == NULL)
			break;
		room = rte_pktmbuf_tailroom(m);
		dst = rte_pktmbuf_mtod(m, uint8_t *);
		while (n < room && done + n < len && i < iovcnt) {
			size_t k = iov[i].iov_len - skip;

			if (k > (size_t)(room - n))
				k = room - n;
			if (k > len - done - n)
				k = len - done - n;
			if (dps_copy_from_user(dst + n,
					(const uint8_t *)iov[i].iov_base + skip, k) != 0) {
				*fault = true;
				break;
			}
			n = (uint16_t)(n + k);
			skip += k;
			if (skip == iov[i].iov_len) {
				skip = 0;
				i++;
			}
		}
		m->data_len = n;
		m->pkt_len = n;
		dps_snd_set_push(m, push && done + n == len);
		/* tcp_sendmsg(): a chunk that faulted is not counted. */
		if (*fault || rte_ring_mp_enqueue(txq, m) != 0) {
			rte_pktmbuf_free(m);
			break;
		}
		done += n;
	}
	return (ssize_t)done;
}

static size_t
iov_total(const struct iovec *iov, int iovcnt)
{
	size_t n = 0;

	for (int i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	return n;
}

/* tcp_sendmsg(): queue as much as fits, waiting for room unless
 * non-blocking; bytes queued, or a negative errno if none. */
static ssize_t
tcp_send(struct dps_sock *sk, const struct iovec *iov, int iovcnt, int flags)
{
	size_t total = iov_total(iov, iovcnt), done = 0;
	bool nonblock = sock_nonblock(sk, flags), fault = false;
	ssize_t rc = 0;

	dps_sock_busy_take(&sk->tx_busy);
	while (done < total || total == 0) {
		uint32_t cap = sk->opt.sndbuf / 2;
		uint32_t q = dps_sock_snd_queued(sk);
		/* Once some bytes are queued, a pending error stays for the
		 * next call (Linux returns the count and keeps sk_err). */
		int st = send_state(sk, done == 0);
		ssize_t n;

		if (st < 0) {
			rc = st;
			break;
		}
		if (total == 0)
			break;
		if (st == 0 && q < cap) {
			size_t want = total - done;

			if (want > cap - q)
				want = cap - q;
			dps_sock_snd_queued_add(sk, (uint32_t)want);
			/* tcp_push() at the end of the write, and before waiting
			 * for room; MSG_MORE holds it back. */
			n = send_copy(sk, iov, iovcnt, done, want,
				!(flags & MSG_MORE), &fault);
			if ((size_t)n < want)
				dps_sock_snd_queued_sub(sk, (uint32_t)(want - (size_t)n));
			if (n > 0) {
				done += (size_t)n;
				rc = sock_kick(sk, &sk->tx_kick, DPS_MSG_TCP_TX);
				if (rc != 0 || fault)
					break;
				continue;
			}
			if (fault) {
				rc = -EFAULT;
				break;
			}
			rc = -ENOBUFS;
			break;
		}
		if (nonblock) {
			rc = -EAGAIN;
			break;
		}
		rc = dps_sock_wait(sk, send_ready, dps_sock_timeo(sk->opt.sndtimeo_j));
		if (rc != 0)
			break;
	}
	dps_sock_busy_give(&sk->tx_busy);
	return done != 0 ? (ssize_t)done : rc;
}

/* ---- receive ---- */

static bool
recv_ready(struct dps_sock *sk)
{
	const struct rte_ring *r = dps_sock_rxq(sk);

	return dps_sock_rx_cur(sk) != NULL || (r != NULL && rte_ring_count(r) != 0) ||
		dps_sock_error(sk) != 0 ||
		(dps_sock_shutdown(sk) & DPS_RCV_SHUTDOWN) ||
		dps_sock_state(sk) == DPS_TCP_CLOSE;
}

/* The next mbuf to read from, or NULL. */
static struct rte_mbuf *
recv_head(struct dps_sock *sk)
{
	struct rte_ring *r = dps_sock_rxq(sk);
	void *m;

	/* No ring yet: nothing was ever queued. */
	if (dps_sock_rx_cur(sk) == NULL && r != NULL && rte_ring_mc_dequeue(r, &m) == 0) {
		sk->rx_cur_off = 0;
		dps_sock_set_rx_cur(sk, (struct rte_mbuf *)m);
	}
	return dps_sock_rx_cur(sk);
}

/* Whether the space the reader freed may matter: the reader's test on
 * the published window (the lcore decides finally, dps_tcb_rcv_space()). */
static bool
recv_window_may(const struct dps_sock *sk)
{
	uint32_t cap = sk->opt.rcvbuf / 2;
	uint32_t used = dps_sock_rcv_queued(sk);
	uint32_t wnd = dps_sock_rcv_wnd(sk);
	uint32_t room = used < cap ? cap - used : 0;

	return room >= 2 * wnd && room - wnd >= 2048;
}

/* Announce the space the reader freed if it matters. */
static void
recv_window(struct dps_sock *sk)
{
	if (recv_window_may(sk))
		(void)sock_kick(sk, &sk->wnd_kick, DPS_MSG_TCP_WND);
}

/* recv_window() for a reader known to run on lcore @owner, the socket's:
 * the TCB is asked there and then, as sock_kick() would, without its
 * second look at the owner and the lcore's id (about 35 instructions a
 * read, bench/callgrind_http.sh). */
static void
recv_window_here(struct dps_sock *sk, int owner)
{
	if (recv_window_may(sk))
		dps_tcp_do_wnd_here(sk->stack->lc[owner], sk);
}

/* Copy queued bytes into @iov; MSG_PEEK leaves them, MSG_TRUNC counts
 * them without a copy (tcp_recvmsg() discards them). *@fault tells
 * that the caller's memory could not be written. */
static size_t
recv_copy(struct dps_sock *sk, const struct iovec *iov, int iovcnt, size_t done,
	size_t want, int flags, bool *fault)
{
	struct rte_mbuf *m = NULL;
	uint32_t off = 0;
	size_t n = 0;
	int i = 0;
	size_t skip = done;
	bool peek = (flags & MSG_PEEK) != 0;

	while (i < iovcnt && skip >= iov[i].iov_len)
		skip -= iov[i++].iov_len;
	if (peek) {
		m = dps_sock_rx_cur(sk);
		off = sk->rx_cur_off;
	}
	while (n < want && i < iovcnt) {
		uint32_t avail;
		size_t k;

		if (!peek) {
			m = recv_head(sk);
			off = sk->rx_cur_off;
		}
		if (m == NULL)
			break;
		avail = m->data_len - off;
		k = iov[i].iov_len - skip;
		if (k > avail)
			k = avail;
		if (k > want - n)
			k = want - n;
		/* tcp_recvmsg(): a chunk that cannot be written is not
		 * consumed, and ends the read. */
		if (!(flags & MSG_TRUNC) &&
				dps_copy_to_user((uint8_t *)iov[i].iov_base + skip,
					rte_pktmbuf_mtod_offset(m, uint8_t *, off), k) != 0) {
			*fault = true;
			break;
		}
		n += k;
		skip += k;
		off += (uint32_t)k;
		if (skip == iov[i].iov_len) {
			skip = 0;
			i++;
		}
		if (peek) {
			if (off == m->data_len) {
				m = NULL;	/* MSG_PEEK sees the first mbuf only */
				break;
			}
			continue;
		}
		sk->rx_cur_off = off;
		if (off == m->data_len) {
			dps_sock_set_rx_cur(sk, NULL);
			dps_sock_rcv_queued_sub(sk, m->data_len);
			rte_pktmbuf_free(m);
		}
	}
	return n;
}

/* tcp_recvmsg(): bytes in order; 0 at end of stream; errors once. */
static ssize_t
tcp_recv(struct dps_sock *sk, const struct iovec *iov, int iovcnt, int flags)
{
	size_t total = iov_total(iov, iovcnt), done = 0;
	bool nonblock = sock_nonblock(sk, flags), peek = (flags & MSG_PEEK) != 0;
	bool fault = false;
	ssize_t rc = 0;

	/* A socket never connected finds no data and state CLOSE below. */
	if (dps_sock_state(sk) == DPS_TCP_LISTEN)
		return -ENOTCONN;
	dps_sock_busy_take(&sk->rx_busy);
	if (peek && dps_sock_rx_cur(sk) == NULL)
		(void)recv_head(sk);
	/* A zero length still waits for data, or reports why there is none
	 * (tcp_recvmsg() aims for at least one byte: sock_rcvlowat()). */
	while (done < total || total == 0) {
		uint8_t shut;
		int err;

		done += recv_copy(sk, iov, iovcnt, done, total - done, flags, &fault);
		if (fault) {
			rc = -EFAULT;
			break;
		}
		if (done == total || (done != 0 && !(flags & MSG_WAITALL)) || peek)
			if (done != 0 || (total == 0 && recv_head(sk) != NULL))
				break;
		err = dps_sock_error_ret(sk);
		if (err != 0) {
			rc = err;
			break;
		}
		shut = dps_sock_shutdown(sk);
		if (shut & DPS_RCV_SHUTDOWN) {
			/* Data queued before the FIN was read above; look again
			 * in case it landed after the check. */
			done += recv_copy(sk, iov, iovcnt, done, total - done, flags,
				&fault);
			if (fault && done == 0)
				rc = -EFAULT;
			break;
		}
		if (dps_sock_state(sk) == DPS_TCP_CLOSE) {
			rc = -ENOTCONN;
			break;
		}
		if (nonblock) {
			rc = -EAGAIN;
			break;
		}
		rc = dps_sock_wait(sk, recv_ready, dps_sock_timeo(sk->opt.rcvtimeo_j));
		if (rc != 0)
			break;
	}
	dps_sock_busy_give(&sk->rx_busy);
	if (!peek && done != 0)
		recv_window(sk);
	return done != 0 ? (ssize_t)done : rc;
}

ssize_t
dps_tcp_sendv(struct dps_sock *sk, const struct iovec *iov, int iovcnt, int flags)
{
	return tcp_send(sk, iov, iovcnt, flags);
}

ssize_t
dps_tcp_recvv(struct dps_sock *sk, const struct iovec *iov, int iovcnt, int flags)
{
	return tcp_recv(sk, iov, iovcnt, flags);
}

/* Zero copy on the owning lcore: @m joins the send buffer as it is. */
ssize_t
dps_tcp_send_mbuf(struct dps_sock *sk, struct rte_mbuf *m)
{
	struct dps_stack *s = sk->stack;
	int owner = dps_sock_owner(sk);
	uint32_t len, q;
	int st;

	if (sk->type != SOCK_STREAM || m == NULL)
		return -EINVAL;
	if (owner < 0 || dps_stack_self(s) != owner)
		return -EPERM;
	st = send_state(sk, true);
	if (st != 0)
		return st < 0 ? st : -ENOTCONN;
	len = m->pkt_len;
	q = dps_sock_snd_queued(sk);
	if (len > sk->opt.sndbuf / 2)
		return -EMSGSIZE;
	if (q + len > sk->opt.sndbuf / 2)
		return -EAGAIN;
	if (!dps_tcp_x_hold(s->lc[owner], sk))
		return -ENOBUFS;	/* the send buffer is in the cold half */
	dps_sock_snd_queued_add(sk, len);
	/* Straight into the send buffer: this is the owner. */
	dps_tcp_do_tx(s->lc[owner], sk, dps_now(s));
	dps_tcb_queue(&sk->tcb, dps_tcp_snd_append(sk, m));
	dps_tcb_mark_push(&sk->tcb);		/* one call, one write */
	dps_tcb_set_more(&sk->tcb, false);	/* which ends without MSG_MORE */
	dps_tcp_after(s->lc[owner], sk, DPS_TCB_OUTPUT, sk->tcb.snd_una, dps_now(s));
	return (ssize_t)len;
}

/* Whether a read now would give more than EAGAIN: an mbuf queued, an
 * error pending or the peer's FIN. A snapshot for the owning lcore: what
 * arrives later comes with its own readable or error callback. */
static bool
recv_more(const struct dps_sock *sk)
{
	struct rte_ring *r = dps_sock_rxq(sk);

	return dps_sock_rx_cur(sk) != NULL || (r != NULL && rte_ring_count(r) != 0) ||
		dps_sock_error(sk) != 0 || (dps_sock_shutdown(sk) & DPS_RCV_SHUTDOWN);
}

/* Zero copy on the owning lcore: the next received mbuf, whole. */
ssize_t
dps_tcp_recv_mbuf(struct dps_sock *sk, struct rte_mbuf **out, bool *more)
{
	int owner = dps_sock_owner(sk);
	struct rte_mbuf *m;
	int err;

	if (more != NULL)
		*more = false;
	if (sk->type != SOCK_STREAM || out == NULL)
		return -EINVAL;
	if (owner < 0 || dps_stack_self(sk->stack) != owner)
		return -EPERM;
	dps_sock_busy_take(&sk->rx_busy);
	m = recv_head(sk);
	if (m != NULL) {
		dps_sock_set_rx_cur(sk, NULL);
		if (sk->rx_cur_off != 0)
			rte_pktmbuf_adj(m, (uint16_t)sk->rx_cur_off);
		dps_sock_rcv_queued_sub(sk, m->data_len + sk->rx_cur_off);
		sk->rx_cur_off = 0;
	}
	dps_sock_busy_give(&sk->rx_busy);
	*out = m;
	if (m != NULL) {
		recv_window_here(sk, owner);
		if (more != NULL)
			*more = recv_more(sk);
		return (ssize_t)m->data_len;
	}
	err = dps_sock_error_ret(sk);
	if (err != 0)
		return err;
	if (dps_sock_shutdown(sk) & DPS_RCV_SHUTDOWN)
		return 0;
	return -EAGAIN;
}

/* shutdown(2) on a stream (inet_shutdown(), tcp_shutdown()). */
int
dps_tcp_shutdown(struct dps_sock *sk, int how)
{
	uint8_t st;
	int rc = 0, owner;

	if (how != SHUT_RD && how != SHUT_WR && how != SHUT_RDWR)
		return -EINVAL;
	st = dps_sock_state(sk);
	if (sk->type != SOCK_STREAM)
		return -EOPNOTSUPP;
	if (st == DPS_TCP_CLOSE || st == DPS_TCP_LISTEN || st == DPS_TCP_SYN_SENT) {
		/* inet_shutdown(): ENOTCONN for a socket that is not
		 * connected; a listener or connecting socket is disconnected
		 * instead in Linux, which this version reports the same way. */
		if (st != DPS_TCP_SYN_SENT)
			return -ENOTCONN;
	}
	if (how != SHUT_WR)
		dps_sock_add_shutdown(sk, DPS_RCV_SHUTDOWN);
	owner = dps_sock_owner(sk);
	if (how != SHUT_RD && owner >= 0) {
		dps_sock_add_shutdown(sk, DPS_SEND_SHUTDOWN);
		rc = dps_sock_lcore_call(sk, (unsigned int)owner, DPS_REQ_SHUTDOWN);
		if (rc == -ENOTCONN)
			rc = 0;
	}
	dps_sock_notify(sk, DPS_CB_NONE);
	return rc;
}

uint32_t
dps_tcp_inq_hint(const struct dps_sock *sk)
{
	uint8_t st = dps_sock_state(sk);
	bool fin = st == DPS_TCP_CLOSE_WAIT || st == DPS_TCP_LAST_ACK ||
		st == DPS_TCP_CLOSING || st == DPS_TCP_TIME_WAIT;

	return dps_tcp_inq(sk) + fin;
}
