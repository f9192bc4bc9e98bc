/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Runs dps_rx_classify() over a fixed frame N times, for callgrind:
 *   valgrind --tool=callgrind ./build/bench/rx_classify icmp 100000
 * Instructions per frame = (Ir of dps_rx_classify inclusive) / N.
 * Kinds: icmp (84-byte echo request), udp1400 (UDP, 1400-byte payload,
 * software checksum), tcp (bare 20-byte TCP header).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "dps_wire.h"

static size_t
make_frame(const char *kind, uint8_t *f, const struct rte_ether_addr *mac,
	uint32_t src, uint32_t dst)
{
	struct rte_ether_addr peer = { { 0x02, 0, 0, 0, 0, 1 } };
	uint8_t payload[1400];
	size_t l4 = 0;
	uint8_t proto;

	memset(payload, 0xa5, sizeof(payload));
	dps_eth_build(f, 14, mac, &peer, RTE_ETHER_TYPE_IPV4);
	if (strcmp(kind, "icmp") == 0) {
		proto = IPPROTO_ICMP;
		l4 = dps_icmp_echo_build(f + 34, 2000, 8, 1, 1, payload, 56);
	} else {
		size_t plen = strcmp(kind, "udp1400") == 0 ? 1400 : 0;
		uint16_t len = (uint16_t)((strcmp(kind, "tcp") == 0 ? 20 : 8) + plen);
		uint8_t *h = f + 34;
		uint32_t sum;

		proto = strcmp(kind, "tcp") == 0 ? IPPROTO_TCP : IPPROTO_UDP;
		memset(h, 0, len);
		h[1] = 7; h[3] = 9;		/* ports 7 -> 9 */
		if (proto == IPPROTO_UDP) {
			h[4] = (uint8_t)(len >> 8); h[5] = (uint8_t)len;
		} else {
			h[12] = 5 << 4; h[13] = 0x02;	/* SYN */
		}
		memcpy(h + (proto == IPPROTO_UDP ? 8 : 20), payload, plen);
		/* pseudo-header + segment checksum */
		sum = (uint32_t)dps_csum_raw(&src, 4) + dps_csum_raw(&dst, 4) +
			htons(proto) + htons(len) + dps_csum_raw(h, len);
		while (sum >> 16)
			sum = (sum & 0xffff) + (sum >> 16);
		sum = (uint16_t)~sum;
		memcpy(h + (proto == IPPROTO_UDP ? 6 : 16), &sum, 2);
		l4 = len;
	}
	dps_ipv4_build(f + 14, 20, src, dst, proto, (uint16_t)l4, 64, 1, false);
	return 34 + l4;
}

int
main(int argc, char **argv)
{
	struct rte_ether_addr mac = { { 0x02, 0x64, 0x70, 0x73, 0, 0 } };
	struct dps_ifaddr ifa = { inet_addr("198.18.0.2"), inet_addr("255.255.255.0") };
	struct dps_rx_iface ifc = { .mac = mac, .addrs = &ifa, .n_addrs = 1 };
	const char *kind = argc > 1 ? argv[1] : "icmp";
	long n = argc > 2 ? atol(argv[2]) : 100000;
	static uint8_t frame[2048];
	struct dps_counters cnt;
	struct dps_rx_pkt p;
	size_t len;
	long ok = 0;

	if (strcmp(kind, "icmp") && strcmp(kind, "udp1400") && strcmp(kind, "tcp")) {
		fprintf(stderr, "rx_classify: invalid kind '%s' (icmp, udp1400, tcp)\n", kind);
		return 2;
	}
	len = make_frame(kind, frame, &mac, inet_addr("198.18.0.1"), ifa.addr);
	memset(&cnt, 0, sizeof(cnt));
	for (long i = 0; i < n; i++)
		ok += dps_rx_classify(&ifc, frame, (uint32_t)len, 0, &p, &cnt) == DPS_DROP_NONE;
	printf("%s: %ld/%ld frames accepted (%zu bytes each)\n", kind, ok, n, len);
	return ok == n ? 0 : 1;
}
