/** The rule builder: one screen, made of the panels in this folder. */
export { RuleBuilder } from "./rule-builder";
