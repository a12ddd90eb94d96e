import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { DataDirLockedError, lockDataDir } from "./data-lock.js";

it("refuses a folder held by a live process and takes over a stale lock", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-lock-"));
  const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
  fs.writeFileSync(path.join(dir, "pendulum.pid"), String(other.pid));
  expect(() => lockDataDir(dir)).toThrow(DataDirLockedError);
  other.kill("SIGKILL");
  await new Promise((r) => other.once("exit", r));
  const lock = lockDataDir(dir);
  expect(fs.readFileSync(path.join(dir, "pendulum.pid"), "utf8")).toBe(String(process.pid));
  lock.release();
  expect(fs.existsSync(path.join(dir, "pendulum.pid"))).toBe(false);
});
