/** A field as describe reports it, with what Pendulum needs to map and validate it. */
export type FieldInfo = {
  name: string;
  label: string;
  type: string;
  updateable: boolean;
  createable: boolean;
  /** Usable to match records in an upsert (Id, external ids and some standard fields). */
  idLookup: boolean;
  externalId: boolean;
  unique: boolean;
  nillable: boolean;
  scale: number;
  length: number;
};

/** An object's describe, reduced. */
export type ObjectInfo = { name: string; fields: FieldInfo[] };

/** The analytics metadata types of SPEC.md. */
export type AnalyticsType = "integer" | "float" | "text" | "boolean" | "date";

/** Maps a Salesforce field type to the analytics type (int→integer, double/currency/percent→float, …). */
export function analyticsTypeOf(sfType: string): AnalyticsType {
  switch (sfType) {
    case "int":
      return "integer";
    case "double":
    case "currency":
    case "percent":
      return "float";
    case "boolean":
      return "boolean";
    case "date":
    case "datetime":
      return "date";
    default:
      return "text";
  }
}

/** One record's outcome of a write; errors carry the CRM's error code. */
export type WriteResult = { id: string; success: boolean; errors: { code: string; message: string; fields?: string[] }[] };

/** The org's daily API request budget, as Sforce-Limit-Info or /limits report it. */
export type ApiUsage = { used: number; limit: number };
