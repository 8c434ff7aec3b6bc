import { base64Decode, base64Encode } from './base64.js';
import type { Parsed } from './signed-note.js';

/**
 * The body of a C2SP tlog-witness add-checkpoint request: "old <size>\n", at most 63 base64 proof lines, a blank
 * line, then the signed checkpoint note. Both sides use this one parser and formatter.
 */

export const MAX_PROOF_LINES = 63;
/** A request is a note and a proof: far below this. The witness refuses a bigger body before parsing it. */
export const MAX_ADD_CHECKPOINT_BYTES = 64 * 1024;

export interface AddCheckpointRequest {
  oldSize: number;
  proof: Uint8Array[];
  /** The signed checkpoint note, as sent. */
  note: string;
}

export function formatAddCheckpointRequest(request: AddCheckpointRequest): string {
  return `old ${request.oldSize}\n${request.proof.map((hash) => `${base64Encode(hash)}\n`).join('')}\n${request.note}`;
}

export function parseAddCheckpointRequest(body: string): Parsed<AddCheckpointRequest> {
  const firstNewline = body.indexOf('\n');
  if (firstNewline < 0) return { ok: false, problem: 'the body has no old size line' };
  const oldLine = body.slice(0, firstNewline);
  const old = /^old (0|[1-9]\d{0,15})$/.exec(oldLine);
  if (!old || !Number.isSafeInteger(Number(old[1]))) return { ok: false, problem: 'the first line must be "old <size>", the size in decimal without leading zeros' };
  const proof: Uint8Array[] = [];
  let at = firstNewline + 1;
  for (;;) {
    const end = body.indexOf('\n', at);
    if (end < 0) return { ok: false, problem: 'the proof lines are not followed by a blank line and the checkpoint' };
    const line = body.slice(at, end);
    at = end + 1;
    if (line === '') break;
    if (proof.length === MAX_PROOF_LINES) return { ok: false, problem: `more than ${MAX_PROOF_LINES} consistency proof lines` };
    const hash = base64Decode(line);
    if (!hash || hash.length !== 32) return { ok: false, problem: `proof line ${proof.length + 1} is not the base64 of a 32-byte hash` };
    proof.push(hash);
  }
  return { ok: true, value: { oldSize: Number(old[1]), proof, note: body.slice(at) } };
}
