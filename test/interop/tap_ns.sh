# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the interop tests and bench scripts.
#
# tap_ns NS TAP KADDR: make namespace NS holding a multi-queue tap TAP for
# a dpstack run on net_tap (iface=TAP) to attach to, so the kernel's side
# exists before dpstack starts and outlives each run. The kernel's end
# gets KADDR (e.g. 198.18.9.1/24), IPv6 off (no router solicitations or
# MLD reports), transmit checksum offload off, and comes up. The caller
# removes the namespace (its trap).
tap_ns() {
	local ns=$1 tap=$2 kaddr=$3

	ip netns add "$ns"
	ip -n "$ns" link set lo up
	ip netns exec "$ns" ip tuntap add dev "$tap" mode tap multi_queue
	ip netns exec "$ns" sh -c "echo 1 > /proc/sys/net/ipv6/conf/$tap/disable_ipv6"
	ip -n "$ns" addr add "$kaddr" dev "$tap"
	ip -n "$ns" link set "$tap" up
	ip netns exec "$ns" ethtool -K "$tap" tx off >/dev/null
}
