#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# `make install` into a DESTDIR: every file is where the units, the man pages
# and the binary expect it; the man pages render without warnings; the
# systemd units and the logrotate file parse; the installed binary runs with
# the installed configuration (tests it with -T, then finds alerts with their
# classification severities in a capture); a second install keeps an edited
# configuration and puts the shipped one beside it.
set -euo pipefail
VIGIL_BUILD=${VIGIL_BUILD:?VIGIL_BUILD must name the build directory}
VIGIL_SRC=${VIGIL_SRC:?VIGIL_SRC must name the source directory}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/vigil-install.XXXXXX")
DEST=$WORK/root
cleanup() { if [ -n "${VIGIL_KEEP_WORK:-}" ]; then echo "kept $WORK" >&2; else rm -rf "$WORK"; fi; }
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

DESTDIR=$DEST cmake --install "$VIGIL_BUILD" >"$WORK/install.log" 2>&1 || fail "install failed: $(cat "$WORK/install.log")"
prefix=$(sed -n 's/^CMAKE_INSTALL_PREFIX:PATH=//p' "$VIGIL_BUILD/CMakeCache.txt")
sysconfdir=$(sed -n 's/^CMAKE_INSTALL_SYSCONFDIR:PATH=//p' "$VIGIL_BUILD/CMakeCache.txt")
case $sysconfdir in /*) ;; *) sysconfdir=$prefix/$sysconfdir ;; esac # GNUInstallDirs: relative to the prefix
confdir=$sysconfdir/vigil
unitdir=$(sed -n 's/^VIGIL_UNITDIR:PATH=//p' "$VIGIL_BUILD/CMakeCache.txt")
bin=$prefix/bin/vigil
[ -x "$DEST$bin" ] || fail "no $bin"
for f in vigil.yaml classification.config reference.config threshold.config; do
    [ -s "$DEST$confdir/$f" ] || fail "no $confdir/$f"
done
for f in "$unitdir/vigil@.service" "$unitdir/vigil-hub.service" /etc/logrotate.d/vigil; do
    [ -s "$DEST$f" ] || fail "no $f"
done
found=
for f in "$DEST"/*/sysusers.d/vigil.conf "$DEST"/usr/lib/sysusers.d/vigil.conf; do
    [ -s "$f" ] && found=$f
done
[ -n "$found" ] || fail "no sysusers.d/vigil.conf"
for page in man8/vigil.8 man5/vigil.yaml.5; do
    f=$DEST$prefix/share/man/$page
    [ -s "$f" ] || fail "no man page $page"
    warn=$(LC_ALL=C.UTF-8 MANWIDTH=100 man --warnings -l "$f" 2>&1 >/dev/null) || fail "man $page failed: $warn"
    [ -z "$warn" ] || fail "man $page: $warn"
    grep -q '@VIGIL' "$f" && fail "man $page has an unsubstituted @VARIABLE@"
done

# Units: systemd parses them (the binary only exists inside DESTDIR).
for u in "vigil@.service" "vigil-hub.service"; do
    out=$(systemd-analyze verify --man=no "$DEST$unitdir/$u" 2>&1 | grep -v "Command $bin is not executable" |
          grep -v "Command /bin/kill is not executable" || true)
    [ -z "$out" ] || fail "$u: $out"
    grep -q "^ExecStart=$bin " "$DEST$unitdir/$u" || fail "$u does not run $bin"
    for key in NoNewPrivileges=yes ProtectSystem=strict CapabilityBoundingSet ProtectHome=yes; do
        grep -q "^$key" "$DEST$unitdir/$u" || fail "$u lacks $key"
    done
done
grep -q -- "-c $confdir/vigil.yaml" "$DEST$unitdir/vigil@.service" || fail "vigil@.service does not read $confdir/vigil.yaml"
grep -q "kill -HUP" "$DEST/etc/logrotate.d/vigil" || fail "logrotate does not send SIGHUP"
if command -v logrotate >/dev/null; then
    # The vigil user is made by sysusers.d at package install; where it does
    # not exist (this machine), the file is checked with root in its place.
    lr=$DEST/etc/logrotate.d/vigil
    if ! getent passwd vigil >/dev/null; then
        grep -q "su vigil vigil" "$lr" || fail "logrotate does not rotate as the vigil user"
        sed 's/ vigil vigil$/ root root/' "$lr" >"$WORK/logrotate-check"
        lr=$WORK/logrotate-check
    fi
    logrotate -d -s "$WORK/lr.state" "$lr" >"$WORK/lr.out" 2>&1 ||
        fail "logrotate rejects the file: $(cat "$WORK/lr.out")"
    grep -qi "error" "$WORK/lr.out" && fail "logrotate: $(grep -i error "$WORK/lr.out")"
fi

# The installed binary with the installed configuration.
"$DEST$bin" -T -c "$DEST$confdir/vigil.yaml" -S "$VIGIL_SRC/samples/demo.rules" -l "$WORK" -q \
    >"$WORK/t.out" 2>&1 || fail "vigil -T with the installed configuration: $(cat "$WORK/t.out")"
mkdir -p "$WORK/out"
"$DEST$bin" run -c "$DEST$confdir/vigil.yaml" -S "$VIGIL_SRC/samples/demo.rules" -l "$WORK/out" \
    -r "$VIGIL_SRC/samples/demo.pcap" --set detect.sgh-mpm-caching-path="$WORK/cache" \
    >"$WORK/run.out" 2>&1 || fail "vigil run with the installed configuration: $(cat "$WORK/run.out")"
python3 - "$WORK/out/eve.json" <<'PY' || fail "alerts of the installed sensor"
import json, sys
alerts = [json.loads(l) for l in open(sys.argv[1]) if '"event_type":"alert"' in l]
assert alerts, "no alert"
# severities come from the installed classification.config
assert all(a["alert"].get("category") for a in alerts), "an alert without a category"
assert any(a["alert"]["severity"] == 1 for a in alerts), "no severity from classification.config"
PY

# A second install keeps an edited configuration.
echo "# edited by the administrator" >>"$DEST$confdir/vigil.yaml"
DESTDIR=$DEST cmake --install "$VIGIL_BUILD" >"$WORK/install2.log" 2>&1 || fail "second install failed"
grep -q "edited by the administrator" "$DEST$confdir/vigil.yaml" || fail "an edited vigil.yaml was overwritten"
[ -s "$DEST$confdir/vigil.yaml.new" ] || fail "the shipped vigil.yaml was not put beside the edited one"
echo PASS
