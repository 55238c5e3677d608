#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Dashboard response times at scale:
  bench/hub/dash-bench.py BUILD_DIR [INDICATORS] [SIGHTINGS] [sqlite|postgresql]
Seeds a hub (SQLite by default; PostgreSQL through tests/hub/pg-fixture.sh)
with five organisations of four sectors and the coordinator, INDICATORS
indicators (default 100000) under every TLP posted over TAXII, and
SIGHTINGS sightings (default 100000) reported as EVE alerts over
/api/v1/eve spread over 30 days (each alert is also stored as a sighting
object, so the store holds INDICATORS + SIGHTINGS objects and more), then
prints p50/p99 of every dashboard endpoint as an analyst, an organisation
and the coordinator, beside a baseline (GET /healthz, one trivial query)
measured in the same run. Plain HTTP on loopback, to measure the hub.
DASH_BENCH_KEEP=1 keeps the seeded SQLite store (its path is printed);
  bench/hub/dash-bench.py BUILD_DIR --measure WORKDIR
measures again on a kept store (e.g. with a newer binary)."""
import http.client
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "hub"))
import hubtest as ht  # noqa: E402

build = sys.argv[1] if len(sys.argv) > 1 else "build"
reuse = sys.argv[3] if len(sys.argv) > 3 and sys.argv[2] == "--measure" else None
if reuse:
    with open(os.path.join(reuse, "bench-state.json")) as f:
        state = json.load(f)
    sys.argv[2:] = [str(state["n_ind"]), str(state["n_sig"]), state["backend"]]
n_ind = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
n_sig = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
backend = sys.argv[4] if len(sys.argv) > 4 else "sqlite"
os.environ["VIGIL_BIN"] = os.path.join(build, "vigil")
work = reuse or tempfile.mkdtemp(prefix="vigil-dash-bench-")
src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
pg = None
if reuse:
    db, orgs, coord_admin, pg = state["db"], state["orgs"], state["coord_admin"], state["pg"]
    if pg:
        sys.exit("--measure: kept SQLite stores only")
    hub = ht.Hub(db, work, plain=True, extra=["--threads", "4"]).start()
    t_ind = t_sig = 0.0
else:
    if backend == "postgresql":
        os.chmod(work, 0o755)
        db = subprocess.run([os.path.join(src, "tests", "hub", "pg-fixture.sh"), "start",
                             os.path.join(work, "pg")], capture_output=True, text=True,
                            check=True).stdout.strip().splitlines()[-1]
        pg = os.path.join(work, "pg")
    else:
        db = f"sqlite:{work}/hub.db"

    ORGS = [("Grid North", "energy"), ("Grid South", "energy"), ("Bank One", "financial-services"),
            ("Telco", "telecommunications"), ("Rail", "transportation")]
    orgs = {}
    for name, sector in ORGS + [("National CERT", "government-national")]:
        ident, _ = ht.admin(db, "org", "add", "--name", name, "--sector", sector,
                            *(["--coordinator"] if name == "National CERT" else []))
        tok, _ = ht.admin(db, "token", "issue", "--org", name, "--role", "analyst")
        sens, _ = ht.admin(db, "token", "issue", "--org", name, "--role", "sensor")
        orgs[name] = {"identity": ident, "analyst": tok, "sensor": sens, "sector": sector}
    coord_admin, _ = ht.admin(db, "token", "issue", "--org", "National CERT", "--role", "admin")
    hub = ht.Hub(db, work, plain=True, extra=["--threads", "4"]).start()


    def conn():
        return http.client.HTTPConnection("127.0.0.1", hub.port, timeout=600)


    def req(c, method, path, token, body=None, ctype=None, accept="application/json"):
        h = {"Authorization": "Bearer " + token, "Accept": accept}
        if ctype:
            h["Content-Type"] = ctype
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        return r.status, data


    c = conn()
    st, data = req(c, "GET", "/vigil/collections/", orgs["Grid North"]["analyst"], accept=ht.TAXII)
    colls = {x["title"]: x["id"] for x in json.loads(data)["collections"]}
    rnd = random.Random(7)
    tlps = ["clear", "green", "green", "amber", "amber", "amber+strict", "red"]
    t0 = time.time()
    posted = 0
    while posted < n_ind:
        name, sector = ORGS[posted // 1000 % len(ORGS)]
        batch = []
        for i in range(min(1000, n_ind - posted)):
            tlp = tlps[rnd.randrange(len(tlps))]
            o = ht.indicator(tlp, name=f"ind-{posted + i}", ip=f"10.{rnd.randrange(256)}."
                             f"{rnd.randrange(256)}.{rnd.randrange(1, 255)}")
            if tlp == "red":
                o["x_vigil_recipients"] = [orgs["National CERT"]["identity"]]
            batch.append(o)
        st, data = req(c, "POST", f"/vigil/collections/{colls[sector]}/objects/",
                       orgs[name]["analyst"], json.dumps({"objects": batch}), ht.TAXII, ht.TAXII)
        if st != 202:
            sys.exit(f"seeding indicators: {st} {data[:300]}")
        posted += len(batch)
    t_ind = time.time() - t0
    t0 = time.time()
    now = time.time()
    sent = 0
    sids = [(2000000 + i, f"ET bench signature {i}") for i in range(300)]
    while sent < n_sig:
        name, sector = ORGS[sent // 2000 % len(ORGS)]
        lines = []
        for i in range(min(2000, n_sig - sent)):
            t = now - rnd.random() * 30 * 86400
            sid, msg = sids[min(int(rnd.expovariate(1 / 30)), 299)]
            ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".000000+0000"
            lines.append(json.dumps({
                "timestamp": ts, "flow_id": rnd.randrange(1 << 40), "event_type": "alert",
                "src_ip": f"192.0.2.{rnd.randrange(1, 255)}", "src_port": 40000 + i % 20000,
                "dest_ip": f"198.51.100.{rnd.randrange(1, 255)}", "dest_port": 443, "proto": "TCP",
                "alert": {"action": "allowed", "gid": 1, "signature_id": sid, "rev": 1,
                          "signature": msg, "category": "A Network Trojan was detected",
                          "severity": 1 + sid % 3}}))
        tlp = ["green", "amber", "amber", "red"][sent // 2000 % 4]
        st, data = req(c, "POST", f"/api/v1/eve?tlp={tlp}", orgs[name]["sensor"],
                       "\n".join(lines), "application/x-ndjson")
        if st != 200:
            sys.exit(f"seeding sightings: {st} {data[:300]}")
        sent += len(lines)
    t_sig = time.time() - t0
    c.close()
    with open(os.path.join(work, "bench-state.json"), "w") as f:
        json.dump({"db": db, "orgs": orgs, "coord_admin": coord_admin, "pg": pg,
                   "n_ind": n_ind, "n_sig": n_sig, "backend": backend}, f)


st, data = req(conn(), "GET", "/healthz", orgs["Grid North"]["analyst"])
print(f"== dashboard bench ({backend}): {n_ind} indicators in {t_ind:.1f} s, {n_sig} sightings "
      f"(EVE alerts) in {t_sig:.1f} s; load average {os.getloadavg()[0]:.1f}, "
      f"{os.cpu_count()} CPUs")


def measure(token, path, n):
    c = conn()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        st, data = req(c, "GET", path, token)
        ts.append(time.perf_counter() - t)
        if st != 200:
            sys.exit(f"{path}: {st} {data[:200]}")
    c.close()
    ts.sort()
    return ts[len(ts) // 2] * 1000, ts[min(len(ts) - 1, int(len(ts) * 0.99))] * 1000, len(data)


N = int(os.environ.get("DASH_BENCH_REQUESTS", "100"))
paths = ["/api/v1/dashboard/overview?range=24h", "/api/v1/dashboard/overview?range=7d",
         "/api/v1/dashboard/overview?range=30d", "/api/v1/incidents?limit=50",
         "/api/v1/dashboard/indicators", "/api/v1/dashboard/indicators?q=10.1.&tlp=amber",
         f"/api/v1/dashboard/indicators?q=ind-{n_ind * 3 // 7}",
         "/api/v1/dashboard/indicators?q=no-such-value", "/api/v1/dashboard/sensors"]
base50, base99, _ = measure(orgs["Grid North"]["analyst"], "/healthz", N)
print(f"baseline GET /healthz: p50 {base50:.2f} ms, p99 {base99:.2f} ms")
for who in ("Grid North", "Bank One", "National CERT"):
    for p in paths:
        p50, p99, size = measure(orgs[who]["analyst"], p, N)
        print(f"{who:14s} {p:52s} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  "
              f"(x{p99 / base99:.0f} baseline p99, {size} bytes)")
    # the detail of the most sighted signature
    st, data = req(conn(), "GET", "/api/v1/dashboard/overview?range=30d", orgs[who]["analyst"])
    top = (json.loads(data)["top_signatures"] or [{}])[0].get("indicator_id")
    if top:
        p50, p99, size = measure(orgs[who]["analyst"], f"/api/v1/dashboard/indicators/{top}", N)
        print(f"{who:14s} {'/api/v1/dashboard/indicators/{top signature}':52s} p50 {p50:7.1f} ms"
              f"  p99 {p99:7.1f} ms")
for p in ("/api/v1/audit?limit=100", "/web/session"):
    p50, p99, size = measure(coord_admin, p, N)
    print(f"{'National CERT admin':14s} {p:52s} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms")
hub.stop()
if os.environ.get("DASH_BENCH_KEEP") == "1" and not pg:
    print(f"kept: {work} (bench/hub/dash-bench.py BUILD --measure {work})")
    sys.exit(0)
if pg:
    subprocess.run([os.path.join(src, "tests", "hub", "pg-fixture.sh"), "stop", pg])
subprocess.run(["rm", "-rf", work])
