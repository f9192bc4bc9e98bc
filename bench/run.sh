#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Measurements recorded in docs/performance.md, all in one session:
#  1. callgrind instructions per frame of the receive decision
#     (dps_rx_classify), as the difference between two run lengths so
#     start-up cost cancels out;
#  2. ICMP echo round trip through the full application-thread path
#     (thread -> request ring -> lcore -> test wire -> peer stack -> back ->
#     completion ring -> eventfd), median of N, next to the kernel's ping of
#     127.0.0.1 measured the same way in the same session.
# Usage (root): ./bench/run.sh [N pings, default 500]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-500}

./scripts/deps.sh
command -v valgrind >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind >/dev/null
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build >/dev/null

echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernel $(uname -r)"

ir() {	# total instructions of one run
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 >/dev/null |
		awk '/Collected/ {print $NF}'
}
echo "== instructions per frame, dps_rx_classify (callgrind)"
for kind in icmp udp1400 tcp; do
	a=$(ir ./build/bench/rx_classify "$kind" 100000)
	b=$(ir ./build/bench/rx_classify "$kind" 200000)
	echo "$kind: $(( (b - a) / 100000 )) instructions/frame"
done

. bench/common.sh	# median

echo "== echo round trip, median of $n"
./build/apps/dps-ping --no-huge -m 256 --no-pci --no-shconf --no-telemetry \
	--file-prefix="dpsbench$$" --log-level=lib.eal:error -l 0 -- \
	--wire --count "$n" --interval 1ms >/tmp/dps-bench.$$ 2>&1
d=$(grep '^\[a\] reply' /tmp/dps-bench.$$ | sed 's/.*time=\([0-9.]*\) us/\1/' | median)
k=$(ping -c "$n" -i 0.002 127.0.0.1 | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' |
	awk '{printf "%.1f\n", $1 * 1000}' | median)
rm -f /tmp/dps-bench.$$
echo "dpstack (app thread -> lcore -> test wire -> peer stack and back): ${d} us"
echo "Linux ping 127.0.0.1 (loopback): ${k} us"
