export { decide, actionsNeeded, basisCategories, classifyCategories, grantLimitMinutes } from './decide';
export type { DecisionPolicy } from './decide';
export type { Decision, DecisionOption, Outcome, ReasonCode, Coverage, ConsentFinding } from './decision';
export { OUTCOMES } from './decision';
export { FactsSchema, type Facts, type FactsInput } from './facts';
export { viewableCategories, type ViewableCategories } from './viewable';
export { fieldCategories, type CategoryPatterns } from './classify';
