import crypto from "node:crypto";
import fs from "node:fs";
import readline from "node:readline";
import { CliError, flagText } from "../args.js";
import { apiClient } from "../api-client.js";
import type { Command, CliIo } from "../command.js";
import { parseCsvLine } from "../csv.js";

const CHUNK = 5000;
const JSON_COLUMNS = new Set(["properties", "element"]);
const NUMBER_COLUMNS = new Set(["timestamp"]);

/** Turns one CSV row into an import event using the header's column names. */
function csvEvent(header: string[], cells: string[], line: number): Record<string, unknown> {
  const e: Record<string, unknown> = {};
  header.forEach((col, i) => {
    const v = cells[i] ?? "";
    if (v === "") return;
    if (NUMBER_COLUMNS.has(col)) e[col] = Number(v);
    else if (JSON_COLUMNS.has(col)) {
      try {
        e[col] = JSON.parse(v);
      } catch {
        throw new CliError(`Line ${line}: column ${col} is not valid JSON`);
      }
    } else e[col] = v;
  });
  return e;
}

/** A progress bar on stderr: share of the file read, events stored so far. */
function progress(io: CliIo, bytesRead: number, totalBytes: number, events: number): void {
  const width = 30;
  const share = totalBytes > 0 ? Math.min(1, bytesRead / totalBytes) : 1;
  const filled = Math.round(share * width);
  io.err(`\r[${"#".repeat(filled)}${".".repeat(width - filled)}] ${Math.round(share * 100)}%  ${events} events`);
}

/** `pendulum import`: loads history from NDJSON or CSV through the live validation, without the 7-day limit. */
export const importCommand: Command = {
  name: "import",
  summary: "Load historical events from NDJSON or CSV",
  usage: `pendulum import <file> [--format ndjson|csv] [--app <app-id>]

Each line (NDJSON) or row (CSV with a header) is one event:
  type        load | click | focus | track
  timestamp   epoch milliseconds
  visitorId   required; accountId optional
  url, title  page loads, clicks and focus need url
  event       track event name; properties (JSON object)
  element     clicked element path (JSON array, innermost first)
Events pass the same checks as live ingest but may be older than 7 days. A bad line stops the
import and is named by its line number; lines before its chunk are already stored. Running the
same file again (after a bad line is fixed, or an interrupted import) skips the chunks already
stored: each chunk of 5,000 lines is sent with an Idempotency-Key made from its content, and a
line's own messageId (a column or field) is stored once too, within 8 days.
Talks to a running Pendulum. Options: --url (default PENDULUM_BASE_URL), --token (default PENDULUM_API_TOKEN).`,
  async run(args, io) {
    const file = args.positional[0];
    if (!file) throw new CliError("Name the file to import");
    if (!fs.existsSync(file)) throw new CliError(`No file ${file}`);
    const format = flagText(args, "format") ?? (file.endsWith(".csv") ? "csv" : "ndjson");
    if (format !== "csv" && format !== "ndjson") throw new CliError("--format is ndjson or csv");
    const appId = flagText(args, "app");
    const api = apiClient(args, io);
    const totalBytes = fs.statSync(file).size;
    const lines = readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity });
    let header: string[] | undefined;
    let chunk: Record<string, unknown>[] = [];
    let chunkLines: number[] = [];
    let lineNo = 0;
    let bytes = 0;
    let sent = 0;
    let skipped = 0;
    let chunkText = crypto.createHash("sha256");
    const send = async (): Promise<void> => {
      if (chunk.length === 0) return;
      // The key names the chunk by its content (and the CSV header that gives it meaning), so the
      // same lines sent again, in this run or a later one, are stored once.
      const key = `pendulum-import-${chunkText.digest("hex")}`;
      try {
        const r = await api.call<{ accepted: number; duplicate?: boolean; duplicates?: number }>("POST", "/import", { ...(appId ? { appId } : {}), events: chunk }, { "idempotency-key": key });
        skipped += r.duplicate ? r.accepted : (r.duplicates ?? 0);
      } catch (e) {
        const m = /field: events\[(\d+)\]([^)]*)\)/.exec((e as Error).message);
        if (m) throw new CliError(`Line ${chunkLines[Number(m[1])]}: ${(e as Error).message.replace(/ \(field: .*\)$/, "")}${m[2] ? ` (${m[2].replace(/^\./, "")})` : ""}`);
        throw e;
      }
      sent += chunk.length;
      chunk = [];
      chunkLines = [];
      chunkText = crypto.createHash("sha256");
      if (header) chunkText.update(`${header.join(",")}\n`);
      progress(io, bytes, totalBytes, sent);
    };
    for await (const line of lines) {
      lineNo++;
      bytes += Buffer.byteLength(line) + 1;
      if (line.trim() === "") continue;
      if (format === "csv" && !header) {
        header = parseCsvLine(line).map((h) => h.trim());
        chunkText.update(`${header.join(",")}\n`);
        continue;
      }
      let event: Record<string, unknown>;
      if (format === "csv") event = csvEvent(header as string[], parseCsvLine(line), lineNo);
      else {
        try {
          event = JSON.parse(line) as Record<string, unknown>;
        } catch {
          throw new CliError(`Line ${lineNo}: not valid JSON`);
        }
      }
      chunk.push(event);
      chunkLines.push(lineNo);
      chunkText.update(`${line}\n`);
      if (chunk.length >= CHUNK) await send();
    }
    await send();
    io.err("");
    io.out(`Imported ${sent - skipped} events from ${file}${skipped > 0 ? ` (${skipped} already imported, skipped)` : ""}`);
    return 0;
  },
};
