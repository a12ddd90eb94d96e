import type { Column } from "../analytics/index.js";
import type { ObjectInfo } from "../salesforce/index.js";
import { ApiError } from "../kernel/index.js";
import { compatible } from "./values.js";

/** Checks a push mapping against the report's columns and the object's describe; the first problem is thrown as an ApiError. */
export function checkMapping(object: ObjectInfo, columns: Column[], fields: { column: string; field: string }[], prefix: string): void {
  const byName = new Map(object.fields.map((f) => [f.name.toLowerCase(), f]));
  const seen = new Set<string>();
  fields.forEach((m, i) => {
    const column = columns.find((c) => c.id === m.column);
    if (!column) throw new ApiError(400, "UNKNOWN_COLUMN", `The report has no column ${m.column}; its columns are ${columns.map((c) => c.id).join(", ")}`, `fields[${i}].column`);
    if (!m.field.toLowerCase().startsWith(prefix.toLowerCase())) {
      throw new ApiError(400, "FIELD_NOT_WRITABLE", `Pendulum only writes fields whose API name starts with ${prefix}`, m.field, { index: i });
    }
    const f = byName.get(m.field.toLowerCase());
    if (!f) throw new ApiError(400, "UNKNOWN_FIELD", `${object.name} has no field ${m.field}; create it in the CRM first`, m.field, { index: i });
    if (!f.updateable) throw new ApiError(400, "FIELD_NOT_WRITABLE", `${object.name}.${f.name} is read-only for the API user`, m.field, { index: i });
    if (!compatible(column.type, f)) {
      throw new ApiError(400, "FIELD_TYPE_MISMATCH", `Column ${m.column} holds ${column.type} values but ${object.name}.${f.name} is a ${f.type} field`, m.field, { index: i, columnType: column.type, fieldType: f.type });
    }
    if (seen.has(f.name.toLowerCase())) throw new ApiError(400, "DUPLICATE_FIELD", `${f.name} is mapped twice`, m.field, { index: i });
    seen.add(f.name.toLowerCase());
  });
}
