// Transparency: the C2SP formats the ledger's witnesses speak (signed-note, tlog-checkpoint, tlog-cosignature,
// tlog-witness request bodies) and what a plan's log is. Pure: no Node built-ins, no Buffer, so the browser verifier uses it.
export { base64Encode, base64Decode } from './base64.js';
export { ed25519Verify, ed25519SignWithSeed, ed25519PublicKeyOfSeed } from './ed25519.js';
export {
  SIGNATURE_TYPE,
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  isValidKeyName,
  noteKeyId,
  keyIdHex,
  parseNote,
  parseSignatureLine,
  formatSignatureLine,
  formatNote,
  parseVerifierKey,
  formatVerifierKey,
  ed25519NoteVerifier,
  parseSignerKey,
  signNote,
  openNote,
} from './signed-note.js';
export type { Note, NoteSignature, NoteSigner, NoteVerifier, OpenedNote, Parsed, VerifierKey } from './signed-note.js';
export { EMPTY_TREE_ROOT, parseCheckpoint, formatCheckpoint, type Checkpoint } from './checkpoint.js';
export { cosignatureMessage, cosignatureKeyId, cosignatureTimestamp, cosignatureVerifier, cosign } from './cosignature.js';
export { MAX_PROOF_LINES, MAX_ADD_CHECKPOINT_BYTES, formatAddCheckpointRequest, parseAddCheckpointRequest, type AddCheckpointRequest } from './add-checkpoint.js';
export { PLAN_LOG_SEGMENT, planLogOrigin, planIdOfOrigin, originHash } from './plan-log.js';
