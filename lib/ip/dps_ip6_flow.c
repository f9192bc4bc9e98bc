/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Automatic IPv6 flow labels (RFC 6437 3), as Linux makes them with
 * net.ipv6.auto_flowlabels: a packet's label is its flow's hash turned
 * and cut to 20 bits (dps_ip6_flowlabel_of(), ip6_make_flowlabel()).
 * The hash of a socket's packets is the socket's own: a random number
 * drawn when it connects (Linux's sk_txhash from net_tx_rndhash()), drawn
 * again when TCP suspects its path (sk_rethink_txhash(): each
 * retransmission timeout). Packets without a socket (a RST for no
 * connection, ICMPv6) take a keyed hash of their addresses, ports and
 * protocol, the same for every packet of that tuple (Linux's
 * skb_get_hash_flowi6() over the flow keys, with a per-boot secret).
 * Whether a packet carries a label at all is the stack's setting and,
 * between OFF and FORCED, the socket's IPV6_AUTOFLOWLABEL. ICMPv6
 * messages the stack sends (echo replies and requests, errors) carry the
 * label of their tuple's hash, as Linux's icmpv6 control socket's; the
 * neighbour discovery messages none (Linux's ip6_nd_hdr()).
 */
#include <string.h>
#include <rte_random.h>
#include "dps_ip.h"
#include "dps_siphash.h"
#include "dps_wire6.h"

uint32_t
dps_ip6_txhash(void)
{
	uint32_t h = (uint32_t)rte_rand();

	return h != 0 ? h : 1;		/* 0 is "no hash", as Linux's */
}

uint32_t
dps_ip6_flow_hash(const struct dps_stack *s, const uint8_t src[16],
	const uint8_t dst[16], uint16_t sport, uint16_t dport, uint8_t proto)
{
	uint8_t k[40];
	uint32_t h;

	memcpy(k, src, 16);
	memcpy(k + 16, dst, 16);
	memcpy(k + 32, &sport, 2);
	memcpy(k + 34, &dport, 2);
	k[36] = proto;
	k[37] = k[38] = k[39] = 0;
	h = (uint32_t)dps_siphash24(k, sizeof(k), s->flow_key);
	return h != 0 ? h : 1;
}

bool
dps_ip6_autolabel(const struct dps_stack *s, int8_t opt)
{
	switch (s->conf.auto_flowlabels) {
	case DPS_FLOWLABEL_OFF:
		return false;
	case DPS_FLOWLABEL_FORCED:
		return true;
	case DPS_FLOWLABEL_OPTIN:
		return opt > 0;
	default:			/* OPTOUT */
		return opt != 0;
	}
}

bool
dps_ip6_autolabel_opt(const struct dps_stack *s, int8_t opt)
{
	if (opt >= 0)
		return opt != 0;
	return s->conf.auto_flowlabels == DPS_FLOWLABEL_OPTOUT ||
		s->conf.auto_flowlabels == DPS_FLOWLABEL_FORCED;
}

uint32_t
dps_ip6_label(const struct dps_stack *s, uint32_t hash)
{
	return dps_ip6_flowlabel_of(hash, s->conf.flowlabel_state_ranges);
}

void
dps_icmp6_label(const struct dps_stack *s, uint8_t *ip)
{
	uint32_t vtc, label;
	uint16_t tc;

	if (!dps_ip6_autolabel(s, -1))
		return;
	/* The type and code stand where a port would (flowi6's uli). */
	memcpy(&tc, ip + DPS_IPV6_HLEN, 2);
	label = dps_ip6_label(s, dps_ip6_flow_hash(s, ip + 8, ip + 24, tc, 0, ip[6]));
	memcpy(&vtc, ip, 4);
	vtc = rte_cpu_to_be_32((rte_be_to_cpu_32(vtc) & ~DPS_IPV6_FLOWLABEL_MASK) | label);
	memcpy(ip, &vtc, 4);
}
