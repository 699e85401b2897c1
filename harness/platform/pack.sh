#!/bin/bash
# make gradescope / make prairielearn: a lab's package for a hosted grader.
# Usage: pack.sh gradescope|prairielearn SOCKGRADE LAB REPORTS
#   gradescope:   REPORTS/gradescope/<lab>-autograder.zip, setup.sh and run_autograder at its top
#   prairielearn: REPORTS/prairielearn/<lab>/ with serverFilesCourse/sockgrade/ and tests/
# Both carry the harness's sources, the lab's whole spec (hidden probes too: students never
# see the package) and the reference's record, made here by grading no one: the reference's
# answers and the seed they were recorded with, never its source or a binary.
set -eu
platform=$1
bin=$2
lab=$3
reports=$4
top=$(cd "$(dirname "$0")/../.." && pwd)
here="$top/harness/platform"
[ -f "$top/specs/$lab.yaml" ] || { echo "sockgrade: no spec 'specs/$lab.yaml' (give LAB=<lab>)" >&2; exit 2; }
work=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-pack.XXXXXX")
trap 'rm -rf "$work"' EXIT

# the reference graded once, with nobody else: its record under $work/record/<lab>/.reference
mkdir -p "$work/nobody"
"$bin" grade --no-coverage --reports "$work/record" --submissions "$work/nobody" "$top/specs/$lab.yaml" >"$work/record.log" 2>&1 || {
	cat "$work/record.log" >&2
	echo "sockgrade: the reference of '$lab' could not be recorded" >&2
	exit 2
}
[ -f "$work/record/$lab/.reference/.record" ] || { echo "sockgrade: no reference record for '$lab'" >&2; exit 2; }

# the package's sockgrade folder
sg="$work/sockgrade"
mkdir -p "$sg/specs" "$sg/record/$lab" "$sg/platform"
"$top/harness/copy_sources.sh" "$sg"
cp "$top/specs/$lab.yaml" "$top/specs/FORMAT.md" "$sg/specs/"
cp -a "$work/record/$lab/.reference" "$sg/record/$lab/"
cp "$here/grade.sh" "$here/results.py" "$sg/platform/"
printf '%s\n' "$lab" >"$sg/LAB"

case "$platform" in
gradescope)
	stage="$work/zip"
	mkdir -p "$stage"
	mv "$sg" "$stage/sockgrade"
	cp "$here/setup.sh" "$here/run_autograder" "$stage/"
	chmod 755 "$stage/setup.sh" "$stage/run_autograder" "$stage/sockgrade/platform/grade.sh"
	mkdir -p "$reports/gradescope"
	zip="$reports/gradescope/$lab-autograder.zip"
	python3 - "$stage" "$zip.tmp" <<'PY'
import os, sys, zipfile
stage, out = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for root, dirs, files in os.walk(stage):
        dirs.sort()
        for f in sorted(files):
            path = os.path.join(root, f)
            z.write(path, os.path.relpath(path, stage))
PY
	mv "$zip.tmp" "$zip"
	echo "gradescope autograder: $zip"
	;;
prairielearn)
	dest="$reports/prairielearn/$lab"
	rm -rf "$dest"
	mkdir -p "$dest/serverFilesCourse" "$dest/tests"
	mv "$sg" "$dest/serverFilesCourse/sockgrade"
	cp "$here/setup.sh" "$dest/serverFilesCourse/sockgrade/"
	cp "$here/pl-entrypoint" "$dest/tests/run.sh"
	chmod 755 "$dest/tests/run.sh" "$dest/serverFilesCourse/sockgrade/platform/grade.sh" \
		"$dest/serverFilesCourse/sockgrade/setup.sh"
	sed "s/@LAB@/$lab/g" "$here/prairielearn.md" >"$dest/README.md"
	echo "prairielearn: $dest (serverFilesCourse/, tests/, README.md)"
	;;
*)
	echo "sockgrade: pack.sh: '$platform' is not gradescope or prairielearn" >&2
	exit 2
	;;
esac
