#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Cost of a hub poll that brings nothing new: a hub holding N indicators
(default 1,000) in a sector collection, a sensor polling every 0.2 s for
20 s while idle (capture on stdin, no packets). Prints the sensor's and the
hub's CPU per poll (from /proc), the sensor's wall time per poll (its stats),
and the same sensor's CPU with no hub as the baseline of the run.

  poll-cost.py [N]"""
import json
import os
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "hub"))
import hubtest as ht  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_of(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / TICK


def idle_sensor(work, name, extra, seconds):
    out = os.path.join(work, name)
    os.makedirs(out, exist_ok=True)
    p = subprocess.Popen([ht.vigil_bin(), "run", "-r", "-", "-l", out, *extra],
                         stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
    p.stdin.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    p.stdin.flush()
    time.sleep(2)  # start-up (first pull) out of the measurement
    c0 = cpu_of(p.pid)
    time.sleep(seconds)
    c1 = cpu_of(p.pid)
    p.stdin.close()
    p.wait(timeout=60)
    stats = [json.loads(l) for l in open(os.path.join(out, "eve.json"))
             if '"event_type":"stats"' in l]
    return c1 - c0, stats[-1]["stats"] if stats else {}


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    work = ht.make_workdir("vigil-poll-cost-")
    db = "sqlite:" + os.path.join(work, "hub.db")
    ht.admin(db, "org", "add", "--name", "Grid", "--sector", "energy")
    analyst, _ = ht.admin(db, "token", "issue", "--org", "Grid", "--role", "analyst")
    sensor, _ = ht.admin(db, "token", "issue", "--org", "Grid", "--role", "sensor")
    hub = ht.Hub(db, work).start()
    try:
        c = hub.client(analyst)
        st, doc, _ = c.get("/vigil/collections/")
        coll = [x["id"] for x in doc["collections"] if x["title"] == "energy"][0]
        objs = []
        for i in range(n):
            o = ht.indicator(tlp="amber", name=f"ind {i}")
            o["pattern"] = f"[domain-name:value = 'bad{i}.example']"
            objs.append(o)
        for i in range(0, n, 500):
            c.post_objects(coll, objs[i:i + 500])
        seconds = 20
        base, _ = idle_sensor(work, "nohub", [], seconds)
        h0 = cpu_of(hub.proc.pid)
        used, stats = idle_sensor(work, "hub", ["--hub", f"https://127.0.0.1:{hub.port}",
                                               "--hub-token", sensor, "--hub-pin",
                                               hub.fingerprint, "--hub-poll-interval", "0.2"],
                                  seconds)
        h1 = cpu_of(hub.proc.pid)
        pull = stats.get("vigil", {}).get("intel", {}).get("hub_pull", {})
        polls = max(1, int(seconds / 0.2))
        print(f"{n} indicators at the hub; {pull.get('polls')} polls ({pull.get('empty_polls')} "
              f"empty) in the whole run")
        print(f"idle sensor CPU over {seconds} s: {base:.2f} s without a hub, {used:.2f} s "
              f"polling every 0.2 s")
        print(f"per empty poll: sensor {(used - base) / polls * 1000:.2f} ms CPU, hub "
              f"{(h1 - h0) / polls * 1000:.2f} ms CPU, sensor wall {pull.get('last_poll_usec', 0) / 1000:.1f} ms")
    finally:
        hub.stop()


if __name__ == "__main__":
    main()
