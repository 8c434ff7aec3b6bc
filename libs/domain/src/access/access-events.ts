import { z } from 'zod';
import { text } from '../shared/text.js';
import { IsoInstant } from '../shared/dates.js';
import { Role } from './roles.js';

/** Users, tokens and grants are facts in the ledger too: who granted whom what, when and why. */
const Id = text().trim().min(1).max(100).regex(/^[\w.@-]+$/, 'may hold letters, digits and . @ - _ only');

export const OrganisationId = Id;

export const AccessEventSchemas = {
  UserRegistered: z.object({ userId: Id, displayName: text().trim().min(1).max(200), organisationId: OrganisationId }),
  TokenIssued: z.object({
    tokenId: Id,
    userId: Id,
    role: Role,
    /** Hex SHA-256 of the whole token: the token itself is never stored. */
    tokenSha256: text().regex(/^[0-9a-f]{64}$/),
    expiresAt: IsoInstant,
  }),
  TokenRevoked: z.object({ tokenId: Id }),
  AccessGranted: z.object({
    grantId: Id,
    userId: Id,
    role: Role,
    organisationId: OrganisationId,
    /** One plan, or every plan of the organisation when absent. */
    planId: text().max(100).optional(),
    expiresAt: IsoInstant.optional(),
  }),
  AccessRevoked: z.object({ grantId: Id }),
  /**
   * A local account's password (for councils without an identity provider, and the demo), with the role
   * it signs in as. Only the scrypt hash, its salt and cost parameters are stored; a later one replaces it.
   */
  PasswordSet: z.object({
    userId: Id,
    role: Role,
    scheme: z.literal('scrypt'),
    /** base64url of the random salt (16 bytes or more). */
    salt: z.string().regex(/^[\w-]{22,200}$/),
    /** base64url of the derived key. */
    hash: z.string().regex(/^[\w-]{43,200}$/),
    N: z.number().int().min(16_384).max(2 ** 20),
    r: z.number().int().min(8).max(32),
    p: z.number().int().min(1).max(16),
    keyLength: z.number().int().min(32).max(128),
  }),
  /**
   * The audited repair of an access event that cannot be read (its data does not match its type's schema): it
   * names the event, which every fold then treats as repaired. Nothing is deleted; only an unreadable event can
   * be voided (`ledger repair void-event --access`).
   */
  AccessEventVoided: z.object({
    voidedEventId: text().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
    voidedEventType: text().min(1).max(200),
    voidedRevision: z.number().int().min(0),
  }),
} as const;

export type AccessEventType = keyof typeof AccessEventSchemas;

/** The current schema version of each access and access-log event type (all still at their first). */
export const ACCESS_SCHEMA_VERSION: ReadonlyMap<string, number> = new Map([...Object.keys(AccessEventSchemas), 'PlanAccessed'].map((type) => [type, 1]));
export type AccessEvent = { [T in AccessEventType]: { type: T; data: z.infer<(typeof AccessEventSchemas)[T]> } }[AccessEventType];

/** The one stream that holds users, tokens and grants (small, read on every request with a cache by revision). */
export const ACCESS_STREAM = 'access';

/** One stream per organisation for its access log: who read which plan, as at when. */
export function accessLogStreamName(organisationId: string): string {
  return `access-log-${organisationId}`;
}

export const PlanAccessedSchema = z.object({
  planId: text(),
  organisationId: OrganisationId,
  /** What was read: "plan", "events", "bundle", … */
  view: text(),
  asAt: text().optional(),
  time: text().optional(),
  role: Role,
});
export type PlanAccessed = z.infer<typeof PlanAccessedSchema>;
