import { describe, expect, it } from "vitest";
import { idChecksum, makeId, normalizeId, to15, to18 } from "./ids.js";

describe("Salesforce record ids", () => {
  it("computes the documented case-safe checksum for a known Salesforce id", () => {
    // 001A000000Ma8zk -> chunk "001A0" has bit 3 set (D), "00000" none (A), "Ma8zk" has bit 0 set (B).
    expect(idChecksum("001A000000Ma8zk")).toBe("IAB");
    expect(to18("001A000000Ma8zk")).toBe("001A000000Ma8zkIAB");
  });

  it("sets one bit per uppercase letter and maps 31 to '5'", () => {
    expect(idChecksum("ABCDEABCDEABCDE")).toBe("555");
    expect(idChecksum("abcdeabcdeabcde")).toBe("AAA");
  });

  it("builds 18-char ids from a prefix and a base62 counter", () => {
    const id = makeId("001", 62);
    expect(id).toHaveLength(18);
    expect(id.slice(0, 15)).toBe("001000000000010");
    expect(normalizeId(id)).toBe(id);
  });

  it("accepts the 15-char form and the 18-char form with any suffix case", () => {
    const id = makeId("003", 123456789);
    expect(normalizeId(to15(id))).toBe(id);
    expect(normalizeId(id.slice(0, 15) + id.slice(15).toLowerCase())).toBe(id);
  });

  it("refuses wrong lengths, characters and checksums", () => {
    expect(normalizeId("001")).toBeUndefined();
    expect(normalizeId("001A000000Ma8zk-AB")).toBeUndefined();
    expect(normalizeId("001A000000Ma8zkAAA")).toBeUndefined();
  });
});
