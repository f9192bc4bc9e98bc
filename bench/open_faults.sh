#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The cost of opening N idle connections (issue 15, time to open), in the
# figures that stay meaningful on a loaded VM: the minor page faults and
# the kernel CPU time of dps-httpd and dps-gen per connection opened, from
# /proc/PID/stat when dps-gen first reports N established. Per connection
# is marginal: the counts of a run to N less those of a run to 1,000 with
# the same sizes, over N - 1,000, so that dps-gen's start (its mbuf pool,
# about 67,000 faults) and the server's listeners do not count. The wall
# time to open is printed too, for what it is worth on a quiet machine.
# The setup is bench/suite.sh's idle run (memif, one lcore each, 15
# source addresses x 8 server ports, --max-conns N + N/8 + 4096).
# IDLE_MS (default unset) runs both apps with --idle-ms IDLE_MS, as the
# suite's ten-million run does, and reads the counts once the
# connections had time to go compact (IDLE_MS + 3 s after N are up), so
# that the idle form's store is in them.
# Not a timed test: run by hand, as root.
# Usage: ./bench/open_faults.sh [N, default 1000000] [runs, default 1] [build dir]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000000}
runs=${2:-1}
b=${3:-build}
mem=${IDLE_MEM:-4096}
src=${IDLE_SRC:-198.18.0.2-198.18.0.16/24}
mc=$(( n + n / 8 + 4096 ))
out=$(mktemp -d /tmp/dps-faults.XXXXXX)
idle_form=()
[ -n "${IDLE_MS:-}" ] && idle_form=(--idle-ms "$IDLE_MS")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$out"
}
trap cleanup EXIT
eal=(--no-huge -m "$mem" --no-pci --no-shconf --no-telemetry --log-level=lib.eal:error)
sock=$out/memif.sock
hz=$(getconf CLK_TCK)
# stat PID -> "minflt stime_ticks" (fields 10 and 15 of /proc/PID/stat;
# the command name, field 2, has no spaces here).
stat() { awk '{print $10, $15}' "/proc/$1/stat"; }

run() {	# N -> "srv_faults srv_sys_ticks cli_faults cli_sys_ticks open_s"
	local n=$1 srv cpid open=0 t0 t1 ports=() tos=() sf ss cf cs
	for p in 80 81 82 83 84 85 86 87; do ports+=(--port $p); tos+=(--to 198.18.0.1:$p); done
	rm -f "$sock"
	$b/apps/dps-httpd "${eal[@]}" -l 0 --file-prefix=dpsof$$ \
		--vdev="net_memif0,role=server,socket=$sock,socket-abstract=no" -- \
		--addr 198.18.0.1/24 --quiet --proto http --max-conns "$mc" "${ports[@]}" \
		"${idle_form[@]}" >"$out/srv.log" 2>&1 &
	srv=$!
	pids+=("$srv")
	for _ in $(seq 600); do grep -q "^dps-httpd: serving" "$out/srv.log" && break; sleep 0.1; done
	grep -q "^dps-httpd: serving" "$out/srv.log" || { cat "$out/srv.log" >&2; exit 1; }
	read -r sf ss < <(stat "$srv")
	t0=$(date +%s.%N)
	stdbuf -oL $b/apps/dps-gen "${eal[@]}" -l 1 --file-prefix=dpsoc$$ \
		--vdev="net_memif0,role=client,socket=$sock,socket-abstract=no" -- --role client \
		--addr "$src" --ports 1024-65535 --max-conns "$mc" "${tos[@]}" \
		"${idle_form[@]}" --mode conc --proto http --conc "$n" --rate 1 --duration 600s --json \
		>"$out/gen.out" 2>"$out/gen.err" &
	cpid=$!
	pids+=("$cpid")
	while :; do
		open=$(grep -o '"open":[0-9]*' "$out/gen.out" | tail -1 | cut -d: -f2 || true)
		[ "${open:-0}" -ge "$n" ] && break
		kill -0 "$cpid" 2>/dev/null || { cat "$out/gen.err" >&2; exit 1; }
		sleep 0.1
	done
	t1=$(date +%s.%N)
	[ -n "${IDLE_MS:-}" ] && sleep $(( IDLE_MS / 1000 + 3 ))
	read -r a b2 < <(stat "$srv"); sf=$(( a - sf )); ss=$(( b2 - ss ))
	read -r cf cs < <(stat "$cpid")
	kill -USR1 "$cpid"; wait "$cpid" || echo "open_faults: dps-gen exited $?" >&2
	kill -INT "$srv"; wait "$srv" || echo "open_faults: dps-httpd exited $?" >&2
	pids=()
	echo "$sf $ss $cf $cs $(python3 -c "print(f'{$t1 - $t0:.1f}')")"
}

for r in $(seq "$runs"); do
	read -r sf0 ss0 cf0 cs0 _ < <(run 1000)
	read -r sf ss cf cs t < <(run "$n")
	python3 -c "
n=$n - 1000; hz=$hz
print(f'open conns=$n run=$r server_faults={$sf} client_faults={$cf}'
      f' server_faults_per_conn={($sf-$sf0)/n:.4f} client_faults_per_conn={($cf-$cf0)/n:.4f}'
      f' server_sys_us_per_conn={($ss-$ss0)*1e6/hz/n:.2f} client_sys_us_per_conn={($cs-$cs0)*1e6/hz/n:.2f}'
      f' open_s=$t')"
done
