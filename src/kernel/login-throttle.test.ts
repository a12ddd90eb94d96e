import { describe, expect, it } from "vitest";
import { createLoginThrottle } from "./login-throttle.js";

const limits = { perAccount: 3, perAddress: 5, windowMs: 60_000 };

describe("login throttle", () => {
  it("refuses an account after its limit of failures, for as long as the window holds them", () => {
    let t = 1_000_000;
    const throttle = createLoginThrottle(() => t, limits);
    for (let i = 0; i < 3; i++) {
      expect(throttle.refusal("Ada@example.com", "10.0.0.1")).toBeUndefined();
      throttle.failed("ada@example.com", "10.0.0.1");
      t += 1_000;
    }
    // The account is matched without regard to case; the first failure leaves the window 57 s from now (failures at 0, 1 and 2 s; now is 3 s).
    expect(throttle.refusal("ADA@example.com", "10.0.0.2")).toBe(57);
    t += 57_000;
    expect(throttle.refusal("ada@example.com", "10.0.0.2")).toBeUndefined();
  });

  it("limits one address across many accounts, and a success forgets only that account's failures", () => {
    const t = 5_000_000;
    const throttle = createLoginThrottle(() => t, limits);
    for (let i = 0; i < 5; i++) throttle.failed(`user${i}@example.com`, "10.0.0.9");
    expect(throttle.refusal("someone-new@example.com", "10.0.0.9")).toBe(60);
    expect(throttle.refusal("someone-new@example.com", "10.0.0.10")).toBeUndefined();

    const other = createLoginThrottle(() => t, limits);
    for (let i = 0; i < 3; i++) other.failed("bob@example.com", `10.1.0.${i}`);
    expect(other.refusal("bob@example.com", "10.1.0.99")).toBe(60);
    other.succeeded("BOB@example.com");
    expect(other.refusal("bob@example.com", "10.1.0.99")).toBeUndefined();
  });
});
