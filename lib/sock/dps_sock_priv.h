/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_SOCK_PRIV_H
#define DPS_SOCK_PRIV_H

/*
 * The socket layer (the BSD-style API of dps_socket.h) between its own
 * files: the descriptor table, epoll sets, the libc return convention,
 * and the socket layer's slot in a stack. Below it is the transport
 * layer (dps_inet.h); nothing below includes this header.
 */

#include "dps_inet.h"

/* The socket layer's slot of the protocol switch: the default stack and
 * the descriptors of a stack going away. */
#define DPS_PROTO_SOCK 6

#define DPS_FD_MAX (1u << 24)	/* descriptors per process: 16M */

/* ---- descriptors (dps_fd.c) ---- */
int dps_fd_alloc(struct dps_obj *o);
void dps_fd_release(int fd);
bool dps_fd_clear(int fd, struct dps_obj *o);
struct dps_obj *dps_fd_get(int fd, int kind);
/* The object of kind @kind at @fd, with no reference taken: only for a
 * caller that holds @fd open, so that nothing can free the object. */
struct dps_obj *dps_fd_peek(int fd, int kind);
/* Give the idle form's code (dps_tcp_idle.c) its way to swap a slot. */
void dps_fd_install_swap(void);
struct dps_sock *dps_sock_get(int fd);
/* ENOTSOCK when @fd names an epoll set, else EBADF (after a failed
 * dps_sock_get()). */
int dps_sock_errno(int fd);
/* Visit every descriptor's object (stack teardown). */
void dps_fd_foreach(void (*fn)(int fd, struct dps_obj *o, void *arg), void *arg);

/* ---- the API's common ends (dps_sock_api.c) ---- */
/* Return @rc (negative: -errno) as libc does: the only place a negative
 * errno becomes -1 with errno set. */
ssize_t dps_sock_rc(ssize_t rc);
/* Drop the call's reference and return dps_sock_rc(@rc). */
ssize_t dps_sock_ret(struct dps_sock *sk, ssize_t rc);
/* Install callback set @cbs (NULL: none) and @arg on @sk: 0, or -ENOBUFS
 * when the stack holds 255 other sets. */
int dps_sock_set_cbs(struct dps_sock *sk, const struct dps_sock_cbs *cbs, void *arg);
/* Close a socket whose descriptor is gone, consuming @sk's reference. */
void dps_sock_close_ref(struct dps_sock *sk);

/* Datagram connect()'s IPv4 part after the autobind (__ip4_datagram_connect()),
 * and udp_disconnect(); under the socket lock. */
int dps_dgram_connect4(struct dps_sock *sk, const struct sockaddr_storage *a,
	socklen_t len);
int dps_dgram_disconnect(struct dps_sock *sk);
/* tcp_v4_connect()'s checks and the lcore's part, under the socket lock. */
int dps_stream_connect4(struct dps_sock *sk, const struct sockaddr_in *sin,
	socklen_t len);

/* ---- AF_INET6 datagram sockets (dps_sock6.c) ---- */
/* bind() and connect()'s address (after autobind), under the socket
 * lock; getsockname() (@peer false) and getpeername(); the IPv6 part of
 * a disconnect. */
int dps_sock6_bind(struct dps_sock *sk, const struct sockaddr_storage *a, socklen_t len);
int dps_sock6_connect(struct dps_sock *sk, const struct sockaddr_storage *a,
	socklen_t len);
int dps_sock6_name(struct dps_sock *sk, bool peer, struct sockaddr *addr,
	socklen_t *len);
void dps_sock6_disconnect(struct dps_sock *sk);

/* ---- AF_INET6 stream sockets (dps_sock6_stream.c) ---- */
/* tcp_v6_connect()'s checks and the lcore's part, under the socket lock;
 * the peer's name as accept() writes it. */
int dps_sock6_stream_connect(struct dps_sock *sk, const struct sockaddr_storage *a,
	socklen_t len);
int dps_sock6_peer_name(struct dps_sock *sk, struct sockaddr *addr, socklen_t *len);

/* ---- epoll sets (dps_poll.c) ---- */
int dps_epoll_close(int fd, struct dps_obj *o);
/* Called when a socket is closed: leave its epoll set. */
void dps_ep_forget(struct dps_sock *sk);
/* Queue slot @slot of set @ep for its waiter (the transport's hook). */
void dps_ep_kick(struct dps_ep *ep, uint32_t slot);

/* ---- the socket layer in a stack (dps_sock_stack.c) ---- */
int dps_sock_register(struct dps_stack *s);
/* The stack dps_socket() uses. */
struct dps_stack *dps_sock_default_stack(void);

#endif
