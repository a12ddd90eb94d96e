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
