#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dps-gen and dps-lat with the Linux kernel as the peer, over a veth pair.
#   namespace dpgd-*: dps-gen / dps-lat on net_af_packet, 198.18.8.2/24
#   namespace dpgk-*: the kernel, 198.18.8.1/24: nginx (its own config in
#                     the work directory), socat, python3
# Checks, one PASS/FAIL line each:
#   1 dps-gen cps/http 3 s against nginx: >= 20 connections, no error,
#     every response a 200, as many 200s in nginx's log as completed
#     requests, leak check clean
#   1b dps-gen cps/http --open-loop --rate 200 for 3 s: launches made and
#     skipped add up to 600 (480-660), no error, every response logged
#   2 dps-gen conc/http --conc 8 (keep-alive) against nginx: no error,
#     more requests than connections
#   3 dps-gen bulk 3 s into socat (discard): > 0 Gbit/s, no error
#   4 dps-lat rr against a socat echo: requests counted, a sane histogram
#   5 a kernel client (python3) against dps-lat --echo: 1000 round trips
#   6 dps-lat --mode udp against a python3 UDP echo (a); a python3 UDP
#     client against dps-lat --echo --udp (b); a dps-gen UDP stream
#     (--mode bulk --proto udp) into the python3 echo: rate, loss, jitter (c)
#   7 a wrong argument: one line, exit 2 (a); an impossible --conc for the
#     tuple space: refused before start with exit 2 (b); --open-loop
#     without --rate: exit 2 (c)
#   8 dps-gen conc/http from a range of 253 source addresses
#     (--addr 198.18.8.2-198.18.8.254/24, 2 connections each) against
#     nginx: no error, every connection established, and the kernel
#     resolved every address of the range by ARP (its neighbour table)
#   10 two ports in one dps-gen (--dev 0 ... --dev 1 ..., a second veth
#     pair into the kernel's namespace, 198.18.9.0/24): requests leave by
#     both, each from its port's address, as nginx's log shows
#   9 HTTP request control against nginx: HEAD over two --path values in
#     turn (conc, keep-alive), and POST with --body-size and --header
#     (conc, so that a body of the wrong length would break the framing of
#     the next request); nginx's log shows each method, path, header and
#     Content-Length; a header the generator owns is refused
# Usage: gen_kernel.sh PATH/TO/dps-gen PATH/TO/dps-lat [CHECK...]
# Environment: GEN_KEEP=1 keeps the work directory; GEN_LCORES=0-1 runs
#   dpstack on two lcores.
set -uo pipefail

gen=${1:?usage: gen_kernel.sh PATH/TO/dps-gen PATH/TO/dps-lat [CHECK...]}
lat=${2:?usage: gen_kernel.sh PATH/TO/dps-gen PATH/TO/dps-lat [CHECK...]}
shift 2
only=" ${*:-1 2 3 4 5 6 7 8 9 10} "
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi
for t in nginx socat ethtool; do
	command -v "$t" >/dev/null ||
		{ echo "FAIL: $t is not installed (apt-get install nginx-light socat ethtool)"; exit 1; }
done
py=$(command -v /usr/bin/python3 || command -v python3)

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=dpgk-$sfx nsd=dpgd-$sfx vk=gk$sfx vd=gd$sfx
K=198.18.8.1 D=198.18.8.2
tmp=$(mktemp -d /tmp/dps-gen.XXXXXX)
chmod 755 "$tmp"
pids=()

cleanup() {
	trap '' INT TERM
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip netns del "$nsk" 2>/dev/null || true
	ip netns del "$nsd" 2>/dev/null || true
	if [ -n "${GEN_KEEP:-}" ]; then echo "outputs kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$(dirname "$0")/veth_pair.sh"
veth_pair "$nsk" "$nsd" "$vk" "$vd" "$K/24" noipv6
# A second pair for check 10 (two ports in one process).
K2=198.18.9.1 D2=198.18.9.2 vk2=gm$sfx vd2=gn$sfx
ip link add "$vk2" netns "$nsk" type veth peer name "$vd2" netns "$nsd"
ip netns exec "$nsk" sh -c "echo 1 > /proc/sys/net/ipv6/conf/$vk2/disable_ipv6"
ip netns exec "$nsd" sh -c "echo 1 > /proc/sys/net/ipv6/conf/$vd2/disable_ipv6"
ip -n "$nsk" addr add "$K2/24" dev "$vk2"
ip -n "$nsk" link set "$vk2" up
ip -n "$nsd" link set "$vd2" up
ip netns exec "$nsk" ethtool -K "$vk2" tx off >/dev/null
ip netns exec "$nsk" sysctl -qw net.core.somaxconn=4096

# GEN_LCORES=0-1 runs dpstack with two lcores (and two queue pairs).
lcores=${GEN_LCORES:-0}
qp=1
[[ $lcores == *-* ]] && qp=$((${lcores#*-} - ${lcores%-*} + 1))
eal=(--no-huge -m 512 --no-pci --no-shconf --no-telemetry
	--file-prefix="dpg$sfx" --log-level=lib.eal:error -l "$lcores"
	--vdev="net_af_packet0,iface=$vd,qpairs=$qp")

failed=0
pass() { echo "PASS $*"; }
fail() {	# CHECK REASON [LOG...]
	local what=$1 why=$2 f; shift 2
	echo "FAIL $what: $why"
	failed=1
	for f in "$@"; do [ -s "$f" ] && { echo "---- $(basename "$f")"; tail -n 20 "$f"; }; done
	return 0
}
want() { [[ $only == *" $1 "* ]]; }

# jget FILE KEY: a field (a.b for nested) of the JSON summary in FILE.
jget() {
	"$py" - "$1" "$2" <<'EOF'
import json, sys
obj = None
for line in open(sys.argv[1]):
    if line.startswith('{'):
        obj = json.loads(line)
if obj is None:
    print("none"); sys.exit(0)
for k in sys.argv[2].split('.'):
    obj = obj.get(k) if isinstance(obj, dict) else None
print(obj if obj is not None else "none")
EOF
}
# cmp A OP B with awk (numbers, "none" fails).
num() { awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
	if (a == "none" || b == "none") exit 1
	if (op == ">=") exit !(a + 0 >= b + 0); if (op == ">") exit !(a + 0 > b + 0)
	if (op == "==") exit !(a + 0 == b + 0); exit 1 }'; }

# bg NS LOG CMD...: start in the background in namespace NS.
bg() {
	local ns=$1 log=$2; shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	pids+=($!)
	last=$!
}
# stop PID: SIGINT, then wait up to 5 s; the exit status in $src (124
# when it had to be killed).
stop() {
	local p=$1 i
	src=0
	kill -INT "$p" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$p" 2>/dev/null; then
		kill -9 "$p" 2>/dev/null
		src=124
	fi
	wait "$p" || src=$?
	[ "$src" = 137 ] && src=124
	return 0
}
# port_up PORT [udp]: wait until the kernel listens.
port_up() {
	local i flag=-tln
	[ "${2:-}" = udp ] && flag=-uln
	for ((i = 0; i < 50; i++)); do
		ip netns exec "$nsk" ss -H "$flag" "sport = :$1" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}
# dps NAME ARGS...: run dps-gen/dps-lat in the dpstack namespace.
run_dps() {
	local log=$1; shift
	ip netns exec "$nsd" timeout 60 "$@" >"$log" 2>"$log.err"
}

# ---- nginx ----
mkdir -p "$tmp/www" "$tmp/ngx"
head -c 1000 /dev/urandom | base64 -w 0 >"$tmp/www/index.html"
head -c 300 /dev/urandom | base64 -w 0 >"$tmp/www/b.html"
chmod -R a+rX "$tmp/www"
cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 4096; }
http {
	log_format st '\$status';
	access_log $tmp/access.log st;
	log_format rq '\$request_method \$uri \$http_x_dps \$content_length \$status \$remote_addr';
	access_log $tmp/req.log rq;
	client_body_temp_path $tmp/ngx/body;
	proxy_temp_path $tmp/ngx/proxy;
	fastcgi_temp_path $tmp/ngx/fastcgi;
	keepalive_requests 1000000;
	server {
		listen $K:80;
		listen $K2:80;
		root $tmp/www;
		location = /post { return 200 "ok\\n"; }
	}
}
EOF
ngx_on() {
	bg "$nsk" "$tmp/nginx.log" nginx -c "$tmp/nginx.conf" -g 'daemon off;'
	ngx_pid=$last
	port_up 80
}
count200() { local n; n=$(grep -c '^200$' "$tmp/access.log" 2>/dev/null) || true; echo "${n:-0}"; }

# ---- 1, 2: HTTP against nginx ----
http_check() {	# NAME LOG dps-gen-args...
	local name=$1 log=$2 rc before after; shift 2
	before=$(count200)
	run_dps "$log" "$gen" "${eal[@]}" -- --addr "$D/24" --to "$K:80" --proto http \
		--path /index.html --json --quiet "$@"
	rc=$?
	sleep 0.3
	after=$(count200)
	ok200=$((after - before))
	[ "$rc" = 0 ] || { fail "$name" "dps-gen exited with $rc" "$log" "$log.err"; return 1; }
	[ "$(jget "$log" errors)" = 0 ] || { fail "$name" "errors: $(jget "$log" errors_by_kind)" "$log"; return 1; }
	[ "$(jget "$log" leak_check)" = clean ] || { fail "$name" "leak check: $(jget "$log" leak_check)" "$log"; return 1; }
	return 0
}

# nreq METHOD URI [X-DPS]: requests nginx logged with those (and a 200).
nreq() {
	awk -v m="$1" -v u="$2" -v x="${3:--}" '$1 == m && $2 == u && $3 == x && $5 == 200' \
		"$tmp/req.log" 2>/dev/null | wc -l
}

# ---- 9: --method, --path repeated, --header, --body-size ----
check9() {
	local a b p short
	run_dps "$tmp/9a.json" "$gen" "${eal[@]}" -- --addr "$D/24" --to "$K:80" --proto http \
		--mode conc --conc 4 --count 200 --method HEAD --path /index.html --path /b.html \
		--json --quiet
	rc=$?
	sleep 0.3
	a=$(nreq HEAD /index.html); b=$(nreq HEAD /b.html)
	if [ "$rc" != 0 ] || [ "$(jget "$tmp/9a.json" errors)" != 0 ] ||
			[ "$(jget "$tmp/9a.json" resp_2xx)" != 200 ]; then
		fail "9a HEAD over two paths" "exit $rc, errors $(jget "$tmp/9a.json" errors_by_kind), 2xx $(jget "$tmp/9a.json" resp_2xx)" "$tmp/9a.json" "$tmp/9a.json.err"
	elif [ "$a" != 100 ] || [ "$b" != 100 ]; then
		fail "9a HEAD over two paths" "nginx logged $a HEAD /index.html and $b HEAD /b.html (want 100 each)" "$tmp/req.log"
	else
		pass "9a HEAD on keep-alive connections over two paths in turn: 100 + 100, every response a 200 with no body read"
	fi
	run_dps "$tmp/9b.json" "$gen" "${eal[@]}" -- --addr "$D/24" --to "$K:80" --proto http \
		--mode conc --conc 2 --count 50 --method POST --body-size 3000 --path /post \
		-H "X-Dps: t9" --json --quiet
	rc=$?
	sleep 0.3
	p=$(nreq POST /post t9)
	short=$(awk '$1 == "POST" && $4 != 3000' "$tmp/req.log" | wc -l)
	if [ "$rc" != 0 ] || [ "$(jget "$tmp/9b.json" errors)" != 0 ] ||
			[ "$(jget "$tmp/9b.json" resp_2xx)" != 50 ]; then
		fail "9b POST with a body" "exit $rc, errors $(jget "$tmp/9b.json" errors_by_kind), 2xx $(jget "$tmp/9b.json" resp_2xx)" "$tmp/9b.json" "$tmp/9b.json.err"
	elif [ "$p" != 50 ] || [ "$short" != 0 ]; then
		fail "9b POST with a body" "nginx logged $p POST /post with X-Dps: t9 (want 50), $short without Content-Length: 3000" "$tmp/req.log"
	elif ! num "$(jget "$tmp/9b.json" tx_bytes)" ">=" 150000; then
		fail "9b POST with a body" "sent $(jget "$tmp/9b.json" tx_bytes) bytes, under 50 bodies of 3000" "$tmp/9b.json"
	else
		pass "9b POST --body-size 3000 --header 'X-Dps: t9', 50 on 2 keep-alive connections: nginx framed and answered all 50"
	fi
	run_dps "$tmp/9c.out" "$gen" "${eal[@]}" -- --addr "$D/24" --to "$K:80" --proto http \
		--header "Connection: keep-alive"
	rc=$?
	if [ "$rc" = 2 ] && grep -q "Connection, Content-Length" "$tmp/9c.out.err"; then
		pass "9c a header the generator owns is refused before start"
	else
		fail "9c owned header" "exit $rc" "$tmp/9c.out.err"
	fi
}

# ---- 10: two ports ----
check10() {
	local a0 b0 a b
	a0=$(awk -v s="$D" '$6 == s' "$tmp/req.log" 2>/dev/null | wc -l)
	b0=$(awk -v s="$D2" '$6 == s' "$tmp/req.log" 2>/dev/null | wc -l)
	run_dps "$tmp/10.json" "$gen" "${eal[@]}" --vdev="net_af_packet1,iface=$vd2,qpairs=$qp" -- \
		--dev 0 --addr "$D/24" --to "$K:80" --dev 1 --addr "$D2/24" --to "$K2:80" \
		--proto http --path /index.html --mode conc --conc 8 --count 400 --json --quiet
	rc=$?
	sleep 0.3
	a=$(( $(awk -v s="$D" '$6 == s' "$tmp/req.log" | wc -l) - a0 ))
	b=$(( $(awk -v s="$D2" '$6 == s' "$tmp/req.log" | wc -l) - b0 ))
	if [ "$rc" != 0 ] || [ "$(jget "$tmp/10.json" errors)" != 0 ] ||
			[ "$(jget "$tmp/10.json" resp_2xx)" != 400 ]; then
		fail "10 two ports" "exit $rc, errors $(jget "$tmp/10.json" errors_by_kind), 2xx $(jget "$tmp/10.json" resp_2xx)" "$tmp/10.json" "$tmp/10.json.err"
	elif ! num "$a" ">=" 50 || ! num "$b" ">=" 50 || [ "$((a + b))" != 400 ]; then
		fail "10 two ports" "nginx logged $a requests from $D (port 0) and $b from $D2 (port 1)" "$tmp/req.log"
	else
		pass "10 two ports in one dps-gen: $a requests from $D by port 0, $b from $D2 by port 1"
	fi
	run_dps "$tmp/10b.out" "$gen" "${eal[@]}" --vdev="net_af_packet1,iface=$vd2,qpairs=$qp" -- \
		--dev 0 --addr "$D/24" --to "$K:80" --dev 1 --addr "$D2/24" --proto http
	rc=$?
	if [ "$rc" = 2 ] && grep -q -- "--dev 1 has no --to" "$tmp/10b.out.err"; then
		pass "10b a port with no --to is refused before start"
	else
		fail "10b a port with no --to" "exit $rc" "$tmp/10b.out.err"
	fi
}

if want 1 || want 2 || want 8 || want 9 || want 10; then
	if ! ngx_on; then
		fail "1-2 nginx" "nginx did not start" "$tmp/nginx.log" "$tmp/nginx-error.log"
	else
		if want 1 && http_check "1 cps/http against nginx" "$tmp/1.json" --mode cps --duration 3; then
			est=$(jget "$tmp/1.json" conn_established); done=$(jget "$tmp/1.json" req_done)
			ok=$(jget "$tmp/1.json" resp_2xx)
			# Enough to show the loop runs; no rate (a busy machine).
			if ! num "$est" ">=" 20; then
				fail "1 cps/http against nginx" "only $est connections"
			elif [ "$ok" != "$done" ] || [ "$ok200" != "$done" ]; then
				fail "1 cps/http against nginx" "completed $done, 2xx $ok, nginx logged $ok200 200s"
			else
				pass "1 cps/http against nginx: $est connections, $done requests = $ok200 200s in nginx's log, leak check clean"
			fi
		fi
		if want 2 && http_check "2 conc/http against nginx" "$tmp/2.json" --mode conc --conc 8 --duration 2; then
			est=$(jget "$tmp/2.json" conn_established); done=$(jget "$tmp/2.json" req_done)
			if num "$done" ">" "$est" && [ "$ok200" = "$done" ]; then
				pass "2 conc/http keep-alive against nginx: $done requests on $est connections"
			else
				fail "2 conc/http against nginx" "$done requests on $est connections, nginx logged $ok200 200s" "$tmp/2.json"
			fi
		fi
		# Open loop: a launch per tick of --rate, whatever completes.
		# Launches made and skipped add up to the rate times the run
		# (the TSC's time, so a starved lcore skips, it does not slow).
		if want 1 && http_check "1b cps/http --open-loop against nginx" "$tmp/1b.json" \
				--mode cps --open-loop --rate 200 --duration 3; then
			att=$(jget "$tmp/1b.json" conn_attempted); sk=$(jget "$tmp/1b.json" conn_skipped)
			done=$(jget "$tmp/1b.json" req_done)
			if num "$((att + sk))" ">=" 480 && ! num "$((att + sk))" ">" 660 &&
					[ "$ok200" = "$done" ] && num "$done" ">=" 1; then
				pass "1b open loop at 200/s for 3 s: $att launched, $sk skipped, $done requests = $ok200 200s"
			else
				fail "1b open loop" "$att launched + $sk skipped (want 480-660), $done requests, nginx logged $ok200" "$tmp/1b.json"
			fi
		fi
		# Source addresses from a range: the kernel asks for each one
		# (no static entry, no gratuitous ARP but for the first) and
		# dpstack answers for every address of it.
		if want 8 && http_check "8 conc/http from 253 addresses" "$tmp/8.json" \
				--addr 198.18.8.2-198.18.8.254/24 --mode conc --conc 506 \
				--rate 1000 --duration 3; then
			est=$(jget "$tmp/8.json" conn_established)
			nb=$(ip -n "$nsk" neigh show dev "$vk" | grep -c lladdr || true)
			if num "$est" ">=" 506 && num "$nb" ">=" 253; then
				pass "8 conc/http from a 253-address range: $est connections, the kernel resolved $nb neighbours"
			else
				fail "8 conc/http from a range" "$est connections (want 506), $nb neighbours in the kernel (want 253)" "$tmp/8.json"
			fi
		fi
		want 9 && check9
		want 10 && check10
		stop "$ngx_pid"
	fi
fi

# ---- 3: bulk into a kernel discard ----
if want 3; then
	bg "$nsk" "$tmp/3-socat.log" socat -u "TCP-LISTEN:5001,reuseaddr,bind=$K" OPEN:/dev/null
	sp=$last
	if ! port_up 5001; then
		fail "3 bulk" "socat did not listen" "$tmp/3-socat.log"
	else
		run_dps "$tmp/3.json" "$gen" "${eal[@]}" -- --addr "$D/24" --to "$K:5001" \
			--mode bulk --duration 3 --json --quiet
		rc=$?
		g=$(jget "$tmp/3.json" tx_gbps)
		if [ "$rc" != 0 ] || [ "$(jget "$tmp/3.json" errors)" != 0 ]; then
			fail "3 bulk" "exit $rc, errors $(jget "$tmp/3.json" errors_by_kind)" "$tmp/3.json" "$tmp/3.json.err"
		elif ! num "$g" ">" 0; then
			fail "3 bulk" "$g Gbit/s" "$tmp/3.json"
		else
			pass "3 bulk into socat: $g Gbit/s"
		fi
	fi
	kill "$sp" 2>/dev/null || true
fi

# ---- 4: dps-lat rr against a kernel echo ----
if want 4; then
	bg "$nsk" "$tmp/4-socat.log" socat "TCP-LISTEN:7,fork,reuseaddr,bind=$K" EXEC:cat
	sp=$last
	if ! port_up 7; then
		fail "4 rr" "socat did not listen" "$tmp/4-socat.log"
	else
		run_dps "$tmp/4.json" "$lat" "${eal[@]}" -- --addr "$D/24" --to "$K:7" \
			--mode rr --duration 2 --json --quiet
		rc=$?
		n=$(jget "$tmp/4.json" req_done); p50=$(jget "$tmp/4.json" request_time.p50_ns)
		p99=$(jget "$tmp/4.json" request_time.p99_ns); mx=$(jget "$tmp/4.json" request_time.max_ns)
		hn=$(jget "$tmp/4.json" request_time.n)
		if [ "$rc" != 0 ] || [ "$(jget "$tmp/4.json" errors)" != 0 ]; then
			fail "4 rr" "exit $rc, errors $(jget "$tmp/4.json" errors_by_kind)" "$tmp/4.json" "$tmp/4.json.err"
		elif ! num "$n" ">" 0 || [ "$hn" != "$n" ] || ! num "$p50" ">" 0 || ! num "$mx" ">=" "$p99"; then
			fail "4 rr" "requests $n, histogram n $hn p50 $p50 p99 $p99 max $mx" "$tmp/4.json"
		else
			pass "4 rr against socat echo: $n round trips, p50 $((p50 / 1000)) us, p99 $((p99 / 1000)) us, max $((mx / 1000)) us"
		fi
	fi
	kill "$sp" 2>/dev/null || true
fi

# ---- 5: a kernel client against dps-lat --echo ----
cat >"$tmp/tcp_client.py" <<'EOF'
import os, socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
deadline = time.time() + 10
while True:
    try:
        s = socket.create_connection((host, port), timeout=1)
        break
    except OSError:
        if time.time() > deadline:
            print("cannot connect"); sys.exit(1)
        time.sleep(0.2)
s.settimeout(5)
for i in range(n):
    msg = os.urandom(1 + i % 300)
    s.sendall(msg)
    got = b""
    while len(got) < len(msg):
        chunk = s.recv(len(msg) - len(got))
        if not chunk:
            print("EOF after %d round trips" % i); sys.exit(1)
        got += chunk
    if got != msg:
        print("round trip %d: wrong bytes" % i); sys.exit(1)
s.close()
print("ok %d" % n)
EOF
if want 5; then
	bg "$nsd" "$tmp/5-echo.log" "$lat" "${eal[@]}" -- --addr "$D/24" --echo --port 7 --quiet
	ep=$last
	out=$(ip netns exec "$nsk" timeout 30 "$py" "$tmp/tcp_client.py" "$D" 7 1000 2>&1)
	stop "$ep"
	rc=$src
	if [ "$out" != "ok 1000" ]; then
		fail "5 kernel client against dps-lat --echo" "$out" "$tmp/5-echo.log"
	elif [ "$rc" != 0 ]; then
		fail "5 kernel client against dps-lat --echo" "dps-lat exited with $rc after SIGINT" "$tmp/5-echo.log"
	else
		pass "5 kernel client against dps-lat --echo: 1000 round trips, bytes intact"
	fi
fi

# ---- 6: UDP both ways ----
cat >"$tmp/udp_echo.py" <<'EOF'
import signal, socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
n = 0
def done(*_):
    print("echoed %d" % n, flush=True)
    sys.exit(0)
signal.signal(signal.SIGTERM, done)
while True:
    d, a = s.recvfrom(65536)
    s.sendto(d, a)
    n += 1
EOF
cat >"$tmp/udp_client.py" <<'EOF'
import os, socket, sys, time
host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
ok, deadline = 0, time.time() + 20
i = 0
while ok < n and time.time() < deadline:
    msg = b"%08d" % i + os.urandom(i % 200)
    i += 1
    s.sendto(msg, (host, port))
    try:
        while True:
            d, a = s.recvfrom(65536)
            if d == msg:
                ok += 1
                break
    except socket.timeout:
        if ok > 0:
            print("lost a reply after %d" % ok); sys.exit(1)
print("ok %d" % ok if ok == n else "only %d" % ok)
EOF
if want 6; then
	bg "$nsk" "$tmp/6-udpecho.log" "$py" "$tmp/udp_echo.py" "$K" 7
	up=$last
	if ! port_up 7 udp; then
		fail "6a udp" "the python UDP echo did not start" "$tmp/6-udpecho.log"
	else
		run_dps "$tmp/6a.json" "$lat" "${eal[@]}" -- --addr "$D/24" --to "$K:7" \
			--mode udp --flows 2 --duration 2 --json --quiet
		rc=$?
		n=$(jget "$tmp/6a.json" req_done)
		if [ "$rc" != 0 ] || [ "$(jget "$tmp/6a.json" errors)" != 0 ] || ! num "$n" ">" 0; then
			fail "6a dps-lat udp against a kernel echo" "exit $rc, $n replies, errors $(jget "$tmp/6a.json" errors_by_kind)" "$tmp/6a.json" "$tmp/6a.json.err"
		else
			pass "6a dps-lat udp against a kernel echo: $n round trips, p50 $(( $(jget "$tmp/6a.json" request_time.p50_ns) / 1000 )) us"
		fi
	fi
	# 6c: a UDP stream at 4,000 datagrams/s on 4 flows into the same
	# echo: datagrams sent at about the rate, loss, order and jitter
	# reported, the loss equal to what did not come back.
	if port_up 7 udp; then
		run_dps "$tmp/6c.json" "$gen" "${eal[@]}" -- --addr "$D/24" --to "$K:7" \
			--mode bulk --proto udp --conc 4 --rate 4000 --req-size 200 --duration 2 \
			--json --quiet
		rc=$?
		s=$(jget "$tmp/6c.json" req_sent); e=$(jget "$tmp/6c.json" req_done)
		l=$(jget "$tmp/6c.json" udp_lost); j=$(jget "$tmp/6c.json" udp_jitter_us)
		if [ "$rc" != 0 ] || [ "$(jget "$tmp/6c.json" errors)" != 0 ]; then
			fail "6c udp stream" "exit $rc, errors $(jget "$tmp/6c.json" errors_by_kind)" "$tmp/6c.json" "$tmp/6c.json.err"
		elif ! num "$s" ">=" 4000 || num "$s" ">" 8400 || ! num "$e" ">" 0 ||
				[ "$((s - e))" != "$l" ] || ! num "$j" ">" 0; then
			fail "6c udp stream" "sent $s (want 4000-8400), echoed $e, lost $l, jitter $j us" "$tmp/6c.json"
		else
			pass "6c udp stream at 4000/s into a kernel echo: sent $s, echoed $e, lost $l, out of order $(jget "$tmp/6c.json" udp_late), jitter $j us"
		fi
	fi
	kill "$up" 2>/dev/null || true
	bg "$nsd" "$tmp/6b-echo.log" "$lat" "${eal[@]}" -- --addr "$D/24" --echo --udp --port 7 --quiet
	ep=$last
	out=$(ip netns exec "$nsk" timeout 40 "$py" "$tmp/udp_client.py" "$D" 7 1000 2>&1)
	stop "$ep"
	rc=$src
	if [ "$out" != "ok 1000" ] || [ "$rc" != 0 ]; then
		fail "6b kernel UDP client against dps-lat --echo --udp" "$out, dps-lat exit $rc" "$tmp/6b-echo.log"
	else
		pass "6b kernel UDP client against dps-lat --echo --udp: 1000 round trips"
	fi
fi

# ---- 7: refusals ----
if want 7; then
	"$gen" -- --mode nonsense >"$tmp/7a.out" 2>"$tmp/7a.err"
	rc=$?
	if [ "$rc" = 2 ] && [ "$(wc -l <"$tmp/7a.err")" = 1 ] && grep -q -- "--mode" "$tmp/7a.err"; then
		pass "7a a wrong argument: exit 2, one line: $(cat "$tmp/7a.err")"
	else
		fail "7a a wrong argument" "exit $rc, stderr: $(cat "$tmp/7a.err")"
	fi
	run_dps "$tmp/7c.out" "$gen" "${eal[@]}" -- --addr "$D/24" --to "$K:80" \
		--mode cps --open-loop
	rc=$?
	if [ "$rc" = 2 ] && grep -q -- "--open-loop needs" "$tmp/7c.out.err"; then
		pass "7c --open-loop without --rate refused: $(grep -m1 open-loop "$tmp/7c.out.err")"
	else
		fail "7c --open-loop without --rate" "exit $rc" "$tmp/7c.out.err"
	fi
	before=$(ip netns exec "$nsk" cat "/sys/class/net/$vk/statistics/rx_packets")
	run_dps "$tmp/7b.out" "$gen" "${eal[@]}" -- --addr "$D/24" --to "$K:80" \
		--mode conc --conc 100000 --ports 40000-40010
	rc=$?
	after=$(ip netns exec "$nsk" cat "/sys/class/net/$vk/statistics/rx_packets")
	if [ "$rc" = 2 ] && grep -q "tuple space" "$tmp/7b.out.err" && [ ! -s "$tmp/7b.out" ] &&
			[ "$((after - before))" = 0 ]; then
		pass "7b impossible --conc refused before start: $(grep -m1 tuple "$tmp/7b.out.err")"
	else
		fail "7b impossible --conc" "exit $rc, $((after - before)) packets sent" "$tmp/7b.out" "$tmp/7b.out.err"
	fi
fi

[ "$failed" = 0 ] && echo "all checks passed"
exit "$failed"
