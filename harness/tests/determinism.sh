#!/bin/sh
# Deterministic verdicts: grades the timing-sensitive samples RUNS times (default 10),
# each run with a seed of its own and no coverage, and fails on any probe whose verdict
# differs between runs. The samples are those whose verdict once hung on the scheduler:
# restarts without SO_REUSEADDR (forking servers whose child closes after the parent
# included), SIGCHLD handlers that reap once per signal, children that outlive their parent,
# a handler without SA_RESTART (accept() fails with EINTR when a child ends), a server that
# writes its whole buffer after each read (wrong only when a read is short);
# a calculator server that reads its request with one read() (the request sent in pieces);
# chat servers whose verdict hangs on the order in which a FIN, an RST and other clients'
# lines reach them, or on a silence while a line is incomplete;
# web servers whose verdict hangs on what one read() returns: one that reads its request
# with a single read() (sent in pieces), one that exits when read() fails with ECONNRESET (a
# client resets mid-request), and the correct one.
# Usage: determinism.sh path/to/sockgrade [RUNS]
set -u
bin=${1:?usage: determinism.sh SOCKGRADE [RUNS]}
runs=${2:-10}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-determinism.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

samples="echo/no_reuseaddr echo/correct_fork echo/fork_reuseaddr echo/fork_no_reuseaddr echo/whole_buffer
echo_mp/correct_fork echo_mp/reaps_once echo_mp/zombies echo_mp/accept_eintr echo_mp/whole_buffer
hello/correct hello/correct_fork hello/fork_never_closes hello/zombies hello/no_reuseaddr
op/correct op/one_read op/no_accept_loop
chat/correct chat/closed_fd_in_set chat/exits_on_reset chat/sigpipe chat/relays_partial_reads
chat/blocks_reading_line
webserv/correct webserv/one_read_request webserv/dies_on_reset webserv/sigpipe_mid_send"
labs=""
for s in $samples; do
	lab=${s%%/*}
	[ -d "$top/submissions/$s" ] || { echo "determinism: no sample $s"; exit 1; }
	mkdir -p "$tmp/in/$lab"
	cp -r "$top/submissions/$s" "$tmp/in/$lab/"
	case " $labs " in *" $lab "*) ;; *) labs="$labs $lab" ;; esac
done

failed=0
i=1
while [ $i -le "$runs" ]; do
	# the labs of one run at once: most of a run is waiting on deadlines, not the CPU
	pids=""
	for lab in $labs; do
		"$bin" grade --no-coverage --seed "$i" --reports "$tmp/r$i" \
			--submissions "$tmp/in/$lab" "$top/specs/$lab.yaml" >"$tmp/log.$lab" 2>&1 &
		pids="$pids $!"
	done
	for pid in $pids; do
		if ! wait "$pid"; then
			echo "determinism: a grading of run $i exited non-zero"; cat "$tmp"/log.*; exit 1
		fi
	done
	# one line per probe: sample, probe, verdict
	python3 - "$tmp/r$i" >"$tmp/v$i" <<'PY'
import glob, json, os, sys
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*", "*", "results.json"))):
    d = json.load(open(f))
    who = "/".join(f.split(os.sep)[-3:-1])
    for p in d["extra_data"]["probes"]:
        print("%s: %s: %s" % (who, p["name"], "passed" if p["passed"] else "failed"))
PY
	if [ $i -gt 1 ] && ! cmp -s "$tmp/v1" "$tmp/v$i"; then
		failed=$((failed + 1))
		echo "FAIL: run $i gave other verdicts than run 1:"
		diff "$tmp/v1" "$tmp/v$i" | sed -n 's/^[<>] /    /p'
		# why, in the run that differed
		diff "$tmp/v1" "$tmp/v$i" | sed -n 's/^> //p' | while IFS= read -r line; do
			python3 - "$tmp/r$i" "$line" <<'PY'
import json, os, sys
rest = sys.argv[2].rsplit(": ", 1)[0]
who, probe = rest.split(": ", 1)
d = json.load(open(os.path.join(sys.argv[1], who, "results.json")))
for p in d["extra_data"]["probes"]:
    if p["name"] == probe and p["why"]:
        print("      run's why: %s" % p["why"])
PY
		done
	fi
	i=$((i + 1))
done
n=$(wc -l <"$tmp/v1")
echo "determinism: $runs runs of $(echo $samples | wc -w) samples, $n verdicts each, $failed runs differed"
[ $failed -eq 0 ]
