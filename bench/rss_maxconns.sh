#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Resident memory of dps-httpd and dps-gen holding N connections (default
# 1,000) over memif, with the default table and pool sizes and with
# --max-conns 10000000 (issue 15: within 10 % of each other, because
# pools grow with the connections held and tables are not written at
# start). Not a timed test: run by hand. Prints one line per size and
# the ratios.
# Usage (root): ./bench/rss_maxconns.sh [N] [build dir]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
b=${2:-build}
big=10000000
out=$(mktemp -d /tmp/dps-rss.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$out"
}
trap cleanup EXIT
eal=(--no-huge -m 512 --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error)
sock=$out/memif.sock
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

run() {	# MAX_CONNS_ARGS... -> "server_kB client_kB"
	local srv cpid open=0 s c
	rm -f "$sock"
	$b/apps/dps-httpd "${eal[@]}" -l 0 --file-prefix=dpsrs$$ \
		--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" -- \
		--addr 198.18.0.1/24 --quiet --proto http --port 80 "$@" >"$out/srv.log" 2>&1 &
	srv=$!
	pids+=("$srv")
	for _ in $(seq 600); do grep -q "^dps-httpd: serving" "$out/srv.log" && break; sleep 0.1; done
	grep -q "^dps-httpd: serving" "$out/srv.log" || { cat "$out/srv.log" >&2; exit 1; }
	stdbuf -oL $b/apps/dps-gen "${eal[@]}" -l 1 --file-prefix=dpsrc$$ \
		--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- --role client \
		--addr 198.18.0.2/24 --to 198.18.0.1:80 "$@" \
		--mode conc --proto http --conc "$n" --rate 1 --duration 600s --json \
		>"$out/gen.out" 2>"$out/gen.err" &
	cpid=$!
	pids+=("$cpid")
	for _ in $(seq 1200); do
		open=$(grep -o '"open":[0-9]*' "$out/gen.out" | tail -1 | cut -d: -f2 || true)
		[ "${open:-0}" -ge "$n" ] && break
		kill -0 "$cpid" 2>/dev/null || { cat "$out/gen.err" >&2; exit 1; }
		sleep 0.1
	done
	[ "${open:-0}" -ge "$n" ] || { echo "rss: ${open:-0} of $n open" >&2; exit 1; }
	sleep 1	# the per-second line came; let the last ACKs land
	s=$(rss_kb "$srv"); c=$(rss_kb "$cpid")
	kill -USR1 "$cpid"; wait "$cpid" || true
	kill -INT "$srv"; wait "$srv" || true
	pids=()
	echo "$s $c"
}

read -r s0 c0 < <(run)
echo "rss conns=$n max_conns=default server_kB=$s0 client_kB=$c0"
read -r s1 c1 < <(run --max-conns $big)
echo "rss conns=$n max_conns=$big server_kB=$s1 client_kB=$c1"
python3 -c "print(f'rss ratio server={$s1/$s0:.3f} client={$c1/$c0:.3f}')"
