/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The keys of IPv6 connections (issue 17): the connection table's hash
 * of an IPv6 tuple (dps_tcp_hash6()), the ISN and timestamp offset keyed
 * over it (dps_tcp_keyed6(), RFC 6528 and RFC 7323 5.4), the autobind's
 * keyed start (dps_tcp_port_hash6(), RFC 6056 algorithm 3) and the lcore
 * that RSS gives its peer's packets (dps_flow_owner6()), checked against
 * the RSS verification vectors that Microsoft publishes for TCP over
 * IPv6 (and DPDK's test_thash.c repeats). Pure functions of a struct
 * dps_sockets the test fills: no EAL.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <rte_thash.h>

#include "dps_tcp_priv.h"

/* The verification suite's key (40 bytes). */
static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2,
	0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0,
	0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4,
	0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30, 0xf2, 0x0c,
	0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static void
addr(uint8_t out[16], const char *s)
{
	cr_assert_eq(inet_pton(AF_INET6, s, out), 1, "%s", s);
}

/*
 * A received packet's source is the peer: the vector's source address
 * and port are the tuple's remote ones. With a redirection table of 128
 * distinct entries the owner is the hash's low 7 bits, which the vectors
 * fix (a tuple fed in the wrong order, or the ports swapped, gives other
 * bits for all three).
 */
Test(tcp6_keys, flow_owner_rss_vectors)
{
	static const struct {
		const char *src, *dst;
		uint16_t sport, dport;
		uint32_t hash;
	} vec[] = {
		{ "3ffe:2501:200:1fff::7", "3ffe:2501:200:3::1", 2794, 1766, 0x40207d3d },
		{ "3ffe:501:8::260:97ff:fe40:efab", "ff02::1", 14230, 4739, 0xdde51bbf },
		{ "3ffe:1900:4545:3:200:f8ff:fe21:67cf", "fe80::200:f8ff:fe21:67cf",
			44251, 38024, 0x02d1feef },
	};
	static struct dps_sockets ss;

	rte_convert_rss_key((const uint32_t *)ms_key, (uint32_t *)ss.rss_key,
		sizeof(ss.rss_key));
	for (unsigned int i = 0; i < RTE_DIM(ss.reta); i++)
		ss.reta[i] = (uint16_t)i;
	ss.n_owners = RTE_DIM(ss.reta);
	for (unsigned int i = 0; i < RTE_DIM(vec); i++) {
		struct dps_tuple6 t = { .proto = IPPROTO_TCP };

		addr(t.raddr, vec[i].src);
		addr(t.laddr, vec[i].dst);
		t.rport = htons(vec[i].sport);
		t.lport = htons(vec[i].dport);
		cr_assert_eq(dps_flow_owner6(&ss, &t), vec[i].hash & 127,
			"vector %u: owner %u, hash %#x", i, dps_flow_owner6(&ss, &t),
			vec[i].hash);
	}
	/* One lcore: no hash at all. */
	ss.n_owners = 1;
	{
		struct dps_tuple6 t = { .proto = IPPROTO_TCP };

		addr(t.raddr, vec[0].src);
		cr_assert_eq(dps_flow_owner6(&ss, &t), 0);
	}
}

/* A tuple of the test: 2001:db8::/32 addresses numbered by @i. */
static struct dps_tuple6
tuple(uint32_t i)
{
	struct dps_tuple6 t = { .proto = IPPROTO_TCP };

	addr(t.laddr, "2001:db8::1");
	addr(t.raddr, "2001:db8:1::");
	t.raddr[14] = (uint8_t)(i / 64 >> 8);
	t.raddr[15] = (uint8_t)(i / 64);
	t.lport = htons(80);
	t.rport = htons((uint16_t)(10000 + i % 64));
	return t;
}

static void
random_keys(struct dps_sockets *ss)
{
	for (unsigned int i = 0; i < RTE_DIM(ss->tab_key6); i++)
		ss->tab_key6[i] = (uint64_t)rand() << 33 ^ (uint64_t)rand() << 11 ^
			(uint64_t)rand();
	for (unsigned int i = 0; i < 2; i++)
		ss->isn_key[i] = (uint64_t)rand() << 33 ^ (uint64_t)rand() << 11 ^
			(uint64_t)rand();
}

static int
cmp_home(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a >> 16, y = *(const uint32_t *)b >> 16;

	return x < y ? -1 : x > y;
}

/* As connect_table_hash_is_keyed for IPv4: tuples sharing a home slot
 * under one stack's multipliers are spread under another's. */
Test(tcp6_keys, table_hash_is_keyed)
{
	enum { N = 20000, HOME_BITS = 12 };
	static struct dps_sockets ka, kb;
	static uint32_t ent[N];
	static struct dps_tuple6 t[N];
	unsigned int pairs = 0, both = 0;

	srand(4243);
	random_keys(&ka);
	random_keys(&kb);
	for (unsigned int i = 0; i < N; i++) {
		t[i] = tuple(i);
		ent[i] = (dps_tcp_hash6(&ka, &t[i]) >> (32 - HOME_BITS)) << 16 | i;
	}
	qsort(ent, N, sizeof(ent[0]), cmp_home);
	for (unsigned int i = 1; i < N; i++) {
		uint32_t x = ent[i - 1] & 0xffff, y = ent[i] & 0xffff;

		if (ent[i - 1] >> 16 != ent[i] >> 16)
			continue;
		pairs++;
		both += dps_tcp_hash6(&kb, &t[x]) >> (32 - HOME_BITS) ==
			dps_tcp_hash6(&kb, &t[y]) >> (32 - HOME_BITS);
	}
	cr_log_info("%u pairs share a home under A, %u of them under B too", pairs, both);
	cr_assert_gt(pairs, 10000, "too few pairs to judge: %u", pairs);
	cr_assert_lt(both, pairs / 200, "%u of %u pairs collide under both keys", both, pairs);
}

/* Every word of the tuple counts: a change in any one byte of the
 * addresses or ports gives another hash, ISN and timestamp offset. */
Test(tcp6_keys, every_byte_counts)
{
	static struct dps_sockets ss;
	struct dps_tuple6 a, b;
	struct dps_tcp_keyed ka, kb;

	srand(4244);
	random_keys(&ss);
	a = tuple(77);
	ka = dps_tcp_keyed6(&ss, &a, 0);
	for (size_t off = 0; off < offsetof(struct dps_tuple6, proto); off++) {
		b = a;
		((uint8_t *)&b)[off] ^= 0x01;
		kb = dps_tcp_keyed6(&ss, &b, 0);
		cr_assert_neq(dps_tcp_hash6(&ss, &a), dps_tcp_hash6(&ss, &b),
			"byte %zu", off);
		cr_assert_neq(ka.isn, kb.isn, "byte %zu", off);
		cr_assert_neq(ka.ts_off, kb.ts_off, "byte %zu", off);
	}
	/* The same tuple, the same values; under another key, others. */
	b = a;
	kb = dps_tcp_keyed6(&ss, &b, 0);
	cr_assert_eq(ka.isn, kb.isn);
	cr_assert_eq(ka.ts_off, kb.ts_off);
	ss.isn_key[0] ^= 1;
	kb = dps_tcp_keyed6(&ss, &b, 0);
	cr_assert_neq(ka.isn, kb.isn);
	cr_assert_neq(ka.ts_off, kb.ts_off);
}

/* RFC 6528's clock: the ISN moves one for every 64 ns (Linux's
 * seq_scale()), the timestamp offset not at all. */
Test(tcp6_keys, isn_clock)
{
	static struct dps_sockets ss;
	struct dps_tuple6 t = tuple(5);
	struct dps_tcp_keyed k0, k1;

	srand(4245);
	random_keys(&ss);
	k0 = dps_tcp_keyed6(&ss, &t, 1000000000ull);
	k1 = dps_tcp_keyed6(&ss, &t, 1000000000ull + 64 * 1000);
	cr_assert_eq(k1.isn - k0.isn, 1000);
	cr_assert_eq(k1.ts_off, k0.ts_off);
}

/* RFC 6056 algorithm 3's F() over an IPv6 tuple: the addresses and the
 * peer's port count, the local port (which the search is choosing) and
 * the protocol do not, and the key does. */
Test(tcp6_keys, port_hash_inputs)
{
	static struct dps_sockets ss;
	struct dps_tuple6 a = tuple(9), b;
	uint32_t h = 0;

	ss.port_key[0] = 0x0123456789abcdefull;
	ss.port_key[1] = 0xfedcba9876543210ull;
	h = dps_tcp_port_hash6(&ss, &a);
	for (size_t off = 0; off < sizeof(a); off++) {
		bool counts = off < offsetof(struct dps_tuple6, lport) ||
			(off >= offsetof(struct dps_tuple6, rport) &&
			 off < offsetof(struct dps_tuple6, rport) + 2);

		b = a;
		((uint8_t *)&b)[off] ^= 0x10;
		cr_assert_eq(dps_tcp_port_hash6(&ss, &b) != h, counts, "byte %zu", off);
	}
	ss.port_key[1] ^= 1;
	cr_assert_neq(dps_tcp_port_hash6(&ss, &a), h);
}

/* xorshift64 for the test below. */
static uint64_t
rnd(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * The IPv6 autobind's owner test per candidate port
 * (dps_rss_ports_init6(): the Toeplitz hash of the tuple with port 0,
 * XORed with the key's windows at word 8 for the port's bits) against
 * rte_softrss_be() over the whole 36-byte input and dps_flow_owner6(),
 * on random tuples, keys and redirection tables: each owner of four
 * gets its share, and the all-ones and single-bit ports are among the
 * candidates.
 */
Test(tcp6_keys, autobind_rss_windows)
{
	static struct dps_sockets ss;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int owners[4] = { 0 };

	for (int k = 0; k < 30; k++) {
		uint8_t key[40];

		for (unsigned int i = 0; i < sizeof(key); i++)
			key[i] = (uint8_t)rnd(&x);
		rte_convert_rss_key((const uint32_t *)key, (uint32_t *)ss.rss_key,
			sizeof(ss.rss_key));
		for (unsigned int i = 0; i < RTE_DIM(ss.reta); i++)
			ss.reta[i] = (uint16_t)(rnd(&x) % 4);
		ss.n_owners = 4;
		for (int n = 0; n < 100; n++) {
			struct dps_tuple6 t = { .proto = IPPROTO_TCP };
			struct dps_rss_ports rp;

			for (unsigned int i = 0; i < 16; i++) {
				t.laddr[i] = (uint8_t)rnd(&x);
				t.raddr[i] = (uint8_t)rnd(&x);
			}
			t.rport = (uint16_t)rnd(&x);
			dps_rss_ports_init6(&rp, &ss, &t);
			for (int p = 0; p < 24; p++) {
				uint16_t port = p < 16 ? (uint16_t)(1u << p) :
					p == 16 ? 0xffff : p == 17 ? 0 : (uint16_t)rnd(&x);
				uint32_t in[9];
				unsigned int o;

				t.lport = htons(port);
				for (unsigned int i = 0; i < 4; i++) {
					uint32_t r, l;

					memcpy(&r, &t.raddr[4 * i], 4);
					memcpy(&l, &t.laddr[4 * i], 4);
					in[i] = ntohl(r);
					in[4 + i] = ntohl(l);
				}
				in[8] = (uint32_t)ntohs(t.rport) << 16 | port;
				cr_assert_eq(dps_rss_ports_hash(&rp, port),
					rte_softrss_be(in, 9, ss.rss_key), "port %#x", port);
				o = dps_rss_ports_owner(&rp, port);
				cr_assert_eq(o, dps_flow_owner6(&ss, &t), "port %#x", port);
				owners[o]++;
			}
		}
	}
	for (unsigned int i = 0; i < 4; i++)
		cr_assert_gt(owners[i], 10000, "owner %u: %u", i, owners[i]);
	/* One lcore owns everything, with no hash. */
	ss.n_owners = 1;
	{
		struct dps_tuple6 t = { .proto = IPPROTO_TCP };
		struct dps_rss_ports rp;

		dps_rss_ports_init6(&rp, &ss, &t);
		cr_assert_eq(dps_rss_ports_owner(&rp, 4000), 0);
	}
}
