import crypto from "node:crypto";
import { execFile } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CRM_CLIENT_ID, CRM_CLIENT_SECRET, CRM_PASSWORD, CRM_USER, startCrm, type CrmHarness } from "../../src/crm/test-kit.js";
import { createSf, SF_VERSION, type Sf } from "./sf.js";

/**
 * The real Salesforce CLI (`sf` 2.138.0, installed by scripts/install-sf-cli.sh) against a
 * Pendulum server: every command an admin or data engineer reaches for first, each checked
 * by what it returns and by what the CRM then holds (read back over REST, not through the CLI).
 * The steps share one org and run in order.
 */

let crm: CrmHarness;
let sf: Sf;
let token = "";
let orgId = "";
const JWT_USER = "jwt@acme.test";

/** Reads the CRM over REST with the test's own session, to check what a command saved. */
async function rest<T>(pathname: string): Promise<T> {
  const res = await fetch(`${crm.url}${pathname}`, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${pathname}: ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

async function soql<T = Record<string, unknown>>(q: string): Promise<{ totalSize: number; records: T[] }> {
  return rest(`/services/data/v62.0/query?q=${encodeURIComponent(q)}`);
}

function file(name: string, content: string): string {
  const p = path.join(sf.workDir, name);
  fs.writeFileSync(p, content);
  return p;
}

type BulkResults = { jobInfo: { state: string; numberRecordsProcessed: number; numberRecordsFailed: number }; records: { successfulResults: Array<Record<string, string>>; failedResults: Array<Record<string, string>> } };

beforeAll(async () => {
  sf = createSf();
  crm = await startCrm();
  const res = await fetch(`${crm.url}/services/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "password", client_id: CRM_CLIENT_ID, client_secret: CRM_CLIENT_SECRET, username: CRM_USER, password: CRM_PASSWORD }).toString(),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
  orgId = ((await rest<{ records: Array<{ Id: string }> }>(`/services/data/v62.0/query?q=${encodeURIComponent("SELECT Id FROM Organization")}`)).records[0] as { Id: string }).Id;
  // An external id for the upsert steps, as an admin would add it.
  const field = await crm.admin("/crm/fields", { name: "Ext_Id__c", type: "Text", length: 40, externalId: true, label: "External Id" });
  expect(field.status).toBe(201);
});

afterAll(async () => {
  await crm?.close();
});

describe(`Salesforce CLI ${SF_VERSION} against the built-in CRM`, () => {
  it("the network guard refuses and records a connection to another host", async () => {
    // Proves the guard every sf run carries works, so the last step's empty log means something.
    const log = path.join(sf.home, "guard-check.log");
    const guard = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "no-network.mjs");
    const script = `fetch("https://login.salesforce.com/").then(() => process.exit(3), () => process.exit(0))`;
    const code = await new Promise<number>((resolve) => {
      execFile(process.execPath, ["--import", guard, "-e", script], { env: { PATH: process.env["PATH"] ?? "", PENDULUM_SF_NETWORK_LOG: log } }, (e) => resolve(e ? Number(e.code ?? 1) : 0));
    });
    expect(code).toBe(0);
    expect(fs.readFileSync(log, "utf8")).toMatch(/login\.salesforce\.com/);
  });

  it("org login access-token stores the org (with the trailing-slash instance URL that makes the CLI send //services/…)", async () => {
    const result = await sf.json<{ username: string; orgId: string; instanceUrl: string }>(["org", "login", "access-token", "--instance-url", crm.url, "--no-prompt", "--alias", "pdl", "--set-default"], {
      env: { SF_ACCESS_TOKEN: token },
    });
    expect(result.username).toBe(CRM_USER);
    expect(result.orgId).toBe(orgId);
    expect(result.instanceUrl).toBe(`${crm.url}/`);
  });

  it("org login jwt signs in with the connected app's certificate", async () => {
    // A second user: logging the same user in twice would replace the first login's auth file and default.
    const user = await crm.admin("/crm/users", { username: JWT_USER, password: "jwt-user-Passw0rd", lastName: "Integration", firstName: "Jay" });
    expect(user.status).toBe(201);
    const { publicKey, privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
    const created = await crm.admin("/crm/connected-apps", { name: "sf cli jwt", publicKeyPem: publicKey.export({ type: "spki", format: "pem" }).toString() });
    const { clientId } = (await created.json()) as { clientId: string };
    const keyFile = file("jwt.key", privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    const result = await sf.json<{ username: string; orgId: string; instanceUrl: string; orgEdition: string; instanceName: string }>([
      "org", "login", "jwt", "--client-id", clientId, "--jwt-key-file", keyFile, "--username", JWT_USER, "--instance-url", crm.url, "--alias", "jwt",
    ]);
    expect(result).toMatchObject({ username: JWT_USER, orgId, orgEdition: "Developer Edition", instanceName: "PDL1" });
    const display = await sf.json<{ connectedStatus: string; username: string }>(["org", "display", "--target-org", "jwt"]);
    expect(display).toMatchObject({ connectedStatus: "Connected", username: JWT_USER });
  });

  it("org display shows the connected org at the newest API version", async () => {
    const result = await sf.json<{ id: string; apiVersion: string; connectedStatus: string; username: string; alias: string }>(["org", "display"]);
    expect(result).toMatchObject({ id: orgId, apiVersion: "62.0", connectedStatus: "Connected", username: CRM_USER, alias: "pdl" });
  });

  it("org list limits reports the daily API allocation and what is left of it", async () => {
    const result = await sf.json<Array<{ name: string; max: number; remaining: number }>>(["org", "list", "limits"]);
    const daily = result.find((l) => l.name === "DailyApiRequests");
    expect(daily?.max).toBe(100_000);
    const usage = (await (await crm.admin("/crm/limits")).json()) as { used: number; max: number };
    expect(daily?.remaining).toBeLessThan(100_000);
    // The CLI's own request was counted before the answer, later ones after it.
    expect(100_000 - (daily?.remaining ?? 0)).toBeLessThanOrEqual(usage.used);
  });

  it("org list users names each user's profile", async () => {
    const result = await sf.json<Array<{ username: string; profileName: string; userId: string; orgId: string }>>(["org", "list", "users"]);
    const users = await soql<{ Id: string; Username: string }>("SELECT Id, Username FROM User ORDER BY Username");
    const ids = Object.fromEntries(users.records.map((u) => [u.Username, u.Id]));
    expect(Object.keys(ids)).toEqual([CRM_USER, JWT_USER]);
    // The users the CLI knows for this org (the default org's own login), with the org's data on them.
    expect(result.map((u) => [u.username, u.profileName, u.userId, u.orgId])).toEqual([[CRM_USER, "System Administrator", ids[CRM_USER], orgId]]);
  });

  it("sobject list and sobject describe", async () => {
    const all = await sf.json<string[]>(["sobject", "list"]);
    expect(all).toEqual(expect.arrayContaining(["Account", "Contact", "User", "Organization", "Profile"]));
    const account = await sf.json<{ name: string; keyPrefix: string; fields: Array<{ name: string; type: string; externalId: boolean }>; childRelationships: Array<{ relationshipName: string; childSObject: string }> }>([
      "sobject", "describe", "--sobject", "Account",
    ]);
    expect(account.name).toBe("Account");
    expect(account.keyPrefix).toBe("001");
    expect(account.fields.find((f) => f.name === "Ext_Id__c")).toMatchObject({ type: "string", externalId: true });
    expect(account.childRelationships).toContainEqual(expect.objectContaining({ relationshipName: "Contacts", childSObject: "Contact" }));
  });

  it("data create / get / update / delete record", async () => {
    const created = await sf.json<{ id: string; success: boolean }>(["data", "create", "record", "--sobject", "Account", "--values", "Name='Acme Rockets' Industry=Technology NumberOfEmployees=42 Ext_Id__c=R-1"]);
    expect(created.success).toBe(true);
    expect(created.id).toMatch(/^001[0-9A-Za-z]{15}$/);
    const saved = await rest<Record<string, unknown>>(`/services/data/v62.0/sobjects/Account/${created.id}`);
    expect(saved).toMatchObject({ Name: "Acme Rockets", Industry: "Technology", NumberOfEmployees: 42, Ext_Id__c: "R-1" });

    const got = await sf.json<Record<string, unknown>>(["data", "get", "record", "--sobject", "Account", "--record-id", created.id]);
    expect(got).toMatchObject({ Id: created.id, Name: "Acme Rockets", NumberOfEmployees: 42 });
    const byWhere = await sf.json<Record<string, unknown>>(["data", "get", "record", "--sobject", "Account", "--where", "Name='Acme Rockets'"]);
    expect(byWhere["Id"]).toBe(created.id);

    await sf.json(["data", "update", "record", "--sobject", "Account", "--where", "Ext_Id__c=R-1", "--values", "Industry=Banking NumberOfEmployees=43"]);
    expect(await rest<Record<string, unknown>>(`/services/data/v62.0/sobjects/Account/${created.id}`)).toMatchObject({ Industry: "Banking", NumberOfEmployees: 43, Name: "Acme Rockets" });

    await sf.json(["data", "delete", "record", "--sobject", "Account", "--record-id", created.id]);
    expect((await soql(`SELECT Id FROM Account WHERE Id = '${created.id}'`)).totalSize).toBe(0);
    const gone = await sf.run(["data", "get", "record", "--sobject", "Account", "--record-id", created.id, "--json"]);
    expect(gone.code).not.toBe(0);
    expect(gone.json?.name).toBe("NOT_FOUND");
  });

  const BULK = 2500;

  it(`data import bulk loads ${BULK} Accounts from CSV`, async () => {
    const rows = Array.from({ length: BULK }, (_, i) => `"Bulk ${String(i).padStart(4, "0")}",B-${i},${i}`);
    const csv = file("accounts.csv", `Name,Ext_Id__c,NumberOfEmployees\n${rows.join("\n")}\n`);
    const result = await sf.json<{ processedRecords: number; successfulRecords: number; failedRecords: number }>(["data", "import", "bulk", "--sobject", "Account", "--file", csv, "--wait", "5"]);
    expect(result).toMatchObject({ processedRecords: BULK, successfulRecords: BULK, failedRecords: 0 });
    const sum = await soql<{ total: number; n: number }>("SELECT SUM(NumberOfEmployees) total, COUNT(Id) n FROM Account WHERE Name LIKE 'Bulk %'");
    expect(sum.records[0]).toMatchObject({ n: BULK, total: ((BULK - 1) * BULK) / 2 });
  });

  it(`data query returns all ${BULK} rows (more than one 2,000-record page) as JSON, CSV and a table`, async () => {
    const q = "SELECT Id, Name, Ext_Id__c, Owner.Name FROM Account WHERE Name LIKE 'Bulk %' ORDER BY Name";
    const json = await sf.json<{ totalSize: number; done: boolean; records: Array<{ Name: string; Ext_Id__c: string; Owner: { Name: string } }> }>(["data", "query", "--query", q]);
    expect(json.totalSize).toBe(BULK);
    expect(json.done).toBe(true);
    expect(json.records).toHaveLength(BULK);
    expect(new Set(json.records.map((r) => r.Ext_Id__c)).size).toBe(BULK);
    expect(json.records[BULK - 1]).toMatchObject({ Name: `Bulk ${String(BULK - 1).padStart(4, "0")}`, Owner: { Name: "API User" } });

    const csv = await sf.run(["data", "query", "--query", q, "--result-format", "csv"]);
    expect(csv.code).toBe(0);
    const lines = csv.stdout.trim().split("\n");
    // The header comes from the column metadata (columns=true), parent fields as Owner.Name.
    expect(lines[0]).toBe("Id,Name,Ext_Id__c,Owner.Name");
    expect(lines).toHaveLength(BULK + 1);
    expect(lines[1]).toMatch(/^001\w{15},Bulk 0000,B-0,API User$/);

    const human = await sf.run(["data", "query", "--query", "SELECT Name, Ext_Id__c FROM Account WHERE Ext_Id__c IN ('B-7', 'B-8') ORDER BY Name"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/NAME\s+EXT_ID__C\s+Bulk 0007\s+B-7\s+Bulk 0008\s+B-8\s/);
    expect(human.stdout).toContain("Total number of records retrieved: 2.");

    // Aggregates come back as expr0, expr1…; the CLI names them from the column metadata's display names.
    const aggregate = await sf.run(["data", "query", "--query", "SELECT COUNT(Id), MAX(Name) FROM Account WHERE Name LIKE 'Bulk %'", "--result-format", "csv"]);
    expect(aggregate.stdout.trim().split("\n")).toEqual(["count(Id),max(Name)", `${BULK},Bulk ${String(BULK - 1).padStart(4, "0")}`]);
    const aliased = await sf.json<{ records: Array<Record<string, unknown>> }>(["data", "query", "--query", "SELECT COUNT(Id) n FROM Account WHERE Name LIKE 'Bulk %'"]);
    expect(aliased.records[0]).toMatchObject({ n: BULK });
  });

  it("data upsert bulk updates rows whose external id exists and creates the rest", async () => {
    const csv = file("upsert.csv", "Ext_Id__c,Name\nB-1,Renamed One\nB-2,Renamed Two\nB-new,Brand New\n");
    const result = await sf.json<BulkResults>(["data", "upsert", "bulk", "--sobject", "Account", "--file", csv, "--external-id", "Ext_Id__c", "--wait", "5"]);
    expect(result.jobInfo).toMatchObject({ state: "JobComplete", numberRecordsProcessed: 3, numberRecordsFailed: 0 });
    const created = Object.fromEntries(result.records.successfulResults.map((r) => [r["Ext_Id__c"], r["sf__Created"]]));
    expect(created).toEqual({ "B-1": "false", "B-2": "false", "B-new": "true" });
    const saved = await soql<{ Ext_Id__c: string; Name: string }>("SELECT Ext_Id__c, Name FROM Account WHERE Ext_Id__c IN ('B-1', 'B-2', 'B-new') ORDER BY Ext_Id__c");
    expect(saved.records.map((r) => [r.Ext_Id__c, r.Name])).toEqual([
      ["B-1", "Renamed One"],
      ["B-2", "Renamed Two"],
      ["B-new", "Brand New"],
    ]);
  });

  it("data delete bulk deletes the listed Ids; data query --all-rows still sees them", async () => {
    const doomed = (await soql<{ Id: string }>("SELECT Id FROM Account WHERE Name LIKE 'Bulk 1%'")).records.map((r) => r.Id);
    expect(doomed).toHaveLength(1000);
    const csv = file("delete.csv", `Id\n${doomed.join("\n")}\n`);
    const result = await sf.json<BulkResults>(["data", "delete", "bulk", "--sobject", "Account", "--file", csv, "--wait", "5"]);
    expect(result.jobInfo).toMatchObject({ state: "JobComplete", numberRecordsProcessed: 1000, numberRecordsFailed: 0 });
    // B-1 and B-2 were renamed by the upsert.
    expect((await soql("SELECT Id FROM Account WHERE Name LIKE 'Bulk %'")).totalSize).toBe(BULK - 2 - 1000);

    const live = await sf.json<{ totalSize: number }>(["data", "query", "--query", "SELECT Id FROM Account WHERE Ext_Id__c LIKE 'B-%'"]);
    expect(live.totalSize).toBe(BULK + 1 - 1000);
    const everything = await sf.json<{ totalSize: number; records: Array<{ IsDeleted: boolean }> }>(["data", "query", "--query", "SELECT Id, IsDeleted FROM Account WHERE Ext_Id__c LIKE 'B-%'", "--all-rows"]);
    expect(everything.totalSize).toBe(BULK + 1);
    expect(everything.records.filter((r) => r.IsDeleted)).toHaveLength(1000);
  });

  it("data export bulk writes the query's rows to a CSV file", async () => {
    const out = path.join(sf.workDir, "export.csv");
    const result = await sf.json<{ totalSize: number; filePath: string }>(["data", "export", "bulk", "--query", "SELECT Id, Name, Ext_Id__c FROM Account WHERE Name LIKE 'Bulk 2%' ORDER BY Name", "--output-file", out, "--result-format", "csv", "--wait", "5"]);
    expect(result.totalSize).toBe(500);
    const lines = fs.readFileSync(out, "utf8").trim().split(/\r?\n/);
    expect(lines[0]).toBe("Id,Name,Ext_Id__c");
    expect(lines).toHaveLength(501);
    expect(lines[1]).toMatch(/^001\w{15},Bulk 2000,B-2000$/);
  });

  it("data query --use-tooling-api reads the custom field definitions", async () => {
    const result = await sf.json<{ totalSize: number; records: Array<{ DeveloperName: string; TableEnumOrId: string; DataType: string }> }>([
      "data", "query", "--use-tooling-api", "--query", "SELECT Id, DeveloperName, TableEnumOrId, DataType FROM CustomField",
    ]);
    expect(result.totalSize).toBe(1);
    expect(result.records[0]).toMatchObject({ DeveloperName: "Ext_Id", TableEnumOrId: "Account", DataType: "Text" });
  });

  it("data import tree creates Accounts with nested Contacts in one request, all or nothing", async () => {
    const tree = file(
      "Account-Contact.json",
      JSON.stringify({
        records: [
          {
            attributes: { type: "Account", referenceId: "AccRef1" },
            Name: "Tree Acme",
            Industry: "Retail",
            Contacts: {
              records: [
                { attributes: { type: "Contact", referenceId: "ConRef1" }, FirstName: "Ada", LastName: "Lovelace", Email: "ada@acme.example" },
                { attributes: { type: "Contact", referenceId: "ConRef2" }, LastName: "Hopper", Title: "Rear Admiral" },
              ],
            },
          },
          { attributes: { type: "Account", referenceId: "AccRef2" }, Name: "Tree Globex" },
        ],
      }),
    );
    const result = await sf.json<Array<{ refId: string; type: string; id: string }>>(["data", "import", "tree", "--files", tree]);
    expect(result.map((r) => [r.refId, r.type])).toEqual([
      ["AccRef1", "Account"],
      ["AccRef2", "Account"],
      ["ConRef1", "Contact"],
      ["ConRef2", "Contact"],
    ]);
    const acme = result.find((r) => r.refId === "AccRef1")?.id;
    const contacts = await soql<{ Name: string; AccountId: string; Account: { Name: string } }>("SELECT Name, AccountId, Account.Name FROM Contact ORDER BY LastName");
    expect(contacts.records.map((c) => [c.Name, c.AccountId, c.Account.Name])).toEqual([
      ["Hopper", acme, "Tree Acme"],
      ["Ada Lovelace", acme, "Tree Acme"],
    ]);

    // A record without its required Name fails the request: nothing before it is kept.
    const bad = file(
      "bad.json",
      JSON.stringify({ records: [{ attributes: { type: "Account", referenceId: "Ok1" }, Name: "Never Saved" }, { attributes: { type: "Account", referenceId: "Bad1" }, Industry: "Retail" }] }),
    );
    const failed = await sf.run(["data", "import", "tree", "--files", bad, "--json"]);
    expect(failed.code).not.toBe(0);
    expect(JSON.stringify(failed.json)).toMatch(/Bad1.*REQUIRED_FIELD_MISSING|REQUIRED_FIELD_MISSING.*Bad1/s);
    expect((await soql("SELECT Id FROM Account WHERE Name = 'Never Saved'")).totalSize).toBe(0);
  });

  it("data export tree writes records a data import tree loads again, nested or as a plan", async () => {
    const flatDir = path.join(sf.workDir, "tree-export");
    await sf.json(["data", "export", "tree", "--query", "SELECT Name, Industry FROM Account WHERE Name LIKE 'Tree %' ORDER BY Name", "--output-dir", flatDir]);
    const exported = JSON.parse(fs.readFileSync(path.join(flatDir, "Account.json"), "utf8")) as { records: Array<{ attributes: { type: string; referenceId: string }; Name: string; Industry?: string }> };
    expect(exported.records.map((r) => [r.attributes.type, r.Name, r.Industry ?? null])).toEqual([
      ["Account", "Tree Acme", "Retail"],
      ["Account", "Tree Globex", null],
    ]);

    // Accounts with their Contacts (a parent-to-child sub-query), as a plan: one file per object, children pointing at @AccountRefN.
    const planDir = path.join(sf.workDir, "tree-plan");
    await sf.json(["data", "export", "tree", "--plan", "--output-dir", planDir, "--query", "SELECT Id, Name, Industry, (SELECT Id, FirstName, LastName, Email, Title FROM Contacts ORDER BY LastName) FROM Account WHERE Name LIKE 'Tree %' ORDER BY Name"]);
    const contactsFile = JSON.parse(fs.readFileSync(path.join(planDir, "Contact.json"), "utf8")) as { records: Array<{ LastName: string; AccountId: string }> };
    expect(contactsFile.records.map((r) => [r.LastName, r.AccountId])).toEqual([
      ["Hopper", "@AccountRef1"],
      ["Lovelace", "@AccountRef1"],
    ]);
    const plan = fs.readdirSync(planDir).find((f) => f.endsWith("-plan.json")) as string;
    const loaded = await sf.json<Array<{ refId: string; type: string; id: string }>>(["data", "import", "tree", "--plan", path.join(planDir, plan)]);
    expect(loaded.map((r) => r.type)).toEqual(["Account", "Account", "Contact", "Contact"]);
    const newAcme = loaded.find((r) => r.refId === "AccountRef1")?.id;
    const copies = await soql<{ Name: string; Account: { Name: string } }>(`SELECT Name, Account.Name FROM Contact WHERE AccountId = '${newAcme}' ORDER BY LastName`);
    expect(copies.records.map((c) => [c.Name, c.Account.Name])).toEqual([
      ["Hopper", "Tree Acme"],
      ["Ada Lovelace", "Tree Acme"],
    ]);

    const again = await sf.json<Array<{ type: string }>>(["data", "import", "tree", "--files", path.join(flatDir, "Account.json")]);
    expect(again).toHaveLength(2);
    expect((await soql("SELECT Id FROM Account WHERE Name = 'Tree Acme'")).totalSize).toBe(3);
  });

  it("data search runs SOSL over Accounts and Contacts", async () => {
    const result = await sf.json<{ searchRecords: Array<{ attributes: { type: string }; Name: string; Email?: string }> }>([
      "data", "search", "--query", "FIND {lovelace} IN ALL FIELDS RETURNING Contact(Name, Email), Account(Name)",
    ]);
    // The imported Contact and its copy from the plan.
    expect(result.searchRecords.map((r) => [r.attributes.type, r.Name, r.Email])).toEqual([
      ["Contact", "Ada Lovelace", "ada@acme.example"],
      ["Contact", "Ada Lovelace", "ada@acme.example"],
    ]);

    const scoped = await sf.json<{ searchRecords: Array<{ attributes: { type: string }; Name: string }> }>([
      "data", "search", "--query", "FIND {Tree*} IN NAME FIELDS RETURNING Account(Name WHERE Industry = 'Retail' ORDER BY Name LIMIT 5)",
    ]);
    expect(scoped.searchRecords.map((r) => r.Name)).toEqual(["Tree Acme", "Tree Acme", "Tree Acme"]);

    const csv = await sf.run(["data", "search", "--query", "FIND {Hopper} RETURNING Contact(LastName, Title)", "--result-format", "csv"]);
    expect(csv.code).toBe(0);
    expect(fs.readFileSync(path.join(sf.workDir, "Contact.csv"), "utf8").trim().split(/\r?\n/)).toEqual(["LastName,Title", "Hopper,Rear Admiral", "Hopper,Rear Admiral"]);

    const malformed = await sf.run(["data", "search", "--query", "FIND {x} RETURNING Account", "--json"]);
    expect(malformed.code).not.toBe(0);
    expect(malformed.json?.name).toBe("MALFORMED_SEARCH");
  });

  it("org list sobject record-counts matches what the CRM holds", async () => {
    const result = await sf.json<Array<{ name: string; count: number }>>(["org", "list", "sobject", "record-counts", "--sobject", "Account", "--sobject", "Contact"]);
    const accounts = (await soql("SELECT Id FROM Account")).totalSize;
    expect(Object.fromEntries(result.map((r) => [r.name, r.count]))).toEqual({ Account: accounts, Contact: 4 });
  });

  it("api request rest sends any REST call with the stored session", async () => {
    const limits = await sf.run(["api", "request", "rest", "/services/data/v62.0/limits"]);
    expect(limits.code).toBe(0);
    expect((JSON.parse(limits.stdout) as { DailyApiRequests: { Max: number } }).DailyApiRequests.Max).toBe(100_000);

    const body = file("new-account.json", JSON.stringify({ Name: "Via Api Request", Website: "https://api.example" }));
    const created = await sf.run(["api", "request", "rest", "/services/data/v62.0/sobjects/Account", "--method", "POST", "--body", `@${body}`]);
    expect(created.code).toBe(0);
    const id = (JSON.parse(created.stdout) as { id: string }).id;
    expect(await rest<Record<string, unknown>>(`/services/data/v62.0/sobjects/Account/${id}`)).toMatchObject({ Name: "Via Api Request", Website: "https://api.example" });
  });

  it("nothing the CLI ran tried to reach another host", () => {
    expect(fs.readFileSync(sf.networkLog, "utf8")).toBe("");
  });
});
