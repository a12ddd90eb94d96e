import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import jsforce from "jsforce";
import { expect, it } from "vitest";
import { startChildServer } from "./child-server.js";
import { startTestPendulum } from "./harness.js";

// Issue 15, finding 10: after a crash, the chunks of a Bulk API 2.0 ingest job that were committed
// stayed, but the job answered 404, so a client could not know what to retry and a retry wrote the
// rows twice. The job must be known after the restart and end with every row written once.

const CRM = { PENDULUM_CRM_USERNAME: "bulk-crash@acme.test", PENDULUM_CRM_PASSWORD: "s3cret-Passw0rd-bulk", PENDULUM_CRM_CLIENT_ID: "3MVG9bulk_crash_client_012", PENDULUM_CRM_CLIENT_SECRET: "bulk-crash-secret-0123456789" };
const ROWS = 40_000;

const connect = async (url: string): Promise<jsforce.Connection> => {
  const conn = new jsforce.Connection({ loginUrl: url, version: "62.0", oauth2: { loginUrl: url, clientId: CRM.PENDULUM_CRM_CLIENT_ID, clientSecret: CRM.PENDULUM_CRM_CLIENT_SECRET } });
  await conn.login(CRM.PENDULUM_CRM_USERNAME, CRM.PENDULUM_CRM_PASSWORD);
  return conn;
};
type JobInfo = { state: string; numberRecordsProcessed: number };

it("knows an ingest job after kill -9 and finishes it without writing a row twice", async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-bulk-crash-"));
  const server = await startChildServer(dataDir, CRM);
  let jobId: string;
  let processedAtKill: number;
  try {
    const conn = await connect(server.url);
    const job = (await conn.requestPost("/services/data/v62.0/jobs/ingest", { object: "Account", operation: "insert" })) as { id: string };
    jobId = job.id;
    const csv = `Name,Website\n${Array.from({ length: ROWS }, (_, i) => `Crash ${i},https://c-${i}.example`).join("\n")}\n`;
    const put = await fetch(`${server.url}/services/data/v62.0/jobs/ingest/${jobId}/batches`, { method: "PUT", headers: { authorization: `Bearer ${conn.accessToken}`, "content-type": "text/csv" }, body: csv });
    expect(put.status, await put.clone().text()).toBe(201);
    await conn.requestPatch(`/services/data/v62.0/jobs/ingest/${jobId}`, { state: "UploadComplete" });
    // Kill the server once some chunks are committed (as early as we can see it).
    let info: JobInfo;
    do info = (await conn.request(`/services/data/v62.0/jobs/ingest/${jobId}`)) as JobInfo;
    while (info.numberRecordsProcessed === 0 && info.state !== "JobComplete");
    processedAtKill = info.numberRecordsProcessed;
  } finally {
    await server.stop("SIGKILL");
  }

  const p = await startTestPendulum({ dataDir, env: CRM });
  try {
    const conn = await connect(p.url);
    const first = await fetch(`${p.url}/services/data/v62.0/jobs/ingest/${jobId}`, { headers: { authorization: `Bearer ${conn.accessToken}` } });
    expect(first.status).toBe(200);
    const known = (await first.json()) as JobInfo;
    expect(known.numberRecordsProcessed).toBeGreaterThanOrEqual(processedAtKill);
    let info = known;
    for (let i = 0; i < 600 && info.state !== "JobComplete" && info.state !== "Failed"; i++) {
      await new Promise((r) => setTimeout(r, 100));
      info = (await conn.request(`/services/data/v62.0/jobs/ingest/${jobId}`)) as JobInfo;
    }
    expect(info).toMatchObject({ state: "JobComplete", numberRecordsProcessed: ROWS });
    const counts = (await conn.query<{ expr0: number }>("SELECT count(Id) FROM Account WHERE Website LIKE 'https://c-%'")).records[0];
    expect(counts?.expr0 ?? (await conn.query("SELECT Id FROM Account WHERE Website LIKE 'https://c-%'")).totalSize).toBe(ROWS);
    const successes = await (await fetch(`${p.url}/services/data/v62.0/jobs/ingest/${jobId}/successfulResults`, { headers: { authorization: `Bearer ${conn.accessToken}` } })).text();
    expect(successes.trim().split("\n")).toHaveLength(ROWS + 1);
    const ids = new Set(successes.trim().split("\n").slice(1).map((l) => l.split(",")[0]));
    expect(ids.size).toBe(ROWS);
  } finally {
    await p.close();
  }
});
