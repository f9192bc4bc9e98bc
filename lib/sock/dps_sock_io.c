/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The socket layer's data calls: accept, send and receive in all their
 * forms, zero copy, shutdown. Each finds the socket behind a descriptor,
 * checks the caller's buffers as Linux's system call entry does, hands
 * over to the transport (lib/inet), and turns its result (a count or a
 * negative errno) into the libc convention.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/uio.h>
#include "dps_sock_priv.h"

static int
fail(int err)
{
	errno = err;
	return -1;
}

/*
 * accept4(2): a child from the transport, a descriptor for it, and the
 * peer's address written, in that order (do_accept()).
 */
static int
sock_accept(struct dps_sock *sk, struct sockaddr *addr, socklen_t *len, int flags,
	int *lcore)
{
	struct dps_sock *c;
	int rc, fd;

	rc = dps_tcp_accept(sk, flags, &c);
	if (rc != 0)
		return rc;
	fd = dps_fd_alloc(&c->obj);
	if (fd < 0) {
		rc = -errno;
		/* No descriptor: reset the connection as Linux would after
		 * a failed accept's cleanup. */
		dps_sock_set_abort_on_close(c, 1);
		dps_sock_close_ref(c);
		return rc;
	}
	rc = addr != NULL ? dps_put_name(c->tup.raddr, c->tup.rport, addr, len) : 0;
	if (rc != 0) {
		/* do_accept(): the peer's address could not be written, so
		 * the new file is released, which closes the connection as
		 * close() would (a FIN, or a RST with unread data). */
		if (dps_fd_clear(fd, &c->obj)) {
			dps_fd_release(fd);
			dps_sock_close_ref(c);	/* the descriptor's reference */
		}
		return rc;
	}
	/* dps_accept_lcore(): the owner, or -1 once the child has ended (its
	 * lcore publishes CLOSE as it leaves the table). Stored directly, as
	 * dps_conn_info() fills its struct: not a Linux argument, and a
	 * guarded copy would cost more than the call saves. */
	if (lcore != NULL)
		*lcore = dps_sock_state(c) == DPS_TCP_CLOSE ? -1 : dps_sock_owner(c);
	return fd;
}

int
dps_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	struct dps_sock *sk = dps_sock_get(fd);

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	return (int)dps_sock_ret(sk, sock_accept(sk, addr, len, flags, NULL));
}

int
dps_accept_lcore(int fd, struct sockaddr *addr, socklen_t *len, int flags, int *lcore)
{
	struct dps_sock *sk = dps_sock_get(fd);

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	return (int)dps_sock_ret(sk, sock_accept(sk, addr, len, flags, lcore));
}

int
dps_accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	return dps_accept4(fd, addr, len, 0);
}

/* Up to this many iovecs are copied on the stack (Linux: UIO_FASTIOV). */
#define FAST_IOV 8

/*
 * import_iovec(): the array is copied in (EFAULT), a negative length is
 * EINVAL, and a segment no mapping can hold is EFAULT before any data
 * moves. The copy is what the call then works on.
 */
static int
iov_import(const struct iovec *uiov, int iovcnt, struct iovec *kiov)
{
	int rc = dps_copy_from_user(kiov, uiov, (size_t)iovcnt * sizeof(*kiov));

	if (rc != 0)
		return rc;
	for (int i = 0; i < iovcnt; i++)
		if ((ssize_t)kiov[i].iov_len < 0)
			return -EINVAL;
	for (int i = 0; i < iovcnt; i++)
		if (!dps_uaccess_ok(kiov[i].iov_base, kiov[i].iov_len))
			return -EFAULT;
	return 0;
}

/* writev(2) / readv(2): the checks of do_readv_writev() on a copy of the
 * caller's array, then a stream call. */
static ssize_t
stream_iov(int fd, const struct iovec *iov, int iovcnt, bool send)
{
	struct dps_sock *sk = dps_sock_get(fd);
	struct iovec fast[FAST_IOV], *kiov = fast;
	ssize_t rc;

	if (sk == NULL)
		return fail(dps_sock_errno(fd) == ENOTSOCK ? EINVAL : EBADF);
	if (iovcnt < 0 || iovcnt > IOV_MAX)
		return dps_sock_ret(sk, -EINVAL);
	if (iovcnt > FAST_IOV) {
		kiov = malloc((size_t)iovcnt * sizeof(*kiov));
		if (kiov == NULL)
			return dps_sock_ret(sk, -ENOMEM);
	}
	rc = iov_import(iov, iovcnt, kiov);
	if (rc == 0 && sk->type != SOCK_STREAM)
		rc = -EOPNOTSUPP;
	if (rc == 0)
		rc = send ? dps_tcp_sendv(sk, kiov, iovcnt, 0) : dps_tcp_recvv(sk, kiov, iovcnt, 0);
	if (kiov != fast)
		free(kiov);
	return dps_sock_ret(sk, rc);
}

ssize_t
dps_writev(int fd, const struct iovec *iov, int iovcnt)
{
	return stream_iov(fd, iov, iovcnt, true);
}

ssize_t
dps_readv(int fd, const struct iovec *iov, int iovcnt)
{
	return stream_iov(fd, iov, iovcnt, false);
}

ssize_t
dps_send_mbuf(int fd, struct rte_mbuf *m)
{
	struct dps_sock *sk = dps_sock_get(fd);

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	return dps_sock_ret(sk, dps_tcp_send_mbuf(sk, m));
}

ssize_t
dps_recv_mbuf(int fd, struct rte_mbuf **out)
{
	struct dps_sock *sk = dps_sock_get(fd);

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	return dps_sock_ret(sk, dps_tcp_recv_mbuf(sk, out));
}

int
dps_shutdown(int fd, int how)
{
	struct dps_sock *sk = dps_sock_get(fd);

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	return (int)dps_sock_ret(sk, dps_tcp_shutdown(sk, how));
}

ssize_t
dps_sendto(int fd, const void *buf, size_t len, int flags,
	const struct sockaddr *to, socklen_t tolen)
{
	struct dps_sock *sk;
	struct sockaddr_storage a;
	ssize_t rc;

	/* __sys_sendto(): import_ubuf() checks the buffer before the
	 * descriptor is looked up. */
	if (!dps_uaccess_ok(buf, len)) {
		errno = EFAULT;
		return -1;
	}
	sk = dps_sock_get(fd);
	if (sk == NULL) {
		errno = dps_sock_errno(fd);
		return -1;
	}
	if (sk->type == SOCK_STREAM) {
		/* tcp_sendmsg() ignores the address of a connected stream,
		 * once move_addr_to_kernel() has read it. */
		struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };

		rc = to != NULL ? dps_copy_addr(to, tolen, &a) : 0;
		return dps_sock_ret(sk, rc != 0 ? rc : dps_tcp_sendv(sk, &iov, 1, flags));
	}
	rc = dps_udp_send(sk, buf, len, to, tolen);
	return dps_sock_ret(sk, rc);
}

ssize_t
dps_send(int fd, const void *buf, size_t len, int flags)
{
	return dps_sendto(fd, buf, len, flags, NULL, 0);
}

ssize_t
dps_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
	socklen_t *fromlen)
{
	struct dps_sock *sk;
	ssize_t rc;

	/* __sys_recvfrom(): import_ubuf() comes before the lookup. */
	if (!dps_uaccess_ok(buf, len)) {
		errno = EFAULT;
		return -1;
	}
	sk = dps_sock_get(fd);
	if (sk == NULL) {
		errno = dps_sock_errno(fd);
		return -1;
	}
	if (sk->type == SOCK_STREAM && (flags & MSG_ERRQUEUE))
		/* The queued ICMP error is discarded (no control messages). */
		rc = dps_sock_take_errq(sk) ? 0 : -EAGAIN;
	else if (sk->type == SOCK_STREAM) {
		struct iovec iov = { .iov_base = buf, .iov_len = len };

		rc = dps_tcp_recvv(sk, &iov, 1, flags);
		/* A stream has no per-read address: a zero length, written
		 * (move_addr_to_user()) after a successful read. */
		if (rc >= 0 && from != NULL) {
			int e = dps_put_addr(NULL, 0, from, fromlen);

			if (e != 0)
				rc = e;
		}
	} else
		rc = dps_udp_recv(sk, buf, len, flags, from, fromlen);
	return dps_sock_ret(sk, rc);
}

ssize_t
dps_recv(int fd, void *buf, size_t len, int flags)
{
	return dps_recvfrom(fd, buf, len, flags, NULL, NULL);
}
