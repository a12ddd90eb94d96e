import { describe, expect, it } from "vitest";
import { OFFLINE_MAX_AGE_MS } from "./limits.js";
import { adopt, bound, save } from "./offline.js";
import type { AgentBatch } from "./types.js";
import { memoryStore } from "./memory-store.js";

const batch = (id: string, events: number, ts: number): AgentBatch => ({
  batchId: id,
  visitor: { id: "v" },
  events: Array.from({ length: events }, () => ({ type: "focus" as const, ts, url: "https://app.example/" })),
});

describe("bound", () => {
  it("keeps the newest 500 events and nothing older than 7 days", () => {
    const now = 10 * OFFLINE_MAX_AGE_MS;
    const old = batch("old", 1, now - OFFLINE_MAX_AGE_MS - 1);
    const full = Array.from({ length: 11 }, (_, i) => batch(`b${i}`, 50, now - 1000 + i));
    const kept = bound([old, ...full], now);
    expect(kept.map((b) => b.batchId)).toEqual(full.slice(1).map((b) => b.batchId));
  });
});

describe("save and adopt", () => {
  it("round-trips batches, clears the keys it took, and ignores other apps and corrupt entries", () => {
    const store = memoryStore();
    save(store, "pendulum_outbox_k1_tabA", [batch("a", 2, 1)]);
    save(store, "pendulum_outbox_k1_tabB", [batch("b", 1, 1)]);
    save(store, "pendulum_outbox_k2_tabA", [batch("c", 1, 1)]);
    store.setItem("pendulum_outbox_k1_tabC", JSON.stringify([{ nonsense: true }]));
    const adopted = adopt(store, "pendulum_outbox_k1_");
    expect(adopted.map((b) => b.batchId).sort()).toEqual(["a", "b"]);
    expect([...store.map.keys()]).toEqual(["pendulum_outbox_k2_tabA"]);
  });

  it("removes the key when nothing is left and survives a full storage", () => {
    const store = memoryStore();
    save(store, "k", [batch("a", 1, 1)]);
    save(store, "k", []);
    expect(store.map.size).toBe(0);
    const full = { ...memoryStore(), setItem: () => { throw new Error("QuotaExceededError"); } };
    expect(() => save(full, "k", [batch("a", 1, 1)])).not.toThrow();
  });
});
