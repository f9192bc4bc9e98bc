/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Packet scripts against this machine's kernel. Each script runs in a
 * child that unshares a network namespace of its own (anonymous: it goes
 * away with the child, whatever happens, so there is nothing to clean up)
 * and creates a tun device there (IFF_TUN | IFF_NO_PI, no offloads, so
 * packets carry complete checksums and no segment exceeds the MTU). The
 * stack under test is 198.18.0.1/24 on the tun; the script's peer is
 * 198.18.0.2 behind it. Socket calls are the libc ones, in real time,
 * at SCHED_FIFO priority 1 (rt_priority()).
 * Needs root (CAP_NET_ADMIN); without it every script is skipped.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "pkt_main.h"

#define LOCAL_IP	0xc6120001u	/* 198.18.0.1 */
#define REMOTE_IP	0xc6120002u	/* 198.18.0.2 */
#define TUN_NAME	"pkt0"
#define TOL_NS		(25ull * 1000 * 1000)

struct kctx {
	int tun, ev;
};

static uint64_t
k_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
k_wait(void *ctx, uint64_t until)
{
	struct kctx *k = ctx;
	struct pollfd p[2] = { { k->tun, POLLIN, 0 }, { k->ev, POLLIN, 0 } };
	uint64_t now = k_now(ctx), v;
	int ms = until > now ? (int)((until - now + 999999) / 1000000) : 0;

	if (poll(p, 2, ms) > 0 && (p[1].revents & POLLIN))
		if (read(k->ev, &v, sizeof(v)) < 0)
			return;
}

static size_t
k_recv(void *ctx, uint8_t *buf, size_t cap, uint64_t *when)
{
	struct kctx *k = ctx;
	ssize_t n = read(k->tun, buf, cap);

	*when = k_now(ctx);
	return n > 0 ? (size_t)n : 0;
}

static int
k_inject(void *ctx, const uint8_t *ip, size_t len)
{
	struct kctx *k = ctx;

	return write(k->tun, ip, len) == (ssize_t)len ? 0 : -1;
}

static void
k_wake(void *ctx)
{
	struct kctx *k = ctx;
	uint64_t one = 1;

	if (write(k->ev, &one, sizeof(one)) < 0)
		return;
}

static int
k_setfl(int fd, int flag)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | flag);
}

static ssize_t
k_send(int fd, const void *buf, size_t len, int flags)
{
	return send(fd, buf, len, flags);
}

static ssize_t
k_recv_call(int fd, void *buf, size_t len, int flags)
{
	return recv(fd, buf, len, flags);
}

static const struct pkt_sys k_sys = {
	.socket = socket, .bind = bind, .listen = listen, .accept = accept,
	.connect = connect, .send = k_send, .recv = k_recv_call, .close = close,
	.shutdown = shutdown, .setsockopt = setsockopt,
	.getsockopt = getsockopt, .poll = poll, .setfl = k_setfl,
};

/* Write "net.a.b=v" through /proc/sys (of this namespace). */
static int
sysctl_set(const char *kv, char *msg, size_t len)
{
	char path[160], *p;
	const char *eq = strchr(kv, '=');
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/%.*s", (int)(eq - kv), kv);
	for (p = path + 10; *p != '\0'; p++)
		if (*p == '.')
			*p = '/';
	f = fopen(path, "w");
	if (f == NULL || fputs(eq + 1, f) < 0 || fclose(f) != 0) {
		snprintf(msg, len, "sysctl %s: %s", kv, strerror(errno));
		return -1;
	}
	return 0;
}

static int
if_ioctl(int s, unsigned long req, struct ifreq *ifr, char *msg, size_t len)
{
	if (ioctl(s, req, ifr) == 0)
		return 0;
	snprintf(msg, len, "ioctl %lx on %s: %s", req, ifr->ifr_name,
		strerror(errno));
	return -1;
}

static void
set_ip(struct ifreq *ifr, uint32_t ip)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(ip);
	memcpy(&ifr->ifr_addr, &a, sizeof(a));
}

/* lo and pkt0 up; pkt0 198.18.0.1/24, no IPv6 (no stray packets). */
static int
links_up(int s, char *msg, size_t len)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "lo");
	ifr.ifr_flags = IFF_UP;
	if (if_ioctl(s, SIOCSIFFLAGS, &ifr, msg, len) != 0)
		return -1;
	snprintf(ifr.ifr_name, IFNAMSIZ, TUN_NAME);
	set_ip(&ifr, LOCAL_IP);
	if (if_ioctl(s, SIOCSIFADDR, &ifr, msg, len) != 0)
		return -1;
	set_ip(&ifr, 0xffffff00u);
	if (if_ioctl(s, SIOCSIFNETMASK, &ifr, msg, len) != 0)
		return -1;
	ifr.ifr_flags = IFF_UP | IFF_RUNNING;
	return if_ioctl(s, SIOCSIFFLAGS, &ifr, msg, len);
}

static int
net_up(const struct pkt_script *s, struct kctx *k, char *msg, size_t len)
{
	struct ifreq ifr;
	int sk;

	if (unshare(CLONE_NEWNET) != 0) {
		snprintf(msg, len, "unshare(CLONE_NEWNET): %s", strerror(errno));
		return -1;
	}
	if (sysctl_set("net.ipv6.conf.default.disable_ipv6=1", msg, len) != 0)
		return -1;
	for (int i = 0; i < s->nsysctl; i++)
		if (sysctl_set(s->sysctl[i], msg, len) != 0)
			return -1;
	k->tun = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (k->tun < 0) {
		snprintf(msg, len, "/dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	snprintf(ifr.ifr_name, IFNAMSIZ, TUN_NAME);
	if (if_ioctl(k->tun, TUNSETIFF, &ifr, msg, len) != 0)
		return -1;
	sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0 || links_up(sk, msg, len) != 0)
		return -1;
	close(sk);
	k->ev = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	return k->ev < 0 ? -1 : 0;
}

/*
 * Real time matters here: the child (and its call threads, which inherit
 * it) runs SCHED_FIFO at the lowest priority, so a machine busy with
 * other work does not delay the runner's wake-ups and the time stamps of
 * the packets it reads. It sleeps in poll() whenever it waits; where the
 * policy is refused, the script runs at the normal one.
 */
static void
rt_priority(void)
{
	struct sched_param sp = { .sched_priority = 1 };

	(void)sched_setscheduler(0, SCHED_FIFO, &sp);
}

static int
k_run(const struct pkt_script *s, char *msg, size_t len)
{
	static struct kctx k;
	struct pkt_target t = {
		.name = "kernel", .ctx = &k, .sys = &k_sys,
		.local_ip = LOCAL_IP, .remote_ip = REMOTE_IP, .tol_ns = TOL_NS,
		.now = k_now, .wait = k_wait, .recv = k_recv, .inject = k_inject,
		.wake = k_wake,
	};

	if (net_up(s, &k, msg, len) != 0)
		return 1;
	rt_priority();
	return pkt_run(s, &t, msg, len) == PKT_PASS ? 0 : 1;
}

static bool
k_available(char *why, size_t len)
{
	if (geteuid() == 0 && access("/dev/net/tun", R_OK | W_OK) == 0)
		return true;
	snprintf(why, len, "needs root and /dev/net/tun");
	return false;
}

int
main(int argc, char **argv)
{
	static const struct pkt_driver d = {
		.name = "kernel", .jobs = 4, .tries = 2,
		.honours_deviations = false, .available = k_available,
		.run = k_run,
	};

	return pkt_main(&d, argc, argv);
}
