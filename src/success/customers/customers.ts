import { CompiledQuery, type Kysely, type Selectable } from "kysely";
import { ApiError } from "../../kernel/index.js";
import { likeIgnoringCase } from "../../store/index.js";
import { readJson } from "../ids.js";
import type { SuccessTables } from "../tables.js";
import type { Scalar } from "../values.js";
import { CUSTOMER_FIELDS, type Customer, type CustomerCreate, type CustomerPatch } from "./customer.js";

type Row = Selectable<SuccessTables["success_customers"]>;
type Db = Kysely<SuccessTables>;

/** The column behind each standard Customer Info field. */
const COLUMN: Record<(typeof CUSTOMER_FIELDS)[number]["name"], keyof Row> = {
  accountId: "account_id",
  name: "name",
  status: "status",
  stage: "stage",
  arr: "arr",
  mrr: "mrr",
  renewalDate: "renewal_date",
  users: "users",
  churnRisk: "churn_risk",
  onboardingStatus: "onboarding_status",
  latestNps: "latest_nps",
  healthScore: "health_score",
  healthColour: "health_colour",
  tags: "tags",
};

function toCustomer(r: Row): Customer {
  return {
    accountId: r.account_id,
    name: r.name,
    status: r.status === "Inactive" ? "Inactive" : "Active",
    stage: r.stage,
    arr: r.arr,
    mrr: r.mrr,
    renewalDate: r.renewal_date,
    users: r.users,
    churnRisk: r.churn_risk,
    onboardingStatus: r.onboarding_status,
    latestNps: r.latest_nps,
    healthScore: r.health_score,
    healthColour: r.health_colour,
    tags: readJson<string[]>(r.tags, []),
    custom: readJson<Record<string, Scalar>>(r.custom, {}),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

/** The columns a patch sets; `custom` merges key by key (null removes a key) so a rule writing one field keeps the others. */
function patchColumns(patch: CustomerPatch, current: Customer | undefined): Partial<Row> {
  const cols: Partial<Row> = {};
  if (patch.name !== undefined) cols.name = patch.name;
  if (patch.status !== undefined) cols.status = patch.status;
  if (patch.stage !== undefined) cols.stage = patch.stage;
  if (patch.arr !== undefined) cols.arr = patch.arr;
  if (patch.mrr !== undefined) cols.mrr = patch.mrr;
  if (patch.renewalDate !== undefined) cols.renewal_date = patch.renewalDate;
  if (patch.users !== undefined) cols.users = patch.users;
  if (patch.churnRisk !== undefined) cols.churn_risk = patch.churnRisk;
  if (patch.onboardingStatus !== undefined) cols.onboarding_status = patch.onboardingStatus;
  if (patch.latestNps !== undefined) cols.latest_nps = patch.latestNps;
  if (patch.healthScore !== undefined) cols.health_score = patch.healthScore;
  if (patch.healthColour !== undefined) cols.health_colour = patch.healthColour;
  if (patch.tags !== undefined) cols.tags = JSON.stringify([...new Set(patch.tags)]);
  if (patch.custom !== undefined) {
    const merged: Record<string, Scalar> = { ...(current?.custom ?? {}) };
    for (const [k, v] of Object.entries(patch.custom)) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    cols.custom = JSON.stringify(merged);
  }
  return cols;
}

function changes(cols: Partial<Row>, current: Row): boolean {
  return (Object.keys(cols) as (keyof Row)[]).some((k) => cols[k] !== current[k]);
}

export type CustomerListQuery = { status?: "Active" | "Inactive"; search?: string; limit: number; offset: number };

/** The outcome of saving one customer in a batch. */
export type SaveOutcome = "created" | "updated" | "unchanged";

/** Customer Info: one customer per CRM Account id. */
export function createCustomers(db: Db, now: () => number) {
  async function get(accountId: string): Promise<Customer | undefined> {
    const r = await db.selectFrom("success_customers").selectAll().where("account_id", "=", accountId).executeTakeFirst();
    return r ? toCustomer(r) : undefined;
  }

  /** Saves patches in one transaction; missing customers are created when `create` is set, else reported. */
  async function saveMany(items: CustomerCreate[], options: { create: boolean }): Promise<(SaveOutcome | "missing")[]> {
    const outcomes: (SaveOutcome | "missing")[] = [];
    await db.transaction().execute(async (trx) => {
      const ids = items.map((i) => i.accountId);
      const existing = new Map<string, Row>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await trx.selectFrom("success_customers").selectAll().where("account_id", "in", ids.slice(i, i + 500)).execute();
        for (const r of rows) existing.set(r.account_id, r);
      }
      const t = now();
      for (const item of items) {
        const { accountId, ...patch } = item;
        const current = existing.get(accountId);
        if (!current) {
          if (!options.create) {
            outcomes.push("missing");
            continue;
          }
          const cols = patchColumns(patch, undefined);
          const row: Row = {
            account_id: accountId,
            name: cols.name ?? accountId,
            status: cols.status ?? "Active",
            stage: cols.stage ?? null,
            arr: cols.arr ?? null,
            mrr: cols.mrr ?? null,
            renewal_date: cols.renewal_date ?? null,
            users: cols.users ?? null,
            churn_risk: cols.churn_risk ?? null,
            onboarding_status: cols.onboarding_status ?? null,
            latest_nps: cols.latest_nps ?? null,
            health_score: cols.health_score ?? null,
            health_colour: cols.health_colour ?? null,
            tags: cols.tags ?? "[]",
            custom: cols.custom ?? "{}",
            created_at: t,
            updated_at: t,
          };
          await trx.insertInto("success_customers").values(row).execute();
          existing.set(accountId, row);
          outcomes.push("created");
          continue;
        }
        const cols = patchColumns(patch, toCustomer(current));
        if (!changes(cols, current)) {
          outcomes.push("unchanged");
          continue;
        }
        await trx.updateTable("success_customers").set({ ...cols, updated_at: t }).where("account_id", "=", accountId).execute();
        existing.set(accountId, { ...current, ...cols, updated_at: t });
        outcomes.push("updated");
      }
    });
    return outcomes;
  }

  return {
    get,
    async require(accountId: string): Promise<Customer> {
      const c = await get(accountId);
      if (!c) throw new ApiError(404, "CUSTOMER_NOT_FOUND", `No customer has the account id ${accountId}.`, "accountId");
      return c;
    },
    async list(q: CustomerListQuery): Promise<{ total: number; customers: Customer[] }> {
      let query = db.selectFrom("success_customers");
      if (q.status) query = query.where("status", "=", q.status);
      if (q.search) query = query.where((eb) => eb.or([likeIgnoringCase(db, eb.ref("name"), `%${q.search}%`), eb("account_id", "=", q.search as string)]));
      const total = await query.select((eb) => eb.fn.countAll<number>().as("n")).executeTakeFirstOrThrow();
      const rows = await query.selectAll().orderBy("name").orderBy("account_id").limit(q.limit).offset(q.offset).execute();
      return { total: Number(total.n), customers: rows.map(toCustomer) };
    },
    /** Every customer, in account id order (export, rule sources). */
    async all(): Promise<Customer[]> {
      return (await db.selectFrom("success_customers").selectAll().orderBy("account_id").execute()).map(toCustomer);
    },
    /**
     * Customers flattened as rule rows with only the given fields: a rule over 50,000 customers reads
     * three columns rather than every column and both JSON documents.
     */
    async rows(fields: string[]): Promise<Record<string, Scalar>[]> {
      const wanted = [...new Set(fields)];
      const standard = CUSTOMER_FIELDS.filter((f) => wanted.includes(f.name));
      const custom = wanted.filter((f) => f.startsWith("custom."));
      const columns = [...new Set(["account_id", ...standard.map((f) => COLUMN[f.name]), ...(custom.length > 0 ? ["custom"] : [])])] as (keyof Row)[];
      const result = await db.executeQuery<Record<string, unknown>>(CompiledQuery.raw(`SELECT ${columns.join(", ")} FROM success_customers ORDER BY account_id`));
      return result.rows.map((r) => {
        const row: Record<string, Scalar> = {};
        for (const f of standard) {
          const v = r[COLUMN[f.name]];
          row[f.name] = f.name === "tags" ? readJson<string[]>(v as string, []).join(";") : ((v ?? null) as Scalar);
        }
        if (custom.length > 0) {
          const values = readJson<Record<string, Scalar>>(r["custom"] as string, {});
          for (const f of custom) row[f] = values[f.slice(7)] ?? null;
        }
        return row;
      });
    },
    /** The set of customer account ids, for "apply to customers only". */
    async accountIds(): Promise<Set<string>> {
      const rows = await db.selectFrom("success_customers").select("account_id").execute();
      return new Set(rows.map((r) => r.account_id));
    },
    async create(input: CustomerCreate): Promise<Customer> {
      if (await get(input.accountId)) throw new ApiError(409, "CUSTOMER_EXISTS", `A customer with account id ${input.accountId} already exists; change it with PATCH.`, "accountId");
      await saveMany([input], { create: true });
      return (await get(input.accountId)) as Customer;
    },
    async update(accountId: string, patch: CustomerPatch): Promise<Customer> {
      const [outcome] = await saveMany([{ ...patch, accountId }], { create: false });
      if (outcome === "missing") throw new ApiError(404, "CUSTOMER_NOT_FOUND", `No customer has the account id ${accountId}.`, "accountId");
      return (await get(accountId)) as Customer;
    },
    saveMany,
    async remove(accountId: string): Promise<boolean> {
      const r = await db.deleteFrom("success_customers").where("account_id", "=", accountId).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}

export type Customers = ReturnType<typeof createCustomers>;
