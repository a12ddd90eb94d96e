/**
 * Values in ClickHouse SQL text. ClickHouse 18.16 (Debian's package) has no query parameters, so
 * every value a query carries is written into its text, and this file is the only place that
 * does it: `chLiteral` for values, `chIdentifier` for the few names (database names) that come
 * from settings. Both are property-tested against injection (clickhouse-sql.test.ts).
 *
 * A string literal is written between single quotes with backslash escapes, the spelling every
 * ClickHouse release reads the same way: the backslash and the quote are escaped, and every
 * control character (and DEL) is written as \xHH so no byte of the value can end the literal,
 * start a comment or reach the parser as a line break. Other characters pass as UTF-8.
 */

/** A value that can be written as a literal. Arrays become ClickHouse arrays `[a, b]`. */
export type ChValue = string | number | bigint | boolean | null | readonly ChValue[];

const hex = (code: number): string => `\\x${code.toString(16).padStart(2, "0")}`;

/** Characters that are escaped: the backslash, the single quote, ASCII controls and DEL. */
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPE = /[\\'\u0000-\u001f\u007f]/g;

function stringLiteral(s: string): string {
  return `'${s.replace(NEEDS_ESCAPE, (c) => (c === "\\" ? "\\\\" : c === "'" ? "\\'" : hex(c.charCodeAt(0))))}'`;
}

/**
 * One value as ClickHouse SQL. Numbers must be finite and not subnormal (NaN and Infinity are refused,
 * not written as words that would change a query's meaning); integers beyond 2^53 go as bigint. Negative
 * numbers are parenthesised so `x -${n}` can never become a comment (`--`).
 */
export function chLiteral(value: ChValue): string {
  if (value === null) return "NULL";
  if (typeof value === "string") return stringLiteral(value);
  if (typeof value === "boolean") return value ? "1" : "0";
  if (typeof value === "bigint") return value < 0n ? `(${value.toString()})` : value.toString();
  if (typeof value === "number") {
    // ClickHouse 18.16 cannot parse subnormal doubles (below 2^-1022): refused like NaN, never a syntax error later.
    if (!Number.isFinite(value) || (value !== 0 && Math.abs(value) < 2.2250738585072014e-308)) throw new RangeError(`${String(value)} cannot be written as a ClickHouse literal`);
    // String(n) gives exponent notation for very large or small numbers, which ClickHouse reads as a Float64.
    const text = Object.is(value, -0) ? "0" : String(value);
    return value < 0 ? `(${text})` : text;
  }
  return `[${value.map(chLiteral).join(", ")}]`;
}

/** A parenthesised list for `x IN (...)`. An empty list is refused: SQL has no empty IN list, so callers decide what "none" means. */
export function chList(values: readonly ChValue[]): string {
  if (values.length === 0) throw new RangeError("an IN list needs at least one value");
  return `(${values.map(chLiteral).join(", ")})`;
}

/** Names (databases, tables) that settings may supply: letters, digits and underscores, not starting with a digit. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** A checked identifier; anything else is refused with a message saying what is allowed. */
export function chIdentifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new RangeError(`"${name}" is not a usable ClickHouse name: use letters, digits and underscores, starting with a letter or underscore`);
  return name;
}
