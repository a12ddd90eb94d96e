// Load generator for the ingest benchmark: runs in its own process, posts 100-event batches
// over keep-alive connections from `concurrency` loops for `seconds`, then prints what was
// acknowledged (2xx only), how many batches were refused with 503 (backpressure; the loop
// waits Retry-After as the agent does) and how many failed otherwise.
//
// It shares the machine's cores with the server it measures, so it spends as little CPU per
// request as it can: each connection is a plain socket that writes one pre-built HTTP/1.1
// request (headers and body in one Buffer, only the batch id's digits rewritten in place) and
// reads just the status line and Content-Length of each answer. Node's http client cost about
// as much per request as the server's own parsing. Every request still carries a distinct batch
// id and a whole agent body (the same bytes the agent sends for 100 events).
import net from "node:net";

const [url, key, secondsArg, concurrencyArg, visitorsArg] = process.argv.slice(2);
const seconds = Number(secondsArg ?? 10);
const concurrency = Number(concurrencyArg ?? 16);
// How many distinct visitors send the batches (200 by default: the 200 prebuilt bodies, each its
// own visitor). With more, each request's visitor id (fixed width) is rewritten in place too.
const visitors = Number(visitorsArg ?? 200);
const spread = visitors > 200;
const target = new URL(`${url}/data/ingest?key=${key}`);

const pages = ["/home", "/reports", "/reports/42", "/settings/billing", "/users", "/dashboards/main"];
/** A batch id long enough for any worker and sequence number; rewritten in place per request. */
const ID_DIGITS = 16;
/** Digits of a visitor id rewritten in place (when `visitors` > 200). */
const VISITOR_DIGITS = 8;
function body(visitor: number): string {
  const now = Date.now();
  const events = Array.from({ length: 100 }, (_, i) => {
    const page = `https://app.example.com${pages[(visitor + i) % pages.length] as string}`;
    if (i % 3 === 1) return { type: "click", ts: now - 100 + i, url: page, tab: "t1", element: [{ tag: "span", text: "Save" }, { tag: "button", id: `b${i % 7}`, classes: ["btn"] }, { tag: "div", classes: ["toolbar"] }] };
    if (i % 10 === 9) return { type: "track", ts: now - 100 + i, url: page, name: `Event ${i % 5}`, props: { n: i } };
    return { type: i % 3 === 0 ? "load" : "focus", ts: now - 100 + i, url: page, title: "Page", tab: "t1" };
  });
  return JSON.stringify({ batchId: "0".repeat(ID_DIGITS), visitor: { id: spread ? `v${"0".repeat(VISITOR_DIGITS)}` : `v${visitor}`, role: "user" }, account: { id: `a${visitor % 500}` }, events });
}

/** One whole request (headers + body) and where its batch id's (and visitor id's) digits sit. */
type Request = { bytes: Buffer; idAt: number; visitorAt: number };
function request(visitor: number): Request {
  const json = body(visitor);
  const head = `POST ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(json)}\r\nConnection: keep-alive\r\n\r\n`;
  const bytes = Buffer.from(head + json, "utf8");
  return { bytes, idAt: Buffer.byteLength(head) + json.indexOf(`"batchId":"`) + `"batchId":"`.length, visitorAt: Buffer.byteLength(head) + json.indexOf(`"visitor":{"id":"v`) + `"visitor":{"id":"v`.length };
}
const requests = Array.from({ length: 200 }, (_, v) => request(v));

/** Writes `n` as `digits` decimal digits (zero-padded) into `buf` at `at`. */
function writeId(buf: Buffer, at: number, n: number, digits = ID_DIGITS): void {
  for (let i = digits - 1; i >= 0; i--) {
    buf[at + i] = 48 + (n % 10);
    n = Math.floor(n / 10);
  }
}

type Answer = { status: number; retryAfter: number };

/** A keep-alive connection that sends one request at a time and parses only what the tally needs. */
function connect(): Promise<{ send(bytes: Buffer): Promise<Answer>; close(): void }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(target.port), target.hostname);
    socket.setNoDelay(true);
    let waiting: { resolve(a: Answer): void; reject(e: Error): void } | undefined;
    let pending: Buffer = Buffer.alloc(0);
    socket.on("data", (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      const end = pending.indexOf("\r\n\r\n");
      if (end < 0) return;
      const head = pending.toString("latin1", 0, end);
      const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
      if (pending.length < end + 4 + length) return;
      pending = pending.subarray(end + 4 + length);
      const status = Number(head.slice(9, 12));
      const retryAfter = Number(/\r\nretry-after: *(\d+)/i.exec(head)?.[1] ?? 1) || 1;
      const w = waiting;
      waiting = undefined;
      w?.resolve({ status, retryAfter });
    });
    socket.on("error", (e) => {
      if (waiting) waiting.reject(e);
      else reject(e);
    });
    socket.on("close", () => waiting?.reject(new Error("the server closed the connection")));
    socket.once("connect", () =>
      resolve({
        send: (bytes) =>
          new Promise<Answer>((res, rej) => {
            waiting = { resolve: res, reject: rej };
            socket.write(bytes);
          }),
        close: () => socket.destroy(),
      }),
    );
  });
}

let acked = 0;
let busy = 0;
let failed = 0;
const deadline = performance.now() + seconds * 1000;
const start = performance.now();
await Promise.all(
  Array.from({ length: concurrency }, async (_, worker) => {
    const conn = await connect();
    // Each loop has its own copies, so rewriting the id never touches a request still being written.
    const own = requests.map((r) => ({ bytes: Buffer.from(r.bytes), idAt: r.idAt, visitorAt: r.visitorAt }));
    let seq = 0;
    try {
      while (performance.now() < deadline) {
        const r = own[(worker * 37 + seq) % own.length] as Request;
        // Distinct across loops and runs: pid, loop and sequence number.
        writeId(r.bytes, r.idAt, (process.pid % 10_000) * 1e11 + worker * 1e8 + seq);
        // Visitors in turn across all loops, so each sends about as often as the others.
        if (spread) writeId(r.bytes, r.visitorAt, (seq * concurrency + worker) % visitors, VISITOR_DIGITS);
        let answer: Answer;
        try {
          answer = await conn.send(r.bytes);
        } catch {
          failed += 1;
          break;
        }
        if (answer.status >= 200 && answer.status < 300) acked += 100;
        else if (answer.status === 503) {
          busy += 1;
          await new Promise((resolve) => setTimeout(resolve, Math.min(answer.retryAfter * 1000, Math.max(0, deadline - performance.now()))));
        } else failed += 1;
        seq++;
      }
    } finally {
      conn.close();
    }
  }),
);
const elapsed = (performance.now() - start) / 1000;
console.log(JSON.stringify({ acked, busy, failed, seconds: elapsed }));
