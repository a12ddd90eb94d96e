import { ApiError } from "../../kernel/index.js";
import type { PathElement } from "../../store/index.js";
import type { AcceptedBatch, AcceptedEvent } from "./accepted.js";
import { EVENT_NAME, MAX_EVENT_NAMES_PER_APP, MAX_ID_BYTES, MAX_PROPS_BYTES, METADATA_KEY, type AgentBatch, type AgentEvent, type ImportEvent, type TrackEvent } from "./schema.js";
import type { Metadata } from "../metadata.js";
import { OVERFLOW_EVENT_NAME, type EventNameBudget } from "./event-name-budget.js";

const KEY = new RegExp(METADATA_KEY);
const NAME = new RegExp(EVENT_NAME);
const DAY = 86_400_000;

/** How strict one ingest call is: live endpoints refuse old events, imports do not. */
export type IngestMode = { live: boolean };

/** What the validation steps need to know about the app and the clock. */
export type IngestContext = {
  appId: string;
  now: number;
  maxAgeDays: number;
  /** Distinct track event names the app already has. */
  knownEventNames: ReadonlySet<string>;
  /** Live endpoints: how fast new names may arrive (names over it or over the app's budget are folded). */
  nameBudget?: EventNameBudget;
  /** Counts the events whose names were folded into OVERFLOW_EVENT_NAME during this call. */
  folded?: { count: number };
};

const bad = (code: string, message: string, field: string): ApiError => new ApiError(400, code, message, field);

function checkId(value: string, field: string): void {
  if (Buffer.byteLength(value, "utf8") > MAX_ID_BYTES) throw bad("ID_TOO_LONG", `${field} is longer than ${MAX_ID_BYTES} bytes`, field);
  if (value.trim() === "") throw bad("ID_REQUIRED", `${field} must not be blank`, field);
}

/** Splits an identity into its id and its `agent` metadata, checking key names. */
function checkMetadata(identity: Record<string, unknown>, field: string): Metadata | undefined {
  const meta: Metadata = {};
  let any = false;
  for (const [k, v] of Object.entries(identity)) {
    if (k === "id") continue;
    if (!KEY.test(k)) throw bad("INVALID_METADATA_KEY", `Metadata key "${k}" must match ${METADATA_KEY}`, `${field}.${k}`);
    meta[k] = v as Metadata[string];
    any = true;
  }
  return any ? meta : undefined;
}

function checkTs(ts: number, ctx: IngestContext, mode: IngestMode, field: string): number {
  const t = Math.trunc(ts);
  if (mode.live && t < ctx.now - ctx.maxAgeDays * DAY) {
    throw bad("EVENT_TOO_OLD", `Events older than ${ctx.maxAgeDays} days are refused on live endpoints; load history with \`pendulum import\``, field);
  }
  if (t > ctx.now + DAY) throw bad("EVENT_IN_FUTURE", "The timestamp is more than a day in the future; send epoch milliseconds", field);
  return t;
}

function checkProps(props: Record<string, unknown> | undefined, field: string): string | null {
  if (props === undefined) return null;
  for (const k of Object.keys(props)) {
    if (!KEY.test(k)) throw bad("INVALID_PROPERTY_NAME", `Property name "${k}" must match ${METADATA_KEY}`, `${field}.${k}`);
  }
  const json = JSON.stringify(props);
  if (Buffer.byteLength(json, "utf8") > MAX_PROPS_BYTES) throw bad("PROPERTIES_TOO_LARGE", `Properties are larger than ${MAX_PROPS_BYTES} bytes as JSON`, field);
  return json;
}

/** The event's name; a live name new to the app and over its budget or rate becomes OVERFLOW_EVENT_NAME (counted in ctx.folded). */
function checkName(name: string | undefined, field: string, names: Set<string>, ctx: IngestContext, mode: IngestMode, visitorId: string): string {
  if (name === undefined) throw bad("EVENT_NAME_REQUIRED", "A track event needs a name", field);
  if (!NAME.test(name)) throw bad("INVALID_EVENT_NAME", "Event names are 1–100 printable characters", field);
  if (ctx.knownEventNames.has(name) || names.has(name) || name === OVERFLOW_EVENT_NAME) return name;
  const full = ctx.knownEventNames.size + names.size >= MAX_EVENT_NAMES_PER_APP;
  // The app key is public: a new name over the budget must not cost the batch it came in.
  if (mode.live && (full || (ctx.nameBudget && !ctx.nameBudget.admit(ctx.appId, visitorId)))) {
    if (ctx.folded) ctx.folded.count++;
    return OVERFLOW_EVENT_NAME;
  }
  if (full) throw bad("EVENT_NAME_LIMIT", `This app already has ${MAX_EVENT_NAMES_PER_APP} distinct event names; reuse names and put variations in properties`, field);
  names.add(name);
  return name;
}

/**
 * Element paths are stored in one canonical form so equal paths share one dictionary id: per
 * element `tag` (lower case), then `id`, `classes` and `attrs` (keys sorted) when not empty, then
 * `text`, as JSON. Written out piece by piece rather than as a copy of each element passed to
 * JSON.stringify: every click goes through here, and the copies were a visible share of ingest's
 * CPU and garbage (issue 16). The text is exactly what JSON.stringify gives for that copy
 * (validate.test.ts compares them).
 */
export function canonicalPath(path: readonly PathElement[]): string {
  let out = "[";
  for (let i = 0; i < path.length; i++) {
    const e = path[i] as PathElement;
    if (i > 0) out += ",";
    out += `{"tag":${JSON.stringify(e.tag.toLowerCase())}`;
    if (e.id) out += `,"id":${JSON.stringify(e.id)}`;
    if (e.classes && e.classes.length > 0) out += `,"classes":${JSON.stringify(e.classes)}`;
    // Rare: through an object, so keys that look like array indexes come first as JSON.stringify puts them.
    if (e.attrs && Object.keys(e.attrs).length > 0) out += `,"attrs":${JSON.stringify(Object.fromEntries(Object.entries(e.attrs).sort(([a], [b]) => a.localeCompare(b))))}`;
    if (e.text) out += `,"text":${JSON.stringify(e.text)}`;
    out += "}";
  }
  return `${out}]`;
}

function acceptEvent(e: AgentEvent, i: number, ctx: IngestContext, mode: IngestMode, newNames: Set<string>, visitorId: string): AcceptedEvent {
  const field = `events[${i}]`;
  const ts = checkTs(e.ts, ctx, mode, `${field}.ts`);
  if (e.type === "click" && !e.element) throw bad("ELEMENT_REQUIRED", "A click needs the clicked element's path", `${field}.element`);
  return {
    type: e.type,
    ts,
    url: e.url,
    title: e.title ?? null,
    tab: e.tab ?? null,
    element: e.type === "click" && e.element ? canonicalPath(e.element) : null,
    name: e.type === "track" ? checkName(e.name, `${field}.name`, newNames, ctx, mode, visitorId) : null,
    props: e.type === "track" ? checkProps(e.props, `${field}.props`) : null,
  };
}

function batchOf(body: AgentBatch, ctx: IngestContext, events: AcceptedEvent[]): AcceptedBatch {
  checkId(body.visitor.id, "visitor.id");
  if (body.account) checkId(body.account.id, "account.id");
  const visitorMeta = checkMetadata(body.visitor, "visitor");
  const accountMeta = body.account ? checkMetadata(body.account, "account") : undefined;
  const batch: AcceptedBatch = { appId: ctx.appId, visitorId: body.visitor.id, accountId: body.account?.id ?? "", receivedAt: ctx.now, events };
  if (visitorMeta) batch.visitorMeta = visitorMeta;
  if (accountMeta) batch.accountMeta = accountMeta;
  if (body.batchId) batch.keys = [`b:${body.batchId}`];
  return batch;
}

/** Validates an agent batch past its schema; all or nothing. Returns the batch to log and its new event names. */
export function acceptAgentBatch(body: AgentBatch, ctx: IngestContext, mode: IngestMode): { batch: AcceptedBatch; newNames: Set<string> } {
  const batch = batchOf(body, ctx, []);
  const newNames = new Set<string>();
  batch.events = body.events.map((e, i) => acceptEvent(e, i, ctx, mode, newNames, body.visitor.id));
  return { batch, newNames };
}

/**
 * Work validated (and serialised) between two turns of the event loop, counted as one unit per
 * event plus one per element of a click's path. A batch may hold 500 clicks of 32-element paths
 * (~1 MB): validated in one go, that held the loop for tens of ms, and every other request
 * (`/health` included) waited (issue 15, finding 7). An ordinary agent batch (100 events, short
 * paths: a few hundred units) is still done in one go, with no extra turn.
 */
export const ACCEPT_SLICE_UNITS = 1000;

/** Lets the event loop run (I/O, timers, other requests) before the next slice. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * `acceptAgentBatch` a slice of work at a time (ACCEPT_SLICE_UNITS), yielding to the event loop
 * between slices, with the batch's JSON (as the log writes it) built in the same slices, so
 * neither the validation nor the serialisation of a large batch is one long synchronous stretch.
 * Same checks, same errors, same result: the batch, its new names, and `json` equal to
 * JSON.stringify(batch) up to the order of keys.
 */
export async function acceptAgentBatchSliced(
  body: AgentBatch,
  ctx: IngestContext,
  mode: IngestMode,
  yieldTurn: () => Promise<void> = nextTurn,
  sliceUnits = ACCEPT_SLICE_UNITS,
): Promise<{ batch: AcceptedBatch; newNames: Set<string>; json: string }> {
  const batch = batchOf(body, ctx, []);
  const newNames = new Set<string>();
  const pieces: string[] = [];
  const events: AcceptedEvent[] = [];
  let from = 0;
  let units = 0;
  for (let i = 0; i < body.events.length; i++) {
    const e = body.events[i] as AgentEvent;
    events.push(acceptEvent(e, i, ctx, mode, newNames, body.visitor.id));
    units += 1 + (e.element?.length ?? 0);
    if (units >= sliceUnits && i + 1 < body.events.length) {
      pieces.push(JSON.stringify(events.slice(from, i + 1)).slice(1, -1));
      from = i + 1;
      units = 0;
      await yieldTurn();
    }
  }
  pieces.push(JSON.stringify(events.slice(from)).slice(1, -1));
  const head = JSON.stringify(batch); // its `"events":[]` is replaced by the pieces
  const at = head.indexOf('"events":[]');
  batch.events = events;
  return { batch, newNames, json: `${head.slice(0, at)}"events":[${pieces.join(",")}]${head.slice(at + '"events":[]'.length)}` };
}

/**
 * Events of one visitor in one account that follow each other in a request: one log record.
 * `at` is each event's position in the request, for error fields and idempotency keys.
 */
export type Run<E> = { visitorId: string; accountId: string; events: { event: E; at: number }[] };

/** Cuts a request's events into runs (consecutive events of one visitor and account share a record). */
export function runsOf<E extends { visitorId: string; accountId?: string | undefined }>(events: readonly E[]): Run<E>[] {
  const runs: Run<E>[] = [];
  events.forEach((event, at) => {
    const accountId = event.accountId ?? "";
    const last = runs.at(-1);
    if (last && last.visitorId === event.visitorId && last.accountId === accountId) last.events.push({ event, at });
    else runs.push({ visitorId: event.visitorId, accountId, events: [{ event, at }] });
  });
  return runs;
}

/**
 * Validates a run of server-side track events into one record. `single` when the request was
 * one event rather than an array (fields are then named without a position).
 */
export function acceptTrackRun(run: Run<TrackEvent>, ctx: IngestContext, mode: IngestMode, single: boolean, newNames: Set<string>): AcceptedBatch {
  const events = run.events.map(({ event: e, at }): AcceptedEvent => {
    const f = (name: string): string => (single ? name : `[${at}].${name}`);
    checkId(e.visitorId, f("visitorId"));
    if (e.accountId !== undefined) checkId(e.accountId, f("accountId"));
    return {
      type: "track",
      ts: checkTs(e.timestamp, ctx, mode, f("timestamp")),
      url: e.context?.url ?? null,
      title: e.context?.title ?? null,
      tab: null,
      element: null,
      name: checkName(e.event, f("event"), newNames, ctx, mode, e.visitorId),
      props: checkProps(e.properties, f("properties")),
    };
  });
  return { appId: ctx.appId, visitorId: run.visitorId, accountId: run.accountId, receivedAt: ctx.now, events };
}

/** Page loads, clicks and focus events need a url; checked over a whole import before anything else. */
export function checkImportUrls(events: readonly { event: ImportEvent; at: number }[]): void {
  for (const { event, at } of events) {
    if (event.type !== "track" && event.url === undefined) throw new ApiError(400, "URL_REQUIRED", "Page loads, clicks and focus events need a url", `events[${at}].url`);
  }
}

/** Validates a run of historical events into one record: the agent's checks without the age limit. */
export function acceptImportRun(run: Run<ImportEvent>, ctx: IngestContext): { batch: AcceptedBatch; newNames: Set<string> } {
  const events = run.events.map(({ event: e }) => {
    const agentEvent: AgentEvent = { type: e.type, ts: e.timestamp, url: e.url ?? "" };
    if (e.title !== undefined) agentEvent.title = e.title;
    if (e.tab !== undefined) agentEvent.tab = e.tab;
    if (e.element !== undefined) agentEvent.element = e.element;
    if (e.event !== undefined) agentEvent.name = e.event;
    if (e.properties !== undefined) agentEvent.props = e.properties;
    return agentEvent;
  });
  const body: AgentBatch = { visitor: { id: run.visitorId }, ...(run.accountId ? { account: { id: run.accountId } } : {}), events };
  try {
    const accepted = acceptAgentBatch(body, ctx, { live: false });
    for (const ev of accepted.batch.events) if (ev.url === "") ev.url = null;
    return accepted;
  } catch (e) {
    // Point at the import line, not the position inside the run.
    if (e instanceof ApiError && e.field) {
      const m = /^events\[(\d+)\](.*)$/.exec(e.field);
      const at = m ? run.events[Number(m[1])]?.at : undefined;
      if (m && at !== undefined) throw new ApiError(e.status, e.code, e.message, `events[${at}]${m[2] ?? ""}`);
    }
    throw e;
  }
}
