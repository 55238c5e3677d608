# SPDX-License-Identifier: Apache-2.0
"""Helpers for the hub end-to-end tests: run a real `vigil hub` process,
administer it through the CLI, and talk TAXII to it over TLS or plain HTTP.
Standard library only."""
import base64
import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import uuid

TAXII = "application/taxii+json;version=2.1"
TLP_IDS = {
    "clear": "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
    "green": "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
    "amber": "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
    "amber+strict": "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
    "red": "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}
TLP1_IDS = {  # TLP 1.0 ids, accepted on input
    "clear": "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
    "green": "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
    "amber": "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
    "red": "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
}

FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, file=sys.stderr)
    return cond


def finish(name):
    if FAILURES:
        print(f"{name}: {len(FAILURES)} failures", file=sys.stderr)
        sys.exit(1)
    print(f"{name}: ok")
    sys.exit(0)


def vigil_bin():
    b = os.environ.get("VIGIL_BIN")
    if not b:
        here = os.path.dirname(os.path.abspath(__file__))
        b = os.path.join(here, "..", "..", "build", "vigil")
    return b


def admin(db, *args, expect=0):
    r = subprocess.run([vigil_bin(), "hub", "admin", "--db", db, *args], capture_output=True,
                       text=True, timeout=120)
    if r.returncode != expect:
        raise RuntimeError(f"admin {args}: rc {r.returncode}: {r.stderr.strip()}")
    lines = r.stdout.strip().splitlines()
    return lines[-1] if lines else "", r


class Hub:
    def __init__(self, db, workdir, plain=False, extra=(), raw_args=None, log_file=None):
        self.db, self.workdir, self.plain, self.extra = db, workdir, plain, list(extra)
        self.raw_args = raw_args
        self.log_file = log_file  # the hub's --log-file: its start lines are read there
        self.proc = None
        self.port = None

    def start(self, timeout=60):
        args = [vigil_bin(), "hub", "--db", self.db, "--listen", "127.0.0.1:0",
                "--tls-dir", self.workdir, *self.extra]
        if self.raw_args is not None:
            args = [vigil_bin(), "hub", *self.raw_args]
        if self.plain:
            args.append("--plain-http")
        self.log = open(os.path.join(self.workdir, "hub.log"), "ab")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self.log)
        deadline = time.time() + timeout
        self.fingerprint = None
        pos = os.path.getsize(self.log_file) if self.log_file and os.path.exists(self.log_file) else 0
        while time.time() < deadline:
            if self.log_file:
                line = ""
                if os.path.exists(self.log_file):
                    with open(self.log_file) as f:
                        f.seek(pos)
                        line = f.readline()
                        if line.endswith("\n"):
                            pos += len(line.encode())
                        else:
                            line = ""
                if not line:
                    if self.proc.poll() is not None:
                        raise RuntimeError("hub exited at start; see " + self.log_file)
                    time.sleep(0.05)
                    continue
            else:
                line = self.proc.stdout.readline().decode()
            if not line:
                raise RuntimeError("hub exited at start; see " + self.log.name)
            self.stdout_lines = getattr(self, "stdout_lines", []) + [line]
            m = re.search(r"fingerprint ([0-9A-F:]+)", line)
            if m:
                self.fingerprint = m.group(1)
            m = re.search(r"listening on (https?)://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(2))
                return self
        raise RuntimeError("hub did not start")

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                rc = self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                rc = self.proc.wait()
        else:
            rc = self.proc.returncode if self.proc else None
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        self.log.close()
        self.proc = None
        return rc

    def client(self, token=None):
        return Client(self, token)


class Client:
    def __init__(self, hub, token):
        self.hub, self.token = hub, token
        self.conn = None

    def _connect(self):
        if self.hub.plain:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.hub.port, timeout=120)
        else:
            ctx = ssl.create_default_context(cafile=os.path.join(self.hub.workdir, "hub-cert.pem"))
            self.conn = http.client.HTTPSConnection("127.0.0.1", self.hub.port, context=ctx,
                                                    timeout=120)

    def request(self, method, path, body=None, headers=None, auth="basic", raw=False):
        h = {"Accept": TAXII}
        if self.token and auth == "basic":
            h["Authorization"] = "Basic " + base64.b64encode(
                ("user:" + self.token).encode()).decode()
        elif self.token and auth == "bearer":
            h["Authorization"] = "Bearer " + self.token
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h["Content-Type"] = TAXII
        if headers:
            h.update(headers)
            h = {k: v for k, v in h.items() if v is not None}
        for attempt in range(2):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=body, headers=h)
                r = self.conn.getresponse()
                data = r.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError,
                    ssl.SSLEOFError, ssl.SSLZeroReturnError):
                # a keep-alive connection the hub closed while idle (--timeout)
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        if r.getheader("Connection", "").lower() == "close":
            self.conn.close()
            self.conn = None
        if raw:
            return r.status, data, r
        try:
            doc = json.loads(data) if data else None
        except ValueError:
            doc = None
        return r.status, doc, r

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post_objects(self, coll, objects):
        return self.request("POST", f"/vigil/collections/{coll}/objects/", {"objects": objects})

    def close(self):
        if self.conn:
            self.conn.close()
            self.conn = None


def raw_request(hub, token, head):
    """Sends only a request head (no body) and returns the status code."""
    s = socket.create_connection(("127.0.0.1", hub.port), timeout=30)
    if not hub.plain:
        ctx = ssl.create_default_context(cafile=os.path.join(hub.workdir, "hub-cert.pem"))
        s = ctx.wrap_socket(s, server_hostname="127.0.0.1")
    auth = base64.b64encode(("u:" + token).encode()).decode()
    s.sendall((head + f"Authorization: Basic {auth}\r\n\r\n").encode())
    data = b""
    while b"\r\n" not in data:
        d = s.recv(4096)
        if not d:
            break
        data += d
    s.close()
    m = re.match(rb"HTTP/1\.[01] (\d+)", data)
    return int(m.group(1)) if m else None


def now_ts(offset=0.0):
    t = time.time() + offset
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def indicator(tlp=None, name="test", modified=None, recipients=None, ip=None, tlp1=False,
              oid=None):
    ts = modified or now_ts()
    o = {
        "type": "indicator", "spec_version": "2.1",
        "id": oid or f"indicator--{uuid.uuid4()}", "created": ts, "modified": ts,
        "name": name, "pattern_type": "stix",
        "pattern": f"[ipv4-addr:value = '{ip or '198.51.100.7'}']",
        "valid_from": ts, "indicator_types": ["malicious-activity"],
    }
    if tlp:
        o["object_marking_refs"] = [(TLP1_IDS if tlp1 else TLP_IDS)[tlp]]
    if recipients is not None:
        o["x_vigil_recipients"] = recipients
    return o


def make_workdir(prefix):
    return tempfile.mkdtemp(prefix=prefix)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p
