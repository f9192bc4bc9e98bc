#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# A SYN flood from the kernel's side at dps-httpd, over a veth pair, while
# curl keeps fetching pages.
#   namespace dpsfd-*: dps-httpd on net_af_packet, 198.18.9.2/24
#   namespace dpsfk-*: the kernel, 198.18.9.1/24: curl, and synflood.py
#     sending SYNs from spoofed 198.18.9.64-127 for FLOOD_S (10) seconds
# Checks, one PASS/FAIL line each:
#   1 every curl started during the flood got its 200 (at least 3 of them;
#     curl's own SYN retransmission is allowed: --max-time 20)
#   2 the counters show SYN cookies engaging: cookies sent, and connections
#     made from cookies (curl's, while the SYN queue is full of the flood)
#   3 once the flood stops, a curl gets its page
#   4 dps-httpd, stopped with SIGINT, waits for the flood's half-open
#     connections to time out on their own, reports no leak and exits 0
# Nothing is timed against the wall clock but curl's --max-time and the
# bound on dps-httpd's exit, both far above what the protocol needs.
# Names are unique per run; a trap removes everything on every exit path.
# Usage: synflood_httpd.sh PATH/TO/dps-httpd. FLOOD_KEEP=1 keeps the work
# directory.
set -euo pipefail

bin=${1:?usage: synflood_httpd.sh PATH/TO/dps-httpd}
flood_s=${FLOOD_S:-10}
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi
for t in curl ethtool; do
	command -v "$t" >/dev/null ||
		{ echo "FAIL: $t is not installed (scripts/deps.sh installs it)"; exit 1; }
done
py=$(command -v /usr/bin/python3 || command -v python3)
here=$(cd "$(dirname "$0")" && pwd)

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=dpsfk-$sfx nsd=dpsfd-$sfx vk=fk$sfx vd=fd$sfx
K=198.18.9.1 D=198.18.9.2
tmp=$(mktemp -d /tmp/dps-synflood.XXXXXX)
srv= fl=

cleanup() {
	trap '' INT TERM
	[ -n "$fl" ] && kill -9 "$fl" 2>/dev/null || true
	[ -n "$srv" ] && kill -9 "$srv" 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$nsk" 2>/dev/null || true
	ip netns del "$nsd" 2>/dev/null || true
	if [ -n "${FLOOD_KEEP:-}" ]; then echo "outputs kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$here/veth_pair.sh"
veth_pair "$nsk" "$nsd" "$vk" "$vd" "$K/24" noipv6
kx() { ip netns exec "$nsk" "$@"; }

failed=0
pass() { echo "PASS $*"; }
fail() {
	echo "FAIL $*"
	failed=1
}

ip netns exec "$nsd" "$bin" --no-huge -m 512 --no-pci --no-shconf --no-telemetry \
	--log-level=lib.eal:error -l 0 --vdev="net_af_packet0,iface=$vd" \
	--file-prefix="dpsfd$sfx" -- --addr "$D/24" >"$tmp/srv.log" 2>&1 &
srv=$!
for _ in $(seq 200); do
	grep -q '^dps-httpd: serving' "$tmp/srv.log" && break
	kill -0 "$srv" 2>/dev/null || break
	sleep 0.05
done
grep -q '^dps-httpd: serving' "$tmp/srv.log" ||
	{ cat "$tmp/srv.log"; echo "FAIL dps-httpd did not start"; exit 1; }
# A first page: ARP resolved both ways before the flood.
kx curl -s -o /dev/null --max-time 20 "http://$D/" ||
	{ cat "$tmp/srv.log"; echo "FAIL no page before the flood"; exit 1; }

mac=$(ip -n "$nsd" link show "$vd" | awk '/link\/ether/ {print $2}')
kx "$py" "$here/synflood.py" "$vk" "$D" "$mac" 80 "$flood_s" 198.18.9 \
	>"$tmp/flood.log" 2>&1 &
fl=$!

# curl in a loop while the flood runs; each one's status in curl.log.
ok=0 bad=0
while kill -0 "$fl" 2>/dev/null; do
	code=$(kx curl -s -o /dev/null -w '%{http_code}' --max-time 20 "http://$D/" || true)
	echo "$code" >>"$tmp/curl.log"
	if [ "$code" = 200 ]; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
done
wait "$fl" || { cat "$tmp/flood.log"; fail "the flood script failed"; }
fl=
echo "flood: $(cat "$tmp/flood.log"), curl during it: $ok ok, $bad failed"
if [ "$bad" = 0 ] && [ "$ok" -ge 3 ]; then
	pass "1 curl got every page during the flood ($ok)"
else
	fail "1 curl during the flood: $ok ok, $bad failed (codes: $(sort "$tmp/curl.log" | uniq -c | xargs))"
fi

if kx curl -s -o /dev/null --max-time 20 "http://$D/"; then
	pass "3 a page after the flood"
else
	fail "3 no page after the flood"
fi

# SIGINT: the summary with the counters; the half-open connections go at
# their SYN-ACK timers (40 s at most) before the leak check.
kill -INT "$srv"
for _ in $(seq 900); do kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
rc=0
if kill -0 "$srv" 2>/dev/null; then
	kill -9 "$srv"; rc=124
fi
wait "$srv" || rc=$?
srv=
cookies=$(grep -oE 'SYN cookies sent [0-9]+' "$tmp/srv.log" | grep -oE '[0-9]+$' || echo 0)
made=$(grep -oE 'connections from cookies [0-9]+' "$tmp/srv.log" | grep -oE '[0-9]+$' || echo 0)
if [ "$cookies" -gt 0 ] && [ "$made" -gt 0 ]; then
	pass "2 SYN cookies engaged: $cookies sent, $made connections from cookies"
else
	fail "2 SYN cookies: $cookies sent, $made connections from cookies"
fi
if [ "$rc" = 0 ] && grep -q '^left over: .*: no leak$' "$tmp/srv.log"; then
	pass "4 dps-httpd exited 0, no leak"
else
	fail "4 dps-httpd exit $rc: $(grep '^left over' "$tmp/srv.log" || echo 'no summary')"
fi
if [ "$failed" != 0 ]; then
	echo "---- dps-httpd"; tail -n 25 "$tmp/srv.log"
fi
exit "$failed"
