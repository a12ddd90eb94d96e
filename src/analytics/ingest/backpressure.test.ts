import { afterAll, beforeAll, describe, expect, it } from "vitest";
import diagnostics from "node:diagnostics_channel";
import { startTestPendulum, TEST_APP_KEY, TEST_TRACK_SECRET, type TestPendulum } from "../../../test/harness.js";

// A backlog bound of one byte and a flush interval of a minute: after one accepted batch the
// flusher holds a backlog until the test flushes it, so the next batch meets the bound.
let p: TestPendulum;
let appId: string;
beforeAll(async () => {
  p = await startTestPendulum({ env: { PENDULUM_INGEST_MAX_BACKLOG: "1", PENDULUM_FLUSH_INTERVAL_MS: "60000" } });
  appId = p.modules.analytics.apps.list()[0]?.id as string;
});
afterAll(async () => {
  await p.close();
});

const batch = (batchId: string, visitor: string) => ({
  batchId,
  visitor: { id: visitor },
  account: { id: "acct-bp" },
  events: [
    { type: "load", ts: Date.now() - 1000, url: "https://app.example.com/home", title: "Home", tab: "t1" },
    { type: "focus", ts: Date.now() - 500, url: "https://app.example.com/home", tab: "t1" },
    { type: "track", ts: Date.now() - 100, url: "https://app.example.com/home", name: "Saved", props: { n: 1 } },
  ],
});
const ingest = (body: unknown) => fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "text/plain", origin: "https://app.example.com" }, body: JSON.stringify(body) });
const track = (visitorId: string) =>
  fetch(`${p.url}/data/track`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-pendulum-track-secret": TEST_TRACK_SECRET },
    body: JSON.stringify({ type: "track", event: "Invoice Paid", visitorId, accountId: "acct-bp", timestamp: Date.now() }),
  });

describe("ingest backpressure", () => {
  it("refuses batches with 503 and Retry-After while the backlog is over its bound, then stores every acknowledged event once", async () => {
    const a = p.modules.analytics;
    expect((await ingest(batch("bp-1", "vis-bp-1"))).status).toBe(200);
    expect(a.flusher.backlogBytes()).toBeGreaterThan(1);

    const refused = await ingest(batch("bp-2", "vis-bp-2"));
    expect(refused.status).toBe(503);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("access-control-expose-headers")).toContain("retry-after");
    const body = (await refused.json()) as Record<string, unknown>;
    expect(body["code"]).toBe("INGEST_BUSY");
    expect(body["message"]).toMatch(/send it again/);
    expect(body["field"]).toBeUndefined();

    const refusedTrack = await track("srv-bp");
    expect(refusedTrack.status).toBe(503);
    expect(refusedTrack.headers.get("retry-after")).toBe("1");
    expect(((await refusedTrack.json()) as { code: string }).code).toBe("INGEST_BUSY");

    // Nothing refused reached the log: only the first batch is waiting.
    expect(a.flusher.queued()).toBe(3);

    // The event store catches up; the same batch (same batchId) and the track call now go through.
    await a.flusher.flushNow();
    expect(a.flusher.backlogBytes()).toBe(0);
    const retried = await ingest(batch("bp-2", "vis-bp-2"));
    expect(retried.status).toBe(200);
    expect(await retried.json()).toEqual({ accepted: 3 });
    await a.flusher.flushNow();
    expect((await track("srv-bp")).status).toBe(200);
    // A repeat of an acknowledged batch is refused like any other while the bound is passed (the
    // check comes before the body is read), then answered as a duplicate without storing it again.
    expect((await ingest(batch("bp-1", "vis-bp-1"))).status).toBe(503);
    await a.flusher.flushNow();
    expect((await ingest(batch("bp-1", "vis-bp-1"))).status).toBe(200);

    await a.settle();
    expect(a.flusher.backlogBytes()).toBe(0);
    expect(await p.events.events({ appId, visitorId: "vis-bp-1" })).toHaveLength(3);
    expect(await p.events.events({ appId, visitorId: "vis-bp-2" })).toHaveLength(3);
    expect(await p.events.events({ appId, visitorId: "srv-bp" })).toHaveLength(1);
    const ids = (await p.events.events({ appId })).map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(7);
  });
});

describe("ingest backpressure on batches in flight", () => {
  // A bound of 2,000 bytes: one batch of a few KB goes in alone, but while it is validated, its
  // body counts against the bound, so a second batch arriving meanwhile is refused.
  let q: TestPendulum;
  beforeAll(async () => {
    q = await startTestPendulum({ env: { PENDULUM_INGEST_MAX_BACKLOG: "2000", PENDULUM_FLUSH_INTERVAL_MS: "60000" } });
  });
  afterAll(async () => {
    await q.close();
  });

  it("counts a batch's body from admission until it is logged, never refusing a batch for its own bytes", async () => {
    const a = q.modules.analytics;
    const body = JSON.stringify({
      batchId: "inflight-1",
      visitor: { id: "vis-inflight" },
      events: Array.from({ length: 40 }, (_, i) => ({ type: "load", ts: Date.now() - 1000 + i, url: `https://app.example.com/page/${i}`, title: "Page", tab: "t1" })),
    });
    expect(body.length).toBeGreaterThan(2000);
    const seen: { inFlight: number; refused: string | undefined }[] = [];
    const onValidated = (): void => {
      let refused: string | undefined;
      try {
        a.ingest.admit();
      } catch (e) {
        refused = (e as { code?: string }).code;
      }
      seen.push({ inFlight: a.ingest.inFlightBytes(), refused });
    };
    diagnostics.subscribe("pendulum.ingest.agent-batch-validated", onValidated);
    try {
      const r = await fetch(`${q.url}/data/ingest?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "text/plain" }, body });
      expect(r.status).toBe(200);
    } finally {
      diagnostics.unsubscribe("pendulum.ingest.agent-batch-validated", onValidated);
    }
    // While it was validated, its body was in flight and a newcomer would have been refused.
    expect(seen).toEqual([{ inFlight: Buffer.byteLength(body), refused: "INGEST_BUSY" }]);
    // Logged: no longer in flight (the backlog now holds it until the flusher stores it).
    expect(a.ingest.inFlightBytes()).toBe(0);
    await a.flusher.flushNow();
    expect(() => a.ingest.admit()).not.toThrow();
  });
});
