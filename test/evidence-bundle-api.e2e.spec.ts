import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { statSync } from 'node:fs';
import path from 'node:path';
import { unzipSync } from 'fflate';
import { v7 as uuidv7 } from 'uuid';
import { PlanCommandService } from '#application';
import { verifyEvidenceBundle, verifySignedTreeHead, type BundleManifest } from '#evidence';
import { importOfstedPlan, MINUTES } from './support/ofsted-plan.js';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

/** The evidence-bundle routes over HTTP, on the real app with the Central Bedfordshire 2012-13 plan. */

let ledger: RunningLedger;
let planId: string;

/** A download: the zip's bytes, not JSON. */
async function download(urlPath: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(`${ledger.url}${urlPath}`, { headers: { Authorization: `Bearer ${await ledger.tokenFor()}` } });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

function manifestOf(zip: Uint8Array): BundleManifest {
  return JSON.parse(Buffer.from(unzipSync(zip)['manifest.json']!).toString('utf8')) as BundleManifest;
}

beforeAll(async () => {
  ledger = await startLedger();
  planId = await importOfstedPlan(ledger.app.get(PlanCommandService));
  const plan = (await ledger.request('GET', `/plans/${planId}`)).body;
  const action = plan.actions.find((a: { ref: string }) => a.ref === '1.1.3');
  const attached = await ledger.request('POST', `/plans/${planId}/actions/${action.id}/evidence?name=${encodeURIComponent('CSSMT minutes.txt')}`, { rawBody: MINUTES, headers: { 'Content-Type': 'text/plain' } });
  expect(attached.status).toBe(201);
});

afterAll(async () => {
  await ledger?.stop();
});

describe('GET /plans/:planId/bundle', () => {
  it('downloads a signed zip of the plan as it stands, named for the plan and the instant, that verifies offline', async () => {
    const res = await download(`/plans/${planId}/bundle`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/zip');
    expect(res.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="evidence-bundle-${planId}-\\d{8}T\\d{6}Z-recorded\\.zip"$`));
    const result = await verifyEvidenceBundle(res.bytes);
    expect(result.checks.filter((c) => !c.ok)).toEqual([]);
    expect(result.manifest).toMatchObject({ planId, time: 'recorded', eventCount: 185, evidenceFiles: { included: false } });
    expect(res.headers.get('x-signing-key-fingerprint')).toBe(result.manifest!.signingKey.fingerprint);
    expect(res.headers.get('x-merkle-root')).toBe(result.manifest!.merkle.rootHash);
    // The key is made on first use, where LEDGER_SIGNING_KEY_DIR says, readable by its owner only.
    expect(statSync(path.join(ledger.config.signingKeyDir, 'signing-key.pem')).mode & 0o777).toBe(0o600);
  });

  it('builds it as at an instant in effective time, with the attached files when asked', async () => {
    const res = await download(`/plans/${planId}/bundle?asAt=2012-12-31T23:59:59Z&time=effective&withFiles=true`);
    expect(res.status).toBe(200);
    const files = unzipSync(res.bytes);
    const manifest = manifestOf(res.bytes);
    expect(manifest).toMatchObject({ asAt: '2012-12-31T23:59:59.000Z', time: 'effective', evidenceFiles: { included: true, missing: [] } });
    const evidence = Object.keys(files).filter((name) => name.startsWith('evidence/'));
    expect(evidence).toHaveLength(1);
    expect(Buffer.from(files[evidence[0]!]!).equals(MINUTES)).toBe(true);
    expect(JSON.parse(Buffer.from(files['state.json']!).toString('utf8')).rag.plan.sentence).toBe('0 of 70 recommendations completed in full');
    expect((await verifyEvidenceBundle(res.bytes)).ok).toBe(true);
  });

  it('answers 404 for a plan that does not exist, or did not exist at the instant', async () => {
    const unknown = await ledger.request('GET', `/plans/${uuidv7()}/bundle`);
    expect(unknown.status).toBe(404);
    const before = await ledger.request('GET', `/plans/${planId}/bundle?asAt=2001-01-01&time=recorded`);
    expect(before.status).toBe(404);
    expect(before.body).toMatchObject({ code: 'PLAN_NOT_FOUND', message: 'The plan did not exist at 2001-01-01T00:00:00.000Z (recorded time): the ledger had recorded nothing of it yet' });
  });

  it('answers 400 naming every bad part of the query', async () => {
    const res = await ledger.request('GET', `/plans/${planId}/bundle?asAt=yesterday&time=sideways&withFiles=maybe&colour=red`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.details.map((d: { path: string }) => d.path).sort()).toEqual(['query', 'query.asAt', 'query.time', 'query.withFiles']);
    expect(res.body.correlationId).toEqual(expect.any(String));
  });
});

describe('GET /plans/:planId/tree-head', () => {
  it('signs the size and Merkle root of the plan\'s stream, verifiable with the key the bundles carry', async () => {
    const res = await ledger.request('GET', `/plans/${planId}/tree-head`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ planId, treeSize: 185, rootHash: expect.stringMatching(/^[0-9a-f]{64}$/), keyFingerprint: expect.stringMatching(/^SHA256:/) });
    const bundle = await download(`/plans/${planId}/bundle`);
    const pem = Buffer.from(unzipSync(bundle.bytes)['signing-key.pem']!).toString('utf8');
    expect(await verifySignedTreeHead(res.body, pem)).toMatchObject({ ok: true });
    expect(res.body.rootHash).toBe(manifestOf(bundle.bytes).merkle.rootHash);
    expect(await verifySignedTreeHead({ ...res.body, treeSize: 184 }, pem)).toMatchObject({ ok: false });
  });

  it('answers 404 for a plan that does not exist and 400 for a query it does not take', async () => {
    expect((await ledger.request('GET', `/plans/${uuidv7()}/tree-head`)).status).toBe(404);
    const res = await ledger.request('GET', `/plans/${planId}/tree-head?asAt=2012-01-01`);
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual([{ path: 'query', problem: 'has unexpected field(s): asAt' }]);
  });
});
