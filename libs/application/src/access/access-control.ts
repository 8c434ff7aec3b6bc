import { createHash, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { z } from 'zod';
import type { EventStore, RecordedEvent } from '#event-store';
import {
  ACCESS_STREAM,
  AccessEventSchemas,
  accessLogStreamName,
  applyAccessEvent,
  decideAccess,
  DomainError,
  IsoInstant,
  initialAccessState,
  own,
  PlanAccessedSchema,
  Role,
  type AccessCommand,
  type AccessEventType,
  type AccessState,
  type Actor,
  type DecisionContext,
  type Identity,
  type NewAccessEvent,
  type PlanAccessed,
  type StoredAccessEvent,
} from '#domain';
import { CommandHandler, toEventToAppend } from '../command-handler.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from '../retry-policy.js';

/** Why a bearer token was refused: all answer 401, with words that help the holder. */
export class AuthenticationError extends Error {
  constructor(
    readonly code: 'TOKEN_MISSING' | 'TOKEN_INVALID' | 'TOKEN_EXPIRED' | 'TOKEN_REVOKED',
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_PATTERN = /^lgr_([0-9a-f]{32})_([\w-]{20,100})$/;

export interface IssuedTokenResult {
  tokenId: string;
  /** Shown once: only its SHA-256 is kept. */
  token: string;
  expiresAt: string;
}

export const RegisterUserInput = z.object({
  userId: AccessEventSchemas.UserRegistered.shape.userId,
  displayName: AccessEventSchemas.UserRegistered.shape.displayName,
  organisationId: AccessEventSchemas.UserRegistered.shape.organisationId,
});

export const IssueTokenInput = z.object({ userId: z.string().min(1), role: Role, expiresAt: IsoInstant });

export const SetPasswordInput = z.object({
  userId: z.string().min(1).max(100),
  role: Role,
  // NCSC guidance: length over composition rules; the upper bound keeps scrypt's input sane.
  password: z.string().min(12, 'must be at least 12 characters').max(200, 'must be at most 200 characters'),
});

/** scrypt's cost: N=2^15, r=8, p=1 (about 32 MB and tens of milliseconds per sign-in on this class of machine). */
const SCRYPT = { N: 32_768, r: 8, p: 1, keyLength: 64 } as const;

function scryptKey(password: string, salt: Buffer, params: { N: number; r: number; p: number; keyLength: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r + 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, params.keyLength, options, (error, key) => (error ? reject(error) : resolve(key))));
}

/** Why a local password sign-in was refused: one answer for every case, so it tells an attacker nothing. */
export class PasswordSignInError extends Error {
  readonly code = 'SIGN_IN_FAILED';
  constructor() {
    super('The user name or password is not right');
  }
}

export const GrantInput = z.object({
  userId: AccessEventSchemas.AccessGranted.shape.userId,
  role: Role,
  planId: z.string().trim().min(1).max(100).optional(),
  expiresAt: IsoInstant.optional(),
  reason: z.string().trim().min(1, 'say why access is granted').max(2_000),
});

/**
 * Users, tokens and grants, kept as events in the ledger's `access` stream. The folded state is cached
 * by stream revision and re-checked on every request, so a revocation (even from the CLI, in another
 * process) takes effect on the next request. A thin service: it validates input and makes the secrets; the
 * rules are decideAccess's, and every change goes through the one command handler.
 */
export class AccessControl {
  private cache: AccessState = initialAccessState();
  private readonly handler: CommandHandler;
  /** Unreadable events this process has already logged, so each is reported once, not on every request. */
  private readonly reported = new Set<string>();

  constructor(
    private readonly store: EventStore,
    private readonly context: DecisionContext,
    retry: RetryPolicy = DEFAULT_RETRY_POLICY,
  ) {
    this.handler = new CommandHandler(store, retry);
  }
  /** Resolves when no access change is in hand (see CommandHandler.idle). */
  idle(): Promise<void> {
    return this.handler.idle();
  }


  async state(): Promise<AccessState> {
    const summary = await this.store.streamSummary(ACCESS_STREAM);
    const head = summary ? Number(summary.revision) : -1;
    if (head === this.cache.revision) return this.cache;
    const base = this.cache;
    const newer = await this.store.readStream(ACCESS_STREAM, { fromRevision: BigInt(base.revision + 1) });
    const next = structuredClone(base);
    for (const recorded of newer) foldAccessEvent(next, recorded);
    // Concurrent refreshes may finish out of order: keep whichever state has seen more.
    if (next.revision > this.cache.revision) this.cache = next;
    for (const unreadable of next.unreadable.values()) {
      if (this.reported.has(unreadable.eventId)) continue;
      this.reported.add(unreadable.eventId);
      console.error(
        `THE ACCESS STREAM HAS AN EVENT THAT CANNOT BE READ, at revision ${unreadable.revision} (event ${unreadable.eventId}, ${unreadable.type}): ${unreadable.reason}. ` +
          `Sign-in goes on without it: whatever it recorded (a user, a token, a grant, a revocation) does not count. ` +
          `Run "ledger doctor", then "ledger repair void-event --access --event ${unreadable.eventId} --reason \"<why>\"".`,
      );
    }
    return next;
  }

  /**
   * The audited repair of an access event that cannot be read: an AccessEventVoided naming it, with the
   * operator and their reason. Only an unreadable event can be voided; nothing is deleted.
   */
  async voidUnreadableEvent(eventId: string, reason: string, actor: Actor): Promise<void> {
    if (!reason.trim()) throw new DomainError('VALIDATION_FAILED', 'Say why the entry is voided', [{ path: 'reason', problem: 'a reason is required' }]);
    await this.change({ type: 'VoidUnreadableEvent', eventId, reason: reason.trim() }, actor);
  }

  /**
   * Who holds this local token, or why not, checked against the access state as it is now: `stateNow` reads it
   * (the access guard passes one that reads it once a request, for the token and the authorisation both).
   */
  async authenticateLocalToken(token: string, stateNow: () => Promise<AccessState> = () => this.state()): Promise<Identity> {
    const match = TOKEN_PATTERN.exec(token);
    if (!match) throw new AuthenticationError('TOKEN_INVALID', 'The access token is not one this ledger issued');
    const state = await stateNow();
    const issued = own(state.tokens, match[1]!);
    const presented = createHash('sha256').update(token).digest();
    if (!issued || !timingSafeEqual(presented, Buffer.from(issued.tokenSha256, 'hex'))) {
      throw new AuthenticationError('TOKEN_INVALID', 'The access token is not one this ledger issued');
    }
    if (issued.revoked) throw new AuthenticationError('TOKEN_REVOKED', 'This access token has been revoked; ask your administrator for a new one');
    if (issued.expiresAt <= this.context.now().toISOString()) throw new AuthenticationError('TOKEN_EXPIRED', 'This access token has expired; ask your administrator for a new one');
    const user = own(state.users, issued.userId);
    if (!user) throw new AuthenticationError('TOKEN_INVALID', 'The access token belongs to no known user');
    return { userId: user.userId, displayName: user.displayName, organisationId: user.organisationId, role: issued.role, via: 'local-token', tokenId: issued.tokenId };
  }

  /** Give a registered user a local password (replacing any earlier one): only its scrypt hash is stored. */
  async setPassword(input: z.input<typeof SetPasswordInput>, actor: Actor): Promise<void> {
    const parsed = SetPasswordInput.safeParse(input);
    if (!parsed.success) {
      throw new DomainError('VALIDATION_FAILED', 'The password cannot be set', parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), problem: issue.message })));
    }
    const { userId, role, password } = parsed.data;
    const salt = randomBytes(16);
    const hash = await scryptKey(password, salt, SCRYPT);
    await this.change({ type: 'SetPassword', userId, role, scheme: 'scrypt', salt: salt.toString('base64url'), hash: hash.toString('base64url'), ...SCRYPT }, actor);
  }

  /** Who this user name and password belong to; every refusal is the same error, and costs the same scrypt. */
  async authenticatePassword(userId: string, password: string): Promise<Identity> {
    const state = await this.state();
    const stored = state.passwords.get(userId);
    const user = stored ? own(state.users, userId) : undefined;
    const params = stored ?? { ...SCRYPT, salt: 'no-such-user-salt-000000', hash: '' };
    const presented = await scryptKey(password.slice(0, 200), Buffer.from(params.salt, 'base64url'), params);
    const expected = Buffer.from(params.hash, 'base64url');
    const matches = expected.length === presented.length && timingSafeEqual(presented, expected);
    if (!stored || !user || !matches) throw new PasswordSignInError();
    return { userId: user.userId, displayName: user.displayName, organisationId: user.organisationId, role: stored.role, via: 'password' };
  }

  async registerUser(input: z.input<typeof RegisterUserInput>, actor: Actor): Promise<void> {
    await this.change({ type: 'RegisterUser', ...RegisterUserInput.parse(input) }, actor);
  }

  async issueToken(input: z.input<typeof IssueTokenInput>, actor: Actor): Promise<IssuedTokenResult> {
    const { userId, role, expiresAt } = IssueTokenInput.parse(input);
    const tokenId = this.context.newId().replace(/-/g, '').slice(-32);
    const token = `lgr_${tokenId}_${randomBytes(32).toString('base64url')}`;
    const expires = new Date(expiresAt).toISOString();
    await this.change({ type: 'IssueToken', tokenId, userId, role, tokenSha256: createHash('sha256').update(token).digest('hex'), expiresAt: expires }, actor);
    return { tokenId, token, expiresAt: expires };
  }

  async revokeToken(tokenId: string, reason: string, actor: Actor): Promise<void> {
    await this.change({ type: 'RevokeToken', tokenId, reason }, actor);
  }

  async grant(input: z.input<typeof GrantInput>, organisationId: string, actor: Actor): Promise<string> {
    const { planId, expiresAt, ...grant } = GrantInput.parse(input);
    const [granted] = await this.change(
      { type: 'GrantAccess', ...grant, organisationId, ...(planId !== undefined ? { planId } : {}), ...(expiresAt !== undefined ? { expiresAt } : {}) },
      actor,
    );
    return (granted as Extract<NewAccessEvent, { type: 'AccessGranted' }>).data.grantId;
  }

  async revokeGrant(grantId: string, organisationId: string, reason: string, actor: Actor): Promise<void> {
    await this.change({ type: 'RevokeAccess', grantId, organisationId, reason }, actor);
  }

  /** Sensitive reads are recorded: who read which plan, as at when. Append-only like everything else. */
  async recordAccess(entry: PlanAccessed, actor: Actor, correlationId: string): Promise<void> {
    const data = PlanAccessedSchema.parse(entry);
    // Nothing is decided on a read, so there is nothing to retry: any revision will do.
    await this.store.appendToStream(accessLogStreamName(data.organisationId), [toEventToAppend({ eventId: this.context.newId(), type: 'PlanAccessed', data: { ...data } }, { actor, correlationId })], {
      expectedRevision: 'any',
    });
  }

  async accessLog(organisationId: string, fromRevision = 0, maxCount = 1_000) {
    const events = await this.store.readStream(accessLogStreamName(organisationId), { fromRevision: BigInt(fromRevision), maxCount });
    return events.map((e) => ({ revision: Number(e.revision), recordedAt: e.recordedAt, actor: e.metadata.actor, ...(e.data as PlanAccessed) }));
  }

  /** Through the one command handler: decide on the access stream as it is now, append, and decide again on a concurrent change. */
  private async change(command: AccessCommand, actor: Actor): Promise<NewAccessEvent[]> {
    const meta = { actor, correlationId: this.context.newId() };
    const handled = await this.handler.handle({
      stream: ACCESS_STREAM,
      subject: 'the users and access grants',
      load: () => this.state(),
      decide: (state) => {
        const events = decideAccess(command, state, this.context);
        return { writes: events.map((event) => ({ event, meta })), outcome: events };
      },
    });
    return handled.outcome;
  }
}

/**
 * Fold one recorded event of the access stream into `state`, in place. An event that cannot be read (a type
 * this build does not know, or data its schema refuses) is skipped and noted in `state.unreadable`, never
 * thrown: one bad entry must not stop every sign-in and the start-up with it (issue 14). The revision moves
 * past it either way, so the state's revision stays the stream's and writes to the stream go on.
 */
export function foldAccessEvent(state: AccessState, recorded: RecordedEvent): void {
  const revision = Number(recorded.revision);
  const type = recorded.type;
  const schema = Object.hasOwn(AccessEventSchemas, type) ? AccessEventSchemas[type as AccessEventType] : undefined;
  const parsed = schema?.safeParse(recorded.data);
  if (!schema || !parsed?.success) {
    state.revision = revision;
    const reason = !schema
      ? `${type} is not an access event type this ledger knows`
      : `${type} at revision ${revision} does not match its schema: ${parsed!.error!.issues.map((issue) => `${issue.path.map(String).join('.') || '(data)'} ${issue.message}`).join('; ')}`;
    state.unreadable.set(recorded.eventId, { revision, eventId: recorded.eventId, type: type.slice(0, 200), recordedAt: recorded.recordedAt, reason: reason.slice(0, 2_000) });
    return;
  }
  const metadata = (typeof recorded.metadata === 'object' && recorded.metadata !== null ? recorded.metadata : {}) as { actor?: { displayName?: string }; reason?: string };
  applyAccessEvent(state, {
    type,
    data: parsed.data,
    revision,
    recordedAt: recorded.recordedAt,
    actor: typeof metadata.actor?.displayName === 'string' ? metadata.actor.displayName : 'unknown',
    reason: typeof metadata.reason === 'string' ? metadata.reason : undefined,
  } as StoredAccessEvent);
}
