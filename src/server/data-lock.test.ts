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

it("takes over from a process killed with kill -9 that is still a zombie (issue 15, finding 11)", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-lock-"));
  // Perl (Debian's perl-base is essential, so always there) forks a child that exits at once and
  // never waits for it: the child stays a zombie, as a killed server does until its parent reaps it.
  // (A shell may reap its background job before `exec`, which made an earlier version flaky.)
  const parent = spawn("perl", ["-e", '$| = 1; my $p = fork(); if (!$p) { exit 0 } print "$p\\n"; sleep 30']);
  const pid = await new Promise<number>((resolve) => parent.stdout.once("data", (d: Buffer) => resolve(Number(String(d).trim()))));
  for (let i = 0; i < 200 && !/^Z/.test(processState(pid)); i++) await new Promise((r) => setTimeout(r, 10));
  expect(processState(pid)).toMatch(/^Z/);
  fs.writeFileSync(path.join(dir, "pendulum.pid"), String(pid));
  try {
    const lock = lockDataDir(dir);
    expect(fs.readFileSync(path.join(dir, "pendulum.pid"), "utf8")).toBe(String(process.pid));
    lock.release();
  } finally {
    parent.kill("SIGKILL");
  }
});

/** The state letter of /proc/<pid>/stat (after the parenthesised command name). */
function processState(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2);
  } catch {
    return "";
  }
}
