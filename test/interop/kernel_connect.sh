#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Application threads connect through dpstack to a real Linux listener.
#   namespace dpsd-*: dps-connect on net_af_packet, 198.18.0.2/24
#   namespace dpsk-*: the kernel, 198.18.0.1/24, a Python listener that
#                     accepts and counts
# Runs 10,000 sequential (blocking) connects and 10,000 concurrent
# (non-blocking, epoll) connects, each spread over 4 application threads,
# and a run against a closed port where every connect must be refused.
# dps-connect itself fails unless every connect had the expected result
# and no socket, connection-table entry, port or mbuf is left; the
# listener must have accepted exactly as many connections as were made.
# Usage: kernel_connect.sh PATH/TO/dps-connect [COUNT]
set -euo pipefail

bin=${1:?usage: kernel_connect.sh PATH/TO/dps-connect [COUNT]}
count=${2:-10000}
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=dpsk-$sfx nsd=dpsd-$sfx vk=vk$sfx vd=vd$sfx
tmp=$(mktemp -d /tmp/dps-connect.XXXXXX)
srv_pid=

cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	ip netns del "$nsk" 2>/dev/null || true
	ip netns del "$nsd" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*"
	for f in "$tmp"/*.log; do echo "---- $f"; cat "$f"; done
	exit 1
}

. "$(dirname "$0")/veth_pair.sh"
veth_pair "$nsk" "$nsd" "$vk" "$vd"
ip netns exec "$nsk" sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535

py=$(command -v /usr/bin/python3 || command -v python3)
cat >"$tmp/server.py" <<'PY'
import signal, socket, sys
count = 0
def done(*_):
    open(sys.argv[1], "w").write(f"{count}\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("198.18.0.1", 8080))
s.listen(65535)
open(sys.argv[1] + ".up", "w").close()
while True:
    c, _ = s.accept()
    c.close()
    count += 1
PY
ip netns exec "$nsk" "$py" "$tmp/server.py" "$tmp/accepted" &
srv_pid=$!
for _ in $(seq 50); do [ -f "$tmp/accepted.up" ] && break; sleep 0.1; done
[ -f "$tmp/accepted.up" ] || fail "listener did not start"

run() {	# name, dps-connect options...
	local name=$1; shift
	ip netns exec "$nsd" "$bin" --no-huge -m 512 --no-pci --no-shconf \
		--no-telemetry --file-prefix="dpc$sfx" --log-level=lib.eal:error \
		-l 0 --vdev="net_af_packet0,iface=$vd" -- \
		--addr 198.18.0.2/24 "$@" >"$tmp/$name.log" 2>&1 ||
		fail "$name: dps-connect exited with $?"
	echo "== $name"; cat "$tmp/$name.log"
}

run sequential --to 198.18.0.1:8080 --threads 4 --count "$count" --mode seq
run concurrent --to 198.18.0.1:8080 --threads 4 --count "$count" \
	--mode concurrent --window 64
run refused --to 198.18.0.1:8081 --threads 4 --count 1000 --mode concurrent \
	--expect 111

sleep 0.5
kill "$srv_pid"; wait "$srv_pid" || true; srv_pid=
accepted=$(cat "$tmp/accepted")
[ "$accepted" = $((2 * count)) ] ||
	fail "the kernel accepted $accepted connections, expected $((2 * count))"
echo "PASS: $((2 * count)) connects from 4 application threads, $accepted accepted by the kernel; 1000 refused; nothing leaked"
