#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Draw a run: the per-second rates and the latency percentile curves of
# the NDJSON that dps-gen or dps-lat print with --json, as one SVG.
#   top:    connections/s and requests/s (a server run: accepted/s and
#           requests/s) against time, and errors/s when there were any
#   bottom: connect time and request time against the percentile, on
#           HdrHistogram's log axis 1/(1-p) (50% at 2, 99% at 100, ...);
#           none for a server run
# Usage: scripts/plot.sh RUN.json OUT.svg
#   dps-gen ... -- --to 198.18.0.1:80 --duration 10s --json >RUN.json
# Needs jq and gnuplot (Debian: jq gnuplot-nox; scripts/deps.sh).
set -euo pipefail
if [ $# -ne 2 ]; then
	echo "usage: $0 RUN.json OUT.svg" >&2
	exit 2
fi
run=$1 out=$2
for t in jq gnuplot; do
	command -v "$t" >/dev/null || { echo "plot.sh: $t is not installed (scripts/deps.sh)" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/dps-plot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

jq -e -s 'map(select(.type == "summary")) | length == 1' "$run" >/dev/null ||
	{ echo "plot.sh: $run holds no summary (was it written with --json?)" >&2; exit 1; }
# Rates: t, connections (or accepted) per second, requests per second,
# errors per second.
jq -r 'select(.type == "interval") | [.t, (.cps // .accepted_per_s), .req_per_s,
	(if .dt > 0 then .errors / .dt else 0 end)] | @tsv' "$run" >"$tmp/rates.tsv"
errs=$(jq -s 'map(select(.type == "interval") | .errors) | add // 0' "$run")
# A histogram's distribution below 100%: 1/(1-p) and the value in us.
curve() {
	jq -r --arg h "$1" 'select(.type == "summary") | .[$h].percentiles[]? |
		select(.[1] < 100) | [1 / (1 - .[1] / 100), .[0] / 1000] | @tsv' \
		"$run" >"$tmp/$1.tsv"
}
curve connect_time
curve request_time
title=$(jq -r 'select(.type == "summary") |
	"\(.prog) \(.what), \(.seconds) s, errors \(.errors)"' "$run")

# gnuplot refuses an empty file: plot only the series that have points.
series() {	# FILE TITLE STYLE
	[ -s "$1" ] && printf "'%s' using 1:2 with %s linewidth 2 title '%s', " "$1" "$3" "$2"
	return 0
}
conns=$(jq -r 'select(.type == "summary") |
	if has("cps") then "connections/s" else "accepted/s" end' "$run")
rates=$(series "$tmp/rates.tsv" "$conns" linespoints)
[ -s "$tmp/rates.tsv" ] && rates+="'$tmp/rates.tsv' using 1:3 with linespoints linewidth 2 title 'requests/s', "
[ "$errs" != 0 ] && rates+="'$tmp/rates.tsv' using 1:4 with linespoints linewidth 2 title 'errors/s'"
lat=$(series "$tmp/connect_time.tsv" "connect time" lines)$(series "$tmp/request_time.tsv" "request time" lines)
lat=${lat%, }
rates=${rates%, }

[ -n "$rates$lat" ] || { echo "plot.sh: $run holds nothing to draw" >&2; exit 1; }
panels=0
[ -n "$rates" ] && panels=$((panels + 1))
[ -n "$lat" ] && panels=$((panels + 1))	# a server run has no latencies
{
	echo "set terminal svg size 900,$((450 * panels)) dynamic enhanced font 'sans,11' background rgb 'white'"
	echo "set output '$out'"
	echo "set multiplot layout $panels,1 title \"${title//\"/}\""
	echo "set grid"
	echo "set key top left"
	if [ -n "$rates" ]; then
		echo "set title 'Rates, per second'"
		echo "set xlabel 'time (s)'"
		echo "set xrange [0:*]"
		echo "set ylabel 'per second'"
		echo "set yrange [0:*]"
		echo "plot $rates"
	fi
	if [ -n "$lat" ]; then
		echo "set title 'Latency by percentile'"
		echo "set logscale x"
		echo "set xrange [1:*]"
		echo "set yrange [0:*]"
		echo "set xlabel 'percentile'"
		echo "set ylabel 'latency (us)'"
		echo "set xtics ('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000, '99.99%%' 10000, '99.999%%' 100000, '99.9999%%' 1000000)"
		echo "plot $lat"
	fi
	echo "unset multiplot"
} >"$tmp/plot.gp"
gnuplot "$tmp/plot.gp"
echo "plot.sh: wrote $out"
