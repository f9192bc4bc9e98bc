#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# TCP segmentation offload against the Linux kernel. net_tap offers TSO
# (the PMD cuts frames in software with librte_gso), so dpstack sends
# bulk data there in frames of up to 64 KiB and the kernel must receive
# ordinary MSS-sized segments with valid checksums. dps_tcpx asks for it
# with --tso on: by default dpstack does not use net_tap's TSO.
#   namespace dpso-*: dps_tcpx on net_tap (198.18.7.2/24), the kernel on
#                     the tap's other end (198.18.7.1/24), tcp_peer.py
# Checks, one PASS/FAIL line each:
#   1 kernel client <-> dpstack server: TCPX_BYTES (100 MiB) each way on
#     one connection, SHA-256 of both directions compared across the
#     sides, orderly close, nothing left in the stack; dpstack's counters
#     show TSO frames carrying several pieces each and no drop other than
#     the kernel's IPv6 chatter
#   2 a capture on the kernel's side of the first frames of that transfer:
#     tshark finds no malformed packet, no expert error and no bad IPv4 or
#     TCP checksum, and every segment dpstack sent fits the MSS
#     (the filter is first shown to catch a crafted malformed packet)
#   3 with --tso auto (the default) dpstack leaves net_tap's TSO, which is
#     software and slower than its own segmentation, unused: 8 MiB each
#     way, no TSO frame
# net_tap in DPDK 22.11 counts the Ethernet header against the MTU when it
# cuts a TSO frame, so dpstack keeps its packets 14 bytes under the MTU
# there (MTU 1486: MSS 1446, 1434 with timestamps); check 2 holds it to that.
# Usage: kernel_tso.sh PATH/TO/dps_tcpx
set -euo pipefail

bin=${1:?usage: kernel_tso.sh PATH/TO/dps_tcpx}
bytes=${TCPX_BYTES:-104857600}
here=$(cd "$(dirname "$0")" && pwd)
peer_py=$here/tcp_peer.py
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi
for t in tcpdump tshark ethtool; do
	command -v "$t" >/dev/null ||
		{ echo "FAIL: $t is not installed (scripts/deps.sh installs it)"; exit 1; }
done
py=$(command -v /usr/bin/python3 || command -v python3)

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
ns=dpso-$sfx tap=dso$sfx
K=198.18.7.1 D=198.18.7.2
MSS_MAX=1434
tmp=$(mktemp -d /tmp/dps-tso.XXXXXX)
pids=()

cleanup() {
	trap '' INT TERM
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	if [ -n "${TCPX_KEEP:-}" ]; then echo "outputs kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
failed=0
fail() { echo "FAIL $*"; failed=1; }
show() { for f in "$@"; do echo "---- $(basename "$f")"; tail -n 20 "$f"; done; }
field() { awk -v w="$2" -v n="$3" '$1 == w { print $n; exit }' "$1"; }

# tshark's filter must catch a malformed packet and a bad checksum.
tsfilter='_ws.malformed || _ws.expert.severity == "error"'
tsopts=(-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE)
"$py" "$peer_py" malformed-pcap "$tmp/bad.pcap" >/dev/null
flagged=$(tshark -r "$tmp/bad.pcap" "${tsopts[@]}" -Y "$tsfilter" -T fields -e frame.number 2>/dev/null | xargs)
[ "$flagged" = "2 3" ] || { echo "FAIL tshark flagged frames '$flagged' of the crafted capture, expected '2 3'"; exit 1; }

# The tap exists before dpstack opens it (net_tap attaches to it), so its
# address and the kernel's side outlive each dps_tcpx run.
. "$(dirname "$0")/tap_ns.sh"
tap_ns "$ns" "$tap" "$K/24"

# transfer NAME TSO BYTES PORT: dps_tcpx (bulk server, --tso TSO) and the
# kernel's client-bulk move BYTES each way; outputs in $tmp/NAME-{d,k}.log,
# exit statuses in rc and krc.
transfer() {
	local name=$1 tso=$2 n=$3 port=$4 dpid kpid
	d=$tmp/$name-d.log k=$tmp/$name-k.log
	ip netns exec "$ns" "$bin" --no-huge -m 1024 --no-pci --no-shconf --no-telemetry \
		--file-prefix="dpso$sfx" --log-level=lib.eal:error --log-level=pmd.net.tap:crit \
		-l 0 --vdev="net_tap0,iface=$tap" -- --addr "$D/24" --mode bulk-server \
		--tso "$tso" --port "$port" --bytes "$n" --expect "$n" --seed 31 \
		--peer-seed 32 --close first >"$d" 2>&1 &
	dpid=$!; pids+=("$dpid")
	for _ in $(seq 100); do
		grep -qs '^listening' "$d" && break
		kill -0 "$dpid" 2>/dev/null || break
		sleep 0.1
	done
	# The kernel reaches dpstack (ARP answered) before the transfer.
	for _ in $(seq 50); do
		ip netns exec "$ns" ping -c 1 -W 1 "$D" >/dev/null 2>&1 && break
		sleep 0.1
	done
	ip netns exec "$ns" "$py" "$peer_py" client-bulk "$D:$port" --bytes "$n" \
		--seed 32 --peer-seed 31 --expect "$n" --close last --timeout 60 >"$k" 2>&1 &
	kpid=$!; pids+=("$kpid")
	rc=0; wait "$dpid" || rc=$?
	krc=0; wait "$kpid" || krc=$?
}

# moved_ok BYTES: both exited 0 and the digests match; else why.
moved_ok() {
	why=
	if [ $rc != 0 ] || [ $krc != 0 ]; then
		why="dps_tcpx exited $rc, the kernel peer $krc"
	elif [ -z "$(field "$d" sent 2)" ] || [ "$(field "$d" sent 2)" != "$(field "$k" recv 2)" ] ||
			[ "$(field "$k" sent 2)" != "$(field "$d" recv 2)" ] ||
			[ "$(field "$d" sent 3)" != "$1" ] || [ "$(field "$k" sent 3)" != "$1" ]; then
		why="digests differ"
	elif ! grep -q '^closed' "$k"; then
		why="the kernel did not see EOF"
	elif grep '^drop\.' "$d" | grep -qv '^drop.eth_unknown_type '; then
		why="dpstack dropped: $(grep '^drop\.' "$d" | xargs)"
	fi
	[ -z "$why" ]
}

ip netns exec "$ns" tcpdump -i "$tap" -s 0 -c 3000 -U -w "$tmp/tso.pcap" \
	tcp port 5003 >"$tmp/tcpdump.log" 2>&1 &
cap=$!; pids+=("$cap")
for _ in $(seq 50); do grep -qs listening "$tmp/tcpdump.log" && break; sleep 0.1; done

# ---- 1: the transfer ----
transfer s1 on "$bytes" 5003
tx_data=$(field "$d" tcp_tx 4); tso=$(field "$d" tcp_tx 6)
if ! moved_ok "$bytes"; then
	fail "1 $((bytes >> 20)) MiB each way with TSO: $why"; show "$d" "$k"
elif [ -z "$tso" ] || [ "$tso" -lt 100 ] || [ $((tx_data / tso)) -lt 4 ]; then
	fail "1 TSO hardly used: $tso frames for $tx_data data segments"; show "$d"
else
	echo "PASS 1 $((bytes >> 20)) MiB each way, digests equal; $tso TSO frames carried $tx_data segments"
fi

# ---- 2: the capture ----
sleep 0.3
kill -INT "$cap" 2>/dev/null || true
wait "$cap" 2>/dev/null || true
bad=$(tshark -r "$tmp/tso.pcap" "${tsopts[@]}" -Y "$tsfilter" -T fields -e frame.number 2>/dev/null | head -5 | xargs)
ours=$(tshark -r "$tmp/tso.pcap" -Y "ip.src == $D && tcp.len > 0" -T fields -e tcp.len 2>/dev/null)
n_ours=$(echo "$ours" | grep -c . || true)
big=$(echo "$ours" | awk -v m=$MSS_MAX '$1 > m' | head -3 | xargs)
full=$(echo "$ours" | awk -v m=$MSS_MAX '$1 == m' | wc -l)
if [ -n "$bad" ]; then
	fail "2 tshark flags frames $bad"
elif [ "$n_ours" -lt 100 ] || [ "$full" -lt $((n_ours / 2)) ]; then
	fail "2 the capture holds $n_ours data segments from dpstack, $full of them full-sized"
elif [ -n "$big" ]; then
	fail "2 segments larger than the MSS ($MSS_MAX) reached the kernel: $big"
else
	echo "PASS 2 $n_ours data segments captured, $full of $MSS_MAX bytes, none larger, all checksums valid"
fi

# ---- 3: the default leaves net_tap's TSO alone ----
transfer s3 auto $((8 << 20)) 5004
tso=$(field "$d" tcp_tx 6)
if ! moved_ok $((8 << 20)); then
	fail "3 8 MiB each way, TSO auto: $why"; show "$d" "$k"
elif [ "$tso" != 0 ]; then
	fail "3 --tso auto used net_tap's TSO ($tso frames)"
else
	echo "PASS 3 --tso auto: 8 MiB each way without TSO frames on net_tap"
fi
exit $failed
