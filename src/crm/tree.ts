import type { CrmData } from "./data.js";
import { Rollback } from "./data.js";
import { SfError } from "./errors.js";
import { childRelationshipsOf, type FieldDef, type ObjectDef } from "./metadata.js";
import type { OpContext, OpReply } from "./ops.js";

/** Salesforce's limits on one sObject Tree request. */
const MAX_RECORDS = 200;
const MAX_TYPES = 5;
const MAX_DEPTH = 5;

/** One record of a tree, checked and placed: its level, its parent and the lookup that points there. */
type TreeNode = {
  referenceId: string;
  obj: ObjectDef;
  depth: number;
  body: Record<string, unknown>;
  parent?: TreeNode;
  lookup?: FieldDef;
  id?: string;
};

/** A per-record failure in the tree's result shape. */
type TreeError = { referenceId: string; errors: Array<{ statusCode: string; message: string; fields: string[] }> };

function invalid(message: string): SfError {
  return new SfError(400, "INVALID_INPUT", message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Reads the request into nodes, level by level (roots, then every second-level record, and so on:
 * the order Salesforce creates and reports them in). Throws for a request that is malformed as a
 * whole; record-level faults (duplicate reference ids) come back as tree errors.
 */
function flatten(data: CrmData, rootType: ObjectDef, body: unknown): { nodes: TreeNode[]; errors: TreeError[] } {
  if (!isObject(body) || !Array.isArray(body["records"])) throw invalid("An sObject Tree request needs a records array");
  const objects = data.objects();
  const levels: TreeNode[][] = [];
  const types = new Set<string>();
  let count = 0;
  const visit = (raw: unknown, expected: ObjectDef, depth: number, parent?: TreeNode, lookup?: FieldDef): void => {
    if (!isObject(raw)) throw invalid("Each record of an sObject Tree must be a JSON object");
    const attrs = raw["attributes"];
    if (!isObject(attrs) || typeof attrs["type"] !== "string" || typeof attrs["referenceId"] !== "string" || attrs["referenceId"] === "") {
      throw invalid("Each record needs attributes with its type and a referenceId");
    }
    if (attrs["type"].toLowerCase() !== expected.name.toLowerCase()) throw invalid(`Record ${attrs["referenceId"]} is of type ${attrs["type"]}, but this position holds ${expected.name} records`);
    if (depth > MAX_DEPTH) throw invalid(`sObject trees can be at most ${MAX_DEPTH} levels deep`);
    if (++count > MAX_RECORDS) throw new SfError(400, "EXCEEDED_ID_LIMIT", `An sObject Tree request can hold at most ${MAX_RECORDS} records`);
    types.add(expected.name);
    if (types.size > MAX_TYPES) throw invalid(`An sObject Tree request can hold records of at most ${MAX_TYPES} types`);
    const fields: Record<string, unknown> = {};
    const children: Array<{ name: string; value: unknown }> = [];
    for (const [k, v] of Object.entries(raw)) {
      if (k === "attributes") continue;
      if (isObject(v) && Array.isArray(v["records"])) children.push({ name: k, value: v["records"] });
      else fields[k] = v;
    }
    const node: TreeNode = { referenceId: attrs["referenceId"], obj: expected, depth, body: fields, parent, lookup };
    (levels[depth - 1] ??= []).push(node);
    const relationships = childRelationshipsOf(expected, objects);
    for (const c of children) {
      const rel = relationships.find((r) => r.relationshipName.toLowerCase() === c.name.toLowerCase());
      if (!rel) throw new SfError(400, "INVALID_FIELD", `No such relationship '${c.name}' on sobject of type ${expected.name}`, [c.name]);
      for (const child of c.value as unknown[]) visit(child, rel.child, depth + 1, node, rel.field);
    }
  };
  for (const r of body["records"] as unknown[]) visit(r, rootType, 1);
  const nodes = levels.flat();
  const seen = new Map<string, number>();
  for (const n of nodes) seen.set(n.referenceId.toLowerCase(), (seen.get(n.referenceId.toLowerCase()) ?? 0) + 1);
  const errors = nodes
    .filter((n) => (seen.get(n.referenceId.toLowerCase()) ?? 0) > 1)
    .map((n) => ({ referenceId: n.referenceId, errors: [{ statusCode: "INVALID_INPUT", message: `Duplicate ReferenceId provided in the request: ${n.referenceId}`, fields: [] }] }));
  return { nodes, errors };
}

/**
 * `POST /composite/tree/{sObject}`: creates the trees in one transaction, parents before their
 * children (each child's lookup is set to its new parent). The first failing record undoes the
 * whole request and is the only one reported, as Salesforce does.
 */
export async function createTrees(data: CrmData, ctx: OpContext, type: string, body: unknown): Promise<OpReply> {
  const root = data.requireObject(type);
  if (!root.writable) throw new SfError(400, "INVALID_TYPE_FOR_OPERATION", `entity type ${root.name} does not support this operation`);
  const { nodes, errors } = flatten(data, root, body);
  if (errors.length > 0) return { status: 400, body: { hasErrors: true, results: errors } };
  let failure: TreeError | undefined;
  await data.transaction(async (trx) => {
    for (const n of nodes) {
      try {
        const cells = data.prepare(n.obj, n.body, "insert");
        if (n.parent && n.lookup) cells.set(n.lookup, n.parent.id ?? null);
        n.id = await data.insert(trx, n.obj, cells, ctx.userId);
      } catch (e) {
        if (!(e instanceof SfError)) throw e;
        failure = { referenceId: n.referenceId, errors: [e.toSaveError()] };
        throw new Rollback();
      }
    }
    return true;
  });
  if (failure) return { status: 400, body: { hasErrors: true, results: [failure] } };
  return { status: 201, body: { hasErrors: false, results: nodes.map((n) => ({ referenceId: n.referenceId, id: n.id })) } };
}
