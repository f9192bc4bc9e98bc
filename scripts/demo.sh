#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Build dpstack and run the main job on virtual devices (no NIC, no
# hugepages):
#   1. two dpstack instances joined by the in-process test wire resolve
#      each other by ARP and ping each other from application threads;
#   2. one dpstack on net_af_packet and the Linux kernel in network
#      namespaces resolve and ping each other both ways;
#   3. four application threads connect through dpstack to a kernel
#      listener: 2,000 blocking and 2,000 non-blocking connects, 1,000
#      refused, nothing leaked.
# Usage (root, Debian 12): ./scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/deps.sh
[ -f build/build.ninja ] || meson setup build >/dev/null
ninja -C build

echo "== two dpstack instances on the test wire"
./build/apps/dps-ping --no-huge -m 256 --no-pci --no-shconf --no-telemetry \
	--file-prefix="dpsdemo$$" --log-level=lib.eal:error -l 0 -- \
	--wire --count 5
echo
echo "== dpstack and the Linux kernel over a veth pair"
./test/interop/kernel_ping.sh ./build/apps/dps-ping af_packet -v
echo
echo "== application threads connecting through dpstack to a kernel listener"
./test/interop/kernel_connect.sh ./build/apps/dps-connect 2000
