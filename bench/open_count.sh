#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# What opening a connection costs the client as its table fills (issue
# 15, item 5), in counts that stay meaningful on a loaded VM: dps-gen
# runs under callgrind (optionally with its cache simulation) against a
# native dps-httpd over memif, as bench/suite.sh's idle stage runs them,
# and callgrind dumps its counters each time the client reports another
# STEP connections established. Each dump holds only what was spent
# between two marks (callgrind zeroes its counters at a dump), so the
# figures of one dump are the cost of opening the connections of that
# step at that fill (the first dump, at 1,000, is the start's and
# not a step's): divide by the calls of dps_tcp_do_connect() in the
# same dump (bench/open_count.py does, function by function).
#
# The client is sized as for ten million (--max-conns 11,254,096, the
# suite's N + N/8 + 4096: the same 2^25-slot table), so the table is
# the ten-million one and only its fill differs. Its pairs of source
# and destination are few (SRC, default 6 addresses x 8 ports = 48), so
# that each pair holds about as many ports at N = 300,000 as each of
# the ten-million run's 1,600 pairs at its end (6,250). Valgrind runs
# the client 20 to 50 times slower than native; the handshakes are
# capped per lcore (MAX_OPENING), so nothing times out.
# Not a timed test; run by hand, as root.
# Usage: ./bench/open_count.sh [N, default 300000] [STEP, default 50000]
#        [callgrind | cachesim, default callgrind] [build dir]
# Output: one callgrind file per step in $OUT (default /tmp/dps-open),
# named callgrind.out.<pid>.<dump>; bench/open_count.py prints them.
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-300000}
step=${2:-50000}
tool=${3:-callgrind}
b=${4:-build}
mem=${IDLE_MEM:-2048}
src=${SRC:-198.18.0.2-198.18.0.7/24}
mc=${MC:-11254096}
idle_ms=${IDLE_MS:-1000}
out=${OUT:-/tmp/dps-open}
mkdir -p "$out"
work=$(mktemp -d /tmp/dps-open-run.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
eal=(--no-huge -m "$mem" --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error)
sock=$work/memif.sock
vg=(valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.out.%p")
# The cache simulation's last level as this VM's L3 (32 MB, 16-way):
# valgrind reads a 256 MB direct-mapped one from this VM's CPUID, which
# would hold the ten-million table whole. LL="size,assoc,line" to change.
[ "$tool" = cachesim ] && vg+=(--cache-sim=yes --LL="${LL:-33554432,16,64}")

ports=() tos=()
for p in 80 81 82 83 84 85 86 87; do ports+=(--port $p); tos+=(--to 198.18.0.1:$p); done
$b/apps/dps-httpd "${eal[@]}" -l 0 --file-prefix=dpsoc$$ \
	--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" -- \
	--addr 198.18.0.1/24 --quiet --proto http --max-conns "$mc" "${ports[@]}" \
	--idle-ms "$idle_ms" >"$work/srv.log" 2>&1 &
pids+=($!)
for _ in $(seq 600); do grep -q "^dps-httpd: serving" "$work/srv.log" && break; sleep 0.1; done
grep -q "^dps-httpd: serving" "$work/srv.log" || { cat "$work/srv.log" >&2; exit 1; }
stdbuf -oL "${vg[@]}" $b/apps/dps-gen "${eal[@]}" -l 1 --file-prefix=dpsog$$ \
	--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- --role client \
	--addr "$src" --ports 1024-65535 --max-conns "$mc" "${tos[@]}" --idle-ms "$idle_ms" \
	--mode conc --proto http --conc "$n" --rate 1 --duration 3600s --json \
	>"$work/gen.out" 2>"$work/gen.err" &
cpid=$!
pids+=("$cpid")
# The first mark ends the start (the EAL, the pools, the first
# handshake's ARP): its dump is not a step's.
mark=1000
while [ "$mark" -le "$n" ]; do
	open=$(grep -o '"open":[0-9]*' "$work/gen.out" | tail -1 | cut -d: -f2 || true)
	if [ "${open:-0}" -ge "$mark" ]; then
		callgrind_control -d "open$mark" "$cpid" >/dev/null
		echo "open_count: dump at open=$open (mark $mark)"
		mark=$(( mark < step ? step : mark + step ))
		continue
	fi
	kill -0 "$cpid" 2>/dev/null || { tail -20 "$work/gen.err" >&2; exit 1; }
	sleep 0.2
done
grep -h "tcp_retrans\|\"err" "$work/gen.out" | tail -1 | grep -o '"[a-z_]*retrans[a-z_]*":[0-9]*\|"errors":[0-9]*' || true
ls -1 "$out"/callgrind.out."$cpid".* 2>/dev/null || ls -1 "$out"
