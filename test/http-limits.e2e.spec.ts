import { statSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Database from 'better-sqlite3';
import { runCli } from '../apps/cli/src/main.js';
import { createPlanFixture, type PlanFixture } from './support/plan-fixture.js';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

/** Send exactly these bytes and return the response's status, headers and body, never sending a request body. */
function rawExchange(url: string, head: string): Promise<{ status: number; headers: string; body: string; closed: boolean }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(head));
    let received = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(received)?.[1] ?? 0);
      const [headers = '', ...rest] = received.split('\r\n\r\n');
      resolve({ status, headers, body: rest.join('\r\n\r\n'), closed: true });
    });
  });
}

const SECURITY_HEADERS = ['content-security-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-resource-policy'];

describe('rate limits keyed on who is asking', () => {
  let ledger: RunningLedger;
  beforeAll(async () => {
    ledger = await startLedger({ LEDGER_RATE_LIMIT_PER_MINUTE: '5', LEDGER_FAILED_SIGN_IN_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => ledger.stop());

  it('counts one person once however the Authorization header is spelt', async () => {
    const token = await ledger.tokenFor('Spelling Tester', 'editor');
    const spellings = [`Bearer ${token}`, `bearer ${token}`, `BEARER ${token}`, `Bearer  ${token}`, `Bearer\t${token}`, `bEaReR ${token}`, `Bearer ${token} `];
    const statuses: number[] = [];
    for (const authorization of spellings) statuses.push((await fetch(`${ledger.url}/me`, { headers: { Authorization: authorization } })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
    const refused = await fetch(`${ledger.url}/me`, { headers: { Authorization: `Bearer ${token}` } });
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    // Someone else is not held back by them.
    expect((await ledger.request('GET', '/me', { token: await ledger.tokenFor('Someone Else', 'editor') })).status).toBe(200);
  });

  it('limits an address sending a new garbage token with every request, and keeps /health open to it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) statuses.push((await fetch(`${ledger.url}/me`, { headers: { Authorization: `Bearer lgr_garbage${i}${'x'.repeat(i)}` } })).status);
    expect(statuses).toEqual([401, 401, 401, 429, 429, 429, 429, 429]);
    const health: number[] = [];
    for (let i = 0; i < 12; i++) health.push((await fetch(`${ledger.url}/health`)).status);
    expect(health.every((status) => status === 200)).toBe(true);
  });
});

describe('public routes count against the address, except /health', () => {
  let ledger: RunningLedger;
  beforeAll(async () => {
    ledger = await startLedger({ LEDGER_RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => ledger.stop());

  it('limits /api/docs per address and never /health', async () => {
    const docs: number[] = [];
    for (let i = 0; i < 5; i++) docs.push((await fetch(`${ledger.url}/api/docs`)).status);
    expect(docs).toEqual([200, 200, 200, 429, 429]);
    const health: number[] = [];
    for (let i = 0; i < 10; i++) health.push((await fetch(`${ledger.url}/health`)).status);
    expect(health).toEqual(Array(10).fill(200));
  });
});

describe('HTTP limits and headers', () => {
  let ledger: RunningLedger;
  let plan: PlanFixture;
  beforeAll(async () => {
    ledger = await startLedger();
    plan = await createPlanFixture(ledger);
  }, 60_000);
  afterAll(() => ledger.stop());

  it('answers 413 to a Content-Length over the limit from the headers alone, and closes the connection', async () => {
    const token = await ledger.tokenFor();
    const { host } = new URL(ledger.url);
    const answer = await rawExchange(
      ledger.url,
      `POST /plans/${plan.planId}/workstreams HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n`,
    );
    expect(answer.status).toBe(413);
    expect(answer.headers.toLowerCase()).toContain('connection: close');
    expect(answer.headers.toLowerCase()).toContain("default-src 'none'");
    // The same for an evidence upload over LEDGER_EVIDENCE_LIMIT (25 MB), with no token at all.
    const upload = await rawExchange(ledger.url, `POST /plans/${plan.planId}/actions/${plan.actionId}/evidence HTTP/1.1\r\nHost: ${host}\r\nContent-Length: 26214401\r\n\r\n`);
    expect(upload.status).toBe(413);
    expect(upload.body).toContain('at most 26214400 bytes');
    expect(answer.body).toContain('at most 1048576 bytes');
  });

  it('gives the Node server the configured header and request timeouts, so a stalled client is cut off', async () => {
    const configured = await startLedger({ LEDGER_HEADERS_TIMEOUT_SECONDS: '7', LEDGER_REQUEST_TIMEOUT_SECONDS: '45' });
    try {
      const server = configured.app.getHttpServer() as import('node:http').Server;
      expect([server.headersTimeout, server.requestTimeout]).toEqual([7_000, 45_000]);
    } finally {
      await configured.stop();
    }
    const defaults = ledger.app.getHttpServer() as import('node:http').Server;
    expect([defaults.headersTimeout, defaults.requestTimeout]).toEqual([10_000, 120_000]);
  });

  it('answers a write with no token at once, without waiting for its body', async () => {
    const { host } = new URL(ledger.url);
    const answer = await rawExchange(ledger.url, `POST /plans HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n`);
    expect(answer.status).toBe(401);
  });

  it('sends the security headers on downloads and errors as on everything else', async () => {
    const responses = {
      bundle: await ledger.request('GET', `/plans/${plan.planId}/bundle`),
      evidence: await ledger.request('GET', `/plans/${plan.planId}/evidence/${plan.evidenceSha256}`),
      notFound: await ledger.request('GET', '/plans/nothing-here'),
      unauthorised: await ledger.request('GET', '/plans', { token: 'lgr_nope' }),
      unknownRoute: await ledger.request('GET', '/no/such/route'),
    };
    expect(responses.bundle.status).toBe(200);
    expect(responses.evidence.status).toBe(200);
    for (const [name, res] of Object.entries(responses)) {
      for (const header of SECURITY_HEADERS) expect([name, header, res.headers.get(header) !== null]).toEqual([name, header, true]);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('x-powered-by')).toBeNull();
    }
  });
});

describe('data files', () => {
  it('creates the ledger, its read models, signed heads, keys and evidence files readable by their owner alone', async () => {
    const ledger = await startLedger();
    const dataDir = path.join(ledger.dir, 'data');
    await ledger.stop();
    const nested = await startLedger({
      LEDGER_DB_PATH: path.join(dataDir, 'ledger.sqlite'),
      LEDGER_EVIDENCE_DIR: path.join(dataDir, 'evidence'),
      LEDGER_SIGNING_KEY_DIR: path.join(dataDir, 'keys'),
    });
    try {
      const plan = await createPlanFixture(nested);
      await nested.request('GET', `/plans/${plan.planId}/bundle`);
      const mode = (file: string) => (statSync(file).mode & 0o777).toString(8);
      expect(mode(dataDir)).toBe('700');
      for (const file of ['ledger.sqlite', 'ledger.sqlite-wal', 'read-models.sqlite', 'signed-heads.sqlite', 'keys/signing-key.pem']) expect([file, mode(path.join(dataDir, file))]).toEqual([file, '600']);
      expect(mode(path.join(dataDir, 'evidence', plan.evidenceSha256.slice(0, 2), plan.evidenceSha256))).toBe('400');
      expect(mode(path.join(dataDir, 'evidence'))).toBe('700');
    } finally {
      await nested.stop();
    }
  });
});

describe('truncation of the tail', () => {
  it('is reported by /integrity and verify-chain against the last signed head', async () => {
    const ledger = await startLedger();
    try {
      const plan = await createPlanFixture(ledger);
      const before = await ledger.request('GET', `/plans/${plan.planId}/integrity`);
      expect(before.body).toMatchObject({ ok: true, signedHead: { size: before.body.length } });
      const size = before.body.length as number;

      const db = new Database(path.join(ledger.dir, 'ledger.sqlite'));
      db.exec('DROP TRIGGER events_are_not_deleted;');
      db.prepare('DELETE FROM events WHERE stream_id = ? AND revision >= ?').run(`plan-${plan.planId}`, size - 2);
      db.close();

      const after = await ledger.request('GET', `/plans/${plan.planId}/integrity`);
      expect(after.status).toBe(200);
      expect(after.body).toMatchObject({ ok: false, length: size - 2, brokenAtRevision: size - 2 });
      expect(after.body.problem).toContain(`the log is shorter than the head signed at ${before.body.signedHead.signedAt} (${size} events, now ${size - 2})`);

      const lines: string[] = [];
      const saved = { ...process.env };
      Object.assign(process.env, { LEDGER_SIGNING_KEY_DIR: path.join(ledger.dir, 'keys'), LEDGER_EVIDENCE_DIR: path.join(ledger.dir, 'evidence') });
      try {
        expect(await runCli(['verify-chain', plan.planId, '--db', path.join(ledger.dir, 'ledger.sqlite')], { out: (line) => lines.push(line), err: (line) => lines.push(line), progress: process.stderr })).toBe(1);
      } finally {
        process.env = saved;
      }
      expect(lines.join('\n')).toContain(`CHAIN BROKEN at revision ${size - 2}: the log is shorter than the head signed at`);
    } finally {
      await ledger.stop();
    }
  });
});
