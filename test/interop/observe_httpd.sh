#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Observing a running dps-httpd with DPDK's own tools, the kernel as
# client over a veth pair:
#   namespace dpod-*: dps-httpd on net_af_packet, 198.18.11.2/24, with
#     its own --file-prefix (which names its telemetry socket) and the
#     EAL's telemetry on
#   namespace dpok-*: the kernel, 198.18.11.1/24: curl, python3
# Checks, one PASS/FAIL line each, every one on a fresh dps-httpd that is
# then stopped with SIGINT and must report no leak and exit 0:
#   1 telemetry (dpdk-telemetry.py -f PREFIX): after 5 curl requests and
#     one keep-alive connection held open with one request done,
#     /dps_httpd/stats says 6 accepted, 6 requests, 1 open; the stack's
#     /dpstack/counters agree (tcp_accepted 6, tcp_passive_opens 6);
#     /dpstack/conns shows 1 ESTABLISHED and 1 LISTEN and nothing else,
#     and lists both descriptors; /dpstack/conn,FD gives LISTEN on
#     0.0.0.0:80 for one and, for the other, ESTABLISHED with the held
#     connection's port as peer, an MSS and an RTT; /dpstack/lcores shows
#     one lcore that looped; a layer filter keeps only that layer's
#     counters; then the server's own summary says 6 connections and 6
#     requests
#   2 built-in capture (--pcap FILE --pcap-snaplen 64): a curl request,
#     read back with tshark: SYN, SYN-ACK, ACK opening the connection,
#     no frame kept longer than 64 bytes while the response was longer,
#     as many frames in the file as the app says it wrote, none dropped,
#     no capture mbuf left
#   3 --pcap-count 4: exactly 4 frames in the file
#   4 /dpstack/conn over IPv6: a dual-stack dps-httpd (2001:db8:11::2/64
#     too) holding one IPv6 and one IPv4 keep-alive connection from the
#     kernel (2001:db8:11::1/64): the listener is [::]:80, the IPv6
#     connection [2001:db8:11::2]:80 with the kernel's address and port
#     as peer, the IPv4 one v4-mapped as the socket names it
#     ([::ffff:198.18.11.2]:80, peer [::ffff:198.18.11.1]:PORT)
# Names are unique per run; a trap removes everything on every exit path.
# Usage: observe_httpd.sh PATH/TO/dps-httpd [CHECK...]
#   OBSERVE_KEEP=1 keeps the work directory.
set -euo pipefail

bin=${1:?usage: observe_httpd.sh PATH/TO/dps-httpd [CHECK...]}
shift
only=" ${*:-1 2 3 4} "
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi
tel=/usr/bin/dpdk-telemetry.py
for t in curl ethtool jq tshark "$tel"; do
	command -v "$t" >/dev/null ||
		{ echo "FAIL: $t is not installed (scripts/deps.sh installs it)"; exit 1; }
done
py=$(command -v /usr/bin/python3 || command -v python3)

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=dpok-$sfx nsd=dpod-$sfx vk=ok$sfx vd=od$sfx
K=198.18.11.1 D=198.18.11.2
tmp=$(mktemp -d /tmp/dps-observe.XXXXXX)
srv= cli=

cleanup() {
	trap '' INT TERM
	[ -n "$srv" ] && kill -9 "$srv" 2>/dev/null || true
	[ -n "$cli" ] && kill -9 "$cli" 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$nsk" 2>/dev/null || true
	ip netns del "$nsd" 2>/dev/null || true
	rm -rf /var/run/dpdk/dpo"$sfx"c[0-9]*
	if [ -n "${OBSERVE_KEEP:-}" ]; then echo "outputs kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$(dirname "$0")/veth_pair.sh"
veth_pair "$nsk" "$nsd" "$vk" "$vd" "$K/24" noipv6

failed=0
why=
pass() { echo "PASS $*"; }
no() { why=$*; return 1; }
flunk() {
	echo "FAIL $*: $why"
	failed=1
	for f in "$tmp/$cur"-*.log; do
		[ -s "$f" ] && { echo "---- $(basename "$f")"; tail -n 20 "$f"; }
	done
	return 0
}
kx() { ip netns exec "$nsk" "$@"; }

# server ARGS...: start dps-httpd with telemetry and multi-process on
# (no --no-telemetry, no --no-shconf) under its own prefix.
server() {
	pfx=dpo$sfx$cur
	ip netns exec "$nsd" "$bin" --no-huge -m 512 --no-pci --file-prefix="$pfx" \
		--log-level=lib.eal:error -l 0 --vdev="net_af_packet0,iface=$vd" -- \
		--addr "$D/24" --quiet "$@" >"$tmp/$cur-srv.log" 2>&1 &
	srv=$!
	for _ in $(seq 200); do
		grep -qs '^dps-httpd: serving' "$tmp/$cur-srv.log" && return 0
		kill -0 "$srv" 2>/dev/null || break
		sleep 0.05
	done
	no "dps-httpd did not start"
}

# server_stop: SIGINT; it must exit 0 and report no leak within 15 s.
server_stop() {
	local rc=0
	kill -INT "$srv" 2>/dev/null || true
	for _ in $(seq 150); do kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$srv" 2>/dev/null; then
		kill -9 "$srv"; wait "$srv" 2>/dev/null || true; srv=
		no "dps-httpd did not exit within 15 s of SIGINT"; return 1
	fi
	wait "$srv" || rc=$?
	srv=
	grep -q '^left over: .*: no leak$' "$tmp/$cur-srv.log" ||
		no "leak: $(grep '^left over' "$tmp/$cur-srv.log" || echo 'no summary')" || return 1
	[ "$rc" = 0 ] || no "dps-httpd exited with $rc" || return 1
}

# q CMD: the value of telemetry command CMD, as JSON ("null" when none).
q() {
	printf '%s\n' "$1" | "$tel" -f "$pfx" 2>>"$tmp/$cur-tel.log" |
		jq -c --arg k "${1%%,*}" '.[$k]' | tee -a "$tmp/$cur-tel.log"
}

# until_q CMD JQ: wait (at most 20 s) until JQ holds on CMD's value.
until_q() {
	for _ in $(seq 100); do
		[ "$(q "$1" | jq "$2")" = true ] && return 0
		sleep 0.2
	done
	no "$1: '$2' never held; last: $(q "$1")"
}

run() {
	local n=$1 text=$2 ok=0
	case $only in *" $n "*) ;; *) return 0 ;; esac
	cur=c$n why=
	"c$n" || ok=1
	if [ -n "$cli" ]; then kill "$cli" 2>/dev/null || true; wait "$cli" 2>/dev/null || true; cli=; fi
	if [ -n "$srv" ]; then
		if [ $ok = 0 ]; then server_stop || ok=1; else server_stop || true; fi
	fi
	if [ $ok = 0 ] && [ "$(type -t "c${n}_after")" = function ]; then "c${n}_after" || ok=1; fi
	if [ $ok = 0 ]; then pass "$n $text"; else flunk "$n $text"; fi
}

c1() {
	local fds fd v lport st
	server || return 1
	for _ in 1 2 3 4 5; do
		kx curl -sS -o /dev/null -m 10 "http://$D/" || no "curl failed" || return 1
	done
	# One keep-alive connection with a request done, held open until
	# the file "release" appears.
	kx "$py" - "$D" "$tmp/c1-port" "$tmp/release" >"$tmp/c1-client.log" 2>&1 <<'EOF' &
import os, socket, sys, time
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
got = b""
while b"\r\n\r\n" not in got:
    got += s.recv(4096)
open(sys.argv[2] + ".tmp", "w").write(str(s.getsockname()[1]))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
for _ in range(600):
    if os.path.exists(sys.argv[3]):
        break
    time.sleep(0.1)
s.close()
EOF
	cli=$!
	for _ in $(seq 200); do [ -s "$tmp/c1-port" ] && break; sleep 0.05; done
	lport=$(cat "$tmp/c1-port" 2>/dev/null) || no "the client did not connect" || return 1

	until_q /dps_httpd/stats '.accepted == 6 and .requests == 6 and .open == 1' || return 1
	until_q /dpstack/conns '.ESTABLISHED == 1 and .LISTEN == 1 and .total == 2 and (.fds | length) == 2' ||
		return 1
	v=$(q /dpstack/counters)
	[ "$(jq '.tcp_accepted == 6 and .tcp_passive_opens == 6 and .["drop/tcp_bad_csum"] == 0' <<<"$v")" = true ] ||
		no "/dpstack/counters disagree with the app: $v" || return 1
	v=$(q /dpstack/counters,0,tcp)
	[ "$(jq '(keys | all(startswith("tcp_"))) and .tcp_accepted == 6' <<<"$v")" = true ] ||
		no "/dpstack/counters,0,tcp: $v" || return 1
	v=$(q /dpstack/counters,all,drop)
	[ "$(jq '(keys | length) > 10 and (keys | all(startswith("drop/")))' <<<"$v")" = true ] ||
		no "/dpstack/counters,all,drop: $v" || return 1
	v=$(q /dpstack/lcores)
	[ "$(jq '.lcores == 1 and .loops[0] > 0 and .busy_cycles[0] > 0 and .idle_cycles[0] > 0 and
		.request_ring_size[0] > 0 and .mbufs_free[0] > 0' <<<"$v")" = true ] ||
		no "/dpstack/lcores: $v" || return 1
	fds=$(q /dpstack/conns | jq -r '.fds[]')
	st=
	for fd in $fds; do
		v=$(q "/dpstack/conn,$fd")
		case $(jq -r .state <<<"$v") in
		LISTEN)
			[ "$(jq -r .local <<<"$v")" = 0.0.0.0:80 ] || no "listener: $v" || return 1
			st+=L ;;
		ESTABLISHED)
			[ "$(jq --arg p "$K:$lport" '.peer == $p and .local == "'"$D"':80" and
				.snd_mss > 0 and .rtt > 0 and .lcore == 0' <<<"$v")" = true ] ||
				no "held connection (peer port $lport): $v" || return 1
			st+=E ;;
		*) no "/dpstack/conn,$fd: $v"; return 1 ;;
		esac
	done
	[ "$st" = LE ] || [ "$st" = EL ] || no "descriptors $fds gave states '$st'" || return 1
	[ "$(q /dpstack/conn,999999 | jq -r .error)" != null ] ||
		no "a descriptor that does not exist gave no error" || return 1
	touch "$tmp/release"
	wait "$cli" || no "the client failed: $(tail -n 1 "$tmp/c1-client.log")" || return 1
	cli=
}

c1_after() {
	grep -q '^dps-httpd: .* s, 6 connections (.*), 6 requests' "$tmp/c1-srv.log" ||
		no "the summary does not say 6 connections, 6 requests: $(grep -m1 '^dps-httpd: .* s,' "$tmp/c1-srv.log")"
}

# fields FILE FIELD...: tshark's fields of every frame, tab-separated.
fields() {
	local f=$1
	shift
	tshark -r "$f" -T fields $(printf -- '-e %s ' "$@") 2>/dev/null
}

c2() {
	server --pcap "$tmp/c2.pcapng" --pcap-snaplen 64 || return 1
	kx curl -sS -o /dev/null -m 10 "http://$D/" || no "curl failed" || return 1
}

c2_after() {
	local f=$tmp/c2.pcapng n hs
	n=$(grep -oE 'capture: [0-9]+ frames written to .*, 0 dropped \(capture pool or ring full\)$' \
		"$tmp/c2-srv.log" | grep -oE '[0-9]+' | head -1) ||
		no "no capture line, or drops: $(grep capture "$tmp/c2-srv.log")" || return 1
	[ "$(fields "$f" frame.number | wc -l)" = "$n" ] ||
		no "the app wrote $n frames, tshark reads $(fields "$f" frame.number | wc -l)" || return 1
	# The first three TCP frames: SYN from the kernel, SYN-ACK, ACK.
	hs=$(fields "$f" ip.src tcp.flags | awk -F'\t' '$2 != "" { print $1 "/" $2 }' | head -3 | tr '\n' ' ')
	[ "$hs" = "$K/0x0002 $D/0x0012 $K/0x0010 " ] ||
		no "expected the handshake SYN, SYN-ACK, ACK; got '$hs'" || return 1
	[ "$(fields "$f" frame.cap_len | sort -n | tail -1)" = 64 ] ||
		no "frames kept up to $(fields "$f" frame.cap_len | sort -n | tail -1) bytes, not 64" || return 1
	[ "$(fields "$f" frame.len | sort -n | tail -1)" -gt 64 ] ||
		no "no frame was longer than the snap length" || return 1
}

c3() {
	server --pcap "$tmp/c3.pcapng" --pcap-count 4 || return 1
	kx curl -sS -o /dev/null -m 10 "http://$D/" || no "curl failed" || return 1
}

c3_after() {
	[ "$(fields "$tmp/c3.pcapng" frame.number | wc -l)" = 4 ] ||
		no "--pcap-count 4 wrote $(fields "$tmp/c3.pcapng" frame.number | wc -l) frames" || return 1
}

# The kernel's IPv6 address for check 4 (IPv6 was off on both ends so
# that checks 2 and 3 capture only their own traffic; the device end
# stays off: dpstack answers there, not the namespace's kernel).
K6=2001:db8:11::1 D6=2001:db8:11::2

c4() {
	local fds fd v ports p6 p4 st
	ip netns exec "$nsk" sysctl -qw "net.ipv6.conf.$vk.accept_dad=0" \
		"net.ipv6.conf.$vk.disable_ipv6=0"
	ip -n "$nsk" addr replace "$K6/64" dev "$vk" nodad
	server --addr "$D6/64" || return 1
	# Two keep-alive connections, IPv6 then IPv4, each with a request
	# done, held open until the file "release" appears.
	kx "$py" - "$tmp/c4-ports" "$tmp/release4" "$D6" "$D" >"$tmp/c4-client.log" 2>&1 <<'EOF2' &
import os, socket, sys, time
socks = []
for host in sys.argv[3:]:
    s = socket.create_connection((host, 80), timeout=10)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    got = b""
    while b"\r\n\r\n" not in got:
        got += s.recv(4096)
    socks.append(s)
open(sys.argv[1] + ".tmp", "w").write(" ".join(str(s.getsockname()[1]) for s in socks))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
for _ in range(600):
    if os.path.exists(sys.argv[2]):
        break
    time.sleep(0.1)
for s in socks:
    s.close()
EOF2
	cli=$!
	for _ in $(seq 200); do [ -s "$tmp/c4-ports" ] && break; sleep 0.05; done
	ports=$(cat "$tmp/c4-ports" 2>/dev/null) || no "the client did not connect" || return 1
	read -r p6 p4 <<<"$ports"
	until_q /dpstack/conns '.ESTABLISHED == 2 and .LISTEN == 1 and (.fds | length) == 3' ||
		return 1
	st=
	for fd in $(q /dpstack/conns | jq -r '.fds[]'); do
		v=$(q "/dpstack/conn,$fd")
		case $(jq -r .state <<<"$v") in
		LISTEN)
			[ "$(jq -r .local <<<"$v")" = '[::]:80' ] || no "listener: $v" || return 1
			st+=L ;;
		ESTABLISHED)
			if [ "$(jq -r .peer <<<"$v")" = "[$K6]:$p6" ]; then
				[ "$(jq '.local == "['"$D6"']:80" and .snd_mss > 0' <<<"$v")" = true ] ||
					no "IPv6 connection (peer port $p6): $v" || return 1
				st+=6
			elif [ "$(jq -r .peer <<<"$v")" = "[::ffff:$K]:$p4" ]; then
				[ "$(jq '.local == "[::ffff:'"$D"']:80" and .snd_mss > 0' <<<"$v")" = true ] ||
					no "IPv4 connection (peer port $p4): $v" || return 1
				st+=4
			else
				no "a connection neither [$K6]:$p6 nor [::ffff:$K]:$p4: $v"
				return 1
			fi ;;
		*) no "/dpstack/conn,$fd: $v"; return 1 ;;
		esac
	done
	[ "$(echo "$st" | grep -o . | sort | tr -d '\n')" = 46L ] ||
		no "descriptors gave '$st', not a listener, an IPv6 and an IPv4 connection" || return 1
	touch "$tmp/release4"
	wait "$cli" || no "the client failed: $(tail -n 1 "$tmp/c4-client.log")" || return 1
	cli=
}

run 1 "telemetry agrees with the app and the connections"
run 2 "--pcap: the handshake, the snap length, every frame written"
run 3 "--pcap-count 4 writes 4 frames"
run 4 "/dpstack/conn over IPv6: [addr]:port, an IPv4 peer v4-mapped"
exit $failed
