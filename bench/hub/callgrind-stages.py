#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Instructions per object of the hub's ingest stages, from a callgrind dump.

    callgrind-stages.py CALLGRIND_OUT OBJECTS [BYTES] [--top N] [--json]

A stage's cost is the inclusive cost of the calls into its entry functions
made from code outside the stage (so recursion and calls between a stage's
own functions are counted once), minus the calls from the stage into
another stage's entries (serialising inside validation is serialising).
Call arcs are read from the dump itself, not from callgrind_annotate,
whose inclusive figures count recursive calls more than once.
Run by bench/hub/callgrind-bench.sh.
"""
import json
import re
import sys

# Stage: the functions whose calls are the stage (entries). The first entry
# of a caller-callee pair found in two stages wins in the order listed.
STAGES = [
    ("parse", ["hub_json_loadb", "hub_json_parse_fast", "json_loadb"]),
    ("serialise", ["hub_json_compact", "json_dumps"]),
    ("validate", ["hub_object_prepare"]),
    ("store", ["hub_db_write_grouped"]),
    ("free", ["json_delete", "hub_json_arena_reset", "hub_object_prepared_free"]),
]


def parse(path):
    """Returns (total, self cost per fn, arcs {(caller, callee): inclusive})."""
    names = {}  # compressed id -> name, per kind (fn/fl/ob)
    selfcost = {}
    arcs = {}
    total = 0
    fn = None
    pending_call = None  # callee of the calls= line just read
    callee = None
    cur_ob = None
    ob_of = {}
    cfn_ob = None
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line:
                continue
            c0 = line[0]
            if c0.isdigit() or c0 in "+-*":
                parts = line.split()
                cost = int(parts[1]) if len(parts) > 1 else 0
                if pending_call is not None:
                    key = (fn, pending_call)
                    arcs[key] = arcs.get(key, 0) + cost
                    pending_call = None
                else:
                    selfcost[fn] = selfcost.get(fn, 0) + cost
                    total += cost
                continue
            m = re.match(r"(\w+)=(.*)", line)
            if not m:
                continue
            key, val = m.group(1), m.group(2)
            if key in ("fn", "cfn", "ob", "cob", "fl", "fi", "fe", "cfi", "cfl"):
                kind = {"cfn": "fn", "cob": "ob", "cfi": "fl", "cfl": "fl", "fi": "fl",
                        "fe": "fl"}.get(key, key)
                mm = re.match(r"\((\d+)\)(?: (.*))?", val)
                if mm:
                    ident = (kind, mm.group(1))
                    if mm.group(2) is not None:
                        names[ident] = mm.group(2)
                    name = names.get(ident, val)
                else:
                    name = val
                if key == "fn":
                    fn = name
                    ob_of[fn] = cur_ob  # a function's own block names its object
                    cfn_ob = None
                elif key == "cfn":
                    callee = name
                    cfn_ob = None
                elif key == "ob":
                    cur_ob = name
                elif key == "cob":
                    cfn_ob = name
            elif key == "calls":
                pending_call = callee
            elif key == "summary" or key == "totals":
                pass
    global OBJECT_OF
    OBJECT_OF = ob_of
    return total, selfcost, arcs


OBJECT_OF = {}


def label(fn):
    """Function name; unnamed ones (no symbols) with their library."""
    if fn and fn.startswith("0x"):
        return f"{fn} [{(OBJECT_OF.get(fn) or '?').rsplit('/', 1)[-1]}]"
    return fn


def base_name(fn):
    """callgrind names recursion levels fn'2, fn'3 (--separate-recs)."""
    return fn.split("'")[0] if fn else fn


def stage_costs(arcs):
    # Only calls made by the hub's own code: a library calling itself
    # (jansson's recursive json_delete through its static helpers) is
    # inside the call the hub made.
    hub_ob = OBJECT_OF.get("hub_json_loadb")
    entry_stage = {}
    for stage, fns in STAGES:
        for fn in fns:
            entry_stage.setdefault(fn, stage)
    costs = {stage: 0 for stage, _ in STAGES}
    for (caller, callee), cost in arcs.items():
        st = entry_stage.get(base_name(callee))
        if st is None:
            continue
        cst = entry_stage.get(base_name(caller))
        if hub_ob and OBJECT_OF.get(caller) != hub_ob:
            continue
        if cst == st:
            continue  # inside the stage: already in its entry's cost
        costs[st] += cost
        if cst is not None:
            costs[cst] -= cost  # another stage's work inside this caller's stage
    return costs


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    top = 0
    if "--top" in sys.argv:
        top = int(sys.argv[sys.argv.index("--top") + 1])
        args.remove(str(top))
    if len(args) < 2:
        sys.exit(__doc__)
    path, objects = args[0], int(args[1])
    nbytes = int(args[2]) if len(args) > 2 else 0
    total, selfcost, arcs = parse(path)
    costs = stage_costs(arcs)
    other = total - sum(costs.values())
    out = {"objects": objects, "total": total, "per_object": total / objects}
    for stage, _ in STAGES:
        out[stage] = costs[stage] / objects
    out["other"] = other / objects
    if nbytes:
        out["parse_per_byte"] = costs["parse"] / nbytes
    out["top_self"] = [(label(fn), c) for fn, c in
                       sorted(selfcost.items(), key=lambda kv: -kv[1])[:top]]
    if "--json" in sys.argv:
        json.dump(out, sys.stdout)
        print()
        return
    print(f"instructions per object ({objects} objects): {out['per_object']:,.0f}")
    for stage, _ in STAGES:
        print(f"  {stage:10} {out[stage]:12,.0f}")
    print(f"  {'other':10} {out['other']:12,.0f}  (HTTP, authentication, request handling)")
    for fn, cost in out["top_self"]:
        print(f"  self {cost / objects:10,.0f}  {fn}")


if __name__ == "__main__":
    main()
