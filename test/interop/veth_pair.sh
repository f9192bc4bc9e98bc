# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the interop tests and bench scripts.
#
# veth_pair NSK NSD VK VD [KADDR [noipv6]]: make namespaces NSK (the
# kernel) and NSD (the device under test) joined by a veth pair VK <-> VD.
# The kernel end gets KADDR (default 198.18.0.1/24) and transmit checksum
# offload off (otherwise af_packet hands dpstack partial checksums); both
# ends and both loopbacks are up. With "noipv6", IPv6 is off on both ends
# before they come up, so neither sends router solicitations or MLD
# reports and captures hold only the test's traffic. The caller removes
# the namespaces (its trap).
veth_pair() {
	local nsk=$1 nsd=$2 vk=$3 vd=$4 kaddr=${5:-198.18.0.1/24}

	ip netns add "$nsk"
	ip netns add "$nsd"
	ip link add "$vk" netns "$nsk" type veth peer name "$vd" netns "$nsd"
	ip -n "$nsk" link set lo up
	ip -n "$nsd" link set lo up
	if [ "${6:-}" = noipv6 ]; then
		ip netns exec "$nsk" sh -c "echo 1 > /proc/sys/net/ipv6/conf/$vk/disable_ipv6"
		ip netns exec "$nsd" sh -c "echo 1 > /proc/sys/net/ipv6/conf/$vd/disable_ipv6"
	fi
	ip -n "$nsk" addr add "$kaddr" dev "$vk"
	ip -n "$nsk" link set "$vk" up
	ip -n "$nsd" link set "$vd" up
	ip netns exec "$nsk" ethtool -K "$vk" tx off >/dev/null
}
