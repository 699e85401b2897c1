#!/bin/bash
# import.sh: LMS downloads in, grades out. From the shipped hello samples it
# builds a Canvas, a Moodle and a Blackboard download (zips, named as each
# LMS names files: LATE, -N resubmissions, attempts and receipts, spaces,
# unicode and underscores in names) and a folder per student (a cloned
# repository, hand-ins as .tar.gz and as zips in zips, and one hostile
# archive: ../escape, an absolute path, a symbolic link out and a file
# through it, a hard link, 2500 files, 70 MiB of zeros). Each is imported:
# every student lands in the right folder with the right files, each
# refusal is said, nothing is written outside the target root. Then each
# is graded, and canvas.csv and moodle.csv must hold grades.csv's scores.
# Usage: harness/tests/import.sh path/to/sockgrade
# Output: one line per failed check, then "import: N passed, M failed".
set -u
bin=$(realpath "${1:?usage: import.sh SOCKGRADE}")
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sockgrade-import.XXXXXX")
trap '[ -n "${KEEP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"' EXIT
passed=0
failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
# expect TEXT COMMAND...: the command succeeds, else TEXT is a failure
expect() { local t=$1; shift; if "$@"; then ok; else bad "$t"; fi; }
spec="$top/specs/hello.yaml"
S="$top/submissions/hello"
dl="$tmp/downloads"
mkdir -p "$dl"
# where the hostile archive aims: outside every root
aim="$tmp/aim"
mkdir -p "$aim"

# ---- the downloads, as each LMS makes them --------------------------------
python3 - "$S" "$dl" "$aim" <<'PY'
import io, os, sys, tarfile, zipfile
S, dl, aim = sys.argv[1:4]
def src(sample, name):
    return open(os.path.join(S, sample, name), 'rb').read()
def z(path, entries):
    with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED) as f:
        for name, data in entries:
            f.writestr(name, data)

# Canvas: lastfirst_<userid>_<submissionid>_<file>, LATE, -N resubmissions
z(os.path.join(dl, 'canvas.zip'), [
    ('smithbob_1001_55501_hello_server.c', src('correct', 'hello_server.c')),
    ('smithbob_1001_55501_hello_client.c', src('correct', 'hello_client.c')),
    ('jonesann_LATE_1002_55502_helloserver.c', src('misnamed_files', 'helloserver.c')),
    ('jonesann_LATE_1002_55502_helloclient.c', src('misnamed_files', 'helloclient.c')),
    ('o_brien_sean_1003_55503_hello_server.c', src('wrong_greeting', 'hello_server.c')),
    ('o_brien_sean_1003_55503_hello_server-1.c', src('correct', 'hello_server.c')),
    ('o_brien_sean_1003_55503_hello_client-2.c', src('correct', 'hello_client.c')),
    ('müllerjosé_1004_55504_hello_server.c', src('does_not_build', 'hello_server.c')),
    ('müllerjosé_1004_55504_hello_client.c', src('does_not_build', 'hello_client.c')),
    ('readme.txt', b'not a hand-in\n'),
])

# Moodle: <Full Name>_<id>_assignsubmission_file_/ folders, and flat files
lab1 = io.BytesIO()
z(lab1, [('lab1/hello_server.c', src('no_close', 'hello_server.c')),
         ('lab1/hello_client.c', src('no_close', 'hello_client.c')),
         ('__MACOSX/lab1/._hello_server.c', b'\0\5\26\7')])
z(os.path.join(dl, 'moodle.zip'), [
    ('Bob Smith_2001_assignsubmission_file_/hello_server.c', src('correct', 'hello_server.c')),
    ('Bob Smith_2001_assignsubmission_file_/hello_client.c', src('correct', 'hello_client.c')),
    ('José Núñez_2002_assignsubmission_file_/lab1.zip', lab1.getvalue()),
    ('Anne_Marie O_Neil_2003_assignsubmission_file_hello_server.c', src('correct', 'hello_server.c')),
    ('Anne_Marie O_Neil_2003_assignsubmission_file_hello_client.c', src('client_single_read', 'hello_client.c')),
])

# Blackboard: <assignment>_<username>_attempt_<datetime>_<file>, a receipt per attempt
def receipt(name, user, when, files):
    t = 'Name: %s (%s)\r\nAssignment: Lab 1_hello\r\nDate Submitted: %s\r\n\r\nFiles:\r\n' % (name, user, when)
    for orig, stored in files:
        t += '\tOriginal filename: %s\r\n\tFilename: %s\r\n' % (orig, stored)
    return t.encode()
A = 'Lab 1_hello'
e = []
w1, w2 = '2024-03-01-09-00-00', '2024-03-02-10-00-00'
e.append(('%s_bsmith_attempt_%s_hello_server.c' % (A, w1), src('wrong_greeting', 'hello_server.c')))
e.append(('%s_bsmith_attempt_%s_hello_client.c' % (A, w1), src('correct', 'hello_client.c')))
e.append(('%s_bsmith_attempt_%s.txt' % (A, w1), receipt('Bob Smith', 'bsmith', w1, [])))
# the second attempt's names in the download differ from the student's: the receipt says which is which
n2s = '%s_bsmith_attempt_%s_hello_server_1.c' % (A, w2)
n2c = '%s_bsmith_attempt_%s_hello_client_1.c' % (A, w2)
e.append((n2s, src('correct', 'hello_server.c')))
e.append((n2c, src('correct', 'hello_client.c')))
e.append(('%s_bsmith_attempt_%s.txt' % (A, w2),
          receipt('Bob Smith', 'bsmith', w2, [('hello_server.c', n2s), ('hello_client.c', n2c)])))
w3 = '2024-03-01-23-59-59'
e.append(('%s_a_jones_attempt_%s_hello_server.c' % (A, w3), src('sends_buffer', 'hello_server.c')))
e.append(('%s_a_jones_attempt_%s_hello_client.c' % (A, w3), src('sends_buffer', 'hello_client.c')))
e.append(('%s_a_jones_attempt_%s.txt' % (A, w3), receipt('Ann Jones', 'a_jones', w3, [])))
z(os.path.join(dl, 'blackboard.zip'), e)

# A folder per student
F = os.path.join(dl, 'folders')
def put(rel, data):
    p = os.path.join(F, rel)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    open(p, 'wb').write(data)
put('alice/hello_server.c', src('correct', 'hello_server.c'))
put('alice/hello_client.c', src('correct', 'hello_client.c'))
for i in range(30):
    put('alice/.git/objects/%02d' % i, b'x' * 100)
tgz = io.BytesIO()
with tarfile.open(fileobj=tgz, mode='w:gz') as t:
    for name, sample in (('hello_server.c', 'correct'), ('hello_client.c', 'client_exit_status')):
        data = src(sample, name)
        ti = tarfile.TarInfo(name); ti.size = len(data); t.addfile(ti, io.BytesIO(data))
put('bob/handin.tar.gz', tgz.getvalue())
inner = io.BytesIO(); z(inner, [('notes.txt', b'nested twice\n')])
middle = io.BytesIO(); z(middle, [('inner.zip', inner.getvalue()), ('docs/readme.md', b'# bob\n')])
put('bob/extra.zip', middle.getvalue())
put('Carol Dee/hello_server.c', src('correct', 'hello_server.c'))
put('Carol Dee/hello_client.c', src('correct', 'hello_client.c'))
put('README.txt', b'the class\n')
put('dave/hello_server.c', src('correct', 'hello_server.c'))
put('dave/hello_client.c', src('correct', 'hello_client.c'))
os.symlink(aim, os.path.join(F, 'dave', 'link'))

# mallory: every trick in one archive, and a good hand-in among them
os.makedirs(os.path.join(F, 'mallory'))
h = zipfile.ZipFile(os.path.join(F, 'mallory', 'hostile.zip'), 'w')
h.writestr('hello_server.c', src('correct', 'hello_server.c'))
h.writestr('hello_client.c', src('correct', 'hello_client.c'))
h.writestr('../escape.txt', b'out\n')
h.writestr('sub/../../escape2.txt', b'out\n')
h.writestr(aim + '/abs.txt', b'out\n')
link = zipfile.ZipInfo('link'); link.external_attr = (0o120777 << 16); link.create_system = 3
h.writestr(link, aim)
h.writestr('link/pwned.txt', b'out\n')
h.close()
tl = io.BytesIO()
with tarfile.open(fileobj=tl, mode='w') as t:
    hl = tarfile.TarInfo('passwd'); hl.type = tarfile.LNKTYPE; hl.linkname = '/etc/passwd'; t.addfile(hl)
    sl = tarfile.TarInfo('up'); sl.type = tarfile.SYMTYPE; sl.linkname = '../../..'; t.addfile(sl)
    dev = tarfile.TarInfo('null'); dev.type = tarfile.CHRTYPE; dev.devmajor, dev.devminor = 1, 3; t.addfile(dev)
    ok = tarfile.TarInfo('kept.txt'); ok.size = 3; t.addfile(ok, io.BytesIO(b'ok\n'))
open(os.path.join(F, 'mallory', 'links.tar'), 'wb').write(tl.getvalue())
with zipfile.ZipFile(os.path.join(F, 'mallory', 'many.zip'), 'w', zipfile.ZIP_DEFLATED) as m:
    for i in range(2500):
        m.writestr('many/f%04d.txt' % i, b'.')
with zipfile.ZipFile(os.path.join(F, 'mallory', 'zeros.zip'), 'w', zipfile.ZIP_DEFLATED) as m:
    with m.open('zeros.bin', 'w', force_zip64=True) as out:
        block = b'\0' * (1 << 20)
        for i in range(70):
            out.write(block)
PY
expect "the downloads were made" [ -s "$dl/canvas.zip" -a -s "$dl/moodle.zip" -a -s "$dl/blackboard.zip" -a -s "$dl/folders/mallory/zeros.zip" ]

# What is on disk outside the roots, before any import: it must stay so.
# (the test's own files go to $logs)
logs="$tmp/logs"
mkdir -p "$logs"
snapshot() { (cd "$tmp" && find . -path ./root-\* -prune -o -path ./reports-\* -prune -o -path ./logs -prune -o -printf '%p %s %y\n' | LC_ALL=C sort) }
snapshot >"$logs/before"
(cd "$top" && find submissions -printf '%p %s %T@\n' | LC_ALL=C sort) >"$logs/samples-before"

# import FORMAT DOWNLOAD ROOT: runs the importer, its output in $tmp/ROOT.log, status in $rc
import() {
	local fmt=$1 from=$2 root=$3
	"$bin" import ${fmt:+--format "$fmt"} --submissions-root "$tmp/$root" "$spec" "$from" \
		>"$logs/$root.log" 2>&1
	rc=$?
}
# files ROOT STUDENT: the files of a student's folder, one line, sorted
files() { (cd "$tmp/$1/hello/$2" 2>/dev/null && find . -type f | sed 's|^\./||' | LC_ALL=C sort | tr '\n' ' ') }
has_files() { # has_files ROOT STUDENT FILE...
	local root=$1 student=$2
	shift 2
	local want got
	want=$(printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ')
	got=$(files "$root" "$student")
	[ "$got" = "$want" ] || { echo "  $root/$student: [$got], not [$want]"; return 1; }
}
# row ROOT STUDENT COLUMN: a cell of import.tsv
row() {
	awk -F'\t' -v s="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		$1 == s { print $col[c] }' "$tmp/$1/hello/import.tsv"
}
said() { grep -qF -- "$2" "$logs/$1.log" || { echo "  $1.log does not say: $2"; return 1; }; }

# ---- Canvas ------------------------------------------------------------------
import "" "$dl/canvas.zip" root-canvas
expect "canvas: import exits 0 (got $rc): $(tail -3 "$logs/root-canvas.log")" [ "$rc" = 0 ]
expect "canvas: the format is guessed" said root-canvas "a Canvas download"
expect "canvas: smithbob" has_files root-canvas smithbob_1001 hello_client.c hello_server.c
expect "canvas: jonesann, renamed" has_files root-canvas jonesann_1002 hello_client.c hello_server.c
expect "canvas: o_brien" has_files root-canvas o-brien-sean_1003 hello_client.c hello_server.c
expect "canvas: müllerjosé, folded to ASCII" has_files root-canvas mullerjose_1004 hello_client.c hello_server.c
expect "canvas: four students and the manifest, nothing else" \
	[ "$(ls -A "$tmp/root-canvas/hello" | tr '\n' ' ')" = "import.tsv jonesann_1002 mullerjose_1004 o-brien-sean_1003 smithbob_1001 " ]
expect "canvas: the latest resubmission wins (-1, the correct server)" \
	cmp -s "$tmp/root-canvas/hello/o-brien-sean_1003/hello_server.c" "$S/correct/hello_server.c"
expect "canvas: the earlier upload is listed" [ "$(row root-canvas o-brien-sean_1003 older)" = "hello_server.c" ]
expect "canvas: LATE is kept" [ "$(row root-canvas jonesann_1002 late)" = late ]
expect "canvas: not late is not late" [ -z "$(row root-canvas smithbob_1001 late)" ]
expect "canvas: ids and names kept" [ "$(row root-canvas mullerjose_1004 id)/$(row root-canvas mullerjose_1004 name)/$(row root-canvas mullerjose_1004 submission)" = "1004/müllerjosé/55504" ]
expect "canvas: the renames are in the manifest" \
	[ "$(row root-canvas jonesann_1002 renamed)" = "helloserver.c>hello_server.c;helloclient.c>hello_client.c" ]
expect "canvas: a file that is no hand-in is said" said root-canvas "'readme.txt' is not named as Canvas names files"
# again: the same folders, the same manifest
cp "$tmp/root-canvas/hello/import.tsv" "$logs/canvas-first.tsv"
import "" "$dl/canvas.zip" root-canvas
expect "canvas: a second import gives the same manifest" cmp -s "$logs/canvas-first.tsv" "$tmp/root-canvas/hello/import.tsv"
expect "canvas: and the same folders" has_files root-canvas jonesann_1002 hello_client.c hello_server.c
# a folder the importer did not make is never replaced
mkdir -p "$tmp/root-taken/hello/smithbob_1001"
echo mine >"$tmp/root-taken/hello/smithbob_1001/keep.txt"
import canvas "$dl/canvas.zip" root-taken
expect "canvas: someone's folder is kept" has_files root-taken smithbob_1001 keep.txt
expect "canvas: the student goes beside it" has_files root-taken smithbob_1001-2 hello_client.c hello_server.c

# ---- Moodle ------------------------------------------------------------------
import "" "$dl/moodle.zip" root-moodle
expect "moodle: import exits 0 (got $rc): $(tail -3 "$logs/root-moodle.log")" [ "$rc" = 0 ]
expect "moodle: the format is guessed" said root-moodle "a Moodle download"
expect "moodle: Bob Smith" has_files root-moodle bob-smith_2001 hello_client.c hello_server.c
expect "moodle: José's zip unpacked, out of its folder, no __MACOSX" \
	has_files root-moodle jose-nunez_2002 hello_client.c hello_server.c
expect "moodle: the unpacking is said" said root-moodle "unpacked 'lab1.zip'"
expect "moodle: flat files, underscores in the name" has_files root-moodle anne-marie-o-neil_2003 hello_client.c hello_server.c
expect "moodle: the full name kept" [ "$(row root-moodle anne-marie-o-neil_2003 name)" = "Anne_Marie O_Neil" ]

# ---- Blackboard --------------------------------------------------------------
import "" "$dl/blackboard.zip" root-bb
expect "blackboard: import exits 0 (got $rc): $(tail -3 "$logs/root-bb.log")" [ "$rc" = 0 ]
expect "blackboard: the format is guessed" said root-bb "a Blackboard download"
expect "blackboard: the latest attempt, under the receipt's names" has_files root-bb bsmith hello_client.c hello_server.c
expect "blackboard: the latest attempt is the one kept" \
	cmp -s "$tmp/root-bb/hello/bsmith/hello_server.c" "$S/correct/hello_server.c"
expect "blackboard: the earlier attempt listed" \
	[ "$(row root-bb bsmith older)" = "hello_server.c (attempt 2024-03-01-09-00-00);hello_client.c (attempt 2024-03-01-09-00-00)" ]
expect "blackboard: an underscore in the username" has_files root-bb a_jones hello_client.c hello_server.c
expect "blackboard: the receipt's name" [ "$(row root-bb a_jones name)/$(row root-bb bsmith submission)" = "Ann Jones/2024-03-02-10-00-00" ]

# ---- a folder per student, hostile archives among them -----------------------
import "" "$dl/folders" root-folders
expect "folders: import exits 0 (got $rc): $(tail -3 "$logs/root-folders.log")" [ "$rc" = 0 ]
expect "folders: the format is guessed" said root-folders "a folder per student, into"
expect "folders: alice, without .git" has_files root-folders alice hello_client.c hello_server.c
expect "folders: .git left out is said" said root-folders "'.git' left out"
expect "folders: bob's tar.gz and zips in zips" has_files root-folders bob hello_client.c hello_server.c notes.txt docs/readme.md
expect "folders: a name with a space is made safe" has_files root-folders carol-dee hello_client.c hello_server.c
expect "folders: and that is said" said root-folders "the folder 'Carol Dee' is imported as 'carol-dee'"
expect "folders: a file in no student's folder is said" said root-folders "'README.txt' is in no student's folder"
m="$tmp/root-folders/hello/mallory"
expect "mallory: the good files are imported" [ -f "$m/hello_server.c" -a -f "$m/hello_client.c" -a -f "$m/kept.txt" ]
# link/pwned.txt, once the link is refused, is a file in a folder of mallory's own
expect "mallory: no link made" [ -z "$(find "$m" -type l)" -a ! -L "$m/link" -a ! -e "$m/passwd" -a ! -e "$m/up" -a ! -e "$m/null" ]
expect "mallory: nothing reached the aim" [ -z "$(ls -A "$aim")" ]
expect "mallory: nothing escaped to the roots' parents" [ ! -e "$tmp/escape.txt" -a ! -e "$tmp/root-folders/escape.txt" -a ! -e "$tmp/root-folders/hello/escape.txt" -a ! -e "$tmp/root-folders/hello/escape2.txt" -a ! -e "$m/../escape.txt" ]
expect "mallory: '..' refused and said" said root-folders "refused '../escape.txt' in 'hostile.zip': a path that leads outside the submission"
expect "mallory: '..' inside a path refused" said root-folders "refused 'sub/../../escape2.txt'"
expect "mallory: the absolute path refused" said root-folders "/abs.txt' in 'hostile.zip': an absolute path"
expect "mallory: the symbolic link refused" said root-folders "refused 'link' in 'hostile.zip': a symbolic link"
expect "mallory: what went through the link stayed in the folder" [ -f "$m/link/pwned.txt" -a ! -L "$m/link" ]
expect "dave: a link in a student's folder is refused" said root-folders "refused 'link': a symbolic link"
expect "dave: and not followed" has_files root-folders dave hello_client.c hello_server.c
expect "mallory: the hard link refused" said root-folders "refused 'passwd' in 'links.tar': a hard link"
expect "mallory: the device refused" said root-folders "refused 'null' in 'links.tar': a device"
expect "mallory: past 2000 files refused, counted" said root-folders "of 'many.zip': more than 2000 files and folders"
expect "mallory: 70 MiB refused" said root-folders "refused 'zeros.bin' in 'zeros.zip': more than 64 MiB"
nm=$(find "$m" | wc -l)
expect "mallory: at most 2000 files and folders kept (got $((nm - 1)))" [ "$((nm - 1))" -le 2000 -a "$((nm - 1))" -ge 1990 ]
expect "mallory: the refusals are in the manifest" sh -c "grep -q 'a symbolic link' '$tmp/root-folders/hello/import.tsv'"

# ---- nothing outside the roots ------------------------------------------------
snapshot >"$logs/after"
expect "nothing was written outside the target roots: $(diff "$logs/before" "$logs/after" | head -5)" cmp -s "$logs/before" "$logs/after"
(cd "$top" && find submissions -printf '%p %s %T@\n' | LC_ALL=C sort) >"$logs/samples-after"
expect "the shipped samples are untouched" cmp -s "$logs/samples-before" "$logs/samples-after"
expect "no staging folder is left" [ -z "$(find "$tmp"/root-* -name .import.tmp)" ]

# ---- errors -------------------------------------------------------------------
import bogus "$dl/canvas.zip" root-err
expect "FORMAT=bogus is refused with exit 2 (got $rc)" [ "$rc" = 2 ]
echo "plain text" >"$logs/notes.txt"
import "" "$logs/notes.txt" root-err
expect "a file that is no archive is refused with exit 2 (got $rc)" [ "$rc" = 2 ]
"$bin" import --submissions-root "$tmp/root-canvas" "$spec" "$tmp/root-canvas/hello" >"$logs/self.log" 2>&1
rc=$?
expect "importing a lab into itself is refused (got $rc)" [ "$rc" = 2 ]

# ---- graded, and the gradebook files -------------------------------------------
# grade ROOT: grades ROOT/hello into reports-ROOT; status in $rc
grade() {
	CANVAS_ASSIGNMENT='Lab 1: hello (4242)' "$bin" grade --seed 7 --no-coverage --jobs 2 \
		--reports "$tmp/reports-$1" --submissions "$tmp/$1/hello" "$spec" >"$logs/grade-$1.log" 2>&1
	rc=$?
}
# same_scores ROOT FILE: the gradebook file's scores are grades.csv's, student by student
same_scores() {
	python3 - "$tmp/$1/hello/import.tsv" "$tmp/reports-$1/hello/grades.csv" "$tmp/reports-$1/hello/$2" <<'PY'
import csv, sys
manifest, grades, book = sys.argv[1:4]
rows = list(csv.DictReader(open(manifest, newline=''), delimiter='\t', quoting=csv.QUOTE_NONE))
score = {r['student']: r['score'] for r in csv.DictReader(open(grades, newline=''))}
lines = list(csv.DictReader(open(book, newline='', encoding='utf-8')))
canvas = 'ID' in lines[0]
bad = 0
want = [r for r in rows if r['lms'] == ('canvas' if canvas else 'moodle')]
if len(lines) != len(want):
    print('  %s: %d lines, %d students' % (book, len(lines), len(want))); bad += 1
for r in want:
    key = r['id'] if canvas else 'Participant ' + r['id']
    got = [l for l in lines if l['ID' if canvas else 'Identifier'] == key]
    if len(got) != 1:
        print('  %s: %d lines for %s' % (book, len(got), key)); bad += 1; continue
    l = got[0]
    s = l['Lab 1: hello (4242)'] if canvas else l['Grade']
    if s != score.get(r['student']) or s == '':
        print('  %s: %s has %r, grades.csv %r' % (book, key, s, score.get(r['student']))); bad += 1
    if not canvas and not l['Feedback comments'].startswith('sockgrade: '):
        print('  %s: %s: feedback %r' % (book, key, l['Feedback comments'])); bad += 1
sys.exit(1 if bad else 0)
PY
}
grade root-canvas
expect "canvas: graded, exit 0 (got $rc): $(tail -3 "$logs/grade-root-canvas.log")" [ "$rc" = 0 ]
expect "canvas: the manifest is no student" [ ! -e "$tmp/reports-root-canvas/hello/import.tsv" ]
expect "canvas: canvas.csv beside grades.csv" [ -s "$tmp/reports-root-canvas/hello/canvas.csv" -a ! -e "$tmp/reports-root-canvas/hello/moodle.csv" ]
expect "canvas: its header" [ "$(head -1 "$tmp/reports-root-canvas/hello/canvas.csv" | tr -d '\r')" = "Student,ID,SIS User ID,SIS Login ID,Section,Lab 1: hello (4242)" ]
expect "canvas: canvas.csv's scores are grades.csv's" same_scores root-canvas canvas.csv
r="$tmp/reports-root-canvas/hello"
# the lab's points as the grader counts them, not written in the test
max=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["extra_data"]["max_score"])' \
	"$r/jonesann_1002/results.json")
expect "canvas: the renamed files built and passed" grep -q "^jonesann_1002,$max,$max" "$r/grades.csv"
expect "canvas: the latest resubmission was graded" grep -q "^o-brien-sean_1003,$max,$max" "$r/grades.csv"
expect "canvas: results.json says what was renamed" \
	python3 -c "import json,sys; i=json.load(open('$r/jonesann_1002/results.json'))['extra_data']['import']; sys.exit(not (i['late'] and i['lms']=='canvas' and i['renamed'][0]=={'from':'helloserver.c','to':'hello_server.c'}))"
expect "canvas: the student's page shows the rename" sh -c "grep -q 'Renamed by the importer' '$r/jonesann_1002/student.html' && grep -q '<code>helloserver.c</code> → <code>hello_server.c</code>' '$r/jonesann_1002/student.html'"
expect "canvas: and the late mark" grep -q 'Marked late by Canvas' "$r/jonesann_1002/student.html"
expect "canvas: and the upload not graded" grep -q 'Handed in but not graded' "$r/o-brien-sean_1003/student.html"
expect "canvas: the results files are Gradescope's format" sh -c "python3 '$top/harness/tests/validate_results.py' '$r' >/dev/null"
expect "canvas: a page without an import says nothing of one" [ -z "$(grep -l 'id="handin"' "$r/.reference/index.html" 2>/dev/null)" ]

# the manifest's line is part of what a result was graded from
grade root-canvas
expect "canvas: a second run reuses the results" grep -q "smithbob_1001 .*unchanged since the last run" "$logs/grade-root-canvas.log"
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "smithbob_1001" { $6 = "late" } { print }' \
	"$tmp/root-canvas/hello/import.tsv" >"$logs/late.tsv" && cp "$logs/late.tsv" "$tmp/root-canvas/hello/import.tsv"
grade root-canvas
expect "canvas: a changed manifest line regrades that student only" sh -c \
	"! grep -q 'smithbob_1001 .*unchanged' '$logs/grade-root-canvas.log' && grep -q 'jonesann_1002 .*unchanged' '$logs/grade-root-canvas.log'"
expect "canvas: and its page says late" grep -q 'Marked late by Canvas' "$r/smithbob_1001/student.html"

grade root-moodle
expect "moodle: graded, exit 0 (got $rc): $(tail -3 "$logs/grade-root-moodle.log")" [ "$rc" = 0 ]
expect "moodle: moodle.csv beside grades.csv" [ -s "$tmp/reports-root-moodle/hello/moodle.csv" -a ! -e "$tmp/reports-root-moodle/hello/canvas.csv" ]
expect "moodle: its header" [ "$(head -1 "$tmp/reports-root-moodle/hello/moodle.csv" | tr -d '\r')" = "Identifier,Full name,Grade,Maximum grade,Last modified (grade),Feedback comments" ]
expect "moodle: moodle.csv's grades are grades.csv's" same_scores root-moodle moodle.csv
expect "moodle: a failed visible probe is named in the feedback" \
	grep -q 'Participant 2002,.*failed: closes the connection after the greeting' "$tmp/reports-root-moodle/hello/moodle.csv"

grade root-folders
expect "folders: graded, exit 0 (got $rc): $(tail -3 "$logs/grade-root-folders.log")" [ "$rc" = 0 ]
expect "folders: mallory's hand-in is within the grader's limits, and passes" grep -q "^mallory,$max,$max" "$tmp/reports-root-folders/hello/grades.csv"
expect "folders: no gradebook file for a folder import" [ ! -e "$tmp/reports-root-folders/hello/canvas.csv" -a ! -e "$tmp/reports-root-folders/hello/moodle.csv" ]
expect "folders: mallory's page lists the refusals" grep -q "a symbolic link" "$tmp/reports-root-folders/hello/mallory/student.html"

CANVAS_ASSIGNMENT='Lab 1' "$bin" grade --no-coverage --reports "$tmp/reports-x" --submissions "$tmp/root-canvas/hello" "$spec" >"$logs/x.log" 2>&1
rc=$?
expect "CANVAS_ASSIGNMENT without an id is refused before grading (got $rc)" [ "$rc" = 2 -a ! -e "$tmp/reports-x/hello" ]

echo "import: $passed passed, $failed failed"
[ "$failed" = 0 ]
