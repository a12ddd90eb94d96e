import crypto from "node:crypto";
import type { Kysely } from "kysely";
import type { ModuleMigrations, Records } from "../store/index.js";

/** Per-app settings that change how metrics are computed. */
export type AppSettings = {
  /** SPEC: custom track events add to time on site only when this is on. */
  trackEventsCountAsActivity: boolean;
  /** The time zone reports use by default (IANA name). */
  timeZone: string;
};

/** An app: one product whose agent sends events, with its public key and hashed track secret. */
export type App = { id: string; name: string; appKey: string; settings: AppSettings; createdAt: number };

type AppsTables = {
  apps: { id: string; name: string; app_key: string; track_secret_hash: string; settings: string; created_at: number };
};

export const DEFAULT_APP_SETTINGS: AppSettings = { trackEventsCountAsActivity: false, timeZone: "UTC" };

export const appsMigrations: ModuleMigrations = {
  "analytics-0001-apps": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("apps")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("app_key", "text", (c) => c.notNull().unique())
        .addColumn("track_secret_hash", "text", (c) => c.notNull())
        .addColumn("settings", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
    },
  },
};

const sha256 = (s: string): string => crypto.createHash("sha256").update(s).digest("hex");

function toApp(r: AppsTables["apps"]): App {
  return { id: r.id, name: r.name, appKey: r.app_key, settings: { ...DEFAULT_APP_SETTINGS, ...(JSON.parse(r.settings) as Partial<AppSettings>) }, createdAt: Number(r.created_at) };
}

/** Apps over the records store, with an in-memory key index for the ingest hot path. */
export function createAppStore(records: Records, now: () => number = Date.now, changed: () => void = () => undefined) {
  const db = records.db.withTables<AppsTables>();
  const byKey = new Map<string, App>();
  const secretHashes = new Map<string, string>();

  const remember = (r: AppsTables["apps"]): App => {
    const app = toApp(r);
    byKey.set(app.appKey, app);
    secretHashes.set(app.id, r.track_secret_hash);
    return app;
  };

  return {
    /** Loads every app into memory (after migrations, and again when another process changed one). */
    async load(): Promise<void> {
      const rows = await db.selectFrom("apps").selectAll().execute();
      // Swapped in one synchronous step: a request never sees the index half rebuilt.
      byKey.clear();
      secretHashes.clear();
      for (const r of rows) remember(r);
    },
    async create(input: { name: string; appKey?: string; trackSecret?: string; settings?: Partial<AppSettings> }): Promise<{ app: App; trackSecret: string }> {
      const trackSecret = input.trackSecret ?? `ts_${crypto.randomBytes(24).toString("base64url")}`;
      const row = {
        id: crypto.randomUUID(),
        name: input.name,
        app_key: input.appKey ?? `pk_${crypto.randomBytes(12).toString("base64url")}`,
        track_secret_hash: sha256(trackSecret),
        settings: JSON.stringify({ ...DEFAULT_APP_SETTINGS, ...input.settings }),
        created_at: now(),
      };
      await db.insertInto("apps").values(row).execute();
      const app = remember(row);
      changed();
      return { app, trackSecret };
    },
    list(): App[] {
      return [...byKey.values()].sort((a, b) => a.createdAt - b.createdAt);
    },
    get(id: string): App | undefined {
      return [...byKey.values()].find((a) => a.id === id);
    },
    byAppKey(key: string): App | undefined {
      return byKey.get(key);
    },
    /** The app whose track secret this is, compared in constant time. */
    byTrackSecret(secret: string): App | undefined {
      const h = Buffer.from(sha256(secret), "hex");
      for (const app of byKey.values()) {
        const stored = Buffer.from(secretHashes.get(app.id) ?? "", "hex");
        if (stored.length === h.length && crypto.timingSafeEqual(stored, h)) return app;
      }
      return undefined;
    },
    async updateSettings(id: string, settings: Partial<AppSettings>): Promise<App | undefined> {
      const app = this.get(id);
      if (!app) return undefined;
      const merged = { ...app.settings, ...settings };
      await db.updateTable("apps").set({ settings: JSON.stringify(merged) }).where("id", "=", id).execute();
      const updated = { ...app, settings: merged };
      byKey.set(app.appKey, updated);
      changed();
      return updated;
    },
    async rotateTrackSecret(id: string): Promise<string | undefined> {
      if (!this.get(id)) return undefined;
      const secret = `ts_${crypto.randomBytes(24).toString("base64url")}`;
      await db.updateTable("apps").set({ track_secret_hash: sha256(secret) }).where("id", "=", id).execute();
      secretHashes.set(id, sha256(secret));
      changed();
      return secret;
    },
  };
}

export type AppStore = ReturnType<typeof createAppStore>;
