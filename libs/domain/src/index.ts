// The action-plan domain: plan model, versioned events, commands, decide/evolve, fuzzy targets. Pure TypeScript.
// It must never import Nest, SQL, HTTP or read the clock: time and ids come in through DecisionContext.
export * from './shared/actor.js';
export * from './shared/dates.js';
export * from './shared/domain-error.js';
export * from './shared/html-entities.js';
export * from './shared/dictionary.js';
export * from './shared/text.js';
export * from './targets/target.js';
export * from './targets/fuzzy-target.js';
export * from './plan/plan-events.js';
export * from './plan/plan-commands.js';
export * from './plan/plan-state.js';
export * from './plan/plan-stream.js';
export * from './plan/decide.js';
export * from './plan/placement-index.js';
export * from './plan/evolve.js';
export * from './plan/approval-decide.js';
export * from './plan/approval-evolve.js';
export * from './plan/update-requests.js';
export * from './plan/update-round-decide.js';
export * from './plan/update-round-evolve.js';
export * from './plan/reminder-digests.js';
export * from './plan/upcast.js';
export * from './plan/effective-before-plan.js';
export * from './rag/index.js';
export { readAsAt } from './rag/rag-calendar.js';
export * from './access/index.js';
export * from './event-metadata.js';
