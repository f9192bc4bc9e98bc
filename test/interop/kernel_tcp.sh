#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# TCP between dpstack and the Linux kernel over a veth pair.
#   namespace dptd-*: dps_tcpx on net_af_packet, 198.18.6.2/24; for the
#                     oracle runs the kernel takes 198.18.6.3/24 on the same
#                     veth and dps_tcpx --kernel runs the same code on
#                     kernel sockets
#   namespace dptk-*: the kernel, 198.18.6.1/24, tcp_peer.py, curl, tcpdump
# Scenarios, one PASS/FAIL line each (4 and 6 have parts a, b, ...):
#   1 dpstack client -> kernel server: 100 MiB each way on one connection,
#     SHA-256 of both directions compared across the sides, orderly close,
#     no socket or mbuf left in the stack
#   2 kernel client -> dpstack server (listen/accept, writev/readv): the same
#   3 curl fetches 1 MiB over HTTP/1.1 from dps_tcpx, three times
#   4 the kernel resets (SO_LINGER {1,0}) (a) while dpstack receives, (b)
#     while it sends, (c) while it has data queued: ECONNRESET, and every
#     call after it (poll, SO_ERROR, recv, send) answers as on a kernel
#     socket doing the same (dps_tcpx --kernel from 198.18.6.3)
#   5 the kernel half-closes: dpstack reads to EOF, sends 4 MiB more in
#     CLOSE_WAIT, closes; the kernel reads all of it and sees EOF
#   6 timeouts: TCP_USER_TIMEOUT 2000 ms set (a) before connect and (b) on
#     the established connection, and (c) keepalive 1/1/3, against a kernel
#     that stops answering give ETIMEDOUT in time, as on Linux; (d) the
#     kernel's keepalive: dpstack answers the probes while it runs, and the
#     kernel gives up once dpstack is stopped (SIGSTOP)
#   7 tshark finds no malformed packet and no expert error in captures of
#     scenario 2 (headers) and 3 (whole packets, checksums verified); the
#     filter is first shown to catch a crafted malformed packet
# A kernel that "stops answering" is a tc filter on its veth redirecting
# everything, both ways, to a veth that is down: no link goes down.
# Names are unique per run; a trap removes everything on every exit path.
# Usage: kernel_tcp.sh PATH/TO/dps_tcpx [SCENARIO...]  (e.g. 1 4 6a; all
#   by default)
# Environment: TCPX_BYTES (default 104857600) for scenarios 1 and 2;
#   TCPX_KEEP=1 keeps the work directory; TCPX_KERNEL=1 puts the kernel
#   in dpstack's place (198.18.6.2 on the veth, dps_tcpx --kernel), to
#   check the test itself (6d is skipped then: SIGSTOP does not stop the
#   kernel answering).
set -euo pipefail

bin=${1:?usage: kernel_tcp.sh PATH/TO/dps_tcpx [SCENARIO...]}
shift
only=" ${*:-1 2 3 4 5 6 7} "
bytes=${TCPX_BYTES:-104857600}
here=$(cd "$(dirname "$0")" && pwd)
peer_py=$here/tcp_peer.py
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi
for t in tcpdump tshark curl tc ethtool; do
	command -v "$t" >/dev/null ||
		{ echo "FAIL: $t is not installed (scripts/deps.sh installs it)"; exit 1; }
done
py=$(command -v /usr/bin/python3 || command -v python3)

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=dptk-$sfx nsd=dptd-$sfx vk=tk$sfx vd=td$sfx bh=tb$sfx
K=198.18.6.1 D=198.18.6.2 O=198.18.6.3
tmp=$(mktemp -d /tmp/dps-tcp.XXXXXX)
pids=()

cleanup() {
	trap '' INT TERM
	for p in "${pids[@]}"; do
		kill -CONT "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	ip netns del "$nsk" 2>/dev/null || true
	ip netns del "$nsd" 2>/dev/null || true
	if [ -n "${TCPX_KEEP:-}" ]; then echo "outputs kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the namespaces ----
. "$(dirname "$0")/veth_pair.sh"
veth_pair "$nsk" "$nsd" "$vk" "$vd" "$K/24" noipv6
ip netns exec "$nsk" sysctl -qw net.core.somaxconn=4096
if [ -n "${TCPX_KERNEL:-}" ]; then
	ip -n "$nsd" addr add "$D/24" dev "$vd"
	ip netns exec "$nsd" ethtool -K "$vd" tx off >/dev/null
fi
# The black hole's drain: a veth end that stays down.
ip -n "$nsk" link add "$bh" type veth peer name "${bh}p"

eal=(--no-huge -m 1024 --no-pci --no-shconf --no-telemetry
	--file-prefix="dptx$sfx" --log-level=lib.eal:error -l 0
	--vdev="net_af_packet0,iface=$vd")
eal_kernel=(--no-huge -m 64 --no-pci --no-shconf --no-telemetry
	--file-prefix="dptk$sfx" --log-level=lib.eal:error -l 0)

# ---- helpers ----
failed=0
why=

pass() { echo "PASS $*"; }
flunk() {	# scenario text; $why says what went wrong
	echo "FAIL $*: $why${detail:+ (before that: $detail)}"
	failed=1
	for f in "$tmp"/"${cur}"-*.log; do
		[ -s "$f" ] && { echo "---- $(basename "$f")"; tail -n 25 "$f"; }
	done
	return 0
}
no() { why=$*; return 1; }

# start NAME {dps|oracle|peer} ARGS...: run in the background, output in
# $tmp/$cur-NAME.log, pid in pid[NAME].
declare -A pid
start() {
	local name=$1 kind=$2 log=$tmp/$cur-$1.log; shift 2
	case $kind in
	dps)
		if [ -n "${TCPX_KERNEL:-}" ]; then
			ip netns exec "$nsd" "$bin" "${eal_kernel[@]}" -- --kernel "$@" >"$log" 2>&1 &
		else
			ip netns exec "$nsd" "$bin" "${eal[@]}" -- "$@" >"$log" 2>&1 &
		fi ;;
	oracle) ip netns exec "$nsd" "$bin" "${eal_kernel[@]}" -- --kernel "$@" >"$log" 2>&1 & ;;
	peer) ip netns exec "$nsk" "$py" "$peer_py" "$@" >"$log" 2>&1 & ;;
	esac
	pid[$name]=$!
	pids+=($!)
}

# finish NAME SECONDS: wait for it; its exit status (124 if it had to be
# killed).
finish() {
	local p=${pid[$1]} i rc=0
	for ((i = 0; i < $2 * 10; i++)); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$p" 2>/dev/null; then
		kill -CONT "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
		echo "(killed after $2 s)" >>"$tmp/$cur-$1.log"
		return 124
	fi
	wait "$p" || rc=$?
	return $rc
}

# waitfor NAME REGEX SECONDS: until a line of NAME's output matches.
waitfor() {
	local i
	for ((i = 0; i < $3 * 20; i++)); do
		grep -qE "$2" "$tmp/$cur-$1.log" 2>/dev/null && return 0
		kill -0 "${pid[$1]}" 2>/dev/null || { grep -qE "$2" "$tmp/$cur-$1.log" && return 0; return 1; }
		sleep 0.05
	done
	return 1
}

# field NAME WORD N: the Nth field of NAME's first line starting with WORD.
field() { awk -v w="$2" -v n="$3" '$1 == w { print $n; exit }' "$tmp/$cur-$1.log"; }
result() { sed -n 's/^result: //p' "$tmp/$cur-$1.log" | head -n 1; }

oracle_on() { ip -n "$nsd" addr add "$O/24" dev "$vd"; }
oracle_off() { ip -n "$nsd" addr del "$O/24" dev "$vd" 2>/dev/null || true; }

bh_on() {
	ip netns exec "$nsk" tc qdisc add dev "$vk" clsact
	ip netns exec "$nsk" tc filter add dev "$vk" ingress u32 match u32 0 0 \
		action mirred egress redirect dev "$bh"
	ip netns exec "$nsk" tc filter add dev "$vk" egress u32 match u32 0 0 \
		action mirred egress redirect dev "$bh"
	date +%s.%N
}
bh_off() { ip netns exec "$nsk" tc qdisc del dev "$vk" clsact 2>/dev/null || true; }

sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
within() { awk -v x="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(x >= lo && x <= hi) }'; }

# The dps_tcpx run ended well: exit 0, its own checks passed.
dps_ok() {
	local rc=$1 name=$2
	[ "$rc" = 0 ] || no "dps_tcpx ($name) exited with $rc: $(grep -m1 '^error:' "$tmp/$cur-$name.log" || tail -n 1 "$tmp/$cur-$name.log")"
}

# Bulk digests: dpstack's "sent" is the kernel's "recv" and the other way.
digests_match() {
	local d=$1 k=$2 s r
	s=$(field "$d" sent 2); r=$(field "$k" recv 2)
	{ [ -n "$s" ] && [ "$s" = "$r" ]; } || no "dpstack sent $s, the kernel received $r" || return 1
	[ "$(field "$d" sent 3)" = "$(field "$k" recv 3)" ] ||
		no "dpstack sent $(field "$d" sent 3) bytes, the kernel received $(field "$k" recv 3)" || return 1
	s=$(field "$k" sent 2); r=$(field "$d" recv 2)
	{ [ -n "$s" ] && [ "$s" = "$r" ]; } || no "the kernel sent $s, dpstack received $r" || return 1
	[ "$(field "$k" sent 3)" = "$(field "$d" recv 3)" ] ||
		no "the kernel sent $(field "$k" sent 3) bytes, dpstack received $(field "$d" recv 3)" || return 1
}

# Set by vanish() (printf -v) and s6d.
t_da='' t_oa='' t_db='' t_ob='' rc_da='' rc_db='' t_kc=''

mib() { awk -v b="$1" 'BEGIN { printf "%g MiB", b / 1048576 }'; }
cap_pid=

# ---- 0: the tools of the checks ----
cur=s0
if ! "$bin" --selftest >"$tmp/s0-selftest.log" 2>&1; then
	why="SHA-256 or MT19937 self-test failed"; flunk "0 dps_tcpx self-test"
	exit 1
fi
# The tshark filter of scenario 7 must catch a malformed packet and a bad
# checksum, and must not flag a packet cut by the snap length.
tsfilter='_ws.malformed || _ws.expert.severity == "error"'
tsopts=(-o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE)
"$py" "$peer_py" malformed-pcap "$tmp/bad.pcap" >/dev/null
flagged=$(tshark -r "$tmp/bad.pcap" "${tsopts[@]}" -Y "$tsfilter" -T fields -e frame.number 2>/dev/null | xargs)
if [ "$flagged" != "2 3" ]; then
	why="tshark flagged frames '$flagged' of the crafted capture, expected '2 3'"
	flunk "0 tshark filter check"; exit 1
fi

# ---- 1: dpstack client -> kernel server ----
s1() {
	local rc
	start k peer serve-bulk "$K:5001" --bytes "$bytes" --seed 11 --peer-seed 12 \
		--expect "$bytes" --close first --timeout 60
	waitfor k '^listening' 5 || no "the kernel peer did not listen" || return 1
	start d dps --mode bulk-client --to "$K:5001" --bytes "$bytes" --expect "$bytes" \
		--seed 12 --peer-seed 11 --close last
	rc=0; finish d 90 || rc=$?
	dps_ok $rc d || return 1
	rc=0; finish k 10 || rc=$?
	[ $rc = 0 ] || no "the kernel peer exited with $rc: $(grep -m1 '^error' "$tmp/s1-k.log")" || return 1
	digests_match d k || return 1
	grep -q '^closed' "$tmp/s1-k.log" || no "the kernel did not see EOF" || return 1
	detail="$(sed -n 's/^left over: //p' "$tmp/s1-d.log")"
}

# ---- 2: kernel client -> dpstack server; capture for 7 ----
s2() {
	local rc
	ip netns exec "$nsk" tcpdump -i "$vk" -s 128 -U -w "$tmp/bulk.pcap" \
		tcp port 5002 >"$tmp/s2-tcpdump.log" 2>&1 &
	cap_pid=$!; pids+=("$cap_pid")
	for _ in $(seq 50); do grep -q listening "$tmp/s2-tcpdump.log" && break; sleep 0.1; done
	start d dps --mode bulk-server --port 5002 --bytes "$bytes" --expect "$bytes" \
		--seed 21 --peer-seed 22 --close first --iov
	waitfor d '^listening' 10 || no "dps_tcpx did not listen" || return 1
	start k peer client-bulk "$D:5002" --bytes "$bytes" --seed 22 --peer-seed 21 \
		--expect "$bytes" --close last --timeout 60
	rc=0; finish d 90 || rc=$?
	dps_ok $rc d || return 1
	rc=0; finish k 10 || rc=$?
	[ $rc = 0 ] || no "the kernel peer exited with $rc: $(grep -m1 '^error' "$tmp/s2-k.log")" || return 1
	digests_match d k || return 1
	detail="$(sed -n 's/^left over: //p' "$tmp/s2-d.log")"
}

stop_capture() {
	[ -n "$cap_pid" ] || return 0
	sleep 0.3
	kill -INT "$cap_pid" 2>/dev/null || true
	wait "$cap_pid" 2>/dev/null || true
	cap_pid=
}

# ---- 3: curl ----
s3() {
	local rc i want got
	want=$("$py" -c 'import hashlib, random, sys
print(hashlib.sha256(random.Random(33).randbytes(1048576)).hexdigest())')
	start d dps --mode http --port 8080 --bytes 1048576 --seed 33 --count 3
	waitfor d '^listening' 10 || no "dps_tcpx did not listen" || return 1
	ip netns exec "$nsk" tcpdump -i "$vk" -s 0 -U -w "$tmp/http.pcap" \
		tcp port 8080 >"$tmp/s3-tcpdump.log" 2>&1 &
	cap_pid=$!; pids+=("$cap_pid")
	for _ in $(seq 50); do grep -q listening "$tmp/s3-tcpdump.log" && break; sleep 0.1; done
	for i in 1 2 3; do
		rc=0
		ip netns exec "$nsk" curl -sS --max-time 20 -o "$tmp/body$i" \
			"http://$D:8080/" 2>"$tmp/s3-curl$i.log" || rc=$?
		[ $rc = 0 ] || no "curl $i exited with $rc: $(cat "$tmp/s3-curl$i.log")" || return 1
		got=$(sha256sum <"$tmp/body$i" | cut -d' ' -f1)
		[ "$got" = "$want" ] || no "body $i: sha256 $got, expected $want ($(stat -c %s "$tmp/body$i") bytes)" || return 1
	done
	stop_capture
	rc=0; finish d 20 || rc=$?
	dps_ok $rc d || return 1
	[ "$(grep -c "^served [0-9] $want 1048576" "$tmp/s3-d.log")" = 3 ] ||
		no "dps_tcpx's own digest of the body differs" || return 1
	detail="$(sed -n 's/^left over: //p' "$tmp/s3-d.log")"
}

# ---- 4: resets ----
# one_rst NAME PORT MODE PEER-ROLE PEER-ARGS...: dpstack, then the oracle.
one_rst() {
	local name=$1 port=$2 mode=$3 role=$4 rc; shift 4
	start "k$name" peer "$role" "$K:$port" "$@" --seed 41
	waitfor "k$name" '^listening' 5 || no "$name: the kernel peer did not listen" || return 1
	start "d$name" dps --mode "$mode" --to "$K:$port"
	rc=0; finish "d$name" 30 || rc=$?
	dps_ok $rc "d$name" || return 1
	finish "k$name" 5 || no "$name: the kernel peer failed: $(grep -m1 '^error' "$tmp/$cur-k$name.log")" || return 1
	start "k${name}o" peer "$role" "$K:$((port + 100))" "$@" --seed 41
	waitfor "k${name}o" '^listening' 5 || no "$name: the kernel peer did not listen" || return 1
	oracle_on
	start "o$name" oracle --mode "$mode" --to "$K:$((port + 100))"
	rc=0; finish "o$name" 30 || rc=$?
	oracle_off
	finish "k${name}o" 5 || true
	[ $rc = 0 ] || no "the oracle ($name) exited with $rc" || return 1
}

# rst_same NAME: dpstack's result line is Linux's.
rst_same() {
	local d o
	d=$(result "d$1"); o=$(result "o$1")
	[ "$d" = "$o" ] || no "dpstack [$d], Linux [$o]" || return 1
	detail="as Linux: [$d]"
}

# (a) mid-transfer: the kernel resets with data still unsent.
s4a() {
	one_rst recv 6001 rst-recv rst-after-send --bytes 8388608 || return 1
	rst_same recv || return 1
	[[ $(result drecv) == recv=-1/ECONNRESET* ]] || no "$(result drecv)" || return 1
}

# (b) the kernel reads 1 MiB of what dpstack sends, stops reading, resets
# 0.5 s later: the reset finds a blocked send with part of its 8 MiB queued.
s4b() {
	one_rst send 6002 rst-send rst-after-recv --bytes 1048576 --linger 0.5 || return 1
	rst_same send || return 1
	[[ $(result dsend) == send=-1/ECONNRESET* ]] || no "$(result dsend)" || return 1
}

# (c) 32 KiB acknowledged and unread when the reset comes.
s4c() {
	one_rst poll 6003 rst-poll rst-after-send --bytes 32768 --wait-acked --linger 0.2 || return 1
	rst_same poll || return 1
	[[ $(result dpoll) == *so_error=ECONNRESET*read=32768* ]] || no "$(result dpoll)" || return 1
}

# ---- 5: half-close ----
s5() {
	local rc d o
	start k peer halfclose "$K:5005" --bytes 1048576 --seed 51 --peer-seed 52 --expect 4194304
	waitfor k '^listening' 5 || no "the kernel peer did not listen" || return 1
	start d dps --mode halfclose --to "$K:5005" --bytes 4194304 --seed 52 \
		--peer-seed 51 --expect 1048576
	rc=0; finish d 30 || rc=$?
	dps_ok $rc d || return 1
	rc=0; finish k 10 || rc=$?
	[ $rc = 0 ] || no "the kernel peer exited with $rc: $(grep -m1 '^error' "$tmp/s5-k.log")" || return 1
	digests_match d k || return 1
	grep -q '^recv [0-9a-f]* 4194304 eof' "$tmp/s5-k.log" || no "the kernel did not read 4 MiB and EOF" || return 1
	start ko peer halfclose "$K:5105" --bytes 1048576 --seed 51 --peer-seed 52 --expect 4194304
	waitfor ko '^listening' 5 || no "the kernel peer did not listen" || return 1
	oracle_on
	start o oracle --mode halfclose --to "$K:5105" --bytes 4194304 --seed 52 \
		--peer-seed 51 --expect 1048576
	rc=0; finish o 30 || rc=$?
	oracle_off
	finish ko 5 || true
	[ $rc = 0 ] || no "the oracle exited with $rc" || return 1
	d=$(result d); o=$(result o)
	[ "$d" = "$o" ] || no "dpstack '$d', Linux '$o'" || return 1
	detail="as Linux: [$d]"
}

# ---- 6: timeouts ----
# vanish NAME KIND PORT READY-NAME READY-REGEX ARGS...: run dps_tcpx
# (dps or oracle) against a peer, black-hole the kernel once READY shows,
# and set t_NAME to the seconds from then to the error.
vanish() {
	local name=$1 kind=$2 port=$3 rname=$4 rre=$5 rc t0 te; shift 5
	[ "$kind" = oracle ] && oracle_on
	start "$name" "$kind" --to "$K:$port" "$@"
	if ! waitfor "$rname" "$rre" 10; then
		[ "$kind" = oracle ] && oracle_off
		no "$name: no '$rre' from $rname: $(cat "$tmp/$cur-$name.log" "$tmp/$cur-$rname.log" | grep -m1 '^error')"
		return 1
	fi
	t0=$(bh_on)
	rc=0; finish "$name" 20 || rc=$?
	bh_off
	[ "$kind" = oracle ] && oracle_off
	[ $rc = 0 ] || [ -n "$(result "$name")" ] ||
		no "$name exited with $rc: $(grep -m1 '^error:' "$tmp/$cur-$name.log")" || return 1
	te=$(field "$name" t_err 2)
	[ -n "$te" ] || no "$name reported no error time" || return 1
	printf -v "t_$name" '%s' "$(sub "$te" "$t0")"
	printf -v "rc_$name" '%s' "$rc"
}

# utimeout PORT [--before-connect]: TCP_USER_TIMEOUT 2000 ms while
# sending, set before connect() or on the established connection.
utimeout() {
	local d o port=$1; shift
	start ka peer sink "$K:$port"; waitfor ka '^listening' 5 || no "no sink" || return 1
	vanish da dps "$port" ka '^ready' --mode utimeout --user-timeout 2000 --timeout 10 "$@" || return 1
	kill "${pid[ka]}" 2>/dev/null || true
	start kao peer sink "$K:$((port + 100))"; waitfor kao '^listening' 5 || no "no sink" || return 1
	vanish oa oracle "$((port + 100))" kao '^ready' --mode utimeout --user-timeout 2000 --timeout 10 "$@" || return 1
	kill "${pid[kao]}" 2>/dev/null || true
	d=$(result da); o=$(result oa)
	[[ $d == send=-1/ETIMEDOUT* ]] || no "dpstack's send returned [$d] ${t_da} s after the peer vanished ($(grep -m1 '^sent' "$tmp/$cur-da.log")); Linux [$o] after ${t_oa} s ($(grep -m1 '^sent' "$tmp/$cur-oa.log"))" || return 1
	dps_ok "$rc_da" da || return 1
	[ "$d" = "$o" ] || no "dpstack [$d], Linux [$o]" || return 1
	within "$t_da" 1.5 4.0 || no "ETIMEDOUT $t_da s after the peer vanished (Linux: $t_oa s), expected 1.5-4 s" || return 1
	detail="ETIMEDOUT after ${t_da} s (Linux ${t_oa} s), then as Linux: [$d]"
}
s6a() { utimeout 6101 --before-connect; }
s6b() { utimeout 6104; }

# (c) keepalive 1,1,3 on an idle connection.
s6c() {
	local d o
	start kb peer idle "$K:6102"; waitfor kb '^listening' 5 || no "no idle peer" || return 1
	vanish db dps 6102 db '^phase1 ok' --mode keepalive --keepalive 1,1,3 --quiet 2500 --timeout 10 || return 1
	kill "${pid[kb]}" 2>/dev/null || true
	start kbo peer idle "$K:6202"; waitfor kbo '^listening' 5 || no "no idle peer" || return 1
	vanish ob oracle 6202 ob '^phase1 ok' --mode keepalive --keepalive 1,1,3 --quiet 2500 --timeout 10 || return 1
	kill "${pid[kbo]}" 2>/dev/null || true
	d=$(result db); o=$(result ob)
	[[ $d == recv=-1/ETIMEDOUT* ]] || no "dpstack's recv returned [$d] (Linux: ETIMEDOUT after $t_ob s)" || return 1
	dps_ok "$rc_db" db || return 1
	[ "$d" = "$o" ] || no "dpstack [$d], Linux [$o]" || return 1
	within "$t_db" 1.0 5.5 || no "ETIMEDOUT $t_db s after the peer vanished (Linux: $t_ob s), expected 1-5.5 s" || return 1
	detail="quiet for 2.5 s while the peer answered, ETIMEDOUT ${t_db} s after it vanished (Linux ${t_ob} s), then as Linux: [$d]"
}

# (d) the kernel's keepalive against dpstack, which stops (SIGSTOP).
s6d() {
	local t0 rc
	if [ -n "${TCPX_KERNEL:-}" ]; then
		detail="not with TCPX_KERNEL"; return 77
	fi
	start dc dps --mode idle-server --port 6103 --until-file "$tmp/stop6d"
	waitfor dc '^listening' 10 || no "dps_tcpx did not listen" || return 1
	start kc peer ka-client "$D:6103" --ka 1,1,3 --quiet 3
	waitfor kc '^phase1 ok' 8 || no "$(grep -m1 '^error' "$tmp/$cur-kc.log" || echo 'no phase1 from the kernel peer')" || return 1
	kill -STOP "${pid[dc]}"
	t0=$(date +%s.%N)
	rc=0; finish kc 12 || rc=$?
	kill -CONT "${pid[dc]}"
	touch "$tmp/stop6d"
	[ $rc = 0 ] || no "the kernel peer exited with $rc" || return 1
	grep -q '^end ETIMEDOUT' "$tmp/$cur-kc.log" || no "the kernel peer ended with '$(grep -m1 '^end' "$tmp/$cur-kc.log")'" || return 1
	t_kc=$(sub "$(field kc end 3)" "$t0")
	within "$t_kc" 1.0 6.0 || no "the kernel timed out $t_kc s after dpstack stopped" || return 1
	rc=0; finish dc 10 || rc=$?
	dps_ok $rc dc || return 1
	detail="dpstack answered the kernel's probes for 3 s; the kernel timed out ${t_kc} s after SIGSTOP"
}

# ---- 7: the captures ----
s7() {
	local n bad
	[ -s "$tmp/bulk.pcap" ] || no "no capture of scenario 2" || return 1
	[ -s "$tmp/http.pcap" ] || no "no capture of scenario 3" || return 1
	n=$(tshark -r "$tmp/bulk.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
	[ "$n" -gt 1000 ] || no "the capture of scenario 2 holds only $n packets" || return 1
	# The payload is random: as "data", or heuristic dissectors (Thrift,
	# JXTA, TDS) take some segments for theirs and call them malformed.
	bad=$(tshark -r "$tmp/bulk.pcap" -d tcp.port==5002,data -Y "$tsfilter" 2>/dev/null | head -n 5)
	[ -z "$bad" ] || no "scenario 2's capture: $bad" || return 1
	n2=$(tshark -r "$tmp/http.pcap" -T fields -e frame.number 2>/dev/null | wc -l)
	bad=$(tshark -r "$tmp/http.pcap" "${tsopts[@]}" -Y "$tsfilter" 2>/dev/null | head -n 5)
	[ -z "$bad" ] || no "scenario 3's capture: $bad" || return 1
	detail="$n packets (headers) and $n2 packets (checksums verified) without a malformed packet or expert error"
}

declare -A title=(
	[1]="1 dpstack client -> kernel server, $(mib "$bytes") each way"
	[2]="2 kernel client -> dpstack server (accept, writev/readv), $(mib "$bytes") each way"
	[3]="3 curl GET of 1 MiB from dpstack, 3 times"
	[4a]="4a kernel reset (SO_LINGER 0) while dpstack receives"
	[4b]="4b kernel reset while dpstack sends"
	[4c]="4c kernel reset with 32 KiB unread, seen by poll"
	[5]="5 kernel half-close, dpstack sends 4 MiB in CLOSE_WAIT"
	[6a]="6a TCP_USER_TIMEOUT 2000 ms set before connect, the peer vanishes"
	[6b]="6b TCP_USER_TIMEOUT 2000 ms set when established, the peer vanishes"
	[6c]="6c keepalive 1,1,3, the peer vanishes"
	[6d]="6d the kernel's keepalive against dpstack"
	[7]="7 tshark on the captures"
)
t_start=$(date +%s)
for s in 1 2 3 4a 4b 4c 5 6a 6b 6c 6d 7; do
	case $only in *" $s "*|*" ${s%[abcd]} "*) ;; *) continue ;; esac
	cur=s$s detail='' why=''
	if [ $s = 7 ] && [[ $only != *" 2 "* || $only != *" 3 "* ]]; then
		echo "SKIP ${title[7]}: needs scenarios 2 and 3"; continue
	fi
	rc=0
	"s$s" || rc=$?
	case $rc in
	0) pass "${title[$s]}${detail:+: $detail}" ;;
	77) echo "SKIP ${title[$s]}: $detail" ;;
	*) flunk "${title[$s]}" ;;
	esac
	stop_capture
	bh_off
	oracle_off
	for p in "${pids[@]}"; do
		kill -CONT "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
	pids=()
done
echo "kernel_tcp: $(($(date +%s) - t_start)) s"
exit $failed
