import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { eventStoreContract } from "./event-store.case.js";
import { openDuckDbEventStore } from "./events-duckdb.js";

eventStoreContract("duckdb (memory)", () => openDuckDbEventStore());

it("keeps events and dictionaries across a reopen of the file", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-duck-"));
  const file = path.join(dir, "events.duckdb");
  const a = await openDuckDbEventStore({ file });
  await a.append(
    [{ id: 1, appId: "x", type: "load", ts: 1, visitorId: "v", accountId: "a", urlId: 1, elementId: null, name: null, props: null, tabId: null, title: null, receivedAt: 2 }],
    { urls: [{ id: 1, value: "https://x/" }] },
  );
  await a.close();
  const b = await openDuckDbEventStore({ file });
  expect(await b.maxEventId()).toBe(1);
  expect(await b.dictionary("urls")).toHaveLength(1);
  await b.close();
});
