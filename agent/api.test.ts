import { describe, expect, it } from "vitest";
import { createAgent } from "./api.js";
import { createQueue } from "./queue.js";
import type { AgentBatch, EventType } from "./types.js";

/** An agent over a real queue whose server accepts everything; capture is driven by hand. */
function setup() {
  const posted: AgentBatch[] = [];
  const posts: string[] = [];
  const warnings: string[] = [];
  let capture: ((type: "load" | "click" | "focus") => void) | undefined;
  let ids = 0;
  const queue = createQueue({
    fetch: async (url, init) => {
      posts.push(url);
      posted.push(JSON.parse(init.body as string) as AgentBatch);
      return { status: 200 };
    },
    timer: () => () => undefined,
    now: () => 0,
    random: () => 0.5,
    newId: () => `b${++ids}`,
    online: () => true,
    warn: (m) => warnings.push(m),
  });
  const agent = createAgent({
    queue,
    warn: (m) => warnings.push(m),
    event: (type: EventType) => ({ type, ts: 1, url: "https://app.example/" }),
    capture: (report) => void (capture = report),
    defaultHost: () => "https://pendulum.example",
    anonymousId: () => "anon-1",
    tab: "t1",
  });
  return { agent, posted, posts, warnings, click: () => capture?.("click") };
}

const summary = (b: AgentBatch) => [b.visitor.id, b.account?.id, b.events.map((e) => e.name ?? e.type).join(",")];

describe("agent API", () => {
  it("sends to host/data/ingest with the key, and starts with a page load", async () => {
    const t = setup();
    t.agent.initialize({ apiKey: "k 1", host: "https://p.example/", visitor: { id: "v" } });
    await t.agent.flush();
    expect(t.posts).toEqual(["https://p.example/data/ingest?key=k%201"]);
    expect(t.posted.map(summary)).toEqual([["v", undefined, "load"]]);
  });

  it("keeps track calls made before initialize and sends them once identified", async () => {
    const t = setup();
    t.agent.track("early");
    await t.agent.flush();
    expect(t.posted).toHaveLength(0);
    t.agent.initialize({ apiKey: "k", visitor: { id: "v" }, account: { id: "a" } });
    await t.agent.flush();
    expect(t.posted.map(summary)).toEqual([["v", "a", "early,load"]]);
  });

  it("sends events captured before identify under the old visitor and later ones under the new", async () => {
    const t = setup();
    t.agent.initialize({ apiKey: "k", visitor: { id: "anon" }, account: { id: "a" } });
    t.click();
    t.agent.identify({ visitor: { id: "u1", role: "admin" } });
    t.click();
    t.agent.identify({ account: { id: "b" } });
    t.agent.track("after");
    await t.agent.flush();
    expect(t.posted.map(summary)).toEqual([
      ["anon", "a", "load,click"],
      ["u1", "a", "click"],
      ["u1", "b", "after"],
    ]);
    expect(t.posted[1]?.visitor).toEqual({ id: "u1", role: "admin" });
  });

  it("merges metadata with updateOptions without splitting the batch", async () => {
    const t = setup();
    t.agent.initialize({ apiKey: "k", visitor: { id: "v", plan: "free", seats: 1 }, account: { id: "a" } });
    t.agent.updateOptions({ visitor: { plan: "pro" }, account: { arr: 1200 } });
    await t.agent.flush();
    expect(t.posted).toHaveLength(1);
    expect(t.posted[0]?.visitor).toEqual({ id: "v", plan: "pro", seats: 1 });
    expect(t.posted[0]?.account).toEqual({ id: "a", arr: 1200 });
  });

  it("uses an anonymous visitor when none is given, and refuses to start without an apiKey", async () => {
    const t = setup();
    t.agent.initialize({ apiKey: "" });
    await t.agent.flush();
    expect(t.posted).toHaveLength(0);
    expect(t.warnings).toContain("initialize needs an apiKey");
    t.agent.initialize({ apiKey: "k" });
    await t.agent.flush();
    expect(t.posted.map(summary)).toEqual([["anon-1", undefined, "load"]]);
    expect(t.posts[0]).toBe("https://pendulum.example/data/ingest?key=k");
  });
});
