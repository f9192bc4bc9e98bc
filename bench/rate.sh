#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Does --rate land on its target? dps-gen against dps-httpd (or dps-lat's
# UDP echo) over a memif pair, one lcore each (CPU 0 server, CPU 1
# client), each client mode at a few rates: cps, conc, rr, udp and cps
# --open-loop. Prints, per run, the target, what was achieved (requests/s
# completed; launches/s for the open loop, which is what it offers) and
# achieved/target; "ok" when within 2 %.
# Usage (root not needed): ./bench/rate.sh [seconds per run, default 5]
#   RATES (default "500 2000 10000") the targets; BUILD (default build).
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-5}
rates=${RATES:-500 2000 10000}
b=${BUILD:-build}
out=$(mktemp -d /tmp/dps-rate.XXXXXX)
sock=$out/memif.sock
eal=(--no-huge -m 512 --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error)
srv=
cleanup() {
	[ -n "$srv" ] && kill -INT "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	rm -rf "$out"
}
trap cleanup EXIT
. bench/common.sh	# jget

# srv_start PROG READY ARGS...: the server on CPU 0, memif server side,
# until its log shows READY (a memif client that connects before the
# server listens is refused and does not retry).
srv_start() {
	local prog=$1 ready=$2; shift 2
	rm -f "$sock"
	"$b/apps/$prog" "${eal[@]}" -l 0 --file-prefix=dpsrs$$ \
		--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" -- \
		--addr 198.18.0.1/24 "$@" >"$out/srv.log" 2>&1 &
	srv=$!
	for _ in $(seq 300); do grep -q "$ready" "$out/srv.log" && return 0; sleep 0.1; done
	cat "$out/srv.log" >&2; echo "rate: $prog did not start" >&2; exit 1
}
srv_stop() {
	kill -INT "$srv" 2>/dev/null || true
	wait "$srv" 2>/dev/null || true
	srv=
}
# run NAME RATE ARGS...: dps-gen on CPU 1 at RATE, one result line.
run() {
	local name=$1 rate=$2; shift 2
	local j=$out/$name-$rate.json
	"$b/apps/dps-gen" "${eal[@]}" -l 1 --file-prefix=dpsrc$$ \
		--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- \
		--role client --addr 198.18.0.2/24 --json --quiet --duration "${dur}s" \
		--rate "$rate" "$@" >"$j" 2>"$out/gen.err" || true
	if ! jget "$j" "j['seconds']" >/dev/null 2>&1; then
		echo "$name rate=$rate: no summary"; cat "$out/gen.err"; return
	fi
	local got
	if [ "$name" = open-loop ]; then
		got=$(jget "$j" "(j['conn_attempted'] + j['conn_skipped']) / j['seconds']")
	else
		got=$(jget "$j" "j['req_done'] / j['seconds']")
	fi
	# The histogram timed from intended send times: cps schedules
	# connections, the other modes requests.
	local h=request_time
	case $name in cps|open-loop) h=connect_time ;; esac
	awk -v n="$name" -v t="$rate" -v g="$got" -v e="$(jget "$j" "j['errors']")" \
		-v p="$(jget "$j" "j['$h']['p50_ns'] / 1e3")" 'BEGIN {
		r = g / t; printf "%-9s target %6d/s achieved %9.1f/s ratio %.4f %s errors %s p50 from intended %.1fus\n",
			n, t, g, r, (r >= 0.98 && r <= 1.02) ? "ok" : "OFF", e, p }'
}

echo "rate: dps-gen --rate over memif, ${dur} s per run, $(date -u +%Y-%m-%dT%H:%MZ)"
# A server per run: the memif PMD of DPDK 22.11 may crash a server
# polling its queue while the client side goes away.
http() { srv_start dps-httpd '^dps-httpd: serving' --port 80 --quiet; run "$@"; srv_stop; }
for r in $rates; do
	http cps "$r" --to 198.18.0.1:80 --mode cps --proto http
	http conc "$r" --to 198.18.0.1:80 --mode conc --proto http --conc 16
	http rr "$r" --to 198.18.0.1:80 --mode rr --proto http
	http open-loop "$r" --to 198.18.0.1:80 --mode cps --proto http --open-loop
done
for r in $rates; do
	srv_start dps-lat '^t=1s' --echo --udp --port 7
	run udp "$r" --to 198.18.0.1:7 --mode rr --proto udp
	srv_stop
done
