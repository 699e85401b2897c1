#!/bin/bash
# One hand-in graded inside a hosted grader's container (Gradescope's run_autograder,
# PrairieLearn's entrypoint), by the package's own copy of sockgrade.
# Usage: grade.sh gradescope|prairielearn SOURCE SUBMISSION RESULTS_JSON
#   SOURCE      the package's sockgrade folder: LAB, specs/<lab>.yaml, record/<lab>/.reference/,
#               the harness's sources and (once setup.sh has run) build/sockgrade
#   SUBMISSION  the hand-in as uploaded: files possibly in a folder, possibly misnamed
# The reference is not needed: its answers were recorded when the package was made, and
# `sockgrade grade --recorded` grades against them. Deadlines are scaled to the CPU share
# the container has (cpu.max or cpu.cfs_quota_us / cpu.cfs_period_us, at most nproc):
# TIME_SCALE = 1 / share when the share is below one CPU; TIME_SCALE in the environment wins.
# Everything printed here is the instructor's (Gradescope keeps stdout from students).
set -u
mode=$1
src=$2
sub=$3
out=$4
lab=$(cat "$src/LAB")
spec="$src/specs/$lab.yaml"
work=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-platform.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$(dirname "$out")"

# The CPU share of this container: quota / period of its cgroup (v2, then v1), else nproc.
cpu_share() {
	local q="" p="" n
	n=$(nproc 2>/dev/null || echo 1)
	if [ -r /sys/fs/cgroup/cpu.max ]; then
		read -r q p </sys/fs/cgroup/cpu.max
	elif [ -r /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]; then
		q=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us)
		p=$(cat /sys/fs/cgroup/cpu/cpu.cfs_period_us)
		[ "$q" = -1 ] && q=max
	fi
	awk -v q="${q:-max}" -v p="${p:-0}" -v n="$n" 'BEGIN {
		s = (q == "max" || p + 0 <= 0) ? n : q / p; if (s > n) s = n; printf "%.3f\n", s }'
}
share=$(cpu_share)
scale=${TIME_SCALE:-$(awk -v s="$share" 'BEGIN { printf "%.2f\n", s < 1 ? 1 / s : 1 }')}
echo "sockgrade ($mode): lab $lab, CPU share $share, TIME_SCALE $scale"

bin=${SOCKGRADE_BIN:-$src/build/sockgrade}
if [ ! -x "$bin" ]; then
	# no setup step ran (a PrairieLearn image without a built copy): build into the work folder
	echo "sockgrade: no built grader in $src/build: building one"
	make -s -C "$src" BUILD="$work/build" "$work/build/sockgrade" >"$work/build.log" 2>&1 || {
		cat "$work/build.log"
		echo "sockgrade: internal error: the grader does not build here" >&2
	}
	bin=$work/build/sockgrade
fi

# the hand-in as a one-student folder download: import nests, renames and refuses as for an LMS
mkdir -p "$work/from/submission" "$work/reports"
[ -d "$sub" ] && cp -a "$sub/." "$work/from/submission/" 2>/dev/null
cp -a "$src/record/$lab" "$work/reports/$lab"
notes=$work/notes.txt
: >"$notes"
results=-
if [ -z "$(ls -A "$work/from/submission")" ]; then
	echo "no files were handed in" >"$notes"
elif ! "$bin" import --format folders --submissions-root "$work/subs" "$spec" "$work/from" \
	>"$work/import.log" 2>&1; then
	cat "$work/import.log"
	echo "your files could not be read: $(grep -v '^import:' "$work/import.log" | head -3 | tr '\n' ' ')" >"$notes"
else
	cat "$work/import.log"
	# what the importer did to the student's files, without this container's paths
	grep '^      ' "$work/import.log" | sed 's/^ *//' | paste -sd ';' - | sed 's/;/; /g' >"$notes"
	"$bin" grade --recorded --no-coverage --jobs 1 --time-scale "$scale" \
		--reports "$work/reports" --submissions "$work/subs/$lab" "$spec"
	echo "sockgrade grade: exit status $?"
	[ -f "$work/reports/$lab/submission/results.json" ] && results=$work/reports/$lab/submission/results.json
fi
if python3 "$src/platform/results.py" "$mode" "$results" "$notes" >"$out.tmp"; then
	mv "$out.tmp" "$out"
else
	echo "sockgrade: internal error: results.py failed" >&2
	exit 2
fi
echo "results: $out"
