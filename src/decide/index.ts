export { decide, actionsNeeded, basisCategories, classifyCategories, grantLimitMinutes } from './decide';
export type { DecisionPolicy } from './decide';
export type { Decision, DecisionOption, Outcome, ReasonCode, Coverage, ConsentFinding } from './decision';
export { OUTCOMES } from './decision';
export { FactsSchema, type Facts, type FactsInput } from './facts';
