import { parseVerifierKey } from '#transparency';
import type { TrustedWitness, WitnessPolicy } from './bundle-checkpoints.js';

export type WitnessPolicyRead = { ok: true; policy: WitnessPolicy | undefined } | { ok: false; field: 'witness' | 'quorum'; problem: string };

/**
 * A regulator's witness policy as they give it: C2SP verifier keys (`<name>+<key ID>+<key>`, each optionally
 * `@<URL>`; several per entry separated by commas or line breaks) and a quorum (default 1). One reading for
 * `ledger verify --witness … --quorum …` and the verify page, so both trust exactly the same keys.
 */
export function readWitnessPolicy(entries: readonly string[], quorumText: string | undefined, logName?: string): WitnessPolicyRead {
  const given = entries.flatMap((entry) => entry.split(/[,\r\n]+/)).map((entry) => entry.trim()).filter(Boolean);
  if (given.length === 0) {
    return quorumText !== undefined && quorumText.trim() !== '' ? { ok: false, field: 'quorum', problem: 'A quorum needs the witnesses it counts: give their verifier keys' } : { ok: true, policy: undefined };
  }
  const witnesses: TrustedWitness[] = [];
  for (const entry of given) {
    const at = entry.indexOf('@');
    const vkey = at < 0 ? entry : entry.slice(0, at);
    const url = at < 0 ? undefined : entry.slice(at + 1);
    const key = parseVerifierKey(vkey);
    if (!key.ok) return { ok: false, field: 'witness', problem: `${vkey.slice(0, 200)}: ${key.problem}` };
    if (url !== undefined && !/^https?:\/\/\S+$/.test(url)) return { ok: false, field: 'witness', problem: `${entry.slice(0, 200)}: ${url.slice(0, 200)} is not an http(s) URL` };
    witnesses.push({ vkey, ...(url ? { url } : {}) });
  }
  const quorum = quorumText === undefined || quorumText.trim() === '' ? '1' : quorumText.trim();
  if (!/^[1-9]\d{0,2}$/.test(quorum) || Number(quorum) > witnesses.length) {
    return { ok: false, field: 'quorum', problem: `The quorum must be a whole number from 1 to the ${witnesses.length} witness${witnesses.length === 1 ? '' : 'es'} given` };
  }
  return { ok: true, policy: { witnesses, quorum: Number(quorum), ...(logName !== undefined ? { logName } : {}) } };
}
