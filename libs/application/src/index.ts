// The command side, free of any framework: the one command handler (load, decide, append with the expected revision, retry on conflict) for every stream.
// It must never hold business rules (those are libs/domain's) nor speak HTTP (that is apps/api's).
export * from './retry-policy.js';
export * from './command-handler.js';
export * from './ledger-event-validator.js';
export * from './plan-repository.js';
export * from './plan-command-service.js';
export * from './plan-batch.js';
export * from './plan-repair.js';
export * from './evidence-files.js';
export * from './plan-integrity.js';
export * from './signed-head-log.js';
export * from './head-signing-event-store.js';
export * from './ledger-store.js';
// The conflict an append with an expected revision ends in, for writers outside this room (the importer) that must not reach the store.
export { WrongExpectedRevisionError } from '#event-store';
export * from './cosignature-log.js';
export * from './checkpoint-publisher.js';
export * from './ledger-config.js';
export * from './access/access-control.js';
export * from './access/oidc-verifier.js';
export * from './reminders/reminder-mailer.js';
export * from './reminders/reminder-run.js';
