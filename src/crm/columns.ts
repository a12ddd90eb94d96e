import type { FieldDef } from "./metadata.js";
import type { SoqlPlan } from "./soql.js";

/** One column of a query's select list as `/query?columns=true` describes it. */
export type ColumnMetadata = {
  aggregate: boolean;
  apexType: string | null;
  booleanType: boolean;
  columnName: string;
  custom: boolean;
  displayName: string;
  foreignKeyName: string | null;
  insertable: boolean;
  joinColumns: ColumnMetadata[];
  numberType: boolean;
  textType: boolean;
  updatable: boolean;
};

/** What `/query?q=…&columns=true` answers instead of records. */
export type QueryColumns = { columnMetadata: ColumnMetadata[]; entityName: string; groupBy: boolean; idSelected: boolean; keyPrefix: string | null };

const APEX_TYPE: Record<FieldDef["type"], string> = {
  id: "Id",
  reference: "Id",
  string: "String",
  textarea: "String",
  picklist: "String",
  email: "String",
  url: "String",
  double: "Double",
  currency: "Decimal",
  percent: "Double",
  int: "Integer",
  boolean: "Boolean",
  date: "Date",
  datetime: "Datetime",
};

function isNumber(f: FieldDef): boolean {
  return f.type === "double" || f.type === "currency" || f.type === "percent" || f.type === "int";
}

function isText(f: FieldDef): boolean {
  return f.type === "string" || f.type === "textarea" || f.type === "picklist" || f.type === "email" || f.type === "url";
}

function fieldColumn(f: FieldDef): ColumnMetadata {
  return {
    aggregate: false,
    apexType: APEX_TYPE[f.type],
    booleanType: f.type === "boolean",
    columnName: f.name,
    custom: f.custom,
    displayName: f.name,
    foreignKeyName: null,
    insertable: f.createable,
    joinColumns: [],
    numberType: isNumber(f),
    textType: isText(f),
    updatable: f.updateable,
  };
}

/**
 * The column metadata of a translated SOQL statement: plain fields in select-list order, one
 * join column per parent relationship holding that parent's selected fields (`Owner` → `Name`),
 * then sub-queries (`Contacts` holding the child columns), then aggregates named by alias or
 * `exprN` with Salesforce's `count(Id)` display name.
 */
export function columnsOf(plan: SoqlPlan): QueryColumns {
  const out: ColumnMetadata[] = [];
  const joins = new Map<string, ColumnMetadata>();
  for (const c of plan.columns) {
    if (!c.relationship) {
      out.push(fieldColumn(c.field));
      continue;
    }
    let join = joins.get(c.relationship.name);
    if (!join) {
      join = {
        aggregate: false,
        apexType: null,
        booleanType: false,
        columnName: c.relationship.name,
        custom: false,
        displayName: c.relationship.name,
        foreignKeyName: `${c.relationship.name}Id`,
        insertable: false,
        joinColumns: [],
        numberType: false,
        textType: false,
        updatable: false,
      };
      joins.set(c.relationship.name, join);
      out.push(join);
    }
    join.joinColumns.push(fieldColumn(c.field));
  }
  // A sub-query is an "aggregate" column in Salesforce's terms: one column holding the child records' columns.
  for (const child of plan.children) {
    out.push({
      aggregate: true,
      apexType: null,
      booleanType: false,
      columnName: child.relationshipName,
      custom: false,
      displayName: child.relationshipName,
      foreignKeyName: null,
      insertable: false,
      joinColumns: columnsOf(child.plan).columnMetadata,
      numberType: false,
      textType: false,
      updatable: false,
    });
  }
  for (const a of plan.aggregates) {
    // COUNT is a number whatever it counts; MIN/MAX take their field's type.
    const counting = a.fn === "COUNT" || a.fn === "COUNT_DISTINCT";
    const numeric = counting || a.fn === "SUM" || a.fn === "AVG" || isNumber(a.field);
    out.push({
      aggregate: true,
      apexType: null,
      booleanType: false,
      columnName: a.alias,
      custom: false,
      displayName: a.display,
      foreignKeyName: null,
      insertable: false,
      joinColumns: [],
      numberType: numeric,
      textType: !numeric && isText(a.field),
      updatable: false,
    });
  }
  return {
    columnMetadata: out,
    entityName: plan.kind === "aggregate" ? "AggregateResult" : plan.obj.name,
    groupBy: false,
    idSelected: plan.columns.some((c) => !c.relationship && c.field.name === "Id"),
    keyPrefix: plan.kind === "aggregate" ? null : plan.obj.keyPrefix,
  };
}
