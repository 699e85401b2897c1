#!/bin/sh
# Installs the Debian packages sockgrade needs when run as root; otherwise
# names the one command that would. Usage: deps.sh PACKAGE...
missing=""
if command -v dpkg-query >/dev/null 2>&1; then
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
else
	# not Debian: check what the build needs directly
	pkg-config --exists yaml-0.1 2>/dev/null || missing="$missing libyaml(yaml-0.1)"
	pkg-config --exists jansson 2>/dev/null || missing="$missing jansson"
	pkg-config --exists check 2>/dev/null || missing="$missing check"
	command -v lcov >/dev/null 2>&1 || missing="$missing lcov"
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "sockgrade: installing missing packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
		echo "sockgrade: apt-get install$missing failed" >&2
		exit 1
	}
	exit 0
fi
echo "sockgrade: missing packages:$missing; install them with: sudo apt-get install -y$missing" >&2
exit 1
