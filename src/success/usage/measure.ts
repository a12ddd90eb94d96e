import { Type, type Static } from "@sinclair/typebox";
import { FIELD_KEY_PATTERN } from "../customers/customer.js";

const Aggregation = Type.Union([Type.Literal("sum"), Type.Literal("avg"), Type.Literal("max"), Type.Literal("min"), Type.Literal("latest")]);
const MeasureType = Type.Union([Type.Literal("number"), Type.Literal("integer"), Type.Literal("date"), Type.Literal("string")]);

export const UsageMeasureSchema = Type.Object(
  {
    name: Type.String({ pattern: FIELD_KEY_PATTERN }),
    label: Type.String({ minLength: 1, maxLength: 255 }),
    type: MeasureType,
    /** How user- or instance-level rows roll up to the account. */
    aggregation: Aggregation,
  },
  { additionalProperties: false },
);
/** A usage measure: one column of the usage time series (visitors, time on site, last visit…). */
export type UsageMeasure = Static<typeof UsageMeasureSchema>;

export const UsageMeasurePatchSchema = Type.Partial(Type.Omit(UsageMeasureSchema, ["name"]), { additionalProperties: false });
export type UsageMeasurePatch = Static<typeof UsageMeasurePatchSchema>;
