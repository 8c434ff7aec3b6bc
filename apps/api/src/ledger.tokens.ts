/** Injection tokens for the things Nest cannot find by class. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');
export const READ_MODEL_DATABASE = Symbol('READ_MODEL_DATABASE');
