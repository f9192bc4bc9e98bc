#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The apps over IPv6 (issue 17 item 6). One PASS/FAIL line each:
#   1 dps-gen -> dps-httpd over a memif pair, IPv6 addresses
#     (2001:db8:6::1/64 and a run of 300, 2001:db8:6::2-2001:db8:6::12d/64,
#     one range of the stack's): cps/http and rr/http, each exit 0,
#     connections established, no error, a clean leak check
#   2 the same dps-httpd (dual stack: 198.18.6.1/24 too) serves an IPv4
#     client (v4-mapped on its AF_INET6 listener): exit 0, no error;
#     the server then stops with no leak
#   3 dps-httpd in a namespace on a veth (net_af_packet,
#     2001:db8:7::2/64 and 198.18.7.2/24) against curl -6 and curl -4
#     in the kernel's namespace (2001:db8:7::1/64, 198.18.7.1/24): 200
#     and the --resp-size bytes each; the server stops with no leak
#   4 dps-gen cps/http over IPv6 against nginx listening on [::]:80 in
#     the kernel's namespace, from a run of 300 source addresses
#     (2001:db8:7::100-2001:db8:7::22b/64): exit 0, no error, clean, and
#     the kernel resolved more than 7 of them by neighbour discovery
#     (what a port held before ranges) (skipped when nginx is not
#     installed, saying so)
#   5 the same with the run's first address held by the kernel: DAD
#     loses that address alone; dps-gen says so, passes over it, and
#     runs as in 4 (skipped with 4)
# Only 2001:db8::/32 and 198.18.0.0/15; transmit checksum offload off on
# the kernel's veth; names unique per run; a trap removes everything.
# Usage: apps6.sh PATH/TO/dps-gen PATH/TO/dps-httpd. APPS6_KEEP=1 keeps
# the work directory.
set -uo pipefail
gen=${1:?usage: apps6.sh DPS_GEN DPS_HTTPD} httpd=${2:?usage: apps6.sh DPS_GEN DPS_HTTPD}
if [ "$(id -u)" != 0 ] || ! ip netns list >/dev/null 2>&1; then
	echo "SKIP: needs root and network namespaces"; exit 77
fi
for t in curl ethtool; do
	command -v "$t" >/dev/null ||
		{ echo "FAIL: $t is not installed (scripts/deps.sh installs it)"; exit 1; }
done
sfx=$(printf '%04x%04x' $$ $RANDOM | tail -c 6)
nsk=dp6ak-$sfx nsd=dp6ad-$sfx vk=a6k$sfx vd=a6d$sfx
tmp=$(mktemp -d /tmp/dps-apps6.XXXXXX)
srv= ngx=
cleanup() {
	trap '' INT TERM
	[ -n "$srv" ] && kill -9 "$srv" 2>/dev/null
	[ -n "$ngx" ] && kill -9 "$ngx" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$nsk" 2>/dev/null
	ip netns del "$nsd" 2>/dev/null
	if [ -n "${APPS6_KEEP:-}" ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
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
eal=(--no-huge -m 512 --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error)

# server_up LOG: wait for dps-httpd's "serving" line (it comes once its
# IPv6 addresses are through duplicate address detection).
server_up() {
	for _ in $(seq 300); do
		grep -q '^dps-httpd: serving' "$1" && return 0
		kill -0 "$srv" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
# server_stop LOG: SIGINT; exit 0 and no leak within 15 s.
server_stop() {
	local rc=0
	kill -INT "$srv" 2>/dev/null
	for _ in $(seq 150); do kill -0 "$srv" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$srv" 2>/dev/null && { kill -9 "$srv"; srv=; return 1; }
	wait "$srv" || rc=$?
	srv=
	[ "$rc" = 0 ] && grep -q '^left over: .*: no leak$' "$1"
}
# gen_ok LOG: a dps-gen run that moved data: connections established,
# "errors: 0", a clean leak check.
gen_ok() {
	grep -qE '^connections: attempted [0-9]+, established [1-9]' "$1" &&
		grep -q '^errors: 0$' "$1" && grep -q '^leak check: clean' "$1"
}

# ---- 1, 2: memif ----
sock=$tmp/m.sock
"$httpd" "${eal[@]}" -l 0 --file-prefix="dp6s$sfx" \
	--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" -- \
	--addr 2001:db8:6::1/64 --addr 198.18.6.1/24 --port 80 --resp-size 100 \
	>"$tmp/srv1.log" 2>&1 &
srv=$!
if ! server_up "$tmp/srv1.log"; then
	fail "1 dps-httpd over IPv6 did not start" "$tmp/srv1.log"
else
	cli() {	# NAME ARGS...
		local n=$1; shift
		timeout 120 "$gen" "${eal[@]}" -l 1 --file-prefix="dp6c$sfx" \
			--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- \
			--proto http "$@" >"$tmp/$n.log" 2>&1
	}
	ok=1
	for m in cps rr; do
		if ! cli "gen-$m" --addr 2001:db8:6::2-2001:db8:6::12d/64 \
				--to '[2001:db8:6::1]:80' --mode "$m" --duration 2s ||
				! gen_ok "$tmp/gen-$m.log"; then
			ok=0
			fail "1 dps-gen $m/http -> dps-httpd over IPv6 (memif)" "$tmp/gen-$m.log"
		fi
	done
	[ $ok = 1 ] && pass "1 dps-gen cps/http and rr/http -> dps-httpd over IPv6 (memif):" \
		"$(grep -m1 '^connections:' "$tmp/gen-cps.log"), no error, clean"
	if cli gen-v4 --addr 198.18.6.2/24 --to 198.18.6.1:80 --mode cps --duration 1s &&
			gen_ok "$tmp/gen-v4.log"; then
		pass "2 an IPv4 client of the dual-stack dps-httpd (v4-mapped): no error, clean"
	else
		fail "2 IPv4 client of the dual-stack dps-httpd" "$tmp/gen-v4.log"
	fi
	server_stop "$tmp/srv1.log" || fail "1-2 dps-httpd: exit status or leak" "$tmp/srv1.log"
fi

# ---- 3, 4: a veth pair to the kernel ----
ip netns add "$nsk"
ip netns add "$nsd"
ip link add "$vk" netns "$nsk" type veth peer name "$vd" netns "$nsd"
ip -n "$nsk" link set lo up
ip -n "$nsd" link set lo up
ip netns exec "$nsk" sysctl -qw "net.ipv6.conf.$vk.accept_dad=0"
ip netns exec "$nsd" sysctl -qw "net.ipv6.conf.$vd.disable_ipv6=1"
ip -n "$nsk" addr add 2001:db8:7::1/64 dev "$vk"
ip -n "$nsk" addr add 198.18.7.1/24 dev "$vk"
ip -n "$nsk" link set "$vk" up
ip -n "$nsd" link set "$vd" up
ip netns exec "$nsk" ethtool -K "$vk" tx off >/dev/null
veal=("${eal[@]}" -l 0 --vdev="net_af_packet0,iface=$vd")

ip netns exec "$nsd" "$httpd" "${veal[@]}" --file-prefix="dp6h$sfx" -- \
	--addr 2001:db8:7::2/64 --addr 198.18.7.2/24 --port 80 --resp-size 5000 \
	>"$tmp/srv3.log" 2>&1 &
srv=$!
if ! server_up "$tmp/srv3.log"; then
	fail "3 dps-httpd over IPv6 on a veth did not start" "$tmp/srv3.log"
else
	ok=1
	for fam in 6 4; do
		url='http://[2001:db8:7::2]/'
		[ $fam = 4 ] && url=http://198.18.7.2/
		out=$(ip netns exec "$nsk" curl -"$fam" -g -sS --max-time 20 -o "$tmp/body$fam" \
			-w '%{http_code} %{size_download}' "$url" 2>"$tmp/curl$fam.log")
		[ "$out" = "200 5000" ] || { ok=0; echo "curl -$fam: '$out'" >>"$tmp/curl$fam.log"; }
	done
	if ! server_stop "$tmp/srv3.log"; then
		fail "3 dps-httpd on a veth: exit status or leak" "$tmp/srv3.log"
	elif [ $ok = 1 ]; then
		pass "3 curl -6 and curl -4 against dps-httpd on a veth: 200 and 5000 bytes each, no leak"
	else
		fail "3 curl against dps-httpd over IPv6" "$tmp/curl6.log" "$tmp/curl4.log" "$tmp/srv3.log"
	fi
fi

if ! command -v nginx >/dev/null; then
	echo "SKIP 4 dps-gen against nginx over IPv6: nginx is not installed"
else
	mkdir -p "$tmp/www"
	printf 'hello from nginx\n' >"$tmp/www/index.html"
	cat >"$tmp/nginx.conf" <<EOF
worker_processes 1;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $tmp;
	proxy_temp_path $tmp;
	fastcgi_temp_path $tmp;
	uwsgi_temp_path $tmp;
	scgi_temp_path $tmp;
	server {
		listen [2001:db8:7::1]:80;
		root $tmp/www;
	}
}
EOF
	ip -n "$nsk" -6 neigh flush dev "$vk"
	ip netns exec "$nsk" nginx -c "$tmp/nginx.conf" -g 'daemon off;' >"$tmp/nginx.log" 2>&1 &
	ngx=$!
	for _ in $(seq 100); do
		ip netns exec "$nsk" ss -ltn 2>/dev/null | grep -q '\[2001:db8:7::1\]:80' && break
		sleep 0.05
	done
	if timeout 120 ip netns exec "$nsd" "$gen" "${veal[@]}" --file-prefix="dp6g$sfx" -- \
			--addr 2001:db8:7::100-2001:db8:7::22b/64 --to '[2001:db8:7::1]:80' \
			--mode cps --proto http --duration 2s >"$tmp/gen4.log" 2>&1 &&
			gen_ok "$tmp/gen4.log"; then
		# Each connection takes the next source: the kernel resolved
		# them one by one (its neighbour entries outlive the run).
		nn=$(ip -n "$nsk" -6 neigh show dev "$vk" | grep -c '^2001:db8:7::')
		if [ "$nn" -gt 7 ]; then
			pass "4 dps-gen cps/http against nginx over IPv6 from a run of 300:" \
				"$(grep -m1 '^connections:' "$tmp/gen4.log"), no error, clean;" \
				"$nn sources resolved by the kernel"
		else
			fail "4 the kernel resolved $nn of the run's addresses, not more than 7" \
				"$tmp/gen4.log"
		fi
	else
		fail "4 dps-gen against nginx over IPv6" "$tmp/gen4.log" "$tmp/nginx-error.log"
	fi

	# 5: the kernel holds the run's first address: dpstack's DAD loses
	# that one (the kernel answers the probe), the rest stays the run's.
	ip -n "$nsk" addr add 2001:db8:7::100/64 dev "$vk" nodad
	if timeout 120 ip netns exec "$nsd" "$gen" "${veal[@]}" --file-prefix="dp6g$sfx" -- \
			--addr 2001:db8:7::100-2001:db8:7::22b/64 --to '[2001:db8:7::1]:80' \
			--mode cps --proto http --duration 1s >"$tmp/gen5.log" 2>&1 &&
			gen_ok "$tmp/gen5.log" &&
			grep -q 'source 2001:db8:7::100 is another node' "$tmp/gen5.log"; then
		pass "5 a run whose first address another node holds: that one lost," \
			"$(grep -m1 '^connections:' "$tmp/gen5.log"), no error, clean"
	else
		fail "5 dps-gen from a run with one address lost to DAD" "$tmp/gen5.log"
	fi
	kill "$ngx" 2>/dev/null; wait "$ngx" 2>/dev/null; ngx=
fi
exit $failed
