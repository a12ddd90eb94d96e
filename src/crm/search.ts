import type { CrmData } from "./data.js";
import { SfError } from "./errors.js";
import { q, type FieldDef, type ObjectDef } from "./metadata.js";
import type { QueryEngine } from "./query.js";
import { onPostgres } from "./sql.js";
import { globToRegex, MAX_SEARCH_RECORDS, malformedSearch, type SearchRequest, type SearchScope, type SearchTarget, type SearchTerm } from "./sosl.js";

/** Field types a search reads: text a person would type into a search box. */
const TEXT_TYPES = new Set<FieldDef["type"]>(["string", "textarea", "email", "url"]);

/** The fields of an object a scope searches. */
function searchedFields(obj: ObjectDef, scope: SearchScope): FieldDef[] {
  switch (scope) {
    case "NAME":
      return obj.fields.filter((f) => f.name === "Name");
    case "EMAIL":
      return obj.fields.filter((f) => f.type === "email");
    case "ALL":
      return obj.fields.filter((f) => TEXT_TYPES.has(f.type));
  }
}

/**
 * The SQL condition "the term is found in these fields": each OR group needs every one of its
 * words somewhere among the fields, each word matched at word boundaries without regard to case.
 */
function termCondition(term: SearchTerm, fields: FieldDef[], pg: boolean): { sql: string; params: unknown[] } {
  if (fields.length === 0) return { sql: "1 = 0", params: [] };
  const params: unknown[] = [];
  const groups = term.map((words) =>
    words
      .map((w) => {
        const anyField = fields.map((f) => {
          params.push(pg ? globToRegex(w.glob) : w.glob);
          // PostgreSQL has no GLOB, and matches no regex under the case-blind (nondeterministic) collation.
          return pg ? `((' ' || lower(coalesce(t.${q(f.name)}, '')) || ' ') COLLATE "C") ~ ?` : `(' ' || lower(coalesce(t.${q(f.name)}, '')) || ' ') GLOB ?`;
        });
        return `(${anyField.join(" OR ")})`;
      })
      .join(" AND "),
  );
  return { sql: groups.map((g) => `(${g})`).join(" OR "), params };
}

/** The SOQL statement that selects a RETURNING object's fields under its own WHERE and ORDER BY. */
function soqlOf(obj: ObjectDef, target: SearchTarget): string {
  const fields = target.fields.length > 0 ? target.fields : ["Id"];
  return `SELECT ${fields.join(", ")} FROM ${obj.name}${target.where ? ` WHERE ${target.where}` : ""}${target.orderBy ? ` ORDER BY ${target.orderBy}` : ""}`;
}

/**
 * Runs a search: each object of RETURNING in turn (every searchable object when RETURNING was
 * left out), its own LIMIT and the search's overall LIMIT (at most 2,000) applied in that order.
 */
export async function runSearch(data: CrmData, queries: QueryEngine, request: SearchRequest, version: string): Promise<{ searchRecords: Array<Record<string, unknown>> }> {
  const targets: SearchTarget[] = request.targets ?? data.objects().filter((o) => o.writable).map((o) => ({ object: o.name, fields: [] }));
  const resolved = targets.map((t) => {
    const obj = data.object(t.object);
    if (!obj || obj.name === "CustomField") throw new SfError(400, "INVALID_TYPE", `sObject type '${t.object}' is not supported.`);
    if (!obj.writable) throw malformedSearch(`${obj.name} records are not searchable; search Account, Contact or other objects the CRM stores records of`);
    return { obj, target: t };
  });
  let left = Math.min(request.limit ?? MAX_SEARCH_RECORDS, MAX_SEARCH_RECORDS);
  const out: Array<Record<string, unknown>> = [];
  for (const { obj, target } of resolved) {
    if (left <= 0) break;
    const rows = await queries.matching(soqlOf(obj, target), termCondition(request.term, searchedFields(obj, request.scope), onPostgres(data.db)), Math.min(left, target.limit ?? left), version);
    out.push(...rows);
    left -= rows.length;
  }
  return { searchRecords: out };
}
