// Test helpers shared by the guides tests (server and Chromium): a Pendulum with analytics and
// guides wired as the composition root does, and a way to create accounts and visitors.
import { createAnalyticsModule, type AnalyticsModule, type Metadata } from "../analytics/index.js";
import type { ModuleContext } from "../kernel/index.js";
import { createGuidesModule, type GuidesModule } from "./index.js";

/** Analytics and guides as the composition root wires them. */
export type GuidesModules = { analytics: AnalyticsModule; guides: GuidesModule };

/** A composition of analytics + guides, the guides module built over the analytics module. */
export function composeGuides(options: { refreshMs?: number } = {}): (ctx: ModuleContext) => GuidesModules {
  return (ctx) => {
    const analytics = createAnalyticsModule(ctx);
    return { analytics, guides: createGuidesModule(ctx, { analytics, ...options }) };
  };
}

/** Records visitors in accounts as a flush would (first and last seen now), with optional crm metadata per account. */
export async function seedPeople(analytics: AnalyticsModule, appId: string, people: { visitor: string; account: string }[], crm: Map<string, Metadata> = new Map(), now = Date.now()): Promise<void> {
  const visitors = new Map<string, { first: number; last: number }>();
  const accounts = new Map<string, { first: number; last: number }>();
  const links = new Map<string, { visitorId: string; accountId: string; first: number; last: number }>();
  for (const p of people) {
    visitors.set(p.visitor, { first: now, last: now });
    accounts.set(p.account, { first: now, last: now });
    links.set(`${p.visitor}\n${p.account}`, { visitorId: p.visitor, accountId: p.account, first: now, last: now });
  }
  await analytics.metadata.recordSeen([{ appId, visitors, accounts, links, eventNames: new Map() }]);
  if (crm.size > 0) await analytics.metadata.replaceCrm(appId, "account", crm);
}
