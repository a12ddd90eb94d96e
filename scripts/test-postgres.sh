#!/bin/sh
# Runs the whole vitest suite with records on PostgreSQL: starts the machine's cluster when it is
# down (making it first on a machine where the package made none), makes sure the test role
# exists, points the harness at it (PENDULUM_TEST_DATABASE_URL) and drops the per-test databases
# afterwards. Arguments go to vitest (e.g. a file to run alone).
#
# With PENDULUM_TEST_DATABASE_URL set, that server is used as it is: nothing is started or created
# (the role in the URL must be allowed to create databases).
set -eu
CLUSTER="${PENDULUM_TEST_PG_CLUSTER:-main}"
URL="${PENDULUM_TEST_DATABASE_URL:-postgres://pendulum_test:pendulum_test@127.0.0.1:5432/postgres}"

# psql (SQL on stdin) as the postgres superuser: root switches to that user (from /, which it may
# read); anyone else runs psql as themselves, which must then be a superuser role.
psql_as_postgres() {
  if [ "$(id -u)" = 0 ] && [ "$(id -un)" != postgres ]; then
    if command -v runuser >/dev/null 2>&1; then
      (cd / && runuser -u postgres -- psql -p "$1" -d postgres -qtA -v ON_ERROR_STOP=1)
    else
      (cd / && su postgres -s /bin/sh -c "psql -p $1 -d postgres -qtA -v ON_ERROR_STOP=1")
    fi
  else
    psql -p "$1" -d postgres -qtA -v ON_ERROR_STOP=1
  fi
}

if [ -z "${PENDULUM_TEST_DATABASE_URL:-}" ]; then
  if ! command -v pg_lsclusters >/dev/null 2>&1; then
    echo "test-postgres: PostgreSQL is not installed (Debian: apt-get install postgresql), or set PENDULUM_TEST_DATABASE_URL" >&2
    exit 1
  fi
  # The version of the machine's cluster (Debian 12: 15), unless named.
  VERSION="${PENDULUM_TEST_PG_VERSION:-$(pg_lsclusters -h | awk -v c="$CLUSTER" '$2==c {print $1; exit}')}"
  if [ -z "$VERSION" ]; then
    # The package made no cluster (create_main_cluster off, or it failed): make one in UTF-8, as the CRM's collations need.
    VERSION="$(ls /usr/lib/postgresql | sort -n | tail -n 1)"
    pg_createcluster --locale C.UTF-8 "$VERSION" "$CLUSTER"
  fi
  online() { pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c && $4 ~ /^online/ {found=1} END {exit !found}'; }
  if ! online; then
    # In a container without an init system the package could not start it; root starts it as
    # postgres. A run beside this one may start it first, which is as good.
    pg_ctlcluster "$VERSION" "$CLUSTER" start || online
  fi
  PORT="$(pg_lsclusters -h | awk -v v="$VERSION" -v c="$CLUSTER" '$1==v && $2==c {print $3; exit}')"
  URL="postgres://pendulum_test:pendulum_test@127.0.0.1:${PORT}/postgres"
  psql_as_postgres "$PORT" <<'SQL'
DO $$ BEGIN
  CREATE ROLE pendulum_test LOGIN CREATEDB PASSWORD 'pendulum_test';
EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; -- made before, or by a run beside this one
END $$;
SQL
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
