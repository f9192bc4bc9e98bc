#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Differential conformance suite for the connect path (issue 3, test 2).
#
# The same table of scenarios runs twice, each time in fresh namespaces:
#   namespace P (dpcp-*): the kernel at 198.18.0.1/24 on a veth, forwarding,
#       with 198.18.9.0/24 routed as blackhole; peer.py there holds a TCP
#       listener (:7000), a UDP echo (:7001), and impersonates 198.18.0.3
#       on an AF_PACKET socket, logging every TCP segment it sees.
#   namespace D (dpcd-*): the device under test on the other veth end,
#       owning 198.18.0.2/24 with routes 198.18.0.0/16 via 198.18.0.1 and
#       224.0.0.0/4 on link (so 198.19.0.0/16 has no route).
#       Run 1: the kernel owns the address; conform-kernel runs there.
#       Run 2: the veth has no address; conform-dps runs dpstack on it with
#       net_af_packet.
#   IPv6 (the AF_INET6 rows): P's kernel at 2001:db8::1/64 with a UDP echo
#       and a TCP listener (:7000), 2001:db8:9::/64 routed as blackhole,
#       the DUT at 2001:db8::2/64 with 2001:db8:9::/64 via 2001:db8::1, both without DAD for the kernel; D's
#       veth keeps IPv6 off in run 2, so that its kernel neither answers
#       neighbour discovery nor claims dpstack's link-local address (the
#       same MAC makes the same one).
# compare.py then prints the table and fails on any row that differs.
#
# Usage: run.sh CONFORM-KERNEL CONFORM-DPS PEER.PY [COMPARE.PY]
#   CONFORM-DPS "-" runs the kernel half only and prints its table.
# Environment: CONFORM_ONLY=prefix[,prefix] runs only matching rows;
#   CONFORM_KEEP=1 keeps the work directory (outputs and peer logs);
#   CONFORM_NO_WARM_UP=1 skips the runners' ARP warm-up (debugging).
#   CONFORM_IDLE_MS=N runs dpstack with dps_sock_conf.idle_ms = N (the
#   compact idle form; meson's conform_idle sets 10).
set -euo pipefail

kbin=${1:?usage: run.sh CONFORM-KERNEL CONFORM-DPS PEER.PY [COMPARE.PY]}
dbin=${2:?usage: run.sh CONFORM-KERNEL CONFORM-DPS PEER.PY [COMPARE.PY]}
peer=${3:?usage: run.sh CONFORM-KERNEL CONFORM-DPS PEER.PY [COMPARE.PY]}
cmp=${4:-$(dirname "$0")/compare.py}
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi
py=$(command -v /usr/bin/python3 || command -v python3)
only=()
filtered=${CONFORM_ONLY:-}
[ -n "$filtered" ] && only=(--only "$filtered")
[ -n "${CONFORM_NO_WARM_UP:-}" ] && only+=(--no-warm-up)

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
work=$(mktemp -d /tmp/dps-conform.XXXXXX)
namespaces=()
peer_pid=
dut_pid=

cleanup() {
	trap '' INT TERM
	for p in $dut_pid $peer_pid; do
		kill "$p" 2>/dev/null && wait "$p" 2>/dev/null || true
	done
	for ns in "${namespaces[@]}"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ -n "${CONFORM_KEEP:-}" ]; then
		echo "conform: outputs kept in $work"
	else
		rm -rf "$work"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "FAIL: $*"
	for f in "$work"/*.err "$work"/*.out; do
		[ -s "$f" ] && { echo "---- $(basename "$f") ----"; tail -n 30 "$f"; }
	done
	exit 1
}

no_ipv6() {
	ip netns exec "$1" sh -c "echo 1 > /proc/sys/net/ipv6/conf/$2/disable_ipv6" \
		2>/dev/null || true
}

# Fresh P and D joined by a veth pair, named after run $1 (k or d).
make_topology() {
	local r=$1
	nsp=dpcp-$sfx$r nsd=dpcd-$sfx$r vp=cp$sfx$r vd=cd$sfx$r
	ip netns add "$nsp"
	namespaces+=("$nsp")
	ip netns add "$nsd"
	namespaces+=("$nsd")
	ip link add "$vp" netns "$nsp" type veth peer name "$vd" netns "$nsd"
	[ "${r:0:1}" = k ] || no_ipv6 "$nsd" "$vd"
	ip -n "$nsp" link set lo up
	ip -n "$nsp" addr add 198.18.0.1/24 dev "$vp"
	ip -n "$nsp" addr add 2001:db8::1/64 dev "$vp" nodad
	ip -n "$nsp" link set "$vp" up
	ip -n "$nsp" route add blackhole 198.18.9.0/24
	ip -n "$nsp" -6 route add blackhole 2001:db8:9::/64
	ip netns exec "$nsp" sysctl -qw net.ipv4.ip_forward=1
	# The peer answers both sides' probes of closed ports: without
	# this, its per-destination ICMP rate limit (1 s, a burst of 6)
	# sometimes leaves the kernel's row without its port unreachable.
	ip netns exec "$nsp" sysctl -qw net.ipv4.icmp_ratelimit=0
	ip netns exec "$nsp" sysctl -qw net.ipv6.icmp.ratelimit=0
	# Without this, af_packet hands dpstack partial checksums.
	ip netns exec "$nsp" ethtool -K "$vp" tx off >/dev/null
	ip -n "$nsd" link set lo up
	ip -n "$nsd" link set "$vd" up
}

# The kernel as device under test: the address and routes dpstack gets.
kernel_addresses() {
	ip -n "$nsd" addr add 198.18.0.2/24 dev "$vd"
	ip -n "$nsd" addr add 2001:db8::2/64 dev "$vd" nodad
	ip -n "$nsd" route add 198.18.0.0/16 via 198.18.0.1
	ip -n "$nsd" route add 224.0.0.0/4 dev "$vd"
	ip -n "$nsd" -6 route add 2001:db8:9::/64 via 2001:db8::1
}

start_peer() {
	local r=$1
	ip netns exec "$nsp" "$py" "$peer" --iface "$vp" \
		--log "$work/peer-$r.log" >"$work/peer-$r.out" 2>&1 &
	peer_pid=$!
	for _ in $(seq 100); do
		grep -q "^ready" "$work/peer-$r.out" && return 0
		kill -0 "$peer_pid" 2>/dev/null || fail "peer.py exited early"
		sleep 0.05
	done
	fail "peer.py did not come up"
}

stop_peer() {
	kill "$peer_pid" 2>/dev/null && wait "$peer_pid" 2>/dev/null || true
	peer_pid=
}

# Run a runner in D in the background so the trap can stop it (ip netns
# exec execs it: the pid is the runner's). Exit status 3 means some rows
# hung or crashed, which compare.py reports; rows have their own budgets.
run_dut() {
	local out=$1
	shift
	ip netns exec "$nsd" "$@" >"$work/$out.jsonl" 2>"$work/$out.err" &
	dut_pid=$!
	local rc=0
	wait "$dut_pid" || rc=$?
	dut_pid=
	case $rc in
	0|3) ;;
	*) echo "conform: $out runner exited with $rc";;
	esac
	[ -s "$work/$out.jsonl" ] || [ -n "$filtered" ] ||
		fail "$out runner printed no rows"
}

# The rows that fill the ephemeral range run afterwards, alone, with a
# range of 100 ports: the kernel's set by sysctl, dpstack's by its runner.
# The kernel's namespace still holds the main run's connections (TIME_WAIT
# lasts 60 s); one in the range makes bind() refuse its port while
# connect() may share it, so the rows would see a free port. The range is
# a window no socket of the namespace uses.
pick_range() {
	local lo
	for lo in $(seq 40000 1000 59000); do
		if [ -z "$(ip netns exec "$nsd" ss -Htan state all \
				"( sport >= :$lo and sport <= :$((lo + 99)) )")" ]; then
			echo "$lo-$((lo + 99))"
			return
		fi
	done
	echo 40000-40099
}

# One run of both halves and the comparison, files and namespaces
# suffixed by $1; the comparison's status.
one_pass() {
	local p=$1 range rc=0
	make_topology "k$p"
	kernel_addresses
	start_peer "k$p"
	run_dut "kernel$p" "$kbin" "${only[@]}"
	range=$(pick_range)
	echo "conform: the rows that fill the range use ports $range"
	ip netns exec "$nsd" sysctl -qw net.ipv4.ip_local_port_range="${range/-/ }"
	run_dut "kernel-alone$p" "$kbin" --alone --port-range "$range" "${only[@]}"
	stop_peer

	cat "$work/kernel-alone$p.jsonl" >>"$work/kernel$p.jsonl"
	args=(--kernel "$work/kernel$p.jsonl" --kernel-peer "$work/peer-k$p.log")
	if [ "$dbin" != - ]; then
		make_topology "d$p"
		start_peer "d$p"
		eal=(--no-huge -m 256 --no-pci --no-shconf --no-telemetry
			--file-prefix="conf$sfx$p" --log-level=lib.eal:error -l 0
			--vdev="net_af_packet0,iface=$vd")
		run_dut "dps$p" "$dbin" "${eal[@]}" -- "${only[@]}"
		run_dut "dps-alone$p" "$dbin" "${eal[@]}" -- --alone \
			--port-range "$range" "${only[@]}"
		stop_peer
		cat "$work/dps-alone$p.jsonl" >>"$work/dps$p.jsonl"
		args+=(--dps "$work/dps$p.jsonl" --dps-peer "$work/peer-d$p.log"
			--retry-file "$work/retry$p")
	fi
	"$py" "$cmp" "${args[@]}" || rc=$?
	return "$rc"
}

# A busy machine can move when things happen, not what happens: a timer
# or a poll's return held off the CPU past compare.py's tolerance, an ACK
# past its QUICK_S (R_ACKS rows). When only such differences remain the
# rows run again, alone and in fresh namespaces, up to twice; a behaviour
# that really differs differs every time.
rc=0
prev=
one_pass "$prev" || rc=$?
for again in 2 3; do
	[ "$rc" = 2 ] || break
	filtered=$(cat "$work/retry$prev")
	only=(--only "$filtered")
	[ -n "${CONFORM_NO_WARM_UP:-}" ] && only+=(--no-warm-up)
	echo "conform: running again: $filtered"
	rc=0
	prev=$again
	one_pass "$prev" || rc=$?
done
[ "$rc" = 2 ] && rc=1
exit "$rc"
