#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Two stack lcores on a two-queue net_tap, the kernel on the tap's other
# end, in a namespace made for this run. Checks that flows from the kernel
# spread over both queues (tun hashes them) and that each lcore answers the
# ones it gets, resolving the kernel's addresses through its own ARP cache
# or through entries another lcore shared; and that dpstack's pings from
# an application thread all come back whichever queue the replies hit.
# The kernel pings dpstack from 16 source addresses, and dpstack pings the
# kernel from an application thread; SIGTERM then stops it cleanly.
# Usage: kernel_tap_mq.sh PATH/TO/dps-ping [-v]
set -euo pipefail

bin=${1:?usage: kernel_tap_mq.sh PATH/TO/dps-ping [-v]}
verbose=${2:-}
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1 || [ "$(nproc)" -lt 2 ]; then
	echo "SKIP: needs root, network namespaces and 2 CPUs"; exit 77
fi
sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
ns=dpst-$sfx tap=dtap$sfx
log=$(mktemp /tmp/dps-tapmq.XXXXXX)
dps_pid=

cleanup() {
	[ -n "$dps_pid" ] && kill "$dps_pid" 2>/dev/null && wait "$dps_pid" 2>/dev/null
	ip netns del "$ns" 2>/dev/null || true
	rm -f "$log"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*"; cat "$log"; exit 1; }

ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$bin" --no-huge -m 256 --no-pci --no-shconf \
	--no-telemetry --file-prefix="dpt$sfx" --log-level=lib.eal:error \
	--log-level=pmd.net.tap:crit -l 0-1 --vdev="net_tap0,iface=$tap" -- \
	--addr 198.18.1.2/24 --ping 198.18.1.10 --count 10 --interval 300ms \
	--serve 60s --start-on-usr1 >"$log" 2>&1 &
dps_pid=$!
for _ in $(seq 100); do
	grep -q "^up:" "$log" && break
	kill -0 "$dps_pid" 2>/dev/null || fail "dps-ping exited early"
	sleep 0.1
done
grep -q "^up:.*2 lcore" "$log" || fail "dpstack did not come up on 2 lcores"

for i in $(seq 10 25); do
	ip -n "$ns" addr add "198.18.1.$i/24" dev "$tap"
done
ip -n "$ns" link set "$tap" up
ip netns exec "$ns" ethtool -K "$tap" tx off >/dev/null 2>&1 || true
# dpstack pings once the kernel side is there: a ping sent before the tap
# is up is lost on any stack, and that is not what this test is about.
kill -USR1 "$dps_pid"
for i in $(seq 10 25); do
	ip netns exec "$ns" ping -c 2 -i 0.2 -W 2 -I "198.18.1.$i" 198.18.1.2 >/dev/null ||
		fail "kernel ping from 198.18.1.$i failed"
done

# dpstack's own pings done? Then stop it the way a user would.
for _ in $(seq 100); do
	grep -Eq "seq=10( |:)" "$log" && break
	sleep 0.1
done
kill -TERM "$dps_pid"
rc=0
wait "$dps_pid" || rc=$?
dps_pid=
[ -n "$verbose" ] && cat "$log"
[ "$rc" = 0 ] || fail "dps-ping exited with $rc"
grep -q "^10/10 replies" "$log" || fail "dpstack's pings of the kernel did not all come back"
for l in 0 1; do
	rx=$(awk -v l="$l" '$1 == "lcore" && $2 == l":" {print $4}' "$log")
	[ "${rx:-0}" -gt 0 ] || fail "lcore $l received nothing: flows not spread"
done
echo "PASS: 2 lcores on a 2-queue tap: flows spread over both, pings both ways"
