import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clickHouseTestUrl, openTestClickHouseStore } from "../../test/clickhouse.js";
import { chIdentifier, chList, chLiteral, type ChValue } from "./clickhouse-sql.js";
import type { ClickHouseEventStore } from "./events-clickhouse.js";

/** Text biased towards what breaks SQL: quotes, backslashes, comments, controls, separators, any Unicode. */
const nasty = fc
  .array(
    fc.oneof(
      fc.constantFrom("'", "\\", "\\'", "''", "--", "/*", "*/", ";", "\n", "\r", "\t", "\0", "\u0007", "\u007f", "\\x27", "\\0", "`", '"', "\u2028", "é", "𝄞", " OR 1=1"),
      fc.fullUnicodeString({ maxLength: 4 }),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 20 },
  )
  .map((parts) => parts.join(""));

/**
 * Reads one ClickHouse string literal at the start of `text` by the server's rules (a backslash
 * takes the next character with it; an unescaped quote ends the literal) and says where it ends.
 */
function literalEnd(text: string): number {
  if (text[0] !== "'") return -1;
  for (let i = 1; i < text.length; i++) {
    if (text[i] === "\\") i++;
    else if (text[i] === "'") return i + 1;
  }
  return -1;
}

describe("chLiteral (no server)", () => {
  it("writes every string as exactly one literal token with no raw control character in it", () => {
    fc.assert(
      fc.property(nasty, (s) => {
        const lit = chLiteral(s);
        expect(literalEnd(lit)).toBe(lit.length); // the literal ends at its last character, not before
        // eslint-disable-next-line no-control-regex
        expect(lit).not.toMatch(/[\u0000-\u001f\u007f]/);
      }),
      { numRuns: 2000 },
    );
  });

  it("writes a value inside a larger query without changing the query around it", () => {
    fc.assert(
      fc.property(nasty, nasty, (a, b) => {
        const sql = `x = ${chLiteral(a)} AND y = ${chLiteral(b)}`;
        const first = sql.slice(4);
        const end = literalEnd(first);
        expect(first.slice(end, end + 9)).toBe(" AND y = ");
        expect(literalEnd(first.slice(end + 9))).toBe(first.length - end - 9);
      }),
    );
  });

  it("parenthesises negative numbers so a minus never meets another into a comment", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e300, max: 1e300 }).filter((d) => d === 0 || Math.abs(d) > 1e-300), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), (n) => {
        const lit = chLiteral(n);
        expect(`1 -${lit}`).not.toContain("--");
        expect(lit).toMatch(/^(\(-[0-9.e+-]+\)|[0-9.e+-]+)$/);
      }),
    );
  });

  it("refuses what has no exact literal, and names that are not plain identifiers", () => {
    expect(() => chLiteral(Number.NaN)).toThrow(RangeError);
    expect(() => chLiteral(Number.POSITIVE_INFINITY)).toThrow(RangeError);
    expect(() => chLiteral(-5e-324)).toThrow(RangeError);
    expect(() => chList([])).toThrow(RangeError);
    expect(chIdentifier("pendulum_t_ab12")).toBe("pendulum_t_ab12");
    fc.assert(
      fc.property(nasty, (s) => {
        if (!/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(s)) expect(() => chIdentifier(s)).toThrow(RangeError);
      }),
    );
  });
});

// Against the real server: what the literal says is what ClickHouse reads, value for value.
describe.runIf(clickHouseTestUrl !== "")("chLiteral against ClickHouse", () => {
  let store: ClickHouseEventStore;
  beforeAll(async () => {
    store = await openTestClickHouseStore();
    await store.command("CREATE TABLE probe (v String) ENGINE = MergeTree ORDER BY v");
    await store.command(`INSERT INTO probe VALUES ('secret'), ('other')`);
  });
  afterAll(async () => {
    await store.close();
  });

  it("reads back every string exactly, many per query", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(nasty, { minLength: 1, maxLength: 50 }), async (values) => {
        const [row] = await store.rows<{ v: string[] }>(`SELECT ${chLiteral(values)} AS v`);
        expect(row?.v).toEqual(values);
      }),
      { numRuns: 60 },
    );
  });

  it("never lets a value widen a filter: only rows equal to it match", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(nasty, fc.constantFrom("secret", "' OR '1'='1", "x' OR v != '", "\\' OR 1 --")), async (s) => {
        const found = await store.rows<{ v: string }>(`SELECT v FROM probe WHERE v = ${chLiteral(s)} ORDER BY v`);
        expect(found.map((r) => r.v)).toEqual(["other", "secret"].filter((v) => v === s));
      }),
      { numRuns: 100 },
    );
  });

  it("reads back integers, 64-bit integers and doubles exactly", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer(), { minLength: 1, maxLength: 20 }),
        fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: 1, maxLength: 20 }),
        fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => d === 0 || Math.abs(d) >= 2.2250738585072014e-308),
        async (ints, bigs, d) => {
          // One literal per 64-bit value: an array literal mixing signs has no common type in ClickHouse.
          const b = bigs.map((v: ChValue) => `toString(toInt64(${chLiteral(v)}))`).join(", ");
          const [row] = await store.rows<{ i: number[]; b: string[]; d: number }>(`SELECT ${chLiteral(ints)} AS i, [${b}] AS b, toFloat64(${chLiteral(d)}) AS d`);
          expect(row?.i.map(Number)).toEqual(ints);
          expect(row?.b).toEqual(bigs.map(String));
          expect(row?.d).toBe(Object.is(d, -0) ? 0 : d);
        },
      ),
      { numRuns: 60 },
    );
  });
});
