/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Differential conformance runner for the connect path.
 *
 * One table of scenarios (rows), built twice: with -DBACKEND_KERNEL every
 * S_ call is the libc socket call, with -DBACKEND_DPS it is the dps_ call
 * of dps_socket.h. run.sh runs both builds in the same topology and
 * compare.py lines their outputs up row by row.
 *
 * A row is a list of steps on up to four sockets. For every step the
 * runner records what an application could observe: the return value and
 * errno by name, SO_ERROR, poll revents, and the shape of getsockname /
 * getpeername (an ephemeral port is recorded as a class, eph-even or
 * eph-odd, since its value differs run to run). Steps marked timed also
 * record how long they took. Rows that talk to the crafted peer or to the
 * black hole use a destination port of their own, so compare.py can pick
 * their segments out of the peer's log.
 *
 * Every row runs on its own ordinary pthread: rows flagged R_PAR (the long
 * timed ones) all at once from the start, the others at most POOL at a
 * time, after a warm-up that resolves the peers' MAC addresses. The rows
 * that fill the ephemeral port range run in a second invocation of their
 * own (--alone), one at a time. A row that outlives its budget is
 * reported as hung at the step it was in; a step that crashes is reported
 * as such; neither stops the run. Output: one JSON object per row on
 * stdout, in table order.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>

#ifdef BACKEND_DPS
#include <rte_eal.h>
#include "dpstack.h"
#include "dps_socket.h"

#define BACKEND "dpstack"
#define S_socket dps_socket
#define S_bind dps_bind
#define S_connect dps_connect
#define S_listen dps_listen
#define S_getsockname dps_getsockname
#define S_getpeername dps_getpeername
#define S_getsockopt dps_getsockopt
#define S_setsockopt dps_setsockopt
#define S_fcntl dps_fcntl
#define S_close dps_close
#define S_shutdown dps_shutdown
#define S_send dps_send
#define S_sendto dps_sendto
#define S_recv dps_recv
#define S_recvfrom dps_recvfrom
#define S_writev dps_writev
#define S_readv dps_readv
#define S_recvmsg dps_recvmsg
#define S_accept dps_accept
#define S_shutdown dps_shutdown
#define S_poll dps_poll
#define S_epoll_create() dps_epoll_create()
#define S_epoll_ctl dps_epoll_ctl
#define S_epoll_wait dps_epoll_wait
#define S_ioctl dps_ioctl

#elif defined(BACKEND_KERNEL)
#define BACKEND "kernel"
#define S_socket socket
#define S_bind bind
#define S_connect connect
#define S_listen listen
#define S_getsockname getsockname
#define S_getpeername getpeername
#define S_getsockopt getsockopt
#define S_setsockopt setsockopt
#define S_fcntl fcntl
#define S_close close
#define S_shutdown shutdown
#define S_send send
#define S_sendto sendto
#define S_recv recv
#define S_recvfrom recvfrom
#define S_writev writev
#define S_readv readv
#define S_recvmsg recvmsg
#define S_accept accept
#define S_shutdown shutdown
#define S_poll poll
#define S_epoll_create() epoll_create1(0)
#define S_epoll_ctl epoll_ctl
#define S_epoll_wait epoll_wait
#define S_ioctl ioctl
#else
#error "build with -DBACKEND_KERNEL or -DBACKEND_DPS"
#endif

/* ---- the topology (run.sh builds it) ---------------------------------- */

#define IP_SELF "198.18.0.2"	/* the device under test */
#define IP_GW "198.18.0.1"	/* namespace P's kernel */
#define IP_HOST "198.18.0.3"	/* the crafted peer */
#define IP_HOST4 "198.18.0.4"	/* the crafted peer again, for rows that */
#define IP_HOST5 "198.18.0.5"	/* leave per-host state (a path MTU) */
#define IP_HOST6 "198.18.0.6"	/* crafted hosts that answer ARP only */
#define IP_HOST8 "198.18.0.8"	/* after 300 ms */
#define IP_NOARP "198.18.0.7"	/* nobody answers ARP for it */
#define IP_HOLE "198.18.9.1"	/* P routes 198.18.9.0/24 as blackhole */
#define IP_NOROUTE "198.19.0.1"	/* the DUT routes only 198.18.0.0/16 */
#define IP_FOREIGN "198.18.0.77"
/* IPv6 (issue 17): the DUT and namespace P's kernel on 2001:db8::/64,
 * on link; 2001:db8:9::/64 via P, which drops it; nothing routes
 * 2001:db9::/32. */
#define IP6_SELF "2001:db8::2"
#define IP6_GW "2001:db8::1"
#define IP6_NOROUTE "2001:db9::1"
#define IP6_FOREIGN "2001:db8::77"
#define IP6_LL "fe80::1"	/* link-local, given without a scope id */
#define IP6_HOLE "2001:db8:9::1"	/* via P, which routes it as blackhole */
#define IP6_NOND "2001:db8::7"	/* on link; nobody answers ND for it */
#define PORT_LISTEN 7000	/* kernel listener: accepts and holds */
#define PORT_ECHO 7001		/* kernel UDP echo */
#define PORT_CLOSED 7002	/* nothing: the kernel answers RST */
#define PORT_UCLOSED 7003	/* nothing: ICMP port unreachable */
#define PORT_CONNECTOR 7005	/* UDP: "connect PORT DELAY_MS NBYTES" */

/* The ephemeral range; --port-range changes it for the exhaustion rows. */
static unsigned int eph_lo = 32768, eph_hi = 60999;
static bool range_set;

/*
 * What the crafted peer does with a SYN, by destination port
 * 20000 + 100 * behaviour + k. Keep in step with BEHAVIOURS in peer.py.
 */
enum behaviour {
	B_SILENT, B_ACCEPT, B_BADACK, B_BADACK_THEN_OK,
	B_RST, B_RST_BADACK, B_RST_NOACK, B_RST_BAD_THEN_OK,
	B_NET_UNREACH, B_HOST_UNREACH, B_PROTO_UNREACH, B_PORT_UNREACH,
	B_ADMIN_FILTERED, B_UNREACH_CODE16, B_TIME_EXCEEDED, B_PARAM_PROBLEM,
	B_PORT_UNREACH_BADSEQ, B_FRAG_THEN_OK, B_FRAG_SILENT, B_SIMOPEN,
	B_DELAYED_OK, B_SLOW_OK, B_SLOW_RST, B_SIMOPEN_SILENT, B_ACCEPT_ACK,
	B_ACCEPT_MUTE, B_ACCEPT_TALK, B_TALK_TWICE, B_COUNT
};

static const char *const behaviour_name[B_COUNT] = {
	"silent", "accept", "badack", "badack_then_ok",
	"rst", "rst_badack", "rst_noack", "rst_bad_then_ok",
	"net_unreach", "host_unreach", "proto_unreach", "port_unreach",
	"admin_filtered", "unreach_code16", "time_exceeded", "param_problem",
	"port_unreach_badseq", "frag_then_ok", "frag_silent", "simopen",
	"delayed_ok", "slow_ok", "slow_rst", "simopen_silent", "accept_ack",
	"accept_mute", "accept_talk", "talk_twice",
};

/* ---- steps and rows ---------------------------------------------------- */

enum addr_kind {
	AD_NULL, AD_LISTEN, AD_CLOSED, AD_ECHO, AD_UCLOSED, AD_CRAFT, AD_CRAFT4,
	AD_CRAFT5, AD_CRAFT6, AD_CRAFT8, AD_NOARP, AD_HOLE,
	AD_NOROUTE, AD_BCAST, AD_LBCAST, AD_MCAST, AD_ANY, AD_SELF, AD_FOREIGN,
	AD_UNSPEC, AD_INET6, AD_UNIXFAM,
	/* sockaddr_in6, 28 bytes: P's kernel (UDP echo, closed UDP port),
	 * ::, ours, unrouted, not ours, link-local without a scope id, and
	 * v4-mapped: the echo, ::ffff:0.0.0.0 and ours. */
	AD6_ECHO, AD6_UCLOSED, AD6_ANY, AD6_SELF, AD6_NOROUTE, AD6_FOREIGN,
	AD6_LL, AD6_MECHO, AD6_MANY, AD6_MSELF,
	/* TCP over IPv6: P's kernel listener and a closed port, the same
	 * over v4-mapped addresses, the IPv6 black hole, and an on-link
	 * address no neighbour answers for. */
	AD6_LISTEN, AD6_CLOSED, AD6_MLISTEN, AD6_MCLOSED, AD6_HOLE, AD6_NOND,
};
#define AD6_FIRST AD6_ECHO

enum op {
	OP_END, OP_SOCKET, OP_BIND, OP_CONNECT, OP_LISTEN, OP_POLL, OP_SOERR,
	OP_SETINT, OP_GETINT, OP_SETTV, OP_GETTV, OP_NAME, OP_PEER, OP_SEND,
	OP_SENDTO, OP_RECV, OP_SLEEP, OP_CLOSE, OP_NONBLOCK, OP_EPOLL,
	OP_WATCH, OP_BURST, OP_FILL, OP_UNFILL, OP_SPREAD, OP_RACE, OP_SHUTDOWN,
	OP_UPTR, OP_IOCTL, OP_SENDN, OP_SETLINGER, OP_GETLINGER, OP_PEERCONN,
	OP_ACCEPT, OP_RECVMSG,
};

/*
 * OP_UPTR: one call with one pointer argument of a given kind (bad
 * pointers must give EFAULT where the kernel gives it, in the kernel's
 * order of checks). Which call, and which of its pointers:
 */
enum uptr_call {
	U_SEND, U_RECV, U_SENDTO_ADDR, U_RECVFROM_ADDR, U_RECVFROM_LEN, U_BIND,
	U_CONNECT, U_NAME_ADDR, U_NAME_LEN, U_PEER_ADDR, U_GETOPT_VAL,
	U_GETOPT_LEN, U_GETOPT_TCP_VAL, U_GETOPT_UNKNOWN_LEN, U_SETOPT_VAL,
	U_SETOPT_TCP_VAL, U_SETOPT_TV, U_SETOPT_CC, U_POLL, U_EPOLL_CTL,
	U_EPOLL_WAIT, U_WRITEV_IOV, U_WRITEV_BASE, U_READV_BASE, U_ACCEPT_LEN,
	U_LISTEN, U_SHUTDOWN, U_IOCTL_INQ, U_RECVMSG_HDR, U_RECVMSG_BASE, U_RECV_TRUNC, U_COUNT
};

/* The pointer: NULL, 1, the kernel half, a mapped page with no access,
 * a read-only page (zeroes), or good memory. */
enum uptr_kind { P_NULL, P_ONE, P_HIGH, P_NOACCESS, P_RO, P_OK, P_COUNT };

#define F_TIMED 0x01	/* record the step's duration */
#define F_NOPAR 0x02	/* ephemeral port parity is not part of the shape */
#define F_EPFD 0x04	/* OP_UPTR: call it on an epoll descriptor */
#define F_NAME 0x08	/* OP_RECVMSG: with msg_name */
#define LEN_NAT (-1)	/* the natural length of the address kind */
#define MAX_STEPS 40
#define MAX_SOCKS 4

struct step {
	uint8_t op;
	uint8_t sock;
	uint8_t addr;
	uint8_t flags;
	int port;
	int64_t len;
	int a, b, c;
};

#define R_PAR 0x01	/* long and timed: own thread from the start */
#define R_SYNS 0x02	/* compare the SYN schedule the peer saw */
#define R_LAYOUT 0x04	/* compare the first SYN's options and fields */
#define R_ALONE 0x08	/* fills the port range: only in an --alone run */
#define R_DATA 0x10	/* compare the data segments the peer saw */
#define R_NOSUM 0x20	/* not the count of segments (retransmissions vary) */
#define R_ACKS 0x40	/* how soon the peer's data was acknowledged */
/* The kernel's poll may wake on an ICMP error between sk_error_report()
 * and tcp_done() in tcp_v4_err(), and report ERR before the socket is
 * CLOSE (no HUP): a row that differs may be run again, as a timing row. */
#define R_KRACE 0x80

struct row {
	const char *name;
	unsigned int flags;
	unsigned int budget_ms;		/* 0: 15 s */
	struct step st[MAX_STEPS];
};

/* Destinations and local addresses, as "kind, port" pairs. */
#define CP(b, k) (20000 + 100 * (b) + (k))
#define TO_LISTENER AD_LISTEN, 0
#define TO_CLOSED AD_CLOSED, 0
#define TO_ECHO AD_ECHO, 0
#define TO_UCLOSED AD_UCLOSED, 0
#define TO_PEER(b, k) AD_CRAFT, CP(b, k)
#define TO_PEER4(b, k) AD_CRAFT4, CP(b, k)
#define TO_PEER5(b, k) AD_CRAFT5, CP(b, k)
#define TO_PEER6(b, k) AD_CRAFT6, CP(b, k)
#define TO_PEER8(b, k) AD_CRAFT8, CP(b, k)
#define TO_NOARP(k) AD_NOARP, (30000 + (k))
#define TO_HOLE(k) AD_HOLE, (30000 + (k))
#define TO_NOROUTE AD_NOROUTE, 0
#define TO_BCAST AD_BCAST, 0
#define TO_LBCAST AD_LBCAST, 0
#define TO_MCAST AD_MCAST, 0
#define TO_UNSPEC AD_UNSPEC, 0
#define TO_INET6 AD_INET6, 0
#define TO_UNIXFAM AD_UNIXFAM, 0
#define TO_NULL AD_NULL, 0
#define TO6_ECHO AD6_ECHO, 0
#define TO6_UCLOSED AD6_UCLOSED, 0
#define TO6_NOROUTE AD6_NOROUTE, 0
#define TO6_MECHO AD6_MECHO, 0
#define TO6_LL AD6_LL, 0
#define TO6_SELF AD6_SELF, 0
#define TO6_LISTENER AD6_LISTEN, 0
#define TO6_CLOSED AD6_CLOSED, 0
#define TO6_MLISTENER AD6_MLISTEN, 0
#define TO6_MCLOSED AD6_MCLOSED, 0
/* Ports of their own, though the peer logs IPv4 segments only. */
#define TO6_HOLE(k) AD6_HOLE, (31000 + (k))
#define TO6_NOND(k) AD6_NOND, (31000 + (k))
#define AT6_ANY(p) AD6_ANY, (p)
#define AT6_SELF(p) AD6_SELF, (p)
#define AT6_MANY(p) AD6_MANY, (p)
#define AT6_MSELF(p) AD6_MSELF, (p)
#define AT6_FOREIGN AD6_FOREIGN, 0
#define AT6_LL AD6_LL, 0
#define AT_ANY(p) AD_ANY, (p)
#define AT_SELF(p) AD_SELF, (p)
#define AT_FOREIGN AD_FOREIGN, 0
#define FIXED(k) (61000 + (k))

/* Step constructors; the _ forms take the expanded "kind, port" pair. */
#define SOCKn(i, t) { .op = OP_SOCKET, .sock = (i), .a = (t) }
#define SOCK(t) SOCKn(0, t)
/* An AF_INET6 socket. */
#define SOCK6n(i, t) { .op = OP_SOCKET, .sock = (i), .a = (t), .c = AF_INET6 }
#define SOCK6(t) SOCK6n(0, t)
#define SOCKP(i, t, p) { .op = OP_SOCKET, .sock = (i), .a = (t), .b = (p) }
#define CONNECT_(i, k, p, l, f) \
	{ .op = OP_CONNECT, .sock = (i), .addr = (k), .port = (p), .len = (l), \
	  .flags = (f) }
#define CONN(...) CONNECT_(0, __VA_ARGS__, LEN_NAT, 0)
#define CONNT(...) CONNECT_(0, __VA_ARGS__, LEN_NAT, F_TIMED)
#define CONNn(i, ...) CONNECT_(i, __VA_ARGS__, LEN_NAT, 0)
#define CONNL(...) CONNL_(__VA_ARGS__)
#define CONNL_(k, p, l) CONNECT_(0, k, p, l, 0)
#define BIND_(i, k, p, l) \
	{ .op = OP_BIND, .sock = (i), .addr = (k), .port = (p), .len = (l) }
#define BIND(...) BIND_(0, __VA_ARGS__, LEN_NAT)
#define BINDn(i, ...) BIND_(i, __VA_ARGS__, LEN_NAT)
#define BINDL(...) BINDL_(__VA_ARGS__)
#define BINDL_(k, p, l) BIND_(0, k, p, l)
#define SENDTO_(k, p) { .op = OP_SENDTO, .addr = (k), .port = (p), .len = LEN_NAT }
#define SENDTO(...) SENDTO_(__VA_ARGS__)
#define SENDTOL_(k, p, l) { .op = OP_SENDTO, .addr = (k), .port = (p), .len = (l) }
#define SENDTOL(...) SENDTOL_(__VA_ARGS__)
#define WATCH_(k, p, ms) { .op = OP_WATCH, .addr = (k), .port = (p), \
	.len = LEN_NAT, .c = (ms) }
#define WATCH(...) WATCH_(__VA_ARGS__)
#define BURST_(k, p, n, ms) { .op = OP_BURST, .addr = (k), .port = (p), \
	.len = LEN_NAT, .a = (n), .c = (ms), .flags = F_TIMED }
#define BURST(...) BURST_(__VA_ARGS__)
#define FILL(t) { .op = OP_FILL, .a = (t) }
#define SPREAD_(k, p, n, np) { .op = OP_SPREAD, .addr = (k), .port = (p), \
	.len = LEN_NAT, .a = (n), .b = (np) }
#define SPREAD(...) SPREAD_(__VA_ARGS__)
/* @n threads connect() socket 0 to one address at once. */
#define RACE_(k, p, n) { .op = OP_RACE, .addr = (k), .port = (p), \
	.len = LEN_NAT, .a = (n) }
#define RACE(...) RACE_(__VA_ARGS__)
#define UNFILL { .op = OP_UNFILL }
#define DO_LISTENn(i) { .op = OP_LISTEN, .sock = (i) }
#define DO_LISTEN DO_LISTENn(0)
#define POLLEV(i, ev, ms, f) { .op = OP_POLL, .sock = (i), .a = (ev), .c = (ms), \
	.flags = (f) }
#define POLL(ms) POLLEV(0, POLLIN | POLLOUT, ms, 0)
#define POLLn(i, ms) POLLEV(i, POLLIN | POLLOUT, ms, 0)
#define POLLT(ms) POLLEV(0, POLLIN | POLLOUT, ms, F_TIMED)
#define POLLRD(ms) POLLEV(0, POLLIN, ms, 0)
/* Writable only: a talking peer's data may be in already. */
#define POLLWR(ms) POLLEV(0, POLLOUT, ms, 0)
#define SOERR { .op = OP_SOERR }
#define SETIn(i, l, o, v) { .op = OP_SETINT, .sock = (i), .a = (l), .b = (o), \
	.c = (v) }
#define SETI(l, o, v) SETIn(0, l, o, v)
#define GETI(l, o) { .op = OP_GETINT, .a = (l), .b = (o), .c = 4 }
#define GETIn(i, l, o) { .op = OP_GETINT, .sock = (i), .a = (l), .b = (o), .c = 4 }
#define GETIL(l, o, n) { .op = OP_GETINT, .a = (l), .b = (o), .c = (n) }
#define SNDTIMEO(ms) { .op = OP_SETTV, .b = SO_SNDTIMEO, .a = (ms) / 1000, \
	.c = (ms) % 1000 * 1000 }
#define SETTV(o, s, us) { .op = OP_SETTV, .b = (o), .a = (s), .c = (us) }
#define GETTV(o) { .op = OP_GETTV, .b = (o) }
#define NAMEn(i) { .op = OP_NAME, .sock = (i) }
#define NAME NAMEn(0)
#define NAMEUn(i) { .op = OP_NAME, .sock = (i), .flags = F_NOPAR }
#define NAMEU NAMEUn(0)
#define PEERn(i) { .op = OP_PEER, .sock = (i) }
#define PEER PEERn(0)
#define SEND { .op = OP_SEND }
#define RECV { .op = OP_RECV, .a = MSG_DONTWAIT }
#define SLEEP(ms) { .op = OP_SLEEP, .c = (ms) }
#define CLOSEn(i) { .op = OP_CLOSE, .sock = (i) }
#define CLOSE CLOSEn(0)
#define NONBLOCK { .op = OP_NONBLOCK }
#define SHUTWR { .op = OP_SHUTDOWN, .a = SHUT_WR }
#define EPOLL(ms) { .op = OP_EPOLL, .a = EPOLLIN | EPOLLOUT, .c = (ms) }
/* ioctl(@req) with an int; send @n bytes with @fl; struct linger. */
#define IOCTL(req) { .op = OP_IOCTL, .a = (req) }
#define IOCTLn(i, req) { .op = OP_IOCTL, .sock = (i), .a = (req) }
#define SENDN(n, fl) { .op = OP_SENDN, .a = (n), .b = (fl) }
#define SETLINGER(on, s) { .op = OP_SETLINGER, .a = (on), .c = (s) }
#define GETLINGER { .op = OP_GETLINGER }
#define CLOSET { .op = OP_CLOSE, .flags = F_TIMED }
/* The peer's kernel connects to our @port, sends @n bytes @ms later. */
#define PEERCONN(p, ms, n) { .op = OP_PEERCONN, .port = (p), .a = (ms), \
	.b = (n) }
/* The same over IPv6: to our [2001:db8::2]:@port. */
#define PEERCONN6(p, ms, n) { .op = OP_PEERCONN, .port = (p), .a = (ms), \
	.b = (n), .c = 6 }
/* accept() on socket 0 into socket @i. */
#define ACCEPTn(i) { .op = OP_ACCEPT, .a = (i) }
#define POLLRDT(ms) POLLEV(0, POLLIN, ms, F_TIMED)
#define RECVn(i) { .op = OP_RECV, .sock = (i), .a = MSG_DONTWAIT }
#define UPTR(call, kind, n) { .op = OP_UPTR, .a = (call), .b = (kind), .c = (n) }
#define UPTRn(i, call, kind, n) { .op = OP_UPTR, .sock = (i), .a = (call), \
	.b = (kind), .c = (n) }
#define ONEP(call) { .op = OP_UPTR, .a = (call), .b = P_OK, .c = 1, \
	.flags = F_EPFD }
/* recvmsg() on socket @i with @fl, @len bytes in two segments and @ctl
 * bytes of control buffer (-1: msg_control NULL); _N: with msg_name. */
#define RECVMSGn(i, fl, len, ctl) { .op = OP_RECVMSG, .sock = (i), .a = (fl), \
	.b = (len), .c = (ctl) }
#define RECVMSG(fl, len, ctl) RECVMSGn(0, fl, len, ctl)
#define RECVMSG_N(fl, len, ctl) { .op = OP_RECVMSG, .a = (fl), .b = (len), \
	.c = (ctl), .flags = F_NAME }
#define ROW(n, f, ...) { .name = (n), .flags = (f), .st = { __VA_ARGS__ } }
#define ROWB(n, f, b, ...) { .name = (n), .flags = (f), .budget_ms = (b), \
	.st = { __VA_ARGS__ } }

#define NB (SOCK_STREAM | SOCK_NONBLOCK)
#define BL SOCK_STREAM
#define DG SOCK_DGRAM
#define SYNCNT(n) SETI(IPPROTO_TCP, TCP_SYNCNT, n)
#define USER_TIMEOUT(ms) SETI(IPPROTO_TCP, TCP_USER_TIMEOUT, ms)
#define REUSEn(i) SETIn(i, SOL_SOCKET, SO_REUSEADDR, 1)
#define RPORTn(i) SETIn(i, SOL_SOCKET, SO_REUSEPORT, 1)
/* accept() on socket @l into socket @i. */
#define ACCEPTON(l, i) { .op = OP_ACCEPT, .sock = (l), .a = (i) }
#define NOPORTn(i) SETIn(i, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
#define NOPORT NOPORTn(0)
#define SETNP(v) SETI(IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, v)
#define GETNP GETI(IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT)
#define GETNPL(n) GETIL(IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, n)
#define V6ONLYn(i) SETIn(i, IPPROTO_IPV6, IPV6_V6ONLY, 1)
#define V6ONLY V6ONLYn(0)

/*
 * The table. Each line of issue 3's "Connect semantics to reproduce" has
 * rows here; the comment above each group names the rule. Destination
 * ports on the crafted peer and the black hole are unique per row.
 */
static const struct row rows[] = {
	/* Address checks: move_addr_to_kernel, __inet_stream_connect,
	 * tcp_v4_connect, in that order. */
	ROW("addr_len0", 0, SOCK(NB), CONNL(TO_LISTENER, 0), NAME),
	ROW("addr_len1", 0, SOCK(NB), CONNL(TO_LISTENER, 1)),
	ROW("addr_len2_inet", 0, SOCK(NB), CONNL(TO_LISTENER, 2)),
	ROW("addr_len15", 0, SOCK(NB), CONNL(TO_LISTENER, 15), NAME, POLL(0)),
	ROW("addr_len16", 0, SOCK(NB), CONNL(TO_LISTENER, 16), POLL(2000),
		SOERR, NAME, PEER),
	ROW("addr_len17", 0, SOCK(NB), CONNL(TO_LISTENER, 17), POLL(2000), SOERR),
	ROW("addr_len128", 0, SOCK(NB), CONNL(TO_LISTENER, 128), POLL(2000)),
	ROW("addr_len129", 0, SOCK(NB), CONNL(TO_LISTENER, 129), NAME),
	ROW("addr_len_int_max", 0, SOCK(NB), CONNL(TO_LISTENER, 0x7fffffff)),
	ROW("addr_len_uint_max", 0, SOCK(NB), CONNL(TO_LISTENER, 0xffffffffLL)),
	ROW("addr_null_len16", 0, SOCK(NB), CONNL(TO_NULL, 16), NAME),
	ROW("addr_null_len0", 0, SOCK(NB), CONNL(TO_NULL, 0)),
	ROW("addr_inet6", 0, SOCK(NB), CONN(TO_INET6), NAME, POLL(0)),
	ROW("addr_inet6_len16", 0, SOCK(NB), CONNL(TO_INET6, 16)),
	ROW("addr_inet6_len15", 0, SOCK(NB), CONNL(TO_INET6, 15)),
	ROW("addr_family_unix", 0, SOCK(NB), CONN(TO_UNIXFAM)),
	ROW("addr_inet6_blocking", 0, SOCK(BL), CONN(TO_INET6), SOERR),

	/* AF_UNSPEC: disconnect. */
	ROW("unspec_fresh", 0, SOCK(NB), CONN(TO_UNSPEC), NAME, PEER, SOERR,
		POLL(0), CONN(TO_LISTENER), POLL(2000)),
	ROW("unspec_len1", 0, SOCK(NB), CONNL(TO_UNSPEC, 1)),
	ROW("unspec_len2", 0, SOCK(NB), CONNL(TO_UNSPEC, 2), POLL(0)),
	ROW("unspec_null_len0", 0, SOCK(NB), CONNL(TO_NULL, 0), NAME),
	ROW("unspec_connecting", 0, SOCK(NB), CONN(TO_PEER(B_SILENT, 1)),
		CONN(TO_UNSPEC), POLL(0), SOERR, SOERR, NAME, PEER,
		CONN(TO_PEER(B_SILENT, 1)), POLL(100), SOERR),
	ROW("unspec_connecting_blocking_sock", 0, SOCK(BL), SNDTIMEO(100),
		CONN(TO_PEER(B_SILENT, 2)), CONN(TO_UNSPEC), SOERR, POLL(0),
		CONN(TO_LISTENER), PEER),
	ROW("unspec_connected", 0, SOCK(NB), CONN(TO_PEER(B_ACCEPT, 1)),
		POLL(2000), CONN(TO_PEER(B_ACCEPT, 1)), CONN(TO_UNSPEC), POLL(0),
		SOERR, SOERR, PEER, NAME, CONN(TO_PEER(B_ACCEPT, 1)), POLL(2000),
		SOERR, SLEEP(100)),
	ROW("unspec_connected_blocking", 0, SOCK(BL), CONN(TO_PEER(B_ACCEPT, 2)),
		CONN(TO_UNSPEC), SOERR, PEER, CONN(TO_PEER(B_ACCEPT, 2)), PEER,
		SLEEP(100)),
	ROW("unspec_refused", 0, SOCK(NB), CONN(TO_CLOSED), POLL(2000),
		CONN(TO_UNSPEC), POLL(0), SOERR, NAME, CONN(TO_CLOSED), POLL(2000),
		SOERR),
	ROW("unspec_listening", 0, SOCK(BL), BIND(AT_ANY(FIXED(1))), DO_LISTEN,
		CONN(TO_LISTENER), CONN(TO_UNSPEC), NAME, POLL(0), CONN(TO_LISTENER),
		NAME),
	/* Linux 6.18: a socket that has listened never connects again, and
	 * one that has tried to connect never listens (EINVAL), even after
	 * an AF_UNSPEC disconnect; the route lookup comes first. */
	ROW("unspec_listening_autobound", 0, SOCK(BL), DO_LISTEN, CONN(TO_UNSPEC),
		NAMEU, CONN(TO_NOROUTE), CONN(TO_LISTENER), NAMEU, DO_LISTEN, NAMEU,
		CONN(TO_UNSPEC), CONN(TO_UNSPEC), CONN(TO_LISTENER), POLL(0)),
	ROW("listen_after_refused", 0, SOCK(BL), CONN(TO_CLOSED), DO_LISTEN, NAMEU,
		CONN(TO_LISTENER), PEER),
	ROW("listen_after_noroute", 0, SOCK(BL), CONN(TO_NOROUTE), DO_LISTEN, NAMEU),
	ROW("listen_after_unspec_connected", 0, SOCK(NB), CONN(TO_PEER(B_ACCEPT, 8)),
		POLL(2000), CONN(TO_UNSPEC), DO_LISTEN, POLL(0), CONN(TO_PEER(B_ACCEPT, 8)),
		POLL(2000), PEER),

	/* One socket, eight threads in connect() while the peer takes its
	 * time: the socket lock makes __inet_stream_connect's check-and-start
	 * atomic, so there is one attempt; blocking callers all return its
	 * result, the first to see a failure its error and the others EPIPE
	 * (sk_disconnects). */
	ROW("race_blocking_ok", 0, SOCK(BL), RACE(TO_PEER(B_SLOW_OK, 1), 8), SOERR,
		PEER, NAME, CONN(TO_PEER(B_SLOW_OK, 1))),
	ROW("race_nonblocking_ok", 0, SOCK(NB), RACE(TO_PEER(B_SLOW_OK, 2), 8),
		POLL(3000), SOERR, CONN(TO_PEER(B_SLOW_OK, 2)), PEER),
	ROW("race_blocking_refused", 0, SOCK(BL), RACE(TO_PEER(B_SLOW_RST, 1), 8),
		SOERR, NAME, POLL(0)),
	ROW("race_nonblocking_refused", 0, SOCK(NB), RACE(TO_PEER(B_SLOW_RST, 2), 8),
		POLL(3000), CONN(TO_PEER(B_SLOW_RST, 2)), SOERR, NAME),

	/* The state switch of __inet_stream_connect. */
	ROW("state_inprogress_then_ealready", 0, SOCK(NB), CONN(TO_HOLE(1)),
		CONN(TO_HOLE(1)), CONN(TO_LISTENER), POLL(200), SOERR, NAME, PEER),
	ROW("state_nb_success_0_then_eisconn", 0, SOCK(NB), CONN(TO_LISTENER),
		POLL(2000), CONN(TO_LISTENER), CONN(TO_LISTENER), CONN(TO_CLOSED),
		NAME, PEER, POLL(0)),
	ROW("state_nb_success_sleep_connect", 0, SOCK(NB), CONN(TO_LISTENER),
		SLEEP(300), CONN(TO_CLOSED), CONN(TO_LISTENER), PEER),
	ROW("state_blocking_success", 0, SOCK(BL), CONN(TO_LISTENER),
		CONN(TO_LISTENER), POLL(0), NAME, PEER, SOERR),
	ROW("state_listen_autobind_connect", 0, SOCK(BL), DO_LISTEN, NAME,
		CONN(TO_LISTENER), POLL(0), PEER),
	ROW("state_listen_bound_connect", 0, SOCK(NB), BIND(AT_SELF(FIXED(2))),
		DO_LISTEN, CONN(TO_LISTENER), CONN(TO_UNSPEC), NAME),
	ROW("state_fcntl_nonblock", 0, SOCK(BL), NONBLOCK, CONN(TO_LISTENER),
		POLL(2000), CONN(TO_LISTENER)),
	ROW("state_bad_fd", 0, CONNn(3, TO_LISTENER)),
	ROW("state_refused_connect_returns_error", 0, SOCK(NB), CONN(TO_CLOSED),
		POLL(2000), CONN(TO_CLOSED), SOERR, NAME, PEER, CONN(TO_CLOSED),
		POLL(2000), SOERR),
	ROW("state_refused_read_then_econnaborted", 0, SOCK(NB), CONN(TO_CLOSED),
		POLL(2000), SOERR, SOERR, CONN(TO_CLOSED), CONN(TO_CLOSED),
		POLL(2000), SOERR, CONN(TO_CLOSED)),
	ROW("state_refused_error_ignores_addr", 0, SOCK(NB), CONN(TO_CLOSED),
		POLL(2000), CONN(TO_LISTENER), CONN(TO_LISTENER), POLL(2000),
		PEER),
	ROW("state_refused_blocking", 0, SOCK(BL), CONN(TO_CLOSED), SOERR, NAME,
		PEER, POLL(0), CONN(TO_CLOSED), CONN(TO_LISTENER), PEER),
	ROWB("state_sndtimeo_expires", R_PAR, 5000, SOCK(BL), SNDTIMEO(300),
		CONNT(TO_HOLE(2)), CONNT(TO_HOLE(2)), SOERR, PEER, POLL(0)),
	ROWB("state_sndtimeo_then_completes", R_PAR, 5000, SOCK(BL),
		SNDTIMEO(200), CONNT(TO_PEER(B_DELAYED_OK, 1)), POLL(2000), SOERR,
		CONN(TO_PEER(B_DELAYED_OK, 1)), CONN(TO_PEER(B_DELAYED_OK, 1))),
	ROWB("state_blocking_thread_sleeps", R_PAR, 5000, SOCK(BL),
		SNDTIMEO(700), WATCH(TO_HOLE(3), 600)),

	/* Autobind and bind. */
	ROW("autobind_connect_even", 0, SOCK(NB), NAME, CONN(TO_LISTENER),
		NAME, POLL(2000), NAME),
	ROW("autobind_bind0_odd_kept", 0, SOCK(NB), BIND(AT_ANY(0)), NAME,
		CONN(TO_LISTENER), POLL(2000), NAME),
	ROW("autobind_bind_self0", 0, SOCK(NB), BIND(AT_SELF(0)), NAME),
	ROW("autobind_bind_fixed_kept", 0, SOCK(NB), BIND(AT_SELF(FIXED(3))),
		CONN(TO_LISTENER), POLL(2000), NAME),
	ROW("autobind_bind_any_fixed", 0, SOCK(NB), BIND(AT_ANY(FIXED(4))), NAME,
		CONN(TO_LISTENER), POLL(2000), NAME),
	ROW("bind_same_port_no_reuse", 0, SOCKn(0, NB), SOCKn(1, NB),
		BINDn(0, AT_ANY(FIXED(5))), BINDn(1, AT_ANY(FIXED(5))), NAMEn(1)),
	ROW("bind_same_port_reuse_both", 0, SOCKn(0, NB), SOCKn(1, NB),
		REUSEn(0), REUSEn(1), BINDn(0, AT_ANY(FIXED(6))),
		BINDn(1, AT_ANY(FIXED(6))), CONNn(0, TO_LISTENER), POLLn(0, 2000),
		CONNn(1, TO_LISTENER), CONNn(1, TO_PEER(B_ACCEPT, 3)),
		POLLn(1, 2000), NAMEn(0), NAMEn(1), SLEEP(100)),
	ROW("bind_same_port_reuse_one", 0, SOCKn(0, NB), SOCKn(1, NB), REUSEn(1),
		BINDn(0, AT_ANY(FIXED(7))), BINDn(1, AT_ANY(FIXED(7)))),
	ROW("bind_same_port_reuse_listening", 0, SOCKn(0, NB), SOCKn(1, NB),
		REUSEn(0), REUSEn(1), BINDn(0, AT_ANY(FIXED(8))), DO_LISTENn(0),
		BINDn(1, AT_ANY(FIXED(8)))),
	ROW("bind_twice", 0, SOCK(NB), BIND(AT_ANY(0)), BIND(AT_ANY(0))),
	ROW("bind_foreign", 0, SOCK(NB), BIND(AT_FOREIGN), NAME),
	ROW("bind_short", 0, SOCK(NB), BINDL(AT_ANY(0), 15)),
	ROW("bind_unspec_any", 0, SOCK(NB), BIND(TO_UNSPEC), NAME),
	/* A closed socket's connection keeps the port it bound (the orphan,
	 * then its time-wait socket, stay in the bind bucket): a new bind()
	 * conflicts unless both set SO_REUSEADDR (inet_bind_conflict()). */
	ROW("bind_over_closed_bound", 0, SOCKn(0, NB), SOCKn(1, NB),
		BINDn(0, AT_ANY(FIXED(14))), CONNn(0, TO_LISTENER), POLLn(0, 2000),
		CLOSEn(0), SLEEP(200), BINDn(1, AT_ANY(FIXED(14)))),
	ROW("bind_over_closed_bound_reuse_new", 0, SOCKn(0, NB), SOCKn(1, NB),
		REUSEn(1), BINDn(0, AT_ANY(FIXED(15))), CONNn(0, TO_LISTENER),
		POLLn(0, 2000), CLOSEn(0), SLEEP(200), BINDn(1, AT_ANY(FIXED(15)))),
	ROW("bind_over_closed_bound_reuse_both", 0, SOCKn(0, NB), SOCKn(1, NB),
		REUSEn(0), REUSEn(1), BINDn(0, AT_ANY(FIXED(16))),
		CONNn(0, TO_LISTENER), POLLn(0, 2000), CLOSEn(0), SLEEP(200),
		BINDn(1, AT_ANY(FIXED(16))), NAMEn(1)),
	ROW("bind_after_connect", 0, SOCK(NB), CONN(TO_LISTENER), POLL(2000),
		BIND(AT_ANY(0))),

	/* SO_REUSEPORT (issue 18 item 4): sockets that all set it before
	 * bind() share the port, listening or not; one that did not conflicts
	 * with them and they with it (inet_bind_conflict(); every socket is
	 * the same user). Two SO_REUSEADDR sockets never both listen. A
	 * wildcard and a specific address share the port. A member that
	 * closes leaves the group: its queued children are not handed to
	 * the others, and new connections go to those left. */
	ROW("reuseport_get_set", 0, SOCK(NB), GETI(SOL_SOCKET, SO_REUSEPORT),
		SETI(SOL_SOCKET, SO_REUSEPORT, 7), GETI(SOL_SOCKET, SO_REUSEPORT),
		SETI(SOL_SOCKET, SO_REUSEPORT, 0), GETI(SOL_SOCKET, SO_REUSEPORT)),
	ROW("reuseport_both_listen", 0, SOCKn(0, NB), SOCKn(1, NB), RPORTn(0),
		RPORTn(1), BINDn(0, AT_ANY(FIXED(60))), BINDn(1, AT_ANY(FIXED(60))),
		DO_LISTENn(0), DO_LISTENn(1), NAMEn(1), GETIn(1, SOL_SOCKET, SO_ACCEPTCONN)),
	ROW("reuseport_first_only", 0, SOCKn(0, NB), SOCKn(1, NB), RPORTn(0),
		BINDn(0, AT_ANY(FIXED(61))), BINDn(1, AT_ANY(FIXED(61)))),
	ROW("reuseport_second_only", 0, SOCKn(0, NB), SOCKn(1, NB), RPORTn(1),
		BINDn(0, AT_ANY(FIXED(62))), BINDn(1, AT_ANY(FIXED(62)))),
	ROW("reuseport_join_listening", 0, SOCKn(0, NB), SOCKn(1, NB), SOCKn(2, NB),
		RPORTn(0), RPORTn(1), BINDn(0, AT_ANY(FIXED(63))), DO_LISTENn(0),
		BINDn(1, AT_ANY(FIXED(63))), DO_LISTENn(1), BINDn(2, AT_ANY(FIXED(63)))),
	ROW("reuseport_reuseaddr_listener", 0, SOCKn(0, NB), SOCKn(1, NB),
		REUSEn(0), REUSEn(1), RPORTn(1), BINDn(0, AT_ANY(FIXED(64))),
		DO_LISTENn(0), BINDn(1, AT_ANY(FIXED(64)))),
	ROW("reuseport_reuseaddr_two_listen", 0, SOCKn(0, NB), SOCKn(1, NB),
		REUSEn(0), REUSEn(1), RPORTn(0), BINDn(0, AT_ANY(FIXED(65))),
		BINDn(1, AT_ANY(FIXED(65))), DO_LISTENn(0), DO_LISTENn(1)),
	ROW("reuseport_wildcard_specific", 0, SOCKn(0, NB), SOCKn(1, NB),
		RPORTn(0), RPORTn(1), BINDn(0, AT_ANY(FIXED(66))), DO_LISTENn(0),
		BINDn(1, AT_SELF(FIXED(66))), DO_LISTENn(1), NAMEn(1)),
	ROW("reuseport_cleared_after_listen", 0, SOCKn(0, NB), SOCKn(1, NB),
		RPORTn(0), RPORTn(1), BINDn(0, AT_ANY(FIXED(67))), DO_LISTENn(0),
		SETIn(0, SOL_SOCKET, SO_REUSEPORT, 0), BINDn(1, AT_ANY(FIXED(67))),
		DO_LISTENn(1)),
	ROW("reuseport_member_closed", 0, SOCKn(0, NB), SOCKn(1, NB), SOCKn(2, NB),
		SOCKn(3, NB), RPORTn(0), RPORTn(1), RPORTn(3),
		BINDn(0, AT_ANY(FIXED(68))), DO_LISTENn(0), BINDn(1, AT_ANY(FIXED(68))),
		DO_LISTENn(1), CLOSEn(0), BINDn(2, AT_ANY(FIXED(68))),
		BINDn(3, AT_ANY(FIXED(68))), DO_LISTENn(3)),
	ROW("reuseport_bound_connects", 0, SOCKn(0, NB), SOCKn(1, NB), RPORTn(0),
		RPORTn(1), BINDn(0, AT_ANY(FIXED(69))), BINDn(1, AT_ANY(FIXED(69))),
		DO_LISTENn(0), CONNn(1, TO_LISTENER), POLLn(1, 2000), NAMEn(1)),
	ROWB("reuseport_close_member_queue", 0, 8000, SOCKn(0, NB), SOCKn(1, NB),
		RPORTn(0), RPORTn(1), BINDn(0, AT_ANY(FIXED(70))), DO_LISTENn(0),
		PEERCONN(FIXED(70), 0, 0), POLLEV(0, POLLIN, 3000, 0),
		BINDn(1, AT_ANY(FIXED(70))), DO_LISTENn(1), CLOSEn(0),
		ACCEPTON(1, 2), PEERCONN(FIXED(70), 0, 0), POLLEV(1, POLLIN, 3000, 0),
		ACCEPTON(1, 2), NAMEn(2)),

	/* SO_REUSEPORT on UDP: the same sharing rule; the port stays the
	 * group's while one member is left; a datagram for the port reaches
	 * the member left. */
	ROW("reuseport_udp_bind", 0, SOCKn(0, DG), SOCKn(1, DG), SOCKn(2, DG),
		SOCKn(3, DG), RPORTn(0), RPORTn(1), RPORTn(3),
		BINDn(0, AT_ANY(FIXED(71))), BINDn(1, AT_ANY(FIXED(71))),
		BINDn(2, AT_ANY(FIXED(71))), CLOSEn(0), BINDn(2, AT_ANY(FIXED(71))),
		CLOSEn(1), BINDn(2, AT_ANY(FIXED(71))), BINDn(3, AT_ANY(FIXED(71)))),
	ROW("reuseport_udp_member_left", 0, SOCKn(0, DG), SOCKn(1, DG), RPORTn(0),
		RPORTn(1), BINDn(0, AT_ANY(FIXED(72))), BINDn(1, AT_ANY(FIXED(72))),
		CLOSEn(0), { .op = OP_SENDTO, .sock = 1, .addr = AD_ECHO, .len = LEN_NAT },
		POLLEV(1, POLLIN, 2000, 0), RECVn(1), NAMEn(1)),

	/* IP_BIND_ADDRESS_NO_PORT: bind(addr, 0) binds the address alone
	 * (__inet_bind() skips get_port()); connect() autobinds for the full
	 * 4-tuple (__inet_hash_connect()), listen() and UDP's connect and
	 * sendto as for an unbound socket; a nonzero port ignores it. */
	ROW("noport_opt_values", 0, SOCK(NB), GETNP, SETNP(7), GETNP, GETNPL(2),
		GETNPL(0), SETNP(0), GETNP, SETNP(-1), GETNP),
	ROW("noport_opt_values_udp", 0, SOCK(DG), GETNP, NOPORT, GETNP),
	ROW("noport_bind_self_connect", 0, SOCK(NB), NOPORT, BIND(AT_SELF(0)),
		NAME, CONN(TO_LISTENER), NAME, POLL(2000), NAME, PEER,
		GETNP, CONN(TO_UNSPEC), NAME, POLL(0), CONN(TO_LISTENER),
		POLL(2000), SOERR),
	ROW("noport_same_dest_two_ports", 0, SOCKn(0, NB), SOCKn(1, NB),
		NOPORTn(0), NOPORTn(1), BINDn(0, AT_SELF(0)), BINDn(1, AT_SELF(0)),
		NAMEn(1), CONNn(0, TO_LISTENER), CONNn(1, TO_LISTENER), NAMEn(0),
		NAMEn(1), POLLn(0, 2000), POLLn(1, 2000)),
	ROW("noport_bind_any", 0, SOCK(NB), NOPORT, BIND(AT_ANY(0)), NAME,
		CONN(TO_LISTENER), NAME, POLL(2000)),
	ROW("noport_bind_fixed", 0, SOCKn(0, NB), SOCKn(1, NB), NOPORTn(0),
		BINDn(0, AT_SELF(FIXED(11))), NAMEn(0), NOPORTn(1),
		BINDn(1, AT_SELF(FIXED(11))), CONNn(0, TO_LISTENER),
		POLLn(0, 2000), NAMEn(0)),
	ROW("noport_rebind", 0, SOCK(NB), NOPORT, BIND(AT_SELF(0)),
		BIND(AT_ANY(0)), NAME, BIND(AT_SELF(FIXED(12))), NAME,
		BIND(AT_SELF(0))),
	ROW("noport_set_after_bind", 0, SOCK(NB), BIND(AT_SELF(0)), NOPORT,
		NAME, CONN(TO_LISTENER), NAME, POLL(2000)),
	ROW("noport_listen", 0, SOCK(NB), NOPORT, BIND(AT_SELF(0)), DO_LISTEN,
		NAME, CONN(TO_LISTENER)),
	ROW("noport_unspec_fresh", 0, SOCK(NB), NOPORT, BIND(AT_SELF(0)),
		CONN(TO_UNSPEC), NAME, POLL(0)),
	ROW("noport_refused", 0, SOCK(NB), NOPORT, BIND(AT_SELF(0)),
		CONN(TO_CLOSED), POLL(2000), SOERR, NAME, PEER),
	ROW("noport_udp_connect", 0, SOCK(DG), NOPORT, BIND(AT_SELF(0)), NAMEU,
		CONN(TO_ECHO), NAMEU, SEND, POLLRD(2000), RECV, CONN(TO_UNSPEC),
		NAMEU, PEER),
	ROW("noport_udp_sendto", 0, SOCK(DG), NOPORT, BIND(AT_SELF(0)), NAMEU,
		SENDTO(TO_ECHO), NAMEU, POLLRD(2000), RECV),
	ROW("noport_udp_fixed", 0, SOCK(DG), NOPORT, BIND(AT_SELF(FIXED(13))),
		NAME, CONN(TO_ECHO), CONN(TO_UNSPEC), NAME),

	/* The SYN: option layout, and the layout with a user MSS. */
	ROW("syn_layout", R_LAYOUT, SOCK(NB), CONN(TO_PEER(B_SILENT, 3)),
		SLEEP(300)),
	ROW("syn_layout_user_mss", R_LAYOUT, SOCK(NB),
		SETI(IPPROTO_TCP, TCP_MAXSEG, 1000), CONN(TO_PEER(B_SILENT, 4)),
		SLEEP(300)),
	ROW("syn_layout_blocking_bound", R_LAYOUT, SOCK(BL),
		BIND(AT_SELF(FIXED(9))), SNDTIMEO(300), CONN(TO_PEER(B_SILENT, 5))),

	/* SO_RCVBUF before connect() sizes the SYN's window and scale
	 * (tcp_select_initial_window() from tcp_full_space()). */
	ROW("syn_layout_rcvbuf_small", R_LAYOUT, SOCK(NB),
		SETI(SOL_SOCKET, SO_RCVBUF, 4000), CONN(TO_PEER(B_SILENT, 7)),
		SLEEP(300)),
	ROW("syn_layout_rcvbuf_mid", R_LAYOUT, SOCK(NB),
		SETI(SOL_SOCKET, SO_RCVBUF, 100000), CONN(TO_PEER(B_SILENT, 8)),
		SLEEP(300)),
	ROW("syn_layout_rcvbuf_large", R_LAYOUT, SOCK(NB),
		SETI(SOL_SOCKET, SO_RCVBUF, 3000000), CONN(TO_PEER(B_SILENT, 9)),
		SLEEP(300)),

	/* SYN-ACK validation and RSTs in SYN-SENT. */
	ROW("synack_ok", 0, SOCK(NB), CONN(TO_PEER(B_ACCEPT, 4)), POLL(2000),
		SOERR, CONN(TO_PEER(B_ACCEPT, 4)), PEER,
		GETI(IPPROTO_TCP, TCP_MAXSEG), SLEEP(100)),
	ROW("synack_ok_blocking", 0, SOCK(BL), CONN(TO_PEER(B_ACCEPT, 5)), PEER,
		CONN(TO_PEER(B_ACCEPT, 5)), SLEEP(100)),
	ROW("synack_bad_ack", 0, SOCK(NB), CONN(TO_PEER(B_BADACK, 1)), POLL(400),
		SOERR, CONN(TO_PEER(B_BADACK, 1)), PEER),
	ROWB("synack_bad_ack_then_ok", R_PAR | R_SYNS, 6000, SOCK(NB),
		CONN(TO_PEER(B_BADACK_THEN_OK, 1)), POLLT(4000), SOERR,
		CONN(TO_PEER(B_BADACK_THEN_OK, 1)), SLEEP(100)),
	ROW("rst_acceptable", 0, SOCK(NB), CONN(TO_PEER(B_RST, 1)), POLL(2000),
		SOERR, NAME, PEER),
	ROW("rst_acceptable_blocking", 0, SOCK(BL), CONN(TO_PEER(B_RST, 2)),
		SOERR),
	ROW("rst_unacceptable_ack", 0, SOCK(NB), CONN(TO_PEER(B_RST_BADACK, 1)),
		POLL(400), SOERR, CONN(TO_PEER(B_RST_BADACK, 1))),
	ROW("rst_without_ack", 0, SOCK(NB), CONN(TO_PEER(B_RST_NOACK, 1)),
		POLL(400), SOERR, CONN(TO_PEER(B_RST_NOACK, 1))),
	ROW("rst_unacceptable_then_synack", 0, SOCK(NB),
		CONN(TO_PEER(B_RST_BAD_THEN_OK, 1)), POLL(2000), SOERR,
		CONN(TO_PEER(B_RST_BAD_THEN_OK, 1)), SLEEP(100)),
	/* close() in SYN_RECV after crossed SYNs, the peer silent: the
	 * FIN, and the RTO that must resend the unacknowledged SYN-ACK
	 * first (not a byte of an empty send buffer). */
	ROWB("simultaneous_open_close_in_syn_recv", 0, 6000, SOCK(NB),
		CONN(TO_PEER(B_SIMOPEN_SILENT, 1)), SLEEP(300), POLL(0), CLOSE,
		SLEEP(2200)),
	ROWB("simultaneous_open_shutdown_in_syn_recv", 0, 6000, SOCK(NB),
		CONN(TO_PEER(B_SIMOPEN_SILENT, 2)), SLEEP(300), POLL(0), SHUTWR,
		POLL(0), SLEEP(2200), SOERR),
	ROW("simultaneous_open", 0, SOCK(NB), CONN(TO_PEER(B_SIMOPEN, 1)),
		POLL(2000), SOERR, CONN(TO_PEER(B_SIMOPEN, 1)),
		CONN(TO_PEER(B_SIMOPEN, 1)), PEER, NAME, SLEEP(100)),
	ROW("simultaneous_open_blocking", 0, SOCK(BL), SNDTIMEO(2000),
		CONN(TO_PEER(B_SIMOPEN, 2)), PEER, SLEEP(100)),

	/* ICMP errors during the handshake. */
	ROW("icmp_net_unreach", R_KRACE, SOCK(NB), CONN(TO_PEER(B_NET_UNREACH, 1)),
		POLL(2000), SOERR, SOERR, CONN(TO_PEER(B_NET_UNREACH, 1))),
	ROW("icmp_host_unreach", R_KRACE, SOCK(NB), CONN(TO_PEER(B_HOST_UNREACH, 1)),
		POLL(2000), SOERR, NAME),
	ROW("icmp_proto_unreach", R_KRACE, SOCK(NB), CONN(TO_PEER(B_PROTO_UNREACH, 1)),
		POLL(2000), SOERR),
	ROW("icmp_port_unreach", R_KRACE, SOCK(NB), CONN(TO_PEER(B_PORT_UNREACH, 1)),
		POLL(2000), SOERR),
	ROW("icmp_admin_filtered", R_KRACE, SOCK(NB),
		CONN(TO_PEER(B_ADMIN_FILTERED, 1)), POLL(2000), SOERR),
	ROW("icmp_unreach_code16_ignored", 0, SOCK(NB),
		CONN(TO_PEER(B_UNREACH_CODE16, 1)), POLL(400), SOERR,
		CONN(TO_PEER(B_UNREACH_CODE16, 1))),
	ROW("icmp_time_exceeded", 0, SOCK(NB), CONN(TO_PEER(B_TIME_EXCEEDED, 1)),
		POLL(2000), SOERR),
	ROW("icmp_param_problem", 0, SOCK(NB), CONN(TO_PEER(B_PARAM_PROBLEM, 1)),
		POLL(2000), SOERR),
	ROW("icmp_port_unreach_bad_seq", 0, SOCK(NB),
		CONN(TO_PEER(B_PORT_UNREACH_BADSEQ, 1)), POLL(400), SOERR,
		CONN(TO_PEER(B_PORT_UNREACH_BADSEQ, 1))),
	ROW("icmp_host_unreach_blocking", 0, SOCK(BL),
		CONN(TO_PEER(B_HOST_UNREACH, 2)), SOERR,
		CONN(TO_PEER(B_HOST_UNREACH, 2))),
	ROW("icmp_connect_before_read", 0, SOCK(NB),
		CONN(TO_PEER(B_HOST_UNREACH, 3)), SLEEP(300),
		CONN(TO_PEER(B_HOST_UNREACH, 3)), SOERR,
		CONN(TO_PEER(B_HOST_UNREACH, 3)), SLEEP(300), SOERR),
	/* Linux also queues a SYN-SENT ICMP error on the error queue, even
	 * without IP_RECVERR: POLLERR outlives the SO_ERROR read. */
	ROW("icmp_pollerr_after_soerror_read", 0, SOCK(NB),
		CONN(TO_PEER(B_HOST_UNREACH, 4)), POLL(2000), SOERR, POLL(0),
		CONN(TO_PEER(B_HOST_UNREACH, 4)), POLL(0)),
	ROW("rst_pollerr_after_soerror_read", 0, SOCK(NB), CONN(TO_PEER(B_RST, 3)),
		POLL(2000), SOERR, POLL(0), CONN(TO_PEER(B_RST, 3)), POLL(0)),
	ROW("icmp_frag_needed_then_ok", 0, SOCK(NB),
		CONN(TO_PEER4(B_FRAG_THEN_OK, 1)), POLL(2000), SOERR,
		GETI(IPPROTO_TCP, TCP_MAXSEG), SLEEP(100)),
	ROW("icmp_frag_needed_silent", 0, SOCK(NB),
		CONN(TO_PEER5(B_FRAG_SILENT, 1)), POLL(400), SOERR,
		CONN(TO_PEER5(B_FRAG_SILENT, 1))),

	/* The SYN retransmission schedule and the error that ends it. */
	ROWB("syn_schedule_syncnt1", R_PAR | R_SYNS, 15000, SOCK(NB), SYNCNT(1),
		CONN(TO_HOLE(10)), POLLT(12000), SOERR, SOERR, CONN(TO_HOLE(10))),
	ROWB("syn_schedule_syncnt2", R_PAR | R_SYNS, 15000, SOCK(NB), SYNCNT(2),
		CONN(TO_HOLE(11)), POLLT(12000), SOERR),
	ROWB("syn_schedule_syncnt3", R_PAR | R_SYNS, 30000, SOCK(NB), SYNCNT(3),
		CONN(TO_HOLE(12)), POLLT(25000), SOERR),
	ROWB("syn_schedule_user_timeout", R_PAR | R_SYNS, 15000, SOCK(NB),
		USER_TIMEOUT(1500), CONN(TO_HOLE(13)), POLLT(12000), SOERR),
	ROWB("syn_schedule_user_timeout_vs_syncnt", R_PAR | R_SYNS, 15000,
		SOCK(NB), SYNCNT(1), USER_TIMEOUT(3500), CONN(TO_HOLE(14)),
		POLLT(12000), SOERR),
	ROWB("syn_schedule_blocking", R_PAR | R_SYNS, 15000, SOCK(BL), SYNCNT(1),
		CONNT(TO_HOLE(15)), SOERR, NAME),
	/* The default (tcp_syn_retries 6) ends after about 131 s; the row
	 * compares its first 8.5 s. */
	ROWB("syn_schedule_default_head", R_PAR | R_SYNS, 15000, SOCK(NB),
		CONN(TO_HOLE(16)), POLLT(8500), SOERR,
		GETI(IPPROTO_TCP, TCP_SYNCNT)),

	/* Next-hop resolution: a non-blocking connect does not wait for ARP;
	 * SYNs wait for it (the kernel holds up to unres_qlen_bytes, 212992
	 * bytes, per neighbour); a neighbour that never answers fails the
	 * connection with EHOSTUNREACH. */
	ROW("arp_slow_nonblocking_connect", 0, SOCK(NB),
		CONNT(TO_PEER6(B_ACCEPT, 6)), POLLT(2000), SOERR),
	ROWB("arp_slow_burst_12", 0, 6000, BURST(TO_PEER8(B_ACCEPT, 7), 12, 2000)),
	ROWB("arp_unanswered", R_PAR, 12000, SOCK(NB), CONN(TO_NOARP(20)),
		POLLT(8000), SOERR, NAME, CONN(TO_NOARP(20))),

	/* Routes. */
	ROW("route_none", 0, SOCK(NB), CONN(TO_NOROUTE), NAME, SOERR, POLL(0),
		CONN(TO_LISTENER), POLL(2000)),
	ROW("route_none_blocking", 0, SOCK(BL), CONN(TO_NOROUTE), SOERR),
	ROW("route_tcp_broadcast", 0, SOCK(NB), CONN(TO_BCAST), NAME),
	ROW("route_tcp_limited_broadcast", 0, SOCK(NB), CONN(TO_LBCAST)),
	ROW("route_tcp_multicast", 0, SOCK(NB), CONN(TO_MCAST), NAME),
	ROW("route_tcp_bound_multicast", 0, SOCK(NB), BIND(AT_SELF(0)),
		CONN(TO_MCAST), NAME),

	/* UDP: inet_dgram_connect. */
	ROW("udp_connect_echo", 0, SOCK(DG), CONN(TO_ECHO), NAMEU, PEER, SEND,
		POLLRD(2000), RECV, RECV, POLL(0)),
	ROW("udp_autobind_before_family", 0, SOCK(DG), CONN(TO_INET6), NAMEU,
		PEER),
	ROW("udp_autobind_before_len", 0, SOCK(DG), CONNL(TO_ECHO, 15), NAMEU),
	ROW("udp_len1_no_autobind", 0, SOCK(DG), CONNL(TO_ECHO, 1), NAME),
	ROW("udp_null", 0, SOCK(DG), CONNL(TO_NULL, 16), NAME),
	ROW("udp_unspec_clears_peer", 0, SOCK(DG), CONN(TO_ECHO), NAMEU,
		CONN(TO_UNSPEC), PEER, NAME, SEND),
	ROW("udp_unspec_keeps_bound_port", 0, SOCK(DG),
		BIND(AT_ANY(FIXED(10))), CONN(TO_ECHO), NAME, CONN(TO_UNSPEC),
		NAME, PEER),
	ROW("udp_unspec_keeps_bound_addr", 0, SOCK(DG), BIND(AT_SELF(0)), NAMEU,
		CONN(TO_ECHO), CONN(TO_UNSPEC), NAMEU),
	ROW("udp_unspec_fresh", 0, SOCK(DG), CONN(TO_UNSPEC), NAME, POLL(0)),
	ROW("udp_broadcast_denied", 0, SOCK(DG), CONN(TO_BCAST), NAMEU, PEER),
	ROW("udp_broadcast_allowed", 0, SOCK(DG),
		SETI(SOL_SOCKET, SO_BROADCAST, 1), CONN(TO_BCAST), NAMEU, PEER),
	ROW("udp_limited_broadcast_denied", 0, SOCK(DG), CONN(TO_LBCAST), NAMEU),
	ROW("udp_limited_broadcast_allowed", 0, SOCK(DG),
		SETI(SOL_SOCKET, SO_BROADCAST, 1), CONN(TO_LBCAST), NAMEU),
	ROW("udp_bound_limited_broadcast", 0, SOCK(DG), BIND(AT_SELF(0)),
		CONN(TO_LBCAST), NAMEU),
	ROW("udp_multicast", 0, SOCK(DG), CONN(TO_MCAST), NAMEU, PEER),
	ROW("udp_no_route", 0, SOCK(DG), CONN(TO_NOROUTE), NAMEU),
	ROW("udp_port_unreach_recv", 0, SOCK(DG), CONN(TO_UCLOSED), SEND,
		POLLRD(2000), POLL(0), RECV, RECV, SOERR),
	ROW("udp_port_unreach_soerror", 0, SOCK(DG), CONN(TO_UCLOSED), SEND,
		SLEEP(300), SOERR, RECV, SOERR),
	ROW("udp_port_unreach_send", 0, SOCK(DG), CONN(TO_UCLOSED), SEND,
		SLEEP(300), SEND, SEND),
	ROW("udp_send_unconnected", 0, SOCK(DG), SEND),
	ROW("udp_sendto_autobinds", 0, SOCK(DG), SENDTO(TO_ECHO), NAMEU,
		POLLRD(2000), RECV),
	ROW("udp_sendto_broadcast_denied", 0, SOCK(DG), SENDTO(TO_BCAST)),
	/* inet_send_prepare() autobinds before udp_sendmsg() looks at the
	 * destination. */
	ROW("udp_send_unconnected_autobinds", 0, SOCK(DG), SEND, NAMEU),
	ROW("udp_sendto_inet6", 0, SOCK(DG), SENDTOL(TO_INET6, 28), NAMEU),
	ROW("udp_sendto_len15", 0, SOCK(DG), SENDTOL(TO_ECHO, 15), NAMEU),
	ROW("udp_sendto_unspec", 0, SOCK(DG), SENDTO(TO_UNSPEC), NAMEU),
	ROW("udp_sendto_noroute", 0, SOCK(DG), SENDTO(TO_NOROUTE), NAMEU),
	ROW("udp_sendto_broadcast_autobinds", 0, SOCK(DG), SENDTO(TO_BCAST),
		NAMEU),
	ROW("udp_reconnect", 0, SOCK(DG), CONN(TO_ECHO), NAMEU, CONN(TO_UCLOSED),
		NAMEU, PEER),
	ROW("udp_bind0_then_connect", 0, SOCK(DG), BIND(AT_ANY(0)), NAMEU,
		CONN(TO_ECHO), NAMEU),
	ROW("udp_poll_fresh", 0, SOCK(DG), POLL(0)),

	/* AF_INET6 datagrams (issue 17): inet_dgram_connect() and
	 * __ip6_datagram_connect(), __inet6_bind(), inet6_getname(),
	 * udpv6_sendmsg(), the IPv6 options; the twins of the rows above,
	 * then dual-stack and IPV6_V6ONLY. */
	ROW("udp6_connect_echo", 0, SOCK6(DG), CONN(TO6_ECHO), NAMEU, PEER, SEND,
		POLLRD(2000), RECV, RECV, POLL(0)),
	ROW("udp6_autobind_before_len", 0, SOCK6(DG), CONNL(TO6_ECHO, 23), NAMEU),
	ROW("udp6_autobind_before_family", 0, SOCK6(DG), CONNL(TO_UNIXFAM, 28),
		NAMEU, PEER),
	ROW("udp6_len1_no_autobind", 0, SOCK6(DG), CONNL(TO6_ECHO, 1), NAME),
	ROW("udp6_null", 0, SOCK6(DG), CONNL(TO_NULL, 28), NAME),
	ROW("udp6_unspec_clears_peer", 0, SOCK6(DG), CONN(TO6_ECHO), NAMEU,
		CONN(TO_UNSPEC), PEER, NAME, SEND),
	ROW("udp6_unspec_keeps_bound_port", 0, SOCK6(DG),
		BIND(AT6_ANY(FIXED(80))), CONN(TO6_ECHO), NAME, CONN(TO_UNSPEC),
		NAME, PEER),
	ROW("udp6_unspec_keeps_bound_addr", 0, SOCK6(DG), BIND(AT6_SELF(0)),
		NAMEU, CONN(TO6_ECHO), CONN(TO_UNSPEC), NAMEU),
	ROW("udp6_unspec_fresh", 0, SOCK6(DG), CONN(TO_UNSPEC), NAME, POLL(0)),
	ROW("udp6_no_route", 0, SOCK6(DG), CONN(TO6_NOROUTE), NAMEU, PEER),
	ROW("udp6_link_local_no_scope", 0, SOCK6(DG), CONN(TO6_LL), NAMEU, PEER),
	ROW("udp6_port_unreach_recv", 0, SOCK6(DG), CONN(TO6_UCLOSED), SEND,
		POLLRD(2000), POLL(0), RECV, RECV, SOERR),
	ROW("udp6_port_unreach_soerror", 0, SOCK6(DG), CONN(TO6_UCLOSED), SEND,
		SLEEP(300), SOERR, RECV, SOERR),
	ROW("udp6_port_unreach_send", 0, SOCK6(DG), CONN(TO6_UCLOSED), SEND,
		SLEEP(300), SEND, SEND),
	ROW("udp6_send_unconnected", 0, SOCK6(DG), SEND),
	ROW("udp6_sendto_autobinds", 0, SOCK6(DG), SENDTO(TO6_ECHO), NAMEU,
		POLLRD(2000), RECV),
	ROW("udp6_reconnect", 0, SOCK6(DG), CONN(TO6_ECHO), NAMEU,
		CONN(TO6_UCLOSED), NAMEU, PEER),
	ROW("udp6_bind0_then_connect", 0, SOCK6(DG), BIND(AT6_ANY(0)), NAMEU,
		CONN(TO6_ECHO), NAMEU),
	ROW("udp6_poll_fresh", 0, SOCK6(DG), POLL(0), NAME, PEER),
	ROW("udp6_recvmsg_name", 0, SOCK6(DG), CONN(TO6_ECHO), SEND,
		POLLRD(2000), RECVMSG_N(0, 64, -1)),
	/* bind(): the length (SIN6_LEN_RFC2133), the family, the address. */
	ROW("udp6_bind_len23", 0, SOCK6(DG), BINDL(AT6_SELF(0), 23), NAME),
	ROW("udp6_bind_len24", 0, SOCK6(DG), BINDL(AT6_SELF(0), 24), NAMEU),
	ROW("udp6_bind_inet", 0, SOCK6(DG), BIND(AT_SELF(0)), NAME),
	ROW("udp6_bind_inet_len28", 0, SOCK6(DG), BINDL(AT_SELF(0), 28), NAME),
	ROW("udp6_bind_foreign", 0, SOCK6(DG), BIND(AT6_FOREIGN), NAME),
	ROW("udp6_bind_link_local_no_scope", 0, SOCK6(DG), BIND(AT6_LL), NAME),
	ROW("udp6_bind_self", 0, SOCK6(DG), BIND(AT6_SELF(0)), NAMEU,
		GETI(IPPROTO_IPV6, IPV6_V6ONLY), SETI(IPPROTO_IPV6, IPV6_V6ONLY, 0)),
	ROW("udp6_bind_twice", 0, SOCK6(DG), BIND(AT6_ANY(0)), BIND(AT6_ANY(0))),
	ROW("udp6_bind_mapped_self", 0, SOCK6(DG), BIND(AT6_MSELF(0)), NAMEU,
		GETI(IPPROTO_IPV6, IPV6_V6ONLY), CONN(TO6_ECHO), NAMEU, PEER),
	ROW("udp6_bind_mapped_any", 0, SOCK6(DG), BIND(AT6_MANY(0)), NAMEU,
		SENDTO(TO6_ECHO), CONN(TO6_ECHO), CONN(TO_ECHO), NAMEU, PEER),
	ROW("udp6_bind_mapped_v6only", 0, SOCK6(DG), V6ONLY, BIND(AT6_MSELF(0)),
		NAME),
	/* Dual stack: AF_INET and v4-mapped peers, refused by IPV6_V6ONLY. */
	ROW("udp6_connect_inet", 0, SOCK6(DG), CONN(TO_ECHO), NAMEU, PEER, SEND,
		POLLRD(2000), RECVMSG_N(0, 64, -1)),
	ROW("udp6_connect_inet_v6only", 0, SOCK6(DG), V6ONLY, CONN(TO_ECHO),
		NAMEU, PEER),
	ROW("udp6_connect_mapped", 0, SOCK6(DG), CONN(TO6_MECHO), NAMEU, PEER,
		SEND, POLLRD(2000), RECV),
	ROW("udp6_connect_mapped_v6only", 0, SOCK6(DG), V6ONLY, CONN(TO6_MECHO),
		NAMEU, PEER),
	ROW("udp6_sendto_mapped", 0, SOCK6(DG), SENDTO(TO6_MECHO), NAMEU,
		POLLRD(2000), RECVMSG_N(0, 64, -1)),
	ROW("udp6_sendto_inet", 0, SOCK6(DG), SENDTO(TO_ECHO), NAMEU,
		POLLRD(2000), RECV),
	ROW("udp6_sendto_mapped_v6only", 0, SOCK6(DG), V6ONLY, SENDTO(TO6_MECHO),
		SENDTO(TO_ECHO), NAMEU),
	ROW("udp6_mapped_then_v6", 0, SOCK6(DG), CONN(TO6_MECHO), NAMEU,
		CONN(TO6_ECHO), NAMEU, PEER, SENDTO(TO6_ECHO), CONN(TO_UNSPEC),
		NAMEU, CONN(TO6_ECHO), NAMEU, PEER),
	ROW("udp6_v6_then_inet", 0, SOCK6(DG), CONN(TO6_ECHO), NAMEU,
		CONN(TO_ECHO), NAMEU, PEER, SEND, POLLRD(2000), RECV),
	ROW("udp6_v6_then_mapped", 0, SOCK6(DG), CONN(TO6_ECHO),
		CONN(TO6_MECHO), NAMEU, PEER),
	ROW("udp6_bound_v6_sendto_inet", 0, SOCK6(DG), BIND(AT6_SELF(0)),
		SENDTO(TO_ECHO), SENDTO(TO6_MECHO), SENDTO(TO6_ECHO), NAMEU),
	ROW("udp6_sendto_port0", 0, SOCK6(DG), SENDTO(TO6_SELF), NAMEU),
	ROW("udp6_sendto_len23", 0, SOCK6(DG), SENDTOL(TO6_ECHO, 23), NAMEU),
	ROW("udp6_sendto_len1", 0, SOCK6(DG), SENDTOL(TO6_ECHO, 1), NAMEU),
	ROW("udp6_sendto_inet_len15", 0, SOCK6(DG), SENDTOL(TO_ECHO, 15), NAMEU),
	ROW("udp6_sendto_unspec", 0, SOCK6(DG), SENDTO(TO_UNSPEC), NAMEU,
		CONN(TO6_ECHO), SENDTO(TO_UNSPEC), POLLRD(2000), RECV),
	ROW("udp6_sendto_unix", 0, SOCK6(DG), SENDTOL(TO_UNIXFAM, 28), NAMEU),
	ROW("udp6_sendto_noroute", 0, SOCK6(DG), SENDTO(TO6_NOROUTE), NAMEU),
	/* Ports shared between the families. */
	ROW("udp6_port_inet_first", 0, SOCK(DG), BIND(AT_ANY(FIXED(81))),
		SOCK6n(1, DG), BINDn(1, AT6_ANY(FIXED(81))), SOCK6n(2, DG),
		V6ONLYn(2), BINDn(2, AT6_ANY(FIXED(81)))),
	ROW("udp6_port_inet_then_self6", 0, SOCK(DG), BIND(AT_ANY(FIXED(82))),
		SOCK6n(1, DG), BINDn(1, AT6_SELF(FIXED(82)))),
	ROW("udp6_port_dual_first", 0, SOCK6(DG), BIND(AT6_ANY(FIXED(83))),
		SOCKn(1, DG), BINDn(1, AT_ANY(FIXED(83)))),
	ROW("udp6_port_v6only_first", 0, SOCK6(DG), V6ONLY,
		BIND(AT6_ANY(FIXED(84))), SOCKn(1, DG), BINDn(1, AT_ANY(FIXED(84)))),
	ROW("udp6_port_mapped_first", 0, SOCK6(DG), BIND(AT6_MSELF(FIXED(85))),
		SOCKn(1, DG), BINDn(1, AT_ANY(FIXED(85))), SOCK6n(2, DG), V6ONLYn(2),
		BINDn(2, AT6_ANY(FIXED(85)))),
	/* SO_REUSEPORT: AF_INET6 sockets share a port when all set it, and
	 * a dual-stack one shares with AF_INET ones that set it. */
	ROW("udp6_reuseport_pair", 0, SOCK6(DG), RPORTn(0),
		BIND(AT6_ANY(FIXED(86))), SOCK6n(1, DG), RPORTn(1),
		BINDn(1, AT6_ANY(FIXED(86))), SOCK6n(2, DG),
		BINDn(2, AT6_ANY(FIXED(86))), SOCK6n(3, DG), RPORTn(3), V6ONLYn(3),
		BINDn(3, AT6_ANY(FIXED(86)))),
	ROW("udp6_reuseport_inet_first", 0, SOCK(DG), RPORTn(0),
		BIND(AT_ANY(FIXED(87))), SOCK6n(1, DG), RPORTn(1),
		BINDn(1, AT6_ANY(FIXED(87))), SOCK6n(2, DG),
		BINDn(2, AT6_ANY(FIXED(87)))),
	ROW("udp6_reuseport_dual_first", 0, SOCK6(DG), RPORTn(0),
		BIND(AT6_ANY(FIXED(88))), SOCKn(1, DG), RPORTn(1),
		BINDn(1, AT_ANY(FIXED(88))), SOCKn(2, DG), BINDn(2, AT_ANY(FIXED(88)))),
	/* Options. */
	ROW("opt6_defaults_udp", 0, SOCK6(DG), GETI(IPPROTO_IPV6, IPV6_V6ONLY),
		GETI(IPPROTO_IPV6, IPV6_UNICAST_HOPS), GETI(IPPROTO_IPV6, IPV6_TCLASS),
		GETI(SOL_SOCKET, SO_TYPE), GETI(SOL_SOCKET, SO_DOMAIN),
		GETI(IPPROTO_TCP, TCP_SYNCNT), GETI(IPPROTO_IP, IP_TTL)),
	ROW("opt6_hops", 0, SOCK6(DG), SETI(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 7),
		GETI(IPPROTO_IPV6, IPV6_UNICAST_HOPS),
		SETI(IPPROTO_IPV6, IPV6_UNICAST_HOPS, -1),
		GETI(IPPROTO_IPV6, IPV6_UNICAST_HOPS),
		SETI(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 256),
		SETI(IPPROTO_IPV6, IPV6_UNICAST_HOPS, -2),
		SETI(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 0),
		GETI(IPPROTO_IPV6, IPV6_UNICAST_HOPS)),
	ROW("opt6_tclass", 0, SOCK6(DG), SETI(IPPROTO_IPV6, IPV6_TCLASS, 0xb8),
		GETI(IPPROTO_IPV6, IPV6_TCLASS), SETI(IPPROTO_IPV6, IPV6_TCLASS, -1),
		GETI(IPPROTO_IPV6, IPV6_TCLASS), SETI(IPPROTO_IPV6, IPV6_TCLASS, 256),
		SETI(IPPROTO_IPV6, IPV6_TCLASS, -2), GETI(IPPROTO_IPV6, IPV6_TCLASS)),
	ROW("opt6_v6only_after_bind", 0, SOCK6(DG), BIND(AT6_ANY(0)),
		SETI(IPPROTO_IPV6, IPV6_V6ONLY, 1), GETI(IPPROTO_IPV6, IPV6_V6ONLY)),
	ROW("opt6_v6only_after_connect", 0, SOCK6(DG), CONN(TO6_ECHO),
		SETI(IPPROTO_IPV6, IPV6_V6ONLY, 1)),
	ROW("opt6_on_inet", 0, SOCK(DG), SETI(IPPROTO_IPV6, IPV6_V6ONLY, 1),
		GETI(IPPROTO_IPV6, IPV6_V6ONLY)),
	ROW("opt6_ip_ttl_on_inet6", 0, SOCK6(DG), SETI(IPPROTO_IP, IP_TTL, 9),
		GETI(IPPROTO_IP, IP_TTL)),

	/* AF_INET6 streams (issue 17 item 5): __inet_stream_connect() and
	 * tcp_v6_connect(), in that order: the length (SIN6_LEN_RFC2133),
	 * the family, a v4-mapped peer (tcp_v4_connect() unless
	 * IPV6_V6ONLY), the link-local scope, the route; then the state
	 * switch, AF_UNSPEC, and the names after each. */
	ROW("tcp6_addr_len0", 0, SOCK6(NB), CONNL(TO6_LISTENER, 0), NAME),
	ROW("tcp6_addr_len1", 0, SOCK6(NB), CONNL(TO6_LISTENER, 1), NAME),
	ROW("tcp6_addr_len2", 0, SOCK6(NB), CONNL(TO6_LISTENER, 2), NAME),
	ROW("tcp6_addr_len23", 0, SOCK6(NB), CONNL(TO6_LISTENER, 23), NAME,
		POLL(0)),
	ROW("tcp6_addr_len24", 0, SOCK6(NB), CONNL(TO6_LISTENER, 24),
		POLL(2000), SOERR, NAMEU, PEER),
	ROW("tcp6_addr_len28", 0, SOCK6(NB), CONNL(TO6_LISTENER, 28),
		POLL(2000), SOERR, NAMEU, PEER),
	ROW("tcp6_addr_len29", 0, SOCK6(NB), CONNL(TO6_LISTENER, 29),
		POLL(2000), SOERR),
	ROW("tcp6_addr_len129", 0, SOCK6(NB), CONNL(TO6_LISTENER, 129), NAME),
	ROW("tcp6_addr_null", 0, SOCK6(NB), CONNL(TO_NULL, 28), NAME),
	ROW("tcp6_addr_inet", 0, SOCK6(NB), CONN(TO_LISTENER), NAME, POLL(0)),
	ROW("tcp6_addr_inet_len28", 0, SOCK6(NB), CONNL(TO_LISTENER, 28), NAME,
		POLL(0)),
	ROW("tcp6_addr_unix", 0, SOCK6(NB), CONNL(TO_UNIXFAM, 28), NAME),
	ROW("tcp6_addr_inet_v6only", 0, SOCK6(NB), V6ONLY,
		CONNL(TO_LISTENER, 28), CONN(TO_LISTENER), NAME),
	ROW("tcp6_link_local_no_scope", 0, SOCK6(NB), CONN(TO6_LL), NAME, PEER),
	ROW("tcp6_no_route", 0, SOCK6(NB), CONN(TO6_NOROUTE), NAME, PEER, SOERR,
		POLL(0), CONN(TO6_LISTENER), POLL(2000), SOERR, PEER),
	ROW("tcp6_no_route_blocking", 0, SOCK6(BL), CONN(TO6_NOROUTE), SOERR,
		NAME),
	ROW("tcp6_listener", 0, SOCK6(NB), NAME, CONN(TO6_LISTENER), NAMEU,
		POLL(2000), SOERR, NAMEU, PEER, CONN(TO6_LISTENER)),
	ROW("tcp6_listener_blocking", 0, SOCK6(BL), CONN(TO6_LISTENER),
		CONN(TO6_LISTENER), POLL(0), NAMEU, PEER, SOERR),
	ROW("tcp6_refused", 0, SOCK6(NB), CONN(TO6_CLOSED), POLL(2000),
		CONN(TO6_CLOSED), SOERR, NAME, PEER, CONN(TO6_CLOSED), POLL(2000),
		SOERR),
	ROW("tcp6_refused_soerror", 0, SOCK6(NB), CONN(TO6_CLOSED), POLL(2000),
		SOERR, SOERR, CONN(TO6_CLOSED), CONN(TO6_CLOSED)),
	ROW("tcp6_refused_blocking", 0, SOCK6(BL), CONN(TO6_CLOSED), SOERR, NAME,
		PEER, POLL(0), CONN(TO6_CLOSED), CONN(TO6_LISTENER), PEER),
	ROW("tcp6_inprogress_then_ealready", 0, SOCK6(NB), CONN(TO6_HOLE(1)),
		CONN(TO6_HOLE(1)), CONN(TO6_LISTENER), POLL(200), SOERR, NAMEU, PEER),
	ROW("tcp6_nb_success_then_eisconn", 0, SOCK6(NB), CONN(TO6_LISTENER),
		POLL(2000), CONN(TO6_LISTENER), CONN(TO6_LISTENER),
		CONN(TO6_CLOSED), CONN(TO6_MLISTENER), NAMEU, PEER, POLL(0)),
	ROWB("tcp6_sndtimeo_expires", R_PAR, 5000, SOCK6(BL), SNDTIMEO(300),
		CONNT(TO6_HOLE(2)), CONNT(TO6_HOLE(2)), SOERR, PEER, POLL(0)),
	/* The SYN schedule's end over IPv6, timed (the peer logs IPv4
	 * segments only, so not the SYNs themselves). */
	ROWB("tcp6_syncnt1", R_PAR, 15000, SOCK6(NB), SYNCNT(1),
		CONN(TO6_HOLE(4)), POLLT(12000), SOERR, SOERR, NAMEU,
		CONN(TO6_HOLE(4))),
	ROWB("tcp6_syncnt1_blocking", R_PAR, 15000, SOCK6(BL), SYNCNT(1),
		CONNT(TO6_HOLE(5)), SOERR, NAMEU),
	ROWB("tcp6_user_timeout", R_PAR, 15000, SOCK6(NB), USER_TIMEOUT(1500),
		CONN(TO6_HOLE(6)), POLLT(12000), SOERR),
	/* A neighbour that never answers solicitations fails the connect
	 * with EHOSTUNREACH (ndisc_error_report()), as ARP does over IPv4. */
	ROWB("tcp6_nd_unanswered", R_PAR, 12000, SOCK6(NB), CONN(TO6_NOND(20)),
		POLLT(8000), SOERR, NAME, CONN(TO6_NOND(20))),
	ROWB("tcp6_nd_unanswered_blocking", R_PAR, 12000, SOCK6(BL),
		CONN(TO6_NOND(21)), SOERR, NAME),
	ROW("tcp6_poll_connecting", 0, SOCK6(NB), CONN(TO6_HOLE(7)), POLL(0),
		POLL(200), EPOLL(0)),
	ROW("tcp6_send_shutdown", 0, SOCK6(BL), CONN(TO6_LISTENER), SEND, RECV,
		SHUTWR, POLL(0), SEND, RECV, SOERR),
	ROW("tcp6_unspec_fresh", 0, SOCK6(NB), CONN(TO_UNSPEC), NAME, PEER,
		SOERR, POLL(0), CONN(TO6_LISTENER), POLL(2000)),
	ROW("tcp6_unspec_connecting", 0, SOCK6(NB), CONN(TO6_HOLE(3)),
		CONN(TO_UNSPEC), POLL(0), SOERR, NAMEU, PEER, CONN(TO6_HOLE(3)),
		POLL(100), SOERR),
	ROW("tcp6_unspec_connected", 0, SOCK6(NB), CONN(TO6_LISTENER),
		POLL(2000), CONN(TO_UNSPEC), POLL(0), SOERR, PEER, NAMEU,
		CONN(TO6_LISTENER), POLL(2000), SOERR, PEER),
	ROW("tcp6_unspec_refused", 0, SOCK6(NB), CONN(TO6_CLOSED), POLL(2000),
		CONN(TO_UNSPEC), POLL(0), SOERR, NAME, CONN(TO6_CLOSED), POLL(2000),
		SOERR),
	ROW("tcp6_epoll_connected", 0, SOCK6(NB), CONN(TO6_LISTENER),
		EPOLL(2000)),
	ROW("tcp6_epoll_refused", 0, SOCK6(NB), CONN(TO6_CLOSED), EPOLL(2000),
		SOERR),
	/* bind() and listen(): __inet6_bind() checks as for datagrams; a
	 * port held by a dual-stack or v4-mapped socket conflicts with an
	 * AF_INET socket's and the other way round (inet_bind_conflict());
	 * a v6-only socket, or one bound to an IPv6 address, shares a port
	 * with an AF_INET socket (ipv6_rcv_saddr_equal()): tcp6_port_share_*,
	 * each way, both listening and each taking its own family's
	 * connections. */
	ROW("tcp6_bind_len23", 0, SOCK6(NB), BINDL(AT6_SELF(0), 23), NAME),
	ROW("tcp6_bind_inet", 0, SOCK6(NB), BIND(AT_SELF(0)),
		BINDL(AT_SELF(0), 28), NAME),
	ROW("tcp6_bind_foreign", 0, SOCK6(NB), BIND(AT6_FOREIGN), NAME),
	ROW("tcp6_bind_link_local_no_scope", 0, SOCK6(NB), BIND(AT6_LL), NAME),
	ROW("tcp6_bind_twice", 0, SOCK6(NB), BIND(AT6_ANY(0)), BIND(AT6_ANY(0))),
	ROW("tcp6_bind_self_connect", 0, SOCK6(NB), BIND(AT6_SELF(0)), NAMEU,
		CONN(TO6_LISTENER), POLL(2000), SOERR, NAMEU, PEER),
	ROW("tcp6_bind_any_fixed", 0, SOCK6(NB), BIND(AT6_ANY(FIXED(90))), NAME,
		CONN(TO6_LISTENER), POLL(2000), NAME, CONN(TO_UNSPEC), NAME),
	ROW("tcp6_bind_self_refused", 0, SOCK6(NB), BIND(AT6_SELF(FIXED(91))),
		CONN(TO6_CLOSED), POLL(2000), SOERR, NAME),
	ROW("tcp6_bind_mapped_self", 0, SOCK6(NB), BIND(AT6_MSELF(0)), NAMEU,
		CONN(TO6_LISTENER), CONN(TO6_MLISTENER), POLL(2000), SOERR, NAMEU,
		PEER),
	ROW("tcp6_bind_mapped_any", 0, SOCK6(NB), BIND(AT6_MANY(0)), NAMEU,
		CONN(TO6_LISTENER), POLL(2000), SOERR, NAMEU, PEER),
	ROW("tcp6_bind_mapped_v6only", 0, SOCK6(NB), V6ONLY, BIND(AT6_MSELF(0)),
		NAME),
	ROW("tcp6_listen_autobind", 0, SOCK6(NB), DO_LISTEN, NAMEU,
		GETI(SOL_SOCKET, SO_ACCEPTCONN), CONN(TO6_LISTENER), PEER),
	ROW("tcp6_listen_after_refused", 0, SOCK6(BL), CONN(TO6_CLOSED),
		DO_LISTEN, NAMEU),
	ROW("tcp6_port_inet_first", 0, SOCK(NB), BIND(AT_ANY(FIXED(92))),
		SOCK6n(1, NB), BINDn(1, AT6_ANY(FIXED(92))), NAMEn(1)),
	ROW("tcp6_port_dual_first", 0, SOCK6(NB), BIND(AT6_ANY(FIXED(94))),
		SOCKn(1, NB), BINDn(1, AT_ANY(FIXED(94))), BINDn(1, AT_SELF(FIXED(94)))),
	ROW("tcp6_port_mapped_first", 0, SOCK6(NB), BIND(AT6_MSELF(FIXED(96))),
		SOCKn(1, NB), BINDn(1, AT_ANY(FIXED(96)))),
	ROW("tcp6_port_reuse_listen", 0, SOCK6(NB), REUSEn(0),
		BIND(AT6_ANY(FIXED(97))), SOCKn(1, NB), REUSEn(1),
		BINDn(1, AT_ANY(FIXED(97))), DO_LISTEN, DO_LISTENn(1)),
	ROW("tcp6_reuseport_dual_inet", 0, SOCK6(NB), RPORTn(0),
		BIND(AT6_ANY(FIXED(98))), DO_LISTEN, SOCKn(1, NB), RPORTn(1),
		BINDn(1, AT_ANY(FIXED(98))), DO_LISTENn(1), SOCK6n(2, NB),
		BINDn(2, AT6_ANY(FIXED(98)))),
	ROW("tcp6_port_share_inet_v6only", 0, SOCK(NB), BIND(AT_ANY(FIXED(120))),
		SOCK6n(1, NB), V6ONLYn(1), BINDn(1, AT6_ANY(FIXED(120))), NAMEn(1),
		DO_LISTEN, DO_LISTENn(1), SOCK6n(2, NB), BINDn(2, AT6_ANY(FIXED(120)))),
	ROW("tcp6_port_share_v6only_inet", 0, SOCK6(NB), V6ONLY,
		BIND(AT6_ANY(FIXED(121))), DO_LISTEN, SOCKn(1, NB),
		BINDn(1, AT_ANY(FIXED(121))), NAMEn(1), DO_LISTENn(1), SOCK6n(2, NB),
		BINDn(2, AT6_MANY(FIXED(121)))),
	ROW("tcp6_port_share_inet_addr6", 0, SOCK(NB), BIND(AT_SELF(FIXED(122))),
		SOCK6n(1, NB), BINDn(1, AT6_SELF(FIXED(122))), NAMEn(1), DO_LISTENn(1),
		DO_LISTEN, SOCK6n(2, NB), V6ONLYn(2), BINDn(2, AT6_ANY(FIXED(122)))),
	ROW("tcp6_port_share_addr6_inet", 0, SOCK6(NB), BIND(AT6_SELF(FIXED(123))),
		DO_LISTEN, SOCKn(1, NB), BINDn(1, AT_ANY(FIXED(123))), NAMEn(1),
		DO_LISTENn(1), SOCKn(2, NB), BINDn(2, AT_SELF(FIXED(123)))),
	/* Both listening on one port, each takes its own family's SYNs. */
	ROWB("tcp6_port_share_accept", 0, 8000, SOCK(NB), BIND(AT_ANY(FIXED(124))),
		DO_LISTEN, SOCK6n(1, NB), V6ONLYn(1), BINDn(1, AT6_ANY(FIXED(124))),
		DO_LISTENn(1), PEERCONN6(FIXED(124), 0, 0), POLLEV(1, POLLIN, 3000, 0),
		ACCEPTON(1, 2), NAMEn(2), PEERn(2), PEERCONN(FIXED(124), 0, 0),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 3), NAMEn(3), PEERn(3),
		POLLEV(1, POLLIN, 0, 0)),
	/* SO_REUSEPORT: Linux keeps a group per family and IPV6_V6ONLY, so
	 * the IPv4 SYNs go to the AF_INET member alone (six of them: a
	 * v6-only member picked would refuse some), the IPv6 one to the
	 * v6-only member. */
	ROWB("tcp6_reuseport_v6only_inet", 0, 12000, SOCK(NB), RPORTn(0),
		BIND(AT_ANY(FIXED(125))), DO_LISTEN, SOCK6n(1, NB), V6ONLYn(1),
		RPORTn(1), BINDn(1, AT6_ANY(FIXED(125))), DO_LISTENn(1),
		PEERCONN(FIXED(125), 0, 0), PEERCONN(FIXED(125), 0, 0),
		PEERCONN(FIXED(125), 0, 0), PEERCONN(FIXED(125), 0, 0),
		PEERCONN(FIXED(125), 0, 0), PEERCONN(FIXED(125), 0, 0),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 2), CLOSEn(2),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 2), CLOSEn(2),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 2), CLOSEn(2),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 2), CLOSEn(2),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 2), CLOSEn(2),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 2), CLOSEn(2),
		POLLEV(1, POLLIN, 0, 0), PEERCONN6(FIXED(125), 0, 0),
		POLLEV(1, POLLIN, 3000, 0), ACCEPTON(1, 3), NAMEn(3)),
	/* The same with a dual-stack member: it could take the IPv4 SYNs,
	 * but compute_score() ranks the AF_INET listener one higher, so it
	 * takes them all; the dual-stack member takes the IPv6 one. */
	ROWB("tcp6_reuseport_dual_inet", 0, 12000, SOCK(NB), RPORTn(0),
		BIND(AT_ANY(FIXED(126))), DO_LISTEN, SOCK6n(1, NB),
		RPORTn(1), BINDn(1, AT6_ANY(FIXED(126))), DO_LISTENn(1),
		PEERCONN(FIXED(126), 0, 0), PEERCONN(FIXED(126), 0, 0),
		PEERCONN(FIXED(126), 0, 0), PEERCONN(FIXED(126), 0, 0),
		PEERCONN(FIXED(126), 0, 0), PEERCONN(FIXED(126), 0, 0),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 2), CLOSEn(2),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 2), CLOSEn(2),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 2), CLOSEn(2),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 2), CLOSEn(2),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 2), CLOSEn(2),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 2), CLOSEn(2),
		POLLEV(1, POLLIN, 0, 0), PEERCONN6(FIXED(126), 0, 0),
		POLLEV(1, POLLIN, 3000, 0), ACCEPTON(1, 3), NAMEn(3)),
	/* A dual-stack listener takes IPv4 connections, named v4-mapped. */
	ROWB("tcp6_listen_accept_inet", 0, 8000, SOCK6(NB),
		BIND(AT6_ANY(FIXED(99))), DO_LISTEN, PEERCONN(FIXED(99), 0, 0),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 1), NAMEn(1), PEERn(1)),
	/* SO_REUSEPORT groups of AF_INET6 listeners take IPv6 connections
	 * (reuseport_select_sock() over inet6_ehashfn()): a group of one,
	 * and a member that closes with a child queued (reset, not handed
	 * over) while the member left takes the next one. */
	ROWB("tcp6_reuseport_accept6", 0, 8000, SOCK6(NB), RPORTn(0),
		BIND(AT6_ANY(FIXED(110))), DO_LISTEN, PEERCONN6(FIXED(110), 0, 0),
		POLLEV(0, POLLIN, 3000, 0), ACCEPTON(0, 1), NAMEn(1), PEERn(1)),
	ROWB("tcp6_reuseport_close_member_queue", 0, 8000, SOCK6n(0, NB),
		SOCK6n(1, NB), RPORTn(0), RPORTn(1), BINDn(0, AT6_ANY(FIXED(111))),
		DO_LISTENn(0), PEERCONN6(FIXED(111), 0, 0), POLLEV(0, POLLIN, 3000, 0),
		BINDn(1, AT6_ANY(FIXED(111))), DO_LISTENn(1), CLOSEn(0),
		ACCEPTON(1, 2), PEERCONN6(FIXED(111), 0, 0), POLLEV(1, POLLIN, 3000, 0),
		ACCEPTON(1, 2), NAMEn(2), PEERn(2)),

	/* v4-mapped peers on a dual-stack socket: tcp_v6_connect() hands
	 * them to tcp_v4_connect(); IPV6_V6ONLY refuses them. */
	ROW("tcp6_mapped_listener", 0, SOCK6(NB), CONN(TO6_MLISTENER), NAMEU,
		POLL(2000), SOERR, NAMEU, PEER, CONN(TO6_MLISTENER),
		CONN(TO6_LISTENER)),
	ROW("tcp6_mapped_listener_blocking", 0, SOCK6(BL), CONN(TO6_MLISTENER),
		NAMEU, PEER, CONN(TO6_MLISTENER)),
	ROW("tcp6_mapped_refused", 0, SOCK6(NB), CONN(TO6_MCLOSED), POLL(2000),
		SOERR, NAME, PEER, CONN(TO6_MCLOSED), POLL(2000), SOERR),
	ROW("tcp6_mapped_refused_blocking", 0, SOCK6(BL), CONN(TO6_MCLOSED),
		SOERR, NAME, CONN(TO6_LISTENER), NAMEU, PEER),
	ROW("tcp6_mapped_v6only", 0, SOCK6(NB), V6ONLY, CONN(TO6_MLISTENER),
		NAME, PEER, SOERR),
	ROW("tcp6_mapped_unspec", 0, SOCK6(NB), CONN(TO6_MLISTENER), POLL(2000),
		CONN(TO_UNSPEC), SOERR, NAME, CONN(TO6_LISTENER), POLL(2000),
		NAMEU, PEER),
	ROW("tcp6_mapped_v6only_after", 0, SOCK6(NB), CONN(TO6_MLISTENER),
		SETI(IPPROTO_IPV6, IPV6_V6ONLY, 1), GETI(IPPROTO_IPV6, IPV6_V6ONLY)),

	/* Readiness. */
	ROW("poll_fresh_tcp", 0, SOCK(NB), POLL(0), PEER, NAME),
	ROW("poll_connecting", 0, SOCK(NB), CONN(TO_HOLE(4)), POLL(0), POLL(200)),
	ROW("epoll_fresh", 0, SOCK(NB), EPOLL(0)),
	ROW("epoll_connected", 0, SOCK(NB), CONN(TO_LISTENER), EPOLL(2000)),
	ROW("epoll_refused", 0, SOCK(NB), CONN(TO_CLOSED), EPOLL(2000), SOERR),
	ROW("epoll_connecting", 0, SOCK(NB), CONN(TO_HOLE(5)), EPOLL(200)),

	/* Options. */
	ROW("opt_defaults_tcp", 0, SOCK(NB), GETI(SOL_SOCKET, SO_TYPE),
		GETI(SOL_SOCKET, SO_REUSEADDR), GETI(SOL_SOCKET, SO_BROADCAST),
		GETI(IPPROTO_TCP, TCP_NODELAY), GETI(IPPROTO_TCP, TCP_SYNCNT),
		GETI(IPPROTO_TCP, TCP_USER_TIMEOUT), GETI(IPPROTO_TCP, TCP_MAXSEG),
		GETTV(SO_SNDTIMEO), GETI(SOL_SOCKET, SO_ERROR)),
	ROW("opt_defaults_udp", 0, SOCK(DG), GETI(SOL_SOCKET, SO_TYPE),
		GETI(SOL_SOCKET, SO_BROADCAST), GETI(SOL_SOCKET, SO_REUSEADDR),
		GETI(IPPROTO_TCP, TCP_SYNCNT)),
	ROW("opt_syncnt_range", 0, SOCK(NB), SYNCNT(0), SYNCNT(128), SYNCNT(127),
		GETI(IPPROTO_TCP, TCP_SYNCNT), SYNCNT(1),
		GETI(IPPROTO_TCP, TCP_SYNCNT)),
	ROW("opt_user_timeout_range", 0, SOCK(NB), USER_TIMEOUT(-1),
		USER_TIMEOUT(2500), GETI(IPPROTO_TCP, TCP_USER_TIMEOUT)),
	ROW("opt_sndtimeo", 0, SOCK(NB), SETTV(SO_SNDTIMEO, 0, 1000000),
		SETTV(SO_SNDTIMEO, 0, -1), SETTV(SO_SNDTIMEO, 0, 200000),
		GETTV(SO_SNDTIMEO)),
	/* Linux keeps the timeouts in whole jiffies, rounded up: what
	 * getsockopt() reads back (sock_get_timeout()). */
	ROW("opt_timeo_jiffies", 0, SOCK(NB), SETTV(SO_SNDTIMEO, 0, 1500),
		GETTV(SO_SNDTIMEO), SETTV(SO_SNDTIMEO, 0, 1), GETTV(SO_SNDTIMEO),
		SETTV(SO_SNDTIMEO, 1, 999999), GETTV(SO_SNDTIMEO),
		SETTV(SO_RCVTIMEO, 7, 4001), GETTV(SO_RCVTIMEO),
		SETTV(SO_RCVTIMEO, -1, 0), GETTV(SO_RCVTIMEO),
		SETTV(SO_RCVTIMEO, 0, 0), GETTV(SO_RCVTIMEO),
		SETTV(SO_RCVTIMEO, 86400, 250), GETTV(SO_RCVTIMEO)),
	ROW("opt_nodelay_reuse_broadcast", 0, SOCK(NB),
		SETI(IPPROTO_TCP, TCP_NODELAY, 1), GETI(IPPROTO_TCP, TCP_NODELAY),
		SETI(SOL_SOCKET, SO_REUSEADDR, 7), GETI(SOL_SOCKET, SO_REUSEADDR),
		SETI(SOL_SOCKET, SO_BROADCAST, 1), GETI(SOL_SOCKET, SO_BROADCAST)),
	ROW("opt_unknown", 0, SOCK(NB), GETI(IPPROTO_TCP, 9999),
		SETI(SOL_SOCKET, 9999, 1)),
	ROW("opt_short_optlen", 0, SOCK(NB), GETIL(IPPROTO_TCP, TCP_SYNCNT, 2),
		GETIL(SOL_SOCKET, SO_TYPE, 2)),

	/* The options of docs/tcp.md "Socket options": the values Linux
	 * reads back, and what they do to calls and segments. */
	ROW("opt_bufs", 0, SOCK(NB), SETI(SOL_SOCKET, SO_RCVBUF, 1000),
		GETI(SOL_SOCKET, SO_RCVBUF), SETI(SOL_SOCKET, SO_SNDBUF, 1000),
		GETI(SOL_SOCKET, SO_SNDBUF), SETI(SOL_SOCKET, SO_RCVBUF, 2000),
		GETI(SOL_SOCKET, SO_RCVBUF), SETI(SOL_SOCKET, SO_SNDBUF, 4607),
		GETI(SOL_SOCKET, SO_SNDBUF), SETI(SOL_SOCKET, SO_RCVBUF, -1),
		GETI(SOL_SOCKET, SO_RCVBUF), SETI(SOL_SOCKET, SO_SNDBUF, 100000),
		GETI(SOL_SOCKET, SO_SNDBUF), SETI(SOL_SOCKET, SO_SNDBUF, 0),
		GETI(SOL_SOCKET, SO_SNDBUF)),
	ROW("opt_bufs_udp", 0, SOCK(DG), SETI(SOL_SOCKET, SO_RCVBUF, 0),
		GETI(SOL_SOCKET, SO_RCVBUF), SETI(SOL_SOCKET, SO_SNDBUF, 5000),
		GETI(SOL_SOCKET, SO_SNDBUF)),
	ROW("opt_ip_ttl", 0, SOCK(NB), GETI(IPPROTO_IP, IP_TTL),
		SETI(IPPROTO_IP, IP_TTL, 0), SETI(IPPROTO_IP, IP_TTL, 256),
		SETI(IPPROTO_IP, IP_TTL, -2), SETI(IPPROTO_IP, IP_TTL, 1),
		GETI(IPPROTO_IP, IP_TTL), SETI(IPPROTO_IP, IP_TTL, 255),
		GETI(IPPROTO_IP, IP_TTL), GETIL(IPPROTO_IP, IP_TTL, 1),
		SETI(IPPROTO_IP, IP_TTL, -1), GETI(IPPROTO_IP, IP_TTL)),
	ROW("opt_ip_tos", 0, SOCK(NB), GETI(IPPROTO_IP, IP_TOS),
		SETI(IPPROTO_IP, IP_TOS, 3), GETI(IPPROTO_IP, IP_TOS),
		SETI(IPPROTO_IP, IP_TOS, 0x1f), GETI(IPPROTO_IP, IP_TOS),
		SETI(IPPROTO_IP, IP_TOS, -1), GETI(IPPROTO_IP, IP_TOS),
		SETI(IPPROTO_IP, IP_TOS, 0x100), GETI(IPPROTO_IP, IP_TOS)),
	ROW("opt_ip_tos_ttl_udp", 0, SOCK(DG), SETI(IPPROTO_IP, IP_TOS, 0x1f),
		GETI(IPPROTO_IP, IP_TOS), SETI(IPPROTO_IP, IP_TOS, -1),
		GETI(IPPROTO_IP, IP_TOS), SETI(IPPROTO_IP, IP_TTL, 7),
		GETI(IPPROTO_IP, IP_TTL)),
	ROW("opt_cork_inq_lowat", 0, SOCK(NB), GETI(IPPROTO_TCP, TCP_CORK),
		SETI(IPPROTO_TCP, TCP_CORK, 5), GETI(IPPROTO_TCP, TCP_CORK),
		GETI(IPPROTO_TCP, TCP_INQ), SETI(IPPROTO_TCP, TCP_INQ, 2),
		SETI(IPPROTO_TCP, TCP_INQ, -1), SETI(IPPROTO_TCP, TCP_INQ, 1),
		GETI(IPPROTO_TCP, TCP_INQ), GETI(IPPROTO_TCP, TCP_NOTSENT_LOWAT),
		SETI(IPPROTO_TCP, TCP_NOTSENT_LOWAT, -1),
		GETI(IPPROTO_TCP, TCP_NOTSENT_LOWAT),
		SETI(IPPROTO_TCP, TCP_NOTSENT_LOWAT, 1000),
		GETI(IPPROTO_TCP, TCP_NOTSENT_LOWAT)),
	ROW("opt_quickack", 0, SOCK(NB), GETI(IPPROTO_TCP, TCP_QUICKACK),
		SETI(IPPROTO_TCP, TCP_QUICKACK, 0), GETI(IPPROTO_TCP, TCP_QUICKACK),
		SETI(IPPROTO_TCP, TCP_QUICKACK, 2), GETI(IPPROTO_TCP, TCP_QUICKACK),
		SETI(IPPROTO_TCP, TCP_QUICKACK, 0), SETI(IPPROTO_TCP, TCP_QUICKACK, -1),
		GETI(IPPROTO_TCP, TCP_QUICKACK)),
	ROW("opt_defer_accept", 0, SOCK(NB), GETI(IPPROTO_TCP, TCP_DEFER_ACCEPT),
		SETI(IPPROTO_TCP, TCP_DEFER_ACCEPT, -1),
		GETI(IPPROTO_TCP, TCP_DEFER_ACCEPT),
		SETI(IPPROTO_TCP, TCP_DEFER_ACCEPT, 2),
		GETI(IPPROTO_TCP, TCP_DEFER_ACCEPT),
		SETI(IPPROTO_TCP, TCP_DEFER_ACCEPT, 10),
		GETI(IPPROTO_TCP, TCP_DEFER_ACCEPT),
		SETI(IPPROTO_TCP, TCP_DEFER_ACCEPT, 100000),
		GETI(IPPROTO_TCP, TCP_DEFER_ACCEPT),
		SETI(IPPROTO_TCP, TCP_DEFER_ACCEPT, 1),
		GETI(IPPROTO_TCP, TCP_DEFER_ACCEPT)),
	ROW("opt_linger", 0, SOCK(NB), GETLINGER, SETLINGER(1, 3), GETLINGER,
		SETLINGER(0, 5), GETLINGER, SETLINGER(1, -1), GETLINGER,
		SETLINGER(1, 0), GETLINGER, SETI(SOL_SOCKET, SO_LINGER, 1)),
	ROW("opt_tcp_level_on_udp", 0, SOCK(DG), GETI(IPPROTO_TCP, TCP_CORK),
		SETI(IPPROTO_TCP, TCP_CORK, 1), SETI(IPPROTO_TCP, TCP_QUICKACK, 1)),

	/* ioctl: tcp_ioctl()'s queue sizes. */
	ROW("ioctl_fresh_and_listener", 0, SOCK(NB), IOCTL(SIOCINQ),
		IOCTL(SIOCOUTQ), IOCTL(SIOCOUTQNSD), UPTR(U_IOCTL_INQ, P_NULL, 0),
		DO_LISTEN, IOCTL(SIOCINQ), IOCTL(SIOCOUTQ), IOCTL(SIOCOUTQNSD),
		UPTR(U_IOCTL_INQ, P_NULL, 0)),
	ROW("ioctl_connecting", 0, SOCK(NB), CONN(TO_HOLE(6)), IOCTL(SIOCINQ),
		IOCTL(SIOCOUTQ), IOCTL(SIOCOUTQNSD)),
	ROW("ioctl_unacked", 0, SOCK(NB), CONN(TO_PEER(B_ACCEPT_MUTE, 1)),
		POLL(2000), SLEEP(20), SENDN(100, 0), SLEEP(50), IOCTL(SIOCOUTQ),
		IOCTL(SIOCOUTQNSD), IOCTL(SIOCINQ), UPTR(U_IOCTL_INQ, P_NULL, 0),
		UPTR(U_IOCTL_INQ, P_RO, 0), UPTR(U_IOCTL_INQ, P_OK, 0)),
	ROW("ioctl_received", 0, SOCK(NB), CONN(TO_PEER(B_ACCEPT_TALK, 1)),
		POLLWR(2000), POLLRD(2000), SLEEP(50), IOCTL(SIOCINQ), RECV,
		IOCTL(SIOCINQ), IOCTL(SIOCOUTQ)),
	ROW("ioctl_acked", R_DATA | R_NOSUM, SOCK(NB), CONN(TO_PEER(B_ACCEPT_ACK, 1)),
		POLL(2000), SLEEP(20), SENDN(3000, 0), SLEEP(200), IOCTL(SIOCOUTQ),
		IOCTL(SIOCOUTQNSD)),
	ROW("ioctl_udp", 0, SOCK(DG), IOCTL(SIOCOUTQNSD)),
	/* udp_ioctl(): SIOCINQ is the next datagram's payload, 0 when none;
	 * SIOCOUTQ the send memory held (0 once sent). */
	ROW("ioctl_udp_queues", 0, SOCK(DG), IOCTL(SIOCINQ), IOCTL(SIOCOUTQ),
		UPTR(U_IOCTL_INQ, P_NULL, 0), CONN(TO_ECHO), SEND, SEND, POLLRD(2000),
		SLEEP(50), IOCTL(SIOCINQ), IOCTL(SIOCOUTQ), RECV, IOCTL(SIOCINQ),
		RECV, IOCTL(SIOCINQ), RECV),

	/* recvmsg(): tcp_recvmsg() with TCP_INQ adds TCP_CM_INQ, the bytes
	 * left after the read (MSG_PEEK: all of them), cut to a short
	 * control buffer with MSG_CTRUNC; errors write nothing back. */
	ROW("recvmsg_tcp_inq", 0, SOCK(NB), CONN(TO_PEER(B_ACCEPT_TALK, 2)),
		POLLWR(2000), POLLRD(2000), SLEEP(50), RECVMSG_N(0, 10, 64),
		SETI(IPPROTO_TCP, TCP_INQ, 1), RECVMSG(MSG_PEEK, 4, 64),
		RECVMSG_N(0, 10, 64), RECVMSG(0, 2, 20), RECVMSG(0, 2, 16),
		RECVMSG(0, 2, 12), RECVMSG(0, 2, -1), RECVMSG(MSG_CMSG_CLOEXEC, 2, 64),
		RECVMSG(0, 200, 64), RECVMSG_N(0, 10, 64), IOCTL(SIOCINQ)),
	/* The peer's FIN counts as one byte in TCP_CM_INQ (tcp_inq_hint():
	 * rcv_nxt - copied_seq), not in SIOCINQ; a child takes TCP_INQ from
	 * its listener. */
	ROWB("recvmsg_tcp_inq_fin", R_NOSUM, 5000, SOCK(NB), BIND(AT_ANY(FIXED(25))),
		SETI(IPPROTO_TCP, TCP_INQ, 1), DO_LISTEN,
		PEERCONN(FIXED(25), 0, -30), POLLRDT(2000), ACCEPTn(1), SLEEP(200),
		GETIn(1, IPPROTO_TCP, TCP_INQ), RECVMSGn(1, 0, 10, 64),
		IOCTLn(1, SIOCINQ), RECVMSGn(1, 0, 100, 64), RECVMSGn(1, 0, 100, 64),
		RECVMSGn(1, MSG_PEEK, 100, 64), IOCTLn(1, SIOCINQ)),
	/* tcp_recvmsg() with MSG_TRUNC discards the bytes, or with MSG_PEEK
	 * counts them, without touching the buffer. */
	ROW("recv_tcp_trunc", 0, SOCK(NB), CONN(TO_PEER(B_ACCEPT_TALK, 4)),
		POLLWR(2000), POLLRD(2000), SLEEP(50),
		{ .op = OP_RECV, .a = MSG_TRUNC | MSG_DONTWAIT }, IOCTL(SIOCINQ),
		{ .op = OP_RECV, .a = MSG_TRUNC | MSG_PEEK | MSG_DONTWAIT },
		IOCTL(SIOCINQ), SETI(IPPROTO_TCP, TCP_INQ, 1),
		RECVMSG(MSG_TRUNC, 10, 64), UPTR(U_RECV_TRUNC, P_NULL, 6),
		UPTR(U_RECV_TRUNC, P_ONE, 6), IOCTL(SIOCINQ),
		UPTR(U_RECV_TRUNC, P_NULL, 100), IOCTL(SIOCINQ)),
	/* udp_recvmsg(): the sender in msg_name, a datagram cut to the
	 * buffers marked MSG_TRUNC (the flag returns its whole length),
	 * MSG_PEEK leaves it. */
	ROW("recvmsg_udp", 0, SOCK(DG), CONN(TO_ECHO), SEND, POLLRD(2000),
		RECVMSG_N(MSG_PEEK, 4, 0), IOCTL(SIOCINQ), RECVMSG_N(0, 64, 64),
		SEND, POLLRD(2000), RECVMSG(MSG_TRUNC, 2, -1), IOCTL(SIOCINQ),
		RECVMSG_N(MSG_DONTWAIT, 8, 0), SEND, POLLRD(2000),
		RECVMSG_N(MSG_TRUNC | MSG_PEEK, 0, 0), RECVMSG(0, 64, 64)),
	/* ____sys_recvmsg(): the header read in (EFAULT), then the segments;
	 * a segment that cannot be written: EFAULT (a stream keeps the
	 * bytes, a datagram is consumed); the header written back (EFAULT,
	 * after the read). */
	ROW("recvmsg_efault_tcp", 0, SOCK(NB), CONN(TO_PEER(B_ACCEPT_TALK, 3)),
		POLLWR(2000), POLLRD(2000), SLEEP(50), UPTR(U_RECVMSG_HDR, P_NULL, 0),
		UPTR(U_RECVMSG_HDR, P_ONE, 0), UPTR(U_RECVMSG_HDR, P_HIGH, 0),
		UPTR(U_RECVMSG_BASE, P_NULL, 10), UPTR(U_RECVMSG_BASE, P_HIGH, 10),
		UPTR(U_RECVMSG_BASE, P_RO, 10), UPTR(U_RECVMSG_BASE, P_NOACCESS, 10),
		IOCTL(SIOCINQ), UPTR(U_RECVMSG_HDR, P_RO, 0),
		UPTR(U_RECVMSG_HDR, P_OK, 0), UPTR(U_RECVMSG_BASE, P_OK, 10),
		IOCTL(SIOCINQ)),
	ROW("recvmsg_efault_udp", 0, SOCK(DG), CONN(TO_ECHO),
		UPTR(U_RECVMSG_HDR, P_NULL, 0), UPTR(U_RECVMSG_BASE, P_HIGH, 10),
		UPTR(U_RECVMSG_BASE, P_NULL, 10), SEND, POLLRD(2000),
		UPTR(U_RECVMSG_BASE, P_NULL, 10), IOCTL(SIOCINQ), SEND, POLLRD(2000),
		UPTR(U_RECVMSG_HDR, P_RO, 0), IOCTL(SIOCINQ)),
	/* The FIN counts in write_seq once queued. */
	ROW("ioctl_after_shutdown", R_NOSUM, SOCK(NB), CONN(TO_PEER(B_ACCEPT_MUTE, 5)),
		POLL(2000), SLEEP(20), SENDN(100, 0), SLEEP(20), SHUTWR, SLEEP(20),
		IOCTL(SIOCOUTQ), IOCTL(SIOCOUTQNSD), IOCTL(SIOCINQ)),

	/* TCP_CORK and MSG_MORE hold a partial segment; uncorking, a full
	 * segment, TCP_NODELAY, close, or the probe timer (about the RTO,
	 * at least 200 ms, with nothing in flight) send it. */
	ROW("cork_holds_partial", R_DATA, SOCK(NB), CONN(TO_PEER(B_ACCEPT_ACK, 2)),
		POLL(2000), SLEEP(20), SETI(IPPROTO_TCP, TCP_CORK, 1), SENDN(100, 0),
		SLEEP(100), IOCTL(SIOCOUTQNSD), SENDN(100, 0),
		SETI(IPPROTO_TCP, TCP_CORK, 0), SLEEP(100), IOCTL(SIOCOUTQNSD)),
	ROWB("cork_probe_timer", R_DATA, 5000, SOCK(NB),
		CONN(TO_PEER(B_ACCEPT_ACK, 3)), POLL(2000),
		SLEEP(20), SETI(IPPROTO_TCP, TCP_CORK, 1), SENDN(100, 0), SLEEP(700),
		IOCTL(SIOCOUTQNSD)),
	ROW("cork_full_segments_go", R_DATA | R_NOSUM, SOCK(NB),
		CONN(TO_PEER(B_ACCEPT_ACK, 4)), POLL(2000),
		SLEEP(20), SETI(IPPROTO_TCP, TCP_CORK, 1), SENDN(3000, 0), SLEEP(100),
		IOCTL(SIOCOUTQNSD), SETI(IPPROTO_TCP, TCP_CORK, 0), SLEEP(100),
		IOCTL(SIOCOUTQNSD)),
	ROW("cork_then_nodelay", R_DATA, SOCK(NB), CONN(TO_PEER(B_ACCEPT_ACK, 5)),
		POLL(2000), SLEEP(20), SETI(IPPROTO_TCP, TCP_CORK, 1), SENDN(100, 0),
		SETI(IPPROTO_TCP, TCP_NODELAY, 1), SLEEP(100), IOCTL(SIOCOUTQNSD),
		SENDN(100, 0), IOCTL(SIOCOUTQNSD)),
	ROW("cork_close_flushes", R_DATA, SOCK(NB), CONN(TO_PEER(B_ACCEPT_ACK, 6)),
		POLL(2000), SLEEP(20), SETI(IPPROTO_TCP, TCP_CORK, 1), SENDN(100, 0), CLOSE,
		SLEEP(100)),
	ROW("msg_more", R_DATA, SOCK(NB), CONN(TO_PEER(B_ACCEPT_ACK, 7)),
		POLL(2000), SLEEP(20), SENDN(100, MSG_MORE), SLEEP(50), IOCTL(SIOCOUTQNSD),
		SENDN(100, 0), SLEEP(100), IOCTL(SIOCOUTQNSD)),
	ROWB("msg_more_probe_timer", R_DATA, 5000, SOCK(NB),
		CONN(TO_PEER(B_ACCEPT_ACK, 8)), POLL(2000), SLEEP(20), SENDN(100, MSG_MORE),
		SLEEP(700), IOCTL(SIOCOUTQNSD)),

	/* IP_TTL and IP_TOS in the headers, the SYN's included. */
	ROW("ip_ttl_tos_segments", R_LAYOUT | R_DATA, SOCK(NB),
		SETI(IPPROTO_IP, IP_TTL, 33), SETI(IPPROTO_IP, IP_TOS, 0x2b),
		CONN(TO_PEER(B_ACCEPT_ACK, 9)), POLL(2000), SLEEP(20), SENDN(10, 0), SLEEP(100),
		SETI(IPPROTO_IP, IP_TTL, -1), SETI(IPPROTO_IP, IP_TOS, 0),
		SENDN(10, 0), SLEEP(100)),

	/* TCP_NOTSENT_LOWAT: POLLOUT while twice the unsent bytes are
	 * below it (tcp_poll()), send() while they are below it. */
	ROW("notsent_lowat", 0, SOCK(NB), CONN(TO_PEER(B_ACCEPT_MUTE, 2)),
		POLL(2000), SLEEP(20), SETI(IPPROTO_TCP, TCP_NOTSENT_LOWAT, 1000),
		SETI(IPPROTO_TCP, TCP_CORK, 1), SENDN(100, 0), POLL(0),
		SENDN(400, 0), POLL(0), SENDN(600, 0), POLL(0), SENDN(10, 0),
		IOCTL(SIOCOUTQNSD), SETI(IPPROTO_TCP, TCP_NOTSENT_LOWAT, 5000),
		POLL(0)),

	/* TCP_QUICKACK 0: no quick ACK until a delayed one fired (Linux's
	 * pingpong mode ends in tcp_delack_timer_handler()); setting it
	 * again sends the ACK that waits. */
	ROWB("quickack_default", R_ACKS, 5000, SOCK(NB),
		CONN(TO_PEER(B_TALK_TWICE, 1)), POLLWR(2000), SLEEP(700),
		GETI(IPPROTO_TCP, TCP_QUICKACK)),
	/* (Set once the first data is in: dpstack's lcore applies an option
	 * a moment after the call, which must not race the peer.) */
	ROWB("quickack_off_delays_once", R_ACKS, 5000, SOCK(NB),
		CONN(TO_PEER(B_TALK_TWICE, 2)), POLLWR(2000), POLLRD(2000),
		SETI(IPPROTO_TCP, TCP_QUICKACK, 0), GETI(IPPROTO_TCP, TCP_QUICKACK),
		SLEEP(700), GETI(IPPROTO_TCP, TCP_QUICKACK)),
	/* Set before connect(): the ACK of the SYN-ACK waits (Linux's
	 * tcp_rcv_synsent_state_process(), "save one ACK"), and quick-ACK
	 * mode starts. */
	ROWB("quickack_off_before_connect", R_ACKS, 5000, SOCK(NB),
		SETI(IPPROTO_TCP, TCP_QUICKACK, 0), CONN(TO_PEER(B_TALK_TWICE, 4)),
		POLLWR(2000), SLEEP(900), GETI(IPPROTO_TCP, TCP_QUICKACK)),
	/* TCP_DEFER_ACCEPT on a connecting socket saves the ACK too. */
	ROWB("defer_accept_connect_saves_ack", R_ACKS, 5000, SOCK(NB),
		SETI(IPPROTO_TCP, TCP_DEFER_ACCEPT, 1),
		CONN(TO_PEER(B_TALK_TWICE, 5)), POLLWR(2000), SLEEP(900)),
	ROWB("quickack_set_sends_waiting_ack", R_ACKS, 5000, SOCK(NB),
		SETI(IPPROTO_TCP, TCP_QUICKACK, 0), CONN(TO_PEER(B_TALK_TWICE, 3)),
		POLLWR(2000), POLLRD(2000), SETI(IPPROTO_TCP, TCP_QUICKACK, 1),
		SLEEP(700)),

	/* TCP_DEFER_ACCEPT: the listener drops the bare ACK of the
	 * handshake and waits for data; the SYN-ACK goes again at the end
	 * of the period, and the ACK that answers it is taken. */
	ROWB("defer_accept_no_data", 0, 6000, SOCK(NB), BIND(AT_ANY(FIXED(20))),
		DO_LISTEN, SETI(IPPROTO_TCP, TCP_DEFER_ACCEPT, 1),
		PEERCONN(FIXED(20), 0, 0), POLLRDT(3000), ACCEPTn(1), RECVn(1)),
	ROWB("defer_accept_data", 0, 6000, SOCK(NB), BIND(AT_ANY(FIXED(21))),
		DO_LISTEN, SETI(IPPROTO_TCP, TCP_DEFER_ACCEPT, 5),
		PEERCONN(FIXED(21), 300, 100), POLLRDT(3000), ACCEPTn(1),
		RECVn(1), ACCEPTn(2)),
	ROWB("defer_accept_off", 0, 6000, SOCK(NB), BIND(AT_ANY(FIXED(22))),
		DO_LISTEN, PEERCONN(FIXED(22), 300, 100), POLLRDT(3000), ACCEPTn(1),
		SLEEP(400), RECVn(1)),

	/* A listener's IP_TTL and IP_TOS: its SYN-ACK's and its children's. */
	ROWB("ip_ttl_tos_listener", R_DATA, 5000, SOCK(NB),
		SETI(IPPROTO_IP, IP_TTL, 33), SETI(IPPROTO_IP, IP_TOS, 0x20),
		BIND(AT_ANY(FIXED(23))), DO_LISTEN, PEERCONN(FIXED(23), 0, 0),
		POLLRDT(2000), ACCEPTn(1), { .op = OP_SENDN, .sock = 1, .a = 10 },
		SLEEP(100)),

	ROWB("rcvbuf_listener_synack", R_DATA, 5000, SOCK(NB),
		SETI(SOL_SOCKET, SO_RCVBUF, 4000), BIND(AT_ANY(FIXED(24))), DO_LISTEN,
		PEERCONN(FIXED(24), 0, 0), POLLRDT(2000), ACCEPTn(1),
		GETIn(1, SOL_SOCKET, SO_RCVBUF)),

	/* ... and a poller wakes when the lcore sends what was unsent (here
	 * the cork's probe timer, about 200 ms on). */
	ROWB("notsent_lowat_wakes", 0, 5000, SOCK(NB),
		CONN(TO_PEER(B_ACCEPT_ACK, 12)), POLL(2000), SLEEP(20),
		SETI(IPPROTO_TCP, TCP_NOTSENT_LOWAT, 1000),
		SETI(IPPROTO_TCP, TCP_CORK, 1), SENDN(600, 0), POLL(0), POLLT(2000),
		IOCTL(SIOCOUTQNSD)),

	/* SO_LINGER: a zero time resets; a time makes close() wait for the
	 * acknowledgement of what was sent, or the time. */
	ROW("linger_zero_resets", 0, SOCK(NB), CONN(TO_PEER(B_ACCEPT_ACK, 10)),
		POLL(2000), SLEEP(20), SENDN(10, 0), SLEEP(50), SETLINGER(1, 0), CLOSE,
		SLEEP(100)),
	ROWB("linger_waits_for_ack", 0, 6000, SOCK(NB),
		CONN(TO_PEER(B_ACCEPT_ACK, 11)), POLL(2000), SLEEP(20), SENDN(100, 0),
		SLEEP(20), SETLINGER(1, 3), CLOSET, SLEEP(100)),
	ROWB("linger_times_out", R_PAR | R_NOSUM, 8000, SOCK(BL),
		CONN(TO_PEER(B_ACCEPT_MUTE, 3)), SLEEP(20), SENDN(100, 0), SETLINGER(1, 1),
		CLOSET),
	ROWB("linger_times_out_nonblocking", R_PAR | R_NOSUM, 8000, SOCK(NB),
		CONN(TO_PEER(B_ACCEPT_MUTE, 4)), POLL(2000), SLEEP(20), SENDN(100, 0),
		SETLINGER(1, 1), CLOSET),

	/* A configured ephemeral range, and its exhaustion: run alone, by a
	 * second invocation with a small --port-range (run.sh: 40000-40099),
	 * every port of which the fill rows bind. The kernel's connections
	 * left in FIN-WAIT-2 all go to the listener, so a connect there
	 * cannot share their ports either. */
	ROW("range_configured", R_ALONE, SOCK(NB), CONN(TO_LISTENER), NAME,
		SOCKn(1, NB), BINDn(1, AT_ANY(0)), NAMEn(1), SOCKn(2, DG),
		CONNn(2, TO_ECHO), NAMEUn(2)),
	ROWB("exhaust_tcp", R_ALONE, 30000, FILL(SOCK_STREAM), SOCK(NB),
		CONN(TO_LISTENER), NAME, SOCKn(1, NB), BINDn(1, AT_ANY(0)), UNFILL,
		CONN(TO_LISTENER), POLL(2000)),
	ROWB("exhaust_udp", R_ALONE, 30000, FILL(SOCK_DGRAM), SOCK(DG),
		CONN(TO_ECHO), NAME, SENDTO(TO_ECHO), SOCKn(1, DG),
		BINDn(1, AT_ANY(0)), UNFILL, CONN(TO_ECHO), NAMEU),
	/* The tuple space with a bound source address. With
	 * IP_BIND_ADDRESS_NO_PORT, connects to one destination take every
	 * port the range has free, then EADDRNOTAVAIL; one to another
	 * destination still succeeds on a port those use (every free port
	 * is one of theirs), and a plain bind(addr, 0) finds none. Without
	 * the option each bind(addr, 0) holds a port for every destination. */
	ROWB("noport_tuple_space", R_ALONE, 30000, SPREAD(TO_HOLE(40), 0, 1),
		SPREAD(TO_HOLE(41), 1, 1), SPREAD(TO_HOLE(41), 1, 0)),
	ROWB("plain_bind0_tuple_space", R_ALONE, 30000,
		SPREAD(TO_HOLE(42), 0, 0), SPREAD(TO_HOLE(43), 1, 0),
		SPREAD(TO_HOLE(43), 1, 1)),

	/* socket() arguments, and close. */
	ROW("socket_bad_protocol", 0, SOCKP(0, SOCK_STREAM, IPPROTO_UDP),
		SOCKP(1, SOCK_DGRAM, IPPROTO_TCP), SOCKP(2, SOCK_STREAM | 0x40000000, 0),
		SOCKP(3, SOCK_STREAM, IPPROTO_TCP)),
	ROW("close_connecting", 0, SOCK(NB), CONN(TO_PEER(B_SILENT, 6)),
		SLEEP(100), CLOSE, SLEEP(200)),
	ROW("close_fresh", 0, SOCK(NB), CLOSE),

	/* Bad pointers: EFAULT where the kernel gives it, in its order of
	 * checks. send/recv check the range (access_ok) before the
	 * descriptor, and NULL or an unmapped page only when they copy; a
	 * zero length copies nothing; a chunk that faults is not counted. */
	ROW("efault_send", 0, SOCK(NB), CONN(TO_LISTENER), POLL(2000),
		UPTR(U_SEND, P_NULL, 1000), UPTR(U_SEND, P_NULL, 0),
		UPTR(U_SEND, P_ONE, 10), UPTR(U_SEND, P_HIGH, 10),
		UPTR(U_SEND, P_NOACCESS, 10), UPTR(U_SEND, P_RO, 10),
		UPTR(U_SENDTO_ADDR, P_ONE, 16), UPTR(U_SENDTO_ADDR, P_ONE, 0),
		UPTR(U_SENDTO_ADDR, P_OK, 200), UPTR(U_WRITEV_IOV, P_NULL, 1),
		UPTR(U_WRITEV_IOV, P_NULL, 0), UPTR(U_WRITEV_BASE, P_NULL, 10),
		UPTR(U_WRITEV_BASE, P_NOACCESS, 10)),
	ROW("efault_send_unconnected", 0, SOCK(NB), UPTR(U_SEND, P_NULL, 10),
		UPTR(U_SENDTO_ADDR, P_NULL, 16), UPTR(U_RECV, P_NULL, 10),
		UPTR(U_RECV, P_NULL, 0), UPTR(U_WRITEV_IOV, P_NOACCESS, 1)),
	ROW("efault_recv", 0, SOCK(NB), CONN(TO_LISTENER), POLL(2000),
		UPTR(U_RECV, P_NULL, 100), UPTR(U_RECV, P_NULL, 0),
		UPTR(U_RECV, P_HIGH, 10), UPTR(U_RECVFROM_LEN, P_ONE, 0),
		UPTR(U_RECVFROM_ADDR, P_ONE, 0), UPTR(U_READV_BASE, P_NULL, 10),
		UPTRn(3, U_SEND, P_HIGH, 10), UPTRn(3, U_SEND, P_NULL, 10),
		UPTRn(3, U_RECV, P_HIGH, 10), UPTRn(3, U_WRITEV_IOV, P_NULL, 1),
		UPTRn(3, U_SENDTO_ADDR, P_ONE, 16), UPTRn(3, U_BIND, P_NULL, 16)),
	ROW("efault_names", 0, SOCK(NB), UPTR(U_NAME_ADDR, P_NULL, 16),
		UPTR(U_NAME_ADDR, P_NULL, 0), UPTR(U_NAME_LEN, P_NULL, 0),
		UPTR(U_NAME_ADDR, P_ONE, 16), UPTR(U_NAME_ADDR, P_RO, 16),
		UPTR(U_NAME_LEN, P_RO, 0), UPTR(U_PEER_ADDR, P_NULL, 0),
		UPTR(U_BIND, P_NULL, 16), UPTR(U_BIND, P_ONE, 16),
		UPTR(U_BIND, P_ONE, 0), UPTR(U_BIND, P_HIGH, 16),
		UPTR(U_CONNECT, P_NOACCESS, 16), CONN(TO_LISTENER), POLL(2000),
		UPTR(U_PEER_ADDR, P_NULL, 16)),
	ROW("efault_sockopt", 0, SOCK(NB), UPTR(U_GETOPT_VAL, P_NULL, 4),
		UPTR(U_GETOPT_VAL, P_NULL, 0), UPTR(U_GETOPT_LEN, P_NULL, 0),
		UPTR(U_GETOPT_LEN, P_RO, 0), UPTR(U_GETOPT_TCP_VAL, P_NULL, 4),
		UPTR(U_GETOPT_UNKNOWN_LEN, P_NULL, 0), UPTR(U_SETOPT_VAL, P_NULL, 4),
		UPTR(U_SETOPT_VAL, P_NULL, 0), UPTR(U_SETOPT_VAL, P_ONE, 4),
		UPTR(U_SETOPT_TCP_VAL, P_NULL, 4), UPTR(U_SETOPT_TV, P_NULL, 16),
		UPTR(U_SETOPT_TV, P_NULL, 8), UPTR(U_SETOPT_CC, P_NULL, 5),
		UPTR(U_SETOPT_CC, P_NULL, 0), UPTR(U_SETOPT_VAL, P_RO, 4)),
	ROW("efault_poll_epoll", 0, SOCK(NB), UPTR(U_POLL, P_NULL, 1),
		UPTR(U_POLL, P_NULL, 0), UPTR(U_POLL, P_ONE, 1),
		UPTR(U_POLL, P_RO, 1), UPTR(U_POLL, P_OK, 1),
		UPTR(U_EPOLL_CTL, P_NULL, 0), UPTR(U_EPOLL_CTL, P_ONE, 0),
		UPTR(U_EPOLL_CTL, P_OK, 0), UPTR(U_EPOLL_WAIT, P_NULL, 1),
		UPTR(U_EPOLL_WAIT, P_OK, 1), UPTR(U_EPOLL_WAIT, P_HIGH, 1),
		UPTR(U_EPOLL_WAIT, P_RO, 1), UPTR(U_EPOLL_WAIT, P_NULL, 0),
		UPTRn(3, U_EPOLL_CTL, P_NULL, 0)),
	/* UDP: a datagram that cannot be written, or whose sender cannot
	 * be, is consumed all the same. */
	ROW("efault_udp", 0, SOCK(DG), CONN(TO_ECHO), UPTR(U_SEND, P_NULL, 10),
		UPTR(U_SEND, P_OK, 7), POLLRD(2000), UPTR(U_RECV, P_NULL, 64),
		UPTR(U_RECV, P_OK, 64), UPTR(U_SEND, P_OK, 7), POLLRD(2000),
		UPTR(U_RECVFROM_ADDR, P_ONE, 0), RECV, UPTR(U_SEND, P_OK, 7),
		POLLRD(2000), UPTR(U_RECVFROM_LEN, P_NULL, 0), RECV,
		UPTR(U_SENDTO_ADDR, P_NULL, 16)),

	/* A socket call on an epoll descriptor: ENOTSOCK (sockfd_lookup),
	 * EINVAL for readv/writev (no read or write method), and EFAULT
	 * first where the range is checked before the lookup. */
	ROW("enotsock_epoll", 0, ONEP(U_SEND), ONEP(U_RECV), ONEP(U_BIND),
		ONEP(U_CONNECT), ONEP(U_LISTEN), ONEP(U_ACCEPT_LEN), ONEP(U_SHUTDOWN),
		ONEP(U_NAME_ADDR), ONEP(U_PEER_ADDR), ONEP(U_GETOPT_VAL),
		ONEP(U_SETOPT_VAL), ONEP(U_WRITEV_BASE), ONEP(U_READV_BASE),
		ONEP(U_SENDTO_ADDR), { .op = OP_UPTR, .a = U_SEND, .b = P_HIGH,
		.c = 1, .flags = F_EPFD }),
};

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))
#define POOL 6
#define DEFAULT_BUDGET_MS 15000
#define TAIL_MS 100

/* ---- results ----------------------------------------------------------- */

struct step_res {
	char label[64];
	char text[160];
	double elapsed;		/* seconds; < 0 when not timed */
};

struct row_run {
	const struct row *row;
	pthread_t th;
	struct step_res res[MAX_STEPS];
	atomic_int n_done;	/* steps finished */
	atomic_int done;	/* row finished */
	int hung;		/* past its budget */
	int crashed;
	double t0, t1;		/* wall clock: first connect, end of steps */
	double deadline;	/* monotonic */
	bool started;
};

#define MAX_BURST 16

/* Per-row state the steps share. */
struct ctx {
	int fd[MAX_SOCKS];
	unsigned int last_port[MAX_SOCKS];
	int type[MAX_SOCKS];		/* SOCK_STREAM or SOCK_DGRAM, as created */
	int burst[MAX_BURST];
	int n_burst;
	int *fill;		/* one socket per ephemeral port, or -1 */
	int *spread_fd;		/* OP_SPREAD's sockets and their ports */
	unsigned int *spread_port;
	int n_spread;
	struct row_run *rr;
};

static struct row_run runs[N_ROWS];

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* errno by name; ENOSYS marks a dps_ call the library does not have. */
static const char *
err_name(int e)
{
	const char *n = strerrorname_np(e);
	static __thread char buf[16];

	if (n != NULL)
		return n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* "ret" or "-1 EXXX". */
static void
fmt_ret(char *buf, size_t n, long ret, int err)
{
	if (ret < 0)
		snprintf(buf, n, "%ld %s", ret, err_name(err));
	else
		snprintf(buf, n, "%ld", ret);
}

/* Poll or epoll event bits by name, "0" for none. */
static void
fmt_events(char *buf, size_t n, unsigned int ev, bool epoll)
{
	static const struct { unsigned int bit, ebit; const char *name; } t[] = {
		{ POLLIN, EPOLLIN, "IN" }, { POLLPRI, EPOLLPRI, "PRI" },
		{ POLLOUT, EPOLLOUT, "OUT" }, { POLLERR, EPOLLERR, "ERR" },
		{ POLLHUP, EPOLLHUP, "HUP" }, { POLLNVAL, 0, "NVAL" },
		{ POLLRDHUP, EPOLLRDHUP, "RDHUP" },
		{ POLLRDNORM, EPOLLRDNORM, "RDNORM" },
		{ POLLWRNORM, EPOLLWRNORM, "WRNORM" },
	};
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		unsigned int b = epoll ? t[i].ebit : t[i].bit;

		if (b == 0 || !(ev & b))
			continue;
		off += (size_t)snprintf(buf + off, n - off, "%s%s",
			off ? "|" : "", t[i].name);
		ev &= ~b;
		if (off >= n)
			return;
	}
	if (ev != 0 && off < n)
		snprintf(buf + off, n - off, "%s0x%x", off ? "|" : "", ev);
	else if (off == 0)
		snprintf(buf, n, "0");
}

/*
 * The shape of a local or peer port: exact outside the ephemeral range,
 * its class inside it, plus whether it repeats the socket's previous port
 * or socket 0's. Only a socket of socket 0's type is compared with it:
 * TCP and UDP ports are apart, so a UDP port equal to a TCP socket's is
 * a coincidence (1 in 100 in the rows that shrink the range).
 */
static void
fmt_port(char *buf, size_t n, unsigned int port, bool parity,
	const struct ctx *c, unsigned int sock)
{
	int off;

	if (port >= eph_lo && port <= eph_hi)
		off = snprintf(buf, n, "%s", !parity ? "eph" :
			port % 2 ? "eph-odd" : "eph-even");
	else
		off = snprintf(buf, n, "%u", port);
	if (port != 0 && port == c->last_port[sock])
		off += snprintf(buf + off, n - (size_t)off, ",same");
	if (port != 0 && sock != 0 && port == c->last_port[0] &&
			c->type[sock] == c->type[0])
		snprintf(buf + off, n - (size_t)off, ",=s0");
}

/* ---- addresses ---------------------------------------------------------- */

union addr_buf {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct sockaddr_storage ss;
	uint8_t raw[1024];	/* so oversize lengths read zeroes */
};

static const char *const addr_ip[] = {
	[AD_LISTEN] = IP_GW, [AD_CLOSED] = IP_GW, [AD_ECHO] = IP_GW,
	[AD_UCLOSED] = IP_GW, [AD_CRAFT] = IP_HOST, [AD_CRAFT4] = IP_HOST4,
	[AD_CRAFT5] = IP_HOST5, [AD_CRAFT6] = IP_HOST6, [AD_CRAFT8] = IP_HOST8,
	[AD_NOARP] = IP_NOARP, [AD_HOLE] = IP_HOLE,
	[AD_NOROUTE] = IP_NOROUTE, [AD_BCAST] = "198.18.0.255",
	[AD_LBCAST] = "255.255.255.255", [AD_MCAST] = "224.0.0.1",
	[AD_ANY] = "0.0.0.0", [AD_SELF] = IP_SELF, [AD_FOREIGN] = IP_FOREIGN,
	[AD_UNSPEC] = "0.0.0.0", [AD_UNIXFAM] = IP_GW,
};

static int
addr_port(const struct step *st)
{
	switch (st->addr) {
	case AD_LISTEN:
	case AD_INET6:
	case AD_UNIXFAM:
		return PORT_LISTEN;
	case AD_ECHO:
		return PORT_ECHO;
	case AD_CLOSED:
		return PORT_CLOSED;
	case AD_UCLOSED:
		return PORT_UCLOSED;
	case AD_NOROUTE:
		return 80;
	case AD_BCAST:
	case AD_LBCAST:
	case AD_MCAST:
		return 9;
	case AD6_ECHO:
	case AD6_MECHO:
		return PORT_ECHO;
	case AD6_UCLOSED:
		return PORT_UCLOSED;
	case AD6_LISTEN:
	case AD6_MLISTEN:
		return PORT_LISTEN;
	case AD6_CLOSED:
	case AD6_MCLOSED:
		return PORT_CLOSED;
	case AD6_NOROUTE:
	case AD6_FOREIGN:
	case AD6_LL:
		return 80;
	default:
		return st->port;
	}
}

/*
 * Fill @b for the step's address kind. Returns the pointer to pass (NULL
 * for AD_NULL) and sets *len to the step's length or the natural one.
 */
static const char *const addr6_ip[] = {
	[AD6_ECHO - AD6_FIRST] = IP6_GW, [AD6_UCLOSED - AD6_FIRST] = IP6_GW,
	[AD6_ANY - AD6_FIRST] = "::", [AD6_SELF - AD6_FIRST] = IP6_SELF,
	[AD6_NOROUTE - AD6_FIRST] = IP6_NOROUTE,
	[AD6_FOREIGN - AD6_FIRST] = IP6_FOREIGN, [AD6_LL - AD6_FIRST] = IP6_LL,
	[AD6_MECHO - AD6_FIRST] = "::ffff:" IP_GW,
	[AD6_MANY - AD6_FIRST] = "::ffff:0.0.0.0",
	[AD6_MSELF - AD6_FIRST] = "::ffff:" IP_SELF,
	[AD6_LISTEN - AD6_FIRST] = IP6_GW, [AD6_CLOSED - AD6_FIRST] = IP6_GW,
	[AD6_MLISTEN - AD6_FIRST] = "::ffff:" IP_GW,
	[AD6_MCLOSED - AD6_FIRST] = "::ffff:" IP_GW,
	[AD6_HOLE - AD6_FIRST] = IP6_HOLE,
	[AD6_NOND - AD6_FIRST] = IP6_NOND,
};

static const struct sockaddr *
build_addr(const struct step *st, union addr_buf *b, socklen_t *len)
{
	memset(b, 0, sizeof(*b));
	*len = sizeof(struct sockaddr_in);
	if (st->addr >= AD6_FIRST) {
		b->in6.sin6_family = AF_INET6;
		b->in6.sin6_port = htons((uint16_t)addr_port(st));
		inet_pton(AF_INET6, addr6_ip[st->addr - AD6_FIRST], &b->in6.sin6_addr);
		*len = sizeof(struct sockaddr_in6);
	} else if (st->addr == AD_INET6) {
		b->in6.sin6_family = AF_INET6;
		b->in6.sin6_port = htons(PORT_LISTEN);
		inet_pton(AF_INET6, "::ffff:" IP_GW, &b->in6.sin6_addr);
		*len = sizeof(struct sockaddr_in6);
	} else if (st->addr != AD_NULL) {
		b->in.sin_family = st->addr == AD_UNSPEC ? AF_UNSPEC :
			st->addr == AD_UNIXFAM ? AF_UNIX : AF_INET;
		b->in.sin_port = htons((uint16_t)addr_port(st));
		inet_pton(AF_INET, addr_ip[st->addr], &b->in.sin_addr);
	}
	if (st->len != LEN_NAT)
		*len = (socklen_t)st->len;
	return st->addr == AD_NULL ? NULL : &b->sa;
}

static bool
is_craft(uint8_t kind)
{
	return kind == AD_CRAFT || kind == AD_CRAFT4 || kind == AD_CRAFT5 ||
		kind == AD_CRAFT6 || kind == AD_CRAFT8;
}

/* A label for the address: "peer:badack", "hole", "self:61001". */
static void
fmt_addr_label(char *buf, size_t n, const struct step *st)
{
	static const char *const names[] = {
		[AD_NULL] = "NULL", [AD_LISTEN] = "listener", [AD_CLOSED] = "closed",
		[AD_ECHO] = "echo", [AD_UCLOSED] = "udp-closed",
		[AD_NOROUTE] = "noroute", [AD_BCAST] = "bcast",
		[AD_LBCAST] = "lbcast", [AD_MCAST] = "mcast",
		[AD_FOREIGN] = "foreign", [AD_UNSPEC] = "AF_UNSPEC",
		[AD_INET6] = "AF_INET6", [AD_UNIXFAM] = "AF_UNIX",
		[AD6_ECHO] = "echo6", [AD6_UCLOSED] = "udp-closed6",
		[AD6_NOROUTE] = "noroute6", [AD6_FOREIGN] = "foreign6",
		[AD6_LL] = "link-local6", [AD6_MECHO] = "mapped-echo",
		[AD6_LISTEN] = "listener6", [AD6_CLOSED] = "closed6",
		[AD6_MLISTEN] = "mapped-listener", [AD6_MCLOSED] = "mapped-closed",
		[AD6_HOLE] = "hole6", [AD6_NOND] = "no-nd6",
	};
	int off;

	if (is_craft(st->addr))
		off = snprintf(buf, n, "peer%s:%s", st->addr == AD_CRAFT4 ? "4" :
			st->addr == AD_CRAFT5 ? "5" : st->addr == AD_CRAFT6 ? "6" :
			st->addr == AD_CRAFT8 ? "8" : "",
			behaviour_name[(st->port - 20000) / 100]);
	else if (st->addr == AD_HOLE)
		off = snprintf(buf, n, "hole");
	else if (st->addr == AD_NOARP)
		off = snprintf(buf, n, "no-arp");
	else if (st->addr == AD_ANY || st->addr == AD_SELF)
		off = snprintf(buf, n, "%s:%d", st->addr == AD_ANY ? "any" : "self",
			st->port);
	else if (st->addr == AD6_ANY || st->addr == AD6_SELF ||
			st->addr == AD6_MANY || st->addr == AD6_MSELF)
		off = snprintf(buf, n, "%s:%d", st->addr == AD6_ANY ? "any6" :
			st->addr == AD6_SELF ? "self6" : st->addr == AD6_MANY ?
			"mapped-any" : "mapped-self", st->port);
	else
		off = snprintf(buf, n, "%s", names[st->addr]);
	if (st->len != LEN_NAT)
		snprintf(buf + off, n - (size_t)off, ",len=%lld",
			(long long)st->len);
}

/* ---- step execution ---------------------------------------------------- */

static const char *const op_name[] = {
	[OP_SOCKET] = "socket", [OP_BIND] = "bind", [OP_CONNECT] = "connect",
	[OP_LISTEN] = "listen", [OP_POLL] = "poll", [OP_SOERR] = "SO_ERROR",
	[OP_SETINT] = "setsockopt", [OP_GETINT] = "getsockopt",
	[OP_SETTV] = "setsockopt", [OP_GETTV] = "getsockopt",
	[OP_NAME] = "getsockname", [OP_PEER] = "getpeername", [OP_SEND] = "send",
	[OP_SENDTO] = "sendto", [OP_RECV] = "recv", [OP_SLEEP] = "sleep",
	[OP_CLOSE] = "close", [OP_NONBLOCK] = "fcntl", [OP_EPOLL] = "epoll",
	[OP_WATCH] = "watch", [OP_BURST] = "burst", [OP_FILL] = "fill-port-range",
	[OP_UNFILL] = "close-fill", [OP_SPREAD] = "spread", [OP_RACE] = "race",
	[OP_SHUTDOWN] = "shutdown", [OP_UPTR] = "uptr", [OP_IOCTL] = "ioctl",
	[OP_SENDN] = "send", [OP_SETLINGER] = "setsockopt",
	[OP_GETLINGER] = "getsockopt", [OP_PEERCONN] = "peer-connects",
	[OP_RECVMSG] = "recvmsg",
	[OP_ACCEPT] = "accept",
};

static const char *const uptr_call_name[U_COUNT] = {
	[U_SEND] = "send(buf)", [U_RECV] = "recv(buf)",
	[U_SENDTO_ADDR] = "sendto(to)", [U_RECVFROM_ADDR] = "recvfrom(from)",
	[U_RECVFROM_LEN] = "recvfrom(fromlen)", [U_BIND] = "bind(addr)",
	[U_CONNECT] = "connect(addr)", [U_NAME_ADDR] = "getsockname(addr)",
	[U_NAME_LEN] = "getsockname(len)", [U_PEER_ADDR] = "getpeername(addr)",
	[U_GETOPT_VAL] = "getsockopt(SO_TYPE,val)",
	[U_GETOPT_LEN] = "getsockopt(SO_TYPE,len)",
	[U_GETOPT_TCP_VAL] = "getsockopt(TCP_NODELAY,val)",
	[U_GETOPT_UNKNOWN_LEN] = "getsockopt(SOL_SOCKET:?,len)",
	[U_SETOPT_VAL] = "setsockopt(SO_REUSEADDR,val)",
	[U_SETOPT_TCP_VAL] = "setsockopt(TCP_NODELAY,val)",
	[U_SETOPT_TV] = "setsockopt(SO_SNDTIMEO,val)",
	[U_SETOPT_CC] = "setsockopt(TCP_CONGESTION,val)",
	[U_POLL] = "poll(fds)", [U_EPOLL_CTL] = "epoll_ctl(ADD,ev)",
	[U_EPOLL_WAIT] = "epoll_wait(events)", [U_WRITEV_IOV] = "writev(iov)",
	[U_WRITEV_BASE] = "writev(iov_base)", [U_READV_BASE] = "readv(iov_base)",
	[U_ACCEPT_LEN] = "accept(addrlen)", [U_LISTEN] = "listen",
	[U_SHUTDOWN] = "shutdown", [U_IOCTL_INQ] = "ioctl(SIOCINQ,arg)",
	[U_RECVMSG_HDR] = "recvmsg(msg)", [U_RECVMSG_BASE] = "recvmsg(iov_base)",
	[U_RECV_TRUNC] = "recv(buf,MSG_TRUNC)",
};

static const char *const uptr_kind_name[P_COUNT] = {
	[P_NULL] = "NULL", [P_ONE] = "1", [P_HIGH] = "kernel", [P_NOACCESS] = "noaccess",
	[P_RO] = "readonly", [P_OK] = "ok",
};

static const char *
opt_name(int level, int opt)
{
	if (level == SOL_SOCKET)
		switch (opt) {
		case SO_TYPE: return "SO_TYPE";
		case SO_REUSEADDR: return "SO_REUSEADDR";
		case SO_REUSEPORT: return "SO_REUSEPORT";
		case SO_ACCEPTCONN: return "SO_ACCEPTCONN";
		case SO_BROADCAST: return "SO_BROADCAST";
		case SO_ERROR: return "SO_ERROR";
		case SO_SNDTIMEO: return "SO_SNDTIMEO";
		case SO_RCVTIMEO: return "SO_RCVTIMEO";
		case SO_SNDBUF: return "SO_SNDBUF";
		case SO_RCVBUF: return "SO_RCVBUF";
		case SO_LINGER: return "SO_LINGER";
		}
	if (level == IPPROTO_TCP)
		switch (opt) {
		case TCP_NODELAY: return "TCP_NODELAY";
		case TCP_SYNCNT: return "TCP_SYNCNT";
		case TCP_USER_TIMEOUT: return "TCP_USER_TIMEOUT";
		case TCP_MAXSEG: return "TCP_MAXSEG";
		case TCP_CORK: return "TCP_CORK";
		case TCP_QUICKACK: return "TCP_QUICKACK";
		case TCP_INQ: return "TCP_INQ";
		case TCP_NOTSENT_LOWAT: return "TCP_NOTSENT_LOWAT";
		case TCP_DEFER_ACCEPT: return "TCP_DEFER_ACCEPT";
		}
	if (level == IPPROTO_IP && opt == IP_BIND_ADDRESS_NO_PORT)
		return "IP_BIND_ADDRESS_NO_PORT";
	if (level == IPPROTO_IP && opt == IP_TTL)
		return "IP_TTL";
	if (level == IPPROTO_IP && opt == IP_TOS)
		return "IP_TOS";
	if (level == IPPROTO_IPV6)
		switch (opt) {
		case IPV6_V6ONLY: return "IPV6_V6ONLY";
		case IPV6_UNICAST_HOPS: return "IPV6_UNICAST_HOPS";
		case IPV6_TCLASS: return "IPV6_TCLASS";
		default: return "IPPROTO_IPV6:?";
		}
	if (level == SOL_SOCKET && opt == SO_DOMAIN)
		return "SO_DOMAIN";
	return level == SOL_SOCKET ? "SOL_SOCKET:?" : level == IPPROTO_IP ?
		"IPPROTO_IP:?" : "IPPROTO_TCP:?";
}

/* The label of a step, the same in both builds. */
static void
fmt_label(char *buf, size_t n, const struct step *st)
{
	char a[48] = "";
	int off = st->sock ? snprintf(buf, n, "s%u.", st->sock) : 0;

	switch (st->op) {
	case OP_BIND:
	case OP_CONNECT:
	case OP_SENDTO:
	case OP_WATCH:
		fmt_addr_label(a, sizeof(a), st);
		break;
	case OP_BURST:
		fmt_addr_label(a, sizeof(a), st);
		snprintf(a + strlen(a), sizeof(a) - strlen(a), ",x%d,%d", st->a,
			st->c);
		break;
	case OP_RACE:
		fmt_addr_label(a, sizeof(a), st);
		snprintf(a + strlen(a), sizeof(a) - strlen(a), ",x%d", st->a);
		break;
	case OP_SPREAD:
		fmt_addr_label(a, sizeof(a), st);
		if (st->a)
			snprintf(a + strlen(a), sizeof(a) - strlen(a), ",x%d", st->a);
		else
			snprintf(a + strlen(a), sizeof(a) - strlen(a), ",until-failure");
		if (st->b)
			snprintf(a + strlen(a), sizeof(a) - strlen(a), ",NO_PORT");
		break;
	case OP_SOCKET:
		snprintf(a, sizeof(a), "%s%s%s%s,%d", st->c == AF_INET6 ? "INET6," : "",
			(st->a & 0xf) == SOCK_DGRAM ? "DGRAM" : "STREAM",
			st->a & SOCK_NONBLOCK ? "|NONBLOCK" : "",
			st->a & 0x40000000 ? "|0x40000000" : "", st->b);
		break;
	case OP_POLL:
	case OP_EPOLL:
		snprintf(a, sizeof(a), "%s,%d", st->a == POLLIN ? "IN" :
			st->a == POLLOUT ? "OUT" : "IN|OUT", st->c);
		break;
	case OP_SETINT:
		snprintf(a, sizeof(a), "%s=%d", opt_name(st->a, st->b), st->c);
		break;
	case OP_GETINT:
		if (st->c == sizeof(int))
			snprintf(a, sizeof(a), "%s", opt_name(st->a, st->b));
		else
			snprintf(a, sizeof(a), "%s,len=%d", opt_name(st->a, st->b),
				st->c);
		break;
	case OP_SETTV:
		snprintf(a, sizeof(a), "%s={%d,%d}", opt_name(SOL_SOCKET, st->b),
			st->a, st->c);
		break;
	case OP_GETTV:
		snprintf(a, sizeof(a), "%s", opt_name(SOL_SOCKET, st->b));
		break;
	case OP_SLEEP:
		snprintf(a, sizeof(a), "%d", st->c);
		break;
	case OP_FILL:
		snprintf(a, sizeof(a), "%s", st->a == SOCK_DGRAM ? "DGRAM" : "STREAM");
		break;
	case OP_NONBLOCK:
		snprintf(a, sizeof(a), "O_NONBLOCK");
		break;
	case OP_SHUTDOWN:
		snprintf(a, sizeof(a), "%s", st->a == SHUT_WR ? "SHUT_WR" :
			st->a == SHUT_RD ? "SHUT_RD" : "SHUT_RDWR");
		break;
	case OP_IOCTL:
		snprintf(a, sizeof(a), "%s", st->a == SIOCINQ ? "SIOCINQ" :
			st->a == SIOCOUTQ ? "SIOCOUTQ" : st->a == SIOCOUTQNSD ?
			"SIOCOUTQNSD" : "?");
		break;
	case OP_SENDN:
		snprintf(a, sizeof(a), "%d%s", st->a, st->b & MSG_MORE ?
			",MSG_MORE" : "");
		break;
	case OP_SETLINGER:
		snprintf(a, sizeof(a), "SO_LINGER={%d,%d}", st->a, st->c);
		break;
	case OP_GETLINGER:
		snprintf(a, sizeof(a), "SO_LINGER");
		break;
	case OP_PEERCONN:
		snprintf(a, sizeof(a), "%s%d,after %d ms %d bytes",
			st->c == 6 ? "IPv6 " : "", st->port, st->a, st->b);
		break;
	case OP_ACCEPT:
		snprintf(a, sizeof(a), "into s%d", st->a);
		break;
	case OP_RECV:
		if (st->a != MSG_DONTWAIT)
			snprintf(a, sizeof(a), "%#x", st->a);
		break;
	case OP_RECVMSG:
		snprintf(a, sizeof(a), "%#x,%d,ctl=%d%s", st->a, st->b, st->c,
			st->flags & F_NAME ? ",name" : "");
		break;
	case OP_UPTR:
		snprintf(a, sizeof(a), "%s%s=%s,%d", st->flags & F_EPFD ? "epfd," : "",
			uptr_call_name[st->a], uptr_kind_name[st->b], st->c);
		break;
	}
	snprintf(buf + off, n - (size_t)off, "%s(%s)", op_name[st->op], a);
}

static void
do_socket(struct ctx *c, const struct step *st, char *out, size_t n)
{
	int fd = S_socket(st->c == AF_INET6 ? AF_INET6 : AF_INET, st->a, st->b);

	if (fd >= 0) {
		c->fd[st->sock] = fd;
		c->type[st->sock] = st->a & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
		snprintf(out, n, "ok");
	} else {
		fmt_ret(out, n, fd, errno);
	}
}

static void
do_connect(struct ctx *c, const struct step *st, char *out, size_t n)
{
	union addr_buf b;
	socklen_t len;
	const struct sockaddr *sa = build_addr(st, &b, &len);
	int rc;

	if (c->rr->t0 == 0)
		c->rr->t0 = wall_now();
	rc = S_connect(c->fd[st->sock], sa, len);
	fmt_ret(out, n, rc, errno);
}

/* OP_RACE: threads released together, each one connect(). */
#define RACE_MAX 16

struct race {
	int fd;
	const struct sockaddr *sa;
	socklen_t len;
	pthread_barrier_t go;
	int err[RACE_MAX];		/* 0: returned 0 */
};

struct racer {
	struct race *r;
	int i;
};

static void *
race_main(void *arg)
{
	struct racer *me = arg;
	struct race *r = me->r;

	pthread_barrier_wait(&r->go);
	r->err[me->i] = S_connect(r->fd, r->sa, r->len) == 0 ? 0 : errno;
	return NULL;
}

static int
cmp_int(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

/* What the threads saw, as a multiset: "0 x8" or "EALREADY x7, EINPROGRESS x1". */
static void
do_race(struct ctx *c, const struct step *st, char *out, size_t n)
{
	union addr_buf b;
	struct race r = { .fd = c->fd[st->sock] };
	struct racer who[RACE_MAX];
	pthread_t th[RACE_MAX];
	int k = st->a < RACE_MAX ? st->a : RACE_MAX;
	size_t off = 0;

	r.sa = build_addr(st, &b, &r.len);
	if (c->rr->t0 == 0)
		c->rr->t0 = wall_now();
	pthread_barrier_init(&r.go, NULL, (unsigned int)k);
	for (int i = 0; i < k; i++) {
		who[i] = (struct racer){ .r = &r, .i = i };
		pthread_create(&th[i], NULL, race_main, &who[i]);
	}
	for (int i = 0; i < k; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&r.go);
	qsort(r.err, (size_t)k, sizeof(r.err[0]), cmp_int);
	out[0] = '\0';
	for (int i = 0; i < k; ) {
		int j = i;

		while (j < k && r.err[j] == r.err[i])
			j++;
		off += (size_t)snprintf(out + off, n - off, "%s%s x%d",
			off ? ", " : "", r.err[i] ? err_name(r.err[i]) : "0", j - i);
		if (off >= n)
			break;
		i = j;
	}
}

static void
do_shutdown(struct ctx *c, const struct step *st, char *out, size_t n)
{
	int rc = S_shutdown(c->fd[st->sock], st->a);

	fmt_ret(out, n, rc, errno);
}

static void
do_bind(struct ctx *c, const struct step *st, char *out, size_t n)
{
	union addr_buf b;
	socklen_t len;
	const struct sockaddr *sa = build_addr(st, &b, &len);
	int rc = S_bind(c->fd[st->sock], sa, len);

	fmt_ret(out, n, rc, errno);
}

static void
do_poll(struct ctx *c, const struct step *st, char *out, size_t n)
{
	struct pollfd p = { .fd = c->fd[st->sock], .events = (short)st->a };
	char ev[64];
	int rc = S_poll(&p, 1, st->c);

	if (rc < 0) {
		fmt_ret(out, n, rc, errno);
		return;
	}
	fmt_events(ev, sizeof(ev), (unsigned short)p.revents, false);
	snprintf(out, n, "%d %s", rc, ev);
}

static void
do_epoll(struct ctx *c, const struct step *st, char *out, size_t n)
{
	struct epoll_event ev = { .events = (uint32_t)st->a }, got = { 0 };
	int ep = S_epoll_create(), rc;
	char evs[64];

	if (ep < 0) {
		fmt_ret(out, n, ep, errno);
		return;
	}
	rc = S_epoll_ctl(ep, EPOLL_CTL_ADD, c->fd[st->sock], &ev);
	if (rc == 0)
		rc = S_epoll_wait(ep, &got, 1, st->c);
	if (rc < 0) {
		fmt_ret(out, n, rc, errno);
	} else {
		fmt_events(evs, sizeof(evs), rc ? got.events : 0, true);
		snprintf(out, n, "%d %s", rc, evs);
	}
	S_close(ep);
}

static void
do_soerr(struct ctx *c, const struct step *st, char *out, size_t n)
{
	int v = -12345;
	socklen_t len = sizeof(v);
	int rc = S_getsockopt(c->fd[st->sock], SOL_SOCKET, SO_ERROR, &v, &len);

	if (rc < 0)
		fmt_ret(out, n, rc, errno);
	else
		snprintf(out, n, "0 %s", v == 0 ? "0" : err_name(v));
}

static void
do_setint(struct ctx *c, const struct step *st, char *out, size_t n)
{
	int v = st->c;
	int rc = S_setsockopt(c->fd[st->sock], st->a, st->b, &v, sizeof(v));

	fmt_ret(out, n, rc, errno);
}

static void
do_getint(struct ctx *c, const struct step *st, char *out, size_t n)
{
	int v = 0;
	socklen_t len = (socklen_t)st->c;
	int rc = S_getsockopt(c->fd[st->sock], st->a, st->b, &v, &len);

	if (rc < 0)
		fmt_ret(out, n, rc, errno);
	else if (len != 4)
		snprintf(out, n, "0 =%d len=%u", v, len);
	else
		snprintf(out, n, "0 =%d", v);
}

static void
do_settv(struct ctx *c, const struct step *st, char *out, size_t n)
{
	struct timeval tv = { .tv_sec = st->a, .tv_usec = st->c };
	int rc = S_setsockopt(c->fd[st->sock], SOL_SOCKET, st->b, &tv,
		sizeof(tv));

	fmt_ret(out, n, rc, errno);
}

static void
do_gettv(struct ctx *c, const struct step *st, char *out, size_t n)
{
	struct timeval tv = { -1, -1 };
	socklen_t len = sizeof(tv);
	int rc = S_getsockopt(c->fd[st->sock], SOL_SOCKET, st->b, &tv, &len);

	if (rc < 0)
		fmt_ret(out, n, rc, errno);
	else
		snprintf(out, n, "0 ={%ld,%ld}", (long)tv.tv_sec,
			(long)tv.tv_usec);
}

/* An IPv6 name: "[address]:port shape", and its flow info and scope id
 * when either is not 0. */
static void
do_name6(struct ctx *c, const struct step *st, const struct sockaddr_in6 *a,
	char *out, size_t n)
{
	char ip[INET6_ADDRSTRLEN] = "?", port[40];
	bool parity = !(st->flags & F_NOPAR);
	int off;

	inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof(ip));
	fmt_port(port, sizeof(port), ntohs(a->sin6_port),
		parity && st->op == OP_NAME, c, st->sock);
	off = snprintf(out, n, "0 [%s]:%s", ip, port);
	if (a->sin6_flowinfo != 0 || a->sin6_scope_id != 0)
		snprintf(out + off, n - (size_t)off, " flow=%u scope=%u",
			a->sin6_flowinfo, a->sin6_scope_id);
	if (st->op == OP_NAME && ntohs(a->sin6_port) != 0)
		c->last_port[st->sock] = ntohs(a->sin6_port);
}

/* getsockname / getpeername: family, address, port shape. */
static void
do_name(struct ctx *c, const struct step *st, char *out, size_t n)
{
	union addr_buf b;
	socklen_t len = sizeof(b.ss);
	int fd = c->fd[st->sock], rc;
	char ip[INET_ADDRSTRLEN] = "?", port[40];
	bool parity = !(st->flags & F_NOPAR);

	memset(&b, 0xa5, sizeof(b.ss));
	rc = st->op == OP_NAME ? S_getsockname(fd, &b.sa, &len) :
		S_getpeername(fd, &b.sa, &len);
	if (rc < 0) {
		fmt_ret(out, n, rc, errno);
		return;
	}
	if (b.sa.sa_family == AF_INET6 && len == sizeof(struct sockaddr_in6)) {
		do_name6(c, st, &b.in6, out, n);
		return;
	}
	if (b.sa.sa_family != AF_INET || len != sizeof(struct sockaddr_in)) {
		snprintf(out, n, "0 family=%u len=%u", b.sa.sa_family, len);
		return;
	}
	inet_ntop(AF_INET, &b.in.sin_addr, ip, sizeof(ip));
	fmt_port(port, sizeof(port), ntohs(b.in.sin_port),
		parity && st->op == OP_NAME, c, st->sock);
	snprintf(out, n, "0 %s:%s", ip, port);
	if (st->op == OP_NAME && ntohs(b.in.sin_port) != 0)
		c->last_port[st->sock] = ntohs(b.in.sin_port);
}

static void
do_send(struct ctx *c, const struct step *st, char *out, size_t n)
{
	static const char msg[] = "conform";
	union addr_buf b;
	socklen_t len;
	ssize_t rc;

	if (st->op == OP_SENDTO) {
		const struct sockaddr *sa = build_addr(st, &b, &len);

		rc = S_sendto(c->fd[st->sock], msg, sizeof(msg) - 1, 0, sa, len);
	} else {
		rc = S_send(c->fd[st->sock], msg, sizeof(msg) - 1, 0);
	}
	fmt_ret(out, n, rc, errno);
}

static void
do_recv(struct ctx *c, const struct step *st, char *out, size_t n)
{
	char buf[64];
	ssize_t rc = S_recv(c->fd[st->sock], buf, sizeof(buf), st->a);

	if (rc < 0)
		fmt_ret(out, n, rc, errno);
	else
		snprintf(out, n, "%zd %s", rc, rc == 7 && memcmp(buf, "conform", 7) == 0 ?
			"echo" : "other");
}

static void
do_close(struct ctx *c, const struct step *st, char *out, size_t n)
{
	int rc = S_close(c->fd[st->sock]);

	fmt_ret(out, n, rc, errno);
	c->fd[st->sock] = -1;
}

static void
do_nonblock(struct ctx *c, const struct step *st, char *out, size_t n)
{
	int fd = c->fd[st->sock];
	int fl = S_fcntl(fd, F_GETFL);
	int rc = fl < 0 ? fl : S_fcntl(fd, F_SETFL, fl | O_NONBLOCK);

	fmt_ret(out, n, rc, errno);
}

static void
do_ioctl(struct ctx *c, const struct step *st, char *out, size_t n)
{
	int v = -12345;
	int rc = S_ioctl(c->fd[st->sock], (unsigned long)st->a, &v);

	if (rc < 0)
		fmt_ret(out, n, rc, errno);
	else
		snprintf(out, n, "0 =%d", v);
}

/* Send @a bytes of a pattern with flags @b. */
static void
do_sendn(struct ctx *c, const struct step *st, char *out, size_t n)
{
	static char buf[65536];
	ssize_t rc;

	memset(buf, 'c', sizeof(buf));
	rc = S_send(c->fd[st->sock], buf, (size_t)st->a < sizeof(buf) ?
		(size_t)st->a : sizeof(buf), st->b | MSG_NOSIGNAL);
	fmt_ret(out, n, rc, errno);
}

static void
do_linger(struct ctx *c, const struct step *st, char *out, size_t n)
{
	struct linger l = { .l_onoff = st->a, .l_linger = st->c };
	socklen_t len = sizeof(l);
	int rc;

	if (st->op == OP_SETLINGER) {
		rc = S_setsockopt(c->fd[st->sock], SOL_SOCKET, SO_LINGER, &l, len);
		fmt_ret(out, n, rc, errno);
		return;
	}
	memset(&l, 0xa5, sizeof(l));
	rc = S_getsockopt(c->fd[st->sock], SOL_SOCKET, SO_LINGER, &l, &len);
	if (rc < 0)
		fmt_ret(out, n, rc, errno);
	else
		snprintf(out, n, "0 ={%d,%d} len=%u", l.l_onoff, l.l_linger, len);
}

/* Ask the peer's kernel to connect to our port (peer.py's connector). */
static void
do_peerconn(struct ctx *c, const struct step *st, char *out, size_t n)
{
	struct sockaddr_in to = { .sin_family = AF_INET,
		.sin_port = htons(PORT_CONNECTOR) };
	char msg[64];
	int fd = S_socket(AF_INET, SOCK_DGRAM, 0);
	ssize_t rc;

	inet_pton(AF_INET, IP_GW, &to.sin_addr);
	snprintf(msg, sizeof(msg), "%s %d %d %d", st->c == 6 ? "connect6" : "connect",
		st->port, st->a, st->b);
	if (c->rr->t0 == 0)
		c->rr->t0 = wall_now();
	rc = fd < 0 ? -1 : S_sendto(fd, msg, strlen(msg), 0,
		(struct sockaddr *)&to, sizeof(to));
	fmt_ret(out, n, rc < 0 ? rc : 0, errno);
	if (fd >= 0)
		S_close(fd);
}

static void
do_accept(struct ctx *c, const struct step *st, char *out, size_t n)
{
	int fd = S_accept(c->fd[st->sock], NULL, NULL);

	if (fd >= 0) {
		c->fd[st->a] = fd;
		snprintf(out, n, "ok");
	} else {
		fmt_ret(out, n, fd, errno);
	}
}

/*
 * recvmsg() with the header's fields preset to marks, so that what the
 * call wrote back shows: the count, msg_flags, msg_namelen, the control
 * bytes used, the first control message (level, type, length, an int),
 * and the sender's port and whether it is the UDP echo.
 */
static void
do_recvmsg(struct ctx *c, const struct step *st, char *out, size_t n)
{
	char buf[256], ctl[64];
	union addr_buf ab;
	struct sockaddr_in sin;
	struct iovec iov[2] = { { buf, (size_t)st->b / 2 },
		{ buf + st->b / 2, (size_t)(st->b - st->b / 2) } };
	struct msghdr m = { .msg_iov = iov, .msg_iovlen = 2,
		.msg_name = st->flags & F_NAME ? &ab : NULL, .msg_namelen = 77,
		.msg_control = st->c >= 0 ? ctl : NULL,
		.msg_controllen = st->c >= 0 ? (size_t)st->c : 0, .msg_flags = 0x7777 };
	struct cmsghdr *cm = (struct cmsghdr *)ctl;
	int v = -1, off;
	ssize_t rc;

	memset(ctl, 0xaa, sizeof(ctl));
	memset(&ab, 0, sizeof(ab));
	rc = S_recvmsg(c->fd[st->sock], &m, st->a);
	if (rc < 0) {
		fmt_ret(out, n, rc, errno);
		return;
	}
	memcpy(&sin, &ab.in, sizeof(sin));
	off = snprintf(out, n, "%zd flags=%#x namelen=%u ctl=%zu", rc, m.msg_flags,
		m.msg_namelen, m.msg_controllen);
	if (m.msg_controllen >= sizeof(*cm)) {
		if (cm->cmsg_len >= CMSG_LEN(sizeof(v)))
			memcpy(&v, CMSG_DATA(cm), sizeof(v));
		off += snprintf(out + off, n - (size_t)off, " cmsg=%d/%d/%zu=%d",
			cm->cmsg_level, cm->cmsg_type, (size_t)cm->cmsg_len, v);
	}
	if ((st->flags & F_NAME) && ab.sa.sa_family == AF_INET6) {
		char ip[INET6_ADDRSTRLEN] = "?";

		inet_ntop(AF_INET6, &ab.in6.sin6_addr, ip, sizeof(ip));
		snprintf(out + off, n - (size_t)off, " from6=%d:[%s] flow=%u scope=%u",
			ntohs(ab.in6.sin6_port), ip, ab.in6.sin6_flowinfo,
			ab.in6.sin6_scope_id);
	} else if (st->flags & F_NAME)
		snprintf(out + off, n - (size_t)off, " from=%d:%s", ntohs(sin.sin_port),
			sin.sin_addr.s_addr == inet_addr(IP_GW) ? "gw" : "other");
}

/* ---- bad pointers -------------------------------------------------------- */

static uint8_t *noaccess_page, *ro_page;
static pthread_once_t pages_once = PTHREAD_ONCE_INIT;

/* Two pages kept for the whole run: one with no access, one read-only. */
static void
pages_make(void)
{
	noaccess_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro_page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void *
uptr_of(int kind, void *good)
{
	pthread_once(&pages_once, pages_make);
	switch (kind) {
	case P_NULL: return NULL;
	case P_ONE: return (void *)1;
	case P_HIGH: return (void *)0xffff888000000000ull;
	case P_NOACCESS: return noaccess_page;
	case P_RO: return ro_page;
	default: return good;
	}
}

/* An epoll set holding socket @fd for output: the socket is ready. */
static int
uptr_epoll(int fd)
{
	struct epoll_event ev = { .events = EPOLLOUT };
	int ep = S_epoll_create();

	if (ep >= 0 && fd >= 0)
		(void)S_epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	return ep;
}

/* What good memory holds for @call: whatever the call would want. */
static void
uptr_good(int call, int fd, union addr_buf *g)
{
	memset(g, 0, sizeof(*g));
	if (call == U_POLL) {
		struct pollfd *pf = (struct pollfd *)g;

		pf->fd = fd;
		pf->events = POLLOUT;
	} else if (call == U_SETOPT_CC) {
		strcpy((char *)g->raw, "cubic");
	} else if (call == U_RECVMSG_HDR) {
		/* an empty header: no name, no segments, no control */
	} else if (call == U_SETOPT_VAL || call == U_SETOPT_TCP_VAL) {
		g->raw[0] = 1;
	} else if (call == U_SENDTO_ADDR || call == U_BIND || call == U_CONNECT) {
		g->in.sin_family = AF_INET;
		if (call != U_BIND) {
			g->in.sin_port = htons(PORT_LISTEN);
			inet_pton(AF_INET, IP_GW, &g->in.sin_addr);
		}
	} else {
		strcpy((char *)g->raw, "conform");
	}
}

static long
uptr_call(int call, int fd, void *p, int n, int *ep_out)
{
	union addr_buf b;
	struct iovec iov = { .iov_base = p, .iov_len = (size_t)n };
	char buf[64] = "conform";
	socklen_t len = (socklen_t)n;
	int v = 1;

	memset(&b, 0, sizeof(b));
	switch (call) {
	case U_SEND: return S_send(fd, p, (size_t)n, MSG_DONTWAIT);
	case U_RECV: return S_recv(fd, p, (size_t)n, MSG_DONTWAIT);
	case U_SENDTO_ADDR: return S_sendto(fd, buf, 7, MSG_DONTWAIT, p, len);
	case U_RECVFROM_ADDR:
		len = sizeof(b.in);
		return S_recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, p, &len);
	case U_RECVFROM_LEN:
		return S_recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT, &b.sa, p);
	case U_BIND: return S_bind(fd, p, len);
	case U_CONNECT: return S_connect(fd, p, len);
	case U_NAME_ADDR: return S_getsockname(fd, p, &len);
	case U_NAME_LEN: return S_getsockname(fd, &b.sa, p);
	case U_PEER_ADDR: return S_getpeername(fd, p, &len);
	case U_GETOPT_VAL: return S_getsockopt(fd, SOL_SOCKET, SO_TYPE, p, &len);
	case U_GETOPT_LEN: return S_getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, p);
	case U_GETOPT_TCP_VAL:
		return S_getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, p, &len);
	case U_GETOPT_UNKNOWN_LEN: return S_getsockopt(fd, SOL_SOCKET, 9999, &v, p);
	case U_SETOPT_VAL: return S_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, p, len);
	case U_SETOPT_TCP_VAL: return S_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, p, len);
	case U_SETOPT_TV: return S_setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, p, len);
	case U_SETOPT_CC: return S_setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, p, len);
	case U_POLL: return S_poll(p, (nfds_t)n, 0);
	case U_EPOLL_CTL:
		*ep_out = S_epoll_create();
		return S_epoll_ctl(*ep_out, EPOLL_CTL_ADD, fd, p);
	case U_EPOLL_WAIT:
		*ep_out = uptr_epoll(fd);
		return S_epoll_wait(*ep_out, p, n, 0);
	case U_WRITEV_IOV: return S_writev(fd, p, n);
	case U_WRITEV_BASE: return S_writev(fd, &iov, 1);
	case U_READV_BASE: return S_readv(fd, &iov, 1);
	case U_ACCEPT_LEN: return S_accept(fd, &b.sa, p);
	case U_LISTEN: return S_listen(fd, 1);
	case U_SHUTDOWN: return S_shutdown(fd, SHUT_RDWR);
	case U_IOCTL_INQ: return S_ioctl(fd, SIOCINQ, p);
	case U_RECVMSG_HDR: return S_recvmsg(fd, p, MSG_DONTWAIT);
	case U_RECV_TRUNC: return S_recv(fd, p, (size_t)n, MSG_DONTWAIT | MSG_TRUNC);
	case U_RECVMSG_BASE: {
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		return S_recvmsg(fd, &m, MSG_DONTWAIT);
	}
	default: return -2;
	}
}

static void
do_uptr(struct ctx *c, const struct step *st, char *out, size_t n)
{
	union addr_buf good;
	int fd = c->fd[st->sock], ep = -1;
	long rc;

	if (st->flags & F_EPFD)
		fd = S_epoll_create();
	uptr_good(st->a, fd, &good);
	rc = uptr_call(st->a, fd, uptr_of(st->b, &good), st->c, &ep);
	fmt_ret(out, n, rc, errno);
	if (ep >= 0)
		S_close(ep);
	if (st->flags & F_EPFD)
		S_close(fd);
}

/* ---- watching a thread blocked in connect ------------------------------- */

struct watch {
	int fd;
	const struct sockaddr *sa;
	socklen_t len;
	atomic_int tid;
	int rc, err;
};

static void *
watch_main(void *arg)
{
	struct watch *w = arg;

	atomic_store(&w->tid, (int)gettid());
	w->rc = S_connect(w->fd, w->sa, w->len);
	w->err = errno;
	return NULL;
}

/* State letter and utime + stime ticks of thread @tid. */
static int
thread_stat(int tid, char *state, unsigned long *ticks)
{
	char path[64], line[1024], *p;
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	p = fgets(line, sizeof(line), f);
	fclose(f);
	p = p ? strrchr(line, ')') : NULL;
	/* After "(comm)": state is field 3, utime 14, stime 15. */
	if (p == NULL || sscanf(p + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %lu %lu",
			state, &ut, &st) != 3)
		return -1;
	*ticks = ut + st;
	return 0;
}

/*
 * Thread @tid's scheduler state at one point, looked at up to five times
 * 5 ms apart: 'S' if any look saw it sleeping, else the first look's
 * letter. A sleeper that woke on its 100 ms beat shows 'R' until the
 * scheduler runs it, which on a loaded machine can be tens of
 * milliseconds; a thread that spins never shows 'S'. The CPU time, not
 * this letter, is what tells a spinner from a sleeper.
 */
static void
thread_look(int tid, char *state, unsigned long *ticks)
{
	char s = '?';

	for (int i = 0; i < 5; i++) {
		if (i > 0)
			sleep_ms(5);
		if (thread_stat(tid, &s, ticks) != 0)
			continue;
		if (i == 0)
			*state = s;
		if (s == 'S') {
			*state = s;
			return;
		}
	}
}

/*
 * Blocking connect on a helper thread; sample its scheduler state and CPU
 * time over @c ms while it waits. It must sleep, not spin.
 */
static void
do_watch(struct ctx *c, const struct step *st, char *out, size_t n)
{
	union addr_buf b;
	struct watch w = { .fd = c->fd[st->sock] };
	char s1 = '?', s2 = '?', r[48];
	unsigned long t1 = 0, t2 = 0;
	long hz = sysconf(_SC_CLK_TCK);
	pthread_t th;
	bool low;

	w.sa = build_addr(st, &b, &w.len);
	c->rr->t0 = wall_now();
	pthread_create(&th, NULL, watch_main, &w);
	while (atomic_load(&w.tid) == 0)
		sleep_ms(1);
	/* Off any 100 ms beat a waiting thread may wake on. */
	sleep_ms(150);
	thread_look(atomic_load(&w.tid), &s1, &t1);
	/* The second look is off the beat too: 50 ms past a multiple of
	 * 100 ms, not at the window's end (600 ms is on it). */
	sleep_ms((unsigned int)(st->c - 150) / 100 * 100);
	thread_look(atomic_load(&w.tid), &s2, &t2);
	pthread_join(th, NULL);
	/* Sleeping means under a tenth of the window on the CPU. */
	low = (double)(t2 - t1) / (double)hz < (st->c - 150) / 100 * 100 / 10000.0;
	fmt_ret(r, sizeof(r), w.rc, w.err);
	snprintf(out, n, "state=%c%c cpu=%s connect=%s", s1, s2,
		low ? "low" : "HIGH", r);
}

static void
do_listen(struct ctx *c, const struct step *st, char *out, size_t n)
{
	int rc = S_listen(c->fd[st->sock], 16);

	fmt_ret(out, n, rc, errno);
}

/* "3x 0, 9x -1 EINPROGRESS": how many of @n results read each way. */
static void
fmt_counts(char *buf, size_t len, char res[][24], int n)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && off < len; i++) {
		int k = 0, seen = 0;

		for (int j = 0; j < n; j++) {
			seen |= j < i && strcmp(res[j], res[i]) == 0;
			k += strcmp(res[j], res[i]) == 0;
		}
		if (!seen)
			off += (size_t)snprintf(buf + off, len - off, "%s%dx %s",
				off ? ", " : "", k, res[i]);
	}
}

/* Wait up to @ms for every descriptor to report POLLOUT or an error. */
static int
poll_all(struct pollfd *p, int n, int ms)
{
	double end = mono_now() + ms / 1000.0;
	int ready = 0;

	while (mono_now() < end) {
		ready = S_poll(p, (nfds_t)n, 20);
		if (ready < 0 || ready == n)
			break;
		sleep_ms(5);
	}
	return ready;
}

/*
 * @a non-blocking sockets connect to one address at once, then up to @c ms
 * for all of them to finish. Reports how the connects returned, and how
 * many are connected at the end.
 */
static void
do_burst(struct ctx *c, const struct step *st, char *out, size_t n)
{
	struct pollfd p[MAX_BURST];
	char rets[MAX_BURST][24], sum[120];
	union addr_buf b;
	socklen_t len;
	const struct sockaddr *sa = build_addr(st, &b, &len);
	int nb = st->a < MAX_BURST ? st->a : MAX_BURST, up = 0;

	c->rr->t0 = wall_now();
	for (int i = 0; i < nb; i++) {
		int fd = S_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		int rc = fd < 0 ? fd : S_connect(fd, sa, len);

		fmt_ret(rets[i], sizeof(rets[i]), rc, errno);
		c->burst[c->n_burst++] = fd;
		p[i] = (struct pollfd){ .fd = fd, .events = POLLOUT };
	}
	poll_all(p, nb, st->c);
	for (int i = 0; i < nb; i++)
		up += p[i].revents == POLLOUT;
	fmt_counts(sum, sizeof(sum), rets, nb);
	snprintf(out, n, "connect %s; connected %d/%d", sum, up, nb);
}

static void
unfill(struct ctx *c)
{
	for (int i = 0; c->fill != NULL && i <= (int)(eph_hi - eph_lo); i++)
		if (c->fill[i] >= 0)
			S_close(c->fill[i]);
	free(c->fill);
	c->fill = NULL;
}

static void
do_unfill(struct ctx *c, const struct step *st, char *out, size_t n)
{
	unfill(c);
	snprintf(out, n, "ok");
}

/*
 * Bind a socket of type @a to 0.0.0.0:p for every p of the ephemeral
 * range. A port something else holds already (EADDRINUSE) counts as
 * taken too; "ok" when every port is taken one way or the other.
 */
static void
do_fill(struct ctx *c, const struct step *st, char *out, size_t n)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int size = (int)(eph_hi - eph_lo + 1);

	snprintf(out, n, "ok");
	c->fill = malloc(sizeof(int) * (size_t)size);
	for (int i = 0; c->fill != NULL && i < size; i++) {
		int fd = S_socket(AF_INET, st->a, 0);

		sin.sin_port = htons((uint16_t)(eph_lo + i));
		if (fd >= 0 && S_bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0) {
			if (errno != EADDRINUSE && strcmp(out, "ok") == 0)
				snprintf(out, n, "port %u: bind %s", eph_lo + i,
					err_name(errno));
			S_close(fd);
			fd = -1;
		} else if (fd < 0 && strcmp(out, "ok") == 0) {
			snprintf(out, n, "port %u: socket %s", eph_lo + i,
				err_name(errno));
		}
		c->fill[i] = fd;
	}
}

/* One spread socket: NO_PORT if @np, bind(self:0), connect(@sa). 0 with
 * the socket, or -1 with @why naming the call that failed. */
static int
spread_one(const struct sockaddr *sa, socklen_t len, bool np, int *fdp,
	char *why, size_t n)
{
	struct sockaddr_in self = { .sin_family = AF_INET };
	int fd = S_socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), one = 1, rc;
	const char *call = "socket";

	*fdp = fd;
	inet_pton(AF_INET, IP_SELF, &self.sin_addr);
	if (fd < 0) {
		fmt_ret(why, n, fd, errno);
		return -1;
	}
	rc = np ? S_setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		sizeof(one)) : 0;
	call = "setsockopt";
	if (rc == 0) {
		rc = S_bind(fd, (const struct sockaddr *)&self, sizeof(self));
		call = "bind";
	}
	if (rc == 0) {
		rc = S_connect(fd, sa, len);
		call = "connect";
		if (rc < 0 && errno == EINPROGRESS)
			rc = 0;
	}
	if (rc == 0)
		return 0;
	snprintf(why, n, "%s ", call);
	fmt_ret(why + strlen(why), n - strlen(why), rc, errno);
	S_close(fd);
	*fdp = -1;
	return -1;
}

/*
 * Non-blocking connects to one address from sockets bound to self:0 (with
 * IP_BIND_ADDRESS_NO_PORT when b), one (a = 1) or until the first failure
 * (a = 0, at most the range and some). Reports how many started, whether
 * their ports are distinct, how many repeat a port of an earlier spread
 * of the row, and the first failure. "Most of the range" stands for more
 * than half: the kernel may hold a few ports of it for earlier rows.
 */
static void
do_spread(struct ctx *c, const struct step *st, char *out, size_t n)
{
	int range = (int)(eph_hi - eph_lo + 1), max = st->a ? st->a : range + 8;
	int first = c->n_spread, ok = 0, shared = 0;
	char why[64] = "no failure", cnt[32];
	bool distinct = true;
	union addr_buf b;
	socklen_t len;
	const struct sockaddr *sa = build_addr(st, &b, &len);

	c->rr->t0 = wall_now();
	c->spread_fd = realloc(c->spread_fd, sizeof(int) * (size_t)(first + max));
	c->spread_port = realloc(c->spread_port,
		sizeof(unsigned int) * (size_t)(first + max));
	for (int i = 0; i < max; i++) {
		struct sockaddr_in me;
		socklen_t ml = sizeof(me);
		int fd;

		if (spread_one(sa, len, st->b, &fd, why, sizeof(why)) != 0)
			break;
		S_getsockname(fd, (struct sockaddr *)&me, &ml);
		c->spread_fd[c->n_spread] = fd;
		c->spread_port[c->n_spread++] = ntohs(me.sin_port);
		ok++;
	}
	for (int i = first; i < c->n_spread; i++) {
		bool seen = false;

		for (int j = 0; j < i; j++) {
			if (c->spread_port[j] != c->spread_port[i])
				continue;
			if (j >= first)
				distinct = false;
			else
				seen = true;
		}
		shared += seen;
	}
	if (st->a == 0 && 2 * ok > range)
		snprintf(cnt, sizeof(cnt), "most of the range");
	else
		snprintf(cnt, sizeof(cnt), "%d", ok);
	snprintf(out, n, "%s started, ports %s, %d shared with earlier; then %s",
		cnt, distinct ? "distinct" : "REPEATED", shared, why);
}

static void
unspread(struct ctx *c)
{
	for (int i = 0; i < c->n_spread; i++)
		S_close(c->spread_fd[i]);
	free(c->spread_fd);
	free(c->spread_port);
	c->spread_fd = NULL;
	c->spread_port = NULL;
	c->n_spread = 0;
}

typedef void (*step_fn)(struct ctx *, const struct step *, char *, size_t);

static const step_fn step_fns[] = {
	[OP_SOCKET] = do_socket, [OP_BIND] = do_bind, [OP_CONNECT] = do_connect,
	[OP_LISTEN] = do_listen, [OP_POLL] = do_poll, [OP_SOERR] = do_soerr,
	[OP_SETINT] = do_setint, [OP_GETINT] = do_getint, [OP_SETTV] = do_settv, [OP_GETTV] = do_gettv,
	[OP_NAME] = do_name, [OP_PEER] = do_name, [OP_SEND] = do_send,
	[OP_SENDTO] = do_send, [OP_RECV] = do_recv, [OP_CLOSE] = do_close,
	[OP_NONBLOCK] = do_nonblock, [OP_EPOLL] = do_epoll, [OP_WATCH] = do_watch,
	[OP_BURST] = do_burst, [OP_FILL] = do_fill, [OP_UNFILL] = do_unfill,
	[OP_SPREAD] = do_spread, [OP_RACE] = do_race, [OP_SHUTDOWN] = do_shutdown,
	[OP_UPTR] = do_uptr, [OP_IOCTL] = do_ioctl, [OP_SENDN] = do_sendn,
	[OP_SETLINGER] = do_linger, [OP_GETLINGER] = do_linger,
	[OP_PEERCONN] = do_peerconn, [OP_ACCEPT] = do_accept,
	[OP_RECVMSG] = do_recvmsg,
};

/* ---- crash guard --------------------------------------------------------- */

static __thread sigjmp_buf *guard;

static void
on_fault(int sig)
{
	if (guard != NULL)
		siglongjmp(*guard, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
install_fault_handlers(void)
{
	struct sigaction sa = { .sa_handler = on_fault };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
	/* writev() on a stream that is not connected raises SIGPIPE in the
	 * kernel build; its EPIPE is what a row records. */
	signal(SIGPIPE, SIG_IGN);
}

/* Run one step; a fault inside it becomes the step's result. */
static bool
run_step(struct ctx *c, const struct step *st, struct step_res *r)
{
	sigjmp_buf jb;
	double t;
	int sig;

	fmt_label(r->label, sizeof(r->label), st);
	r->elapsed = -1;
	sig = sigsetjmp(jb, 1);
	if (sig != 0) {
		guard = NULL;
		snprintf(r->text, sizeof(r->text), "CRASH %s", strsignal(sig));
		return false;
	}
	guard = &jb;
	t = mono_now();
	if (st->op == OP_SLEEP)
		sleep_ms((unsigned int)st->c);
	else
		step_fns[st->op](c, st, r->text, sizeof(r->text));
	guard = NULL;
	if (st->flags & F_TIMED)
		r->elapsed = mono_now() - t;
	return true;
}

/* The crafted-peer or black-hole port a row talks to, 0 if none. */
static int
row_dport(const struct row *r)
{
	for (int i = 0; i < MAX_STEPS && r->st[i].op != OP_END; i++)
		if ((is_craft(r->st[i].addr) || r->st[i].addr == AD_HOLE ||
				r->st[i].addr == AD_NOARP || r->st[i].addr == AD6_HOLE ||
				r->st[i].addr == AD6_NOND) &&
				(r->st[i].op == OP_CONNECT || r->st[i].op == OP_WATCH ||
				r->st[i].op == OP_BURST || r->st[i].op == OP_RACE))
			return r->st[i].port;
	return 0;
}

/* The port the peer connects to (OP_PEERCONN), 0 if none. */
static int
row_lport(const struct row *r)
{
	for (int i = 0; i < MAX_STEPS && r->st[i].op != OP_END; i++)
		if (r->st[i].op == OP_PEERCONN)
			return r->st[i].port;
	return 0;
}

/* The address whose ARP requests the row watches, "" if none. */
static const char *
row_arp(const struct row *r)
{
	for (int i = 0; i < MAX_STEPS && r->st[i].op != OP_END; i++)
		if (r->st[i].addr == AD_CRAFT6 || r->st[i].addr == AD_CRAFT8 ||
				r->st[i].addr == AD_NOARP)
			return addr_ip[r->st[i].addr];
	return "";
}

/*
 * Run a row's steps. A row that talks to the peer waits TAIL_MS more
 * before its end time, so segments its last step caused are counted; its
 * sockets are closed after that time, so what a close sends is not.
 */
static void *
row_main(void *arg)
{
	struct row_run *rr = arg;
	struct ctx c = { .fd = { -1, -1, -1, -1 }, .rr = rr };
	int i;

	for (i = 0; i < MAX_STEPS && rr->row->st[i].op != OP_END; i++) {
		bool ok = run_step(&c, &rr->row->st[i], &rr->res[i]);

		atomic_store(&rr->n_done, i + 1);
		if (!ok) {
			rr->crashed = 1;
			break;
		}
	}
	if (row_dport(rr->row) != 0 || row_lport(rr->row) != 0)
		sleep_ms(TAIL_MS);
	rr->t1 = wall_now();
	if (!rr->crashed) {
		for (i = 0; i < MAX_SOCKS; i++)
			if (c.fd[i] >= 0)
				S_close(c.fd[i]);
		for (i = 0; i < c.n_burst; i++)
			if (c.burst[i] >= 0)
				S_close(c.burst[i]);
		unfill(&c);
		unspread(&c);
	}
	atomic_store(&rr->done, 1);
	return NULL;
}

/* ---- scheduling ---------------------------------------------------------- */

static void
start_row(struct row_run *rr)
{
	unsigned int b = rr->row->budget_ms ? rr->row->budget_ms : DEFAULT_BUDGET_MS;

	rr->deadline = mono_now() + b / 1000.0;
	rr->started = true;
	if (pthread_create(&rr->th, NULL, row_main, rr) != 0) {
		snprintf(rr->res[0].text, sizeof(rr->res[0].text),
			"pthread_create failed");
		atomic_store(&rr->done, 1);
		rr->started = false;
	}
}

/* Collect finished rows and give up on late ones; returns how many run. */
static unsigned int
reap(bool only_pool)
{
	unsigned int active = 0;

	for (size_t i = 0; i < N_ROWS; i++) {
		struct row_run *rr = &runs[i];

		if (!rr->started || (only_pool && (rr->row->flags & R_PAR)))
			continue;
		if (atomic_load(&rr->done)) {
			pthread_join(rr->th, NULL);
			rr->started = false;
		} else if (mono_now() > rr->deadline) {
			rr->hung = 1;
			pthread_detach(rr->th);
			rr->started = false;
		} else {
			active++;
		}
	}
	return active;
}

static bool alone;	/* --alone: the R_ALONE rows, one after another */

static bool
selected(const struct row *r, const char *only)
{
	size_t n;

	if (alone != !!(r->flags & R_ALONE))
		return false;
	if (only == NULL)
		return true;
	for (const char *p = only; *p; p += n + (p[n] == ',')) {
		n = strcspn(p, ",");
		if (n > 0 && strncmp(r->name, p, n) == 0)
			return true;
	}
	return false;
}

/*
 * Before any row: resolve the gateway and the crafted hosts, so that no
 * row's first packets wait on ARP (dpstack holds 8 packets per unresolved
 * next hop, the kernel more; the rows are not about that). A UDP echo
 * through the gateway, and a datagram to each crafted host, whose peer
 * ignores it.
 */
/* The same over IPv6: neighbour discovery both ways, through the echo. */
static void
warm_up6(void)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6,
		.sin6_port = htons(PORT_ECHO) };
	struct pollfd p = { .events = POLLIN };
	char buf[16];
	int fd = S_socket(AF_INET6, SOCK_DGRAM, 0);

	if (fd < 0) {
		fprintf(stderr, "conform: warm-up6 socket: %s\n", strerror(errno));
		return;
	}
	inet_pton(AF_INET6, IP6_GW, &sin6.sin6_addr);
	if (S_sendto(fd, "warm", 4, 0, (struct sockaddr *)&sin6, sizeof(sin6)) < 0)
		fprintf(stderr, "conform: warm-up6: %s\n", strerror(errno));
	p.fd = fd;
	if (S_poll(&p, 1, 3000) != 1 || S_recv(fd, buf, sizeof(buf),
			MSG_DONTWAIT) != 4)
		fprintf(stderr, "conform: warm-up6: no echo from " IP6_GW "\n");
	S_close(fd);
}

static void
warm_up(void)
{
	static const char *const hosts[] = { IP_GW, IP_HOST, IP_HOST4, IP_HOST5 };
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct pollfd p = { .events = POLLIN };
	char buf[16];
	int fd = S_socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		fprintf(stderr, "conform: warm-up socket: %s\n", strerror(errno));
		return;
	}
	for (size_t i = 0; i < sizeof(hosts) / sizeof(hosts[0]); i++) {
		sin.sin_port = htons(i == 0 ? PORT_ECHO : 9);
		inet_pton(AF_INET, hosts[i], &sin.sin_addr);
		if (S_sendto(fd, "warm", 4, 0, (struct sockaddr *)&sin,
				sizeof(sin)) < 0)
			fprintf(stderr, "conform: warm-up to %s: %s\n", hosts[i],
				strerror(errno));
	}
	p.fd = fd;
	if (S_poll(&p, 1, 3000) != 1 || S_recv(fd, buf, sizeof(buf),
			MSG_DONTWAIT) != 4)
		fprintf(stderr, "conform: warm-up: no echo from " IP_GW "\n");
	S_close(fd);
	warm_up6();
	sleep_ms(300);
}

#ifdef BACKEND_DPS
/* The IPv6 address is usable once DAD is over (about 1 to 2 s); the
 * kernel's is added without DAD (nodad). */
static void
wait_dad6(struct dps_stack *s)
{
	struct dps_addr a = { .family = AF_INET6 };

	inet_pton(AF_INET6, IP6_SELF, a.v6);
	for (int i = 0; i < 500 && dps_stack_addr6_state(s, 0, &a) == DPS_ADDR6_TENTATIVE; i++)
		sleep_ms(10);
	if (dps_stack_addr6_state(s, 0, &a) != DPS_ADDR6_PREFERRED)
		fprintf(stderr, "conform: " IP6_SELF " is not usable\n");
}
#endif

/* Long rows first, all at once; the rest at most POOL at a time. */
static void
run_rows(const char *only)
{
	for (size_t i = 0; i < N_ROWS; i++) {
		runs[i].row = &rows[i];
		if ((rows[i].flags & R_PAR) && selected(&rows[i], only))
			start_row(&runs[i]);
	}
	for (size_t i = 0; i < N_ROWS; i++) {
		if ((rows[i].flags & R_PAR) || !selected(&rows[i], only))
			continue;
		while (reap(true) >= (alone ? 1 : POOL))
			sleep_ms(5);
		start_row(&runs[i]);
	}
	while (reap(false) > 0)
		sleep_ms(5);
}

/* ---- output ------------------------------------------------------------- */

static void
print_row(const struct row_run *rr)
{
	const struct row *r = rr->row;
	int n = atomic_load(&rr->n_done);
	const char *sep = "";

	printf("{\"row\":\"%s\",\"backend\":\"%s\",\"data\":%s,\"nosum\":%s,\"acks\":%s,"
		"\"krace\":%s,\"lport\":%d,"
		"\"syns\":%s,\"layout\":%s,"
		"\"dport\":%d,\"arp\":\"%s\",\"t0\":%.6f,\"t1\":%.6f,"
		"\"steps\":[", r->name,
		BACKEND, r->flags & R_DATA ? "true" : "false",
		r->flags & R_NOSUM ? "true" : "false",
		r->flags & R_ACKS ? "true" : "false", r->flags & R_KRACE ? "true" : "false",
		row_lport(r),
		r->flags & R_SYNS ? "true" : "false",
		r->flags & R_LAYOUT ? "true" : "false", row_dport(r), row_arp(r), rr->t0,
		rr->t1 ? rr->t1 : wall_now());
	for (int i = 0; i < n; i++) {
		const struct step_res *s = &rr->res[i];

		if (r->st[i].op == OP_SLEEP)
			continue;
		printf("%s[\"%s\",\"%s\",", sep, s->label, s->text);
		sep = ",";
		if (s->elapsed >= 0)
			printf("%.3f]", s->elapsed);
		else
			printf("null]");
	}
	if (rr->hung) {
		char label[64];

		if (n < MAX_STEPS && r->st[n].op != OP_END)
			fmt_label(label, sizeof(label), &r->st[n]);
		else
			snprintf(label, sizeof(label), "close(cleanup)");
		printf("%s[\"%s\",\"HUNG (still inside after the row's budget)\",null]",
			sep, label);
	}
	printf("]}\n");
}

static void
print_rows(const char *only)
{
	for (size_t i = 0; i < N_ROWS; i++)
		if (selected(&rows[i], only))
			print_row(&runs[i]);
	fflush(stdout);
}

/* Two rows on one peer or black-hole port would mix their segments. */
static int
check_table(void)
{
	for (size_t i = 0; i < N_ROWS; i++) {
		int p = row_dport(&rows[i]);

		for (size_t j = 0; p != 0 && j < i; j++)
			if (row_dport(&rows[j]) == p) {
				fprintf(stderr, "conform: rows %s and %s share port %d\n",
					rows[j].name, rows[i].name, p);
				return -1;
			}
	}
	return 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: conform-%s %s[--only NAME[,NAME...]] [--list] "
		"[--no-warm-up]\n"
		"       [--alone --port-range LO-HI]\n"
		"  one JSON line per row on stdout; NAME matches as a prefix;\n"
		"  --alone runs the rows that fill the ephemeral range, which\n"
		"  --port-range (the kernel's ip_local_port_range) makes small\n",
		BACKEND, strcmp(BACKEND, "dpstack") == 0 ? "[EAL args] -- " : "");
}

static bool no_warm_up;

/* Parse the runner's own options; returns -1 to exit(2), 1 to exit(0). */
static int
parse_args(int argc, char **argv, const char **only)
{
	static const struct option lo[] = {
		{ "only", required_argument, NULL, 'o' },
		{ "list", no_argument, NULL, 'l' },
		{ "no-warm-up", no_argument, NULL, 'w' },
		{ "alone", no_argument, NULL, 'a' },
		{ "port-range", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'o') {
			*only = optarg;
		} else if (c == 'w') {
			no_warm_up = true;
		} else if (c == 'a') {
			alone = true;
		} else if (c == 'r') {
			if (sscanf(optarg, "%u-%u", &eph_lo, &eph_hi) != 2 ||
					eph_lo == 0 || eph_lo > eph_hi || eph_hi > 65535) {
				usage();
				return -1;
			}
			range_set = true;
		} else if (c == 'l') {
			for (size_t i = 0; i < N_ROWS; i++)
				printf("%s\n", rows[i].name);
			return 1;
		} else {
			usage();
			return c == 'h' ? 1 : -1;
		}
	}
	return optind < argc ? (usage(), -1) : 0;
}

/* ---- the two mains ------------------------------------------------------- */

/* The fill rows hold a descriptor per ephemeral port. */
static void
raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

struct driver {
	const char *only;
	bool any_hung;
#ifdef BACKEND_DPS
	struct dps_stack *s;
#endif
};

static void *
driver_main(void *arg)
{
	struct driver *d = arg;

#ifdef BACKEND_DPS
	wait_dad6(d->s);
#endif
	if (!no_warm_up)
		warm_up();
	run_rows(d->only);
	print_rows(d->only);
	for (size_t i = 0; i < N_ROWS; i++)
		d->any_hung |= runs[i].hung || runs[i].crashed;
#ifdef BACKEND_DPS
	dps_stack_stop(d->s);
#endif
	return NULL;
}

#ifdef BACKEND_DPS
/*
 * dpstack on ethdev port 0 owning 198.18.0.2/24, 198.18.0.0/16 via
 * 198.18.0.1 and 224.0.0.0/4 on link, 2001:db8::2/64 and 2001:db8:9::/64
 * via 2001:db8::1: the kernel run's addresses and routes.
 */
static struct dps_stack *
stack_up(void)
{
	struct dps_stack_conf sc = { .name = "conform", .link_wait_ms = 3000 };
	struct dps_port_conf pc = { 0 };
	struct dps_addr self, gw, net, mc;
	uint8_t plen;
	struct dps_stack *s = dps_stack_create(&sc);
	int ifx, rc = 0;

	if (s == NULL)
		return NULL;
	dps_prefix_parse(IP_SELF "/24", &self, &plen);
	dps_addr_parse(IP_GW, &gw);
	dps_addr_parse("198.18.0.0", &net);
	dps_addr_parse("224.0.0.0", &mc);
	ifx = dps_stack_add_port(s, 0, &pc);
	rc = ifx < 0 ? ifx : dps_stack_add_addr(s, ifx, &self, plen);
	if (rc == 0)
		rc = dps_stack_add_route(s, &net, 16, &gw, ifx);
	if (rc == 0)
		rc = dps_stack_add_route(s, &mc, 4, NULL, ifx);
	if (rc == 0) {
		/* 2001:db8::2/64: the prefix on link, as the kernel's. */
		struct dps_addr self6 = { .family = AF_INET6 };

		inet_pton(AF_INET6, IP6_SELF, self6.v6);
		rc = dps_stack_add_addr(s, ifx, &self6, 64);
	}
	if (rc == 0) {
		/* 2001:db8:9::/64 via P (its black hole), as the kernel's. */
		struct dps_addr hole6 = { .family = AF_INET6 };
		struct dps_addr gw6 = { .family = AF_INET6 };

		inet_pton(AF_INET6, "2001:db8:9::", hole6.v6);
		inet_pton(AF_INET6, IP6_GW, gw6.v6);
		rc = dps_stack_add_route(s, &hole6, 64, &gw6, ifx);
	}
	/* CONFORM_IDLE_MS: connections quiet that long go compact
	 * (dps_sock_conf.idle_ms), so that every row that waits also runs
	 * through the idle form and back. */
	if (rc == 0 && (range_set || getenv("CONFORM_IDLE_MS") != NULL))
		rc = dps_stack_set_sock_conf(s, &(struct dps_sock_conf){
			.port_lo = range_set ? (uint16_t)eph_lo : 0,
			.port_hi = range_set ? (uint16_t)eph_hi : 0,
			.idle_ms = getenv("CONFORM_IDLE_MS") != NULL ?
				(uint32_t)atoi(getenv("CONFORM_IDLE_MS")) : 0 });
	if (rc == 0)
		rc = dps_stack_start(s);
	if (rc != 0) {
		fprintf(stderr, "conform: stack: %s (%s)\n", strerror(-rc),
			dps_stack_strerror(s));
		dps_stack_destroy(s);
		return NULL;
	}
	return s;
}

/*
 * The EAL's main lcore runs the stack's poll loop; the rows run on
 * ordinary pthreads that the socket API attaches by itself.
 */
int
main(int argc, char **argv)
{
	struct driver d = { 0 };
	pthread_t th;
	int n, rc;

	n = dps_eal_init(argc, argv);
	if (n < 0)
		return 2;
	argv[n] = argv[0];
	rc = parse_args(argc - n, argv + n, &d.only);
	if (rc != 0 || check_table() != 0)
		return rc > 0 ? 0 : 2;
	install_fault_handlers();
	raise_fd_limit();
	d.s = stack_up();
	if (d.s == NULL)
		return 2;
	pthread_create(&th, NULL, driver_main, &d);
	dps_stack_run(d.s, 0);
	pthread_join(th, NULL);
	if (d.any_hung) {
		/* A thread may still be inside a call: do not free under it. */
		fflush(stdout);
		_exit(3);
	}
	dps_stack_destroy(d.s);
	rte_eal_cleanup();
	return 0;
}
#else
int
main(int argc, char **argv)
{
	struct driver d = { 0 };
	pthread_t th;
	int rc = parse_args(argc, argv, &d.only);

	if (rc != 0 || check_table() != 0)
		return rc > 0 ? 0 : 2;
	install_fault_handlers();
	raise_fd_limit();
	pthread_create(&th, NULL, driver_main, &d);
	pthread_join(th, NULL);
	fflush(stdout);
	if (d.any_hung)
		_exit(3);
	return 0;
}
#endif
