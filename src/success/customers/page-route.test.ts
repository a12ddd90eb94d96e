import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SuccessPendulum } from "../../../test/success-kit.js";
import { call, startSuccessPendulum } from "../../../test/success-kit.js";

let p: SuccessPendulum;
beforeAll(async () => {
  p = await startSuccessPendulum();
});
afterAll(async () => {
  await p?.close();
});

type Page = { customer: { accountId: string; name: string }; history: unknown[]; ctas: { items?: unknown[]; ctas?: unknown[]; total: number }; usage: { config: unknown; measures: unknown[]; series: unknown }; scorecard: unknown; card: unknown };

describe("GET /success/customers/:accountId/page", () => {
  it("answers in one call what the customer's separate endpoints answer", async () => {
    const id = "001000000000007AAA";
    expect((await call(p, "POST", "/customers", { accountId: id, name: "Globex" })).status).toBe(201);
    expect((await call(p, "POST", "/ctas", { accountId: id, type: "Risk", reason: "Health dropped to Red", priority: "High" })).status).toBe(201);

    const page = await call<Page>(p, "GET", `/customers/${id}/page`);
    expect(page.status).toBe(200);
    expect(page.body.customer).toEqual((await call(p, "GET", `/customers/${id}`)).body);
    expect(page.body.ctas).toEqual((await call(p, "GET", `/ctas?accountId=${id}&limit=50`)).body);
    expect(page.body.usage.config).toEqual((await call(p, "GET", "/usage/config")).body);
    expect(page.body.usage.measures).toEqual((await call<{ measures: unknown[] }>(p, "GET", "/usage/measures")).body.measures);
    expect(page.body.ctas.total).toBe(1);
  });

  it("names the customer that does not exist and the parameter at fault", async () => {
    expect((await call(p, "GET", "/customers/001000000000999AAA/page")).body).toMatchObject({ code: "CUSTOMER_NOT_FOUND" });
    const bad = await call(p, "GET", "/customers/001000000000007AAA/page?historyLimit=lots");
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ field: "historyLimit" });
  });
});
