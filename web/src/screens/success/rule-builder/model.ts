import type { ApiError } from "../../../api";
import type { ActionType, RuleAction, RuleInput, RuleSource } from "../rule-model";

/** A new rule before anything is filled in. */
export const BLANK_RULE: RuleInput = { name: "", type: "Custom", source: { kind: "crm", object: "Account" }, show: [], filters: [], customersOnly: false, actions: [] };

/** CRM objects whose fields the builder can list (others are typed by API name). */
export const CRM_DESCRIBED = ["Account", "Contact"];

/** The field that links a source row to a customer (as the server reads it). */
export function accountFieldOf(s: RuleSource): string {
  if (s.kind === "crm") return s.accountField || (s.object === "Account" ? "Id" : "AccountId");
  if (s.kind === "object") return s.accountField || "accountId";
  return "accountId";
}

/** A new action of a type, with the mappings the article's rules start from. */
export function newAction(type: ActionType, account: string): RuleAction {
  switch (type) {
    case "loadToUsage":
      return { type, mappings: [{ to: "accountId", field: account }, { to: "date", ruleDate: 0 }, { to: "aggregationLevel", constant: "ACCOUNTLEVEL" }] };
    case "loadToCustomers":
      return { type, operation: "update", mappings: [{ to: "accountId", field: account }] };
    case "loadToCrm":
      return { type, object: "Account", operation: "update", mappings: [{ to: "Id", field: account, identifier: true }] };
    case "loadToObject":
      return { type, object: "", operation: "insert", mappings: [{ to: "", field: "" }] };
    case "setScore":
      return { type, measure: "", score: { field: "" } };
    case "createCta":
      return { type, ctaType: "Risk", reason: "", priority: "Medium", dueInDays: 7 };
    case "closeCta":
      return { type, ctaType: "Risk", reason: "" };
  }
}

/** Whether the builder shows this error next to an input (so no general notice is needed). */
export function placedField(e: ApiError): boolean {
  const f = e.field ?? "";
  return /^(name|description|source|show|filters|customersOnly|actions\[)/.test(f) || f === "actions";
}

/** Drops empty optional bits the server would refuse (blank descriptions, blank account fields). */
export function cleanRule(r: RuleInput): RuleInput {
  const source: RuleSource = (r.source.kind === "crm" || r.source.kind === "object") && !r.source.accountField ? (r.source.kind === "crm" ? { kind: "crm", object: r.source.object } : { kind: "object", object: r.source.object }) : r.source;
  const actions = r.actions.map((a): RuleAction => {
    const copy: Record<string, unknown> = { ...a };
    for (const k of ["accountField", "owner", "comment"]) if (copy[k] === "") delete copy[k];
    return copy as RuleAction;
  });
  return { ...r, source, actions, ...(r.description ? { description: r.description } : { description: undefined }) };
}

/** Spreads nested values (usage `measures`, CRM `attributes`) into their own columns. */
export function flatten(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (v !== null && typeof v === "object" && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) out[k2 in row ? `${k}.${k2}` : k2] = v2;
    else out[k] = v;
  }
  return out;
}
