import path from "node:path";
import type { Config } from "../config.js";
import { migrateRecords, openDuckDbEventStore, openRecords, type DuckDbEventStore, type ModuleMigrations, type Records } from "../store/index.js";
import { authMigrations, createAuthStore, newSecret, type AuthStore } from "./auth-store.js";
import { lockDataDir } from "./data-lock.js";
import type { HttpApp, HttpModule } from "./http.js";
import type { JobHandler } from "../jobs/runner.js";
import type { CrmModule } from "../crm/index.js";
import { createHttpServer } from "./server.js";

/** What a module gets from the composition root. */
export type ModuleContext = {
  config: Config;
  records: Records;
  events: DuckDbEventStore;
  auth: AuthStore;
  clock: () => number;
  /** Messages for the operator on first start (generated secrets, next steps). */
  announce(line: string): void;
  /** Every module of this process, once all are built (for modules that orchestrate others). */
  modules(): readonly PendulumModule[];
  /** Tells other modules that data they may cache has changed, without importing them. */
  signal(name: DataSignal): void;
  /** Calls `listener` after each `signal(name)`; errors are logged, never thrown at the sender. */
  onSignal(name: DataSignal, listener: () => void | Promise<void>): void;
};

/** Changes other modules may want to react to at once (guides refresh their segment cache). */
export type DataSignal = "crm-pulled" | "rule-ran";

/** A Pendulum module as the composition root sees it. */
export type PendulumModule = HttpModule & {
  name: string;
  migrations?: ModuleMigrations;
  /** Runs after migrations, before the server listens (seeding, recovery). */
  start?(): Promise<void>;
  /** Runs on shutdown, before the stores close (final flush). */
  stop?(): Promise<void>;
  /** The kinds of scheduled work this module offers the jobs module (`sync`, `rule`…). */
  jobHandlers?(): Record<string, JobHandler>;
};

export type ModuleFactory = (ctx: ModuleContext) => PendulumModule | Promise<PendulumModule>;

/** The module factories Pendulum is made of, in start order. */
export async function defaultModules(): Promise<ModuleFactory[]> {
  // Imported lazily so a module's import cost is paid only by the process that runs it.
  const { analyticsWithSync } = await import("../sync/index.js");
  const { createCrmModule } = await import("../crm/index.js");
  const { createJobsModule } = await import("../jobs/index.js");
  const { createSuccessModule } = await import("../success/index.js");
  const { createGuidesModule } = await import("../guides/index.js");
  const { analyticsOf } = await import("../analytics/index.js");
  let crm: CrmModule | undefined;
  return [
    (ctx) => (crm = createCrmModule(ctx)),
    ...analyticsWithSync({ localCrm: { registerCallbackUrl: async (clientId, url) => (crm ? crm.registerCallbackUrl(clientId, url) : false) } }),
    (ctx) => createGuidesModule(ctx, { analytics: analyticsOf({ modules: ctx.modules() }) }),
    createSuccessModule,
    createJobsModule,
  ];
}

export type Pendulum = {
  app: HttpApp;
  url: string;
  records: Records;
  events: DuckDbEventStore;
  auth: AuthStore;
  modules: PendulumModule[];
  /** The lines shown to the operator on start (secrets generated on first start). */
  announcements: string[];
  close(): Promise<void>;
};

/** Opens the stores under the data folder, runs migrations, seeds the first start and starts listening. */
export async function startPendulum(config: Config, options: { listen?: boolean; factories?: ModuleFactory[]; clock?: () => number } = {}): Promise<Pendulum> {
  const lock = lockDataDir(config.dataDir);
  const announcements: string[] = [];
  const clock = options.clock ?? Date.now;
  let records: Records | undefined;
  let events: DuckDbEventStore | undefined;
  try {
    records = openRecords({ engine: "sqlite", file: path.join(config.dataDir, "records.sqlite") });
    events = await openDuckDbEventStore({ file: path.join(config.dataDir, "events.duckdb"), memoryLimit: config.duckdbMemoryLimit });
    const auth = createAuthStore(records, clock);
    const modules: PendulumModule[] = [];
    const listeners = new Map<DataSignal, (() => void | Promise<void>)[]>();
    const ctx: ModuleContext = {
      config,
      records,
      events,
      auth,
      clock,
      announce: (l) => announcements.push(l),
      modules: () => modules,
      signal(name) {
        for (const l of listeners.get(name) ?? []) {
          Promise.resolve()
            .then(l)
            .catch((e: unknown) => console.error(`pendulum: reacting to ${name} failed`, e));
        }
      },
      onSignal(name, listener) {
        listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      },
    };
    const factories = options.factories ?? (await defaultModules());
    for (const f of factories) modules.push(await f(ctx));
    await migrateRecords(records, [authMigrations, ...modules.map((m) => m.migrations ?? {})]);
    await seedAuth(config, auth, ctx.announce);
    for (const m of modules) await m.start?.();
    const app = await createHttpServer({ auth, modules, logLevel: config.logLevel, secureCookies: config.baseUrl.startsWith("https:"), publicUrl: () => config.baseUrl });
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
    return {
      app,
      url,
      records,
      events,
      auth,
      modules,
      announcements,
      async close() {
        await app.close();
        for (const m of [...modules].reverse()) await m.stop?.();
        await openEventsRef.close();
        await openRecordsRef.close();
        lock.release();
      },
    };
  } catch (e) {
    await events?.close().catch(() => undefined);
    await records?.close().catch(() => undefined);
    lock.release();
    throw e;
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
