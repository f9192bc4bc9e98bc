/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The application side of the socket calls: creation, bind, connect with
 * Linux's semantics (net/socket.c, net/ipv4/af_inet.c, tcp_ipv4.c,
 * datagram.c), names, options, close. docs/connect.md maps connect() onto
 * the seed step by step.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <rte_lcore.h>
#include <rte_mempool.h>
#include <rte_malloc.h>
#include <rte_byteorder.h>
#include "dps_sock_priv.h"
#include "dps_sock_lock.h"

static int
fail(int err)
{
	errno = err;
	return -1;
}

/* Finish a call: drop the reference and return @rc as the libc would
 * (@rc is 0, a positive result, or a negative errno). */
ssize_t
dps_sock_rc(ssize_t rc)
{
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	return rc;
}

ssize_t
dps_sock_ret(struct dps_sock *sk, ssize_t rc)
{
	dps_sock_put(sk);
	return dps_sock_rc(rc);
}

static int
done(struct dps_sock *sk, int rc)
{
	return (int)dps_sock_ret(sk, rc);
}

/* Take the socket lock (dps_sock_lock.h); a stack lcore only tries it. */
static int
sock_lock(struct dps_sock *sk)
{
	if (dps_stack_self(sk->stack) >= 0)
		return dps_lock_try(&sk->lock) ? 0 : -EAGAIN;
	dps_lock_take(&sk->lock);
	return 0;
}

int
dps_socket_on(struct dps_stack *s, int domain, int type, int protocol)
{
	int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	struct dps_sock *sk;
	int proto, fd;

	struct dps_pool *pool;

	if (s == NULL || dps_socks(s) == NULL || dps_socks(s)->pool == NULL)
		return fail(ENODEV);
	if (domain != AF_INET && domain != AF_INET6)
		return fail(EAFNOSUPPORT);
	if (base != SOCK_STREAM && base != SOCK_DGRAM)
		return fail(base == SOCK_RAW || base == SOCK_SEQPACKET ?
			ESOCKTNOSUPPORT : EINVAL);
	proto = base == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP;
	if (protocol != 0 && protocol != proto)
		return fail(EPROTONOSUPPORT);
	pool = domain == AF_INET6 ? dps_socks(s)->pool6 : dps_socks(s)->pool;
	sk = dps_pool_get(pool);
	if (sk == NULL)
		return fail(ENOBUFS);
	dps_sock_init(sk, s, base, proto, (type & SOCK_NONBLOCK) != 0);
	if (domain == AF_INET6)
		dps_sock6_init(sk);
	if (base == SOCK_DGRAM && dps_udp_rxq_init(sk) != 0) {
		dps_pool_put(pool, sk);
		return fail(ENOBUFS);
	}
	fd = dps_fd_alloc(&sk->obj);
	if (fd < 0) {
		int err = errno;

		dps_obj_set_refs(&sk->obj, 0);
		dps_pool_put(pool, sk);
		return fail(err);
	}
	return fd;
}

int
dps_socket(int domain, int type, int protocol)
{
	return dps_socket_on(dps_sock_default_stack(),
		domain, type, protocol);
}

int
dps_getsockname(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct dps_sock *sk = dps_sock_get(fd);
	uint16_t port;

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	if (dps_sock_is6(sk))
		return done(sk, dps_sock6_name(sk, false, addr, len));
	port = dps_sock_lport(sk);
	if (port == 0 && sk->type == SOCK_STREAM)
		port = sk->old_sport;
	return done(sk, dps_put_name(dps_sock_laddr(sk),
		port, addr, len));
}

/* inet_getname(peer): ENOTCONN unless connected, or connecting (SYN_SENT
 * counts, as in Linux: only TCP_CLOSE and TCP_SYN_SENT with peer == 1). */
int
dps_getpeername(int fd, struct sockaddr *addr, socklen_t *len)
{
	struct dps_sock *sk = dps_sock_get(fd);
	uint8_t state;

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	if (dps_sock_is6(sk))
		return done(sk, dps_sock6_name(sk, true, addr, len));
	state = dps_sock_state(sk);
	if (sk->tup.rport == 0 || state == DPS_TCP_CLOSE || state == DPS_TCP_LISTEN ||
			(state == DPS_TCP_SYN_SENT && sk->type == SOCK_STREAM))
		return done(sk, -ENOTCONN);
	return done(sk, dps_put_name(sk->tup.raddr, sk->tup.rport, addr, len));
}

/*
 * inet_bind() / __inet_bind(). A second bind() is refused once a port is
 * held (inet_num != 0), so after an address-only bind (the option above)
 * it is allowed, as in Linux.
 */
static int
sock_bind(struct dps_sock *sk, const struct sockaddr_storage *a, socklen_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)a;
	uint32_t addr = sin->sin_addr.s_addr;
	uint16_t port = rte_be_to_cpu_16(sin->sin_port);
	int rc;

	if (len < sizeof(*sin))
		return -EINVAL;
	if (sin->sin_family != AF_INET &&
			!(sin->sin_family == AF_UNSPEC && addr == INADDR_ANY))
		return -EAFNOSUPPORT;
	if (addr != INADDR_ANY && !dps_ip_is_ours(sk->stack, addr) &&
			addr != INADDR_BROADCAST)
		return -EADDRNOTAVAIL;
	if (dps_sock_lport(sk) != 0 || dps_sock_state(sk) != DPS_TCP_CLOSE)
		return -EINVAL;
	/* IP_BIND_ADDRESS_NO_PORT with port 0 binds the address alone:
	 * __inet_bind() skips get_port(), and connect() (or listen(), or a
	 * UDP send) takes the port later with the destination known. */
	if (port != 0 || !sk->opt.bind_no_port) {
		rc = dps_sock_bind_port(sk, port);
		if (rc != 0)
			return rc;
		dps_sock_set_explicit_bind(sk, true);
	}
	dps_sock_set_laddr(sk, addr);
	if (addr != INADDR_ANY)
		sk->userlocks |= DPS_BINDADDR_LOCK;
	if (port != 0)
		sk->userlocks |= DPS_BINDPORT_LOCK;
	return 0;
}

int
dps_bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct dps_sock *sk = dps_sock_get(fd);
	struct sockaddr_storage a;
	int rc;

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	rc = dps_copy_addr(addr, len, &a);
	if (rc == 0)
		rc = sock_lock(sk);
	if (rc == 0) {
		rc = dps_sock_is6(sk) ? dps_sock6_bind(sk, &a, len) : sock_bind(sk, &a, len);
		dps_lock_put(&sk->lock);
	}
	return done(sk, rc);
}

/*
 * Give the port back (the socket is closing or disconnecting). A closing
 * stream socket whose connection lives on keeps the port held for it, as
 * a connection hold (bind_hold) that its TIME_WAIT entry takes over or
 * its last reference gives back: Linux keeps the orphan, and then the
 * time-wait socket, in the port's bind bucket.
 */
static void
sock_unbind(struct dps_sock *sk, bool closing)
{
	struct dps_sockets *ss = dps_socks(sk->stack);
	uint16_t port = rte_be_to_cpu_16(dps_sock_lport(sk));
	uint8_t st = dps_sock_state_sc(sk);

	if (port == 0)
		return;
	if (sk->type == SOCK_DGRAM) {
		dps_port_unbind_udp(ss, sk, port);
	} else if (dps_sock_explicit_bind(sk)) {
		if (closing && st != DPS_TCP_CLOSE && st != DPS_TCP_LISTEN)
			dps_sock_set_bind_hold(sk, dps_sock_port_hold(sk));
		dps_sock_port_unbind_tcp(sk);
	}
	dps_sock_set_explicit_bind(sk, false);
}

/* inet_listen(), under the socket lock. */
static int
listen_locked(struct dps_sock *sk, int backlog)
{
	uint8_t st = dps_sock_state(sk);
	int rc = 0;

	if (dps_sock_ss(sk) != DPS_SS_UNCONNECTED ||
			(st != DPS_TCP_CLOSE && st != DPS_TCP_LISTEN))
		return -EINVAL;
	if (st == DPS_TCP_LISTEN)
		return dps_tcp_listen_start(sk, backlog);
	/* Linux 6.18: a socket that has tried to connect never listens. */
	if (sk->roles & DPS_ROLE_CONNECTED)
		return -EINVAL;
	if (dps_sock_lport(sk) == 0)
		rc = dps_sock_bind_port(sk, 0);
	if (rc == 0) {
		dps_sock_set_explicit_bind(sk, true);
		if (!dps_sock_port_listen(sk))
			rc = -EADDRINUSE;
	}
	if (rc == 0) {
		rc = dps_tcp_listen_start(sk, backlog);
		if (rc != 0)
			dps_sock_port_unlisten(sk);
	}
	if (rc == 0) {
		sk->roles |= DPS_ROLE_LISTENED;
		dps_sock_publish_state(sk, DPS_TCP_LISTEN);
	}
	return rc;
}

int
dps_listen(int fd, int backlog)
{
	struct dps_sock *sk = dps_sock_get(fd);
	int rc;

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	if (sk->type != SOCK_STREAM)
		return done(sk, -EOPNOTSUPP);
	rc = sock_lock(sk);
	if (rc == 0) {
		rc = listen_locked(sk, backlog);
		dps_lock_put(&sk->lock);
	}
	return done(sk, rc);
}

/* ---- connect ---- */

/* Which lcore runs a connect: the caller's own when it is a stack lcore
 * (run-to-completion users keep their connections), else round robin
 * per thread; a bound port leaves no choice: the tuple's owner. */
static __rte_always_inline unsigned int
connect_owner(struct dps_sock *sk)
{
	static __thread unsigned int rr;
	struct dps_stack *s = sk->stack;
	int self = dps_stack_self(s);

	if (dps_sock_lport(sk) != 0) {
		struct dps_tuple t = sk->tup;

		if (t.laddr == 0)
			t.laddr = dps_ip_source_for(s, t.raddr);
		return dps_flow_owner(dps_socks(s), &t);
	}
	if (self >= 0)
		return (unsigned int)self;
	return rr++ % s->n_lcores;
}

/* tcp_v4_connect(): checks, then the lcore's part. Called locked.
 * Inlined into its caller, as it was before dps_stream_connect4() (an
 * AF_INET6 socket's v4-mapped connect) called it too: out of line it
 * cost 19 instructions a connect (callgrind_http.sh). */
static __rte_always_inline int
tcp_connect_start(struct dps_sock *sk, const struct sockaddr_in *sin,
	socklen_t len)
{
	unsigned int owner;
	int rc;

	if (len < sizeof(*sin))
		return -EINVAL;
	if (sin->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	rc = dps_route_check(sk, sin->sin_addr.s_addr);
	if (rc != 0)
		return rc;
	/* Linux 6.18 refuses it past the route lookup (a listener's
	 * unreachable connect() is still ENETUNREACH). */
	if (sk->roles & DPS_ROLE_LISTENED)
		return -EINVAL;
	sk->roles |= DPS_ROLE_CONNECTED;
	sk->tup.raddr = sin->sin_addr.s_addr;
	sk->tup.rport = sin->sin_port;
	owner = connect_owner(sk);
	rc = dps_sock_lcore_call(sk, owner, DPS_REQ_CONNECT);
	if (rc != 0) {
		sk->tup.raddr = 0;
		sk->tup.rport = 0;
	}
	return rc;
}

int
dps_stream_connect4(struct dps_sock *sk, const struct sockaddr_in *sin,
	socklen_t len)
{
	return tcp_connect_start(sk, sin, len);
}

static bool
tcp_not_syn(struct dps_sock *sk)
{
	uint8_t st = dps_sock_state_sc(sk);

	return st != DPS_TCP_SYN_SENT && st != DPS_TCP_SYN_RECV;
}

/*
 * What is left after a failed or aborted connection (tcp_disconnect() on
 * the application side): the peer is forgotten and, unless bind() set
 * them, the local address and port too.
 */
static void
tcp_forget(struct dps_sock *sk)
{
	sk->tup.raddr = 0;
	sk->tup.rport = 0;
	dps_sock_set_owner(sk, -1);
	if (dps_sock_is6(sk))
		dps_sock6_disconnect(sk);
	if (!(sk->userlocks & DPS_BINDADDR_LOCK))
		dps_sock_set_laddr(sk, 0);
	if (!(sk->userlocks & DPS_BINDPORT_LOCK) && !dps_sock_explicit_bind(sk)) {
		/* The port is released, but Linux's getsockname keeps showing
		 * it (inet_sport is not cleared) until the next connect. */
		if (dps_sock_lport(sk) != 0)
			sk->old_sport = dps_sock_lport(sk);
		dps_sock_set_lport(sk, 0);
	}
	dps_sock_publish_shutdown(sk, 0);
}

/* AF_UNSPEC on a stream: tcp_disconnect(). Called locked. */
static int
tcp_disconnect(struct dps_sock *sk)
{
	uint8_t st = dps_sock_state_sc(sk);

	sk->disconnects++;
	if (st == DPS_TCP_LISTEN) {
		dps_sock_port_unlisten(sk);
		dps_sock_publish_state(sk, DPS_TCP_CLOSE);
		dps_tcp_listen_stop(sk);
		/* tcp_set_state(TCP_CLOSE) puts the port back unless bind()
		 * named it; getsockname goes on showing it (tcp_forget()). */
		if (!(sk->userlocks & DPS_BINDPORT_LOCK))
			sock_unbind(sk, false);
	} else if (dps_sock_owner(sk) >= 0 && st != DPS_TCP_CLOSE) {
		int rc = dps_sock_lcore_call(sk, (unsigned int)dps_sock_owner(sk),
			DPS_REQ_DISCONNECT);

		if (rc != 0)
			return rc;
	}
	tcp_forget(sk);
	dps_sock_set_ss(sk, DPS_SS_UNCONNECTED);
	return 0;
}

/*
 * inet_wait_for_connect(): sleep, unlocked, until the handshake is over.
 * Returns 0, -EAGAIN when SO_SNDTIMEO ran out first, -EPIPE when another
 * thread disconnected the attempt meanwhile (Linux's sk_disconnects
 * check: the first waiter to see a failed attempt reports its error, the
 * others EPIPE), or -ESHUTDOWN.
 */
static int
connect_wait(struct dps_sock *sk)
{
	uint8_t dis = sk->disconnects;
	int rc = 0;

	while (rc == 0 && !tcp_not_syn(sk)) {
		dps_lock_put(&sk->lock);
		rc = dps_sock_wait(sk, tcp_not_syn, dps_sock_timeo(sk->opt.sndtimeo_j));
		dps_lock_take(&sk->lock);
	}
	if (rc == 0 && dis != sk->disconnects)
		rc = -EPIPE;
	return rc;
}

/*
 * The end of __inet_stream_connect(): SS_CONNECTED, or the error that
 * closed the attempt (sock_error()), which disconnects it.
 */
static int
connect_finish(struct dps_sock *sk)
{
	int err;

	if (dps_sock_state_sc(sk) != DPS_TCP_CLOSE) {
		dps_sock_set_ss(sk, DPS_SS_CONNECTED);
		return 0;
	}
	err = dps_sock_error_ret(sk);
	sk->disconnects++;
	tcp_forget(sk);
	dps_sock_set_ss(sk, DPS_SS_UNCONNECTED);
	return err != 0 ? err : -ECONNABORTED;
}

/* __inet_stream_connect(), under the socket lock. */
static int
stream_connect_locked(struct dps_sock *sk, const struct sockaddr_storage *a,
	socklen_t len, bool nonblock)
{
	int err, rc;

	if (a->ss_family == AF_UNSPEC)
		return tcp_disconnect(sk);
	switch (dps_sock_ss(sk)) {
	case DPS_SS_CONNECTED:
		return -EISCONN;
	case DPS_SS_CONNECTING:
		err = -EALREADY;
		break;
	case DPS_SS_UNCONNECTED:
		if (dps_sock_state_sc(sk) != DPS_TCP_CLOSE)
			return -EISCONN;
		rc = dps_sock_is6(sk) ? dps_sock6_stream_connect(sk, a, len) :
			tcp_connect_start(sk, (const struct sockaddr_in *)a, len);
		if (rc != 0)
			return rc;
		dps_sock_set_ss(sk, DPS_SS_CONNECTING);
		/* Linux holds the socket lock from the SYN to the state
		 * test below, so a non-blocking connect that just sent its
		 * SYN always sees SYN_SENT, however fast the answer. */
		if (nonblock)
			return -EINPROGRESS;
		err = -EINPROGRESS;
		break;
	default:
		return -EINVAL;
	}
	if (!tcp_not_syn(sk)) {
		if (nonblock)
			return err;
		rc = connect_wait(sk);
		if (rc == -EAGAIN)
			return err;	/* SO_SNDTIMEO expired */
		if (rc != 0)
			return rc;
	}
	return connect_finish(sk);
}

static int
stream_connect(struct dps_sock *sk, const struct sockaddr_storage *a,
	socklen_t len)
{
	bool nonblock = (dps_sock_fflags(sk) & O_NONBLOCK) ||
		dps_stack_self(sk->stack) >= 0;
	int rc;

	if (len < sizeof(a->ss_family))
		return -EINVAL;
	rc = sock_lock(sk);
	if (rc != 0)
		return rc;
	rc = stream_connect_locked(sk, a, len, nonblock);
	dps_lock_put(&sk->lock);
	return rc;
}

/* udp_disconnect(). */
int
dps_dgram_disconnect(struct dps_sock *sk)
{
	sk->tup.raddr = 0;
	sk->tup.rport = 0;
	dps_sock_publish_state(sk, DPS_TCP_CLOSE);
	if (dps_sock_is6(sk))
		dps_sock6_disconnect(sk);
	if (!(sk->userlocks & DPS_BINDADDR_LOCK))
		dps_sock_set_laddr(sk, 0);
	if (!(sk->userlocks & DPS_BINDPORT_LOCK)) {
		sock_unbind(sk, false);
		dps_sock_set_lport(sk, 0);
	}
	return 0;
}

/* inet_dgram_connect(): AF_UNSPEC disconnects (udp_disconnect()), then
 * autobind, then the family's address: __ip4_datagram_connect() or
 * __ip6_datagram_connect(). */
static int
dgram_connect(struct dps_sock *sk, const struct sockaddr_storage *a, socklen_t len)
{
	if (len < sizeof(a->ss_family))
		return -EINVAL;
	if (a->ss_family == AF_UNSPEC)
		return dps_dgram_disconnect(sk);
	if (dps_sock_lport(sk) == 0 && dps_sock_bind_port(sk, 0) != 0)
		return -EAGAIN;
	return dps_sock_is6(sk) ? dps_sock6_connect(sk, a, len) :
		dps_dgram_connect4(sk, a, len);
}

/* __ip4_datagram_connect(). */
int
dps_dgram_connect4(struct dps_sock *sk, const struct sockaddr_storage *a, socklen_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)a;
	int rc;

	if (len < sizeof(*sin))
		return -EINVAL;
	if (sin->sin_family != AF_INET)
		return -EAFNOSUPPORT;
	rc = dps_route_check(sk, sin->sin_addr.s_addr);
	if (rc != 0)
		return rc;
	if (dps_sock_laddr(sk) == 0)
		dps_sock_set_laddr(sk, dps_ip_source_for(sk->stack, sin->sin_addr.s_addr));
	sk->tup.raddr = sin->sin_addr.s_addr;
	sk->tup.rport = sin->sin_port;
	dps_sock_publish_state(sk, DPS_TCP_ESTABLISHED);
	return 0;
}

int
dps_connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct dps_sock *sk = dps_sock_get(fd);
	struct sockaddr_storage a;
	int rc;

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	rc = dps_copy_addr(addr, len, &a);
	if (rc != 0)
		return done(sk, rc);
	if (sk->type == SOCK_STREAM)
		return done(sk, stream_connect(sk, &a, len));
	rc = sock_lock(sk);
	if (rc == 0) {
		rc = dgram_connect(sk, &a, len);
		dps_lock_put(&sk->lock);
	}
	return done(sk, rc);
}

/* Linux's closing(): the FIN is out and not yet acknowledged. */
static bool
linger_done(struct dps_sock *sk)
{
	uint8_t st = dps_sock_state_sc(sk);

	return st != DPS_TCP_FIN_WAIT1 && st != DPS_TCP_CLOSING &&
		st != DPS_TCP_LAST_ACK;
}

/*
 * SO_LINGER with a time (tcp_close()'s sk_stream_wait_close()): close()
 * waits until the FIN is acknowledged or the time runs out, whether the
 * socket blocks or not, and returns 0 either way. @sk is held by the
 * caller; the close is already on its way to the owner.
 */
static void
linger_wait(struct dps_sock *sk)
{
	int secs = sk->opt.linger_s;

	(void)dps_sock_wait(sk, linger_done, secs < 0 ? 0 :
		(uint64_t)secs * 1000000000ull);
}

void
dps_sock_close_ref(struct dps_sock *sk)
{
	struct dps_stack *s = sk->stack;
	uint8_t st = dps_sock_state_sc(sk);
	bool linger;

	dps_ep_forget(sk);
	if (sk->type == SOCK_STREAM && st == DPS_TCP_LISTEN)
		tcp_disconnect(sk);
	if (sk->type == SOCK_STREAM && dps_sock_owner(sk) >= 0 && !dps_stack_stopping(s)) {
		/* A lingering close must not sleep on a stack lcore. */
		linger = sk->opt.linger && sk->opt.linger_s != 0 &&
			dps_stack_self(s) < 0;
		sock_unbind(sk, true);	/* before the reference may go */
		if (linger)
			dps_obj_ref(&sk->obj);	/* ours, for the wait */
		dps_sock_post_close(sk);
		if (linger) {
			linger_wait(sk);
			dps_sock_put(sk);
		}
		return;
	}
	sock_unbind(sk, true);
	dps_sock_put(sk);
}

int
dps_close(int fd)
{
	struct dps_obj *o = dps_fd_get(fd, DPS_OBJ_SOCK);

	if (o == NULL) {
		o = dps_fd_get(fd, DPS_OBJ_EPOLL);
		if (o == NULL)
			return fail(EBADF);
		return dps_epoll_close(fd, o) < 0 ? fail(EBADF) : 0;
	}
	if (!dps_fd_clear(fd, o)) {
		dps_sock_put((struct dps_sock *)o);
		return fail(EBADF);
	}
	dps_fd_release(fd);
	dps_sock_put((struct dps_sock *)o);	/* our lookup's reference */
	dps_sock_close_ref((struct dps_sock *)o);	/* the table's */
	return 0;
}

/* ---- fcntl, callbacks ---- */

int
dps_fcntl(int fd, int cmd, ...)
{
	struct dps_sock *sk = dps_sock_get(fd);
	va_list ap;
	int rc = 0;

	if (sk == NULL)
		return fail(EBADF);
	if (cmd == F_GETFL) {
		rc = O_RDWR | dps_sock_fflags(sk);
	} else if (cmd == F_SETFL) {
		va_start(ap, cmd);
		dps_sock_set_fflags(sk, va_arg(ap, int) & O_NONBLOCK);
		va_end(ap);
	} else {
		rc = -EINVAL;
	}
	return done(sk, rc);
}

int
dps_sock_set_cbs(struct dps_sock *sk, const struct dps_sock_cbs *cbs, void *arg)
{
	int set = 0;

	if (cbs != NULL && (set = dps_sock_cbs_intern(dps_socks(sk->stack), cbs)) < 0)
		return set;
	sk->cb_arg = arg;
	sk->cbset = (uint8_t)set;
	return 0;
}

int
dps_set_callbacks(int fd, const struct dps_sock_cbs *cbs, void *arg)
{
	struct dps_sock *sk = dps_sock_get(fd);

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	return done(sk, dps_sock_set_cbs(sk, cbs, arg));
}

/* ---- introspection ---- */

int
dps_conn_info(int fd, struct dps_conn_info *out)
{
	struct dps_sock *sk = dps_sock_get(fd);
	int owner;

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	owner = dps_sock_owner(sk);
	if (sk->type != SOCK_STREAM || owner < 0)
		return done(sk, -ENOENT);
	return done(sk, dps_conn_read(sk, (unsigned int)owner, out));
}
