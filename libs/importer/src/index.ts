// The importer: reads plans as councils hold them (Word tables pasted as tab-separated text, CSV, Excel workbooks) into commands with provenance.
// It must never append outside one all-or-nothing batch, never guess silently (every odd row is a reported problem), nor rewrite the plan's words.
export * from './import-error.js';
export * from './import-size-limit.js';
export * from './import-limits.js';
export * from './plain-text.js';
export * from './tabular-document.js';
export * from './text-encoding.js';
export * from './tabular-text-reader.js';
export * from './spreadsheet-lines.js';
export * from './csv-reader.js';
export * from './cell-per-line-reader.js';
export * from './wrapped-rows.js';
export * from './plan-refs.js';
export * from './review-file.js';
export * from './xlsx-reader.js';
export * from './tabular-file.js';
export * from './column-headers.js';
export * from './split-leads.js';
export * from './imported-plan.js';
export * from './interpret-plan.js';
export * from './plan-import.js';
export * from './read-plan-file.js';
export * from './plan-file-worker.js';
export * from './import-file.js';
export * from './demo-plan.js';
