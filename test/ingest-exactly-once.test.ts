import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, it } from "vitest";
import { startChildServer } from "./child-server.js";
import { duckDbEventsOf, startTestPendulum, TEST_APP_KEY, TEST_TRACK_SECRET, type TestPendulum } from "./harness.js";

// Exactly once across a crash, as a client sees it: batches are sent until the server is killed
// with SIGKILL mid-stream, the server starts again on the same data folder, and every batch whose
// answer never came is sent again, unchanged (same batch id, same message ids). Some answered
// batches are sent again too: an answer lost on the way looks the same to a client. Every event
// sent must then be stored exactly once.

/** One request as sent; `answered` once it got a 2xx. */
type Sent = { index: number; body: string; events: number; answered: boolean };

/**
 * Small log segments, so segments are stored and deleted while the test runs and the keys of the
 * first batches survive only in the key files, not in the log. A flush interval well under the
 * test's length, so some batches are stored before the kill and some are only in the log.
 */
const SERVER_ENV = { PENDULUM_FLUSH_INTERVAL_MS: "300", PENDULUM_INGEST_SEGMENT_BYTES: "131072" };

/** Sends requests from six loops back to back, then kills the server while requests are in flight. */
async function sendUntilKilled(
  url: string,
  request: (index: number) => { path: string; headers: Record<string, string>; body: string; events: number },
  killAfterEvents: number,
  firstSegment: string,
  kill: () => Promise<unknown>,
): Promise<Sent[]> {
  const sent: Sent[] = [];
  let acked = 0;
  let gone = false;
  let refused: string | undefined;
  const loop = async (): Promise<void> => {
    while (!gone) {
      const r = request(sent.length);
      const s: Sent = { index: sent.length, body: r.body, events: r.events, answered: false };
      sent.push(s);
      try {
        const res = await fetch(`${url}${r.path}`, { method: "POST", headers: r.headers, body: r.body });
        if (res.ok) {
          await res.arrayBuffer();
          s.answered = true;
          acked += r.events;
        } else if (res.status < 500) {
          refused = `${res.status} ${Buffer.from(await res.arrayBuffer()).toString()}`;
          gone = true;
        } else await res.arrayBuffer(); // 503 INGEST_BUSY: nothing kept; retried after the restart
      } catch {
        gone = true; // the server is gone; this request's answer never came
      }
    }
  };
  const loops = Array.from({ length: 6 }, loop);
  // Killed once enough is acknowledged and the first log segment was stored and deleted (its
  // batches' ids then live only in the key files).
  while ((acked < killAfterEvents || fs.existsSync(firstSegment)) && refused === undefined) await new Promise((r) => setTimeout(r, 10));
  if (refused !== undefined) {
    await kill();
    await Promise.all(loops);
    throw new Error(`a request was refused: ${refused}`);
  }
  // Requests are in flight now: six loops send back to back.
  await kill();
  gone = true;
  await Promise.all(loops);
  return sent;
}

const firstSegment = (dataDir: string): string => path.join(dataDir, "ingest-log", `${"1".padStart(20, "0")}.log`);

/** What a retrying client does after the restart: sends the unanswered requests (and every 7th answered one) again. */
async function retry(
  p: TestPendulum,
  sent: readonly Sent[],
  request: (s: Sent) => { path: string; headers: Record<string, string>; body: string },
): Promise<{ retried: Sent[]; answers: Map<number, Record<string, unknown>> }> {
  const retried = sent.filter((s) => !s.answered || s.index % 7 === 0);
  const answers = new Map<number, Record<string, unknown>>();
  for (const s of retried) {
    const r = request(s);
    const res = await fetch(`${p.url}${r.path}`, { method: "POST", headers: r.headers, body: r.body });
    expect(res.status, await res.clone().text()).toBe(200);
    answers.set(s.index, (await res.json()) as Record<string, unknown>);
  }
  return { retried, answers };
}

/** Stored events per request index (the `r` property) with their distinct `i`s. */
async function storedPerRequest(p: TestPendulum, name: string): Promise<Map<number, { count: number; distinct: number }>> {
  const appId = p.modules.analytics.apps.list()[0]?.id as string;
  const rows = await duckDbEventsOf(p).connection.runAndReadAll(
    `SELECT CAST(json_extract(props, '$.r') AS BIGINT), count(*), count(DISTINCT CAST(json_extract(props, '$.i') AS BIGINT))
     FROM events WHERE app_id = $1 AND name = $2 GROUP BY 1`,
    [appId, name],
  );
  return new Map(rows.getRowsJS().map(([r, c, d]) => [Number(r), { count: Number(c), distinct: Number(d) }]));
}

it("stores every agent batch exactly once when unanswered batches are retried with their batch id after kill -9", { timeout: 180_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-once-ingest-"));
  const server = await startChildServer(dataDir, SERVER_ENV);
  const agentBatch = (index: number) => {
    const events = Array.from({ length: 100 }, (_, i) => ({ type: "track", ts: Date.now(), url: "https://app.example.com/", name: "batch event", props: { r: index, i } }));
    return JSON.stringify({ batchId: `batch-${index}`, visitor: { id: `v${index % 5}` }, account: { id: "acct" }, events });
  };
  const path_ = `/data/ingest?key=${TEST_APP_KEY}`;
  const headers = { "content-type": "text/plain" };
  const sent = await sendUntilKilled(server.url, (index) => ({ path: path_, headers, body: agentBatch(index), events: 100 }), 10_000, firstSegment(dataDir), () => server.stop("SIGKILL"));
  expect(sent.some((s) => !s.answered)).toBe(true);

  const p = await startTestPendulum({ dataDir, env: SERVER_ENV });
  try {
    const { retried, answers } = await retry(p, sent, (s) => ({ path: path_, headers, body: s.body }));
    await p.modules.analytics.settle();
    const stored = await storedPerRequest(p, "batch event");
    // Every batch sent is stored whole and once: answered ones and retried ones alike.
    const wrong = sent.filter((s) => stored.get(s.index)?.count !== 100 || stored.get(s.index)?.distinct !== 100).map((s) => ({ index: s.index, answered: s.answered, stored: stored.get(s.index) }));
    expect(wrong).toEqual([]);
    expect(stored.size).toBe(sent.length);
    expect(await p.events.count()).toBe(sent.length * 100);
    // An answered request sent again is a repeat: success, nothing stored.
    for (const s of retried.filter((x) => x.answered)) expect(answers.get(s.index)).toEqual({ accepted: 100, duplicate: true });
  } finally {
    await p.close();
  }
});

it("stores every /data/track event exactly once when unanswered calls are retried with their message ids after kill -9", { timeout: 180_000 }, async () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "pendulum-once-track-"));
  const server = await startChildServer(dataDir, SERVER_ENV);
  // 40 events per call over four visitors in runs of ten: each call is logged as several records.
  const trackCall = (index: number) =>
    JSON.stringify(
      Array.from({ length: 40 }, (_, i) => ({
        type: "track",
        event: "server event",
        visitorId: `srv-${(index + Math.floor(i / 10)) % 4}`,
        accountId: "acct",
        timestamp: Date.now(),
        properties: { r: index, i },
        messageId: `call-${index}-event-${i}`,
      })),
    );
  const headers = { "content-type": "application/json", "x-pendulum-track-secret": TEST_TRACK_SECRET };
  const sent = await sendUntilKilled(server.url, (index) => ({ path: "/data/track", headers, body: trackCall(index), events: 40 }), 8_000, firstSegment(dataDir), () => server.stop("SIGKILL"));
  expect(sent.some((s) => !s.answered)).toBe(true);

  const p = await startTestPendulum({ dataDir, env: SERVER_ENV });
  try {
    const { retried, answers } = await retry(p, sent, (s) => ({ path: "/data/track", headers, body: s.body }));
    await p.modules.analytics.settle();
    const stored = await storedPerRequest(p, "server event");
    const wrong = sent.filter((s) => stored.get(s.index)?.count !== 40 || stored.get(s.index)?.distinct !== 40).map((s) => ({ index: s.index, answered: s.answered, stored: stored.get(s.index) }));
    expect(wrong).toEqual([]);
    expect(stored.size).toBe(sent.length);
    expect(await p.events.count()).toBe(sent.length * 40);
    // An answered request sent again is a repeat: success, nothing stored.
    for (const s of retried.filter((x) => x.answered)) expect(answers.get(s.index)).toEqual({ accepted: 40, duplicate: true });
  } finally {
    await p.close();
  }
});
