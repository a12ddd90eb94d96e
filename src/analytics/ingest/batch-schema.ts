import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Type } from "@sinclair/typebox";
import { ApiError, validationField } from "../../kernel/index.js";
import { ACCEPT_SLICE_UNITS, nextTurn } from "./validate.js";
import { AgentBatch, AgentEvent, MAX_EVENTS_PER_BATCH } from "./schema.js";

// The schema check of an agent batch, a slice of events at a time (issue 15). Fastify checks a
// route's body in one synchronous call before the handler runs: for a 940 KB batch of 500 clicks
// with long element paths, that held the event loop (and `/health`) for one long stretch. The
// route declares `AgentBatch` for its documentation and checks it here instead: the batch without
// its events first, then the events in slices, yielding between slices, with the same Ajv options
// as the server's body validator and the same answer (400 INVALID_INPUT, message, field).

const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false });

/** The batch with its events left unchecked but counted. */
const Envelope = Type.Object({ ...AgentBatch.properties, events: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_EVENTS_PER_BATCH }) }, { additionalProperties: false });

let compiled: { envelope: ValidateFunction; event: ValidateFunction } | undefined;
const validators = (): { envelope: ValidateFunction; event: ValidateFunction } => (compiled ??= { envelope: ajv.compile(Envelope), event: ajv.compile(AgentEvent) });

/** The server's error handler's words for a schema failure (src/server/errors.ts), with the path under `prefix`. */
function invalid(error: ErrorObject | undefined, prefix = ""): ApiError {
  const item = { instancePath: `${prefix}${error?.instancePath ?? ""}`, params: error?.params ?? {}, ...(error?.message !== undefined ? { message: error.message } : {}) };
  const field = validationField(item);
  return new ApiError(400, "INVALID_INPUT", `${field ?? "body"} ${item.message ?? "is invalid"}`, field);
}

/**
 * Checks a parsed body against `AgentBatch` in slices of about ACCEPT_SLICE_UNITS (an event, plus
 * one per element of its path), letting the event loop turn between slices. Throws the first
 * failure as 400 INVALID_INPUT with its field.
 */
export async function checkAgentBatch(body: unknown, yieldTurn: () => Promise<void> = nextTurn, sliceUnits = ACCEPT_SLICE_UNITS): Promise<AgentBatch> {
  const { envelope, event } = validators();
  if (!envelope(body)) throw invalid(envelope.errors?.[0]);
  const events = (body as { events: unknown[] }).events;
  let units = 0;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (!event(e)) throw invalid(event.errors?.[0], `/events/${i}`);
    units += 1 + ((e as AgentEvent).element?.length ?? 0);
    if (units >= sliceUnits && i + 1 < events.length) {
      units = 0;
      await yieldTurn();
    }
  }
  return body as AgentBatch;
}

const lenient = new Ajv({ allErrors: false, coerceTypes: "array", useDefaults: true, removeAdditional: false, strict: false });

/**
 * The validator compiler of `POST /data/ingest`: the query string as the server checks it
 * (coerced from text), the body not at all, since the handler checks it with `checkAgentBatch`.
 */
export const ingestValidatorCompiler = ({ schema, httpPart }: { schema: object; httpPart?: string }): ((data: unknown) => boolean) => {
  if (httpPart === "body") return () => true;
  return lenient.compile(schema);
};
