#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# dps-httpd against the Linux kernel as client, over a veth pair.
#   namespace dphd-*: dps-httpd on net_af_packet, 198.18.7.2/24
#   namespace dphk-*: the kernel, 198.18.7.1/24: curl, wrk, python3
# Checks, one PASS/FAIL line each, every one on a fresh dps-httpd that is
# then stopped with SIGINT and must report no leak (no socket, no
# connection but TIME_WAIT, mbufs back at the baseline) and exit 0:
#   1 curl fetches / with --resp-size 100000: status 200, 100000 bytes
#   2 curl fetches two URLs on one connection ("Re-using existing
#     connection" in curl -v), both 200 with the right size
#   3 wrk -t1 -c16 -d3s, keep-alive: no socket error, no non-2xx, > 1000
#     requests
#   4 wrk with "Connection: close" (a connection per request): no error,
#     > 16 requests, and the server accepted as many connections
#   5 --proto echo: 1 MiB sent, the same bytes back (SHA-256 compared)
#   6 a malformed request: a 400, then the connection closes; a request
#     line longer than 255 bytes, sent without its end: a 414 at once,
#     then the close
#   7 300 pipelined minimal requests, every third a HEAD, the last with
#     Connection: close, in one send (a segment holds more than the 64
#     answers the server owes before it stops reading): 300 answers in
#     order, the HEAD ones without a body, then the close
#   8 --keepalive-timeout 200ms: an idle keep-alive connection is closed
#     by the server (EOF within 10 s)
#   9 --proto raw, 100-byte requests, 3000-byte answers: 500 requests and
#     half of one in one send get 500 answers, the other half the 501st
#  10 --proto source: 8 MiB read from it, then the close; --proto discard:
#     8 MiB sent into it and nothing back but the close
#  11 --idle-ms 100: 20 keep-alive connections, three rounds of a request
#     each and a second's quiet (the connections go compact and the
#     server gives their state back: its summary counts it, at least
#     once per connection); every answer whole; then 10 closed by the
#     client and 10 left to the server's drain, which closes them
# Names are unique per run; a trap removes everything on every exit path.
# Usage: httpd_kernel.sh PATH/TO/dps-httpd [CHECK...]  (e.g. 3 5; all by
#   default). HTTPD_KEEP=1 keeps the work directory.
set -euo pipefail

bin=${1:?usage: httpd_kernel.sh PATH/TO/dps-httpd [CHECK...]}
shift
only=" ${*:-1 2 3 4 5 6 7 8 9 10 11} "
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi
for t in curl wrk ethtool; do
	command -v "$t" >/dev/null ||
		{ echo "FAIL: $t is not installed (scripts/deps.sh installs it)"; exit 1; }
done
py=$(command -v /usr/bin/python3 || command -v python3)

sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=dphk-$sfx nsd=dphd-$sfx vk=hk$sfx vd=hd$sfx
K=198.18.7.1 D=198.18.7.2
tmp=$(mktemp -d /tmp/dps-httpd.XXXXXX)
srv=

cleanup() {
	trap '' INT TERM
	[ -n "$srv" ] && kill -9 "$srv" 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$nsk" 2>/dev/null || true
	ip netns del "$nsd" 2>/dev/null || true
	if [ -n "${HTTPD_KEEP:-}" ]; then echo "outputs kept in $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

. "$(dirname "$0")/veth_pair.sh"
veth_pair "$nsk" "$nsd" "$vk" "$vd" "$K/24" noipv6
# wrk -H 'Connection: close' makes thousands of connections: reuse ports.
ip netns exec "$nsk" sysctl -qw net.ipv4.tcp_tw_reuse=1

eal=(--no-huge -m 512 --no-pci --no-shconf --no-telemetry
	--log-level=lib.eal:error -l 0 --vdev="net_af_packet0,iface=$vd")

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

# server ARGS...: start dps-httpd, wait for its "serving" line.
server() {
	ip netns exec "$nsd" "$bin" "${eal[@]}" --file-prefix="dphd$sfx$cur" -- \
		--addr "$D/24" --quiet "$@" >"$tmp/$cur-srv.log" 2>&1 &
	srv=$!
	for _ in $(seq 200); do
		grep -q '^dps-httpd: serving' "$tmp/$cur-srv.log" && return 0
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

# summary FIELD: a number from the summary's first line ("N requests").
summary() { grep -m1 '^dps-httpd: .* s, ' "$tmp/$cur-srv.log" | grep -oE "[0-9]+ $1" | cut -d' ' -f1; }

# run N TEXT: check N when selected; the server is stopped either way.
run() {
	local n=$1 text=$2 ok=0
	case $only in *" $n "*) ;; *) return 0 ;; esac
	cur=c$n why=
	"c$n" || ok=1
	if [ -n "$srv" ]; then
		if [ $ok = 0 ]; then server_stop || ok=1; else server_stop || true; fi
	fi
	if [ $ok = 0 ]; then pass "$n $text"; else flunk "$n $text"; fi
}

c1() {
	local out
	server --resp-size 100000 || return 1
	out=$(kx curl -sS -o /dev/null -m 10 -w '%{http_code} %{size_download}' "http://$D/") ||
		no "curl failed: $out" || return 1
	[ "$out" = "200 100000" ] || no "curl got '$out', expected '200 100000'" || return 1
}

c2() {
	local out n
	server --resp-size 5000 || return 1
	kx curl -sS -v -m 10 -o /dev/null -o /dev/null -w '%{http_code} %{size_download}\n' \
		"http://$D/a" "http://$D/b" >"$tmp/c2-curl.log" 2>&1 || no "curl failed" || return 1
	n=$(grep -c '^200 5000$' "$tmp/c2-curl.log" || true)
	[ "$n" = 2 ] || no "expected two '200 5000', got $n" || return 1
	grep -q 'Re-using existing connection' "$tmp/c2-curl.log" ||
		no "curl did not reuse the connection" || return 1
	[ "$(grep -c 'Connected to' "$tmp/c2-curl.log")" = 1 ] ||
		no "curl connected more than once" || return 1
}

# wrk_check LOG MIN: no socket error, no non-2xx, more than MIN requests.
wrk_check() {
	local n
	grep -q 'Socket errors' "$1" && { no "wrk: $(grep 'Socket errors' "$1")"; return 1; }
	grep -q 'Non-2xx' "$1" && { no "wrk: $(grep 'Non-2xx' "$1")"; return 1; }
	n=$(awk '/requests in/ { print $1; exit }' "$1")
	[ -n "$n" ] && [ "$n" -gt "$2" ] || no "wrk made ${n:-no} requests, need more than $2" || return 1
	echo "$n"
}

c3() {
	local n
	server || return 1
	kx wrk -t1 -c16 -d3s "http://$D/" >"$tmp/c3-wrk.log" 2>&1 || no "wrk failed" || return 1
	# More requests than wrk's 16 connections: keep-alive works. A rate
	# would be a wall-clock bound, and the machine may be busy.
	n=$(wrk_check "$tmp/c3-wrk.log" 16) || return 1
	server_stop || return 1
	[ "$(summary requests)" -ge "$n" ] ||
		no "the server answered $(summary requests) requests, wrk counted $n" || return 1
}

c4() {
	local n c
	server || return 1
	kx wrk -t1 -c16 -d3s -H 'Connection: close' "http://$D/" >"$tmp/c4-wrk.log" 2>&1 ||
		no "wrk failed" || return 1
	n=$(wrk_check "$tmp/c4-wrk.log" 16) || return 1
	server_stop || return 1
	c=$(summary connections)
	[ "$c" -ge "$n" ] || no "$n requests over only $c connections" || return 1
}

c5() {
	server --proto echo --port 7 || return 1
	kx "$py" - "$D" >"$tmp/c5-client.log" 2>&1 <<'EOF' || no "$(tail -n 1 "$tmp/c5-client.log")" || return 1
import hashlib, os, socket, sys, threading
data = os.urandom(1 << 20)
s = socket.create_connection((sys.argv[1], 7), timeout=10)
got = bytearray()
def rd():
    while True:
        b = s.recv(65536)
        if not b:
            break
        got.extend(b)
t = threading.Thread(target=rd); t.start()
s.sendall(data)
s.shutdown(socket.SHUT_WR)
t.join(20)
a, b = hashlib.sha256(data).hexdigest(), hashlib.sha256(got).hexdigest()
print("sent", len(data), a); print("got", len(got), b)
sys.exit(0 if a == b else "echo differs: sent %d bytes, got %d back" % (len(data), len(got)))
EOF
}

c6() {
	server || return 1
	kx "$py" - "$D" >"$tmp/c6-client.log" 2>&1 <<'EOF' || no "$(tail -n 1 "$tmp/c6-client.log")" || return 1
import socket, sys

def statuses(data):
    s = socket.create_connection((sys.argv[1], 80), timeout=5)
    s.sendall(data)
    got = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            got += b
    except socket.timeout:
        sys.exit("no EOF within 5 s after %r" % got[-60:])
    codes = [p[:3] for p in got.split(b"HTTP/1.1 ")[1:]]
    print("statuses", codes)
    return codes

if statuses(b"GET / HTTP/1.1\r\nHost: x\r\n\r\nthis is not http\r\n\r\n") != [b"200", b"400"]:
    sys.exit("expected a 200 then a 400 and EOF")
# 300 bytes of request line and no end: refused before the line ends
if statuses(b"GET /" + b"a" * 300) != [b"414"]:
    sys.exit("expected a 414 and EOF for an over-long request line")
EOF
	server_stop || return 1
	[ "$(grep -oE 'malformed [0-9]+' "$tmp/c6-srv.log")" = "malformed 2" ] ||
		no "the server did not count two malformed requests" || return 1
}

c7() {
	server --resp-size 10 || return 1
	kx "$py" - "$D" >"$tmp/c7-client.log" 2>&1 <<'EOF' || no "$(tail -n 1 "$tmp/c7-client.log")" || return 1
import socket, sys
n = 300
req = [b"HEAD / HTTP/1.1\r\n\r\n" if i % 3 == 1 else b"GET / HTTP/1.1\r\n\r\n"
       for i in range(n - 1)] + [b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"]
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(b"".join(req))
got = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
pos = i = 0
while pos < len(got):
    end = got.index(b"\r\n\r\n", pos) + 4
    head = got[pos:end].decode()
    if not head.startswith("HTTP/1.1 200"):
        sys.exit("answer %d is %r" % (i, head[:30]))
    cl = [int(l.split(":")[1]) for l in head.split("\r\n")
          if l.lower().startswith("content-length:")][0]
    pos = end + (0 if i % 3 == 1 else cl)
    i += 1
print("answers", i, "bytes", len(got))
sys.exit(0 if i == n and pos == len(got) else
         "expected %d answers, got %d (%d of %d bytes)" % (n, i, pos, len(got)))
EOF
}

c8() {
	server --keepalive-timeout 200ms || return 1
	kx "$py" - "$D" >"$tmp/c8-client.log" 2>&1 <<'EOF' || no "$(tail -n 1 "$tmp/c8-client.log")" || return 1
import socket, sys
s = socket.create_connection((sys.argv[1], 80), timeout=10)
s.sendall(b"GET / HTTP/1.1\r\n\r\n")
got = b""
try:
    while True:
        b = s.recv(65536)
        if not b:
            break
        got += b
except socket.timeout:
    sys.exit("no close within 10 s of idling")
sys.exit(0 if got.startswith(b"HTTP/1.1 200") else "got %r" % got[:30])
EOF
}

c9() {
	server --proto raw --port 9 --req-size 100 --resp-size 3000 || return 1
	kx "$py" - "$D" >"$tmp/c9-client.log" 2>&1 <<'EOF' || no "$(tail -n 1 "$tmp/c9-client.log")" || return 1
import socket, sys
s = socket.create_connection((sys.argv[1], 9), timeout=10)
def take(want, got):
    while got < want:
        b = s.recv(65536)
        if not b:
            break
        got += len(b)
    return got
s.sendall(b"x" * (100 * 500 + 50))
got = take(3000 * 500, 0)
s.sendall(b"y" * 50)
got = take(3000 * 501, got)
print("got", got)
sys.exit(0 if got == 3000 * 501 else "got %d of %d bytes" % (got, 3000 * 501))
EOF
}

c10() {
	server --proto source --port 19 || return 1
	kx "$py" - "$D" 19 source >"$tmp/c10-client.log" 2>&1 <<'EOF' || no "$(tail -n 1 "$tmp/c10-client.log")" || return 1
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
got = 0
while got < 8 << 20:
    b = s.recv(65536)
    if not b:
        sys.exit("EOF after %d bytes" % got)
    got += len(b)
s.close()
print("got", got)
EOF
	server_stop || return 1
	server --proto discard --port 9 || return 1
	kx "$py" - "$D" 9 >"$tmp/c10-client2.log" 2>&1 <<'EOF' || no "$(tail -n 1 "$tmp/c10-client2.log")" || return 1
import socket, sys
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.sendall(b"z" * (8 << 20))
s.shutdown(socket.SHUT_WR)
if s.recv(1) != b"":
    sys.exit("discard answered")
print("sent", 8 << 20)
EOF
}

c11() {
	local pid n
	server --resp-size 1000 --idle-ms 100 || return 1
	kx "$py" - "$D" "$tmp/c11-held" >"$tmp/c11-client.log" 2>&1 <<'EOF' &
import socket, sys, time
def answer(s):
    got = b""
    while b"\r\n\r\n" not in got:
        b = s.recv(65536)
        if not b:
            sys.exit("EOF before an answer")
        got += b
    head, body = got.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 200"):
        sys.exit("got %r" % head[:30])
    while len(body) < 1000:
        b = s.recv(65536)
        if not b:
            sys.exit("EOF in a body")
        body += b
    if len(body) != 1000:
        sys.exit("a body of %d bytes" % len(body))
socks = [socket.create_connection((sys.argv[1], 80), timeout=10) for _ in range(20)]
for r in range(3):
    for s in socks:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    for s in socks:
        answer(s)
    time.sleep(1)	# ten times --idle-ms: compact, the state given back
for s in socks[:10]:
    s.close()
open(sys.argv[2], "w").close()
for s in socks[10:]:	# until the server's drain closes them
    if s.recv(1) != b"":
        sys.exit("data instead of the close")
    s.close()
print("ok")
EOF
	pid=$!
	for _ in $(seq 600); do
		[ -e "$tmp/c11-held" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	[ -e "$tmp/c11-held" ] || { wait "$pid" || true; no "$(tail -n 1 "$tmp/c11-client.log")"; return 1; }
	server_stop || { wait "$pid" || true; return 1; }
	wait "$pid" || no "$(tail -n 1 "$tmp/c11-client.log")" || return 1
	n=$(grep -oE 'gave their state back [0-9]+' "$tmp/c11-srv.log" | grep -oE '[0-9]+$' || true)
	# At least once a connection: three quiet seconds against 100 ms.
	[ "${n:-0}" -ge 20 ] || no "state given back ${n:-0} times, expected 20 or more" || return 1
}

run 1 "curl GET / with a 100000-byte body"
run 2 "curl reuses a keep-alive connection for two URLs"
run 3 "wrk -t1 -c16 -d3s keep-alive"
run 4 "wrk -t1 -c16 -d3s with Connection: close"
run 5 "echo: 1 MiB back unchanged"
run 6 "malformed request: 400 and close; long request line: 414"
run 7 "300 pipelined requests, HEAD among them: answers in order"
run 8 "keep-alive timeout closes an idle connection"
run 9 "raw: 500 and a half requests, then the other half"
run 10 "source: 8 MiB out; discard: 8 MiB in"
run 11 "--idle-ms: quiet connections give their state back and come back whole"
exit $failed
