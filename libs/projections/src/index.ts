// The read side: views of a plan built from its events: current state read models, as-at replay, audit log.
// It must never append events or decide anything: it only reads, folds and shapes.
export * from './plan-view.js';
export * from './as-at.js';
export * from './event-summary.js';
export * from './read-model-database.js';
export * from './plan-projector.js';
export * from './projector-lease.js';
export * from './plan-read-models.js';
export * from './plan-history.js';
export * from './plan-changes.js';
export * from './rag-trend.js';
