// Witness: the C2SP tlog-witness service another organisation runs to cosign the ledger's plan logs, with its
// own key and a durable record. Node only (HTTP, SQLite, key files); it must never import the ledger's store or app.
export { Witness, type WitnessAnswer, type WitnessOptions } from './witness.js';
export { WitnessRecord, type CosignedCheckpoint, type Refusal } from './witness-record.js';
export { startWitnessServer, type RunningWitnessServer } from './witness-server.js';
export { loadWitnessConfig, WitnessConfigError, WitnessConfigFile, type WitnessConfig } from './witness-config.js';
