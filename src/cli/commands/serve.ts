import v8 from "node:v8";
import { describeHttpUrl, loadConfig } from "../../config.js";
import { describePostgresUrl } from "../../store/index.js";
import { bulkUsage, DEMO_SIZE, runLoopDemo } from "../../demo/index.js";
import { startPendulum, type Pendulum } from "../../server/index.js";
import { flagText } from "../args.js";
import type { CliIo, Command } from "../command.js";

/** The demo's built-in CRM API user, used when PENDULUM_CRM_* are not set (the CRM seeds it on first start). */
const DEMO_CRM = { PENDULUM_CRM_USERNAME: "demo-api@pendulum.local", PENDULUM_CRM_PASSWORD: "demo-Passw0rd-loop", PENDULUM_CRM_CLIENT_ID: "3MVG9pendulum_demo_client", PENDULUM_CRM_CLIENT_SECRET: "pendulum-demo-client-secret" };

/** Sets up (on a workspace without the loop chain) and runs the article's loop once, then prints what it did. */
async function demo(p: Pendulum, apiToken: string | undefined, crm: Record<string, string | undefined>, io: CliIo, size: { accounts?: number; days?: number }, admin: string): Promise<void> {
  // Without PENDULUM_API_TOKEN no token is known here: mint one for the demo and revoke it after.
  const minted = apiToken ? undefined : await p.auth.createToken("demo set-up (revoked after)", "admin");
  try {
    const report = await runLoopDemo(
      {
        url: p.url,
        token: apiToken ?? (minted?.token as string),
        crm: { username: crm["PENDULUM_CRM_USERNAME"] ?? "", password: crm["PENDULUM_CRM_PASSWORD"] ?? "", clientId: crm["PENDULUM_CRM_CLIENT_ID"] ?? "", clientSecret: crm["PENDULUM_CRM_CLIENT_SECRET"] ?? "" },
      },
      {
        ...size,
        loadUsage: bulkUsage(p.modules.analytics),
        // A redrawn bar is cleared by the next full line, so out() starts on a clean line.
        out: (l) => {
          if (io.update) io.update("");
          io.out(l);
        },
        ...(io.update ? { update: io.update } : {}),
      },
    );
    io.out(`Demo: the loop finished with ${report.status}.`);
    for (const l of report.lines) io.out(l);
    io.out(`  open these screens of the admin UI (sign in as ${admin}):`);
    for (const u of report.urls) io.out(`    ${u}`);
    io.out("Demo: ready.");
  } catch (e) {
    io.out(`Demo: stopped: ${(e as Error).message}`);
  } finally {
    if (minted) await p.auth.revokeToken(minted.id);
  }
}

const positive = (v: string | undefined): number | undefined => (v !== undefined && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : undefined);

/** `pendulum serve` / `pendulum start`: runs the server on the embedded stores. */
export function serveCommand(name: "serve" | "start"): Command {
  return {
    name,
    summary: name === "start" ? "Start Pendulum (what `npm start` runs)" : "Run the HTTP server",
    booleanFlags: ["demo"],
    usage: `pendulum ${name} [--port N] [--data-dir DIR] [--demo [--demo-accounts N] [--demo-days D]]

Runs Pendulum on the embedded stores (SQLite + DuckDB) in the data folder; with
PENDULUM_DATABASE_URL=postgres://… its records live in that PostgreSQL database instead.
Server mode: with PENDULUM_DATABASE_URL and PENDULUM_CLICKHOUSE_URL=http://host:8123 both set,
events live in ClickHouse too (PENDULUM_CLICKHOUSE_DATABASE, default pendulum;
PENDULUM_CLICKHOUSE_USER, PENDULUM_CLICKHOUSE_PASSWORD; sharded with PENDULUM_CLICKHOUSE_CLUSTER
and PENDULUM_CLICKHOUSE_SHARDS) and any number of processes serve one workspace. The data folder then holds only this process's ingest log and keys and stays locked
to it: give every process on one machine its own PENDULUM_DATA_DIR (docs/scale-out.md).
ClickHouse without PENDULUM_DATABASE_URL is refused.
Environment: PORT, HOST, PENDULUM_DATA_DIR, PENDULUM_DATABASE_URL, PENDULUM_DATABASE_POOL_SIZE,
PENDULUM_CLICKHOUSE_URL, PENDULUM_CLICKHOUSE_DATABASE, PENDULUM_CLICKHOUSE_USER,
PENDULUM_CLICKHOUSE_PASSWORD, PENDULUM_CLICKHOUSE_CLUSTER, PENDULUM_CLICKHOUSE_SHARDS, PENDULUM_API_TOKEN, PENDULUM_APP_KEY,
PENDULUM_TRACK_SECRET, PENDULUM_ADMIN_EMAIL, PENDULUM_ADMIN_PASSWORD, PENDULUM_SECRET_KEY,
PENDULUM_BASE_URL, PENDULUM_LOG_LEVEL, PENDULUM_CRM_USERNAME, PENDULUM_CRM_PASSWORD,
PENDULUM_CRM_CLIENT_ID, PENDULUM_CRM_CLIENT_SECRET, PENDULUM_INGEST_MAX_BACKLOG,
PENDULUM_INGEST_SEGMENT_BYTES, PENDULUM_HEAP_GROWING_PERCENT, PENDULUM_MAX_REFUSED_PERCENT.
Flags override the environment.

--demo shows the article's whole integration: on a workspace without the chain "The article's
loop" it generates accounts, visitors and usage (default ${DEMO_SIZE.accounts} accounts x ${DEMO_SIZE.visitorsPerAccount} visitors
x ${DEMO_SIZE.days} days, loaded through the bulk path), creates the CRM fields and Accounts, the
sync with a 30-day and a 7-day push, the two rules, Customer Info and a scorecard, segments, two
guides and an NPS poll, then back-fills weeks of history by running the rules over past rule dates (usage rows, health
scores from usage, CTAs for red health) and records NPS answers and guide views from the visitors;
it runs the chain once (pull, push, rule 1, rule 2, pull) with a progress bar per stage and prints
a summary and the admin UI's screens to open. On a workspace that already has the chain
it only runs it. Use a fresh --data-dir for the demo (and, with PENDULUM_DATABASE_URL, an empty
database: the workspace is its records there plus the events in the folder).`,
    async run(args, io) {
      const env = { ...io.env };
      const port = args.flags.get("port");
      if (typeof port === "string") env["PORT"] = port;
      const dir = args.flags.get("data-dir");
      if (typeof dir === "string") env["PENDULUM_DATA_DIR"] = dir;
      const withDemo = args.flags.get("demo") === true;
      if (withDemo) for (const [k, v] of Object.entries(DEMO_CRM)) env[k] ??= v;
      // The demo talks to a person at a terminal: the server's own info lines (JSON) would interleave with it.
      if (withDemo) env["PENDULUM_LOG_LEVEL"] ??= "warn";
      const config = loadConfig(env, io.cwd);
      // A server process only: cap V8's heap growth between full GCs (ADR 0008: most of the
      // server's peak RSS under ingest load was heap headroom). V8 reads this flag at every GC.
      if (config.heapGrowingPercent > 0) v8.setFlagsFromString(`--heap-growing-percent=${config.heapGrowingPercent}`);
      const p = await startPendulum(config);
      io.out(`Pendulum is running at ${p.url}`);
      io.out(`  admin UI:         ${p.url}/ (sign in as the admin user)`);
      io.out(`  API:              ${p.url}/api/v1 (OpenAPI at ${p.url}/api/v1/openapi.json)`);
      if (config.clickhouse) {
        io.out(`  records:          PostgreSQL ${describePostgresUrl(config.database.url ?? "")}`);
        io.out(`  events:           ClickHouse ${describeHttpUrl(config.clickhouse.url)}, database ${config.clickhouse.database} (server mode)`);
        io.out(`  data folder:      ${config.dataDir} (only this process's ingest log and keys; give every process its own folder)`);
      } else io.out(`  data folder:      ${config.dataDir}`);
      for (const line of p.announcements) io.out(`  ${line}`);
      if (withDemo) await demo(p, config.apiToken, env, io, { accounts: positive(flagText(args, "demo-accounts")), days: positive(flagText(args, "demo-days")) }, config.adminEmail ?? "the admin user");
      else {
        io.out("Next steps (docs/getting-started.md walks through the article's integration):");
        io.out("  1. connect your app:  pendulum apps snippet   (paste the snippet into your pages)");
        io.out(`  2. connect a CRM:     open ${p.url}/crm in the admin UI, or PUT ${p.url}/api/v1/sync/connection (the built-in CRM is at ${p.url})`);
        io.out("  3. see it all working on generated data: pendulum start --demo --data-dir <a new folder>");
      }
      await io.stopped;
      io.out("Stopping: flushing accepted events…");
      await p.close();
      return 0;
    },
  };
}
