import { listValue, type DuckDBConnection, type DuckDBMaterializedResult, type DuckDBValue } from "@duckdb/node-api";
import { byId, fieldsOf, type Built, type Core } from "./rows.js";
import { WIDE_BREAKDOWN_MAX_ITEMS, accountKeysSql, coreSql, featureClicksSql, itemKeysSql, keyedBreakdownSql, onlyAppSql, wideBreakdownSql, type ReportScope } from "./sql.js";
import type { MetricsQuery } from "./types.js";

/**
 * The account report over rollups by integer keys (sql.ts, "Keyed account reports"). Its queries
 * run side by side on the given connections and return numbers only (account keys, item keys,
 * counts as DOUBLE), read straight from DuckDB's vectors into typed arrays indexed by account
 * key; ids are attached once per account at the end. Building the report this way keeps the
 * JavaScript side (conversion, garbage) well below the queries' own time.
 */

type Params = Record<string, DuckDBValue>;
type Query = (sql: string, params: Params) => Promise<DuckDBMaterializedResult>;

/**
 * Runs queries on several connections at once, each connection one query at a time (the next
 * query goes to the connection with the fewest waiting). DuckDB runs each query on its own
 * threads; overlapping queries fills the gaps of each one's single-threaded phases (the final
 * merge, the result transfer) and of the conversion in JavaScript.
 */
function pool(conns: readonly DuckDBConnection[]): Query {
  const slots = conns.map((conn) => ({ conn, tail: Promise.resolve() as Promise<unknown>, waiting: 0 }));
  return (sql, params) => {
    const slot = slots.reduce((a, b) => (b.waiting < a.waiting ? b : a));
    slot.waiting++;
    const run = slot.tail.then(() => slot.conn.run(sql, params));
    slot.tail = run.catch(() => undefined).finally(() => {
      slot.waiting--;
    });
    return run;
  };
}

/** Numeric result columns as typed arrays (NULL becomes NaN). */
function numbers(result: DuckDBMaterializedResult, columns: readonly number[]): Float64Array[] {
  const out = columns.map(() => new Float64Array(result.rowCount));
  let row = 0;
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const n = chunk.rowCount;
    columns.forEach((column, j) => {
      const vector = chunk.getColumnVector(column);
      const into = out[j] as Float64Array;
      for (let i = 0; i < n; i++) {
        const v = vector.getItem(i);
        into[row + i] = typeof v === "number" ? v : v === null ? Number.NaN : Number(v);
      }
    });
    row += n;
  }
  return out;
}

/** Any result column as JavaScript values (strings, lists). */
function values(result: DuckDBMaterializedResult, column: number): DuckDBValue[] {
  const out: DuckDBValue[] = [];
  for (let c = 0; c < result.chunkCount; c++) {
    const chunk = result.getChunk(c);
    const vector = chunk.getColumnVector(column);
    for (let i = 0; i < chunk.rowCount; i++) out.push(vector.getItem(i));
  }
  return out;
}

const CORE = ["key", "visitors", "minutes", "days_active", "visitor_days", "events", "loads", "clicks", "tracks", "fv", "lv", "visits"] as const;

/**
 * A breakdown for one report: asked-for items as a dense (account key × item) array, the
 * unasked case ("every page with views") as a map per account.
 */
type Breakdown = { asked: readonly string[]; dense: Float64Array } | { asked: null; found: Map<number, Record<string, number>> };

/** Builds the rows of an account report (sorted by account id). */
export async function buildKeyed(conns: readonly DuckDBConnection[], keyedScope: ReportScope, q: MetricsQuery): Promise<Built[]> {
  const query = pool(conns);
  const accountsP = query(accountKeysSql(), { app: q.appId });
  const onlyApp = values(await query(onlyAppSql(), { app: q.appId }), 0)[0] === true;
  const scope: ReportScope = { ...keyedScope, onlyApp };
  const base: Params = onlyApp ? {} : { app: q.appId };
  const coreP = query(`SELECT ${CORE.map((c) => `${c}::DOUBLE`).join(", ")} FROM (${coreSql("rollup", scope)})`, base);
  const onFeaturesP = query(featureClicksSql("rollup", scope), base);

  // Every account key fits under the largest key of the app's accounts; rows of accounts written
  // after that query ran (another connection's snapshot) are left for the next report.
  const accounts = await accountsP;
  const [accKeys, accEver] = numbers(accounts, [0, 2]) as [Float64Array, Float64Array];
  const accIds = values(accounts, 1);
  let maxKey = 0;
  for (const k of accKeys) if (k > maxKey) maxKey = k;
  const width = maxKey + 1;

  const breakdown = async (kind: "pages" | "features" | "tracks", items: readonly string[] | undefined): Promise<Breakdown> => {
    if (items === undefined) {
      const found = new Map<number, Record<string, number>>();
      const rows = await query(keyedBreakdownSql(scope, kind, false), base);
      const [keys, ns] = numbers(rows, [0, 2]) as [Float64Array, Float64Array];
      let name: (i: number) => string;
      if (kind === "tracks") {
        const names = values(rows, 1);
        name = (i) => String(names[i]);
      } else {
        const [itemKeys] = numbers(rows, [1]) as [Float64Array];
        const dict = await query(itemKeysSql(kind, false), {});
        const ids = new Map<number, string>();
        const [dictKeys] = numbers(dict, [0]) as [Float64Array];
        values(dict, 1).forEach((id, i) => ids.set(dictKeys[i] as number, String(id)));
        name = (i) => ids.get(itemKeys[i] as number) ?? "";
      }
      keys.forEach((k, i) => {
        let r = found.get(k);
        if (!r) found.set(k, (r = {}));
        r[name(i)] = ns[i] as number;
      });
      return { asked: null, found };
    }
    const asked = [...new Set(items)];
    const m = asked.length;
    const dense = new Float64Array(width * m);
    if (m === 0) return { asked, dense };
    const position = new Map(asked.map((id, u) => [id, u]));
    const params: Params = { ...base, items: listValue([...items]) };
    if (kind === "tracks" && items.length <= WIDE_BREAKDOWN_MAX_ITEMS) {
      // One row per account, counts in asked order (a repeated name counts at its first place).
      const rows = await query(wideBreakdownSql(scope, kind, items.length), params);
      const [keys] = numbers(rows, [0]) as [Float64Array];
      values(rows, 1).forEach((list, i) => {
        const k = keys[i] as number;
        if (k > maxKey || list === null || typeof list !== "object" || !("items" in list)) return;
        (list.items as readonly DuckDBValue[]).forEach((n, j) => {
          if (n !== null) dense[k * m + (position.get(items[j] as string) as number)] = Number(n);
        });
      });
      return { asked, dense };
    }
    const rowsP = query(keyedBreakdownSql(scope, kind, true), params);
    // Item keys → places in `asked` (tracks have none: their names come back as strings).
    let placeOf: (rows: DuckDBMaterializedResult) => (i: number) => number | undefined;
    if (kind === "tracks") {
      placeOf = (rows) => {
        const names = values(rows, 1);
        return (i) => position.get(String(names[i]));
      };
    } else {
      const dict = await query(itemKeysSql(kind, true), { items: listValue([...items]) });
      const [dictKeys] = numbers(dict, [0]) as [Float64Array];
      const places = new Map<number, number>();
      values(dict, 1).forEach((id, i) => places.set(dictKeys[i] as number, position.get(String(id)) as number));
      placeOf = (rows) => {
        const [itemKeys] = numbers(rows, [1]) as [Float64Array];
        return (i) => places.get(itemKeys[i] as number);
      };
    }
    const rows = await rowsP;
    const [keys, ns] = numbers(rows, [0, 2]) as [Float64Array, Float64Array];
    const place = placeOf(rows);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i] as number;
      const u = place(i);
      if (u !== undefined && k <= maxKey) dense[k * m + u] = ns[i] as number;
    }
    return { asked, dense };
  };

  const [pages, features, tracks] = await Promise.all([breakdown("pages", q.pageIds), breakdown("features", q.featureIds), breakdown("tracks", q.trackNames)]);
  const core = numbers(await coreP, CORE.map((_, i) => i));
  const [cKey] = core as [Float64Array];
  const coreRow = new Int32Array(width).fill(-1);
  cKey.forEach((k, r) => {
    if (k <= maxKey) coreRow[k] = r;
  });
  const at = (column: number, r: number): number => (core[column] as Float64Array)[r] as number;
  const onFeatures = new Float64Array(width);
  const [fKeys, fCounts] = numbers(await onFeaturesP, [0, 1]) as [Float64Array, Float64Array];
  fKeys.forEach((k, i) => {
    if (k <= maxKey) onFeatures[k] = fCounts[i] as number;
  });
  const coreOf = (k: number): Core => {
    const r = coreRow[k] as number;
    if (r < 0) return { visitors: 0, minutes: 0, daysActive: 0, visitorDays: 0, events: 0, pageViews: 0, clicks: 0, featureClicks: 0, trackEvents: 0, firstVisit: null, lastVisit: null, visits: 0 };
    const fv = at(9, r);
    const lv = at(10, r);
    return {
      visitors: at(1, r),
      minutes: at(2, r),
      daysActive: at(3, r),
      visitorDays: at(4, r),
      events: at(5, r),
      pageViews: at(6, r),
      clicks: at(7, r),
      featureClicks: onFeatures[k] as number,
      trackEvents: at(8, r),
      firstVisit: Number.isNaN(fv) ? null : fv,
      lastVisit: Number.isNaN(lv) ? null : lv,
      visits: at(11, r),
    };
  };
  const counts = (b: Breakdown, k: number): Record<string, number> => {
    if (b.asked === null) return { ...b.found.get(k) };
    const out: Record<string, number> = {};
    const m = b.asked.length;
    for (let u = 0; u < m; u++) out[b.asked[u] as string] = b.dense[k * m + u] as number;
    return out;
  };

  const built: Built[] = new Array<Built>(accKeys.length);
  for (let i = 0; i < accKeys.length; i++) {
    const k = accKeys[i] as number;
    const c = coreOf(k);
    built[i] = { key: String(accIds[i]), visitorsEver: accEver[i] as number, core: c, fields: fieldsOf(c, counts(pages, k), counts(features, k), counts(tracks, k)) };
  }
  return built.sort(byId);
}
