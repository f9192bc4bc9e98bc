# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the interop tests and bench scripts.
#
# veth_pair NSK NSD VK VD: make namespaces NSK (the kernel) and NSD (the
# device under test) joined by a veth pair VK <-> VD. The kernel end gets
# 198.18.0.1/24 and transmit checksum offload off (otherwise af_packet
# hands dpstack partial checksums); both ends and both loopbacks are up.
# The caller removes the namespaces (its trap).
veth_pair() {
	local nsk=$1 nsd=$2 vk=$3 vd=$4

	ip netns add "$nsk"
	ip netns add "$nsd"
	ip link add "$vk" netns "$nsk" type veth peer name "$vd" netns "$nsd"
	ip -n "$nsk" link set lo up
	ip -n "$nsd" link set lo up
	ip -n "$nsk" addr add 198.18.0.1/24 dev "$vk"
	ip -n "$nsk" link set "$vk" up
	ip -n "$nsd" link set "$vd" up
	ip netns exec "$nsk" ethtool -K "$vk" tx off >/dev/null
}
