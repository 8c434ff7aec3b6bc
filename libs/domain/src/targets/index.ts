// Targets: the "when" of an action as the plan wrote it, kept word for word, and what we can read of it (kind, due, cadence).
// Must never read a clock, do I/O or rewrite the plan's words: reading a target is pure, and `text` is always what was written.
export * from './target.js';
export * from './fuzzy-target.js';
