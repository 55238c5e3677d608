#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The datasets' control-socket commands, driven by Suricata's own client
(suricatasc, one process per command as an operator runs it) against a
sensor in unix-socket mode: a value added with dataset-add is matched by the
rule's dataset:isset in the next capture and no longer after dataset-remove
(the capture's only DNS query is that value); lookups, clear, dump and bad
requests (unknown set, wrong type, bad encoding) answer as Suricata's
commands do. dataset-add-json (Suricata 8; sent over the socket's own protocol,
as this suricatasc predates it) adds a member with a context that the alert
then carries as alert.context.<context_key>."""
import base64
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

VIGIL = os.environ.get("VIGIL_BIN", "build/vigil")
SHARED = os.environ.get("VIGIL_SHARED", "../../shared")
PCAP = os.path.join(SHARED, "pcaps/dns/dns-udp.pcap")  # one query: www.tcpdump.org
VALUE = base64.b64encode(b"www.tcpdump.org").decode()  # strings as in dataset files
ENV = dict(os.environ, PYTHONPATH=os.path.join(SHARED, "suricatasc"))


def fail(msg, work=None):
    print("FAIL: " + msg, file=sys.stderr)
    if work and os.path.exists(os.path.join(work, "sensor.err")):
        sys.stderr.write(open(os.path.join(work, "sensor.err")).read()[-2000:])
    sys.exit(1)


def command(sock, cmd):
    out = subprocess.run([sys.executable, os.path.join(SHARED, "suricatasc/bin/suricatasc"),
                          "-c", cmd, sock], env=ENV, capture_output=True, text=True,
                         timeout=60).stdout
    try:
        return json.loads(out)
    except ValueError:
        return {"return": "?", "message": out}


def raw_command(sock, command, arguments):
    """One command over the socket's protocol (version handshake, then the
    command as JSON), for commands this suricatasc does not know."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    s.connect(sock)

    def ask(obj):
        s.sendall(json.dumps(obj).encode() + b"\n")  # protocol 0.2: one message a line
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                raise OSError("the control socket closed the connection")
            buf += chunk
        return json.loads(buf)

    ask({"version": "0.2"})
    r = ask({"command": command, "arguments": arguments})
    s.close()
    return r


def main():
    work = tempfile.mkdtemp(prefix="vigil-dsctl.")
    sock = os.path.join(work, "ctl.sock")
    open(os.path.join(work, "bl.lst"), "w").close()
    with open(os.path.join(work, "test.rules"), "w") as f:
        f.write('alert dns any any -> any any (msg:"query in dataset"; dns.query; '
                'dataset:isset,bl,type string,load bl.lst,context_key feed; sid:1; rev:1;)\n')
    with open(os.path.join(work, "vigil.yaml"), "w") as f:
        f.write('%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: "any"\n'
                '    EXTERNAL_NET: "any"\n')
    sensor = subprocess.Popen([VIGIL, "run", "--unix-socket=" + sock, "-c",
                               os.path.join(work, "vigil.yaml"), "-S",
                               os.path.join(work, "test.rules")],
                              stdout=subprocess.DEVNULL,
                              stderr=open(os.path.join(work, "sensor.err"), "w"))
    try:
        for _ in range(100):
            if os.path.exists(sock):
                break
            time.sleep(0.1)
        else:
            fail("the control socket did not appear", work)

        def expect(cmd, ret, message=None):
            r = command(sock, cmd)
            if r.get("return") != ret or (message is not None and r.get("message") != message):
                fail(f"'{cmd}' answered {r} (wanted {ret} {message or ''})", work)

        def alerts_after_capture(name):
            out = os.path.join(work, name)
            os.mkdir(out)
            expect(f"pcap-file {PCAP} {out}", "OK")
            for _ in range(150):
                if (command(sock, "pcap-file-number").get("message") == 0 and
                        command(sock, "pcap-current").get("message") == "None"):
                    break
                time.sleep(0.2)
            else:
                fail(f"the capture queued for {out} was not processed", work)
            with open(os.path.join(out, "eve.json")) as f:
                return [e for e in map(json.loads, f) if e.get("event_type") == "alert"]

        listed = command(sock, "command-list")["message"]["commands"]
        for c in ("dataset-add", "dataset-remove", "dataset-lookup", "dataset-clear",
                  "dataset-dump", "dataset-add-json"):
            if c not in listed:
                fail(f"{c} missing from command-list", work)
        expect(f"dataset-lookup bl string {VALUE}", "NOK", "item not found in set")
        expect(f"dataset-add bl string {VALUE}", "OK", "data added")
        expect(f"dataset-add bl string {VALUE}", "OK", "data already in set")
        expect(f"dataset-lookup bl string {VALUE}", "OK", "item found in set")
        hits = alerts_after_capture("out1")
        if [a["alert"]["signature_id"] for a in hits] != [1]:
            fail(f"want one alert of sid 1 after dataset-add, got {hits}", work)
        if "context" in hits[0]["alert"]:
            fail(f"a member added without JSON gave a context: {hits[0]['alert']}", work)
        expect(f"dataset-remove bl string {VALUE}", "OK", "data removed")
        expect(f"dataset-remove bl string {VALUE}", "NOK")
        if alerts_after_capture("out2"):
            fail("alert after dataset-remove", work)
        # bad requests: a NOK with a reason each, the sensor unaffected
        for bad in (f"dataset-add nosuchset string {VALUE}", f"dataset-add bl md5 {VALUE}",
                    "dataset-add bl string %%%not-base64%%%"):
            r = command(sock, bad)
            if r.get("return") != "NOK" or not r.get("message"):
                fail(f"'{bad}' answered {r}", work)
        expect(f"dataset-add bl string {VALUE}", "OK")
        expect("dataset-clear bl string", "OK", "dataset cleared")
        expect(f"dataset-lookup bl string {VALUE}", "NOK")
        expect("dataset-dump", "OK")
        # dataset-add-json: the member's context reaches the alert; bad JSON is refused
        args = {"setname": "bl", "settype": "string", "datavalue": VALUE,
                "datajson": '{"actor": "lab", "score": 80}'}
        r = raw_command(sock, "dataset-add-json", args)
        if r.get("return") != "OK" or r.get("message") != "data added":
            fail(f"dataset-add-json answered {r}", work)
        r = raw_command(sock, "dataset-add-json", dict(args, datajson='{"actor": "other"}'))
        if r.get("message") != "data already in set":
            fail(f"dataset-add-json of a member answered {r}", work)
        r = raw_command(sock, "dataset-add-json", dict(args, datajson='{"actor": '))
        if r.get("return") != "NOK" or "JSON" not in r.get("message", ""):
            fail(f"dataset-add-json with bad JSON answered {r}", work)
        hits = alerts_after_capture("out3")
        if [a["alert"].get("context") for a in hits] != [{"feed": {"actor": "lab", "score": 80}}]:
            fail(f"want alert.context.feed after dataset-add-json, got {hits}", work)
    finally:
        sensor.terminate()
        sensor.wait(timeout=30)
    shutil.rmtree(work, ignore_errors=True)
    print("dataset socket commands: ok")


if __name__ == "__main__":
    main()
