#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The hub as a service (issue 8) and against clients that hold connections
(issue 12), with a real hub process on loopback (SQLite):
configuration file, certificate names, /healthz, /metrics, SIGHUP (log
reopen, certificate reload, audit flush) and SIGUSR2, backup while writing
and restore, and idle / trickling clients that must not lock others out.

usage: hub_ops_e2e.py"""
import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hubtest import (FAILURES, TAXII, Hub, admin, check, finish, indicator,  # noqa: E402
                     make_workdir, vigil_bin)


def setup(db):
    ident, _ = admin(db, "org", "add", "--name", "OpsCo", "--sector", "energy")
    tok, _ = admin(db, "token", "issue", "--org", "OpsCo", "--role", "admin")
    return tok


def energy_coll(c):
    st, doc, _ = c.get("/vigil/collections/")
    return [x["id"] for x in doc["collections"] if x["title"] == "energy"][0]


def san_of(cert):
    r = subprocess.run(["openssl", "x509", "-noout", "-ext", "subjectAltName", "-in", cert],
                       capture_output=True, text=True)
    return r.stdout


def peer_fingerprint(port, cafile=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        with ctx.wrap_socket(s) as t:
            der = t.getpeercert(binary_form=True)
    return hashlib.sha256(der).hexdigest()


def test_config_file_and_names(work):
    db = f"sqlite:{work}/cfg.db"
    tok = setup(db)
    log = os.path.join(work, "hub-cfg.log")
    cfg = os.path.join(work, "hub.yaml")
    with open(cfg, "w") as f:
        f.write(f"# vigil hub configuration\ndb: {db}\nlisten: 127.0.0.1:0\ntls-dir: {work}/cfgtls\n"
                f"hostname:\n  - hub.example.org\n  - 192.0.2.7\nheader-timeout: 5\n"
                f"log-file: {log}\nthreads: 2\nmax-body: 4mb\n")
    os.makedirs(f"{work}/cfgtls")
    hub = Hub(db, f"{work}/cfgtls", raw_args=["--config", cfg], log_file=log).start()
    san = san_of(f"{work}/cfgtls/hub-cert.pem")
    check("DNS:hub.example.org" in san and "IP Address:192.0.2.7" in san
          and "IP Address:127.0.0.1" in san and "DNS:localhost" in san,
          f"certificate_names_hostnames: {san.strip()}")
    c = hub.client(tok)
    st, doc, _ = c.get("/vigil/")
    check(st == 200 and doc["max_content_length"] == 4 << 20,
          f"config_file: settings applied ({doc})")
    c.close()
    hub.stop()
    # a bad setting names file and line
    with open(cfg, "a") as f:
        f.write("max-conections: 5\n")
    r = subprocess.run([vigil_bin(), "hub", "--config", cfg], capture_output=True, text=True,
                       timeout=30)
    check(r.returncode == 2 and f"{cfg}:12" in r.stderr and "max-conections" in r.stderr,
          f"config_file: an unknown key is refused with file:line ({r.stderr.strip()})")


def test_health_metrics(hub, tok):
    anon = hub.client(None)
    st, doc, _ = anon.get("/healthz", headers={"Accept": "application/json"})
    check(st == 200 and doc["status"] == "ok" and doc["database"] == "ok",
          f"healthz without a token ({st} {doc})")
    st, _, _ = anon.get("/metrics")
    check(st == 401, "metrics need a token")
    c = hub.client(tok)
    cid = energy_coll(c)
    c.post_objects(cid, [indicator(tlp="green") for _ in range(5)])
    st, raw, r = c.request("GET", "/metrics", headers={"Accept": "text/plain"}, raw=True)
    text = raw.decode()
    check(st == 200 and r.getheader("Content-Type").startswith("text/plain; version=0.0.4"),
          "metrics: Prometheus text format")
    for name in ("vigil_hub_requests_total{", "vigil_hub_request_duration_seconds_bucket{",
                 "vigil_hub_objects_stored_total", "vigil_hub_auth_failures_total 1",
                 "vigil_hub_db_up 1", "vigil_hub_connections_open", "vigil_hub_eve_alerts_total",
                 "vigil_hub_db_errors_total"):
        check(name in text, f"metrics: {name}")
    stored = [l for l in text.splitlines() if l.startswith("vigil_hub_objects_stored_total ")]
    check(stored and int(stored[0].split()[1]) >= 5, f"metrics: objects counted ({stored})")
    # every line parses as Prometheus text
    bad = [l for l in text.splitlines() if l and not l.startswith("#") and len(l.rsplit(" ", 1)) != 2]
    check(not bad, f"metrics: well-formed lines ({bad[:3]})")
    c.close()
    anon.close()


def test_sighup(hub, tok, work):
    log = os.path.join(work, "hub-main.log")
    c = hub.client(tok)
    cid = energy_coll(c)
    keep = hub.client(tok)  # a keep-alive connection across the reload
    st, _, _ = keep.get("/vigil/")
    # writes acknowledged while signals arrive are all kept
    acked, stop = [], threading.Event()

    def writer():
        w = hub.client(tok)
        while not stop.is_set():
            objs = [indicator(tlp="amber") for _ in range(50)]
            try:
                st, doc, _ = w.post_objects(cid, objs)
            except (OSError, ssl.SSLError):
                w.close()  # a reconnection while the certificate changes
                continue
            if st == 202:
                acked.extend(x["id"] for x in doc.get("successes", []))
        w.close()

    t = threading.Thread(target=writer)
    t.start()
    fp_before = peer_fingerprint(hub.port)
    # a new certificate in place of the files given with --cert/--key
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
                    "-nodes", "-keyout", os.path.join(work, "k2.pem"), "-out",
                    os.path.join(work, "c2.pem"), "-days", "2", "-subj", "/CN=vigil hub 2",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    os.replace(os.path.join(work, "c2.pem"), os.path.join(work, "ops-cert.pem"))
    os.replace(os.path.join(work, "k2.pem"), os.path.join(work, "ops-key.pem"))
    shutil.copy(os.path.join(work, "ops-cert.pem"), os.path.join(work, "hub-cert.pem"))
    os.rename(log, log + ".1")  # logrotate
    hub.proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    hub.proc.send_signal(signal.SIGUSR2)
    time.sleep(0.7)
    stop.set()
    t.join()
    check(hub.proc.poll() is None, "sighup_reloads_without_exit: the hub survives SIGHUP and SIGUSR2")
    check(os.path.exists(log) and "log reopened" in open(log).read(),
          "sighup_reopens_log: a new log file after the rename")
    fp_after = peer_fingerprint(hub.port)
    check(fp_before != fp_after, "sighup_reloads_certificate: new handshakes get the new certificate")
    st, _, _ = keep.get("/vigil/")
    check(st == 200, "sighup: an open keep-alive connection is not dropped")
    hub.client  # noqa: B018
    # every acknowledged object is there
    seen, path = set(), f"/vigil/collections/{cid}/manifest/?limit=1000"
    r = hub.client(tok)
    r.hub.workdir = work
    while True:
        st, doc, _ = r.get(path)
        seen |= {o["id"] for o in doc.get("objects", [])}
        if not doc.get("more"):
            break
        path = f"/vigil/collections/{cid}/manifest/?limit=1000&next={doc['next']}"
    check(acked and set(acked) <= seen, f"sighup: {len(set(acked) - seen)} acknowledged objects lost")
    # the reads of AMBER objects are in the audit log once SIGHUP flushed them
    st, doc, _ = r.get(f"/vigil/collections/{cid}/objects/{acked[0]}/")
    check(st == 200, "an AMBER object read")
    hub.proc.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    st, doc, _ = r.get("/api/v1/audit?limit=50", headers={"Accept": "application/json"})
    check(any(e["action"] == "read" for e in doc.get("entries", [])), "sighup: audit queue flushed")
    for x in (c, keep, r):
        x.close()
    return acked


def test_backup_restore(hub, tok, work, db):
    c = hub.client(tok)
    cid = energy_coll(c)
    before = [indicator(tlp="green") for _ in range(200)]
    st, doc, _ = c.post_objects(cid, before)
    check(doc["success_count"] == 200, "objects before the backup")
    stop = threading.Event()

    def writer():
        w = hub.client(tok)
        while not stop.is_set():
            w.post_objects(cid, [indicator(tlp="green") for _ in range(50)])
        w.close()

    t = threading.Thread(target=writer)
    t.start()
    bfile = os.path.join(work, "backup.db")
    _, r = admin(db, "backup", "--to", bfile)
    stop.set()
    t.join()
    check("checked" in r.stdout and os.path.getsize(bfile) > 0, "backup_online: written while writing")
    _, r = admin(db, "backup", "--to", bfile, expect=1)
    check("exists" in r.stderr, "backup refuses to overwrite")
    _, r = admin("postgresql://vigil@127.0.0.1:1/vigil", "backup", "--to", "x.dump", expect=1)
    check("pg_dump" in r.stderr, "backup on PostgreSQL prints the pg_dump advice")
    # restore into a new place and serve it
    rdb = f"sqlite:{work}/restored.db"
    _, r = admin(rdb, "restore", "--from", bfile)
    check("restored" in r.stdout, "restore")
    _, r = admin(rdb, "restore", "--from", bfile, expect=1)
    check("--force" in r.stderr, "restore refuses to replace a database without --force")
    os.makedirs(os.path.join(work, "r"), exist_ok=True)
    h2 = Hub(rdb, os.path.join(work, "r"), plain=True).start()
    c2 = h2.client(tok)
    ids, path = set(), f"/vigil/collections/{cid}/manifest/?limit=1000"
    while True:
        st, doc, _ = c2.get(path)
        ids |= {o["id"] for o in doc.get("objects", [])}
        if not doc.get("more"):
            break
        path = f"/vigil/collections/{cid}/manifest/?limit=1000&next={doc['next']}"
    check({o["id"] for o in before} <= ids, "backup_restore: every object acknowledged before the "
          "backup is served by a hub on the restored database")
    c2.close()
    h2.stop()
    c.close()


def test_slow_clients(work, tok, db):
    """slow_clients_do_not_lock_out: idle connections from one address and
    clients trickling a header line every second from many addresses; an
    authenticated client is still served throughout, and the tricklers are
    cut at the header deadline."""
    hub = Hub(db, work, plain=True, extra=["--max-connections", "96", "--max-per-address", "8",
                                           "--header-timeout", "2", "--threads", "2"]).start()
    keep = hub.client(tok)
    st, _, _ = keep.get("/vigil/")
    socks, lock = [], threading.Lock()
    refused = 0
    # 40 idle connections from one address (8 allowed)
    for _ in range(40):
        try:
            s = socket.socket()
            s.bind(("127.0.0.2", 0))
            s.connect(("127.0.0.1", hub.port))
            socks.append(s)
        except OSError:
            refused += 1
    stop = threading.Event()

    def trickle(i):
        try:
            s = socket.socket()
            s.bind((f"127.0.1.{i}", 0))
            s.settimeout(1)
            s.connect(("127.0.0.1", hub.port))
            s.sendall(b"GET /vigil/ HTTP/1.1\r\n")
            n = 0
            while not stop.is_set():
                s.sendall(b"X-Slow-%d: x\r\n" % n)
                n += 1
                time.sleep(1)
        except OSError:
            pass
        finally:
            with lock:
                cut.append(i)

    cut = []
    threads = [threading.Thread(target=trickle, args=(i,)) for i in range(1, 121)]
    for t in threads:
        t.start()
    time.sleep(0.5)
    served, worst = 0, 0.0
    for i in range(15):
        c = hub.client(tok)
        t0 = time.time()
        try:
            st, _, _ = c.get("/vigil/collections/")
        except OSError:
            st = None
        worst = max(worst, time.time() - t0)
        served += st == 200
        c.close()
        time.sleep(0.2)
    st, _, _ = keep.get("/vigil/")
    check(st == 200, "slow_clients_do_not_lock_out: an authenticated keep-alive connection is served")
    check(served == 15, f"slow_clients_do_not_lock_out: {served}/15 new authenticated requests "
          f"served (worst {worst:.2f} s)")
    time.sleep(3)
    with lock:
        ncut = len(cut)
    check(ncut >= 110, f"header_deadline: {ncut}/120 trickling clients cut after --header-timeout")
    stop.set()
    for t in threads:
        t.join()
    st, raw, _ = keep.request("GET", "/metrics", raw=True)
    text = raw.decode()
    ev = [l for l in text.splitlines() if l.startswith(("vigil_hub_connections_evicted_total ",
                                                        "vigil_hub_header_timeouts_total "))]
    check(sum(int(l.split()[1]) for l in ev) > 0, f"metrics count evictions/timeouts ({ev})")
    for s in socks:
        s.close()
    keep.close()
    check(hub.stop() == 0, "hub stops cleanly after the slow clients")


def main():
    work = make_workdir("vigil-hub-ops-")
    t0 = time.time()
    db = f"sqlite:{work}/hub.db"
    hub = None
    try:
        test_config_file_and_names(work)
        tok = setup(db)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                        os.path.join(work, "ops-key.pem"), "-out", os.path.join(work, "ops-cert.pem"),
                        "-days", "2", "-subj", "/CN=vigil hub", "-addext",
                        "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
        shutil.copy(os.path.join(work, "ops-cert.pem"), os.path.join(work, "hub-cert.pem"))
        hub = Hub(db, work, extra=["--cert", os.path.join(work, "ops-cert.pem"), "--key",
                                   os.path.join(work, "ops-key.pem"), "--log-file",
                                   os.path.join(work, "hub-main.log")],
                  log_file=os.path.join(work, "hub-main.log"))
        hub.start()
        for fn, args in ((test_health_metrics, (hub, tok)), (test_sighup, (hub, tok, work)),
                         (test_backup_restore, (hub, tok, work, db))):
            try:
                fn(*args)
            except Exception as e:  # noqa: BLE001
                check(False, f"{fn.__name__}: {type(e).__name__}: {e}")
        rc = hub.stop()
        check(rc == 0, f"hub stops cleanly (exit {rc})")
        hub = None
        test_slow_clients(work, tok, db)
    finally:
        if hub and hub.proc:
            hub.stop()
        logs = [os.path.join(work, f) for f in os.listdir(work) if f.startswith("hub") and ".log" in f]
        for lf in logs:
            text = open(lf, errors="replace").read()
            for bad in ("runtime error", "AddressSanitizer", "LeakSanitizer", "Assertion"):
                check(bad not in text, f"{os.path.basename(lf)} has no '{bad}'")
        if not FAILURES:
            shutil.rmtree(work, ignore_errors=True)
        else:
            print("work dir kept:", work, file=sys.stderr)
    print(f"elapsed {time.time() - t0:.1f}s")
    finish("hub_ops_e2e")


if __name__ == "__main__":
    sys.exit(main())
