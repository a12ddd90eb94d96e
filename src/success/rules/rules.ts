import type { Kysely, Selectable } from "kysely";
import { ApiError } from "../../kernel/index.js";
import { newId, readJson } from "../ids.js";
import type { SuccessTables } from "../tables.js";
import type { Rule, RuleInput } from "./definition.js";

type Row = Selectable<SuccessTables["success_rules"]>;
type Definition = Omit<RuleInput, "name" | "type" | "description">;

function toRule(r: Row): Rule {
  const d = readJson<Definition>(r.definition, { source: { kind: "customers" }, show: [], filters: [], customersOnly: false, actions: [] });
  return { id: r.id, name: r.name, type: "Custom", ...(r.description !== null ? { description: r.description } : {}), ...d, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) };
}

function definitionOf(input: RuleInput): string {
  const d: Definition = { source: input.source, show: input.show, filters: input.filters, customersOnly: input.customersOnly, actions: input.actions };
  return JSON.stringify(d);
}

/** Stored rules, found by id or by name. */
export function createRuleStore(db: Kysely<SuccessTables>, now: () => number) {
  async function find(idOrName: string): Promise<Rule | undefined> {
    const r = await db.selectFrom("success_rules").selectAll().where((eb) => eb.or([eb("id", "=", idOrName), eb("name", "=", idOrName)])).executeTakeFirst();
    return r ? toRule(r) : undefined;
  }
  async function nameTaken(name: string, except?: string): Promise<void> {
    let q = db.selectFrom("success_rules").select("id").where("name", "=", name);
    if (except) q = q.where("id", "!=", except);
    if (await q.executeTakeFirst()) throw new ApiError(409, "RULE_EXISTS", `A rule named "${name}" already exists.`, "name");
  }
  return {
    find,
    async require(idOrName: string): Promise<Rule> {
      const r = await find(idOrName);
      if (!r) throw new ApiError(404, "RULE_NOT_FOUND", `No rule has the id or name "${idOrName}".`, "id");
      return r;
    },
    async list(): Promise<Rule[]> {
      return (await db.selectFrom("success_rules").selectAll().orderBy("name").execute()).map(toRule);
    },
    async create(input: RuleInput): Promise<Rule> {
      await nameTaken(input.name);
      const id = newId("rule");
      const t = now();
      await db.insertInto("success_rules").values({ id, name: input.name, type: input.type, description: input.description ?? null, definition: definitionOf(input), created_at: t, updated_at: t }).execute();
      return (await find(id)) as Rule;
    },
    async replace(id: string, input: RuleInput): Promise<Rule> {
      await nameTaken(input.name, id);
      const r = await db.updateTable("success_rules").set({ name: input.name, type: input.type, description: input.description ?? null, definition: definitionOf(input), updated_at: now() }).where("id", "=", id).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new ApiError(404, "RULE_NOT_FOUND", `No rule has the id ${id}.`, "id");
      return (await find(id)) as Rule;
    },
    async remove(id: string): Promise<boolean> {
      // Runs stay: they are the record of what happened.
      return Number((await db.deleteFrom("success_rules").where("id", "=", id).executeTakeFirst()).numDeletedRows) > 0;
    },
  };
}

export type RuleStore = ReturnType<typeof createRuleStore>;
