#!/bin/bash
# cgroup2-vm.sh: the root sandbox on a real cgroup v2 kernel, in a KVM guest.
#
# This machine's memory and pids controllers may sit on cgroup v1, where
# cgroup_v2.c is only tested against a fake folder (check_cgroup.c). Here a
# Debian kernel boots under QEMU/KVM with the host's root file system shared
# read-only over 9p, an overlay (tmpfs upper) over it so that the guest may
# build, and cgroup2 alone at /sys/fs/cgroup (no v1 hierarchy). In the guest,
# under a cgroup of its own (/grader, holding this script's shell, as a
# service's or a Slurm job's grader would be):
#   1. make: the harness and the unit tests built from a fresh copy of the worktree;
#   2. the unit tests of the cgroup layer alone (CK_RUN_SUITE=cgroup), then of
#      the sandbox (CK_RUN_SUITE=sandbox: as root, on the real v2 hierarchy);
#   3. harness/tests/isolation.sh (PARTS: default main meta killed).
# Each step's log and exit status go to a writable 9p share of the host's
# (the only thing the guest writes on the host), then the guest powers off.
#
# KVM is used when it boots a stock kernel (probed: KVM_PROBE_S, default 30 s). Where it does
# not (a host whose /dev/kvm is kvm_pvm, which runs only guest kernels built for PVM), QEMU's
# TCG emulation runs the guest instead: the cgroup v2 verdicts still show, but everything is
# several times slower, so isolation.sh's time bounds fail and the hostile programs that must
# get far within ready_within (memory_hog, fork_bomb, huge_file, spy) may be stopped by TO first.
#
# Usage: harness/tests/cgroup2-vm.sh      (as root; make cgroup2-vm)
#   VM_TIMEOUT=seconds (default 2400) bounds the whole VM; PARTS as isolation.sh (none: skip);
#   VM_GRADE="memory_hog fork_bomb ..." also grades those hostile submissions alone with
#   --time-scale VM_TIME_SCALE and prints their verdicts (info lines: slack for TCG);
#   KEEP=1 keeps the host's work folder and prints where: out/ has each step's log, and
#   isolation.sh's (isolation-out/: the grader's log per run; isolation-reports/).
# Output: the guest's console, then one line per step ("ok" or "FAIL"), the
# failing isolation lines, and exactly one line "cgroup2-vm: N passed, M failed"
# (N, M count unit checks and isolation checks); exit 1 on any failure or when
# the VM cannot boot (the reason is said).
# Needs (installed as root with apt-get): qemu-system-x86, seabios, linux-image-amd64
# (9p, overlay as modules), busybox-static, cpio.
set -u

# ---------------------------------------------------------------------------
# the guest's half: run as PID 1 after switch_root (see the /init below)
if [ "${1:-}" = --guest ]; then
	top=$2 out=$3
	# shellcheck source=/dev/null # VM_BUILD and PARTS, from the host
	. "$out/settings.env"
	export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8
	# shellcheck disable=SC2317 # called by the EXIT trap
	end() {
		sync
		echo "cgroup2-vm-guest: done"
		busybox poweroff -f
	}
	trap end EXIT
	mount -t tmpfs -o mode=1777,size=1536m tmpfs /tmp
	mount -t tmpfs -o mode=755 tmpfs /run
	mkdir -p /dev/shm /dev/pts
	mount -t tmpfs -o mode=1777 tmpfs /dev/shm
	mount -t devpts devpts /dev/pts
	# devtmpfs has no /dev/fd (bash's <(...) needs it) nor the std links
	ln -sf /proc/self/fd /dev/fd
	ln -sf /proc/self/fd/0 /dev/stdin
	ln -sf /proc/self/fd/1 /dev/stdout
	ln -sf /proc/self/fd/2 /dev/stderr
	mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || { echo "cgroup2: cannot mount"; echo 1 >"$out/boot.rc"; exit; }
	ip link set lo up 2>/dev/null || busybox ip link set lo up
	hostname sockgrade-vm
	echo 0 >"$out/boot.rc"
	# the grader's own cgroup, /grader, holding this shell (PID 1), as a service's would
	echo "+memory +pids +cpu" >/sys/fs/cgroup/cgroup.subtree_control
	mkdir /sys/fs/cgroup/grader
	echo $$ >/sys/fs/cgroup/grader/cgroup.procs
	{
		echo "this shell's cgroup: $(cat /proc/self/cgroup)"
		echo "kernel $(uname -r); /sys/fs/cgroup: $(stat -f -c %T /sys/fs/cgroup)"
		grep cgroup /proc/mounts
		echo "root controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
		echo "root subtree_control: $(cat /sys/fs/cgroup/cgroup.subtree_control)"
		echo "nproc $(nproc), memory: $(grep MemTotal /proc/meminfo)"
	} 2>&1 | tee "$out/env.log"
	# the copy: the worktree's tracked and untracked files, no build folder
	src=/tmp/sockgrade-vm-src
	mkdir -p "$src"
	(cd "$top" && tar --exclude=./build --exclude='./build-*' --exclude=./.git --exclude=./reports -cf - .) | tar -C "$src" -xf -
	mkdir -p "$src/reports"
	step() { # step NAME CMD...: CMD's output to the console and NAME.log, its status to NAME.rc
		local name=$1 t0=$SECONDS rc
		shift
		echo "== cgroup2-vm-guest: $name: $*"
		(cd "$src" && "$@") 2>&1 | tee "$out/$name.log"
		rc=${PIPESTATUS[0]}
		echo "$rc $((SECONDS - t0))" >"$out/$name.rc"
		echo "== cgroup2-vm-guest: $name exited $rc after $((SECONDS - t0)) s"
		return "$rc"
	}
	if [ -x "$top/build-vm/sockgrade" ] && [ "${VM_BUILD:-guest}" = host ]; then
		cp -a "$top/build-vm" "$src/build" # built on the host (VM_BUILD=host): the same userland
		echo "0 0" >"$out/build.rc"
		echo "host" >"$out/build.where"
	else
		step build make -j2 build/sockgrade build/check_sockgrade || exit
	fi
	step unit-cgroup env CK_RUN_SUITE=cgroup CK_DEFAULT_TIMEOUT=60 build/check_sockgrade
	step unit-sandbox env CK_RUN_SUITE=sandbox CK_DEFAULT_TIMEOUT=60 build/check_sockgrade
	step cgroup-tree sh -c 'find /sys/fs/cgroup -mindepth 1 -type d | sort'
	step isolation env KEEP=1 PARTS="${PARTS:-main meta killed}" ./harness/tests/isolation.sh build/sockgrade
	# isolation.sh's logs (the grader's of each run, results.json by submission) to the host
	for d in /tmp/sockgrade-iso.*; do
		[ -d "$d/out" ] && cp -a "$d/out" "$out/isolation-out" 2>/dev/null
		[ -d "$d/repo/reports/hello" ] && cp -a "$d/repo/reports/hello" "$out/isolation-reports" 2>/dev/null
	done
	# VM_GRADE="memory_hog fork_bomb": those hostile submissions graded alone, --time-scale
	# VM_TIME_SCALE (slack for TCG), and each hello_server run's verdict (info, not a check)
	if [ -n "${VM_GRADE:-}" ]; then
		mkdir -p /tmp/sockgrade-vm-grade/subs
		for n in $VM_GRADE; do cp -r "$src/harness/tests/hostile/hello/$n" /tmp/sockgrade-vm-grade/subs/; done
		step grade env SANDBOX=root build/sockgrade grade --jobs 2 --no-coverage --force \
			--time-scale "${VM_TIME_SCALE:-1}" --reports /tmp/sockgrade-vm-grade/reports \
			--submissions /tmp/sockgrade-vm-grade/subs specs/hello.yaml
		# shellcheck disable=SC2086 # a list of names
		step grade-verdicts python3 -c 'import json, sys, os
for n in sys.argv[2:]:
    r = json.load(open(os.path.join(sys.argv[1], n, "results.json")))
    ps = [p for pr in r["extra_data"]["probes"] for p in pr["processes"] if p["program"] == "hello_server"]
    print("info %s: %g/%g; hello_server verdicts: %s; memory held by: %s; notes: %s" % (n, r["score"],
          r["extra_data"]["max_score"], " ".join(p["verdict"] for p in ps),
          sorted({str(p.get("memory_limit")) for p in ps}), sorted({p.get("memory_note") or "" for p in ps})))
    for p in ps[:2]:
        print("     stderr: %s" % p["stderr"][-300:].replace("\n", " | "))' /tmp/sockgrade-vm-grade/reports/hello $VM_GRADE
	fi
	step cgroup-after sh -c 'find /sys/fs/cgroup -mindepth 1 -type d | sort; cat /sys/fs/cgroup/grader/cgroup.subtree_control'
	exit
fi

# ---------------------------------------------------------------------------
# the host's half
top=$(cd "$(dirname "$0")/../.." && pwd)
script="$top/harness/tests/cgroup2-vm.sh"
timeout_s=${VM_TIMEOUT:-2400}
give_up() {
	echo "cgroup2-vm: $*"
	echo "cgroup2-vm: 0 passed, 1 failed"
	exit 1
}
[ "$(id -u)" = 0 ] || give_up "must run as root (apt-get, and the guest's grader runs as root)"
[ -e /dev/kvm ] || give_up "no /dev/kvm: this machine cannot run a KVM guest"
{ [ -r /dev/kvm ] && [ -w /dev/kvm ]; } || give_up "/dev/kvm is not usable (permissions)"

# the guest kernel: a Debian one (not -cloud: that has no 9p) with its modules
guest_kernel() {
	local d v
	for d in /lib/modules/*-amd64; do
		v=${d##*/}
		case "$v" in *cloud*) continue ;; esac
		[ -f "/boot/vmlinuz-$v" ] && [ -n "$(find "$d/kernel/fs/9p" -name '9p.ko*' 2>/dev/null)" ] && echo "$v"
	done | sort -V | tail -1
}
pkgs=""
command -v qemu-system-x86_64 >/dev/null || pkgs="$pkgs qemu-system-x86"
[ -f /usr/share/seabios/bios-256k.bin ] || [ -f /usr/share/qemu/bios-256k.bin ] || pkgs="$pkgs seabios"
# a static busybox: the initramfs has no libc
dpkg-query -W -f='${Status}\n' busybox-static 2>/dev/null | grep -q "install ok installed" ||
	pkgs="$pkgs busybox-static"
command -v cpio >/dev/null || pkgs="$pkgs cpio"
[ -n "$(guest_kernel)" ] || pkgs="$pkgs linux-image-amd64"
if [ -n "$pkgs" ]; then
	command -v apt-get >/dev/null || give_up "missing:$pkgs, and no apt-get to install them"
	echo "cgroup2-vm: installing$pkgs"
	export DEBIAN_FRONTEND=noninteractive
	# shellcheck disable=SC2086 # a list of package names
	{ apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $pkgs >/dev/null; } ||
		give_up "apt-get install$pkgs failed"
fi
command -v qemu-system-x86_64 >/dev/null || give_up "qemu-system-x86_64 missing (package qemu-system-x86)"
kver=$(guest_kernel)
[ -n "$kver" ] || give_up "no guest kernel: no /boot/vmlinuz-* with 9p modules (package linux-image-amd64)"
python3 -c 'import fcntl, sys; KVM_GET_API_VERSION = 0xae00
f = open("/dev/kvm", "wb", buffering=0); sys.exit(fcntl.ioctl(f, KVM_GET_API_VERSION) != 12)' ||
	give_up "/dev/kvm does not answer KVM_GET_API_VERSION with 12"

work=$(mktemp -d /tmp/sockgrade-cgroup2-vm.XXXXXX)
chmod 755 "$work"
cleanup() { if [ -n "${KEEP:-}" ]; then echo "cgroup2-vm: kept $work"; else rm -rf "$work"; fi; }
trap cleanup EXIT
mkdir -p "$work/out" "$work/initrd/bin" "$work/initrd/lib/modules"

# the initramfs: busybox, the modules that mount the root (in modules.dep's order), /init
mods=/lib/modules/$kver
order=()
add_mod() { # add_mod PATH-IN-modules.dep: its dependencies first
	local m=$1 dep line
	for dep in "${order[@]}"; do [ "$dep" = "$m" ] && return; done
	line=$(grep -m1 "^$m:" "$mods/modules.dep") || return
	for dep in ${line#*:}; do add_mod "$dep"; done
	order+=("$m")
}
for want in virtio_pci 9pnet_virtio 9p overlay; do
	p=$(grep -m1 -E "/$want\.ko(\.[a-z]+)?:" "$mods/modules.dep") ||
		{ grep -qE "/$want\.ko" "$mods/modules.builtin" || give_up "kernel $kver has no module $want"; continue; }
	add_mod "${p%%:*}"
done
for m in "${order[@]}"; do
	f=${m##*/}
	case "$f" in
	*.ko.xz) xz -dc "$mods/$m" >"$work/initrd/lib/modules/${f%.xz}" ;;
	*.ko.zst) zstd -qdc "$mods/$m" >"$work/initrd/lib/modules/${f%.zst}" ;;
	*.ko.gz) gzip -dc "$mods/$m" >"$work/initrd/lib/modules/${f%.gz}" ;;
	*) cp "$mods/$m" "$work/initrd/lib/modules/$f" ;;
	esac
	f=${f%.xz}
	f=${f%.zst}
	echo "${f%.gz}" >>"$work/initrd/modules.order"
done
cp /bin/busybox "$work/initrd/bin/busybox"
cat >"$work/initrd/init" <<EOF
#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /usr/bin /sbin /usr/sbin
/bin/busybox --install -s
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
fail() { echo "cgroup2-vm-init: \$*"; echo "cgroup2-vm-boot: FAILED"; poweroff -f; }
for m in \$(cat /modules.order); do insmod /lib/modules/\$m || fail "insmod \$m"; done
mkdir -p /lower /rw /newroot
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=524288,cache=loose hostroot /lower || fail "mount 9p hostroot"
mount -t tmpfs -o size=1536m,mode=755 tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot || fail "mount overlay"
mkdir -p /newroot/mnt/sgout
mount -t 9p -o trans=virtio,version=9p2000.L,msize=524288 sgout /newroot/mnt/sgout || fail "mount 9p sgout"
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
echo "cgroup2-vm-boot: root mounted"
exec switch_root /newroot /bin/bash $script --guest $top /mnt/sgout
EOF
chmod 755 "$work/initrd/init"
(cd "$work/initrd" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.img" ||
	give_up "cannot pack the initramfs"

# Does KVM boot a stock kernel? Without a root it panics, and panic=-1 with -no-reboot ends
# QEMU: a working KVM answers in seconds. (A KVM that is not hardware virtualization, such
# as kvm_pvm, which runs only guest kernels built for it, never gets that far.)
# -cpu host without arch-capabilities: a nested KVM may refuse that MSR.
kvm_cpu=host,-arch-capabilities
accel=${VM_ACCEL:-auto}
if [ "$accel" = auto ]; then
	t0=$SECONDS
	if timeout --kill-after=5 "${KVM_PROBE_S:-30}" qemu-system-x86_64 -enable-kvm -cpu "$kvm_cpu" -smp 1 -m 256M \
		-nographic -monitor none -serial stdio -no-reboot -nic none -kernel "/boot/vmlinuz-$kver" \
		-append "console=ttyS0 panic=-1" </dev/null 2>&1 | tee "$work/kvm-probe.log" | grep -q 'Linux version'; then
		accel=kvm
		echo "cgroup2-vm: KVM boots a stock kernel ($((SECONDS - t0)) s to a panic without a root, as meant)"
	else
		accel=tcg
		pvm=""
		[ -d /sys/module/kvm_pvm ] && pvm=" (this kernel's KVM is kvm_pvm, which runs only PVM-built guest kernels)"
		echo "cgroup2-vm: KVM does not boot the stock kernel $kver within ${KVM_PROBE_S:-30} s$pvm:" \
			"$(tr -d '\033' <"$work/kvm-probe.log" | tr '\r\n' '  ' | tail -c 200)"
		echo "cgroup2-vm: falling back to TCG, QEMU's software emulation: the verdicts hold, but it is" \
			"several times slower, so isolation.sh's time bounds may not"
	fi
fi
case "$accel" in
kvm) accel_args=(-enable-kvm -cpu "$kvm_cpu") ;;
tcg) accel_args=(-accel "tcg,thread=multi" -cpu max) ;;
*) give_up "VM_ACCEL=$accel: say kvm, tcg or auto" ;;
esac
# where the harness is built: in the guest (VM_BUILD=guest, the default under KVM), or on
# the host into build-vm/ (VM_BUILD=host, the default under TCG, where make takes minutes)
vm_build=${VM_BUILD:-$([ "$accel" = kvm ] && echo guest || echo host)}
if [ "$vm_build" = host ]; then
	echo "cgroup2-vm: building on the host into build-vm/ (VM_BUILD=host)"
	make -C "$top" --no-print-directory -j"$(nproc)" BUILD=build-vm build-vm/sockgrade build-vm/check_sockgrade >"$work/host-build.log" 2>&1 ||
		{ tail -20 "$work/host-build.log"; give_up "make BUILD=build-vm on the host failed"; }
fi
printf 'VM_BUILD=%q\nPARTS=%q\nVM_GRADE=%q\nVM_TIME_SCALE=%q\n' "$vm_build" "${PARTS:-main meta killed}" \
	"${VM_GRADE:-}" "${VM_TIME_SCALE:-1}" >"$work/out/settings.env"
echo "cgroup2-vm: booting $kver under ${accel^^} (2 vCPUs, 4 GB), at most $timeout_s s; the host's / read-only over 9p"
t0=$SECONDS
timeout --kill-after=10 "$timeout_s" qemu-system-x86_64 \
	"${accel_args[@]}" -smp 2 -m 4G -nographic -monitor none -serial stdio -no-reboot -nic none \
	-kernel "/boot/vmlinuz-$kver" -initrd "$work/initrd.img" \
	-append "console=ttyS0 panic=-1 loglevel=4 cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1" \
	-fsdev local,id=root,path=/,security_model=none,readonly=on,multidevs=remap \
	-device virtio-9p-pci,fsdev=root,mount_tag=hostroot \
	-fsdev local,id=out,path="$work/out",security_model=none,multidevs=remap \
	-device virtio-9p-pci,fsdev=out,mount_tag=sgout \
	</dev/null 2>&1 | tee "$work/console.log"
qrc=${PIPESTATUS[0]}
took=$((SECONDS - t0))

# ---------------------------------------------------------------------------
# the verdicts
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
echo "== cgroup2-vm: the VM ended after $took s (qemu exit $qrc)"
if [ "$qrc" = 124 ] || [ "$qrc" = 137 ]; then
	bad "the VM did not end within VM_TIMEOUT=$timeout_s s (killed)"
fi
if [ ! -s "$work/out/boot.rc" ]; then
	why=$(grep -m1 'cgroup2-vm-init:' "$work/console.log" || grep -m1 -iE 'panic|could not|failed' "$work/console.log")
	bad "the guest did not boot to its test (qemu exit $qrc)${why:+: $why}"
	echo "cgroup2-vm: $passed passed, $failed failed"
	exit 1
fi
[ "$(cat "$work/out/boot.rc")" = 0 ] || bad "the guest booted, but could not mount cgroup2"
rc_of() { [ -f "$work/out/$1.rc" ] && cut -d' ' -f1 "$work/out/$1.rc"; }
secs_of() { [ -f "$work/out/$1.rc" ] && cut -d' ' -f2 "$work/out/$1.rc"; }
# build
if [ -f "$work/out/build.where" ]; then
	ok "build: on the host, into build-vm/ (VM_BUILD=host)"
elif [ "$(rc_of build)" = 0 ]; then ok "build: make in the guest ($(secs_of build) s)"; else bad "build: make in the guest exited $(rc_of build)"; fi
# unit suites: Check's summary "100%: Checks: N, Failures: F, Errors: E"
for s in cgroup sandbox; do
	f="$work/out/unit-$s.log"
	sum=$(grep -m1 -E '^[0-9]+%: Checks: ' "$f" 2>/dev/null)
	if [ -z "$sum" ]; then
		bad "unit $s: no Check summary (exit $(rc_of "unit-$s"))"
		continue
	fi
	read -r n fl er < <(echo "$sum" | sed -E 's/.*Checks: ([0-9]+), Failures: ([0-9]+), Errors: ([0-9]+).*/\1 \2 \3/')
	passed=$((passed + n - fl - er))
	failed=$((failed + fl + er))
	echo "$( [ $((fl + er)) = 0 ] && echo "ok  " || echo FAIL) unit $s (CK_RUN_SUITE=$s): $sum"
	grep -E ':[EF]:' "$f" | sed 's/^/     /'
done
# isolation.sh: its own closing line
f="$work/out/isolation.log"
sum=$(grep -m1 -E '^isolation: [0-9]+ passed, [0-9]+ failed' "$f" 2>/dev/null)
if [ -z "$sum" ]; then
	bad "isolation.sh: no closing line (exit $(rc_of isolation))"
else
	read -r n m < <(echo "$sum" | sed -E 's/isolation: ([0-9]+) passed, ([0-9]+) failed/\1 \2/')
	passed=$((passed + n))
	failed=$((failed + m))
	echo "$( [ "$m" = 0 ] && echo "ok  " || echo FAIL) isolation.sh in the guest ($(secs_of isolation) s): $sum"
	grep -E '^FAIL ' "$f" | sed 's/^/     /'
fi
echo "cgroup2-vm: kernel $kver under ${accel^^}, cgroup v2 only; boot and tests took $took s"
echo "cgroup2-vm: $passed passed, $failed failed"
[ "$failed" = 0 ]
