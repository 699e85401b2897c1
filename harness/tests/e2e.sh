#!/bin/sh
# End-to-end: grades the shipped samples of every lab that has expected
# results in harness/tests/expected/<lab>/, and compares the set of probes
# each sample fails with <sample>.failed (sets, not totals). Also checks that
# a spec the reference fails is refused, and that the same seed replays a run.
# A <sample>.build file beside <sample>.failed says how the sample's programs
# were built: lines "<program> sources <files...>" (the files compiled into
# it, in order) and "<program> why <reason>" (the reason it did not build).
# No page or results file may name a scratch folder.
# Usage: e2e.sh path/to/sockgrade
set -u
bin=${1:?usage: e2e.sh SOCKGRADE}
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-e2e.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

build_check() { # results.json expected.build -> one line per difference
	python3 - "$1" "$2" <<'PY'
import json, sys
progs = {p["name"]: p for p in json.load(open(sys.argv[1]))["extra_data"]["build"]["programs"]}
for line in open(sys.argv[2]):
    name, key, want = (line.rstrip("\n").split(" ", 2) + ["", ""])[:3]
    p = progs.get(name)
    if p is None:
        print(f"no program {name!r}")
    elif key == "sources":
        got = " ".join(p["sources"] or [])
        if got != want:
            print(f"{name}: sources {got!r}, expected {want!r}")
    elif key == "why":
        if p["why"] != want:
            print(f"{name}: why {p['why']!r}, expected {want!r}")
    else:
        print(f"unknown key {key!r}")
PY
}

failed_set() { # results.json -> sorted names of failed probes
	python3 - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["extra_data"]["probes"]:
    if not p["passed"]:
        print(p["name"])
PY
}

for expdir in "$top"/harness/tests/expected/*/; do
	lab=$(basename "$expdir")
	spec="$top/specs/$lab.yaml"
	out="$tmp/reports"
	if ! "$bin" grade --seed 4242 --reports "$out" --submissions "$top/submissions/$lab" "$spec" >"$tmp/$lab.log" 2>&1; then
		bad "$lab: grading exited non-zero"; cat "$tmp/$lab.log"; continue
	fi
	for exp in "$expdir"*.failed; do
		s=$(basename "$exp" .failed)
		res="$out/$lab/$s/results.json"
		if [ ! -f "$res" ]; then bad "$lab/$s: no results.json"; continue; fi
		got=$(failed_set "$res" | LC_ALL=C sort)
		want=$(LC_ALL=C sort "$exp")
		if [ "$got" = "$want" ]; then
			ok
		else
			bad "$lab/$s: failed probes differ"
			printf '  expected:\n%s\n  got:\n%s\n' "$want" "$got" | sed 's/^/    /'
		fi
	done
	for exp in "$expdir"*.build; do
		[ -e "$exp" ] || continue
		s=$(basename "$exp" .build)
		diffs=$(build_check "$out/$lab/$s/results.json" "$exp" 2>&1)
		if [ -z "$diffs" ]; then ok; else bad "$lab/$s: build differs"; echo "$diffs" | sed 's/^/    /'; fi
	done
	# every sample has an expectation, and every expectation a sample
	for d in "$top/submissions/$lab"/*/; do
		s=$(basename "$d")
		[ -f "$expdir$s.failed" ] && ok || bad "$lab/$s: no expected file"
	done
	for f in index.html grades.csv; do
		[ -s "$out/$lab/$f" ] && ok || bad "$lab: no $f"
	done
done

# Coverage (on by default): the correct samples of each kind of build have their pages, a
# Makefile whose implicit rules take the coverage build's LDLIBS (the flush object) included.
for s in hello/correct hello/correct_makefile hello/implicit_rules hello/helpers_tricky \
	file/correct webserv/correct chat/correct echo6/correct; do
	why=$(python3 -c 'import json,sys
c = json.load(open(sys.argv[1]))["extra_data"]["coverage"]
print("ok" if c["done"] and c["lines"] > 0 else c["why"])' "$out/$s/results.json" 2>&1)
	[ "$why" = ok ] && ok || bad "$s: no coverage: $why"
done

# No message shown to anyone names a scratch folder (sockgrade.XXXXXX/<pid>): paths are
# relative to the submission, in build logs, reasons and program output alike.
leaks=$(grep -rlE 'sockgrade\.[A-Za-z0-9]{6}/' "$out" 2>/dev/null)
if [ -z "$leaks" ]; then
	ok
else
	bad "scratch paths in reports:"; echo "$leaks" | head -5
	grep -rohE '.{0,60}sockgrade\.[A-Za-z0-9]{6}/.{0,40}' $leaks | head -3 | sed 's/^/    /'
fi

# Causes in words: the same words in results.json (the test's output), the student page and
# the selfcheck line; a cause comes from what was seen (the wait status, the port), whatever
# the probe.
same_words() { # lab sample probe words
	python3 - "$out/$1/$2/results.json" "$3" "$4" <<'PY' && grep -qF -- "$4" "$out/$1/$2/student.html"
import json, sys
d = json.load(open(sys.argv[1]))
t = [t for t in d["tests"] if t["name"] == sys.argv[2]]
sys.exit(not (t and sys.argv[3] in t[0]["output"]))
PY
}
while IFS='|' read -r lab s probe words; do
	if same_words "$lab" "$s" "$probe" "$words"; then ok; else bad "$lab/$s: '$probe' does not say '$words' in results.json and student.html"; fi
done <<'CASES'
hello|no_htons|listens on the port given in argv|= the port you were given with its bytes swapped: use htons(), not htonl() or no conversion
hello|no_usage_check|exits with an error when started without a port|hello_server killed by SIGSEGV (an invalid memory access: 
echo|sigpipe|survives a client reset while it writes|echo_server was killed by SIGPIPE (it wrote to a connection the client had reset): ignore SIGPIPE or send with MSG_NOSIGNAL; then 
echo|no_reuseaddr|restarts at once on the same port|a connection of its last run holds the port in TIME_WAIT, where bind() fails with EADDRINUSE unless SO_REUSEADDR is set
echo|fixed_port|restarts at once on the same port|listens on port 9190, a fixed port, not on port 
echo|segv_on_reset|survives a client reset while it reads|echo_server was killed by SIGSEGV (an invalid memory access: 
hello|correct|sends the greeting|sent a trailing NUL (tolerated)
chat|sigpipe|survives a client that resets while lines are relayed to it|killed by SIGPIPE (it wrote to a connection the client had reset): ignore SIGPIPE or send with MSG_NOSIGNAL
webserv|dies_on_reset|survives a client that resets mid-request|webserv had ended: exited with status 1
CASES
"$bin" selfcheck --no-coverage --reports "$tmp/sc" "$top/specs/hello.yaml" "$top/submissions/hello/no_htons" >"$tmp/sc.log" 2>&1
if grep -q "listens on the port given in argv: hello_server listens on port [0-9]* = the port you were given with its bytes swapped: use htons(), not htonl() or no conversion" "$tmp/sc.log" &&
	grep -q "sends the greeting — sent a trailing NUL (tolerated)" "$tmp/sc.log"; then
	ok
else
	bad "selfcheck does not say the cause and the note in the same words:"; cat "$tmp/sc.log"
fi

# What others read: every results.json in Gradescope's format, every
# junit.xml in the JUnit subset CI tools read; and the validator must
# refuse a file that is not.
if python3 "$top/harness/tests/validate_results.py" "$out" >"$tmp/validate.log" 2>&1; then
	ok
else
	bad "results.json files that break Gradescope's format:"; grep -v ': ok$' "$tmp/validate.log"
fi
sed 's/"status": "failed"/"status": "fail"/' "$out/hello/markup_student/results.json" >"$tmp/broken.json"
if python3 "$top/harness/tests/validate_results.py" "$tmp/broken.json" >/dev/null 2>&1; then
	bad "validate_results.py accepted a test whose status is 'fail'"
else
	ok
fi
for x in "$out"/*/junit.xml; do
	if xmllint --noout --schema "$top/harness/tests/schema/junit.xsd" "$x" 2>"$tmp/xmllint.log"; then
		ok
	else
		bad "$x: not valid JUnit"; cat "$tmp/xmllint.log"
	fi
done

# The pages in a browser (BROWSER=0 skips): screenshots kept beside the binary.
if [ "${BROWSER:-1}" != 0 ]; then
	if "$top/harness/tests/browser.sh" "$out" "$bin" >"$tmp/browser.log" 2>&1; then
		ok; tail -n 1 "$tmp/browser.log"
	else
		bad "browser checks:"; grep -v '^ok:' "$tmp/browser.log"
	fi
	rm -rf "$(dirname "$bin")/screenshots"
	cp -r "$out/screenshots" "$(dirname "$bin")/" 2>/dev/null
fi

# JOBS does not change what a run finds: the same seed with one worker gives the same grades.
"$bin" grade --seed 4242 --jobs 1 --no-coverage --reports "$tmp/jobs1" \
	--submissions "$top/submissions/hello" "$top/specs/hello.yaml" >/dev/null 2>&1
if cmp -s "$out/hello/grades.csv" "$tmp/jobs1/hello/grades.csv"; then
	ok
else
	bad "JOBS=1 and the default JOBS gave different grades with the same seed"
	diff "$out/hello/grades.csv" "$tmp/jobs1/hello/grades.csv" | head
fi

# A 16 MiB echo through the reference: sending and receiving in one poll loop, no deadlock
# when neither side reads ahead.
mkdir -p "$tmp/big/specs"
sed 's/send_payload: 1048573/send_payload: 16MiB/; s/within: 10s/within: 30s/' "$top/specs/echo.yaml" >"$tmp/big/specs/echo.yaml"
if grep -q 'send_payload: 16MiB' "$tmp/big/specs/echo.yaml" &&
	"$bin" selfcheck --no-coverage --reference-root "$top/reference" --reports "$tmp/big/r" \
		"$tmp/big/specs/echo.yaml" "$top/submissions/echo/correct" >"$tmp/big.log" 2>&1; then
	ok
else
	bad "a 16 MiB echo did not pass through the reference and a correct server"; tail -5 "$tmp/big.log"
fi

# A compiler without JSON diagnostics (clang): the reason comes from its text, the linker's
# words tidied the same way.
if command -v clang >/dev/null 2>&1; then
	mkdir -p "$tmp/clang/specs" "$tmp/clang/subs/echo" "$tmp/clang/subs/hello"
	sed 's/^  cflags: /  cc: clang\n  cflags: /' "$top/specs/hello.yaml" >"$tmp/clang/specs/hello.yaml"
	sed 's/^  cflags: /  cc: clang\n  cflags: /' "$top/specs/echo.yaml" >"$tmp/clang/specs/echo.yaml"
	cp -r "$top/submissions/hello/does_not_build" "$tmp/clang/subs/hello/"
	cp -r "$top/submissions/echo/helper_missing" "$tmp/clang/subs/echo/"
	for lab in hello echo; do
		"$bin" grade --no-coverage --reference-root "$top/reference" --reports "$tmp/clang/r" \
			--submissions "$tmp/clang/subs/$lab" "$tmp/clang/specs/$lab.yaml" >"$tmp/clang/$lab.log" 2>&1
	done
	printf '%s\n' "hello_server why does not compile (clang exited with status 1): hello_server.c:47:18: error: expected ';' after expression" \
		>"$tmp/clang/hello.build"
	printf '%s\n' "echo_server why does not link (clang exited with status 1): echo_server.c:25: undefined reference to 'tcp_listen'" \
		>"$tmp/clang/echo.build"
	for lab in hello echo; do
		s=$(ls "$tmp/clang/subs/$lab")
		diffs=$(build_check "$tmp/clang/r/$lab/$s/results.json" "$tmp/clang/$lab.build" 2>&1)
		if [ -z "$diffs" ]; then ok; else bad "clang $lab/$s: build differs"; echo "$diffs" | sed 's/^/    /'; tail -3 "$tmp/clang/$lab.log"; fi
	done
fi

# expect_file's received: the file a server sent compared with what the harness received on
# the connection (the file lab's binary probe asked that way): the correct server passes, the
# one that sends with strlen() fails, and the failure says where the bytes first differ.
mkdir -p "$tmp/recv/specs" "$tmp/recv/subs"
awk '/^  - name: server sends a binary file unchanged/ { inp = 1 }
	inp && /^      - expect: "\{sent\}"/ { print "      - expect_eof:"; print "      - expect_file: data.bin"; print "        received: c"; inp = 0; next }
	{ print }' "$top/specs/file.yaml" >"$tmp/recv/specs/file.yaml"
cp -r "$top/submissions/file/correct" "$top/submissions/file/strlen_binary" "$tmp/recv/subs/"
"$bin" grade --no-coverage --reference-root "$top/reference" \
	--reports "$tmp/recv/r" --submissions "$tmp/recv/subs" "$tmp/recv/specs/file.yaml" >"$tmp/recv.log" 2>&1
recv_verdict() { python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
p = [p for p in d["extra_data"]["probes"] if p["name"] == "server sends a binary file unchanged"][0]
print("passed" if p["passed"] else "failed: " + (p["why"] or ""))' "$tmp/recv/r/file/$1/results.json" 2>/dev/null; }
if grep -q 'received: c' "$tmp/recv/specs/file.yaml" && [ "$(recv_verdict correct)" = passed ] &&
	recv_verdict strlen_binary | grep -q "'data.bin' holds [0-9]* bytes; the harness received [0-9]* on c"; then
	ok
else
	bad "expect_file received: correct '$(recv_verdict correct)', strlen_binary '$(recv_verdict strlen_binary)'"; tail -5 "$tmp/recv.log"
fi

# A spec that the reference fails is refused: exit 2, and the probe named.
mkdir -p "$tmp/bad/specs" "$tmp/bad/reference" "$tmp/bad/submissions/hello"
cp -r "$top/reference/hello" "$tmp/bad/reference/"
cp -r "$top/submissions/hello/correct" "$tmp/bad/submissions/hello/"
sed 's/"Hello world!"$/"Hello World!"/' "$top/specs/hello.yaml" >"$tmp/bad/specs/hello.yaml"
"$bin" grade --reports "$tmp/bad/reports" --submissions "$tmp/bad/submissions/hello" "$tmp/bad/specs/hello.yaml" >"$tmp/bad.log" 2>&1
rc=$?
if [ $rc -eq 2 ] && grep -q "the reference fails probe 'sends the greeting'" "$tmp/bad.log" &&
	[ ! -e "$tmp/bad/reports/hello/correct/results.json" ]; then
	ok
else
	bad "a spec the reference fails was not refused (exit $rc)"; cat "$tmp/bad.log"
fi

# The same seed replays a run: the random greetings recorded are identical.
for i in 1 2; do
	"$bin" grade --seed 4242 --only correct --reports "$tmp/seed$i" \
		--submissions "$top/submissions/hello" "$top/specs/hello.yaml" >/dev/null 2>&1
done
v1=$(grep -o '"greeting": "[^"]*"' "$tmp/seed1/hello/correct/results.json" | sort)
v2=$(grep -o '"greeting": "[^"]*"' "$tmp/seed2/hello/correct/results.json" | sort)
if [ -n "$v1" ] && [ "$v1" = "$v2" ] && grep -q '"seed": "4242"' "$tmp/seed1/hello/correct/results.json"; then
	ok
else
	bad "SEED=4242 did not replay the same random values"
fi

echo "e2e: $passed passed, $failed failed"
[ $failed -eq 0 ]
