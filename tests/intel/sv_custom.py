#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""suricata-verify tests that give their own command line (the shared
runner skips those): the iprep tests. The command is run with vigil in place
of suricata and the tests' filter checks are evaluated with the shared
runner's own evaluator. Every listed test must pass."""
import os
import subprocess
import sys
import tempfile

import yaml

SHARED = os.path.abspath(os.environ.get("VIGIL_SHARED", "../../shared"))
VIGIL = os.path.abspath(os.environ.get("VIGIL_BIN", "build/vigil"))
sys.path.insert(0, os.path.join(SHARED, "conformance"))
import run as runner  # noqa: E402

TESTS = ["iprep-02", "iprep-03-bug-6834", "iprep-04-bug-6834-any", "iprep-05-bug-6834-both",
         "iprep-06-bug-6834-dst", "iprep-07-bug-6834-src-cidr", "iprep-08-bug-6834-any-cidr",
         "iprep-09-bug-6834-both-cidr", "iprep-10-bug-6834-dst-cidr", "iprep-11-isset",
         "issue-4280-iprep"]


def main():
    base = os.path.join(SHARED, "conformance", "suricata-verify", "tests")
    failed = 0
    for t in TESTS:
        d = os.path.join(base, t)
        cfg = yaml.safe_load(open(os.path.join(d, "test.yaml")))
        with tempfile.TemporaryDirectory(prefix="vigil-sv-") as out:
            cmd = (cfg["command"].replace("${SRCDIR}/src/suricata", VIGIL + " run")
                   .replace("${OUTPUT_DIR}", out).replace("${TEST_DIR}", d)
                   .replace("\\\n", " "))
            r = subprocess.run(cmd, shell=True, cwd=d, capture_output=True, text=True,
                               timeout=120)
            problems = []
            if r.returncode != cfg.get("exit-code", 0):
                problems.append(f"exit {r.returncode}: {r.stderr.strip()[-200:]}")
            ctx = {"version": (9, 0, 0), "features": set(), "verbose": False}
            for check in cfg.get("checks", []):
                for kind, body in check.items():
                    if kind != "filter":
                        continue
                    try:
                        runner.run_filter(body, out, ctx, d, {})
                    except Exception as e:  # Fail or Skip
                        problems.append(str(e))
            if problems:
                failed += 1
                print(f"FAIL {t}: {'; '.join(problems)[:400]}", file=sys.stderr)
            else:
                print(f"PASS {t}")
    print(f"{len(TESTS) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
