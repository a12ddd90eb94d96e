import { describe, expect, it } from "vitest";
import { buildSoql } from "./soql.js";

const types = new Map([
  ["Name", "string"],
  ["AnnualRevenue", "currency"],
  ["Pendo_lastvisit_last30d__c", "date"],
  ["IsActive__c", "boolean"],
]);

describe("rule source as SOQL", () => {
  it("puts fields and filters in one query, typed by describe", () => {
    const soql = buildSoql(
      "Account",
      ["Id", "Name", "Id"],
      [
        { field: "Name", operator: "contains", value: "O'Brien_%" },
        { field: "AnnualRevenue", operator: "between", value: 10, to: 20 },
        { field: "Pendo_lastvisit_last30d__c", operator: "greater", value: { ruleDate: -7 } },
        { field: "IsActive__c", operator: "equals", value: true },
        { field: "Name", operator: "exists" },
      ],
      "2024-05-15",
      types,
    );
    expect(soql).toBe(
      "SELECT Id, Name FROM Account WHERE Name LIKE '%O\\'Brien\\_\\%%' AND (AnnualRevenue >= 10 AND AnnualRevenue <= 20) AND Pendo_lastvisit_last30d__c > 2024-05-08 AND IsActive__c = TRUE AND Name != null",
    );
  });

  it("refuses a text value on a number field and a name that is not an API name", () => {
    expect(() => buildSoql("Account", ["Id"], [{ field: "AnnualRevenue", operator: "greater", value: "lots" }], "2024-05-15", types)).toThrow(/needs a number/);
    expect(() => buildSoql("Account", ["Id; DROP"], [], "2024-05-15", types)).toThrow(/not a CRM API name/);
  });
});
