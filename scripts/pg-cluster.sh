#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster from the installed server binaries, on a free
# loopback port, as the `postgres` user (PostgreSQL refuses to run as root).
#   source scripts/pg-cluster.sh && pg_cluster_start   -> exports PORTVAGT_TEST_POSTGRES_URL
#   pg_cluster_stop                                     -> stops it and removes its folder
# Tests run with fsync=off (speed, nothing to keep); benchmarks of durable writes set
# PG_FSYNC=on.
set -euo pipefail

pg_cluster_start() {
  local bindir
  if ! bindir="$(pg_config --bindir 2>/dev/null)" || [ ! -x "$bindir/initdb" ]; then
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  fi
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
    echo "error: PostgreSQL server binaries (initdb, pg_ctl) not found; install them with: apt-get install postgresql-15" >&2
    return 1
  fi
  PG_TMP="$(mktemp -d /tmp/portvagt-pg.XXXXXX)"
  local port
  port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
  local runas=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_TMP"
    runas=(runuser -u postgres --)
  fi
  "${runas[@]}" "$bindir/initdb" -D "$PG_TMP/data" -U postgres -A trust -E UTF8 --no-locale >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log" >&2; return 1; }
  "${runas[@]}" "$bindir/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 60 \
    -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-off} -c max_connections=200" start >/dev/null \
    || { cat "$PG_TMP/server.log" >&2; return 1; }
  PG_BINDIR="$bindir"
  export PG_TMP PG_BINDIR
  export PORTVAGT_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') started on 127.0.0.1:$port (data in $PG_TMP)"
}

pg_cluster_stop() {
  [ -n "${PG_TMP:-}" ] || return 0
  local runas=()
  [ "$(id -u)" = 0 ] && runas=(runuser -u postgres --)
  "${runas[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  PG_TMP=""
}
