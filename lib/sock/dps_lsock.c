/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stream calls by handle for code on the owning lcore (dps_socket.h,
 * "Stream calls by handle"). The handle is the socket object itself;
 * struct dps_lsock is never defined. The descriptor's reference keeps
 * the object alive until dps_close(), so these calls take none: that
 * and the descriptor lookup are what they save, about 80 instructions
 * a call (bench/callgrind_http.sh). Everything else, the ownership check
 * included, is the descriptor call's own code.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include "dps_sock_priv.h"
#include "dps_uaccess.h"

static struct dps_sock *
lsk(struct dps_lsock *h)
{
	return (struct dps_sock *)(void *)h;
}

struct dps_lsock *
dps_lsock(int fd)
{
	/* No reference: the caller holds @fd open (see dps_socket.h). */
	struct dps_sock *sk = (struct dps_sock *)dps_fd_peek(fd, DPS_OBJ_SOCK);

	if (sk == NULL) {
		errno = dps_sock_errno(fd);
		return NULL;
	}
	if (sk->type != SOCK_STREAM) {
		errno = EINVAL;
		return NULL;
	}
	return (struct dps_lsock *)(void *)sk;
}

/* The calls take what dps_lsock() returned, NULL included, so that a
 * failed lookup gives EBADF at the call as with a descriptor. */
ssize_t
dps_lsock_send_mbuf(struct dps_lsock *h, struct rte_mbuf *m)
{
	return dps_sock_rc(h != NULL ? dps_tcp_send_mbuf(lsk(h), m) : -EBADF);
}

ssize_t
dps_lsock_recv_mbuf(struct dps_lsock *h, struct rte_mbuf **m, bool *more)
{
	if (h == NULL && more != NULL)
		*more = false;
	return dps_sock_rc(h != NULL ? dps_tcp_recv_mbuf(lsk(h), m, more) : -EBADF);
}

ssize_t
dps_lsock_send(struct dps_lsock *h, const void *buf, size_t len, int flags)
{
	struct iovec iov = { .iov_base = (void *)(uintptr_t)buf, .iov_len = len };

	/* As dps_send(): the buffer is checked before anything else. */
	if (!dps_uaccess_ok(buf, len))
		return dps_sock_rc(-EFAULT);
	return dps_sock_rc(h != NULL ? dps_tcp_sendv(lsk(h), &iov, 1, flags) : -EBADF);
}

int
dps_lsock_set_callbacks(struct dps_lsock *h, const struct dps_sock_cbs *cbs, void *arg)
{
	return (int)dps_sock_rc(h != NULL ? dps_sock_set_cbs(lsk(h), cbs, arg) : -EBADF);
}
