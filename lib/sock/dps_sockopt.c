/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Socket options, checked as Linux checks them (sock_setsockopt(),
 * do_tcp_setsockopt(), sock_getsockopt(), do_tcp_getsockopt()).
 */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include "dps_sock.h"

#define SO_NS_PER_US 1000ull
#define SO_NS_PER_S 1000000000ull
#define MAX_TCP_SYNCNT 127
#define TCP_MIN_MSS 88
#define MAX_TCP_WINDOW 32767u

static int
get_int(const void *v, socklen_t len, int *out)
{
	if (len < sizeof(int))
		return -EINVAL;
	if (v == NULL)
		return -EFAULT;
	memcpy(out, v, sizeof(int));
	return 0;
}

/* sock_set_timeout(): EDOM for a bad tv_usec; negative means 0 (no wait
 * at all is not expressible, so Linux takes it as "don't wait"); 0 0 is
 * forever. */
static int
set_timeo(const void *v, socklen_t len, uint64_t *ns)
{
	struct timeval tv;

	if (len < sizeof(tv))
		return -EINVAL;
	if (v == NULL)
		return -EFAULT;
	memcpy(&tv, v, sizeof(tv));
	if (tv.tv_usec < 0 || tv.tv_usec >= 1000000)
		return -EDOM;
	if (tv.tv_sec < 0) {
		*ns = 1;		/* expires at once */
		return 0;
	}
	*ns = (uint64_t)tv.tv_sec * SO_NS_PER_S + (uint64_t)tv.tv_usec * SO_NS_PER_US;
	return 0;
}

static int
sol_socket_set(struct dps_sock *sk, int name, const void *v, socklen_t len)
{
	int val = 0, rc;

	if (name == SO_SNDTIMEO || name == SO_RCVTIMEO)
		return set_timeo(v, len, name == SO_SNDTIMEO ?
			&sk->opt.sndtimeo_ns : &sk->opt.rcvtimeo_ns);
	rc = get_int(v, len, &val);
	if (rc != 0)
		return rc;
	switch (name) {
	case SO_REUSEADDR:
		sk->opt.reuseaddr = val != 0;
		return 0;
	case SO_BROADCAST:
		sk->opt.broadcast = val != 0;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

static int
tcp_set(struct dps_sock *sk, int name, const void *v, socklen_t len)
{
	int val = 0, rc = get_int(v, len, &val);

	if (rc != 0)
		return rc;
	switch (name) {
	case TCP_SYNCNT:
		if (val < 1 || val > MAX_TCP_SYNCNT)
			return -EINVAL;
		sk->opt.syncnt = (uint8_t)val;
		return 0;
	case TCP_USER_TIMEOUT:
		if (val < 0)
			return -EINVAL;
		sk->opt.user_timeout_ms = (uint32_t)val;
		return 0;
	case TCP_NODELAY:
		sk->opt.nodelay = val != 0;
		return 0;
	case TCP_MAXSEG:
		if (val && (val < TCP_MIN_MSS || val > (int)MAX_TCP_WINDOW))
			return -EINVAL;
		sk->opt.maxseg = (uint16_t)val;
		return 0;
	default:
		return -ENOPROTOOPT;
	}
}

int
dps_setsockopt(int fd, int level, int name, const void *v, socklen_t len)
{
	struct dps_sock *sk = dps_sock_get(fd);
	int rc;

	if (sk == NULL) {
		errno = EBADF;
		return -1;
	}
	if (level == SOL_SOCKET)
		rc = sol_socket_set(sk, name, v, len);
	else if (level == IPPROTO_TCP && sk->type == SOCK_STREAM)
		rc = tcp_set(sk, name, v, len);
	else
		rc = -ENOPROTOOPT;
	return (int)dps_sock_ret(sk, rc);
}

/* Copy @val (@size bytes) out as Linux does: truncated to *len. */
static int
put_val(const void *val, socklen_t size, void *out, socklen_t *len)
{
	socklen_t n;

	if (len == NULL)
		return -EFAULT;
	if ((int)*len < 0)
		return -EINVAL;
	n = *len < size ? *len : size;
	if (n != 0 && out == NULL)
		return -EFAULT;
	memcpy(out, val, n);
	*len = n;
	return 0;
}

static int
put_int(int v, void *out, socklen_t *len)
{
	return put_val(&v, sizeof(v), out, len);
}

static int
put_timeo(uint64_t ns, void *out, socklen_t *len)
{
	struct timeval tv = {
		.tv_sec = (time_t)(ns / SO_NS_PER_S),
		.tv_usec = (suseconds_t)((ns % SO_NS_PER_S) / SO_NS_PER_US),
	};

	if (len != NULL && (int)*len >= 0 && *len < sizeof(tv))
		return -EINVAL;
	return put_val(&tv, sizeof(tv), out, len);
}

static int
sol_socket_get(struct dps_sock *sk, int name, void *out, socklen_t *len)
{
	switch (name) {
	case SO_ERROR:
		return put_int(__atomic_exchange_n(&sk->so_error, 0, __ATOMIC_SEQ_CST),
			out, len);
	case SO_TYPE:
		return put_int(sk->type, out, len);
	case SO_DOMAIN:
		return put_int(AF_INET, out, len);
	case SO_PROTOCOL:
		return put_int(sk->proto, out, len);
	case SO_REUSEADDR:
		return put_int(sk->opt.reuseaddr, out, len);
	case SO_BROADCAST:
		return put_int(sk->opt.broadcast, out, len);
	case SO_SNDTIMEO:
		return put_timeo(sk->opt.sndtimeo_ns, out, len);
	case SO_RCVTIMEO:
		return put_timeo(sk->opt.rcvtimeo_ns, out, len);
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
	uint8_t st = __atomic_load_n(&sk->state, __ATOMIC_ACQUIRE);
	int base = sk->opt.maxseg != 0 ? sk->opt.maxseg : DPS_TCP_MSS_DEFAULT;

	if (st == DPS_TCP_CLOSE || st == DPS_TCP_LISTEN)
		return base;
	if (st == DPS_TCP_SYN_SENT)
		return base - DPS_TCP_TS_OPT_LEN;
	return sk->tcb.mss - (sk->tcb.ts_ok ? DPS_TCP_TS_OPT_LEN : 0);
}

static int
tcp_get(struct dps_sock *sk, int name, void *out, socklen_t *len)
{
	switch (name) {
	case TCP_SYNCNT:
		return put_int(sk->opt.syncnt ? sk->opt.syncnt : DPS_TCP_SYN_RETRIES,
			out, len);
	case TCP_USER_TIMEOUT:
		return put_int((int)sk->opt.user_timeout_ms, out, len);
	case TCP_NODELAY:
		return put_int(sk->opt.nodelay, out, len);
	case TCP_MAXSEG:
		return put_int(tcp_maxseg(sk), out, len);
	default:
		return -ENOPROTOOPT;
	}
}

int
dps_getsockopt(int fd, int level, int name, void *out, socklen_t *len)
{
	struct dps_sock *sk = dps_sock_get(fd);
	int rc;

	if (sk == NULL) {
		errno = EBADF;
		return -1;
	}
	if (level == SOL_SOCKET)
		rc = sol_socket_get(sk, name, out, len);
	else if (level == IPPROTO_TCP && sk->type == SOCK_STREAM)
		rc = tcp_get(sk, name, out, len);
	else if (level == IPPROTO_IP)
		rc = -ENOPROTOOPT;
	else
		rc = -EOPNOTSUPP;	/* ip_getsockopt(): not SOL_IP */
	return (int)dps_sock_ret(sk, rc);
}
