import path from "node:path";
import type { Config } from "../config.js";
import type { DataSignal, ModuleContext, PendulumModule } from "../kernel/index.js";
import { migrateRecords, openDuckDbEventStore, openRecords, recordsOptionsOf, type DuckDbEventStore, type Records } from "../store/index.js";
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
  events: DuckDbEventStore;
  auth: AuthStore;
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

export type StartOptions = { listen?: boolean; clock?: () => number };

/** Starts Pendulum made of the modules `compose` builds (tests compose a part of it). */
export async function startComposed<M extends Modules>(config: Config, compose: Composition<M>, options: StartOptions = {}): Promise<Pendulum<M>> {
  secureDataFolder(config.dataDir);
  const lock = lockDataDir(config.dataDir);
  const announcements: string[] = [];
  const clock = options.clock ?? Date.now;
  let records: Records | undefined;
  let events: DuckDbEventStore | undefined;
  try {
    records = await openRecords(recordsOptionsOf(config));
    events = await openDuckDbEventStore({ file: path.join(config.dataDir, "events.duckdb"), memoryLimit: config.duckdbMemoryLimit });
    const auth = createAuthStore(records, clock);
    const listeners = new Map<DataSignal, (() => void | Promise<void>)[]>();
    const ctx: ModuleContext = {
      config,
      records,
      events,
      clock,
      announce: (l) => announcements.push(l),
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
    // The composition builds every module with its dependencies passed in; none finds another at run time.
    const built = await compose(ctx);
    const modules: PendulumModule[] = Object.values(built);
    await migrateRecords(records, [authMigrations, ...modules.map((m) => m.migrations ?? {})]);
    await seedAuth(config, auth, ctx.announce);
    for (const m of modules) await m.start?.();
    // Again once the stores and modules have created their files (a first start makes them all now).
    secureDataFolder(config.dataDir);
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
      modules: built,
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
