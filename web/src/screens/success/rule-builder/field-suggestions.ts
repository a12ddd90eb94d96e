import { useApi } from "../../../use-api";
import type { RuleAction, RuleSource } from "../rule-model";
import { CUSTOMER_FIELDS, USAGE_KEY_TARGETS, type CustomObject, type UsageMeasure } from "../shared";
import { CRM_DESCRIBED } from "./model";

/** The fields a source offers, as far as the UI can know them, with a note when it cannot. */
export function useSourceFields(source: RuleSource): { fields: string[]; note?: string } {
  const crmObject = source.kind === "crm" && CRM_DESCRIBED.includes(source.object) ? source.object : null;
  const crm = useApi<{ fields: { name: string }[] }>(crmObject ? `/sync/fields?object=${crmObject}` : null);
  const measures = useApi<{ measures: UsageMeasure[] }>(source.kind === "usage" ? "/success/usage/measures" : null);
  const object = useApi<CustomObject>(source.kind === "object" && source.object ? `/success/objects/${encodeURIComponent(source.object)}` : null);
  switch (source.kind) {
    case "crm":
      if (!crmObject) return { fields: [], note: "Type the CRM field API names (relationships such as Owner.Name work too)." };
      if (crm.error) return { fields: [], note: `The CRM's field list is not available (${crm.error.message}); type the API names.` };
      return { fields: (crm.data?.fields ?? []).map((f) => f.name) };
    case "customers":
      return { fields: CUSTOMER_FIELDS, note: "Custom fields are custom.<key>." };
    case "usage":
      return { fields: ["accountId", "periodStart", "aggregationLevel", "instanceId", "userId", ...(measures.data?.measures ?? []).map((m) => m.name)] };
    case "object":
      return { fields: ["id", "createdAt", "updatedAt", ...(object.data?.fields ?? []).map((f) => f.name)] };
  }
}

/** Target field suggestions for an action's mappings. */
export function useTargets(action: RuleAction): string[] {
  const measures = useApi<{ measures: UsageMeasure[] }>(action.type === "loadToUsage" ? "/success/usage/measures" : null);
  const crmObject = action.type === "loadToCrm" && CRM_DESCRIBED.includes(action.object) ? action.object : null;
  const crm = useApi<{ fields: { name: string; updateable: boolean; createable: boolean }[] }>(crmObject ? `/sync/fields?object=${crmObject}` : null);
  const object = useApi<CustomObject>(action.type === "loadToObject" && action.object ? `/success/objects/${encodeURIComponent(action.object)}` : null);
  switch (action.type) {
    case "loadToUsage":
      return [...USAGE_KEY_TARGETS, ...(measures.data?.measures ?? []).map((m) => m.name)];
    case "loadToCustomers":
      return CUSTOMER_FIELDS;
    case "loadToCrm":
      return (crm.data?.fields ?? []).filter((f) => f.name === "Id" || f.updateable || f.createable).map((f) => f.name);
    case "loadToObject":
      return (object.data?.fields ?? []).map((f) => f.name);
    default:
      return [];
  }
}
