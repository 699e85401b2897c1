#!/bin/bash
# The Gradescope and PrairieLearn packages in an emulated container: each package unpacked
# into an /autograder (or /grade) layout under a root prefix (AUTOGRADER_ROOT, GRADE_ROOT),
# setup.sh run twice, then the grading run as root with CAP_SYS_ADMIN dropped and namespaces
# refused by a seccomp filter as Docker's default profile does (nons), in a 768 MB memory
# cgroup where this machine gives one. Checked: the sandbox is the container mode; a correct
# hand-in gets full marks, misnamed and nested files are found, defective ones get what the
# host's own grading gives them; results.json passes the Gradescope schema; hidden probes are
# after_published, secret ones hidden; a fork bomb and a memory hog leave the next grading
# intact and no process behind.
# Usage: platform.sh SOCKGRADE NONS (as root); KEEP=1 keeps its work folder and prints where
set -u
bin=$(realpath "$1")
nons=$(realpath "$2")
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
fail=0
ok() { echo "ok: $* (at ${SECONDS}s)"; }
bad() { echo "FAIL: $*"; fail=1; }
[ "$(id -u)" = 0 ] || { echo "platform.sh: needs root (the container's grader runs as root)"; exit 1; }

work=$(mktemp -d /tmp/sockgrade-platform-test.XXXXXX)
[ -n "${KEEP:-}" ] && echo "work: $work"
cg=""
cpucg=""
cleanup() {
	[ -n "$cpucg" ] && [ "$cpucg" != "$cg" ] && rmdir "$cpucg" 2>/dev/null
	[ -n "$cg" ] && rmdir "$cg" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

# a 768 MB memory cgroup: v2 where its memory controller is on, else v1
for d in /sys/fs/cgroup /sys/fs/cgroup/unified; do
	if [ -f "$d/cgroup.controllers" ] && grep -qw memory "$d/cgroup.subtree_control" 2>/dev/null &&
		mkdir "$d/sockgrade-platform.$$" 2>/dev/null; then
		cg=$d/sockgrade-platform.$$
		echo 768M >"$cg/memory.max" || { rmdir "$cg"; cg=""; }
		[ -n "$cg" ] && break
	fi
done
if [ -z "$cg" ] && [ -d /sys/fs/cgroup/memory ] && mkdir "/sys/fs/cgroup/memory/sockgrade-platform.$$" 2>/dev/null; then
	cg=/sys/fs/cgroup/memory/sockgrade-platform.$$
	echo $((768 << 20)) >"$cg/memory.limit_in_bytes" || { rmdir "$cg"; cg=""; }
fi
[ -n "$cg" ] && echo "memory cgroup: $cg (768 MB)" ||
	echo "no writable memory cgroup here (neither v2 nor v1): the container runs without one"
# half a CPU, as Gradescope gives by default: cpu.max in the v2 cgroup, else a v1 cpu cgroup
cpucg=""
if [ -n "$cg" ] && [ -f "$cg/cgroup.controllers" ] && grep -qw cpu "$(dirname "$cg")/cgroup.subtree_control" 2>/dev/null; then
	echo "50000 100000" >"$cg/cpu.max" && cpucg=$cg
elif [ -d /sys/fs/cgroup/cpu ] && mkdir "/sys/fs/cgroup/cpu/sockgrade-platform.$$" 2>/dev/null; then
	cpucg=/sys/fs/cgroup/cpu/sockgrade-platform.$$
	echo 100000 >"$cpucg/cpu.cfs_period_us" && echo 50000 >"$cpucg/cpu.cfs_quota_us" ||
		{ rmdir "$cpucg"; cpucg=""; }
fi
[ -n "$cpucg" ] && echo "cpu: half a CPU ($cpucg)" || echo "no writable cpu cgroup here: the container has the machine's CPUs"

# A command as the container's grader: in the cgroup, caps dropped, namespaces refused.
contained() {
	sh -c 'for c in $1 $2; do echo $$ >"$c/cgroup.procs" || exit 125; done; shift 2; exec "$@"' \
		sh "$cg" "$([ "$cpucg" != "$cg" ] && echo "$cpucg")" "$nons" "$@"
}

# box users' processes already running (another grader on this machine): not this test's
ps -eo pid=,uid= | awk '$2 >= 1100000000 { print $1 }' | sort >"$work/before.pids"

# the emulation itself must refuse what Docker refuses
if contained unshare -n true 2>/dev/null; then bad "nons: unshare -n still works"; else ok "nons refuses unshare"; fi
if contained unshare -U true 2>/dev/null; then bad "nons: unshare -U still works"; else ok "nons refuses user namespaces"; fi

# Unzips with the modes the zip keeps (as unzip does).
unpack() {
	python3 - "$1" "$2" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for i in z.infolist():
        p = z.extract(i, sys.argv[2])
        mode = (i.external_attr >> 16) & 0o777
        if mode:
            os.chmod(p, mode)
PY
}

field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2], {"d": d}))' "$@"; }

# The host's own score of a sample: what the container must agree with.
rm -rf "$work/host"
mkdir -p "$work/hostsubs"
for s in wrong_greeting client_single_read; do cp -a "submissions/hello/$s" "$work/hostsubs/"; done
"$bin" grade --no-coverage --reports "$work/host" --submissions "$work/hostsubs" specs/hello.yaml >"$work/host.log" 2>&1 ||
	{ cat "$work/host.log"; bad "the host's grading failed"; }
host_score() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["score"])' "$work/host/hello/$1/results.json"; }

# A lab whose probes write files for the programs (write_file) and read what they wrote
# (expect_file), graded in the container mode: every sample fails what it fails on the host.
# (Before the fix, programs ran in the scratch folder while the probe wrote into its own copy:
# the reference was refused, "fopen() error: No such file or directory".)
contained "$bin" grade --seed 4242 --reports "$work/ct" --submissions submissions/file specs/file.yaml \
	>"$work/ct.log" 2>&1 || { tail -5 "$work/ct.log"; bad "the file lab in the container mode: grading failed"; }
grep -q "sandbox container" "$work/ct.log" && ok "file lab: graded in the container mode" ||
	bad "file lab: not the container mode: $(head -1 "$work/ct.log")"
for exp in harness/tests/expected/file/*.failed; do
	s=$(basename "$exp" .failed)
	got=$(python3 -c 'import json,sys
for p in json.load(open(sys.argv[1]))["extra_data"]["probes"]:
    if not p["passed"]: print(p["name"])' "$work/ct/file/$s/results.json" 2>&1 | LC_ALL=C sort)
	[ "$got" = "$(LC_ALL=C sort "$exp")" ] && ok "file lab, container mode: $s fails what it should" ||
		bad "file lab, container mode: $s fails [$got], expected [$(tr '\n' ';' <"$exp")]"
done
[ "$(field "$work/ct/file/correct/results.json" 'd["extra_data"]["coverage"]["done"] and d["extra_data"]["coverage"]["lines"] > 50')" = True ] &&
	ok "file lab, container mode: coverage of the correct hand-in" || bad "file lab, container mode: coverage $(field "$work/ct/file/correct/results.json" 'd["extra_data"]["coverage"]')"

# ---------------- Gradescope ----------------
make -s --no-print-directory gradescope LAB=hello REPORTS="$work/pkg" >"$work/pack.log" 2>&1 ||
	{ cat "$work/pack.log"; bad "make gradescope failed"; }
zip=$work/pkg/gradescope/hello-autograder.zip
[ -f "$zip" ] && ok "make gradescope wrote the zip" || bad "no $zip"
python3 -c 'import sys,zipfile; n=zipfile.ZipFile(sys.argv[1]).namelist(); sys.exit(not ("setup.sh" in n and "run_autograder" in n))' "$zip" &&
	ok "setup.sh and run_autograder at the zip's top" || bad "setup.sh or run_autograder not at the top"
if python3 -c 'import sys,zipfile; sys.exit(any("reference/hello/" in x or x.endswith("hello_server.c") for x in zipfile.ZipFile(sys.argv[1]).namelist()))' "$zip"; then
	ok "no reference source in the zip"
else
	bad "the zip carries the reference's source"
fi
export AUTOGRADER_ROOT=$work/gs
ag=$AUTOGRADER_ROOT/autograder
mkdir -p "$ag/source" "$ag/results" "$ag/submission"
unpack "$zip" "$ag/source"
for run in 1 2; do
	(cd "$ag" && bash source/setup.sh) >"$work/setup$run.log" 2>&1 &&
		ok "setup.sh run $run" || { tail -5 "$work/setup$run.log"; bad "setup.sh run $run failed"; }
done

# Grades one hand-in (a folder, copied into submission/) as Gradescope would.
gs_grade() {
	rm -rf "$ag/submission" "$ag/results"
	mkdir -p "$ag/submission" "$ag/results"
	[ -n "$1" ] && cp -a "$1/." "$ag/submission/"
	(cd "$ag" && contained ./source/run_autograder) >"$work/gs-$2.log" 2>&1
	cp "$ag/results/results.json" "$work/gs-$2.json" 2>/dev/null || bad "$2: no results.json"
}

gs_grade submissions/hello/correct correct
field "$work/gs-correct.json" 'd["extra_data"]["sandbox"]' | grep -qx container &&
	ok "gradescope: the sandbox is the container mode" || bad "gradescope: sandbox is $(field "$work/gs-correct.json" 'd["extra_data"]["sandbox"]')"
[ "$(field "$work/gs-correct.json" 'd["score"] == d["extra_data"]["max_score"] > 0')" = True ] &&
	ok "gradescope: correct gets full marks" || { tail -20 "$work/gs-correct.log"; bad "gradescope: correct got $(field "$work/gs-correct.json" 'd["score"]')"; }
[ "$(field "$work/gs-correct.json" 'sorted(set(t["visibility"] for t in d["tests"]))')" = "['after_published', 'visible']" ] &&
	ok "gradescope: hidden probes are after_published" || bad "gradescope: visibilities $(field "$work/gs-correct.json" 'sorted(set(t["visibility"] for t in d["tests"]))')"
grep -q "container mode" "$work/gs-correct.json" && ok "gradescope: the output names the mode" || bad "gradescope: the mode is not said"
if [ -n "$cpucg" ]; then
	grep -q "CPU share 0.500, TIME_SCALE 2.00" "$work/gs-correct.log" &&
		ok "gradescope: half a CPU measured, deadlines doubled" || bad "gradescope: CPU share not measured: $(grep 'CPU share' "$work/gs-correct.log")"
fi

# misnamed files, nested in a folder
mkdir -p "$work/nested/My Lab 1"
cp submissions/hello/misnamed_files/* "$work/nested/My Lab 1/"
gs_grade "$work/nested" nested
[ "$(field "$work/gs-nested.json" 'd["score"] == d["extra_data"]["max_score"]')" = True ] &&
	ok "gradescope: misnamed files in a folder are found" || bad "gradescope: nested got $(field "$work/gs-nested.json" 'd["score"]')"

for s in wrong_greeting client_single_read; do
	gs_grade "submissions/hello/$s" "$s"
	want=$(host_score "$s")
	got=$(field "$work/gs-$s.json" 'd["score"]')
	[ "$got" = "$want" ] && ok "gradescope: $s gets $got, as on the host" || bad "gradescope: $s got $got, the host $want"
done
grep -q '"output_format": "html"' "$work/gs-wrong_greeting.json" && ok "gradescope: failed tests in html" || bad "gradescope: no html output"

gs_grade "" empty
[ "$(field "$work/gs-empty.json" 'd["score"] == 0 and "no files" in d["output"]')" = True ] &&
	ok "gradescope: an empty hand-in scores 0 and says why" || bad "gradescope: empty hand-in: $(cat "$work/gs-empty.json")"

# hostile hand-ins, each followed by a correct one: its grading must be intact
# (graded at TIME_SCALE 1: they never listen, so every probe waits out its deadline; what is
# checked is the grading after them, at the measured scale)
for h in fork_bomb memory_hog; do
	TIME_SCALE=1 gs_grade "harness/tests/hostile/hello/$h" "$h"
	[ -f "$work/gs-$h.json" ] && ok "gradescope: $h graded" || bad "gradescope: $h not graded"
	gs_grade submissions/hello/correct "after-$h"
	[ "$(field "$work/gs-after-$h.json" 'd["score"] == d["extra_data"]["max_score"]')" = True ] &&
		ok "gradescope: correct still full after $h" || bad "gradescope: correct after $h got $(field "$work/gs-after-$h.json" 'd["score"]')"
done
# what the gradings left running: processes in the test's cgroup, or (without one) box users'
# processes that were not there before this test began
if [ -n "$cg" ]; then
	left=$(wc -l <"$cg/cgroup.procs")
else
	left=$(ps -eo pid=,uid= | awk '$2 >= 1100000000 { print $1 }' | sort | comm -13 "$work/before.pids" - | wc -l)
fi
[ "$left" = 0 ] && ok "no process of the gradings left" || bad "$left processes of the gradings left"

python3 harness/tests/validate_results.py "$work"/gs-*.json >"$work/schema.log" &&
	ok "gradescope: every results.json passes the schema" || { cat "$work/schema.log"; bad "schema"; }

# secret probes: hidden even once published (results.py on a probe said secret)
python3 -c '
import json,sys
d=json.load(open(sys.argv[1]))
d["extra_data"]["probes"][0]["secret"]=True
d["tests"][0]["visibility"]="hidden"
json.dump(d,open(sys.argv[2],"w"))' "$work/host/hello/wrong_greeting/results.json" "$work/secret.json"
python3 harness/platform/results.py gradescope "$work/secret.json" /dev/null >"$work/secret-gs.json"
[ "$(field "$work/secret-gs.json" 'd["tests"][0]["visibility"]')" = hidden ] &&
	ok "gradescope: a secret probe stays hidden" || bad "gradescope: secret probe is $(field "$work/secret-gs.json" 'd["tests"][0]["visibility"]')"
unset AUTOGRADER_ROOT

# ---------------- PrairieLearn ----------------
make -s --no-print-directory prairielearn LAB=hello REPORTS="$work/pkg" >"$work/pack-pl.log" 2>&1 ||
	{ cat "$work/pack-pl.log"; bad "make prairielearn failed"; }
pl=$work/pkg/prairielearn/hello
[ -x "$pl/tests/run.sh" ] && [ -f "$pl/README.md" ] && [ -d "$pl/serverFilesCourse/sockgrade" ] &&
	ok "make prairielearn wrote serverFilesCourse/, tests/run.sh and README.md" || bad "prairielearn package incomplete"
export GRADE_ROOT=$work/pl
g=$GRADE_ROOT/grade
mkdir -p "$g"
cp -a "$pl/serverFilesCourse" "$pl/tests" "$g/"
# the image's build step (PrairieLearn grades without network: built beforehand)
for run in 1 2; do
	bash "$g/serverFilesCourse/sockgrade/setup.sh" >"$work/pl-setup$run.log" 2>&1 &&
		ok "prairielearn: setup.sh run $run" || { tail -5 "$work/pl-setup$run.log"; bad "prairielearn setup run $run"; }
done
pl_grade() {
	rm -rf "$g/student" "$g/results"
	mkdir -p "$g/student"
	[ -n "$1" ] && cp -a "$1/." "$g/student/"
	(cd / && contained "$g/tests/run.sh") >"$work/pl-$2.log" 2>&1
	cp "$g/results/results.json" "$work/pl-$2.json" 2>/dev/null || bad "prairielearn $2: no results.json"
}
pl_grade submissions/hello/correct correct
[ "$(field "$work/pl-correct.json" 'd["gradable"] is True and d["score"] == 1')" = True ] &&
	ok "prairielearn: correct scores 1" || { tail -20 "$work/pl-correct.log"; bad "prairielearn: correct: $(field "$work/pl-correct.json" 'd.get("score")')"; }
[ "$(field "$work/pl-correct.json" 'all(set(t) >= {"name","points","max_points","message","output"} for t in d["tests"]) and len(d["tests"]) > 0')" = True ] &&
	ok "prairielearn: tests carry points, max_points, message, output" || bad "prairielearn: tests malformed"
want=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["score"]/d["extra_data"]["max_score"])' "$work/host/hello/wrong_greeting/results.json")
pl_grade submissions/hello/wrong_greeting wrong
[ "$(field "$work/pl-wrong.json" "abs(d['score'] - $want) < 1e-9 and d['gradable'] is True")" = True ] &&
	ok "prairielearn: wrong_greeting scores $want, as on the host" || bad "prairielearn: wrong_greeting $(field "$work/pl-wrong.json" 'd["score"]'), the host $want"
pl_grade submissions/hello/does_not_build nobuild
[ "$(field "$work/pl-nobuild.json" 'd["gradable"] is False and "does not build" in d["message"]')" = True ] &&
	ok "prairielearn: a hand-in that does not build is not gradable, and says so" || bad "prairielearn: does_not_build: $(cat "$work/pl-nobuild.json")"
pl_grade "" empty
[ "$(field "$work/pl-empty.json" 'd["gradable"] is False and "no files" in d["message"]')" = True ] &&
	ok "prairielearn: an empty hand-in is not gradable" || bad "prairielearn: empty: $(cat "$work/pl-empty.json")"
TIME_SCALE=1 pl_grade harness/tests/hostile/hello/fork_bomb bomb
pl_grade submissions/hello/correct after
[ "$(field "$work/pl-after.json" 'd["score"] == 1')" = True ] &&
	ok "prairielearn: correct still 1 after a fork bomb" || bad "prairielearn: after the fork bomb: $(field "$work/pl-after.json" 'd.get("score")')"
unset GRADE_ROOT

[ $fail = 0 ] && echo "platform tests: all passed" || echo "platform tests: FAILED"
exit $fail
