#!/usr/bin/env bash
# Makes sure the machine has what the README's two commands need, before they start:
#   scripts/ensure-tools.sh chromium             (npm run demo)
#   scripts/ensure-tools.sh chromium postgresql  (npm test)
# A missing tool is installed with apt-get when run as root where apt-get exists (saying so); otherwise the
# script stops with one line naming the command to run. Nothing is ever removed, and no browser is downloaded
# (Debian's Chromium is used).
#
# Environment, for tests (tests/unit/ensure-tools.test.ts) and unusual machines:
#   CHROMIUM_PATH         the browser to use               (default /usr/bin/chromium)
#   RG_POSTGRES_GLOB      where PostgreSQL's initdb lives  (default /usr/lib/postgresql/*/bin/initdb)
#   RG_APT_GET            the apt-get to run               (default apt-get from PATH)
#   RG_AS_ROOT            1 or 0: whether to act as root   (default: the real user id)
set -euo pipefail

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
PG_GLOB="${RG_POSTGRES_GLOB:-/usr/lib/postgresql/*/bin/initdb}"
APT="${RG_APT_GET:-apt-get}"
if [[ -n "${RG_AS_ROOT:-}" ]]; then ROOT="$RG_AS_ROOT"; elif [[ "$(id -u)" == "0" ]]; then ROOT=1; else ROOT=0; fi

has_chromium() { [[ -x "$CHROMIUM" ]]; }
has_postgresql() { compgen -G "$PG_GLOB" >/dev/null; }

missing=()
for tool in "$@"; do
  case "$tool" in
    chromium) has_chromium || missing+=(chromium fonts-liberation) ;;
    postgresql) has_postgresql || missing+=(postgresql) ;;
    *) echo "ensure-tools: unknown tool '$tool'" >&2; exit 2 ;;
  esac
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if [[ "$ROOT" == "1" ]] && command -v "$APT" >/dev/null 2>&1; then
  echo "Record Guard: installing ${missing[*]} with apt-get (missing on this machine)" >&2
  DEBIAN_FRONTEND=noninteractive "$APT" update -qq >&2
  DEBIAN_FRONTEND=noninteractive "$APT" install -y -qq "${missing[@]}" >&2
  for tool in "$@"; do
    if [[ "$tool" == chromium ]] && ! has_chromium; then
      echo "Record Guard: apt-get installed chromium but $CHROMIUM is still missing; set CHROMIUM_PATH" >&2
      exit 1
    fi
  done
  exit 0
fi

echo "Record Guard needs ${missing[*]}: run  sudo apt-get install -y ${missing[*]}  and try again" >&2
exit 1
