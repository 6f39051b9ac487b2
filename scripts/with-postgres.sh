#!/usr/bin/env bash
# Runs a command with a throw-away PostgreSQL server for the hub's suite (scripts/ci-postgres.sh), exporting
# HUB_TEST_DATABASE_URL, and stops the server afterwards whatever the command's outcome.
#   scripts/with-postgres.sh npm run test:hub
# Uses HUB_PG_DIR / HUB_PG_PORT when set (so several checkouts on one machine do not share a server).
set -euo pipefail
cd "$(dirname "$0")/.."
export HUB_PG_DIR="${HUB_PG_DIR:-/tmp/record-guard-pg-test}"
export HUB_PG_PORT="${HUB_PG_PORT:-5439}"
HUB_TEST_DATABASE_URL="$(bash scripts/ci-postgres.sh start)"
export HUB_TEST_DATABASE_URL
trap 'bash scripts/ci-postgres.sh stop >/dev/null 2>&1 || true' EXIT
"$@"
