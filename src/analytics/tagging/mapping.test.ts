import { afterEach, beforeEach, expect, it } from "vitest";
import { openDuckDbEventStore, type DuckDbEventStore } from "../../store/events-duckdb.js";
import { applyFeatureRule, applyPageRule, ensureMappingTables, mapNewDictionaryEntries, removePage, type RuleSet } from "./index.js";

let store: DuckDbEventStore;
beforeEach(async () => {
  store = await openDuckDbEventStore();
});
afterEach(async () => {
  await store.close();
});

async function table(sql: string): Promise<unknown[][]> {
  return (await store.connection.runAndReadAll(sql)).getRowsJS();
}

const rules: RuleSet = {
  pages: [
    { pageId: "settings", rules: ["/app/*/settings"] },
    { pageId: "any-app", rules: ["/app/**", "/admin"] },
    { pageId: "broken", rules: ["app"] },
  ],
  features: [
    { featureId: "save", selector: "button#save" },
    { featureId: "form", selector: "form" },
  ],
};

it("maps new dictionary entries against every rule, once, even when replayed", async () => {
  const urls = [
    { id: 1, value: "https://x.test/app/7/settings" },
    { id: 2, value: "https://x.test/admin" },
    { id: 3, value: "https://x.test/pricing" },
  ];
  const elements = [
    { id: 1, value: JSON.stringify([{ tag: "i" }, { tag: "button", id: "save" }, { tag: "form" }]) },
    { id: 2, value: JSON.stringify([{ tag: "a" }]) },
    { id: 3, value: "not json" },
  ];
  await store.append([], { urls, elements });
  expect(await mapNewDictionaryEntries(store.connection, urls, elements, rules)).toEqual({ pageRows: 3, featureRows: 2 });
  await mapNewDictionaryEntries(store.connection, urls, elements, rules);
  expect(await table("SELECT page_id, url_id FROM page_urls ORDER BY ALL")).toEqual([
    ["any-app", 1],
    ["any-app", 2],
    ["settings", 1],
  ]);
  expect(await table("SELECT feature_id, element_id FROM feature_elements ORDER BY ALL")).toEqual([
    ["form", 1],
    ["save", 1],
  ]);
});

it("rewrites only the edited page and scans the whole dictionary", async () => {
  const urls = Array.from({ length: 5000 }, (_, i) => ({ id: i + 1, value: `https://x.test/app/${i}/${i % 2 === 0 ? "settings" : "home"}?q=${i}` }));
  await store.append([], { urls });
  expect(await applyPageRule(store.connection, "settings", ["/app/*/settings"])).toEqual({ ok: true, value: { scanned: 5000, matched: 2500 } });
  expect(await applyPageRule(store.connection, "q7", ["/app/*/home?q=7"])).toEqual({ ok: true, value: { scanned: 5000, matched: 1 } });
  expect(await applyPageRule(store.connection, "settings", ["/app/1*/settings"])).toEqual({ ok: true, value: { scanned: 5000, matched: 555 } });
  await removePage(store.connection, "settings");
  expect(await table("SELECT page_id, count(*)::INTEGER FROM page_urls GROUP BY ALL")).toEqual([["q7", 1]]);
  expect(await applyFeatureRule(store.connection, "none", "button")).toEqual({ ok: true, value: { scanned: 0, matched: 0 } });
});

it("numbers pages and features with small keys that stay with them", async () => {
  const urls = [
    { id: 1, value: "https://x.test/app/7/settings" },
    { id: 2, value: "https://x.test/admin" },
  ];
  const elements = [{ id: 1, value: JSON.stringify([{ tag: "button", id: "save" }, { tag: "form" }]) }];
  await store.append([], { urls, elements });
  await mapNewDictionaryEntries(store.connection, urls, elements, rules);
  // Keys per kind from 1, in order of first use; every row of a page carries its page's key.
  const pageKeys = await table("SELECT DISTINCT page_id, page_key FROM page_urls ORDER BY ALL");
  expect(pageKeys).toEqual([
    ["any-app", 2],
    ["settings", 1],
  ]);
  expect(await table("SELECT DISTINCT feature_id, feature_key FROM feature_elements ORDER BY ALL")).toEqual([
    ["form", 2],
    ["save", 1],
  ]);
  // Editing, removing and re-adding a page keeps its key; a new page gets the next one.
  await applyPageRule(store.connection, "settings", ["/app/*/settings", "/admin"]);
  await removePage(store.connection, "any-app");
  await applyPageRule(store.connection, "admin", ["/admin"]);
  await applyPageRule(store.connection, "any-app", ["/app/**"]);
  expect(await table("SELECT DISTINCT page_id, page_key FROM page_urls ORDER BY ALL")).toEqual([
    ["admin", 3],
    ["any-app", 2],
    ["settings", 1],
  ]);
  expect(await table("SELECT count(*)::INTEGER FROM page_urls WHERE page_key IS NULL")).toEqual([[0]]);
});

it("adds and fills the keys in mapping tables written before they existed", async () => {
  await store.connection.run(`CREATE TABLE page_urls (page_id VARCHAR NOT NULL, url_id INTEGER NOT NULL);
    CREATE TABLE feature_elements (feature_id VARCHAR NOT NULL, element_id INTEGER NOT NULL);
    INSERT INTO page_urls VALUES ('b', 1), ('a', 1), ('b', 2);
    INSERT INTO feature_elements VALUES ('f', 3);`);
  await ensureMappingTables(store.connection);
  expect(await table("SELECT page_id, url_id, page_key FROM page_urls ORDER BY ALL")).toEqual([
    ["a", 1, 1],
    ["b", 1, 2],
    ["b", 2, 2],
  ]);
  expect(await table("SELECT feature_id, feature_key FROM feature_elements")).toEqual([["f", 1]]);
  // Later pages continue after the backfilled keys.
  await store.append([], { urls: [{ id: 5, value: "https://x.test/c" }] });
  await applyPageRule(store.connection, "c", ["/c"]);
  expect(await table("SELECT page_key FROM page_urls WHERE page_id = 'c'")).toEqual([[3]]);
});
