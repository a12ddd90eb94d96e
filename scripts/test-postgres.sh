#!/bin/sh
# Runs the whole vitest suite with records on PostgreSQL: starts the machine's cluster when it is
# down, makes sure the test role exists, points the harness at it (PENDULUM_TEST_DATABASE_URL) and
# drops the per-test databases afterwards. Arguments go to vitest (e.g. a file to run alone).
set -eu
VERSION="${PENDULUM_TEST_PG_VERSION:-15}"
CLUSTER="${PENDULUM_TEST_PG_CLUSTER:-main}"
URL="${PENDULUM_TEST_DATABASE_URL:-postgres://pendulum_test:pendulum_test@127.0.0.1:5432/postgres}"

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -c "$1"; else sh -c "$1"; fi
}

if command -v pg_ctlcluster >/dev/null 2>&1; then
  if ! pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c && $4=="online" {found=1} END {exit !found}'; then
    pg_ctlcluster "$VERSION" "$CLUSTER" start
  fi
  if [ -z "${PENDULUM_TEST_DATABASE_URL:-}" ]; then
    as_postgres "psql -qtAc \"DO \\\$\\\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'pendulum_test') THEN CREATE ROLE pendulum_test LOGIN CREATEDB PASSWORD 'pendulum_test'; END IF; END \\\$\\\$\""
  fi
fi

# This run's databases are named pendulum_t_<run>_…, so runs side by side never drop each other's.
RUN="r$$"
drop_test_databases() {
  node --input-type=module -e "
    import pg from 'pg';
    const c = new pg.Client({ connectionString: process.argv[1] });
    await c.connect();
    const { rows } = await c.query('SELECT datname FROM pg_database WHERE starts_with(datname, \$1)', [process.argv[2]]);
    for (const r of rows) await c.query('DROP DATABASE IF EXISTS ' + r.datname + ' WITH (FORCE)');
    await c.end();
  " "$URL" "pendulum_t_${RUN}_"
}

status=0
PENDULUM_TEST_DATABASE_URL="$URL" PENDULUM_TEST_DATABASE_RUN="$RUN" npx vitest run "$@" || status=$?
drop_test_databases
exit $status
