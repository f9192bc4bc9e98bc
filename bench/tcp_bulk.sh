#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Instructions per bulk TCP segment (sender and receiver together, with
# the ACKs the receiver sends back), counted by callgrind over the stack's
# entry points only (the poll loop and the send/receive calls; the test
# wire's pump is left out), as the difference between two transfer sizes
# so set-up cost cancels out. Zero-copy and copying calls both.
# Usage: ./bench/tcp_bulk.sh [build dir]
set -euo pipefail
cd "$(dirname "$0")/.."
b=${1:-build}
eal=(--no-huge -m 512 --no-pci --no-shconf --no-telemetry -l 0 --log-level=lib.eal:error)
collect=(--toggle-collect=dps_stack_poll --toggle-collect=dps_send_mbuf
	--toggle-collect=dps_recv_mbuf --toggle-collect=dps_send --toggle-collect=dps_recv)
run() {	# MIB MODE -> "instructions segments"
	local out=/tmp/tcp_bulk.$$.cg
	local seg
	seg=$(valgrind --tool=callgrind --callgrind-out-file=$out "${collect[@]}" \
		"$b/bench/tcp_bulk" "${eal[@]}" --file-prefix=tbk$$ -- "$1" $2 2>/dev/null |
		awk '{print $4}')
	echo "$(awk '/^summary:/ {print $2}' $out) $seg"
	[ "${3:-}" = keep ] && cp $out "/tmp/tcp_bulk.$2.cg"
	rm -f $out
}
for mode in zerocopy copy; do
	m=$mode; [ $mode = zerocopy ] && m=""
	read -r i1 s1 < <(run 8 "$m")
	read -r i2 s2 < <(run 24 "$m" keep)
	echo "$mode: $(( (i2 - i1) / (s2 - s1) )) instructions per segment" \
		"($(( s2 - s1 )) segments, sender + receiver + ACKs)"
done
