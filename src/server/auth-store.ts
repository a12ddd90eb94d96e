import crypto from "node:crypto";
import { promisify } from "node:util";
import { sql, type Kysely } from "kysely";
import type { ModuleMigrations, Records } from "../store/index.js";
import { createLoginThrottle, type Kdf, type LoginThrottleLimits } from "../kernel/index.js";

import type { Principal, Role } from "../kernel/index.js";

export type { Principal, Role };

type AuthTables = {
  users: { id: string; email: string; password_hash: string; role: Role; created_at: number };
  sessions: { token_hash: string; user_id: string; created_at: number; expires_at: number };
  api_tokens: { id: string; name: string; token_hash: string; role: Role; created_at: number; last_used_at: number | null; revoked_at: number | null };
};

export const authMigrations: ModuleMigrations = {
  "server-0001-auth": {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable("users")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("email", "text", (c) => c.notNull().unique())
        .addColumn("password_hash", "text", (c) => c.notNull())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("sessions")
        .addColumn("token_hash", "text", (c) => c.primaryKey())
        .addColumn("user_id", "text", (c) => c.notNull().references("users.id").onDelete("cascade"))
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("expires_at", "bigint", (c) => c.notNull())
        .execute();
      await db.schema
        .createTable("api_tokens")
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("token_hash", "text", (c) => c.notNull().unique())
        .addColumn("role", "text", (c) => c.notNull())
        .addColumn("created_at", "bigint", (c) => c.notNull())
        .addColumn("last_used_at", "bigint")
        .addColumn("revoked_at", "bigint")
        .execute();
    },
  },
};

const scrypt = promisify(crypto.scrypt) as Kdf;

/** A fresh random secret with a readable prefix (`pdl_…` for tokens). */
export function newSecret(prefix: string, bytes = 24): string {
  return `${prefix}${crypto.randomBytes(bytes).toString("base64url")}`;
}

/** SHA-256 of a high-entropy secret: enough for tokens, which are never guessable. */
export function hashSecret(secret: string): string {
  return crypto.createHash("sha256").update(secret).digest("hex");
}

async function hashPassword(password: string, kdf: Kdf): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await kdf(password, salt, 32);
  return `scrypt$${salt.toString("hex")}$${key.toString("hex")}`;
}

async function verifyPassword(password: string, stored: string, kdf: Kdf): Promise<boolean> {
  const [scheme, saltHex, keyHex] = stored.split("$");
  if (scheme !== "scrypt" || !saltHex || !keyHex) return false;
  const key = await kdf(password, Buffer.from(saltHex, "hex"), 32);
  return crypto.timingSafeEqual(key, Buffer.from(keyHex, "hex"));
}

/** What a sign-in attempt comes to: a session, a wrong email or password, or a wait (too many failures). */
export type LoginResult = { session: string; principal: Principal } | { retryAfterSeconds: number } | null;

const SESSION_MS = 12 * 60 * 60 * 1000;

/** Users, sessions and API tokens over the records store. */
export function createAuthStore(records: Records, now: () => number = Date.now, options: { kdf?: Kdf; loginLimits?: LoginThrottleLimits } = {}) {
  const db = records.db.withTables<AuthTables>();
  const kdf = options.kdf ?? scrypt;
  const throttle = createLoginThrottle(now, options.loginLimits);
  // An unknown email is checked against this hash, so it costs what a known one costs and the
  // answer's timing does not tell which emails have accounts.
  let dummyHash: Promise<string> | undefined;
  return {
    async userCount(): Promise<number> {
      const r = await db.selectFrom("users").select(sql<number>`count(*)`.as("n")).executeTakeFirstOrThrow();
      return Number(r.n);
    },
    async createUser(email: string, password: string, role: Role): Promise<{ id: string }> {
      const id = crypto.randomUUID();
      await db.insertInto("users").values({ id, email: email.toLowerCase(), password_hash: await hashPassword(password, kdf), role, created_at: now() }).execute();
      return { id };
    },
    async listUsers(): Promise<{ id: string; email: string; role: Role; createdAt: number }[]> {
      const rows = await db.selectFrom("users").select(["id", "email", "role", "created_at"]).orderBy("created_at").execute();
      return rows.map((r) => ({ id: r.id, email: r.email, role: r.role, createdAt: Number(r.created_at) }));
    },
    async userByEmail(email: string): Promise<{ id: string } | undefined> {
      return db.selectFrom("users").select("id").where("email", "=", email.toLowerCase()).executeTakeFirst();
    },
    /** Deletes a user and signs out every session of theirs. */
    async deleteUser(id: string): Promise<boolean> {
      await db.deleteFrom("sessions").where("user_id", "=", id).execute();
      const r = await db.deleteFrom("users").where("id", "=", id).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
    /** Signs in from a client address; refused without a password check while that account or address has too many recent failures. */
    async login(email: string, password: string, address = ""): Promise<LoginResult> {
      const wait = throttle.refusal(email, address);
      if (wait !== undefined) return { retryAfterSeconds: wait };
      const user = await db.selectFrom("users").selectAll().where("email", "=", email.toLowerCase()).executeTakeFirst();
      const stored = user?.password_hash ?? (await (dummyHash ??= hashPassword(crypto.randomBytes(16).toString("hex"), scrypt)));
      const matches = await verifyPassword(password, stored, kdf);
      if (!user || !matches) {
        throttle.failed(email, address);
        return null;
      }
      throttle.succeeded(email);
      const session = newSecret("pds_");
      await db.insertInto("sessions").values({ token_hash: hashSecret(session), user_id: user.id, created_at: now(), expires_at: now() + SESSION_MS }).execute();
      return { session, principal: { kind: "user", id: user.id, name: user.email, role: user.role } };
    },
    async logout(session: string): Promise<void> {
      await db.deleteFrom("sessions").where("token_hash", "=", hashSecret(session)).execute();
    },
    async bySession(session: string): Promise<Principal | null> {
      const row = await db
        .selectFrom("sessions")
        .innerJoin("users", "users.id", "sessions.user_id")
        .select(["users.id", "users.email", "users.role", "sessions.expires_at"])
        .where("sessions.token_hash", "=", hashSecret(session))
        .executeTakeFirst();
      if (!row || row.expires_at < now()) return null;
      return { kind: "user", id: row.id, name: row.email, role: row.role, credential: `session:${hashSecret(session)}` };
    },
    async createToken(name: string, role: Role, secret: string = newSecret("pdl_")): Promise<{ id: string; token: string }> {
      const id = crypto.randomUUID();
      await db.insertInto("api_tokens").values({ id, name, token_hash: hashSecret(secret), role, created_at: now(), last_used_at: null, revoked_at: null }).execute();
      return { id, token: secret };
    },
    async hasToken(secret: string): Promise<boolean> {
      return (await db.selectFrom("api_tokens").select("id").where("token_hash", "=", hashSecret(secret)).executeTakeFirst()) !== undefined;
    },
    async byToken(secret: string): Promise<Principal | null> {
      const row = await db.selectFrom("api_tokens").selectAll().where("token_hash", "=", hashSecret(secret)).where("revoked_at", "is", null).executeTakeFirst();
      if (!row) return null;
      await db.updateTable("api_tokens").set({ last_used_at: now() }).where("id", "=", row.id).execute();
      return { kind: "token", id: row.id, name: row.name, role: row.role, credential: `token:${row.id}` };
    },
    async listTokens(): Promise<{ id: string; name: string; role: Role; createdAt: number; lastUsedAt: number | null; revoked: boolean }[]> {
      const rows = await db.selectFrom("api_tokens").selectAll().orderBy("created_at").execute();
      return rows.map((r) => ({ id: r.id, name: r.name, role: r.role, createdAt: Number(r.created_at), lastUsedAt: r.last_used_at === null ? null : Number(r.last_used_at), revoked: r.revoked_at !== null }));
    },
    async revokeToken(id: string): Promise<boolean> {
      const r = await db.updateTable("api_tokens").set({ revoked_at: now() }).where("id", "=", id).where("revoked_at", "is", null).executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },
  };
}

export type AuthStore = ReturnType<typeof createAuthStore>;
