/** The segment builder's editable tree and its conversion to and from the API's definition. */

export type Op = "and" | "or";
export type MetadataOperator = "equals" | "notEquals" | "contains" | "notContains" | "greater" | "less" | "between" | "exists" | "notExists" | "inLastDays" | "withinNextDays";
export type Condition = "ever" | "withinLastDays" | "since" | "atLeast" | "atMost" | "never";
export type Target = "account" | "visitor";
export type MetaGroup = "agent" | "custom" | "crm";

/** Drafts keep what the person typed (text); numbers are made when the definition is built. */
export type MetadataDraft = { kind: "metadata"; target: Target; group: MetaGroup; key: string; operator: MetadataOperator; value: string; value2: string };
export type BehaviorDraft = { kind: "behavior"; event: "page" | "feature" | "track"; id: string; condition: Condition; days: string; date: string; count: string };
export type NpsDraft = { kind: "nps"; category: "promoter" | "passive" | "detractor"; target: "" | Target; days: string };
export type RuleDraft = MetadataDraft | BehaviorDraft | NpsDraft;
export type GroupNode = { uid: string; op: Op; children: TreeNode[] };
export type RuleNode = { uid: string; rule: RuleDraft };
export type TreeNode = GroupNode | RuleNode;

/** The API's definition (src/analytics/segments/definition.ts). */
export type ApiRule =
  | { kind: "metadata"; target: Target; group: MetaGroup; key: string; operator: MetadataOperator; value?: string | number | boolean; value2?: string | number | boolean }
  | { kind: "behavior"; event: "page" | "feature" | "track"; id: string; condition: Condition; days?: number; date?: string; count?: number }
  | { kind: "nps"; category: string; target?: string; days?: number }
  | ApiGroup;
export type ApiGroup = { op: Op; rules: ApiRule[] };

export const OPERATORS: { value: MetadataOperator; label: string }[] = [
  { value: "equals", label: "is" },
  { value: "notEquals", label: "is not" },
  { value: "contains", label: "contains" },
  { value: "notContains", label: "does not contain" },
  { value: "greater", label: "is greater than" },
  { value: "less", label: "is less than" },
  { value: "between", label: "is between" },
  { value: "exists", label: "has a value" },
  { value: "notExists", label: "has no value" },
  { value: "inLastDays", label: "is a date in the last N days" },
  { value: "withinNextDays", label: "is a date within the next N days" },
];

export const CONDITIONS: { value: Condition; label: string }[] = [
  { value: "ever", label: "at least once, ever" },
  { value: "withinLastDays", label: "within the last N days" },
  { value: "since", label: "since a date" },
  { value: "atLeast", label: "at least N times" },
  { value: "atMost", label: "at most N times" },
  { value: "never", label: "never" },
];

let counter = 0;
export const uid = (): string => `n${++counter}`;
export const isGroupNode = (n: TreeNode): n is GroupNode => "children" in n;

export const newMetadataRule = (): RuleNode => ({ uid: uid(), rule: { kind: "metadata", target: "account", group: "custom", key: "", operator: "equals", value: "", value2: "" } });
export const newBehaviorRule = (): RuleNode => ({ uid: uid(), rule: { kind: "behavior", event: "page", id: "", condition: "ever", days: "", date: "", count: "" } });
export const newNpsRule = (): RuleNode => ({ uid: uid(), rule: { kind: "nps", category: "promoter", target: "", days: "" } });
export const newGroup = (op: Op, children: TreeNode[] = [newMetadataRule()]): GroupNode => ({ uid: uid(), op, children });

export const needsValue = (op: MetadataOperator): boolean => op !== "exists" && op !== "notExists";
export const isDayOperator = (op: MetadataOperator): boolean => op === "inLastDays" || op === "withinNextDays";
/** Conditions that may be limited to the last N days (optional), beside withinLastDays where it is required. */
export const optionalDays = (c: Condition): boolean => c === "atLeast" || c === "atMost" || c === "never";

/** The fields of a rule still empty that the definition needs; [] when complete. */
export function missingFields(r: RuleDraft): string[] {
  const out: string[] = [];
  if (r.kind === "metadata") {
    if (r.key.trim() === "") out.push("key");
    if (needsValue(r.operator) && r.value.trim() === "") out.push("value");
    if (r.operator === "between" && r.value2.trim() === "") out.push("value2");
  } else if (r.kind === "behavior") {
    if (r.id.trim() === "") out.push("id");
    if (r.condition === "withinLastDays" && r.days.trim() === "") out.push("days");
    if (r.condition === "since" && r.date.trim() === "") out.push("date");
    if ((r.condition === "atLeast" || r.condition === "atMost") && r.count.trim() === "") out.push("count");
  }
  return out;
}

const num = (s: string): number => Number(s.trim());

function ruleToApi(r: RuleDraft): ApiRule {
  if (r.kind === "metadata") {
    const out: ApiRule = { kind: "metadata", target: r.target, group: r.group, key: r.key.trim(), operator: r.operator };
    if (needsValue(r.operator)) out.value = isDayOperator(r.operator) ? num(r.value) : r.value;
    if (r.operator === "between") out.value2 = r.value2;
    return out;
  }
  if (r.kind === "behavior") {
    const out: ApiRule = { kind: "behavior", event: r.event, id: r.id.trim(), condition: r.condition };
    if ((r.condition === "withinLastDays" || optionalDays(r.condition)) && r.days.trim() !== "") out.days = num(r.days);
    if (r.condition === "since") out.date = r.date;
    if (r.condition === "atLeast" || r.condition === "atMost") out.count = num(r.count);
    return out;
  }
  const out: ApiRule = { kind: "nps", category: r.category };
  if (r.target !== "") out.target = r.target;
  if (r.days.trim() !== "") out.days = num(r.days);
  return out;
}

/** The API definition of a tree, and whether every rule is filled in (empty groups are left out). */
export function toDefinition(g: GroupNode): { definition: ApiGroup; complete: boolean } {
  let complete = true;
  const walk = (n: GroupNode): ApiGroup => ({
    op: n.op,
    rules: n.children.flatMap((c): ApiRule[] => {
      if (isGroupNode(c)) return c.children.length === 0 ? [] : [walk(c)];
      if (missingFields(c.rule).length > 0) complete = false;
      return [ruleToApi(c.rule)];
    }),
  });
  const definition = walk(g);
  if (definition.rules.length === 0) complete = false;
  return { definition, complete };
}

const str = (v: unknown): string => (v === undefined || v === null ? "" : String(v));

/** A saved definition as an editable tree. */
export function fromDefinition(d: ApiGroup): GroupNode {
  return {
    uid: uid(),
    op: d.op,
    children: d.rules.map((r): TreeNode => {
      if ("op" in r) return fromDefinition(r);
      if (r.kind === "metadata") return { uid: uid(), rule: { kind: "metadata", target: r.target, group: r.group, key: r.key, operator: r.operator, value: str(r.value), value2: str(r.value2) } };
      if (r.kind === "behavior") return { uid: uid(), rule: { kind: "behavior", event: r.event, id: r.id, condition: r.condition, days: str(r.days), date: str(r.date), count: str(r.count) } };
      const category = r.category === "passive" || r.category === "detractor" ? r.category : "promoter";
      const target = r.target === "account" || r.target === "visitor" ? r.target : "";
      return { uid: uid(), rule: { kind: "nps", category, target, days: str(r.days) } };
    }),
  };
}

/** The tree with one node replaced (found by uid), or removed when `next` is null. */
export function replaceNode(g: GroupNode, target: string, next: TreeNode | null): GroupNode {
  return {
    ...g,
    children: g.children.flatMap((c) => {
      if (c.uid === target) return next === null ? [] : [next];
      return [isGroupNode(c) ? replaceNode(c, target, next) : c];
    }),
  };
}

/** A short text summary of a definition for lists. */
export function summarize(d: ApiGroup | null, names: { page(id: string): string; feature(id: string): string }): string {
  if (d === null) return "Every visitor and account";
  const one = (r: ApiRule): string => {
    if ("op" in r) return `(${r.rules.map(one).join(r.op === "and" ? " and " : " or ")})`;
    if (r.kind === "metadata") {
      const op = OPERATORS.find((o) => o.value === r.operator)?.label ?? r.operator;
      return `${r.target} ${r.group}.${r.key} ${op}${r.value !== undefined ? ` ${String(r.value)}` : ""}${r.value2 !== undefined ? ` and ${String(r.value2)}` : ""}`;
    }
    if (r.kind === "behavior") {
      const what = r.event === "page" ? `viewed ${names.page(r.id)}` : r.event === "feature" ? `clicked ${names.feature(r.id)}` : `sent ${r.id}`;
      const n = r.condition === "atLeast" || r.condition === "atMost" ? r.count : r.days;
      const when = (CONDITIONS.find((c) => c.value === r.condition)?.label ?? r.condition)
        .replace(/\bN (times|days)\b/, (_m, unit: string) => (n === 1 ? `1 ${unit.slice(0, -1)}` : `${n ?? "N"} ${unit}`))
        .replace("a date", r.date ?? "a date");
      return `${what} ${when}${optionalDays(r.condition) && r.days ? ` in the last ${r.days} day${r.days === 1 ? "" : "s"}` : ""}`;
    }
    return `NPS ${r.category}${r.days ? ` in the last ${r.days} days` : ""}`;
  };
  return d.rules.map(one).join(d.op === "and" ? " and " : " or ");
}
