#!/bin/sh
# Installs the Debian packages sockgrade needs when run as root; otherwise
# names the one command that would.
# Usage: deps.sh [--for WHAT] PACKAGE...
#   --for WHAT: the packages are needed only for WHAT (say, coverage): the
#   message says what is done without them.
for_what=""
if [ "${1:-}" = --for ]; then
	for_what=$2
	shift 2
fi
missing=""
if command -v dpkg-query >/dev/null 2>&1; then
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
else
	# not Debian: check what each named package gives directly
	for p in "$@"; do
		case "$p" in
		libyaml-dev) pkg-config --exists yaml-0.1 2>/dev/null || missing="$missing libyaml(yaml-0.1)" ;;
		libjansson-dev) pkg-config --exists jansson 2>/dev/null || missing="$missing jansson" ;;
		libarchive-dev) pkg-config --exists libarchive 2>/dev/null || missing="$missing libarchive" ;;
		check) pkg-config --exists check 2>/dev/null || missing="$missing check" ;;
		lcov) command -v lcov >/dev/null 2>&1 || missing="$missing lcov" ;;
		python3) command -v python3 >/dev/null 2>&1 || missing="$missing python3" ;;
		esac
	done
fi
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "sockgrade: installing missing packages:$missing${for_what:+ (for $for_what)}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null && apt-get install -y -qq $missing >/dev/null || {
		echo "sockgrade: apt-get install$missing failed${for_what:+: no $for_what}" >&2
		exit 1
	}
	exit 0
fi
if [ -n "$for_what" ]; then
	echo "sockgrade: no $for_what: missing packages:$missing; install them with: sudo apt-get install -y$missing" >&2
else
	echo "sockgrade: missing packages:$missing; install them with: sudo apt-get install -y$missing" >&2
fi
exit 1
