import { describe, expect, it } from "vitest";
import { createKeyIndex, dayOf, DAY_MS, fingerprint } from "./key-index.js";

describe("fingerprint", () => {
  it("depends on the app and the key, and is never the empty marker", () => {
    const a = fingerprint("app1", "b:1");
    expect(fingerprint("app1", "b:1")).toEqual(a);
    expect(fingerprint("app2", "b:1")).not.toEqual(a);
    expect(fingerprint("app1", "m:1")).not.toEqual(a);
    const fps = Array.from({ length: 50_000 }, (_, i) => fingerprint("app", `b:${i}`));
    expect(fps.filter((fp) => fp.lo === 0 && fp.hi === 0)).toEqual([]);
    expect(new Set(fps.map((fp) => `${fp.hi}:${fp.lo}`)).size).toBe(50_000);
  });
});

describe("key index", () => {
  const today = dayOf(Date.UTC(2026, 0, 10));

  it("answers for keys of open and sealed days alike, and for nothing else", () => {
    const index = createKeyIndex({ windowDays: 8, today });
    const keys = Array.from({ length: 5000 }, (_, i) => fingerprint("app", `b:${i}`));
    // Three days of keys, loaded out of order as key files and log records come in at start-up.
    keys.forEach((fp, i) => index.add(fp, today - (i % 3)));
    const check = (): void => {
      for (const fp of keys) expect(index.has(fp)).toBe(true);
      for (let i = 5000; i < 10_000; i++) expect(index.has(fingerprint("app", `b:${i}`))).toBe(false);
    };
    check();
    index.seal();
    check();
    const stats = index.stats();
    expect(stats.keys).toBe(5000);
    expect(stats.days).toBe(3);
  });

  it("keeps a key at least the window's whole days, then forgets it a day at a time", () => {
    const index = createKeyIndex({ windowDays: 8, today });
    const old = fingerprint("app", "b:old");
    const newer = fingerprint("app", "b:newer");
    index.add(old, today);
    index.add(newer, today + 1);
    index.advance(today + 8);
    expect(index.has(old)).toBe(true);
    index.advance(today + 9);
    expect(index.has(old)).toBe(false);
    expect(index.has(newer)).toBe(true);
    index.advance(today + 10);
    expect(index.has(newer)).toBe(false);
    expect(index.stats()).toEqual({ keys: 0, bytes: 0, days: 0 });
  });

  it("files a key for a sealed day under today, and drops a key already past the window", () => {
    const index = createKeyIndex({ windowDays: 8, today });
    index.add(fingerprint("app", "b:1"), today - 1);
    index.advance(today + 1);
    const late = fingerprint("app", "b:late");
    index.add(late, today - 1);
    expect(index.has(late)).toBe(true);
    // Remembered from today + 1, so still there when its own day has left the window.
    index.advance(today - 1 + 9);
    expect(index.has(late)).toBe(true);
    index.add(fingerprint("app", "b:ancient"), today - 30);
    expect(index.has(fingerprint("app", "b:ancient"))).toBe(false);
  });

  it("holds a sealed day in about 8.5 bytes a key", () => {
    const index = createKeyIndex({ windowDays: 8, today });
    for (let i = 0; i < 100_000; i++) index.add(fingerprint("app", `b:${i}`), today - 1);
    const open = index.stats();
    index.seal();
    const sealed = index.stats();
    expect(sealed.keys).toBe(100_000);
    // 8 bytes a key plus a directory of one 4-byte start per 8 keys or fewer.
    expect(sealed.bytes).toBeGreaterThanOrEqual(800_000);
    expect(sealed.bytes).toBeLessThanOrEqual(800_000 + 4 * (2 ** 14 + 1));
    expect(open.bytes).toBeGreaterThanOrEqual(1_600_000);
    expect(DAY_MS).toBe(86_400_000);
  });
});
