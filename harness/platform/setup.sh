#!/bin/bash
# Gradescope's setup.sh (and a PrairieLearn image's build step): installs what the grader
# needs and builds it. Idempotent; works from any working folder (`bash source/setup.sh`
# from /autograder). Packages are named as both Ubuntu 22.04 and Debian 12 name them.
set -eu
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# the zip's layout (sockgrade/ beside this file) or PrairieLearn's (this file inside it)
sg=$here/sockgrade
[ -f "$sg/LAB" ] || sg=$here
pkgs="gcc make libc6-dev pkg-config libyaml-dev libjansson-dev libarchive-dev python3"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "sockgrade setup: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing
fi
make -s -C "$sg" -j"$(nproc 2>/dev/null || echo 1)" build/sockgrade
echo "sockgrade setup: $sg/build/sockgrade is built"
