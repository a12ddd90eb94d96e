/** The success module's records tables, as Kysely sees them (dates are `YYYY-MM-DD` text, times epoch ms). */
export type SuccessTables = {
  success_customers: {
    account_id: string;
    name: string;
    status: string;
    stage: string | null;
    arr: number | null;
    mrr: number | null;
    renewal_date: string | null;
    users: number | null;
    churn_risk: string | null;
    onboarding_status: string | null;
    latest_nps: number | null;
    health_score: number | null;
    health_colour: string | null;
    /** JSON array of strings. */
    tags: string;
    /** JSON object of custom field values. */
    custom: string;
    created_at: number;
    updated_at: number;
  };
  success_usage_config: {
    id: number;
    data_granularity: string;
    time_granularity: string;
    week_start_day: number;
    updated_at: number;
  };
  success_usage_measures: {
    name: string;
    label: string;
    type: string;
    aggregation: string;
    created_at: number;
  };
  success_usage_data: {
    account_id: string;
    period_start: string;
    aggregation_level: string;
    /** '' when the row is not per instance. */
    instance_id: string;
    /** '' when the row is not per user. */
    user_id: string;
    /** JSON object measure name → value. */
    measures: string;
    updated_at: number;
    run_id: string | null;
  };
  success_objects: {
    name: string;
    label: string;
    /** JSON array of field definitions. */
    fields: string;
    created_at: number;
  };
  success_object_records: {
    id: string;
    object_name: string;
    /** JSON object field → value. */
    data: string;
    created_at: number;
    updated_at: number;
    run_id: string | null;
  };
  success_scorecard_scheme: {
    id: number;
    /** JSON ScoringScheme. */
    scheme: string;
    updated_at: number;
  };
  success_scorecard_groups: {
    id: string;
    name: string;
    weight: number;
    created_at: number;
  };
  success_scorecard_measures: {
    id: string;
    name: string;
    label: string;
    group_id: string | null;
    weight: number;
    created_at: number;
  };
  success_scores: {
    account_id: string;
    measure_id: string;
    score: number;
    comment: string | null;
    updated_at: number;
    run_id: string | null;
  };
  success_score_history: {
    id: string;
    account_id: string;
    measure_id: string;
    measure_before: number | null;
    measure_after: number;
    overall_before: number | null;
    overall_after: number | null;
    comment: string | null;
    at: number;
    run_id: string | null;
    /** The day the score describes (`YYYY-MM-DD`): a rule run's rule date, else the day it was written; null on rows from before it was kept. */
    as_of: string | null;
  };
  success_ctas: {
    id: string;
    account_id: string;
    type: string;
    reason: string;
    priority: string;
    owner: string | null;
    status: string;
    due_date: string | null;
    comment: string | null;
    rule_id: string | null;
    run_id: string | null;
    created_at: number;
    updated_at: number;
    closed_at: number | null;
  };
  success_crm_writable: {
    object_name: string;
    field_name: string;
  };
  success_rules: {
    id: string;
    name: string;
    type: string;
    description: string | null;
    /** JSON RuleDefinition (source, show, filters, customersOnly, actions). */
    definition: string;
    created_at: number;
    updated_at: number;
  };
  success_rule_runs: {
    id: string;
    rule_id: string;
    rule_name: string;
    rule_date: string;
    status: string;
    started_at: number;
    finished_at: number | null;
    rows_read: number;
    /** JSON array of per-action counts. */
    actions: string;
    /** JSON array of the first row errors kept. */
    errors: string;
    error_count: number;
    message: string | null;
    /** JSON object step name → milliseconds. */
    timings: string;
  };
};
