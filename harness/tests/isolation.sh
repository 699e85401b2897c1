#!/bin/bash
# shellcheck disable=SC2154 # the B_* time bounds are set by printf -v in bounds()
# isolation.sh: untrusted code stays in its box (SANDBOX=root).
#
# Grades the hostile hello-lab submissions of harness/tests/hostile/hello/
# (one attack each; see the comment atop each), each beside a copy of
# submissions/hello/correct, in ONE run with --jobs 2, and checks:
#   (a) time: the run's wall time and each submission's grading time
#       (results.json execution_time, less build_wait_ms, its time queued for
#       a build slot) stay under bounds derived from the spec's limits
#       (printed at the start);
#   (b) no process of a box is left: the grader runs under a child subreaper
#       of ours, so every orphan of its tree comes back to us; that tree must
#       be empty once the grader exits, and no process may have a box uid the
#       run used (a uid >= 61000 that is no account of the host) or a path
#       below the run's work folder in its cwd, exe or command line;
#   (c) nothing outside the scratch copies changed: the graded layout's
#       reference/, specs/, harness/ and other labs' reports (hashed), the
#       root-owned 0644 /tmp/sockgrade-canary, and no file of a box uid or
#       spy marker in /tmp, /var/tmp, /dev/shm or the live repository;
#   (d) every correct copy still has full marks;
#   (e) per attack: TO, ML, the pids/fd/file-size caps, a file system of the
#       box's own, bounded output, the spy finds and reads nothing and is
#       unprivileged, no connection to a host service, symlinks not followed,
#       a hostile Makefile contained, no kernel key of the grader's (planted in
#       the session keyring the grader runs in) or of another box readable and
#       none added, no user namespace (or other) of the box's own, no page
#       (genhtml's coverage pages included) showing a student's file name raw,
#       a build that grows without end stopped by the build's memory limit, the
#       box's folder shown at no host path (cwd, mountinfo, the build's paths),
#       no coverage source read and no file written through a link the build left.
# Then the meta-test: SOCKGRADE_TEST_WEAKEN=<part> leaves one part of the box
# out, and the check that relies on it must now FAIL (which counts as a pass).
# Last, a grader killed with SIGKILL mid-run must leave no student process.
#
# Usage: harness/tests/isolation.sh [path/to/sockgrade]   (as root; ~2.5 min)
#   PARTS="main meta killed" (default: all three) runs only some parts;
#   KEEP=1 keeps the temporary folder (logs: <tmp>/out/<run>.json.log).
# Output: one line per check ("ok" or "FAIL"; "info" lines are not checks),
# then exactly one line "isolation: N passed, M failed"; exit 1 if M > 0.
# Needs bash, coreutils and python3 only.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
given=$(realpath "${1:-$top/build/sockgrade}")
hostile="$top/harness/tests/hostile/hello"
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
expect() { if [ "$1" = 1 ]; then ok "$2"; else bad "$3"; fi; } # expect 1|0 OK-TEXT FAIL-TEXT
finished=0
finish() {
	finished=1
	echo "isolation: $passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit
}

if [ "$(id -u)" != 0 ]; then
	bad "isolation.sh must run as root (SANDBOX=root needs it; CI runs as root)"
	finish
fi
if [ ! -x "$given" ]; then
	bad "no grader at $given (run make first)"
	finish
fi
# one instance at a time: the canary and the box uids are machine-wide
exec 9>/tmp/sockgrade-isolation.lock
# (the lock belongs to the open file, which this shell keeps: python3 only takes it)
python3 -c 'import fcntl; fcntl.flock(9, fcntl.LOCK_EX | fcntl.LOCK_NB)' 2>/dev/null || {
	echo "waiting for another isolation.sh to finish"
	python3 -c 'import fcntl; fcntl.flock(9, fcntl.LOCK_EX)'
}

T=$(mktemp -d /tmp/sockgrade-iso.XXXXXX)
chmod 755 "$T"                  # world-readable like a course repository: the box must hide it
bin="$T/sockgrade"              # a copy: others may rebuild build/sockgrade while we run
cp "$given" "$bin"
canary=/tmp/sockgrade-canary
listener=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
	if [ "$finished" = 0 ]; then
		echo "FAIL isolation.sh stopped early (see above)"
		echo "isolation: $passed passed, $((failed + 1)) failed"
	fi
	[ -n "$listener" ] && kill "$listener" 2>/dev/null
	rm -f "$canary"
	if [ -n "${KEEP:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT

# ---- the helper: subreaper runner, state snapshots, claims on results.json ----
cat >"$T/iso.py" <<'PY'
import ctypes, hashlib, json, os, re, signal, socket, stat, sys, time

signal.signal(signal.SIGPIPE, signal.SIG_DFL)   # a reader may take only the lines it needs
T = os.environ["ISO_T"]
ACCOUNTS = {int(l.split(":")[2]) for l in open("/etc/passwd") if l.count(":") >= 3}

def box_uid(uid):
    """A box's user id: not root, not any account of the host (61000+ or a pool far above)."""
    return uid != 0 and uid not in ACCOUNTS and uid >= 61000

def procs():
    """pid -> (ppid, state, comm, uid) of every process."""
    out = {}
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            s = open(f"/proc/{e}/stat").read()
            st = open(f"/proc/{e}/status").read()
            uid = int(st[st.index("\nUid:") + 5:].split()[0])      # real uid
        except (OSError, ValueError):
            continue
        comm = s[s.index("(") + 1:s.rindex(")")]
        f = s[s.rindex(")") + 2:].split()
        out[int(e)] = (int(f[1]), f[0], comm, uid)
    return out

def cmdline(pid):
    try:
        return open(f"/proc/{pid}/cmdline", "rb").read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""

def link(pid, what):
    try:
        return os.readlink(f"/proc/{pid}/{what}")
    except OSError:
        return ""

def descendants(root):
    ps = procs()
    kids = {}
    for pid, (ppid, st, comm, uid) in ps.items():
        kids.setdefault(ppid, []).append(pid)
    out, todo = [], list(kids.get(root, []))
    while todo:
        p = todo.pop()
        if ps[p][1] != "Z":
            out.append((p,) + ps[p])
        todo += kids.get(p, [])
    return out

def box_procs_of_test():
    """Processes that belong to this test's grading: a box uid, or a path
    below its work folder (scratch copies), or the grader's binary."""
    out = []
    mine = {os.getpid(), os.getppid()}
    for pid, (ppid, st, comm, uid) in procs().items():
        if st == "Z" or pid in mine:
            continue
        exe, where = link(pid, "exe"), " ".join([cmdline(pid), link(pid, "cwd")])
        if (T + "/tmp/") in where + exe or exe == os.path.join(T, "sockgrade") or \
                (box_uid(uid) and uid in RUN_UIDS and started(pid) <= RUN_END[0]):
            out.append({"pid": pid, "uid": uid, "comm": comm, "where": (exe + " " + where)[:200]})
    return out

RUN_UIDS = set()          # box uids seen in the run's tree
RUN_END = [float("inf")]  # when the grader ended, in seconds since boot

def started(pid):
    try:
        s = open(f"/proc/{pid}/stat").read()
        return int(s[s.rindex(")") + 2:].split()[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        return 0.0

def uptime():
    return float(open("/proc/uptime").read().split()[0])

def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return

def kill_leftovers(pids):
    """SIGKILL by pid; a box uid's pid-hopping process by kill(-1) as that uid."""
    for _ in range(40):
        ps = procs()
        uids = {ps[p][3] for p in pids if p in ps}
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        for u in {u for u in uids if box_uid(u)}:
            if os.fork() == 0:
                os.setresuid(u, u, u)
                for _ in range(50):
                    try:
                        os.kill(-1, signal.SIGKILL)
                    except OSError:
                        pass
                os._exit(0)
            os.wait()
        reap()
        pids = [d[0] for d in descendants(os.getpid())] + [b["pid"] for b in box_procs_of_test()]
        if not pids:
            return
        time.sleep(0.05)

# add_key and keyctl by architecture (x86_64, aarch64)
KEY_SYSCALLS = {"x86_64": (248, 250), "aarch64": (217, 219)}

def plant_key(libc):
    """The grader runs in a session keyring of ours (as under su - or a systemd
    service) that holds a secret: the keyring attack must not find it."""
    add_key, keyctl = KEY_SYSCALLS[os.uname().machine]
    if libc.syscall(keyctl, 1, b"sockgrade-iso-session") < 0:        # KEYCTL_JOIN_SESSION_KEYRING
        sys.exit("isolation: cannot join a session keyring: %s" % os.strerror(ctypes.get_errno()))
    v = b"the grader's secret"
    if libc.syscall(add_key, b"user", b"sockgrade-grader-secret", v, len(v), ctypes.c_long(-3)) < 0:
        sys.exit("isolation: cannot add a key: %s" % os.strerror(ctypes.get_errno()))

def cmd_run(args):
    """run OUT [--kill-after S] -- CMD...: runs CMD as our child, we being a
    child subreaper, and reports its time and what it left behind."""
    out = args[0]
    kill_after = None
    i = 1
    if args[i] == "--kill-after":
        kill_after = float(args[i + 1])
        i += 2
    cmd = args[i + 1:]
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(36, 1, 0, 0, 0)                      # PR_SET_CHILD_SUBREAPER
    plant_key(libc)
    log = open(out + ".log", "w")
    t0 = time.monotonic()
    top = os.fork()
    if top == 0:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        os.execv(cmd[0], cmd)
    workers, killed_at, status = set(), None, None
    while status is None:
        for d in descendants(os.getpid()):
            if d[1] == top:
                workers.add(d[0])
            if box_uid(d[4]):
                RUN_UIDS.add(d[4])
        if kill_after is not None and killed_at is None and os.path.exists(os.environ["ISO_REFDONE"]):
            box = [d for d in descendants(os.getpid()) if box_uid(d[4]) and d[3] in ("hello_server", "sg-daemon")]
            if box:
                time.sleep(kill_after)
                os.kill(top, signal.SIGKILL)
                killed_at = time.monotonic()
        pid, st = os.waitpid(top, os.WNOHANG)
        if pid == top:
            status = st
        else:
            time.sleep(0.05)
    ended = time.monotonic()
    RUN_END[0] = uptime() + 0.05
    left = []
    while time.monotonic() < (killed_at or ended) + 2.0:
        reap()
        left = [{"pid": d[0], "uid": d[4], "comm": d[3], "cmd": cmdline(d[0])[:150]}
                for d in descendants(os.getpid())]
        if not left:
            break
        time.sleep(0.05)
    left_uid = box_procs_of_test()
    checked = time.monotonic() - (killed_at or ended)
    kill_leftovers([l["pid"] for l in left] + [b["pid"] for b in left_uid])
    res = {"elapsed": ended - t0, "exit": os.waitstatus_to_exitcode(status),
           "leftovers": left, "leftovers_uid": left_uid, "checked_after": checked,
           "workers": sorted(workers), "uids": sorted(RUN_UIDS),
           "killed_after": None if killed_at is None else killed_at - t0}
    json.dump(res, open(out, "w"))

def tree_hash(root, skip=()):
    h = {}
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if os.path.join(d, x) not in skip]
        for f in files + dirs:
            p = os.path.join(d, f)
            st = os.lstat(p)
            digest = ""
            if stat.S_ISREG(st.st_mode):
                digest = hashlib.sha256(open(p, "rb").read()).hexdigest()
            h[os.path.relpath(p, T)] = [st.st_mode, st.st_uid, st.st_size, digest]
    return h

def suspicious(root, depth):
    """Entries owned by a box uid or named like the spy's markers."""
    out = []
    for d, dirs, files in os.walk(root):
        if d.count("/") - root.count("/") >= depth:
            dirs[:] = []
        dirs[:] = [x for x in dirs if x != ".git"]
        for f in files + dirs:
            p = os.path.join(d, f)
            try:
                st = os.lstat(p)
            except OSError:
                continue
            if box_uid(st.st_uid) or f.startswith("spy-was-here"):
                out.append(p)
    return out

def cmd_state(args):
    out, repo = args
    s = {"planted": {}, "canary": None, "host": [], "repo": []}
    for sub in ("reference", "specs", "harness", "reports/echo", "reports/uecho"):
        s["planted"].update(tree_hash(os.path.join(T, "repo", sub)))
    for p in suspicious(os.path.join(T, "repo"), 20):       # e.g. a marker at reports/spy-was-here
        s["planted"][os.path.relpath(p, T)] = ["box-owned or spy file"]
    c = "/tmp/sockgrade-canary"
    try:
        st = os.lstat(c)
        s["canary"] = [st.st_mode, st.st_uid, st.st_gid, st.st_size, st.st_mtime_ns,
                       hashlib.sha256(open(c, "rb").read()).hexdigest()]
    except OSError:
        pass
    for d in ("/tmp", "/var/tmp", "/dev/shm"):
        s["host"] += [p for p in suspicious(d, 1) if not re.match(r"/tmp/sockgrade\.\w+/\d+$", p)]
    s["repo"] = suspicious(repo, 20)
    json.dump(s, open(out, "w"))

def cmd_diff(args):
    a, b = (json.load(open(x)) for x in args)
    pa, pb = a["planted"], b["planted"]
    changed = sorted(k for k in set(pa) | set(pb) if pa.get(k) != pb.get(k))
    print(("1 unchanged (%d entries)" % len(pa)) if not changed else "0 changed: " + ", ".join(changed[:8]))
    print("1 unchanged (root, 0644)" if a["canary"] and a["canary"] == b["canary"]
          else "0 changed: %s -> %s" % (a["canary"], b["canary"]))
    new = sorted(set(b["host"]) - set(a["host"]))
    print("1 none" if not new else "0 " + ", ".join(new[:8]))
    new = sorted(set(b["repo"]) - set(a["repo"]))
    print("1 none" if not new else "0 " + ", ".join(new[:8]))

# ---- claims on results.json: print "1 detail" when the claim holds, else "0 detail" ----

def load(labdir, name):
    try:
        return json.load(open(os.path.join(labdir, name, "results.json")))
    except (OSError, ValueError):
        return None

def procs_of(r, program="hello_server"):
    return [p for pr in r["extra_data"]["probes"] for p in pr["processes"] if p["program"] == program]

def unesc(s):
    return s.replace("\\n", "\n")

def lines_of(r, prefix, program="hello_server"):
    return [l for p in procs_of(r, program) for l in unesc(p["stderr"]).split("\n") if l.startswith(prefix)]

def claim(kind, labdir, name, *extra):
    r = load(labdir, name)
    if r is None:
        return 0, "no results.json"
    x = r["extra_data"]
    if x.get("harness_error"):
        return 0, "harness error: " + x["harness_error"]
    verdicts = [p["verdict"] for p in procs_of(r)]
    if kind == "graded":
        return 1, "graded, %g/%g, sandbox %s" % (r["score"], x["max_score"], x["sandbox"])
    if kind == "full_marks":
        return int(r["score"] == x["max_score"]), "%g/%g" % (r["score"], x["max_score"])
    if kind == "time":
        # its own time: what it spent queued for a build slot (behind other submissions' builds,
        # a hostile one may hold a slot up to build_within) is the run's time, bounded by the run
        bound, wait = float(extra[0]), x["build_wait_ms"] / 1000
        own = r["execution_time"] - wait
        return int(own <= bound), "graded in %.1f s, %.1f s of it queued for a build slot (bound %.1f s on the rest)" % (
            r["execution_time"], wait, bound)
    if kind == "build_memory":
        progs = (x.get("build") or {}).get("programs") or []
        why = [p.get("why") or "" for p in progs if p["name"] == "hello_server"]
        ok = bool(why) and "stopped by the memory limit" in why[0]
        return int(ok), "hello_server's build: %s" % (why[0] if why else "no build record")
    if kind == "page_names":
        # no page (genhtml's or ours) shows the student's folder name raw
        raw = b'q" autofocus'
        d = os.path.join(labdir, name)
        pages = [os.path.join(r_, f) for r_, _, fs in os.walk(d) for f in fs if f.endswith(".html")]
        cov = [p for p in pages if "/coverage/" in p]
        if not cov:
            return 0, "no coverage pages (%s)" % ((r["extra_data"].get("coverage") or {}).get("why"))
        bad_pages = [os.path.relpath(p, d) for p in pages if raw in open(p, "rb").read()]
        return int(not bad_pages), ("%d pages (%d of coverage): the name is escaped in each" % (len(pages), len(cov))
                                    if not bad_pages else "raw name in " + ", ".join(bad_pages[:5]))
    if kind == "keyring":
        done = lines_of(r, "keyring: done:")
        if not done:
            return 0, "the keyring attack never finished"
        leaks = [l for l in lines_of(r, "LEAK ") + lines_of(r, "ADDED ")]
        ok = not leaks and all("leaks=0 added=0" in l for l in done)
        return int(ok), ("%d runs: no key of the grader's or of another box found, none added (%s)" %
                         (len(done), done[0].split("(", 1)[1].rstrip(")")) if ok else
                         "; ".join(sorted(set(leaks)))[:300])
    if kind == "userns":
        done = lines_of(r, "userns: done:")
        if not done:
            return 0, "the namespace attack never finished"
        esc = lines_of(r, "ESCAPE ")
        ok = not esc and all("escapes=0" in l for l in done)
        return int(ok), ("%d runs: no namespace of its own (%s)" % (len(done), done[0].split("(", 1)[1].rstrip(")"))
                         if ok else "; ".join(sorted(set(esc)))[:300])
    if kind == "memory":
        # ML needs the memory cgroup: tell "not applied" from "applied, but the limit did not hold"
        if not verdicts:
            # 2, neither held nor broken: a weakened run must not count a hog that never ran
            return 2, "memory_hog's server never ran (%s)" % "; ".join(
                p.get("why") or "" for p in x["probes"] if p.get("why"))[:300]
        n = verdicts.count("ML")
        held = [p.get("memory_limit") for p in procs_of(r)]
        notes = sorted({p["memory_note"] for p in procs_of(r) if p.get("memory_note")})
        runs = " ".join(verdicts)
        if n > 0:
            return 1, "ML on %d of %d hello_server runs (%s)" % (n, len(verdicts), runs)
        if any(h != "cgroup" for h in held):
            return 0, "the memory cgroup was not applied (held by: %s; %s) (%s)" % (
                ", ".join(str(h) for h in held), "; ".join(notes) or "no reason recorded", runs)
        if all(v == "TO" for v in verdicts):
            return 0, ("the memory cgroup was applied, but every run was stopped at its deadline (TO) first: "
                       "too slow to reach the limit, or the limit did not hold (%s)" % runs)
        return 0, "the memory cgroup was applied, but the limit did not hold: ML on 0 of %d runs (%s), max RSS %s kB" % (
            len(verdicts), runs, " ".join(str(p["max_rss_kb"]) for p in procs_of(r)))
    if kind == "verdict":
        n = verdicts.count(extra[0])
        return int(n > 0), "%s on %d of %d hello_server runs (%s)" % (extra[0], n, len(verdicts), " ".join(verdicts))
    if kind == "spy_fs":
        done = lines_of(r, "spy: done:")
        if not done:
            return 0, "the spy never finished"
        bad = [l for p in procs_of(r) for l in unesc(p["stderr"]).split("\n") if re.match(r"(FOUND|READ|WROTE) ", l)]
        cnt = [re.search(r"found=(\d+) read=(\d+) written=(\d+)", l).groups() for l in done]
        ok = not bad and all(c == ("0", "0", "0") for c in cnt) and all("shadow=readable" not in l for l in done)
        return int(ok), ("%d runs: found nothing, read nothing, wrote nothing; /etc/shadow: %s" %
                         (len(done), done[0].split("shadow=")[1]) if ok else
                         "; ".join(bad[:4]) + " | " + done[-1][len("spy: done: "):])
    if kind == "spy_priv":
        done = lines_of(r, "spy: done:")
        if not done:
            return 0, "the spy never finished"
        bad = []
        for l in done:
            m = dict(re.findall(r"(\w+)=(\S+)", l))
            if (not box_uid(int(m["uid"])) or not box_uid(int(m["euid"])) or int(m["caps"], 16)
                    or m["nnp"] != "1" or m["escapes"] != "0" or m["leaked_fds"] != "0"):
                bad.append(l[len("spy: done: "):])
        esc = [l for p in procs_of(r) for l in unesc(p["stderr"]).split("\n") if l.startswith("ESCAPE")]
        return (int(not bad), "uid %s (no account of the host), no capabilities, no_new_privs, no inherited fd" %
                re.search(r"uid=(\d+)", done[0]).group(1)) if not bad else (0, bad[0] + (" | " + esc[0] if esc else ""))
    if kind == "spy_proc":
        done = lines_of(r, "spy: done:")
        if not done:
            return 0, "the spy never finished"
        seen = [re.search(r"pid1_cmdline=(.*?) shadow=", l).group(1) for l in done]
        info = [l for l in lines_of(r, "spy: INFO pid 1 is") if l != "spy: INFO pid 1 is ''"]
        ok = all(v != "readable" for v in seen)
        return int(ok), ("pid 1's command line: %s" % seen[0]) if ok else (
            "the grader's command line is readable in the box: " + (info[0][len("spy: INFO pid 1 is "):] if info else "?"))
    if kind == "host_port":
        done = lines_of(r, "host_port: done")
        conn = [l for l in lines_of(r, "host_port: CONNECTED")]
        seen = open(extra[0]).read().split("\n") if os.path.exists(extra[0]) else []
        seen = [l for l in seen if l]
        if not done:
            return 0, "host_port never finished"
        ok = not conn and not seen
        return int(ok), ("%d runs: no connection to 127.0.0.1, ::1 or the abstract socket; the host "
                         "listener saw none" % len(done)) if ok else "; ".join((conn + seen)[:3])
    if kind == "killer":
        sees = lines_of(r, "killer: sees")
        k1 = lines_of(r, "killer: kill(1, SIGKILL)")
        if not sees:
            return 0, "the killer never reported"
        n = max(int(re.search(r"sees (\d+)", l).group(1)) for l in sees)
        pids = [int(re.search(r"pid (\d+)", l).group(1)) for l in lines_of(r, "killer: pid")]
        ok = n <= 3 and pids and max(pids) <= 3 and not any("SENT" in l for l in k1)
        return int(bool(ok)), "its pid is %s (a pid namespace of its own: pid 2 under the box's init); sees %d process(es) at most (%s); kill(1): %s" % (
            max(pids) if pids else "?", n, sees[0].split(":", 2)[2].strip()[:60], k1[0].split(": ")[-1] if k1 else "?")
    if kind == "fork_bomb":
        got = [int(m) for l in lines_of(r, "fork_bomb:") for m in re.findall(r"(\d+) forks", l)]
        failed = any("then fork" in l for l in lines_of(r, "fork_bomb:"))
        if not got:
            return 0, "the fork bomb never reported"
        return int(max(got) <= 128 and failed), "at most %d forks succeeded, then fork failed: %s" % (max(got), failed)
    if kind == "fd_hog":
        got = [int(m) for l in lines_of(r, "fd_hog:") for m in re.findall(r"opened (\d+)", l)]
        if not got:
            return 0, "fd_hog never reported"
        return int(max(got) <= 256 - 3), "opened at most %d descriptors (limit 256)" % max(got)
    if kind in ("file_size", "disk_total"):
        ls = lines_of(r, "huge_file: total")
        if not ls:
            return 0, "huge_file never reported"
        tot = max(int(re.search(r"total (\d+)", l).group(1)) for l in ls)
        big = max(int(re.search(r"biggest file (\d+)", l).group(1)) for l in ls)
        if kind == "file_size":
            return int(big <= 64 << 20), "biggest file %d MiB (RLIMIT_FSIZE 64 MiB)" % (big >> 20)
        # the program stops at ENOSPC of a file system of the box's own, or at its
        # safety cap of 640 MiB: then nothing bounded what it put on the host's disk
        full = [l for l in lines_of(r, "huge_file: big.") if "No space left" in l or "quota" in l.lower()]
        return int(tot < 640 << 20 and bool(full)), (
            "writes stopped at %d MiB in all: %s" % (tot >> 20, full[0].split(": ", 1)[1]) if full else
            "one run wrote %d MiB in all (files of at most %d MiB) and was never stopped: "
            "nothing caps what a box puts on the host's disk" % (tot >> 20, big >> 20))
    if kind == "output":
        cut = [p for p in procs_of(r) if "output limit" in p["description"]]
        size = os.path.getsize(os.path.join(labdir, name, "results.json"))
        longest = max(len(p["stdout"]) + len(p["stderr"]) for p in procs_of(r))
        rss = x.get("harness_rss_kb") or 0
        ok = cut and size < 4 << 20 and rss < 64 << 10 and verdicts.count("TO") + verdicts.count("stopped") == len(verdicts)
        return int(bool(ok)), "output cut on %d of %d runs (%s); results.json %d KiB; grader's worker %d MiB; verdicts %s" % (
            len(cut), len(verdicts), cut[0]["description"] if cut else "-", size >> 10, rss >> 10, " ".join(verdicts))
    if kind == "symlinks":
        b = x["build"]
        srv = [p for p in b["programs"] if p["name"] == "hello_server"][0]
        notes = b.get("notes") or ""
        ref = open(os.path.join(T, "repo/reference/hello/hello_server.c")).read().split("\n")[1]
        shadow = open("/etc/shadow").read().split("\n")[0]
        leak = []
        for d, _, files in os.walk(os.path.join(labdir, name)):
            for f in files:
                text = open(os.path.join(d, f), errors="replace").read()
                if ref in text or shadow in text:
                    leak.append(f)
        ok = (not srv["ok"] and "not found" in (srv["why"] or "") and not leak and
              all(("'%s' not copied" % l) in notes for l in ("hello_server.c", "refdir", "shadow")))
        return int(ok), "links not followed (%s); hello_server: %s; reference or shadow text in reports: %s" % (
            notes.strip().replace("\n", "; "), srv["why"], leak or "none")
    if kind == "host_paths":
        # no path the box shows of its own folder names the host's (this test's folder T)
        done = lines_of(r, "paths: done:")
        if not done:
            return 0, "host_paths never reported"
        shown = lines_of(r, "paths: ")
        host = sorted({l for l in shown if T in l})
        cwd = [l for l in shown if l.startswith("paths: cwd ")]
        build = sorted({l for l in shown if l.startswith("paths: build pwd ")})
        cg = sorted({l for l in shown if l.startswith("paths: cgroup ")})
        host += [l for l in cg if not l.endswith(":/")]
        if not cg:
            return 0, "no /proc/self/cgroup line was seen"
        if not build:
            return 0, "the build's paths were not seen (%s)" % "; ".join(l for l in shown if "build" in l)[:200]
        return int(not host), ("%d runs, cwd, the build's paths, cgroups and every mount point without a host path (%s; %s)" % (
            len(done), cwd[0][len("paths: "):] if cwd else "?", " | ".join(b[len("paths: "):] for b in build)) if not host else
            "host paths shown: " + "; ".join(host[:3]))
    if kind == "linked_source":
        # the build left d -> /etc behind a source its coverage data names (d/shadow)
        shadow = open("/etc/shadow").read().split("\n")[0]
        leak = [os.path.relpath(os.path.join(d, f), labdir) for d, _, files in os.walk(os.path.join(labdir, name))
                for f in files if shadow in open(os.path.join(d, f), errors="replace").read()]
        cov = x.get("coverage") or {}
        if leak:
            return 0, "/etc/shadow's text in: " + ", ".join(leak[:4])
        # the attack ran (the coverage pass reached the linked source) and was refused
        ok = r["score"] == x["max_score"] and "reached through a link" in (cov.get("why") or "")
        return int(ok), "the host's /etc/shadow is in no report; %g/%g; coverage: %s" % (
            r["score"], x["max_score"], cov.get("why") or "pages made")
    if kind == "tmp_links":
        # the canary is checked run-wide; here: the tracefile was still written (coverage made)
        cov = x.get("coverage") or {}
        return int(bool(cov.get("done"))), "coverage %s despite the planted links" % (
            "made" if cov.get("done") else "not made: %s" % cov.get("why"))
    if kind == "evil_build":
        progs = x["build"]["programs"]
        srv = [p for p in progs if p["name"] == "hello_server"][0]
        m = re.search(r"evil: done: found=(\d+) read=(\d+) killed=(\d+) forks=(\d+) fork_error=(.*) shadow=(.*)", unesc(srv["log"] or ""))
        if not m:
            return 0, "evil.c never reported; build log: " + (srv["log"] or "")[:200]
        found, nread, killed, forks = (int(v) for v in m.groups()[:4])
        ok = (all(p["ok"] for p in progs) and r["score"] == x["max_score"] and found == nread == killed == 0
              and forks <= 128 and m.group(5) != "none" and m.group(6) != "readable")
        return int(ok), "built normally (%g/%g); at build time found=%d read=%d killed=%d, forks capped at %d (%s), /etc/shadow: %s" % (
            r["score"], x["max_score"], found, nread, killed, forks, m.group(5), m.group(6))
    return 0, "unknown claim " + kind

def cmd_claim(args):
    ok, detail = claim(*args)
    print(ok, detail)

def cmd_run_checks(args):
    """leftovers OUT.json: the run's processes and time."""
    res = json.load(open(args[0]))
    print(res["elapsed"], res["exit"], len(res["leftovers"]) + len(res["leftovers_uid"]),
          json.dumps(res["leftovers"] + res["leftovers_uid"])[:400])

def cmd_cgroups(args):
    """Cgroups and box folders a run left (by its workers' pids)."""
    res = json.load(open(args[0]))
    left = []
    # under the grader's own cgroup (this script's): v1 per controller, v2 one tree
    own = {}
    for line in open("/proc/self/cgroup"):
        _, ctrls, path = line.rstrip("\n").split(":", 2)
        for c in ctrls.split(",") if ctrls else [""]:
            own[c] = path.rstrip("/")
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        bases = {"v2": "/sys/fs/cgroup%s/sockgrade" % own.get("", "").removesuffix("/sockgrade-procs")}
    else:
        bases = {c: "/sys/fs/cgroup/%s%s/sockgrade" % (c, own.get(c, "")) for c in ("memory", "pids")}
    for ctrl, base in bases.items():
        for e in os.listdir(base) if os.path.isdir(base) else []:
            if e.split("-")[0].isdigit() and int(e.split("-")[0]) in res["workers"]:
                left.append(f"{ctrl}/sockgrade/{e}")
    tmp = [os.path.join(T, "tmp", e) for e in os.listdir(os.path.join(T, "tmp"))]
    print(len(left) + len(tmp), " ".join(left[:6] + tmp[:4]))

def cmd_listen(args):
    """A host service for host_port: TCP on 127.0.0.1 and ::1, and an abstract
    unix socket; logs every connection. Prints its port."""
    log = args[0]
    s4 = socket.socket(); s4.bind(("127.0.0.1", 0)); s4.listen(16)
    port = s4.getsockname()[1]
    socks = [s4]
    try:
        s6 = socket.socket(socket.AF_INET6); s6.bind(("::1", port)); s6.listen(16); socks.append(s6)
    except OSError:
        pass
    su = socket.socket(socket.AF_UNIX); su.bind("\0sockgrade-iso-%d" % port); su.listen(16); socks.append(su)
    print(port, flush=True)
    import select
    while True:
        for s in select.select(socks, [], [])[0]:
            c, a = s.accept()
            with open(log, "a") as f:
                f.write("host listener: connection on %s from %s\n" % (s.getsockname(), a))
            c.close()

def cmd_bounds(args):
    """bounds SPEC COVERAGE: time bounds (s) per kind of submission, from the spec's limits."""
    text = open(args[0]).read()
    cov = args[1] == "1"
    def dur(key, default):
        m = re.search(r"^\s*%s:\s*([\d.]+)(ms|s)?" % key, text, re.M)
        return default if not m else float(m.group(1)) / (1000 if m.group(2) == "ms" else 1)
    R, W, B = dur("ready_within", 5), dur("within", 2), dur("build_within", 60)
    probe, build, tools, stop = 2.0, 5.0, 10.0, 0.5   # allowances, see the script's header
    kinds = []
    for block in re.split(r"\n  - name:", text.split("\nprobes:", 1)[1])[1:]:
        server = "start: hello_server" in block
        kinds.append((("noport" if "ready: none" in block else "server") if server else "client",
                      "visibility: hidden" in block))
    runs = kinds + ([k for k in kinds if not k[1]] if cov else [])
    nbuild = 4 if cov else 2
    extra = nbuild * build + (tools if cov else 0) + len(runs) * stop
    serves = len(runs) * probe + extra
    stuck = sum(R if k == "server" else W if k == "noport" else probe for k, _ in runs) + extra
    evil = serves + (2 if cov else 1) * B              # the Makefile runs its attack in each build
    print("R=%g W=%g B=%g runs=%d builds=%d serves=%g stuck=%g evil=%g" % (
        R, W, B, len(runs), nbuild, serves, stuck, evil))

{"run": cmd_run, "state": cmd_state, "diff": cmd_diff, "claim": cmd_claim, "runinfo": cmd_run_checks,
 "cgroups": cmd_cgroups, "listen": cmd_listen, "bounds": cmd_bounds}[sys.argv[1]](sys.argv[2:])
PY
export ISO_T="$T"
iso() { python3 "$T/iso.py" "$@"; }

# ---- the graded layout: a copy of the repository's parts the box must not see ----
repo="$T/repo"
mkdir -p "$repo/specs" "$repo/reference" "$repo/reports/echo/alice" "$repo/reports/uecho/bob" "$T/tmp" "$T/subs" "$T/out"
chmod 755 "$T/tmp"
# The shipped spec, but a server may take 12 s to listen instead of 5: memory_hog must reach its
# 1 GiB limit (ML) and the spy must finish its search before that deadline, and on a busy 2-core
# virtual machine a GiB of page faults alone has been measured at 1 to 14 s of wall time. A race
# with the deadline would make the verdict TO on one machine and ML on the next.
sed 's/^\(  ready_within: \)5s/\112s/' "$top/specs/hello.yaml" >"$repo/specs/hello.yaml"
grep -q '^  ready_within: 12s' "$repo/specs/hello.yaml" || {
	bad "specs/hello.yaml no longer says 'ready_within: 5s': update isolation.sh"
	finish
}
cp -r "$top/reference/hello" "$repo/reference/"
cp -r "$top/harness" "$repo/harness"
echo '{"score": 7}' >"$repo/reports/echo/alice/results.json"
echo '{"score": 9}' >"$repo/reports/uecho/bob/results.json"
head -c 48 /dev/urandom | base64 >"$canary"
chown root:root "$canary"
chmod 0644 "$canary"
touch -d '2020-01-01' "$canary"

# host service for host_port
python3 "$T/iso.py" listen "$T/out/host-listener.log" >"$T/out/port" 2>/dev/null 9>&- &
listener=$!
for _ in $(seq 50); do [ -s "$T/out/port" ] && break; sleep 0.1; done
port=$(cat "$T/out/port")

# time bounds (seconds) from the spec's limits, per kind of behaviour
bounds() { # bounds COVERAGE: sets B_R B_W B_B B_runs B_builds B_serves B_stuck B_evil
	local line
	read -r line < <(iso bounds "$repo/specs/hello.yaml" "$1")
	for kv in $line; do printf -v "B_${kv%%=*}" %s "${kv#*=}"; done
}
bounds 1
echo "time bounds from specs/hello.yaml (ready_within ${B_R}s, within ${B_W}s, build_within ${B_B}s) with the" \
	"coverage pass (the visible probes again: $B_runs probe runs, $B_builds builds), allowing 2 s per probe" \
	"that runs normally, 5 s per ordinary compile, 10 s for lcov+genhtml, 0.5 s per probe to stop:"
echo "  serves (or is not built): $B_runs x 2 + $B_builds x 5 + 10 + $B_runs x 0.5 = $B_serves s"
echo "  never listens:  ready_within ${B_R} per server start, within ${B_W} for the start without a port," \
	"2 per client probe, + the same builds, tools and stops = $B_stuck s"
echo "  evil Makefile, evil_include:  serves + build_within ${B_B} for each of its 2 builds = $B_evil s"
echo "  a run: the reference (serves) + sum of its submissions' bounds / 2 jobs + the largest bound"
bound_of() {
	case "$1" in
	*-correct | coverage_names | daemon | host_paths | keyring | killer | linked_source | symlinks | tmp_links | userns) echo "$B_serves" ;;
	# its builds grow until the memory limit stops them, each within build_within
	evil_include | evil_makefile) echo "$B_evil" ;;
	*) echo "$B_stuck" ;; # never ready, or hostile work before listening (capped by ready_within)
	esac
}

# prepare RUN NAME...: a submissions folder with each hostile NAME (and, when
# CORRECT=1, a copy of the correct submission beside each, graded at the same time)
CORRECT=1
prepare() {
	local run=$1 n
	shift
	mkdir -p "$T/subs/$run"
	for n in "$@"; do
		cp -r "$hostile/$n" "$T/subs/$run/$n"
		[ "$CORRECT" = 1 ] && cp -r "$top/submissions/hello/correct" "$T/subs/$run/$n-correct"
		case "$n" in
		host_port) # the port of the host listener goes into the source
			python3 - "$T/subs/$run/$n/hello_server.c" "$port" <<-'EOF'
				import sys
				f, port = sys.argv[1], sys.argv[2]
				src = open(f).read().replace("#define HOST_PORT 0 ", "#define HOST_PORT %s " % port, 1)
				open(f, "w").write(src)
			EOF
			;;
		symlinks)
			ln -s ../../../reference/hello/hello_server.c "$T/subs/$run/$n/hello_server.c"
			ln -s ../../../reference "$T/subs/$run/$n/refdir"
			ln -s /etc/shadow "$T/subs/$run/$n/shadow"
			;;
		esac
	done
}

# grade RUN WEAKEN [--kill-after S]: one grading run under our subreaper ($GRADE_ARGS: more options)
GRADE_ARGS=""
grade() {
	local run=$1 weaken=$2
	shift 2
	# the graded layout: the submissions sit where the spy looks for them
	rm -rf "$repo/submissions"
	mkdir -p "$repo/submissions"
	cp -a "$T/subs/$run" "$repo/submissions/hello"
	# no stale results from an earlier run (kept for KEEP=1)
	[ -d "$repo/reports/hello" ] && mv "$repo/reports/hello" "$T/out/reports-before-$run"
	iso state "$T/out/$run.before" "$top"
	# shellcheck disable=SC2086
	ISO_REFDONE="$repo/reports/hello/.reference/results.json" TMPDIR="$T/tmp" SANDBOX=root \
		SOCKGRADE_TEST_WEAKEN="$weaken" iso run "$T/out/$run.json" "$@" -- "$bin" grade --jobs 2 \
		$GRADE_ARGS --reports "$repo/reports" --submissions "$repo/submissions/hello" \
		"$repo/specs/hello.yaml" 9>&-
	iso state "$T/out/$run.after" "$top"
}

# check LABEL CLAIM NAME [ARG]: the claim must hold
check() {
	local label=$1 out
	shift
	out=$(iso claim "$1" "$repo/reports/hello" "${@:2}" 2>&1)
	if [ "${out%% *}" = 1 ]; then ok "$label: ${out#* }"; else bad "$label: ${out#* }"; fi
}

# meta WEAKEN LABEL CLAIM NAME [ARG]: graded with WEAKEN, the claim must fail
meta() {
	local weaken=$1 label=$2 out
	shift 2
	out=$(iso claim graded "$repo/reports/hello" "$2" 2>&1)
	if [ "${out%% *}" != 1 ]; then
		bad "meta $weaken: $2 was not graded in the weakened run: ${out#* }"
		return
	fi
	out=$(iso claim "$1" "$repo/reports/hello" "${@:2}" 2>&1)
	if [ "${out%% *}" = 0 ]; then
		ok "meta $weaken: '$label' goes red without the $weaken part: ${out#* }"
	else
		bad "meta $weaken: '$label' still passes without the $weaken part (the check is blind to it): ${out#* }"
	fi
}

# after RUN NAMES...: the run-wide checks (a) (b) (c) (d)
after() {
	local run=$1 elapsed rc nleft left b n bs=""
	shift
	read -r elapsed rc nleft left < <(iso runinfo "$T/out/$run.json")
	for n in "$@"; do bs="$bs $(bound_of "$n")"; done
	# shellcheck disable=SC2086
	b=$(python3 -c "import sys; b = [float(x) for x in sys.argv[2:]]; print(round(float(sys.argv[1]) + sum(b) / 2 + max(b), 1))" "$B_serves" $bs)
	if [ "$rc" = 0 ] && python3 -c "import sys; sys.exit(not $elapsed <= $b)"; then
		ok "$run: grading exited 0 in $(printf %.1f "$elapsed") s (bound $b s)"
	else
		bad "$run: grading exited $rc in $(printf %.1f "$elapsed") s (bound $b s); log: $(tail -3 "$T/out/$run.json.log" | tr '\n' ' ')"
	fi
	if [ "$nleft" = 0 ]; then
		ok "$run: no process of a box left (the run's process tree is empty; no process of its box uids or below its work folder)"
	else
		bad "$run: $nleft process(es) left: $left"
	fi
	{ read -r s1 d1; read -r s2 d2; read -r s3 d3; read -r s4 d4; } < <(iso diff "$T/out/$run.before" "$T/out/$run.after")
	expect "$s1" "$run: the graded layout's reference/ specs/ harness/ and other labs' reports $d1" \
		"$run: the graded layout's reference/ specs/ harness/ or other labs' reports $d1"
	expect "$s2" "$run: $canary $d2" "$run: $canary $d2"
	expect "$s3" "$run: no new box-owned or spy file in /tmp, /var/tmp, /dev/shm" \
		"$run: new box-owned or spy files on the host: $d3"
	expect "$s4" "$run: no box-owned or spy file in the live repository $top" \
		"$run: box-owned or spy files in the live repository: $d4"
	for n in "$@"; do
		case "$n" in *-correct) check "$run: $n (graded beside ${n%-correct}) has full marks" full_marks "$n" ;; esac
		check "$run: $n grading time" time "$n" "$(bound_of "$n")"
	done
}

parts=${PARTS:-main meta killed}

# ---------------------------------------------------------------------------
# 1. every attack in one run, each beside a correct copy (--jobs 2 grades the
#    pair at the same time), with the coverage pass (the default), which runs
#    the hostile code a second time
attacks="coverage_names daemon endless_loop endless_output evil_include evil_makefile fd_hog fork_bomb host_paths host_port huge_file keyring killer linked_source memory_hog never_listens spy symlinks tmp_links userns"
if [[ " $parts " == *" main "* ]]; then
	names=""
	for a in $attacks; do names="$names $a $a-correct"; done
	# shellcheck disable=SC2086
	prepare main $attacks
	echo "== main run: every attack beside a correct copy; SANDBOX=root, --jobs 2"
	bounds 1
	grade main ""
	# shellcheck disable=SC2086
	after main $names
	for a in $attacks; do check "main: $a graded, no harness error" graded "$a"; done
	check "main: endless_loop is stopped by a time limit" verdict endless_loop TO
	check "main: never_listens is stopped by a time limit" verdict never_listens TO
	check "main: fork_bomb is held by the pids limit (128)" fork_bomb fork_bomb
	check "main: fd_hog is held by RLIMIT_NOFILE" fd_hog fd_hog
	check "main: huge_file: one file is capped by RLIMIT_FSIZE" file_size huge_file
	check "main: huge_file: all the box writes is capped (a file system of its own fills up)" disk_total huge_file
	check "main: endless_output: output capped, grading goes on" output endless_output
	check "main: killer sees and reaches only its own box" killer killer
	check "main: spy finds no reference/ reports/ specs/ submissions/ harness/, reads and writes nothing outside" spy_fs spy
	check "main: spy runs unprivileged" spy_priv spy
	check "main: spy cannot read the grader's command line (pid 1 of its box)" spy_proc spy
	check "main: host_port reaches no host service (host port $port)" host_port host_port "$T/out/host-listener.log"
	check "main: symlinks are not followed into the reference or /etc/shadow" symlinks symlinks
	check "main: host_paths: the box shows its folder at no host path (cwd, mountinfo, cgroups, the build's paths)" host_paths host_paths
	check "main: linked_source: a coverage source behind a link to /etc is not read" linked_source linked_source
	check "main: tmp_links: the tracefile is written anew, not through the links to the canary" tmp_links tmp_links
	check "main: evil Makefile's build-time spy/killer/fork bomb is contained" evil_build evil_makefile
	# no weakened run for it: without the limit cc1 takes gigabytes of the test machine
	check "main: evil_include: the build is stopped by its memory limit (1 GiB), and says so" build_memory evil_include
	check "main: coverage_names: no page shows a student's folder name raw" page_names coverage_names
	check "main: keyring finds no key of the grader's or of another box, and adds none" keyring keyring
	check "main: userns makes no user or other namespace of its own" userns userns

	# The memory limit in a run of its own: graded at the same time as the fork bomb, the hog
	# was slowed tenfold on one machine (kernel 6.18; a plain process beside the same cgroups
	# was not) and met its deadline (TO) before it reached the limit, on every run. What is
	# checked here is the limit, so the hog gets the machine with its correct copy only.
	prepare memory memory_hog
	echo "== the memory limit: memory_hog beside a correct copy, without the coverage pass"
	bounds 0
	GRADE_ARGS=--no-coverage
	grade memory ""
	GRADE_ARGS=""
	after memory memory_hog memory_hog-correct
	check "memory: memory_hog is stopped by the memory limit" memory memory_hog
fi

# ---------------------------------------------------------------------------
# 2. the meta-test: each check must fail when the part of the box it relies
#    on is left out (no coverage pass, no correct copies: only the attack matters)
if [[ " $parts " == *" meta "* ]]; then
	echo "== weakened runs (SOCKGRADE_TEST_WEAKEN=<part>): the matching check must now FAIL"
	CORRECT=0
	GRADE_ARGS=--no-coverage
	bounds 0

	prepare netns host_port
	: >"$T/out/host-listener.log"
	grade netns netns
	meta netns "host_port reaches no host service" host_port host_port "$T/out/host-listener.log"

	prepare mount spy
	grade mount mount
	meta mount "spy finds, reads and writes nothing outside" spy_fs spy

	prepare pidns killer daemon
	grade pidns pidns
	meta pidns "killer sees and reaches only its own box" killer killer
	read -r _ _ nleft left < <(iso runinfo "$T/out/pidns.json")
	echo "info pidns: without the pid namespace, the pid-hopping daemon left $nleft process(es)${left:+: $left}" \
		"(0 means the worker's subreaper sweep still caught it)"

	prepare limits memory_hog fork_bomb fd_hog huge_file
	grade limits limits
	meta limits "memory_hog is stopped by the memory limit" memory memory_hog
	meta limits "fork_bomb is held by the pids limit" fork_bomb fork_bomb
	meta limits "fd_hog is held by RLIMIT_NOFILE" fd_hog fd_hog
	meta limits "huge_file: one file is capped by RLIMIT_FSIZE" file_size huge_file

	# two walls hold the keys: the system call filter refuses the key calls, and each
	# box has a session keyring of its own and empty user keyrings; both must go
	prepare keys keyring
	grade keys filter,keyring
	meta keys "keyring finds no key of the grader's or of another box, and adds none" keyring keyring

	# genhtml's pages need a coverage pass: only here
	prepare names coverage_names
	GRADE_ARGS=""
	grade names names
	GRADE_ARGS=--no-coverage
	meta names "coverage_names: no page shows a student's folder name raw" page_names coverage_names

	# the coverage pages copy the sources the coverage data names: through no link
	prepare links linked_source
	GRADE_ARGS=""
	grade links links
	GRADE_ARGS=--no-coverage
	meta links "linked_source: a coverage source behind a link to /etc is not read" linked_source linked_source

	# the grader writes files in the student's folder as new files, never through a link
	prepare tmplinks tmp_links
	GRADE_ARGS=""
	# (with hostpath too: the box then shows the worker's pid, and the links hit it for sure)
	grade tmplinks tmplinks,hostpath
	GRADE_ARGS=--no-coverage
	{ read -r _; read -r s2 d2; } < <(iso diff "$T/out/tmplinks.before" "$T/out/tmplinks.after")
	if [ "$s2" = 0 ]; then
		ok "meta tmplinks: the canary check goes red without the tmplinks part (the tracefile went through a link): $d2"
	else
		bad "meta tmplinks: the canary is unchanged without the tmplinks part (the check is blind to it): $d2"
	fi
	head -c 48 /dev/urandom | base64 >"$canary"
	touch -d '2020-01-01' "$canary"

	prepare hostpath host_paths
	grade hostpath hostpath
	meta hostpath "host_paths: the box shows its folder at no host path" host_paths host_paths

	prepare nsfilter userns
	grade nsfilter filter
	meta nsfilter "userns makes no user or other namespace of its own" userns userns

	# root in its box (no user id of its own) is still held by the devices cgroup, a part of
	# "limits": both walls must go for the spy to reach the host's disk
	prepare uid spy
	grade uid uid,limits
	meta uid "spy runs unprivileged" spy_priv spy
	meta uid "spy finds, reads and writes nothing outside" spy_fs spy
	{ read -r _; read -r s2 d2; } < <(iso diff "$T/out/uid.before" "$T/out/uid.after")
	if [ "$s2" = 0 ]; then
		ok "meta uid: the canary check goes red too (root in its box, the spy mounted the host's disk and wrote the canary)"
	else
		echo "info uid: the canary stayed unchanged ($d2)"
	fi
	# the uid run may have written the canary and the planted folders: restore them
	head -c 48 /dev/urandom | base64 >"$canary"
	touch -d '2020-01-01' "$canary"
	python3 -c 'import os, sys
for d, _, fs in os.walk(sys.argv[1]):
    [os.remove(os.path.join(d, f)) for f in fs if f.startswith("spy-was-here")]' "$repo"
fi

# ---------------------------------------------------------------------------
# 3. the grader killed with SIGKILL mid-run leaves no student process
if [[ " $parts " == *" killed "* ]]; then
	echo "== SIGKILL of the grader 1 s after a box program of a submission runs"
	CORRECT=0
	GRADE_ARGS=--no-coverage
	prepare killed never_listens daemon
	grade killed "" --kill-after 1
	read -r elapsed rc nleft left < <(iso runinfo "$T/out/killed.json")
	read -r after_s killed_after < <(python3 -c "import json; d = json.load(open('$T/out/killed.json')); print('%.2f' % d['checked_after'], d['killed_after'])")
	if [ "$killed_after" = None ]; then
		bad "killed: no box program was ever seen running; the grader was not killed"
	elif [ "$nleft" = 0 ]; then
		ok "killed: grader SIGKILLed at $(printf %.1f "$killed_after") s; no student process left ${after_s} s later"
	else
		bad "killed: $nleft process(es) left 2 s after SIGKILL of the grader: $left"
	fi
	read -r nres what < <(iso cgroups "$T/out/killed.json")
	[ "$nres" = 0 ] || echo "info killed: the killed grader left $nres cgroup(s)/work folder(s): $what"
	{ read -r _; read -r s2 d2; read -r s3 d3; } < <(iso diff "$T/out/killed.before" "$T/out/killed.after")
	if [ "$s2" = 1 ] && [ "$s3" = 1 ]; then
		ok "killed: canary unchanged, no box-owned file on the host"
	else
		bad "killed: host files changed: $d2 $d3"
	fi
	# what the killed run left is ours to clear
	rm -rf "$T/tmp"/sockgrade*
fi

finish
