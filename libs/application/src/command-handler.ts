import { WrongExpectedRevisionError, type AppendResult, type EventStore, type EventToAppend } from '#event-store';
import { DomainError, eventMetadata, type CommandMetadata, type DecidedEvent } from '#domain';
import { DEFAULT_RETRY_POLICY, retryDelay, type RetryPolicy } from './retry-policy.js';

/** The stream has moved on since the revision the caller said it was writing on top of (HTTP If-Match). */
export class PlanChangedError extends Error {
  readonly code = 'PLAN_CHANGED';
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`The plan has changed since revision ${expected} (it is now at revision ${actual}); reload it and try again`);
  }
}

/** A concurrent change made the command invalid; it was not applied. */
export class ConflictError extends Error {
  readonly code = 'CONFLICT';
  constructor(
    message: string,
    override readonly cause: DomainError,
  ) {
    super(message);
  }
}

/** One event a decider returned, with the metadata its command carries. */
export interface DecidedWrite {
  event: DecidedEvent;
  meta: CommandMetadata;
}

/** What a decision gives back: the events to append, and anything else the caller wants of it. */
export interface Decision<Outcome> {
  writes: readonly DecidedWrite[];
  outcome: Outcome;
}

/** One command on one stream, as the handler needs it. */
export interface StreamCommand<State extends { revision: number }, Outcome> {
  stream: string;
  /** What the stream holds, in the users' words, for the conflict's message: "the plan". */
  subject: string;
  /** The stream's current state (a check that the state allows the command at all may throw here). */
  load(): Promise<State>;
  /** Pure, or only yielding to the event loop: the same state decides the same events. */
  decide(state: State, attempt: number): Decision<Outcome> | Promise<Decision<Outcome>>;
  /** The revision the caller read (If-Match): anything else is PlanChangedError, and is never retried. */
  expectedRevision?: number;
  /** Decide, append nothing: a preview. */
  dryRun?: boolean;
}

export interface Handled<State, Outcome> {
  /** The state the command was decided on (the last attempt's). */
  state: State;
  outcome: Outcome;
  writes: readonly DecidedWrite[];
  /** The stream's revision after the append (for a dry run or nothing to append: the state's). */
  revision: number;
  /** The global position of the last event appended; -1n when nothing was. */
  position: bigint;
}

/**
 * The one path every write takes, for every stream (plans, imports, access): load → decide → append with the
 * expected revision. When another writer got there first, the command is decided again on the fresh state
 * under the one retry policy, for as long as it is still valid: a domain refusal on a later attempt is a
 * ConflictError that says why, and the metadata of every event is built here, by eventMetadata.
 */
export class CommandHandler {
  /**
   * The command on each stream whose turn it is, and the ones queued behind it (the last promise of the chain).
   * Commands on one stream in this process take turns: decided all at once they would all read the same
   * revision, one would land and the rest would sleep and decide again, over and over (eight HTTP writers on one
   * plan spent most of their time so). Writers in other processes still race, and the retry below still wins those.
   * So a command's load or decide must never run another command on its own stream through this handler (it
   * would wait for itself), and a long decision (an import) makes the stream's other writers wait for it rather
   * than land first and send it round again.
   */
  private readonly turns = new Map<string, Promise<void>>();

  constructor(
    private readonly store: EventStore,
    private readonly retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {}

  async handle<State extends { revision: number }, Outcome>(command: StreamCommand<State, Outcome>): Promise<Handled<State, Outcome>> {
    // A preview appends nothing, so it need not wait for anyone.
    if (command.dryRun) return this.attempt(command);
    const previous = this.turns.get(command.stream);
    let done!: () => void;
    const mine = new Promise<void>((resolve) => {
      done = resolve;
    });
    const last = previous ? previous.then(() => mine) : mine;
    this.turns.set(command.stream, last);
    try {
      if (previous) await previous;
      return await this.attempt(command);
    } finally {
      done();
      // The last in the queue leaves no entry behind: stream names come from outside, and the map must not grow.
      if (this.turns.get(command.stream) === last) this.turns.delete(command.stream);
    }
  }

  private async attempt<State extends { revision: number }, Outcome>(command: StreamCommand<State, Outcome>): Promise<Handled<State, Outcome>> {
    const pinned = command.expectedRevision;
    for (let attempt = 1; ; attempt++) {
      const state = await command.load();
      if (pinned !== undefined && pinned !== state.revision) throw new PlanChangedError(pinned, state.revision);
      let decision: Decision<Outcome>;
      try {
        decision = await command.decide(state, attempt);
      } catch (error) {
        if (attempt > 1 && error instanceof DomainError) {
          throw new ConflictError(`Someone else changed ${command.subject} at the same time, and your change no longer applies: ${error.message}`, error);
        }
        throw error;
      }
      const handled = { state, outcome: decision.outcome, writes: decision.writes };
      if (command.dryRun || decision.writes.length === 0) return { ...handled, revision: state.revision, position: -1n };
      try {
        const result = await this.append(command.stream, decision.writes, state.revision);
        return { ...handled, revision: Number(result.nextExpectedRevision), position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (pinned !== undefined) throw new PlanChangedError(pinned, error.actual === 'no_stream' ? -1 : Number(error.actual));
        if (attempt >= this.retry.maxAttempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, retryDelay(this.retry, attempt)));
      }
    }
  }

  private append(stream: string, writes: readonly DecidedWrite[], revision: number): Promise<AppendResult> {
    return this.store.appendToStream(stream, writes.map(({ event, meta }) => toEventToAppend(event, meta)), {
      expectedRevision: revision < 0 ? 'no_stream' : BigInt(revision),
    });
  }
}

/** A decided event in the store's shape, its metadata from the one builder. */
export function toEventToAppend(event: DecidedEvent, meta: CommandMetadata): EventToAppend {
  return { eventId: event.eventId, type: event.type, data: event.data as Record<string, unknown>, metadata: eventMetadata(event, meta) as unknown as Record<string, unknown> };
}

export type { CommandMetadata } from '#domain';
