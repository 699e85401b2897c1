#!/bin/sh
# Fails on an include cycle between the harness's modules. A module is a
# pair harness/X.c + harness/X.h, or a folder harness/X/ (with harness/X.h,
# its public header, if there is one); harness/tests/ is not a module. An
# edge A -> B is a file of A that includes a header of B ("B.h", or a file
# of the folder B/), found beside the including file or in harness/ as the
# compiler finds it (-iquote harness).
#
# Usage: include_cycles.sh [HARNESS_DIR]. Without an argument it first shows
# that it finds a cycle planted in a scratch tree (and none in the same
# tree without it), then checks harness/.
set -eu

# Prints the cycle and returns 1, or prints the module count and returns 0.
check() {
	root=$(cd "$1" && pwd)
	for f in "$root"/*.c "$root"/*.h "$root"/*/*.c "$root"/*/*.h; do
		[ -f "$f" ] || continue
		case $f in "$root"/tests/*) continue ;; esac
		sed -n 's/^[ \t]*#[ \t]*include[ \t]*"\([^"]*\)".*/\1/p' "$f" | while read -r inc; do
			for d in "$(dirname "$f")" "$root"; do
				if [ -f "$d/$inc" ]; then
					echo "$f $(cd "$(dirname "$d/$inc")" && pwd)/${inc##*/}"
					break
				fi
			done
		done
		echo "$f"
	done | awk -v root="$root/" '
	function module(p) {
		if (substr(p, 1, length(root)) != root)
			return ""
		p = substr(p, length(root) + 1)
		if (index(p, "/"))
			return substr(p, 1, index(p, "/") - 1) "/"
		sub(/\.[ch]$/, "", p)
		return p
	}
	# a folder module and its public header are one module: "probe/" and "probe.h"
	function name(p,   m) { m = module(p); sub(/\/$/, "", m); return m }
	{
		a = name($1); mods[a] = 1
		if (NF < 2) next
		b = name($2)
		if (b == "") next
		mods[b] = 1
		if (a != b && !((a, b) in edge)) { edge[a, b] = 1; out[a] = out[a] " " b }
	}
	# depth first; a module met again while still on the path closes a cycle
	function visit(m,   n, i, next_, k, path) {
		state[m] = 1; stack[++depth] = m
		n = split(out[m], next_, " ")
		for (i = 1; i <= n; i++) {
			if (next_[i] == "") continue
			if (state[next_[i]] == 1) {
				for (k = 1; stack[k] != next_[i]; k++) ;
				path = stack[k]
				for (k++; k <= depth; k++) path = path " -> " stack[k]
				print "include cycle: " path " -> " next_[i]
				found = 1
				return
			}
			if (!state[next_[i]]) visit(next_[i])
			if (found) return
		}
		state[m] = 2; depth--
	}
	END {
		count = 0
		for (m in mods) count++
		for (m in mods) if (!state[m] && !found) visit(m)
		if (found) exit 1
		printf "include cycles: none among the %d modules of %s\n", count, root
	}'
}

if [ $# -gt 0 ]; then
	check "$1"
	exit
fi

# The check itself: a cycle through a header pair and a folder must be found, and only it.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-cycles.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/h/loader" "$tmp/h/tests"
printf '#include "loader.h"\n#include "table.h"\n' >"$tmp/h/main.c"
printf '#include <stddef.h>\n' >"$tmp/h/loader.h"
printf '#include "loader.h"\n#include "../table.h"\n#include "util.h"\n' >"$tmp/h/loader/read.c"
printf '#include "util.h"\n' >"$tmp/h/table.h"
printf '#include "table.h"\n' >"$tmp/h/table.c"
printf '#include <stdio.h>\n' >"$tmp/h/util.h"
printf '#include "main.c"\n#include "loader.h"\n#include "table.h"\n' >"$tmp/h/tests/check.c"
check "$tmp/h" >"$tmp/out" || { echo "include cycles: the check finds a cycle where there is none:"; cat "$tmp/out"; exit 1; }
printf '#include "table.h"\n#include "loader.h"\n' >"$tmp/h/table.c"
if check "$tmp/h" >"$tmp/out"; then
	echo "include cycles: the check misses the cycle table -> loader -> table planted in $tmp/h"
	exit 1
fi
grep -q 'loader -> table -> loader\|table -> loader -> table' "$tmp/out" || {
	echo "include cycles: the check names the wrong cycle:"; cat "$tmp/out"; exit 1; }
echo "include cycles: the check finds a planted cycle ($(sed 's/^include cycle: //' "$tmp/out"))"

check "$(cd "$(dirname "$0")/.." && pwd)"
