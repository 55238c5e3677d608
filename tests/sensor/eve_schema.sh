#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Oracle: Suricata's own EVE schema (../shared/eve-schema/check-eve.py,
# Suricata 8.0.6's schema.json) over the EVE vigil writes for every shared
# capture, with ET Open and Suricata's app-layer event rules loaded. Three
# configurations: none at all, vigil's default (etc/vigil.yaml), and one with every
# optional EVE field switched on
# (community-id, ethernet, alert payload/packet/metadata, all anomaly
# types). Every line of every event type, stats included, must pass.
# (Suricata's default suricata.yaml logs the same types as etc/vigil.yaml;
# conformance runs use it all the time.)
# The captures of all categories are read as one stream per run (-r DIR).
set -eu
bin=${VIGIL_BIN:?}
src=${VIGIL_SRC:?}
shared=${VIGIL_SHARED:?}
check=$shared/eve-schema/check-eve.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
inputs=""
for d in "$shared"/pcaps/*/; do
  inputs="$inputs -r $d"
done
rules="-S $shared/rules/et-open-suricata/rules/*.rules -S $shared/rules/suricata-app-layer/rules/*.rules"

cat >"$tmp/all-on.yaml" <<'YAML'
%YAML 1.1
---
vars:
  address-groups:
    HOME_NET: "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]"
    EXTERNAL_NET: "any"
outputs:
  - eve-log:
      enabled: yes
      filename: eve.json
      pcap-file: true
      community-id: true
      ethernet: yes
      types:
        - alert:
            payload: yes
            payload-printable: yes
            packet: yes
            metadata: yes
        - anomaly:
            enabled: yes
            types:
              decode: yes
              stream: yes
              applayer: yes
        - http:
            extended: yes
        - dns
        - tls:
            extended: yes
        - files
        - smtp
        - ftp
        - ssh
        - mdns
        - stats
        - flow
  # No types list: every event type vigil can write (protocols added later
  # included), so their EVE is checked as soon as they exist.
  - eve-log:
      enabled: yes
      filename: eve-everything.json
YAML

# "none": no configuration file at all (vigil's built-in defaults, every
# event type), as a first try on a fresh machine runs it.
for cfg in "$src/etc/vigil.yaml" "$tmp/all-on.yaml" none; do
  name=$(basename "$cfg" .yaml)
  cfgarg="-c $cfg"
  [ "$cfg" = none ] && cfgarg=""
  out="$tmp/$name"
  mkdir "$out"
  # The rule globs are vigil's to expand (as Suricata's -S): no shell globbing.
  set -f
  # shellcheck disable=SC2086
  if ! "$bin" run $inputs -l "$out" $cfgarg $rules -k none -q \
       --set classification-file="$src/etc/classification.config" 2>"$out.err"; then
    set +f; echo "FAIL $name: the sensor failed:"; cat "$out.err"; fail=1; continue
  fi
  set +f
  # Schema gaps: fields Suricata itself writes that its schema.json lacks,
  # checked against Suricata's source (rust/src/modbus/log.rs: a multiple
  # write logs address, quantity and the data as a string; a mask write
  # and_mask/or_mask; the schema only knows the single write's integer
  # data). These are taken out before the check, nothing else is.
  python3 - "$out" <<'PY'
import json, os, sys
d = sys.argv[1]
for n in os.listdir(d):
    if not (n.startswith("eve") and n.endswith(".json")):
        continue
    p = os.path.join(d, n)
    out = []
    for line in open(p, "rb"):
        if b'"event_type":"modbus"' in line:
            e = json.loads(line)
            for side in ("request", "response"):
                w = e.get("modbus", {}).get(side, {}).get("write")
                if isinstance(w, dict) and ("quantity" in w or "and_mask" in w):
                    for k in ("quantity", "and_mask", "or_mask"):
                        w.pop(k, None)
                    if isinstance(w.get("data"), str):
                        w.pop("data")
            line = (json.dumps(e, separators=(",", ":")) + "\n").encode()
        out.append(line)
    open(p, "wb").write(b"".join(out))
PY
  if ! python3 "$check" "$out" >"$out.check" 2>&1; then
    echo "FAIL $name: lines the schema rejects:"; cat "$out.check"; fail=1; continue
  fi
  tail -1 "$out.check" | sed "s/^/$name: /"
  # The run must exercise the event types the captures hold.
  for t in alert anomaly dns fileinfo flow http tls ssh smtp ftp stats; do
    grep -q "^$t: [1-9]" "$out.check" || { echo "FAIL $name: no $t events checked"; fail=1; }
  done
done
[ $fail = 0 ] && echo "eve_schema: every line passes Suricata's schema"
exit $fail
