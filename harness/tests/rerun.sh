#!/bin/bash
# rerun.sh: a class graded again, and submissions whose shape is an attack.
#  - a second run reuses what did not change; a chmod (a file's mode) is a change;
#  - a student folder removed since the last run leaves no row in grades.csv or a page;
#  - a submission of ~2100 nested folders does not crash the run (the fingerprint walk
#    and the copy are bounded), nor does a rerun, --force or --only;
#  - a submission of more than 2000 files is the student's verdict: graded (0 points,
#    the reason says why), exit 0, not regraded on the next run;
#  - 1990 long file names do not make megabytes of pages (the listing is bounded);
#  - shards (--shard K/N) started at once grade each student once, against one reference
#    graded once, with one seed; a student keeps its shard when another is added; a shard
#    or an --only run removes no one's results; sockgrade report lists a student without
#    results as not graded, and --missing-shards names that student's shard alone.
# Usage: harness/tests/rerun.sh path/to/sockgrade
# Output: one line per failed check, then "rerun: N passed, M failed".
set -u
bin=$(realpath "${1:?usage: rerun.sh SOCKGRADE}")
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-rerun.XXXXXX")
trap '[ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
# expect TEXT COMMAND...: the command succeeds, else TEXT is a failure
expect() { local t=$1; shift; if "$@"; then ok; else bad "$t"; fi; }

subs="$tmp/subs"
reports="$tmp/reports"
mkdir -p "$subs"
cp -r "$top/submissions/hello/correct" "$subs/alice"
cp -r "$top/submissions/hello/correct" "$subs/bob"
grade() { # grade LOG [ARGS...]: one run over $subs; its exit status in $rc
	local log=$1
	shift
	"$bin" grade --seed 77 --no-coverage --jobs 2 --reports "$reports" --submissions "$subs" "$@" \
		"$top/specs/hello.yaml" >"$tmp/$log" 2>&1
	rc=$?
}
unchanged() { grep -q "^  $1 .*unchanged since the last run" "$tmp/$2"; }

grade first.log
expect "first run exits 0 (got $rc): $(tail -3 "$tmp/first.log")" [ "$rc" = 0 ]
grade second.log
expect "an unchanged submission is not graded again" unchanged alice second.log

# ---- a file's mode is part of what was handed in ----
chmod +x "$subs/alice/hello_server.c"
grade chmod.log
expect "a chmod +x regrades the submission" eval '! unchanged alice chmod.log'
expect "a chmod elsewhere does not regrade another student" unchanged bob chmod.log

# ---- a removed folder leaves no row ----
rm -rf "$subs/bob"
grade removed.log
expect "the run with bob removed exits 0 (got $rc)" [ "$rc" = 0 ]
expect "a removed student has no row in grades.csv" eval '! grep -q "^\"\\?bob" "$reports/hello/grades.csv"'
expect "a removed student is not on the class page" eval '! grep -q ">bob<" "$reports/hello/index.html"'
expect "a removed student's results are kept aside in .gone/" [ -f "$reports/hello/.gone/bob/results.json" ]
expect "the run says the student is gone" grep -q "bob .*no longer in the submissions" "$tmp/removed.log"
cp -r "$top/submissions/hello/correct" "$subs/bob"
grade back.log
expect "a student back again is graded and listed" grep -q "bob" "$reports/hello/grades.csv"

# ---- ~2100 nested folders ----
mkdir -p "$subs/deep"
cp "$top/submissions/hello/correct/"*.c "$subs/deep/"
python3 - "$subs/deep" <<'PY'
import os, sys
os.chdir(sys.argv[1])
for _ in range(2100):
    os.mkdir("d")
    os.chdir("d")
PY
for args in "" "--force" "--only deep"; do
	# shellcheck disable=SC2086
	grade deep.log $args
	expect "nested folders ($args): the run ends normally (exit $rc, not a crash)" [ "$rc" = 0 ]
	expect "nested folders ($args): the others are still graded" [ -f "$reports/hello/alice/results.json" ]
	expect "nested folders ($args): the submission has results" [ -f "$reports/hello/deep/results.json" ]
done
why=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))["extra_data"]
print(d["harness_error"] or "", "|", (d["build"] or {}).get("programs", [{}])[0].get("why") or "")
' "$reports/hello/deep/results.json")
expect "nested folders: the student's verdict, not a harness error ($why)" eval '[ "${why%%|*}" = " " ]'
expect "nested folders: the reason says the folders are nested too deep ($why)" eval 'echo "$why" | grep -q "nested"'
rm -rf "$subs/deep" "$reports/hello/deep"

# ---- more than 2000 files ----
mkdir -p "$subs/many"
cp "$top/submissions/hello/correct/"*.c "$subs/many/"
(cd "$subs/many" && for i in $(seq 1 2100); do : >"f$i"; done)
grade many.log
expect "too many files: exit 0, the student's verdict (got $rc)" [ "$rc" = 0 ]
why=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
x = d["extra_data"]
print(x["harness_error"] or "", "|", d["score"], "|", (x["build"] or {}).get("programs", [{}])[0].get("why") or "")
' "$reports/hello/many/results.json")
expect "too many files: no harness error, 0 points, a reason ($why)" eval 'echo "$why" | grep -q "^ | 0 | .*more than 2000 files"'
grade many2.log
expect "too many files: not graded again on the next run" unchanged many many2.log

# ---- 1990 long file names: the pages list a bounded number of them ----
rm -rf "$subs/many" "$reports/hello/many"
mkdir -p "$subs/names"
cp "$top/submissions/hello/correct/hello_client.c" "$subs/names/"
python3 - "$subs/names" <<'PY'
import os, sys
for i in range(1990):
    open(os.path.join(sys.argv[1], "%04d" % i + "x" * 200), "w").close()
PY
grade names.log
size=$(cat "$reports/hello/names/"*.html | wc -c)
expect "1990 long file names: the pages hold $size bytes (at most 1 MB)" [ "$size" -lt 1000000 ]
expect "1990 long file names: the list says how many more" grep -q "and 1951 more" "$reports/hello/names/student.html"

# ---- shards ----
ssubs="$tmp/ssubs"
sreports="$tmp/sharded"
mkdir -p "$ssubs"
for s in alice bob carol dave erin; do cp -r "$top/submissions/hello/correct" "$ssubs/$s"; done
shard() { # shard LOG K/N: one shard of the class in $ssubs, no SEED given
	"$bin" grade --no-coverage --jobs 1 --reports "$sreports" --submissions "$ssubs" --shard "$2" \
		"$top/specs/hello.yaml" >"$tmp/$1" 2>&1
}
# which shard log lists a student (graded or unchanged): its shard
shard_of() { grep -l "^  $1 " "$tmp/$2"-[012].log 2>/dev/null | sed 's/.*-\([012]\)\.log$/\1/' | xargs; }
for k in 0 1 2; do shard "s1-$k.log" "$k/3" & done
wait
srcs=0
for k in 0 1 2; do grep -q "^  results: " "$tmp/s1-$k.log" && srcs=$((srcs + 1)); done
expect "three shards at once each end normally ($srcs of 3)" [ "$srcs" = 3 ]
declare -A first
for s in alice bob carol dave erin; do
	first[$s]=$(shard_of "$s" s1)
	expect "$s is graded by exactly one shard (shards: ${first[$s]:-none})" eval '[ "$(echo ${first[$s]} | wc -w)" = 1 ]'
	expect "$s has results" [ -f "$sreports/hello/$s/results.json" ]
done
reused=$(cat "$tmp"/s1-?.log | grep -c "are reused")
expect "the reference is graded by one shard and reused by the two others ($reused reuse)" [ "$reused" = 2 ]
seeds=$(python3 -c '
import json, os, sys
r = sys.argv[1]
print(len({json.load(open(os.path.join(r, d, "results.json")))["extra_data"]["seed"]
           for d in os.listdir(r) if os.path.exists(os.path.join(r, d, "results.json"))}))
' "$sreports/hello")
expect "every shard grades with the one seed the first recorded ($seeds seeds)" [ "$seeds" = 1 ]
expect "a shard writes no class page" [ ! -f "$sreports/hello/index.html" ]
roster=$(python3 -c 'import json, sys; print(" ".join(json.load(open(sys.argv[1]))["students"]))' \
	"$sreports/hello/roster.json")
expect "the roster lists every student ($roster)" [ "$roster" = "alice bob carol dave erin" ]
"$bin" report --reports "$sreports" "$top/specs/hello.yaml" >"$tmp/report1.log" 2>&1
rc=$?
expect "report renders the sharded class (exit $rc)" [ "$rc" = 0 ]
expect "report: 5 graded" grep -q "5 students: 5 graded, 0 not graded" "$tmp/report1.log"
expect "report: a line per student in grades.csv" eval '[ "$(wc -l <"$sreports/hello/grades.csv")" = 6 ]'

cp -r "$top/submissions/hello/correct" "$ssubs/fay"
rm -rf "$ssubs/erin"
for k in 0 1 2; do shard "s2-$k.log" "$k/3"; done
for s in alice bob carol dave; do
	now=$(shard_of "$s" s2)
	expect "$s stays in its shard when a student is added (${first[$s]}-> $now)" [ "$now" = "${first[$s]}" ]
	expect "$s is not graded again by its shard" grep -q "^  $s .*unchanged since the last run" "$tmp"/s2-*.log
done
expect "the added student is graded" [ -f "$sreports/hello/fay/results.json" ]
expect "a shard keeps the results of a student no longer handed in" [ -f "$sreports/hello/erin/results.json" ]
expect "a shard moves nothing to .gone/" [ ! -e "$sreports/hello/.gone" ]
"$bin" grade --no-coverage --jobs 1 --reports "$sreports" --submissions "$ssubs" --only alice \
	"$top/specs/hello.yaml" >"$tmp/only.log" 2>&1
expect "an --only run reuses the recorded reference" grep -q "are reused" "$tmp/only.log"
expect "an --only run keeps every other row" eval '[ "$(wc -l <"$sreports/hello/grades.csv")" = 7 ]'

rm "$sreports/hello/bob/results.json"
"$bin" report --reports "$sreports" "$top/specs/hello.yaml" >"$tmp/report2.log" 2>&1
expect "report: a student without results is not graded" grep -q "^  bob .*not graded: no results" "$tmp/report2.log"
expect "report: the class page says bob is not graded" grep -q "<tr><td>bob</td><td class=\"num ng\" data-sort=\"-2\">not graded</td>" "$sreports/hello/index.html"
# the lab's points as the grader counts them (the spec's probes change; the test does not)
max=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["extra_data"]["max_score"])' \
	"$sreports/hello/alice/results.json")
expect "report: bob's line in grades.csv has no score (of $max)" grep -q "^bob,,$max," "$sreports/hello/grades.csv"
missing=$("$bin" report --reports "$sreports" --missing-shards 3 "$top/specs/hello.yaml" 2>&1 | xargs)
expect "--missing-shards names bob's shard alone (got '$missing', bob in ${first[bob]})" [ "$missing" = "${first[bob]}" ]
shard s3.log "${first[bob]}/3"
expect "the missing shard run again grades bob" grep -q "^  bob .*$max / $max" "$tmp/s3.log"
expect "and no one else" eval '[ "$(grep -cE "^  [a-z]+ +[0-9]+ / " "$tmp/s3.log")" = 1 ]'
missing=$("$bin" report --reports "$sreports" --missing-shards 3 "$top/specs/hello.yaml" 2>&1)
expect "then no shard is missing (got '$missing')" [ -z "$missing" ]

echo "rerun: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
