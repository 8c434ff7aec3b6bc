import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runLedgerCli } from './support/run-cli.js';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

let ledger: RunningLedger;
let db: string;

beforeAll(async () => {
  ledger = await startLedger();
  db = ledger.config.store.kind === 'sqlite' ? ledger.config.store.path : '';
});

afterAll(async () => {
  await ledger.stop();
});

describe('local sign-in managed from the command line', () => {
  it('adds a person, issues a token the running API accepts, and revokes it so it stops working at once', async () => {
    const added = runLedgerCli(['users', 'add', '--id', 'martin.pratt', '--name', 'Martin Pratt', '--organisation', 'central-bedfordshire-council', '--db', db]);
    expect(added).toMatchObject({ status: 0 });
    expect(added.stdout).toContain('Added Martin Pratt (martin.pratt) to central-bedfordshire-council.');

    const issued = runLedgerCli(['tokens', 'issue', '--user', 'martin.pratt', '--role', 'auditor', '--expires', '30d', '--db', db]);
    expect(issued.status).toBe(0);
    const token = issued.stdout.trim().split('\n').at(-1)!;
    const tokenId = /Token (\S+) for martin.pratt as auditor/.exec(issued.stdout)![1]!;
    expect(token).toMatch(/^lgr_/);

    const me = await ledger.request('GET', '/me', { token });
    expect(me.body).toMatchObject({ userId: 'martin.pratt', displayName: 'Martin Pratt', role: 'auditor' });

    expect(runLedgerCli(['tokens', 'list', '--db', db]).stdout).toMatch(new RegExp(`${tokenId}\\s+martin.pratt\\s+auditor\\s+valid until`));
    const revoked = runLedgerCli(['tokens', 'revoke', tokenId, '--reason', 'Left the council', '--db', db]);
    expect(revoked.status).toBe(0);
    const after = await ledger.request('GET', '/me', { token });
    expect(after).toMatchObject({ status: 401, body: { code: 'TOKEN_REVOKED' } });
  });

  it('sets a local password from LEDGER_PASSWORD, storing only its scrypt hash, and the ledger signs in with it', async () => {
    runLedgerCli(['users', 'add', '--id', 'rachel.deakin', '--name', 'Rachel Deakin', '--organisation', 'central-bedfordshire-council', '--db', db]);
    const set = runLedgerCli(['users', 'set-password', '--user', 'rachel.deakin', '--role', 'editor', '--db', db], { LEDGER_PASSWORD: 'a long enough pass phrase' });
    expect(set).toMatchObject({ status: 0 });
    expect(set.stdout).toContain('Password set for rachel.deakin, signing in as editor.');
    const { AccessControl } = await import('#application');
    const identity = await ledger.app.get(AccessControl).authenticatePassword('rachel.deakin', 'a long enough pass phrase');
    expect(identity).toMatchObject({ userId: 'rachel.deakin', role: 'editor', via: 'password' });
    await expect(ledger.app.get(AccessControl).authenticatePassword('rachel.deakin', 'a long enough pass phrasE')).rejects.toThrow('The user name or password is not right');
    const short = runLedgerCli(['users', 'set-password', '--user', 'rachel.deakin', '--role', 'editor', '--db', db], { LEDGER_PASSWORD: 'short' });
    expect(short.status).toBe(1);
    expect(short.stderr).toContain('must be at least 12 characters');
  });

  it('refuses a token for someone it does not know, and a role that does not exist, saying why', () => {
    const unknown = runLedgerCli(['tokens', 'issue', '--user', 'nobody', '--role', 'editor', '--db', db]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('There is no user nobody');
    const badRole = runLedgerCli(['tokens', 'issue', '--user', 'martin.pratt', '--role', 'emperor', '--db', db]);
    expect(badRole.status).toBe(2);
    expect(badRole.stderr).toContain('--role must be one of admin, editor, auditor, inspector, regulator');
  });
});

