#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The main job: a self-contained HTTP load test with no NIC and no
# hugepages. dps-httpd (stack lcore on CPU 0) and dps-gen (CPU 1) run as
# two processes joined by a memif pair; dps-gen opens a new connection
# for every request for DURATION seconds, prints a line of statistics
# every second and a summary with latency histograms at the end.
# Usage: ./scripts/loadtest.sh [build dir] [dps-gen options...]
#   (default: --mode cps --proto http --duration 10s)
# With DPS_RUN_JSON=FILE, dps-gen also writes the run as NDJSON (--json)
# to FILE, for scripts/plot.sh; its text still shows on stderr.
# Run ./scripts/demo.sh for the same with the build and packages set up.
set -euo pipefail
cd "$(dirname "$0")/.."
b=build
if [ $# -gt 0 ] && [ -d "$1" ]; then b=$1; shift; fi
[ $# -gt 0 ] || set -- --mode cps --proto http --duration 10s
sock=/tmp/dps-loadtest.$$.sock
# Telemetry and multi-process stay on: each app's --file-prefix names
# its runtime directory and telemetry socket (docs/apps.md, Observing).
eal=(--no-huge -m 1024 --no-pci --log-level=lib.eal:error --log-level=lib.telemetry:error)
srv=
cleanup() {
	[ -n "$srv" ] && kill -INT "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	rm -f "$sock"
	for p in "dpsld-s$$" "dpsld-c$$"; do
		rm -rf "/var/run/dpdk/$p" "${XDG_RUNTIME_DIR:-/nonexistent}/dpdk/$p"
	done
}
trap cleanup EXIT

"$b/apps/dps-httpd" "${eal[@]}" --file-prefix="dpsld-s$$" -l 0 \
	--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" -- \
	--addr 198.18.0.1/24 --port 80 --resp-size 64 --quiet >/tmp/dps-loadtest-httpd.$$ 2>&1 &
srv=$!
# Wait until it serves: a memif client that connects before the server
# listens on the socket is refused and does not retry.
for _ in $(seq 100); do grep -q '^dps-httpd: serving' /tmp/dps-loadtest-httpd.$$ && break; sleep 0.1; done
grep -q '^dps-httpd: serving' /tmp/dps-loadtest-httpd.$$ ||
	{ cat /tmp/dps-loadtest-httpd.$$; echo "loadtest: dps-httpd did not start" >&2; exit 1; }
echo "loadtest: telemetry while it runs: dpdk-telemetry.py -f dpsld-s$$ (dps-httpd)," \
	"-f dpsld-c$$ (dps-gen)"
rc=0
json=()
[ -n "${DPS_RUN_JSON:-}" ] && json=(--json)
"$b/apps/dps-gen" "${eal[@]}" --file-prefix="dpsld-c$$" -l 1 \
	--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- \
	--role client --addr 198.18.0.2/24 --to 198.18.0.1:80 "$@" "${json[@]}" \
	>"${DPS_RUN_JSON:-/dev/stdout}" || rc=$?
kill -INT "$srv"
wait "$srv" || rc=1
srv=
echo "== dps-httpd"
cat /tmp/dps-loadtest-httpd.$$
rm -f /tmp/dps-loadtest-httpd.$$
exit $rc
