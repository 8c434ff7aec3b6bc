// The read side: views of a plan built from its events: current state read models, as-at replay, audit log.
// It must never append events or decide anything: it only reads, folds and shapes.
// The pure views (replay, timeline, plan view, trend, summaries) live in #plan-views, with no I/O; they are
// re-exported here for the API and CLI, which use both. The evidence lib imports #plan-views, never this barrel,
// because read-model-database.ts loads better-sqlite3.
export * from '#plan-views';
export * from './read-model-database.js';
export * from './plan-projector.js';
export * from './projector-lease.js';
export * from './plan-read-models.js';
export * from './plan-history.js';
