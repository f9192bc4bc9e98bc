#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Interop with the Linux kernel over a veth pair.
#   namespace dpsd-*: dpstack (dps-ping) on net_af_packet or net_af_xdp,
#                     198.18.0.2/24
#   namespace dpsk-*: the kernel,                          198.18.0.1/24
# Checks both directions: the kernel pings dpstack (dpstack answers the
# kernel's ARP and echo), dpstack resolves the kernel's MAC by ARP and pings
# it from an application thread; and a UDP datagram from the kernel to a
# closed dpstack port comes back as ECONNREFUSED (ICMP port unreachable).
# Names are unique per run; a trap removes everything on every exit path.
# Usage: kernel_ping.sh PATH/TO/dps-ping [af_packet|af_xdp] [-v]
set -euo pipefail

bin=${1:?usage: kernel_ping.sh PATH/TO/dps-ping [af_packet|af_xdp] [-v]}
pmd=${2:-af_packet}
verbose=${3:-}
case $pmd in
af_packet|af_xdp) ;;
*) echo "kernel_ping.sh: invalid device '$pmd' (af_packet, af_xdp)"; exit 2 ;;
esac
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=dpsk-$sfx nsd=dpsd-$sfx vk=vk$sfx vd=vd$sfx
log=$(mktemp /tmp/dps-interop.XXXXXX)
dps_pid=

cleanup() {
	[ -n "$dps_pid" ] && kill "$dps_pid" 2>/dev/null && wait "$dps_pid" 2>/dev/null
	ip netns del "$nsk" 2>/dev/null || true
	ip netns del "$nsd" 2>/dev/null || true
	rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*"
	echo "---- dps-ping output ----"; cat "$log"
	exit 1
}

. "$(dirname "$0")/veth_pair.sh"
veth_pair "$nsk" "$nsd" "$vk" "$vd"

# Start dps-ping in the dpstack namespace with extra options; wait for "up:".
start_dps() {
	: >"$log"
	ip netns exec "$nsd" "$bin" --no-huge -m 256 --no-pci --no-shconf \
		--no-telemetry --file-prefix="dps$sfx" --log-level=lib.eal:error \
		-l 0 --vdev="net_${pmd}0,iface=$vd" -- \
		--addr 198.18.0.2/24 "$@" >"$log" 2>&1 &
	dps_pid=$!
	for _ in $(seq 100); do
		grep -q "^up:" "$log" && return 0
		kill -0 "$dps_pid" 2>/dev/null || fail "dps-ping exited early"
		sleep 0.1
	done
	fail "dpstack did not come up"
}

# Wait for dps-ping to exit on its own; it must exit 0.
finish_dps() {
	local rc=0
	wait "$dps_pid" || rc=$?
	dps_pid=
	[ -n "$verbose" ] && cat "$log"
	[ "$rc" = 0 ] || fail "dps-ping exited with $rc"
}

counter() {
	awk -v n="$1" '$1 == n {print $2}' "$log"
}

# Run 1: dpstack resolves the kernel by ARP and pings it from an
# application thread.
start_dps --ping 198.18.0.1 --count 3 --interval 100ms
finish_dps
grep -q "^3/3 replies" "$log" || fail "dpstack's pings of the kernel did not all come back"
[ "$(counter arp_learned)" -ge 1 ] || fail "dpstack learned no ARP entry"
[ "$(counter arp_tx_request)" -ge 2 ] || fail "no gratuitous ARP plus request"

# Run 2: the kernel, with an empty neighbour table, resolves dpstack by ARP
# and pings it; then UDP to a closed port comes back as ECONNREFUSED.
ip -n "$nsk" neigh flush dev "$vk"
start_dps --serve 3
kping=$(ip netns exec "$nsk" ping -c 3 -i 0.2 -W 2 198.18.0.2 2>&1) ||
	fail "kernel ping of dpstack failed: $kping"
[ -n "$verbose" ] && echo "$kping"
dmac=$(awk '/^up:/ {sub(/,$/, "", $4); print $4}' "$log")
ip -n "$nsk" neigh show 198.18.0.2 | grep -qi "lladdr $dmac" ||
	fail "kernel neighbour table lacks 198.18.0.2 at $dmac"
py=$(command -v /usr/bin/python3 || command -v python3)
udp=$(ip netns exec "$nsk" "$py" - <<'PY'
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(2)
s.connect(("198.18.0.2", 9))
s.send(b"x")
try:
    s.recv(16)
    print("no error")
except ConnectionRefusedError:
    print("ECONNREFUSED")
except socket.timeout:
    print("timeout")
PY
)
[ "$udp" = ECONNREFUSED ] || fail "UDP to closed port: expected ECONNREFUSED, got $udp"
finish_dps
[ "$(counter arp_tx_reply)" -ge 1 ] || fail "dpstack answered no ARP request"
[ "$(counter icmp_tx_echo_reply)" = 3 ] || fail "dpstack did not answer 3 echo requests"
[ "$(counter icmp_tx_unreach)" = 1 ] || fail "dpstack sent no port unreachable"
echo "PASS ($pmd): kernel <-> dpstack ARP, ping both ways, UDP port unreachable"
