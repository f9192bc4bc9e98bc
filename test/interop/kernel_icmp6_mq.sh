#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# ICMPv6 errors handed between two stack lcores (RFC 4443 3.1; Linux's
# tcp_v6_err() and icmpv6_err_convert()). dps-connect on a two-queue
# net_tap, one stack lcore per queue, 2001:db8:a::2/64 with the kernel as
# its gateway; the kernel, on the tap's other end in a namespace made for
# this run, forwards IPv6 and holds a prohibit route for 2001:db8:a9::/64,
# so every SYN to [2001:db8:a9::1]:8080 is answered by an ICMPv6
# destination unreachable, administratively prohibited (code 1), which
# Linux turns into EACCES and a failed connect. The kernel's ICMPv6
# rate limits are lifted in its namespace so that each SYN has its error.
# Autobind spreads the connects over both lcores (ports whose IPv6 tuples
# hash to each); the errors come back on whichever queue tun picks by
# its own flow table, not by the quoted tuple (their outer addresses are
# the same for all), so those about the other lcore's flows must go to
# their owner (DPS_MSG_TCP_ICMP6). Checks that every connect fails with EACCES, that
# both lcores made connects, that tcp_icmp6_handoff (dps-connect's lcore
# lines) is above zero, and that dps-connect reports nothing left over
# (its exit status).
# Only 2001:db8::/32; transmit checksum offload off on the kernel's tap;
# names unique per run; a trap removes everything.
# Usage: kernel_icmp6_mq.sh PATH/TO/dps-connect [COUNT]
set -euo pipefail

bin=${1:?usage: kernel_icmp6_mq.sh PATH/TO/dps-connect [COUNT]}
count=${2:-400}
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1 || [ "$(nproc)" -lt 2 ]; then
	echo "SKIP: needs root, network namespaces and 2 CPUs"; exit 77
fi
command -v ethtool >/dev/null ||
	{ echo "FAIL: ethtool is not installed (scripts/deps.sh installs it)"; exit 1; }
sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
ns=dpi6-$sfx tap=di6$sfx
tmp=$(mktemp -d /tmp/dps-icmp6-mq.XXXXXX)
dps_pid=

cleanup() {
	trap '' INT TERM
	[ -n "$dps_pid" ] && kill "$dps_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*"; cat "$tmp/dps.log"; exit 1; }

ip netns add "$ns"
ip -n "$ns" link set lo up
# A router that refuses the prefix, with no rate limit on its errors:
# per destination (net.ipv6.icmp.ratelimit) and per namespace
# (icmp_msgs_per_sec and its burst, which IPv6 shares).
ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1 \
	net.ipv6.icmp.ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000 \
	net.ipv4.icmp_msgs_burst=100000
ip -n "$ns" -6 route add prohibit 2001:db8:a9::/64

. "$(dirname "$0")/tap_app.sh"
tap_app_start "$ns" "$tap" "$tmp/dps.log" 300 "$bin" \
	--addr 2001:db8:a::2/64 --gw 2001:db8:a::1 \
	--to '[2001:db8:a9::1]:8080' --threads 4 --count "$count" \
	--mode concurrent --window 32 --expect 13
# No link-local address of the kernel's own on the tap (it came out
# the same as dpstack's, whose DAD then found it taken), and no DAD of
# the kernel's global one.
ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$tap.addr_gen_mode=1" \
	"net.ipv6.conf.$tap.accept_dad=0"
ip -n "$ns" addr add 2001:db8:a::1/64 dev "$tap" nodad
tap_app_up "$ns" "$tap"

rc=0
wait "$dps_pid" || rc=$?
dps_pid=
cat "$tmp/dps.log"
[ "$rc" = 0 ] || fail "dps-connect exited with $rc (a connect that did not fail with EACCES, or a leak)"
grep -q "^connects: $count as expected, 0 not$" "$tmp/dps.log" ||
	fail "not every connect failed with EACCES"
grep -q "result Permission denied: $count" "$tmp/dps.log" ||
	fail "not $count results of EACCES"
c0=$(awk '$1 == "lcore" && $2 == "0:" {print $4}' "$tmp/dps.log")
c1=$(awk '$1 == "lcore" && $2 == "1:" {print $4}' "$tmp/dps.log")
hand=$(awk '$1 == "lcore" {for (i = 3; i < NF; i++) if ($i == "tcp_icmp6_handoff") n += $(i + 1)}
	END {print n + 0}' "$tmp/dps.log")
[ "${c0:-0}" -gt 0 ] && [ "${c1:-0}" -gt 0 ] ||
	fail "both lcores should make connects (lcore 0: $c0, lcore 1: $c1)"
[ "$hand" -gt 0 ] || fail "no ICMPv6 error was handed to its owning lcore"
echo "PASS: $count IPv6 connects over 2 lcores ($c0 + $c1) refused by ICMPv6 administratively prohibited, each EACCES; $hand errors handed to their owner; nothing leaked"
