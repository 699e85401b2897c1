#!/bin/bash
# Selfcheck and the student kit, as a student meets them:
# - a kit holds nothing secret (hidden probes, reference source, binaries, other labs);
# - make selfcheck in an unpacked kit gives the instructor's verdicts for the visible probes
#   (same seed, same compiler);
# - the mistakes students make get a message with exact wording, not a crash.
# Usage: selfcheck.sh path/to/sockgrade
set -u
bin=$(realpath "${1:?usage: selfcheck.sh SOCKGRADE}")
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-selfcheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
# check NAME COMMAND...: passes when the command succeeds
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

verdicts() { # results.json -> "name: passed|failed" lines, visible probes only
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["extra_data"]["probes"]:
    if not p["hidden"]:
        print(p["name"] + ": " + ("passed" if p["passed"] else "failed"))
PY
}

# ---- the kit holds nothing secret ----
for lab in hello echo; do
	(cd "$top" && ./harness/kit.sh "$bin" "$lab" "$tmp/reports" >/dev/null) || { bad "$lab: kit not made"; continue; }
	kit="$tmp/kit-$lab"
	mkdir -p "$kit"
	tar -C "$kit" -xzf "$tmp/reports/kits/$lab-kit.tar.gz"
	k="$kit/$lab-kit"
	check "$lab kit: submission/ is empty but for its README" test "$(ls "$k/submission")" = README.md
	elf=$(find "$k" -type f -exec sh -c 'head -c4 "$1" | grep -q "ELF" && echo "$1"' _ {} \;)
	check "$lab kit: no ELF file" test -z "$elf"
	others=$(find "$k" -name '*.yaml' ! -name "$lab.yaml")
	check "$lab kit: no other lab's spec" test -z "$others"
	check "$lab kit: no reference/ or submissions/ folder" test ! -e "$k/reference" -a ! -e "$k/submissions"
	python3 - "$top/specs/$lab.yaml" "$k" "$top/reference/$lab" <<'PY' && ok "$lab kit: no hidden probe name, hint or bytes, no reference source line" || bad "$lab kit: a secret leaked"
import os, sys, re
spec, kit, ref = sys.argv[1:4]
# hidden probes' names, hints and quoted texts, read from the instructor's spec
secrets = []
text = open(spec).read()
for block in re.split(r"\n  - name: ", text)[1:]:
    if "visibility: hidden" not in block:
        continue
    secrets.append(block.split("\n", 1)[0].strip().strip('"'))
    m = re.search(r"hint: >?-?\s*(.+?)\n    (steps|visibility|points|repeat):", block, re.S)
    if m:
        secrets.extend(l.strip() for l in m.group(1).splitlines() if len(l.strip()) > 12)
    secrets.extend(s for s in re.findall(r'"([^"]{6,})"', block) if "{" not in s)
reflines = []
for f in os.listdir(ref):
    for l in open(os.path.join(ref, f), errors="replace"):
        l = l.strip()
        if len(l) > 25 and not l.startswith(("#include", "}", "/*", "*", "//")):
            reflines.append(l)
leaks = []
for root, _, files in os.walk(kit):
    for f in files:
        data = open(os.path.join(root, f), errors="replace").read()
        leaks += [(f, s) for s in secrets if s in data]
        leaks += [(f, l) for l in reflines if l in data]
for f, s in leaks:
    print("  leak in %s: %r" % (f, s[:60]))
print("  checked %d secrets and %d reference lines" % (len(secrets), len(reflines)))
sys.exit(1 if leaks else 0)
PY
done

# ---- selfcheck in the kit agrees with the instructor's grade ----
for lab_sample in echo/correct echo/client_single_read hello/wrong_greeting; do
	lab=${lab_sample%/*}
	s=${lab_sample#*/}
	k="$tmp/kit-$lab/$lab-kit"
	[ -d "$k" ] || continue
	rm -rf "$k/submission"/* "$k/reports"
	cp -r "$top/submissions/$lab/$s/." "$k/submission/"
	seed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["seed"])' "$k/specs/$lab.reference.json" 2>/dev/null || echo 777)
	(cd "$k" && make -s selfcheck SEED="$seed" NO_COLOR=1 >"$tmp/kit-$lab-$s.log" 2>&1)
	kit_rc=$?
	"$bin" grade --seed "$seed" --only "$s" --no-coverage --reports "$tmp/instr" \
		--submissions "$top/submissions/$lab" "$top/specs/$lab.yaml" >/dev/null 2>&1
	a=$(verdicts "$k/reports/selfcheck/$lab/submission/results.json" 2>/dev/null)
	b=$(verdicts "$tmp/instr/$lab/$s/results.json" 2>/dev/null)
	if [ -n "$a" ] && [ "$a" = "$b" ]; then
		ok "$lab/$s: kit selfcheck verdicts equal the instructor's"
	else
		bad "$lab/$s: kit selfcheck verdicts differ"; diff <(echo "$a") <(echo "$b") | head; tail -5 "$tmp/kit-$lab-$s.log"
	fi
	want_rc=0; echo "$b" | grep -q ': failed' && want_rc=2
	# make turns the harness's 1 into its own 2: zero or non-zero is what make promises
	if { [ $want_rc -eq 0 ] && [ $kit_rc -eq 0 ]; } || { [ $want_rc -ne 0 ] && [ $kit_rc -ne 0 ]; }; then
		ok "$lab/$s: make selfcheck exit status"
	else
		bad "$lab/$s: make selfcheck exited $kit_rc"
	fi
	grep -Eq '^[0-9]+ passed, [0-9]+ failed$' "$tmp/kit-$lab-$s.log" && ok "$lab/$s: summary line" || bad "$lab/$s: no summary line"
done

# ---- mistakes get messages ----
run_self() { # folder -> output of a selfcheck of it (hello lab)
	"$bin" selfcheck --no-coverage --reports "$tmp/r" "$top/specs/hello.yaml" "$1" 2>&1
}
out=$(run_self "$tmp/no/such/folder")
check "no such folder: exact message" grep -qF "sockgrade: no such folder '$tmp/no/such/folder': give SUBMISSION=<folder with your files>" <<<"$out"

mkdir -p "$tmp/misnamed"
cp "$top/submissions/hello/correct/hello_server.c" "$tmp/misnamed/server.c"
cp "$top/submissions/hello/correct/hello_client.c" "$tmp/misnamed/client.c"
out=$(run_self "$tmp/misnamed")
check "misnamed files: what was found and what is expected" grep -qF "✗ build hello_server: 'hello_server.c' not found; the submission has: client.c, server.c" <<<"$out"

mkdir -p "$tmp/notarget"
cp "$top/submissions/hello/correct/hello_server.c" "$tmp/notarget/"
# no rule and no hello_client.c for make's implicit rule either
cp "$top/submissions/hello/correct/hello_client.c" "$tmp/notarget/client.c"
printf 'all: hello_server\nhello_server: hello_server.c\n\tcc -o $@ $<\n' >"$tmp/notarget/Makefile"
out=$(run_self "$tmp/notarget")
check "Makefile without a target: exact message" grep -qF "✗ build hello_client: the Makefile has no target 'hello_client'" <<<"$out"

mkdir -p "$tmp/nocc/specs"
sed 's/^  cflags:/  cc: no-such-cc\n  cflags:/' "$top/specs/hello.yaml" >"$tmp/nocc/specs/hello.yaml"
out=$("$bin" selfcheck --no-coverage --reports "$tmp/r" --reference-root "$top/reference" "$tmp/nocc/specs/hello.yaml" "$top/submissions/hello/correct" 2>&1)
check "compiler missing: exact message" grep -qF "the reference's hello_server does not build: no-such-cc could not run: cannot run 'no-such-cc': No such file or directory" <<<"$out"

out=$(run_self "$top/submissions/hello/winsock")
check "Windows-only code: exact message" grep -qF "✗ build hello_server: Windows-only code (WinSock2.h/windows.h): this lab builds on Linux; use <sys/socket.h>, <netinet/in.h>, <arpa/inet.h>, <unistd.h> and close()" <<<"$out"

out=$(SANDBOX=none run_self "$top/submissions/hello/correct")
check "a run without isolation says so" grep -qF "note: this run is not isolated" <<<"$out"

# a student's text cannot rewrite the terminal: a build error that moves the cursor up and
# prints a full score, in a folder whose name carries an escape too
esc=$(printf '\033')
evil="$tmp/term${esc}[2Kname"
mkdir -p "$evil"
cp "$top/submissions/hello/correct/hello_client.c" "$evil/"
printf '#error "\033[1A\033[2K\rhello: 8 passed, 0 failed"\nint main(void) { return 0; }\n' >"$evil/hello_server.c"
out=$(NO_COLOR=1 run_self "$evil")
check "terminal: no escape byte of the student's reaches the terminal" eval '! grep -q "$esc" <<<"$out"'
check "terminal: the true summary is shown" grep -qE '^[0-9]+ passed, [1-9][0-9]* failed$' <<<"$out"
check "terminal: the cut is shown as …" grep -qF "✗ build hello_server: " <<<"$out"

echo "selfcheck: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
