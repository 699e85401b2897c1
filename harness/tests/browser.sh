#!/bin/sh
# browser.sh: the report pages in a real browser (Debian's chromium, headless).
#
# Pages: the class page of every lab, the reports index, and the instructor
# and student pages of the markup sample (SAMPLE, default hello/markup_student,
# whose greeting, stderr and compiler output hold <script> and <img onerror>
# canaries that set document.title to PWNED). Given SOCKGRADE, it also grades
# that sample again under the folder name "'><b>x, in a temporary folder, and
# checks those pages too. For each page, one chromium run:
#   screenshot  REPORTS_DIR/screenshots/<name>.png, 1280x1800
#   console     not one console message (the pages print none, so any is a
#               script error or a canary that ran)
#   canary      the DOM after load: title not PWNED, no <img>, no on*
#               attribute, no <script> but the sorter of class and index
#               pages; and on the sample's pages the canaries shown as text
# Then, without a browser:
#   links       every relative href of every page under REPORTS_DIR points
#               to a file that exists, and every #fragment to an id
#   files       the sample's results.json, its lab's grades.csv and
#               junit.xml parse (json, csv, xml.etree)
# A control page whose script does run must trip the console and canary
# checks, so that a chromium that stops logging cannot pass silently.
#
# Usage: browser.sh REPORTS_DIR [SOCKGRADE]
# Exit: 0 all passed, 1 a check failed, 2 could not run (no chromium, usage).
set -u
reports=${1:?usage: browser.sh REPORTS_DIR [SOCKGRADE]}
sockgrade=${2:-}
sample=${SAMPLE:-hello/markup_student}
top=$(cd "$(dirname "$0")/../.." && pwd)
chromium=/usr/bin/chromium
start=$(date +%s)

if [ ! -d "$reports" ]; then
	echo "browser: '$reports': no such folder"
	exit 2
fi
reports=$(cd "$reports" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-browser.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' HUP INT PIPE TERM

if [ ! -x "$chromium" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "browser: needs Debian's package 'chromium' ($chromium); install it as root: apt-get install chromium"
		exit 2
	fi
	echo "browser: installing Debian's package 'chromium'"
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get install -y -qq chromium || { apt-get update -qq && apt-get install -y -qq chromium; }; } \
		>"$tmp/apt.log" 2>&1; then
		echo "browser: cannot install the package 'chromium':"
		tail -n 5 "$tmp/apt.log"
		exit 2
	fi
	if [ ! -x "$chromium" ]; then
		echo "browser: the package 'chromium' is installed but $chromium is not there"
		exit 2
	fi
fi

passed=0
failed=0
# Counts the "ok:" and "FAIL:" lines of a checker's output, and prints them.
tally() {
	while IFS= read -r line; do
		case $line in
		ok:*) passed=$((passed + 1)) ;;
		FAIL:*) failed=$((failed + 1)) ;;
		esac
		printf '%s\n' "$line"
	done <"$1"
}
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }

# The checker of one page's DOM, console log and screenshot.
cat >"$tmp/page.py" <<'PY'
import re, struct, sys
from html.parser import HTMLParser

name, kind, dom_path, log_path, png_path, rc = sys.argv[1:7]
want_text = sys.argv[7:]
SORTER = "document.querySelectorAll('table.sortable')"

class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.title, self.in_title, self.in_script = "", False, False
        self.scripts, self.imgs, self.handlers, self.text = [], 0, [], []
    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self.in_title = True
        if tag == "script":
            self.in_script = True
            self.scripts.append("")
        if tag in ("img", "iframe", "object", "embed"):
            self.imgs += 1
        for k, v in attrs:
            if k.startswith("on") or (v or "").strip().lower().startswith("javascript:"):
                self.handlers.append("<%s %s>" % (tag, k))
    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if tag == "script":
            self.in_script = False
    def handle_data(self, data):
        if self.in_title:
            self.title += data
        if self.in_script:
            self.scripts[-1] += data
        else:
            self.text.append(data)

def line(good, what):
    print(("ok: " if good else "FAIL: ") + name + ": " + what)

if rc != "0":
    line(False, "chromium exited with status %s%s" % (rc, " (timed out)" if rc == "124" else ""))
    sys.exit()

try:
    with open(png_path, "rb") as f:
        head = f.read(24)
    w, h = struct.unpack(">II", head[16:24])
    line(head[:8] == b"\x89PNG\r\n\x1a\n" and (w, h) == (1280, 1800),
         "screenshot %s (%dx%d)" % (png_path.rsplit("/", 1)[-1], w, h))
except (OSError, struct.error):
    line(False, "no screenshot")

with open(log_path, errors="replace") as f:
    console = [l.split("] ", 1)[-1].strip() for l in f if re.search(r":CONSOLE(:|\()", l)]
line(not console, "console: %d message%s%s" % (len(console), "" if len(console) == 1 else "s",
                                                ": " + " | ".join(console[:3]) if console else ""))

d = Dom()
with open(dom_path, errors="replace") as f:
    d.feed(f.read())
problems = []
if "PWNED" in d.title:
    problems.append("canary: title is %r" % d.title)
allowed = 1 if kind == "sorted" else 0
foreign = [s for s in d.scripts if SORTER not in s] if allowed else d.scripts
if len(d.scripts) > allowed or foreign:
    problems.append("%d <script> element%s" % (len(d.scripts), "" if len(d.scripts) == 1 else "s"))
if d.imgs:
    problems.append("%d <img>/<iframe>/<object>/<embed>" % d.imgs)
if d.handlers:
    problems.append("event handlers: " + ", ".join(d.handlers[:3]))
text = "".join(d.text)
missing = [t for t in want_text if t not in text]
if missing:
    problems.append("not shown as text: " + " | ".join(missing))
if not d.title:
    problems.append("no title (empty DOM?)")
what = "canary: title intact, %s" % ("the sorter script only" if d.scripts else "no script")
if want_text:
    what += ", %d canar%s shown as text" % (len(want_text), "y" if len(want_text) == 1 else "ies")
line(not problems, what if not problems else "; ".join(problems))
PY

# One chromium run: screenshot into DIR, DOM and console of the page; then
# the checks, into $tmp/<name>.out. kind is "sorted" (may hold the sorter
# script) or "plain" (no script at all); each text must show on the page.
browse() { # dir name kind page [text]...
	dir=$1 name=$2 kind=$3 page=$4
	shift 4
	if [ ! -f "$page" ]; then
		echo "FAIL: $name: no page $page" >"$tmp/$name.out"
		return
	fi
	url=$(python3 -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).resolve().as_uri())' "$page")
	profile=$(mktemp -d "$tmp/profile.XXXXXX")
	timeout -k 5 60 "$chromium" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$profile" --enable-logging=stderr --v=0 \
		--screenshot="$dir/$name.png" --window-size=1280,1800 --dump-dom "$url" \
		>"$tmp/$name.dom" 2>"$tmp/$name.log"
	rc=$?
	rm -rf "$profile"
	python3 "$tmp/page.py" "$name" "$kind" "$tmp/$name.dom" "$tmp/$name.log" "$dir/$name.png" \
		"$rc" "$@" >"$tmp/$name.out" 2>&1
}
visit() { # name kind page [text]...
	browse "$shots" "$@"
	tally "$tmp/$1.out"
}

shots=$reports/screenshots
mkdir -p "$shots"
lab=${sample%%/*}
student=${sample#*/}
# the sample's canaries, as its pages must show them: as text
greeting="<script>document.title='PWNED'</script>"
stderr_img="</script><img src=x onerror=\"document.title='PWNED'\">\"quotes\""
warning="#warning \"</script><script>document.title='PWNED'</script>\""

# The control: a page whose script runs must fail console and canary.
cat >"$tmp/control.html" <<'EOF'
<!DOCTYPE html><html><head><title>control</title></head><body><p>control</p>
<script>console.error('sockgrade control'); document.title = 'PWNED';</script>
<img src=x onerror="document.title='PWNED'"></body></html>
EOF
browse "$tmp" control plain "$tmp/control.html"
if grep -q '^FAIL: control: console: 1 message: "sockgrade control"' "$tmp/control.out" &&
	grep -q "^FAIL: control: canary: title is 'PWNED'; 1 <script> element; 1 <img>" "$tmp/control.out"; then
	ok "control: a page whose script runs is caught (console message, title, <script>, <img>)"
else
	bad "control: a page whose script runs was not caught, so the checks below are blind:"
	sed 's/^/    /' "$tmp/control.out"
fi

visit index sorted "$reports/index.html"
for d in "$reports"/*/; do
	l=$(basename "$d")
	case $l in screenshots|selfcheck|coverage|kits) continue ;; esac
	[ -f "$d/index.html" ] || continue
	visit "$l-class" sorted "$d/index.html"
done
if [ -d "$reports/$sample" ]; then
	visit "$lab-$student-instructor" plain "$reports/$sample/index.html" "$greeting" "$stderr_img" "$warning"
	visit "$lab-$student-student" plain "$reports/$sample/student.html" "$greeting" "$stderr_img" "$warning"
else
	bad "no pages for the markup sample '$sample' in $reports"
fi

# A folder name full of markup and quotes, graded at test time.
nasty="\"'><b>x"
if [ -n "$sockgrade" ]; then
	mkdir -p "$tmp/subs/$nasty"
	cp -r "$top/submissions/$sample/." "$tmp/subs/$nasty/"
	if "$sockgrade" grade --reports "$tmp/nasty" --submissions "$tmp/subs" "$top/specs/$lab.yaml" \
		>"$tmp/nasty.log" 2>&1; then
		visit "$lab-markup-name-class" sorted "$tmp/nasty/$lab/index.html" "$nasty"
		visit "$lab-markup-name-instructor" plain "$tmp/nasty/$lab/$nasty/index.html" "$nasty" \
			"$greeting" "$stderr_img" "$warning"
		visit "$lab-markup-name-student" plain "$tmp/nasty/$lab/$nasty/student.html" "$nasty"
	else
		bad "grading the sample as '$nasty' failed:"
		sed 's/^/    /' "$tmp/nasty.log"
	fi
else
	echo "note: no SOCKGRADE given, so the folder name $nasty is not tried"
fi

# Links of every page, and the files others parse; no browser needed.
python3 - "$reports" ${sockgrade:+"$tmp/nasty"} >"$tmp/links.out" 2>&1 <<'PY'
import os, sys
from html.parser import HTMLParser
from urllib.parse import unquote, urlsplit

class Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs, self.ids = [], set()
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("href", "src") and v is not None:
                self.hrefs.append(v)
            if k == "id" and v:
                self.ids.add(v)

pages, links, broken = 0, 0, []
for root in sys.argv[1:]:
    for d, dirs, files in os.walk(root):
        dirs[:] = sorted(x for x in dirs if not (d == root and x in ("coverage", "screenshots")))
        for f in sorted(files):
            if not f.endswith(".html"):
                continue
            path = os.path.join(d, f)
            p = Links()
            with open(path, encoding="utf-8", errors="replace") as fh:
                p.feed(fh.read())
            pages += 1
            for h in p.hrefs:
                u = urlsplit(h)
                if u.scheme or u.netloc:
                    continue        # not a file of the reports
                links += 1
                if not u.path:
                    if u.fragment and unquote(u.fragment) not in p.ids:
                        broken.append("%s: '#%s' names no element" % (os.path.relpath(path, root), u.fragment))
                    continue
                target = os.path.normpath(os.path.join(d, unquote(u.path)))
                if not os.path.exists(target):
                    broken.append("%s: '%s' points to nothing" % (os.path.relpath(path, root), h))
for b in broken[:20]:
    print("FAIL: links: " + b)
if len(broken) > 20:
    print("FAIL: links: and %d more broken links" % (len(broken) - 20))
if not broken:
    print("ok: links: %d relative links in %d pages all point to something" % (links, pages))
PY
tally "$tmp/links.out"

python3 - "$reports" "$sample" >"$tmp/files.out" 2>&1 <<'PY'
import csv, json, os, sys
import xml.etree.ElementTree as ET

reports, sample = sys.argv[1:3]
lab, student = sample.split("/", 1)
def check(what, fn):
    try:
        print("ok: files: " + what + ": " + fn())
    except Exception as e:
        print("FAIL: files: %s: %s" % (what, e))

def results():
    d = json.load(open(os.path.join(reports, sample, "results.json"), encoding="utf-8"))
    return "%d probes" % len(d["extra_data"]["probes"])

def grades():
    rows = list(csv.reader(open(os.path.join(reports, lab, "grades.csv"), newline="", encoding="utf-8")))
    widths = {len(r) for r in rows}
    if len(widths) != 1:
        raise ValueError("rows of %s fields" % sorted(widths))
    mine = [r for r in rows if r[0] == student]
    if len(mine) != 1:
        raise ValueError("%d rows for %s" % (len(mine), student))
    return "%d rows of %d fields, one for %s" % (len(rows), widths.pop(), student)

def junit():
    root = ET.parse(os.path.join(reports, lab, "junit.xml")).getroot()
    suites = [s for s in root.iter("testsuite") if s.get("name") == student]
    if len(suites) != 1:
        raise ValueError("%d testsuites named %s" % (len(suites), student))
    cases = suites[0].findall("testcase")
    if any(not c.get("name") for c in root.iter("testcase")):
        raise ValueError("a testcase without a name")
    failures = [c.get("name") for c in cases if c.find("failure") is not None]
    return "%d testcases for %s, failed: %s" % (len(cases), student, ", ".join(failures) or "none")

check(sample + "/results.json", results)
check(lab + "/grades.csv", grades)
check(lab + "/junit.xml", junit)
PY
tally "$tmp/files.out"

echo "browser: $passed passed, $failed failed ($(($(date +%s) - start)) s)"
[ "$failed" -eq 0 ]
