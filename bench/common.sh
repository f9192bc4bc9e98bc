# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the bench scripts (from the repository root).

# median: the median of the numbers on stdin, one per line ("n/a" for none).
median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "n/a"}'; }

# jget FILE EXPR: a value from the JSON summary that ends FILE (a python
# expression on j, e.g. "j['cps']").
jget() {
	python3 -c "import json,sys; j=json.loads(open(sys.argv[1]).read().strip().splitlines()[-1]); print($2)" "$1"
}
