// Plan views: pure functions and value objects over a plan's events (as-at replay, timeline, the plan as a
// reader sees it, RAG trend, changes since, event summaries). No I/O of any kind: no store, no SQL, no clock,
// no Node built-ins, so the offline bundle verifier can replay a plan in a browser exactly as the ledger does.
export * from './as-at.js';
export * from './plan-view.js';
export * from './plan-timeline.js';
export * from './event-summary.js';
export * from './action-id-of.js';
export * from './plan-changes.js';
export * from './rag-trend.js';
export * from './update-request-list.js';
export * from './bounded-cache.js';
export * from './rag-instant-key.js';
