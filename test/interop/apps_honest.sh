#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Honest results and first contact (issue 16), on the built apps over
# memif pairs (no namespace, no hugepages):
#   - every app answers -h, --help and --version with status 0 and
#     without starting the EAL;
#   - an app option among the EAL's arguments (a forgotten "--") is
#     named, status 2; an off-subnet --to without --gw is refused, 2;
#   - a link that never comes up ends dps-gen and dps-lat with status 1
#     after --link-timeout, the stack saying what it waited for;
#   - a client run that moved nothing (an address nobody answers) exits
#     1 with the reason, dps-gen and dps-lat alike;
#   - bulk into an HTTP server fails (the server's answers count as
#     errors, or the resets its close draws from the data still coming,
#     which discard the answer), bulk into a discard server does not;
#   - with --rate, the summary says latency is from intended send times.
# Usage: apps_honest.sh DPS_GEN DPS_LAT DPS_HTTPD DPS_PING DPS_CONNECT
set -uo pipefail
gen=$1 lat=$2 httpd=$3 ping=$4 conn=$5
dir=$(mktemp -d /tmp/dps-honest.XXXXXX)
srv=
cleanup() {
	[ -n "$srv" ] && kill -INT "$srv" 2>/dev/null && wait "$srv" 2>/dev/null
	rm -rf "$dir"
}
[ -n "${HONEST_KEEP:-}" ] && cleanup() { echo "kept $dir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*"; for f in "$dir"/*.out "$dir"/*.err; do [ -f "$f" ] && { echo "== $f"; tail -20 "$f"; }; done; exit 1; }
eal=(--no-huge -m 512 --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error)
n=0
# run NAME WANT_RC PROG ARGS...: run, keep stdout/stderr, check the status.
run() {
	local name=$1 want=$2; shift 2
	"$@" >"$dir/$name.out" 2>"$dir/$name.err"
	local rc=$?
	[ "$rc" = "$want" ] || fail "$name: exit status $rc, want $want"
	n=$((n + 1))
}
has() { grep -q -- "$2" "$dir/$1.out" "$dir/$1.err" || fail "$1: no '$2' in its output"; }

# 1. -h, --help, --version: status 0, and no EAL line (the EAL never ran).
for p in "$gen" "$lat" "$httpd" "$ping" "$conn"; do
	b=$(basename "$p")
	run "$b-h" 0 "$p" -h
	run "$b-help" 0 "$p" --no-huge -- --help
	run "$b-version" 0 "$p" --version
	has "$b-h" "^usage: $b"
	has "$b-help" "^usage: $b"
	has "$b-version" "^$b (dpstack "
	for k in h help version; do
		! grep -q "^EAL:" "$dir/$b-$k.out" "$dir/$b-$k.err" || fail "$b-$k started the EAL"
	done
done

# 2. Refused before start.
run sep 2 "$gen" "${eal[@]}" -l 1 --to 198.18.0.1:80 --mode rr
has sep "'--to' is an option of dps-gen, not of the EAL: put '--'"
run sep-httpd 2 "$httpd" "${eal[@]}" --port=8080
has sep-httpd "'--port=8080' is an option of dps-httpd"
run offnet 2 "$gen" "${eal[@]}" -l 1 -- --to 10.0.0.1:80
has offnet "target 10.0.0.1 is not in the local subnet 198.18.0.0/24 and no --gw was given"
run offnet-lat 2 "$lat" "${eal[@]}" -l 1 -- --to 10.0.0.1:7
has offnet-lat "target 10.0.0.1 is not in the local subnet"

# 2b. No hugepages reserved and no --no-huge: said so (only where none are).
if [ "$(cat /sys/kernel/mm/hugepages/hugepages-*/nr_hugepages 2>/dev/null | awk "{s += \$1} END {print s + 0}")" = 0 ]; then
	run nohuge 1 "$gen" --no-pci --no-shconf --no-telemetry -l 1 --file-prefix="dpsh-h$$" -- \
		--to 198.18.0.1:80
	has nohuge "no hugepages reserved: reserve some (dpdk-hugepages.py --setup 1G) or run with --no-huge -m 512"
fi

# 3. A link that never comes up: a memif server nobody connects to.
for p in "$gen" "$lat"; do
	b=$(basename "$p")
	run "$b-link" 1 "$p" "${eal[@]}" -l 1 --file-prefix="dpsh-l$$" \
		--vdev="net_memif0,role=server,socket=$dir/nobody.sock,socket-abstract=no" -- \
		--to 198.18.0.1:80 --link-timeout 300ms
	has "$b-link" "waiting for the link on port 0 (net_memif0)"
	has "$b-link" "$b: the link on port 0 (net_memif0) did not come up within 300 ms (--link-timeout)"
done

# srv_start ARGS...: dps-httpd, memif server side, until it serves.
srv_start() {
	rm -f "$dir/m.sock"
	"$httpd" "${eal[@]}" -l 0 --file-prefix="dpsh-s$$" \
		--vdev="net_memif0,role=server,socket=$dir/m.sock,socket-abstract=no" -- \
		--addr 198.18.0.1/24 --quiet "$@" >"$dir/srv.log" 2>&1 &
	srv=$!
	for _ in $(seq 300); do grep -q '^dps-httpd: serving' "$dir/srv.log" && return; sleep 0.1; done
	fail "dps-httpd did not start"
}
srv_stop() { kill -INT "$srv" 2>/dev/null; wait "$srv" 2>/dev/null; srv=; }
client() {	# client NAME WANT_RC PROG ARGS...
	local name=$1 want=$2 p=$3; shift 3
	run "$name" "$want" "$p" "${eal[@]}" -l 1 --file-prefix="dpsh-c$$" \
		--vdev="net_memif0,role=client,socket=$dir/m.sock,socket-abstract=no" -- \
		--addr 198.18.0.2/24 --quiet "$@"
}

# Each client run gets a server of its own: the memif PMD of DPDK 22.11
# may crash a server polling its queue while the client side goes away
# (rx burst on the regions being unmapped), which a later run would take
# for a failure of its own.
# 4. Nothing moved: 198.18.0.9 does not answer ARP.
srv_start --port 80
client idle 1 "$gen" --to 198.18.0.9:80 --duration 1s --timeout 300ms
has idle "dps-gen: nothing moved: no connection was established"
srv_stop
srv_start --port 80
client idle-lat 1 "$lat" --to 198.18.0.9:7 --duration 1s --timeout 300ms
has idle-lat "dps-lat: nothing moved: no connection was established"
srv_stop
# 5. Bulk into the HTTP server: its answers are errors.
srv_start --port 80
client bulk-http 1 "$gen" --to 198.18.0.1:80 --mode bulk --duration 1s
has bulk-http "error \(unexpected\|reset\): "
srv_stop
# 6. --rate: latency from intended send times, said in the summary.
srv_start --port 80
client paced 0 "$gen" --to 198.18.0.1:80 --mode rr --proto http --rate 200 --duration 1s
has paced "^request time (from intended send, --rate): n "
srv_stop
srv_start --port 5001 --proto discard
client bulk-discard 0 "$gen" --to 198.18.0.1:5001 --mode bulk --duration 1s
! grep -q "error unexpected" "$dir/bulk-discard.out" || fail "bulk into discard counted errors"
srv_stop
echo "PASS: $n runs"
