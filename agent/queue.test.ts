import { describe, expect, it } from "vitest";
import { memoryStore } from "./memory-store.js";
import { createQueue, type Destination } from "./queue.js";
import type { AgentBatch, AgentEvent } from "./types.js";

type Reply = number | "offline" | "hang" | { status: number; retryAfter: string };

/** A queue wired to a scripted server, a manual clock and manual timers. */
function setup(replies: Reply[] = [], now = 1_000_000) {
  const posted: AgentBatch[] = [];
  const beaconed: AgentBatch[] = [];
  const warnings: string[] = [];
  const timers: { fn: () => void; ms: number; live: boolean }[] = [];
  const store = memoryStore();
  let ids = 0;
  let beaconAccepts = true;
  const queue = createQueue({
    fetch: async (_url, init) => {
      posted.push(JSON.parse(init.body as string) as AgentBatch);
      const reply = replies.shift() ?? 202;
      if (reply === "offline") throw new TypeError("Failed to fetch");
      if (reply === "hang") return new Promise<never>(() => undefined);
      if (typeof reply === "object") return { status: reply.status, headers: new Headers({ "retry-after": reply.retryAfter }) };
      return { status: reply };
    },
    beacon: (_url, body) => {
      if (beaconAccepts) void body.text().then((t) => beaconed.push(JSON.parse(t) as AgentBatch));
      return beaconAccepts;
    },
    store,
    timer: (fn, ms) => {
      const t = { fn, ms, live: true };
      timers.push(t);
      return () => void (t.live = false);
    },
    now: () => now,
    random: () => 1,
    newId: () => `b${++ids}`,
    online: () => true,
    warn: (m) => warnings.push(m),
  });
  const dest: Destination = { endpoint: "http://p/data/ingest?key=k", storePrefix: "q_k_", storeKey: "q_k_tab", visitor: { id: "v1" }, account: { id: "a1" } };
  /** Runs every live timer once, returning their delays. */
  const fire = async (): Promise<number[]> => {
    const due = timers.filter((t) => t.live);
    due.forEach((t) => (t.live = false));
    due.forEach((t) => t.fn());
    await new Promise((r) => setTimeout(r, 0));
    return due.map((t) => t.ms);
  };
  const event = (i = 0): AgentEvent => ({ type: "click", ts: 1_000_000 - i, url: "https://app.example/" });
  return { queue, dest, posted, beaconed, warnings, store, fire, event, refuseBeacons: () => void (beaconAccepts = false) };
}

describe("queue", () => {
  it("sends 50 events at once and a smaller buffer after the 2 s timer", async () => {
    const t = setup();
    t.queue.setDestination(t.dest);
    for (let i = 0; i < 53; i++) t.queue.add(t.event(i));
    await new Promise((r) => setTimeout(r, 0));
    expect(t.posted.map((b) => b.events.length)).toEqual([50]);
    expect(await t.fire()).toEqual([2000]);
    expect(t.posted.map((b) => b.events.length)).toEqual([50, 3]);
    expect(t.posted[1]).toMatchObject({ batchId: "b2", visitor: { id: "v1" }, account: { id: "a1" } });
  });

  it("holds events captured before initialize until a destination exists", async () => {
    const t = setup();
    t.queue.add(t.event());
    await t.fire();
    expect(t.posted).toHaveLength(0);
    t.queue.setDestination(t.dest);
    await t.queue.flush(true);
    expect(t.posted).toHaveLength(1);
  });

  it("retries network errors and 5xx with backoff under the same batchId, keeping an offline copy meanwhile", async () => {
    const t = setup(["offline", 503, 429]);
    t.queue.setDestination(t.dest);
    t.queue.add(t.event());
    await t.queue.flush(true);
    expect(JSON.parse(t.store.getItem("q_k_tab") ?? "[]")).toHaveLength(1);
    const delays = [...(await t.fire()), ...(await t.fire()), ...(await t.fire())];
    expect(delays).toEqual([1000, 2000, 4000]);
    expect(t.posted.map((b) => b.batchId)).toEqual(["b1", "b1", "b1", "b1"]);
    expect(t.queue.pending()).toHaveLength(0);
    expect(t.store.getItem("q_k_tab")).toBeNull();
  });

  it("waits at least the Retry-After of a busy server's 503, then sends the same batch", async () => {
    const t = setup([{ status: 503, retryAfter: "3" }, { status: 503, retryAfter: "1" }]);
    t.queue.setDestination(t.dest);
    t.queue.add(t.event());
    await t.queue.flush(true);
    // random() is 1 here: Retry-After 3 s becomes 4.5 s; then the 2 s backoff is longer than 1 s.
    expect([...(await t.fire()), ...(await t.fire())]).toEqual([4500, 2000]);
    expect(t.posted.map((b) => b.batchId)).toEqual(["b1", "b1", "b1"]);
    expect(t.queue.pending()).toHaveLength(0);
  });

  it("does not let a full buffer cut a backoff short, but an explicit flush does", async () => {
    const t = setup(["offline"]);
    t.queue.setDestination(t.dest);
    t.queue.add(t.event());
    await t.queue.flush(true);
    for (let i = 0; i < 50; i++) t.queue.add(t.event(i));
    await new Promise((r) => setTimeout(r, 0));
    expect(t.posted).toHaveLength(1);
    expect(t.queue.pending()).toHaveLength(2);
    await t.queue.flush(true);
    expect(t.posted.map((b) => b.batchId)).toEqual(["b1", "b1", "b2"]);
  });

  it("drops a batch the server refuses with 4xx and warns once", async () => {
    const t = setup([400, 401]);
    t.queue.setDestination(t.dest);
    t.queue.add(t.event());
    await t.queue.flush(true);
    t.queue.add(t.event());
    await t.queue.flush(true);
    expect(t.posted).toHaveLength(2);
    expect(t.queue.pending()).toHaveLength(0);
    expect(t.warnings).toHaveLength(1);
  });

  it("beacons on unload when healthy, and keeps batches in storage when the beacon is refused", async () => {
    const t = setup();
    t.queue.setDestination(t.dest);
    t.queue.add(t.event());
    t.queue.unload();
    await new Promise((r) => setTimeout(r, 0));
    expect(t.beaconed).toHaveLength(1);
    expect(t.store.getItem("q_k_tab")).toBeNull();
    t.refuseBeacons();
    t.queue.add(t.event());
    t.queue.unload();
    expect(JSON.parse(t.store.getItem("q_k_tab") ?? "[]")).toHaveLength(1);
  });

  it("keeps batches in storage instead of beaconing while offline, and sends them from the next page", async () => {
    const t = setup(["offline"]);
    t.queue.setDestination(t.dest);
    t.queue.add(t.event());
    await t.queue.flush(true);
    t.queue.add(t.event());
    t.queue.unload();
    expect(t.beaconed).toHaveLength(0);
    const stored = t.store.getItem("q_k_tab");
    expect(JSON.parse(stored ?? "[]")).toHaveLength(2);

    const next = setup();
    next.store.setItem("q_k_tab", stored ?? "");
    next.queue.setDestination(next.dest);
    await next.queue.flush(true);
    expect(next.posted.map((b) => b.batchId)).toEqual(["b1", "b2"]);
    expect(next.store.getItem("q_k_tab")).toBeNull();
  });

  it("splits batches that would exceed the 64 KiB keepalive limit", async () => {
    const t = setup();
    t.queue.setDestination(t.dest);
    const big = (i: number): AgentEvent => ({ ...t.event(i), type: "track", name: "big", props: { blob: "x".repeat(5000) } });
    for (let i = 0; i < 30; i++) t.queue.add(big(i));
    await t.queue.flush(true);
    expect(t.posted.length).toBeGreaterThan(2);
    expect(t.posted.reduce((n, b) => n + b.events.length, 0)).toBe(30);
    for (const b of t.posted) expect(JSON.stringify(b).length).toBeLessThanOrEqual(60_000);
  });

  it("leaves out events the server would refuse as too old instead of losing the whole batch", async () => {
    const now = 30 * 86_400_000;
    const t = setup([], now);
    const at = (ts: number): AgentEvent => ({ type: "focus", ts, url: "https://app.example/" });
    const stale = now - 7 * 86_400_000;
    t.store.setItem("q_k_old", JSON.stringify([
      { batchId: "mixed", visitor: { id: "v" }, events: [at(stale), at(now - 1000)] },
      { batchId: "gone", visitor: { id: "v" }, events: [at(stale)] },
    ]));
    t.queue.setDestination(t.dest);
    await t.queue.flush(true);
    expect(t.posted.map((b) => [b.batchId, b.events.length])).toEqual([["mixed", 1]]);
    expect(t.queue.pending()).toHaveLength(0);
  });

  it("keeps batches stored rather than beaconed when the page hides during a retry attempt", async () => {
    const t = setup(["offline", "hang"]);
    t.queue.setDestination(t.dest);
    t.queue.add(t.event());
    await t.queue.flush(true);
    void t.queue.flush(true); // the retry is now in flight, with no backoff timer pending
    t.queue.add(t.event());
    t.queue.unload();
    await new Promise((r) => setTimeout(r, 0));
    expect(t.beaconed).toHaveLength(0);
    expect(JSON.parse(t.store.getItem("q_k_tab") ?? "[]")).toHaveLength(2);
  });
});
