/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef DPS_COUNTERS_H
#define DPS_COUNTERS_H

/**
 * @file
 * Per-lcore, per-layer counters.
 *
 * Each lcore owns one struct dps_counters and is its only writer. Any other
 * thread may read it at any time without a lock: every field is a naturally
 * aligned 64-bit word, written with relaxed atomic stores and read with
 * relaxed atomic loads (dps_counters_snapshot()). A snapshot is therefore
 * per-field consistent, not a cross-field atomic picture.
 *
 * The field list is an X-macro so that telemetry and the apps can walk
 * every counter by name without a hand-kept table.
 */

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Traffic counters: X(name, help). */
#define DPS_COUNTER_LIST(X) \
	X(eth_rx_pkts, "frames received") \
	X(eth_rx_bytes, "bytes received") \
	X(eth_tx_pkts, "frames handed to the device") \
	X(eth_tx_bytes, "bytes handed to the device") \
	X(eth_tx_backlog, "frames that waited for room in the device's transmit queue") \
	X(arp_rx, "ARP packets accepted") \
	X(arp_tx_request, "ARP requests sent") \
	X(arp_tx_reply, "ARP replies sent") \
	X(arp_learned, "ARP entries created or confirmed") \
	X(ip_rx, "IPv4 packets delivered locally") \
	X(ip_tx, "IPv4 packets sent") \
	X(icmp_rx_echo_request, "ICMP echo requests received") \
	X(icmp_tx_echo_reply, "ICMP echo replies sent") \
	X(icmp_tx_echo_request, "ICMP echo requests sent") \
	X(icmp_rx_echo_reply, "ICMP echo replies matched") \
	X(icmp_tx_unreach, "ICMP destination unreachable sent") \
	X(icmp_rx_error, "ICMP errors handed to a transport") \
	X(udp_rx, "UDP datagrams received") \
	X(tcp_rx, "TCP segments received") \
	X(tcp_tx, "TCP segments sent") \
	X(tcp_tx_syn, "SYNs sent, first transmissions") \
	X(tcp_tx_syn_retrans, "SYNs retransmitted") \
	X(tcp_tx_rst, "RSTs sent") \
	X(tcp_connects, "active opens started") \
	X(tcp_established, "active opens completed") \
	X(tcp_conn_failed, "active opens failed (refused, timed out, ICMP, aborted)") \
	X(tcp_rx_handoff, "TCP segments passed to the owning lcore") \
	X(tcp_icmp6_handoff, "ICMPv6 errors about TCP flows passed to the owning lcore") \
	X(udp_tx, "UDP datagrams sent") \
	X(tcp_passive_opens, "connections accepted from a SYN (SYN-ACK sent)") \
	X(tcp_accepted, "passive opens completed and queued for accept") \
	X(tcp_syncookies_sent, "SYN-ACKs carrying a SYN cookie") \
	X(tcp_syncookies_ok, "connections rebuilt from a valid SYN cookie") \
	X(tcp_syncookies_mem, "of the SYN cookies sent, those for want of mbufs or sockets") \
	X(tcp_defer_accept_drop, "bare handshake ACKs a TCP_DEFER_ACCEPT listener's child dropped") \
	X(tcp_tx_data, "TCP segments sent with payload, first transmissions") \
	X(tcp_tx_bytes, "TCP payload bytes sent, first transmissions") \
	X(tcp_tx_tso, "TSO frames handed to the device (each counted in tcp_tx by its pieces)") \
	X(tcp_rx_data, "TCP segments received with payload") \
	X(tcp_rx_bytes, "TCP payload bytes delivered in order") \
	X(tcp_retrans, "TCP segments retransmitted (all causes)") \
	X(tcp_fast_retrans, "fast recovery episodes (three dupacks or SACK loss)") \
	X(tcp_sack_retrans, "segments retransmitted because SACK marked them lost") \
	X(tcp_rto, "retransmission timeouts") \
	X(tcp_ooo, "segments queued out of order") \
	X(tcp_dupack_rx, "duplicate ACKs received") \
	X(tcp_challenge_ack, "challenge ACKs sent (RFC 5961)") \
	X(tcp_dup_data_rehash, "duplicate data under a new IPv6 flow label: a new flow hash drawn (Linux's TCPDuplicateDataRehash)") \
	X(tcp_zwp, "zero-window probes sent") \
	X(tcp_keepalive, "keepalive probes sent") \
	X(tcp_time_wait, "connections that entered TIME_WAIT") \
	X(tcp_tw_reused, "TIME_WAIT tuples taken over by a new connect") \
	X(tcp_tw_overflow, "connections closed without TIME_WAIT: max_tw_buckets held (Linux's TCPTimeWaitOverflow)") \
	X(tcp_idle_enter, "idle connections kept in their compact form") \
	X(tcp_idle_wake, "compact idle connections made sockets again") \
	X(tcp_closed, "connections closed (any way)") \
	X(req_rx, "requests taken from the request ring") \
	X(poll_loops, "poll loop iterations") \
	X(poll_busy_cycles, "TSC cycles in iterations that did work (each from its start to the next's)") \
	X(poll_idle_cycles, "TSC cycles in iterations that found nothing (each from its start to the next's)") \
	DPS_COUNTER_IP6_LIST(X)

/** The IPv6, ICMPv6 and neighbour discovery counters, part of
 * DPS_COUNTER_LIST. */
#define DPS_COUNTER_IP6_LIST(X) \
	X(ip6_rx, "IPv6 packets delivered locally") \
	X(ip6_tx, "IPv6 packets sent") \
	X(icmp6_rx_echo_request, "ICMPv6 echo requests received") \
	X(icmp6_tx_echo_reply, "ICMPv6 echo replies sent") \
	X(icmp6_tx_echo_request, "ICMPv6 echo requests sent") \
	X(icmp6_rx_echo_reply, "ICMPv6 echo replies matched") \
	X(icmp6_tx_error, "ICMPv6 errors sent") \
	X(icmp6_rx_error, "ICMPv6 errors handed to a transport") \
	X(nd_rx_ns, "neighbour solicitations received") \
	X(nd_rx_na, "neighbour advertisements received") \
	X(nd_tx_ns, "neighbour solicitations sent (DAD probes included)") \
	X(nd_tx_na, "neighbour advertisements sent") \
	X(dad_ok, "own IPv6 addresses that passed duplicate address detection") \
	X(dad_duplicate, "own IPv6 addresses found duplicate (left unused)") \
	X(dad_range_lost_full, "IPv6 ranges made duplicate whole: more lost addresses than kept apart")

/** Drop reasons: X(name, help). Every dropped packet counts under one. */
#define DPS_DROP_LIST(X) \
	X(eth_truncated, "frame shorter than an Ethernet header") \
	X(eth_not_for_us, "destination MAC is not ours, broadcast or multicast") \
	X(eth_unknown_type, "ethertype not handled") \
	X(mbuf_multiseg, "headers not contiguous in the first segment") \
	X(arp_truncated, "ARP packet shorter than an Ethernet/IPv4 ARP body") \
	X(arp_bad_format, "ARP hardware/protocol type or lengths not Ethernet/IPv4") \
	X(arp_bad_op, "ARP opcode neither request nor reply") \
	X(arp_bad_sender, "ARP sender MAC or IP not a unicast host address") \
	X(arp_not_for_us, "ARP target IP is not one of ours") \
	X(arp_hold_overflow, "packet displaced from a full ARP hold queue") \
	X(arp_timeout, "packet dropped: next hop never answered ARP") \
	X(arp_table_full, "no ARP entry could be allocated") \
	X(ip_truncated, "IPv4 packet shorter than its header") \
	X(ip_bad_version, "IP version is not 4") \
	X(ip_bad_ihl, "IPv4 header length under 20 bytes or beyond the data") \
	X(ip_bad_totlen, "IPv4 total length under the header or beyond the frame") \
	X(ip_bad_csum, "IPv4 header checksum wrong") \
	X(ip_bad_src, "IPv4 source is multicast, broadcast, loopback or zero") \
	X(ip_not_for_us, "IPv4 destination is not one of our addresses") \
	X(ip_fragment, "IPv4 fragment (reassembly not supported yet)") \
	X(ip_unknown_proto, "IPv4 protocol not handled") \
	X(ip_no_route, "no route to the destination") \
	X(icmp_truncated, "ICMP message shorter than its header") \
	X(icmp_bad_csum, "ICMP checksum wrong") \
	X(icmp_unknown_type, "ICMP type not handled") \
	X(icmp_bad_quote, "ICMP error quoting too little of the original packet") \
	X(icmp_no_owner, "ICMP error or reply that no transport or request owns") \
	X(icmp_ratelimited, "ICMP error not sent: rate limit") \
	X(icmp_echo_bcast, "echo request to a broadcast address (ignored, as Linux does)") \
	X(udp_truncated, "UDP datagram shorter than its header or length field") \
	X(udp_bad_csum, "UDP checksum wrong") \
	X(udp_no_port, "UDP datagram for a port nobody has bound") \
	X(tcp_truncated, "TCP segment shorter than its header") \
	X(tcp_bad_csum, "TCP checksum wrong") \
	X(tcp_no_socket, "TCP segment for no connection") \
	X(tcp_idle_no_sock, "TCP segment for an idle connection, no socket free to wake it") \
	X(tcp_listen_overflow, "SYN or ACK dropped: listener's queues full, no cookie") \
	X(tcp_conn_table_full, "SYN or cookie ACK dropped: the lcore holds max_conns connections") \
	X(tcp_bad_cookie, "ACK for a listener that carried no valid SYN cookie") \
	X(tcp_paws, "TCP segment rejected by PAWS (RFC 7323 5)") \
	X(tcp_out_of_window, "TCP segment outside the receive window") \
	X(tcp_rcvbuf_full, "TCP payload dropped: receive buffer or queue full") \
	X(tcp_sock_pool_empty, "ACK with a valid SYN cookie dropped: no socket left in the pool") \
	X(tcp_ext_pool_empty, "TCP segment dropped: no TCB extension left in the pool") \
	X(rx_reserve, "payload dropped on receive: the mbuf pool is down to its transmit reserve") \
	X(tcp_handoff_full, "TCP segment lost: the owning lcore's ring was full") \
	X(udp_rxq_full, "UDP datagram lost: the socket's receive queue was full") \
	X(udp_not_peer, "UDP datagram from other than a connected socket's peer") \
	X(tcp_tx_unbuffered, "TCP segment not sent: it named bytes the send buffer does not hold") \
	X(tx_full, "device transmit queue full") \
	X(nomem, "mbuf allocation failed") \
	DPS_DROP_IP6_LIST(X)

/** The IPv6, ICMPv6 and neighbour discovery drop reasons (lib/wire's
 * dps_wire6.h, lib/nd), part of DPS_DROP_LIST. */
#define DPS_DROP_IP6_LIST(X) \
	X(ip6_truncated, "IPv6 packet shorter than its 40-byte header") \
	X(ip6_bad_version, "IP version is not 6") \
	X(ip6_bad_paylen, "IPv6 payload length beyond the frame (or a jumbogram)") \
	X(ip6_bad_src, "IPv6 source is multicast, loopback or v4-mapped") \
	X(ip6_bad_dst, "IPv6 destination is loopback, unspecified or an interface-local or reserved-scope group") \
	X(ip6_not_for_us, "IPv6 destination is not one of our addresses or groups") \
	X(ip6_ext_truncated, "IPv6 extension header beyond the payload") \
	X(ip6_bad_hbh, "IPv6 hop-by-hop options header other than first (parameter problem)") \
	X(ip6_bad_opt, "IPv6 option TLV beyond its header") \
	X(ip6_opt_unknown, "IPv6 option unknown with a discard action (RFC 8200 4.2)") \
	X(ip6_bad_routing, "IPv6 routing header of unknown type with segments left (parameter problem)") \
	X(ip6_fragment, "IPv6 fragment (reassembly not supported)") \
	X(ip6_no_next, "IPv6 packet with no next header (59)") \
	X(ip6_unknown_nexthdr, "IPv6 next header not handled (parameter problem)") \
	X(ip6_ext_too_many, "IPv6 packet with more extension headers than the walk takes") \
	X(icmp6_truncated, "ICMPv6 message shorter than its header") \
	X(icmp6_bad_csum, "ICMPv6 checksum wrong") \
	X(icmp6_unknown_type, "ICMPv6 informational type not handled (RFC 4443 2.4(b))") \
	X(icmp6_ignored, "ICMPv6 router discovery, redirect or MLD message (not handled)") \
	X(icmp6_bad_quote, "ICMPv6 error quoting too little of the original packet") \
	X(nd_bad_hoplimit, "neighbour discovery message with an IPv6 hop limit other than 255") \
	X(nd_bad_code, "neighbour discovery message with an ICMPv6 code other than 0") \
	X(nd_truncated, "neighbour solicitation or advertisement shorter than 24 bytes") \
	X(nd_bad_target, "neighbour discovery target is a multicast address") \
	X(nd_bad_opt, "neighbour discovery option of length 0, beyond the message, or a link-layer address not of Ethernet's length") \
	X(nd_bad_addr, "neighbour discovery addresses break RFC 4861 7.1 (unspecified source, solicited to a group)") \
	X(nd_not_for_us, "neighbour solicitation for a target that is not ours") \
	X(nd_hold_overflow, "packet displaced from a full neighbour hold queue") \
	X(nd_failed, "packet dropped: the neighbour never answered its solicitations") \
	X(nd_table_full, "no neighbour entry could be allocated") \
	X(ip6_tentative, "IPv6 packet other than ND to an address still under DAD") \
	X(ip6_no_transport, "IPv6 packet of a protocol no transport takes over IPv6 yet") \
	X(ip6_no_route, "no IPv6 route or source address for the destination") \
	X(icmp6_no_owner, "ICMPv6 error or echo reply that no transport or request owns") \
	X(icmp6_ratelimited, "ICMPv6 error not sent: rate limit")

#define DPS_X_ENUM(name, help) DPS_DROP_##name,
/** Reasons for dropping a packet; index into dps_counters.drop. */
enum dps_drop_reason {
	DPS_DROP_NONE = -1,
	DPS_DROP_LIST(DPS_X_ENUM)
	DPS_DROP__MAX
};
#undef DPS_X_ENUM

#define DPS_X_FIELD(name, help) uint64_t name;
/** One lcore's counters. */
struct dps_counters {
	DPS_COUNTER_LIST(DPS_X_FIELD)
	uint64_t drop[DPS_DROP__MAX];	/**< indexed by enum dps_drop_reason */
};
#undef DPS_X_FIELD

/** Name of a drop reason ("ip_bad_csum"), or "?" when out of range. */
const char *dps_drop_reason_name(int reason);

/**
 * Copy @p src into @p dst with relaxed atomic loads. Safe from any thread
 * while the owning lcore keeps counting.
 */
void dps_counters_snapshot(struct dps_counters *dst, const struct dps_counters *src);

/** Add every field of @p src into @p acc (plain arithmetic on snapshots). */
void dps_counters_accumulate(struct dps_counters *acc, const struct dps_counters *src);

/**
 * Call @p fn once per counter, drops included ("drop.ip_bad_csum"), in a
 * stable order. Used by the apps and telemetry.
 */
void dps_counters_foreach(const struct dps_counters *c,
	void (*fn)(const char *name, uint64_t value, void *arg), void *arg);

/** Sum of drop[] over every reason. */
uint64_t dps_counters_total_drops(const struct dps_counters *c);

#ifdef __cplusplus
}
#endif
#endif
