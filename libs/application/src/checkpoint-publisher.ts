import { PLAN_STREAM_PREFIX, planIdOfStream, planStreamName } from '#domain';
import { lastPositionOf, type EventStore, type Subscription } from '#event-store';
import { consistencyProof, hashFromHex, signPlanCheckpoint, type SigningKey } from '#evidence';
import { cosignatureTimestamp, cosignatureVerifier, formatAddCheckpointRequest, formatSignatureLine, keyIdHex, openNote, parseVerifierKey, planLogOrigin, type NoteVerifier } from '#transparency';
import { CosignatureLog, type WitnessAlarm } from './cosignature-log.js';
import type { WitnessEndpoint } from './ledger-config.js';

/**
 * Pushes each plan's new checkpoint to the configured witnesses (c2sp.org/tlog-witness add-checkpoint) and keeps
 * their cosignatures. It follows the store's global log, so appends by any process (the API, `ledger import`) are
 * pushed, and on start it pushes the head of every plan a witness does not hold at its present size, which catches
 * up a witness that was down (or events appended while the API was not running); the log is followed from its
 * end, and a plan's events are read only to push it, so a start reads none of the log for plans already
 * cosigned. Writes never
 * wait for it: an append only marks the plan as pending; pushes run later, batched per witness, retried with
 * back-off while a witness cannot be reached. A refusal is an alarm (logged, on /health), not a retry loop.
 */

export interface CheckpointPublisherOptions {
  logName: string;
  witnesses: readonly WitnessEndpoint[];
  cosignaturesPath: string;
  /** Wait this long after an append before pushing, so a burst of appends is one push (default 250 ms). */
  debounceMs?: number;
  /** Back-off while a witness cannot be reached: doubling from 1 s to this (default 60 s). */
  maxBackoffMs?: number;
  /** Each request's time limit (default 10 s). */
  requestTimeoutMs?: number;
  warn?: (message: string) => void;
  fetch?: typeof fetch;
  clock?: () => Date;
}

export interface WitnessHealth {
  /** How many witnesses are configured. */
  configured: number;
  /** No open alarm. */
  ok: boolean;
  /** Plan pushes waiting (for the debounce, or for a witness that cannot be reached). */
  pending: number;
  /** Witnesses that could not be reached at the last attempt. */
  unreachable: string[];
  /** Refusals not since cleared by a cosignature, newest first. */
  alarms: WitnessAlarm[];
}

interface WitnessQueue {
  endpoint: WitnessEndpoint;
  verifier: NoteVerifier;
  pending: Set<string>;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  failures: number;
}

export class CheckpointPublisher {
  private readonly queues: WitnessQueue[];
  private subscription?: Subscription;
  private starting?: Promise<void>;
  private stopped = false;
  private log?: CosignatureLog;

  constructor(
    private readonly store: EventStore,
    private readonly signingKey: () => Promise<SigningKey>,
    private readonly options: CheckpointPublisherOptions,
  ) {
    this.queues = options.witnesses.map((endpoint) => {
      const key = parseVerifierKey(endpoint.vkey);
      if (!key.ok) throw new TypeError(`witness ${endpoint.name}: ${key.problem}`);
      return { endpoint, verifier: cosignatureVerifier(key.value), pending: new Set<string>(), failures: 0 };
    });
  }

  /** The cosignatures kept so far (undefined when there never were witnesses, and so no file). */
  cosignatures(): CosignatureLog | undefined {
    this.log ??= this.queues.length > 0 ? new CosignatureLog(this.options.cosignaturesPath) : CosignatureLog.openIfPresent(this.options.cosignaturesPath);
    return this.log;
  }

  /** Returns at once; what it starts (finding the log's end, listing the plans) runs in the background. */
  start(): void {
    if (this.queues.length === 0 || this.starting) return;
    this.cosignatures();
    this.starting = this.follow().catch((error: unknown) => this.warn(`Checkpoint publishing could not start following the event log: ${(error as Error).message}`));
  }

  /**
   * Every plan a witness does not hold at the plan's present size is pushed to it once (a push sends the plan's
   * head as it is then), so a witness added or down meanwhile catches up; after that only what is appended
   * matters, so the log is followed from its end as it stood before the plans were listed. Reading the log from
   * its start instead would fold a million events through this process after each start, for nothing; and
   * pushing every plan would read every plan's events (the whole log again) to tell each witness what it holds.
   * Deciding costs one head read per plan and one row of the cosignature log per plan and witness. A witness
   * holding more than the ledger (events removed from the end) differs in size too, and its push raises the alarm.
   */
  private async follow(): Promise<void> {
    // The end first: a plan with any event at or before it exists by the time the plans are listed. A store
    // that will not read from a position between its events (the search probes such positions; SQLite's are
    // integers, EventStoreDB's are log offsets) is followed from its start, as before: slower, never short.
    const end = await lastPositionOf(this.store).catch(() => undefined);
    const log = this.cosignatures()!;
    for (const streamId of await this.store.listStreams(PLAN_STREAM_PREFIX)) {
      const planId = planIdOfStream(streamId);
      if (this.stopped) break;
      if (planId === null) continue;
      const head = await this.store.streamSummary(streamId);
      if (!head) continue;
      const size = Number(head.revision) + 1;
      const origin = planLogOrigin(this.options.logName, planId);
      for (const queue of this.queues) if (log.witnessSize(queue.endpoint.name, origin) !== size) this.mark(queue, planId);
    }
    if (this.stopped) return;
    this.subscription = this.store.subscribeToAll({
      fromPosition: end,
      onEvent: (event) => {
        const planId = planIdOfStream(event.streamId);
        if (planId !== null) this.planChanged(planId);
      },
      onError: (error) => this.warn(`Checkpoint publishing stopped following the event log: ${(error as Error).message}`),
    });
  }

  /** Mark a plan's log as changed: its checkpoint is pushed to every witness soon. */
  planChanged(planId: string): void {
    for (const queue of this.queues) this.mark(queue, planId);
  }

  private mark(queue: WitnessQueue, planId: string): void {
    queue.pending.add(planId);
    this.schedule(queue, this.options.debounceMs ?? 250);
  }

  /** Push everything pending now and wait for it (tests, and a clean shutdown). */
  async flush(): Promise<void> {
    // What start() marks (the plans a witness lacks) is part of what is pending.
    await this.starting;
    for (const queue of this.queues) {
      if (queue.timer) {
        clearTimeout(queue.timer);
        queue.timer = undefined;
      }
      await queue.running;
      if (queue.pending.size > 0) await this.run(queue);
    }
  }

  health(): WitnessHealth {
    const alarms = this.log?.openAlarms(10) ?? [];
    return {
      configured: this.queues.length,
      ok: alarms.length === 0,
      pending: this.queues.reduce((n, q) => n + q.pending.size, 0),
      unreachable: this.queues.filter((q) => q.failures > 0).map((q) => q.endpoint.name),
      alarms,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.starting;
    await this.subscription?.close();
    for (const queue of this.queues) {
      if (queue.timer) clearTimeout(queue.timer);
      queue.timer = undefined;
    }
    await Promise.all(this.queues.map((q) => q.running));
    this.log?.close();
  }

  private schedule(queue: WitnessQueue, delayMs: number): void {
    if (this.stopped || queue.timer || queue.running) return;
    queue.timer = setTimeout(() => {
      queue.timer = undefined;
      void this.run(queue);
    }, delayMs);
    // Never what keeps the process alive.
    queue.timer.unref();
  }

  private run(queue: WitnessQueue): Promise<void> {
    queue.running ??= (async () => {
      const plans = [...queue.pending];
      queue.pending.clear();
      let unreachable: unknown;
      for (const planId of plans) {
        if (this.stopped) break;
        if (unreachable !== undefined) {
          queue.pending.add(planId);
          continue;
        }
        try {
          await this.push(queue, planId);
        } catch (error) {
          // The witness cannot be reached: keep this plan and the rest for the next attempt.
          unreachable = error;
          queue.pending.add(planId);
        }
      }
      if (unreachable !== undefined) {
        queue.failures += 1;
        if (queue.failures === 1 || queue.failures % 10 === 0) this.warn(`Witness ${queue.endpoint.name} at ${queue.endpoint.url} cannot be reached (${(unreachable as Error).message}); retrying, ${queue.pending.size} plan(s) waiting`);
      } else {
        queue.failures = 0;
      }
    })().finally(() => {
      queue.running = undefined;
      if (queue.pending.size > 0) {
        const backoff = queue.failures === 0 ? (this.options.debounceMs ?? 250) : Math.min(this.options.maxBackoffMs ?? 60_000, 1000 * 2 ** (queue.failures - 1));
        this.schedule(queue, backoff);
      }
    });
    return queue.running;
  }

  /** One plan's current checkpoint to one witness. Throws only when the witness cannot be reached. */
  private async push(queue: WitnessQueue, planId: string): Promise<void> {
    const events = await this.store.readStream(planStreamName(planId));
    if (events.length === 0) return;
    const hashes = events.map((e) => e.hash);
    const checkpoint = await signPlanCheckpoint({ ledgerName: this.options.logName, planId, eventHashes: hashes }, await this.signingKey());
    const log = this.cosignatures()!;
    const witness = queue.endpoint;
    let oldSize = log.witnessSize(witness.name, checkpoint.origin);
    // At most one correction of the old size (the witness's 409 says what it holds), then it is the witness's word.
    for (let attempt = 0; attempt < 2; attempt++) {
      if (oldSize > checkpoint.size) {
        return this.alarm(queue, checkpoint.origin, planId, 0, `witness ${witness.name} cosigned ${oldSize} events of plan ${planId}, but the ledger now holds ${checkpoint.size}: events have been removed from the end of the plan's log`);
      }
      const proof = oldSize > 0 && oldSize < checkpoint.size ? consistencyProof(hashes.map(hashFromHex), oldSize) : [];
      const response = await (this.options.fetch ?? fetch)(`${witness.url}/add-checkpoint`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain; charset=utf-8' },
        body: formatAddCheckpointRequest({ oldSize, proof, note: checkpoint.note }),
        signal: AbortSignal.timeout(this.options.requestTimeoutMs ?? 10_000),
      });
      const body = (await response.text()).slice(0, 64 * 1024);
      if (response.status >= 500) throw new Error(`it answered ${response.status}`);
      if (response.status === 409 && /^(0|[1-9]\d{0,15})\n$/.test(body) && attempt === 0) {
        oldSize = Number(body.trim());
        log.setWitnessSize(witness.name, checkpoint.origin, oldSize);
        continue;
      }
      if (response.status !== 200) {
        return this.alarm(queue, checkpoint.origin, planId, response.status, `witness ${witness.name} refused plan ${planId}'s checkpoint of ${checkpoint.size} events (old size ${oldSize}) with ${response.status}: ${body.trim().slice(0, 300)}`);
      }
      const opened = await openNote(checkpoint.note + body, [queue.verifier]);
      const cosignature = opened.ok ? opened.value.verified.find((s) => s.verifier === queue.verifier) : undefined;
      const timestamp = cosignature ? cosignatureTimestamp(cosignature.signature) : undefined;
      if (!cosignature || timestamp === undefined) {
        return this.alarm(queue, checkpoint.origin, planId, response.status, `witness ${witness.name} answered plan ${planId}'s checkpoint without a cosignature its key ${keyIdHex(queue.verifier.keyId)} verifies${opened.ok ? '' : `: ${opened.problem}`}`);
      }
      log.record({
        witness: witness.name,
        origin: checkpoint.origin,
        planId,
        size: checkpoint.size,
        rootHash: checkpoint.rootHash,
        timestamp,
        checkpoint: checkpoint.note,
        line: formatSignatureLine(cosignature),
        receivedAt: this.now(),
      });
      return;
    }
  }

  private alarm(queue: WitnessQueue, origin: string, planId: string, status: number, detail: string): void {
    this.cosignatures()!.alarm({ witness: queue.endpoint.name, origin, planId, status, detail, at: this.now() });
    this.warn(`ALARM: ${detail}`);
  }

  private now(): string {
    return (this.options.clock ?? (() => new Date()))().toISOString();
  }

  private warn(message: string): void {
    (this.options.warn ?? ((m: string) => console.error(m)))(message);
  }
}

