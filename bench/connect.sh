#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Figures for the connect path, all in one session:
#  1. the request ring's round trip: application thread -> lcore ->
#     completion (dps-connect --mode rtt), 100,000 empty requests;
#  2. connects per second from 4 application threads through dpstack on
#     net_af_packet to a kernel listener in another namespace, blocking
#     (seq) and non-blocking with epoll (concurrent);
#  3. the same client code on kernel sockets over loopback (--kernel).
# Each run is repeated 3 times; the median run (by rate) is printed.
# Usage (root): bench/connect.sh [BUILD_DIR] [COUNT]
set -euo pipefail
build=${1:-build}
count=${2:-20000}
bin=$build/apps/dps-connect
[ -x "$bin" ] || { echo "bench/connect.sh: build first ($bin missing)"; exit 2; }

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=dpbk-$sfx nsd=dpbd-$sfx vk=bk$sfx vd=bd$sfx
tmp=$(mktemp -d /tmp/dps-bench.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	ip netns del "$nsk" 2>/dev/null || true
	ip netns del "$nsd" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/../test/interop/veth_pair.sh"
veth_pair "$nsk" "$nsd" "$vk" "$vd"
# Deep accept queues: the Python listeners must not be what is measured.
for ns in "$nsk" "$nsd"; do
	ip netns exec "$ns" sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535
done

cat >"$tmp/srv.py" <<'PY'
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8080))
s.listen(65535)
while True:
    s.accept()[0].close()
PY
py=$(command -v /usr/bin/python3 || command -v python3)
ip netns exec "$nsk" "$py" "$tmp/srv.py" 198.18.0.1 & pids+=($!)
ip netns exec "$nsd" "$py" "$tmp/srv.py" 127.0.0.1 & pids+=($!)
sleep 0.5

eal="--no-huge -m 512 --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error -l 0"
run3() {	# label, dps-connect args after "--"
	local label=$1; shift
	for i in 1 2 3; do
		ip netns exec "$nsd" "$bin" $eal --file-prefix="dpb$sfx" \
			--vdev="net_af_packet0,iface=$vd" -- "$@" |
			awk '/^rate:/ {print}' > "$tmp/r$i"
	done
	cat "$tmp"/r1 "$tmp"/r2 "$tmp"/r3 | sort -t' ' -k2 -n | sed -n 2p |
		sed "s|^|$label: |"
}
echo "machine: $(nproc) vCPU $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r)"
run3 "request ring round trip (1 thread)" --mode rtt --threads 1 --count 100000
run3 "dpstack seq (4 threads)" --to 198.18.0.1:8080 --threads 4 --count "$count" --mode seq
run3 "dpstack concurrent (4 threads x 64)" --to 198.18.0.1:8080 --threads 4 --count "$count" --mode concurrent
run3 "kernel loopback seq (4 threads)" --kernel --to 127.0.0.1:8080 --threads 4 --count "$count" --mode seq
run3 "kernel loopback concurrent (4 threads x 64)" --kernel --to 127.0.0.1:8080 --threads 4 --count "$count" --mode concurrent
