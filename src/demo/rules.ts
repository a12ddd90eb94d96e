/** The article's rule 1: the Account's Pendo_ fields into usage, for the rule date's week. */
export const RULE_ACCOUNT_TO_USAGE = {
  name: "Pendo: Sync data from Account to Usage",
  type: "Custom",
  source: { kind: "crm", object: "Account" },
  show: ["Id", "Pendo_numberofvisitors_last30d__c", "Pendo_timeonsite_last30d__c", "Pendo_lastvisit_last30d__c"],
  filters: [],
  customersOnly: true,
  actions: [
    {
      type: "loadToUsage",
      mappings: [
        { to: "accountId", field: "Id" },
        { to: "Pendo_numberofvisitors_last30d", field: "Pendo_numberofvisitors_last30d__c" },
        { to: "Pendo_timeonsite_last30d", field: "Pendo_timeonsite_last30d__c" },
        { to: "Pendo_lastvisit_last30d", field: "Pendo_lastvisit_last30d__c" },
        { to: "aggregationLevel", constant: "ACCOUNTLEVEL" },
        { to: "date", ruleDate: 0 },
      ],
    },
  ],
};

/** The article's rule 2: Customer Info's health, renewal and onboarding onto the Account. */
export const RULE_SUCCESS_TO_ACCOUNT = {
  name: "Pendo: Sync data from Gainsight to Account",
  type: "Custom",
  source: { kind: "customers" },
  show: ["accountId", "healthScore", "healthColour", "renewalDate", "onboardingStatus"],
  filters: [],
  customersOnly: true,
  actions: [
    {
      type: "loadToCrm",
      object: "Account",
      operation: "update",
      mappings: [
        { to: "Id", field: "accountId", identifier: true },
        { to: "Health_Score__c", field: "healthScore" },
        { to: "Health_Color__c", field: "healthColour" },
        { to: "Renewal_Date__c", field: "renewalDate" },
        { to: "Onboarding_Status__c", field: "onboardingStatus" },
      ],
    },
  ],
};

/** Usage measures rule 1 loads into: one per Pendo_ field. */
export const USAGE_MEASURES = [
  { name: "Pendo_numberofvisitors_last30d", label: "Visitors (last 30 days)", type: "integer", aggregation: "sum" },
  { name: "Pendo_timeonsite_last30d", label: "Time on site, minutes (last 30 days)", type: "number", aggregation: "sum" },
  { name: "Pendo_lastvisit_last30d", label: "Last visit (last 30 days)", type: "date", aggregation: "max" },
];

/** The scorecard measure the usage rules score; the other, relationship, comes from Customer Info. */
const USAGE_MEASURE = "product_usage";

/**
 * Health from usage, the way Gainsight admins write it: one Set Score rule per band of the Account's
 * time on site in the last 7 days (pushed by analytics), per visitor of the account. Three bands,
 * three rules; each run scores the customers its filter keeps, on its rule date.
 */
export function usageScoreRules(visitorsPerAccount: number): Record<string, unknown>[] {
  const low = 4 * visitorsPerAccount;
  const high = 8 * visitorsPerAccount;
  const rule = (band: string, filter: Record<string, unknown>, score: number, why: string) => ({
    name: `Health: product usage ${band}`,
    type: "Custom",
    description: `Scores product usage ${score} when the Account's time on site in the last 7 days is ${why}.`,
    source: { kind: "crm", object: "Account" },
    show: ["Id", "Pendo_timeonsite_last7d__c", "Pendo_numberofvisitors_last7d__c"],
    filters: [{ field: "Pendo_timeonsite_last7d__c", ...filter }],
    customersOnly: true,
    actions: [{ type: "setScore", measure: USAGE_MEASURE, score: { constant: score }, comment: `Time on site in the last 7 days ${why}` }],
  });
  return [
    rule("high", { operator: "greater", value: high - 0.01 }, 85, `${high.toLocaleString("en-US")} minutes or more`),
    rule("medium", { operator: "between", value: low, to: high - 0.01 }, 57, `${low.toLocaleString("en-US")} to ${high.toLocaleString("en-US")} minutes`),
    rule("low", { operator: "less", value: low }, 22, `under ${low.toLocaleString("en-US")} minutes`),
  ];
}

/** The relationship measure, from the success team's own review kept in Customer Info (custom.relationship). */
export const RULE_RELATIONSHIP_SCORE = {
  name: "Health: relationship from Customer Info",
  type: "Custom",
  source: { kind: "customers" },
  show: ["accountId", "custom.relationship"],
  filters: [{ field: "custom.relationship", operator: "exists" }],
  customersOnly: true,
  actions: [{ type: "setScore", measure: "relationship", score: { field: "custom.relationship" }, comment: "The success team's review" }],
};

/** A Risk CTA for every customer whose health is red (a rule never opens a second one while the first is open). */
export const RULE_RED_HEALTH_CTA = {
  name: "CTA: risk when health is red",
  type: "Custom",
  source: { kind: "customers" },
  show: ["accountId", "healthColour", "healthScore"],
  filters: [{ field: "healthColour", operator: "equals", value: "Red" }],
  customersOnly: true,
  actions: [{ type: "createCta", ctaType: "Risk", reason: "Health is red", priority: "High", dueInDays: 7, comment: "Opened by the rule for red health: look at what moved the score and book a call." }],
};
