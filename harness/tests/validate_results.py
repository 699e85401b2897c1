#!/usr/bin/env python3
"""Checks results.json files against a JSON Schema (draft-07), without pip.

Usage: validate_results.py [--schema SCHEMA] PATH...

Each PATH is a results.json file, or a folder searched for every
results.json below it (hidden folders such as .reference included). Prints
one line per file, "FILE: ok" or "FILE: what is wrong", and exits 0 when all
are valid, 1 when one is not, 2 on a usage error or a schema it cannot read.

The default schema is schema/gradescope.schema.json beside this script. Only
the part of draft-07 that schema uses is implemented: type, required,
properties, additionalProperties, enum, items (one schema), minimum, anyOf;
annotations ($schema, $id, title, description, $comment, default,
examples) are ignored. Any other keyword is refused rather than skipped, so
a schema that grows cannot pass files silently. Beyond the schema, a file
must be strict JSON: UTF-8, no NaN or Infinity, no key twice in an object.
"""
import json
import os
import sys

ANNOTATIONS = {"$schema", "$id", "title", "description", "$comment", "default", "examples"}
KEYWORDS = {"type", "required", "properties", "additionalProperties", "enum", "items",
            "minimum", "anyOf"}
TYPES = {"object", "array", "string", "number", "integer", "boolean", "null"}
MAX_ERRORS = 5


class SchemaError(Exception):
    """The schema itself is unusable: the validator's problem, not the file's."""


def type_name(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, int):
        return "integer"
    if isinstance(v, float):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def has_type(v, t):
    n = type_name(v)
    if t == "number":
        return n in ("integer", "number")
    if t == "integer":
        return n == "integer" or (n == "number" and float(v).is_integer())
    return n == t


def same(a, b):
    """JSON equality for enum: 1 == 1.0, but true != 1."""
    numeric = ("integer", "number")
    if type_name(a) in numeric and type_name(b) in numeric:
        return a == b
    return type_name(a) == type_name(b) and a == b


def check_schema(s, where="#"):
    """Refuses keywords this validator does not implement, anywhere in the schema."""
    if isinstance(s, bool):
        return
    if not isinstance(s, dict):
        raise SchemaError("%s: a schema must be an object or a boolean" % where)
    for k, v in s.items():
        if k in ANNOTATIONS:
            continue
        if k not in KEYWORDS:
            raise SchemaError("%s: keyword '%s' is not implemented by %s"
                              % (where, k, os.path.basename(__file__)))
        if k == "type":
            for t in v if isinstance(v, list) else [v]:
                if t not in TYPES:
                    raise SchemaError("%s/type: unknown type '%s'" % (where, t))
        elif k == "properties":
            for name, sub in v.items():
                check_schema(sub, "%s/properties/%s" % (where, name))
        elif k in ("additionalProperties", "items"):
            if isinstance(v, list):
                raise SchemaError("%s/%s: only one schema is implemented" % (where, k))
            check_schema(v, "%s/%s" % (where, k))
        elif k == "anyOf":
            for i, sub in enumerate(v):
                check_schema(sub, "%s/anyOf/%d" % (where, i))


def pointer(path):
    """A path into the document as people write it: $.tests[0].status."""
    out = "$"
    for p in path:
        out += "[%d]" % p if isinstance(p, int) else "." + p if p.isidentifier() \
            else "[%s]" % json.dumps(p)
    return out


def article(word):
    return ("an " if word[0] in "aeiou" else "a ") + word


def short(v):
    text = json.dumps(v, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."


def validate(v, s, path, errors):
    """Appends "where: what" for each way v breaks schema s."""
    if s is True:
        return
    if s is False:
        errors.append("%s: not allowed here" % pointer(path))
        return
    if "type" in s:
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        if not any(has_type(v, t) for t in types):
            errors.append("%s: %s is %s, not %s" % (pointer(path), short(v),
                                                     article(type_name(v)),
                                                     " or ".join(article(t) for t in types)))
            return
    if "enum" in s and not any(same(v, e) for e in s["enum"]):
        errors.append("%s: %s is not one of %s" % (pointer(path), short(v),
                                                  ", ".join(short(e) for e in s["enum"])))
    if "minimum" in s and type_name(v) in ("integer", "number") and v < s["minimum"]:
        errors.append("%s: %s is below the minimum %s" % (pointer(path), short(v), s["minimum"]))
    if isinstance(v, dict):
        for k in s.get("required", []):
            if k not in v:
                errors.append("%s: '%s' is missing" % (pointer(path), k))
        props = s.get("properties", {})
        extra = s.get("additionalProperties", True)
        for k, sub in v.items():
            if k in props:
                validate(sub, props[k], path + [k], errors)
            elif extra is False:
                errors.append("%s: unexpected property (allowed: %s)"
                              % (pointer(path + [k]), ", ".join(props)))
            else:
                validate(sub, extra, path + [k], errors)
    if isinstance(v, list) and "items" in s:
        for i, item in enumerate(v):
            validate(item, s["items"], path + [i], errors)
    if "anyOf" in s:
        tries = []
        for sub in s["anyOf"]:
            e = []
            validate(v, sub, path, e)
            if not e:
                break
            tries.append(e[0])
        else:
            errors.append("%s: matches none of: %s" % (pointer(path), "; or ".join(tries)))


def strict_object(pairs):
    seen = {}
    for k, v in pairs:
        if k in seen:
            raise ValueError("key %s appears twice in one object" % json.dumps(k))
        seen[k] = v
    return seen


def no_constant(name):
    raise ValueError("%s is not JSON" % name)


def check_file(path, schema):
    """None when valid, else what is wrong."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
        doc = json.loads(raw.decode("utf-8"), object_pairs_hook=strict_object,
                         parse_constant=no_constant)
    except OSError as e:
        return "cannot read: %s" % e.strerror
    except UnicodeDecodeError as e:
        return "not UTF-8 at byte %d" % e.start
    except ValueError as e:
        return "not JSON: %s" % e
    errors = []
    validate(doc, schema, [], errors)
    if not errors:
        return None
    more = len(errors) - MAX_ERRORS
    return "; ".join(errors[:MAX_ERRORS]) + (" (and %d more)" % more if more > 0 else "")


def results_files(arg):
    if not os.path.isdir(arg):
        return [arg]
    found = []
    for root, dirs, files in os.walk(arg):
        dirs.sort()
        if "results.json" in files:
            found.append(os.path.join(root, "results.json"))
    return found


def main(argv):
    schema_path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schema",
                               "gradescope.schema.json")
    args = argv[1:]
    if args[:1] == ["--schema"] and len(args) >= 2:
        schema_path, args = args[1], args[2:]
    if not args or args[0].startswith("-"):
        print("usage: validate_results.py [--schema SCHEMA] PATH...", file=sys.stderr)
        return 2
    try:
        with open(schema_path, encoding="utf-8") as f:
            schema = json.load(f)
        check_schema(schema)
    except (OSError, ValueError, SchemaError) as e:
        print("validate_results.py: %s: %s" % (schema_path, e), file=sys.stderr)
        return 2
    files = [p for a in args for p in results_files(a)]
    if not files:
        print("validate_results.py: no results.json under %s" % " ".join(args), file=sys.stderr)
        return 2
    bad = 0
    for path in files:
        problem = check_file(path, schema)
        print("%s: %s" % (path, problem or "ok"))
        bad += problem is not None
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
