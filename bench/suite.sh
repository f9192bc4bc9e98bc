#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The comparison, in one run, one after another in the same session:
#   1. dpstack: dps-gen <-> dps-httpd over a memif pair, one lcore each
#      (CPU 1 and CPU 0): HTTP connections per second, request/response
#      latency on one persistent connection, single-connection bulk
#      throughput both ways, memory per idle established connection;
#   2. the Linux kernel doing the same work on loopback with bench/kbench
#      (epoll, one thread per side, pinned the same way);
#   3. the raw floor: frame ping-pong and flood over the same memif with
#      no TCP/IP at all (bench/memif_floor);
#   4. callgrind: instructions per HTTP connection (client and server
#      side), per request on a persistent connection, per bulk segment.
# Prints every figure and the ratios; docs/performance.md records them.
# Usage (root): ./bench/suite.sh [seconds per run, default 10]
#   IDLE_CONNS (default 100000) connections held for the memory figure.
set -euo pipefail
cd "$(dirname "$0")/.."
dur=${1:-10}
idle=${IDLE_CONNS:-100000}
b=build

./scripts/deps.sh
[ -f $b/build.ninja ] || meson setup $b >/dev/null
ninja -C $b >/dev/null

out=$(mktemp -d /tmp/dps-suite.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$out"
}
trap cleanup EXIT
R=$out/results			# "name key=value ..." lines
eal=(--no-huge --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error)
sock=$out/memif.sock

echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
	"kernel $(uname -r), $(date -u +%Y-%m-%dT%H:%MZ)"

# srv_start MEM ARGS...: dps-httpd on CPU 0, memif server side.
srv_start() {
	local mem=$1; shift
	rm -f "$sock"
	$b/apps/dps-httpd "${eal[@]}" -m "$mem" -l 0 --file-prefix=dpsbs$$ \
		--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" -- \
		--addr 198.18.0.1/24 --quiet "$@" >"$out/srv.log" 2>&1 &
	srv=$!
	pids+=("$srv")
	# Until it serves: a memif client that connects before the server
	# listens is refused and does not retry.
	for _ in $(seq 100); do grep -q '^dps-httpd: serving' "$out/srv.log" && return 0; sleep 0.1; done
	cat "$out/srv.log"; echo "suite: dps-httpd did not start" >&2; exit 1
}
srv_stop() {
	kill -INT "$srv" 2>/dev/null || true
	wait "$srv" 2>/dev/null || true
}
# gen NAME MEM ARGS...: dps-gen on CPU 1, memif client side; JSON summary
# to $out/NAME.json.
gen() {
	local name=$1 mem=$2; shift 2
	$b/apps/dps-gen "${eal[@]}" -m "$mem" -l 1 --file-prefix=dpsbc$$ \
		--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- --role client \
		--to 198.18.0.1:80 --json --quiet "$@" >"$out/$name.json" 2>"$out/$name.err" ||
		{ cat "$out/$name.err"; echo "suite: dps-gen $name failed" >&2; }
}
# jget FILE EXPR: a value from a JSON summary (python expression on j).
jget() {
	python3 -c "import json,sys; j=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print($2)" "$1"
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }

echo "== 1. dpstack: dps-gen <-> dps-httpd over memif, one lcore each"
srv_start 1024 --proto http --resp-size 64
gen cps 1024 --mode cps --proto http --duration "${dur}s"
gen rr 1024 --mode rr --proto http --conc 1 --duration "${dur}s"
srv_stop
echo "dps cps=$(jget $out/cps.json "j['cps']") conn_p50_us=$(jget $out/cps.json "j['connect_time']['p50_ns']/1e3")" \
	"req_p50_us=$(jget $out/cps.json "j['request_time']['p50_ns']/1e3") errors=$(jget $out/cps.json "j['errors']")" | tee -a "$R"
echo "dps rr=$(jget $out/rr.json "j['req_per_s']") rr_p50_us=$(jget $out/rr.json "j['request_time']['p50_ns']/1e3")" \
	"rr_p99_us=$(jget $out/rr.json "j['request_time']['p99_ns']/1e3") errors=$(jget $out/rr.json "j['errors']")" | tee -a "$R"
srv_start 1024 --proto discard
gen bulk_send 1024 --mode bulk --duration "${dur}s"
srv_stop
srv_start 1024 --proto source
gen bulk_recv 1024 --mode bulk --recv --duration "${dur}s"
srv_stop
echo "dps bulk_send_gbps=$(jget $out/bulk_send.json "j['tx_gbps']") bulk_recv_gbps=$(jget $out/bulk_recv.json "j['rx_gbps']")" | tee -a "$R"

# Memory per idle connection: both processes' RSS with IDLE_CONNS held,
# minus the same with 1,000 held, over the difference.
idle_rss() {	# N -> "server_kB client_kB" while N connections are held
	local n=$1 cpid s c
	# Eight server ports: autobind takes even ports first (RFC 6056, as
	# Linux), 14,116 per destination here, and 8 x 14,116 > 100,000.
	local ports=() tos=()
	for p in 80 81 82 83 84 85 86 87; do ports+=(--port $p); tos+=(--to 198.18.0.1:$p); done
	srv_start 4096 --proto http --max-conns 262144 "${ports[@]}"
	$b/apps/dps-gen "${eal[@]}" -m 4096 -l 1 --file-prefix=dpsbc$$ \
		--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- --role client \
		--max-conns 262144 "${tos[@]}" --mode conc --proto http \
		--conc "$n" --rate 1 --duration 12s --quiet --json >"$out/idle$n.json" 2>&1 &
	cpid=$!
	pids+=("$cpid")
	sleep 9
	s=$(rss_kb "$srv"); c=$(rss_kb "$cpid")
	wait "$cpid" || true
	srv_stop
	echo "$s $c"
}
read -r s1 c1 < <(idle_rss 1000)
read -r s2 c2 < <(idle_rss "$idle")
echo "dps idle_conns=$idle idle_server_B=$(( (s2 - s1) * 1024 / (idle - 1000) ))" \
	"idle_client_B=$(( (c2 - c1) * 1024 / (idle - 1000) ))" | tee -a "$R"

echo "== 2. Linux kernel on loopback: bench/kbench, one epoll thread per side"
kb() { taskset -c 1 $b/bench/kbench client "$@" | grep '^result' | sed 's/^result //'; }
ks() { taskset -c 0 $b/bench/kbench server "$@" >/dev/null 2>&1 & pids+=("$!"); sleep 0.3; }
ks --port 18080 --proto http --resp-size 64
echo "kernel $(kb --to 127.0.0.1:18080 --mode cps --conc 64 --duration "${dur}s" --resp-size 64)" | tee -a "$R"
echo "kernel $(kb --to 127.0.0.1:18080 --mode rr --conc 1 --duration "${dur}s" --resp-size 64)" | tee -a "$R"
# One descriptor per connection in each process: as many as the hard
# limit allows (containers may not raise it); the figure is per connection.
ulimit -n $((idle + 1024)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
kidle=$(( idle < $(ulimit -n) - 1024 ? idle : $(ulimit -n) - 1024 ))
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
    show("request p50 us on one connection, dpstack vs kernel", f("dps", "rr_p50_us"), f("kernel:rr", "p50_us"))
    show("request p50 us, dpstack vs raw memif ping-pong", f("dps", "rr_p50_us"), f("floor:pingpong", "p50_us"))
    print(f"request p50 above the floor: {f('dps', 'rr_p50_us') - f('floor:pingpong', 'p50_us'):.2f} us")
    show("bulk send Gbit/s, dpstack vs kernel", f("dps", "bulk_send_gbps"), f("kernel:bulk:send", "gbit_per_s"))
    show("bulk receive Gbit/s, dpstack vs kernel", f("dps", "bulk_recv_gbps"), f("kernel:bulk:recv", "gbit_per_s"))
    show("bulk Gbit/s, dpstack vs raw memif flood (1514 B)", f("dps", "bulk_send_gbps"), f("floor:flood", "rx_gbit_per_s"))
    show("bytes per idle connection (both sides), dpstack vs kernel",
         f("dps", "idle_server_B") + f("dps", "idle_client_B"),
         f("kernel:idle", "sunreclaim_per_conn_B") + f("kernel:idle", "rss_per_conn_B"))
except (KeyError, ValueError) as e:
    print(f"(missing figure: {e})")
PY
