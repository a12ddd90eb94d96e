import { createHash } from "node:crypto";
import { PerformanceObserver } from "node:perf_hooks";
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

/** Inputs up to this size count for the slowest figure (the bound: 50 ms for a 4 KB input). */
export const MEASURED_BYTES = 4096;

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

/**
 * Adversarial shapes, a quarter of every target's inputs: the ones that made parsers super-linear
 * or recursive elsewhere (deep nesting, many wildcards or operators, long tokens), up to 4 KB.
 */
const nested = (open: string, inner: string, close: string, head = "", tail = ""): fc.Arbitrary<string> =>
  fc.integer({ min: 1, max: 2000 }).map((n) => {
    const room = Math.max(1, Math.floor((MEASURED_BYTES - head.length - tail.length - inner.length) / (open.length + close.length)));
    const k = Math.min(n, room);
    return head + open.repeat(k) + inner + close.repeat(k) + tail;
  });
const repeated = (tokens: string[], head = "", tail = ""): fc.Arbitrary<string> =>
  fc.tuple(fc.constantFrom(...tokens), fc.integer({ min: 1, max: 4096 })).map(([t, n]) => head + t.repeat(Math.max(1, Math.min(n, Math.floor((MEASURED_BYTES - head.length - tail.length) / t.length)))) + tail);
const withAdversarial = (normal: fc.Arbitrary<string>, ...adversarial: fc.Arbitrary<string>[]): fc.Arbitrary<string> => fc.oneof({ weight: 3, arbitrary: normal }, { weight: 1, arbitrary: fc.oneof(...adversarial) });

const NOW = Date.now();
const ingestHead = `{"visitor":{"id":"v"},"events":[`;
const trackHead = `${ingestHead}{"type":"track","ts":${NOW},"url":"https://a.test/","name":"n","props":{"a":`;
const adversarialIngest = [
  nested("[", "1", "]", trackHead, "}}]}"),
  nested('{"a":', "1", "}", trackHead, "}}]}"),
  repeated([`{"type":"load","ts":${NOW},"url":"/"},`, `{"type":"click","ts":${NOW},"url":"/","element":[{"tag":"a"}]},`], ingestHead, `{"type":"load","ts":${NOW},"url":"/"}]}`),
  repeated(["x", "\\u00e9", "\\\\"], `{"visitor":{"id":"`, `"},"events":[{"type":"load","ts":${NOW},"url":"/"}]}`),
  repeated(["a", "%2F", "/"], `${ingestHead}{"type":"load","ts":${NOW},"url":"https://a.test/`, `"}]}`),
  repeated([`{"tag":"div","classes":["a","b"]},`], `${ingestHead}{"type":"click","ts":${NOW},"url":"/","element":[`, `{"tag":"a"}]}]}`),
];
const urlPair = (rule: fc.Arbitrary<string>, url: fc.Arbitrary<string>): fc.Arbitrary<string> => fc.tuple(rule, url).map(([r, u]) => JSON.stringify([r.slice(0, 2040), `https://h${u.slice(0, 2040)}`]));
const adversarialUrl = [
  urlPair(repeated(["*a", "a*", "*", "*/", "**/", "*-*"], "/"), repeated(["a", "a/", "aa-"], "/")),
  urlPair(repeated(["*a"], "/", "b"), repeated(["a"], "/")),
  urlPair(repeated(["~contains:", "%", "?a=*&"], "/"), repeated(["a", "%25", "?a=b&"], "/")),
];
const adversarialSelectors = [nested(":not(", "a", ")"), nested(":has(", "a", ")"), nested(":is(", "a", ")"), repeated(["div ", "div>", ".c", "#i", "[a]", '[a="b"]', "*", "\\", ":hover"]), repeated(["x"], '[data-x="', '"]')];
const soqlWhere = "SELECT Id, Name FROM Account WHERE ";
const adversarialSoql = [
  nested("(", "Name = 'a'", ")", soqlWhere),
  nested("NOT (", "Name = 'a'", ")", soqlWhere),
  repeated(["Name = 'a' OR ", "Name LIKE '%a%' AND ", "NOT Name = 'a' OR "], soqlWhere, "Name = 'b'"),
  repeated(["'a',", "'\\\\',"], `${soqlWhere}Name IN (`, "'z')"),
  repeated(["x", "%", "_", "\\'"], `${soqlWhere}Name LIKE '`, "'"),
  repeated(["Name, ", "Account.Name, ", "count(Id), "], "SELECT ", "Id FROM Contact"),
].map((a) => a.map((q) => q.slice(0, 3000)));
const segmentRule = `{"kind":"metadata","target":"account","group":"agent","key":"k","operator":"equals","value":"v"}`;
const adversarialSegments = [
  nested(`{"op":"and","rules":[`, segmentRule, "]}", `{"kind":"account","definition":`, "}"),
  repeated([`${segmentRule},`], `{"kind":"account","definition":{"op":"or","rules":[`, `${segmentRule}]}}`),
  nested("[", "1", "]", `{"kind":"account","definition":{"op":"or","rules":`, "}}"),
];
const adversarialCsv = [repeated(['x""', '"', "x"], 'accountId,name\na1,"', '"'), repeated([","], "accountId,name\na1,"), repeated(["a1,n\n", "a1,=1\n", "\r\n"], "accountId,name\n"), repeated(["x"], "accountId,")];
const adversarialHtml = [
  nested("<b>", "x", "</b>"),
  nested("<div><p>", "x", "</p></div>"),
  repeated(["<b>", "<a href='", "<!--", "<", "<p title=\"", "&#", "&amp;"]),
  repeated(["*", "**", "_", "`", "[", "](", "> ", "- "]),
  nested("[", "x", "](http://a)"),
  repeated(["x"], '<a href="', '">y</a>'),
];
const adversarialReports = [
  nested("[", "1", "]", `{"name":"r","range":{"last":7},"columns":`, "}"),
  repeated([`"agent.${"c".repeat(40)}",`, '"trackEvents.x",', '"custom.constructor",'], `{"name":"r","range":{"last":7},"columns":[`, '"minutes"]}'),
  repeated(["x"], `{"name":"`, `","range":{"last":7},"columns":["minutes"]}`),
];

export const TARGETS: FuzzTarget[] = [
  {
    name: "ingest batch (/data/ingest)",
    input: withAdversarial(jsonText(agentBatch), ...adversarialIngest),
    run: async ({ p }, body) => (await p.app.inject({ method: "POST", url: `/data/ingest?key=${TEST_APP_KEY}`, headers: { "content-type": "application/json" }, payload: body })).statusCode,
  },
  {
    name: "URL rules",
    input: withAdversarial(urlPair(textOf(urlPieces, 200), textOf(urlPieces, 200)), ...adversarialUrl),
    run: async (_s, input) => {
      const [rule, url] = JSON.parse(input) as [string, string];
      const parsed = parseUrlRule(rule);
      if (parsed.ok) matchUrl(parsed.value, url);
      return 200;
    },
  },
  {
    name: "feature selectors",
    input: withAdversarial(textOf(selectorPieces, 300), ...adversarialSelectors),
    run: async (_s, selector) => {
      const parsed = parseFeatureRule(selector);
      if (parsed.ok) matchElementChain(parsed.value, buildElementChain([{ tag: "span", text: "x" }, { tag: "button", id: "id", classes: ["cls"], attrs: { "data-x": "y", href: "http://a" } }, { tag: "div" }]));
      return 200;
    },
  },
  {
    name: "SOQL (/services/data/v62.0/query)",
    input: withAdversarial(textOf(soqlPieces, 150).map((s) => s.slice(0, 3000)), ...adversarialSoql),
    run: async ({ p, crmToken }, q) => (await p.app.inject({ method: "GET", url: `/services/data/v62.0/query?q=${encodeURIComponent(q)}`, headers: { authorization: `Bearer ${crmToken}` } })).statusCode,
  },
  {
    name: "segment definitions (/api/v1/segments/preview)",
    input: withAdversarial(jsonText(fc.record({ definition: group, kind: fc.constantFrom("account", "visitor") })), ...adversarialSegments),
    run: async ({ p }, body) => (await p.app.inject({ method: "POST", url: "/api/v1/segments/preview", headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" }, payload: body })).statusCode,
  },
  {
    name: "customer CSV import (/api/v1/success/customers/import)",
    input: withAdversarial(textOf(csvPieces, 400), ...adversarialCsv),
    run: async ({ p }, csv) => (await p.app.inject({ method: "POST", url: "/api/v1/success/customers/import", headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "text/csv" }, payload: csv || "x" })).statusCode,
  },
  {
    name: "guide sanitiser (HTML and Markdown)",
    input: withAdversarial(textOf(htmlPieces, 500), ...adversarialHtml),
    run: async (_s, content) => {
      renderContent(content, "html");
      renderContent(content, "markdown");
      return 200;
    },
  },
  {
    name: "report definitions (/api/v1/reports)",
    input: withAdversarial(jsonText(reportBody), ...adversarialReports),
    run: async ({ p }, body) => (await p.app.inject({ method: "POST", url: "/api/v1/reports", headers: { authorization: `Bearer ${TEST_TOKEN}`, "content-type": "application/json" }, payload: body })).statusCode,
  },
];

/** What a fuzz run of one target found. */
export type FuzzReport = {
  name: string;
  runs: number;
  failures: { input: string; problem: string }[];
  /** The slowest input of at most 4 KB whose run overlapped no garbage collection (wall clock). */
  slowest: { ms: number; bytes: number; input: string };
  /** The 99th percentile of the same measurements. */
  p99Ms: number;
  /** Inputs of at most 4 KB timed (each a fresh input, timed once), and how many were left out for a GC. */
  timed: number;
  gcExcluded: number;
  /**
   * The most CPU (this process, all its threads) one of those inputs used: unlike the wall clock,
   * not inflated when other processes share the machine's cores.
   */
  slowestCpuMs: number;
  /** The slowest 4 KB input counting those a GC overlapped, for comparison. */
  slowestWithGcMs: number;
  largestBytes: number;
};


/** A garbage collection seen by the PerformanceObserver: [start, end] on performance.now()'s clock. */
type GcSpan = [number, number];

/**
 * Runs `runs` seeded inputs of a target; records what failed (status 500 or an exception) and how
 * long each fresh input of at most 4 KB took. The figure is trustworthy only if every timed input is
 * new: running an input again hits caches (compiled rules, prepared statements, the SOQL plan) and
 * reports a cost no attacker pays, so no input is timed twice (repeats are run, not timed).
 *
 * Garbage collection lands on whichever input happens to run and says little about that input, so
 * runs that overlapped a GC (perf_hooks' 'gc' entries) are left out of the slowest figure; they are
 * counted, and the slowest including them is reported beside it. When the process runs with
 * --expose-gc (`npm run fuzz` does), a young-generation GC before each timed input makes such
 * overlaps rarer. A few hundred unmeasured inputs from another seed warm the code up first.
 */
export async function fuzzTarget(server: FuzzServer, target: FuzzTarget, runs: number, seed: number, warmup = Math.min(200, runs)): Promise<FuzzReport> {
  const report: FuzzReport = { name: target.name, runs: 0, failures: [], slowest: { ms: 0, bytes: 0, input: "" }, p99Ms: 0, slowestCpuMs: 0, timed: 0, gcExcluded: 0, slowestWithGcMs: 0, largestBytes: 0 };
  for (const input of fc.sample(target.input, { numRuns: warmup, seed: seed + 1_000_003 })) await target.run(server, input).catch(() => 0);
  const gcs: GcSpan[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push([e.startTime, e.startTime + e.duration]);
  });
  observer.observe({ entryTypes: ["gc"] });
  const collect = (globalThis as { gc?: (o?: { type: "minor" | "major"; execution: "sync" }) => void }).gc;
  // Generated a slice at a time, so a long run does not hold every input in memory at once.
  const SLICE = 250;
  const inputs = function* (): Generator<string> {
    for (let done = 0; done < runs; done += SLICE) yield* fc.sample(target.input, { numRuns: Math.min(SLICE, runs - done), seed: seed + done });
  };
  const seen = new Set<string>();
  // Every timed run: when it ran and how long it took; the inputs themselves only for the slowest.
  const timings: { from: number; to: number; cpuMs: number; bytes: number; input: string | undefined }[] = [];
  for (const input of inputs()) {
    report.runs++;
    const bytes = Buffer.byteLength(input);
    report.largestBytes = Math.max(report.largestBytes, bytes);
    const digest = createHash("sha1").update(input).digest("base64");
    const timed = bytes <= MEASURED_BYTES && !seen.has(digest);
    seen.add(digest);
    if (timed && collect) collect({ type: "minor", execution: "sync" });
    const cpu = process.cpuUsage();
    const from = performance.now();
    try {
      const status = await target.run(server, input);
      if (status >= 500) report.failures.push({ input, problem: `answered ${status}` });
    } catch (e) {
      report.failures.push({ input, problem: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
    }
    const to = performance.now();
    const used = process.cpuUsage(cpu);
    if (timed) timings.push({ from, to, cpuMs: (used.user + used.system) / 1000, bytes, input: to - from > 5 ? input : undefined });
  }
  // The observer hears of the last collections on a later turn of the event loop.
  await new Promise((resolve) => setTimeout(resolve, 20));
  observer.disconnect();
  gcs.sort((a, b) => a[0] - b[0]);
  const overlapsGc = (from: number, to: number): boolean => {
    // The last GC that started before `to`, and any earlier one still running at `from`.
    let lo = 0;
    let hi = gcs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((gcs[mid] as GcSpan)[0] < to) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo - 1; i >= 0 && i >= lo - 4; i--) if ((gcs[i] as GcSpan)[1] > from) return true;
    return false;
  };
  const clean: number[] = [];
  for (const t of timings) {
    const ms = t.to - t.from;
    report.slowestWithGcMs = Math.max(report.slowestWithGcMs, ms);
    if (overlapsGc(t.from, t.to)) {
      report.gcExcluded++;
      continue;
    }
    clean.push(ms);
    report.slowestCpuMs = Math.max(report.slowestCpuMs, t.cpuMs);
    if (ms > report.slowest.ms) {
      const input = t.input ?? "";
      report.slowest = { ms, bytes: t.bytes, input: input.length > 200 ? `${input.slice(0, 200)}…` : input };
    }
  }
  report.timed = timings.length;
  clean.sort((a, b) => a - b);
  report.p99Ms = clean[Math.min(clean.length - 1, Math.floor(clean.length * 0.99))] ?? 0;
  return report;
}
