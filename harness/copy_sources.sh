#!/bin/sh
# Copies what builds the grader into DEST: the Makefile, harness/deps.sh and the harness's C
# sources and headers, its folders (probe/, grade/, ...) included, its tests and platform
# scripts left out. Used by kit.sh (the student kit) and platform/pack.sh (the hosted graders'
# packages), so that both carry every module the Makefile compiles.
# Usage: copy_sources.sh DEST
set -eu
dest=${1:?usage: copy_sources.sh DEST}
top=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dest/harness"
cp "$top/Makefile" "$dest/"
cp "$top"/harness/*.c "$top"/harness/*.h "$top/harness/deps.sh" "$dest/harness/"
for d in "$top"/harness/*/; do
	d=$(basename "$d")
	case "$d" in tests | platform) continue ;; esac
	mkdir -p "$dest/harness/$d"
	for f in "$top/harness/$d"/*.c "$top/harness/$d"/*.h; do
		[ -f "$f" ] && cp "$f" "$dest/harness/$d/"
	done
done
