/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket options, checked as Linux checks them (sock_setsockopt(),
 * do_tcp_setsockopt(), do_ip_setsockopt(), sock_getsockopt(),
 * do_tcp_getsockopt(), do_ip_getsockopt()).
 */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include "dps_sock_priv.h"
#include "dps_uaccess.h"
#include "dps_sock_lock.h"

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24	/* include/uapi/linux/in.h */
#endif

#define SOCK_MIN_RCVBUF 2304		/* Linux's SOCK_MIN_RCVBUF (x86_64) */
#define SOCK_MIN_SNDBUF 4608		/* Linux's SOCK_MIN_SNDBUF */
#define SOCK_MAX_BUF (4u << 20)		/* net.core.[rw]mem_max on this machine */
#define MAX_TCP_KEEPIDLE 32767
#define MAX_TCP_KEEPCNT 127

#define MAX_TCP_SYNCNT 127
#define TCP_MIN_MSS 88
#define MAX_TCP_WINDOW 32767u
#define DEFER_TIMEOUT_INIT_S 1		/* TCP_TIMEOUT_INIT */
#define DEFER_RTO_MAX_S 120		/* TCP_RTO_MAX */
#define ECN_MASK 3			/* INET_ECN_MASK */

static int
get_int(const void *v, socklen_t len, int *out)
{
	if (len < sizeof(int))
		return -EINVAL;
	return dps_copy_from_user(out, v, sizeof(int));
}

/* sock_set_timeout(): EDOM for a bad tv_usec; a negative time is "do
 * not wait" (Linux warns and takes 0 jiffies); 0 0 is forever; anything
 * else whole jiffies, rounded up (see DPS_TIMEO_HZ). */
static int
set_timeo(const void *v, socklen_t len, uint32_t *j)
{
	const uint64_t us_per_j = 1000000 / DPS_TIMEO_HZ;
	struct timeval tv;
	uint64_t n;

	if (len < sizeof(tv))
		return -EINVAL;
	if (dps_copy_from_user(&tv, v, sizeof(tv)) != 0)
		return -EFAULT;
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		*j = DPS_TIMEO_NOW;
		return 0;
	}
	if ((uint64_t)tv.tv_sec >= (DPS_TIMEO_NOW - 1) / DPS_TIMEO_HZ) {
		*j = DPS_TIMEO_NOW - 1;	/* 198 days: see DPS_TIMEO_HZ */
		return 0;
	}
	n = (uint64_t)tv.tv_sec * DPS_TIMEO_HZ +
		((uint64_t)tv.tv_usec + us_per_j - 1) / us_per_j;
	*j = (uint32_t)n;
	return 0;
}

/* SO_LINGER takes a struct linger. */
static int
set_linger(struct dps_sock *sk, const void *v, socklen_t len)
{
	struct linger l;

	if (len < sizeof(l))
		return -EINVAL;
	if (dps_copy_from_user(&l, v, sizeof(l)) != 0)
		return -EFAULT;
	/* sk_setsockopt(): l_onoff 0 keeps the old time; a time too large
	 * for jiffies (a negative one too, read unsigned) is forever. */
	sk->opt.linger = l.l_onoff != 0;
	if (l.l_onoff != 0)
		sk->opt.linger_s = l.l_linger < 0 ? DPS_LINGER_FOREVER : l.l_linger;
	/* A zero linger makes close() abort with a RST (tcp_close()). */
	dps_sock_set_abort_on_close(sk, sk->opt.linger && sk->opt.linger_s == 0);
	return 0;
}

/*
 * __sock_set_rcvbuf() and SO_SNDBUF: the value read unsigned, at most
 * [rw]mem_max, doubled, at least the minimum. The send and receive
 * paths take half of the figure (dps_tcp_stream.c, dps_tcp_data.c).
 */
static void
set_buf(struct dps_sock *sk, int name, int val)
{
	uint32_t v = (uint32_t)val;

	if (v > SOCK_MAX_BUF)
		v = SOCK_MAX_BUF;
	v *= 2;
	if (name == SO_SNDBUF) {
		sk->opt.sndbuf = v < SOCK_MIN_SNDBUF ? SOCK_MIN_SNDBUF : v;
	} else {
		sk->opt.rcvbuf = v < SOCK_MIN_RCVBUF ? SOCK_MIN_RCVBUF : v;
		/* The SYN's window and scale follow it from now on. */
		dps_sock_set_flag(sk, DPS_OPT_RCVBUF_SET, true);
	}
}

static int
sol_socket_set(struct dps_sock *sk, int name, const void *v, socklen_t len)
{
	int val = 0, rc;

	/* sk_setsockopt() reads an int first, whatever the option. */
	rc = get_int(v, len, &val);
	if (rc != 0)
		return rc;
	if (name == SO_SNDTIMEO || name == SO_RCVTIMEO)
		return set_timeo(v, len, name == SO_SNDTIMEO ?
			&sk->opt.sndtimeo_j : &sk->opt.rcvtimeo_j);
	if (name == SO_LINGER)
		return set_linger(sk, v, len);
	switch (name) {
	case SO_REUSEADDR:
		sk->opt.reuseaddr = val != 0;
		return 0;
	case SO_REUSEPORT:		/* seen by the next bind() and listen() */
		sk->opt.reuseport = val != 0;
		return 0;
	case SO_BROADCAST:
		sk->opt.broadcast = val != 0;
		return 0;
	case SO_KEEPALIVE:
		dps_sock_set_opt(sk, keepalive, val != 0);
		dps_tcp_kick_wnd(sk);		/* the lcore applies it */
		return 0;
	case SO_SNDBUF:
	case SO_RCVBUF:
		set_buf(sk, name, val);
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

/* TCP_CONGESTION takes a name. */
static int
set_cc(struct dps_sock *sk, const void *v, socklen_t len)
{
	char name[16] = { 0 };

	if ((int)len < 1)
		return -EINVAL;
	if (dps_copy_from_user(name, v, len < sizeof(name) - 1 ? len :
			sizeof(name) - 1) != 0)
		return -EFAULT;
	if (strcmp(name, "cubic") == 0)
		sk->opt.cc = DPS_CC_CUBIC;
	else if (strcmp(name, "reno") == 0)
		sk->opt.cc = DPS_CC_NEWRENO;
	else
		return -ENOENT;
	return 0;
}

/*
 * secs_to_retrans() of Linux (TCP_DEFER_ACCEPT): how many SYN-ACK
 * retransmissions, at 1 s doubling up to 120 s, cover @secs seconds.
 */
static uint8_t
defer_secs_to_retrans(int secs)
{
	int timeout = DEFER_TIMEOUT_INIT_S, period = timeout;
	uint8_t res = 1;

	if (secs <= 0)
		return 0;
	while (secs > period && res < UINT8_MAX) {
		res++;
		timeout = timeout * 2 > DEFER_RTO_MAX_S ? DEFER_RTO_MAX_S : timeout * 2;
		period += timeout;
	}
	return res;
}

/* retrans_to_secs(): the seconds @n retransmissions take, as
 * getsockopt(TCP_DEFER_ACCEPT) reports them. */
static int
defer_retrans_to_secs(uint8_t n)
{
	int timeout = DEFER_TIMEOUT_INIT_S, period = n ? timeout : 0;

	while (n > 1) {
		n--;
		timeout = timeout * 2 > DEFER_RTO_MAX_S ? DEFER_RTO_MAX_S : timeout * 2;
		period += timeout;
	}
	return period;
}

/* The options of docs/tcp.md "Socket options" (do_tcp_setsockopt()). */
static int
tcp_set_more(struct dps_sock *sk, int name, int val)
{
	switch (name) {
	case TCP_CORK:
		/* __tcp_sock_set_cork(): uncorking pushes what waits. */
		dps_sock_set_flag(sk, DPS_OPT_CORK, val != 0);
		dps_tcp_kick_wnd(sk);
		return 0;
	case TCP_QUICKACK:
		/* __tcp_sock_set_quickack(): 0 enters pingpong (delayed
		 * ACKs) mode, anything else leaves it and sends an ACK that
		 * is owed. (An even value re-enters pingpong mode after
		 * sending such an ACK in Linux; not here.) */
		dps_sock_set_flag(sk, DPS_OPT_PINGPONG, val == 0);
		if (val != 0)
			dps_sock_set_flag(sk, DPS_OPT_QUICKACK, true);
		dps_tcp_kick_wnd(sk);
		return 0;
	case TCP_INQ:
		if (val < 0 || val > 1)
			return -EINVAL;
		dps_sock_set_flag(sk, DPS_OPT_INQ, val != 0);
		return 0;
	case TCP_NOTSENT_LOWAT:
		dps_sock_set_opt(sk, notsent_lowat, (uint32_t)val);
		dps_sock_notify(sk, DPS_CB_NONE);	/* writability may change */
		return 0;
	case TCP_DEFER_ACCEPT:
		dps_sock_set_opt(sk, defer_accept, defer_secs_to_retrans(val));
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int
tcp_set(struct dps_sock *sk, int name, const void *v, socklen_t len)
{
	int val = 0, rc;

	if (name == TCP_CONGESTION)
		return set_cc(sk, v, len);
	rc = get_int(v, len, &val);
	if (rc != 0)
		return rc;
	switch (name) {
	case TCP_KEEPIDLE:
	case TCP_KEEPINTVL:
		if (val < 1 || val > MAX_TCP_KEEPIDLE)
			return -EINVAL;
		if (name == TCP_KEEPIDLE)
			dps_sock_set_opt(sk, keepidle_s, (uint16_t)val);
		else
			dps_sock_set_opt(sk, keepintvl_s, (uint16_t)val);
		dps_tcp_kick_wnd(sk);
		return 0;
	case TCP_KEEPCNT:
		if (val < 1 || val > MAX_TCP_KEEPCNT)
			return -EINVAL;
		dps_sock_set_opt(sk, keepcnt, (uint8_t)val);
		dps_tcp_kick_wnd(sk);
		return 0;
	case TCP_SYNCNT:
		if (val < 1 || val > MAX_TCP_SYNCNT)
			return -EINVAL;
		sk->opt.syncnt = (uint8_t)val;
		return 0;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			return -EINVAL;
		dps_sock_set_opt(sk, user_timeout_ms, (uint32_t)val);
		dps_tcp_kick_wnd(sk);
		return 0;
	case TCP_NODELAY:
		dps_sock_set_opt(sk, nodelay, val != 0);
		dps_tcp_kick_wnd(sk);
		return 0;
	case TCP_MAXSEG:
		if (val && (val < TCP_MIN_MSS || val > (int)MAX_TCP_WINDOW))
			return -EINVAL;
		sk->opt.maxseg = (uint16_t)val;
		return 0;
	default:
		return tcp_set_more(sk, name, val);
	}
}

/*
 * The value of an IPPROTO_IP flag (do_ip_setsockopt()): an int when
 * optlen holds one, else a single byte, and 0 when optlen is 0.
 */
static int
ip_flag_val(const void *v, socklen_t len, int *out)
{
	unsigned char uc;

	*out = 0;
	if (len == 0)
		return 0;
	if (len >= sizeof(int))
		return dps_copy_from_user(out, v, sizeof(int));
	if (dps_copy_from_user(&uc, v, 1) != 0)
		return -EFAULT;
	*out = uc;
	return 0;
}

/* IPPROTO_IP options, TCP and UDP alike (ip_setsockopt()). */
static int
ip_set(struct dps_sock *sk, int name, const void *v, socklen_t len)
{
	int val, rc;

	switch (name) {
	case IP_BIND_ADDRESS_NO_PORT:
		/* Read by bind() on the application side only. */
		rc = ip_flag_val(v, len, &val);
		if (rc == 0)
			sk->opt.bind_no_port = val != 0;
		return rc;
	case IP_TTL:
		/* -1 is the default again; 0 and above 255 are refused. */
		rc = ip_flag_val(v, len, &val);
		if (rc == 0 && (len == 0 || (val != -1 && (val < 1 || val > 255))))
			rc = -EINVAL;
		if (rc == 0)
			dps_sock_set_opt(sk, ip_ttl, (uint8_t)(val == -1 ? 0 : val));
		return rc;
	case IP_TOS:
		/* __ip_sock_set_tos(): a stream keeps its ECN bits (0). */
		rc = ip_flag_val(v, len, &val);
		if (rc == 0 && sk->type == SOCK_STREAM)
			val &= ~ECN_MASK;
		if (rc == 0)
			dps_sock_set_opt(sk, ip_tos, (uint8_t)val);
		return rc;
	default:
		return -ENOPROTOOPT;
	}
}

/*
 * IPPROTO_IPV6 options of an AF_INET6 socket (do_ipv6_setsockopt()): the
 * value an int when optlen holds one (EFAULT), else 0; then each option
 * wants a whole int (EINVAL). IPV6_V6ONLY cannot change once a port is
 * bound; the hop limit takes -1 (the default again) to 255, the traffic
 * class -1 (0) to 255; IPV6_AUTOFLOWLABEL any value, non-zero for on.
 */
static int
ipv6_set(struct dps_sock *sk, int name, const void *v, socklen_t len)
{
	struct dps_sock6_side *v6 = dps_sock6(sk);
	int val = 0, rc = 0;

	if (name != IPV6_V6ONLY && name != IPV6_UNICAST_HOPS && name != IPV6_TCLASS &&
			name != IPV6_AUTOFLOWLABEL)
		return -ENOPROTOOPT;
	if (v != NULL && len >= sizeof(int))
		rc = dps_copy_from_user(&val, v, sizeof(int));
	if (rc != 0)
		return rc;
	if (len < sizeof(int))
		return -EINVAL;
	switch (name) {
	case IPV6_V6ONLY:
		/* Read by bind() and connect() under the lock: take it (a
		 * stack lcore only tries, as sock_lock() in dps_sock_api.c). */
		if (dps_stack_self(sk->stack) >= 0 && !dps_lock_try(&sk->lock))
			return -EAGAIN;
		if (dps_stack_self(sk->stack) < 0)
			dps_lock_take(&sk->lock);
		if (dps_sock_lport(sk) != 0)
			rc = -EINVAL;
		else
			v6->v6only = val != 0;
		dps_lock_put(&sk->lock);
		return rc;
	case IPV6_UNICAST_HOPS:
		if (val < -1 || val > 255)
			return -EINVAL;
		/* Relaxed: read alone by the next send. */
		__atomic_store_n(&v6->hops, (int16_t)val, __ATOMIC_RELAXED);
		return 0;
	case IPV6_AUTOFLOWLABEL:
		/* Relaxed, as the hop limit: the socket's next segment
		 * carries its label or none (dps_tcp6_xmit()); the option
		 * as set is kept for getsockopt(). */
		__atomic_store_n(&v6->afl_opt, (int8_t)(val != 0), __ATOMIC_RELAXED);
		__atomic_store_n(&v6->afl, dps_ip6_autolabel(sk->stack, (int8_t)(val != 0)),
			__ATOMIC_RELAXED);
		return 0;
	default:	/* IPV6_TCLASS; RFC 3542 6.5: -1 is 0 */
		if (val < -1 || val > 255)
			return -EINVAL;
		/* Relaxed, as the hop limit. */
		__atomic_store_n(&v6->tclass, (uint8_t)(val == -1 ? 0 : val),
			__ATOMIC_RELAXED);
		return 0;
	}
}

int
dps_setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	struct dps_sock *sk = dps_sock_get(fd);
	int rc;

	if (sk == NULL) {
		errno = dps_sock_errno(fd);
		return -1;
	}
	if (level == SOL_SOCKET)
		rc = sol_socket_set(sk, name, v, len);
	else if (level == IPPROTO_TCP && sk->type == SOCK_STREAM)
		rc = tcp_set(sk, name, v, len);
	else if (level == IPPROTO_IP)
		rc = ip_set(sk, name, v, len);
	else if (level == IPPROTO_IPV6 && dps_sock_is6(sk))
		rc = ipv6_set(sk, name, v, len);
	else
		rc = -ENOPROTOOPT;
	return (int)dps_sock_ret(sk, rc);
}

/* Copy @val (@size bytes) out as Linux does: truncated to *len. */
static int
put_val(const void *val, socklen_t size, void *out, socklen_t *len)
{
	socklen_t n;

	if (dps_copy_from_user(&n, len, sizeof(n)) != 0)
		return -EFAULT;
	if ((int)n < 0)
		return -EINVAL;
	if (n > size)
		n = size;
	if (dps_copy_to_user(out, val, n) != 0)
		return -EFAULT;
	return dps_copy_to_user(len, &n, sizeof(n));
}

/* The caller's *@len, read as the getsockopt() handlers read it first:
 * EFAULT, or EINVAL when negative. */
static int
get_len(const socklen_t *len, socklen_t *out)
{
	if (dps_copy_from_user(out, len, sizeof(*out)) != 0)
		return -EFAULT;
	return (int)*out < 0 ? -EINVAL : 0;
}

static int
put_int(int v, void *out, socklen_t *len)
{
	return put_val(&v, sizeof(v), out, len);
}

/*
 * An IPPROTO_IP int as do_ip_getsockopt() returns it: a single byte when
 * the buffer is shorter than an int and the value fits in one.
 */
static int
put_ip_int(int v, void *out, socklen_t *len)
{
	unsigned char uc = (unsigned char)v;
	socklen_t n;

	if (get_len(len, &n) == 0 && n > 0 && n < sizeof(int) && v >= 0 && v <= 255)
		return put_val(&uc, 1, out, len);
	return put_int(v, out, len);
}

/* sock_get_timeout(): forever and "do not wait" both read 0 0. */
static int
put_timeo(uint32_t j, void *out, socklen_t *len)
{
	struct timeval tv = { 0 };
	socklen_t n;

	if (j != DPS_TIMEO_NOW) {
		tv.tv_sec = (time_t)(j / DPS_TIMEO_HZ);
		tv.tv_usec = (suseconds_t)((uint64_t)(j % DPS_TIMEO_HZ) * 1000000 / DPS_TIMEO_HZ);
	}
	if (get_len(len, &n) == 0 && n < sizeof(tv))
		return -EINVAL;
	return put_val(&tv, sizeof(tv), out, len);
}

static int
sol_socket_get(struct dps_sock *sk, int name, void *out, socklen_t *len)
{
	switch (name) {
	case SO_ERROR:
		return put_int(dps_sock_take_error(sk),
			out, len);
	case SO_TYPE:
		return put_int(sk->type, out, len);
	case SO_DOMAIN:
		return put_int(dps_sock_is6(sk) ? AF_INET6 : AF_INET, out, len);
	case SO_PROTOCOL:
		return put_int(sk->proto, out, len);
	case SO_REUSEADDR:
		return put_int(sk->opt.reuseaddr, out, len);
	case SO_REUSEPORT:
		return put_int(sk->opt.reuseport, out, len);
	case SO_BROADCAST:
		return put_int(sk->opt.broadcast, out, len);
	case SO_SNDTIMEO:
		return put_timeo(sk->opt.sndtimeo_j, out, len);
	case SO_RCVTIMEO:
		return put_timeo(sk->opt.rcvtimeo_j, out, len);
	case SO_KEEPALIVE:
		return put_int(dps_sock_opt(sk, keepalive), out, len);
	case SO_SNDBUF:
		return put_int((int)sk->opt.sndbuf, out, len);
	case SO_RCVBUF:
		return put_int((int)sk->opt.rcvbuf, out, len);
	case SO_ACCEPTCONN:
		return put_int(dps_sock_state(sk) ==
			DPS_TCP_LISTEN, out, len);
	case SO_LINGER: {
		struct linger l = { .l_onoff = sk->opt.linger,
			.l_linger = sk->opt.linger_s };

		return put_val(&l, sizeof(l), out, len);
	}
	default:
		return -ENOPROTOOPT;
	}
}

/*
 * TCP_MAXSEG, as Linux's mss_cache: the user's clamp (or 536) before the
 * connection exists; while connecting, that less the 12 bytes of the
 * timestamp option our SYN asked for; once up, the effective MSS less the
 * timestamp option when it was agreed.
 */
static int
tcp_maxseg(const struct dps_sock *sk)
{
	uint8_t st = dps_sock_state(sk);
	int base = sk->opt.maxseg != 0 ? sk->opt.maxseg : DPS_TCP_MSS_DEFAULT;

	if (st == DPS_TCP_CLOSE || st == DPS_TCP_LISTEN)
		return base;
	if (st == DPS_TCP_SYN_SENT)
		return base - DPS_TCP_TS_OPT_LEN;
	return sk->tcb.mss - (sk->tcb.ts_ok ? DPS_TCP_TS_OPT_LEN : 0);
}

/*
 * The figures of TCP_INFO that live in the TCB's cold half, which an idle
 * connection does not hold (they are 0 then). The extension is pool
 * memory that stays mapped; one the lcore gave back meanwhile, maybe to
 * another connection, is caught by its owner no longer being @t.
 */
static void
tcp_info_cold(const struct dps_tcb *t, uint32_t smss, struct tcp_info *ti)
{
	const struct dps_tcb_ext *x = dps_tcb_ext_peek(t);
	uint32_t una = t->snd_una, sacked = 0, lost = 0, retrans = 0;
	bool recovering = t->in_recovery || t->in_loss;

	if (x == NULL || __atomic_load_n(&x->owner, __ATOMIC_ACQUIRE) != t)
		return;
	for (unsigned int i = 0; i < t->n_sacked && i < DPS_TCP_SACKED_MAX; i++)
		sacked += (x->sacked[i].right - x->sacked[i].left + smss - 1) / smss;
	if (recovering)
		lost = (dps_seq_gt(x->lost_edge, una) ? x->lost_edge - una : 0) / smss;
	if (recovering && dps_seq_gt(x->high_rxt, una))
		retrans = (x->high_rxt - una + smss - 1) / smss;
	/* Acquire fence: the reads above happen before the owner is read
	 * again, so a hand-over while they ran is seen (a seqlock's reader). */
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (dps_tcb_ext_peek(t) != x || __atomic_load_n(&x->owner, __ATOMIC_RELAXED) != t)
		return;		/* given back while we read */
	ti->tcpi_sacked = sacked;
	ti->tcpi_lost = lost;
	ti->tcpi_retrans = retrans;
}

/*
 * TCP_INFO: Linux's struct tcp_info, filled from the TCB. The lcore keeps
 * writing while this reads, so the figures are a snapshot that may mix
 * two moments, as ss(8) output may.
 */
static int
tcp_info_get(const struct dps_sock *sk, void *out, socklen_t *len)
{
	const struct dps_tcb *t = &sk->tcb;
	uint32_t smss = t->mss != 0 ? dps_tcb_smss(t) : DPS_TCP_MSS_DEFAULT;
	struct tcp_info ti;
	uint8_t st = dps_sock_state(sk);

	memset(&ti, 0, sizeof(ti));
	ti.tcpi_state = st;
	ti.tcpi_retransmits = t->retransmits;
	ti.tcpi_probes = t->probes;
	if (t->ts_ok)
		ti.tcpi_options |= TCPI_OPT_TIMESTAMPS;
	if (t->sack_ok)
		ti.tcpi_options |= TCPI_OPT_SACK;
	if (t->ws_ok) {
		ti.tcpi_options |= TCPI_OPT_WSCALE;
		ti.tcpi_snd_wscale = t->snd_wscale & 0xf;
		ti.tcpi_rcv_wscale = t->rcv_wscale & 0xf;
	}
	/* Linux cuts only a listener short; a closed connection keeps its
	 * last figures. */
	if (st == DPS_TCP_LISTEN || t->mss == 0)
		return put_val(&ti, sizeof(ti), out, len);
	ti.tcpi_rto = t->rto_us;
	ti.tcpi_snd_mss = smss;
	ti.tcpi_rcv_mss = t->rcv_mss;
	ti.tcpi_unacked = (dps_tcb_flight(t) + smss - 1) / smss;
	tcp_info_cold(t, smss, &ti);
	ti.tcpi_rtt = t->srtt_us8 / 8;
	ti.tcpi_rttvar = t->rttvar_us4 / 4;
	ti.tcpi_snd_ssthresh = t->ssthresh >= UINT32_MAX / 2 ? 0x7fffffff : t->ssthresh / smss;
	ti.tcpi_snd_cwnd = t->cwnd / smss;
	ti.tcpi_advmss = t->adv_mss;
	ti.tcpi_rcv_space = t->rcv_space;
	ti.tcpi_total_retrans = t->retrans_total;
	ti.tcpi_last_data_recv = 0;
	return put_val(&ti, sizeof(ti), out, len);
}

static int
tcp_get(struct dps_sock *sk, int name, void *out, socklen_t *len)
{
	switch (name) {
	case TCP_SYNCNT:
		return put_int(sk->opt.syncnt ? sk->opt.syncnt : DPS_TCP_SYN_RETRIES,
			out, len);
	case TCP_USER_TIMEOUT:
		return put_int((int)dps_sock_opt(sk, user_timeout_ms), out, len);
	case TCP_NODELAY:
		return put_int(dps_sock_opt(sk, nodelay), out, len);
	case TCP_MAXSEG:
		return put_int(tcp_maxseg(sk), out, len);
	case TCP_KEEPIDLE:
		return put_int(dps_tcp_keepidle_s(dps_sock_opt(sk, keepidle_s)), out, len);
	case TCP_KEEPINTVL:
		return put_int(dps_tcp_keepintvl_s(dps_sock_opt(sk, keepintvl_s)), out, len);
	case TCP_KEEPCNT:
		return put_int(dps_tcp_keepcnt(dps_sock_opt(sk, keepcnt)), out, len);
	case TCP_CONGESTION: {
		const char *n = sk->opt.cc == DPS_CC_NEWRENO ? "reno" : "cubic";
		char buf[16] = { 0 };

		strcpy(buf, n);
		return put_val(buf, sizeof(buf), out, len);
	}
	case TCP_INFO:
		return tcp_info_get(sk, out, len);
	case TCP_CORK:
		return put_int(dps_sock_flag(sk, DPS_OPT_CORK), out, len);
	case TCP_QUICKACK:
		return put_int(!dps_sock_flag(sk, DPS_OPT_PINGPONG), out, len);
	case TCP_INQ:
		return put_int(dps_sock_flag(sk, DPS_OPT_INQ), out, len);
	case TCP_NOTSENT_LOWAT:
		return put_int((int)dps_sock_opt(sk, notsent_lowat), out, len);
	case TCP_DEFER_ACCEPT:
		return put_int(defer_retrans_to_secs(dps_sock_opt(sk, defer_accept)),
			out, len);
	default:
		return -ENOPROTOOPT;
	}
}

static int
ip_get(struct dps_sock *sk, int name, void *out, socklen_t *len)
{
	switch (name) {
	case IP_BIND_ADDRESS_NO_PORT:
		return put_ip_int(sk->opt.bind_no_port, out, len);
	case IP_TTL:
		return put_ip_int(dps_sock_ip_ttl(sk), out, len);
	case IP_TOS:
		return put_ip_int(dps_sock_opt(sk, ip_tos), out, len);
	default:
		return -ENOPROTOOPT;
	}
}

/* do_ipv6_getsockopt(): the hop limit reads 64 while it is the default;
 * IPV6_AUTOFLOWLABEL the option as set, else the stack's default. */
static int
ipv6_get(struct dps_sock *sk, int name, void *out, socklen_t *len)
{
	const struct dps_sock6_side *v6 = dps_sock6_c(sk);
	int hops;

	switch (name) {
	case IPV6_V6ONLY:
		return put_int(v6->v6only, out, len);
	case IPV6_UNICAST_HOPS:
		/* Relaxed: a value on its own (ipv6_set()). */
		hops = __atomic_load_n(&v6->hops, __ATOMIC_RELAXED);
		return put_int(hops < 0 ? 64 : hops, out, len);
	case IPV6_TCLASS:
		return put_int(__atomic_load_n(&v6->tclass, __ATOMIC_RELAXED), out, len);
	case IPV6_AUTOFLOWLABEL:
		/* ip6_autoflowlabel(): the option, or the stack's default. */
		return put_int(dps_ip6_autolabel_opt(sk->stack,
			__atomic_load_n(&v6->afl_opt, __ATOMIC_RELAXED)), out, len);
	default:
		return -ENOPROTOOPT;
	}
}

int
dps_getsockopt(int fd, int level, int name, void *out, socklen_t *len)
{
	struct dps_sock *sk = dps_sock_get(fd);
	int rc;

	socklen_t n;

	if (sk == NULL) {
		errno = dps_sock_errno(fd);
		return -1;
	}
	/* Every handler reads the length first (EFAULT, EINVAL), and then
	 * looks at the name. */
	if (dps_sock_is6(sk) && level != SOL_SOCKET && level != IPPROTO_IP &&
			level != IPPROTO_IPV6 && !(level == IPPROTO_TCP && sk->type == SOCK_STREAM))
		rc = -ENOPROTOOPT;	/* ipv6_getsockopt(): not SOL_IPV6 */
	else if (!dps_sock_is6(sk) && level != SOL_SOCKET && level != IPPROTO_IP &&
			!(level == IPPROTO_TCP && sk->type == SOCK_STREAM))
		rc = -EOPNOTSUPP;	/* ip_getsockopt(): not SOL_IP */
	else
		rc = get_len(len, &n);
	if (rc == 0 && level == SOL_SOCKET)
		rc = sol_socket_get(sk, name, out, len);
	else if (rc == 0 && level == IPPROTO_TCP)
		rc = tcp_get(sk, name, out, len);
	else if (rc == 0 && level == IPPROTO_IPV6)
		rc = ipv6_get(sk, name, out, len);
	else if (rc == 0)
		rc = ip_get(sk, name, out, len);
	return (int)dps_sock_ret(sk, rc);
}
