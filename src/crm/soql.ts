import soqlParser, { type Condition, type FieldType, type OrderByClause, type Query, type Subquery, type WhereClause } from "soql-parser-js";
import { dateLiteralRange } from "./date-literals.js";
import { SfError } from "./errors.js";
import { normalizeId } from "./ids.js";
import { q, type ChildRelationship, type FieldDef, type ObjectDef } from "./metadata.js";
import { parseDate, parseDateTime } from "./values.js";

const { parseQuery } = soqlParser;

/** One selected column: a field of the queried object or of a parent through a relationship. */
export type SelectedColumn = { sql: string; alias: string; field: FieldDef; relationship?: { name: string; obj: ObjectDef } };

/** One aggregate in the select list (COUNT(Id) c, SUM(AnnualRevenue)…): `display` is how Salesforce names it (`count(Id)`). */
export type SelectedAggregate = { sql: string; alias: string; fn: string; display: string; field: FieldDef };

/** A parent-to-child sub-query (`(SELECT LastName FROM Contacts)`): the lookup that links it and its own plan, whose LIMIT counts per parent. */
export type ChildQuery = { relationshipName: string; lookup: FieldDef; plan: SoqlPlan };

/** A SOQL statement translated into parameterised SQL pieces over the records store. */
export type SoqlPlan = {
  obj: ObjectDef;
  kind: "records" | "count" | "aggregate";
  columns: SelectedColumn[];
  aggregates: SelectedAggregate[];
  children: ChildQuery[];
  from: string;
  where: string;
  params: unknown[];
  orderBy: string;
  limit: number | undefined;
  offset: number;
};

/** Where object definitions come from (the live metadata). */
export type ObjectLookup = (name: string) => ObjectDef | undefined;

/** The child relationships of an object, for sub-queries (none: sub-queries are refused). */
export type ChildLookup = (parent: ObjectDef) => ChildRelationship[];

const MAX_OFFSET = 2000;

function malformed(message: string): SfError {
  return new SfError(400, "MALFORMED_QUERY", message);
}

/** Reads a SOQL string literal ('O\'Brien') into its value. */
export function unquote(raw: string): string {
  const body = raw.startsWith("'") && raw.endsWith("'") ? raw.slice(1, -1) : raw;
  return body.replace(/\\(.)/g, (_m, c: string) => ({ n: "\n", t: "\t", r: "\r", b: "\b", f: "\f" })[c] ?? c);
}

/** Parses SOQL and translates it for the given objects; `now` anchors date literals. */
export function translateSoql(soql: string, lookup: ObjectLookup, now: number, includeDeleted = false, children?: ChildLookup, engine: "sqlite" | "postgres" = "sqlite"): SoqlPlan {
  let parsed: Query;
  try {
    parsed = parseQuery(soql);
  } catch (e) {
    throw malformed(`unexpected token in query: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
  return translateParsed(parsed, lookup, now, includeDeleted, children, false, engine);
}

function translateParsed(parsed: Query, lookup: ObjectLookup, now: number, includeDeleted: boolean, children: ChildLookup | undefined, nested: boolean, engine: "sqlite" | "postgres"): SoqlPlan {
  if (!parsed.sObject) throw malformed("A query needs FROM <object>");
  const obj = lookup(parsed.sObject);
  if (!obj) throw new SfError(400, "INVALID_TYPE", `sObject type '${parsed.sObject}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`);
  if (parsed.groupBy || parsed.having) throw malformed("GROUP BY and HAVING are not supported by the built-in CRM");
  const ctx = new Translation(obj, lookup, now, parsed.sObjectAlias, engine);
  const columns: SelectedColumn[] = [];
  const aggregates: SelectedAggregate[] = [];
  const chosen: { kind: SoqlPlan["kind"] } = { kind: "records" };
  const subqueries: ChildQuery[] = [];
  for (const f of parsed.fields ?? []) {
    if (f.type === "FieldSubquery") subqueries.push(childQuery(obj, f.subquery, lookup, now, includeDeleted, children, nested, engine));
    else ctx.selectField(f, columns, aggregates, (k) => (chosen.kind = k));
  }
  let kind = chosen.kind;
  if (kind === "count" && (columns.length > 0 || aggregates.length > 0)) throw malformed("count() must be the only item in the select list");
  if (aggregates.length > 0 && columns.length > 0) throw malformed("Field must be grouped or aggregated: select only aggregates without GROUP BY");
  if (aggregates.length > 0) kind = "aggregate";
  if (subqueries.length > 0 && kind !== "records") throw malformed("Sub-queries cannot be combined with aggregate functions or count()");
  const params: unknown[] = [];
  const conditions: string[] = [];
  if (!includeDeleted) conditions.push(`t."IsDeleted" = 0`);
  if (parsed.where) conditions.push(`(${ctx.where(parsed.where, params)})`);
  const orderBy = ctx.orderBy(parsed.orderBy);
  if (parsed.offset !== undefined && parsed.offset > MAX_OFFSET) throw new SfError(400, "NUMBER_OUTSIDE_VALID_RANGE", `Maximum SOQL offset allowed is ${MAX_OFFSET}`);
  return {
    obj,
    kind,
    columns,
    aggregates,
    children: subqueries,
    from: ctx.fromClause(),
    where: conditions.length > 0 ? conditions.join(" AND ") : "1 = 1",
    params,
    orderBy,
    limit: parsed.limit,
    offset: parsed.offset ?? 0,
  };
}

/** Translates `(SELECT … FROM Contacts)` into the child object's own plan, found through the parent's relationship. */
function childQuery(parent: ObjectDef, sub: Subquery, lookup: ObjectLookup, now: number, includeDeleted: boolean, children: ChildLookup | undefined, nested: boolean, engine: "sqlite" | "postgres"): ChildQuery {
  if (nested) throw malformed("Sub-queries can only be one level deep");
  const rel = children?.(parent).find((r) => r.relationshipName.toLowerCase() === sub.relationshipName.toLowerCase());
  if (!rel) {
    throw new SfError(400, "INVALID_TYPE", `Didn't understand relationship '${sub.relationshipName}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`);
  }
  const { relationshipName: _r, sObjectPrefix: _p, ...rest } = sub;
  const plan = translateParsed({ ...rest, sObject: rel.child.name }, lookup, now, includeDeleted, children, true, engine);
  if (plan.kind !== "records") throw malformed("Sub-queries select fields, not aggregates or count()");
  if (plan.offset > 0) throw malformed("OFFSET is not supported in sub-queries");
  return { relationshipName: rel.relationshipName, lookup: rel.field, plan };
}

class Translation {
  private readonly joins = new Map<string, { obj: ObjectDef; via: FieldDef; alias: string }>();

  constructor(
    private readonly obj: ObjectDef,
    private readonly lookup: ObjectLookup,
    private readonly now: number,
    private readonly objectAlias: string | undefined,
    private readonly engine: "sqlite" | "postgres",
  ) {}

  fromClause(): string {
    const parts = [`${q(this.obj.table)} AS t`];
    for (const j of this.joins.values()) parts.push(`LEFT JOIN ${q(j.obj.table)} AS ${j.alias} ON ${j.alias}."Id" = t.${q(j.via.name)}`);
    return parts.join(" ");
  }

  private noSuchColumn(name: string, on: ObjectDef = this.obj): SfError {
    return new SfError(400, "INVALID_FIELD", `No such column '${name}' on entity '${on.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name.`, [name]);
  }

  /** Resolves `Name`, `a.Name` or `Account.Name` to SQL and its field. */
  column(path: string): { sql: string; field: FieldDef; relationship?: { name: string; obj: ObjectDef } } {
    let parts = path.split(".");
    if (parts.length > 1 && this.objectAlias && parts[0]?.toLowerCase() === this.objectAlias.toLowerCase()) parts = parts.slice(1);
    if (parts.length > 1 && parts[0]?.toLowerCase() === this.obj.name.toLowerCase()) parts = parts.slice(1);
    if (parts.length === 1) {
      const f = this.obj.byLowerName.get((parts[0] as string).toLowerCase());
      if (!f) throw this.noSuchColumn(parts[0] as string);
      return { sql: `t.${q(f.name)}`, field: f };
    }
    if (parts.length !== 2) throw malformed(`Relationship paths deeper than one level are not supported: ${path}`);
    const [rel, name] = parts as [string, string];
    const via = this.obj.fields.find((f) => f.type === "reference" && f.name.toLowerCase() === `${rel.toLowerCase()}id`);
    const parent = via?.referenceTo[0] ? this.lookup(via.referenceTo[0]) : undefined;
    if (!via || !parent) throw new SfError(400, "INVALID_FIELD", `Didn't understand relationship '${rel}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`, [path]);
    const f = parent.byLowerName.get(name.toLowerCase());
    if (!f) throw this.noSuchColumn(name, parent);
    const relName = via.name.slice(0, -2);
    let join = this.joins.get(relName);
    if (!join) {
      join = { obj: parent, via, alias: `r${this.joins.size}` };
      this.joins.set(relName, join);
    }
    return { sql: `${join.alias}.${q(f.name)}`, field: f, relationship: { name: relName, obj: parent } };
  }

  selectField(f: FieldType, columns: SelectedColumn[], aggregates: SelectedAggregate[], setKind: (k: SoqlPlan["kind"]) => void): void {
    switch (f.type) {
      case "Field":
      case "FieldRelationship": {
        const path = f.type === "Field" ? f.field : [...f.relationships, f.field].join(".");
        const c = this.column(path);
        const alias = c.relationship ? `${c.relationship.name}.${c.field.name}` : c.field.name;
        if (!columns.some((x) => x.alias === alias)) columns.push({ ...c, alias });
        return;
      }
      case "FieldFunctionExpression": {
        const fn = f.functionName.toUpperCase();
        if (fn === "COUNT" && f.parameters.length === 0) {
          setKind("count");
          return;
        }
        if (!["COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"].includes(fn) || f.parameters.length !== 1 || typeof f.parameters[0] !== "string") {
          throw malformed(`Function ${f.functionName} is not supported by the built-in CRM`);
        }
        const c = this.column(f.parameters[0]);
        const sql = fn === "COUNT_DISTINCT" ? `COUNT(DISTINCT ${c.sql})` : `${fn}(${c.sql})`;
        aggregates.push({ sql, alias: f.alias ?? `expr${aggregates.length}`, fn, display: `${fn.toLowerCase()}(${f.parameters[0]})`, field: c.field });
        return;
      }
      default:
        throw malformed(`${f.type} in the select list is not supported by the built-in CRM`);
    }
  }

  orderBy(clause: OrderByClause | OrderByClause[] | undefined): string {
    if (!clause) return "";
    const items = Array.isArray(clause) ? clause : [clause];
    return items
      .map((o) => {
        if (!("field" in o)) throw malformed("ORDER BY on functions is not supported");
        const c = this.column(o.field);
        const dir = o.order === "DESC" ? "DESC" : "ASC";
        // SOQL's defaults (ASC NULLS FIRST, DESC NULLS LAST) are SQLite's but not PostgreSQL's, so they are always spelled out.
        const nulls = o.nulls ?? (dir === "ASC" ? "FIRST" : "LAST");
        return `${c.sql} ${dir} NULLS ${nulls}`;
      })
      .join(", ");
  }

  /** Emits the parser's linear chain in order: its paren counts and SQL's NOT > AND > OR precedence match SOQL's. */
  where(clause: WhereClause, params: unknown[]): string {
    const out: string[] = [];
    let node: WhereClause | undefined = clause;
    while (node) {
      const left = node.left as (Condition & { openParen?: number; closeParen?: number; field?: string; fn?: unknown; valueQuery?: unknown }) | null;
      if (left) {
        out.push("(".repeat(left.openParen ?? 0));
        if ("field" in left || "fn" in left || "valueQuery" in left) out.push(this.condition(left as unknown as Record<string, unknown>, params));
        out.push(")".repeat(left.closeParen ?? 0));
      }
      if (!("operator" in node) || !node.operator) break;
      out.push(node.operator === "NOT" ? "NOT " : ` ${node.operator} `);
      node = "right" in node ? node.right : undefined;
    }
    // soql-parser-js loses a NOT and its parenthesis when three or more NOT ( nest (found by
    // fuzzing): refuse what it gave back rather than send SQLite unbalanced SQL (a 500) or a
    // condition that no longer means what was asked.
    let depth = 0;
    for (const piece of out) {
      for (const ch of piece) if (ch === "(" || ch === ")") depth += ch === "(" ? 1 : -1;
      if (depth < 0) break;
    }
    if (depth !== 0) throw malformed("The WHERE clause's parentheses do not pair up as parsed (NOT ( nested three or more deep is not supported); simplify the condition");
    return out.join("");
  }

  private condition(cond: Record<string, unknown>, params: unknown[]): string {
    if ("valueQuery" in cond) throw malformed("Semi-join sub-selects are not supported by the built-in CRM");
    if ("fn" in cond) throw malformed("Functions in WHERE are not supported by the built-in CRM");
    const c = this.column(String(cond["field"]));
    const op = String(cond["operator"]).toUpperCase();
    const rawValue = cond["value"] as string | string[];
    const literal = cond["literalType"] as string | string[] | undefined;
    const values = Array.isArray(rawValue) ? rawValue : [rawValue];
    const types = Array.isArray(literal) ? literal : values.map(() => literal ?? "STRING");
    const list = op === "IN" || op === "NOT IN";
    if (list !== Array.isArray(rawValue) && list) throw malformed(`${op} needs a list of values in parentheses`);
    if (op === "INCLUDES" || op === "EXCLUDES") throw malformed(`${op} applies to multi-select picklists, which the built-in CRM does not have`);
    // Date literals compare as ranges.
    if (types.some((t) => t === "DATE_LITERAL" || t === "DATE_N_LITERAL")) return this.dateLiteralCondition(c, op, values, params);
    const converted = values.map((v, i) => this.literal(c.field, v, types[i] ?? "STRING"));
    if (list) {
      const nonNull = converted.filter((v) => v !== null);
      const hasNull = nonNull.length !== converted.length;
      params.push(...nonNull);
      const inList = nonNull.length > 0 ? `${c.sql} IN (${nonNull.map(() => "?").join(", ")})` : "false";
      if (op === "IN") return hasNull ? `(${inList} OR ${c.sql} IS NULL)` : inList;
      return hasNull ? `(${c.sql} IS NOT NULL AND NOT ${inList})` : `(${c.sql} IS NULL OR NOT ${inList})`;
    }
    const v = converted[0];
    switch (op) {
      case "=":
        if (v === null) return `${c.sql} IS NULL`;
        params.push(v);
        // The null-safe =, so NOT (x = 'a') keeps records where x is null, as SOQL does.
        return `${c.sql} IS NOT DISTINCT FROM ?`;
      case "!=":
        if (v === null) return `${c.sql} IS NOT NULL`;
        params.push(v);
        return `${c.sql} IS DISTINCT FROM ?`;
      case "<":
      case "<=":
      case ">":
      case ">=":
        if (v === null) return "false";
        params.push(v);
        return `coalesce(${c.sql} ${op} ?, false)`;
      case "LIKE": {
        if (typeof v !== "string") throw malformed(`LIKE needs a string value on field ${c.field.name}`);
        params.push(v);
        // SQLite's LIKE ignores ASCII case; PostgreSQL's ILIKE does that under the C collation
        // (its case-blind collation cannot run LIKE at all).
        if (this.engine === "postgres") return `coalesce(CAST(${c.sql} AS TEXT) COLLATE "C" ILIKE ? ESCAPE '\\', false)`;
        return `coalesce(${c.sql} LIKE ? ESCAPE '\\', false)`;
      }
      default:
        throw malformed(`Operator ${op} is not supported`);
    }
  }

  private literal(f: FieldDef, raw: string, type: string): unknown {
    const mismatch = (expected: string): SfError =>
      new SfError(400, "INVALID_QUERY_FILTER_OPERATOR", `value of filter criterion for field '${f.name}' must be of type ${expected} and should${expected === "string" ? "" : " not"} be enclosed in quotes`, [f.name]);
    if (type === "NULL") return null;
    switch (f.type) {
      case "boolean":
        if (type !== "BOOLEAN") throw mismatch("boolean");
        return raw.toUpperCase() === "TRUE" ? 1 : 0;
      case "double":
      case "currency":
      case "percent":
      case "int":
        if (!["INTEGER", "DECIMAL", "INTEGER_WITH_CURRENCY_PREFIX", "DECIMAL_WITH_CURRENCY_PREFIX"].includes(type)) throw mismatch("double");
        return Number(raw.replace(/^[A-Z]{3}/, ""));
      case "date": {
        const d = type === "DATE" ? parseDate(raw) : undefined;
        if (!d) throw mismatch("date");
        return d;
      }
      case "datetime": {
        const d = type === "DATETIME" ? parseDateTime(raw) : undefined;
        if (!d) throw mismatch("dateTime");
        return d;
      }
      case "id":
      case "reference": {
        if (type !== "STRING") throw mismatch("string");
        const s = unquote(raw);
        const id = normalizeId(s);
        if (!id) throw new SfError(400, "INVALID_QUERY_FILTER_OPERATOR", `invalid ID field: ${s}`, [f.name]);
        return id;
      }
      default:
        if (type !== "STRING") throw mismatch("string");
        return unquote(raw);
    }
  }

  private dateLiteralCondition(c: { sql: string; field: FieldDef }, op: string, values: string[], params: unknown[]): string {
    if (c.field.type !== "date" && c.field.type !== "datetime") {
      throw new SfError(400, "INVALID_QUERY_FILTER_OPERATOR", `value of filter criterion for field '${c.field.name}' must be of type ${c.field.type} and should not be a date literal`, [c.field.name]);
    }
    const bound = (d: Date): string => (c.field.type === "date" ? d.toISOString().slice(0, 10) : d.toISOString());
    const ranges = values.map((v) => {
      const r = dateLiteralRange(v, this.now);
      if (!r) throw malformed(`Unknown date literal ${v}`);
      // Salesforce's dates run from 1700 to 4000; a larger n names no date at all.
      if (!inDateRange(r.start) || !inDateRange(r.end)) throw malformed(`${v} reaches outside the dates a record can hold (1700-01-01 to 4000-12-31)`);
      return { start: bound(r.start), end: bound(r.end) };
    });
    const within = (r: { start: string; end: string }): string => {
      params.push(r.start, r.end);
      return `(${c.sql} >= ? AND ${c.sql} < ?)`;
    };
    const one = ranges[0] as { start: string; end: string };
    switch (op) {
      case "=":
        return within(one);
      case "!=":
        return `(${c.sql} IS NULL OR NOT ${within(one)})`;
      case "IN":
        return `(${ranges.map(within).join(" OR ")})`;
      case "NOT IN":
        return `(${c.sql} IS NULL OR NOT (${ranges.map(within).join(" OR ")}))`;
      case "<":
        params.push(one.start);
        return `coalesce(${c.sql} < ?, false)`;
      case "<=":
        params.push(one.end);
        return `coalesce(${c.sql} < ?, false)`;
      case ">":
        params.push(one.end);
        return `coalesce(${c.sql} >= ?, false)`;
      case ">=":
        params.push(one.start);
        return `coalesce(${c.sql} >= ?, false)`;
      default:
        throw malformed(`Operator ${op} cannot compare with a date literal`);
    }
  }
}

const MIN_DATE = Date.UTC(1700, 0, 1);
const MAX_DATE = Date.UTC(4001, 0, 1);

function inDateRange(d: Date): boolean {
  const t = d.getTime();
  return Number.isFinite(t) && t >= MIN_DATE && t <= MAX_DATE;
}
