#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Instructions per HTTP connection and per request on a persistent
# connection, client side and server side apart: bench/http_conn runs the
# apps' engines (dps-gen's client, dps-httpd's server) on two stacks in
# one process over the test wire on a virtual clock, and callgrind counts
# client_side() and server_side() separately (--toggle-collect). Each
# figure is the difference between two run lengths over the difference in
# work, so set-up cost cancels out. Deterministic. Each figure comes twice:
# checksums of received frames verified (trust=0, the default of a port)
# and taken as good (trust=1, dps_port_conf.trust_rx_csum, as for memif).
# Usage: ./bench/callgrind_http.sh [build dir]
set -euo pipefail
cd "$(dirname "$0")/.."
b=${1:-build}
out=$(mktemp /tmp/dps-cg.XXXXXX)
log=$(mktemp /tmp/dps-cg-log.XXXXXX)
trap 'rm -f "$out" "$log"' EXIT
eal=(--no-huge -m 512 --no-pci --no-shconf --no-telemetry -l 0 --log-level=lib.eal:error)
# Valgrind knows no AVX-512: a build with -Dnative=true on such a CPU
# dies of SIGILL under it. Measure the default (DPDK baseline) build.
ir() {	# SIDE MODE COUNT -> instructions inside SIDE_side()
	if ! valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
			--toggle-collect="$1_side" "$b/bench/http_conn" "${eal[@]}" \
			--file-prefix=dpscg$$ -- "$2" "$3" >"$log" 2>&1; then
		echo "callgrind_http.sh: $b/bench/http_conn failed under valgrind:" >&2
		grep -m 2 -E 'unhandled instruction|signal [0-9]+ \(SIG' "$log" >&2 || tail -n 5 "$log" >&2
		return 1
	fi
	awk '/^summary:/ {print $2}' "$out"
}
for trust in 0 1; do
	export BENCH_TRUST_CSUM=$trust
	for mode in cps rr; do
		what=connection; [ $mode = rr ] && what=request
		for side in client server; do
			a=$(ir $side $mode 2000)
			z=$(ir $side $mode 6000)
			echo "callgrind trust=$trust side=$side mode=$mode" \
				"instructions_per_$what=$(( (z - a) / 4000 ))"
		done
	done
done
