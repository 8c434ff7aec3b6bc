import { CosignatureLog, parseWitnessList, type WitnessEndpoint } from '#application';
import { PLAN_STREAM_PREFIX, planIdOfStream } from '#domain';
import { cosignerVerifierKeyOf, hashFromHex, hashToHex, loadOrCreateSigningKey, merkleRoot } from '#evidence';
import { cosignatureTimestamp, cosignatureVerifier, openNote, originHash, parseCheckpoint, parseVerifierKey, planLogOrigin } from '#transparency';
import { loadWitnessConfig, startWitnessServer, Witness, WitnessConfigError, WitnessRecord } from '#witness';
import { UsageError } from './access-commands.js';
import type { CommandContext } from './main.js';

/**
 * `ledger witness serve|vkey` (the witness another organisation runs: one command, one witness.json) and
 * `ledger monitor` (compare what witnesses hold with the ledger's own plan logs). Exit codes as the rest of the CLI.
 */

export const WITNESS_OPTIONS = { config: { type: 'string' } } as const;
export const MONITOR_OPTIONS = { db: { type: 'string' }, witness: { type: 'string', multiple: true }, json: { type: 'boolean' } } as const;

function configFile(values: CommandContext['values']): string {
  const file = values.config;
  if (typeof file !== 'string' || !file) throw new UsageError('the witness needs --config <witness.json> (see docs/operations.md, "Running a witness")');
  return file;
}

function loadConfigOrRefuse(file: string) {
  try {
    return loadWitnessConfig(file);
  } catch (error) {
    if (error instanceof WitnessConfigError) throw new UsageError(error.message);
    throw error;
  }
}

export async function witnessVkey({ values, io }: CommandContext): Promise<number> {
  const config = loadConfigOrRefuse(configFile(values));
  const key = await loadOrCreateSigningKey(config.keyDir);
  io.out(cosignerVerifierKeyOf(config.name, key));
  return 0;
}

/** Serve until SIGINT or SIGTERM. The key is made on first run (mode 0600); the record is durable before any answer. */
export async function witnessServe({ values, io }: CommandContext): Promise<number> {
  const config = loadConfigOrRefuse(configFile(values));
  const key = await loadOrCreateSigningKey(config.keyDir);
  const record = new WitnessRecord(config.database);
  const witness = new Witness({ name: config.name, key, record, ledgerVkeys: config.ledgerVkeys, log: (line) => io.err(line) });
  let server;
  try {
    server = await startWitnessServer(witness, { host: config.host, port: config.port });
  } catch (error) {
    record.close();
    io.err(`The witness cannot listen on ${config.host}:${config.port}: ${(error as Error).message}`);
    return 1;
  }
  io.out(`Witness ${config.name} listening on ${server.url}`);
  io.out(`vkey ${witness.vkey}`);
  io.out(`Following ${config.ledgerVkeys.length} ledger(s): ${config.ledgerVkeys.map((v) => v.split('+')[0]).join(', ')}`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await server.close();
  record.close();
  io.out(`Witness ${config.name} stopped`);
  return 0;
}

interface Disagreement {
  planId: string;
  witness: string;
  kind: 'fork' | 'truncation' | 'rollback' | 'bad-answer';
  detail: string;
}

/** For every plan, ask every witness what it cosigned and compare with the ledger's events and its record of cosignatures. */
export async function monitor({ values, io, store, config }: CommandContext): Promise<number> {
  const given = (values.witness as unknown as string[] | undefined) ?? [];
  let witnesses: WitnessEndpoint[];
  try {
    // A bare URL names a witness LEDGER_WITNESSES lists: its key must come from somewhere other than its own answer.
    const entries = given.flatMap((g) => g.split(',')).filter(Boolean).map((entry) => {
      if (entry.includes('@')) return entry;
      const known = config().witnesses.find((w) => w.url === entry.replace(/\/+$/, ''));
      if (!known) throw new UsageError(`--witness ${entry}: give it as <witness vkey>@<URL>, or list it in LEDGER_WITNESSES, so that its answers can be checked against its key`);
      return `${known.vkey}@${known.url}`;
    });
    witnesses = entries.length > 0 ? parseWitnessList(entries.join(','), '--witness') : config().witnesses;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError((error as Error).message.replace('The ledger cannot start: ', ''));
  }
  if (witnesses.length === 0) throw new UsageError('monitor needs --witness <witness vkey>@<URL> (or LEDGER_WITNESSES)');
  const { logName } = config();
  const log = CosignatureLog.openIfPresent(config().cosignaturesPath);
  const disagreements: Disagreement[] = [];
  const rows: { planId: string; witness: string; ledgerSize: number; witnessSize: number | null; agrees: boolean; note: string }[] = [];
  try {
    for (const stream of await store().listStreams(PLAN_STREAM_PREFIX)) {
      const planId = planIdOfStream(stream)!;
      const hashes = (await store().readStream(stream)).map((e) => e.hash);
      const origin = planLogOrigin(logName, planId);
      for (const w of witnesses) {
        const key = parseVerifierKey(w.vkey);
        if (!key.ok) throw new UsageError(`witness ${w.name}: ${key.problem}`);
        const recorded = log?.witnessSize(w.name, origin) ?? 0;
        let text: string | undefined;
        let status = 0;
        try {
          const response = await fetch(`${w.url}/${originHash(origin)}/checkpoint`, { signal: AbortSignal.timeout(10_000) });
          status = response.status;
          text = response.status === 200 ? await response.text() : undefined;
        } catch (error) {
          rows.push({ planId, witness: w.name, ledgerSize: hashes.length, witnessSize: null, agrees: false, note: `could not be asked (${(error as Error).message})` });
          continue;
        }
        if (text === undefined) {
          const note = status === 404 ? 'holds no checkpoint of this plan' : `answered ${status}`;
          if (status === 404 && recorded > 0) disagreements.push({ planId, witness: w.name, kind: 'rollback', detail: `${w.name} holds nothing of plan ${planId}, but cosigned ${recorded} events of it for the ledger: the witness lost its record` });
          rows.push({ planId, witness: w.name, ledgerSize: hashes.length, witnessSize: null, agrees: status === 404 && recorded === 0, note });
          continue;
        }
        const opened = await openNote(text, [cosignatureVerifier(key.value)]);
        const checkpoint = opened.ok ? parseCheckpoint(opened.value.text) : undefined;
        if (!opened.ok || !checkpoint?.ok || checkpoint.value.origin !== origin) {
          disagreements.push({ planId, witness: w.name, kind: 'bad-answer', detail: `${w.name}'s checkpoint of plan ${planId} is not one its key cosigned for this log${opened.ok ? '' : `: ${opened.problem}`}` });
          continue;
        }
        const size = checkpoint.value.size;
        const when = new Date((cosignatureTimestamp(opened.value.verified[0]!.signature) ?? 0) * 1000).toISOString();
        const ledgerRoot = size <= hashes.length ? hashToHex(merkleRoot(hashes.slice(0, size).map(hashFromHex))) : undefined;
        let agrees = true;
        let note = size === hashes.length ? 'agrees' : size < hashes.length ? `agrees up to ${size} (it has not seen the latest ${hashes.length - size})` : '';
        if (size > hashes.length) {
          agrees = false;
          note = `holds ${size} events, more than the ledger's ${hashes.length}`;
          disagreements.push({ planId, witness: w.name, kind: 'truncation', detail: `${w.name} cosigned ${size} events of plan ${planId} at ${when}; the ledger holds ${hashes.length}: events have been removed` });
        } else if (ledgerRoot !== hashToHex(checkpoint.value.rootHash)) {
          agrees = false;
          note = `has another history: its root for ${size} events is ${hashToHex(checkpoint.value.rootHash)}, the ledger's ${ledgerRoot}`;
          disagreements.push({ planId, witness: w.name, kind: 'fork', detail: `${w.name} cosigned plan ${planId} at ${size} events with root ${hashToHex(checkpoint.value.rootHash)} (${when}); the ledger's first ${size} events give ${ledgerRoot}: the histories differ` });
        } else if (size < recorded) {
          agrees = false;
          note = `holds ${size}, less than the ${recorded} it cosigned for the ledger`;
          disagreements.push({ planId, witness: w.name, kind: 'rollback', detail: `${w.name} now serves ${size} events of plan ${planId} but cosigned ${recorded} for the ledger: the witness went back` });
        }
        rows.push({ planId, witness: w.name, ledgerSize: hashes.length, witnessSize: size, agrees, note });
      }
    }
  } finally {
    log?.close();
  }
  if (values.json) {
    io.out(JSON.stringify({ ok: disagreements.length === 0, plans: rows, disagreements }, null, 2));
    return disagreements.length === 0 ? 0 : 1;
  }
  for (const row of rows) io.out(`${row.planId}  ${row.witness}: ${row.note} (ledger ${row.ledgerSize}${row.witnessSize === null ? '' : `, witness ${row.witnessSize}`})`);
  for (const d of disagreements) io.out(`DISAGREEMENT (${d.kind}): ${d.detail}`);
  io.out(disagreements.length === 0 ? `The ${witnesses.length} witness(es) agree with the ledger.` : `${disagreements.length} disagreement(s): the ledger's history and what its witnesses saw differ.`);
  return disagreements.length === 0 ? 0 : 1;
}
