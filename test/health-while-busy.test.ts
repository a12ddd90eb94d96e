import diagnostics from "node:diagnostics_channel";
import http from "node:http";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startTestPendulum, TEST_APP_KEY, type TestPendulum } from "./harness.js";

// Issue 15, finding 7: /health must answer while any single request runs. The slowest request
// we can build against a public endpoint with the app key: a batch of 500 clicks near the 1 MiB
// body limit, each with a 22-element path (parse, schema, canonical paths, the log record).
//
// Tests assert no time, so this asserts an order: a /health request sent the moment the heavy
// batch's handler starts (Fastify's `tracing:fastify.request.handler:start` channel) is answered
// before the batch's validation and serialisation end (the server's
// `pendulum.ingest.agent-batch-validated` channel), so that work does yield to other requests.
// Done at one go, as before, it held the event loop and /health was answered only after it.
// The server runs in this process: while its loop is held, so is the client's, which makes the
// order exact. The schema check runs in the handler in slices too (batch-schema.ts), so it is
// part of the work ordered here. (The body's JSON.parse still runs in one go before the handler;
// bench/health-busy.bench.ts prints /health's latency across the whole request.)

let p: TestPendulum;
beforeAll(async () => {
  p = await startTestPendulum();
});
afterAll(async () => {
  await p?.close();
});

function heaviestBatch(n: number): string {
  const element = Array.from({ length: 22 }, (_, i) => ({ tag: "div", id: `n${i}`.padEnd(12, "x"), classes: ["a", "b", "c"], text: "t".repeat(9) }));
  const events = Array.from({ length: 500 }, (_, i) => ({ type: "click", ts: Date.now() - 1000 + i, url: `https://app.example.com/${"p".repeat(100)}/${n}/${i}`, element }));
  return JSON.stringify({ batchId: `heavy-${n}`, visitor: { id: "v-heavy" }, events });
}

/** GET /health on a fresh connection; resolves when its whole answer has arrived. */
function health(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(`${url}/health`, { agent: false }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      })
      .on("error", reject);
  });
}

it("answers /health while the heaviest ingest batch is validated, batch after batch", async () => {
  const handlerStart = diagnostics.tracingChannel("fastify.request.handler").start;
  const validated = diagnostics.channel("pendulum.ingest.agent-batch-validated");
  const order: string[] = [];
  let probe: Promise<number> | undefined;
  const onStart = (message: unknown): void => {
    const url = (message as { request?: { url?: string } }).request?.url ?? "";
    if (!url.startsWith("/data/ingest")) return;
    order.push("batch handler starts");
    probe = health(p.url).then((status) => {
      order.push(`health answered ${status}`);
      return status;
    });
  };
  const onValidated = (message: unknown): void => {
    if ((message as { events: number }).events === 500) order.push("batch validated");
  };
  handlerStart.subscribe(onStart);
  validated.subscribe(onValidated);
  try {
    for (let n = 0; n < 3; n++) {
      order.length = 0;
      const body = heaviestBatch(n);
      expect(Buffer.byteLength(body)).toBeGreaterThan(700_000);
      expect(Buffer.byteLength(body)).toBeLessThan(1024 * 1024);
      const res = await fetch(`${p.url}/data/ingest?key=${TEST_APP_KEY}`, { method: "POST", headers: { "content-type": "application/json" }, body });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ accepted: 500 });
      expect(await probe).toBe(200);
      expect(order).toEqual(["batch handler starts", "health answered 200", "batch validated"]);
    }
  } finally {
    handlerStart.unsubscribe(onStart);
    validated.unsubscribe(onValidated);
  }
});
