#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages vigil builds, tests and demos with.
# Idempotent: packages already present are skipped by apt-get.
set -eu
PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev python3 python3-yaml
 libpcap-dev libhyperscan-dev libpcre2-dev libhtp-dev libnghttp2-dev libbrotli-dev nghttp2-server nghttp2-client nginx libssl-dev zlib1g-dev libmagic-dev liblua5.4-dev
 libjansson-dev libyaml-dev libmicrohttpd-dev libgnutls28-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev
 postgresql iproute2 curl suricata-update logrotate strace python3-jsonschema libicu-dev libpsl-dev publicsuffix
 nmap tcpdump openssh-server openssh-client libnetfilter-queue-dev nftables iptables
 chromium chromium-driver libjs-chart.js iodine unbound bind9-dnsutils iputils-ping tshark"
# Test tools from the npm registry, each pinned by the package-lock.json of
# the test folder that uses it and installed there with the machine's
# Node.js (>= 20) and npm (`npm ci`): the dashboard's browser test drives
# chromium with Playwright (tests/hub/browser: playwright-core); ISO 8583
# test traffic comes from a real implementation (tests/telecom/npm:
# iso_8583). A test whose tool is missing says so and is skipped.
root="$(cd "$(dirname "$0")/.." && pwd)"
npm_ci() { # DIR PACKAGE
  [ -d "$root/$1/node_modules/$2" ] && return 0
  command -v npm >/dev/null 2>&1 || return 0
  timeout 600 npm ci --prefix "$root/$1" --no-audit --no-fund --loglevel=error ||
    echo "install-deps: npm ci in $1 failed ($2 tests will be skipped)" >&2
}
npm_ci tests/hub/browser playwright-core
npm_ci tests/telecom/npm iso_8583
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
