#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Connects on two stack lcores: dps-connect on a two-queue net_tap with
# one stack lcore per queue, the kernel listening on the tap's other end
# in a namespace made for this run. Autobind picks, on each lcore, ports
# whose tuples hash (Toeplitz, the stack's key) to that lcore; tun spreads
# the replies with its own hash, so about half arrive on the other queue
# and must be handed to their owner. Checks that every connect succeeds,
# both lcores own connections, segments were handed over, and nothing is
# left behind.
# Usage: kernel_connect_mq.sh PATH/TO/dps-connect [COUNT]
set -euo pipefail

bin=${1:?usage: kernel_connect_mq.sh PATH/TO/dps-connect [COUNT]}
count=${2:-1000}
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1 || [ "$(nproc)" -lt 2 ]; then
	echo "SKIP: needs root, network namespaces and 2 CPUs"; exit 77
fi
sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
ns=dpsm-$sfx tap=dmq$sfx
tmp=$(mktemp -d /tmp/dps-connect-mq.XXXXXX)
pids=()

cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*"; cat "$tmp/dps.log"; exit 1; }

ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535
py=$(command -v /usr/bin/python3 || command -v python3)
# The listener is up before the tap exists, so no connect finds it closed.
ip netns exec "$ns" "$py" -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 8080))
s.listen(65535)
while True:
    s.accept()[0].close()
' & pids+=($!)

. "$(dirname "$0")/tap_app.sh"
tap_app_start "$ns" "$tap" "$tmp/dps.log" 170 "$bin" \
	--addr 198.18.1.2/24 --to 198.18.1.10:8080 --threads 4 \
	--count "$count" --mode concurrent
pids+=($dps_pid)
ip -n "$ns" addr add 198.18.1.10/24 dev "$tap"
tap_app_up "$ns" "$tap"

rc=0
wait "$dps_pid" || rc=$?
cat "$tmp/dps.log"
[ "$rc" = 0 ] || fail "dps-connect exited with $rc"
est0=$(awk '$1 == "lcore" && $2 == "0:" {print $6}' "$tmp/dps.log")
est1=$(awk '$1 == "lcore" && $2 == "1:" {print $6}' "$tmp/dps.log")
hand=$(awk '$1 == "lcore" {n += $8} END {print n + 0}' "$tmp/dps.log")
[ "${est0:-0}" -gt 0 ] && [ "${est1:-0}" -gt 0 ] ||
	fail "both lcores should own connections (lcore 0: $est0, lcore 1: $est1)"
[ "$hand" -gt 0 ] || fail "no segment was handed to its owning lcore"
echo "PASS: $count connects over 2 lcores ($est0 + $est1), $hand segments handed to their owner, nothing leaked"
