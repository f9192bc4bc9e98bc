#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# IPv6 interop with the Linux kernel over a veth pair.
#   namespace dpsk-*: the kernel,                       2001:db8::1/64
#   namespace dpsd-*: dpstack (dps-ping, net_af_packet), 2001:db8::2/64
# Only 2001:db8::/32 and link-local addresses. The kernel's DAD is off on
# its veth (accept_dad 0, set before the address and the link come up), and
# the kernel's IPv6 is off on dpstack's veth, whose MAC, and so whose
# link-local address, dpstack takes. dpstack's own DAD is awaited from its
# "ipv6: ready" line.
# Checks: with the kernel's neighbour table flushed, dpstack resolves the
# kernel by neighbour discovery and pings it (global and link-local); the
# kernel, flushed again, resolves dpstack and pings it (global and
# link-local), and holds dpstack's MAC in its neighbour table. TCP and
# UDP over IPv6 with no IPv6 socket in dpstack: the kernel's connect()
# is refused by dpstack's RST (ECONNREFUSED), and a connected UDP
# socket's datagram by its port unreachable (ECONNREFUSED on the next
# receive), so the kernel accepted both checksums over the IPv6
# pseudo-header.
# Names are unique per run; a trap removes everything on every exit path.
# Usage: kernel_ping6.sh PATH/TO/dps-ping [-v]
set -euo pipefail

bin=${1:?usage: kernel_ping6.sh PATH/TO/dps-ping [-v]}
verbose=${2:-}
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=dpsk-$sfx nsd=dpsd-$sfx vk=vk$sfx vd=vd$sfx
log=$(mktemp /tmp/dps-interop6.XXXXXX)
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

ip netns add "$nsk"
ip netns add "$nsd"
ip link add "$vk" netns "$nsk" type veth peer name "$vd" netns "$nsd"
ip -n "$nsk" link set lo up
ip -n "$nsd" link set lo up
ip netns exec "$nsk" sysctl -qw "net.ipv6.conf.$vk.accept_dad=0"
ip netns exec "$nsd" sysctl -qw "net.ipv6.conf.$vd.disable_ipv6=1"
ip -n "$nsk" addr add 2001:db8::1/64 dev "$vk"
ip -n "$nsk" link set "$vk" up
ip -n "$nsd" link set "$vd" up
ip netns exec "$nsk" ethtool -K "$vk" tx off >/dev/null
kll=$(ip -n "$nsk" -6 addr show dev "$vk" scope link | awk '/inet6/ {sub(/\/.*/, "", $2); print $2}')
[ -n "$kll" ] || fail "the kernel has no link-local address"

# Start dps-ping in the dpstack namespace; wait for the line $1.
start_dps() {
	local want=$1
	shift
	: >"$log"
	ip netns exec "$nsd" "$bin" --no-huge -m 256 --no-pci --no-shconf \
		--no-telemetry --file-prefix="dps$sfx" --log-level=lib.eal:error \
		-l 0 --vdev="net_af_packet0,iface=$vd" -- \
		--addr 2001:db8::2/64 "$@" >"$log" 2>&1 &
	dps_pid=$!
	for _ in $(seq 200); do
		grep -q "^$want" "$log" && return 0
		kill -0 "$dps_pid" 2>/dev/null || fail "dps-ping exited early"
		sleep 0.1
	done
	fail "dpstack did not say '$want'"
}

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

# Run 1: dpstack resolves the kernel by ND and pings it, then its
# link-local address.
ip -n "$nsk" -6 neigh flush dev "$vk"
start_dps "up:" --ping 2001:db8::1 --count 3 --interval 100ms --timeout 2s
finish_dps
grep -q "^3/3 replies" "$log" || fail "dpstack's pings of the kernel did not all come back"
[ "$(counter nd_rx_na)" -ge 1 ] || fail "dpstack took no advertisement"
[ "$(counter icmp6_rx_echo_reply)" = 3 ] || fail "dpstack matched no echo reply"
[ "$(counter dad_ok)" = 2 ] || fail "DAD did not pass for both addresses"
ip -n "$nsk" -6 neigh show 2001:db8::2 | grep -q lladdr ||
	fail "the kernel did not learn dpstack from its solicitation"
start_dps "up:" --ping "$kll" --count 2 --interval 100ms --timeout 2s
finish_dps
grep -q "^2/2 replies" "$log" || fail "dpstack's pings of the kernel's link-local address failed"

# Run 2: the kernel, its neighbour table flushed, resolves dpstack and
# pings its global and link-local addresses.
ip -n "$nsk" -6 neigh flush dev "$vk"
start_dps "ipv6: ready" --serve 60s
dll=$(awk '/^ipv6: ready/ {print $NF}' "$log")
dmac=$(awk '/^up:/ {sub(/,$/, "", $4); print $4}' "$log")
kping=$(ip netns exec "$nsk" ping -6 -c 3 -i 0.2 -W 2 2001:db8::2 2>&1) ||
	fail "kernel ping6 of dpstack failed: $kping"
[ -n "$verbose" ] && echo "$kping"
ip -n "$nsk" -6 neigh show 2001:db8::2 | grep -qi "lladdr $dmac" ||
	fail "kernel neighbour table lacks 2001:db8::2 at $dmac"
kping=$(ip netns exec "$nsk" ping -6 -c 2 -i 0.2 -W 2 "$dll%$vk" 2>&1) ||
	fail "kernel ping6 of dpstack's link-local $dll failed: $kping"
refused=$(ip netns exec "$nsk" python3 - <<'PY' 2>&1
import errno, socket
out = []
t = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
t.settimeout(5)
try:
    t.connect(("2001:db8::2", 80))
    out.append("tcp:connected")
except OSError as e:
    out.append("tcp:" + errno.errorcode.get(e.errno, str(e)))
u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
u.settimeout(5)
u.connect(("2001:db8::2", 5353))
u.send(b"anyone?")
try:
    u.recv(100)
    out.append("udp:answered")
except OSError as e:
    out.append("udp:" + errno.errorcode.get(e.errno, str(e)))
print(" ".join(out))
PY
) || fail "the kernel's TCP/UDP probe failed: $refused"
[ -n "$verbose" ] && echo "$refused"
[ "$refused" = "tcp:ECONNREFUSED udp:ECONNREFUSED" ] ||
	fail "kernel TCP and UDP over IPv6 to dpstack: $refused, not both refused"
kill -INT "$dps_pid"
finish_dps
[ "$(counter nd_tx_na)" -ge 2 ] || fail "dpstack answered fewer than two solicitations"
[ "$(counter icmp6_tx_echo_reply)" = 5 ] || fail "dpstack did not answer 5 echo requests"
[ "$(counter tcp_tx_rst)" = 1 ] || fail "dpstack sent $(counter tcp_tx_rst) RSTs, not 1"
echo "PASS: kernel <-> dpstack IPv6: ND and ping6 both ways, global and link-local;" \
	"TCP refused by RST, UDP by port unreachable"
