import fs from "node:fs";
import path from "node:path";
import { ConfigError, describeHttpUrl, type Config, type ClickHouseSettings } from "../config.js";
import { DATA_SIGNALS, type DataSignal, type ModuleContext, type PendulumModule } from "../kernel/index.js";
import {
  createLeases,
  leaseMigrations,
  migrateRecords,
  openCoordination,
  openClickHouseEventStore,
  openDuckDbEventStore,
  openRecords,
  recordsOptionsOf,
  type Coordination,
  type ClickHouseEventStore,
  type CoordinationTimings,
  type DuckDbEventStore,
  type Leases,
  type Records,
} from "../store/index.js";
import { authMigrations, createAuthStore, newSecret, type AuthStore } from "./auth-store.js";
import { composeDefault, type Composition, type DefaultModules, type Modules } from "./compose.js";
import { secureDataFolder } from "./data-folder.js";
import { lockDataDir } from "./data-lock.js";
import type { HttpApp } from "../kernel/index.js";
import { createHttpServer } from "./server.js";

export type Pendulum<M extends Modules = DefaultModules> = {
  app: HttpApp;
  url: string;
  records: Records;
  /** DuckDB in the data folder, or ClickHouse in server mode (ADR 0019). */
  events: DuckDbEventStore | ClickHouseEventStore;
  auth: AuthStore;
  /** How this process shares the workspace with others on the same PostgreSQL (leader, signals). */
  coordination: Coordination;
  /** The modules the composition built, by name, in start order. */
  modules: M;
  /** The lines shown to the operator on start (secrets generated on first start). */
  announcements: string[];
  close(): Promise<void>;
};

/** Opens the stores under the data folder, runs migrations, seeds the first start and starts listening. */
export function startPendulum(config: Config, options: StartOptions = {}): Promise<Pendulum<DefaultModules>> {
  return startComposed(config, composeDefault, options);
}

/** `coordination`: timings of the shared connection (tests shorten the leader check); `leaseMs`: how long a lease outlives a silent holder. */
export type StartOptions = {
  listen?: boolean;
  clock?: () => number;
  coordination?: CoordinationTimings;
  leaseMs?: number;
  /** Tests: fail any `/api/v1` answer whose shape its response schema does not describe. */
  strictResponses?: boolean;
};

/** Starts Pendulum made of the modules `compose` builds (tests compose a part of it). */
export async function startComposed<M extends Modules>(config: Config, compose: Composition<M>, options: StartOptions = {}): Promise<Pendulum<M>> {
  secureDataFolder(config.dataDir);
  const lock = lockDataDir(config.dataDir);
  const announcements: string[] = [];
  const clock = options.clock ?? Date.now;
  let records: Records | undefined;
  let events: DuckDbEventStore | ClickHouseEventStore | undefined;
  let coordination: Coordination | undefined;
  let leases: Leases | undefined;
  try {
    const recordsOptions = recordsOptionsOf(config);
    records = await openRecords(recordsOptions);
    // With records on PostgreSQL other processes may serve the same workspace: one dedicated
    // connection carries the signals between them and the leader's lock (ADR 0018).
    coordination = await openCoordination(recordsOptions, records, options.coordination);
    leases = createLeases(records, coordination.instanceId, clock, options.leaseMs);
    // Server mode keeps events in ClickHouse and opens no events.duckdb; the folder keeps only
    // this process's ingest log and keys (ADR 0019).
    events = config.clickhouse ? await openServerEvents(config.clickhouse, config.dataDir) : await openDuckDbEventStore({ file: path.join(config.dataDir, "events.duckdb"), memoryLimit: config.duckdbMemoryLimit });
    const auth = createAuthStore(records, clock);
    const listeners = new Map<DataSignal, (() => void | Promise<void>)[]>();
    const deliver = (name: DataSignal): void => {
      for (const l of listeners.get(name) ?? []) {
        Promise.resolve()
          .then(l)
          .catch((e: unknown) => console.error(`pendulum: reacting to ${name} failed`, e));
      }
    };
    const shared = coordination;
    // Another process's signal is delivered here as if raised here; our own came back already delivered, so it was dropped.
    shared.onMessage((name) => {
      if ((DATA_SIGNALS as readonly string[]).includes(name)) deliver(name as DataSignal);
    });
    // Signals sent while the shared connection was down are lost: assume each happened once.
    shared.onResync(() => {
      for (const name of DATA_SIGNALS) deliver(name);
    });
    const ctx: ModuleContext = {
      config,
      records,
      events,
      clock,
      process: { shared: shared.shared, instanceId: shared.instanceId, isLeader: () => shared.isLeader() },
      leases,
      announce: (l) => announcements.push(l),
      signal(name) {
        deliver(name);
        shared.broadcast(name);
      },
      onSignal(name, listener) {
        listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      },
    };
    // The composition builds every module with its dependencies passed in; none finds another at run time.
    const built = await compose(ctx);
    const modules: PendulumModule[] = Object.values(built);
    await migrateRecords(records, [authMigrations, leaseMigrations, ...modules.map((m) => m.migrations ?? {})]);
    // Alone on its records (SQLite, behind the data-folder lock): every lease left is a dead process's.
    if (!shared.shared) await leases.clearAll();
    await seedAuth(config, auth, ctx.announce);
    for (const m of modules) await m.start?.();
    // Again once the stores and modules have created their files (a first start makes them all now).
    secureDataFolder(config.dataDir);
    const app = await createHttpServer({ auth, modules, logLevel: config.logLevel, secureCookies: config.baseUrl.startsWith("https:"), publicUrl: () => config.baseUrl, strictResponses: options.strictResponses ?? false });
    let url = config.baseUrl;
    if (options.listen !== false) {
      const address = await app.listen({ port: config.port, host: config.host });
      if (config.port === 0) {
        // The port is known only now: modules read config.baseUrl when they need the public URL
        // (the install snippet, the CRM login URL), so it is set before any request is served.
        url = address.replace("127.0.0.1", "localhost");
        config.baseUrl = url;
      }
    }
    const openRecordsRef = records;
    const openEventsRef = events;
    const openLeases = leases;
    return {
      app,
      url,
      records,
      events,
      auth,
      coordination: shared,
      modules: built,
      announcements,
      async close() {
        await app.close();
        for (const m of [...modules].reverse()) await m.stop?.();
        openLeases.stop();
        await shared.close();
        await openEventsRef.close();
        await openRecordsRef.close();
        lock.release();
      },
    };
  } catch (e) {
    leases?.stop();
    await coordination?.close().catch(() => undefined);
    await events?.close().catch(() => undefined);
    await records?.close().catch(() => undefined);
    lock.release();
    throw e;
  }
}

/**
 * Runs every migration of the default composition on `records`, as a start does, but starts
 * nothing, seeds nothing and serves nothing: `pendulum migrate-records` readies both ends of a
 * copy with it (the SQLite it reads from, the PostgreSQL it writes to).
 */
export async function migrateDefaultRecords(config: Config, records: Records, events: DuckDbEventStore): Promise<void> {
  // Alone on both ends for the copy: no other process, no leader, no signals to share.
  const process = { shared: false, instanceId: "migrate-records", isLeader: () => false };
  const leases = createLeases(records, process.instanceId, Date.now);
  const ctx: ModuleContext = { config, records, events, clock: Date.now, process, leases, announce: () => undefined, signal: () => undefined, onSignal: () => undefined };
  const modules: PendulumModule[] = Object.values(await composeDefault(ctx));
  await migrateRecords(records, [authMigrations, leaseMigrations, ...modules.map((m) => m.migrations ?? {})]);
}

/** Opens ClickHouse, or stops the start naming the variable and the host (never the password). */
async function openServerEvents(settings: ClickHouseSettings, dataDir: string): Promise<ClickHouseEventStore> {
  // An embedded workspace's folder: its log's ids are instance 0's, and its events would stay behind.
  if (fs.existsSync(path.join(dataDir, "events.duckdb"))) {
    throw new ConfigError(
      "PENDULUM_CLICKHOUSE_URL",
      `the data folder ${dataDir} holds an embedded workspace's events (events.duckdb); server mode starts on a new, empty PENDULUM_DATA_DIR (move those events to ClickHouse with pendulum migrate-events)`,
    );
  }
  try {
    return await openClickHouseEventStore({
      url: settings.url,
      database: settings.database,
      ...(settings.user ? { user: settings.user } : {}),
      ...(settings.password ? { password: settings.password } : {}),
      ...(settings.cluster ? { cluster: settings.cluster } : {}),
    });
  } catch (e) {
    let cause = e instanceof Error ? e.message : String(e);
    if (settings.password) cause = cause.split(settings.password).join("***");
    throw new ConfigError("PENDULUM_CLICKHOUSE_URL", `cannot open ClickHouse at ${describeHttpUrl(settings.url)} (database ${settings.database}): ${cause}`);
  }
}

async function seedAuth(config: Config, auth: AuthStore, announce: (line: string) => void): Promise<void> {
  if ((await auth.userCount()) === 0) {
    const email = config.adminEmail ?? "admin@pendulum.local";
    const password = config.adminPassword ?? newSecret("", 12);
    await auth.createUser(email, password, "admin");
    if (!config.adminPassword) announce(`Admin sign-in: ${email} / ${password} (shown once)`);
  }
  if (config.apiToken) {
    if (!(await auth.hasToken(config.apiToken))) await auth.createToken("bootstrap (PENDULUM_API_TOKEN)", "admin", config.apiToken);
  } else if ((await auth.listTokens()).length === 0) {
    const { token } = await auth.createToken("bootstrap", "admin");
    announce(`Admin API token: ${token} (shown once; send as 'Authorization: Bearer <token>')`);
  }
}
