#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Overload: dps-gen --open-loop offering more HTTP connections per second
# than dps-httpd takes, over a memif pair, one lcore each (dps-httpd on
# CPU 0, dps-gen on CPU 1), between two closed-loop cps runs of 3 s
# against the same server: before (base_cps), and after, to see it serve
# again (recovery_cps, and recovery_1s_cps for its first second, to be
# read against base_1s_cps, the first second of a run on a fresh server).
# dps-httpd gets a small pool (MBUFS) so that the overload reaches it on a
# small machine.
# Per run one line: what the client offered and got (client_cps:
# connections completed per second), the connections the server took,
# its drops by reason, retransmissions, cookies,
# what was left over and its exit status, then the recovery run's
# connections per second and errors. Then the medians per rate.
# Usage: ./bench/overload.sh [BUILD]; environment: RATES (default
#   "400000"), DUR seconds (8), RUNS (3), MBUFS (4096), CONC (8192).
set -euo pipefail
cd "$(dirname "$0")/.."
b=${1:-build}
rates=${RATES:-400000} dur=${DUR:-8} runs=${RUNS:-3} mbufs=${MBUFS:-4096}
conc=${CONC:-8192}
out=$(mktemp -d /tmp/dps-overload.XXXXXX)
sock=$out/memif.sock
eal=(--no-huge -m 1024 --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error)
srv=
cleanup() {
	[ -n "$srv" ] && kill -9 "$srv" 2>/dev/null || true
	wait 2>/dev/null || true
	if [ -n "${OVERLOAD_KEEP:-}" ]; then echo "outputs kept in $out" >&2; else rm -rf "$out"; fi
}
trap cleanup EXIT
. bench/common.sh

echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)," \
	"kernel $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%Y-%m-%dT%H:%MZ)"

# gen NAME ARGS...: dps-gen on CPU 1; its JSON summary in $out/NAME.json.
gen() {
	local name=$1; shift
	$b/apps/dps-gen "${eal[@]}" -l 1 --file-prefix=dpsoc$$ \
		--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- --role client \
		--addr 198.18.0.2-198.18.0.17/24 --to 198.18.0.1:80 --json ${QUIET---quiet} "$@" \
		>"$out/$name.json" 2>"$out/$name.err" || true
}

one() {	# RATE RUN: one line of results
	local rate=$1 k=$2 rc=0
	rm -f "$sock"
	$b/apps/dps-httpd "${eal[@]}" -l 0 --file-prefix=dpsos$$ \
		--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" -- \
		--addr 198.18.0.1/24 --quiet --json --mbufs "$mbufs" >"$out/srv.json" 2>"$out/srv.err" &
	srv=$!
	for _ in $(seq 200); do grep -q '^dps-httpd: serving' "$out/srv.err" && break; sleep 0.05; done
	QUIET= gen base --mode cps --proto http --duration 3s
	gen ol --mode cps --proto http --open-loop --rate "$rate" --conc "$conc" \
		--timeout 2s --duration "${dur}s"
	QUIET= gen rec --mode cps --proto http --duration 3s
	kill -INT "$srv"
	wait "$srv" || rc=$?
	srv=
	local j=$out/ol.json s=$out/srv.json r=$out/rec.json
	echo "rate=$rate run=$k" \
		"base_cps=$(jget $out/base.json "round(j['cps'])")" \
		"base_1s_cps=$(grep -m1 -oE '^t=1s cps=[0-9]+' $out/base.err | cut -d= -f3)" \
		"offered_per_s=$(jget $j "round((j['conn_attempted'] + j['conn_skipped']) / j['seconds'])")" \
		"client_cps=$(jget $j "round(j['cps'])")" \
		"skipped=$(jget $j "j['conn_skipped']")" \
		"timeouts=$(jget $j "j['errors_by_kind']['timeout']")" \
		"server_accepted=$(jget $s "j['accepted']")" \
		"nomem=$(jget $s "j['stack']['drops_by_reason'].get('nomem', 0)")" \
		"tx_full=$(jget $s "j['stack']['drops_by_reason'].get('tx_full', 0)")" \
		"rx_reserve=$(jget $s "j['stack']['drops_by_reason'].get('rx_reserve', 0)")" \
		"drops=$(jget $s "j['stack']['drops']")" \
		"retrans=$(jget $s "j['stack']['retrans']")" \
		"cookies=$(jget $s "j['stack'].get('syncookies_sent', 0)")" \
		"left_socks=$(jget $s "j['left']['sockets']")" \
		"server_exit=$rc" \
		"recovery_cps=$(jget $r "round(j['cps'])")" \
		"recovery_1s_cps=$(grep -m1 -oE '^t=1s cps=[0-9]+' $out/rec.err | cut -d= -f3)" \
		"recovery_errors=$(jget $r "j['errors']")"
}

for k in $(seq "$runs"); do
	for rate in $rates; do
		one "$rate" "$k" | tee -a "$out/lines"
	done
done
echo "== medians over $runs runs"
for rate in $rates; do
	line="rate=$rate"
	for f in base_cps base_1s_cps offered_per_s client_cps timeouts server_accepted nomem tx_full \
			rx_reserve drops retrans cookies left_socks server_exit recovery_cps recovery_1s_cps \
			recovery_errors; do
		line+=" $f=$(grep "^rate=$rate " "$out/lines" | grep -oE " $f=[0-9.]+" |
			cut -d= -f2 | median)"
	done
	echo "$line"
done
