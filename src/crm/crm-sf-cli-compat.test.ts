import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type jsforce from "jsforce";
import { startCrm, type CrmHarness } from "./test-kit.js";

/** What the Salesforce CLI needs beyond jsforce's everyday calls (its own suite is test/sf-cli). */

let crm: CrmHarness;
let conn: jsforce.Connection;

beforeAll(async () => {
  crm = await startCrm();
  conn = await crm.login();
  await conn.sobject("Account").create([{ Name: "Alpha", NumberOfEmployees: 10 }, { Name: "Beta", NumberOfEmployees: 20 }]);
});
afterAll(async () => {
  await crm.close();
});

function get(pathname: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${crm.url}${pathname}`, { ...init, headers: { authorization: `Bearer ${conn.accessToken}`, ...(init.headers as Record<string, string> | undefined) } });
}

describe("paths as the Salesforce CLI writes them", () => {
  it("answers every route the same with repeated slashes, counting it against the API budget", async () => {
    const before = ((await (await crm.admin("/crm/limits")).json()) as { used: number }).used;
    const res = await get("//services//data/v62.0/query?q=SELECT+Name+FROM+Account+ORDER+BY+Name");
    expect(res.status).toBe(200);
    expect(res.headers.get("sforce-limit-info")).toMatch(/^api-usage=\d+\/100000$/);
    expect(((await res.json()) as { records: Array<{ Name: string }> }).records.map((r) => r.Name)).toEqual(["Alpha", "Beta"]);
    expect(((await (await crm.admin("/crm/limits")).json()) as { used: number }).used).toBe(before + 1);
    expect((await get("//services/oauth2/userinfo")).status).toBe(200);
  });

  it("answers unknown paths under /services in Salesforce's error shape, naming the path", async () => {
    const res = await get("//services/data/v62.0/nothing/here");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual([{ errorCode: "NOT_FOUND", message: "The requested resource does not exist: GET /services/data/v62.0/nothing/here" }]);
  });
});

describe("columns=true", () => {
  type Columns = { columnMetadata: Array<Record<string, unknown> & { columnName: string; joinColumns: Array<Record<string, unknown>> }>; entityName: string; groupBy: boolean; idSelected: boolean; keyPrefix: string | null };
  const columns = async (pathname: string, soql: string): Promise<Columns> => (await (await get(`${pathname}?q=${encodeURIComponent(soql)}&columns=true`)).json()) as Columns;

  it("describes fields and parent relationships instead of returning records", async () => {
    const c = await columns("/services/data/v62.0/query", "SELECT Id, Name, NumberOfEmployees, Owner.Name, Owner.Email FROM Account");
    expect(c).toMatchObject({ entityName: "Account", groupBy: false, idSelected: true, keyPrefix: "001" });
    expect(c.columnMetadata.map((m) => m.columnName)).toEqual(["Id", "Name", "NumberOfEmployees", "Owner"]);
    expect(c.columnMetadata[1]).toEqual({
      aggregate: false, apexType: "String", booleanType: false, columnName: "Name", custom: false, displayName: "Name",
      foreignKeyName: null, insertable: true, joinColumns: [], numberType: false, textType: true, updatable: true,
    });
    expect(c.columnMetadata[2]).toMatchObject({ apexType: "Integer", numberType: true, textType: false });
    expect(c.columnMetadata[3]).toMatchObject({ foreignKeyName: "OwnerId", apexType: null, insertable: false });
    expect(c.columnMetadata[3]?.joinColumns.map((j) => [j["columnName"], j["textType"]])).toEqual([
      ["Name", true],
      ["Email", true],
    ]);
  });

  it("names aggregates by alias or exprN with Salesforce's display name, on query, queryAll and Tooling", async () => {
    const c = await columns("/services/data/v62.0/queryAll", "SELECT COUNT(Id) n, MAX(Name), SUM(NumberOfEmployees) FROM Account");
    expect(c).toMatchObject({ entityName: "AggregateResult", idSelected: false, keyPrefix: null });
    expect(c.columnMetadata.map((m) => [m["columnName"], m["displayName"], m["aggregate"], m["numberType"], m["textType"]])).toEqual([
      ["n", "count(Id)", true, true, false],
      ["expr1", "max(Name)", true, false, true],
      ["expr2", "sum(NumberOfEmployees)", true, true, false],
    ]);
    const tooling = await columns("/services/data/v62.0/tooling/query", "SELECT Id, DeveloperName FROM CustomField");
    expect(tooling.columnMetadata.map((m) => m.columnName)).toEqual(["Id", "DeveloperName"]);
    const bad = await get(`/services/data/v62.0/query?q=${encodeURIComponent("SELECT Nope FROM Account")}&columns=true`);
    expect(((await bad.json()) as Array<{ errorCode: string }>)[0]?.errorCode).toBe("INVALID_FIELD");
  });

  it("names each record in attributes.url even when Id is not selected", async () => {
    const r = await conn.query<{ attributes: { type: string; url: string } }>("SELECT Name FROM Account WHERE Name = 'Alpha'");
    const id = (await conn.query<{ Id: string }>("SELECT Id FROM Account WHERE Name = 'Alpha'")).records[0]?.Id;
    expect(r.records[0]?.attributes.url).toBe(`/services/data/v62.0/sobjects/Account/${id}`);
  });
});

describe("org schema the CLI reads", () => {
  it("has the standard profiles, each user's ProfileId and the Organization fields", async () => {
    const profiles = await conn.query<{ Name: string }>("SELECT Id, Name FROM Profile ORDER BY Name");
    expect(profiles.records.map((p) => p.Name)).toEqual(["Minimum Access - Salesforce", "Read Only", "Standard Platform User", "Standard User", "System Administrator"]);
    const users = await conn.query<{ Username: string; Profile: { Name: string } }>("SELECT Username, ProfileId, Profile.Name FROM User");
    expect(users.records.map((u) => [u.Username, u.Profile.Name])).toEqual([["api@acme.test", "System Administrator"]]);
    const org = await conn.query<Record<string, unknown>>("SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, OrganizationType FROM Organization");
    expect(org.records[0]).toMatchObject({ Name: "Pendulum", InstanceName: "PDL1", IsSandbox: false, TrialExpirationDate: null, NamespacePrefix: null, OrganizationType: "Developer Edition" });
    await expect(conn.sobject("Profile").create({ Name: "Mine" })).rejects.toMatchObject({ errorCode: "INVALID_TYPE_FOR_OPERATION" });
  });

  it("counts live records per object at /limits/recordCount, leaving out unknown names", async () => {
    const all = (await conn.request("/services/data/v62.0/limits/recordCount")) as { sObjects: Array<{ name: string; count: number }> };
    expect(all.sObjects.find((o) => o.name === "Profile")?.count).toBe(5);
    const some = (await conn.request("/services/data/v62.0/limits/recordCount?sObjects=Account,Contact,Nope")) as { sObjects: Array<{ name: string; count: number }> };
    expect(some.sObjects).toEqual([
      { count: 2, name: "Account" },
      { count: 0, name: "Contact" },
    ]);
  });

  it("finishes a one-chunk Bulk ingest job before answering UploadComplete, so the first poll sees it done", async () => {
    const job = (await conn.requestPost("/services/data/v62.0/jobs/ingest", { object: "Account", operation: "insert" })) as { id: string };
    const put = await get(`/services/data/v62.0/jobs/ingest/${job.id}/batches`, { method: "PUT", headers: { "content-type": "text/csv" }, body: "Name\nGamma\n" });
    expect(put.status).toBe(201);
    const closed = (await conn.request({ method: "PATCH", url: `/services/data/v62.0/jobs/ingest/${job.id}`, body: JSON.stringify({ state: "UploadComplete" }), headers: { "content-type": "application/json" } })) as { state: string };
    expect(closed.state).toBe("UploadComplete");
    expect(((await conn.request(`/services/data/v62.0/jobs/ingest/${job.id}`)) as { state: string; numberRecordsProcessed: number })).toMatchObject({ state: "JobComplete", numberRecordsProcessed: 1 });
  });
});

describe("APIs the built-in CRM does not serve", () => {
  it("answers each in its clients' own error shape, naming what is not supported", async () => {
    const soap = await fetch(`${crm.url}/services/Soap/u/62.0`, { method: "POST", headers: { "content-type": "text/xml", soapaction: "login" }, body: "<soapenv:Envelope/>" });
    expect(soap.status).toBe(500);
    expect(await soap.text()).toMatch(/<faultcode>sf:API_DISABLED_FOR_ORG<\/faultcode><faultstring>The built-in CRM does not serve the SOAP API \(partner WSDL\)/);
    const metadata = await fetch(`${crm.url}//services/Soap/m/62.0`, { method: "POST", headers: { "content-type": "text/xml" }, body: "<x/>" });
    expect(await metadata.text()).toMatch(/does not serve the Metadata API/);

    const bulkV1 = await fetch(`${crm.url}/services/async/62.0/job`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(bulkV1.status).toBe(400);
    expect(await bulkV1.json()).toMatchObject({ exceptionCode: "FeatureNotEnabled", exceptionMessage: expect.stringMatching(/Bulk API 1\.0.*Bulk API 2\.0/) });

    for (const [method, pathname, api] of [
      ["POST", "/services/data/v62.0/graphql", /the GraphQL API/],
      ["GET", "/services/data/v62.0/metadata/deployRequest/0Af", /the Metadata API/],
      ["GET", "/services/data/v62.0/tooling/executeAnonymous?anonymousBody=x", /anonymous Apex/],
      ["GET", "/services/data/v62.0/ui-api/record-ui/001", /the User Interface API/],
    ] as const) {
      const res = await get(pathname, { method, ...(method === "POST" ? { headers: { "content-type": "application/json" }, body: "{}" } : {}) });
      expect(res.status, pathname).toBe(403);
      const body = (await res.json()) as Array<{ errorCode: string; message: string }>;
      expect(body[0]?.errorCode).toBe("API_DISABLED_FOR_ORG");
      expect(body[0]?.message).toMatch(api);
    }

    const form = new FormData();
    form.append("entity_content", new Blob([JSON.stringify({ Title: "f", PathOnClient: "f.txt" })], { type: "application/json" }));
    form.append("VersionData", new Blob(["hello"]), "f.txt");
    const upload = await get("/services/data/v62.0/sobjects/ContentVersion", { method: "POST", body: form });
    expect(upload.status).toBe(403);
    expect(((await upload.json()) as Array<{ errorCode: string; message: string }>)[0]).toMatchObject({ errorCode: "API_DISABLED_FOR_ORG", message: expect.stringMatching(/files \(ContentVersion uploads\)/) });

    const frontdoor = await get("/services/oauth2/singleaccess", { method: "POST" });
    expect(await frontdoor.json()).toMatchObject({ error: "unsupported_request", error_description: expect.stringMatching(/frontdoor/) });

    const notJson = await get("/services/data/v62.0/sobjects/Account", { method: "POST", headers: { "content-type": "text/plain" }, body: "Name=x" });
    expect(notJson.status).toBe(415);
    expect(((await notJson.json()) as Array<{ errorCode: string }>)[0]?.errorCode).toBe("UNSUPPORTED_MEDIA_TYPE");
  });
});
