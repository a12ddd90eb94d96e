// Analytics on its own (no guides module): the NPS and guide columns are not offered, and asking
// for them, or for an NPS segment rule, is refused with an error that says why.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, type TestPendulum } from "../../test/harness.js";
import { createGuideDataSlot, type GuideDataSource } from "./guide-data.js";
import { createAnalyticsModule, type AnalyticsModule } from "./index.js";

describe("guide data slot", () => {
  it("is empty until a source is set, and empty again once removed", () => {
    const slot = createGuideDataSlot();
    expect(slot.get()).toBeUndefined();
    const source: GuideDataSource = { nps: async () => [], guideCounts: async () => [], npsCategories: async () => new Map() };
    slot.set(source);
    expect(slot.get()).toBe(source);
    slot.set(undefined);
    expect(slot.get()).toBeUndefined();
  });
});

describe("analytics without the guides module", () => {
  let p: TestPendulum<{ analytics: AnalyticsModule }>;
  beforeAll(async () => {
    p = await startTestPendulum({ compose: (ctx) => ({ analytics: createAnalyticsModule(ctx) }) });
    await p.modules.analytics.metadata.recordSeen([
      { appId: p.modules.analytics.apps.list()[0]?.id ?? "", visitors: new Map([["v1", { first: 1, last: 1 }]]), accounts: new Map([["a1", { first: 1, last: 1 }]]), links: new Map(), eventNames: new Map() },
    ]);
  });
  afterAll(async () => {
    await p?.close();
  });

  it("does not list the nps.* and guides.* columns", async () => {
    const body = (await (await p.api("/api/v1/reports/columns?kind=account")).json()) as { columns: { id: string }[] };
    const ids = body.columns.map((c) => c.id);
    expect(ids).toContain("minutes");
    expect(ids.filter((id) => id.startsWith("nps.") || id.startsWith("guides."))).toEqual([]);
  });

  it("refuses a report with an NPS column, naming the column", async () => {
    const res = await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "NPS", range: { last: 30 }, columns: ["minutes", "nps.score"] }) });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; field: string; message: string };
    expect(body).toMatchObject({ code: "INVALID_COLUMN", field: "columns[1]" });
    expect(body.message).toContain("guides module");
    const guides = await p.api("/api/v1/reports", { method: "POST", body: JSON.stringify({ name: "Guides", kind: "visitor", range: { last: 7 }, columns: ["guides.views"] }) });
    expect(await guides.json()).toMatchObject({ code: "INVALID_COLUMN", field: "columns[0]" });
  });

  it("refuses an NPS segment rule, naming the rule, but still checks its fields first", async () => {
    const rule = (r: Record<string, unknown>) => p.api("/api/v1/segments", { method: "POST", body: JSON.stringify({ name: "Detractors", definition: { op: "and", rules: [r] } }) });
    const res = await rule({ kind: "nps", category: "detractor" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { code: string; field: string; message: string };
    expect(body).toMatchObject({ code: "GUIDES_NOT_LOADED", field: "definition.rules[0]" });
    expect(body.message).toContain("guides module");
    expect(await (await rule({ kind: "nps", category: "grumpy" })).json()).toMatchObject({ code: "INVALID_VALUE", field: "definition.rules[0].category" });
    const preview = await p.api("/api/v1/segments/preview", { method: "POST", body: JSON.stringify({ definition: { op: "and", rules: [{ kind: "nps", category: "promoter" }] } }) });
    expect(await preview.json()).toMatchObject({ code: "GUIDES_NOT_LOADED" });
  });

  it("refuses to evaluate an NPS rule that reached evaluation anyway (a segment saved while guides were loaded)", async () => {
    const seg = await p.modules.analytics.segments.members(p.modules.analytics.apps.list()[0]?.id ?? "", { op: "or", rules: [{ kind: "nps", category: "detractor" }] }, "account").catch((e: unknown) => e);
    expect(seg).toMatchObject({ code: "GUIDES_NOT_LOADED", field: "definition.rules[0]" });
  });
});
