/**
 * CSV exports are opened in spreadsheets, which run a cell starting with `=`, `+`, `-` or `@` (or a
 * tab or carriage return before one) as a formula. Values anyone can send (agent metadata with the
 * public app key) reach exports, so such cells get a leading `'` (OWASP's CSV-injection rule),
 * which spreadsheets show as text. Real numbers stay as they are.
 */

/** A cell that starts like a formula, after any quotes an earlier neutralising added. */
const FORMULA_START = /^'*[=+\-@\t\r]/;
/** A plain decimal number, with optional sign and exponent: safe, and must stay numeric. */
const PLAIN_NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
/** What `neutraliseFormula` produced: one added quote before a formula start. */
const NEUTRALISED = /^'+[=+\-@\t\r]/;

/** The text of a CSV cell made safe to open in a spreadsheet (quote it for CSV afterwards). */
export function neutraliseFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** Undoes `neutraliseFormula` when an exported file is imported again, so a round trip keeps values. */
export function restoreFormulaText(text: string): string {
  return NEUTRALISED.test(text) ? text.slice(1) : text;
}
