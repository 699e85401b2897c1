#!/bin/bash
# make bench: grades a generated class and prints what it cost, next to the
# floor of compiling the same sources with a plain make -jJOBS.
# Usage: bench.sh SOCKGRADE JOBS SIZE LABS... ; figures on stdout and in reports/bench.json.
set -euo pipefail
bin=$(realpath "$1")
jobs=$2
size=$3
shift 3
labs=("$@")
top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
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
	done
done

printf '%s\n' "${results[@]}" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
hdr = ("lab", "jobs", "submissions", "probes", "wall_s", "compile_floor_s", "ratio",
       "overhead_ms_median", "overhead_ms_p95", "peak_rss_kb_worker", "peak_rss_kb_main")
print("  ".join(h for h in hdr))
for r in rows:
    print("  ".join(str(r[h]) for h in hdr))
json.dump({"runs": rows}, open(sys.argv[1], "w"), indent=2)
print("bench: figures written to", sys.argv[1])
' "$out"
