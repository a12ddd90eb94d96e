import type { AnalyticsModule, EntityKind, Metadata } from "../analytics/index.js";
import { ApiError } from "../kernel/index.js";
import { addNotices, checkpoint, type RunContext } from "./context.js";
import { indexByLink, linkIds, orphansOf } from "./link.js";
import { toMetadata } from "./values.js";

/** One side of the pull: CRM object, analytics entity kind, link field and fields to pull. */
export type PullSide = { object: "Account" | "Contact"; kind: EntityKind; linkField: string; fields: string[] };

/** The SOQL that reads the link field and `fields` of every linked record. */
export function linkedSoql(object: string, linkField: string, fields: string[]): string {
  const names = [...new Set(["Id", linkField, ...fields])];
  return `SELECT ${names.join(", ")} FROM ${object}${linkField === "Id" ? "" : ` WHERE ${linkField} != null`}`;
}

/**
 * Pulls CRM fields into the `crm` metadata group: matched entities get the values, unmatched ones
 * are cleared and reported. Answers how many entities' `crm` group changed.
 */
export async function pullSide(ctx: RunContext, analytics: AnalyticsModule, appId: string, side: PullSide): Promise<number> {
  const info = await ctx.describe(side.object);
  const byName = new Map(info.fields.map((f) => [f.name.toLowerCase(), f]));
  for (const name of [side.linkField, ...side.fields]) {
    if (!byName.has(name.toLowerCase())) throw new ApiError(400, "UNKNOWN_FIELD", `${side.object} has no field ${name} (was it deleted in the CRM?)`, name);
  }
  const fields = side.fields.map((n) => byName.get(n.toLowerCase())).filter((f) => f !== undefined);
  const linkField = byName.get(side.linkField.toLowerCase())?.name ?? side.linkField;
  checkpoint(ctx);
  const records = await ctx.client.query(linkedSoql(side.object, linkField, fields.map((f) => f.name)));
  ctx.counts.read += records.length;
  const index = indexByLink(records, linkField);
  const entities = await analytics.metadata.all(appId, side.kind);
  const link = linkIds(
    entities.map((e) => e.id),
    index,
    { step: "pull", object: side.object, field: linkField },
  );
  // Only entities whose `crm` group would change are written: an unchanged pull of thousands of
  // accounts then costs no write at all (the stored group is compared as the JSON it is kept as).
  const values = new Map<string, Metadata>();
  for (const e of entities) {
    const r = link.matched.get(e.id);
    const next: Metadata = r ? Object.fromEntries(fields.map((f) => [f.name, toMetadata(r[f.name], f)])) : {};
    if (JSON.stringify(next) !== JSON.stringify(e.metadata.crm)) values.set(e.id, next);
  }
  checkpoint(ctx);
  if (values.size > 0) await analytics.metadata.replaceCrm(appId, side.kind, values);
  addNotices(ctx, [...link.duplicates, ...link.unmatched]);
  addNotices(ctx, orphansOf(records, new Set(entities.map((e) => e.id)), { step: "pull", object: side.object, field: linkField, kind: side.kind }));
  return values.size;
}
