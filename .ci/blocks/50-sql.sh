# SQL (issue 16): starts a throwaway PostgreSQL on 127.0.0.1 (scripts/postgres.sh: initdb into a
# temp dir, pg_ctl start on a free port), runs the PostgreSQL tests of ./data against it (type
# mappings, COPY writes read back with psql, sharded reads, failed and SIGKILLed writers), then
# stops and removes it. About 20 s. Installs Debian's postgresql package when initdb is absent.
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get install -y -q postgresql >/dev/null 2>&1) || true
  fi
fi
if PG=$(sh scripts/postgres.sh start); then
  eval "$PG"
  echo "== go test ./data -run 'Postgres' (PostgreSQL at $SLUICE_POSTGRES_DSN)"
  go test -count=1 -run 'Postgres' ./data || { sh scripts/postgres.sh stop "$SLUICE_POSTGRES_DIR"; echo "ci: PostgreSQL tests failed"; exit 1; }
  sh scripts/postgres.sh stop "$SLUICE_POSTGRES_DIR"
  unset SLUICE_POSTGRES_DSN SLUICE_POSTGRES_DIR
else
  echo "ci: PostgreSQL binaries absent or the server did not start; the PostgreSQL tests did not run"
fi
