import fc from "fast-check";
import { buildElementChain, matchElementChain, matchUrl, parseFeatureRule, parseUrlRule } from "../../src/analytics/tagging/index.js";
import { renderContent } from "../../src/guides/index.js";
import { TEST_APP_KEY, TEST_TOKEN, type TestPendulum } from "../harness.js";

/**
 * Every parser that takes untrusted input, with a generator of inputs (biased towards the parser's
 * own syntax, so most inputs get deep into it) and a way to run one. A run answers the HTTP status
 * the input got (through Fastify's inject: the real parsers, validation and error handlers without
 * a socket), or throws for a pure function that failed in a way other than its own error values.
 * An input "passes" when it is answered below 500 and nothing throws.
 */
export type FuzzTarget = { name: string; input: fc.Arbitrary<string>; run(p: FuzzServer, input: string): Promise<number> };

/** A running Pendulum and a CRM session for the /services targets. */
export type FuzzServer = { p: TestPendulum; crmToken: string };

/** Text made of a syntax's pieces and random characters, up to about 4 KB. */
const textOf = (pieces: string[], maxPieces = 400): fc.Arbitrary<string> => {
  const piece = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...pieces) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }, { weight: 1, arbitrary: fc.fullUnicodeString({ maxLength: 3 }) });
  // Lengths spread evenly up to the most pieces (fast-check's default sizes stay short).
  return fc.integer({ min: 0, max: maxPieces }).chain((n) => fc.array(piece, { minLength: n, maxLength: n })).map((a) => a.join("").slice(0, 4096));
};

/** At most about 4 KB: a longer text is cut (and so, as JSON, usually broken: also worth a try). */
const cut = (s: string): string => (s.length > 4096 ? s.slice(0, 4096) : s);

/** JSON text of a value, or (sometimes) a broken copy of it. */
const jsonText = (value: fc.Arbitrary<unknown>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 5, arbitrary: value.map((v) => cut(JSON.stringify(v) ?? "null")) },
    { weight: 1, arbitrary: fc.tuple(value.map((v) => JSON.stringify(v) ?? "null"), fc.nat(), fc.string({ maxLength: 4 })).map(([s, at, junk]) => cut(s.slice(0, at % (s.length + 1)) + junk)) },
  );

const scalar = fc.oneof(fc.string({ maxLength: 40 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const anyJson = fc.jsonValue({ maxDepth: 4 });

const urlPieces = ["/", "//", "*", "**", "~contains:", "?", "&", "=", "#", "%2F", "%20", "%", "a", "b", "app", "x.y", ":", "https://", "..", "-"];
const agentEvent = fc.record(
  {
    type: fc.constantFrom("load", "click", "focus", "track", "hover"),
    ts: fc.oneof(fc.constant(Date.now() - 1000), fc.integer(), fc.double()),
    url: fc.oneof(textOf(urlPieces, 20), fc.constant("https://app.example.com/")),
    name: fc.string({ maxLength: 110 }),
    props: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 5 }), anyJson),
    element: fc.array(fc.record({ tag: fc.string({ maxLength: 10 }), id: fc.string({ maxLength: 10 }), classes: fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }) }, { requiredKeys: ["tag"] }), { maxLength: 4 }),
  },
  { requiredKeys: ["type", "ts", "url"] },
);
const agentBatch = fc.record(
  {
    batchId: fc.string({ maxLength: 70 }),
    visitor: fc.oneof(fc.record({ id: fc.string({ maxLength: 140 }) }), fc.dictionary(fc.string({ maxLength: 12 }), scalar, { maxKeys: 6 })),
    account: fc.dictionary(fc.string({ maxLength: 12 }), scalar, { maxKeys: 4 }),
    events: fc.array(agentEvent, { maxLength: 40, size: "medium" }),
  },
  { requiredKeys: ["visitor", "events"] },
);

const metadataRule = fc.record({
  kind: fc.constant("metadata"),
  target: fc.constantFrom("account", "visitor", "other"),
  group: fc.constantFrom("agent", "custom", "crm"),
  key: fc.constantFrom("plan", "constructor", "__proto__", "k", ""),
  operator: fc.constantFrom("equals", "notEquals", "contains", "greater", "less", "between", "exists", "inLastDays", "withinNextDays", "bogus"),
  value: scalar,
  value2: scalar,
});
const behaviorRule = fc.record(
  {
    kind: fc.constant("behavior"),
    event: fc.constantFrom("page", "feature", "track"),
    id: fc.string({ maxLength: 20 }),
    condition: fc.constantFrom("ever", "withinLastDays", "since", "atLeast", "atMost", "never"),
    days: fc.oneof(fc.integer({ min: -5, max: 5000 }), fc.double()),
    date: fc.oneof(fc.constant("2024-13-45"), fc.constant("2024-02-29"), fc.string({ maxLength: 12 })),
    count: fc.integer(),
  },
  { requiredKeys: ["kind", "event", "id", "condition"] },
);
const npsRule = fc.record({ kind: fc.constant("nps"), category: fc.constantFrom("promoter", "detractor", "x"), days: fc.oneof(fc.integer(), fc.double()) }, { requiredKeys: ["kind", "category"] });
const { group } = fc.letrec<{ group: unknown; rule: unknown }>((tie) => ({
  group: fc.record({ op: fc.constantFrom("and", "or", "xor"), rules: fc.array(tie("rule"), { maxLength: 4 }) }),
  rule: fc.oneof({ depthSize: "small", withCrossShrink: true }, metadataRule, behaviorRule, npsRule, tie("group")),
}));

const reportBody = fc.record(
  {
    name: fc.string({ maxLength: 210 }),
    kind: fc.constantFrom("account", "visitor", "x"),
    segmentId: fc.constantFrom("everyone", "nope"),
    range: fc.oneof(fc.record({ last: fc.constantFrom(1, 7, 30, 90, 365) }), fc.record({ from: fc.constantFrom("2024-01-01", "1000-01-01", "2024-13-45", "2025-12-31"), to: fc.constantFrom("2024-01-31", "9999-12-31", "2024-02-30") })),
    timeZone: fc.constantFrom("UTC", "Europe/Berlin", "Asia/Kathmandu", "Mars/Olympus", "America/St_Johns"),
    columns: fc.array(fc.constantFrom("minutes", "visitors", "custom.constructor", "agent.plan", "trackEvents.x", "pageViews.nope", "nps.score", "crm.__proto__", "lastVisit", ""), { maxLength: 6 }),
  },
  { requiredKeys: ["name", "range", "columns"] },
);

const soqlPieces = ["SELECT ", "Id", "Name", ", ", " FROM ", "Account", "Contact", "User", " WHERE ", "Name = 'a'", " AND ", " OR ", "NOT ", "(", ")", " IN ('a','b')", " LIKE '%x%'", "CreatedDate = LAST_N_DAYS:", "99999999999", "7", " ORDER BY Name", " LIMIT ", "10", " OFFSET ", "count()", "Account.Name", "'", "\\", ":", "TODAY", "NULL", " GROUP BY ", ","];
const csvPieces = ["accountId", "name", "arr", "renewalDate", "tags", "custom.region", "custom.constructor", ",", "\n", "\r\n", '"', '""', "=HYPERLINK(", "'=x", "1", "-5", "2025-02-30", "A1", ";"];
const selectorPieces = ["button", "#id", ".cls", "[data-x]", '[data-x="y"]', " ", ">", "+", "~", ":not(", ":nth-child(2n+1)", ":has(", ")", ",", "*", "div", "a[href^=http]", "\\", "(", "[", "]", ":hover", "::before"];
const htmlPieces = ["<", ">", "</", "<a", "<p>", "</p>", "<script>", "</script>", "<img src=", '"', "'", "=", " ", "href=", "javascript:", "&amp;", "&#x6A;", "<!--", "-->", "<!", "**", "*", "_", "`", "[", "](", ")", "#", "\n\n", "- ", "> "];

export const TARGETS: FuzzTarget[] = [
  {
    name: "ingest batch (/data/ingest)",
    input: jsonText(agentBatch),
    run: async ({ p }, body) => (await p.app.inject({ method: "POST", url: `/data/ingest?key=${TEST_APP_KEY}`, headers: { "content-type": "application/json" }, payload: body })).statusCode,
  },
  {
    name: "URL rules",
    input: fc.tuple(textOf(urlPieces, 200), textOf(urlPieces, 200)).map(([rule, url]) => JSON.stringify([rule, `https://h${url}`])),
    run: async (_s, input) => {
      const [rule, url] = JSON.parse(input) as [string, string];
      const parsed = parseUrlRule(rule);
      if (parsed.ok) matchUrl(parsed.value, url);
      return 200;
    },
  },
  {
    name: "feature selectors",
    input: textOf(selectorPieces, 300),
    run: async (_s, selector) => {
      const parsed = parseFeatureRule(selector);
      if (parsed.ok) matchElementChain(parsed.value, buildElementChain([{ tag: "span", text: "x" }, { tag: "button", id: "id", classes: ["cls"], attrs: { "data-x": "y", href: "http://a" } }, { tag: "div" }]));
      return 200;
    },
  },
  {
    name: "SOQL (/services/data/v62.0/query)",
    input: textOf(soqlPieces, 150).map((s) => s.slice(0, 3000)),
    run: async ({ p, crmToken }, q) => (await p.app.inject({ method: "GET", url: `/services/data/v62.0/query?q=${encodeURIComponent(q)}`, headers: { authorization: `Bearer ${crmToken}` } })).statusCode,
  },
  {
    name: "segment definitions (/api/v1/segments/preview)",
    input: jsonText(fc.record({ definition: group, kind: fc.constantFrom("account", "visitor") })),
    run: async ({ p }, body) => (await p.app.inject({ method: "POST", url: "/api/v1/segments/preview", headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" }, payload: body })).statusCode,
  },
  {
    name: "customer CSV import (/api/v1/success/customers/import)",
    input: textOf(csvPieces, 400),
    run: async ({ p }, csv) => (await p.app.inject({ method: "POST", url: "/api/v1/success/customers/import", headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "text/csv" }, payload: csv || "x" })).statusCode,
  },
  {
    name: "guide sanitiser (HTML and Markdown)",
    input: textOf(htmlPieces, 500),
    run: async (_s, content) => {
      renderContent(content, "html");
      renderContent(content, "markdown");
      return 200;
    },
  },
  {
    name: "report definitions (/api/v1/reports)",
    input: jsonText(reportBody),
    run: async ({ p }, body) => (await p.app.inject({ method: "POST", url: "/api/v1/reports", headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" }, payload: body })).statusCode,
  },
];

/** What a fuzz run of one target found. */
export type FuzzReport = { name: string; runs: number; failures: { input: string; problem: string }[]; slowest: { ms: number; bytes: number; input: string }; largestBytes: number };

/** Inputs up to this size count for the slowest figure (the bound: 50 ms for a 4 KB input). */
export const MEASURED_BYTES = 4096;

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/**
 * Runs `runs` seeded inputs of a target; records what failed (status 500 or an exception) and the
 * slowest input of at most 4 KB (after a few unmeasured inputs warm the code up): inputs are ranked
 * by the CPU they used, and the slowest few timed again (milliseconds, least of five).
 */
export async function fuzzTarget(server: FuzzServer, target: FuzzTarget, runs: number, seed: number): Promise<FuzzReport> {
  const report: FuzzReport = { name: target.name, runs: 0, failures: [], slowest: { ms: 0, bytes: 0, input: "" }, largestBytes: 0 };
  for (const input of fc.sample(target.input, { numRuns: Math.min(30, runs), seed: seed + 1 })) await target.run(server, input).catch(() => 0);
  // Generated a slice at a time, so a long run does not hold every input in memory at once.
  const SLICE = 250;
  const inputs = function* (): Generator<string> {
    for (let done = 0; done < runs; done += SLICE) yield* fc.sample(target.input, { numRuns: Math.min(SLICE, runs - done), seed: seed + done });
  };
  const top: { ms: number; input: string }[] = [];
  for (const input of inputs()) {
    report.runs++;
    const started = cpuMs();
    try {
      const status = await target.run(server, input);
      if (status >= 500) report.failures.push({ input, problem: `answered ${status}` });
    } catch (e) {
      report.failures.push({ input, problem: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
    const ms = cpuMs() - started;
    const bytes = Buffer.byteLength(input);
    report.largestBytes = Math.max(report.largestBytes, bytes);
    if (bytes <= MEASURED_BYTES) {
      top.push({ ms, input });
      top.sort((a, b) => b.ms - a.ms);
      top.length = Math.min(top.length, 8);
    }
  }
  // A garbage collection lands on whichever input is running: the slowest few are timed again,
  // by the wall clock (the CPU clock's ticks are too coarse for one short call), the least of five
  // runs each (which leaves out time lost to other processes), so the figure is the input's own cost.
  for (const t of top) {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      await target.run(server, t.input).catch(() => 0);
      best = Math.min(best, performance.now() - started);
    }
    if (best > report.slowest.ms) report.slowest = { ms: best, bytes: Buffer.byteLength(t.input), input: t.input.length > 200 ? `${t.input.slice(0, 200)}…` : t.input };
  }
  return report;
}
