/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PKT_RUN_H
#define PKT_RUN_H

/*
 * The packet-script engine: walks a parsed script's timeline against a
 * target (the kernel behind a tun device, or dpstack on the test wire).
 * The target supplies a clock, a way to wait, the packets its stack sent,
 * injection, and the socket calls; the engine does the rest.
 *
 * Times: an event's script time is relative to the previous event as it
 * actually happened (when the packet was injected or seen, when the call
 * started), so a late wake-up on a busy machine does not add up along the
 * script.
 */

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "pkt_script.h"

/* The socket calls of a target, with the signatures of libc. */
struct pkt_sys {
	int (*socket)(int domain, int type, int protocol);
	int (*bind)(int fd, const struct sockaddr *a, socklen_t len);
	int (*listen)(int fd, int backlog);
	int (*accept)(int fd, struct sockaddr *a, socklen_t *len);
	int (*connect)(int fd, const struct sockaddr *a, socklen_t len);
	ssize_t (*send)(int fd, const void *buf, size_t len, int flags);
	ssize_t (*recv)(int fd, void *buf, size_t len, int flags);
	int (*close)(int fd);
	int (*shutdown)(int fd, int how);
	int (*setsockopt)(int fd, int level, int name, const void *v,
		socklen_t len);
	int (*getsockopt)(int fd, int level, int name, void *v, socklen_t *len);
	int (*poll)(struct pollfd *fds, nfds_t n, int timeout);
	/* fcntl(F_SETFL, flags | @flag). */
	int (*setfl)(int fd, int flag);
};

struct pkt_target {
	const char *name;
	void *ctx;
	const struct pkt_sys *sys;
	uint32_t local_ip, remote_ip;	/* host order */
	bool virtual_clock;		/* waiting costs no real time */
	uint64_t tol_ns;		/* time tolerance unless the script sets one */
	/* The target's clock, ns; any thread. */
	uint64_t (*now)(void *ctx);
	/* Make progress until @until, or until a packet from the stack is
	 * ready or wake() was called, whichever comes first. */
	void (*wait)(void *ctx, uint64_t until);
	/* The next packet the stack sent (an IPv4 packet) and when; 0: none. */
	size_t (*recv)(void *ctx, uint8_t *buf, size_t cap, uint64_t *when);
	/* Hand an IPv4 packet to the stack; 0 or -1. */
	int (*inject)(void *ctx, const uint8_t *ip, size_t len);
	/* A call thread finished: end a wait() early. Any thread. */
	void (*wake)(void *ctx);
};

enum pkt_result { PKT_PASS, PKT_FAIL };

/* The sockets the last script named (for a leak check after it); how
 * many were put in @fds. Main thread. */
int pkt_run_sockets(int *fds, int max);

/*
 * True when every call thread of the running script has returned or is
 * asleep (blocked in its call). A target on a virtual clock checks it
 * before each step of its clock, so that a call the stack completed
 * returns at the virtual time it completed at, and a blocking call is
 * blocked before time moves on. Main thread.
 */
bool pkt_calls_quiet(void);

/*
 * Run @s on @t. On failure, the first failure (with the script line) is
 * in @why. Call threads still blocked at a failure are left behind: run
 * each script in a process of its own.
 */
enum pkt_result pkt_run(const struct pkt_script *s, const struct pkt_target *t,
	char *why, size_t whylen);

#endif
