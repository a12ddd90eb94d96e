import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "../../../test/harness.js";

let p: TestPendulum;
const now = Date.now();

const send = (visitor: string, events: Record<string, unknown>[]) =>
  fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "text/plain" }, body: JSON.stringify({ visitor: { id: visitor }, account: { id: "acct-1" }, events }) });
const click = (ts: number, element: Record<string, unknown>[]) => ({ type: "click", ts, url: "https://app.example.com/home", element });

beforeAll(async () => {
  p = await startTestPendulum();
  await send("v1", [
    click(now - 5000, [{ tag: "span", text: "Save" }, { tag: "button", id: "save", classes: ["btn", "primary"] }]),
    click(now - 4000, [{ tag: "button", id: "cancel", classes: ["btn"] }]),
    click(now - 3000, [{ tag: "a", attrs: { href: "/help" } }]),
  ]);
  await p.modules.analytics.settle();
});
afterAll(async () => {
  await p.close();
});

describe("POST /api/v1/features/preview", () => {
  it("lists the stored click paths a selector matches, ancestors included, without saving anything", async () => {
    const res = await p.api("/api/v1/features/preview", { method: "POST", body: JSON.stringify({ selector: "button.btn" }) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { matchedElements: number; sample: { tag: string; id?: string }[][] };
    expect(body.matchedElements).toBe(2);
    expect(body.sample.map((path) => path.map((e) => e.id ?? e.tag).join(" < ")).sort()).toEqual(["cancel", "span < save"]);
    const limited = (await (await p.api("/api/v1/features/preview", { method: "POST", body: JSON.stringify({ selector: "button.btn", limit: 1 }) })).json()) as { matchedElements: number; sample: unknown[] };
    expect(limited).toMatchObject({ matchedElements: 2 });
    expect(limited.sample).toHaveLength(1);
    const features = (await (await p.api("/api/v1/features")).json()) as { features: unknown[] };
    expect(features.features).toEqual([]);
  });

  it("refuses an invalid selector with the field and the position of the error", async () => {
    const res = await p.api("/api/v1/features/preview", { method: "POST", body: JSON.stringify({ selector: "div + button" }) });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "INVALID_RULE", field: "selector", position: 4 });
    const empty = await p.api("/api/v1/features/preview", { method: "POST", body: JSON.stringify({ selector: "" }) });
    expect(empty.status).toBe(400);
    expect(((await empty.json()) as { field: string }).field).toBe("selector");
  });
});
