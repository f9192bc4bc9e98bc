# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the interop tests whose dpstack application makes its own
# two-queue tap (kernel_connect_mq.sh, kernel_icmp6_mq.sh); tap_ns.sh is
# for a tap the kernel's side makes first.
#
# tap_app_start NS TAP LOG SECS BIN [APP ARGS...]: run BIN, a dpstack
# application, for at most SECS seconds in namespace NS (made by the
# caller) on two lcores and a two-queue net_tap whose kernel end is TAP,
# in the background: its pid in dps_pid, its output in LOG. Returns once TAP exists; fails through
# the caller's fail() when BIN ends before. The EAL: no hugepages, no
# PCI, no shared config or telemetry, a file prefix from TAP's name
# (unique per run), quiet logs.
tap_app_start() {
	local ns=$1 tap=$2 log=$3 secs=$4 bin=$5

	shift 5
	ip netns exec "$ns" timeout "$secs" "$bin" --no-huge -m 512 --no-pci --no-shconf \
		--no-telemetry --file-prefix="$tap" --log-level=lib.eal:error \
		--log-level=pmd.net.tap:crit -l 0-1 --vdev="net_tap0,iface=$tap" -- \
		--all-lcores "$@" >"$log" 2>&1 &
	dps_pid=$!
	for _ in $(seq 100); do
		ip -n "$ns" link show "$tap" >/dev/null 2>&1 && return 0
		kill -0 "$dps_pid" 2>/dev/null || fail "$(basename "$bin") exited early"
		sleep 0.05
	done
}

# tap_app_up NS TAP: the kernel's end of the tap up, with transmit
# checksum offload off (the interop rule), once its addresses are set.
tap_app_up() {
	ip -n "$1" link set "$2" up
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null 2>&1 || true
}
