import type { AnalyticsModule } from "../analytics/index.js";
import { ApiError } from "../kernel/index.js";
import { BULK_THRESHOLD, COLLECTION_SIZE, type FieldInfo, type WriteResult } from "../salesforce/index.js";
import { addErrors, addNotices, checkpoint, type RunContext } from "./context.js";
import { indexByLink, linkIds, orphansOf } from "./link.js";
import { checkMapping } from "./mapping.js";
import { linkedSoql } from "./pull.js";
import type { PushMapping, SyncStore } from "./store.js";
import { sameValue, toCrmValue, type CrmValue } from "./values.js";

type Change = { Id: string; key: string; diff: Record<string, CrmValue>; full: Record<string, CrmValue> };

/** Bulk API 2.0 costs about this many calls (job, upload, close, a few polls, two result files). */
const BULK_CALLS = 8;

/** Pushes one mapped report: reads the fields' current values, writes only the records whose values changed. */
export async function pushMapping(ctx: RunContext, deps: { analytics: AnalyticsModule; store: SyncStore; knownIds: (kind: "account" | "visitor") => Promise<ReadonlySet<string>> }, mapping: PushMapping, linkField: string | undefined, prefix: string): Promise<void> {
  const fail = (code: string, message: string): void => {
    addErrors(ctx, [{ step: "push", object: mapping.object, key: mapping.reportId, code, message }]);
    ctx.counts.failed++;
  };
  const report = await deps.analytics.reports.get(mapping.reportId);
  if (!report) return fail("REPORT_NOT_FOUND", `The mapped report ${mapping.reportId} no longer exists; delete or change push mapping ${mapping.id}`);
  if (!linkField) return fail("LINK_NOT_SET", `Choose the ${mapping.object} field that holds the analytics visitor id (PUT /api/v1/sync/link visitorField)`);
  const result = await deps.analytics.reportService.run(report);
  const info = await ctx.describe(mapping.object);
  try {
    checkMapping(info, result.columns, mapping.fields, prefix);
  } catch (e) {
    if (e instanceof ApiError) return fail(e.code, `Push mapping ${mapping.id}: ${e.message}`);
    throw e;
  }
  const byName = new Map(info.fields.map((f) => [f.name.toLowerCase(), f]));
  const mapped = mapping.fields.map((m) => ({ column: m.column, field: byName.get(m.field.toLowerCase()) as FieldInfo }));
  const link = byName.get(linkField.toLowerCase())?.name ?? linkField;
  checkpoint(ctx);
  const records = await ctx.client.query(linkedSoql(mapping.object, link, mapped.map((m) => m.field.name)));
  ctx.counts.read += records.length;
  const linked = linkIds(
    result.rows.map((r) => r.id),
    indexByLink(records, link),
    { step: "push", object: mapping.object, field: link },
  );
  addNotices(ctx, [...linked.duplicates, ...linked.unmatched]);
  const kind = mapping.object === "Account" ? "account" : "visitor";
  addNotices(ctx, orphansOf(records, await deps.knownIds(kind), { step: "push", object: mapping.object, field: link, kind }));

  const already = await deps.store.written(ctx.runId, mapping.id);
  const changes: Change[] = [];
  for (const row of result.rows) {
    const rec = linked.matched.get(row.id);
    if (!rec) continue;
    const diff: Record<string, CrmValue> = {};
    const full: Record<string, CrmValue> = {};
    for (const m of mapped) {
      const desired = toCrmValue(row.values[m.column], m.field, report.timeZone);
      full[m.field.name] = desired;
      if (!sameValue(rec[m.field.name], desired, m.field)) diff[m.field.name] = desired;
    }
    if (Object.keys(diff).length === 0) continue;
    ctx.counts.changed++;
    const id = String(rec["Id"]);
    // Written earlier in this run (before a crash): never written twice.
    if (already.has(id)) {
      ctx.counts.skipped++;
      continue;
    }
    changes.push({ Id: id, key: row.id, diff, full });
  }
  if (changes.length === 0) return;
  checkpoint(ctx);
  const bulk = changes.length > BULK_THRESHOLD;
  await ctx.client.ensureBudget(bulk ? BULK_CALLS : Math.ceil(changes.length / COLLECTION_SIZE));
  const keyOf = new Map(changes.map((c) => [c.Id, c.key]));
  const record = async (results: WriteResult[]): Promise<void> => {
    await deps.store.markWritten(
      ctx.runId,
      mapping.id,
      results.filter((r) => r.success).map((r) => r.id),
    );
    for (const r of results) {
      if (r.success) continue;
      // A refused value is a data problem in that record: a notice, unless so many are refused
      // that the run itself is in question (see outcomeOf).
      ctx.counts.refused++;
      const first = r.errors[0];
      addErrors(ctx, [{ step: "push", object: mapping.object, key: keyOf.get(r.id), recordId: r.id, code: first?.code ?? "UNKNOWN", message: first?.message ?? "The CRM refused the record", ...(first?.fields ? { fields: first.fields } : {}), notice: true }]);
    }
    checkpoint(ctx);
  };
  if (bulk) {
    await record(
      await ctx.client.bulkUpdate(
        mapping.object,
        mapped.map((m) => m.field.name),
        changes.map((c) => ({ Id: c.Id, ...c.full })),
      ),
    );
  } else {
    await ctx.client.update(
      mapping.object,
      changes.map((c) => ({ Id: c.Id, ...c.diff })),
      record,
    );
  }
}
