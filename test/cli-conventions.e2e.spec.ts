import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { runLedgerCli } from './support/run-cli.js';

const OFSTED = path.resolve(process.cwd(), '../shared/fixtures/central-bedfordshire-ofsted-action-plan-2012-13.txt');

let dir: string;
let env: Record<string, string>;
let planId: string;

const cli = (args: string[]) => runLedgerCli(args, env);

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'ledger-cli-conventions-'));
  env = { LEDGER_DB_PATH: path.join(dir, 'ledger.sqlite'), LEDGER_SIGNING_KEY_DIR: path.join(dir, 'keys'), LEDGER_EVIDENCE_DIR: path.join(dir, 'evidence') };
  const imported = cli(['import', OFSTED, '--organisation', 'Central Bedfordshire Council', '--responds-to', 'Ofsted inspection (2012)', '--json']);
  if (imported.status !== 0) throw new Error(imported.stderr);
  planId = JSON.parse(imported.stdout).planId;
  for (const args of [
    ['users', 'add', '--id', 'sue.ioannou', '--name', 'Sue Ioannou', '--organisation', 'central-bedfordshire-council'],
    ['tokens', 'issue', '--user', 'sue.ioannou', '--role', 'inspector'],
  ]) {
    if (cli(args).status !== 0) throw new Error(`ledger ${args.join(' ')} failed`);
  }
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the ledger command follows the conventions of command-line tools', () => {
  it('prints its version', () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    expect(cli(['--version'])).toEqual({ status: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('prints JSON a script can read, on stdout alone, with --json', () => {
    const plans = cli(['plans', '--json']);
    expect(plans.stderr).toBe('');
    expect(JSON.parse(plans.stdout)).toEqual([{ planId, title: 'Central Bedfordshire Council Safeguarding and Looked After Children Post Inspection Action Plan', events: 184, head: expect.stringMatching(/^[0-9a-f]{64}$/) }]);

    const chain = JSON.parse(cli(['verify-chain', planId, '--json']).stdout);
    expect(chain).toEqual({ ok: true, streams: [{ planId, streamId: `plan-${planId}`, ok: true, length: 184, head: JSON.parse(plans.stdout)[0].head, signedHead: { size: 184, signedAt: expect.any(String) } }] });
    const missing = cli(['verify-chain', 'no-such-plan', '--json']);
    expect(missing.status).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, streams: [{ planId: 'no-such-plan', ok: false, problem: 'no such plan' }] });

    const tokens = JSON.parse(cli(['tokens', 'list', '--json']).stdout);
    expect(tokens).toEqual([{ tokenId: expect.any(String), userId: 'sue.ioannou', role: 'inspector', expiresAt: expect.any(String), status: 'valid' }]);
    expect(JSON.stringify(tokens)).not.toContain('lgr_');

    const key = JSON.parse(cli(['key', 'show', '--json']).stdout);
    expect(key).toMatchObject({ fingerprint: expect.stringMatching(/^SHA256:[0-9a-f]{64}$/), publicKeyPem: expect.stringContaining('BEGIN PUBLIC KEY') });

    const older = path.join(dir, 'older.zip');
    const newer = path.join(dir, 'newer.zip');
    const built = cli(['bundle', planId, '--as-at', '2030-01-01', '--out', older, '--json']);
    expect(built.status).toBe(0);
    expect(JSON.parse(built.stdout)).toMatchObject({ file: older, manifest: { planId, eventCount: 184, signingKey: { fingerprint: key.fingerprint } }, warnings: [] });
    // --previous is another name for bundle's --since.
    expect(cli(['bundle', planId, '--as-at', '2031-01-01', '--out', newer, '--previous', older, '--json']).status).toBe(0);

    // …and --since another name for verify's --previous: the same name works in both commands.
    const verified = cli(['verify', newer, '--since', older, '--fingerprint', key.fingerprint, '--json']);
    expect(verified.status).toBe(0);
    const report = JSON.parse(verified.stdout);
    expect(report).toMatchObject({ file: newer, since: older, ok: true, planId, fingerprint: key.fingerprint });
    expect(report.checks.length).toBeGreaterThan(0);
    expect(report.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    expect(cli(['verify', newer, '--previous', older]).stdout).toContain('checks passed');
  }, 120_000);

  it('refuses, with exit 2 and a message on stderr, an option the command does not take', () => {
    const cases: Array<[string[], string]> = [
      [['plans', '--as-at', '2030-01-01'], 'ledger plans does not take --as-at. It takes --db, --json.'],
      [['tokens', 'list', '--role', 'admin'], 'ledger tokens list does not take --role.'],
      [['key', 'show', '--out', 'x'], 'ledger key show does not take --out.'],
      [['verify-chain', '--fingerprint', 'x'], 'ledger verify-chain does not take --fingerprint.'],
      [['verify', 'x.zip', '--with-files'], 'ledger verify does not take --with-files.'],
      [['bundle', 'p', '--as-at'], 'ledger bundle: --as-at needs a value'],
      [['plans', 'extra'], 'plans takes no arguments; also given: extra'],
      [['--db', 'x', 'plans'], 'Options come after the command'],
      [['tokens'], 'tokens needs a subcommand: tokens issue, tokens revoke, tokens list'],
      [['tokens', 'frobnicate'], 'Unknown command "tokens frobnicate"'],
      [['verify', 'x.zip', '--since', 'a.zip', '--previous', 'b.zip'], '--since and --previous are two names for the same thing'],
      [['--version', 'plans'], '--version takes nothing else'],
    ];
    for (const [args, message] of cases) {
      const result = cli(args);
      expect({ args, status: result.status, stdout: result.stdout }).toEqual({ args, status: 2, stdout: '' });
      expect(result.stderr).toContain(message);
    }
  }, 120_000);

  it('draws progress only when asked on a pipe, on stderr, and never into the JSON on stdout', () => {
    const zip = path.join(dir, 'progress.zip');
    const quiet = cli(['bundle', planId, '--as-at', '2030-01-01', '--out', zip]);
    expect(quiet).toMatchObject({ status: 0, stderr: '' });
    const loud = cli(['bundle', planId, '--as-at', '2030-01-01', '--out', zip, '--progress', '--json']);
    expect(JSON.parse(loud.stdout)).toMatchObject({ file: zip });
    expect(loud.stderr).toContain('bundle: reading the plan   0%');
    expect(loud.stderr.trim().split('\n').at(-1)).toBe('bundle: done');
    const verify = cli(['verify', zip, '--progress']);
    expect(verify.stderr).toContain('verify: checking');
    expect(verify.stderr.trim().split('\n').at(-1)).toBe('verify: done');
    expect(cli(['verify', zip]).stderr).toBe('');
  }, 120_000);
});
