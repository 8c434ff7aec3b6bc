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

export async function usersAdd(store: EventStore, values: { id?: string; name?: string; organisation?: string }, out: (line: string) => void): Promise<number> {
  if (!values.id || !values.name || !values.organisation) throw new UsageError('users add needs --id, --name and --organisation');
  await accessControl(store).registerUser({ userId: values.id, displayName: values.name, organisationId: values.organisation }, operator());
  out(`Added ${values.name} (${values.id}) to ${values.organisation}.`);
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

export async function tokensIssue(store: EventStore, values: { user?: string; role?: string; expires?: string }, out: (line: string) => void): Promise<number> {
  if (!values.user || !values.role) throw new UsageError('tokens issue needs --user and --role (admin, editor, auditor, inspector or regulator)');
  const role = Role.safeParse(values.role);
  if (!role.success) throw new UsageError(`--role must be one of ${Role.options.join(', ')}`);
  const issued = await accessControl(store).issueToken({ userId: values.user, role: role.data, expiresAt: expiryFrom(values.expires ?? '30d') }, operator());
  out(`Token ${issued.tokenId} for ${values.user} as ${role.data}, valid until ${issued.expiresAt}.`);
  out('Keep it secret; it is shown only this once:');
  out(issued.token);
  return 0;
}

export async function tokensRevoke(store: EventStore, tokenId: string | undefined, reason: string | undefined, out: (line: string) => void): Promise<number> {
  if (!tokenId) throw new UsageError('tokens revoke needs the token id (shown when it was issued, and by `ledger tokens list`)');
  await accessControl(store).revokeToken(tokenId, reason ?? 'Revoked by the operator', operator());
  out(`Token ${tokenId} revoked. It stops working at once.`);
  return 0;
}

export async function tokensList(store: EventStore, out: (line: string) => void): Promise<number> {
  const state = await accessControl(store).state();
  const now = new Date().toISOString();
  const tokens = Object.values(state.tokens);
  if (tokens.length === 0) out('No tokens have been issued.');
  for (const token of tokens) {
    const status = token.revoked ? 'revoked' : token.expiresAt <= now ? 'expired' : `valid until ${token.expiresAt}`;
    out(`${token.tokenId}  ${token.userId}  ${token.role}  ${status}`);
  }
  return 0;
}
