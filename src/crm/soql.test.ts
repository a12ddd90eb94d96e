import { describe, expect, it } from "vitest";
import { buildObject, STANDARD_OBJECTS, type ObjectDef } from "./metadata.js";
import { translateSoql } from "./soql.js";

const objects = new Map<string, ObjectDef>(STANDARD_OBJECTS.map((s) => [s.name.toLowerCase(), buildObject(s)]));
const lookup = (name: string): ObjectDef | undefined => objects.get(name.toLowerCase());
const NOW = Date.UTC(2024, 4, 15, 12, 0, 0);

describe("SOQL to SQL translation", () => {
  it("binds every literal as a parameter and resolves names case-insensitively", () => {
    const p = translateSoql("select name from ACCOUNT where name = 'O\\'Brien' and AnnualRevenue > 10", lookup, NOW);
    expect(p.obj.name).toBe("Account");
    expect(p.columns.map((c) => c.field.name)).toEqual(["Name"]);
    expect(p.where).toBe(`t."IsDeleted" = 0 AND (t."Name" IS NOT DISTINCT FROM ? AND coalesce(t."AnnualRevenue" > ?, false))`);
    expect(p.params).toEqual(["O'Brien", 10]);
  });

  it("matches LIKE without regard to ASCII case on PostgreSQL as SQLite's LIKE does", () => {
    expect(translateSoql("SELECT Id FROM Account WHERE Name LIKE 'ac%'", lookup, NOW).where).toContain(`coalesce(t."Name" LIKE ? ESCAPE '\\', false)`);
    expect(translateSoql("SELECT Id FROM Account WHERE Name LIKE 'ac%'", lookup, NOW, false, undefined, "postgres").where).toContain(`coalesce(CAST(t."Name" AS TEXT) COLLATE "C" ILIKE ? ESCAPE '\\', false)`);
  });

  it("keeps parentheses and NOT where SOQL put them", () => {
    const p = translateSoql("SELECT Id FROM Account WHERE (Name = 'a' OR Name = 'b') AND NOT Industry = 'x'", lookup, NOW);
    expect(p.where).toContain(`((t."Name" IS NOT DISTINCT FROM ? OR t."Name" IS NOT DISTINCT FROM ?) AND NOT t."Industry" IS NOT DISTINCT FROM ?)`);
  });

  it("refuses NOT ( nested three deep, which the parser loses a NOT of, instead of sending unbalanced SQL (issue 15, found by fuzzing)", () => {
    expect(translateSoql("SELECT Id FROM Account WHERE NOT (NOT (Name = 'a'))", lookup, NOW).where).toContain(`NOT (NOT (t."Name" IS NOT DISTINCT FROM ?))`);
    for (const n of [3, 4, 7]) {
      const q = `SELECT Id FROM Account WHERE ${"NOT (".repeat(n)}Name = 'a'${")".repeat(n)}`;
      expect(() => translateSoql(q, lookup, NOW)).toThrow(expect.objectContaining({ errorCode: "MALFORMED_QUERY" }));
    }
  });

  it("turns date literals into half-open UTC ranges", () => {
    const p = translateSoql("SELECT Id FROM Account WHERE CreatedDate = LAST_N_DAYS:2 AND LastModifiedDate < TODAY", lookup, NOW);
    expect(p.params).toEqual(["2024-05-13T00:00:00.000Z", "2024-05-16T00:00:00.000Z", "2024-05-15T00:00:00.000Z"]);
  });

  it("normalises 15-char ids in filters to the stored 18-char form", () => {
    const p = translateSoql("SELECT Id FROM Account WHERE Id IN ('001A000000Ma8zk')", lookup, NOW);
    expect(p.params).toEqual(["001A000000Ma8zkIAB"]);
  });

  it("refuses unknown fields, objects, quoted numbers and big offsets with Salesforce codes", () => {
    expect(() => translateSoql("SELECT Foo FROM Account", lookup, NOW)).toThrow(expect.objectContaining({ errorCode: "INVALID_FIELD" }));
    expect(() => translateSoql("SELECT Id FROM Foo", lookup, NOW)).toThrow(expect.objectContaining({ errorCode: "INVALID_TYPE" }));
    expect(() => translateSoql("SELECT Id FROM Account WHERE AnnualRevenue = '1'", lookup, NOW)).toThrow(expect.objectContaining({ errorCode: "INVALID_QUERY_FILTER_OPERATOR" }));
    expect(() => translateSoql("SELECT Id FROM Account OFFSET 2001", lookup, NOW)).toThrow(expect.objectContaining({ errorCode: "NUMBER_OUTSIDE_VALID_RANGE" }));
    expect(() => translateSoql("SELEC Id FROM Account", lookup, NOW)).toThrow(expect.objectContaining({ errorCode: "MALFORMED_QUERY" }));
  });

  it("joins the parent for relationship fields on Contact", () => {
    const p = translateSoql("SELECT Id, Account.Name FROM Contact WHERE Account.Industry = 'Retail'", lookup, NOW);
    expect(p.from).toBe(`"crm_contact" AS t LEFT JOIN "crm_account" AS r0 ON r0."Id" = t."AccountId"`);
    expect(p.columns[1]?.relationship?.name).toBe("Account");
  });
});
