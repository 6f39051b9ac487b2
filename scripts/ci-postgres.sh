#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL server on 127.0.0.1 for the hub's tests and benchmark.
#
#   scripts/ci-postgres.sh start   # prints the connection URL (the only line on stdout)
#   scripts/ci-postgres.sh stop    # stops the server (data kept; add --clean to delete it)
#   scripts/ci-postgres.sh url     # prints the URL without starting anything
#
# Both commands are idempotent. Run as root, the server runs as the `postgres` user; run as anyone else,
# it runs as that user. Uses Debian's packages (`apt-get install -y postgresql`); as root it installs them
# when they are missing.
#
# Environment (all optional):
#   HUB_PG_DIR   data directory            (default /tmp/record-guard-pg)
#   HUB_PG_PORT  port on 127.0.0.1         (default 5433)
#   HUB_PG_USER  role the tests connect as (default hub)
#   HUB_PG_DB    database                  (default hub_test)
#
# Usage from CI:  export HUB_TEST_DATABASE_URL="$(scripts/ci-postgres.sh start)"; npm run test:hub; scripts/ci-postgres.sh stop
set -euo pipefail

PGDIR="${HUB_PG_DIR:-/tmp/record-guard-pg}"
PGPORT="${HUB_PG_PORT:-5433}"
PGUSER_NAME="${HUB_PG_USER:-hub}"
PGDB_NAME="${HUB_PG_DB:-hub_test}"
# A test-only password for a server that listens on 127.0.0.1 alone and is deleted after the run.
PGPASS="${HUB_PG_PASSWORD:-hub-test-only}"
DATA="$PGDIR/data"
SOCK="$PGDIR/sock"
LOG="$PGDIR/postgres.log"
URL="postgres://${PGUSER_NAME}:${PGPASS}@127.0.0.1:${PGPORT}/${PGDB_NAME}"

say() { echo "ci-postgres: $*" >&2; }

find_bin() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [[ -z "$dir" || ! -x "$dir/pg_ctl" ]]; then
    if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null; then
      say "PostgreSQL is not installed; installing Debian's postgresql package"
      DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2 ||
        { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql >&2; }
      dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    fi
  fi
  if [[ -z "$dir" || ! -x "$dir/pg_ctl" ]]; then
    say "PostgreSQL binaries not found under /usr/lib/postgresql/*/bin (apt-get install -y postgresql)"
    exit 1
  fi
  echo "$dir"
}

# Runs a command as the server's owner: `postgres` when we are root, ourselves otherwise.
as_owner() {
  if [[ "$(id -u)" == "0" ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

is_running() {
  [[ -f "$DATA/PG_VERSION" ]] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

start() {
  mkdir -p "$PGDIR"
  if [[ "$(id -u)" == "0" ]]; then chown postgres:postgres "$PGDIR"; fi
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    say "initdb $DATA"
    as_owner mkdir -p "$DATA" "$SOCK"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  as_owner mkdir -p "$SOCK"
  if ! is_running; then
    say "starting on 127.0.0.1:$PGPORT (log $LOG)"
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 \
      -o "-p $PGPORT -k $SOCK -h 127.0.0.1" start >/dev/null
  fi
  # Role and database (idempotent): the tests create and drop their own schema inside this database.
  local psql=("$BIN/psql" -h "$SOCK" -p "$PGPORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
  if [[ "$(as_owner "${psql[@]}" -c "select 1 from pg_roles where rolname = '$PGUSER_NAME'")" != "1" ]]; then
    as_owner "${psql[@]}" -c "create role \"$PGUSER_NAME\" login password '$PGPASS'" >/dev/null
  fi
  if [[ "$(as_owner "${psql[@]}" -c "select 1 from pg_database where datname = '$PGDB_NAME'")" != "1" ]]; then
    as_owner "${psql[@]}" -c "create database \"$PGDB_NAME\" owner \"$PGUSER_NAME\"" >/dev/null
  fi
  echo "$URL"
}

stop() {
  if is_running; then
    say "stopping"
    as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
  else
    say "not running"
  fi
  if [[ "${1:-}" == "--clean" ]]; then
    say "removing $PGDIR"
    rm -rf "$PGDIR"
  fi
}

case "${1:-}" in
  start)
    BIN="$(find_bin)"
    start
    ;;
  stop)
    BIN="$(find_bin)"
    stop "${2:-}"
    ;;
  url) echo "$URL" ;;
  *)
    echo "usage: $0 start|stop [--clean]|url" >&2
    exit 2
    ;;
esac
