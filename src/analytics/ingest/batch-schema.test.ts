import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { ApiError, validationField } from "../../kernel/index.js";
import { checkAgentBatch } from "./batch-schema.js";
import { AgentBatch } from "./schema.js";

// The sliced check must answer what Fastify's one-go check of the whole `AgentBatch` answered
// (src/server/errors.ts words it): same field, same message, for the first failure.
const whole = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: true, removeAdditional: false, strict: false }).compile(AgentBatch);
function oneGo(body: unknown): { field: string | undefined; message: string } | undefined {
  if (whole(body)) return undefined;
  const first = whole.errors?.[0];
  const field = first ? validationField(first) : undefined;
  return { field, message: `${field ?? "body"} ${first?.message ?? "is invalid"}` };
}

const ok = { batchId: "b1", visitor: { id: "v", role: "admin" }, account: { id: "a" }, events: [{ type: "load", ts: 1, url: "https://a/" }] };
const click = (n: number) => ({ type: "click", ts: 1, url: "https://a/", element: Array.from({ length: n }, () => ({ tag: "div", classes: ["x"] })) });

describe("checkAgentBatch", () => {
  it.each([
    ["a valid batch", ok],
    ["no visitor id", { ...ok, visitor: {} }],
    ["an unknown top-level field", { ...ok, pad: 1 }],
    ["no events", { ...ok, events: [] }],
    ["501 events", { ...ok, events: Array.from({ length: 501 }, () => ok.events[0]) }],
    ["events not an array", { ...ok, events: {} }],
    ["an unknown event type in the middle", { ...ok, events: [ok.events[0], ok.events[0], { type: "hover", ts: 1, url: "https://a/" }] }],
    ["an event field of the wrong type", { ...ok, events: [{ ...ok.events[0], ts: "now" }] }],
    ["an unknown event field", { ...ok, events: [{ ...ok.events[0], colour: "red" }] }],
    ["a path element without a tag", { ...ok, events: [{ ...click(2), element: [{ tag: "a" }, { id: "x" }] }] }],
    ["a 33-element path", { ...ok, events: [click(33)] }],
    ["a body that is not an object", [1, 2]],
    ["a null body", null],
    ["a long metadata value", { ...ok, visitor: { id: "v", note: "x".repeat(1025) } }],
  ])("answers %s as the whole-body check did", async (_name, body) => {
    const expected = oneGo(body);
    const got = await checkAgentBatch(body).then(
      () => undefined,
      (e: unknown) => {
        expect(e).toBeInstanceOf(ApiError);
        const err = e as ApiError;
        expect(err.status).toBe(400);
        expect(err.code).toBe("INVALID_INPUT");
        return { field: err.field, message: err.message };
      },
    );
    expect(got).toEqual(expected);
  });

  it("lets the event loop turn between slices of a large batch, not within a small one", async () => {
    let turns = 0;
    const count = async (): Promise<void> => {
      turns++;
    };
    await checkAgentBatch({ ...ok, events: Array.from({ length: 500 }, () => click(22)) }, count, 1000);
    // 500 events of 23 units each: a turn after every 44 events, so 11 turns.
    expect(turns).toBe(11);
    turns = 0;
    await checkAgentBatch({ ...ok, events: Array.from({ length: 100 }, () => ok.events[0]) }, count, 1000);
    expect(turns).toBe(0);
  });
});
