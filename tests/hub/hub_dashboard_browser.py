#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The hub's dashboard in a real browser: Debian's chromium driven by
Playwright (npm playwright-core, tests/hub/browser), against a real
`vigil hub` on loopback with a real store (SQLite, or PostgreSQL with
`hub_dashboard_browser.py postgresql URI`) seeded by the test:
four organisations of three sectors and the national coordinator,
indicators under every TLP, sightings and a cross-organisation incident.

Checks: every view renders with the seeded data (screenshots kept in
$VIGIL_BUILD/test-artifacts/dashboard); a TLP:RED object never appears for a
non-recipient in any view, API answer or page source, nor in counts; AMBER
does not cross sectors; the coordinator and an analyst see what the rules
say; creating and revoking an indicator from the page works, reaches a
sensor token over TAXII and is audited; an incident's status changed from
the page is audited; the session cookie is HttpOnly and SameSite=Strict;
forged cross-site and CSRF-less changes are refused; logout, a revoked
token and an expired session end the session (the page goes back to the
login); ten refused logins from one address get 429 until the window ends.
Exits 77 (skipped) when chromium, node or playwright-core is absent."""
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hubtest as ht  # noqa: E402
from hubtest import check  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
NODE = shutil.which("node")
DRIVER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser")
PLAYWRIGHT = os.path.join(DRIVER_DIR, "node_modules", "playwright-core")
if not (os.access(CHROMIUM, os.X_OK) and NODE and os.path.isdir(PLAYWRIGHT)):
    print("hub_dashboard_browser: chromium, node or playwright-core (npm ci in "
          "tests/hub/browser, done by scripts/install-deps.sh) missing: skipped")
    sys.exit(77)
BACKEND = sys.argv[1] if len(sys.argv) > 1 else "sqlite"

ART = os.path.join(os.environ.get("VIGIL_BUILD", tempfile.gettempdir()), "test-artifacts",
                   "dashboard")
os.makedirs(ART, exist_ok=True)
TIMINGS = {}


class Playwright:
    """playwright-core (tests/hub/browser/driver.mjs) driving Debian's
    chromium headless, one JSON command per line."""

    def __init__(self, workdir):
        self.log = open(os.path.join(workdir, "driver.log"), "wb")
        self.proc = subprocess.Popen([NODE, os.path.join(DRIVER_DIR, "driver.mjs")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, env={**os.environ, "CHROMIUM": CHROMIUM})

    def call(self, **cmd):
        self.proc.stdin.write((json.dumps(cmd) + "\n").encode())
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("playwright driver exited (see driver.log)")
        doc = json.loads(line)
        if "error" in doc:
            raise RuntimeError(f"playwright {cmd.get('op')}: {doc['error']}")
        return doc["ok"]

    def session(self):
        return Browser(self, self.call(op="page"))

    def stop(self):
        # No answer awaited: a browser slow to close must not hang the test.
        try:
            self.proc.stdin.write(b'{"op": "close"}\n')
            self.proc.stdin.close()
        except OSError:
            pass
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


class Browser:
    def __init__(self, pw, page):
        self.pw, self.page = pw, page

    def go(self, url):
        self.pw.call(op="goto", page=self.page, url=url)

    def js(self, script, *args):
        return self.pw.call(op="eval", page=self.page, script=script, args=list(args))

    def js_async(self, script, *args):
        return self.pw.call(op="evalAsync", page=self.page, script=script, args=list(args))

    def type(self, css, text):
        self.pw.call(op="fill", page=self.page, css=css, text=text)

    def click(self, css):
        self.pw.call(op="click", page=self.page, css=css)

    def press(self, key):
        self.pw.call(op="press", page=self.page, key=key)

    def keys(self, text):
        self.pw.call(op="keys", page=self.page, text=text)

    def tab_to(self, cond_js, what, limit=25):
        """Presses Tab until cond_js (about document.activeElement) holds."""
        for _ in range(limit):
            if self.js(cond_js):
                return True
            self.press("Tab")
        check(False, f"keyboard: Tab never reached {what}")
        return False

    def source(self):
        return self.js("return document.documentElement.outerHTML")

    def wait(self, cond_js, what, timeout=10):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.js(cond_js):
                return True
            time.sleep(0.05)
        check(False, f"timed out waiting for {what}")
        return False

    def wait_view(self, name, timeout=10):
        return self.wait(f"return document.documentElement.dataset.view === {json.dumps(name)}",
                         f"view {name}", timeout)

    def show(self, hash_, view):
        self.js("document.documentElement.dataset.view = ''; location.hash = arguments[0]", hash_)
        self.wait_view(view)

    def fetch(self, path, method="GET", headers=None, body=None):
        """A request from the page (same origin, the session's cookie)."""
        return self.js_async(
            "const [p, m, h, b, done] = arguments;"
            "fetch(p, {method: m, headers: h || {}, body: b, credentials: 'same-origin'})"
            ".then(async r => done([r.status, await r.text()]))"
            ".catch(e => done([0, String(e)]));", path, method, headers, body)

    def screenshot(self, name):
        self.pw.call(op="screenshot", page=self.page, path=os.path.join(ART, name + ".png"))

    def logout(self):
        self.click("#logout")
        self.wait_view("login")


def sighting(ind_id, identity, tlp, count, severity="high", seen=None):
    ts = seen or ht.now_ts(-600)
    return {"type": "sighting", "spec_version": "2.1", "id": f"sighting--{uuid.uuid4()}",
            "created": ts, "modified": ts, "first_seen": ts, "last_seen": ts,
            "sighting_of_ref": ind_id, "count": count, "where_sighted_refs": [identity],
            "object_marking_refs": [ht.TLP_IDS[tlp]], "x_vigil_severity": severity}


def seed(hub, orgs):
    """Indicators under every TLP and sightings; returns what the checks need."""
    ng, cp, hb = (hub.client(orgs[n]["analyst"]) for n in ("Northern Grid", "Coastal Power",
                                                            "Harbour Bank"))
    colls = {c["title"]: c["id"] for c in ng.get("/vigil/collections/")[1]["collections"]}
    s = {"colls": colls}
    s["green"] = ht.indicator("green", name="NG-GREEN-beacon", ip="198.51.100.10")
    s["amber"] = ht.indicator("amber", name="NG-AMBER-scada-c2", ip="198.51.100.20")
    s["red"] = ht.indicator("red", name="NG-RED-crown-jewel", ip="203.0.113.99",
                            recipients=[orgs["Coastal Power"]["identity"]])
    s["clear"] = ht.indicator("clear", name="NG-CLEAR-phish", ip="198.51.100.30")
    s["hb_amber"] = ht.indicator("amber", name="HB-AMBER-card-skimmer", ip="198.51.100.40")
    st, doc, _ = ng.post_objects(colls["energy"], [s["green"], s["amber"], s["red"]])
    check(st == 202 and doc["success_count"] == 3, f"seed energy indicators ({st} {doc})")
    st, doc, _ = ng.post_objects(colls["national"], [s["clear"]])
    check(st == 202 and doc["success_count"] == 1, "seed national indicator")
    st, doc, _ = hb.post_objects(colls["financial-services"], [s["hb_amber"]])
    check(st == 202 and doc["success_count"] == 1, "seed finance indicator")
    ident = {n: orgs[n]["identity"] for n in orgs}
    # Visible to all: GREEN sightings by NG (4) and HB (2) of the GREEN
    # indicator -> a cross-sector incident.
    st, doc, _ = ng.post_objects(colls["energy"], [
        sighting(s["green"]["id"], ident["Northern Grid"], "green", 4),
        sighting(s["red"]["id"], ident["Northern Grid"], "red", 7)])
    check(st == 202 and doc["success_count"] == 2, f"NG sightings ({doc})")
    st, doc, _ = hb.post_objects(colls["financial-services"], [
        sighting(s["green"]["id"], ident["Harbour Bank"], "green", 2, "medium"),
        sighting(s["hb_amber"]["id"], ident["Harbour Bank"], "amber", 3, "low")])
    check(st == 202 and doc["success_count"] == 2, f"HB sightings ({doc})")
    st, doc, _ = cp.post_objects(colls["energy"], [
        sighting(s["amber"]["id"], ident["Coastal Power"], "amber", 5)])
    check(st == 202 and doc["success_count"] == 1, f"CP sightings ({doc})")
    for c in (ng, cp, hb):
        c.close()
    return s


def login(b, base, token):
    b.go(base + "/ui/")
    b.wait_view("login")
    b.type("#token", token)
    t0 = time.time()
    b.click("#login-form button[type=submit]")
    b.wait_view("overview")
    return time.time() - t0


def all_views(b, name, admin_views=False, shots=False):
    """Visits every view; returns the page sources and the API answers."""
    texts = []
    views = [("#/overview?range=30d", "overview"), ("#/incidents", "incidents"),
             ("#/indicators", "indicators"), ("#/sensors", "sensors")]
    if admin_views:
        views.append(("#/audit", "audit"))
    for h, v in views:
        t0 = time.time()
        b.show(h, v)
        TIMINGS.setdefault(v, []).append(time.time() - t0)
        texts.append(b.source())
        if shots:
            b.screenshot(f"{name}-{v}")
    for p in ("/api/v1/dashboard/overview?range=24h", "/api/v1/dashboard/overview?range=7d",
              "/api/v1/dashboard/overview?range=30d", "/api/v1/incidents", "/api/v1/risk",
              "/api/v1/dashboard/indicators?limit=500", "/api/v1/dashboard/sensors",
              "/api/v1/sightings"):
        st, body = b.fetch(p)
        texts.append(body)
    return "\n".join(texts)


def overview(b):
    st, body = b.fetch("/api/v1/dashboard/overview?range=30d")
    check(st == 200, f"overview 200 ({st})")
    doc = json.loads(body)
    return doc, {s["sector"]: s for s in doc["sectors"]}


T0 = time.time()


def step(what):
    print(f"[{time.time() - T0:5.1f} s] {what}", flush=True)


def main():
    work = ht.make_workdir("vigil-dash-")
    db = sys.argv[2] if BACKEND == "postgresql" else f"sqlite:{work}/hub.db"
    orgs = {}
    for name, sector, coord in (("Northern Grid", "energy", False),
                                ("Coastal Power", "energy", False),
                                ("Harbour Bank", "financial-services", False),
                                ("National CERT", "government-national", True)):
        ident, _ = ht.admin(db, "org", "add", "--name", name, "--sector", sector,
                            *(["--coordinator"] if coord else []))
        tok, _ = ht.admin(db, "token", "issue", "--org", name, "--role", "analyst")
        orgs[name] = {"identity": ident, "analyst": tok}
    orgs["National CERT"]["admin"] = ht.admin(db, "token", "issue", "--org", "National CERT",
                                              "--role", "admin")[0]
    hb_sensor = ht.admin(db, "token", "issue", "--org", "Harbour Bank", "--role", "sensor")[0]
    ht.admin(db, "token", "issue", "--org", "Northern Grid", "--role", "sensor")
    step("seeded organisations")
    hub = ht.Hub(db, work, plain=True).start()
    base = f"http://127.0.0.1:{hub.port}"
    wd = Playwright(work)
    try:
        run(hub, base, wd, orgs, hb_sensor, db)
        # An expired session goes back to the login: a hub with a 2 s idle
        # timeout on the same store.
        hub.stop()
        hub = ht.Hub(db, work, plain=True,
                     extra=["--session-timeout", "2", "--trusted-proxy", "127.0.0.0/8"]).start()
        base = f"http://127.0.0.1:{hub.port}"
        proxied_rate_limit(hub, orgs)
        b = wd.browser
        login(b, base, orgs["Harbour Bank"]["analyst"])
        time.sleep(3)
        b.show("#/incidents", "login")
        err = b.js("return document.getElementById('login-error').textContent")
        check("expired" in err, f"expired session: login page says so ({err!r})")
        b.screenshot("expired-session")
        step("expired session checked")
    finally:
        wd.stop()
        hub.stop()
    shutil.rmtree(work, ignore_errors=True)
    for v, ts in sorted(TIMINGS.items()):
        ts = sorted(ts)
        print(f"view {v}: render after navigation max {1000 * ts[-1]:.0f} ms over {len(ts)}")
    # First render: from the login click to the drawn overview (its data,
    # Chart.js and the charts), best of the three logins (the machine may
    # be loaded).
    # On a machine loaded past 2 runnable tasks per CPU the bound grows in
    # proportion (said in the output), so a busy CI host does not fail it.
    first = min(TIMINGS.get("login to overview", [99]))
    busy = os.getloadavg()[0] / (os.cpu_count() or 1)
    limit = max(1.0, busy / 2)
    check(first < limit, f"first render under {limit:.1f} s ({1000 * first:.0f} ms, load "
          f"{busy:.1f} per CPU)")
    ht.finish("hub_dashboard_browser")


def run(hub, base, wd, orgs, hb_sensor, db):
    s = seed(hub, orgs)
    red_marks = ["NG-RED-crown-jewel", "203.0.113.99", s["red"]["id"]]
    amber_energy = ["NG-AMBER-scada-c2", "198.51.100.20", s["amber"]["id"]]
    amber_fin = ["HB-AMBER-card-skimmer", "198.51.100.40", s["hb_amber"]["id"]]

    # Harbour Bank's sensor reports a stats event (no alert, so no
    # sighting): the sensors view shows its version and drop counters;
    # Northern Grid's sensor never reported (silent).
    sensor = hub.client(hb_sensor)
    st, _ = sensor.request("POST", "/api/v1/eve", body=json.dumps({
        "timestamp": ht.now_ts(-5), "event_type": "stats", "stats": {
            "uptime": 60, "capture": {"kernel_packets": 100000, "kernel_drops": 250}}}),
        headers={"Content-Type": "application/x-ndjson", "Accept": "application/json",
                 "User-Agent": "vigil-sensor/9.8.7"}, auth="bearer")[:2]
    check(st == 200, f"sensor stats report accepted ({st})")
    sensor.close()
    step("seeded objects")
    # --- Harbour Bank (financial-services analyst) ---
    b = wd.browser = wd.session()
    step("browser started")
    TIMINGS.setdefault("login to overview", []).append(
        login(b, base, orgs["Harbour Bank"]["analyst"]))
    check(b.js("return document.cookie") == "", "session cookie is HttpOnly (invisible to script)")
    text = all_views(b, "bank")
    b.show("#/overview?range=7d", "overview")
    b.screenshot("bank-overview")
    for m in red_marks + amber_energy:
        check(m not in text, f"Harbour Bank never sees {m}")
    for m in ("NG-GREEN-beacon", "HB-AMBER-card-skimmer", "NG-CLEAR-phish"):
        check(m in text, f"Harbour Bank sees {m}")
    doc, sec = overview(b)
    check(sec.get("energy", {}).get("sightings") == 4,
          f"bank: energy counts only NG's GREEN sightings (4), not AMBER 5 / RED 7 "
          f"(got {sec.get('energy', {}).get('sightings')})")
    check(sec.get("financial-services", {}).get("sightings") == 5, "bank: own sector 2 + 3")
    check(doc["sightings"] == 9, f"bank: total 9 (got {doc['sightings']})")
    check([o["name"] for o in sec["energy"]["organisations"]] == ["Northern Grid"],
          "bank: Coastal Power (AMBER only) is neither named nor counted")
    check(sec["energy"]["organisations_affected"] == 1, "bank: 1 energy organisation affected")
    st, body = b.fetch("/api/v1/dashboard/sensors")
    check([x["organisation"] for x in json.loads(body)["sensors"]] == ["Harbour Bank"],
          "bank: only its own sensors")
    st, body = b.fetch(f"/api/v1/dashboard/indicators/{s['red']['id']}")
    check(st == 404, f"bank: RED detail is 404 like any unknown id ({st})")
    st, body = b.fetch("/api/v1/dashboard/indicators?q=203.0.113.99")
    check(st == 200 and json.loads(body)["results"] == [], "bank: RED value not found by search")
    for q, want in (("crown-jewel", []), ("CARD-skim", [s["hb_amber"]["id"]]),
                    ("198.51.100.10", [s["green"]["id"]]), ("NG", [s["clear"]["id"],
                                                             s["green"]["id"]]),
                    (s["green"]["id"], [s["green"]["id"]]), (s["red"]["id"], [])):
        st, body = b.fetch("/api/v1/dashboard/indicators?q=" + q)
        got = sorted(r["id"] for r in json.loads(body)["results"]) if st == 200 else st
        check(got == sorted(want), f"bank: search {q!r} finds {want} ({got})")
    st, body = b.fetch(f"/vigil/collections/{s['colls']['energy']}/objects/",
                       headers={"Accept": ht.TAXII})
    check(st == 200 and "NG-RED" not in body and "NG-AMBER" not in body,
          "bank: TAXII through the session applies the same TLP rules")
    # the incident (GREEN, NG + HB) is visible with both names
    st, body = b.fetch("/api/v1/incidents")
    incs = json.loads(body)["incidents"]
    check(len(incs) == 1 and sorted(incs[0]["organisations"]) == ["Harbour Bank",
                                                                  "Northern Grid"],
          f"bank: one incident NG + HB ({incs})")
    incident_id = incs[0]["id"] if incs else ""

    # create and revoke an indicator from the page
    b.show("#/indicators", "indicators")
    b.type("#create-form input[name=name]", "HB-new-ioc")
    b.type("#create-form input[name=value]", "192.0.2.77")
    b.js("const f = document.getElementById('create-form');"
         "f.tlp.value = 'green';"
         "f.collection.value = [...f.collection.options].find(o => o.text === "
         "'financial-services').value;")
    b.click("#create-form button[type=submit]")
    b.wait("return /Created/.test(document.querySelector('[data-testid=create-result]')"
           ".textContent)", "indicator created")
    new_id = b.js("return document.querySelector('[data-testid=create-result] a').textContent")
    b.click("[data-testid=create-result] a")
    b.wait_view("indicator")
    check(b.js("return document.querySelector('[data-testid=state]').textContent") == "active",
          "new indicator is active")
    b.screenshot("bank-indicator")
    b.js("document.documentElement.dataset.view = ''")
    b.click("[data-testid=revoke]")
    b.wait_view("indicator")
    b.wait("return document.querySelector('[data-testid=state]').textContent === 'revoked'",
           "indicator revoked")
    sensor = hub.client(hb_sensor)
    st, doc, _ = sensor.get(f"/vigil/collections/{s['colls']['financial-services']}/objects/"
                            f"?match[id]={new_id}")
    objs = (doc or {}).get("objects", [])
    check(st == 200 and len(objs) == 1 and objs[0].get("revoked") is True
          and objs[0]["pattern"] == "[ipv4-addr:value = '192.0.2.77']",
          f"a sensor of the bank gets the indicator, revoked ({st} {objs})")
    sensor.close()

    # CSRF and cookie checks, with the page's own cookie replayed by hand
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=30)
    c.request("POST", "/web/login", body=json.dumps({"token": orgs["Harbour Bank"]["analyst"]}),
              headers={"Content-Type": "application/json"})
    r = c.getresponse()
    login_doc = json.loads(r.read())
    cookie = r.getheader("Set-Cookie")
    check("HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie,
          f"cookie flags ({cookie})")
    check("default-src 'none'" in (r.getheader("Content-Security-Policy") or "")
          and r.getheader("Cache-Control") == "no-store", "CSP and no-store on data")
    sid = cookie.split(";")[0]
    csrf = login_doc["csrf"]
    body = json.dumps({"status": "closed"})
    path = f"/api/v1/incidents/{incident_id}/status"

    def post(p, b_, h):
        c.request("POST", p, body=b_, headers={"Cookie": sid, **h})
        rr = c.getresponse()
        rr.read()
        return rr.status
    js = {"Content-Type": "application/json"}
    check(post(path, body, js) == 403, "state change without CSRF token refused")
    check(post(path, body, {**js, "X-CSRF-Token": "0" * 48}) == 403, "wrong CSRF token refused")
    check(post(path, body, {**js, "X-CSRF-Token": csrf, "Origin": "http://evil.example"}) == 403,
          "cross-origin POST refused")
    check(post(path, body, {**js, "X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"}) == 403,
          "cross-site POST refused")
    forged = ht.indicator("green", name="FORGED-by-evil-site")
    check(post(f"/vigil/collections/{s['colls']['financial-services']}/objects/",
               json.dumps({"objects": [forged]}),
               {"Content-Type": ht.TAXII, "Accept": ht.TAXII, "Origin": "http://evil.example",
                "Sec-Fetch-Site": "cross-site"}) == 403, "forged cross-site TAXII POST refused")
    c.request("GET", "/ui/")
    r = c.getresponse()
    page = r.read().decode()
    check("<script>" not in page and "onload=" not in page, "no inline script in the page")
    check(post("/web/logout", "", {"X-CSRF-Token": csrf}) == 200, "logout")
    c.request("GET", "/web/session", headers={"Cookie": sid})
    r = c.getresponse()
    r.read()
    check(r.status == 401, "a logged-out session is refused")
    c.close()
    b.logout()

    step("bank done")
    # --- Northern Grid (energy analyst): producer of RED, member of energy ---
    # Keyboard only: Tab to the token field, type, Enter; Tab to a view's
    # link, Enter; the focus outline is drawn.
    b.go(base + "/ui/")
    b.wait_view("login")
    b.tab_to("return document.activeElement.id === 'token'", "the token field")
    b.keys(orgs["Northern Grid"]["analyst"])
    b.press("Enter")
    b.wait_view("overview")
    b.tab_to("return document.activeElement.getAttribute('href') === '#/incidents'",
             "the incidents link")
    check(b.js("return getComputedStyle(document.activeElement).outlineStyle") == "solid",
          "keyboard focus is visible")
    b.press("Enter")
    b.wait_view("incidents")
    b.tab_to("return document.activeElement.id === 'theme'", "the theme toggle")
    b.press("Enter")
    check(b.js("return document.documentElement.dataset.theme") == "dark"
          and b.js("return getComputedStyle(document.body).backgroundColor")
          == "rgb(20, 23, 28)", "the dark theme by keyboard")
    b.show("#/overview?range=30d", "overview")
    b.screenshot("energy-overview-dark")
    b.click("#theme")
    check(b.js("return document.documentElement.dataset.theme") == "light", "back to light")
    b.show("#/overview", "overview")
    text = all_views(b, "energy")
    for m in red_marks[:2] + amber_energy[:2]:
        check(m in text, f"Northern Grid sees {m}")
    for m in amber_fin + ["FORGED-by-evil-site"]:
        check(m not in text, f"Northern Grid never sees {m} (AMBER of another sector)")
    doc, sec = overview(b)
    check(sec["energy"]["sightings"] == 16, f"NG: energy 4 + 5 + 7 ({sec['energy']['sightings']})")
    check(sec["financial-services"]["sightings"] == 2, "NG: finance GREEN only (2)")
    check(sec["energy"]["organisations_affected"] == 2, "NG: both energy organisations")
    # change the incident's status from the page
    b.show("#/incidents", "incidents")
    check(b.js("return document.querySelectorAll('[data-incident]').length") == 1,
          f"NG: the incident is listed ({b.fetch('/api/v1/incidents')})")
    b.js("document.querySelector('[data-testid=status-select]').value = 'investigating'")
    b.click("[data-testid=status-save]")
    b.wait("return /audited/.test(document.querySelector('[data-incident] [role=status]')"
           ".textContent)", "status changed")
    b.show("#/overview", "overview")
    b.show("#/incidents", "incidents")
    check(b.js("return document.querySelector('[data-testid=status]').textContent")
          == "investigating", "status kept")
    b.screenshot("energy-incident-investigating")
    # Revoking the token ends the session it opened.
    ht.admin(db, "token", "revoke", orgs["Northern Grid"]["analyst"])
    b.show("#/overview", "login")
    check("expired or ended" in b.js("return document.getElementById('login-error').textContent"),
          "a revoked token's session is refused")

    step("energy done")
    # --- National CERT (coordinator, admin token: audit log) ---
    TIMINGS["login to overview"].append(login(b, base, orgs["National CERT"]["admin"]))
    text = all_views(b, "coordinator", admin_views=True, shots=True)
    for m in amber_energy[:2] + amber_fin[:2]:
        check(m in text, f"coordinator sees AMBER {m}")
    for m in red_marks:
        check(m not in text, f"coordinator is not a RED recipient: never sees {m}")
    st, body = b.fetch("/api/v1/dashboard/sensors")
    sens = {x["organisation"]: x for x in json.loads(body)["sensors"]}
    hbs, ngs = sens.get("Harbour Bank", {}), sens.get("Northern Grid", {})
    check(hbs.get("version") == "vigil-sensor/9.8.7" and hbs.get("kernel_drops") == 250
          and hbs.get("kernel_packets") == 100000 and hbs.get("silent") is False
          and hbs.get("reports_last_hour") == 1, f"CERT: the bank's sensor reporting ({hbs})")
    check(ngs.get("silent") is True and "last_report" not in ngs, f"CERT: NG's silent ({ngs})")
    b.show("#/sensors", "sensors")
    warn = b.js("const w = document.querySelector('[data-testid=silent-warning]');"
                "return w ? w.textContent : ''")
    check("Northern Grid" in warn and "Harbour Bank" not in warn,
          f"the sensors view warns of the silent sensor ({warn!r})")
    check("250 (0.25 %)" in b.js("return document.querySelector('[data-testid=sensors]')"
                                 ".textContent"), "drop counters shown")
    b.screenshot("coordinator-sensors")
    doc, sec = overview(b)
    check(sec["energy"]["sightings"] == 9, f"CERT: energy 4 + 5, no RED ({sec['energy']})")
    check(sec["financial-services"]["sightings"] == 5, "CERT: finance 2 + 3")
    check(sec.get("government-national", {}).get("sightings") == 0,
          f"CERT: every sector listed, those without sightings at 0 ({sorted(sec)})")
    st, body = b.fetch("/api/v1/audit?limit=500")
    entries = json.loads(body)["entries"]
    acts = [(e["action"], e.get("object"), e.get("detail", "")) for e in entries]
    check(any(a == "incident-status" and o == incident_id and "new -> investigating" in d
              for a, o, d in acts), "incident status change audited")
    writes = [a for a, o, _ in acts if o == new_id and a == "write"]
    check(len(writes) == 2, f"creation and revocation audited as writes ({writes})")
    check(any(a == "login" for a, _, _ in acts), "logins audited")
    b.logout()
    # A revoked token cannot log in any more.
    b.type("#token", orgs["Northern Grid"]["analyst"])
    b.click("#login-form button[type=submit]")
    b.wait("return /revoked/.test(document.getElementById('login-error').textContent)",
           "revoked token refused at login")
    step("coordinator done")
    # Login rate limit: ten refused tokens from one address, then 429 for
    # every login from it (a good token too) until the window ends.
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=30)

    def try_login(tok):
        c.request("POST", "/web/login", body=json.dumps({"token": tok}),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        return r.status, r.getheader("Retry-After")
    # (the revoked token's login above was the first refusal)
    codes = [try_login("vgl_guess%02d" % i)[0] for i in range(9)]
    check(codes == [401] * 9, f"nine more wrong tokens refused with 401 ({codes})")
    st, retry = try_login("vgl_guess10")
    check(st == 429 and retry and 0 < int(retry) <= 60, f"the eleventh gets 429 ({st} {retry})")
    st, _ = try_login(orgs["Harbour Bank"]["analyst"])
    check(st == 429, f"a good token from the limited address too ({st})")
    c.close()
    b.go(base + "/ui/")
    b.wait_view("login")
    b.type("#token", orgs["Harbour Bank"]["analyst"])
    b.click("#login-form button[type=submit]")
    b.wait("return /too many/i.test(document.getElementById('login-error').textContent)",
           "the login page says why")
    step("login rate limit checked")


def proxied_rate_limit(hub, orgs):
    """Behind a trusted reverse proxy the login limit counts the client the
    proxy names, not the proxy: one guesser does not lock everyone out."""
    c = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=30)

    def try_login(tok, xff=None):
        h = {"Content-Type": "application/json"}
        if xff:
            h["X-Forwarded-For"] = xff
        c.request("POST", "/web/login", body=json.dumps({"token": tok}), headers=h)
        r = c.getresponse()
        r.read()
        return r.status
    good = orgs["Harbour Bank"]["analyst"]
    codes = [try_login("vgl_guess%02d" % i, "198.51.100.1") for i in range(11)]
    check(codes == [401] * 10 + [429], f"behind the proxy: one client limited ({codes})")
    check(try_login(good, "198.51.100.2") == 200, "another client behind the proxy is not")
    check(try_login(good) == 200, "nor the proxy's own address")
    check(try_login(good, "198.51.100.1, 127.0.0.1") == 429,
          "a trusted hop after the client changes nothing")
    check(try_login(good, "198.51.100.2, 198.51.100.1") == 429,
          "what the client claims left of the address the proxy saw is not believed")
    codes = [try_login("vgl_guess%02d" % i, "2001:db8:5:6::%x" % i) for i in range(10)]
    check(codes == [401] * 10, f"ten wrong tokens from one IPv6 /64 ({codes})")
    check(try_login(good, "2001:db8:5:6:ffff::9") == 429,
          "another address of the same /64 is the same client")
    check(try_login(good, "2001:db8:5:7::1") == 200, "the next /64 is not")
    c.close()


if __name__ == "__main__":
    main()
