// The API's answers have shapes (issue 16, build 6). Three things are shown here against a real
// Pendulum: every /api/v1 route describes its answers (a scan of the routes as registered); a lived-in
// workspace (the demo's, small) answers every GET route with exactly the shape its schema describes,
// checked both where the handler returns (the harness's strict check) and on the wire; and the
// OpenAPI document is good enough to generate a typed client that type-checks real calls and
// refuses a wrong one.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Type } from "@sinclair/typebox";
import { Ajv, type ValidateFunction } from "ajv";
import openapiTS, { astToString } from "openapi-typescript";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOOP_JOB, setUpArticleLoop } from "../src/demo/index.js";
import type { ModuleContext, PendulumModule } from "../src/kernel/index.js";
import { apiRoutesOf, closedSchema, schemaFor, type ApiRoute } from "../src/server/index.js";
import { startTestPendulum, TEST_TOKEN, type TestPendulum } from "./harness.js";

const CRM = { username: "shapes-api@acme.test", password: "s3cret-Passw0rd-shapes", clientId: "3MVG9shapes_client_0123456789", clientSecret: "shapes-client-secret-0123456789" };

/** Routes that describe no success or redirect answer: what the scan refuses. */
const undescribed = (routes: ApiRoute[]): string[] => routes.filter((r) => !r.hidden && !r.responseCodes.some((c) => /^[23]/.test(c))).map((r) => `${r.method} ${r.url}`);

/** GET routes the walk does not call, and why. */
const NOT_WALKED: Record<string, string> = {
  "/api/v1/sync/oauth/start": "redirects to the CRM's sign-in (authorization-code connections only; covered by src/sync/oauth-flow.test.ts)",
  "/api/v1/sync/oauth/callback": "the end of a browser sign-in (covered by src/sync/oauth-flow.test.ts)",
};

type Json = Record<string, unknown>;

let p: TestPendulum;

async function get(url: string): Promise<{ status: number; type: string; body: unknown }> {
  const res = await p.api(url);
  const text = await res.text();
  const type = res.headers.get("content-type") ?? "";
  return { status: res.status, type, body: type.includes("json") ? (JSON.parse(text) as unknown) : text };
}

async function send(method: string, url: string, body: unknown): Promise<Json> {
  const res = await p.api(url, { method, body: JSON.stringify(body) });
  const answer = (await res.json()) as Json;
  if (res.status >= 300) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(answer)}`);
  return answer;
}

/** The first item of the first list in an answer: `{pages: [...]}`, `{total, customers: [...]}`. */
function firstItem(body: unknown): Json | undefined {
  if (!body || typeof body !== "object") return undefined;
  for (const v of Object.values(body)) if (Array.isArray(v) && v.length > 0 && typeof v[0] === "object") return v[0] as Json;
  return undefined;
}

/** Fills a route's path parameters from the list each one comes from (the path up to the parameter). */
async function concrete(route: string): Promise<string> {
  let url = route;
  for (;;) {
    const m = /\{([A-Za-z]+)\}/.exec(url);
    if (!m || m.index === undefined) return url;
    const list = url.slice(0, m.index - 1);
    const item = firstItem((await get(list)).body);
    const name = m[1] as string;
    const value = item?.[name === "accountId" || name === "name" ? name : "id"];
    if (typeof value !== "string") throw new Error(`${route}: ${list} lists nothing to fill {${name}} with; the workspace should have one`);
    url = url.replace(`{${name}}`, encodeURIComponent(value));
  }
}

beforeAll(async () => {
  p = await startTestPendulum({ env: { PENDULUM_CRM_USERNAME: CRM.username, PENDULUM_CRM_PASSWORD: CRM.password, PENDULUM_CRM_CLIENT_ID: CRM.clientId, PENDULUM_CRM_CLIENT_SECRET: CRM.clientSecret } });
  // The demo's workspace, small and lived in: CRM fields and Accounts, events, reports, segments,
  // guides with activity, push mappings, rules, a scorecard, usage, CTAs and the loop's jobs.
  await setUpArticleLoop({ url: p.url, token: TEST_TOKEN, crm: CRM }, { accounts: 6, visitorsPerAccount: 3, days: 7, history: true });
  const jobs = (await get("/api/v1/jobs")).body as { jobs: { id: string; name: string }[] };
  const loop = jobs.jobs.find((j) => j.name === LOOP_JOB);
  await send("POST", `/api/v1/jobs/${loop?.id ?? "missing"}/run`, {});
  // What the demo does not make at this size: a page and a feature rule, a custom object with a record, a CTA.
  await send("POST", "/api/v1/pages", { name: "Dashboard", rules: ["//*/dashboard"] });
  await send("POST", "/api/v1/features", { name: "Save button", selector: "button" });
  await send("POST", "/api/v1/success/objects", { name: "Tickets", label: "Tickets", fields: [{ name: "accountId", type: "string" }, { name: "opened", type: "integer" }] });
  await send("POST", "/api/v1/success/objects/Tickets/records", { records: [{ accountId: "acc-1", opened: 3 }] });
  const customer = firstItem((await get("/api/v1/success/customers")).body);
  await send("POST", "/api/v1/success/ctas", { accountId: customer?.["accountId"], type: "Risk", reason: "Usage fell", priority: "High" });
}, 600_000);

afterAll(async () => {
  await p?.close();
});

describe("response schemas", () => {
  it("every /api/v1 route, found as it is registered, describes its answers; the OpenAPI document shows them", () => {
    const routes = apiRoutesOf(p.app);
    expect(routes.length).toBeGreaterThan(140);
    expect(undescribed(routes)).toEqual([]);
    // Refusals share one shape, added to each route.
    for (const r of routes.filter((x) => !x.hidden)) expect(r.responseCodes, `${r.method} ${r.url}`).toEqual(expect.arrayContaining(["4xx", "5xx"]));
    const doc = p.app.swagger() as unknown as { paths: Record<string, Record<string, { responses: Record<string, { description: string; content?: unknown }> }>> };
    const bare = Object.entries(doc.paths)
      .filter(([url]) => url.startsWith("/api/v1/"))
      .flatMap(([url, ops]) => Object.entries(ops).filter(([, op]) => Object.values(op.responses).some((r) => r.description === "Default Response" && !r.content)).map(([m]) => `${m} ${url}`));
    expect(bare).toEqual([]);
  });

  it("the scan names a route that describes no answer", async () => {
    const probe = await startTestPendulum({
      compose: (_ctx: ModuleContext): { probe: PendulumModule } => ({
        probe: {
          name: "probe",
          apiRoutes(app) {
            app.get("/probe/bare", async () => ({ a: 1 }));
          },
        },
      }),
    });
    try {
      expect(undescribed(apiRoutesOf(probe.app))).toEqual(["GET /api/v1/probe/bare"]);
    } finally {
      await probe.close();
    }
  }, 60_000);

  it("a handler answering a property its schema does not describe fails, naming the route and the property", async () => {
    const probe = await startTestPendulum({
      compose: (_ctx: ModuleContext): { probe: PendulumModule } => ({
        probe: {
          name: "probe",
          apiRoutes(app) {
            const Shape = Type.Object({ rows: Type.Array(Type.Object({ id: Type.String() })) });
            // The extra property is what fast-json-stringify would silently drop in production.
            app.get("/probe/extra", { schema: { response: { 200: Shape } } }, async () => ({ rows: [{ id: "a", secretNote: "x" }] }));
            app.get("/probe/fits", { schema: { response: { 200: Shape } } }, async () => ({ rows: [{ id: "a" }] }));
          },
        },
      }),
    });
    try {
      const bad = await probe.api("/api/v1/probe/extra");
      expect(bad.status).toBe(500);
      expect(await bad.json()).toEqual({ code: "RESPONSE_SHAPE", message: expect.stringMatching(/GET \/api\/v1\/probe\/extra .*\/rows\/0 .*secretNote/) });
      const good = await probe.api("/api/v1/probe/fits");
      expect(good.status).toBe(200);
      expect(await good.json()).toEqual({ rows: [{ id: "a" }] });
    } finally {
      await probe.close();
    }
  }, 60_000);

  it("a lived-in workspace answers every GET route with exactly the shape its schema describes", async () => {
    const ajv = new Ajv({ strict: false, addUsedSchema: false });
    const walked: string[] = [];
    const gets = apiRoutesOf(p.app).filter((r) => r.method === "GET" && !r.hidden && !(r.url in NOT_WALKED));
    for (const route of gets) {
      const url = await concrete(route.url.replace(/:([A-Za-z]+)/g, "{$1}"));
      const answer = await get(url);
      expect(answer.status, `${url}: ${JSON.stringify(answer.body).slice(0, 300)}`).toBe(200);
      const schema = schemaFor(route.response ?? {}, 200);
      if (answer.type.startsWith("text/csv")) {
        expect(typeof answer.body).toBe("string");
      } else {
        // On the wire too: what a client receives has every property described, and nothing else.
        const validate: ValidateFunction = ajv.compile(closedSchema(schema) as object);
        expect(validate(answer.body), `${url}: ${ajv.errorsText(validate.errors)}`).toBe(true);
      }
      walked.push(route.url);
    }
    expect(walked.length).toBeGreaterThan(60);
  }, 300_000);
});

describe("a client generated from the OpenAPI document", () => {
  let dir: string;
  let typesFile: string;

  /** Type-checks `code` (a module beside the generated types) strictly; returns the diagnostics' texts. */
  function typeCheck(name: string, code: string): string[] {
    const file = path.join(dir, name);
    fs.writeFileSync(file, code);
    const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, skipLibCheck: true, types: [] });
    return ts.getPreEmitDiagnostics(program).map((d) => `${d.file ? path.basename(d.file.fileName) : ""}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`);
  }

  // The typed calls: the shapes the issue names, read the way a client reads them.
  const CALLS = `import type { paths } from "./pendulum-api.js";
type Json<P extends keyof paths, M extends keyof paths[P], S extends number = 200> = paths[P][M] extends { responses: { [K in S]: { content: { "application/json": infer T } } } } ? T : never;

export function reportCells(r: Json<"/api/v1/reports/{id}/results", "get">): (string | number | boolean | null | undefined)[] {
  return r.rows.map((row) => row.values["minutes"]);
}
export function crmIndustry(a: Json<"/api/v1/accounts/{id}", "get">): string | number | boolean | null | undefined {
  return a.metadata.crm["Industry"];
}
export function periods(u: Json<"/api/v1/success/usage/data", "get">): string[] {
  return u.rows.map((row) => row.periodStart);
}
export function stepLayouts(g: Json<"/api/v1/guides/{id}", "get">): string[] {
  return g.steps.map((s) => s.layout);
}
export function chainSteps(run: Json<"/api/v1/jobs/{id}/run", "post">): string[] {
  return (run.steps ?? []).map((s) => s.status);
}
export function created(c: Json<"/api/v1/success/customers", "post", 201>): string {
  return c.accountId;
}
export function refusal(e: paths["/api/v1/reports/{id}"]["get"]["responses"]["4XX"]["content"]["application/json"]): string {
  return e.code + ": " + e.message;
}
`;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-client-"));
    // The running server's own document, as a client generator fetches it.
    const doc = await (await fetch(`${p.url}/api/v1/openapi.json`)).json();
    typesFile = path.join(dir, "pendulum-api.ts");
    fs.writeFileSync(typesFile, astToString(await openapiTS(doc as never)));
  }, 120_000);

  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("type-checks the calls a client makes, and the real answers have what they read", async () => {
    expect(fs.readFileSync(typesFile, "utf8")).toContain('"/api/v1/reports/{id}/results"');
    expect(typeCheck("calls.ts", CALLS)).toEqual([]);
    // The same reads on real answers of the workspace.
    const results = (await get(await concrete("/api/v1/reports/{id}/results"))).body as { rows: { values: Json }[] };
    expect(results.rows.length).toBeGreaterThan(0);
    expect(Object.keys(results.rows[0]?.values ?? {}).length).toBeGreaterThan(0);
    const account = (await get(await concrete("/api/v1/accounts/{id}"))).body as { metadata: { crm: Json } };
    expect(Object.keys(account.metadata.crm).length).toBeGreaterThan(0);
    const usage = (await get("/api/v1/success/usage/data")).body as { rows: { periodStart: string }[] };
    expect(usage.rows[0]?.periodStart).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const guide = (await get(await concrete("/api/v1/guides/{id}"))).body as { steps: { layout: string }[] };
    expect(guide.steps.length).toBeGreaterThan(0);
  });

  it("refuses a wrong read: a misspelt property, a number where the API sends a date string", () => {
    const wrong = `import type { paths } from "./pendulum-api.js";
type Results = paths["/api/v1/reports/{id}/results"]["get"]["responses"][200]["content"]["application/json"];
type Usage = paths["/api/v1/success/usage/data"]["get"]["responses"][200]["content"]["application/json"];
export const cells = (r: Results) => r.rows.map((row) => row.value);
export const start = (u: Usage): number[] => u.rows.map((row) => row.periodStart);
`;
    const found = typeCheck("wrong.ts", wrong);
    expect(found).toEqual([
      expect.stringMatching(/wrong\.ts: Property 'value' does not exist/),
      expect.stringMatching(/wrong\.ts: Type 'string\[\]' is not assignable to type 'number\[\]'/),
    ]);
  });
});
