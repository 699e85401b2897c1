#!/bin/bash
# slurm-cluster.sh: a single-node Slurm cluster on localhost whose every file (munge key and
# socket, slurm.conf, state, spool, logs, pid files) is in one folder: for the Slurm test and
# the benchmark, not for grading a class. Its daemons run as root.
# Usage: slurm-cluster.sh install     installs slurm-wlm and munge when missing (as root)
#        slurm-cluster.sh start DIR   starts munged, slurmctld and slurmd on free ports and waits
#                                     (60 s at most) until the node is idle; then point Slurm's
#                                     commands at it: export SLURM_CONF=DIR/slurm.conf
#        slurm-cluster.sh stop DIR    cancels its jobs, stops what start started, waits for each
# Exit status: 0 done, 1 failed (what failed, and the end of the daemons' logs, on stderr).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cmd=${1:-}
dir=${2:-}
die() { echo "slurm-cluster: $*" >&2; exit 1; }

# 0 while pid runs (a zombie, which no one may reap here, has ended)
running() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}

# waits until pid has ended, at most $2 tenths of a second; 0 once it has
wait_gone() {
	local i=0
	while running "$1"; do
		[ "$i" -ge "$2" ] && return 1
		sleep 0.1
		i=$((i + 1))
	done
}

# two TCP ports free on localhost now
free_ports() {
	python3 -c '
import socket
s = [socket.socket() for _ in range(2)]
for x in s:
    x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))
'
}

logs() {
	for f in "$dir"/munged.log "$dir"/log/slurmctld.log "$dir"/log/slurmd.log; do
		[ -f "$f" ] && { echo "--- $f" >&2; tail -15 "$f" >&2; }
	done
}

start() {
	[ -d "$dir" ] || die "no folder '$dir'"
	dir=$(cd "$dir" && pwd)
	for p in munged munge slurmctld slurmd sinfo; do
		command -v "$p" >/dev/null || die "no $p: run slurm-cluster.sh install (as root)"
	done
	# munged wants every folder above its socket searchable by all, and its key its own
	chmod 0755 "$dir"
	mkdir -p "$dir/state" "$dir/spool" "$dir/log"
	dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none || die "no munge key"
	chmod 0400 "$dir/munge.key"
	munged --key-file="$dir/munge.key" --socket="$dir/munge.sock" --pid-file="$dir/munged.pid" \
		--log-file="$dir/munged.log" --seed-file="$dir/munged.seed" ||
		{ logs; die "munged did not start"; }
	munge -S "$dir/munge.sock" -n | unmunge -S "$dir/munge.sock" >/dev/null ||
		{ logs; die "munged does not answer on $dir/munge.sock"; }
	read -r ctld_port d_port < <(free_ports)
	cat >"$dir/slurm.conf" <<EOF
# written by harness/slurm-cluster.sh: a one-node cluster for tests
ClusterName=test
SlurmctldHost=localhost
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge.sock
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
SwitchType=switch/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
ReturnToService=2
KillWait=5
MinJobAge=3600
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
NodeName=localhost CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
	export SLURM_CONF="$dir/slurm.conf"
	slurmctld -f "$SLURM_CONF" || { logs; die "slurmctld did not start"; }
	slurmd -f "$SLURM_CONF" -N localhost || { logs; die "slurmd did not start"; }
	local i=0 state=""
	while [ "$i" -lt 600 ]; do
		state=$(sinfo -h -n localhost -o %T 2>/dev/null)
		[ "$state" = idle ] && break
		sleep 0.1
		i=$((i + 1))
	done
	[ "$state" = idle ] || { logs; die "the node is '${state:-not known}' after 60 s, not idle"; }
	echo "slurm-cluster: up: SLURM_CONF=$SLURM_CONF (slurmctld port $ctld_port, slurmd $d_port)"
}

stop() {
	[ -d "$dir" ] || return 0
	dir=$(cd "$dir" && pwd)
	export SLURM_CONF="$dir/slurm.conf"
	if [ -f "$dir/slurmctld.pid" ] && running "$(cat "$dir/slurmctld.pid")"; then
		scancel --full --quiet --user=root 2>/dev/null
		local i=0
		while [ -n "$(squeue -h -o %i 2>/dev/null)" ] && [ "$i" -lt 200 ]; do
			sleep 0.1
			i=$((i + 1))
		done
	fi
	local rc=0
	for d in slurmd slurmctld munged; do
		local f="$dir/$d.pid" pid
		[ -f "$f" ] || continue
		pid=$(cat "$f")
		running "$pid" || continue
		kill -TERM "$pid" 2>/dev/null
		wait_gone "$pid" 150 || { kill -KILL "$pid" 2>/dev/null; wait_gone "$pid" 50; } ||
			{ echo "slurm-cluster: $d ($pid) does not end" >&2; rc=1; }
	done
	# job steps of this cluster that outlived slurmd: theirs is this SLURM_CONF
	for e in /proc/[0-9]*/environ; do
		local pid=${e#/proc/}
		pid=${pid%/environ}
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = slurmstepd ] || continue
		{ tr '\0' '\n' <"$e"; } 2>/dev/null | grep -qxF "SLURM_CONF=$SLURM_CONF" || continue
		kill -KILL "$pid" 2>/dev/null
		wait_gone "$pid" 50
	done
	return $rc
}

case $cmd in
install) "$top/harness/deps.sh" --for "the Slurm test cluster" slurm-wlm munge ;;
start) [ -n "$dir" ] || die "usage: slurm-cluster.sh start DIR"; start ;;
stop) [ -n "$dir" ] || die "usage: slurm-cluster.sh stop DIR"; stop ;;
*) die "usage: slurm-cluster.sh install | start DIR | stop DIR" ;;
esac
