import { describe, expect, it } from "vitest";
import { startCrm } from "./test-kit.js";

type ErrorBody = { code: string; message: string; field?: string };

describe("POST /api/v1/crm/fields (custom fields from the admin API)", () => {
  it("adds a field jsforce sees at once, and names the input at fault when it refuses one", async () => {
    const crm = await startCrm();
    try {
      const res = await crm.admin("/crm/fields", { name: "Pendo_NPS_Score__c", type: "Number", label: "Pendo NPS Score", precision: 5, scale: 1 });
      expect(res.status).toBe(201);
      const created = (await res.json()) as { id: string; object: string; field: { name: string; type: string; scale: number } };
      expect(created).toMatchObject({ object: "Account", field: { name: "Pendo_NPS_Score__c", type: "double", scale: 1 } });
      expect(created.id).toMatch(/^00N/);

      const conn = await crm.login();
      const d = await conn.describe("Account");
      expect(d.fields.find((f) => f.name === "Pendo_NPS_Score__c")).toMatchObject({ label: "Pendo NPS Score", precision: 5, scale: 1 });
      await conn.sobject("Account").create({ Name: "Scored", Pendo_NPS_Score__c: 42.5 });
      expect((await conn.query("SELECT Id FROM Account WHERE Pendo_NPS_Score__c = 42.5")).totalSize).toBe(1);

      const picklist = await crm.admin("/crm/fields", { object: "Contact", name: "Tier__c", type: "Picklist", picklist: ["Gold", "Silver"] });
      expect(picklist.status).toBe(201);
      expect(((await picklist.json()) as { field: { picklistValues: string[] } }).field.picklistValues).toEqual(["Gold", "Silver"]);

      const refusals: [Record<string, unknown>, number, string, string][] = [
        [{ name: "Pendo_NPS_Score__c", type: "Text" }, 409, "DUPLICATE_DEVELOPER_NAME", "name"],
        [{ name: "No suffix", type: "Text" }, 400, "INVALID_FIELD", "name"],
        [{ name: "Pendo_X__c", type: "Formula" }, 400, "INVALID_INPUT", "type"],
        [{ name: "Pendo_Y__c", type: "Picklist" }, 400, "INVALID_INPUT", "picklist"],
        [{ name: "Pendo_Z__c", type: "Number", precision: 3, scale: 5 }, 400, "INVALID_INPUT", "scale"],
        [{ name: "Pendo_W__c", type: "Text", length: 0 }, 400, "INVALID_INPUT", "length"],
      ];
      for (const [body, status, code, field] of refusals) {
        const r = await crm.admin("/crm/fields", body);
        const e = (await r.json()) as ErrorBody;
        expect({ status: r.status, code: e.code, field: e.field }, JSON.stringify(body)).toEqual({ status, code, field });
      }
    } finally {
      await crm.close();
    }
  });
});
