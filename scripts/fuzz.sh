#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Build the libFuzzer harnesses of test/fuzz (clang, ASan + UBSan) and run
# each for SECONDS (default 60), starting from a copy of its seed corpus
# in a temporary directory, so the repository is never written.
#
# Usage: scripts/fuzz.sh [SECONDS]
#   FUZZ_JOBS=N     harnesses run N at a time (default 1)
#   FUZZ_ONLY=name  run only the harnesses whose name contains it
#   FUZZ_KEEP=1     keep the work directory of passing harnesses too
#   FUZZ_TIMEOUT=S  one input may take S seconds of wall time (default 25);
#                   long runs at a low priority on a shared machine want
#                   more, or a starved process reports a timeout
#
# One line per harness: "fuzz: <harness> ok|FAIL <seconds> s, <runs>
# runs, cov <n> ft <n>"; a failure adds the reproducer's path and the
# first lines of the report. The closing line is
# "fuzz: N passed, N failed"; the exit status is 1 when any failed.
# A finding is reproduced with: build-fuzz/test/fuzz/<harness> <file>
set -uo pipefail
cd "$(dirname "$0")/.."

secs=${1:-60}
jobs=${FUZZ_JOBS:-1}
only=${FUZZ_ONLY:-}
tmo=${FUZZ_TIMEOUT:-25}
bdir=build-fuzz
harnesses=(fuzz_rx_classify fuzz_tcp_opts fuzz_tcb fuzz_http fuzz_ipv6)

case $secs in ''|*[!0-9]*|0)
	echo "fuzz.sh: SECONDS must be a positive integer, not '$secs'" >&2
	exit 2
esac
if ! command -v clang >/dev/null; then
	echo "fuzz.sh: clang is missing; run scripts/deps.sh as root" >&2
	exit 2
fi
if [ ! -f "$bdir/build.ninja" ]; then
	CC=clang meson setup "$bdir" -Dfuzz=true -Dtests=false >/dev/null ||
		{ echo "fuzz.sh: meson setup $bdir failed" >&2; exit 2; }
fi
ninja -C "$bdir" fuzz >/dev/null ||
	{ echo "fuzz.sh: building the harnesses failed" >&2; exit 2; }

work=$(mktemp -d /tmp/dps-fuzz.XXXXXX)
trap 'kill $(jobs -p) 2>/dev/null; wait' INT TERM

# Run harness $1 in $work/$1; its verdict goes to $work/$1/verdict.
run_one() {
	local h=$1 d=$work/$1 rc
	mkdir -p "$d/corpus"
	cp test/fuzz/corpus/"$h"/* "$d/corpus/" 2>/dev/null
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		"$bdir/test/fuzz/$h" -max_total_time="$secs" -timeout="$tmo" \
		-rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
		-artifact_prefix="$d/" "$d/corpus" >"$d/log" 2>&1
	rc=$?
	echo "$rc" >"$d/verdict"
}

# The per-harness line from its log.
report() {
	local h=$1 d=$work/$1 rc runs cov ft art
	rc=$(cat "$d/verdict" 2>/dev/null || echo 99)
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$d/log" | tail -1)
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$d/log" | tail -1)
	art=$(ls "$d"/crash-* "$d"/leak-* "$d"/timeout-* "$d"/oom-* 2>/dev/null | head -1)
	if [ "$rc" = 0 ] && [ -z "$art" ]; then
		echo "fuzz: $h ok ${secs} s, ${runs:-?} runs, ${cov:-cov ? ft ?}"
		return 0
	fi
	echo "fuzz: $h FAIL (exit $rc) after ${runs:-?} runs, ${cov:-cov ? ft ?}"
	echo "      reproducer: ${art:-none}; log: $d/log"
	grep -m 6 -E 'ERROR|runtime error|fuzz_[a-z_]+: |SUMMARY' "$d/log" |
		sed 's/^/      /'
	return 1
}

selected=()
for h in "${harnesses[@]}"; do
	[ -z "$only" ] || [[ $h == *"$only"* ]] && selected+=("$h")
done
for h in "${selected[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	run_one "$h" &
done
wait

pass=0 fail=0
for h in "${selected[@]}"; do
	if report "$h"; then
		pass=$((pass + 1))
		[ -n "${FUZZ_KEEP:-}" ] || rm -rf "${work:?}/$h"
	else
		fail=$((fail + 1))
	fi
done
rmdir "$work" 2>/dev/null
echo "fuzz: $pass passed, $fail failed"
[ "$fail" = 0 ]
