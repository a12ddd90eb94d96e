import { describe, expect, it } from "vitest";
import { normalizeCrmPath } from "./slashes.js";
import { globToRegex, parameterizedSearch, parameterizedSearchFromQuery, parseSosl, parseTerm } from "./sosl.js";

describe("SOSL parsing", () => {
  it("reads the term, scope, RETURNING objects with their clauses and the overall LIMIT", () => {
    const r = parseSosl("FIND {Acme Corp} IN NAME FIELDS RETURNING Account(Id, Name, Owner.Name WHERE Industry = 'a, (b)' ORDER BY Name LIMIT 5), Contact, Lead(Email) LIMIT 20");
    expect(r.scope).toBe("NAME");
    expect(r.limit).toBe(20);
    expect(r.term).toEqual([[{ text: "acme", glob: "*[^a-z0-9]acme[^a-z0-9]*" }, { text: "corp", glob: "*[^a-z0-9]corp[^a-z0-9]*" }]]);
    expect(r.targets).toEqual([
      { object: "Account", fields: ["Id", "Name", "Owner.Name"], where: "Industry = 'a, (b)'", orderBy: "Name", limit: 5 },
      { object: "Contact", fields: [] },
      { object: "Lead", fields: ["Email"] },
    ]);
  });

  it("leaves RETURNING out (every searchable object) and defaults to ALL FIELDS", () => {
    expect(parseSosl("find {acme}")).toMatchObject({ scope: "ALL", targets: undefined, limit: undefined });
  });

  it("keeps phrases, OR groups, wildcards and escaped operator characters", () => {
    expect(parseTerm('"big acme" OR glob* OR a\\-b')).toEqual([
      [{ text: "big acme", glob: "*[^a-z0-9]big acme[^a-z0-9]*" }],
      [{ text: "glob*", glob: "*[^a-z0-9]glob**" }],
      [{ text: "a-b", glob: "*[^a-z0-9]a-b[^a-z0-9]*" }],
    ]);
    // A word that starts or ends with punctuation needs no word boundary there.
    expect(parseTerm("@acme.example")[0]?.[0]?.glob).toBe("*@acme.example[^a-z0-9]*");
  });

  it("spells each pattern as the anchored regex PostgreSQL runs, matching what SQLite's GLOB matches", () => {
    const [acme, phrase, wild, literal] = (parseTerm('acme "big co." a?c* 50\\%\\*')[0] ?? []).map((w) => w.glob);
    const matches = (glob: string | undefined, text: string): boolean => new RegExp(globToRegex(glob ?? ""), "s").test(` ${text.toLowerCase()} `);
    expect(globToRegex(acme ?? "")).toBe("^.*[^a-z0-9]acme[^a-z0-9].*$");
    expect(matches(acme, "ACME Corp")).toBe(true);
    expect(matches(acme, "acmes")).toBe(false);
    expect(matches(phrase, "a big co. here")).toBe(true);
    expect(matches(phrase, "big cox")).toBe(false);
    expect(matches(wild, "the abcde line")).toBe(true);
    expect(matches(wild, "ac")).toBe(false);
    expect(matches(literal, "up 50%* today")).toBe(true);
    expect(matches(literal, "up 50%x today")).toBe(false);
  });

  it("refuses what it does not support with MALFORMED_SEARCH naming it", () => {
    const bad: Array<[string, RegExp]> = [
      ["SELECT Id FROM Account", /starts with FIND/],
      ["FIND {acme", /not closed/],
      ["FIND {x}", /longer than one character/],
      ["FIND {acme AND NOT corp}", /NOT/],
      ["FIND {(acme)}", /must be escaped/],
      ["FIND {acme} IN PHONE FIELDS", /IN PHONE FIELDS is not supported/],
      ["FIND {acme} RETURNING Account(Name OFFSET 5)", /OFFSET/],
      ["FIND {acme} WITH SNIPPET", /Unsupported clause near 'WITH SNIPPET'/],
      ["FIND {acme} LIMIT 0", /positive whole number/],
    ];
    for (const [sosl, message] of bad) {
      expect(() => parseSosl(sosl), sosl).toThrow(expect.objectContaining({ errorCode: "MALFORMED_SEARCH", message: expect.stringMatching(message) }));
    }
  });

  it("turns parameterized search input (GET parameters or a POST body) into the same search", () => {
    const fromGet = parameterizedSearch(parameterizedSearchFromQuery({ q: "acme", in: "name", sobject: ["Account", "Contact"], "Account.fields": "Id,Name", "Account.limit": "3", defaultLimit: "7", overallLimit: "9" }));
    expect(fromGet).toMatchObject({
      scope: "NAME",
      limit: 9,
      targets: [
        { object: "Account", fields: ["Id", "Name"], limit: 3 },
        { object: "Contact", fields: [], limit: 7 },
      ],
    });
    const fromPost = parameterizedSearch({ q: "acme", fields: ["Id", "Name"], sobjects: [{ name: "Account", where: "Industry = 'Retail'" }] });
    expect(fromPost.targets).toEqual([{ object: "Account", fields: ["Id", "Name"], where: "Industry = 'Retail'" }]);
    expect(() => parameterizedSearch({ q: "" })).toThrow(/needs q/);
    expect(() => parameterizedSearch({ q: "acme", sobjects: "Account" as never })).toThrow(/sobjects must be a list/);
  });
});

describe("CRM path normalisation", () => {
  it("collapses repeated slashes in /services and /id paths and leaves the query string and other paths alone", () => {
    expect(normalizeCrmPath("//services/data/v50.0/query?q=a//b")).toBe("/services/data/v50.0/query?q=a//b");
    expect(normalizeCrmPath("/services//data///v62.0/sobjects")).toBe("/services/data/v62.0/sobjects");
    expect(normalizeCrmPath("//id/00D/005")).toBe("/id/00D/005");
    expect(normalizeCrmPath("//api/v1/apps")).toBe("//api/v1/apps");
    expect(normalizeCrmPath("/services/data?x=//")).toBe("/services/data?x=//");
  });
});
