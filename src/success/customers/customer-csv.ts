import { restoreFormulaText } from "../../kernel/index.js";
import { formatCsv, parseCsv } from "../csv.js";
import { CUSTOMER_FIELDS, flattenCustomer, type Customer, type CustomerCreate } from "./customer.js";
import { customerFromValues, type FieldProblem } from "./customer-input.js";

/** The CSV header for an export: standard fields, then every custom key in use. */
export function customersToCsv(customers: Customer[]): string {
  const customKeys = [...new Set(customers.flatMap((c) => Object.keys(c.custom)))].sort();
  const header = [...CUSTOMER_FIELDS.map((f) => f.name), ...customKeys.map((k) => `custom.${k}`)];
  return formatCsv(
    header,
    customers.map((c) => {
      const flat = flattenCustomer(c);
      return header.map((h) => flat[h]);
    }),
  );
}

/** A CSV line that could not be imported: its line number (header = 1) and what is wrong. */
export type ImportProblem = FieldProblem & { line: number; accountId?: string };

/** Reads an import file; good lines become customer writes, bad lines become problems. */
export function customersFromCsv(text: string): { customers: { line: number; customer: CustomerCreate }[]; problems: ImportProblem[] } {
  const [header, ...rows] = parseCsv(text);
  if (!header || !header.includes("accountId")) {
    return { customers: [], problems: [{ line: 1, field: "accountId", message: "The first line must be a header naming the columns, with an accountId column." }] };
  }
  const customers: { line: number; customer: CustomerCreate }[] = [];
  const problems: ImportProblem[] = [];
  rows.forEach((cells, i) => {
    const line = i + 2;
    const values: Record<string, unknown> = {};
    header.forEach((h, j) => {
      const cell = cells[j];
      // Blank cells leave a field as it is, except custom fields where blank clears the key.
      // An exported file neutralised formula-like text with a leading quote; importing it restores the value.
      if (cell !== undefined && (cell !== "" || h.startsWith("custom."))) values[h] = restoreFormulaText(cell);
    });
    const r = customerFromValues(values);
    if (r.ok) customers.push({ line, customer: r.customer });
    else problems.push({ line, ...r.problem, ...(typeof values["accountId"] === "string" ? { accountId: values["accountId"] } : {}) });
  });
  return { customers, problems };
}
