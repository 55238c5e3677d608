# SPDX-License-Identifier: Apache-2.0
"""Issue 12 tests run inside hub_e2e.py (both backends): object ownership,
side channels, granular TLP markings, token expiry/rotation/listing, size
limits and interoperability. Each test is named after the hole it closes."""
import json
import socket
import ssl
import os
import time
import uuid
import base64

from hubtest import TAXII, TLP_IDS, check, indicator, now_ts

J = {"Accept": "application/json", "Content-Type": "application/json"}


def get_obj(c, cid, oid, q=""):
    st, doc, _ = c.get(f"/vigil/collections/{cid}/objects/{oid}/{q}")
    return st, (doc.get("objects") or [None])[0] if st == 200 and doc else None


def test_ownership(hub, orgs, colls):
    pg = hub.client(orgs["PowerGrid"]["tokens"]["analyst"])
    gas = hub.client(orgs["GasNet"]["tokens"]["analyst"])
    bank = hub.client(orgs["BankCo"]["tokens"]["analyst"])
    energy = colls["energy"]["id"]
    o = indicator(tlp="green", name="PowerGrid original", modified="2025-01-01T00:00:00.000Z")
    st, doc, _ = pg.post_objects(energy, [o])
    check(doc["success_count"] == 1, "owner posts its indicator")
    st, got = get_obj(pg, energy, o["id"])
    check(got and got.get("created_by_ref") == orgs["PowerGrid"]["identity"],
          "created_by_ref_set_by_hub: an object without created_by_ref gets the poster's identity")
    # forged_version_by_other_org_refused
    forged = dict(o, name="forged by GasNet", modified="2025-02-01T00:00:00.000Z")
    st, doc, _ = gas.post_objects(energy, [forged])
    check(doc["failure_count"] == 1 and "creator" in doc["failures"][0]["message"],
          f"forged_version_by_other_org_refused ({doc})")
    st, got = get_obj(bank, energy, o["id"])
    check(got and got["name"] == "PowerGrid original", "readers still see the owner's text")
    # revoke_by_other_org_refused
    rv = dict(o, revoked=True, modified="2025-03-01T00:00:00.000Z")
    st, doc, _ = gas.post_objects(energy, [rv])
    check(doc["failure_count"] == 1, "revoke_by_other_org_refused")
    upd = dict(o, name="PowerGrid v2", modified="2025-04-01T00:00:00.000Z")
    st, doc, _ = pg.post_objects(energy, [upd])
    check(doc["success_count"] == 1, "the owner still updates its object")
    # created_by_ref_foreign_refused
    x = indicator(tlp="green")
    x["created_by_ref"] = orgs["PowerGrid"]["identity"]
    st, doc, _ = gas.post_objects(energy, [x])
    check(doc["failure_count"] == 1 and "created_by_ref" in doc["failures"][0]["message"],
          f"created_by_ref_foreign_refused ({doc})")
    x["created_by_ref"] = orgs["GasNet"]["identity"]
    st, doc, _ = gas.post_objects(energy, [x])
    check(doc["success_count"] == 1, "created_by_ref naming the poster is accepted")
    # identity_managed_by_hub: members cannot rewrite an organisation's identity
    nat = colls["national"]["id"]
    st, ident = get_obj(bank, nat, orgs["PowerGrid"]["identity"])
    check(ident is not None, "organisation identity is in the national collection")
    if ident:
        ident2 = dict(ident, name="Owned by BankCo", contact_information="evil@example.com",
                      modified=now_ts())
        for who, c in (("BankCo", bank), ("PowerGrid", pg)):
            st, doc, _ = c.post_objects(nat, [ident2])
            check(doc["failure_count"] == 1 and "managed by the hub" in doc["failures"][0]["message"],
                  f"identity_managed_by_hub: {who} may not rewrite the identity ({doc})")
        st, again = get_obj(bank, nat, orgs["PowerGrid"]["identity"])
        check(again and again["name"] == "PowerGrid", "identity unchanged")
    # coordinator_correction_audited
    natadm = hub.client(orgs["NatCERT"]["tokens"]["admin"])
    natana = hub.client(orgs["NatCERT"]["tokens"]["analyst"])
    corr = dict(upd, name="corrected by the CERT", modified="2025-05-01T00:00:00.000Z")
    st, doc, _ = natana.post_objects(energy, [dict(corr, x_vigil_correction_reason="typo")])
    check(doc["failure_count"] == 1, "a coordinator analyst may not correct")
    st, doc, _ = natadm.post_objects(energy, [corr])
    check(doc["failure_count"] == 1, "a correction needs x_vigil_correction_reason")
    st, doc, _ = natadm.post_objects(energy, [dict(corr, x_vigil_correction_reason="wrong name")])
    check(doc["success_count"] == 1, f"coordinator_correction_audited: stored ({doc})")
    st, got = get_obj(bank, energy, o["id"])
    check(got and got["name"] == "corrected by the CERT"
          and got.get("created_by_ref") == orgs["PowerGrid"]["identity"]
          and got.get("x_vigil_corrected_by") == orgs["NatCERT"]["identity"],
          f"correction keeps the creator and names the corrector ({got})")
    retract = dict(corr, revoked=True, modified="2025-06-01T00:00:00.000Z",
                   x_vigil_correction_reason="false positive")
    st, doc, _ = natadm.post_objects(energy, [retract])
    check(doc["success_count"] == 1, "coordinator retracts (revokes)")
    time.sleep(0.3)
    st, doc, _ = natadm.get("/api/v1/audit?limit=200", headers={"Accept": "application/json"})
    acts = {(e["action"], e.get("object")) for e in doc.get("entries", [])}
    check(("correct", o["id"]) in acts and ("retract", o["id"]) in acts,
          "coordinator_correction_audited: correct and retract in the audit log")
    for c in (pg, gas, bank, natadm, natana):
        c.close()


def post_summary(doc):
    """What a poster learns from a status, without ids."""
    return (doc["success_count"], doc["failure_count"],
            sorted(f["message"].split(": ", 1)[-1] for f in doc.get("failures", [])))


def test_side_channels(hub, orgs, colls):
    pg = hub.client(orgs["PowerGrid"]["tokens"]["analyst"])
    gas = hub.client(orgs["GasNet"]["tokens"]["analyst"])
    bank = hub.client(orgs["BankCo"]["tokens"]["analyst"])
    coord = hub.client(orgs["NatCERT"]["tokens"]["analyst"])
    energy = colls["energy"]["id"]
    # invisible_id_same_answer: a RED object of PowerGrid's that GasNet may not see
    ts = "2025-07-01T00:00:00.000Z"
    rcpt = [orgs["TelcoNet"]["identity"]]
    red = indicator(tlp="red", recipients=rcpt, name="PowerGrid secret", modified=ts)
    st, doc, _ = pg.post_objects(energy, [red])
    check(doc["success_count"] == 1, f"RED object stored ({doc})")
    mine = dict(red, name="GasNet's own")
    fresh = dict(indicator(tlp="red", recipients=rcpt, modified=ts), name="GasNet's own")
    st1, d1, _ = gas.post_objects(energy, [mine])
    st2, d2, _ = gas.post_objects(energy, [fresh])
    check(st1 == st2 and post_summary(d1) == post_summary(d2),
          f"invisible_id_same_answer: colliding id answered as a new id ({d1} / {d2})")
    st, got = get_obj(gas, energy, red["id"])
    check(got and got["name"] == "GasNet's own", "the poster reads its object back")
    st, got = get_obj(pg, energy, red["id"])
    check(got and got["name"] == "PowerGrid secret", "the owner's object is untouched")
    st, doc, _ = pg.get(f"/vigil/collections/{energy}/objects/{red['id']}/versions/")
    check(st == 200 and len(doc["versions"]) == 1, "the owner sees one version")
    st, got = get_obj(coord, energy, red["id"])
    check(st == 404, "the coordinator (no recipient) sees neither")
    tel = hub.client(orgs["TelcoNet"]["tokens"]["analyst"])
    st, got = get_obj(tel, energy, red["id"])
    check(got and got["name"] == "PowerGrid secret", "the recipient sees the owner's object only")
    tel.close()
    # same with the very same object (same version and text)
    st1, d1, _ = gas.post_objects(energy, [red])
    check(d1["success_count"] == 1, "invisible_id_same_answer: identical re-post succeeds")
    # no_tlp_in_refusals: AMBER+STRICT in BankCo's own collection, invisible to GasNet
    strict = indicator(tlp="amber+strict", name="BankCo strict")
    st, doc, _ = bank.post_objects(colls["BankCo"]["id"], [strict])
    check(doc["success_count"] == 1, "strict object stored")
    st, d1, _ = gas.post_objects(colls["GasNet"]["id"], [strict])
    st, d2, _ = gas.post_objects(colls["GasNet"]["id"], [dict(strict, id=f"indicator--{uuid.uuid4()}")])
    check(post_summary(d1) == post_summary(d2) and "STRICT" not in json.dumps(d1),
          f"no_tlp_in_refusals: no TLP of an invisible object is revealed ({d1})")
    for c in (pg, gas, bank, coord):
        c.close()


def test_granular_markings(hub, orgs, colls):
    pg = hub.client(orgs["PowerGrid"]["tokens"]["analyst"])
    gas = hub.client(orgs["GasNet"]["tokens"]["analyst"])
    telco = hub.client(orgs["TelcoNet"]["tokens"]["analyst"])
    coord = hub.client(orgs["NatCERT"]["tokens"]["analyst"])
    energy = colls["energy"]["id"]
    o = indicator(tlp="green", name="granular", recipients=[orgs["TelcoNet"]["identity"]])
    o["description"] = "RED detail: internal host names"
    o["external_references"] = [{"source_name": "a", "url": "https://example.com/public"},
                                {"source_name": "b", "url": "https://example.com/amber"}]
    o["granular_markings"] = [{"marking_ref": TLP_IDS["red"], "selectors": ["description"]},
                              {"marking_ref": TLP_IDS["amber"],
                               "selectors": ["external_references.[1]"]}]
    st, doc, _ = pg.post_objects(energy, [o])
    check(doc["success_count"] == 1, f"granular object stored ({doc})")
    st, got = get_obj(gas, energy, o["id"])
    check(got and "description" not in got and len(got["external_references"]) == 2,
          f"granular_red_part_removed: GasNet (sector member) gets no RED description ({got})")
    st, got = get_obj(telco, energy, o["id"])
    check(got and got.get("description") == o["description"]
          and got["external_references"] == o["external_references"][:1],
          f"granular: TelcoNet (RED recipient, not an energy member) gets the description but "
          f"not the AMBER reference ({got})")
    check(got and all(g["marking_ref"] != TLP_IDS["amber"] for g in got.get("granular_markings", [])),
          "granular: markings of removed parts are removed")
    st, got = get_obj(coord, energy, o["id"])
    check(got and "description" not in got and len(got["external_references"]) == 2,
          "granular: the coordinator is no RED recipient")
    st, got = get_obj(pg, energy, o["id"])
    check(got and got.get("description") == o["description"], "the producer sees everything")
    # a required part marked RED: the object is withheld, not broken
    w = indicator(tlp="green", name="pattern is red")
    w["granular_markings"] = [{"marking_ref": TLP_IDS["red"], "selectors": ["pattern"]}]
    st, doc, _ = pg.post_objects(energy, [w])
    check(doc["success_count"] == 1, "object with a RED pattern stored")
    st, _ = get_obj(gas, energy, w["id"])
    check(st == 404, "granular_required_part_withholds_object: 404 for GasNet")
    man = gas.get(f"/vigil/collections/{energy}/manifest/?match[id]={w['id']}")[1]
    check(not man.get("objects"), "granular_required_part_withholds_object: not in the manifest")
    st, got = get_obj(pg, energy, w["id"])
    check(st == 200, "the producer reads it")
    for c in (pg, gas, telco, coord):
        c.close()


def test_tokens(hub, orgs):
    adm = hub.client(orgs["GasNet"]["tokens"]["admin"])
    st, doc, _ = adm.request("POST", "/api/v1/tokens", body=json.dumps(
        {"role": "sensor", "expires_days": 30}), headers=J)
    check(st == 201 and doc.get("expires") and doc["id"].startswith("tok-"),
          f"token_expiry_per_token: issued with an expiry ({doc})")
    tok, tid = doc.get("token"), doc.get("id")
    st, doc, _ = adm.request("POST", "/api/v1/tokens", body=json.dumps({"role": "sensor"}), headers=J)
    check(st == 201 and doc.get("expires"), "token_expiry_default: tokens expire by default")
    st, doc, _ = adm.get("/api/v1/tokens", headers={"Accept": "application/json"})
    ids = {t["id"]: t for t in doc.get("tokens", [])}
    check(tid in ids and all(t["organisation"] == "GasNet" for t in ids.values()),
          "token_listing: an admin lists its organisation's tokens only")
    check(sum(1 for t in ids.values() if t["current"]) == 1, "token_listing: marks the caller's")
    s = hub.client(tok)
    st, doc, _ = s.get("/api/v1/tokens", headers={"Accept": "application/json"})
    check(st == 200 and [t["id"] for t in doc["tokens"]] == [tid],
          "token_listing: a sensor sees its own token only")
    # token_rotation: the old token keeps working for the grace period, then expires
    st, doc, _ = s.request("POST", "/api/v1/tokens/rotate", body=json.dumps({"grace_seconds": 2}),
                           headers=J)
    check(st == 201 and doc["token"] != tok and doc["replaces"] == tid, f"token_rotation ({doc})")
    new = doc.get("token")
    st, _, _ = s.get("/vigil/")
    check(st == 200, "token_rotation: the old token works during the grace period")
    time.sleep(2.5)
    s.close()
    s = hub.client(tok)
    st, doc, _ = s.get("/vigil/")
    check(st == 401 and "expired" in doc["description"], f"token_expiry: expired token refused ({doc})")
    n = hub.client(new)
    st, _, _ = n.get("/vigil/")
    check(st == 200, "token_rotation: the new token works")
    st, doc, _ = adm.request("POST", "/api/v1/tokens/revoke", body=json.dumps({"id": tid}), headers=J)
    check(st == 200, "revoke by token id")
    for c in (adm, s, n):
        c.close()


def test_limits(hub, orgs, colls):
    c = hub.client(orgs["BankCo"]["tokens"]["analyst"])
    cid = colls["BankCo"]["id"]
    o = indicator(tlp="amber")
    # Python's own json module cannot write 2000 levels: the body is text
    body = json.dumps({"objects": [dict(o, x_deep="@DEEP@")]}).replace(
        '"@DEEP@"', '{"x":' * 2000 + '{}' + '}' * 2000)
    st, doc, _ = c.request("POST", f"/vigil/collections/{cid}/objects/", body=body,
                           headers={"Content-Type": TAXII})
    check(st == 202 and doc["failure_count"] == 1 and "nested" in doc["failures"][0]["message"],
          f"nesting_depth_limited: 2000 levels refused with the reason ({str(doc)[:300]})")
    check(st == 202 and "property 'x_deep" + ".x" * 32 + "'" in doc["failures"][0]["message"],
          f"nesting_depth_limited: the reason names the path ({str(doc)[:300]})")
    ok = indicator(tlp="amber")
    ok["x_nested"] = {"a": {"b": {"c": [1, [2, {"d": "e"}]]}}}
    big = indicator(tlp="amber")
    big["x_big"] = "A" * (1 << 20 + 1) if False else "A" * ((1 << 20) + 1)
    many = indicator(tlp="amber")
    many["x_many"] = list(range(10001))
    inlist = indicator(tlp="amber")
    inlist["x_list"] = [1, [{"k": "A" * ((1 << 20) + 1)}]]
    st, doc, _ = c.post_objects(cid, [ok, big, many, inlist])
    fails = {f["id"]: f["message"] for f in doc.get("failures", [])}
    check(doc["success_count"] == 1 and "bytes" in fails.get(big["id"], "")
          and "items" in fails.get(many["id"], ""),
          f"string_and_list_size_limited ({fails})")
    check("property 'x_big'" in fails.get(big["id"], "")
          and "property 'x_many'" in fails.get(many["id"], "")
          and "property 'x_list.[1].[0].k'" in fails.get(inlist["id"], ""),
          f"string_and_list_size_limited: the reasons name the paths ({fails})")
    # every object of the collection reads back with a recursive reader like
    # the OASIS clients' (RecursionError on the 2000-level one before)
    st, doc, _ = c.get(f"/vigil/collections/{cid}/objects/?limit=1000")

    def walk(v, d=0):
        if isinstance(v, dict):
            return max([walk(x, d + 1) for x in v.values()] + [d])
        if isinstance(v, list):
            return max([walk(x, d + 1) for x in v] + [d])
        return d
    try:
        depth = max(walk(x) for x in doc["objects"])
        check(depth < 40, f"stored objects are shallow ({depth})")
    except RecursionError:
        check(False, "nesting_depth_limited: a recursive reader fails on the collection")
    c.close()


def test_interop(hub, orgs, colls):
    c = hub.client(orgs["TelcoNet"]["tokens"]["analyst"])
    tel = colls["telecommunications"]["id"]
    # bundle_accepted_as_envelope (stix2's TAXIICollectionSink posts bundles)
    bundle = {"type": "bundle", "id": f"bundle--{uuid.uuid4()}",
              "objects": [indicator(tlp="green"), indicator(tlp="green")]}
    st, doc, _ = c.request("POST", f"/vigil/collections/{tel}/objects/", bundle)
    check(st == 202 and doc["success_count"] == 2, f"bundle_accepted_as_envelope ({st} {doc})")
    # modified_returned_as_stored
    ts = "2025-08-01T10:20:30.123Z"
    o = indicator(tlp="green", modified=ts)
    o["created"] = ts
    st, doc, _ = c.post_objects(tel, [o])
    check(doc["successes"][0]["version"] == ts, f"status echoes the version as posted ({doc})")
    st, doc, _ = c.get(f"/vigil/collections/{tel}/objects/{o['id']}/versions/")
    check(doc.get("versions") == [ts], f"modified_returned_as_stored: versions ({doc})")
    st, doc, _ = c.get(f"/vigil/collections/{tel}/manifest/?match[id]={o['id']}")
    check(doc["objects"][0]["version"] == ts, f"modified_returned_as_stored: manifest ({doc})")
    st, got = get_obj(c, tel, o["id"], f"?match[version]={ts}")
    check(got and got["modified"] == ts, "match[version] with the posted form")
    # collection_list_order: own, sector, national first
    st, doc, _ = c.get("/vigil/collections/")
    titles = [x["title"] for x in doc["collections"]]
    check(titles[:3] == ["TelcoNet", "telecommunications", "national"],
          f"collection_list_order: {titles[:4]}")
    # refusal_says_how_to_mark
    st, doc, _ = c.post_objects(colls["national"]["id"], [indicator()])
    msg = doc["failures"][0]["message"] if doc.get("failures") else ""
    check("object_marking_refs" in msg and TLP_IDS["green"] in msg and "without a TLP marking" in msg,
          f"refusal_says_how_to_mark ({msg})")
    c.close()


def test_auth_before_body(hub, orgs, colls):
    """unauthenticated_body_not_read: a refusal for a missing or bad token
    comes before the client has sent any of its announced body."""
    path = f"/vigil/collections/{colls['energy']['id']}/objects/"
    for auth in (None, "Bearer vgl_" + "1" * 64):
        s = socket.create_connection(("127.0.0.1", hub.port), timeout=10)
        if not hub.plain:
            ctx = ssl.create_default_context(cafile=os.path.join(hub.workdir, "hub-cert.pem"))
            s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
        head = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {TAXII}\r\n"
                "Content-Length: 3000000\r\n")
        if auth:
            head += f"Authorization: {auth}\r\n"
        s.sendall((head + "\r\n").encode())
        try:
            data = s.recv(200)
        except (socket.timeout, OSError):
            data = b""
        s.close()
        check(data.startswith(b"HTTP/1.1 401"),
              f"unauthenticated_body_not_read ({'bad token' if auth else 'no token'}): 401 before "
              f"the body ({data[:40]!r})")
