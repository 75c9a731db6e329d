# Start and stop a private PostgreSQL server on 127.0.0.1 in a temp dir, as an unprivileged user.
# Exports LLMBENCH_TEST_PG_URL for the tests. Sourced by .ci/run.

start_postgres() {
  local bindir initdb
  initdb=$(ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
  [ -n "$initdb" ] || initdb=$(command -v initdb || true)
  if [ -z "$initdb" ]; then
    echo "postgres: initdb not found; PostgreSQL tests will fail under CI" >&2
    return 0
  fi
  bindir=$(dirname "$initdb")
  PG_DIR=$(mktemp -d /tmp/llmbench-pg.XXXXXX)
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  local as=()
  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$PG_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bindir/initdb" -D "$PG_DIR/data" -U llmbench --auth=trust -E UTF8 >/dev/null
  "${as[@]}" "$bindir/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off" start >/dev/null
  PG_BINDIR=$bindir
  PG_AS=("${as[@]}")
  export LLMBENCH_TEST_PG_URL="postgresql+psycopg://llmbench@127.0.0.1:$PG_PORT/postgres"
  echo "postgres: PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') running on 127.0.0.1:$PG_PORT"
}

stop_postgres() {
  if [ -n "${PG_DIR:-}" ]; then
    "${PG_AS[@]}" "$PG_BINDIR/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
