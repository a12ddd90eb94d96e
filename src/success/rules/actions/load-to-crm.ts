import type { CrmClient, CrmField, CrmWriteResult } from "../../crm-writes/crm-client.js";
import type { RuleAction } from "../definition.js";
import { identifiersOf, mapRow } from "../mapping.js";
import { RunFailure, type ActionContext, type ActionOutcome, type RowError, type SourceRow } from "../run-types.js";
import { outcome, rowError } from "./action-kit.js";
import { crmValue } from "./crm-values.js";

type LoadToCrm = Extract<RuleAction, { type: "loadToCrm" }>;

/** Refuses targets outside the admin's allow-list: a rule may write only what an admin enabled. */
export function notAllowListed(action: LoadToCrm, allowed: Set<string>): RunFailure | undefined {
  if (allowed.size === 0) {
    return new RunFailure("OBJECT_NOT_WRITABLE", `Rules may not write the CRM object ${action.object}; an admin enables it and its fields at PUT /api/v1/success/crm/writable.`, "object");
  }
  const field = action.mappings.find((m) => !allowed.has(m.to));
  if (field) {
    return new RunFailure(
      "FIELD_NOT_WRITABLE",
      `Rules may not write ${action.object}.${field.to}: it is not on the CRM write allow-list (allowed: ${[...allowed].sort().join(", ")}). An admin adds it at PUT /api/v1/success/crm/writable.`,
      field.to,
    );
  }
  return undefined;
}

/** Why an action's identifiers do not fit its operation, or undefined. */
export function identifierProblem(action: LoadToCrm): string | undefined {
  const ids = identifiersOf(action.mappings);
  if (action.operation === "update" && (ids.length !== 1 || ids[0] !== "Id")) return `update on ${action.object} matches records by Id: map the account id to Id and mark it "include in identifiers"`;
  if (action.operation === "upsert" && ids.length !== 1) return `upsert on ${action.object} needs exactly one field marked "include in identifiers" (Id or an external id field)`;
  return undefined;
}

async function describeTargets(client: CrmClient, action: LoadToCrm, identifier: string | undefined): Promise<Map<string, CrmField>> {
  const described = await client.describe(action.object);
  const fields = new Map(described.fields.map((f) => [f.name, f]));
  for (const m of action.mappings) {
    const f = fields.get(m.to);
    if (!f) throw new RunFailure("FIELD_NOT_FOUND", `${action.object} has no field ${m.to} in the CRM.`, m.to);
    if (m.to === identifier) {
      if (action.operation === "upsert" && m.to !== "Id" && !f.externalId && !f.idLookup) throw new RunFailure("NOT_AN_EXTERNAL_ID", `${action.object}.${m.to} is not an external id field, so upsert cannot match on it.`, m.to);
      continue;
    }
    const writable = action.operation === "update" ? f.updateable : action.operation === "insert" ? f.createable : f.updateable && f.createable;
    if (!writable) throw new RunFailure("FIELD_NOT_WRITABLE", `The CRM does not let this user ${action.operation} ${action.object}.${m.to}.`, m.to);
  }
  return fields;
}

/** sObject Collections take at most 200 records a request. */
const COLLECTION_SIZE = 200;

/** Above this many records one full read of the object is cheaper than many `Id IN (…)` reads. */
const FULL_READ_ABOVE = 2000;
const IN_CHUNK = 300;

/** Salesforce ids are case-sensitive in their first 15 characters; the last 3 only checksum them. */
const idKey = (id: unknown) => String(id).slice(0, 15);

/** The records' current values of the mapped fields, by id, so unchanged records are not written again. */
async function currentValues(client: CrmClient, object: string, fields: string[], ids: string[]): Promise<Map<string, Record<string, unknown>>> {
  const select = `SELECT ${["Id", ...fields.filter((f) => f !== "Id")].join(", ")} FROM ${object}`;
  // Never push(...rows) of a full read: spreading 50,000 records as arguments overflows the stack.
  if (ids.length > FULL_READ_ABOVE) return new Map((await client.query(select)).map((r) => [idKey(r["Id"]), r]));
  const rows: Record<string, unknown>[] = [];
  for (let i = 0; i < ids.length; i += IN_CHUNK) {
    const list = ids.slice(i, i + IN_CHUNK).map((id) => `'${id.replace(/[^A-Za-z0-9]/g, "")}'`);
    for (const r of await client.query(`${select} WHERE Id IN (${list.join(", ")})`)) rows.push(r);
  }
  return new Map(rows.map((r) => [idKey(r["Id"]), r]));
}

/** True when the CRM already holds this value (datetimes compared as instants, numbers as numbers). */
function holds(current: unknown, next: unknown, crmType: string): boolean {
  if (current === undefined) return false;
  if ((current === null || current === "") && (next === null || next === "")) return true;
  if (crmType === "datetime" && typeof current === "string" && typeof next === "string") return Date.parse(current) === Date.parse(next);
  return current === next;
}

function saveError(r: CrmWriteResult): { code: string; message: string; field?: string } {
  if (r.success) return { code: "", message: "" };
  const e = r.errors[0];
  const field = e?.fields?.[0];
  return { code: e?.code ?? "CRM_ERROR", message: e?.message ?? "The CRM refused the record.", ...(field ? { field } : {}) };
}

/** Load to CRM object: rows become insert / update / upsert records in sObject Collections; each refused record is reported by row. */
export async function loadToCrm(action: LoadToCrm, rows: SourceRow[], ctx: ActionContext): Promise<ActionOutcome> {
  const denied = notAllowListed(action, await ctx.deps.writable.fields(action.object));
  if (denied) throw denied;
  const idProblem = identifierProblem(action);
  if (idProblem) throw new RunFailure("INVALID_IDENTIFIERS", idProblem, "mappings");
  const identifier = identifiersOf(action.mappings)[0];
  const client = await ctx.deps.crm();
  const fields = await describeTargets(client, action, identifier);
  const errors: RowError[] = [];
  const records: Record<string, unknown>[] = [];
  const origin: number[] = [];
  const seen = new Set<string>();
  rows.forEach((row, i) => {
    const mapped = mapRow(action.mappings, row, ctx.ruleDate);
    const record: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(mapped)) {
      const c = crmValue(raw, (fields.get(name) as CrmField).type);
      if (!c.ok) return errors.push(rowError(ctx, action.type, i, row, "INVALID_VALUE", `${name}: ${c.message}`, name));
      record[name] = c.value;
    }
    if (identifier !== undefined) {
      const key = record[identifier];
      if (key === null || key === undefined) return errors.push(rowError(ctx, action.type, i, row, "MISSING_IDENTIFIER", `The row has no value for the identifier ${identifier}.`, identifier));
      // Two rows for one record would race inside one collection; the first wins and the rest are reported.
      if (seen.has(String(key))) return errors.push(rowError(ctx, action.type, i, row, "DUPLICATE_IDENTIFIER", `Another row already writes ${action.object} ${identifier} = ${String(key)}.`, identifier));
      seen.add(String(key));
    }
    records.push(record);
    origin.push(i);
  });
  if (ctx.preview) return outcome(ctx, action.type, action.object, { written: 0, unchanged: 0 }, errors, records);
  // Only changed values are written: an update first reads what the CRM holds, which saves API
  // calls and leaves LastModifiedDate alone on a rerun.
  let unchanged = 0;
  if (action.operation === "update" && records.length > 0) {
    const targets = action.mappings.map((m) => m.to);
    const current = await currentValues(client, action.object, targets, records.map((r) => String(r["Id"])));
    const keep: number[] = [];
    records.forEach((r, j) => {
      const now = current.get(idKey(r["Id"]));
      const same = now !== undefined && targets.every((t) => t === "Id" || holds(now[t], r[t], (fields.get(t) as CrmField).type));
      if (same) unchanged++;
      else keep.push(j);
    });
    if (unchanged > 0) {
      const keptRecords = keep.map((j) => records[j] as Record<string, unknown>);
      const keptOrigin = keep.map((j) => origin[j] as number);
      records.splice(0, records.length, ...keptRecords);
      origin.splice(0, origin.length, ...keptOrigin);
    }
  }
  // Like a sync push, a write stops before it would eat into the org's reserved API calls.
  await client.ensureBudget(Math.ceil(records.length / COLLECTION_SIZE));
  const results =
    action.operation === "insert"
      ? await client.insert(action.object, records)
      : action.operation === "update"
        ? await client.update(action.object, records as ({ Id: string } & Record<string, unknown>)[])
        : await client.upsert(action.object, records, identifier as string);
  let written = 0;
  results.forEach((r, j) => {
    if (r.success) {
      written++;
      return;
    }
    const i = origin[j] as number;
    const e = saveError(r);
    errors.push(rowError(ctx, action.type, i, rows[i] as SourceRow, e.code, e.message, e.field));
  });
  return outcome(ctx, action.type, action.object, { written, unchanged }, errors);
}
