import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, type TestPendulum } from "../../test/harness.js";
import { migrateRecords, openRecords } from "../store/index.js";
import { authMigrations, createAuthStore } from "./auth-store.js";
import type { Kdf } from "../kernel/index.js";
import { DEFAULT_LOGIN_LIMITS } from "../kernel/index.js";

// Issue 15, finding 6: sign-ins are rate limited per account and per address (429 with
// Retry-After), and an unknown email costs the same password check as a known one.

describe("the cost of a sign-in", () => {
  it("checks a password as hard for an unknown email as for a known one", async () => {
    const records = await openRecords({ engine: "sqlite", file: path.join(fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-auth-")), "records.sqlite") });
    await migrateRecords(records, [authMigrations]);
    const scrypt = promisify(crypto.scrypt) as Kdf;
    let calls = 0;
    const store = createAuthStore(records, Date.now, { kdf: (pw, salt, len) => (calls++, scrypt(pw, salt, len)) });
    await store.createUser("known@example.com", "the right password", "admin");
    calls = 0;
    expect(await store.login("known@example.com", "wrong password")).toBeNull();
    const known = calls;
    calls = 0;
    expect(await store.login("nobody@example.com", "wrong password")).toBeNull();
    expect(known).toBe(1);
    expect(calls).toBe(known);
    await records.close();
  });
});

describe("POST /api/v1/auth/login under attack", () => {
  let p: TestPendulum;
  let offset = 0;
  beforeAll(async () => {
    p = await startTestPendulum({ clock: () => Date.now() + offset });
  });
  afterAll(async () => {
    await p?.close();
  });
  const login = (email: string, password: string) => fetch(`${p.url}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ email, password }) });

  it("locks an account after 10 failures, even for the right password, until the window passes", async () => {
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.perAccount; i++) expect((await login("admin@example.com", `guess ${i}`)).status).toBe(401);
    const locked = await login("admin@example.com", "correct horse battery");
    expect(locked.status).toBe(429);
    expect(await locked.json()).toMatchObject({ code: "LOGIN_RATE_EXCEEDED", field: "password" });
    const wait = Number(locked.headers.get("retry-after"));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThanOrEqual(DEFAULT_LOGIN_LIMITS.windowMs / 1000);
    offset += DEFAULT_LOGIN_LIMITS.windowMs;
    expect((await login("admin@example.com", "correct horse battery")).status).toBe(200);
  });

  it("limits one address across many accounts", async () => {
    for (let i = 0; i < DEFAULT_LOGIN_LIMITS.perAddress; i++) expect((await login(`nobody-${i}@example.com`, "guess")).status).toBe(401);
    const res = await login("someone-else@example.com", "guess");
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBeTruthy();
    offset += DEFAULT_LOGIN_LIMITS.windowMs;
  });
});
