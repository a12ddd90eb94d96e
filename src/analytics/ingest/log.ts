import fs from "node:fs";
import fsp from "node:fs/promises";
import path from "node:path";
import zlib from "node:zlib";

/**
 * The durable ingest log: accepted batches are framed, appended and fsynced before they are
 * acknowledged. Concurrent appends share one write + fdatasync (group commit). Frame layout:
 * u32 payload length, u32 CRC-32 of the payload, payload (UTF-8 JSON). A torn tail after a crash
 * fails its length or CRC check and is cut off at recovery.
 */
export type LogRecord<T> = { firstId: number; count: number; payload: T };

type Pending = { buf: Buffer; resolve(): void; reject(e: Error): void; record: LogRecord<unknown> };

const HEADER = 8;
/** A segment is closed, and a new one started, once it holds this many bytes. */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;
const NAME = /^(\d{20})\.log$/;

export class IngestLogUnavailableError extends Error {
  constructor(cause: Error) {
    super(`The ingest log cannot be written (${cause.message}); events are refused until it is fixed.`);
    this.name = "IngestLogUnavailableError";
  }
}

/** The text is encoded straight into the frame: one buffer per record, not a payload buffer copied into it. */
function frame(json: string): Buffer {
  const length = Buffer.byteLength(json, "utf8");
  const buf = Buffer.allocUnsafe(HEADER + length);
  buf.write(json, HEADER, "utf8");
  buf.writeUInt32LE(length, 0);
  buf.writeUInt32LE(zlib.crc32(buf.subarray(HEADER)), 4);
  return buf;
}

function segmentName(firstId: number): string {
  return `${String(firstId).padStart(20, "0")}.log`;
}

/** Reads every whole frame of a segment; returns them and the byte length of the valid prefix. */
function readSegment<T>(file: string): { records: LogRecord<T>[]; validBytes: number } {
  const data = fs.readFileSync(file);
  const records: LogRecord<T>[] = [];
  let at = 0;
  while (at + HEADER <= data.length) {
    const len = data.readUInt32LE(at);
    const crc = data.readUInt32LE(at + 4);
    if (at + HEADER + len > data.length) break;
    const payload = data.subarray(at + HEADER, at + HEADER + len);
    if (zlib.crc32(payload) !== crc) break;
    records.push(JSON.parse(payload.toString("utf8")) as LogRecord<T>);
    at += HEADER + len;
  }
  return { records, validBytes: at };
}

export type IngestLog<T> = {
  /**
   * Numbers the batch's events, writes it durably, then calls `onDurable` in log order.
   * `payloadJson`, when given, is JSON.stringify(payload) made by the caller (in slices, for a
   * large batch), so the log does not serialise the payload again in one go.
   */
  append(count: number, payload: T, payloadJson?: string): Promise<LogRecord<T>>;
  /** The next event id that will be given out. */
  nextId(): number;
  /** Deletes segments whose events are all at or below `flushedId`. */
  truncateThrough(flushedId: number): Promise<void>;
  close(): Promise<void>;
};

export type OpenedLog<T> = { log: IngestLog<T>; unflushed: LogRecord<T>[] };

export type IngestLogOptions<T> = {
  /** Size at which a segment is closed (64 MiB by default); a stored segment is deleted whole. */
  segmentBytes?: number;
  /** Sees each record at or below `flushedId` still in the log (stored, its segment not yet deleted). */
  onStored?: (r: LogRecord<T>) => void;
};

/**
 * Opens the log folder, cuts a torn tail, and returns the records above `flushedId` for replay.
 * `onDurable` sees every record after its fsync and before its append resolves, with its frame
 * (header + JSON), so a consumer may keep the compact bytes instead of the parsed objects.
 */
export async function openIngestLog<T>(dir: string, flushedId: number, onDurable: (r: LogRecord<T>, frame: Buffer) => void, options: IngestLogOptions<T> = {}): Promise<OpenedLog<T>> {
  const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES;
  fs.mkdirSync(dir, { recursive: true });
  const segments = fs
    .readdirSync(dir)
    .filter((f) => NAME.test(f))
    .sort();
  const unflushed: LogRecord<T>[] = [];
  let lastId = flushedId;
  for (const seg of segments) {
    const file = path.join(dir, seg);
    const { records, validBytes } = readSegment<T>(file);
    if (validBytes < fs.statSync(file).size) fs.truncateSync(file, validBytes);
    for (const r of records) {
      const end = r.firstId + r.count - 1;
      if (end > lastId) lastId = end;
      if (end > flushedId) unflushed.push(r);
      else options.onStored?.(r);
    }
  }
  let next = lastId + 1;
  const lastSegment = segments.at(-1);
  let currentName = lastSegment ?? segmentName(next);
  let handle = await fsp.open(path.join(dir, currentName), "a", 0o600);
  let size = (await handle.stat()).size;
  if (!lastSegment) await syncDir(dir);

  let pending: Pending[] = [];
  let writing = false;
  let broken: Error | undefined;

  // A new segment is named after the first event id written into it.
  const rotateIfFull = async (firstId: number): Promise<void> => {
    if (size < segmentBytes) return;
    await handle.close();
    currentName = segmentName(firstId);
    handle = await fsp.open(path.join(dir, currentName), "a", 0o600);
    size = 0;
    await syncDir(dir);
  };

  const drain = async (): Promise<void> => {
    writing = true;
    while (pending.length > 0 && !broken) {
      const group = pending;
      pending = [];
      try {
        await rotateIfFull((group[0] as Pending).record.firstId);
        // One writev of the group's frames: no group-sized copy (hundreds of KB per write at load).
        const bufs = group.map((g) => g.buf);
        const bytes = bufs.reduce((n, b) => n + b.length, 0);
        const written = (await handle.writev(bufs)).bytesWritten;
        if (written !== bytes) throw new Error(`short write to the ingest log (${written} of ${bytes} bytes)`);
        await handle.datasync();
        size += bytes;
        for (const g of group) onDurable(g.record as LogRecord<T>, g.buf);
        for (const g of group) g.resolve();
      } catch (e) {
        broken = e as Error;
        for (const g of group) g.reject(new IngestLogUnavailableError(broken));
      }
    }
    if (broken) {
      for (const g of pending) g.reject(new IngestLogUnavailableError(broken));
      pending = [];
    }
    writing = false;
  };

  const log: IngestLog<T> = {
    append(count, payload, payloadJson) {
      if (broken) return Promise.reject(new IngestLogUnavailableError(broken));
      // Ids are handed out here, synchronously, so log order and id order are the same.
      const record: LogRecord<T> = { firstId: next, count, payload };
      next += count;
      // The same text JSON.stringify(record) gives: the record's keys in this order.
      const buf = frame(payloadJson === undefined ? JSON.stringify(record) : `{"firstId":${record.firstId},"count":${count},"payload":${payloadJson}}`);
      return new Promise<LogRecord<T>>((resolve, reject) => {
        pending.push({ buf, resolve: () => resolve(record), reject, record });
        if (!writing) void drain();
      });
    },
    nextId: () => next,
    async truncateThrough(flushedIdNow) {
      const names = fs
        .readdirSync(dir)
        .filter((f) => NAME.test(f))
        .sort();
      // A segment may go once the one after it starts at or below flushedId + 1.
      for (let i = 0; i + 1 < names.length; i++) {
        const nextFirst = Number(NAME.exec(names[i + 1] as string)?.[1]);
        if (nextFirst <= flushedIdNow + 1 && names[i] !== currentName) fs.unlinkSync(path.join(dir, names[i] as string));
      }
    },
    async close() {
      while (writing) await new Promise((r) => setTimeout(r, 1));
      await handle.close();
    },
  };
  return { log, unflushed };
}

async function syncDir(dir: string): Promise<void> {
  const d = await fsp.open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
