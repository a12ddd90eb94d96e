/** Pages and features: URL rules, CSS-selector rules, and their retroactive mapping over dictionaries. */
export { matchUrl, matchUrlParts, parseUrlRule, splitUrl, type RuleError, type RuleResult, type UrlParts, type UrlRule } from "./url-rule.js";
export {
  buildElementChain,
  matchElementChain,
  matchFeature,
  parseFeatureRule,
  parseStoredPath,
  type FeatureRule,
  type FeatureRuleError,
  type FeatureRuleResult,
} from "./feature-rule.js";
export {
  applyFeatureRule,
  applyPageRule,
  ensureMappingTables,
  mapNewDictionaryEntries,
  matchNewEntries,
  compilePage,
  urlMatchesAny,
  elementMatches,
  removeFeature,
  removePage,
  type ApplyResult,
  type FeatureDefinition,
  type PageDefinition,
  type PageRuleError,
  type RuleSet,
} from "./mapping.js";
