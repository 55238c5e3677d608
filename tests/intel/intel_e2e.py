#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The intelligence loop end to end, with real hub and sensor processes on
loopback (TLS, the sensor pinning the hub's certificate):

 1. organisations in energy (Southern Power, Northern Grid) and finance
    (Bank One); Southern Power's analyst posts a TLP:AMBER domain indicator
    to the energy collection;
 2. Northern Grid's sensor pulls it, reads a capture with a DNS query for the
    domain, alerts (gid 7000, the indicator in alert.metadata) and reports
    the alert; the hub stores a sighting OF THE SHARED INDICATOR; Bank One's
    sensor, on the same capture, never receives the indicator and does not
    alert;
 3. the energy risk summary shows the sighting; the author sees where its
    indicator was sighted;
 4. a running sensor (capture streamed on stdin) while the hub is stopped:
    the hits are spooled and delivered once the hub is back, none lost and
    none counted twice (a re-sent alert is recognised too);
 5. the author revokes the indicator: within one poll the sensor stops
    alerting;
 6. the time from the hub accepting a new indicator to the sensor alerting
    on it is printed (as is the cost of polls that bring nothing).
Standard library only (plus tests/hub/hubtest.py)."""
import json
import os
import shutil
import signal
import struct
import sqlite3
import subprocess
import sys
import threading
import time
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "hub"))
import hubtest as ht  # noqa: E402

VIGIL = ht.vigil_bin()
# vigil's own counters (intel, hub_report) are in stats.vigil only when asked for.
EVE_YAML = os.path.join(HERE, "data", "intel-eve.yaml")
POLL = float(os.environ.get("VIGIL_E2E_POLL", "1"))
DOMAIN = "update-grid-portal.example"
DOMAIN2 = "second-wave.example"


# ---------- a capture of DNS queries, written as packets are needed ----------

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def dns_query_frame(name, qid, sport):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    dns = struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", 1, 1)
    udp = struct.pack("!HHHH", sport, 53, 8 + len(dns), 0) + dns
    src, dst = bytes([10, 1, 0, 5]), bytes([10, 1, 0, 53])
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), qid, 0, 64, 17, 0, src, dst)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x00\x11\x22\x33\x44\x55" + b"\x00\x66\x77\x88\x99\xaa" + b"\x08\x00"
    return eth + ip + udp


PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def pcap_record(frame, ts=None):
    ts = time.time() if ts is None else ts
    return struct.pack("<IIII", int(ts), int((ts % 1) * 1e6), len(frame), len(frame)) + frame


def write_pcap(path, names):
    with open(path, "wb") as f:
        f.write(PCAP_HEADER)
        t = time.time()
        for i, n in enumerate(names):
            f.write(pcap_record(dns_query_frame(n, 100 + i, 40000 + i), t + i * 0.01))


def eve(path):
    out = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                out.append(json.loads(line))
    return out


def intel_alerts(events):
    return [e for e in events if e["event_type"] == "alert" and e["alert"]["gid"] == 7000]


def last_stats(events):
    s = [e for e in events if e["event_type"] == "stats"]
    return s[-1]["stats"] if s else {}


class Sensor:
    """A sensor reading a capture from stdin, so it runs as long as we feed it."""

    def __init__(self, work, name, hub, token):
        self.out = os.path.join(work, name)
        os.makedirs(self.out, exist_ok=True)
        self.proc = subprocess.Popen(
            [VIGIL, "run", "-c", EVE_YAML, "-r", "-", "-l", self.out, "--hub", hub.url, "--hub-token", token,
             "--hub-pin", hub.fingerprint, "--hub-poll-interval", str(POLL),
             "--data-dir", self.out, "--set", "hub.report-flush=0.05"],
            stdin=subprocess.PIPE, stderr=open(os.path.join(self.out, "stderr"), "wb"))
        self.proc.stdin.write(PCAP_HEADER)
        self.proc.stdin.flush()
        self.sent = []  # (time, name)
        self.qid = 1000

    def query(self, name):
        self.qid += 1
        t = time.time()
        self.proc.stdin.write(pcap_record(dns_query_frame(name, self.qid, 30000 + self.qid % 20000), t))
        self.proc.stdin.flush()
        self.sent.append((t, name))
        return t

    def rotate(self):
        """logrotate's way: rename the EVE file, SIGHUP, the sensor reopens it."""
        os.rename(os.path.join(self.out, "eve.json"), os.path.join(self.out, "eve.json.1"))
        self.proc.send_signal(signal.SIGHUP)

    def stop(self, sigterm=False):
        if sigterm:  # as a service manager stops it: input still open
            # The reader waits on the silent pipe with a timeout and acts on
            # the signal at once: no packet is needed to wake it.
            self.proc.send_signal(signal.SIGTERM)
            rc = self.proc.wait(timeout=60)
            self.proc.stdin.close()
        else:
            self.proc.stdin.close()
            rc = self.proc.wait(timeout=60)
        events = []
        for name in ("eve.json.1", "eve.json"):
            if os.path.exists(os.path.join(self.out, name)):
                events += eve(os.path.join(self.out, name))
        return rc, events


def run_sensor(work, name, hub, token, pcap):
    out = os.path.join(work, name)
    os.makedirs(out, exist_ok=True)
    r = subprocess.run([VIGIL, "run", "-c", EVE_YAML, "-r", pcap, "-l", out, "--hub", hub.url, "--hub-token",
                        token, "--hub-pin", hub.fingerprint, "--data-dir", out],
                       capture_output=True, text=True, timeout=120)
    ht.check(r.returncode == 0, f"{name}: sensor exit {r.returncode}: {r.stderr}")
    return eve(os.path.join(out, "eve.json"))


def sightings(client, indicator_id):
    st, doc, _ = client.request("GET", f"/api/v1/sightings?indicator={indicator_id}",
                                headers={"Accept": "application/json"})
    ht.check(st == 200, f"GET sightings: {st} {doc}")
    return doc["sightings"] if doc else []


def wait_for(pred, timeout, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


def main():
    t_start = time.time()
    work = ht.make_workdir("vigil-intel-e2e-")
    db = "sqlite:" + os.path.join(work, "hub.db")
    _, r = ht.admin(db, "org", "add", "--name", "Southern Power", "--sector", "energy")
    south_id = r.stdout.strip().splitlines()[-1]
    _, r = ht.admin(db, "org", "add", "--name", "Northern Grid", "--sector", "energy")
    north_id = r.stdout.strip().splitlines()[-1]
    ht.admin(db, "org", "add", "--name", "Bank One", "--sector", "financial-services")
    author, _ = ht.admin(db, "token", "issue", "--org", "Southern Power", "--role", "analyst")
    north_analyst, _ = ht.admin(db, "token", "issue", "--org", "Northern Grid", "--role", "analyst")
    north_sensor, _ = ht.admin(db, "token", "issue", "--org", "Northern Grid", "--role", "sensor")
    bank_sensor, _ = ht.admin(db, "token", "issue", "--org", "Bank One", "--role", "sensor")
    # protected domains (look-alikes): one through the admin CLI, the
    # organisation's name under every suffix; one more through the API below
    _, r = ht.admin(db, "protected-domain", "add", "--org", "Southern Power", "--domain",
                    "southernpower.*", "--tlp", "amber", "--collection", "sector")
    ht.check("protected southernpower.*" in r.stdout, f"admin protected-domain: {r.stdout}")
    port = ht.free_port()
    hub = ht.Hub(db, work, extra=["--listen", f"127.0.0.1:{port}"])
    hub.start()
    hub.url = f"https://127.0.0.1:{port}"
    try:
        ac = hub.client(author)
        st, doc, _ = ac.get("/vigil/collections/")
        energy = [c["id"] for c in doc["collections"] if c["title"] == "energy"][0]
        ind = ht.indicator(tlp="amber", name="Fake grid update portal")
        ind["pattern"] = f"[domain-name:value = '{DOMAIN}']"
        ind["confidence"] = 85
        ind["created_by_ref"] = south_id
        st, doc, _ = ac.post_objects(energy, [ind])
        ht.check(st == 202 and doc.get("success_count") == 1, f"post indicator: {st} {doc}")
        ind_id = ind["id"]

        # 2. one capture, two sensors
        pcap = os.path.join(work, "dns.pcap")
        write_pcap(pcap, ["www.example.org", DOMAIN, "mail.example.net"])
        ev_n = run_sensor(work, "north", hub, north_sensor, pcap)
        al = intel_alerts(ev_n)
        ht.check(len(al) == 1, f"energy sensor: {len(al)} intel alerts, want 1")
        if al:
            md = al[0]["alert"]["metadata"]
            ht.check(md.get("intel_stix_id") == [ind_id], f"alert names the indicator: {md}")
            ht.check(md.get("intel_tlp") == ["amber"], f"alert TLP: {md}")
            ht.check(md.get("intel_shared_by") == ["Southern Power"], f"producer: {md}")
            ht.check(md.get("intel_seen_in") == ["dns.query"], f"field: {md}")
            ht.check(al[0]["alert"]["severity"] == 1, "confidence 85 -> severity 1")
        hr = last_stats(ev_n).get("vigil", {}).get("hub_report", {})
        ht.check(hr.get("alerts") == 1 and hr.get("stats") == 1 and hr.get("sent") == 2 and
                 hr.get("dropped") == 0, f"report stats (the alert, the final counters) {hr}")
        # the counters reached the hub's sensors view (drops: a sensor that
        # drops misses attacks)
        with sqlite3.connect(os.path.join(work, "hub.db")) as con:
            rows = con.execute("SELECT kernel_packets, kernel_drops, agent FROM sensor_status"
                               " WHERE alerts = 1").fetchall()
        ht.check(len(rows) == 1 and rows[0][0] == 3 and rows[0][1] == 0 and
                 str(rows[0][2]).startswith("vigil-sensor/"),
                 f"the sensors view has the sensor's capture counters: {rows}")
        ev_b = run_sensor(work, "bank", hub, bank_sensor, pcap)
        ht.check(not intel_alerts(ev_b), "finance sensor alerted on an energy AMBER indicator")
        ht.check(last_stats(ev_b).get("vigil", {}).get("intel", {}).get("indicators") == 0,
                 f"finance sensor received indicators: {last_stats(ev_b).get('intel')}")

        # 3. sighting of the shared indicator, visible to its author; risk picture
        sg = sightings(ac, ind_id)
        ht.check(len(sg) == 1 and sg[0]["organisation"] == "Northern Grid" and
                 sg[0]["identity"] == north_id, f"author sees where it was sighted: {sg}")
        st, doc, _ = ac.get(f"/vigil/collections/{energy}/objects/?match[type]=sighting")
        objs = (doc or {}).get("objects", [])
        ht.check(any(o.get("sighting_of_ref") == ind_id and o.get("where_sighted_refs") == [north_id]
                     for o in objs), f"STIX sighting in the energy collection: {objs}")
        st, risk, _ = ac.request("GET", "/api/v1/risk", headers={"Accept": "application/json"})
        energy_risk = [s for s in (risk or {}).get("sectors", []) if s.get("sector") == "energy"]
        ht.check(energy_risk and json.dumps(energy_risk[0]).find(ind_id) >= 0 or
                 (energy_risk and sum(v.get("24h", 0) if isinstance(v, dict) else 0
                                      for v in energy_risk[0].get("severity", {}).values()) >= 1),
                 f"energy risk summary shows the sighting: {risk}")
        bc = hub.client(bank_sensor)
        st, doc, _ = bc.get(f"/vigil/collections/{energy}/objects/")
        ht.check(not any(o.get("id") == ind_id for o in (doc or {}).get("objects", [])),
                 "finance sees the energy indicator")

        # 3b. look-alikes of the domains an energy organisation protects:
        # the energy sensor alerts (naming the protected domain and the
        # technique), the author sees the sighting; the finance sensor
        # has no protected domains of energy's and stays silent
        st, doc, _ = ac.request("POST", "/api/v1/protected-domains",
                                {"domains": ["sp-gridportal.co.uk"], "tlp": "amber",
                                 "collection": "sector"},
                                headers={"Accept": "application/json",
                                         "Content-Type": "application/json"})
        ht.check(st == 201 and doc.get("protected") == ["sp-gridportal.co.uk"], f"protect: {st} {doc}")
        st, doc, _ = ac.request("GET", "/api/v1/protected-domains",
                                headers={"Accept": "application/json"})
        prot = {d["domain"]: d["id"] for d in (doc or {}).get("domains", [])}
        ht.check(set(prot) == {"southernpower.*", "sp-gridportal.co.uk"}, f"protected list {doc}")
        pcap_la = os.path.join(work, "lookalike.pcap")
        write_pcap(pcap_la, ["southernpower-login.com", "www.southernpower.de",
                             "sp-gridprotal.co.uk", "sp-gridportal.co.uk", "www.example.org"])
        def lookalikes(events):
            return {e["alert"]["metadata"]["lookalike_seen"][0]:
                    (e["alert"]["metadata"]["lookalike_technique"][0],
                     e["alert"]["metadata"]["lookalike_protected_domain"][0],
                     e["alert"]["metadata"].get("lookalike_protected_by"))
                    for e in events if e["event_type"] == "alert" and e["alert"]["gid"] == 7001}
        la = lookalikes(run_sensor(work, "north-la", hub, north_sensor, pcap_la))
        ht.check(la == {"southernpower-login.com": ("added-word", "southernpower.*",
                                                    ["Southern Power"]),
                        "sp-gridprotal.co.uk": ("transposition", "sp-gridportal.co.uk",
                                                ["Southern Power"])},
                 f"energy sensor: look-alike alerts {la}")
        ht.check(wait_for(lambda: len(sightings(ac, prot["sp-gridportal.co.uk"])) == 1, 10),
                 "the protecting organisation sees where its look-alike was seen")
        sg = sightings(ac, prot["sp-gridportal.co.uk"])
        ht.check(sg and sg[0]["organisation"] == "Northern Grid", f"look-alike sighting {sg}")
        la_b = lookalikes(run_sensor(work, "bank-la", hub, bank_sensor, pcap_la))
        ht.check(not la_b, f"finance sensor: look-alike alerts on energy's domains {la_b}")

        # 4. hub down while a sensor runs: spooled, then delivered once
        sensor = Sensor(work, "north-live", hub, north_sensor)
        time.sleep(max(1.0, POLL))
        sensor.query(DOMAIN)
        ht.check(wait_for(lambda: len(sightings(ac, ind_id)) == 2, 30), "live hit reported")
        rc = hub.stop()
        ht.check(rc == 0, f"hub stopped cleanly (exit status {rc})")
        down_hits = 4
        for _ in range(down_hits):
            sensor.query(DOMAIN)
            sensor.query("benign.example.com")
            time.sleep(0.1)
        time.sleep(1.5)
        hub = ht.Hub(db, work, extra=["--listen", f"127.0.0.1:{port}"])
        hub.start()
        hub.url = f"https://127.0.0.1:{port}"
        ac = hub.client(author)
        got = wait_for(lambda: len(sightings(ac, ind_id)) >= 2 + down_hits, 60, 0.3)
        ht.check(got, f"spooled hits delivered after the hub returned: "
                      f"{len(sightings(ac, ind_id))} sightings, want {2 + down_hits}")

        # an alert report sent twice (the same report id) is one sighting
        resent = dict(al[0]) if al else {}
        resent["vigil_report_id"] = str(uuid.uuid4())
        rep = ht.Client(hub, north_sensor)
        n0 = len(sightings(ac, ind_id))
        for _ in range(2):
            st, doc, _ = rep.request("POST", "/api/v1/eve", body=json.dumps(resent),
                                     headers={"Content-Type": "application/x-ndjson",
                                              "Accept": "application/json"})
            ht.check(st == 200, f"re-send: {st} {doc}")
        n_before = len(sightings(ac, ind_id))
        ht.check(n_before == n0 + 1, f"a report sent twice counted {n_before - n0} times")

        # 6. latency: a new indicator while the sensor runs and queries flow
        ind2 = ht.indicator(tlp="amber", name="Second wave")
        ind2["pattern"] = f"[domain-name:value = '{DOMAIN2}']"
        stop = threading.Event()

        def feeder():
            while not stop.is_set():
                sensor.query(DOMAIN2)
                time.sleep(0.1)
        th = threading.Thread(target=feeder)
        th.start()
        st, doc, _ = ac.post_objects(energy, [ind2])
        t_accepted = time.time()
        ht.check(st == 202, f"post second indicator {st}")
        wait_for(lambda: len(sightings(ac, ind2["id"])) >= 1, POLL + 30, 0.2)
        t_sighting = time.time()
        stop.set()
        th.join()

        # service operation: SIGHUP reopens the logs while the feed and
        # reporter threads run; alerts after it are in the new file
        # (reading a pipe, the sensor serves the signal at the next packet)
        sensor.rotate()
        time.sleep(0.2)
        sensor.query(DOMAIN2)
        ht.check(wait_for(lambda: os.path.exists(os.path.join(sensor.out, "eve.json")), 10, 0.1),
                 "SIGHUP: eve.json reopened")

        # 5. revocation: the sensor stops alerting within one poll
        rev = dict(ind)
        rev["modified"] = ht.now_ts(1)
        rev["revoked"] = True
        st, doc, _ = ac.post_objects(energy, [rev])
        ht.check(st == 202 and doc.get("success_count") == 1, f"revoke: {st} {doc}")
        t_revoked = time.time()
        time.sleep(POLL + 1.5)  # one poll, and the time to rebuild
        after = [sensor.query(DOMAIN) for _ in range(3)]
        sensor.query(DOMAIN2)  # the last alert: reported before the sensor exits
        time.sleep(0.5)
        t_term = time.time()
        rc, ev_live = sensor.stop(sigterm=True)
        ht.check(rc == 0, f"live sensor exit {rc} on SIGTERM")
        ht.check(time.time() - t_term < 10, f"SIGTERM: stopped in {time.time() - t_term:.1f} s")
        rotated = eve(os.path.join(sensor.out, "eve.json"))
        ht.check(any(e["event_type"] == "alert" for e in rotated),
                 "alerts after SIGHUP went to the reopened eve.json")
        live = intel_alerts(ev_live)
        dom1 = [a for a in live if a["alert"]["metadata"].get("intel_stix_id") == [ind_id]]
        ht.check(len(dom1) == 1 + down_hits, f"live sensor: {len(dom1)} hits, want {1 + down_hits}")
        ht.check(all(a["alert"]["metadata"].get("intel_stix_id") != [ind_id]
                     for a in live if time.mktime(time.strptime(a["timestamp"][:19],
                                                                "%Y-%m-%dT%H:%M:%S")) -
                     time.timezone >= int(after[0])),
                 "alerts after the revocation")
        stats = last_stats(ev_live)
        # no packet lost across the set swaps of the run (several updates)
        queries = [e for e in ev_live if e["event_type"] == "dns" and
                   e["dns"].get("type") == "request"]
        ht.check(len(queries) == len(sensor.sent),
                 f"{len(queries)} DNS requests logged, {len(sensor.sent)} sent")
        ht.check(stats.get("vigil", {}).get("intel", {}).get("updates", 0) >= 3,
                 f"the indicator set was swapped during the run: {stats.get('intel')}")
        hr = stats.get("vigil", {}).get("hub_report", {})
        ht.check(hr.get("spooled", 0) >= down_hits, f"hits spooled while the hub was down: {hr}")
        ht.check(hr.get("dropped") == 0, f"nothing dropped: {hr}")
        ht.check(hr.get("pending") == 0, f"the reporter drained at SIGTERM: {hr}")
        total = len(dom1) + 1 + 1  # the first run's alert, the hand-made report
        n_final = len(sightings(ac, ind_id))
        ht.check(n_final == total, f"sightings {n_final} == alerts {total}: none lost or doubled")
        ht.check(n_before == n_final, "a re-sent alert was counted again")
        # latency from the packet timestamps of the first alert on the new indicator
        d2 = [a for a in live if a["alert"]["metadata"].get("intel_stix_id") == [ind2["id"]]]
        ht.check(wait_for(lambda: len(sightings(ac, ind2["id"])) == len(d2), 10, 0.2),
                 f"every alert on the second indicator is a sighting (none lost at SIGTERM): "
                 f"{len(sightings(ac, ind2['id']))} sightings, {len(d2)} alerts")
        if d2:
            first = min(time.mktime(time.strptime(a["timestamp"][:19], "%Y-%m-%dT%H:%M:%S")) -
                        time.timezone + float("0." + a["timestamp"][20:26]) for a in d2)
            lat = first - t_accepted
            print(f"intel_e2e: poll {POLL:g} s: hub accepted -> sensor alert {lat:.2f} s; "
                  f"-> sighting at the hub {t_sighting - t_accepted:.2f} s")
            ht.check(lat < POLL + 5, f"latency {lat:.1f} s")
        else:
            ht.check(False, "no alert on the second indicator")
        pull = stats.get("vigil", {}).get("intel", {}).get("hub_pull", {})
        if POLL <= 1:
            ht.check(pull.get("empty_polls", 0) >= 1, f"polls that bring nothing are empty: {pull}")
        print(f"intel_e2e: {pull.get('polls')} polls, {pull.get('empty_polls')} empty, "
              f"last poll {pull.get('last_poll_usec')} us; revoked at +{t_revoked - t_start:.1f} s")
    finally:
        hub.stop()
    print(f"intel_e2e: {time.time() - t_start:.1f} s")
    ht.finish("intel_e2e")


if __name__ == "__main__":
    main()
