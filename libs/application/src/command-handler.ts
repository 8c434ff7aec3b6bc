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

/**
 * How commands on one stream are decided one after another without an append between them: a running copy of
 * the state that each command's writes are folded into before the next is decided (see StreamCommand.joins).
 */
export interface Joining<State> {
  /** A copy of `state` (never `state` itself, which may be a cached snapshot) to fold writes into. */
  start(state: State): RunningState<State>;
}

export interface RunningState<State> {
  /** The state with every write applied so far; its revision counts them. */
  readonly state: State;
  apply(writes: readonly DecidedWrite[]): void;
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
  /**
   * Commands queued on the stream that name the same Joining (and load the same way) are taken in one turn: one
   * load, each decided on the state the previous left, their events in one append (group commit on one stream).
   * Without it the command has its turn alone.
   */
  joins?: Joining<State>;
}

export interface Handled<State, Outcome> {
  /**
   * The state the command was decided on (the last attempt's). In a group after its first member, that is the
   * group's running state, which the later members' events were then folded into: read the stream for what was
   * written (PlanCommandService answers with PlanRepository.atLeast).
   */
  state: State;
  outcome: Outcome;
  writes: readonly DecidedWrite[];
  /** The stream's revision after this command's events (for a dry run or nothing to append: the state's). */
  revision: number;
  /** The global position of the last event of the append that carried this command's; -1n when nothing was appended. */
  position: bigint;
}

/** The most commands one turn takes together: the group's append and its fold stay small enough to share the loop. */
export const MAX_GROUP = 100;

/** A command waiting for its stream's turn, and how to answer its caller. */
interface Queued {
  // The state and outcome types vary by caller; each entry is settled with its own command's.
  command: StreamCommand<{ revision: number }, unknown>;
  resolve(handled: Handled<{ revision: number }, unknown>): void;
  reject(error: unknown): void;
}

/** One member of a group as decided in an attempt. */
interface Decided {
  member: Queued;
  state: { revision: number };
  decision: Decision<unknown>;
  /** The stream's revision once this member's events (and those before them) are appended. */
  revision: number;
}

/**
 * The one path every write takes, for every stream (plans, imports, access): load → decide → append with the
 * expected revision. When another writer got there first, the command is decided again on the fresh state
 * under the one retry policy, for as long as it is still valid: a domain refusal on a later attempt is a
 * ConflictError that says why, and the metadata of every event is built here, by eventMetadata.
 */
export class CommandHandler {
  /**
   * The commands waiting on each stream while one turn runs (an entry exists only while a turn runs).
   * Commands on one stream in this process take turns: decided all at once they would all read the same
   * revision, one would land and the rest would sleep and decide again, over and over (eight HTTP writers on one
   * plan spent most of their time so). Those that queued during a turn and join (StreamCommand.joins) take the
   * next turn together, one append for them all, so N writers on one plan cost one commit, not N. Writers in
   * other processes still race, and the retry below still wins those.
   * So a command's load or decide must never run another command on its own stream through this handler (it
   * would wait for itself), and a long decision (an import) makes the stream's other writers wait for it rather
   * than land first and send it round again.
   */
  private readonly queues = new Map<string, StreamQueue>();
  /** The turns running now, one per stream with commands in hand: what idle() waits for. */
  private readonly running = new Set<Promise<void>>();
  /** The queues whose turn is gathering its next group (see gather), for a shutdown to wake. */
  private readonly gathering = new Map<StreamQueue, () => void>();
  /** How many idle() calls are waiting (a shutdown): while any is, no turn gathers. */
  private stopping = 0;
  /** How long the writers of a group took to come back lately, in milliseconds (see gather). */
  private cameBackMs: number;

  private readonly gatherMs: GatherDeadline;

  constructor(
    private readonly store: EventStore,
    private readonly retry: RetryPolicy = DEFAULT_RETRY_POLICY,
    gatherMs: GatherDeadline = GATHER_MS,
  ) {
    this.gatherMs = gatherMs;
    this.cameBackMs = gatherMs.first;
  }

  handle<State extends { revision: number }, Outcome>(command: StreamCommand<State, Outcome>): Promise<Handled<State, Outcome>> {
    // A preview appends nothing, so it need not wait for anyone.
    if (command.dryRun) return this.attempt(command);
    return new Promise<Handled<State, Outcome>>((resolve, reject) => {
      const entry = { command, resolve, reject } as unknown as Queued;
      const queue = this.queues.get(command.stream);
      if (queue) {
        queue.waiting.push(entry);
        // Someone waits on the gathering turn now: its deadline must keep the process alive (see gather).
        queue.deadline?.ref();
        if (queue.waiting.length >= queue.expected) queue.wake?.();
        return;
      }
      this.queues.set(command.stream, { waiting: [], expected: 0 });
      const turn = this.turns(command.stream, [entry]);
      this.running.add(turn);
      void turn.finally(() => this.running.delete(turn));
    });
  }

  /**
   * Resolves when no command is in hand, queued or running: a shutdown waits for it before it closes the store,
   * so a request accepted before the server stopped listening is answered from a finished append, not with the
   * store's "closed" error.
   */
  async idle(): Promise<void> {
    // Nothing more is coming (the server has stopped listening): no turn waits for writers to come back.
    this.stopping += 1;
    try {
      while (this.running.size > 0) {
        for (const stop of this.gathering.values()) stop();
        await Promise.all([...this.running]);
      }
    } finally {
      this.stopping -= 1;
    }
  }

  /** Turn after turn on one stream until no one waits; the last leaves no entry behind (stream names come from outside). */
  private async turns(stream: string, first: Queued[]): Promise<void> {
    let group = first;
    for (;;) {
      await this.settle(group);
      const queue = this.queues.get(stream)!;
      const { waiting } = queue;
      const joins = group[0]!.command.joins;
      // After a group, wait (a little) for its writers to come back, so that they and those who queued meanwhile
      // take the next turn together: otherwise the first to come back finds the queue of those who queued during
      // the turn, takes its turn with them, and the rest form the next group; the writers split into two
      // cohorts that alternate for good (groups of 1 and 7 for eight writers), each paying a commit.
      if (group.length > 1 && joins && (waiting.length === 0 || waiting[0]!.command.joins === joins)) await this.gather(queue, Math.min(group.length + waiting.length, MAX_GROUP));
      // One pass of the event loop first, in which requests already on their way (read, authorised) join the
      // queue: the group's commit, signed head and projection are paid once for more writers.
      if (waiting.length > 0 && waiting.length < MAX_GROUP) await new Promise((resolve) => setImmediate(resolve));
      if (waiting.length === 0) {
        this.queues.delete(stream);
        return;
      }
      group = takeGroup(waiting);
    }
  }

  /**
   * Until `expected` commands wait on the stream (the writers of the last group, and those who queued during
   * its turn), or the deadline passes: a writer who does not come back costs those waiting one deadline, and
   * the next turn expects one fewer. The deadline follows how long writers took to come back lately (the
   * machine's speed, not the stream's), within GATHER_MS; a shutdown (idle) does not wait for it.
   */
  private gather(queue: StreamQueue, expected: number): Promise<void> {
    if (queue.waiting.length >= expected || this.stopping > 0) return Promise.resolve();
    const started = performance.now();
    return new Promise((resolve) => {
      // cameBack: the writers came back (true), the deadline passed (false), a shutdown stopped it (undefined).
      const done = (cameBack: boolean | undefined) => {
        clearTimeout(timer);
        this.gathering.delete(queue);
        queue.expected = 0;
        queue.wake = undefined;
        queue.deadline = undefined;
        // A deadline that ran out may have been too short for this machine: the next is a quarter longer.
        if (cameBack) this.cameBackMs = 0.8 * this.cameBackMs + 0.2 * (performance.now() - started);
        else if (cameBack === false) this.cameBackMs = Math.min(this.gatherMs.max, this.cameBackMs * 1.25);
        resolve();
      };
      const timer = setTimeout(() => done(false), Math.min(this.gatherMs.max, Math.max(this.gatherMs.min, 2 * this.cameBackMs)));
      // While no one waits, waiting for writers to come back is no reason for the process to stay up.
      if (queue.waiting.length === 0) timer.unref();
      queue.deadline = timer;
      queue.expected = expected;
      queue.wake = () => done(true);
      this.gathering.set(queue, () => done(undefined));
    });
  }

  /** Run one turn and answer each of its callers; never throws. */
  private async settle(group: readonly Queued[]): Promise<void> {
    try {
      if (group.length === 1) await this.alone(group[0]!);
      else await this.attemptGroup(group);
    } catch (error) {
      // Not reached by design (each path answers its members); if it were, no caller is left waiting.
      for (const member of group) member.reject(error);
    }
  }

  private async alone(member: Queued): Promise<void> {
    try {
      member.resolve(await this.attempt(member.command));
    } catch (error) {
      member.reject(error);
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
        throw refusal(command, attempt, error);
      }
      const handled = { state, outcome: decision.outcome, writes: decision.writes };
      if (command.dryRun || decision.writes.length === 0) return { ...handled, revision: state.revision, position: -1n };
      try {
        const result = await this.append(command.stream, decision.writes, state.revision);
        return { ...handled, revision: Number(result.nextExpectedRevision), position: result.position };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (pinned !== undefined) throw new PlanChangedError(pinned, actualRevision(error));
        if (attempt >= this.retry.maxAttempts) throw error;
        await new Promise((resolve) => setTimeout(resolve, retryDelay(this.retry, attempt)));
      }
    }
  }

  /**
   * Several commands' turn together: one load, each decided on the state the ones before it left (a refusal is
   * that command's answer, and it contributes nothing), all their events in one append. An If-Match is checked
   * against the running state, the revision the command would be written on. A conflict with another writer
   * sends the whole group round again under the retry policy; any other failure of the append is not pinned on
   * anyone: each command then has a turn of its own, so no caller ever gets another's error.
   */
  private async attemptGroup(group: readonly Queued[]): Promise<void> {
    const stream = group[0]!.command.stream;
    const joins = group[0]!.command.joins!;
    let members = group;
    for (let attempt = 1; members.length > 0; attempt++) {
      let state: { revision: number };
      try {
        state = await members[0]!.command.load();
      } catch {
        return this.oneByOne(members);
      }
      const decided: Decided[] = [];
      let running: RunningState<{ revision: number }> | undefined;
      let revision = state.revision;
      const answered = new Set<Queued>();
      let folded = true;
      for (const [index, member] of members.entries()) {
        const { command } = member;
        const current = running?.state ?? state;
        // Checked against the running state: the revision this command would be written on top of.
        if (command.expectedRevision !== undefined && command.expectedRevision !== revision) {
          member.reject(new PlanChangedError(command.expectedRevision, revision));
          answered.add(member);
          continue;
        }
        let decision: Decision<unknown>;
        try {
          decision = await command.decide(current, attempt);
        } catch (error) {
          member.reject(refusal(command, attempt, error));
          answered.add(member);
          continue;
        }
        revision += decision.writes.length;
        decided.push({ member, state: current, decision, revision });
        if (decision.writes.length === 0 || index === members.length - 1) continue;
        try {
          running ??= joins.start(state);
          running.apply(decision.writes);
        } catch {
          // The running state may be half-changed: decide nobody on it.
          folded = false;
          break;
        }
      }
      if (!folded) return this.oneByOne(members.filter((member) => !answered.has(member)));
      const writes = decided.flatMap((d) => d.decision.writes);
      if (writes.length === 0) {
        for (const d of decided) d.member.resolve({ state: d.state, outcome: d.decision.outcome, writes: d.decision.writes, revision: d.revision, position: -1n });
        return;
      }
      let result: AppendResult;
      try {
        result = await this.append(stream, writes, state.revision);
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) {
          if (decided.length === 1) decided[0]!.member.reject(error);
          else await this.oneByOne(decided.map((d) => d.member));
          return;
        }
        // All round again, pinned ones too: the next attempt checks each pin against the revision it would then
        // be written on, which the other writer has moved (a pin is never decided on another revision).
        if (attempt >= this.retry.maxAttempts) {
          for (const { member } of decided) {
            const pinned = member.command.expectedRevision;
            member.reject(pinned !== undefined ? new PlanChangedError(pinned, actualRevision(error)) : error);
          }
          return;
        }
        members = decided.map((d) => d.member);
        await new Promise((resolve) => setTimeout(resolve, retryDelay(this.retry, attempt)));
        continue;
      }
      for (const d of decided) {
        d.member.resolve({ state: d.state, outcome: d.decision.outcome, writes: d.decision.writes, revision: d.revision, position: d.decision.writes.length > 0 ? result.position : -1n });
      }
      return;
    }
  }

  /** Each command its own turn, in order: what a group falls back to when a failure cannot be pinned on one of them. */
  private async oneByOne(members: readonly Queued[]): Promise<void> {
    for (const member of members) await this.alone(member);
  }

  private append(stream: string, writes: readonly DecidedWrite[], revision: number): Promise<AppendResult> {
    return this.store.appendToStream(stream, writes.map(({ event, meta }) => toEventToAppend(event, meta)), {
      expectedRevision: revision < 0 ? 'no_stream' : BigInt(revision),
    });
  }
}

/** The commands waiting on one stream, and how a turn that gathers its next group is woken. */
interface StreamQueue {
  waiting: Queued[];
  /** How many the gathering turn waits for (0 when none gathers). */
  expected: number;
  wake?: () => void;
  deadline?: NodeJS.Timeout;
}

/**
 * The longest a turn waits for the writers of the group before it to come back (GATHER_MS.max), and the least:
 * in between, twice the time they took to come back lately. Coming back is their answer (the signed head, the
 * read models' write, the response) and their next request (read, authorised): 2–5 ms on an idle machine of
 * two cores, 30–40 ms when it is shared by a dozen busy processes.
 */
export const GATHER_MS: GatherDeadline = { min: 2, max: 50, first: 10 };

/** How long a turn waits for the last group's writers (milliseconds): at least, at most, and the first guess of their time to come back. */
export interface GatherDeadline {
  readonly min: number;
  readonly max: number;
  readonly first: number;
}

/** The commands that take the next turn: the first waiting, and those behind it that join it, in order. */
function takeGroup(waiting: Queued[]): Queued[] {
  const joins = waiting[0]!.command.joins;
  let size = 1;
  if (joins) while (size < waiting.length && size < MAX_GROUP && waiting[size]!.command.joins === joins) size++;
  return waiting.splice(0, size);
}

/** A decider's refusal as the caller hears it: on a later attempt, it is the concurrent change that made it so. */
function refusal(command: { subject: string }, attempt: number, error: unknown): unknown {
  if (attempt > 1 && error instanceof DomainError) {
    return new ConflictError(`Someone else changed ${command.subject} at the same time, and your change no longer applies: ${error.message}`, error);
  }
  return error;
}

function actualRevision(error: WrongExpectedRevisionError): number {
  return error.actual === 'no_stream' ? -1 : Number(error.actual);
}

/** A decided event in the store's shape, its metadata from the one builder. */
export function toEventToAppend(event: DecidedEvent, meta: CommandMetadata): EventToAppend {
  return { eventId: event.eventId, type: event.type, data: event.data as Record<string, unknown>, metadata: eventMetadata(event, meta) as unknown as Record<string, unknown> };
}

export type { CommandMetadata } from '#domain';
