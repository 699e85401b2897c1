#!/bin/bash
# make bench: grades a generated class and prints what it cost, next to the
# floor of compiling the same sources with a plain make -jJOBS.
# Then, for each lab, the same class in 4 shards through Slurm (harness/slurm.sh), next to
# one run: on the cluster sinfo answers, else (as root, with slurm-wlm installed) on a
# one-node cluster of its own (harness/slurm-cluster.sh); without either it says so.
# Usage: bench.sh SOCKGRADE JOBS SIZE LABS... ; figures on stdout and in reports/bench.json.
set -euo pipefail
bin=$(realpath "$1")
jobs=$2
size=$3
shift 3
labs=("$@")
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-bench.XXXXXX")
cluster=""
shared=""
trap '[ -n "$cluster" ] && "$top/harness/slurm-cluster.sh" stop "$cluster"; rm -rf "$tmp" $shared' EXIT
out="$top/reports/bench.json"
mkdir -p "$top/reports"

# A class of $size submissions of one lab: 80% copies of the correct samples, 20% of the
# defective ones, each made distinct by a one-line change so that nothing is reused.
make_class() {
	local lab=$1 dir=$2 i=0 good=() bad=()
	for s in "$top/submissions/$lab"/*/; do
		s=$(basename "$s")
		case $s in correct*) good+=("$s") ;; *) bad+=("$s") ;; esac
	done
	mkdir -p "$dir"
	while [ $i -lt "$size" ]; do
		if [ $((i % 5)) -eq 4 ] && [ ${#bad[@]} -gt 0 ]; then
			src=${bad[$((i / 5 % ${#bad[@]}))]}
		else
			src=${good[$((i % ${#good[@]}))]}
		fi
		name=$(printf 's%04d_%s' "$i" "$src")
		cp -r "$top/submissions/$lab/$src" "$dir/$name"
		for f in "$dir/$name"/*.c; do
			[ -e "$f" ] && printf '/* bench copy %d */\n' "$i" >>"$f"
		done
		i=$((i + 1))
	done
}

# The compile-only floor: the same programs built by one make -jJOBS, no harness. The files of
# each program are those the grader compiled (results.json's build.programs[].sources: the named
# source and its helpers), so that the floor builds what the grader builds.
compile_floor() { # lab class jobs results
	local lab=$1 dir=$2
	local spec="$top/specs/$lab.yaml" cflags ldflags cc
	cc=$(sed -n 's/^  cc: //p' "$spec" | head -1)
	cflags=$(sed -n 's/^  cflags: //p' "$spec" | head -1)
	ldflags=$(sed -n 's/^  ldflags: //p' "$spec" | head -1)
	python3 - "$4" "$dir" "${cc:-cc}" "$cflags" "$ldflags" >"$tmp/floor.mk" <<'PY'
import json, os, shlex, sys
results, cls, cc, cflags, ldflags = sys.argv[1:6]
print("all:")
for s in sorted(os.listdir(cls)):
    p = os.path.join(results, s, "results.json")
    if not os.path.exists(p):
        continue
    d = os.path.join(cls, s)
    for prog in (json.load(open(p))["extra_data"]["build"] or {}).get("programs", []):
        name, floor = prog["name"], shlex.quote(os.path.join(d, prog["name"] + ".floor"))
        if prog["used_makefile"]:
            cmd = "-$(MAKE) -s -C %s %s" % (shlex.quote(d), shlex.quote(name))
        elif prog.get("sources"):
            srcs = " ".join(shlex.quote(os.path.join(d, f)) for f in prog["sources"])
            cmd = "-%s %s -o %s %s %s" % (cc, cflags, shlex.quote(os.path.join(d, name + ".bin")),
                                        srcs, ldflags)
        else:
            continue
        print("all: %s\n%s:\n\t%s >/dev/null 2>&1; touch $@" % (floor, floor, cmd))
PY
	local t0 t1
	t0=$(date +%s%N)
	make -s -j"$3" -f "$tmp/floor.mk" all >/dev/null 2>&1 || true
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
}

summarise() { # results dir, wall, floor, main rss, lab, jobs
	python3 - "$@" <<'PY'
import json, os, sys, statistics
root, wall, floor, main_rss, lab, jobs = sys.argv[1:7]
over, rss, n = [], [], 0
for d in sorted(os.listdir(root)):
    p = os.path.join(root, d, "results.json")
    if d.startswith(".") or not os.path.exists(p):
        continue
    n += 1
    x = json.load(open(p))["extra_data"]
    rss.append(x.get("harness_rss_kb") or 0)
    for pr in x["probes"]:
        over.append(pr.get("overhead_ms") or 0.0)
over.sort()
p95 = over[min(len(over) - 1, int(len(over) * 0.95))] if over else 0
wall, floor = float(wall) / 1000, float(floor) / 1000
r = {
    "lab": lab, "jobs": int(jobs), "submissions": n, "probes": len(over),
    "wall_s": round(wall, 2), "compile_floor_s": round(floor, 2),
    "ratio": round(wall / floor, 2) if floor > 0 else None,
    "overhead_ms_median": round(statistics.median(over), 3) if over else None,
    "overhead_ms_p95": round(p95, 3),
    "peak_rss_kb_worker": max(rss) if rss else None,
    "peak_rss_kb_main": int(main_rss or 0),
}
print(json.dumps(r))
PY
}

# Where shards can run: "" and a reason in $no_slurm when nowhere. A cluster that answers
# runs them from a folder of the checkout (shared with its nodes, as make slurm needs).
slurm_setup() {
	no_slurm=""
	if ! command -v sbatch >/dev/null; then
		no_slurm="no sbatch (Debian: slurm-wlm)"
	elif sinfo -h >/dev/null 2>&1; then
		shared="$top/reports/.bench-slurm.$$"
		mkdir -p "$shared"
	elif [ "$(id -u)" = 0 ] && command -v slurmctld >/dev/null && command -v slurmd >/dev/null &&
		command -v munged >/dev/null; then
		chmod 0711 "$tmp"
		mkdir -p "$tmp/cluster"
		cluster="$tmp/cluster"
		if "$top/harness/slurm-cluster.sh" start "$cluster" >"$tmp/cluster.log" 2>&1; then
			export SLURM_CONF="$cluster/slurm.conf"
		else
			no_slurm="no running cluster, and one of its own did not start: $(tail -1 "$tmp/cluster.log")"
		fi
	else
		no_slurm="no running cluster (sinfo: $(sinfo -h 2>&1 | head -1))"
	fi
}

# slurm_run LAB CLASS: the wall time, in ms, of 4 shards and their merge; "" when it failed
slurm_run() {
	local lab=$1 class=$2 base=${shared:-$tmp} t0 t1 run merge="" st i=0
	if [ -n "$shared" ]; then
		rm -rf "$shared/class"
		cp -r "$class" "$shared/class"
		class="$shared/class"
	fi
	rm -rf "$base/rs"
	t0=$(date +%s%N)
	"$top/harness/slurm.sh" "$bin" "$top/specs/$lab.yaml" "$class" "$base/rs" 4 --force \
		--no-coverage >"$tmp/slurm.log" 2>&1 || return 0
	run=$(sed -n 's/^slurm: output: \(.*\)\/; .*/\1/p' "$tmp/slurm.log")
	merge=$(sed -n 's/^MERGE_JOB=//p' "$run/jobs.env" 2>/dev/null || true)
	[ -n "$merge" ] || return 0
	# until the merge has ended: an hour at most
	while [ "$i" -lt 18000 ]; do
		st=$(squeue -h -j "$merge" -o %T 2>/dev/null || true)
		[ -z "$st" ] && break
		sleep 0.2
		i=$((i + 1))
	done
	t1=$(date +%s%N)
	if grep -q "graded, 0 not graded" "$run/merge.out" 2>/dev/null; then
		echo $(( (t1 - t0) / 1000000 ))
	fi
}

slurm_setup
slurm_rows=()
results=()
for lab in "${labs[@]}"; do
	class="$tmp/class-$lab"
	make_class "$lab" "$class"
	for j in "$jobs" 1; do
		rm -rf "$tmp/r"
		t0=$(date +%s%N)
		SOCKGRADE_STATS=1 "$bin" grade --force --no-coverage --jobs "$j" --reports "$tmp/r" \
			--submissions "$class" "$top/specs/$lab.yaml" >"$tmp/log" 2>&1 || {
			echo "bench: grading $lab failed:"; tail -20 "$tmp/log"; exit 1; }
		t1=$(date +%s%N)
		wall=$(echo $(( (t1 - t0) / 1000000 )))
		floor=$(compile_floor "$lab" "$class" "$j" "$tmp/r/$lab")
		main_rss=$(sed -n 's/^stats: main_rss_kb=//p' "$tmp/log")
		results+=("$(summarise "$tmp/r/$lab" "$wall" "$floor" "$main_rss" "$lab" "$j")")
		find "$class" -name '*.floor' -delete
		find "$class" -name '*.bin' -delete
		[ "$j" = "$jobs" ] && one_run=$wall
	done
	if [ -z "$no_slurm" ]; then
		swall=$(slurm_run "$lab" "$class")
		if [ -n "$swall" ]; then
			slurm_rows+=("$lab $size $one_run $swall")
		else
			slurm_rows+=("$lab $size $one_run failed:$(tail -1 "$tmp/slurm.log")")
		fi
	fi
done

{
	printf '%s\n' "${results[@]}"
	echo "--- slurm"
	[ -n "$no_slurm" ] && echo "skipped $no_slurm"
	printf '%s\n' ${slurm_rows[@]+"${slurm_rows[@]}"}
} | python3 -c '
import json, sys
lines = sys.stdin.read().split("\n--- slurm\n")
rows = [json.loads(l) for l in lines[0].splitlines() if l.strip()]
hdr = ("lab", "jobs", "submissions", "probes", "wall_s", "compile_floor_s", "ratio",
       "overhead_ms_median", "overhead_ms_p95", "peak_rss_kb_worker", "peak_rss_kb_main")
print("  ".join(h for h in hdr))
for r in rows:
    print("  ".join(str(r[h]) for h in hdr))
slurm = []
for l in lines[1].splitlines():
    if l.startswith("skipped "):
        print("mode: slurm  skipped:", l[8:])
        continue
    if not l.strip():
        continue
    lab, n, one, wall = l.split(" ", 3)
    r = {"mode": "slurm", "lab": lab, "submissions": int(n), "shards": 4,
         "one_run_s": round(float(one) / 1000, 2)}
    if wall.startswith("failed:"):
        r["error"] = wall[7:]
        print("mode: slurm  lab %s  submissions %s  one run %s s  4 shards: failed: %s"
              % (lab, n, r["one_run_s"], r["error"]))
    else:
        r["slurm_s"] = round(float(wall) / 1000, 2)
        print("mode: slurm  lab %s  submissions %s  one run %s s  4 shards through Slurm %s s"
              % (lab, n, r["one_run_s"], r["slurm_s"]))
    slurm.append(r)
json.dump({"runs": rows, "slurm": slurm}, open(sys.argv[1], "w"), indent=2)
print("bench: figures written to", sys.argv[1])
' "$out"
