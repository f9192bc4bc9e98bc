#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Instructions per get+put pair of lib/util/dps_pool against rte_mempool
# (bench/pool_cost.c), counted by callgrind inside run_pairs() at two
# counts; the difference over the difference in pairs. Deterministic.
# Usage: ./bench/pool_cost.sh [build dir]
set -euo pipefail
cd "$(dirname "$0")/.."
b=${1:-build}
out=$(mktemp /tmp/dps-pc.XXXXXX)
trap 'rm -f "$out"' EXIT
eal=(--no-huge -m 64 --no-pci --no-shconf --no-telemetry -l 0 --log-level=lib.eal:error)
ir() {	# MODE COUNT -> instructions inside run_pairs()
	valgrind --tool=callgrind --callgrind-out-file="$out" --collect-atstart=no \
		--toggle-collect=run_pairs "$b/bench/pool_cost" "${eal[@]}" \
		--file-prefix=dpspc$$ -- "$1" "$2" >/dev/null 2>&1
	awk '/^summary:/ {print $2}' "$out"
}
for mode in dps lf_stack stack cache; do
	a=$(ir $mode 10000)
	z=$(ir $mode 50000)
	echo "pool=$mode instructions_per_get_put=$(( (z - a) / 40000 ))"
done
