#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dps-connect over IPv6 (issue 17 item 6): application threads connect
# through dpstack's AF_INET6 sockets to a Linux listener.
#   namespace dp6cd-*: dps-connect on net_af_packet, 2001:db8:8::2/64 (and
#                      198.18.8.2/24 for the dual-stack run)
#   namespace dp6ck-*: the kernel, 2001:db8:8::1/64 and 198.18.8.1/24, a
#                      Python listener on [::]:8080 (dual stack) that
#                      accepts and counts
# One PASS/FAIL line each:
#   1 COUNT sequential (blocking) connects over IPv6 from 4 threads
#   2 COUNT concurrent (non-blocking, epoll) ones over IPv6
#   3 1,000 connects to a closed IPv6 port, each refused (ECONNREFUSED)
#   4 a dual-stack port: COUNT/10 IPv4 connects, then as many IPv6 ones
#   5 the listener accepted exactly the connections made
#   6 refused before start (exit 2, one line): an IPv6 --to with only an
#     IPv4 --addr; an IPv6 --to off the subnet with no IPv6 --gw
# dps-connect itself exits 1 unless every connect had the expected result
# and no socket, connection-table entry, port or mbuf is left.
# Only 2001:db8::/32 and 198.18.0.0/15; transmit checksum offload off on
# the kernel's veth; names unique per run; a trap removes everything.
# Usage: connect6.sh PATH/TO/dps-connect [COUNT]
set -uo pipefail

bin=${1:?usage: connect6.sh PATH/TO/dps-connect [COUNT]}
count=${2:-2000}
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi
command -v ethtool >/dev/null ||
	{ echo "FAIL: ethtool is not installed (scripts/deps.sh installs it)"; exit 1; }

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=dp6ck-$sfx nsd=dp6cd-$sfx vk=c6k$sfx vd=c6d$sfx
tmp=$(mktemp -d /tmp/dps-connect6.XXXXXX)
srv_pid=

cleanup() {
	trap '' INT TERM
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null && wait "$srv_pid" 2>/dev/null
	ip netns del "$nsk" 2>/dev/null
	ip netns del "$nsd" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

failed=0
pass() { echo "PASS $*"; }
fail() {
	local what=$1; shift
	echo "FAIL $what"
	for f in "$@"; do [ -s "$f" ] && { echo "---- $f"; tail -n 25 "$f"; }; done
	failed=1
}

. "$(dirname "$0")/veth_pair.sh"
veth_pair "$nsk" "$nsd" "$vk" "$vd" 198.18.8.1/24
# The kernel answers at once (no DAD of its own); the device side's
# kernel keeps no IPv6 on the veth, so only dpstack answers for its
# addresses there.
ip netns exec "$nsk" sysctl -qw "net.ipv6.conf.$vk.accept_dad=0"
ip netns exec "$nsd" sysctl -qw "net.ipv6.conf.$vd.disable_ipv6=1"
ip -n "$nsk" addr add 2001:db8:8::1/64 dev "$vk"
ip netns exec "$nsk" sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535

py=$(command -v /usr/bin/python3 || command -v python3)
cat >"$tmp/server.py" <<'PY'
import signal, socket, sys
count = {socket.AF_INET: 0, socket.AF_INET6: 0}
def done(*_):
    open(sys.argv[1], "w").write(f"{count[socket.AF_INET]} {count[socket.AF_INET6]}\n")
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
s = socket.socket(socket.AF_INET6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("::", 8080))
s.listen(65535)
open(sys.argv[1] + ".up", "w").close()
while True:
    c, a = s.accept()
    # An IPv4 peer of the dual-stack listener is named ::ffff:a.b.c.d.
    count[socket.AF_INET if a[0].startswith("::ffff:") else socket.AF_INET6] += 1
    c.close()
PY
ip netns exec "$nsk" "$py" "$tmp/server.py" "$tmp/accepted" &
srv_pid=$!
for _ in $(seq 100); do [ -f "$tmp/accepted.up" ] && break; sleep 0.05; done
[ -f "$tmp/accepted.up" ] || { fail "the listener did not start"; exit 1; }

# run NAME ARGS...: dps-connect in the device's namespace; its status.
run() {
	local name=$1; shift
	timeout 300 ip netns exec "$nsd" "$bin" --no-huge -m 512 --no-pci --no-shconf \
		--no-telemetry --file-prefix="dp6c$sfx" --log-level=lib.eal:error \
		-l 0 --vdev="net_af_packet0,iface=$vd" -- "$@" >"$tmp/$name.log" 2>&1
}
# expect_ok NAME N: N connects as expected, no socket or mbuf left (the
# connections dps-connect closed first may still be in TIME_WAIT, which
# its own leak check, behind its exit status, allows).
expect_ok() {
	grep -q "^connects: $2 as expected, 0 not$" "$tmp/$1.log" &&
		grep -qE '^left over: 0 sockets, .* 0 mbufs' "$tmp/$1.log"
}

to6='[2001:db8:8::1]:8080'
made4=0 made6=0
if run seq --addr 2001:db8:8::2/64 --to "$to6" --threads 4 --count "$count" \
		--mode seq && expect_ok seq "$count"; then
	pass "1 $count sequential connects over IPv6 from 4 threads, nothing leaked"
	made6=$((made6 + count))
else
	fail "1 sequential connects over IPv6" "$tmp/seq.log"
fi
if run conc --addr 2001:db8:8::2/64 --to "$to6" --threads 4 --count "$count" \
		--mode concurrent --window 64 && expect_ok conc "$count"; then
	pass "2 $count concurrent connects over IPv6 (epoll), nothing leaked"
	made6=$((made6 + count))
else
	fail "2 concurrent connects over IPv6" "$tmp/conc.log"
fi
if run refused --addr 2001:db8:8::2/64 --to '[2001:db8:8::1]:8081' --threads 4 \
		--count 1000 --mode concurrent --expect 111 &&
		expect_ok refused 1000 && grep -q 'result Connection refused: 1000' "$tmp/refused.log"; then
	pass "3 1000 connects to a closed IPv6 port: each ECONNREFUSED"
else
	fail "3 connects to a closed IPv6 port" "$tmp/refused.log"
fi
n=$((count / 10))
ok=1
for t in 198.18.8.1:8080 "$to6"; do
	if run dual --addr 198.18.8.2/24 --addr 2001:db8:8::2/64 --to "$t" --threads 2 \
			--count "$n" --mode concurrent && expect_ok dual "$n"; then
		case $t in \[*) made6=$((made6 + n)) ;; *) made4=$((made4 + n)) ;; esac
	else
		ok=0
		fail "4 a dual-stack port, --to $t" "$tmp/dual.log"
	fi
done
[ $ok = 1 ] && pass "4 a dual-stack port: $n connects over IPv4, $n over IPv6"

sleep 0.5
kill "$srv_pid"; wait "$srv_pid"; srv_pid=
read -r acc4 acc6 <"$tmp/accepted"
if [ "$acc4 $acc6" = "$made4 $made6" ]; then
	pass "5 the kernel accepted $acc6 IPv6 and $acc4 IPv4 connections, as many as were made"
else
	fail "5 the kernel accepted $acc6 IPv6 and $acc4 IPv4, expected $made6 and $made4"
fi

ok=1
run noaddr6 --addr 198.18.8.2/24 --to "$to6" --count 1
rc=$?
if [ $rc != 2 ] || ! grep -q 'is IPv6 and no --addr of that family' "$tmp/noaddr6.log"; then
	ok=0; fail "6 an IPv6 --to with only an IPv4 --addr: status $rc" "$tmp/noaddr6.log"
fi
run offlink --addr 2001:db8:8::2/64 --to '[2001:db8:9::1]:8080' --count 1
rc=$?
if [ $rc != 2 ] || ! grep -q 'not in the local subnet' "$tmp/offlink.log"; then
	ok=0; fail "6 an IPv6 --to off the subnet: status $rc" "$tmp/offlink.log"
fi
[ $ok = 1 ] && pass "6 refused before start: an IPv6 --to without an IPv6 --addr, or off its subnet"
exit $failed
