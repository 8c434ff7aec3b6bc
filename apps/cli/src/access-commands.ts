import { userInfo } from 'node:os';
import { v7 as uuidv7 } from 'uuid';
import { AccessControl } from '#application';
import { Role, type Actor } from '#domain';
import type { EventStore } from '#event-store';

/**
 * `ledger users add`, `ledger tokens issue|revoke|list`: the operator's side of local sign-in. Whoever can
 * run the CLI can write the ledger file, so the CLI acts as the operator, named after the OS account.
 */
export function operator(): Actor {
  const name = userInfo().username;
  return { id: `operator:${name}`, displayName: `${name} (ledger operator)` };
}

function accessControl(store: EventStore): AccessControl {
  return new AccessControl(store, { now: () => new Date(), newId: () => uuidv7() });
}

/** "30d", "12h", "90m" or an ISO instant → an ISO instant. */
export function expiryFrom(text: string, now = new Date()): string {
  const relative = /^(\d{1,5})([dhm])$/.exec(text.trim());
  if (relative) {
    const ms = Number(relative[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000 }[relative[2] as 'd' | 'h' | 'm'];
    return new Date(now.getTime() + ms).toISOString();
  }
  const parsed = Date.parse(text);
  if (Number.isNaN(parsed)) throw new UsageError(`--expires must be like 30d, 12h or an ISO date-time, not "${text}"`);
  return new Date(parsed).toISOString();
}

export class UsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

function text(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export async function usersAdd(store: EventStore, values: Values, out: (line: string) => void, json = false): Promise<number> {
  const [id, name, organisation] = [text(values, 'id'), text(values, 'name'), text(values, 'organisation')];
  if (!id || !name || !organisation) throw new UsageError('users add needs --id, --name and --organisation');
  await accessControl(store).registerUser({ userId: id, displayName: name, organisationId: organisation }, operator());
  out(json ? JSON.stringify({ userId: id, displayName: name, organisationId: organisation }, null, 2) : `Added ${name} (${id}) to ${organisation}.`);
  return 0;
}

/** A local password for browser sign-in: from LEDGER_PASSWORD or the first line of standard input, never the command line (which `ps` shows). */
export async function usersSetPassword(store: EventStore, values: { user?: string; role?: string }, out: (line: string) => void, readPassword: () => string | undefined): Promise<number> {
  if (!values.user || !values.role) throw new UsageError('users set-password needs --user and --role (the role this password signs in as); the password comes from LEDGER_PASSWORD or standard input');
  const role = Role.safeParse(values.role);
  if (!role.success) throw new UsageError(`--role must be one of ${Role.options.join(', ')}`);
  const password = readPassword();
  if (!password) throw new UsageError('Give the password in LEDGER_PASSWORD or on standard input, not on the command line');
  await accessControl(store).setPassword({ userId: values.user, role: role.data, password }, operator());
  out(`Password set for ${values.user}, signing in as ${role.data}. Only its scrypt hash is stored.`);
  return 0;
}

export async function tokensIssue(store: EventStore, values: Values, out: (line: string) => void, json = false): Promise<number> {
  const [user, roleText] = [text(values, 'user'), text(values, 'role')];
  if (!user || !roleText) throw new UsageError('tokens issue needs --user and --role (admin, editor, auditor, inspector or regulator)');
  const role = Role.safeParse(roleText);
  if (!role.success) throw new UsageError(`--role must be one of ${Role.options.join(', ')}`);
  const issued = await accessControl(store).issueToken({ userId: user, role: role.data, expiresAt: expiryFrom(text(values, 'expires') ?? '30d') }, operator());
  if (json) {
    out(JSON.stringify({ tokenId: issued.tokenId, userId: user, role: role.data, expiresAt: issued.expiresAt, token: issued.token }, null, 2));
    return 0;
  }
  out(`Token ${issued.tokenId} for ${user} as ${role.data}, valid until ${issued.expiresAt}.`);
  out('Keep it secret; it is shown only this once:');
  out(issued.token);
  return 0;
}

export async function tokensRevoke(store: EventStore, tokenId: string | undefined, reason: string | undefined, out: (line: string) => void, json = false): Promise<number> {
  if (!tokenId) throw new UsageError('tokens revoke needs the token id (shown when it was issued, and by `ledger tokens list`)');
  const why = reason ?? 'Revoked by the operator';
  await accessControl(store).revokeToken(tokenId, why, operator());
  out(json ? JSON.stringify({ tokenId, revoked: true, reason: why }, null, 2) : `Token ${tokenId} revoked. It stops working at once.`);
  return 0;
}

export async function tokensList(store: EventStore, out: (line: string) => void, json = false): Promise<number> {
  const state = await accessControl(store).state();
  const now = new Date().toISOString();
  const tokens = Object.values(state.tokens).map((token) => ({
    tokenId: token.tokenId,
    userId: token.userId,
    role: token.role,
    expiresAt: token.expiresAt,
    status: token.revoked ? ('revoked' as const) : token.expiresAt <= now ? ('expired' as const) : ('valid' as const),
  }));
  if (json) {
    // Never the token itself: the ledger keeps only its SHA-256, and the list does not even show that.
    out(JSON.stringify(tokens, null, 2));
    return 0;
  }
  if (tokens.length === 0) out('No tokens have been issued.');
  for (const token of tokens) out(`${token.tokenId}  ${token.userId}  ${token.role}  ${token.status === 'valid' ? `valid until ${token.expiresAt}` : token.status}`);
  return 0;
}
