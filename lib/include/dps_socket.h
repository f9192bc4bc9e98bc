/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_SOCKET_H
#define DPS_SOCKET_H

/**
 * @file
 * BSD-style sockets on dpstack.
 *
 * Every call takes and returns what its libc namesake does: -1 with errno
 * set on failure, the same errno values the Linux kernel returns for the
 * same situation, and the same structures (struct sockaddr_in, struct
 * pollfd, struct epoll_event). Code written against the kernel's sockets
 * ports by adding the dps_ prefix.
 *
 * Descriptors are dpstack's own: small non-negative integers in a space
 * separate from the kernel's. Pass them only to dps_ calls.
 *
 * Threads. Any pthread may call these functions; nothing on the path takes
 * a lock. A call that needs the connection's state (connect, close,
 * AF_UNSPEC disconnect) travels as a request through an rte_ring to the
 * stack lcore that owns the connection and comes back as a completion. The
 * calling thread is attached to the stack automatically on first use (see
 * dps_thread.h) and detached when it exits. A call made on a stack lcore
 * itself runs inline with no ring hop and never sleeps: there a blocking
 * connect behaves as a non-blocking one, and dps_set_callbacks() tells the
 * code when the connection is up.
 *
 * Supported: AF_INET; SOCK_STREAM (TCP) and SOCK_DGRAM (UDP), with
 * SOCK_NONBLOCK. TCP data transfer (send/recv on streams) and the passive
 * open (accept) are not part of this header's first version: dps_send and
 * dps_recv work on datagram sockets; on stream sockets they fail with
 * EOPNOTSUPP until the complete TCP lands.
 */

#include <stddef.h>
#include <stdint.h>
#include <poll.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#ifdef __cplusplus
extern "C" {
#endif

struct dps_stack;

/**
 * Create a socket on the default stack: the first one started in this
 * process.
 * @param domain AF_INET.
 * @param type SOCK_STREAM or SOCK_DGRAM, optionally or-ed with
 * SOCK_NONBLOCK and SOCK_CLOEXEC (accepted, meaningless here).
 * @param protocol 0, IPPROTO_TCP (streams) or IPPROTO_UDP (datagrams).
 * @return a descriptor, or -1 with errno: EAFNOSUPPORT (domain),
 * EINVAL (unknown type flags), ESOCKTNOSUPPORT / EPROTONOSUPPORT (type or
 * protocol), ENOBUFS (socket pool empty), EMFILE (descriptor space full),
 * ENODEV (no stack started).
 */
int dps_socket(int domain, int type, int protocol);

/** dps_socket() on stack @p s. */
int dps_socket_on(struct dps_stack *s, int domain, int type, int protocol);

/**
 * Bind a local address and port. Port 0 picks an ephemeral port (odd
 * ports first, as Linux does for bind). The address must be one of the
 * stack's or INADDR_ANY.
 * @return 0, or -1 with errno: EBADF, EINVAL (already bound, short
 * address), EAFNOSUPPORT, EADDRNOTAVAIL (not our address), EADDRINUSE
 * (port taken and SO_REUSEADDR does not allow sharing), EFAULT.
 */
int dps_bind(int fd, const struct sockaddr *addr, socklen_t addrlen);

/**
 * Connect, with the semantics of Linux's inet_stream_connect() (TCP) and
 * inet_dgram_connect() (UDP); docs/connect.md walks through every case.
 * @return 0; or -1 with errno. Synchronous: EBADF, EFAULT, EINVAL,
 * EAFNOSUPPORT, EISCONN, EALREADY, EINPROGRESS (non-blocking, or
 * SO_SNDTIMEO expired), ENETUNREACH (no route; TCP to a broadcast or
 * multicast address), EACCES (UDP to broadcast without SO_BROADCAST),
 * EADDRNOTAVAIL (TCP: no local port free), EAGAIN (UDP: no local port
 * free; or the request ring is full), ENOBUFS (connection table full).
 * Asynchronous, from the handshake: ECONNREFUSED, ETIMEDOUT,
 * EHOSTUNREACH, ENETUNREACH, ENOPROTOOPT, ECONNRESET, ECONNABORTED.
 */
int dps_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);

/**
 * Mark a stream socket passive. In this version the socket enters LISTEN
 * (so connect() on it answers EISCONN, as Linux's does) and owns its port,
 * but incoming connections are not accepted yet: their SYNs are counted
 * and dropped.
 * @return 0, or -1 with errno: EBADF, EOPNOTSUPP (datagram), EINVAL
 * (connected or connecting), EADDRINUSE.
 */
int dps_listen(int fd, int backlog);

/** Local address, as getsockname(2). EBADF, EINVAL, EFAULT. */
int dps_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen);

/** Peer address, as getpeername(2). ENOTCONN when not connected. */
int dps_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen);

/**
 * Read an option. SOL_SOCKET: SO_ERROR (reads and clears the pending
 * asynchronous error), SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_SNDTIMEO,
 * SO_RCVTIMEO, SO_REUSEADDR, SO_BROADCAST. IPPROTO_TCP: TCP_SYNCNT,
 * TCP_USER_TIMEOUT, TCP_NODELAY, TCP_MAXSEG.
 * @return 0, or -1 with errno: EBADF, EFAULT, EINVAL (length),
 * ENOPROTOOPT (unknown option), EOPNOTSUPP (a level the socket's protocol
 * does not have, as Linux's ip_getsockopt()).
 */
int dps_getsockopt(int fd, int level, int optname, void *optval,
	socklen_t *optlen);

/**
 * Set an option (the list of dps_getsockopt() minus SO_ERROR, SO_TYPE,
 * SO_DOMAIN, SO_PROTOCOL). Values are checked as Linux checks them:
 * TCP_SYNCNT in 1..127, TCP_USER_TIMEOUT >= 0 (ms), timeouts as struct
 * timeval with tv_usec < 1000000.
 * @return 0, or -1 with errno: EBADF, EFAULT, EINVAL, EDOM (timeval out of
 * range), ENOPROTOOPT.
 */
int dps_setsockopt(int fd, int level, int optname, const void *optval,
	socklen_t optlen);

/**
 * fcntl(2) for dpstack descriptors: F_GETFL and F_SETFL (O_NONBLOCK only).
 * @return flags for F_GETFL, 0 for F_SETFL, or -1 with errno: EBADF, EINVAL.
 */
int dps_fcntl(int fd, int cmd, ...);

/**
 * Close the descriptor. A connecting or connected TCP socket is aborted
 * with a RST (the orderly FIN close comes with the complete TCP); the
 * port is released once the owning lcore has dropped the connection.
 * @return 0, or -1 with EBADF.
 */
int dps_close(int fd);

/**
 * Send a datagram on a connected UDP socket.
 * @return bytes sent, or -1 with errno: EBADF, EDESTADDRREQ (not
 * connected), EMSGSIZE, EAGAIN (ring full), ENOBUFS (no mbuf),
 * ECONNREFUSED (a pending ICMP error, reported once, by whichever of send
 * and receive comes first, as in Linux), EOPNOTSUPP (stream socket).
 */
ssize_t dps_send(int fd, const void *buf, size_t len, int flags);

/**
 * Send a datagram to @p to (UDP), or to the connected peer when @p to is
 * NULL. Autobinds like Linux. Errors as dps_send() plus EACCES (broadcast
 * without SO_BROADCAST) and ENETUNREACH.
 */
ssize_t dps_sendto(int fd, const void *buf, size_t len, int flags,
	const struct sockaddr *to, socklen_t tolen);

/**
 * Receive a datagram. Blocks unless the socket is non-blocking or
 * @p flags has MSG_DONTWAIT; SO_RCVTIMEO bounds the wait. On a stream
 * socket only MSG_ERRQUEUE is served in this version: an ICMP error that
 * aborted a connect stays queued (and POLLERR with it) as in Linux, until
 * this discards it (returns 0; EAGAIN when none is queued).
 * @return bytes copied (the datagram is truncated to @p len), or -1 with
 * errno: EBADF, EAGAIN, ECONNREFUSED (an ICMP port unreachable arrived
 * for the connected peer; reported once), EOPNOTSUPP (stream socket).
 */
ssize_t dps_recv(int fd, void *buf, size_t len, int flags);

/** dps_recv() that also returns the sender's address. */
ssize_t dps_recvfrom(int fd, void *buf, size_t len, int flags,
	struct sockaddr *from, socklen_t *fromlen);

/**
 * poll(2) over dpstack descriptors. Events are those Linux reports:
 * POLLOUT once a connection is up, POLLERR when an error is pending,
 * POLLHUP when the connection is closed both ways, POLLIN for data (UDP)
 * or a pending error; a socket that never connected reports POLLOUT |
 * POLLHUP as Linux's does. The thread sleeps until an event, the timeout
 * (ms, -1 forever) or a stopped stack.
 * @return number of descriptors with events, 0 on timeout, or -1 with
 * errno: EINVAL, EFAULT, ESHUTDOWN.
 */
int dps_poll(struct pollfd *fds, nfds_t nfds, int timeout);

/**
 * Create an epoll-like readiness set. Level-triggered (EPOLLET is also
 * honoured); one thread at a time may wait on it.
 * @return a dpstack descriptor, or -1 with errno: ENOMEM, EMFILE.
 */
int dps_epoll_create(void);

/**
 * Add, change or remove @p fd's interest (EPOLL_CTL_ADD/MOD/DEL), as
 * epoll_ctl(2). A socket may belong to one set at a time.
 * @return 0, or -1 with errno: EBADF, EEXIST, ENOENT, EINVAL, EBUSY (the
 * socket is in another set), ENOSPC.
 */
int dps_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);

/**
 * Wait for events, as epoll_wait(2).
 * @return number of events, 0 on timeout, or -1 with errno: EBADF, EINVAL.
 */
int dps_epoll_wait(int epfd, struct epoll_event *events, int maxevents,
	int timeout);

/**
 * A kernel eventfd that is readable whenever the set may have events, so
 * an application can add it to its own kernel epoll and call
 * dps_epoll_wait() with timeout 0 when it fires. The descriptor belongs to
 * the set; do not close it.
 * @return the eventfd, or -1 with EBADF.
 */
int dps_epoll_eventfd(int epfd);

/** Events a callback user is told about, on the owning lcore. */
struct dps_sock_cbs {
	/** Three-way handshake completed. */
	void (*connected)(int fd, void *arg);
	/** The connection failed or was reset; @p err is what SO_ERROR
	 * would read (the error is consumed by the call). */
	void (*error)(int fd, int err, void *arg);
	/** Data or a FIN arrived (datagram sockets: a datagram). */
	void (*readable)(int fd, void *arg);
	/** Send space became available. */
	void (*writable)(int fd, void *arg);
};

/**
 * Install callbacks, for run-to-completion code on a stack lcore. They run
 * on the lcore that owns the socket, inside its poll loop, with no ring
 * hop; they must not block. Install them before dps_connect(). @p cbs is
 * copied; NULL removes them.
 * @return 0, or -1 with EBADF.
 */
int dps_set_callbacks(int fd, const struct dps_sock_cbs *cbs, void *arg);

/** Connection states, as Linux numbers them (include/net/tcp_states.h). */
enum dps_tcp_state {
	DPS_TCP_ESTABLISHED = 1,
	DPS_TCP_SYN_SENT,
	DPS_TCP_SYN_RECV,
	DPS_TCP_FIN_WAIT1,
	DPS_TCP_FIN_WAIT2,
	DPS_TCP_TIME_WAIT,
	DPS_TCP_CLOSE,
	DPS_TCP_CLOSE_WAIT,
	DPS_TCP_LAST_ACK,
	DPS_TCP_LISTEN,
	DPS_TCP_CLOSING,
};

/** A snapshot of one connection, read without locks from any thread. */
struct dps_conn_info {
	uint8_t state;			/**< enum dps_tcp_state */
	uint8_t syn_retries;		/**< SYNs retransmitted so far */
	uint16_t lcore;			/**< owning stack lcore index */
	struct sockaddr_in local;
	struct sockaddr_in peer;
	uint32_t mss;			/**< effective send MSS */
	uint32_t rto_ms;
};

/**
 * State of the socket behind @p fd, read lock-free from the owning
 * lcore's connection table.
 * @return 0, or -1 with errno: EBADF; ENOENT (not in any table).
 */
int dps_conn_info(int fd, struct dps_conn_info *out);

/** Per-stack socket settings; see dps_stack_set_sock_conf(). */
struct dps_sock_conf {
	uint16_t port_lo;	/**< ephemeral range start; default 32768 */
	uint16_t port_hi;	/**< ephemeral range end; default 60999 */
	uint32_t max_conns;	/**< connection table size per lcore; default 65536 */
	uint32_t max_socks;	/**< sockets in the pool; default 16383 */
};

/**
 * Change the socket settings of a stack. Before dps_stack_start() only.
 * @return 0, or -EINVAL (port_lo > port_hi, port_lo 0), -EBUSY (started).
 */
int dps_stack_set_sock_conf(struct dps_stack *s, const struct dps_sock_conf *c);

/** Resource use of a stack's socket layer, for leak checks and monitors. */
struct dps_sock_stats {
	uint32_t socks_in_use;		/**< socket objects out of the pool */
	uint32_t conns;			/**< entries in all connection tables */
	uint32_t tcp_ports_held;	/**< local TCP ports with any user */
	uint32_t udp_ports_held;	/**< local UDP ports bound */
	uint32_t mbufs_in_use;		/**< mbufs out of the stack's pools */
};

/** Fill @p st; any thread, no lock (the figures are a moment's snapshot). */
void dps_stack_sock_stats(const struct dps_stack *s, struct dps_sock_stats *st);

/**
 * Post an empty request to stack lcore @p idx and sleep until its
 * completion: the request path's round trip, for measurements.
 * @return 0, or -1 with errno: EINVAL, EAGAIN (ring full), ESHUTDOWN.
 */
int dps_stack_nop(struct dps_stack *s, unsigned int idx);

#ifdef __cplusplus
}
#endif
#endif
