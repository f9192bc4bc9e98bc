#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# TCP over IPv6 against the Linux kernel over a veth pair (issue 17).
#   namespace dp6k-*: the kernel (tcp_peer.py),            2001:db8::1/64
#   namespace dp6d-*: dpstack (dps_tcpx, net_af_packet),   2001:db8::2/64
# Only 2001:db8::/32 and link-local addresses. The kernel's DAD is off on
# its veth and its transmit checksum offload too (af_packet would hand
# dpstack partial checksums); the kernel's IPv6 is off on dpstack's veth.
# dps_tcpx waits for its own DAD before it opens a socket.
# Scenarios, each with the kernel's neighbour table flushed first:
#   1. dpstack connects to the kernel ([2001:db8::1]:5001) and both send
#      TCP6_BYTES (default 8 MiB) at once; the kernel closes first.
#   2. the kernel connects to dpstack's AF_INET6 listener ([::]:5002) and
#      both send; dpstack closes first (its IPv6 TIME_WAIT).
# Both ends check every byte against the seeded stream and print the
# SHA-256 of what they sent and received; the digests must match across
# the connection. A capture of each (tcpdump on the kernel's veth) must
# show both ends agreeing, per packet kind, on carrying an automatic flow
# label (the kernel's net.ipv6.auto_flowlabels 1; flowlabels.py). dps_tcpx also checks that its sockets, mbufs, ports and
# connections are back to the baseline (TIME_WAIT aside).
# Names are unique per run; a trap removes everything on every exit path.
# Usage: kernel_tcp6.sh PATH/TO/dps_tcpx [-v]
set -euo pipefail

bin=${1:?usage: kernel_tcp6.sh PATH/TO/dps_tcpx [-v]}
verbose=${2:-}
bytes=${TCP6_BYTES:-8388608}
here=$(cd "$(dirname "$0")" && pwd)
peer_py=$here/tcp_peer.py
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi
for t in ethtool tcpdump; do
	command -v "$t" >/dev/null ||
		{ echo "FAIL: $t is not installed (scripts/deps.sh installs it)"; exit 1; }
done
py=$(command -v /usr/bin/python3 || command -v python3)

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=dp6k-$sfx nsd=dp6d-$sfx vk=6k$sfx vd=6d$sfx
tmp=$(mktemp -d /tmp/dps-tcp6.XXXXXX)
pids=()

cleanup() {
	trap '' INT TERM
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	ip netns del "$nsk" 2>/dev/null || true
	ip netns del "$nsd" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*"
	for f in "$tmp"/*.log; do
		[ -s "$f" ] && { echo "---- $(basename "$f")"; tail -n 25 "$f"; }
	done
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

eal=(--no-huge -m 1024 --no-pci --no-shconf --no-telemetry
	--file-prefix="dp6x$sfx" --log-level=lib.eal:error -l 0
	--vdev="net_af_packet0,iface=$vd")

# start NAME {dps|peer} ARGS...: in the background, output in
# $tmp/NAME.log, pid in pid[NAME].
declare -A pid
start() {
	local name=$1 kind=$2 log=$tmp/$1.log; shift 2
	case $kind in
	dps) ip netns exec "$nsd" "$bin" "${eal[@]}" -- --addr 2001:db8::2/64 "$@" >"$log" 2>&1 & ;;
	peer) ip netns exec "$nsk" "$py" "$peer_py" "$@" >"$log" 2>&1 & ;;
	esac
	pid[$name]=$!
	pids+=($!)
}

# finish NAME SECONDS: its exit status (124 when it had to be killed).
finish() {
	local p=${pid[$1]} i rc=0
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$p" 2>/dev/null; then
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
		return 124
	fi
	wait "$p" || rc=$?
	return $rc
}

waitfor() {	# NAME REGEX SECONDS
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -qE "$2" "$tmp/$1.log" 2>/dev/null && return 0
		kill -0 "${pid[$1]}" 2>/dev/null || { grep -qE "$2" "$tmp/$1.log" && return 0; return 1; }
		sleep 0.05
	done
	return 1
}

# capture N PORT: tcpdump on the kernel's veth, TCP port PORT, into
# $tmp/capN.pcap; stop_capture N checks its labels (flowlabels.py).
capture() {
	ip netns exec "$nsk" tcpdump -i "$vk" -s 96 -U -w "$tmp/cap$1.pcap" \
		ip6 and tcp port "$2" >"$tmp/tcpdump$1.log" 2>&1 &
	pid[tcpdump$1]=$!
	pids+=($!)
	for _ in $(seq 50); do grep -q listening "$tmp/tcpdump$1.log" && break; sleep 0.1; done
}
stop_capture() {
	sleep 0.2
	kill "${pid[tcpdump$1]}" 2>/dev/null || true
	wait "${pid[tcpdump$1]}" 2>/dev/null || true
	"$py" "$here/flowlabels.py" "$tmp/cap$1.pcap" 2001:db8::1 2001:db8::2 \
		>"$tmp/labels$1.log" 2>&1 ||
		fail "$1: the kernel and dpstack differ on flow labels: $(tail -n 1 "$tmp/labels$1.log")"
}

field() { awk -v w="$2" -v n="$3" '$1 == w { print $n; exit }' "$tmp/$1.log"; }

# dpstack's "sent" is the kernel's "recv" and the other way round.
digests_match() {
	local d=$1 k=$2
	[ -n "$(field "$d" sent 2)" ] && [ "$(field "$d" sent 2)" = "$(field "$k" recv 2)" ] ||
		fail "dpstack sent $(field "$d" sent 2), the kernel received $(field "$k" recv 2)"
	[ "$(field "$d" sent 3)" = "$bytes" ] && [ "$(field "$k" recv 3)" = "$bytes" ] ||
		fail "$(field "$d" sent 3) bytes sent by dpstack, $(field "$k" recv 3) received"
	[ -n "$(field "$k" sent 2)" ] && [ "$(field "$k" sent 2)" = "$(field "$d" recv 2)" ] ||
		fail "the kernel sent $(field "$k" sent 2), dpstack received $(field "$d" recv 2)"
	[ "$(field "$k" sent 3)" = "$bytes" ] && [ "$(field "$d" recv 3)" = "$bytes" ] ||
		fail "$(field "$k" sent 3) bytes sent by the kernel, $(field "$d" recv 3) received"
}

# ---- 1: dpstack connects to the kernel ----
ip -n "$nsk" -6 neigh flush dev "$vk"
capture 1 5001
start k1 peer serve-bulk "[2001:db8::1]:5001" --bytes "$bytes" --seed 11 --peer-seed 12 \
	--expect "$bytes" --close first --timeout 30
waitfor k1 '^listening' 10 || fail "1: the kernel did not listen"
start d1 dps --mode bulk-client --to "[2001:db8::1]:5001" --bytes "$bytes" \
	--expect "$bytes" --seed 12 --peer-seed 11 --close last --timeout 30
rc=0; finish d1 90 || rc=$?
[ "$rc" = 0 ] || fail "1: dps_tcpx exited with $rc"
finish k1 30 || fail "1: the kernel's side failed"
grep -q '^accepted 2001:db8::2:' "$tmp/k1.log" ||
	fail "1: the kernel did not see dpstack's IPv6 address"
digests_match d1 k1
stop_capture 1
ip -n "$nsk" -6 neigh show 2001:db8::2 | grep -q lladdr ||
	fail "1: the kernel did not learn dpstack by neighbour discovery"
echo "PASS 1 dpstack -> kernel over IPv6, $bytes bytes each way, flow labels as the kernel's"

# ---- 2: the kernel connects to dpstack ----
ip -n "$nsk" -6 neigh flush dev "$vk"
capture 2 5002
start d2 dps --mode bulk-server --port 5002 --bytes "$bytes" --expect "$bytes" \
	--seed 21 --peer-seed 22 --close first --timeout 30
waitfor d2 '^listening' 20 || fail "2: dpstack did not listen"
start k2 peer client-bulk "[2001:db8::2]:5002" --bytes "$bytes" --seed 22 --peer-seed 21 \
	--expect "$bytes" --close last --timeout 30
rc=0; finish d2 90 || rc=$?
[ "$rc" = 0 ] || fail "2: dps_tcpx exited with $rc"
finish k2 30 || fail "2: the kernel's side failed"
grep -q '^accepted \[2001:db8::1\]:' "$tmp/d2.log" ||
	fail "2: accept() did not name the kernel's IPv6 address"
digests_match d2 k2
stop_capture 2
echo "PASS 2 kernel -> dpstack over IPv6, $bytes bytes each way, flow labels as the kernel's"
[ -n "$verbose" ] && cat "$tmp"/*.log
exit 0
