import type { GuideDataSource } from "../analytics/index.js";
import type { GuidesService } from "./service.js";

/**
 * The guides module's side of analytics' GuideDataSource: what the nps.* and guides.* report
 * columns and NPS segment rules read. NPS follows the guides' own rules: each visitor's latest
 * answer in the range counts once, so `responses` is the number of answers the score is computed
 * from, and `latest` is the most recent of them.
 */
export function analyticsGuideSource(service: Pick<GuidesService, "npsByAccount" | "npsByVisitor" | "guideCounts" | "npsCategories">): GuideDataSource {
  return {
    async nps(appId, kind, from, to) {
      const rows = kind === "account" ? await service.npsByAccount(appId, from, to) : await service.npsByVisitor(appId, from, to);
      return rows.map((r) => ({ id: r.id, score: r.score, responses: r.responses, latest: r.latest?.score ?? null }));
    },
    guideCounts: (appId, kind, from, to) => service.guideCounts(appId, kind, from, to),
    npsCategories: (appId, kind, from, to) => service.npsCategories(appId, kind, from, to),
  };
}
