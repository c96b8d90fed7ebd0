#!/usr/bin/env bash
# Installs, from Debian's packages, the programs the tests drive when they are missing: Chromium
# (the apps' browser tests, through playwright-core: never a browser download), Prometheus and
# promtool (the monitoring tests scrape and check with the real ones), nginx (deploy/nginx.conf is
# tested in front of a gateway) and pg_dump/pg_restore 15 (backups). Run by `npm test` and CI.
set -uo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
{ command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; } || need+=(prometheus)
command -v nginx >/dev/null 2>&1 || need+=(nginx)
{ command -v pg_dump >/dev/null 2>&1 && command -v pg_restore >/dev/null 2>&1; } || need+=(postgresql-client-15)
[ ${#need[@]} -eq 0 ] && exit 0

echo "installing ${need[*]} from Debian's packages" >&2
if [ "$(id -u)" -ne 0 ]; then
  echo "ensure-test-tools: not root; install them yourself: sudo apt-get install -y ${need[*]}" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y --no-install-recommends "${need[@]}" >&2 || { apt-get update >&2 && apt-get install -y --no-install-recommends "${need[@]}" >&2; }
