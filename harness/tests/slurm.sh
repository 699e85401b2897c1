#!/bin/bash
# slurm.sh: the hello samples graded in 4 shards through make slurm, on a one-node Slurm
# cluster of the test's own (harness/slurm-cluster.sh), as root:
#  - every shard and the merge job end COMPLETED; each student is graded by exactly one shard,
#    and its score and failed probes equal those of a single-machine run with the same SEED;
#  - a shard cancelled (scancel) while it runs leaves its students not graded in the merged
#    report (class page, grades.csv, the merge's summary), and only its students;
#  - RETRY=1 then submits that shard alone, which grades only what has no results, and the
#    class is complete again with the single-machine run's scores; a second RETRY=1 has
#    nothing to do.
# Not root: skipped, with a line that says so. As root, Slurm that cannot be installed or
# started fails the test. Every daemon it starts is stopped on exit, and its files (cluster,
# reports, work folders) are in one temporary folder, removed on exit (KEEP=1 keeps it).
# Usage: harness/tests/slurm.sh path/to/sockgrade
# Output: one line per failed check, then "slurm: N passed, M failed".
set -u
bin=$(realpath "${1:?usage: slurm.sh SOCKGRADE}")
top=$(cd "$(dirname "$0")/../.." && pwd)
if [ "$(id -u)" != 0 ]; then
	echo "slurm: skipped: not root (the test installs Slurm and starts a cluster of its own as root)"
	exit 0
fi
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
# expect TEXT COMMAND...: the command succeeds, else TEXT is a failure
expect() { local t=$1; shift; if "$@"; then ok; else bad "$t"; fi; }
finish() { echo "slurm: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit; }

"$top/harness/slurm-cluster.sh" install || { bad "slurm-wlm and munge cannot be installed"; finish; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-slurm.XXXXXX")
cleanup() {
	"$top/harness/slurm-cluster.sh" stop "$tmp/cluster"
	[ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
# munged wants every folder above its socket searchable by all
chmod 0711 "$tmp"
mkdir -p "$tmp/cluster" "$tmp/tmp"
"$top/harness/slurm-cluster.sh" start "$tmp/cluster" >"$tmp/cluster.log" 2>&1 ||
	{ bad "the Slurm cluster does not start: $(tail -20 "$tmp/cluster.log")"; finish; }
export SLURM_CONF="$tmp/cluster/slurm.conf"
# the shards' work folders are the test's too (the jobs get this environment)
export TMPDIR="$tmp/tmp"

seed=4242
# deadlines doubled, in every run alike: a machine shared with other work must not turn a
# slow start into a failed probe in one run and not in the other
scale=2
spec="$top/specs/hello.yaml"
subs="$top/submissions/hello"
reports="$tmp/reports"
lab="$reports/hello"

# JobState of every task of a job (or of one task, JOB_K), sorted, each once
states() { scontrol show job -o "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sed 's/JobState=//' | sort -u | xargs; }
# waits, at most $2 seconds, until no task of job $1 is pending or running; 0 once so
wait_ended() {
	local until=$(($(date +%s) + $2)) s
	while [ "$(date +%s)" -lt "$until" ]; do
		s=" $(states "$1") "
		case $s in
		"  " | *" PENDING "* | *" RUNNING "* | *" CONFIGURING "* | *" COMPLETING "* | *" SUSPENDED "*) ;;
		*) return 0 ;;
		esac
		sleep 0.2
	done
	return 1
}
# make slurm LOG [VARIABLES...]: submits; sets run (its folder), ARRAY_JOB, MERGE_JOB, SHARDS_RUN
submit() {
	local log=$1
	shift
	run=""
	make -C "$top" --no-print-directory slurm BUILD="$(dirname "$bin")" SPEC="$spec" \
		SUBMISSIONS="$subs" REPORTS="$reports" SHARDS=4 SEED=$seed TIME_SCALE=$scale COVERAGE=0 "$@" \
		>"$tmp/$log" 2>&1 || return 1
	run=$(sed -n 's/^slurm: output: \(.*\)\/; .*/\1/p' "$tmp/$log")
	if [ -f "$run/jobs.env" ]; then . "$run/jobs.env"; fi
}
# each student's score and failed probes, one a line: "name score probe,probe"
signature() {
	python3 - "$1" <<'PY'
import json, os, sys
root = sys.argv[1]
for s in sorted(os.listdir(root)):
    p = os.path.join(root, s, "results.json")
    if s.startswith(".") or not os.path.exists(p):
        continue
    r = json.load(open(p))
    x = r["extra_data"]
    if x.get("harness_error"):
        continue
    bad = [q["name"] for q in x["probes"] if not q["passed"]]
    print(s, r["score"], ",".join(bad) or "-")
PY
}
# the students a shard's output lists (graded or unchanged)
listed() { sed -n 's/^  \([^ ]*\)  *\([0-9][0-9]* \/\|unchanged since\|not graded\).*/\1/p' "$1"; }

"$bin" grade --seed $seed --time-scale $scale --no-coverage --jobs 2 --reports "$tmp/single" --submissions "$subs" \
	"$spec" >"$tmp/single.log" 2>&1 || { bad "the single-machine run fails: $(tail -5 "$tmp/single.log")"; finish; }
signature "$tmp/single/hello" >"$tmp/single.sig"
nstudents=$(ls "$subs" | wc -l)
expect "the single-machine run grades all $nstudents students ($(wc -l <"$tmp/single.sig"))" \
	[ "$(wc -l <"$tmp/single.sig")" = "$nstudents" ]

# ---- 4 shards and the merge ----
submit run1.log || { bad "make slurm fails: $(tail -5 "$tmp/run1.log")"; finish; }
expect "make slurm submits an array of 4 shards" [ "${SHARDS_RUN:-}" = 0-3 ]
expect "make slurm prints how to see the jobs' state" \
	grep -q "^slurm: their state: squeue -j $ARRAY_JOB,$MERGE_JOB .*sacct -j $ARRAY_JOB,$MERGE_JOB" "$tmp/run1.log"
expect "the merge job depends on the array" eval \
	'scontrol show job -o "$MERGE_JOB" | grep -q "Dependency=afterany:${ARRAY_JOB}_\*"'
wait_ended "$MERGE_JOB" 300 || bad "the merge job has not ended after 300 s ($(states "$MERGE_JOB"))"
expect "every shard ends COMPLETED (states: $(states "$ARRAY_JOB"))" [ "$(states "$ARRAY_JOB")" = COMPLETED ]
expect "the merge ends COMPLETED ($(states "$MERGE_JOB"))" [ "$(states "$MERGE_JOB")" = COMPLETED ]
for k in 0 1 2 3; do
	listed "$run/shard-$k.out" >"$tmp/shard-$k.list"
	expect "shard $k reads SLURM_ARRAY_TASK_ID" grep -q "^  shard $k/4: " "$run/shard-$k.out"
done
dups=$(cat "$tmp"/shard-?.list | sort | uniq -d | xargs)
expect "no student is graded by two shards (${dups:-none})" [ -z "$dups" ]
expect "the shards together grade every student" \
	[ "$(cat "$tmp"/shard-?.list | sort -u | wc -l)" = "$nstudents" ]
signature "$lab" >"$tmp/run1.sig"
expect "scores and failed probes equal the single-machine run's: $(diff "$tmp/single.sig" "$tmp/run1.sig" | head -3 | xargs)" \
	cmp -s "$tmp/single.sig" "$tmp/run1.sig"
expect "the merge renders the class page" grep -q "$nstudents students: $nstudents graded" "$lab/index.html"
expect "the merge's summary: every student graded" \
	grep -q "^  $nstudents students: $nstudents graded, 0 not graded" "$run/merge.out"

# ---- a shard cancelled while it runs ----
# the shard with the most students, so that it is still running when cancelled
victim=$(for k in 0 1 2 3; do echo "$(wc -l <"$tmp/shard-$k.list") $k"; done | sort -n | tail -1 | cut -d' ' -f2)
submit run2.log FORCE=1 THROTTLE=1 || { bad "make slurm (FORCE=1 THROTTLE=1) fails: $(tail -5 "$tmp/run2.log")"; finish; }
task="${ARRAY_JOB}_$victim"
until=$(($(date +%s) + 240))
while [ "$(date +%s)" -lt "$until" ]; do
	# running, and past its start: it has begun grading its students
	[ "$(squeue -h -j "$task" -o %T 2>/dev/null)" = RUNNING ] &&
		grep -q "^  shard $victim/4: " "$run/shard-$victim.out" 2>/dev/null && break
	sleep 0.1
done
expect "shard $victim runs (its state: $(squeue -h -j "$task" -o %T 2>/dev/null))" \
	grep -q "^  shard $victim/4: " "$run/shard-$victim.out"
scancel "$task"
wait_ended "$MERGE_JOB" 300 || bad "the merge job has not ended after 300 s ($(states "$MERGE_JOB"))"
expect "the cancelled shard ends CANCELLED ($(states "$task"))" [ "$(states "$task")" = CANCELLED ]
expect "the merge runs all the same ($(states "$MERGE_JOB"))" [ "$(states "$MERGE_JOB")" = COMPLETED ]
signature "$lab" | cut -d' ' -f1 >"$tmp/run2.graded"
comm -23 <(sort "$tmp/shard-$victim.list") "$tmp/run2.graded" >"$tmp/ng"
ng=$(wc -l <"$tmp/ng")
expect "the cancel leaves students of shard $victim not graded ($ng of $(wc -l <"$tmp/shard-$victim.list"))" [ "$ng" -gt 0 ]
others=$(cat "$tmp"/shard-?.list | sort -u | comm -23 - "$tmp/run2.graded" | comm -23 - "$tmp/ng" | xargs)
expect "every student of the other shards is graded (not: ${others:-none})" [ -z "$others" ]
# the lab's points as the grader counts them (from the first graded student), not written here
max=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["extra_data"]["max_score"])' \
	"$lab/$(head -1 "$tmp/run2.graded")/results.json")
while read -r s; do
	expect "$s: not graded on the class page" grep -qE \
		"<tr><td>(<a [^>]*>)?$s(</a>)?</td><td class=\"num ng\" data-sort=\"-[12]\">not graded</td>" "$lab/index.html"
	expect "$s: no score in grades.csv" grep -q "^$s,,$max," "$lab/grades.csv"
	expect "$s: not graded in the merge's summary" grep -q "^  $s .*not graded" "$run/merge.out"
done <"$tmp/ng"
expect "the merge's summary counts them" \
	grep -q "^  $nstudents students: $((nstudents - ng)) graded, $ng not graded" "$run/merge.out"

# ---- RETRY=1: the missing shard alone ----
submit run3.log RETRY=1 || { bad "make slurm RETRY=1 fails: $(tail -5 "$tmp/run3.log")"; finish; }
expect "RETRY=1 submits shard $victim alone (${SHARDS_RUN:-nothing})" [ "${SHARDS_RUN:-}" = "$victim" ]
wait_ended "$MERGE_JOB" 300 || bad "the retry's merge has not ended after 300 s ($(states "$MERGE_JOB"))"
expect "the retried shard ends COMPLETED ($(states "$ARRAY_JOB"))" [ "$(states "$ARRAY_JOB")" = COMPLETED ]
graded=$(sed -n 's/^  \([^ ]*\)  *[0-9][0-9]* \/.*/\1/p' "$run/shard-$victim.out" | sort | xargs)
expect "the retry grades exactly the students not graded (graded: $graded)" [ "$graded" = "$(xargs <"$tmp/ng")" ]
signature "$lab" >"$tmp/run3.sig"
expect "the class is complete, with the single-machine run's scores: $(diff "$tmp/single.sig" "$tmp/run3.sig" | head -3 | xargs)" \
	cmp -s "$tmp/single.sig" "$tmp/run3.sig"
expect "the merge's summary: every student graded again" \
	grep -q "^  $nstudents students: $nstudents graded, 0 not graded" "$run/merge.out"
expect "no student is not graded on the class page" eval '! grep -q ">not graded</td>" "$lab/index.html"'
submit run4.log RETRY=1 || bad "make slurm RETRY=1 (nothing missing) fails: $(tail -5 "$tmp/run4.log")"
expect "a second RETRY=1 has nothing to do" grep -q "^slurm: nothing to retry" "$tmp/run4.log"

finish
