import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, TEST_APP_KEY, TEST_TRACK_SECRET, type TestPendulum } from "../../../test/harness.js";

let p: TestPendulum;
let appId: string;
beforeAll(async () => {
  p = await startTestPendulum();
  appId = p.modules.analytics.apps.list()[0]?.id as string;
});
afterAll(async () => {
  await p.close();
});

const now = () => Date.now();
const batch = (over: Record<string, unknown> = {}) => ({
  visitor: { id: "vis-1", email: "ada@example.com", role: "admin" },
  account: { id: "acct-1", plan: "pro" },
  events: [
    { type: "load", ts: now() - 1000, url: "https://app.example.com/home?tab=1", title: "Home", tab: "t1" },
    { type: "click", ts: now() - 500, url: "https://app.example.com/home", tab: "t1", element: [{ tag: "SPAN", text: "Save" }, { tag: "button", id: "save", classes: ["btn"] }] },
    { type: "track", ts: now() - 100, url: "https://app.example.com/home", name: "Report Exported", props: { format: "csv" } },
  ],
  ...over,
});
const post = (body: unknown, init: { key?: string; headers?: Record<string, string>; raw?: string | Buffer } = {}) =>
  fetch(`${p.url}/data/ingest${init.key === undefined ? `?key=${TEST_APP_KEY}` : init.key ? `?key=${init.key}` : ""}`, {
    method: "POST",
    headers: { "content-type": "text/plain", ...init.headers },
    body: typeof init.raw === "string" || init.raw === undefined ? (init.raw ?? JSON.stringify(body)) : new Uint8Array(init.raw),
  });

describe("POST /data/ingest", () => {
  it("stores every event of an accepted batch with its visitor, account, URL and element path", async () => {
    const res = await post(batch());
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 3 });
    await p.modules.analytics.settle();
    const events = await p.events.events({ appId, visitorId: "vis-1" });
    expect(events.map((e) => e.type)).toEqual(["load", "click", "track"]);
    expect(events.every((e) => e.accountId === "acct-1")).toBe(true);
    const urls = new Map((await p.events.dictionary("urls")).map((d) => [d.id, d.value]));
    const elements = new Map((await p.events.dictionary("elements")).map((d) => [d.id, d.value]));
    expect(urls.get(events[0]?.urlId as number)).toBe("https://app.example.com/home?tab=1");
    expect(JSON.parse(elements.get(events[1]?.elementId as number) as string)).toEqual([{ tag: "span", text: "Save" }, { tag: "button", id: "save", classes: ["btn"] }]);
    expect(events[2]?.name).toBe("Report Exported");
    expect(JSON.parse(events[2]?.props as string)).toEqual({ format: "csv" });
    const visitor = await (await p.api("/api/v1/visitors/vis-1")).json();
    expect(visitor.metadata.agent).toEqual({ email: "ada@example.com", role: "admin" });
    expect(visitor.accounts).toEqual(["acct-1"]);
  });

  it("accepts gzip and answers CORS preflight", async () => {
    const body = zlib.gzipSync(JSON.stringify(batch({ visitor: { id: "vis-gz" } })));
    const res = await post(null, { raw: body, headers: { "content-encoding": "gzip", "content-type": "application/json" } });
    expect(res.status).toBe(200);
    const pre = await fetch(`${p.url}/data/ingest`, { method: "OPTIONS", headers: { origin: "https://app.example.com", "access-control-request-method": "POST" } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
  });

  it("stores a retried batch once (same batchId) and answers the repeat as a duplicate", async () => {
    const b = batch({ batchId: "retry-1", visitor: { id: "vis-retry" } });
    const first = await post(b);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ accepted: 3 });
    const again = await post(b);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ accepted: 3, duplicate: true });
    await p.modules.analytics.settle();
    expect(await p.events.events({ appId, visitorId: "vis-retry" })).toHaveLength(3);
  });

  it.each([
    ["malformed JSON", { raw: "{nope" }, 400, "MALFORMED_JSON", undefined],
    ["a wrong key", { key: "pk_wrong" }, 403, "INVALID_APP_KEY", "key"],
    ["no key", { key: "" }, 401, "APP_KEY_REQUIRED", "key"],
    ["a missing visitor id", { body: { visitor: {}, events: batch().events } }, 400, "INVALID_INPUT", "visitor.id"],
    ["a 6 MB body", { raw: JSON.stringify({ ...batch(), pad: "x".repeat(6 * 1024 * 1024) }) }, 413, "BODY_TOO_LARGE", undefined],
    ["a bad property name", { body: batch({ events: [{ type: "track", ts: now(), url: "https://a/", name: "x", props: { "bad-name": 1 } }] }) }, 400, "INVALID_PROPERTY_NAME", "events[0].props.bad-name"],
    ["a timestamp older than 7 days", { body: batch({ events: [batch().events[0], { type: "load", ts: now() - 8 * 86_400_000, url: "https://a/" }] }) }, 400, "EVENT_TOO_OLD", "events[1].ts"],
    ["a bad metadata key", { body: batch({ visitor: { id: "v", "1st": "x" } }) }, 400, "INVALID_METADATA_KEY", "visitor.1st"],
    ["a visitor id over 128 bytes", { body: batch({ visitor: { id: "é".repeat(65) } }) }, 400, "ID_TOO_LONG", "visitor.id"],
    ["properties over 512 bytes", { body: batch({ events: [{ type: "track", ts: now(), url: "https://a/", name: "x", props: { p: "y".repeat(600) } }] }) }, 400, "PROPERTIES_TOO_LARGE", "events[0].props"],
    ["a click without element", { body: batch({ events: [{ type: "click", ts: now(), url: "https://a/" }] }) }, 400, "ELEMENT_REQUIRED", "events[0].element"],
    ["an unknown event type", { body: batch({ events: [{ type: "hover", ts: now(), url: "https://a/" }] }) }, 400, "INVALID_INPUT", "events[0].type"],
  ])("refuses %s with a code, a message and the field; nothing is stored", async (_name, input, status, code, field) => {
    const before = await p.events.count();
    const i = input as { raw?: string; key?: string; body?: unknown };
    const res = await post(i.body ?? batch({ visitor: { id: "vis-bad" } }), { ...(i.raw !== undefined ? { raw: i.raw } : {}), ...(i.key !== undefined ? { key: i.key } : {}) });
    expect(res.status).toBe(status);
    const body = await res.json();
    expect(body.code).toBe(code);
    expect(typeof body.message).toBe("string");
    expect(body.message.length).toBeGreaterThan(5);
    if (field) expect(body.field).toBe(field);
    await p.modules.analytics.settle();
    expect(await p.events.count()).toBe(before);
  });
});

describe("POST /data/track", () => {
  const track = (over: Record<string, unknown> = {}) => ({ type: "track", event: "Invoice Paid", visitorId: "srv-1", accountId: "acct-9", timestamp: now(), properties: { amount: 12 }, context: { ip: "10.0.0.1", userAgent: "curl", url: "https://app.example.com/billing" }, ...over });
  const send = (body: unknown, secret = TEST_TRACK_SECRET) => fetch(`${p.url}/data/track`, { method: "POST", headers: { "content-type": "application/json", "x-pendulum-track-secret": secret }, body: JSON.stringify(body) });

  it("stores a server-side track event for the visitor and account", async () => {
    const res = await send([track(), track({ event: "Invoice Sent" })]);
    expect(res.status).toBe(200);
    await p.modules.analytics.settle();
    const events = await p.events.events({ appId, visitorId: "srv-1" });
    expect(events.map((e) => [e.type, e.name, e.accountId])).toEqual([
      ["track", "Invoice Paid", "acct-9"],
      ["track", "Invoice Sent", "acct-9"],
    ]);
  });

  it("refuses a wrong secret and a missing one", async () => {
    expect((await send(track(), "ts_wrong_secret_value_000000")).status).toBe(403);
    const res = await fetch(`${p.url}/data/track`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(track()) });
    expect(res.status).toBe(401);
    expect((await res.json()).field).toBe("x-pendulum-track-secret");
  });

  it("stores each event once per messageId: a repeat is a duplicate, a partly repeated array stores the rest", async () => {
    const ids = ["msg-1", "msg-2", "msg-3"];
    const events = ids.map((messageId, i) => track({ visitorId: `srv-msg-${i % 2}`, messageId, properties: { n: i } }));
    const first = await send(events.slice(0, 2));
    expect(await first.json()).toEqual({ accepted: 2 });
    expect(await (await send(events[0])).json()).toEqual({ accepted: 1, duplicate: true });
    // msg-3 is new, msg-1 and msg-2 are repeats, and msg-3 twice in one call is stored once.
    expect(await (await send([...events, events[2]])).json()).toEqual({ accepted: 4, duplicates: 3 });
    await p.modules.analytics.settle();
    const stored = [...(await p.events.events({ appId, visitorId: "srv-msg-0" })), ...(await p.events.events({ appId, visitorId: "srv-msg-1" }))];
    expect(stored.map((e) => JSON.parse(e.props as string).n).sort()).toEqual([0, 1, 2]);
  });

  it("stores a call once per Idempotency-Key and refuses a blank or overlong key", async () => {
    const withKey = (body: unknown, key: string) =>
      fetch(`${p.url}/data/track`, { method: "POST", headers: { "content-type": "application/json", "x-pendulum-track-secret": TEST_TRACK_SECRET, "idempotency-key": key }, body: JSON.stringify(body) });
    const body = [track({ visitorId: "srv-key-a" }), track({ visitorId: "srv-key-b" }), track({ visitorId: "srv-key-a" })];
    expect(await (await withKey(body, "call-1")).json()).toEqual({ accepted: 3 });
    expect(await (await withKey(body, "call-1")).json()).toEqual({ accepted: 3, duplicate: true });
    expect(await (await withKey(body, "call-2")).json()).toEqual({ accepted: 3 });
    for (const key of [" ", "k".repeat(256)]) {
      const bad = await withKey(body, key);
      expect(bad.status).toBe(400);
      expect(await bad.json()).toMatchObject({ code: "INVALID_IDEMPOTENCY_KEY", field: "idempotency-key" });
    }
    await p.modules.analytics.settle();
    expect(await p.events.events({ appId, visitorId: "srv-key-a" })).toHaveLength(4);
    expect(await p.events.events({ appId, visitorId: "srv-key-b" })).toHaveLength(2);
    const pre = await fetch(`${p.url}/data/track`, { method: "OPTIONS", headers: { origin: "https://app.example.com", "access-control-request-method": "POST" } });
    expect(pre.headers.get("access-control-allow-headers")).toContain("idempotency-key");
  });

  it("refuses an event without a visitor", async () => {
    const { visitorId: _v, ...rest } = track();
    const res = await send(rest);
    expect(res.status).toBe(400);
  });
});

describe("metadata and import", () => {
  it("sets custom metadata on a known account and refuses the read-only groups", async () => {
    await post(batch({ account: { id: "acct-meta" }, visitor: { id: "vis-meta" } }));
    await p.modules.analytics.settle();
    const put = await p.api("/api/v1/accounts/acct-meta/metadata/custom", { method: "PUT", body: JSON.stringify({ tier: "gold", seats: 40 }) });
    expect(put.status).toBe(200);
    expect((await put.json()).metadata.custom).toEqual({ tier: "gold", seats: 40 });
    const bad = await p.api("/api/v1/accounts/acct-meta/metadata/custom", { method: "PUT", body: JSON.stringify({ "no-dash": 1 }) });
    expect(bad.status).toBe(400);
    const crm = await p.api("/api/v1/accounts/acct-meta/metadata/crm", { method: "PUT", body: JSON.stringify({ x: 1 }) });
    expect(crm.status).toBe(403);
    const missing = await p.api("/api/v1/accounts/nobody/metadata/custom", { method: "PUT", body: JSON.stringify({ x: 1 }) });
    expect(missing.status).toBe(404);
  });

  it("searches accounts and visitors by id and metadata values on the server, with LIKE's wildcards taken literally", async () => {
    await post(batch({ account: { id: "Search-Co_1", plan: "Enterprise 50%" }, visitor: { id: "vis-search", email: "grace@hopper.example" } }));
    await post(batch({ account: { id: "searchXco-2", plan: "starter" }, visitor: { id: "vis-search-2" } }));
    await p.modules.analytics.settle();
    await p.api("/api/v1/accounts/searchXco-2/metadata/custom", { method: "PUT", body: JSON.stringify({ owner: "Linus" }) });
    const ids = async (path: string): Promise<{ total: number; ids: string[] }> => {
      const body = (await (await p.api(path)).json()) as { total: number; accounts?: { id: string }[]; visitors?: { id: string }[] };
      return { total: body.total, ids: (body.accounts ?? body.visitors ?? []).map((e) => e.id) };
    };
    expect(await ids("/api/v1/accounts?q=SEARCH")).toEqual({ total: 2, ids: ["Search-Co_1", "searchXco-2"] });
    expect(await ids("/api/v1/accounts?q=co_")).toEqual({ total: 1, ids: ["Search-Co_1"] }); // "_" is not a wildcard
    expect(await ids("/api/v1/accounts?q=50%25")).toEqual({ total: 1, ids: ["Search-Co_1"] }); // agent value
    expect(await ids("/api/v1/accounts?q=linus")).toEqual({ total: 1, ids: ["searchXco-2"] }); // custom value
    expect(await ids("/api/v1/accounts?q=plan")).toEqual({ total: 0, ids: [] }); // keys are not searched
    expect(await ids("/api/v1/accounts?q=search&limit=1&offset=1")).toEqual({ total: 2, ids: ["searchXco-2"] });
    expect(await ids("/api/v1/visitors?q=hopper")).toEqual({ total: 1, ids: ["vis-search"] });
    const tooLong = await p.api(`/api/v1/accounts?q=${"x".repeat(129)}`);
    expect(tooLong.status).toBe(400);
  });

  it("imports history older than 7 days and points at the bad line", async () => {
    const old = now() - 60 * 86_400_000;
    const ok = await p.api("/api/v1/import", {
      method: "POST",
      body: JSON.stringify({ events: [{ type: "load", timestamp: old, visitorId: "hist-1", accountId: "acct-h", url: "https://app.example.com/a" }, { type: "track", timestamp: old + 1, visitorId: "hist-1", accountId: "acct-h", event: "Legacy" }] }),
    });
    expect(ok.status).toBe(200);
    expect(await p.events.events({ appId, visitorId: "hist-1" })).toHaveLength(2);
    const bad = await p.api("/api/v1/import", {
      method: "POST",
      body: JSON.stringify({ events: [{ type: "load", timestamp: old, visitorId: "h2", url: "https://a/" }, { type: "load", timestamp: old, visitorId: "h3", accountId: "x" }] }),
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).field).toBe("events[1].url");
  });

  it("imports once per Idempotency-Key and per messageId", async () => {
    const old = now() - 30 * 86_400_000;
    const events = [
      { type: "load", timestamp: old, visitorId: "hist-once", url: "https://app.example.com/a", messageId: "line-1" },
      { type: "track", timestamp: old + 1, visitorId: "hist-once", event: "Legacy", messageId: "line-2" },
    ];
    const importing = (body: unknown, key?: string) => p.api("/api/v1/import", { method: "POST", body: JSON.stringify(body), ...(key ? { headers: { "idempotency-key": key } } : {}) });
    expect(await (await importing({ events }, "file-a")).json()).toEqual({ accepted: 2 });
    expect(await (await importing({ events }, "file-a")).json()).toEqual({ accepted: 2, duplicate: true });
    // Another key, the same lines: their message ids still make them repeats.
    expect(await (await importing({ events: [...events, { ...events[1], messageId: "line-3" }] }, "file-b")).json()).toEqual({ accepted: 3, duplicates: 2 });
    expect(await p.events.events({ appId, visitorId: "hist-once" })).toHaveLength(3);
  });

  it("needs a token for the API and the admin role for changes", async () => {
    expect((await fetch(`${p.url}/api/v1/apps`)).status).toBe(401);
    const viewer = await (await p.api("/api/v1/tokens", { method: "POST", body: JSON.stringify({ name: "ro", role: "viewer" }) })).json();
    const asViewer = (path: string, init: RequestInit = {}) => fetch(`${p.url}${path}`, { ...init, headers: { authorization: `Bearer ${viewer.token}`, "content-type": "application/json" } });
    expect((await asViewer("/api/v1/apps")).status).toBe(200);
    expect((await asViewer("/api/v1/apps", { method: "POST", body: JSON.stringify({ name: "x" }) })).status).toBe(403);
  });
});
