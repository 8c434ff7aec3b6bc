import { cosignerVerifierKeyOf, rawPublicKey, verifyConsistency, type SigningKey } from '#evidence';
import {
  cosignatureMessage,
  ed25519NoteVerifier,
  EMPTY_TREE_ROOT,
  formatNote,
  formatSignatureLine,
  openNote,
  originHash,
  parseAddCheckpointRequest,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  planIdOfOrigin,
  cosignatureKeyId,
  type NoteVerifier,
} from '#transparency';
import type { WitnessRecord } from './witness-record.js';

/**
 * A C2SP tlog-witness (c2sp.org/tlog-witness) for ledgers' plan logs: it cosigns a checkpoint only when it
 * extends, by a verified consistency proof, the latest one it cosigned for that log, so it never vouches for two
 * histories of one plan, nor for a shorter one after a longer. Answers are HTTP status, content type and body.
 */

export interface WitnessAnswer {
  status: number;
  contentType: string;
  body: string;
}

export interface WitnessOptions {
  name: string;
  key: SigningKey;
  record: WitnessRecord;
  /** The vkeys of the ledgers it follows; each covers every origin "<name>/plans/<plan>". */
  ledgerVkeys: readonly string[];
  clock?: () => Date;
  /** Told of every refusal, for the operator's log. */
  log?: (line: string) => void;
}

const TEXT = 'text/plain; charset=utf-8';

export class Witness {
  private readonly ledgers: NoteVerifier[];
  readonly vkey: string;
  private readonly publicKey: Uint8Array;

  constructor(private readonly options: WitnessOptions) {
    this.ledgers = options.ledgerVkeys.map((vkey) => {
      const parsed = parseVerifierKey(vkey);
      if (!parsed.ok) throw new TypeError(`ledger key ${vkey}: ${parsed.problem}`);
      return ed25519NoteVerifier(parsed.value);
    });
    this.publicKey = rawPublicKey(options.key);
    this.vkey = cosignerVerifierKeyOf(options.name, options.key);
  }

  async addCheckpoint(body: string): Promise<WitnessAnswer> {
    const request = parseAddCheckpointRequest(body);
    if (!request.ok) return answer(400, `The request is malformed: ${request.problem}`);
    const { oldSize, proof, note } = request.value;
    const parsedNote = parseNote(note);
    if (!parsedNote.ok) return answer(400, `The checkpoint is not a signed note: ${parsedNote.problem}`);
    const checkpoint = parseCheckpoint(parsedNote.value.text);
    if (!checkpoint.ok) return answer(400, `The note is not a checkpoint: ${checkpoint.problem}`);
    const { origin, size, rootHash } = checkpoint.value;

    const ledger = this.ledgers.find((l) => planIdOfOrigin(l.name, origin) !== undefined);
    if (!ledger) return answer(404, `This witness does not follow the log ${origin}`);
    const opened = await openNote(note, [ledger]);
    if (!opened.ok) return this.refuse(origin, 403, `The checkpoint is not signed by ${ledger.name}'s key: ${opened.problem}`, note);
    if (oldSize > size) return answer(400, `The old size ${oldSize} is larger than the checkpoint's ${size}`);
    if (size === 0 && !same(rootHash, EMPTY_TREE_ROOT)) return this.refuse(origin, 422, 'A checkpoint of size 0 must have the root of the empty tree', note);

    const timestamp = Math.floor((this.options.clock ?? (() => new Date()))().getTime() / 1000);
    // Served on: the log's signatures this witness verified and its own cosignature, nothing it did not check.
    const logSignatures = opened.value.verified.map(({ name, keyId, signature }) => ({ name, keyId, signature }));
    const outcome = this.options.record.compareAndStore<WitnessAnswer | { refuse: number; reason: string }>(origin, (latest) => {
      const known = latest?.size ?? 0;
      if (oldSize !== known) return { result: { status: 409, contentType: 'text/x.tlog.size', body: `${known}\n` } };
      if (oldSize === 0) {
        if (proof.length > 0) return { result: { refuse: 422, reason: 'A consistency proof from size 0 must be empty' } };
      } else if (!verifyConsistency(oldSize, size, latest!.rootHash, rootHash, proof)) {
        return {
          result: {
            refuse: 422,
            reason:
              oldSize === size
                ? `The checkpoint has ${size} entries, as the one cosigned before, but another root: the log has two histories`
                : `The consistency proof from the ${oldSize} entries cosigned before to ${size} does not verify: the log's history has changed`,
          },
        };
      }
      // Synchronous signing inside the transaction: the record and the cosignature cannot disagree.
      const signature = new Uint8Array(72);
      const view = new DataView(signature.buffer);
      view.setUint32(0, Math.floor(timestamp / 0x100000000), false);
      view.setUint32(4, timestamp >>> 0, false);
      signature.set(this.options.key.sign(cosignatureMessage(parsedNote.value.text, timestamp)), 8);
      const cosignature = { name: this.options.name, keyId: cosignatureKeyId(this.options.name, this.publicKey), signature };
      const served = formatNote({ text: parsedNote.value.text, signatures: [...logSignatures, cosignature] });
      return {
        store: { origin, originHash: originHash(origin), size, rootHash, note: served, timestamp },
        result: { status: 200, contentType: TEXT, body: formatSignatureLine(cosignature) },
      };
    });
    if ('refuse' in outcome) return this.refuse(origin, outcome.refuse, outcome.reason, note);
    if (outcome.status === 409) this.options.log?.(`witness: ${origin}: old size ${oldSize} is not the ${outcome.body.trim()} cosigned last (409)`);
    return outcome;
  }

  /** GET <prefix>/<origin hash>/checkpoint: the latest cosigned checkpoint, as tlog-witness's monitoring API. */
  checkpoint(hash: string): WitnessAnswer {
    if (!/^[0-9a-f]{64}$/.test(hash)) return answer(404, 'There is nothing at this address');
    const latest = this.options.record.latestByOriginHash(hash);
    return latest ? { status: 200, contentType: TEXT, body: latest.note } : answer(404, 'This witness has cosigned no checkpoint of that log');
  }

  private refuse(origin: string, status: number, reason: string, note: string): WitnessAnswer {
    this.options.record.refuse(origin, status, reason, note);
    this.options.log?.(`witness: refused a checkpoint of ${origin} (${status}): ${reason}`);
    return answer(status, reason);
  }
}

function answer(status: number, reason: string): WitnessAnswer {
  return { status, contentType: TEXT, body: `${reason}\n` };
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

