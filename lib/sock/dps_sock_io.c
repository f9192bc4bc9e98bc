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
#include <netinet/tcp.h>
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
	if (addr == NULL)
		rc = 0;
	else if (dps_sock_is6(c))
		rc = dps_sock6_peer_name(c, addr, len);
	else
		rc = dps_put_name(c->tup.raddr, c->tup.rport, addr, len);
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
	return dps_sock_ret(sk, dps_tcp_recv_mbuf(sk, out, NULL));
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
	if (dps_sock_is6(sk))
		rc = dps_udp6_send(sk, buf, len, to, tolen);
	else
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

/* ---- recvmsg(2) ---- */

/* The caller's control buffer as put_cmsg() fills it. */
struct cmsg_out {
	uint8_t *ctl;		/* where the next message goes */
	size_t left;		/* room left there */
	int flags;		/* msg_flags so far */
};

/*
 * put_cmsg(): one control message. Without room for a header nothing is
 * written; a message that does not fit is cut to the room left; both
 * set MSG_CTRUNC. A fault leaves the buffer as it was (tcp_recvmsg()
 * ignores it).
 */
static void
cmsg_put(struct cmsg_out *c, int level, int type, const void *data, size_t len)
{
	struct cmsghdr h = { .cmsg_len = CMSG_LEN(len), .cmsg_level = level,
		.cmsg_type = type };
	size_t space = CMSG_SPACE(len);

	if (c->ctl == NULL || c->left < sizeof(h)) {
		c->flags |= MSG_CTRUNC;
		return;
	}
	if (c->left < h.cmsg_len) {
		c->flags |= MSG_CTRUNC;
		h.cmsg_len = c->left;
	}
	if (dps_copy_to_user(c->ctl, &h, sizeof(h)) != 0 ||
			dps_copy_to_user(c->ctl + CMSG_LEN(0), data,
				h.cmsg_len - CMSG_LEN(0)) != 0)
		return;
	if (space > c->left)
		space = c->left;
	c->ctl += space;
	c->left -= space;
}

/*
 * __copy_msghdr() and import_iovec(): the header copied in (EFAULT), at
 * most UIO_MAXIOV segments (EMSGSIZE), a negative name length EINVAL,
 * then the segments as readv(2) checks them. *@kiov comes in as the
 * caller's array of FAST_IOV; a larger one is allocated (the caller
 * frees it).
 */
static int
msg_import(const struct msghdr *umsg, struct msghdr *k, struct iovec **kiov)
{
	int rc = dps_copy_from_user(k, umsg, sizeof(*k));

	if (rc != 0)
		return rc;
	if (k->msg_iovlen > IOV_MAX)
		return -EMSGSIZE;
	if (k->msg_name != NULL && (int)k->msg_namelen < 0)
		return -EINVAL;
	if (k->msg_iovlen > FAST_IOV) {
		*kiov = malloc(k->msg_iovlen * sizeof(**kiov));
		if (*kiov == NULL)
			return -ENOMEM;
	}
	return iov_import(k->msg_iov, (int)k->msg_iovlen, *kiov);
}

/* tcp_recvmsg(): the bytes, then with TCP_INQ the bytes still queued
 * (and the FIN) as a TCP_CM_INQ message. A stream has no address. */
static ssize_t
stream_recvmsg(struct dps_sock *sk, const struct msghdr *k, struct cmsg_out *c,
	int flags)
{
	ssize_t rc;

	if (flags & MSG_ERRQUEUE)
		/* The queued ICMP error is discarded, as dps_recv() does. */
		rc = dps_sock_take_errq(sk) ? 0 : -EAGAIN;
	else
		rc = dps_tcp_recvv(sk, k->msg_iov, (int)k->msg_iovlen, flags);
	if (rc >= 0 && dps_sock_flag(sk, DPS_OPT_INQ)) {
		int inq = (int)dps_tcp_inq_hint(sk);

		cmsg_put(c, SOL_TCP, TCP_CM_INQ, &inq, sizeof(inq));
	}
	return rc;
}

/*
 * ____sys_recvmsg(): the transport's read, then, only when it succeeded,
 * the sender's address (move_addr_to_user(), when msg_name is set), the
 * flags (MSG_CMSG_CLOEXEC as asked, MSG_TRUNC, MSG_CTRUNC) and the
 * control bytes used, written into the caller's header (EFAULT).
 */
static ssize_t
sock_recvmsg(struct dps_sock *sk, struct msghdr *umsg, struct msghdr *k, int flags)
{
	struct cmsg_out c = { .ctl = k->msg_control, .left = k->msg_controllen,
		.flags = flags & MSG_CMSG_CLOEXEC };
	struct dps_udp_from from = { .flags = 0 };
	socklen_t namelen = 0;
	size_t used;
	ssize_t rc;
	int e = 0;

	if (sk->type == SOCK_STREAM) {
		rc = stream_recvmsg(sk, k, &c, flags);
	} else {
		rc = dps_udp_recvmsg(sk, k->msg_iov, (int)k->msg_iovlen, flags, &from);
		c.flags |= from.flags;
		namelen = from.len;
	}
	if (rc < 0)
		return rc;
	if (k->msg_name != NULL)
		e = dps_put_addr(&from.sin, namelen, k->msg_name, &umsg->msg_namelen);
	used = k->msg_controllen - c.left;
	if (e == 0)
		e = dps_copy_to_user(&umsg->msg_flags, &c.flags, sizeof(c.flags));
	if (e == 0)
		e = dps_copy_to_user(&umsg->msg_controllen, &used, sizeof(used));
	return e != 0 ? e : rc;
}

ssize_t
dps_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct dps_sock *sk = dps_sock_get(fd);
	struct iovec fast[FAST_IOV], *kiov = fast;
	struct msghdr k;
	ssize_t rc;

	if (sk == NULL)
		return fail(dps_sock_errno(fd));
	rc = msg_import(msg, &k, &kiov);
	if (rc == 0) {
		k.msg_iov = kiov;
		rc = sock_recvmsg(sk, msg, &k, flags);
	}
	if (kiov != fast)
		free(kiov);
	return dps_sock_ret(sk, rc);
}
