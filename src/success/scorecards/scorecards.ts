import type { Kysely, Transaction } from "kysely";
import { ApiError } from "../../kernel/index.js";
import { dayOf, isDate } from "../dates.js";
import { newId, readJson } from "../ids.js";
import type { SuccessTables } from "../tables.js";
import { loadHealth, summariseHealth, type HealthSummary } from "./health.js";
import { DEFAULT_SCHEME, rangeOf, schemeProblem, scoreValue, type ScoringScheme } from "./scheme.js";
import { normalise, overallScore, type CardGroup, type CardMeasure } from "./score-math.js";

type Db = Kysely<SuccessTables>;
type Tx = Kysely<SuccessTables> | Transaction<SuccessTables>;

export type ScorecardGroup = { id: string; name: string; weight: number; normalisedWeight: number };
export type ScorecardMeasure = { id: string; name: string; label: string; groupId: string | null; weight: number; normalisedWeight: number };

/** The whole scorecard as GET /success/scorecard answers: scheme, groups and measures with normalised weights. */
export type Scorecard = { scheme: ScoringScheme; groups: ScorecardGroup[]; measures: (ScorecardMeasure & { group: string | null })[] };

/** One Set Score: the measure (by name), the score as a number 0–100 or a range label, and why. */
export type ScoreWrite = { accountId: string; measure: string; score: number | string; comment?: string | null };

/** What a Set Score did to an account's scorecard. */
export type ScoreChange = { measure: string; before: number | null; after: number; overallBefore: number | null; overallAfter: number | null; changed: boolean };

const MAX_WEIGHT = 999_999;
let historySeq = 0;
/** History ids sort by time, then by order of writing, so "newest first" is exact within one millisecond. */
function historyId(t: number): string {
  historySeq = (historySeq + 1) % 1_679_616;
  return `score_${t.toString(36).padStart(9, "0")}${historySeq.toString(36).padStart(4, "0")}`;
}

/** Scorecards: the scheme, measures and groups with weights, per-account scores and their history. */
export function createScorecards(db: Db, now: () => number) {
  async function scheme(trx: Tx = db): Promise<ScoringScheme> {
    const r = await trx.selectFrom("success_scorecard_scheme").select("scheme").where("id", "=", 1).executeTakeFirst();
    return r ? readJson<ScoringScheme>(r.scheme, DEFAULT_SCHEME) : DEFAULT_SCHEME;
  }

  async function shape(trx: Tx = db): Promise<{ groups: CardGroup[]; measures: (CardMeasure & { name: string; label: string })[]; groupNames: Map<string, string> }> {
    const groups = await trx.selectFrom("success_scorecard_groups").selectAll().orderBy("name").execute();
    const measures = await trx.selectFrom("success_scorecard_measures").selectAll().orderBy("name").execute();
    return {
      groups: groups.map((g) => ({ id: g.id, weight: g.weight })),
      measures: measures.map((m) => ({ id: m.id, name: m.name, label: m.label, groupId: m.group_id, weight: m.weight })),
      groupNames: new Map(groups.map((g) => [g.id, g.name])),
    };
  }

  async function scoresOf(trx: Tx, accountId: string): Promise<Map<string, number>> {
    const rows = await trx.selectFrom("success_scores").select(["measure_id", "score"]).where("account_id", "=", accountId).execute();
    return new Map(rows.map((r) => [r.measure_id, r.score]));
  }

  function checkWeight(weight: number): void {
    if (!Number.isInteger(weight) || weight < 0 || weight > MAX_WEIGHT) throw new ApiError(400, "INVALID_WEIGHT", `A weight is a whole number from 0 to ${MAX_WEIGHT}, got ${weight}.`, "weight");
  }

  async function groupId(trx: Tx, group: string | null | undefined): Promise<string | null> {
    if (group === null || group === undefined) return null;
    const g = await trx.selectFrom("success_scorecard_groups").select("id").where((eb) => eb.or([eb("id", "=", group), eb("name", "=", group)])).executeTakeFirst();
    if (!g) throw new ApiError(400, "GROUP_NOT_FOUND", `No scorecard group is named ${group}.`, "group");
    return g.id;
  }

  /**
   * Writes scores in one transaction; each write updates the customer's health score and colour and
   * keeps history. `asOf` is the day the scores describe (a rule run's rule date; today by default),
   * so a run over a past rule date back-fills history at that date.
   */
  async function setScores(writes: ScoreWrite[], runId: string | null, asOf?: string): Promise<({ ok: true; change: ScoreChange } | { ok: false; field: string; message: string })[]> {
    return db.transaction().execute(async (trx) => {
      const s = await scheme(trx);
      const card = await shape(trx);
      const byName = new Map(card.measures.map((m) => [m.name, m]));
      const out: ({ ok: true; change: ScoreChange } | { ok: false; field: string; message: string })[] = [];
      const t = now();
      const day = asOf !== undefined && isDate(asOf) ? asOf : dayOf(t);
      for (const w of writes) {
        const m = byName.get(w.measure);
        if (!m) {
          out.push({ ok: false, field: "measure", message: `${w.measure} is not a scorecard measure` });
          continue;
        }
        const v = scoreValue(s, w.score);
        if (!v.ok) {
          out.push({ ok: false, field: "score", message: v.message });
          continue;
        }
        const scores = await scoresOf(trx, w.accountId);
        const before = scores.get(m.id) ?? null;
        const overallBefore = overallScore(card.groups, card.measures, scores).overall;
        if (before === v.score) {
          out.push({ ok: true, change: { measure: m.name, before, after: v.score, overallBefore, overallAfter: overallBefore, changed: false } });
          continue;
        }
        scores.set(m.id, v.score);
        const overallAfter = overallScore(card.groups, card.measures, scores).overall;
        const comment = w.comment ?? null;
        await trx
          .insertInto("success_scores")
          .values({ account_id: w.accountId, measure_id: m.id, score: v.score, comment, updated_at: t, run_id: runId })
          .onConflict((oc) => oc.columns(["account_id", "measure_id"]).doUpdateSet({ score: v.score, comment, updated_at: t, run_id: runId }))
          .execute();
        await trx
          .insertInto("success_score_history")
          .values({ id: historyId(t), account_id: w.accountId, measure_id: m.id, measure_before: before, measure_after: v.score, overall_before: overallBefore, overall_after: overallAfter, comment, at: t, run_id: runId, as_of: day })
          .execute();
        await trx
          .updateTable("success_customers")
          .set({ health_score: overallAfter, health_colour: overallAfter === null ? null : (rangeOf(s, overallAfter).colour ?? rangeOf(s, overallAfter).label), updated_at: t })
          .where("account_id", "=", w.accountId)
          .execute();
        out.push({ ok: true, change: { measure: m.name, before, after: v.score, overallBefore, overallAfter, changed: true } });
      }
      return out;
    });
  }

  return {
    scheme: () => scheme(),
    async setScheme(next: ScoringScheme): Promise<ScoringScheme> {
      const problem = schemeProblem(next);
      if (problem) throw new ApiError(400, "INVALID_SCHEME", `The scoring scheme is not usable: ${problem}.`, "ranges");
      const text = JSON.stringify(next);
      await db
        .insertInto("success_scorecard_scheme")
        .values({ id: 1, scheme: text, updated_at: now() })
        .onConflict((oc) => oc.column("id").doUpdateSet({ scheme: text, updated_at: now() }))
        .execute();
      return next;
    },
    /** The whole scorecard with normalised weights (each level's weights sum to 100). */
    async card(): Promise<Scorecard> {
      const c = await shape();
      const groupRows = await db.selectFrom("success_scorecard_groups").selectAll().orderBy("name").execute();
      const topWeights = [...groupRows.map((g) => g.weight), ...c.measures.filter((m) => m.groupId === null).map((m) => m.weight)];
      const topNorm = normalise(topWeights);
      const groups = groupRows.map((g, i) => ({ id: g.id, name: g.name, weight: g.weight, normalisedWeight: topNorm[i] as number }));
      let ungrouped = groupRows.length;
      const measures = c.measures.map((m) => {
        const siblings = c.measures.filter((x) => x.groupId === m.groupId);
        const norm = m.groupId === null ? (topNorm[ungrouped++] as number) : (normalise(siblings.map((x) => x.weight))[siblings.indexOf(m)] as number);
        return { id: m.id, name: m.name, label: m.label, groupId: m.groupId, group: m.groupId ? (c.groupNames.get(m.groupId) ?? null) : null, weight: m.weight, normalisedWeight: norm };
      });
      return { scheme: await scheme(), groups, measures };
    },
    async createGroup(input: { name: string; weight: number }): Promise<{ id: string }> {
      checkWeight(input.weight);
      if (await db.selectFrom("success_scorecard_groups").select("id").where("name", "=", input.name).executeTakeFirst()) throw new ApiError(409, "GROUP_EXISTS", `A scorecard group named ${input.name} already exists.`, "name");
      const id = newId("grp");
      await db.insertInto("success_scorecard_groups").values({ id, name: input.name, weight: input.weight, created_at: now() }).execute();
      return { id };
    },
    async updateGroup(id: string, patch: { name?: string; weight?: number }): Promise<void> {
      if (patch.weight !== undefined) checkWeight(patch.weight);
      const r = await db.updateTable("success_scorecard_groups").set(patch).where("id", "=", id).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new ApiError(404, "GROUP_NOT_FOUND", `No scorecard group has id ${id}.`, "id");
    },
    async removeGroup(id: string): Promise<boolean> {
      return Number((await db.deleteFrom("success_scorecard_groups").where("id", "=", id).executeTakeFirst()).numDeletedRows) > 0;
    },
    async createMeasure(input: { name: string; label?: string; weight: number; group?: string | null }): Promise<{ id: string }> {
      checkWeight(input.weight);
      if (await db.selectFrom("success_scorecard_measures").select("id").where("name", "=", input.name).executeTakeFirst()) throw new ApiError(409, "MEASURE_EXISTS", `A scorecard measure named ${input.name} already exists.`, "name");
      const id = newId("msr");
      await db.insertInto("success_scorecard_measures").values({ id, name: input.name, label: input.label ?? input.name, weight: input.weight, group_id: await groupId(db, input.group), created_at: now() }).execute();
      return { id };
    },
    async updateMeasure(id: string, patch: { label?: string; weight?: number; group?: string | null }): Promise<void> {
      if (patch.weight !== undefined) checkWeight(patch.weight);
      const set: Partial<SuccessTables["success_scorecard_measures"]> = {};
      if (patch.label !== undefined) set.label = patch.label;
      if (patch.weight !== undefined) set.weight = patch.weight;
      if (patch.group !== undefined) set.group_id = await groupId(db, patch.group);
      if (Object.keys(set).length === 0) return;
      const r = await db.updateTable("success_scorecard_measures").set(set).where("id", "=", id).executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) throw new ApiError(404, "MEASURE_NOT_FOUND", `No scorecard measure has id ${id}.`, "id");
    },
    async removeMeasure(id: string): Promise<boolean> {
      return Number((await db.deleteFrom("success_scorecard_measures").where("id", "=", id).executeTakeFirst()).numDeletedRows) > 0;
    },
    /** Names of the scorecard measures (rule validation). */
    async measureNames(): Promise<Set<string>> {
      return new Set((await db.selectFrom("success_scorecard_measures").select("name").execute()).map((r) => r.name));
    },
    /** Checks score writes without storing them (rule preview). */
    async checkScores(writes: ScoreWrite[]): Promise<({ ok: true; score: number } | { ok: false; field: string; message: string })[]> {
      const s = await scheme();
      const names = await this.measureNames();
      return writes.map((w) => {
        if (!names.has(w.measure)) return { ok: false, field: "measure", message: `${w.measure} is not a scorecard measure` };
        const v = scoreValue(s, w.score);
        return v.ok ? { ok: true, score: v.score } : { ok: false, field: "score", message: v.message };
      });
    },
    setScores,
    /** An account's scorecard now: overall score with its label and colour, group scores, measure scores. */
    async account(accountId: string) {
      const s = await scheme();
      const card = await shape();
      const rows = await db.selectFrom("success_scores").selectAll().where("account_id", "=", accountId).execute();
      const scores = new Map(rows.map((r) => [r.measure_id, r.score]));
      const { overall, groups } = overallScore(card.groups, card.measures, scores);
      const range = overall === null ? null : rangeOf(s, overall);
      return {
        accountId,
        overall,
        label: range?.label ?? null,
        colour: range?.colour ?? null,
        groups: card.groups.map((g) => ({ id: g.id, name: card.groupNames.get(g.id) ?? g.id, score: groups.get(g.id) ?? null })),
        measures: card.measures.map((m) => {
          const r = rows.find((x) => x.measure_id === m.id);
          return { name: m.name, label: m.label, score: r?.score ?? null, comment: r?.comment ?? null, updatedAt: r ? Number(r.updated_at) : null };
        }),
      };
    },
    /** The health split now and day by day over the last `days` days, and the customers whose health moved lately. */
    async health(opts: { days: number; movedDays: number; movedLimit: number }): Promise<HealthSummary> {
      const [s, data] = await Promise.all([scheme(), loadHealth(db)]);
      return summariseHealth({ scheme: s, ...data, today: dayOf(now()), ...opts });
    },
    /** The score changes one rule run made (history is never rewritten, so this is exactly what it wrote). */
    async historyOfRun(runId: string, limit: number) {
      const total = await db.selectFrom("success_score_history").select((eb) => eb.fn.countAll<number>().as("n")).where("run_id", "=", runId).executeTakeFirstOrThrow();
      const rows = await db
        .selectFrom("success_score_history")
        .leftJoin("success_scorecard_measures", "success_scorecard_measures.id", "success_score_history.measure_id")
        .leftJoin("success_customers", "success_customers.account_id", "success_score_history.account_id")
        .select(["success_score_history.account_id", "success_customers.name", "success_scorecard_measures.label as measure", "measure_before", "measure_after", "overall_before", "overall_after", "comment", "as_of", "at"])
        .where("run_id", "=", runId)
        .orderBy("success_score_history.id")
        .limit(limit)
        .execute();
      return {
        total: Number(total.n),
        rows: rows.map((r) => ({ accountId: r.account_id, name: r.name, measure: r.measure, measureBefore: r.measure_before, measureAfter: r.measure_after, overallBefore: r.overall_before, overallAfter: r.overall_after, comment: r.comment, asOf: r.as_of ?? dayOf(Number(r.at)) })),
      };
    },
    /** Score history, newest first: which measure moved the score, from what to what, and why. */
    async history(accountId: string, limit: number) {
      const rows = await db
        .selectFrom("success_score_history")
        .leftJoin("success_scorecard_measures", "success_scorecard_measures.id", "success_score_history.measure_id")
        .select([
          "success_score_history.id",
          "success_scorecard_measures.name as measure",
          "measure_before",
          "measure_after",
          "overall_before",
          "overall_after",
          "comment",
          "at",
          "run_id",
          "as_of",
        ])
        .where("account_id", "=", accountId)
        .orderBy("at", "desc")
        .orderBy("success_score_history.id", "desc")
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        measure: r.measure,
        measureBefore: r.measure_before,
        measureAfter: r.measure_after,
        overallBefore: r.overall_before,
        overallAfter: r.overall_after,
        comment: r.comment,
        at: Number(r.at),
        runId: r.run_id,
        // Rows written before history kept its day read as the day they were written.
        asOf: r.as_of ?? dayOf(Number(r.at)),
      }));
    },
  };
}

export type Scorecards = ReturnType<typeof createScorecards>;
