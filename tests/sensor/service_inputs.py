#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Capture inputs of a long-running sensor (issue 8):

- a FIFO whose writer stays silent (open, nothing more to say): the timer
  flush and the stats interval go on, SIGHUP reopens the renamed eve.json at
  once, SIGTERM ends the run within a couple of seconds with exit 0, final
  stats and whole lines; with one thread and with two workers;
- stdin (`-r -`) that never sends even the capture header: SIGTERM ends the
  run at once, exit 0;
- a directory followed with --pcap-file-continuous by two workers while
  many files are added (the input list grows while the workers read the
  names of earlier files): every file is read, every alert names the file
  it came from (pcap_filename), delete-when-done deletes every file.

Before the fix the pipe reads blocked in libpcap until the next packet:
signals took effect only then. Captures are generated here."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pcapgen import Pcap, Session  # noqa: E402

BIN = os.environ["VIGIL_BIN"]
RULE = ('alert tcp any any -> any any (msg:"vigil service inputs"; content:"VIGILPIPE"; '
        'sid:1000101; rev:1;)\n')
failures = []


def fail(msg):
    failures.append(msg)
    print("FAIL " + msg, flush=True)


def check(cond, msg):
    if not cond:
        fail(msg)
    return cond


def write_config(path):
    with open(path, "w") as f:
        f.write("%YAML 1.1\n---\n"
                "stats:\n  enabled: yes\n  interval: 1\n"
                "outputs:\n"
                "  - eve-log:\n      enabled: yes\n      filetype: regular\n"
                "      filename: eve.json\n      pcap-file: yes\n"
                "      types:\n        - alert\n        - flow\n        - stats\n")


def make_capture(path, sessions, base_port, start=1700000000.0):
    p = Pcap(path, start=start)
    for i in range(sessions):
        s = Session(p, "10.2.%d.%d" % (i // 200, i % 200 + 1), "10.9.0.1", base_port + i, 80)
        s.send(True, b"GET /VIGILPIPE HTTP/1.0\r\n\r\n")
        s.send(False, b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok")
        s.close()
    p.close()
    return p.count


def read_lines(path, label):
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        data = f.read()
    if data and not data.endswith(b"\n"):
        fail("%s: %s ends with a cut line" % (label, path))
    out = []
    for line in data.splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            fail("%s: %s has a line that is not JSON: %r" % (label, path, line[:100]))
    return out


def wait_for(pred, timeout):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def stop(p, label, errpath, within=5.0):
    t = time.time()
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        fail("%s: SIGTERM did not stop the sensor within 20 s" % label)
        return
    took = time.time() - t
    check(took < within, "%s: SIGTERM took %.1f s (more than %.0f s)" % (label, took, within))
    with open(errpath) as f:
        err = f.read()
    check(rc == 0, "%s: exit %d after SIGTERM: %s" % (label, rc, err[-2000:]))
    for word in ("truncated", "corrupt", "error"):
        check(word not in err.lower(), "%s: stderr mentions %r: %s" % (label, word, err[-2000:]))


def test_fifo(tmp, rules, cfg, threads):
    label = "fifo threads=%d" % threads
    work = os.path.join(tmp, "fifo%d" % threads)
    log = os.path.join(work, "log")
    os.makedirs(log)
    cap = os.path.join(work, "in.pcap")
    npkts = make_capture(cap, 3, 21000)
    with open(cap, "rb") as f:
        data = f.read()
    fifo = os.path.join(work, "in.fifo")
    os.mkfifo(fifo)
    errpath = os.path.join(work, "err")
    with open(errpath, "w") as err:
        p = subprocess.Popen([BIN, "run", "-r", fifo, "-c", cfg, "-S", rules, "-l", log,
                              "-k", "none", "--threads", str(threads)],
                             stdout=subprocess.DEVNULL, stderr=err)
    writer = None
    try:
        writer = open(fifo, "wb")  # meets the sensor's open
        writer.write(data)  # header and every packet, then silence (writer stays open)
        writer.flush()
        eve = os.path.join(log, "eve.json")

        def alerts(path):
            return [e for e in read_lines(path, label) if e.get("event_type") == "alert"]

        # The timer flush works while the pipe is silent.
        check(wait_for(lambda: len(alerts(eve)) == 3, 10),
              "%s: the 3 alerts did not reach eve.json while the pipe was silent" % label)
        # logrotate: rename, SIGHUP; the sensor reopens eve.json at once and
        # the next stats interval writes to the new file.
        os.rename(eve, eve + ".1")
        time.sleep(0.2)
        p.send_signal(signal.SIGHUP)
        check(wait_for(lambda: os.path.exists(eve), 3),
              "%s: SIGHUP did not reopen eve.json while the pipe was silent" % label)
        check(wait_for(lambda: any(e.get("event_type") == "stats" for e in read_lines(eve, label)), 5),
              "%s: no stats line in the new eve.json while the pipe was silent" % label)
        check(p.poll() is None, "%s: the sensor exited before SIGTERM" % label)
        stop(p, label, errpath)
        old = read_lines(eve + ".1", label)
        new = read_lines(eve, label)
        n_alerts = sum(1 for e in old + new if e.get("event_type") == "alert")
        check(n_alerts == 3, "%s: %d alerts in the old and new eve.json, expected 3" % (label, n_alerts))
        stats = [e for e in new if e.get("event_type") == "stats"]
        got = stats[-1]["stats"]["decoder"]["pkts"] if stats else None
        check(got == npkts, "%s: final stats count %s packets, expected %d" % (label, got, npkts))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        if writer:
            try:
                writer.close()
            except BrokenPipeError:
                pass


def test_stdin_silent(tmp, rules, cfg):
    label = "stdin without a header"
    log = os.path.join(tmp, "stdin-log")
    os.makedirs(log)
    errpath = os.path.join(tmp, "stdin.err")
    with open(errpath, "w") as err:
        p = subprocess.Popen([BIN, "run", "-r", "-", "-c", cfg, "-S", rules, "-l", log, "-k", "none"],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err)
    try:
        time.sleep(1.5)
        check(p.poll() is None, "%s: the sensor exited before SIGTERM" % label)
        stop(p, label, errpath)
        read_lines(os.path.join(log, "eve.json"), label)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        p.stdin.close()


def test_growing_directory(tmp, rules, cfg):
    """Files keep arriving while two workers read: 48 files (the input list
    grows past several chunk sizes of the old array) in batches."""
    label = "continuous directory threads=2"
    work = os.path.join(tmp, "dir")
    indir = os.path.join(work, "in")
    log = os.path.join(work, "log")
    os.makedirs(indir)
    os.makedirs(log)
    src = os.path.join(work, "src")
    os.makedirs(src)
    nfiles = 48
    for i in range(nfiles):
        make_capture(os.path.join(src, "f%03d.pcap" % i), 2, 30000 + 10 * i,
                     start=1700000000.0 + 10 * i)
    errpath = os.path.join(work, "err")
    with open(errpath, "w") as err:
        p = subprocess.Popen([BIN, "run", "-r", indir, "--pcap-file-continuous", "--pcap-file-delete",
                              "--set", "pcap-file.delay=0", "--set", "pcap-file.poll-interval=1",
                              "-c", cfg, "-S", rules, "-l", log, "-k", "none", "--threads", "2"],
                             stdout=subprocess.DEVNULL, stderr=err)
    try:
        for batch in range(4):
            for i in range(batch * nfiles // 4, (batch + 1) * nfiles // 4):
                name = "f%03d.pcap" % i
                tmpname = os.path.join(indir, "." + name + ".part")
                shutil.copy(os.path.join(src, name), tmpname)
                os.utime(tmpname, (1700000000 + i, 1700000000 + i))  # read in order
                os.rename(tmpname, os.path.join(indir, name))
            time.sleep(0.6)
        check(wait_for(lambda: not os.listdir(indir), 20),
              "%s: files left undeleted: %s" % (label, sorted(os.listdir(indir))[:10]))
        check(p.poll() is None, "%s: the sensor exited before SIGTERM" % label)
        stop(p, label, errpath)
        evs = read_lines(os.path.join(log, "eve.json"), label)
        # The test rule's alerts (its synthetic clients connect every 10 s
        # with equal sizes: the beaconing detector rightly reports them too).
        alerts = [e for e in evs if e.get("event_type") == "alert" and
                  e["alert"].get("gid", 1) == 1]
        check(len(alerts) == 2 * nfiles, "%s: %d alerts, expected %d" % (label, len(alerts), 2 * nfiles))
        for a in alerts:
            i = (a["src_port"] - 30000) // 10
            want = os.path.join(indir, "f%03d.pcap" % i)
            if not check(a.get("pcap_filename") == want,
                         "%s: alert from port %d names %r, expected %r" % (
                             label, a["src_port"], a.get("pcap_filename"), want)):
                break
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def main():
    tmp = tempfile.mkdtemp(prefix="vigil-service-inputs-")
    try:
        rules = os.path.join(tmp, "r.rules")
        with open(rules, "w") as f:
            f.write(RULE)
        cfg = os.path.join(tmp, "vigil.yaml")
        write_config(cfg)
        test_fifo(tmp, rules, cfg, 1)
        test_fifo(tmp, rules, cfg, 2)
        test_stdin_silent(tmp, rules, cfg)
        test_growing_directory(tmp, rules, cfg)
    finally:
        if not failures:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("work directory kept: " + tmp)
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
