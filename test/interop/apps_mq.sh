#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The apps on two stack lcores over a two-queue net_tap, the Linux kernel
# on the tap's other end, in a namespace made for this run (memif has no
# RSS, so the bench suite runs one lcore per side). The kernel's tun
# spreads flows over the two queues by its own hash, not by dpstack's
# Toeplitz key, so segments often land on the lcore that does not own
# their connection and are handed over.
#   namespace dpmq-*: the tap dmq* (created first, multi-queue), the
#                     kernel at 198.18.9.1/24, dpstack at 198.18.9.2/24
# Checks, one PASS/FAIL line each:
#   1 dps-httpd -l 0-1 under wrk -t2 -c64 with "Connection: close": no
#     socket error, no non-2xx, >= 64 requests (a count, not a rate: the
#     machine may be busy), both lcores accepted
#     connections, each lcore's SO_REUSEPORT listener took only children
#     of its own lcore (no accept error: app_server closes and counts a
#     child of another lcore), and after SIGINT no leak and exit 0
#   2 dps-gen -l 0-1 --mode cps --proto http against the kernel's epoll
#     HTTP server (bench/kbench) for 3 s: no error, >= 64 connections, a
#     clean leak check, exit 0
#   3 check 1 over IPv6 (the kernel's end gets 2001:db8:9::1/64, dps-httpd
#     2001:db8:9::2/64): an AF_INET6 listener per lcore, in the port's
#     SO_REUSEPORT group, each taking the IPv6 SYNs of its own lcore
# Usage: apps_mq.sh PATH/TO/dps-httpd PATH/TO/dps-gen PATH/TO/kbench
set -euo pipefail

httpd=${1:?usage: apps_mq.sh DPS-HTTPD DPS-GEN KBENCH}
gen=${2:?usage: apps_mq.sh DPS-HTTPD DPS-GEN KBENCH}
kbench=${3:?usage: apps_mq.sh DPS-HTTPD DPS-GEN KBENCH}
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1 || [ "$(nproc)" -lt 2 ]; then
	echo "SKIP: needs root, network namespaces and 2 CPUs"; exit 77
fi
command -v wrk >/dev/null || { echo "FAIL: wrk is not installed (scripts/deps.sh installs it)"; exit 1; }

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
ns=dpmq-$sfx tap=dmq$sfx
K=198.18.9.1 D=198.18.9.2
tmp=$(mktemp -d /tmp/dps-appsmq.XXXXXX)
pids=()
cleanup() {
	trap '' INT TERM
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	if [ -n "${APPSMQ_KEEP:-}" ]; then echo "outputs kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
failed=0
fail() { echo "FAIL $1"; failed=1; shift; for f in "$@"; do echo "---- $(basename "$f")"; tail -n 20 "$f"; done; }

. "$(dirname "$0")/tap_ns.sh"
tap_ns "$ns" "$tap" "$K/24"
ip netns exec "$ns" sysctl -qw net.ipv4.tcp_tw_reuse=1 net.core.somaxconn=4096
eal=(--no-huge -m 1024 --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error
	--log-level=pmd.net.tap:crit -l 0-1 --vdev="net_tap0,iface=$tap")

# httpd_two N ADDR/PREFIX URL-HOST PING: dps-httpd on two lcores under
# wrk, checked as 1 says; N names the check.
httpd_two() {
	local n=$1 addr=$2 host=$3 ping=$4
	local s=$tmp/httpd$n.log w=$tmp/wrk$n.log srv rc reqs acc0 acc1

	ip netns exec "$ns" "$httpd" "${eal[@]}" --file-prefix="dpmqs$n$sfx" -- \
		--addr "$addr" --port 80 --quiet >"$s" 2>&1 &
	srv=$!; pids+=("$srv")
	for _ in $(seq 200); do
		grep -qs '^dps-httpd: serving' "$s" && break
		kill -0 "$srv" 2>/dev/null || break
		sleep 0.05
	done
	for _ in $(seq 50); do
		ip netns exec "$ns" $ping -c 1 -W 1 "${addr%/*}" >/dev/null 2>&1 && break
		sleep 0.1
	done
	ip netns exec "$ns" wrk -t2 -c64 -d3s -H 'Connection: close' "http://$host/" >"$w" 2>&1 || true
	kill -INT "$srv" 2>/dev/null || true
	for _ in $(seq 150); do kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
	rc=0; wait "$srv" || rc=$?
	reqs=$(awk '/requests in/ { print $1 }' "$w")
	acc0=$(sed -n 's/^lcore 0: passive opens \([0-9]*\),.*/\1/p' "$s")
	acc1=$(sed -n 's/^lcore 1: passive opens \([0-9]*\),.*/\1/p' "$s")
	if [ "$rc" != 0 ]; then
		fail "$n dps-httpd exited with $rc" "$s"
	elif grep -qE 'Socket errors|Non-2xx' "$w" || [ -z "$reqs" ] || [ "$reqs" -lt 64 ]; then
		fail "$n wrk: ${reqs:-no} requests or errors" "$w"
	elif [ -z "$acc0" ] || [ -z "$acc1" ] || [ "$acc0" = 0 ] || [ "$acc1" = 0 ]; then
		fail "$n passive opens per lcore: '${acc0:-}' and '${acc1:-}'" "$s"
	elif ! grep -q '^errors: .*, accept 0,' "$s"; then
		fail "$n a child accepted off its lcore: $(grep '^errors' "$s" || echo 'no summary')" "$s"
	elif ! grep -q '^left over: .*: no leak$' "$s"; then
		fail "$n $(grep '^left over' "$s" || echo 'no summary')" "$s"
	else
		echo "PASS $n dps-httpd on 2 lcores at $host: $reqs requests, one connection each; lcores accepted $acc0 and $acc1, each its own; no leak"
	fi
}

# ---- 1: dps-httpd on two lcores ----
httpd_two 1 "$D/24" "$D" ping

# ---- 2: dps-gen on two lcores ----
g=$tmp/gen.json
ip netns exec "$ns" taskset -c 1 "$kbench" server --port 8080 --proto http --resp-size 64 \
	>"$tmp/kbench.log" 2>&1 &
pids+=("$!")
sleep 0.3
rc=0
ip netns exec "$ns" "$gen" "${eal[@]}" --file-prefix="dpmqg$sfx" -- --role client \
	--addr "$D/24" --to "$K:8080" --mode cps --proto http --conc 32 --duration 3s \
	--quiet --json >"$g" 2>"$g.err" || rc=$?
val() { python3 -c "import json,sys; print(json.loads(open(sys.argv[1]).readlines()[-1])$1)" "$g" 2>/dev/null; }
est=$(val "['conn_established']") errs=$(val "['errors']") leak=$(val "['leak_check']")
if [ "$rc" != 0 ]; then
	fail "2 dps-gen exited with $rc" "$g"
elif [ "$errs" != 0 ] || [ -z "$est" ] || [ "$est" -lt 64 ]; then
	fail "2 dps-gen: ${est:-no} connections, ${errs:-?} errors" "$g"
elif [ "$leak" != clean ]; then
	fail "2 dps-gen leak check: $leak" "$g"
else
	echo "PASS 2 dps-gen on 2 lcores: $est HTTP connections, no error, clean leak check"
fi
# ---- 3: dps-httpd on two lcores over IPv6 ----
ip netns exec "$ns" sh -c "echo 0 > /proc/sys/net/ipv6/conf/$tap/accept_ra; \
	echo 0 > /proc/sys/net/ipv6/conf/$tap/disable_ipv6"
ip -n "$ns" addr add 2001:db8:9::1/64 dev "$tap" nodad
httpd_two 3 2001:db8:9::2/64 "[2001:db8:9::2]" "ping -6"
exit $failed
