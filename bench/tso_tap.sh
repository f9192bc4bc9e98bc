#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TSO on net_tap: dps-gen sends bulk data over a tap into a kernel discard
# server (bench/kbench) in a namespace made for the run, with TSO and with
# --no-tso. Prints the median throughput of RUNS runs of each, then, under
# callgrind, the instructions per packet on the wire spent in libdpstack,
# in the tap PMD and librte_gso (which cut and checksum TSO frames in
# software, in the same process; callgrind puts part of that at an
# unsymbolled address of librte_cryptodev, only ever run with TSO), and in
# the app.
# Usage: ./bench/tso_tap.sh [build dir]   (root; RUNS=5 DUR=5 by default)
set -euo pipefail
cd "$(dirname "$0")/.."
b=$(cd "${1:-build}" && pwd)
runs=${RUNS:-5} dur=${DUR:-5}
sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
ns=dpsb-$sfx tap=dsb$sfx
tmp=$(mktemp -d /tmp/dps-tsob.XXXXXX)
srv=
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# The tap exists before dpstack opens it, so the kernel side is ready.
. test/interop/tap_ns.sh
tap_ns "$ns" "$tap" 198.18.8.1/24
ip netns exec "$ns" taskset -c 1 "$b/bench/kbench" server --port 5001 --proto discard \
	>/dev/null 2>&1 &
srv=$!
sleep 0.5

gen() {	# [WRAPPER...] -- [dps-gen options]: one run's JSON line
	local wrap=()
	while [ "$1" != -- ]; do wrap+=("$1"); shift; done
	shift
	ip netns exec "$ns" taskset -c 0 "${wrap[@]}" "$b/apps/dps-gen" --no-huge -m 1024 \
		--no-pci --no-shconf --no-telemetry --file-prefix="dsb$sfx" \
		--log-level=lib.eal:error --log-level=pmd.net.tap:crit -l 0 \
		--vdev="net_tap0,iface=$tap" -- --role client --addr 198.18.8.2/24 \
		--to 198.18.8.1:5001 --mode bulk --duration "${dur}s" --quiet --json "$@" \
		2>/dev/null | tail -n 1 || true
}
. bench/common.sh	# jget, median

for mode in tso no-tso; do
	opt=(--tso on); [ $mode = no-tso ] && opt=(--tso off)
	for i in $(seq "$runs"); do
		gen -- "${opt[@]}" >"$tmp/$mode.$i.json"
		jget "$tmp/$mode.$i.json" "j['tx_gbps']"
	done >"$tmp/$mode"
	echo "$mode: median $(median <"$tmp/$mode") Gbit/s over $runs runs ($(xargs <"$tmp/$mode"))"
done

# Instructions by object, per packet on the wire (payload / MSS 1434).
for mode in tso no-tso; do
	opt=(--tso on); [ $mode = no-tso ] && opt=(--tso off)
	dur=3 gen valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.$mode" -- \
		"${opt[@]}" >"$tmp/cg.$mode.json"
	pk=$(( $(jget "$tmp/cg.$mode.json" "j['tx_bytes']") / 1434 ))
	callgrind_annotate --threshold=100 "$tmp/cg.$mode" 2>/dev/null | awk -v m=$mode -v pk=$pk '
		/\[/ { gsub(",", "", $1); n = $1 + 0
			if ($0 ~ /libdpstack/) s += n
			else if ($0 ~ /net_tap|gso|cryptodev/) t += n
			else if ($0 ~ /dps-gen/) a += n }
		END { printf "%s: %d packets; instructions per packet: stack %d, tap+gso %d, app %d\n",
			m, pk, s / pk, t / pk, a / pk }'
done
