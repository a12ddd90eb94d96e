import { CUSTOMER_FIELDS } from "../customers/customer.js";
import { accountFieldOf, type Rule, type RuleSource } from "./definition.js";
import { applyFilters } from "./filter.js";
import { RunFailure, type RuleDeps, type RuleStores, type SourceRow } from "./run-types.js";
import { buildSoql } from "./soql.js";

/** The fields a source of this kind offers, when it is known without asking the CRM. */
export async function localFields(source: RuleSource, deps: RuleStores): Promise<{ fields: Set<string>; open?: string } | undefined> {
  switch (source.kind) {
    case "crm":
      return undefined;
    case "customers": {
      return { fields: new Set(CUSTOMER_FIELDS.map((f) => f.name)), open: "custom." };
    }
    case "usage":
      return { fields: new Set(["accountId", "periodStart", "aggregationLevel", "instanceId", "userId", ...(await deps.usage.measures()).map((m) => m.name)]) };
    case "object": {
      const def = await deps.objects.require(source.object);
      return { fields: new Set(["id", "createdAt", "updatedAt", ...def.fields.map((f) => f.name)]) };
    }
  }
}

/** The CRM fields the query selects: the Show box, plus the account link when customers-only needs it. */
function crmFields(rule: Rule): string[] {
  const account = accountFieldOf(rule.source);
  return [...new Set(rule.customersOnly && !rule.show.includes(account) ? [account, ...rule.show] : rule.show)];
}

/** The CRM source: describe to type the filters and check the fields, then one SOQL query, all pages. */
async function readCrm(rule: Rule & { source: { kind: "crm" } }, ruleDate: string, deps: RuleDeps): Promise<{ rows: SourceRow[]; soql: string }> {
  const client = await deps.crm();
  const described = await client.describe(rule.source.object);
  const types = new Map(described.fields.map((f) => [f.name, f.type]));
  const fields = crmFields(rule);
  for (const f of [...fields, ...rule.filters.map((x) => x.field)]) {
    if (!f.includes(".") && !types.has(f)) throw new RunFailure("FIELD_NOT_FOUND", `${rule.source.object} has no field ${f} in the CRM.`, f);
  }
  const soql = buildSoql(rule.source.object, fields, rule.filters, ruleDate, types);
  return { rows: await client.query(soql), soql };
}

/** Reads a rule's source rows with its filters applied (in SOQL for the CRM, in memory for local sources). */
export async function readSource(rule: Rule, ruleDate: string, deps: RuleDeps): Promise<{ rows: SourceRow[]; soql?: string }> {
  const source = rule.source;
  switch (source.kind) {
    case "crm":
      return readCrm({ ...rule, source }, ruleDate, deps);
    case "customers":
      return { rows: applyFilters(await deps.customers.rows(["accountId", ...rule.show, ...rule.filters.map((f) => f.field)]), rule.filters, ruleDate) };
    case "usage": {
      const rows = await deps.usage.rows({ aggregationLevel: source.aggregationLevel ?? "ACCOUNTLEVEL" });
      const flat = rows.map((r) => ({ accountId: r.accountId, periodStart: r.periodStart, aggregationLevel: r.aggregationLevel, instanceId: r.instanceId, userId: r.userId, ...r.measures }));
      return { rows: applyFilters(flat, rule.filters, ruleDate) };
    }
    case "object":
      return { rows: applyFilters(await deps.objects.records(source.object), rule.filters, ruleDate) };
  }
}
