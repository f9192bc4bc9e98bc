#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The comparison, in one run, one after another in the same session:
#   1. dpstack: dps-gen <-> dps-httpd over a memif pair, one lcore each
#      (CPU 1 and CPU 0): HTTP connections per second, request/response
#      latency on one persistent connection, single-connection bulk
#      throughput both ways, memory per idle established connection
#      with IDLE_CONNS (1,000,000) held; the HTTP figures (connections
#      per second, keep-alive requests, their latency) over IPv6 too
#      (2001:db8::1 and 2001:db8::2, rows "dps6");
#   2. the Linux kernel doing the same work on loopback with bench/kbench
#      (epoll, one thread per side, pinned the same way), the HTTP
#      figures over IPv6 loopback (::1) too (rows "kernel6");
#   3. the raw floor: frame ping-pong and flood over the same memif with
#      no TCP/IP at all (bench/memif_floor);
#   4. callgrind: instructions per HTTP connection (client and server
#      side), per request on a persistent connection, per bulk segment.
# Prints every figure and the ratios; docs/performance.md records them.
# Usage (root): ./bench/suite.sh [--only idle|http6] [seconds per run, default 10]
#   --only idle: just the memory per idle connection (part of 1.).
#   --only http6: just the HTTP figures over IPv6 (dpstack's and the
#   kernel's) and their ratios.
#   IDLE_CONNS (default 1000000) connections held for the memory figure;
#   IDLE_SRC (default 198.18.0.2-198.18.0.16/24) dps-gen's source range
#   there (10,000,000 needs about 80 addresses: 198.18.0.2-198.18.0.201/24);
#   IDLE_MEM (default 4096) the EAL's -m of both processes in that run.
#   BUILD (default build) the meson build directory.
#   KERNEL_IDLE_CONNS (default 100000) caps the kernel's idle run.
#   IDLE_MS (default unset) runs both apps with --idle-ms IDLE_MS (the
#   compact idle form) and measures once the connections had time to go
#   compact: IDLE_MS after the last one opened (each goes by its own
#   timer), then 3 s more.
#   SUITE_KEEP=1 keeps the programs' outputs (the directory is printed).
set -euo pipefail
cd "$(dirname "$0")/.."
only=
if [ "${1:-}" = --only ]; then
	only=${2:?--only what (idle)}
	case $only in idle|http6) ;; *) echo "suite: --only takes idle or http6" >&2; exit 2 ;; esac
	shift 2
fi
dur=${1:-10}
idle=${IDLE_CONNS:-1000000}
idle_src=${IDLE_SRC:-198.18.0.2-198.18.0.16/24}
idle_mem=${IDLE_MEM:-4096}
b=${BUILD:-build}

./scripts/deps.sh
[ -f $b/build.ninja ] || meson setup $b >/dev/null
ninja -C $b >/dev/null

out=$(mktemp -d /tmp/dps-suite.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ -n "${SUITE_KEEP:-}" ]; then echo "suite: outputs kept in $out" >&2; else rm -rf "$out"; fi
}
trap cleanup EXIT
R=$out/results			# "name key=value ..." lines
eal=(--no-huge --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error)
sock=$out/memif.sock

echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
	"kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"

# The server's address and where the client connects: IPv4 unless
# set_family 6 switched them (the rows over IPv6). The client takes its
# default address (198.18.0.2/24) over IPv4 and SRC6 over IPv6.
srv_addr=198.18.0.1/24 gen_to=198.18.0.1:80 gen_addr=()
set_family() {
	if [ "$1" = 6 ]; then
		srv_addr=2001:db8::1/64 gen_to='[2001:db8::1]:80' gen_addr=(--addr 2001:db8::2/64)
	else
		srv_addr=198.18.0.1/24 gen_to=198.18.0.1:80 gen_addr=()
	fi
}
# srv_start MEM ARGS...: dps-httpd on CPU 0, memif server side.
srv_start() {
	local mem=$1; shift
	rm -f "$sock"
	$b/apps/dps-httpd "${eal[@]}" -m "$mem" -l 0 --file-prefix=dpsbs$$ \
		--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" -- \
		--addr "$srv_addr" --quiet "$@" >"$out/srv.log" 2>&1 &
	srv=$!
	pids+=("$srv")
	# Until it serves: a memif client that connects before the server
	# listens is refused and does not retry.
	for _ in $(seq 600); do grep -q "^dps-httpd: serving" "$out/srv.log" && return 0; sleep 0.1; done
	cat "$out/srv.log" >&2; echo "suite: dps-httpd did not start" >&2; srv_stop; exit 1
}
srv_stop() {	# sets srv_rc: dps-httpd's exit status (1: something leaked)
	srv_rc=0
	kill -INT "$srv" 2>/dev/null || true
	wait "$srv" 2>/dev/null || srv_rc=$?
}
# gen NAME MEM ARGS...: dps-gen on CPU 1, memif client side; JSON summary
# to $out/NAME.json.
gen() {
	local name=$1 mem=$2; shift 2
	$b/apps/dps-gen "${eal[@]}" -m "$mem" -l 1 --file-prefix=dpsbc$$ \
		--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- --role client \
		--to "$gen_to" "${gen_addr[@]}" --json --quiet "$@" >"$out/$name.json" 2>"$out/$name.err" ||
		{ cat "$out/$name.err"; echo "suite: dps-gen $name failed" >&2; }
}
. bench/common.sh	# jget, median
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

# The HTTP figures over IPv6: the same two runs with IPv6 addresses on
# both sides (an IPv6-only server, AF_INET6 client sockets). The rows
# "dps6" match the first "dps" rows key for key.
http6() {
	set_family 6
	srv_start 1024 --proto http --resp-size 64
	gen cps6 1024 --mode cps --proto http --duration "${dur}s"
	gen rr6 1024 --mode rr --proto http --conc 1 --duration "${dur}s"
	srv_stop
	set_family 4
	echo "dps6 cps=$(jget $out/cps6.json "j['cps']") conn_p50_us=$(jget $out/cps6.json "j['connect_time']['p50_ns']/1e3")" \
		"req_p50_us=$(jget $out/cps6.json "j['request_time']['p50_ns']/1e3") errors=$(jget $out/cps6.json "j['errors']")" | tee -a "$R"
	echo "dps6 rr=$(jget $out/rr6.json "j['req_per_s']") rr_p50_us=$(jget $out/rr6.json "j['request_time']['p50_ns']/1e3")" \
		"rr_p99_us=$(jget $out/rr6.json "j['request_time']['p99_ns']/1e3") errors=$(jget $out/rr6.json "j['errors']")" \
		"server_exit=$srv_rc" | tee -a "$R"
}
kb() { taskset -c 1 $b/bench/kbench client "$@" | grep '^result' | sed 's/^result //'; }
ks() { taskset -c 0 $b/bench/kbench server "$@" >/dev/null 2>&1 & pids+=("$!"); sleep 0.3; }
# The kernel's over IPv6 loopback: an IPv6-only listener on [::]:18083.
kernel_http6() {
	ks --port 18083 --proto http --resp-size 64 --v6
	echo "kernel6 $(kb --to '[::1]:18083' --mode cps --conc 64 --duration "${dur}s" --resp-size 64)" | tee -a "$R"
	echo "kernel6 $(kb --to '[::1]:18083' --mode rr --conc 1 --duration "${dur}s" --resp-size 64)" | tee -a "$R"
}

echo "== 1. dpstack: dps-gen <-> dps-httpd over memif, one lcore each"
if [ "$only" = http6 ]; then
	http6
	echo "== 2. Linux kernel on loopback: bench/kbench, one epoll thread per side"
	kernel_http6
fi
if [ -z "$only" ]; then
srv_start 1024 --proto http --resp-size 64
gen cps 1024 --mode cps --proto http --duration "${dur}s"
gen rr 1024 --mode rr --proto http --conc 1 --duration "${dur}s"
srv_stop
echo "dps cps=$(jget $out/cps.json "j['cps']") conn_p50_us=$(jget $out/cps.json "j['connect_time']['p50_ns']/1e3")" \
	"req_p50_us=$(jget $out/cps.json "j['request_time']['p50_ns']/1e3") errors=$(jget $out/cps.json "j['errors']")" | tee -a "$R"
echo "dps rr=$(jget $out/rr.json "j['req_per_s']") rr_p50_us=$(jget $out/rr.json "j['request_time']['p50_ns']/1e3")" \
	"rr_p99_us=$(jget $out/rr.json "j['request_time']['p99_ns']/1e3") errors=$(jget $out/rr.json "j['errors']")" | tee -a "$R"
# The same two with received checksums taken as good on both sides
# (--trust-csum: memif cannot corrupt a frame; off by default).
srv_start 1024 --proto http --resp-size 64 --trust-csum
gen cps_trust 1024 --mode cps --proto http --duration "${dur}s" --trust-csum
gen rr_trust 1024 --mode rr --proto http --conc 1 --duration "${dur}s" --trust-csum
srv_stop
echo "dps_trust cps=$(jget $out/cps_trust.json "j['cps']")" \
	"rr_p50_us=$(jget $out/rr_trust.json "j['request_time']['p50_ns']/1e3")" \
	"errors=$(( $(jget $out/cps_trust.json "j['errors']") + $(jget $out/rr_trust.json "j['errors']") ))" | tee -a "$R"
srv_start 1024 --proto discard
gen bulk_send 1024 --mode bulk --duration "${dur}s"
srv_stop
srv_start 1024 --proto source
gen bulk_recv 1024 --mode bulk --recv --duration "${dur}s"
srv_stop
echo "dps bulk_send_gbps=$(jget $out/bulk_send.json "j['tx_gbps']") bulk_recv_gbps=$(jget $out/bulk_recv.json "j['rx_gbps']")" | tee -a "$R"
srv_start 1024 --proto discard --trust-csum
gen bulk_send_trust 1024 --mode bulk --duration "${dur}s" --trust-csum
srv_stop
srv_start 1024 --proto source --trust-csum
gen bulk_recv_trust 1024 --mode bulk --recv --duration "${dur}s" --trust-csum
srv_stop
echo "dps_trust bulk_send_gbps=$(jget $out/bulk_send_trust.json "j['tx_gbps']")" \
	"bulk_recv_gbps=$(jget $out/bulk_recv_trust.json "j['rx_gbps']")" | tee -a "$R"
http6
fi

# Memory per idle connection: both processes' RSS while N established
# connections are held (dps-gen --mode conc at one request a second in
# all, so all but a few stay idle). VmRSS counts the pages touched: the
# EAL's -m memory is a shared anonymous mapping with --no-huge (RssShmem),
# so what a pool or table reserved but never wrote is not in it. Two
# figures:
#   idle_*_B:        the growth from 1,000 to N held, same settings
#                    (what each further connection costs once the
#                    process exists; the pools grow with use and the
#                    tables are touched as entries land, so this is now
#                    close to the next figure);
#   idle_*_all_B:    the growth from a process with the default sizes
#                    holding 1,000 (everything N connections need).
# Source addresses x server ports x the ephemeral range give the tuples.
# Autobind scans one parity of the range first (RFC 6056, as Linux), so
# once a (source, destination) pair has used its 32,256 even ports every
# connect walks all of them: keep each pair well below that. dps-gen
# takes every pair in turn (the destination first, the source once per
# round): 15 addresses x 8 ports = 120 pairs, about 8,300 connections
# each at 1,000,000.
idle_ports=(--ports 1024-65535)
idle_form=()
[ -n "${IDLE_MS:-}" ] && idle_form=(--idle-ms "$IDLE_MS")
[ "$only" = http6 ] || {
idle_rss() {	# N MAX_CONNS MEM_MB -> "server_kB client_kB open_s close_s exit"
	local n=$1 mc=$2 mem=$3 cpid s c t0 t_open t1 open=0 rc=0
	# This runs in a subshell: stop what it started however it ends.
	pids=()
	trap 'for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done; wait' EXIT
	local ports=() tos=()
	for p in 80 81 82 83 84 85 86 87; do ports+=(--port $p); tos+=(--to 198.18.0.1:$p); done
	srv_start "$mem" --proto http --max-conns "$mc" "${ports[@]}" "${idle_form[@]}"
	t0=$(date +%s.%N)
	# The per-second JSON objects ("open") are what the wait below reads.
	stdbuf -oL $b/apps/dps-gen "${eal[@]}" -m "$mem" -l 1 --file-prefix=dpsbc$$ \
		--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- --role client \
		--addr "$idle_src" "${idle_ports[@]}" --max-conns "$mc" "${tos[@]}" "${idle_form[@]}" \
		--mode conc --proto http --conc "$n" --rate 1 --duration 600s --json \
		>"$out/idle$n.out" 2>"$out/idle$n.err" &
	cpid=$!
	pids+=("$cpid")
	# Until the client reports N established in its per-second line.
	while [ "$open" -lt "$n" ]; do
		sleep 0.2
		kill -0 "$cpid" 2>/dev/null || { cat "$out/idle$n.err" >&2; echo "suite: dps-gen exited" >&2; srv_stop; exit 1; }
		open=$(grep -o '"open":[0-9]*' "$out/idle$n.out" | tail -1 | cut -d: -f2 || true)
		open=${open:-0}
		if (( $(date +%s) - ${t0%.*} > 300 )); then
			echo "suite: $open of $n connections after 300 s" >&2
			kill -INT "$cpid"; wait "$cpid" || true; srv_stop; exit 1
		fi
	done
	t_open=$(date +%s.%N)
	[ -n "${IDLE_MS:-}" ] && sleep $(( IDLE_MS / 1000 + 3 ))
	s=$(rss_kb "$srv"); c=$(rss_kb "$cpid")
	# SIGUSR1 ends the run as --duration would: every connection closed
	# (paced by the transmit backlog), the FIN exchanges seen through and
	# the leak check passed, or dps-gen exits 1.
	t1=$(date +%s.%N)
	kill -USR1 "$cpid"
	wait "$cpid" || rc=$?
	[ "$rc" = 0 ] || { tail -5 "$out/idle$n.err" >&2; echo "suite: dps-gen --conc $n exited $rc" >&2; }
	srv_stop
	[ "$srv_rc" = 0 ] || { tail -3 "$out/srv.log" >&2; echo "suite: dps-httpd exited $srv_rc" >&2; }
	# Both exit 0 only when everything came back (their leak checks).
	echo "$s $c $(python3 -c "print(f'{$t_open - $t0:.1f}')") $(python3 -c "print(f'{$(date +%s.%N) - $t1:.1f}')")" \
		"$([ "$rc$srv_rc" = 00 ] && echo clean || echo "client=$rc,server=$srv_rc")"
}
t_idle=$(date +%s)
mc=$(( idle + idle / 8 + 4096 ))
read -r s0 c0 _ _ _ < <(idle_rss 1000 65536 1024)
read -r s1 c1 _ _ _ < <(idle_rss 1000 "$mc" "$idle_mem")
read -r s2 c2 t_up t_down exits < <(idle_rss "$idle" "$mc" "$idle_mem")
echo "dps idle_conns=$idle idle_server_B=$(( (s2 - s1) * 1024 / (idle - 1000) ))" \
	"idle_client_B=$(( (c2 - c1) * 1024 / (idle - 1000) ))" \
	"idle_server_all_B=$(( (s2 - s0) * 1024 / (idle - 1000) ))" \
	"idle_client_all_B=$(( (c2 - c0) * 1024 / (idle - 1000) ))" \
	"idle_open_s=$t_up idle_close_s=$t_down idle_total_s=$(( $(date +%s) - t_idle ))" \
	"idle_exit=$exits" | tee -a "$R"
}
[ "$only" = idle ] && exit 0

if [ -z "$only" ]; then
echo "== 2. Linux kernel on loopback: bench/kbench, one epoll thread per side"
ks --port 18080 --proto http --resp-size 64
echo "kernel $(kb --to 127.0.0.1:18080 --mode cps --conc 64 --duration "${dur}s" --resp-size 64)" | tee -a "$R"
echo "kernel $(kb --to 127.0.0.1:18080 --mode rr --conc 1 --duration "${dur}s" --resp-size 64)" | tee -a "$R"
kernel_http6
# One descriptor per connection in each process: as many as the hard
# limit allows (containers may not raise it); the figure is per connection.
# At most KERNEL_IDLE_CONNS (default 100,000): the kernel's figure is per
# connection too, and a million loopback pairs would take minutes.
kmax=${KERNEL_IDLE_CONNS:-100000}
kmax=$(( idle < kmax ? idle : kmax ))
ulimit -n $((kmax + 1024)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
kidle=$(( kmax < $(ulimit -n) - 1024 ? kmax : $(ulimit -n) - 1024 ))
sync; echo 2 >/proc/sys/vm/drop_caches	# quieter slab for the idle figure
echo "kernel $(kb --to 127.0.0.1:18080 --mode idle --count "$kidle")" | tee -a "$R"
ks --port 18081 --proto discard
echo "kernel $(kb --to 127.0.0.1:18081 --mode bulk --send --duration "${dur}s")" | tee -a "$R"
ks --port 18082 --proto source
echo "kernel $(kb --to 127.0.0.1:18082 --mode bulk --duration "${dur}s")" | tee -a "$R"
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done

echo "== 3. the raw memif floor: bench/memif_floor, no TCP/IP"
floor() {	# client ARGS...
	rm -f "$sock"
	$b/bench/memif_floor "${eal[@]}" -m 256 -l 0 --file-prefix=dpsfs$$ \
		--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" -- --role echo >/dev/null 2>&1 &
	local e=$!
	for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
	sleep 1		# bound is not yet listening: give the echo side time
	$b/bench/memif_floor "${eal[@]}" -m 256 -l 1 --file-prefix=dpsfc$$ \
		--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- "$@" | grep '^result' | sed 's/^result //'
	kill -INT "$e" 2>/dev/null; wait "$e" 2>/dev/null || true
}
echo "floor $(floor --role pingpong --count 200000 --size 64)" | tee -a "$R"
echo "floor $(floor --role flood --duration "${dur}s" --size 1514)" | tee -a "$R"

echo "== 4. callgrind: instructions per unit of work"
./bench/tcp_bulk.sh $b | sed 's/^/bulk segment, /'
./bench/callgrind_http.sh $b
fi

echo "== ratios"
python3 - "$R" <<'PY'
import sys
r = {}
for line in open(sys.argv[1]):
    who, *kv = line.split()
    d = dict(x.split("=", 1) for x in kv)
    key = who + ":" + d.get("mode", d.get("role", "dps")) + (":" + d["dir"] if "dir" in d else "")
    r.setdefault(key, {}).update(d)
    r.setdefault(who, {}).update(d)
f = lambda k, x: float(r[k][x])
def show(what, a, b):
    print(f"{what}: {a:,.1f} vs {b:,.1f}, ratio {a / b:.2f}" if b else f"{what}: {a} vs {b}")
try:
    show("HTTP connections/s, dpstack vs kernel", f("dps", "cps"), f("kernel:cps", "conns_per_s"))
    show("HTTP connections/s, dpstack with --trust-csum vs kernel", f("dps_trust", "cps"),
         f("kernel:cps", "conns_per_s"))
    show("request p50 us on one connection, dpstack vs kernel", f("dps", "rr_p50_us"), f("kernel:rr", "p50_us"))
    show("request p50 us, dpstack vs raw memif ping-pong", f("dps", "rr_p50_us"), f("floor:pingpong", "p50_us"))
    print(f"request p50 above the floor: {f('dps', 'rr_p50_us') - f('floor:pingpong', 'p50_us'):.2f} us")
    show("bulk send Gbit/s, dpstack vs kernel", f("dps", "bulk_send_gbps"), f("kernel:bulk:send", "gbit_per_s"))
    show("bulk receive Gbit/s, dpstack vs kernel", f("dps", "bulk_recv_gbps"), f("kernel:bulk:recv", "gbit_per_s"))
    show("bulk send Gbit/s, dpstack with --trust-csum vs kernel", f("dps_trust", "bulk_send_gbps"),
         f("kernel:bulk:send", "gbit_per_s"))
    show("bulk receive Gbit/s, dpstack with --trust-csum vs kernel", f("dps_trust", "bulk_recv_gbps"),
         f("kernel:bulk:recv", "gbit_per_s"))
    show("bulk Gbit/s, dpstack vs raw memif flood (1514 B)", f("dps", "bulk_send_gbps"), f("floor:flood", "rx_gbit_per_s"))
    show("bytes per idle connection (both sides), dpstack vs kernel",
         f("dps", "idle_server_all_B") + f("dps", "idle_client_all_B"),
         f("kernel:idle", "sunreclaim_per_conn_B") + f("kernel:idle", "rss_per_conn_B"))
except (KeyError, ValueError) as e:
    print(f"(missing figure: {e})")
# The IPv6 rows, each on its own (--only http6 has no IPv4 figures).
for what, a, b in [
        ("IPv6: HTTP connections/s, dpstack vs kernel", ("dps6", "cps"), ("kernel6:cps", "conns_per_s")),
        ("IPv6: keep-alive requests/s on one connection, dpstack vs kernel", ("dps6", "rr"),
         ("kernel6:rr", "requests_per_s")),
        ("IPv6: request p50 us on one connection, dpstack vs kernel", ("dps6", "rr_p50_us"),
         ("kernel6:rr", "p50_us")),
        ("HTTP connections/s, dpstack over IPv6 vs IPv4", ("dps6", "cps"), ("dps", "cps")),
        ("request p50 us, dpstack over IPv6 vs IPv4", ("dps6", "rr_p50_us"), ("dps", "rr_p50_us")),
        ("HTTP connections/s, kernel over IPv6 vs IPv4", ("kernel6:cps", "conns_per_s"),
         ("kernel:cps", "conns_per_s"))]:
    try:
        show(what, f(*a), f(*b))
    except (KeyError, ValueError) as e:
        print(f"({what}: missing figure {e})")
PY
