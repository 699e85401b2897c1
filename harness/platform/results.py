#!/usr/bin/env python3
"""A submission's results.json (specs/RESULTS.md) as a hosted grader reads it.

Usage: results.py gradescope|prairielearn RESULTS_JSON_OR_- NOTES_FILE > out.json

RESULTS is sockgrade's own results.json ("-": there are none, the submission
could not be graded); NOTES is a text file of what the import said (renames,
refusals), shown to the student. Student bytes reach the output as JSON
strings (json.dumps escapes them) and, in the HTML of a failed test, through
html.escape.
"""
import html
import json
import sys

# a transcript shown in a test's HTML: at most this many events
MAX_EVENTS = 60


def load(path):
    if path == "-":
        return None
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def probes_by_number(res):
    return {str(p.get("number")): p for p in res.get("extra_data", {}).get("probes", [])}


def build_problems(res):
    """One line per program that did not build (its reason), in the lab's order."""
    progs = ((res.get("extra_data") or {}).get("build") or {}).get("programs") or []
    return ["%s: %s" % (p.get("name"), p.get("why") or "not built") for p in progs if not p.get("ok")]


def any_not_built(res):
    """A program of the lab did not build: PrairieLearn's "not gradable" (no attempt spent)."""
    progs = ((res.get("extra_data") or {}).get("build") or {}).get("programs") or []
    return any(not p.get("ok") for p in progs)


def transcript_html(probe):
    rows = []
    for e in (probe.get("transcript") or [])[:MAX_EVENTS]:
        rows.append("<tr><td>%s ms</td><td>%s</td><td>%s</td><td><code>%s</code></td></tr>" % (
            html.escape(str(e.get("t", ""))), html.escape(str(e.get("who", ""))),
            html.escape(str(e.get("kind", ""))), html.escape(str(e.get("data", "")))))
    if not rows:
        return ""
    more = len(probe.get("transcript") or []) - MAX_EVENTS
    tail = "<p>(%d more events)</p>" % more if more > 0 else ""
    return ("<table><tr><th>time</th><th>who</th><th>event</th><th>bytes</th></tr>%s</table>%s"
            % ("".join(rows), tail))


def summary(res, notes):
    lines = [res.get("output", "")]
    warn = (res.get("extra_data") or {}).get("sandbox_warning")
    if warn:
        lines.append("sandbox: " + warn)
    lines += ["build: " + b for b in build_problems(res)]
    if notes.strip():
        lines.append("your files: " + notes.strip())
    return "\n".join(l for l in lines if l)


def gradescope(res, notes):
    if res is None:
        return {"score": 0, "output": "sockgrade could not grade this submission: "
                + (notes.strip() or "no results"), "visibility": "visible",
                "stdout_visibility": "hidden", "tests": []}
    probes = probes_by_number(res)
    tests = []
    for t in res.get("tests", []):
        t = dict(t)
        p = probes.get(str(t.get("number")), {})
        # hidden: students see it once grades are published; secret: never
        if p.get("secret"):
            t["visibility"] = "hidden"
        elif t.get("visibility") == "hidden":
            t["visibility"] = "after_published"
        if t.get("status") == "failed":
            t["output"] = "<pre>%s</pre>%s" % (html.escape(t.get("output") or ""),
                                                transcript_html(p))
            t["output_format"] = "html"
        tests.append(t)
    extra = dict(res.get("extra_data") or {})
    # transcripts and program output are in the tests' HTML: the upload stays small
    extra["probes"] = [{k: v for k, v in p.items() if k not in ("transcript", "processes")}
                       for p in extra.get("probes", [])]
    return {"score": res.get("score", 0), "execution_time": res.get("execution_time"),
            "output": summary(res, notes), "output_format": "text", "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests, "extra_data": extra}


def prairielearn(res, notes):
    if res is None:
        return {"gradable": False, "score": 0,
                "message": "sockgrade could not grade this submission: "
                + (notes.strip() or "no results"), "tests": []}
    ed = res.get("extra_data") or {}
    if ed.get("harness_error"):
        return {"gradable": False, "score": 0,
                "message": "the grader failed on this submission (not your fault): "
                + str(ed["harness_error"]), "tests": []}
    if any_not_built(res):
        return {"gradable": False, "score": 0,
                "message": "your submission does not build:\n" + "\n".join(build_problems(res)),
                "output": summary(res, notes), "tests": []}
    probes = probes_by_number(res)
    tests = []
    for t in res.get("tests", []):
        p = probes.get(str(t.get("number")), {})
        if p.get("hidden"):
            continue        # PrairieLearn shows every test: hidden ones count in the score only
        tests.append({"name": t.get("name"), "points": t.get("score", 0),
                      "max_points": t.get("max_score", 0),
                      "message": p.get("why") or ("passed" if t.get("status") == "passed" else "failed"),
                      "output": t.get("output") or ""})
    maximum = ed.get("max_score") or 0
    score = res.get("score", 0) / maximum if maximum else 0.0
    return {"gradable": True, "score": max(0.0, min(1.0, score)),
            "message": summary(res, notes), "output": summary(res, notes), "tests": tests}


def main(argv):
    if len(argv) != 4 or argv[1] not in ("gradescope", "prairielearn"):
        sys.stderr.write(__doc__)
        return 2
    notes = ""
    try:
        with open(argv[3], encoding="utf-8", errors="replace") as f:
            notes = f.read()
    except OSError:
        pass
    res = load(argv[2])
    out = (gradescope if argv[1] == "gradescope" else prairielearn)(res, notes)
    json.dump(out, sys.stdout, indent=1, ensure_ascii=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
