#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""End-to-end test of `vigil hub` with a real process on loopback.

usage: hub_e2e.py sqlite | postgresql URI

Organisations in energy (two), financial-services, telecommunications and
transportation plus a coordinator; TAXII discovery, media types, auth, bad
input, the shared STIX sample bundles, a visibility matrix over TLP x sector x
role, versions, revocation, deletion, AMBER+STRICT re-posting, pagination over
10 000 objects, EVE reporting, correlation, risk, audit, concurrent writers,
slow clients, restart and SIGKILL durability."""
import glob
import json
import os
import shutil
import signal
import socket
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hub_integrity  # noqa: E402
from hubtest import (FAILURES, TAXII, TLP_IDS, Hub, admin, check, finish, indicator,  # noqa: E402
                     make_workdir, now_ts, raw_request)

SHARED = os.environ.get("VIGIL_SHARED",
                        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                     "shared"))
ORGS = [  # name, sector, coordinator
    ("PowerGrid", "energy", False),
    ("GasNet", "energy", False),
    ("BankCo", "financial-services", False),
    ("TelcoNet", "telecommunications", False),
    ("RailCo", "transportation", False),
    ("NatCERT", "government-national", True),
]
ROLES = ("sensor", "analyst", "admin")


def setup(db):
    orgs = {}
    for name, sector, coord in ORGS:
        args = ["org", "add", "--name", name, "--sector", sector] + (["--coordinator"] if coord else [])
        ident, _ = admin(db, *args)
        check(ident.startswith("identity--"), f"org add {name} prints the identity id: {ident!r}")
        orgs[name] = {"sector": sector, "coord": coord, "identity": ident, "tokens": {}}
        for role in ROLES:
            tok, _ = admin(db, "token", "issue", "--org", name, "--role", role)
            check(tok.startswith("vgl_") and len(tok) == 68, f"token issue prints a token: {tok!r}")
            orgs[name]["tokens"][role] = tok
    # CLI error handling
    _, r = admin(db, "org", "add", "--name", "X", "--sector", "not-a-sector", expect=2)
    check("not-a-sector" in r.stderr, "bad sector named in the error")
    _, r = admin(db, "org", "add", "--name", "PowerGrid", "--sector", "energy", expect=1)
    check("already exists" in r.stderr, "duplicate org refused")
    _, r = admin(db, "token", "issue", "--org", "Nobody", "--role", "analyst", expect=1)
    check("Nobody" in r.stderr, "unknown org named")
    _, r = admin(db, "token", "issue", "--org", "PowerGrid", "--role", "root", expect=2)
    out, _ = admin(db, "org", "list")
    _, r = admin(db, "org", "list")
    for name, _, _ in ORGS:
        check(name in r.stdout, f"org list shows {name}")
    return orgs


def collections_of(client):
    st, doc, _ = client.get("/vigil/collections/")
    check(st == 200, f"collections 200 (got {st})")
    return {c["title"]: c for c in doc.get("collections", [])}


def test_discovery_and_errors(hub, orgs):
    c = hub.client(orgs["PowerGrid"]["tokens"]["analyst"])
    st, doc, r = c.get("/taxii2/")
    check(st == 200 and doc["api_roots"], "discovery")
    check(r.getheader("Content-Type") == TAXII, "discovery media type")
    st, doc, _ = c.get("/vigil/")
    check(st == 200 and TAXII in doc["versions"], "api root")
    colls = collections_of(c)
    for t in ("national", "energy", "financial-services", "telecommunications", "transportation",
              "PowerGrid", "BankCo"):
        check(t in colls, f"collection {t} listed")
    check(colls["energy"]["can_write"] and not colls["financial-services"]["can_write"],
          "can_write: own sector only")
    check(colls["PowerGrid"]["can_write"] and not colls["BankCo"]["can_write"],
          "can_write: own organisation collection only")
    check(all(x["can_read"] for x in colls.values()), "can_read everywhere (content filtered)")
    sensor = hub.client(orgs["PowerGrid"]["tokens"]["sensor"])
    scolls = collections_of(sensor)
    check(not scolls["energy"]["can_write"] and scolls["PowerGrid"]["can_write"],
          "sensor writes only its organisation's collection")
    coord = collections_of(hub.client(orgs["NatCERT"]["tokens"]["analyst"]))
    check(coord["energy"]["can_write"], "coordinator can write sector collections")

    energy = colls["energy"]["id"]
    # authentication
    anon = hub.client(None)
    st, doc, r = anon.get("/vigil/collections/")
    check(st == 401 and r.getheader("WWW-Authenticate"), f"no credentials: 401 (got {st})")
    bad = hub.client("vgl_" + "0" * 64)
    st, doc, _ = bad.get("/vigil/collections/")
    check(st == 401 and doc["http_status"] == "401", "unknown token: 401 error object")
    st, _, _ = hub.client(orgs["PowerGrid"]["tokens"]["analyst"]).request(
        "GET", "/vigil/collections/", auth="bearer")
    check(st == 200, "Bearer token accepted")
    st, _, _ = anon.get("/vigil/", headers={"Authorization": "Basic !!!notbase64"})
    check(st == 401, "malformed Basic header: 401")
    # media types
    st, doc, _ = c.get("/vigil/collections/", headers={"Accept": "application/json"})
    check(st == 406 and doc["http_status"] == "406", f"wrong Accept: 406 (got {st})")
    st, _, _ = c.get("/vigil/collections/", headers={"Accept": "application/taxii+json;version=2.0"})
    check(st == 406, "TAXII 2.0 Accept: 406")
    st, _, _ = c.get("/vigil/collections/", headers={"Accept": "application/taxii+json"})
    check(st == 200, "Accept without version: 200")
    path = f"/vigil/collections/{energy}/objects/"
    st, doc, _ = c.request("POST", path, body=json.dumps({"objects": []}),
                           headers={"Content-Type": "application/json"})
    check(st == 415, f"wrong Content-Type: 415 (got {st})")
    st, doc, _ = c.request("POST", path, body="{\"objects\": [", headers={"Content-Type": TAXII})
    check(st == 400 and "invalid JSON" in doc["description"], "invalid JSON: 400 with reason")
    st, doc, _ = c.request("POST", path, body=json.dumps({"objects": [], "bogus": 1}),
                           headers={"Content-Type": TAXII})
    check(st == 400 and "bogus" in doc["description"], "unknown envelope field: 400 naming it")
    st, doc, _ = c.request("POST", path, body=json.dumps([1, 2]), headers={"Content-Type": TAXII})
    check(st == 400, "not an envelope: 400")
    st = raw_request(hub, orgs["PowerGrid"]["tokens"]["analyst"],
                     f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {TAXII}\r\n"
                     "Content-Length: 50000000\r\n")
    check(st == 413, f"oversized Content-Length: 413 before the body is read (got {st})")
    chunk = b"{" + b" " * 65536

    def chunks():
        for _ in range(80):
            yield chunk

    st, doc, _ = c.request("POST", path, body=chunks(),
                           headers={"Content-Type": TAXII})
    check(st == 413, f"oversized chunked body: 413 (got {st})")
    st, doc, _ = c.get(f"/vigil/collections/{energy}/objects/?limit=abc")
    check(st == 400 and "limit" in doc["description"], "bad limit: 400")
    st, doc, _ = c.get(f"/vigil/collections/{energy}/objects/?added_after=yesterday")
    check(st == 400 and "added_after" in doc["description"], "bad added_after: 400")
    st, doc, _ = c.get(f"/vigil/collections/{energy}/objects/?match[version]=sometimes")
    check(st == 400, "bad match[version]: 400")
    st, _, _ = c.get("/vigil/collections/00000000-0000-4000-8000-000000000000/objects/")
    check(st == 404, "unknown collection: 404")
    st, _, _ = c.get("/vigil/nothing/here/")
    check(st == 404, "unknown path: 404")
    st, _, _ = c.request("PUT", f"/vigil/collections/{energy}/objects/", body=b"")
    check(st == 405, "PUT objects: 405")
    st, doc, _ = c.post_objects(colls["financial-services"]["id"], [indicator(tlp="green")])
    check(st == 403, "write to another sector: 403")
    # invalid objects are rejected with a reason, valid ones in the same envelope stored
    good = indicator(tlp="green", name="good")
    bad_obj = indicator(tlp="green", name="bad")
    bad_obj["pattern"] = "[ipv4-addr:value = "
    no_id = {"type": "indicator", "spec_version": "2.1"}
    st, doc, _ = c.post_objects(energy, [good, bad_obj, no_id, "string"])
    check(st == 202 and doc["success_count"] == 1 and doc["failure_count"] == 3,
          f"mixed envelope: 1 stored, 3 failures ({doc})")
    fails = {f["id"]: f["message"] for f in doc.get("failures", [])}
    check(bad_obj["id"] in fails and fails[bad_obj["id"]], "invalid pattern reported with a reason")
    st2, sdoc, _ = c.get(f"/vigil/status/{doc['id']}/")
    check(st2 == 200 and sdoc["id"] == doc["id"] and sdoc["failure_count"] == 3, "status resource")
    st2, _, _ = hub.client(orgs["BankCo"]["tokens"]["analyst"]).get(f"/vigil/status/{doc['id']}/")
    check(st2 == 404, "another organisation cannot read the status")
    # sensors may only report sightings, observed-data, indicators
    own = colls["PowerGrid"]["id"]
    mal = {"type": "malware", "spec_version": "2.1", "id": f"malware--{uuid.uuid4()}",
           "created": now_ts(), "modified": now_ts(), "name": "m", "is_family": False}
    st, doc, _ = sensor.post_objects(own, [mal, indicator(tlp="amber")])
    check(st == 202 and doc["success_count"] == 1 and doc["failure_count"] == 1,
          f"sensor: malware refused, indicator stored ({doc})")
    # the national collection takes no AMBER
    st, doc, _ = c.post_objects(colls["national"]["id"], [indicator(tlp="amber"),
                                                          indicator(tlp="green")])
    check(st == 202 and doc["success_count"] == 1 and doc["failure_count"] == 1,
          "national: AMBER refused, GREEN stored")
    for x in (c, anon, bad, sensor):
        x.close()
    return colls


def test_samples(hub, orgs, colls):
    """The shared sample bundles. Objects naming another creator in
    created_by_ref are refused with the reason (only the creator may post
    an object); posted again without it, the hub attributes them to the
    poster and every valid object is stored."""
    c = hub.client(orgs["RailCo"]["tokens"]["analyst"])
    coll = colls["transportation"]["id"]
    total = 0
    for f in sorted(glob.glob(os.path.join(SHARED, "stix-samples", "*", "*.json"))):
        doc = json.load(open(f))
        if not isinstance(doc, dict) or "objects" not in doc:
            continue
        objs = doc["objects"]
        name = os.path.basename(f)
        foreign = {o.get("id") for o in objs if isinstance(o, dict) and o.get("created_by_ref")
                   and o.get("created_by_ref") != orgs["RailCo"]["identity"]
                   and o.get("type") != "marking-definition"}
        if len(objs) > 300:
            foreign = set()  # the large bundles only take the second pass (test time)
        st, status, _ = c.post_objects(coll, objs if foreign else [])
        check(st == 202, f"{name}: 202 (got {st})")
        if st != 202:
            continue
        fails = {x["id"]: x["message"] for x in status.get("failures", [])}
        for oid in foreign:
            if oid in fails:
                continue
            check(False, f"{name}: {oid} with a foreign created_by_ref refused")
        check(all("created_by_ref" in fails[o] for o in foreign if o in fails),
              f"{name}: the refusal names created_by_ref")
        stripped = [dict((k, v) for k, v in o.items() if k != "created_by_ref")
                    if isinstance(o, dict) else o for o in objs]
        st, status, _ = c.post_objects(coll, stripped)
        if name.startswith("NEGATIVE"):
            check(status["failure_count"] >= 1, f"{name}: defective object rejected")
        else:
            check(status["failure_count"] == 0,
                  f"{name}: all {len(objs)} stored ({status.get('failures', [])[:3]})")
        total += status["success_count"]
        # every stored object can be read back by its producer, attributed to it
        for o in stripped[:5]:
            if any(x["id"] == o["id"] for x in status.get("successes", [])):
                st, got, _ = c.get(f"/vigil/collections/{coll}/objects/{o['id']}/?match[version]=all")
                check(st == 200 and any(x["id"] == o["id"] for x in got.get("objects", [])),
                      f"{name}: {o['id']} readable")
    check(total > 2000, f"sample objects stored: {total}")
    c.close()


def expected_visible(tlp, producer, reader, coll_kind, coll_owner_sector, recipients):
    """The TLP 2.0 rules of issue 5, written independently of the server."""
    if reader == producer:
        return True
    if tlp in ("clear", "green"):
        return True
    if tlp in ("amber", "amber+strict", None):
        if ORG[reader]["coord"]:
            return True
        if coll_kind == "sector":
            return ORG[reader]["sector"] == coll_owner_sector
        return False  # own collection: only the organisation
    if tlp == "red":
        return reader in recipients
    raise AssertionError(tlp)


ORG = {}


def list_all(c, base):
    ids, path = set(), base + "?limit=1000"
    while True:
        st, doc, _ = c.get(path)
        check(st == 200, f"GET {path}: {st}")
        if st != 200:
            return ids
        ids |= {o["id"] for o in doc.get("objects", [])}
        if not doc["more"]:
            return ids
        path = f"{base}?limit=1000&next={doc['next']}"


def test_search_index(hub, orgs, colls):
    """The dashboard's value search finds what was just stored, through the
    bulk path (an envelope of several new ids), the per-object path (one
    object; a new version) and a group of concurrent posts: SQLite's
    trigram index is brought up to date in the transaction that stores
    them (hub_db_commit), not by a trigger per row."""
    c = hub.client(orgs["GasNet"]["tokens"]["analyst"])
    coll = colls["energy"]["id"]
    tag = uuid.uuid4().hex[:10]
    bulk = [indicator("green", name=f"srch-{tag}-bulk-{i}", ip=f"192.0.2.{i + 1}")
            for i in range(5)]
    single = indicator("green", name=f"srch-{tag}-single", ip="192.0.2.77")
    st, doc, _ = c.post_objects(coll, bulk)
    check(st == 202 and doc["success_count"] == 5, f"search: bulk envelope stored ({st})")
    st, doc, _ = c.post_objects(coll, [single])
    check(st == 202 and doc["success_count"] == 1, f"search: single object stored ({st})")
    newer = dict(single, modified=now_ts(1), name=f"srch-{tag}-newer")
    st, doc, _ = c.post_objects(coll, [newer])
    check(st == 202 and doc["success_count"] == 1, f"search: new version stored ({st})")
    errs = []

    def post(i):
        cc = hub.client(orgs["GasNet"]["tokens"]["analyst"])
        st, _, _ = cc.post_objects(coll, [indicator("green", name=f"srch-{tag}-conc-{i}")
                                          for _ in range(2)])
        if st != 202:
            errs.append(st)
        cc.close()
    threads = [threading.Thread(target=post, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errs, f"search: concurrent posts stored ({errs})")

    def names(q):
        st, doc, _ = c.get(f"/api/v1/dashboard/indicators?limit=100&q={q}")
        check(st == 200, f"search {q}: 200 (got {st})")
        return sorted(o.get("name", "") for o in (doc or {}).get("results", []))
    check(names(f"srch-{tag}-bulk") == [f"srch-{tag}-bulk-{i}" for i in range(5)],
          "search finds every object of a bulk envelope")
    check(names(f"{tag}-newer") == [f"srch-{tag}-newer"], "search finds a new version")
    check(names("192.0.2.77") == [f"srch-{tag}-newer"],
          "search by pattern value: the latest version only")
    check(len(names(f"srch-{tag}-conc")) == 8, "search finds the objects of concurrent posts")
    c.close()


def test_visibility_matrix(hub, orgs, colls):
    ORG.update({n: {"sector": s, "coord": c} for n, s, c in ORGS})
    posted = []  # (obj, tlp, producer, coll_kind, sector, recipients, coll_id)
    producers = ["PowerGrid", "BankCo", "TelcoNet", "RailCo", "NatCERT"]
    for prod in producers:
        c = hub.client(orgs[prod]["tokens"]["analyst"])
        sector = ORG[prod]["sector"]
        targets = [("org", colls[prod]["id"])]
        if not ORG[prod]["coord"]:
            targets.append(("sector", colls[sector]["id"]))
        else:
            targets.append(("sector", colls["energy"]["id"]))  # coordinator into a sector
        for kind, cid in targets:
            objs = []
            for tlp in ("clear", "green", "amber", "amber+strict", "red", None):
                rec = []
                if tlp == "red":
                    rec = ["GasNet" if prod != "GasNet" else "BankCo", "TelcoNet"]
                    rec = [r for r in rec if r != prod]
                o = indicator(tlp=tlp, name=f"{prod}-{kind}-{tlp}",
                              recipients=[orgs[r]["identity"] for r in rec] if rec else None,
                              tlp1=(tlp in ("green", "amber") and prod == "BankCo"))
                objs.append(o)
                psector = "energy" if ORG[prod]["coord"] else sector
                posted.append((o, tlp, prod, kind, psector, rec, cid))
            st, doc, _ = c.post_objects(cid, objs)
            check(st == 202 and doc["success_count"] == len(objs),
                  f"{prod} posts the TLP set into its {kind} collection ({doc})")
        c.close()
    by_coll = {}
    for p in posted:
        by_coll.setdefault(p[6], []).append(p)
    leaks = misses = 0
    for reader, _, _ in ORGS:
        for role in ROLES:
            c = hub.client(orgs[reader]["tokens"][role])
            for cid, items in by_coll.items():
                ids = {p[0]["id"] for p in items}
                listed = list_all(c, f"/vigil/collections/{cid}/objects/") & ids
                manifest = list_all(c, f"/vigil/collections/{cid}/manifest/") & ids
                for o, tlp, prod, kind, sector, rec, _ in items:
                    exp = expected_visible(tlp, prod, reader, kind, sector, rec)
                    where = f"{reader}/{role} TLP:{tlp} by {prod} in {kind}"
                    got_list = o["id"] in listed
                    got_man = o["id"] in manifest
                    st1, _, _ = c.get(f"/vigil/collections/{cid}/objects/{o['id']}/")
                    st2, ver, _ = c.get(f"/vigil/collections/{cid}/objects/{o['id']}/versions/")
                    seen = [got_list, got_man, st1 == 200, st2 == 200]
                    if exp and not all(seen):
                        misses += 1
                        check(False, f"{where}: should be visible, got {seen}")
                    if not exp and any(seen):
                        leaks += 1
                        check(False, f"LEAK {where}: {seen}")
                    if not exp:
                        check(st1 == 404 and st2 == 404, f"{where}: invisible is 404, not 403")
            c.close()
    check(leaks == 0, f"visibility matrix: {leaks} leaks")
    check(misses == 0, f"visibility matrix: {misses} wrongly hidden")
    # the sensor role reads indicators only
    s = hub.client(orgs["RailCo"]["tokens"]["sensor"])
    st, doc, _ = s.get(f"/vigil/collections/{colls['transportation']['id']}/objects/?limit=1000")
    check(all(o["type"] == "indicator" for o in doc.get("objects", [])),
          "sensor reads only indicators")
    s.close()
    # TLP 1.0 markings on input (BankCo used TLP 1.0 GREEN and AMBER) are emitted as TLP 2.0
    b = hub.client(orgs["BankCo"]["tokens"]["analyst"])
    for o, tlp, prod, kind, sector, rec, cid in posted:
        if prod == "BankCo" and tlp in ("green", "amber"):
            st, doc, _ = b.get(f"/vigil/collections/{cid}/objects/{o['id']}/")
            check(st == 200 and doc["objects"][0]["object_marking_refs"] == [TLP_IDS[tlp]],
                  f"TLP 1.0 {tlp} emitted as TLP 2.0")
    b.close()
    return posted


def test_versions_revoke_delete_strict(hub, orgs, colls):
    c = hub.client(orgs["PowerGrid"]["tokens"]["analyst"])
    energy = colls["energy"]["id"]
    oid = f"indicator--{uuid.uuid4()}"
    times = ["2024-01-01T00:00:00.000Z", "2024-02-01T00:00:00.000Z", "2024-03-01T00:00:00.000Z"]
    for t in (times[1], times[0], times[2]):  # out of order on purpose
        o = indicator(tlp="green", oid=oid, modified=t)
        o["created"] = times[0]
        st, doc, _ = c.post_objects(energy, [o])
        check(st == 202 and doc["success_count"] == 1, f"version {t} stored")
    st, doc, _ = c.get(f"/vigil/collections/{energy}/objects/{oid}/")
    check(st == 200 and len(doc["objects"]) == 1 and doc["objects"][0]["modified"] == times[2],
          "object GET returns the last version by default")
    st, doc, _ = c.get(f"/vigil/collections/{energy}/objects/{oid}/?match[version]=first")
    check(doc["objects"][0]["modified"] == times[0], "match[version]=first")
    st, doc, _ = c.get(f"/vigil/collections/{energy}/objects/{oid}/?match[version]=all")
    check(len(doc["objects"]) == 3, "match[version]=all")
    st, doc, _ = c.get(f"/vigil/collections/{energy}/objects/{oid}/?match[version]={times[1]}")
    check(len(doc["objects"]) == 1 and doc["objects"][0]["modified"] == times[1],
          "match[version]=timestamp")
    st, doc, _ = c.get(f"/vigil/collections/{energy}/objects/{oid}/versions/")
    check(st == 200 and len(doc["versions"]) == 3, "versions lists 3")
    st, doc, _ = c.post_objects(energy, [dict(indicator(tlp="green", oid=oid, modified=times[2]),
                                              created=times[0])])
    check(doc["success_count"] == 1, "re-posting the same version is idempotent")
    st, doc, _ = c.get(f"/vigil/collections/{energy}/objects/{oid}/versions/")
    check(len(doc["versions"]) == 3, "still 3 versions")
    # revoke, then no further version
    rv = dict(indicator(tlp="green", oid=oid, modified="2024-04-01T00:00:00.000Z"),
              created=times[0], revoked=True)
    st, doc, _ = c.post_objects(energy, [rv])
    check(doc["success_count"] == 1, "revocation stored")
    nv = dict(indicator(tlp="green", oid=oid, modified="2024-05-01T00:00:00.000Z"),
              created=times[0])
    st, doc, _ = c.post_objects(energy, [nv])
    check(doc["failure_count"] == 1 and "revoked" in doc["failures"][0]["message"],
          "no new version after revocation")
    # match filters
    st, doc, _ = c.get(f"/vigil/collections/{energy}/objects/?match[type]=malware")
    check(all(o["type"] == "malware" for o in doc.get("objects", [])), "match[type]")
    st, doc, _ = c.get(f"/vigil/collections/{energy}/objects/?match[id]={oid}")
    check(len(doc["objects"]) == 1 and doc["objects"][0]["id"] == oid, "match[id]")
    st, doc, _ = c.get(f"/vigil/collections/{energy}/objects/?match[spec_version]=2.0")
    check(not doc.get("objects"), "match[spec_version]=2.0 matches nothing")
    # delete: other organisation's analyst may not; producer may
    g = hub.client(orgs["GasNet"]["tokens"]["analyst"])
    st, _, _ = g.request("DELETE", f"/vigil/collections/{energy}/objects/{oid}/")
    check(st == 403, f"delete by non-producer: 403 (got {st})")
    b = hub.client(orgs["BankCo"]["tokens"]["analyst"])
    red = indicator(tlp="red", recipients=[])
    st, doc, _ = c.post_objects(energy, [red])
    st, _, _ = b.request("DELETE", f"/vigil/collections/{energy}/objects/{red['id']}/")
    check(st == 404, f"delete of an invisible object: 404 (got {st})")
    st, _, _ = c.request("DELETE", f"/vigil/collections/{energy}/objects/{oid}/")
    check(st == 200, "delete by producer")
    st, _, _ = c.get(f"/vigil/collections/{energy}/objects/{oid}/")
    check(st == 404, "deleted object is gone")
    # AMBER+STRICT: never re-posted elsewhere except by its producer
    strict = indicator(tlp="amber+strict", name="strict")
    st, doc, _ = c.post_objects(energy, [strict])
    check(doc["success_count"] == 1, "strict object stored")
    st, doc, _ = g.post_objects(colls["GasNet"]["id"], [strict])
    check(doc["failure_count"] == 1 and "AMBER+STRICT" in doc["failures"][0]["message"],
          "AMBER+STRICT re-post by another organisation refused")
    st, doc, _ = c.post_objects(colls["PowerGrid"]["id"], [strict])
    check(doc["success_count"] == 1, "AMBER+STRICT re-post by its producer accepted")
    for x in (c, g, b):
        x.close()


def test_pagination(hub, orgs, colls, n=10000, batch=1000):
    c = hub.client(orgs["TelcoNet"]["tokens"]["analyst"])
    cid = colls["TelcoNet"]["id"]
    ids = []
    t0 = time.time()
    for i in range(0, n, batch):
        objs = [indicator(tlp="green", name=f"p{i + j}", ip=f"10.{(i + j) >> 16 & 255}."
                          f"{(i + j) >> 8 & 255}.{(i + j) & 255}") for j in range(batch)]
        st, doc, _ = c.post_objects(cid, objs)
        check(st == 202 and doc["success_count"] == batch, f"bulk POST {i}: {st}")
        ids += [o["id"] for o in objs]
    rate = n / (time.time() - t0)
    # next-based paging
    seen, path, pages, last_added = [], f"/vigil/collections/{cid}/objects/?limit=700", 0, ""
    while True:
        st, doc, r = c.get(path)
        check(st == 200, "page 200")
        objs = doc.get("objects", [])
        seen += [o["id"] for o in objs]
        first = r.getheader("X-TAXII-Date-Added-First")
        check(first is not None and first > last_added, "date_added strictly increases across pages")
        last_added = r.getheader("X-TAXII-Date-Added-Last")
        pages += 1
        if not doc["more"]:
            break
        path = f"/vigil/collections/{cid}/objects/?limit=700&next={doc['next']}"
    check(len(seen) == len(set(seen)), "no object repeated by next paging")
    check(set(ids) <= set(seen), f"every object paged ({len(set(ids) - set(seen))} missing)")
    # added_after paging with the date headers
    seen2, after = [], None
    while True:
        q = f"/vigil/collections/{cid}/manifest/?limit=1000" + (f"&added_after={after}" if after else "")
        st, doc, r = c.get(q)
        objs = doc.get("objects", [])
        if not objs:
            break
        seen2 += [o["id"] for o in objs]
        after = r.getheader("X-TAXII-Date-Added-Last")
    check(len(seen2) == len(set(seen2)) and set(ids) <= set(seen2),
          "added_after paging neither skips nor repeats")
    c.close()
    return rate


def eve_line(sid, ts, src="10.0.0.5", severity=2, msg="ET TEST rule"):
    return json.dumps({"timestamp": ts, "event_type": "alert", "src_ip": src, "src_port": 4444,
                       "dest_ip": "192.0.2.10", "dest_port": 80, "proto": "TCP",
                       "alert": {"action": "allowed", "gid": 1, "signature_id": sid, "rev": 1,
                                 "signature": msg, "category": "test", "severity": severity}})


def test_eve_risk_incidents(hub, orgs):
    ts = time.strftime("%Y-%m-%dT%H:%M:%S.000000+0000", time.gmtime(time.time() - 5))
    ts2 = time.strftime("%Y-%m-%dT%H:%M:%S.000000+0000", time.gmtime(time.time() - 3))
    sid = 9000000 + int(time.time()) % 100000
    body_a = "\n".join([eve_line(sid, ts), eve_line(sid, ts2, severity=1),
                        json.dumps({"event_type": "flow", "timestamp": ts}), "not json"]) + "\n"
    a = hub.client(orgs["PowerGrid"]["tokens"]["sensor"])
    st, doc, _ = a.request("POST", "/api/v1/eve", body=body_a,
                           headers={"Content-Type": "application/x-ndjson"})
    check(st == 200 and doc["alerts"] == 2 and doc["stored"] == 2 and doc["skipped"] == 1
          and doc["failed"] == 1, f"EVE from PowerGrid ({st} {doc})")
    st, doc, _ = a.request("POST", "/api/v1/eve", body=body_a,
                           headers={"Content-Type": "text/plain"})
    check(st == 415, "EVE with wrong media type: 415")
    # EVE lines are parsed by the envelopes' fast parser; a repeated key (which
    # it leaves to jansson) is still accepted as before, the last value winning
    dup = eve_line(sid + 1, ts).replace("{", '{"event_type": "flow", ', 1)
    st, doc, _ = a.request("POST", "/api/v1/eve", body=dup + "\n" + eve_line(sid + 1, ts2),
                           headers={"Content-Type": "application/x-ndjson"})
    check(st == 200 and doc["alerts"] == 2 and doc["stored"] == 2,
          f"EVE line with a repeated key accepted, the last value winning ({st} {doc})")
    b = hub.client(orgs["BankCo"]["tokens"]["sensor"])
    st, doc, _ = b.request("POST", "/api/v1/eve?tlp=green", body=eve_line(sid, ts, src="10.9.9.9"),
                           headers={"Content-Type": "application/x-ndjson"})
    check(st == 200 and doc["stored"] == 1, f"EVE from BankCo ({st} {doc})")
    # the shared rule indicator id is the same for both organisations. PowerGrid's
    # sightings are AMBER in its own collection, BankCo's GREEN.
    incidents = {}
    for who in ("PowerGrid", "BankCo", "NatCERT", "TelcoNet"):
        c = hub.client(orgs[who]["tokens"]["analyst"])
        st, doc, _ = c.get("/api/v1/incidents", headers={"Accept": "application/json"})
        check(st == 200, f"incidents for {who}")
        incidents[who] = doc.get("incidents", []) if doc else []
        c.close()
    mine = [i for i in incidents["NatCERT"] if i["organisations_affected"] >= 2]
    check(len(mine) >= 1, "coordinator sees the cross-organisation incident")
    if mine:
        inc = mine[0]
        check({s["organisation"] for s in inc["sightings"]} == {"PowerGrid", "BankCo"},
              "coordinator sees the sightings of both")
        check(any(i["id"] == inc["id"] for i in incidents["PowerGrid"]),
              "PowerGrid (its own sightings and BankCo's GREEN ones) sees it")
        check(not any(i["id"] == inc["id"] for i in incidents["BankCo"]),
              "incidents_filtered_by_sighting_tlp: BankCo, which sees only its own sightings "
              "(PowerGrid's are AMBER in PowerGrid's collection), does not see the incident")
        check(not any(i["id"] == inc["id"] for i in incidents["TelcoNet"]),
              "TelcoNet (not affected) does not")
    # incidents_filtered_by_sighting_tlp: sightings the coordinator may not see (RED)
    # raise no incident in its view
    sid2 = sid + 1
    for who, tlp in (("RailCo", "red"), ("TelcoNet", "red")):
        x = hub.client(orgs[who]["tokens"]["sensor"])
        st, doc, _ = x.request("POST", f"/api/v1/eve?tlp={tlp}", body=eve_line(sid2, ts),
                               headers={"Content-Type": "application/x-ndjson"})
        check(st == 200 and doc["stored"] == 1, f"EVE from {who} ({st} {doc})")
        x.close()
    c = hub.client(orgs["NatCERT"]["tokens"]["analyst"])
    st, doc, _ = c.get("/api/v1/incidents", headers={"Accept": "application/json"})
    ind2 = [i for i in doc.get("incidents", []) if i["sightings"] and
            i["indicator_id"] != (mine[0]["indicator_id"] if mine else "")]
    check(all(i["organisations_affected"] == len({s["organisation"] for s in i["sightings"]})
              and i["organisations_affected"] >= 2 for i in doc.get("incidents", [])),
          "incidents_filtered_by_sighting_tlp: organisations_affected counts visible sightings only")
    check(not ind2, f"incidents_filtered_by_sighting_tlp: no incident from RED sightings ({ind2})")
    c.close()
    c = hub.client(orgs["NatCERT"]["tokens"]["analyst"])
    st, doc, _ = c.get("/api/v1/risk", headers={"Accept": "application/json"})
    sectors = {s["sector"]: s for s in doc.get("sectors", [])} if doc else {}
    check("energy" in sectors and "financial-services" in sectors, f"risk per sector ({doc})")
    if "energy" in sectors:
        e = sectors["energy"]
        check(e["sightings_24h"]["high"] >= 1 and e["sightings_24h"]["medium"] >= 1,
              "risk counts by severity")
        check(e["organisations_affected"] >= 1 and e["top_indicators"], "risk top indicators")
    st, doc, _ = c.get("/api/v1/risk?until=2001-01-01T00:00:00Z",
                       headers={"Accept": "application/json"})
    check(st == 200 and doc["sectors"] == [], "risk windows end at ?until=")
    st, _, _ = c.get("/api/v1/risk?until=soon", headers={"Accept": "application/json"})
    check(st == 400, "bad until: 400")
    t = hub.client(orgs["TelcoNet"]["tokens"]["analyst"])
    st, doc, _ = t.get("/api/v1/risk", headers={"Accept": "application/json"})
    check(st == 200 and not any(s["sector"] == "energy" for s in doc.get("sectors", [])),
          "TelcoNet's risk view does not count other sectors' AMBER sightings")
    for x in (a, b, c, t):
        x.close()


def test_audit(hub, orgs, colls):
    c = hub.client(orgs["NatCERT"]["tokens"]["admin"])
    st, doc, _ = c.get(f"/vigil/collections/{colls['energy']['id']}/objects/?limit=50")
    time.sleep(0.6)  # read audit entries are flushed every 200 ms
    st, doc, _ = c.get("/api/v1/audit?limit=5000", headers={"Accept": "application/json"})
    check(st == 200, "audit for the coordinator's admin")
    actions = {e["action"] for e in doc.get("entries", [])}
    check({"write", "read"} <= actions, f"audit has writes and AMBER/RED reads ({actions})")
    reads = [e for e in doc["entries"] if e["action"] == "read"]
    check(all(e["tlp"] in ("amber", "amber+strict", "red") for e in reads),
          "only AMBER/RED reads are audited")
    a = hub.client(orgs["PowerGrid"]["tokens"]["analyst"])
    st, _, _ = a.get("/api/v1/audit", headers={"Accept": "application/json"})
    check(st == 403, "audit refused to a non-admin")
    c.close()
    a.close()


def test_concurrent_writers(hub, orgs, colls):
    errors = []

    def writer(org, cid, k):
        c = hub.client(orgs[org]["tokens"]["analyst"])
        for i in range(k):
            st, doc, _ = c.post_objects(cid, [indicator(tlp="green") for _ in range(50)])
            if st != 202 or doc["success_count"] != 50:
                errors.append((org, st))
        c.close()

    threads = [threading.Thread(target=writer, args=(o, colls[o]["id"], 10))
               for o in ("PowerGrid", "GasNet", "BankCo", "RailCo")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    check(not errors, f"concurrent writers all acknowledged ({errors[:3]})")


def test_slow_client(hub, orgs):
    s = socket.create_connection(("127.0.0.1", hub.port))
    if not hub.plain:
        import ssl
        ctx = ssl.create_default_context(cafile=os.path.join(hub.workdir, "hub-cert.pem"))
        s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    s.sendall(b"GET /vigil/ HTTP/1.1\r\nHost: x\r\n")  # never finishes the headers
    s.settimeout(15)
    t0 = time.time()
    try:
        data = s.recv(100)
    except (socket.timeout, OSError):
        data = None
    check(data == b"" or (data is not None and time.time() - t0 < 14),
          "slow client disconnected after the idle timeout")
    s.close()
    c = hub.client(orgs["PowerGrid"]["tokens"]["analyst"])
    st, _, _ = c.get("/vigil/")
    check(st == 200, "hub still serves after a slow client")
    c.close()


def count_visible(hub, token, cid):
    c = hub.client(token)
    n, path = 0, f"/vigil/collections/{cid}/manifest/?limit=1000"
    ids = set()
    while True:
        st, doc, _ = c.get(path)
        if st != 200:
            raise RuntimeError(f"manifest {st}")
        ids |= {o["id"] for o in doc.get("objects", [])}
        if not doc["more"]:
            break
        path = f"/vigil/collections/{cid}/manifest/?limit=1000&next={doc['next']}"
    c.close()
    return ids


def group_commit_counts(hub, tok):
    c = hub.client(tok)
    st, raw, _ = c.request("GET", "/metrics", headers={"Accept": "text/plain"}, raw=True)
    c.close()
    vals = {}
    for line in raw.decode().splitlines() if st == 200 else []:
        name, _, v = line.partition(" ")
        if name in ("vigil_hub_group_commits_total", "vigil_hub_group_commit_posts_total"):
            vals[name] = int(v)
    return vals.get("vigil_hub_group_commits_total", 0), vals.get(
        "vigil_hub_group_commit_posts_total", 0)


def test_sigkill(hub, orgs, colls):
    """Bulk and small POSTs from six clients while the hub is killed: the
    writers' envelopes are committed together (group commit) and every
    acknowledged object survives."""
    cid = colls["RailCo"]["id"]
    tok = orgs["RailCo"]["tokens"]["analyst"]
    acked, stop = [], threading.Event()
    c0, p0 = group_commit_counts(hub, tok)

    def writer(size):
        c = hub.client(tok)
        while not stop.is_set():
            objs = [indicator(tlp="amber") for _ in range(size)]
            try:
                st, doc, _ = c.post_objects(cid, objs)
            except Exception:
                return
            if st == 202:
                acked.extend(s["id"] for s in doc.get("successes", []))

    threads = [threading.Thread(target=writer, args=(n,)) for n in (500, 500, 20, 20, 20, 20)]
    for t in threads:
        t.start()
    time.sleep(2.5)
    # (slow builds: wait for the first acknowledgement and for a commit that
    # carried more than one POST, at most a minute)
    deadline = time.time() + 60
    while time.time() < deadline:
        commits, posts = group_commit_counts(hub, tok)
        if acked and posts - p0 > commits - c0:
            break
        time.sleep(0.2)
    check(posts - p0 > commits - c0 > 0,
          f"group commit: concurrent POSTs share commits ({posts - p0} POSTs in {commits - c0} commits)")
    time.sleep(0.5)
    hub.proc.send_signal(signal.SIGKILL)
    stop.set()
    for t in threads:
        t.join()
    hub.stop()
    check(len(acked) > 0, "some bulk POSTs were acknowledged before SIGKILL")
    hub.start()
    ids = count_visible(hub, tok, cid)
    lost = [i for i in acked if i not in ids]
    check(not lost, f"SIGKILL lost {len(lost)} of {len(acked)} acknowledged objects")
    c = hub.client(tok)
    st, doc, _ = c.post_objects(cid, [indicator(tlp="green")])
    check(st == 202 and doc["success_count"] == 1, "hub writes again after SIGKILL recovery")
    c.close()


def test_two_hubs(hub, orgs, colls, db, work):
    """Two hub processes on one database, writing concurrently into one
    collection: every acknowledged object is read back exactly once by
    added_after paging through either hub."""
    w2 = os.path.join(work, "hub2")
    os.makedirs(w2, exist_ok=True)
    # the second hub is given the first one's certificate with --cert/--key
    shutil.copy(os.path.join(work, "hub-cert.pem"), w2)
    hub2 = Hub(db, w2, extra=["--threads", "2", "--cert", os.path.join(work, "hub-cert.pem"),
                              "--key", os.path.join(work, "hub-key.pem")]).start()
    check(hub2.fingerprint == hub.fingerprint, "--cert/--key: the given certificate is served")
    check(not os.path.exists(os.path.join(w2, "hub-key.pem")), "--cert/--key: nothing generated")
    cid = colls["energy"]["id"]
    acked, errors = [], []

    def writer(h, org):
        c = h.client(orgs[org]["tokens"]["analyst"])
        for _ in range(8):
            objs = [indicator(tlp="green") for _ in range(200)]
            st, doc, _ = c.post_objects(cid, objs)
            if st != 202 or doc["success_count"] != 200:
                errors.append(st)
            else:
                acked.extend(o["id"] for o in objs)
        c.close()

    try:
        threads = [threading.Thread(target=writer, args=(h, o))
                   for h in (hub, hub2) for o in ("PowerGrid", "GasNet")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        check(not errors, f"two hubs: all writes acknowledged ({errors[:3]})")
        for h in (hub, hub2):
            c = h.client(orgs["GasNet"]["tokens"]["analyst"])
            seen, after = [], None
            while True:
                q = f"/vigil/collections/{cid}/manifest/?limit=333" + (
                    f"&added_after={after}" if after else "")
                st, doc, r = c.get(q)
                objs = doc.get("objects", [])
                if not objs:
                    break
                dates = [o["date_added"] for o in objs]
                check(dates == sorted(dates) and len(set(dates)) == len(dates),
                      "date_added strictly increasing")
                seen += [o["id"] for o in objs]
                after = r.getheader("X-TAXII-Date-Added-Last")
            c.close()
            check(len(seen) == len(set(seen)), "two hubs: no object repeated")
            check(set(acked) <= set(seen), f"two hubs: {len(set(acked) - set(seen))} objects skipped")
    finally:
        hub2.stop()


def test_manage(hub, orgs):
    J = {"Accept": "application/json", "Content-Type": "application/json"}
    anyone = hub.client(orgs["RailCo"]["tokens"]["sensor"])
    st, doc, _ = anyone.get("/api/v1/orgs", headers={"Accept": "application/json"})
    check(st == 200 and {o["name"] for o in doc["organisations"]} >= {n for n, _, _ in ORGS},
          "any member lists organisations and their identities")
    hub_admin = hub.client(orgs["NatCERT"]["tokens"]["admin"])
    org_admin = hub.client(orgs["RailCo"]["tokens"]["admin"])
    analyst = hub.client(orgs["RailCo"]["tokens"]["analyst"])
    body = json.dumps({"name": "PortAuthority", "sector": "transportation"})
    st, _, _ = org_admin.request("POST", "/api/v1/orgs", body=body, headers=J)
    check(st == 403, "an organisation's admin cannot add organisations")
    st, doc, _ = hub_admin.request("POST", "/api/v1/orgs", body=body, headers=J)
    check(st == 201 and doc["identity_id"].startswith("identity--"), f"coordinator adds an org ({doc})")
    st, _, _ = hub_admin.request("POST", "/api/v1/orgs", body=body, headers=J)
    check(st == 409, "duplicate organisation: 409")
    st, _, _ = hub_admin.request("POST", "/api/v1/orgs", body=json.dumps(
        {"name": "Y", "sector": "moon"}), headers=J)
    check(st == 400, "bad sector: 400")
    st, _, _ = hub_admin.request("POST", "/api/v1/orgs", body=json.dumps(
        {"name": "Y", "sector": "energy", "extra": 1}), headers=J)
    check(st == 400, "unknown field: 400")
    st, doc, _ = org_admin.request("POST", "/api/v1/tokens", body=json.dumps({"role": "sensor"}),
                                   headers=J)
    check(st == 201 and doc["token"].startswith("vgl_"), "org admin issues its own sensor token")
    new_tok = doc.get("token", "")
    st, _, _ = org_admin.request("POST", "/api/v1/tokens", body=json.dumps(
        {"role": "sensor", "org": "BankCo"}), headers=J)
    check(st == 403, "org admin cannot issue another organisation's tokens")
    st, _, _ = analyst.request("POST", "/api/v1/tokens", body=json.dumps({"role": "sensor"}),
                               headers=J)
    check(st == 403, "analyst cannot issue tokens")
    st, doc, _ = hub_admin.request("POST", "/api/v1/tokens", body=json.dumps(
        {"role": "analyst", "org": "PortAuthority"}), headers=J)
    check(st == 201, "coordinator admin issues tokens for any organisation")
    c = hub.client(new_tok)
    st, _, _ = c.get("/vigil/")
    check(st == 200, "issued token works")
    c.close()
    b_admin = hub.client(orgs["BankCo"]["tokens"]["admin"])
    st, _, _ = b_admin.request("POST", "/api/v1/tokens/revoke", body=json.dumps(
        {"token": new_tok}), headers=J)
    check(st == 404, "another organisation's admin cannot revoke (and learns nothing)")
    st, _, _ = org_admin.request("POST", "/api/v1/tokens/revoke", body=json.dumps(
        {"token": new_tok}), headers=J)
    check(st == 200, "org admin revokes its token")
    c = hub.client(new_tok)
    st, _, _ = c.get("/vigil/")
    check(st == 401, "revoked token refused")
    for x in (c, anyone, hub_admin, org_admin, analyst, b_admin):
        x.close()


def test_restart_and_tokens(hub, orgs, colls, db):
    before = count_visible(hub, orgs["TelcoNet"]["tokens"]["analyst"], colls["TelcoNet"]["id"])
    fingerprint = hub.fingerprint
    rc = hub.stop()
    check(rc == 0, f"hub stops cleanly on SIGTERM (rc {rc})")
    hub.start()
    check(hub.fingerprint == fingerprint, "the generated certificate is kept across restarts")
    after = count_visible(hub, orgs["TelcoNet"]["tokens"]["analyst"], colls["TelcoNet"]["id"])
    check(before == after and len(after) >= 10000, "restart keeps every object")
    tok, _ = admin(db, "token", "issue", "--org", "BankCo", "--role", "analyst")
    c = hub.client(tok)
    st, _, _ = c.get("/vigil/")
    check(st == 200, "fresh token works")
    admin(db, "token", "revoke", tok)
    c.close()
    c = hub.client(tok)
    st, _, _ = c.get("/vigil/")
    check(st == 401, "revoked token refused")
    c.close()


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ("sqlite", "postgresql"):
        print("usage: hub_e2e.py sqlite | postgresql URI", file=sys.stderr)
        return 2
    work = make_workdir("vigil-hub-e2e-")
    if sys.argv[1] == "sqlite":
        db = f"sqlite:{work}/hub.db"
    else:
        db = sys.argv[2]
    t0 = time.time()
    hub = None
    try:
        orgs = setup(db)
        hub = Hub(db, work, extra=["--max-body", "4194304", "--timeout", "3", "--threads", "4"])
        hub.start()
        check(hub.fingerprint is not None, "TLS fingerprint printed")
        colls = test_discovery_and_errors(hub, orgs)

        def step(fn, *args):
            """Runs one test; an exception is a failure, and a dead hub is restarted
            so the remaining tests still run."""
            try:
                return fn(*args)
            except Exception as e:  # noqa: BLE001
                check(False, f"{fn.__name__}: {type(e).__name__}: {e}")
                if hub.proc is None or hub.proc.poll() is not None:
                    check(False, f"{fn.__name__}: the hub died (exit {hub.proc.returncode if hub.proc else '?'})")
                    hub.stop()
                    hub.start()
            return None

        step(test_samples, hub, orgs, colls)
        step(test_visibility_matrix, hub, orgs, colls)
        step(test_versions_revoke_delete_strict, hub, orgs, colls)
        step(test_search_index, hub, orgs, colls)
        rate = step(test_pagination, hub, orgs, colls)
        if rate:
            print(f"bulk ingest during the test: {rate:.0f} objects/s")
        step(test_audit, hub, orgs, colls)
        step(test_concurrent_writers, hub, orgs, colls)
        step(test_slow_client, hub, orgs)
        step(test_eve_risk_incidents, hub, orgs)
        step(test_two_hubs, hub, orgs, colls, db, work)
        step(test_manage, hub, orgs)
        step(hub_integrity.test_ownership, hub, orgs, colls)
        step(hub_integrity.test_side_channels, hub, orgs, colls)
        step(hub_integrity.test_granular_markings, hub, orgs, colls)
        step(hub_integrity.test_tokens, hub, orgs)
        step(hub_integrity.test_limits, hub, orgs, colls)
        step(hub_integrity.test_interop, hub, orgs, colls)
        step(hub_integrity.test_auth_before_body, hub, orgs, colls)
        step(test_restart_and_tokens, hub, orgs, colls, db)
        step(test_sigkill, hub, orgs, colls)
    finally:
        if hub and hub.proc:
            rc = hub.stop()
            check(rc == 0, f"final stop: exit {rc}")
        log = open(os.path.join(work, "hub.log"), errors="replace").read() if os.path.exists(
            os.path.join(work, "hub.log")) else ""
        for bad in ("runtime error", "AddressSanitizer", "LeakSanitizer", "Assertion"):
            check(bad not in log, f"hub log has no '{bad}'")
        if not FAILURES:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work dir kept:", work, file=sys.stderr)
    print(f"elapsed {time.time() - t0:.1f}s")
    finish(f"hub_e2e[{sys.argv[1]}]")


if __name__ == "__main__":
    sys.exit(main())
