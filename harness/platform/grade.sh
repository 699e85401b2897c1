#!/bin/bash
# One hand-in graded inside a hosted grader's container (Gradescope's run_autograder,
# PrairieLearn's entrypoint), by the package's own copy of sockgrade.
# Usage: grade.sh gradescope|prairielearn SOURCE SUBMISSION RESULTS_JSON
#   SOURCE      the package's sockgrade folder: LAB, specs/<lab>.yaml, record/<lab>/.reference/,
#               the harness's sources and (once setup.sh has run) build/sockgrade
#   SUBMISSION  the hand-in as uploaded: files possibly in a folder, possibly misnamed
# The reference is not needed: its answers were recorded when the package was made, and
# `sockgrade grade --recorded` grades against them. Deadlines are scaled to the CPU share
# the container has (cpu.max or cpu.cfs_quota_us / cpu.cfs_period_us of its own cgroup and
# those above it, at most nproc):
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

# The CPU share this process has: the smallest quota / period of its own cgroup and the
# cgroups above it (v2 cpu.max, v1 cpu.cfs_quota_us / cpu.cfs_period_us), at most nproc.
# In a container the cgroup namespace makes its own cgroup "/"; in the test's emulation it is not.
cpu_share() {
	local n q p path dir best line ctrls
	n=$(nproc 2>/dev/null || echo 1)
	best=$n
	while IFS= read -r line; do
		ctrls=${line#*:}
		path=${ctrls#*:}
		path=${path%/}
		ctrls=${ctrls%%:*}
		if [ -z "$ctrls" ]; then
			dir=/sys/fs/cgroup$path
			while :; do
				if [ -r "$dir/cpu.max" ]; then
					read -r q p <"$dir/cpu.max"
					[ "$q" != max ] && best=$(awk -v b="$best" -v q="$q" -v p="$p" 'BEGIN { s = q / p; print (s < b ? s : b) }')
				fi
				[ "${#dir}" -le 14 ] && break # /sys/fs/cgroup
				dir=$(dirname "$dir")
			done
		elif [[ ",$ctrls," == *,cpu,* ]]; then
			for base in "/sys/fs/cgroup/$ctrls" /sys/fs/cgroup/cpu /sys/fs/cgroup/cpu,cpuacct; do
				[ -d "$base" ] && break
			done
			dir=$base$path
			while :; do
				if [ -r "$dir/cpu.cfs_quota_us" ]; then
					q=$(cat "$dir/cpu.cfs_quota_us")
					p=$(cat "$dir/cpu.cfs_period_us")
					[ "$q" -gt 0 ] 2>/dev/null && best=$(awk -v b="$best" -v q="$q" -v p="$p" 'BEGIN { s = q / p; print (s < b ? s : b) }')
				fi
				[ "${#dir}" -le "${#base}" ] && break
				dir=$(dirname "$dir")
			done
		fi
	done </proc/self/cgroup
	awk -v s="$best" 'BEGIN { printf "%.3f\n", s }'
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
