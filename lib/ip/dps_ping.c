/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Echo requests on behalf of application threads (dps_ping()). Each lcore
 * keeps its outstanding pings in a short list; the echo identifier names
 * the lcore, so a reply that RSS delivers elsewhere is forwarded home.
 * Pings are a slot of the protocol switch (DPS_PROTO_PING): requests,
 * replies forwarded between lcores, a deadline check on every tick, and
 * failure when the next hop never answers ARP. IPv6 pings (ICMPv6 echo,
 * RFC 4443 4.1) share the list and the identifiers; one whose neighbour
 * never answers ends at its deadline.
 */
#include <errno.h>
#include <netinet/in.h>
#include <rte_malloc.h>
#include "dps_ip.h"

#define PING_DATA 56


/* A ping's arguments and results, carried by value in its request. */
struct ping_args {
	uint8_t dst[16];		/* IPv6, or IPv4 as ::ffff:a.b.c.d */
	uint16_t id, seq;
	uint32_t timeout_ms;
	uint64_t sent_ns;		/* then the round trip, once answered */
};

_Static_assert(sizeof(struct ping_args) <= sizeof(((struct dps_req *)0)->args),
	"a ping's arguments fit a request");

/* One lcore's pending echo requests. */
struct ping_lcore {
	struct dps_req *pings;
};

static struct ping_args *
ping_args(struct dps_req *r)
{
	return (struct ping_args *)r->args;
}

static bool
ping_is_v6(const struct ping_args *a)
{
	return !dps_ip6_is_v4mapped(a->dst);
}

static uint32_t
ping_v4(const struct ping_args *a)
{
	uint32_t v4;

	memcpy(&v4, a->dst + 12, 4);
	return v4;
}

static struct ping_lcore *
ping_lc(const struct dps_lcore *lc)
{
	return dps_lcore_ctx(lc, DPS_PROTO_PING);
}

const struct dps_req *
dps_ping_pending(const struct dps_lcore *lc)
{
	const struct ping_lcore *pl = ping_lc(lc);

	return pl != NULL ? pl->pings : NULL;
}

static void
ping_unlink(struct dps_lcore *lc, struct dps_req *r)
{
	for (struct dps_req **pp = &ping_lc(lc)->pings; *pp != NULL; pp = &(*pp)->next)
		if (*pp == r) {
			*pp = r->next;
			return;
		}
}

/* End ping @r with @err (0 or a negative errno) and hand it back. */
static void
ping_finish(struct dps_lcore *lc, struct dps_req *r, int err)
{
	ping_unlink(lc, r);
	r->err = err;
	dps_req_complete(r);
}

/* The echo request of @a, IPv4 or IPv6, with PING_DATA bytes. */
static struct rte_mbuf *
ping_build(struct dps_lcore *lc, const struct ping_args *a, uint64_t now, int *err)
{
	uint8_t data[PING_DATA];
	struct rte_mbuf *m;

	for (unsigned int i = 0; i < PING_DATA; i++)
		data[i] = (uint8_t)(0x10 + i);
	memcpy(data, &now, sizeof(now));
	if (!ping_is_v6(a)) {
		m = dps_ip_alloc(lc, ping_v4(a), IPPROTO_ICMP, 8 + PING_DATA, err);
		if (m != NULL)
			dps_icmp_echo_build(rte_pktmbuf_mtod_offset(m, uint8_t *,
				DPS_IPV4_HLEN), 8 + PING_DATA, 8, a->id, a->seq, data,
				PING_DATA);
		return m;
	}
	m = dps_ip6_alloc(lc, a->dst, DPS_IP6_NH_ICMPV6, 8 + PING_DATA, err);
	if (m != NULL) {
		uint8_t *ip = rte_pktmbuf_mtod(m, uint8_t *);

		dps_icmp6_echo_build(ip + DPS_IPV6_HLEN, 8 + PING_DATA,
			DPS_ICMP6_ECHO_REQUEST, a->id, a->seq, data, PING_DATA,
			ip + 8, a->dst);
		dps_icmp6_label(lc->stack, ip);
	}
	return m;
}

static bool
ping_start(struct dps_lcore *lc, struct dps_req *r, uint64_t now)
{
	struct ping_args *a = ping_args(r);
	struct rte_mbuf *m;
	int err = 0;

	a->id = (uint16_t)(DPS_ECHO_ID_BASE + lc->idx);
	a->sent_ns = now;
	m = ping_build(lc, a, now, &err);
	if (m == NULL) {
		r->err = err;
		return true;
	}
	r->next = ping_lc(lc)->pings;
	ping_lc(lc)->pings = r;
	if (ping_is_v6(a)) {
		DPS_CNT_INC(&lc->cnt, icmp6_tx_echo_request);
		err = dps_ip6_output(lc, m, a->dst, now);
	} else {
		DPS_CNT_INC(&lc->cnt, icmp_tx_echo_request);
		err = dps_ip_output(lc, m, ping_v4(a), now);
	}
	if (err != 0)
		ping_finish(lc, r, err);
	return false;
}

/* The pending ping a reply from @src (@n bytes of it: 16, or the last 4
 * of an IPv6 source forwarded by another lcore) answers, finished. */
static bool
ping_match(struct dps_lcore *lc, const uint8_t src[16], unsigned int n,
	uint16_t id, uint16_t seq, uint64_t now)
{
	for (struct dps_req *r = ping_lc(lc)->pings; r != NULL; r = r->next) {
		struct ping_args *a = ping_args(r);

		if (memcmp(a->dst + 16 - n, src + 16 - n, n) == 0 && a->id == id &&
				a->seq == seq) {
			a->sent_ns = now - a->sent_ns;
			ping_finish(lc, r, 0);
			return true;
		}
	}
	return false;
}

void
dps_ping_reply(struct dps_lcore *lc, uint32_t src, uint16_t id, uint16_t seq,
	uint64_t now)
{
	uint8_t a[16] = { [10] = 0xff, [11] = 0xff };

	memcpy(a + 12, &src, 4);
	if (ping_match(lc, a, 16, id, seq, now))
		DPS_CNT_INC(&lc->cnt, icmp_rx_echo_reply);
	else
		dps_drop(&lc->cnt, DPS_DROP_icmp_no_owner);
}

void
dps_ping6_reply(struct dps_lcore *lc, const uint8_t src[16], uint16_t id,
	uint16_t seq, uint64_t now)
{
	if (ping_match(lc, src, 16, id, seq, now))
		DPS_CNT_INC(&lc->cnt, icmp6_rx_echo_reply);
	else
		dps_drop(&lc->cnt, DPS_DROP_icmp6_no_owner);
}

/* An IPv6 reply's source does not fit a message: the last 32 bits go,
 * and the owner matches on them with the identifier and sequence. */
#define PING_FWD_V6 0x10000u

int
dps_ping6_forward(struct dps_lcore *lc, unsigned int owner, const uint8_t src[16],
	uint16_t id, uint16_t seq)
{
	struct dps_msg msg = {
		.op = DPS_MSG_ECHO_REPLY, .ifindex = seq,
		.ptr = (void *)(uintptr_t)(id | PING_FWD_V6),
	};

	memcpy(&msg.ip, src + 12, 4);
	return dps_lcore_post(lc->stack, owner, &msg);
}

/* A reply for lcore @owner's ping: home by message (the id names it). */
int
dps_ping_forward(struct dps_lcore *lc, unsigned int owner, uint32_t src,
	uint16_t id, uint16_t seq)
{
	struct dps_msg msg = {
		.op = DPS_MSG_ECHO_REPLY, .ifindex = seq, .ip = src,
		.ptr = (void *)(uintptr_t)id,
	};

	return dps_lcore_post(lc->stack, owner, &msg);
}

static void
ping_msg(struct dps_lcore *lc, const struct dps_msg *m, uint64_t now)
{
	uintptr_t id = (uintptr_t)m->ptr;
	uint8_t src[16] = { 0 };

	if (m->op != DPS_MSG_ECHO_REPLY)
		return;
	if (!(id & PING_FWD_V6)) {
		dps_ping_reply(lc, m->ip, (uint16_t)id, m->ifindex, now);
		return;
	}
	memcpy(src + 12, &m->ip, 4);
	if (ping_match(lc, src, 4, (uint16_t)id, m->ifindex, now))
		DPS_CNT_INC(&lc->cnt, icmp6_rx_echo_reply);
	else
		dps_drop(&lc->cnt, DPS_DROP_icmp6_no_owner);
}

static void
ping_tick(struct dps_lcore *lc, uint64_t now)
{
	struct dps_req *r = ping_lc(lc)->pings, *next;

	for (; r != NULL; r = next) {
		next = r->next;
		const struct ping_args *a = ping_args(r);

		if (now - a->sent_ns >= (uint64_t)a->timeout_ms * 1000000ull)
			ping_finish(lc, r, -ETIMEDOUT);
	}
}

/* The next hop @ip never answered ARP: pings routed through it fail. */
static void
ping_nexthop_fail(struct dps_lcore *lc, uint32_t ip, int err)
{
	struct dps_req *r = ping_lc(lc)->pings, *next;

	for (; r != NULL; r = next) {
		uint32_t dst = ping_v4(ping_args(r));
		const struct dps_route *rt;

		next = r->next;
		if (ping_is_v6(ping_args(r)))
			continue;
		rt = dps_route_lookup(&lc->stack->routes, dst);
		if (rt != NULL && dps_route_nexthop(rt, dst) == ip)
			ping_finish(lc, r, -err);	/* the request's result */
	}
}

static bool
ping_request(struct dps_lcore *lc, struct dps_req *r, uint64_t now)
{
	if (r->op != DPS_REQ_PING) {
		r->err = -EOPNOTSUPP;
		return true;
	}
	return ping_start(lc, r, now);
}

static int
ping_lcore_init(struct dps_lcore *lc)
{
	lc->ctx[DPS_PROTO_PING] = rte_zmalloc_socket("dps_ping", sizeof(struct ping_lcore),
		0, lc->socket);
	return lc->ctx[DPS_PROTO_PING] != NULL ? 0 : -ENOMEM;
}

static void
ping_lcore_fini(struct dps_lcore *lc)
{
	rte_free(lc->ctx[DPS_PROTO_PING]);
	lc->ctx[DPS_PROTO_PING] = NULL;
}

/* Teardown: pings still out end with ESHUTDOWN. */
static void
ping_release(struct dps_lcore *lc)
{
	while (ping_lc(lc) != NULL && ping_lc(lc)->pings != NULL)
		ping_finish(lc, ping_lc(lc)->pings, -ESHUTDOWN);
}

static const struct dps_proto_ops ping_ops = {
	.name = "ping",
	.lcore_init = ping_lcore_init,
	.lcore_fini = ping_lcore_fini,
	.tick = ping_tick,
	.request = ping_request,
	.msg = ping_msg,
	.nexthop_fail = ping_nexthop_fail,
	.release = ping_release,
};

int
dps_ping_register(struct dps_stack *s)
{
	return dps_proto_register(s, DPS_PROTO_PING, &ping_ops, NULL);
}

int
dps_ping(struct dps_thread *t, const struct dps_addr *dst, uint16_t seq,
	uint32_t timeout_ms, uint64_t *rtt_ns)
{
	struct dps_req q = { .op = DPS_REQ_PING }, done;
	struct ping_args *a = ping_args(&q);
	int err;

	if (t == NULL || dst == NULL ||
			(dst->family != AF_INET && dst->family != AF_INET6) ||
			(dst->family == AF_INET6 && dps_ip6_is_v4mapped(dst->v6))) {
		errno = EINVAL;
		return -1;
	}
	if (dst->family == AF_INET6) {
		memcpy(a->dst, dst->v6, 16);
	} else {
		a->dst[10] = 0xff;
		a->dst[11] = 0xff;
		memcpy(a->dst + 12, &dst->v4, 4);
	}
	a->seq = seq;
	a->timeout_ms = timeout_ms;
	err = dps_thread_request(t, 0, &q, &done);
	if (err != 0) {
		errno = -err;
		return -1;
	}
	if (rtt_ns != NULL)
		*rtt_ns = ping_args(&done)->sent_ns;
	return 0;
}
