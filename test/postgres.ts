import { createHash } from "node:crypto";
import pg from "pg";

/**
 * The PostgreSQL server `npm run test:postgres` points the suite at: a URL of a role that may
 * create databases (PENDULUM_TEST_DATABASE_URL). Unset, tests keep records in SQLite.
 */
export function testPostgresUrl(): string | undefined {
  const url = process.env.PENDULUM_TEST_DATABASE_URL;
  return url === undefined || url.trim() === "" ? undefined : url.trim();
}

/**
 * The prefix of every database one run creates: `scripts/test-postgres.sh` sets a run id so it
 * drops its own databases afterwards and never those of another run going on at the same time.
 */
export function testDatabasePrefix(): string {
  const run = (process.env.PENDULUM_TEST_DATABASE_RUN ?? "").replace(/[^a-z0-9]/gi, "").toLowerCase();
  return `pendulum_t_${run ? `${run}_` : ""}`;
}

/**
 * A database of its own for one test Pendulum, named after its data folder: every test (and so
 * every test file, which vitest runs in parallel) writes to its own records, and a test that
 * restarts Pendulum on the same data folder finds the records it left. Returns its URL.
 */
export async function testDatabaseFor(key: string, serverUrl: string): Promise<string> {
  const name = testDatabasePrefix() + createHash("sha256").update(key).digest("hex").slice(0, 20);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    const found = await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (found.rowCount === 0) {
      try {
        // UTF-8 whatever the cluster's default (a cluster made under the C locale is SQL_ASCII, where ICU collations cannot exist).
        await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'`);
      } catch (e) {
        // Two starts on one data folder may race to create it; the loser finds it made (42P04).
        if ((e as { code?: string }).code !== "42P04" && (e as { code?: string }).code !== "23505") throw e;
      }
    }
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The environment a test server needs for its records: PENDULUM_DATABASE_URL under test:postgres, nothing otherwise. */
export async function testRecordsEnvironment(dataDir: string): Promise<Record<string, string>> {
  const server = testPostgresUrl();
  if (!server) return {};
  return { PENDULUM_DATABASE_URL: await testDatabaseFor(dataDir, server) };
}
