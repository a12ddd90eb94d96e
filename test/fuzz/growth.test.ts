import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildElementChain, matchElementChain, matchUrl, parseFeatureRule, parseUrlRule } from "../../src/analytics/tagging/index.js";
import { renderContent } from "../../src/guides/index.js";
import { growthRatio, growthRatioAsync, LINEAR_LIMIT } from "../growth.js";
import { TEST_APP_KEY, TEST_TOKEN } from "../harness.js";
import { startFuzzServer } from "./server.js";
import type { FuzzServer } from "./targets.js";

// Issue 15, item 15: the work of every fuzzed parser grows at most linearly with its input. No
// time is asserted: each case compares the CPU used per call for two inputs 16 times apart
// (test/growth.ts). Linear work gives about 16 (less while fixed costs dominate), quadratic 256;
// the limit is 64. Every input here is one the parser accepts (checked), so the large input
// really is parsed and not refused early at a size limit (which would pass whatever the growth).

const SMALL = 1;
const LARGE = 16;

let server: FuzzServer & { close(): Promise<void> };
beforeAll(async () => {
  server = await startFuzzServer();
}, 60_000);
afterAll(async () => {
  await server?.close();
});

type PureCase = [name: string, make: (n: number) => string, run: (input: string) => unknown];

/** Shapes that made parsers super-linear elsewhere: many wildcards, long tokens, deep nesting. */
const pure: PureCase[] = [
  ["URL rules: many wildcards", (n) => JSON.stringify(["/" + "a*".repeat(60 * n), "https://h/" + "a".repeat(120 * n)]), (s) => urlRun(s)],
  ["URL rules: long segments", (n) => JSON.stringify(["/x/*/" + "seg/".repeat(30 * n) + "*", "https://h/x/y/" + "seg/".repeat(30 * n) + "z"]), (s) => urlRun(s)],
  ["feature selectors: compound", (n) => Array.from({ length: 40 * n }, (_, i) => `div.c${i}`).join(" "), (s) => selectorRun(s)],
  ["feature selectors: nested :not()", (n) => `button${":not(.x)".repeat(20 * n)}`, (s) => selectorRun(s)],
  ["feature selectors: long attribute value", (n) => `[data-x="${"v".repeat(1000 * n)}"]`, (s) => selectorRun(s)],
  ["guide sanitiser: nested tags", (n) => "<b><i>".repeat(80 * n) + "x" + "</i></b>".repeat(80 * n), (s) => renderContent(s, "html")],
  ["guide sanitiser: markdown emphasis", (n) => "**_x_** ".repeat(120 * n), (s) => renderContent(s, "markdown")],
];

function urlRun(input: string): boolean {
  const [rule, url] = JSON.parse(input) as [string, string];
  const parsed = parseUrlRule(rule);
  if (!parsed.ok) throw new Error(`refused: ${parsed.error.message}`);
  return matchUrl(parsed.value, url);
}

const chain = buildElementChain([{ tag: "span", text: "x" }, { tag: "button", id: "id", classes: ["cls"], attrs: { "data-x": "y" } }, { tag: "div" }]);
function selectorRun(selector: string): boolean {
  const parsed = parseFeatureRule(selector);
  if (!parsed.ok) throw new Error(`refused: ${parsed.error.message}`);
  return matchElementChain(parsed.value, chain);
}

describe("parsers grow linearly", () => {
  it.each(pure)("%s", (_name, make, run) => {
    run(make(LARGE)); // accepted (throws if refused)
    expect(growthRatio(make, run, SMALL, LARGE)).toBeLessThan(LINEAR_LIMIT);
  });

  /** Through the real server (Fastify's inject): the body parser, schema, validation and the handler. */
  type HttpCase = [name: string, make: (n: number) => { method: "GET" | "POST"; url: string; body?: string; type?: string }];
  const http: HttpCase[] = [
    [
      "ingest batch: events",
      (n) => ({ method: "POST", url: `/data/ingest?key=${TEST_APP_KEY}`, body: JSON.stringify({ visitor: { id: "g" }, events: Array.from({ length: 25 * n }, (_, i) => ({ type: "click", ts: Date.now() - 5000 + i, url: `https://a.test/p/${i}`, element: [{ tag: "button", id: `b${i}`, classes: ["x"] }, { tag: "div" }] })) }) }),
    ],
    [
      "ingest batch: visitor metadata",
      (n) => ({ method: "POST", url: `/data/ingest?key=${TEST_APP_KEY}`, body: JSON.stringify({ visitor: { id: "g", ...Object.fromEntries(Array.from({ length: 6 * n }, (_, i) => [`k${i}`, "n".repeat(100)])) }, events: [{ type: "load", ts: Date.now() - 1000, url: "https://a.test/" }] }) }),
    ],
    ["SOQL: IN list", (n) => ({ method: "GET", url: `/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id, Name FROM Account WHERE Name IN (${Array.from({ length: 40 * n }, (_, i) => `'acct ${i}'`).join(",")})`)}` })],
    ["SOQL: ORs", (n) => ({ method: "GET", url: `/services/data/v62.0/query?q=${encodeURIComponent(`SELECT Id FROM Account WHERE ${Array.from({ length: 30 * n }, (_, i) => `Name = 'a${i}'`).join(" OR ")}`)}` })],
    [
      "segment definitions: rules",
      (n) => {
        // Groups of at most 50 rules (the schema's limit), nested one level.
        const rules = Array.from({ length: 12 * n }, (_, i) => ({ kind: "metadata", target: "account", group: "agent", key: `k${i}`, operator: "equals", value: `v${i}` }));
        const groups = Array.from({ length: Math.ceil(rules.length / 48) }, (_, g) => ({ op: "or", rules: rules.slice(g * 48, g * 48 + 48) }));
        return { method: "POST", url: "/api/v1/segments/preview", body: JSON.stringify({ kind: "account", definition: { op: "or", rules: groups } }) };
      },
    ],
    ["customer CSV import: rows", (n) => ({ method: "POST", url: "/api/v1/success/customers/import", type: "text/csv", body: ["accountId,name,arr", ...Array.from({ length: 40 * n }, (_, i) => `g${i},"Customer, ${i}",${i * 10}`)].join("\n") })],
    ["customer CSV import: one long quoted field", (n) => ({ method: "POST", url: "/api/v1/success/customers/import", type: "text/csv", body: `accountId,name\ng1,"${'x""'.repeat(300 * n)}"` })],
    ["report definitions: columns", (n) => ({ method: "POST", url: "/api/v1/reports", body: JSON.stringify({ name: "growth", kind: "account", range: { last: 30 }, columns: Array.from({ length: 12 * n }, (_, i) => `agent.${"c".repeat(30)}${i}`) }) })],
  ];
  it.each(http)("%s", async (_name, make) => {
    const send = async (r: ReturnType<HttpCase[1]>): Promise<number> => {
      const auth = r.url.startsWith("/services") ? `Bearer ${server.crmToken}` : `Bearer ${TEST_TOKEN}`;
      const res = await server.p.app.inject({ method: r.method, url: r.url, headers: { authorization: auth, "content-type": r.type ?? "application/json" }, ...(r.body === undefined ? {} : { payload: r.body }) });
      return res.statusCode;
    };
    const large = make(LARGE);
    expect(Buffer.byteLength(large.body ?? large.url)).toBeGreaterThan(4096);
    expect(await send(large)).toBeLessThan(300); // accepted and parsed whole, not refused at a limit
    expect(await growthRatioAsync(make, send, SMALL, LARGE)).toBeLessThan(LINEAR_LIMIT);
  }, 60_000);
});
