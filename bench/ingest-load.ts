// Load generator for the ingest benchmark: runs in its own process, posts 100-event batches
// over keep-alive connections from `concurrency` loops for `seconds`, then prints what was
// acknowledged (2xx only), how many batches were refused with 503 (backpressure; the loop
// waits Retry-After as the agent does) and how many failed otherwise. Bodies are built once;
// only the batch id changes per request, so the generator spends its CPU on sending, not on JSON.
import http from "node:http";

const [url, key, secondsArg, concurrencyArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 10);
const concurrency = Number(concurrencyArg ?? 16);
const target = new URL(`${url}/data/ingest?key=${key}`);
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });

const pages = ["/home", "/reports", "/reports/42", "/settings/billing", "/users", "/dashboards/main"];
function template(visitor: number): [string, string] {
  const now = Date.now();
  const events = Array.from({ length: 100 }, (_, i) => {
    const page = `https://app.example.com${pages[(visitor + i) % pages.length] as string}`;
    if (i % 3 === 1) return { type: "click", ts: now - 100 + i, url: page, tab: "t1", element: [{ tag: "span", text: "Save" }, { tag: "button", id: `b${i % 7}`, classes: ["btn"] }, { tag: "div", classes: ["toolbar"] }] };
    if (i % 10 === 9) return { type: "track", ts: now - 100 + i, url: page, name: `Event ${i % 5}`, props: { n: i } };
    return { type: i % 3 === 0 ? "load" : "focus", ts: now - 100 + i, url: page, title: "Page", tab: "t1" };
  });
  const json = JSON.stringify({ batchId: "@@", visitor: { id: `v${visitor}`, role: "user" }, account: { id: `a${visitor % 500}` }, events });
  const [head, tail] = json.split('"@@"') as [string, string];
  return [head, tail];
}
const templates = Array.from({ length: 1000 }, (_, v) => template(v));

function post(body: string): Promise<{ status: number; retryAfter: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(target, { method: "POST", agent, headers: { "content-type": "text/plain", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, retryAfter: Number(res.headers["retry-after"] ?? 1) || 1 }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

let acked = 0;
let busy = 0;
let failed = 0;
const deadline = performance.now() + seconds * 1000;
const start = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async (_, worker) => {
    let seq = 0;
    while (performance.now() < deadline) {
      const [head, tail] = templates[(worker * 37 + seq) % templates.length] as [string, string];
      const { status, retryAfter } = await post(`${head}"${process.pid}-${worker}-${seq}"${tail}`);
      if (status >= 200 && status < 300) acked += 100;
      else if (status === 503) {
        busy += 1;
        await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter * 1000, Math.max(0, deadline - performance.now()))));
      } else failed += 1;
      seq++;
    }
  }),
);
const elapsed = (performance.now() - start) / 1000;
agent.destroy();
console.log(JSON.stringify({ acked, busy, failed, seconds: elapsed }));
