#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages vigil builds, tests and demos with.
# Idempotent: packages already present are skipped by apt-get.
set -eu
PKGS="build-essential cmake pkg-config clang libclang-rt-14-dev python3 python3-yaml
 libpcap-dev libhyperscan-dev libpcre2-dev libhtp-dev libnghttp2-dev libbrotli-dev nghttp2-server nghttp2-client libssl-dev zlib1g-dev libmagic-dev
 libjansson-dev libyaml-dev libmicrohttpd-dev libgnutls28-dev libsqlite3-dev libpq-dev libcurl4-openssl-dev
 postgresql iproute2 curl suricata-update logrotate strace python3-jsonschema libicu-dev libpsl-dev publicsuffix
 nmap tcpdump openssh-server openssh-client libnetfilter-queue-dev nftables iptables
 chromium chromium-driver libjs-chart.js iodine unbound bind9-dnsutils iputils-ping tshark"
# The dashboard's browser test drives chromium with Playwright
# (playwright-core, pinned in tests/hub/browser/package-lock.json); the
# machine's Node.js (>= 20) and npm install it into tests/hub/browser.
browser_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/hub/browser"
if command -v npm >/dev/null 2>&1 && [ ! -d "$browser_dir/node_modules/playwright-core" ]; then
  npm ci --prefix "$browser_dir" --no-audit --no-fund --loglevel=error
fi
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
# ISO 8583 test traffic comes from a real implementation, the npm package
# iso_8583 (tests/telecom/fraud_e2e.sh; skipped when it cannot be had).
npm_dir=${VIGIL_NPM_DIR:-/var/cache/vigil/npm}
install_npm() {
  [ -d "$npm_dir/node_modules/iso_8583" ] && return 0
  command -v npm >/dev/null 2>&1 || return 0
  mkdir -p "$npm_dir" 2>/dev/null &&
    timeout 300 npm install --prefix "$npm_dir" --no-audit --no-fund --silent iso_8583@2.6.7 \
      >/dev/null 2>&1 || echo "install-deps: npm iso_8583 not installed (fraud_e2e skips)" >&2
}
[ -z "$missing" ] && { install_npm; exit 0; }
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
install_npm
