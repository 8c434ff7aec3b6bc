import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { isValidKeyName, parseVerifierKey, SIGNATURE_TYPE } from '#transparency';

/**
 * witness.json: everything a witness needs, in one file another organisation writes once. Paths are relative to
 * the file. Checked in full before the witness starts; a bad field stops it with the field's path and why.
 */

const Vkey = z.string().superRefine((value, ctx) => {
  const parsed = parseVerifierKey(value);
  if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.problem });
  else if (parsed.value.type !== SIGNATURE_TYPE.ed25519) ctx.addIssue({ code: 'custom', message: "a ledger's key is an Ed25519 note key (type 0x01), as `ledger key show` prints it" });
});

export const WitnessConfigFile = z
  .object({
    /** The witness's name in its cosignatures, a schema-less URL: "witness.partnership.example/w1". */
    name: z.string().min(1).max(200).refine(isValidKeyName, 'must be non-empty with no spaces or plus signs'),
    listen: z.object({ host: z.string().min(1).default('127.0.0.1'), port: z.number().int().min(0).max(65_535) }).strict(),
    /** Folder of the witness's Ed25519 key (created on first run, mode 0600). */
    keyDir: z.string().min(1),
    /** The SQLite file of the latest checkpoint cosigned per log. */
    database: z.string().min(1),
    /** The ledgers this witness follows: each one's vkey ("<name>+<key ID>+<key>"). Every plan log under the name is followed. */
    ledgers: z.array(z.object({ vkey: Vkey, description: z.string().max(500).optional() }).strict()).min(1).max(100),
  })
  .strict();

export interface WitnessConfig {
  name: string;
  host: string;
  port: number;
  keyDir: string;
  database: string;
  ledgerVkeys: string[];
}

export class WitnessConfigError extends Error {}

export function loadWitnessConfig(file: string): WitnessConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new WitnessConfigError(`The witness cannot start: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new WitnessConfigError(`The witness cannot start: ${file} is not JSON (${(error as Error).message})`);
  }
  const parsed = WitnessConfigFile.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.map(String).join('.') || '(file)'}: ${issue.message}`).join('\n');
    throw new WitnessConfigError(`The witness cannot start: ${file} is wrong:\n${problems}`);
  }
  const base = path.dirname(path.resolve(file));
  const c = parsed.data;
  return { name: c.name, host: c.listen.host, port: c.listen.port, keyDir: path.resolve(base, c.keyDir), database: path.resolve(base, c.database), ledgerVkeys: c.ledgers.map((l) => l.vkey) };
}
