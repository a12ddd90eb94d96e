import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SuccessPendulum } from "../../../test/success-kit.js";
import { call, startSuccessPendulum } from "../../../test/success-kit.js";
import type { Customer } from "./customer.js";

let p: SuccessPendulum;
beforeAll(async () => {
  p = await startSuccessPendulum();
});
afterAll(async () => {
  await p?.close();
});

describe("customers (Customer Info)", () => {
  it("creates, reads, patches and deletes a customer keyed by its CRM Account id", async () => {
    const created = await call<Customer>(p, "POST", "/customers", { accountId: "001000000000001AAA", name: "Acme", arr: 120000, renewalDate: "2025-01-31", tags: ["enterprise"], custom: { region: "EMEA" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ accountId: "001000000000001AAA", name: "Acme", status: "Active", arr: 120000, renewalDate: "2025-01-31", tags: ["enterprise"], custom: { region: "EMEA" } });
    expect((await call(p, "POST", "/customers", { accountId: "001000000000001AAA", name: "Again" })).body).toMatchObject({ code: "CUSTOMER_EXISTS", field: "accountId" });

    const patched = await call<Customer>(p, "PATCH", "/customers/001000000000001AAA", { status: "Inactive", custom: { tier: 2 } });
    expect(patched.body).toMatchObject({ status: "Inactive", arr: 120000, custom: { region: "EMEA", tier: 2 } });

    const bad = await call(p, "PATCH", "/customers/001000000000001AAA", { renewalDate: "next year" });
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ code: "INVALID_INPUT", field: "renewalDate" });

    expect((await call(p, "DELETE", "/customers/001000000000001AAA")).status).toBe(204);
    expect((await call(p, "GET", "/customers/001000000000001AAA")).body).toMatchObject({ code: "CUSTOMER_NOT_FOUND" });
  });

  it("imports CSV, reports bad lines by line number, and exports what it stored", async () => {
    const csv = ["accountId,name,arr,renewalDate,tags,custom.region", "A1,Alpha,100,2025-02-01,a;b,EMEA", "A2,Beta,lots,2025-02-01,,US", 'A3,"Gamma, Inc",300,,,'].join("\n");
    const res = await p.api("/api/v1/success/customers/import", { method: "POST", body: csv, headers: { "content-type": "text/csv" } });
    const body = (await res.json()) as { created: number; problems: { line: number; field: string; message: string; accountId: string }[] };
    expect(res.status).toBe(200);
    expect(body.created).toBe(2);
    expect(body.problems).toEqual([{ line: 3, field: "arr", message: 'expected a number, got "lots"', accountId: "A2" }]);

    const again = await p.api("/api/v1/success/customers/import", { method: "POST", body: csv, headers: { "content-type": "text/csv" } });
    expect(await again.json()).toMatchObject({ created: 0, updated: 0, unchanged: 2 });

    const exported = await p.api("/api/v1/success/customers/export");
    expect(exported.headers.get("content-type")).toContain("text/csv");
    const lines = (await exported.text()).trim().split("\r\n");
    expect(lines[0]).toBe("accountId,name,status,stage,arr,mrr,renewalDate,users,churnRisk,onboardingStatus,latestNps,healthScore,healthColour,tags,custom.region");
    expect(lines).toContain("A1,Alpha,Active,,100,,2025-02-01,,,,,,,a;b,EMEA");
    expect(lines).toContain('A3,"Gamma, Inc",Active,,300,,,,,,,,,,');
  });

  it("neutralises formula-like text in the export and reads it back unchanged (issue 15, finding 4)", async () => {
    const name = '=HYPERLINK("https://attacker.example","x")';
    expect((await call(p, "POST", "/customers", { accountId: "F1", name, custom: { note: "+SUM(1,2)", at: "@A1", minus: "-5" } })).status).toBe(201);
    const csv = await (await p.api("/api/v1/success/customers/export")).text();
    const line = csv.split("\r\n").find((l) => l.startsWith("F1,")) as string;
    expect(line).toContain(`"'=HYPERLINK(""https://attacker.example"",""x"")"`);
    expect(line).toContain(`'@A1`);
    expect(line).toContain(`"'+SUM(1,2)"`);
    expect(line).toContain(",-5");
    const again = await p.api("/api/v1/success/customers/import", { method: "POST", body: csv, headers: { "content-type": "text/csv" } });
    expect(await again.json()).toMatchObject({ created: 0, updated: 0 });
    expect((await call<Customer>(p, "GET", "/customers/F1")).body).toMatchObject({ name, custom: { note: "+SUM(1,2)", at: "@A1", minus: "-5" } });
    expect((await call(p, "DELETE", "/customers/F1")).status).toBe(204);
  });

  it("lists with filters and paging", async () => {
    const list = await call<{ total: number; customers: Customer[] }>(p, "GET", "/customers?search=Alpha&limit=5");
    expect(list.body.total).toBe(1);
    expect(list.body.customers[0]?.accountId).toBe("A1");
  });
});
