#!/bin/bash
# slurm.sh: grades one lab on a Slurm cluster: a job array of SHARDS tasks, task K running
# `sockgrade grade --shard K/SHARDS`, and a merge job, run once every task has ended however
# it ended (afterany), running `sockgrade report`. Paths must be on a file system every node
# shares, and sockgrade must run there (built on the nodes, root or user namespaces).
# Usage: slurm.sh SOCKGRADE SPEC SUBMISSIONS REPORTS SHARDS [GRADE OPTIONS...]
#   SUBMISSIONS empty: submissions/<lab>. GRADE OPTIONS go to every shard (--seed, --force, ...).
# Environment:
#   THROTTLE=M    at most M shards run at once (--array=...%M)
#   RETRY=1       submit only the shards that own a student not graded (no results, or the
#                 grader failed on it); what has results is kept, --force or not
#   SBATCH_ARGS   more options for both sbatch calls (--partition=..., --time=..., ...)
#   SOCKGRADE_JOBS  --jobs of each shard (default: the CPUs Slurm gives the task)
# The batch scripts, the jobs' output and jobs.env (ARRAY_JOB, MERGE_JOB, SHARDS_RUN) are in
# REPORTS/<lab>/.slurm/<run>/. Exit status: 0 submitted (or nothing to retry), 1 not submitted.
set -u
die() { echo "slurm: $*" >&2; exit 1; }
[ $# -ge 5 ] || die "usage: slurm.sh SOCKGRADE SPEC SUBMISSIONS REPORTS SHARDS [GRADE OPTIONS...]"
bin=$1 spec=$2 subs=$3 reports=$4 shards=$5
shift 5
opts=("$@")
throttle=${THROTTLE:-}
retry=${RETRY:-0}

case $shards in '' | *[!0-9]* | 0*) die "SHARDS='$shards' is not a whole number from 1" ;; esac
case ${SOCKGRADE_JOBS:-} in "") ;; *[!0-9]* | 0*) die "JOBS='${SOCKGRADE_JOBS:-}' is not a whole number from 1" ;; esac
case $throttle in '') ;; *[!0-9]* | 0*) die "THROTTLE='$throttle' is not a whole number from 1" ;; esac
command -v sbatch >/dev/null || die "no sbatch here: run this on a machine that submits to the cluster (Debian: slurm-client)"
bin=$(realpath "$bin") || die "no sockgrade at '$1'"
spec=$(realpath "$spec") || die "no spec at '$2'"
lab=$("$bin" check "$spec" | sed -n "s/^.*: lab '\([^']*\)', .*/\1/p")
[ -n "$lab" ] || die "'$spec' is not a valid spec (sockgrade check says why)"
subs=$(realpath "${subs:-submissions/$lab}") || die "no submissions at '${subs:-submissions/$lab}'"
[ -d "$subs" ] || die "no submissions folder '$subs'"
mkdir -p "$reports/$lab" || die "cannot create '$reports/$lab'"
reports=$(realpath "$reports")

if [ "$retry" = 1 ]; then
	for i in "${!opts[@]}"; do
		[ "${opts[$i]}" = --force ] && { unset "opts[$i]"; echo "slurm: RETRY=1: FORCE is left out: what has results is kept"; }
	done
	opts=("${opts[@]}")
	missing=$("$bin" report --reports "$reports" --missing-shards "$shards" "$spec") ||
		die "sockgrade report --missing-shards failed"
	if [ -z "$missing" ]; then
		echo "slurm: nothing to retry: every student of $reports/$lab/roster.json has results"
		exit 0
	fi
	array=$(echo $missing | tr ' ' ',')
else
	array="0-$((shards - 1))"
fi

run="$reports/$lab/.slurm/$(date +%Y%m%d-%H%M%S)-$$"
mkdir -p "$run" || die "cannot create '$run'"
q() { printf '%q ' "$@"; }
cat >"$run/shard.sh" <<EOF
#!/bin/bash
# written by harness/slurm.sh: shard \$SLURM_ARRAY_TASK_ID of $shards of lab $lab
jobs=${SOCKGRADE_JOBS:-\${SLURM_CPUS_PER_TASK:-\${SLURM_CPUS_ON_NODE:-\$(nproc)}}}
exec $(q "$bin") grade --shard "\$SLURM_ARRAY_TASK_ID/$shards" --jobs "\$jobs" $(q --reports "$reports" --submissions "$subs" ${opts[@]+"${opts[@]}"} "$spec")
EOF
cat >"$run/merge.sh" <<EOF
#!/bin/bash
# written by harness/slurm.sh: the class files of lab $lab, once every shard has ended
exec $(q "$bin" report --reports "$reports" "$spec")
EOF
chmod +x "$run/shard.sh" "$run/merge.sh"

read -ra extra <<<"${SBATCH_ARGS:-}"
out=$(sbatch --parsable --job-name="sockgrade-$lab" --array="$array${throttle:+%$throttle}" \
	--output="$run/shard-%a.out" ${extra[@]+"${extra[@]}"} "$run/shard.sh") ||
	die "sbatch of the shards failed: $out"
aid=${out%%;*}
out=$(sbatch --parsable --job-name="sockgrade-$lab-merge" --dependency="afterany:$aid" \
	--output="$run/merge.out" ${extra[@]+"${extra[@]}"} "$run/merge.sh") || {
	echo "slurm: the shards are job $aid, but sbatch of the merge failed: $out" >&2
	echo "slurm: once they have ended: $(q "$bin" report --reports "$reports" "$spec")" >&2
	exit 1
}
mid=${out%%;*}
printf 'ARRAY_JOB=%s\nMERGE_JOB=%s\nSHARDS_RUN=%s\n' "$aid" "$mid" "$array" >"$run/jobs.env"
echo "slurm: lab $lab: shards $array of $shards${throttle:+ (at most $throttle at once)}: job $aid; merge: job $mid, once they have all ended"
echo "slurm: their state: squeue -j $aid,$mid   (after they end, with accounting: sacct -j $aid,$mid)"
echo "slurm: output: $run/; the class page, once job $mid has ended: $reports/$lab/index.html"
