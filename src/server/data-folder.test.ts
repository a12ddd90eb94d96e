import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { startTestPendulum, TEST_APP_KEY } from "../../test/harness.js";
import { testPostgresUrl } from "../../test/postgres.js";

// Issue 15, finding 9: the data folder was 0755 and records.sqlite, events.duckdb and the ingest
// log 0644, readable by every local user. Folder 0700 and files 0600, whatever the umask.

const before = process.umask(0o022);
afterAll(() => {
  process.umask(before);
});

function modes(dir: string): { path: string; mode: number; folder: boolean }[] {
  const out: { path: string; mode: number; folder: boolean }[] = [{ path: ".", mode: fs.statSync(dir).mode & 0o777, folder: true }];
  const walk = (folder: string): void => {
    for (const e of fs.readdirSync(folder, { withFileTypes: true })) {
      const full = path.join(folder, e.name);
      out.push({ path: path.relative(dir, full), mode: fs.statSync(full).mode & 0o777, folder: e.isDirectory() });
      if (e.isDirectory()) walk(full);
    }
  };
  walk(dir);
  return out;
}

it("keeps the data folder and everything in it private, also a folder an older version left open", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-perms-"));
  fs.chmodSync(dir, 0o755);
  fs.writeFileSync(path.join(dir, "left-by-an-older-version.txt"), "x", { mode: 0o644 });
  const p = await startTestPendulum({ dataDir: dir });
  try {
    const res = await fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ visitor: { id: "v-perm" }, events: [{ type: "load", ts: Date.now() - 1000, url: "https://a.example/" }] }) });
    expect(res.status).toBe(200);
    await p.modules.analytics.settle();
    const found = modes(dir);
    // Records live in the folder on SQLite only (under test:postgres they are in PostgreSQL).
    expect(found.map((f) => f.path)).toEqual(expect.arrayContaining([...(testPostgresUrl() ? [] : ["records.sqlite"]), "events.duckdb", "left-by-an-older-version.txt"]));
    expect(found.some((f) => f.path.startsWith("ingest-log"))).toBe(true);
    const open = found.filter((f) => f.mode !== (f.folder ? 0o700 : 0o600)).map((f) => `${f.path} ${f.mode.toString(8)}`);
    expect(open).toEqual([]);
  } finally {
    await p.close();
  }
});
