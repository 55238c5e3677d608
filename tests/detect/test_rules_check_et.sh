#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# `vigil rules check` on ET Open (Suricata edition): the report ends with
# "rules: N loaded, N failed" and at least 97% of the rules load; also the
# Snort edition, usage errors (exit 2) and --strict (exit 1).
set -u
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$VIGIL_BIN" rules check "$VIGIL_SHARED"/rules/et-open-suricata/rules/*.rules >"$out"
rc=$?
last=$(tail -n 1 "$out")
echo "suricata edition: $last (exit $rc)"
case "$last" in
    "rules: "*" loaded, "*" failed") ;;
    *) echo "FAIL: last line is not the summary: $last"; fail=1 ;;
esac
loaded=$(echo "$last" | sed -n 's/^rules: \([0-9]*\) loaded, \([0-9]*\) failed$/\1/p')
failed=$(echo "$last" | sed -n 's/^rules: \([0-9]*\) loaded, \([0-9]*\) failed$/\2/p')
total=$((loaded + failed))
# 15,021 enabled rules in this snapshot; commented-out rules are not counted.
[ "$total" -eq 15021 ] || { echo "FAIL: expected 15021 rules counted, got $total"; fail=1; }
[ $((loaded * 100)) -ge $((total * 97)) ] || { echo "FAIL: only $loaded of $total loaded"; fail=1; }
[ "$rc" -eq 0 ] || { echo "FAIL: exit $rc without --strict"; fail=1; }
if [ "$failed" -gt 0 ]; then
    grep -q "^failures by reason:" "$out" || { echo "FAIL: no summary by reason"; fail=1; }
    # each failure names file, line, sid and keyword
    grep -q "\.rules:[0-9]*: sid [0-9]*: keyword '" "$out" || { echo "FAIL: bad failure line"; fail=1; }
    "$VIGIL_BIN" rules check --strict -q "$VIGIL_SHARED"/rules/et-open-suricata/rules/emerging-netbios.rules >/dev/null
    [ $? -eq 1 ] || { echo "FAIL: --strict with failures should exit 1"; fail=1; }
fi

"$VIGIL_BIN" rules check -q "$VIGIL_SHARED"/rules/et-open-snort/rules/*.rules >"$out"
last=$(tail -n 1 "$out")
echo "snort edition: $last"
loaded=$(echo "$last" | sed -n 's/^rules: \([0-9]*\) loaded, \([0-9]*\) failed$/\1/p')
failed=$(echo "$last" | sed -n 's/^rules: \([0-9]*\) loaded, \([0-9]*\) failed$/\2/p')
[ $((loaded * 100)) -ge $(((loaded + failed) * 97)) ] || { echo "FAIL: snort edition $last"; fail=1; }

# with a configuration file and --set
"$VIGIL_BIN" rules check -q -c "$VIGIL_SHARED"/conformance/suricata-verify/default-suricata.yaml \
    --set vars.address-groups.HOME_NET=any "$VIGIL_SHARED"/rules/et-open-suricata/rules/emerging-dns.rules >"$out"
[ $? -eq 0 ] || { echo "FAIL: -c/--set"; fail=1; }

# rule-files from the configuration; an unreadable one is reported and fails the run
dir=$(mktemp -d)
cp "$VIGIL_SHARED"/rules/et-open-suricata/rules/emerging-dns.rules "$dir/"
printf '%%YAML 1.1\n---\ndefault-rule-path: .\nrule-files:\n  - emerging-dns.rules\n' >"$dir/a.yaml"
printf '%%YAML 1.1\n---\ndefault-rule-path: .\nrule-files:\n  - emerging-dns.rules\n  - gone.rules\n' >"$dir/b.yaml"
"$VIGIL_BIN" rules check -q -c "$dir/a.yaml" >"$out"
[ $? -eq 0 ] && grep -q "^rules: [1-9][0-9]* loaded, 0 failed$" "$out" || { echo "FAIL: rule-files from -c"; fail=1; }
"$VIGIL_BIN" rules check -q -c "$dir/b.yaml" >"$out" 2>/dev/null
[ $? -eq 1 ] && grep -q "^rules: [1-9][0-9]* loaded" "$out" || { echo "FAIL: missing rule file"; fail=1; }
rm -rf "$dir"

# usage errors
"$VIGIL_BIN" rules check >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: no files should exit 2"; fail=1; }
"$VIGIL_BIN" rules check --bogus x >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: bad option should exit 2"; fail=1; }
"$VIGIL_BIN" rules frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || { echo "FAIL: bad subcommand should exit 2"; fail=1; }
"$VIGIL_BIN" rules check /nonexistent.rules >/dev/null 2>&1; [ $? -eq 1 ] || { echo "FAIL: missing file should exit 1"; fail=1; }
exit $fail
