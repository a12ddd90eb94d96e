import type { Kysely, Selectable } from "kysely";
import { ApiError } from "../../kernel/index.js";
import { newId } from "../ids.js";
import type { SuccessTables } from "../tables.js";
import { CLOSED_STATUSES, OPEN_STATUSES, type Cta, type CtaCreate, type CtaPatch, type CtaStatus } from "./cta.js";

type Db = Kysely<SuccessTables>;
type Row = Selectable<SuccessTables["success_ctas"]>;

function toCta(r: Row): Cta {
  return {
    id: r.id,
    accountId: r.account_id,
    type: r.type,
    reason: r.reason,
    priority: r.priority,
    owner: r.owner,
    status: r.status as CtaStatus,
    dueDate: r.due_date,
    comment: r.comment,
    ruleId: r.rule_id,
    runId: r.run_id,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    closedAt: r.closed_at === null ? null : Number(r.closed_at),
  };
}

export type CtaQuery = { status?: CtaStatus | "open" | "closed"; accountId?: string; type?: string; ruleId?: string; runId?: string; limit: number; offset: number };
const openKey = (accountId: string, type: string, reason: string) => JSON.stringify([accountId, type, reason]);

/** Calls to action. */
export function createCtas(db: Db, now: () => number) {
  async function get(id: string): Promise<Cta> {
    const r = await db.selectFrom("success_ctas").selectAll().where("id", "=", id).executeTakeFirst();
    if (!r) throw new ApiError(404, "CTA_NOT_FOUND", `No CTA has id ${id}.`, "id");
    return toCta(r);
  }

  return {
    get,
    async list(q: CtaQuery): Promise<{ total: number; ctas: Cta[] }> {
      let query = db.selectFrom("success_ctas");
      if (q.status === "open") query = query.where("status", "in", OPEN_STATUSES);
      else if (q.status === "closed") query = query.where("status", "in", CLOSED_STATUSES);
      else if (q.status) query = query.where("status", "=", q.status);
      if (q.accountId) query = query.where("account_id", "=", q.accountId);
      if (q.type) query = query.where("type", "=", q.type);
      if (q.ruleId) query = query.where("rule_id", "=", q.ruleId);
      if (q.runId) query = query.where("run_id", "=", q.runId);
      const total = await query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      const rows = await query.selectAll().orderBy("created_at", "desc").orderBy("id").limit(q.limit).offset(q.offset).execute();
      // People pick and read customers by name: each CTA carries its customer's.
      const ids = [...new Set(rows.map((r) => r.account_id))];
      const names = new Map<string, string>();
      for (let i = 0; i < ids.length; i += 500) {
        const chunk = ids.slice(i, i + 500);
        for (const c of await db.selectFrom("success_customers").select(["account_id", "name"]).where("account_id", "in", chunk).execute()) names.set(c.account_id, c.name);
      }
      return { total: Number(total.n), ctas: rows.map((r) => ({ ...toCta(r), customerName: names.get(r.account_id) ?? null })) };
    },
    async update(id: string, patch: CtaPatch): Promise<Cta> {
      const current = await get(id);
      const t = now();
      const closing = patch.status !== undefined && CLOSED_STATUSES.includes(patch.status);
      await db
        .updateTable("success_ctas")
        .set({
          ...(patch.status !== undefined ? { status: patch.status, closed_at: closing ? (current.closedAt ?? t) : null } : {}),
          ...(patch.priority !== undefined ? { priority: patch.priority } : {}),
          ...(patch.owner !== undefined ? { owner: patch.owner } : {}),
          ...(patch.dueDate !== undefined ? { due_date: patch.dueDate } : {}),
          ...(patch.comment !== undefined ? { comment: patch.comment } : {}),
          updated_at: t,
        })
        .where("id", "=", id)
        .execute();
      return get(id);
    },
    /**
     * Opens CTAs; where the account already has an open CTA of the same type and reason, that one is
     * updated (priority, owner, due date, comment) instead, so a daily rule never piles up duplicates.
     */
    async openMany(items: CtaCreate[], origin: { ruleId: string | null; runId: string | null }): Promise<("created" | "updated" | "unchanged")[]> {
      return db.transaction().execute(async (trx) => {
        const accounts = [...new Set(items.map((i) => i.accountId))];
        const open = new Map<string, Row>();
        for (let i = 0; i < accounts.length; i += 500) {
          const rows = await trx.selectFrom("success_ctas").selectAll().where("account_id", "in", accounts.slice(i, i + 500)).where("status", "in", OPEN_STATUSES).execute();
          for (const r of rows) open.set(openKey(r.account_id, r.type, r.reason), r);
        }
        const t = now();
        const out: ("created" | "updated" | "unchanged")[] = [];
        for (const item of items) {
          const key = openKey(item.accountId, item.type, item.reason);
          const current = open.get(key);
          const values = { priority: item.priority, owner: item.owner ?? null, due_date: item.dueDate ?? null, comment: item.comment ?? null };
          if (current) {
            if (current.priority === values.priority && current.owner === values.owner && current.due_date === values.due_date && current.comment === values.comment) {
              out.push("unchanged");
              continue;
            }
            await trx.updateTable("success_ctas").set({ ...values, updated_at: t, run_id: origin.runId }).where("id", "=", current.id).execute();
            open.set(key, { ...current, ...values });
            out.push("updated");
            continue;
          }
          const row: Row = { id: newId("cta"), account_id: item.accountId, type: item.type, reason: item.reason, ...values, status: "Open", rule_id: origin.ruleId, run_id: origin.runId, created_at: t, updated_at: t, closed_at: null };
          await trx.insertInto("success_ctas").values(row).execute();
          open.set(key, row);
          out.push("created");
        }
        return out;
      });
    },
    /** Closes the open CTAs of the given type and reason on each account; "none" when there was nothing open. */
    async closeMany(items: { accountId: string; type: string; reason: string; status: CtaStatus; comment?: string | null }[], origin: { runId: string | null }): Promise<("closed" | "none")[]> {
      return db.transaction().execute(async (trx) => {
        const t = now();
        const out: ("closed" | "none")[] = [];
        for (const item of items) {
          const r = await trx
            .updateTable("success_ctas")
            .set({ status: item.status, closed_at: t, updated_at: t, run_id: origin.runId, ...(item.comment ? { comment: item.comment } : {}) })
            .where("account_id", "=", item.accountId)
            .where("type", "=", item.type)
            .where("reason", "=", item.reason)
            .where("status", "in", OPEN_STATUSES)
            .executeTakeFirst();
          out.push(Number(r.numUpdatedRows) > 0 ? "closed" : "none");
        }
        return out;
      });
    },
  };
}

export type Ctas = ReturnType<typeof createCtas>;
