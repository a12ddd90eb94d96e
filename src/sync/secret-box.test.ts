import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createSecretBox, loadSecretKey } from "./secret-box.js";

describe("secret box", () => {
  it("generates a 0600 key file once and round-trips secrets; a tampered box does not open", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-secret-"));
    const key = loadSecretKey(undefined, dir);
    expect(fs.statSync(path.join(dir, "secret.key")).mode & 0o777).toBe(0o600);
    expect(loadSecretKey(undefined, dir).equals(key)).toBe(true);
    const box = createSecretBox(key);
    const sealed = box.seal("refresh-token-123");
    expect(sealed).not.toContain("refresh-token-123");
    expect(box.open(sealed)).toBe("refresh-token-123");
    const parts = sealed.split(".");
    parts[3] = Buffer.from("x").toString("base64url") + (parts[3] ?? "").slice(2);
    expect(() => box.open(parts.join("."))).toThrow();
    expect(() => createSecretBox(loadSecretKey("another-secret-key-of-32-characters!!", dir)).open(sealed)).toThrow();
  });
});
