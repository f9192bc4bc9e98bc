#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Build dpstack and run the main job on virtual devices (no NIC, no
# hugepages): a self-contained HTTP load test. dps-httpd and dps-gen run
# as two processes, one stack lcore each (CPU 0 and CPU 1), joined by a
# memif pair; dps-gen opens a new connection for every request for 10 s,
# prints a line of statistics every second and a summary with latency
# histograms, and both check that every socket and mbuf came back
# (scripts/loadtest.sh). The run is also kept as NDJSON and drawn
# (scripts/plot.sh): the last lines name the files.
# With --all, the earlier demos follow: two stacks pinging over the
# in-process test wire, dpstack and the kernel pinging each other over a
# veth pair, and application threads connecting to a kernel listener.
# Usage (root, Debian 12): ./scripts/demo.sh [--all]
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build

echo "== HTTP load test: dps-gen -> dps-httpd over memif, 10 s of connections per second"
DPS_RUN_JSON=build/demo-run.json ./scripts/loadtest.sh build --mode cps --proto http --duration 10s
./scripts/plot.sh build/demo-run.json build/demo-run.svg >/dev/null
# The files, said last.
files() {
	echo "== the run as NDJSON: $PWD/build/demo-run.json"
	echo "== its plot (rates per second, latency by percentile): $PWD/build/demo-run.svg"
}
[ "${1:-}" = --all ] || { files; exit 0; }

echo
echo "== two dpstack instances on the test wire"
./build/apps/dps-ping --no-huge -m 256 --no-pci \
	--file-prefix="dpsdemo$$" --log-level=lib.eal:error --log-level=lib.telemetry:error -l 0 -- \
	--wire --count 5
rm -rf "/var/run/dpdk/dpsdemo$$" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/dpsdemo$$"
echo
echo "== dpstack and the Linux kernel over a veth pair"
./test/interop/kernel_ping.sh ./build/apps/dps-ping af_packet -v
echo
echo "== application threads connecting through dpstack to a kernel listener"
./test/interop/kernel_connect.sh ./build/apps/dps-connect 2000
echo
files
