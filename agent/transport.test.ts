import { describe, expect, it } from "vitest";
import { beacon, outcomeOf, post, retryDelay } from "./transport.js";

describe("outcomeOf", () => {
  it("retries server errors, throttling and timeouts; drops other client errors", () => {
    expect([200, 202, 204].map(outcomeOf)).toEqual(["sent", "sent", "sent"]);
    expect([500, 502, 503, 429, 408].map(outcomeOf)).toEqual(["retry", "retry", "retry", "retry", "retry"]);
    expect([400, 401, 403, 404, 413].map(outcomeOf)).toEqual(["drop", "drop", "drop", "drop", "drop"]);
  });
});

describe("post", () => {
  it("sends a keepalive text/plain POST and treats a thrown fetch as retry", async () => {
    const seen: RequestInit[] = [];
    expect(await post(async (_u, init) => (seen.push(init), { status: 202 }), "http://h/data/ingest", "{}")).toEqual({ outcome: "sent", waitMs: 0 });
    expect(seen[0]).toMatchObject({ method: "POST", keepalive: true, body: "{}", headers: { "content-type": "text/plain" } });
    expect(await post(() => Promise.reject(new TypeError("Failed to fetch")), "http://h", "{}")).toEqual({ outcome: "retry", waitMs: 0 });
  });

  it("reads Retry-After in seconds from a busy server, ignoring dates and capping it at the longest backoff", async () => {
    const answer = (retryAfter: string | null) => async () => ({ status: 503, headers: new Headers(retryAfter === null ? {} : { "retry-after": retryAfter }) });
    expect(await post(answer("2"), "http://h", "{}")).toEqual({ outcome: "retry", waitMs: 2000 });
    expect(await post(answer(null), "http://h", "{}")).toEqual({ outcome: "retry", waitMs: 0 });
    expect(await post(answer("Wed, 21 Oct 2015 07:28:00 GMT"), "http://h", "{}")).toEqual({ outcome: "retry", waitMs: 0 });
    expect(await post(answer("86400"), "http://h", "{}")).toEqual({ outcome: "retry", waitMs: 60_000 });
  });
});

describe("beacon", () => {
  it("wraps the body in a text/plain blob and reports refusal", async () => {
    let sent: Blob | undefined;
    expect(beacon((_u, b) => ((sent = b), true), "http://h", '{"a":1}')).toBe(true);
    expect(sent?.type).toBe("text/plain");
    expect(await sent?.text()).toBe('{"a":1}');
    expect(beacon(() => false, "http://h", "{}")).toBe(false);
    expect(beacon(undefined, "http://h", "{}")).toBe(false);
  });
});

describe("retryDelay", () => {
  it("doubles per attempt up to a minute, jittered between half and all of it", () => {
    expect([1, 2, 3, 4].map((a) => retryDelay(a, () => 1))).toEqual([1000, 2000, 4000, 8000]);
    expect(retryDelay(1, () => 0)).toBe(500);
    expect(retryDelay(20, () => 1)).toBe(60_000);
  });

  it("waits at least the server's Retry-After, spread over up to half as much again", () => {
    expect(retryDelay(1, () => 0, 3000)).toBe(3000);
    expect(retryDelay(1, () => 1, 3000)).toBe(4500);
    expect(retryDelay(4, () => 1, 1000)).toBe(8000);
  });
});
