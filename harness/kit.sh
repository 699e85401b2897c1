#!/bin/sh
# make student-kit LAB=<lab>: writes <REPORTS>/kits/<lab>-kit.tar.gz, the grader a student may
# run: the Makefile, the harness sources, the lab's spec without hidden probes, the reference's
# recorded answers where a visible step needs them (data, never its source or a binary), and an
# empty submission/ folder. Usage: kit.sh SOCKGRADE LAB REPORTS
set -eu
bin=$1
lab=$2
reports=$3
top=$(cd "$(dirname "$0")/.." && pwd)
[ -f "$top/specs/$lab.yaml" ] || { echo "sockgrade: no spec 'specs/$lab.yaml' (give LAB=<lab>)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-kit.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage="$work/$lab-kit"
mkdir -p "$stage/harness" "$stage/submission" "$stage/specs"
"$bin" kit "$top/specs/$lab.yaml" "$stage"
"$top/harness/copy_sources.sh" "$stage"
cp "$top/specs/FORMAT.md" "$stage/specs/"
cat >"$stage/README.md" <<TXT
# Self-check for $lab

This is the grader your instructor uses, with the probes you may see. Put your files
($(sed -n 's/^    sources: \[\(.*\)\]$/\1/p' "$stage/specs/$lab.yaml" | tr -d '"' | paste -sd ' ' -))
in \`submission/\`, then run:

    make selfcheck

Each probe prints one line (✓ passed, ✗ failed with the reason and a hint), then a summary
\`N passed, M failed\` and the path of an HTML page with the whole conversation of every probe.
\`VERBOSE=1\` shows the conversation of failing probes in the terminal; \`NO_COLOR=1\` turns
colour off. The exit status is 0 when every probe passed.

Your instructor also has hidden probes that are not in this kit; passing here does not
guarantee full marks. The first run builds the grader (it needs a C compiler, make,
pkg-config, libyaml, jansson and libarchive: on Debian or Ubuntu \`sudo apt-get install
build-essential pkg-config libyaml-dev libjansson-dev libarchive-dev\`, and \`lcov\` for the
coverage page).
TXT
cat >"$stage/submission/README.md" <<TXT
Put your source files for $lab here (and your Makefile, if you use one), then run
\`make selfcheck\` in the folder above.
TXT
mkdir -p "$reports/kits"
tar -C "$work" -czf "$reports/kits/$lab-kit.tar.gz" "$lab-kit"
echo "student kit: $reports/kits/$lab-kit.tar.gz"
