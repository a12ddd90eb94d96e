import { all, exec, onPostgres, type Db } from "./sql.js";

/** The org's daily API request allocation, counted per UTC day like Salesforce's rolling 24 h budget (simplified). */
export type ApiLimits = ReturnType<typeof createApiLimits>;

/**
 * Builds the counter; `allocation` may be changed at run time (admin API, tests).
 *
 * On SQLite one process owns the records, so the count lives in memory and is saved at stop. On
 * PostgreSQL several processes may serve one org: there the day's row in crm_api_usage is the
 * count, and every request takes one with a single conditional upsert, so two processes racing
 * for the last requests of the day neither lose a count nor both get the last one (ADR 0013).
 */
export function createApiLimits(clock: () => number, allocation: number, db: Db) {
  const shared = onPostgres(db);
  let max = allocation;
  let day = "";
  // On PostgreSQL: the count this process last saw (the header's figure), not the count itself.
  let used = 0;
  const today = (): string => new Date(clock()).toISOString().slice(0, 10);
  function roll(): void {
    const d = today();
    if (d !== day) {
      day = d;
      used = 0;
    }
  }
  /**
   * take() in two halves, for a caller that sends the statement along with another one
   * (CrmData.refreshIfChanged): the decision when no statement is needed (SQLite, or an
   * allocation of zero), else the statement, which returns the new count as `used` or no row.
   */
  function takeStatement(): boolean | { sql: string; params: unknown[] } {
    roll();
    if (!shared) {
      if (used >= max) return false;
      used++;
      return true;
    }
    if (max <= 0) return false;
    // The statement is its own transaction, and set_config(…, true) lasts to its end: its
    // commit does not wait for the WAL to reach disk (as SQLite's synchronous = NORMAL does
    // not). The count stays exact between processes; only a crash of the database server may
    // forget the last fraction of a second's counts, which would give the org a few calls
    // back. Waiting for that flush was a second disk write on every API call (~1 ms).
    return {
      sql: `INSERT INTO crm_api_usage (day, used) SELECT ?, 1 FROM (SELECT set_config('synchronous_commit', 'off', true)) AS quiet ON CONFLICT (day) DO UPDATE SET used = crm_api_usage.used + 1 WHERE crm_api_usage.used < ? RETURNING used`,
      params: [day, max],
    };
  }
  /** The second half of take(): the statement's `used` (undefined or null when it returned no row). */
  function settle(now: unknown): boolean {
    if (now === undefined || now === null) {
      used = Math.max(used, max);
      return false;
    }
    used = Number(now);
    return true;
  }
  return {
    /** Counts one request; false when the allocation is already spent. */
    async take(): Promise<boolean> {
      const st = takeStatement();
      if (typeof st === "boolean") return st;
      return settle((await all(db, st.sql, st.params))[0]?.["used"]);
    },
    takeStatement,
    settle,
    /** The count as this process last saw it (cheap: the limit header of every response). */
    usage(): { used: number; max: number } {
      roll();
      return { used, max };
    },
    /** The day's count as it stands (on PostgreSQL read from the shared row). */
    async current(): Promise<{ used: number; max: number }> {
      roll();
      if (shared) {
        const rows = await all(db, `SELECT used FROM crm_api_usage WHERE day = ?`, [day]);
        used = Number(rows[0]?.["used"] ?? 0);
      }
      return { used, max };
    },
    /** Picks up the count the last stop saved (SQLite; on PostgreSQL the shared row is always current). */
    async load(): Promise<void> {
      roll();
      if (shared) {
        await this.current();
        return;
      }
      const saved = await all(db, `SELECT day, used FROM crm_api_usage ORDER BY day DESC LIMIT 1`);
      if (saved[0] && String(saved[0]["day"]) === day) used = Math.max(used, Number(saved[0]["used"]));
    },
    /** Saves the day's count at stop (SQLite only: on PostgreSQL a save would overwrite other processes' counts). */
    async save(): Promise<void> {
      roll();
      if (shared) return;
      await exec(db, `INSERT INTO crm_api_usage (day, used) VALUES (?, ?) ON CONFLICT (day) DO UPDATE SET used = excluded.used`, [day, used]);
    },
    setAllocation(n: number): void {
      max = n;
    },
    /** Starts the day's count again (tests and operators). */
    async reset(): Promise<void> {
      roll();
      used = 0;
      if (shared) await exec(db, `UPDATE crm_api_usage SET used = 0 WHERE day = ?`, [day]);
    },
  };
}
