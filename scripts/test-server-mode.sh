#!/bin/sh
# Runs the tests that have a ClickHouse variant with ClickHouse on, and the server-mode tests (a
# whole Pendulum with records on PostgreSQL and events on ClickHouse, ADR 0019): starts the
# machine's clickhouse-server when it does not answer, points the tests at it
# (PENDULUM_TEST_CLICKHOUSE_URL), and runs them through scripts/test-postgres.sh, which readies
# PostgreSQL the same way (PENDULUM_TEST_DATABASE_URL) and drops its databases afterwards; this
# script drops this run's ClickHouse databases (each named pendulum_t_<run>_…).
# Arguments go to vitest instead of the default file list (e.g. one file to run alone).
set -eu
URL="${PENDULUM_TEST_CLICKHOUSE_URL:-http://127.0.0.1:8123}"

answers() { curl -fsS "$URL/ping" >/dev/null 2>&1; }
if ! answers && command -v service >/dev/null 2>&1 && [ -z "${PENDULUM_TEST_CLICKHOUSE_URL:-}" ]; then
  service clickhouse-server start >/dev/null 2>&1 || true
  i=0
  while ! answers && [ $i -lt 60 ]; do sleep 1; i=$((i + 1)); done
fi
if ! answers; then
  echo "ClickHouse does not answer at $URL: install clickhouse-server and start it (service clickhouse-server start), or set PENDULUM_TEST_CLICKHOUSE_URL" >&2
  exit 1
fi

# The engine tests (each store in a database of its own), then whole servers in server mode.
FILES="src/store/clickhouse-sql.test.ts src/store/events-clickhouse.test.ts src/analytics/clickhouse/rollups.test.ts src/analytics/clickhouse/days.test.ts src/analytics/events-engine.test.ts src/analytics/metrics/report.test.ts src/analytics/metrics/keyed-report.test.ts src/store/copy-events.test.ts test/clickhouse-shards.test.ts test/migrate-events.test.ts"
FILES="$FILES test/server-mode.test.ts test/loop.test.ts src/analytics/reports/reports-api.test.ts src/analytics/ingest/bulk.test.ts"
# Ingest across processes (issue 18): ClickHouse cut off by a proxy, shared keys, two processes and a kill -9.
FILES="$FILES src/analytics/ingest/clickhouse-outage.test.ts src/analytics/ingest/shared-keys.test.ts src/analytics/ingest/shared-pipeline.test.ts test/server-mode-processes.test.ts"
RUN="r$$"
status=0
export PENDULUM_TEST_CLICKHOUSE_URL="$URL" PENDULUM_TEST_CLICKHOUSE_RUN="$RUN"
if [ $# -gt 0 ]; then
  sh "$(dirname "$0")/test-postgres.sh" "$@" || status=$?
else
  # shellcheck disable=SC2086
  sh "$(dirname "$0")/test-postgres.sh" $FILES || status=$?
fi
# A test killed half-way leaves its database behind: drop whatever this run made.
for db in $(curl -fsS "$URL/" --data-binary "SELECT name FROM system.databases WHERE startsWith(name, 'pendulum_t_${RUN}_')" 2>/dev/null); do
  curl -fsS "$URL/" --data-binary "DROP DATABASE IF EXISTS $db" >/dev/null || true
done
exit $status
