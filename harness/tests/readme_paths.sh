#!/bin/sh
# The map of the harness (harness/README.md) stays true: every path it names
# (a word with a / or ending in .c .h .sh .md .yaml) exists, beside harness/
# or from the top of the tree, and every function it names as name() is
# defined in harness/. Words with a placeholder (<lab>) are not paths.
#
# Usage: readme_paths.sh [README]. Without an argument it first shows that
# it catches a missing path and a missing function in a scratch copy.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)

# Prints what the page names that is not there; returns 1 if anything.
check() {
	page=$1
	bad=0
	for tok in $(grep -oE '[A-Za-z0-9_./<>*-]+(\(\))?' "$page" | sed 's/[.,;:]*$//' |
		grep -v '[<>*]' | grep -v '^\.' | sort -u); do
		case $tok in
		*\(\))
			name=${tok%??}
			if ! grep -Eq "^[a-z].*[ *]$name\(" "$top"/harness/*.c "$top"/harness/*/*.c; then
				echo "$page: \`$tok\`: no such function in harness/"
				bad=1
			fi
			;;
		*/* | *.c | *.h | *.sh | *.md | *.yaml)
			if [ ! -e "$top/harness/$tok" ] && [ ! -e "$top/$tok" ]; then
				echo "$page: \`$tok\`: no such file or folder"
				bad=1
			fi
			;;
		esac
	done
	return $bad
}

if [ $# -gt 0 ]; then
	check "$1"
	exit
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-readme.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
cp "$top/harness/README.md" "$tmp/README.md"
printf '\nA `probe/teleport.c` and warp_drive(), but not <lab>/x.c or a .c file.\n' >>"$tmp/README.md"
if check "$tmp/README.md" >"$tmp/out"; then
	echo "readme paths: the check misses a planted missing path and function"
	exit 1
fi
grep -q 'teleport.c' "$tmp/out" && grep -q 'warp_drive()' "$tmp/out" && [ "$(wc -l <"$tmp/out")" -eq 2 ] || {
	echo "readme paths: the check names the wrong things:"; cat "$tmp/out"; exit 1; }
echo "readme paths: the check finds a planted missing path and function"
check "$top/harness/README.md"
echo "readme paths: every path and function harness/README.md names exists"
