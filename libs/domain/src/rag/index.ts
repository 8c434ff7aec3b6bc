// RAG ratings: the versioned rules that colour each action Green, Amber or Red (or awaiting, superseded, no target) at an instant, with reasons, and the roll-ups by recommendation, workstream and plan.
// Must never read the clock or do I/O: the instant and the rule set are arguments, so a rating shown to an inspector can be reproduced exactly.
export {
  ACTION_RAG_RATINGS,
  DEFAULT_RAG_RULES,
  RAG_RULES,
  RAG_RULE_IDS,
  configureRagRules,
  deriveActionRag,
  ragRulesOverrideSchema,
  ragRulesSchema,
  type ActionRag,
  type ActionRagRating,
  type DeclaredRag,
  type RagDiscrepancy,
  type RagRuleDescription,
  type RagRuleId,
  type RagRuleSet,
  type RagRulesOverride,
} from './rag-rules.js';
export {
  RAG_SEVERITY,
  planRagSummary,
  planRagTally,
  recommendationsCompletedSentence,
  worstRating,
  type PlanRag,
  type PlanRagDiscrepancy,
  type PlanRagSummary,
  type PlanRagTally,
  type RagCounts,
  type RecommendationRag,
  type WorkstreamRag,
} from './rag-rollup.js';
