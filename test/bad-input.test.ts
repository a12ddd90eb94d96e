import crypto from "node:crypto";
import jsforce from "jsforce";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "./harness.js";
import { testPostgresUrl } from "./postgres.js";

// Issue 15, finding 8: inputs that made Pendulum answer 500 (and log a stack) must each get a 4xx
// with a code, a message and the field at fault; on /services in Salesforce's error shape.

const CRM = { username: "bad-input@acme.test", password: "s3cret-Passw0rd-bad", clientId: "3MVG9bad_input_client_0123", clientSecret: "bad-input-secret-0123456789" };

let p: TestPendulum;
let conn: jsforce.Connection;

beforeAll(async () => {
  p = await startTestPendulum({ env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
  conn = new jsforce.Connection({ loginUrl: p.url, version: "62.0", oauth2: { loginUrl: p.url, clientId: CRM.clientId, clientSecret: CRM.clientSecret } });
  await conn.login(CRM.username, CRM.password);
});
afterAll(async () => {
  await p?.close();
});

/** A JSON text nested `depth` levels deep, written out (JSON.stringify itself would overflow). */
const deepJson = (depth: number, open: string, close: string, leaf: string): string => `${open.repeat(depth)}${leaf}${close.repeat(depth)}`;

type Pendulum4xx = { code: string; message: string; field?: string };
type Salesforce4xx = Array<{ errorCode: string; message: string; fields?: string[] }>;

async function expectPendulum4xx(res: Response, field: string | RegExp): Promise<Pendulum4xx> {
  const body = (await res.json()) as Pendulum4xx;
  expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(body.code).toMatch(/^[A-Z_]+$/);
  expect(body.message.length).toBeGreaterThan(10);
  if (typeof field === "string") expect(body.field).toBe(field);
  else expect(body.field).toMatch(field);
  return body;
}

async function expectSalesforce4xx(res: Response): Promise<Salesforce4xx> {
  const body = (await res.json()) as Salesforce4xx;
  expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(Array.isArray(body)).toBe(true);
  expect(body[0]?.errorCode).toMatch(/^[A-Z_]+$/);
  expect(body[0]?.message.length).toBeGreaterThan(10);
  return body;
}

const crm = (path: string, init: RequestInit = {}): Promise<Response> =>
  fetch(`${p.url}/services/data/v62.0${path}`, { ...init, headers: { authorization: `Bearer ${conn.accessToken}`, "content-type": "application/json", ...(init.headers as Record<string, string>) } });
const manyOrs = (n: number): string => `SELECT Id FROM Account WHERE ${Array.from({ length: n }, (_, i) => `Name = 'n${i}'`).join(" OR ")}`;

describe("inputs that used to answer 500", () => {
  it("deeply nested track properties on /data/ingest", async () => {
    const props = deepJson(50_000, '{"a":', "}", "1");
    const body = `{"visitor":{"id":"v-deep"},"events":[{"type":"track","ts":${Date.now()},"url":"https://a.example/","name":"deep","props":{"p":${props}}}]}`;
    const res = await fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "application/json" }, body });
    await expectPendulum4xx(res, /^events\[0\]\.props/);
  });

  it("a segment nested 20,000 levels deep", async () => {
    const definition = deepJson(20_000, '{"op":"and","rules":[', "]}", '{"kind":"metadata","target":"account","group":"agent","key":"k","operator":"exists"}');
    for (const path of ["/api/v1/segments", "/api/v1/segments/preview"]) {
      const res = await p.api(path, { method: "POST", body: path.endsWith("preview") ? `{"definition":${definition}}` : `{"name":"deep","definition":${definition}}` });
      await expectPendulum4xx(res, /^definition/);
    }
  });

  it("a segment rule since a date that does not exist", async () => {
    const definition = { op: "and", rules: [{ kind: "behavior", event: "page", id: "p1", condition: "since", date: "2024-13-45" }] };
    const res = await p.api("/api/v1/segments/preview", { method: "POST", body: JSON.stringify({ definition }) });
    await expectPendulum4xx(res, "definition.rules[0].date");
  });

  it("offset=1e20 on a list", async () => {
    for (const path of ["/api/v1/accounts?offset=1e20", "/api/v1/visitors?offset=100000000000000000000"]) await expectPendulum4xx(await p.api(path), "offset");
  });

  it("SOQL LAST_N_DAYS with an absurd number", async () => {
    const body = await expectSalesforce4xx(await crm(`/query?q=${encodeURIComponent("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:99999999999")}`));
    expect(body[0]?.errorCode).toBe("MALFORMED_QUERY");
  });

  it("a thousand ORs (or nested parentheses) through a Bulk query, /query and /composite", async () => {
    const job = await crm("/jobs/query", { method: "POST", body: JSON.stringify({ operation: "query", query: manyOrs(1500) }) });
    // SQLite cannot run 1,500 ORs (MALFORMED_QUERY, "too complex"); PostgreSQL runs them, as Salesforce would. Never a 500.
    if (testPostgresUrl()) expect(job.status, await job.text()).toBe(200);
    else await expectSalesforce4xx(job);
    // A GET URL is too short for a thousand ORs; parentheses nested a thousand deep fit.
    const nestedParens = `SELECT Id FROM Account WHERE ${"(".repeat(1000)}Name = 'a'${")".repeat(1000)}`;
    expect((await expectSalesforce4xx(await crm(`/query?q=${encodeURIComponent(nestedParens)}`)))[0]?.errorCode).toBe("MALFORMED_QUERY");
    const composite = await crm("/composite", { method: "POST", body: JSON.stringify({ compositeRequest: [{ method: "GET", url: `/services/data/v62.0/query?q=${encodeURIComponent(manyOrs(1500))}`, referenceId: "q" }] }) });
    expect(composite.status).toBe(200);
    const sub = ((await composite.json()) as { compositeResponse: { httpStatusCode: number; body: Salesforce4xx }[] }).compositeResponse[0];
    if (testPostgresUrl()) {
      expect(sub?.httpStatusCode).toBe(200);
    } else {
      expect(sub?.httpStatusCode).toBe(400);
      expect(sub?.body[0]?.errorCode).toBe("MALFORMED_QUERY");
    }
  });

  it("a malformed JWT assertion", async () => {
    for (const assertion of ["not-a-jwt", `${Buffer.from("{").toString("base64url")}.${Buffer.from("{nope").toString("base64url")}.sig`, `x.${crypto.randomBytes(8).toString("base64url")}.y`]) {
      const res = await fetch(`${p.url}/services/oauth2/token`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: new URLSearchParams({ grant_type: "urn:ietf:params:oauth:grant-type:jwt-bearer", assertion }).toString() });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: string; error_description: string };
      expect(body.error).toMatch(/^invalid_/);
      expect(body.error_description.length).toBeGreaterThan(5);
    }
  });
});
