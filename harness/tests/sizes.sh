#!/bin/sh
# Small files, small functions: fails on a C file of the harness (its tests included) past
# 1,000 lines without a reason in its first five lines (a line saying "(N lines: why)"), and
# on a function past 100 lines. A function is counted from its opening "{" in column 0 to
# the "}" in column 0 that closes it, as the house style lays functions out.
#
# Usage: sizes.sh [HARNESS_DIR]. Without an argument it first shows that it finds a planted
# long file and a planted long function in a scratch tree (and nothing once each is fixed),
# then checks harness/.
set -eu
MAX_FILE=1000
MAX_FUNC=100

# Prints each file or function past its size and returns 1, or prints the counts and returns 0.
check() {
	find "$1" -name '*.c' | sort | while read -r f; do
		n=$(wc -l <"$f")
		if [ "$n" -gt $MAX_FILE ] && ! head -5 "$f" | grep -q '[0-9.]*k\{0,1\} lines: '; then
			echo "$f: $n lines, past $MAX_FILE without a reason at its top"
		fi
		awk -v f="$f" -v max=$MAX_FUNC '
			/^[A-Za-z_].*\(/ { head = $0; at = NR }
			/^\{/ { open = NR; name = head }
			/^\}/ && open { if (NR - open - 1 > max) printf "%s:%d: %s: %d lines, past %d\n", f, at, name, NR - open - 1, max; open = 0 }
		' "$f"
	done >"$tmp/over"
	if [ -s "$tmp/over" ]; then
		cat "$tmp/over"
		return 1
	fi
	echo "sizes: $(find "$1" -name '*.c' | wc -l) C files, none past $MAX_FILE lines without a reason, no function past $MAX_FUNC lines"
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-sizes.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
if [ $# -gt 0 ]; then
	check "$1"
	exit
fi

# the check must see what it is for: a long file, then a long function
mkdir -p "$tmp/plant"
{
	echo '/* a file */'
	i=0
	while [ $i -lt $((MAX_FILE + 1)) ]; do echo "int v$i;"; i=$((i + 1)); done
} >"$tmp/plant/long.c"
if check "$tmp/plant" >/dev/null; then
	echo "sizes: the check misses a planted file of $((MAX_FILE + 2)) lines"
	exit 1
fi
sed -i '1s/.*/\/* (1k lines: a planted file) *\//' "$tmp/plant/long.c"
check "$tmp/plant" >/dev/null || { echo "sizes: the check refuses a long file that says why"; exit 1; }
{
	echo 'static int f(void)'
	echo '{'
	i=0
	while [ $i -lt $((MAX_FUNC + 1)) ]; do echo "	g($i);"; i=$((i + 1)); done
	echo '}'
} >"$tmp/plant/func.c"
if check "$tmp/plant" >/dev/null; then
	echo "sizes: the check misses a planted function of $((MAX_FUNC + 1)) lines"
	exit 1
fi
sed -i '3d' "$tmp/plant/func.c"
check "$tmp/plant" >/dev/null || { echo "sizes: the check refuses a function of $MAX_FUNC lines"; exit 1; }
echo "sizes: the check finds a planted long file and a planted long function"
check "$(cd "$(dirname "$0")/.." && pwd)"
