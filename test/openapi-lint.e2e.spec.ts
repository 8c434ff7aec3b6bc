import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

const run = promisify(execFile);
const bin = (name: string) => path.join(process.cwd(), 'node_modules', '.bin', name);

let ledger: RunningLedger;
let dir: string;
let documentFile: string;
beforeAll(async () => {
  ledger = await startLedger();
  dir = mkdtempSync(path.join(tmpdir(), 'ledger-openapi-'));
  const res = await ledger.request('GET', '/api/openapi.json', { actor: null });
  expect(res.status).toBe(200);
  documentFile = path.join(dir, 'openapi.json');
  writeFileSync(documentFile, JSON.stringify(res.body, null, 2));
}, 60_000);
afterAll(async () => {
  await ledger.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A linter's exit code and output; a non-zero exit is a result here, not a failure of the call. */
async function lint(command: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(command, args, { cwd: dir, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' }, maxBuffer: 20 * 1024 * 1024 });
    return { code: 0, out: stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error; // it did not run at all: say why
    return { code: e.code, out: e.stdout ?? '' };
  }
}

describe('the served OpenAPI document passes the ecosystem linters', () => {
  it('has no errors under Redocly (recommended rules)', async () => {
    writeFileSync(path.join(dir, 'redocly.yaml'), 'extends:\n  - recommended\n');
    const { code, out } = await lint(bin('redocly'), ['lint', '--format', 'json', documentFile]);
    const report = JSON.parse(out) as { totals: { errors: number }; problems: Array<{ ruleId: string; severity: string; message: string }> };
    expect(report.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(report.totals.errors).toBe(0);
    expect(code).toBe(0);
  }, 120_000);

  it('has no errors under Spectral (spectral:oas)', async () => {
    writeFileSync(path.join(dir, '.spectral.json'), JSON.stringify({ extends: [['spectral:oas', 'recommended']] }));
    // The JSON report goes to a file: on stdout Spectral adds a sentence after it when nothing is wrong.
    const report = path.join(dir, 'spectral.json');
    const { code } = await lint(bin('spectral'), ['lint', '--format', 'json', '--output', report, '--fail-severity', 'error', '--ruleset', path.join(dir, '.spectral.json'), documentFile]);
    const results = JSON.parse(readFileSync(report, 'utf8')) as Array<{ code: string; severity: number; message: string; path: string[] }>;
    // Spectral's severities: 0 error, 1 warning, 2 information, 3 hint.
    expect(results.filter((r) => r.severity === 0).map((r) => `${r.code} at ${r.path.join('.')}: ${r.message}`)).toEqual([]);
    expect(code).toBe(0);
  }, 120_000);

  it('gives every operation an operationId, a tag and a typed success response', async () => {
    const doc = (await ledger.request('GET', '/api/openapi.json', { actor: null })).body;
    for (const [p, operations] of Object.entries(doc.paths as Record<string, Record<string, { operationId: string; tags: string[]; responses: Record<string, { content?: Record<string, unknown> }> }>>)) {
      for (const [method, op] of Object.entries(operations)) {
        expect({ at: `${method} ${p}`, hasId: typeof op.operationId, tags: op.tags.length }).toEqual({ at: `${method} ${p}`, hasId: 'string', tags: 1 });
        const success = op.responses['200'] ?? op.responses['201'];
        expect({ at: `${method} ${p}`, content: Boolean(success?.content) }).toEqual({ at: `${method} ${p}`, content: true });
      }
    }
    expect(doc.paths['/plans/{planId}/bundle'].get.responses['200'].content).toHaveProperty('application/zip');
    expect(doc.paths['/audit-log'].get.responses['200'].content).toHaveProperty('text/csv');
    expect(doc.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect(doc.info.license.name).toBeTruthy();
  });
});
