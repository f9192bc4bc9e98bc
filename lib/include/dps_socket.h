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
 * separate from the kernel's. Pass them only to dps_ calls. A socket call
 * on an epoll descriptor fails with ENOTSOCK (EINVAL for readv/writev).
 *
 * Pointers are checked as the kernel checks user memory: one that cannot
 * be read (or written) gives EFAULT where Linux gives it, in Linux's
 * order of checks, and never crashes the process (NULL, unmapped or
 * inaccessible memory; see docs/architecture.md, "The application's
 * memory"). A zero length touches nothing.
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
 * SOCK_NONBLOCK.
 *
 * Data on streams. dps_send() copies into mbufs from the stack's pool and
 * hands them to the owning lcore through the socket's send ring; the lcore
 * keeps them as the send buffer (an mbuf chain) until acknowledged.
 * Received segments are queued as they arrived (no copy) on the socket's
 * receive ring, and dps_recv() copies out of them. Code on the owning
 * lcore can skip both copies with dps_send_mbuf() and dps_recv_mbuf().
 */

#include <stdbool.h>
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
struct rte_mbuf;

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
 * Bind a local address and port. Port 0 picks an ephemeral port: for
 * TCP odd ports first, as Linux's inet_csk_find_open_port(); for UDP any
 * free port from a random start, as udp_lib_get_port() (the same for
 * the autobind of connect() and sendto()). The address must be one of
 * the stack's or INADDR_ANY.
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
 *
 * On a polling lcore, never blocking. Called on a stack lcore (the
 * thread that runs dps_stack_run() or dps_stack_poll() for this stack;
 * with an empty lcore list in dps_stack_conf, the thread that created
 * the stack, usually main()), a TCP connect sends the SYN and returns -1
 * with EINPROGRESS at once, even on a blocking socket: sleeping there
 * would stop the poll loop that has to complete the handshake. The
 * connection is owned by that lcore. Learn the outcome from callbacks
 * installed before the call (dps_set_callbacks(): @c connected or
 * @c error), or call from a thread that is not a stack lcore, where the
 * call blocks as Linux's does. examples/app_thread.c and
 * examples/appliance.c show both. On a stack lcore dps_send() and
 * dps_recv() do not block either (EAGAIN), and a connect that finds the
 * socket busy in another thread's call fails with EAGAIN.
 */
int dps_connect(int fd, const struct sockaddr *addr, socklen_t addrlen);

/**
 * Mark a stream socket passive (RFC 9293 3.10.1 passive OPEN). Connections
 * are completed by the lcores without the application: each SYN gets a
 * SYN-ACK and a place in the SYN queue; a completed handshake moves to the
 * accept queue (at most @p backlog, capped at 65535, as Linux's somaxconn
 * cap). When the SYN queue holds @p backlog entries, SYN cookies answer
 * further SYNs without state. Calling listen() again changes the backlog.
 * @return 0, or -1 with errno: EBADF, EOPNOTSUPP (datagram), EINVAL
 * (connected or connecting), EADDRINUSE, ENOBUFS.
 */
int dps_listen(int fd, int backlog);

/**
 * Take a completed connection from a listener's accept queue, as
 * accept4(2). Blocks unless the listener is non-blocking; SO_RCVTIMEO
 * bounds the wait (EAGAIN). @p addr, if not NULL, receives the peer.
 * @param flags SOCK_NONBLOCK, SOCK_CLOEXEC (accepted, meaningless).
 * @return the new descriptor, or -1 with errno: EBADF, EINVAL (not
 * listening, bad flags), EAGAIN, EMFILE, EFAULT, ESHUTDOWN.
 */
int dps_accept4(int fd, struct sockaddr *addr, socklen_t *addrlen, int flags);

/** dps_accept4() with no flags. */
int dps_accept(int fd, struct sockaddr *addr, socklen_t *addrlen);

/**
 * dps_accept4() that also says which stack lcore owns the connection:
 * the lcore whose connection table holds it, where its callbacks run and
 * where zero-copy calls are allowed. A run-to-completion server calls it
 * on a stack lcore and serves the connection there when it is its own,
 * or passes the descriptor to the owner, with no dps_conn_info() call.
 * Any thread.
 * @param lcore receives the owner's index (0 .. lcores - 1), or -1 when
 * the connection already ended (reset, timed out) while it waited in
 * the accept queue; the descriptor is valid either way, and its reads
 * report the end. Not written when the call fails. It must point to
 * writable memory: unlike @p addr it is stored without a fault guard.
 * @return as dps_accept4().
 */
int dps_accept_lcore(int fd, struct sockaddr *addr, socklen_t *addrlen,
	int flags, int *lcore);

/**
 * Shut down one or both directions, as shutdown(2). SHUT_WR sends a FIN
 * once the queued data is out (FIN_WAIT1, or LAST_ACK after the peer's
 * FIN); SHUT_RD makes reads return 0 and discards what arrives.
 * @return 0, or -1 with errno: EBADF, EINVAL (@p how), ENOTCONN.
 */
int dps_shutdown(int fd, int how);

/** Local address, as getsockname(2). EBADF, ENOTSOCK, EINVAL (negative
 * *@p addrlen), EFAULT (@p addrlen or, with a non-zero length, @p addr
 * cannot be accessed). */
int dps_getsockname(int fd, struct sockaddr *addr, socklen_t *addrlen);

/** Peer address, as getpeername(2). ENOTCONN when not connected; EBADF,
 * ENOTSOCK, EINVAL, EFAULT as dps_getsockname(). */
int dps_getpeername(int fd, struct sockaddr *addr, socklen_t *addrlen);

/**
 * Read an option. SOL_SOCKET: SO_ERROR (reads and clears the pending
 * asynchronous error), SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_SNDTIMEO,
 * SO_RCVTIMEO, SO_REUSEADDR, SO_BROADCAST, SO_KEEPALIVE, SO_LINGER,
 * SO_SNDBUF, SO_RCVBUF, SO_ACCEPTCONN. IPPROTO_IP: IP_TTL, IP_TOS,
 * IP_BIND_ADDRESS_NO_PORT. IPPROTO_TCP: TCP_SYNCNT,
 * TCP_USER_TIMEOUT, TCP_NODELAY, TCP_MAXSEG, TCP_KEEPIDLE, TCP_KEEPINTVL,
 * TCP_KEEPCNT, TCP_CORK, TCP_QUICKACK, TCP_INQ, TCP_NOTSENT_LOWAT,
 * TCP_DEFER_ACCEPT (read back in seconds as Linux rounds them),
 * TCP_CONGESTION ("cubic", the default, or "reno"), and
 * TCP_INFO, which fills Linux's struct tcp_info (<netinet/tcp.h>): state,
 * options, window scales, RTO, RTT and its variance, MSS both ways,
 * cwnd and ssthresh in segments, unacknowledged, SACKed, lost and
 * retransmitted segments, total retransmissions, bytes acked and
 * received.
 * @return 0, or -1 with errno: EBADF, EFAULT, EINVAL (length),
 * ENOPROTOOPT (unknown option), EOPNOTSUPP (a level the socket's protocol
 * does not have, as Linux's ip_getsockopt()).
 */
int dps_getsockopt(int fd, int level, int optname, void *optval,
	socklen_t *optlen);

/**
 * Set an option (the list of dps_getsockopt() minus SO_ERROR, SO_TYPE,
 * SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN, TCP_INFO). Values are checked as
 * Linux checks them: TCP_SYNCNT in 1..127, TCP_USER_TIMEOUT >= 0 (ms),
 * TCP_KEEPIDLE and TCP_KEEPINTVL in 1..32767 (s), TCP_KEEPCNT in 1..127,
 * SO_SNDBUF / SO_RCVBUF at most 4 MiB, doubled, at least 4608 / 2304
 * (reported doubled, as Linux does), IP_TTL in 1..255 or -1, TCP_INQ 0
 * or 1, TCP_CONGESTION a known name (ENOENT), timeouts as struct
 * timeval with tv_usec < 1000000. What each does, and where it differs
 * from Linux: docs/tcp.md, "Socket options".
 * @return 0, or -1 with errno: EBADF, EFAULT, EINVAL, EDOM (timeval out of
 * range), ENOPROTOOPT.
 */
int dps_setsockopt(int fd, int level, int optname, const void *optval,
	socklen_t optlen);

/**
 * ioctl(2) for dpstack sockets, as Linux's tcp_ioctl() and sock_ioctl():
 * - SIOCINQ (FIONREAD): bytes received in order and not yet read;
 * - SIOCOUTQ: bytes written and not yet acknowledged;
 * - SIOCOUTQNSD: bytes written and not yet sent;
 * each an int at @p arg, 0 while the handshake runs; on a datagram
 * socket SIOCINQ is the next datagram's payload length (0 when none),
 * SIOCOUTQ 0, SIOCOUTQNSD ENOTTY;
 * - FIONBIO: an int at @p arg, nonzero sets O_NONBLOCK, zero clears it.
 * @return 0, or -1 with errno: EBADF, ENOTSOCK, EINVAL (a queue size of a
 * listener), EFAULT (@p arg cannot be written or read), ENOTTY (another
 * request).
 */
int dps_ioctl(int fd, unsigned long request, void *arg);

/**
 * fcntl(2) for dpstack descriptors: F_GETFL and F_SETFL (O_NONBLOCK only).
 * @return flags for F_GETFL, 0 for F_SETFL, or -1 with errno: EBADF, EINVAL.
 */
int dps_fcntl(int fd, int cmd, ...);

/**
 * Close the descriptor. A TCP connection closes as Linux's tcp_close()
 * does: with unread received data, or SO_LINGER on with a zero timeout, it
 * is aborted with a RST; otherwise a FIN follows the data still queued and
 * the lcore finishes the close (FIN_WAIT1/2, CLOSING, LAST_ACK, TIME_WAIT)
 * with nobody holding the descriptor. With SO_LINGER on and a time, the
 * call waits until the FIN is acknowledged or the time is up (blocking
 * or not; not on a stack lcore), and returns 0 either way. A listener's queued connections are
 * reset. The port is released once the lcore has dropped the connection.
 * @return 0, or -1 with EBADF.
 */
int dps_close(int fd);

/**
 * Send. Streams: copy up to @p len bytes into the send buffer (blocking
 * until all of it is queued, unless non-blocking or MSG_DONTWAIT, when it
 * queues what fits; SO_SNDTIMEO bounds the wait). Datagrams: send one on
 * a connected UDP socket.
 * @return bytes queued or sent, or -1 with errno: EBADF, ENOTSOCK,
 * EFAULT (@p buf cannot be read; a stream returns the bytes of the whole
 * chunks copied before the fault, if any), EAGAIN (no
 * space, or the ring to the lcore is full; also while the handshake is
 * still running, for a non-blocking socket), EPIPE (write side shut down,
 * the connection closed, or never connected, as Linux's; no SIGPIPE is
 * raised), ECONNRESET and other pending errors (reported once),
 * ENOBUFS (no mbuf); UDP: EDESTADDRREQ (not connected), EMSGSIZE,
 * ECONNREFUSED (a pending ICMP error, reported once, by whichever of send
 * and receive comes first, as in Linux).
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
 * Receive. Streams: copy up to @p len bytes that arrived in order;
 * returns 0 once the peer's FIN has been read past (or after SHUT_RD).
 * MSG_PEEK leaves the bytes queued; MSG_WAITALL waits for @p len bytes.
 * Datagrams: one datagram, truncated to @p len. Blocks unless the socket
 * is non-blocking or @p flags has MSG_DONTWAIT; SO_RCVTIMEO bounds the
 * wait. On a stream socket MSG_ERRQUEUE discards a queued ICMP error (it
 * keeps POLLERR set until then, as in Linux; returns 0; EAGAIN when none).
 * @return bytes copied, or -1 with errno: EBADF, ENOTSOCK, EFAULT (@p buf
 * cannot be written: a stream leaves that chunk queued, a datagram is
 * consumed, as in Linux), EAGAIN, ENOTCONN,
 * ECONNRESET, ETIMEDOUT, EPIPE and other pending errors (reported once),
 * ECONNREFUSED (UDP: an ICMP port unreachable for the connected peer).
 */
ssize_t dps_recv(int fd, void *buf, size_t len, int flags);

/** dps_recv() that also returns the sender's address. */
ssize_t dps_recvfrom(int fd, void *buf, size_t len, int flags,
	struct sockaddr *from, socklen_t *fromlen);

/**
 * Receive with a message header, as recvmsg(2). Streams read into the
 * @p msg->msg_iov segments as dps_readv() does; with TCP_INQ on, a
 * successful read (0 at the end of the stream included, MSG_PEEK too)
 * adds a control message SOL_TCP / TCP_CM_INQ holding an int: the bytes
 * still queued after the read, the peer's FIN counting as one
 * (Linux's tcp_inq_hint()); MSG_TRUNC discards the bytes (MSG_PEEK with
 * it counts them) without writing the segments, here and in dps_recv().
 * Datagrams: one datagram, cut to the
 * segments with MSG_TRUNC set in msg_flags (the @p flags MSG_TRUNC
 * returns its whole length), MSG_PEEK leaves it queued, the sender in
 * msg_name. On success msg_namelen (when msg_name is set; 0 for a
 * stream), msg_flags (MSG_TRUNC, MSG_CTRUNC when the control buffer was
 * too short, MSG_CMSG_CLOEXEC when asked) and msg_controllen (the bytes
 * used) are written back; on failure none is. Any thread.
 * @return bytes read, or -1 with errno: as dps_recv(), plus EFAULT (@p msg
 * or its iovec array cannot be read, a segment cannot be written, the
 * header cannot be written back), EMSGSIZE (more than IOV_MAX
 * segments), EINVAL (a negative segment or name length).
 */
ssize_t dps_recvmsg(int fd, struct msghdr *msg, int flags);

/** Gathering send, as writev(2); errors as dps_send(). */
ssize_t dps_writev(int fd, const struct iovec *iov, int iovcnt);

/** Scattering receive, as readv(2); errors as dps_recv(). */
ssize_t dps_readv(int fd, const struct iovec *iov, int iovcnt);

/**
 * Zero-copy send for code on the owning lcore: @p m (a packet mbuf from
 * any pool, single- or multi-segment, its data being payload only) joins
 * the send buffer as it is; the stack frees it once acknowledged. On
 * success the stack owns @p m; on failure the caller still does.
 * @return bytes queued (the mbuf's pkt_len), or -1 with errno: EBADF,
 * EPERM (not on the owning lcore), EAGAIN (send buffer full), EPIPE,
 * ENOTCONN, EMSGSIZE (longer than the send buffer).
 */
ssize_t dps_send_mbuf(int fd, struct rte_mbuf *m);

/**
 * Zero-copy receive for code on the owning lcore: the next received mbuf,
 * holding only payload, in order. The caller owns it and frees it.
 * @return bytes in *@p m (0 with *@p m NULL at end of stream), or -1 with
 * errno: EBADF, EPERM (not on the owning lcore), EAGAIN, ECONNRESET and
 * other pending errors.
 */
ssize_t dps_recv_mbuf(int fd, struct rte_mbuf **m);

/**
 * @name Stream calls by handle, for code on the owning lcore
 * A run-to-completion application (callbacks, a work function) calls a
 * connection's socket several times per request from the lcore that owns
 * it. Each descriptor call looks the descriptor up and takes and drops a
 * reference (two atomic operations) to be safe against a close on
 * another thread. A handle skips both: it is the socket itself, taken
 * once, and it needs no reference because the descriptor holds one until
 * dps_close(). The calls check ownership as their descriptor twins do.
 * @{
 */

/** A stream socket, as code on its owning lcore names it. */
struct dps_lsock;
struct dps_sock_cbs;

/**
 * The handle of stream socket @p fd. It stays valid while @p fd is open,
 * and only there: a call through it after dps_close(@p fd) uses freed
 * state, as a call through a pointer after free() does. The caller must
 * hold @p fd open during this call too: no reference is taken. Any
 * thread may take it; the calls through it are for the owning lcore.
 * @return the handle, or NULL with errno: EBADF, ENOTSOCK, EINVAL (not a
 * stream socket). The calls below take NULL and fail it with EBADF.
 */
struct dps_lsock *dps_lsock(int fd);

/** dps_send_mbuf() through a handle; the same results and errors. */
ssize_t dps_lsock_send_mbuf(struct dps_lsock *h, struct rte_mbuf *m);

/**
 * dps_recv_mbuf() through a handle; the same results and errors. When
 * @p more is not NULL, *@p more tells after a return of bytes whether a
 * call now would give more than EAGAIN (another mbuf queued, the end of
 * the stream, an error pending), so that a reader that drains the
 * socket need not make the call that only says EAGAIN; it is false on
 * every other return. It is a snapshot: what arrives after it comes
 * with its own readable or error callback, as after an EAGAIN.
 */
ssize_t dps_lsock_recv_mbuf(struct dps_lsock *h, struct rte_mbuf **m, bool *more);

/** dps_send() through a handle; the same results and errors. */
ssize_t dps_lsock_send(struct dps_lsock *h, const void *buf, size_t len, int flags);

/** dps_set_callbacks() through a handle; the same results and errors. */
int dps_lsock_set_callbacks(struct dps_lsock *h, const struct dps_sock_cbs *cbs,
	void *arg);

/** @} */

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
 * @return 0, or -1 with errno: EFAULT (@p ev cannot be read, for ADD and
 * MOD; checked first, as in Linux), EBADF, EEXIST, ENOENT, EINVAL, EBUSY
 * (the socket is in another set), ENOSPC.
 */
int dps_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev);

/**
 * Wait for events, as epoll_wait(2).
 * @return number of events, 0 on timeout, or -1 with errno: EINVAL
 * (@p maxevents), EFAULT (@p events beyond the user address space, or an
 * event that cannot be written; that event stays queued), EBADF.
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
	/** A listener has a connection to accept (listening sockets). */
	void (*acceptable)(int fd, void *arg);
	/**
	 * The connection has just gone into the compact idle form
	 * (dps_sock_conf.idle_ms; docs/architecture.md, "The compact idle
	 * form"): return the argument it keeps from now on, @p arg itself
	 * or another. An application may give back the state @p arg names
	 * while the connection is quiet and keep a smaller value (NULL, a
	 * tagged pointer, a few packed bytes): every later callback of
	 * @p fd gets what this returned, until dps_set_callbacks() changes
	 * it. Runs on the owning lcore; it must not call the stack for
	 * @p fd (the socket is already put away: a call would take it out
	 * again). A set without it (this member NULL) keeps the argument
	 * as it is.
	 */
	void *(*idle)(int fd, void *arg);
};

/**
 * Install callbacks, for run-to-completion code on a stack lcore. They run
 * on the lcore that owns the socket, inside its poll loop, with no ring
 * hop; they must not block. Install them before dps_connect(). @p cbs is
 * copied; NULL removes them. A stack keeps each distinct set once, for all
 * the sockets that use it, and holds at most 255 distinct sets.
 * @return 0, or -1 with EBADF, or ENOBUFS (255 other sets in use).
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

/** Size of an array indexed by enum dps_tcp_state (index 0 unused). */
#define DPS_TCP_STATE_COUNT (DPS_TCP_CLOSING + 1)

/** Name of a TCP state as Linux's include/net/tcp_states.h spells it
 * without its prefix ("ESTABLISHED", "TIME_WAIT"), or "?" out of range. */
const char *dps_tcp_state_name(int state);

/** A snapshot of one connection, read without locks from any thread. */
struct dps_conn_info {
	uint8_t state;			/**< enum dps_tcp_state */
	uint8_t syn_retries;		/**< SYNs retransmitted so far */
	uint16_t lcore;			/**< owning stack lcore index */
	union {
		struct sockaddr_in local;	/**< an AF_INET socket's name */
		struct sockaddr_in6 local6;	/**< an AF_INET6 socket's */
	};
	union {
		struct sockaddr_in peer;	/**< the peer of an AF_INET socket */
		struct sockaddr_in6 peer6;	/**< of an AF_INET6 socket */
	};
	uint32_t mss;			/**< effective send MSS */
	uint32_t rto_ms;
};

/**
 * State of the socket behind @p fd, read lock-free from the owning
 * lcore's connection table. The names are of the socket's family, as
 * getsockname() and getpeername() give them: `local` and `peer` for an
 * AF_INET socket, `local6` and `peer6` (family AF_INET6) for an AF_INET6
 * one, whose IPv4 connections are named v4-mapped (::ffff:a.b.c.d) and
 * whose link-local names carry the scope id.
 * @return 0, or -1 with errno: EBADF; ENOENT (not in any table).
 */
int dps_conn_info(int fd, struct dps_conn_info *out);

/**
 * Whether connect() may take over a TIME_WAIT tuple when it picks the
 * local port itself (autobind), as Linux's net.ipv4.tcp_tw_reuse: only
 * with timestamps on both connections and once the entry's last
 * timestamp is a second old. A port the application bound takes a
 * TIME_WAIT tuple over whenever timestamps were on, whatever this says
 * (Linux tcp_twsk_unique() without a time-wait pointer).
 */
enum dps_tw_reuse {
	DPS_TW_REUSE_DEFAULT = 0,	/**< Linux's default: DPS_TW_REUSE_LOOPBACK */
	DPS_TW_REUSE_OFF,		/**< tcp_tw_reuse = 0: never */
	DPS_TW_REUSE_ON,		/**< tcp_tw_reuse = 1: any tuple */
	DPS_TW_REUSE_LOOPBACK,		/**< tcp_tw_reuse = 2: loopback tuples only,
					 * so never on a stack (it has none) */
};

/** Per-stack socket settings; see dps_stack_set_sock_conf(). Zero fields
 * take the defaults. */
struct dps_sock_conf {
	uint16_t port_lo;	/**< ephemeral range start; default 32768 */
	uint16_t port_hi;	/**< ephemeral range end; default 60999 */
	uint32_t max_conns;	/**< connections per lcore (TIME_WAIT entries
				 * aside: max_tw_buckets); default 65536,
				 * below 2^25 */
	uint32_t max_socks;	/**< sockets in the pool; default 16383, at most 2^25 */
	uint8_t tw_reuse;	/**< enum dps_tw_reuse; default loopback only */
	/**
	 * Keep an established connection that has been quiet this many
	 * milliseconds in its compact idle form (about 230 bytes instead of
	 * a socket), as TIME_WAIT connections are kept: nothing in flight or
	 * queued, no timer, no thread waiting on it, not on an epoll set.
	 * Any use makes it a socket again, unseen by the application. 0
	 * (the default): never. See docs/architecture.md.
	 */
	uint32_t idle_ms;
	/**
	 * TIME_WAIT entries an lcore keeps at most, of both families
	 * together, as Linux's net.ipv4.tcp_max_tw_buckets (one limit per
	 * network namespace for IPv4 and IPv6): a connection that would enter
	 * TIME_WAIT beyond it closes at once instead, counted as
	 * tcp_tw_overflow (Linux's TCPTimeWaitOverflow). The connection table
	 * has room for these beside max_conns connections, so TIME_WAIT never
	 * keeps a new connection out. Default (0): max_conns / 2, as Linux
	 * takes half its established hash's size; below 2^25.
	 */
	uint32_t max_tw_buckets;
};

/**
 * Change the socket settings of a stack. Before dps_stack_start() only.
 * @return 0, or -EINVAL (port_lo > port_hi, port_lo 0, tw_reuse unknown,
 *         max_conns, max_socks or max_tw_buckets over its bound),
 * -EBUSY (started).
 */
int dps_stack_set_sock_conf(struct dps_stack *s, const struct dps_sock_conf *c);

/** Resource use of a stack's socket layer, for leak checks and monitors. */
struct dps_sock_stats {
	uint32_t socks_in_use;		/**< socket objects out of the pools
					 * (AF_INET and AF_INET6) */
	uint32_t conns;			/**< entries in all connection tables */
	uint32_t tcp_ports_held;	/**< local TCP ports with any user */
	uint32_t udp_ports_held;	/**< local UDP ports bound (either family) */
	uint32_t mbufs_in_use;		/**< mbufs out of the stack's pools */
	uint32_t time_wait;		/**< of @c conns, compact TIME_WAIT entries */
	uint32_t idle;			/**< of @c conns, compact idle connections
					 * (dps_sock_conf.idle_ms) */
	/**
	 * Of @c conns, listeners' children still in SYN_RECV. Those a peer
	 * abandoned go at their SYN-ACK timer, silently, after at most the
	 * SYN-ACK schedule (Linux's reqsk_timer_handler()), also once their
	 * listener has closed.
	 */
	uint32_t half_open;
	/**
	 * Of @c conns, connections the application closed that still finish
	 * (FIN_WAIT, CLOSING, LAST_ACK). Those whose peer is gone end after
	 * the orphan retries (Linux's tcp_orphan_retries, 8 backoffs).
	 */
	uint32_t orphans;
	/**
	 * Cold halves of TCBs out of their pool: connections that move data,
	 * open, close or carry a setting other than the default. An idle
	 * established connection holds none.
	 */
	uint32_t tcb_ext_in_use;
	/**
	 * Socket objects the pool made usable so far: it grows a chunk at a
	 * time up to max_socks as sockets are taken, never shrinks, and
	 * reuses the most recently freed first. AF_INET6 sockets come from
	 * a second pool, counted here too.
	 */
	uint32_t socks_populated;
	/** Bytes of socket memory those objects take (with the pool's own
	 * per-object free-list link). */
	uint64_t sock_bytes;
	/** Bytes of TCB extension memory its pool made usable so far (it
	 * grows as the socket pool does, and keeps what it grew). */
	uint64_t tcb_ext_bytes;
};

/** Fill @p st; any thread, no lock (the figures are a moment's snapshot). */
void dps_stack_sock_stats(const struct dps_stack *s, struct dps_sock_stats *st);

/**
 * TCP connections of lcore @p idx that their application closed and that
 * are still finishing (dps_sock_stats.orphans of that lcore alone): the
 * closes in flight. Code on that lcore can bound them, as with
 * dps_stack_tx_backlog(), to pace a burst of closes by the peer's
 * answers, not only by its own transmit ring. Any thread may call it
 * (a moment's figure); it costs a load, not dps_stack_sock_stats()'s
 * walk of the port table.
 * @return the count.
 */
uint32_t dps_stack_orphans(const struct dps_stack *s, unsigned int idx);

/**
 * Count the stack's TCP connections by state into @p n (indexed by enum
 * dps_tcp_state), from any thread, with no lock: every entry of every
 * lcore's connection table (children not yet accepted, connections
 * closed but finishing, and TIME_WAIT entries included) and the
 * listening sockets. A statistic's picture, not an atomic one: an entry
 * moved by a deletion while the walk runs may be missed or counted
 * twice. It reads every slot of the tables (16 bytes per entry of
 * max_conns + max_tw_buckets, per lcore and family): for monitors, not for
 * a fast path.
 */
void dps_stack_tcp_states(const struct dps_stack *s,
	uint32_t n[DPS_TCP_STATE_COUNT]);

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
