import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startLedger, DEFAULT_ORGANISATION, type RunningLedger } from './support/ledger-app.js';
import { createPlanFixture } from './support/plan-fixture.js';

const ISSUER = 'https://login.microsoftonline.com/central-bedfordshire/v2.0';
const AUDIENCE = 'api://safeguarding-ledger';
type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
let ledger: RunningLedger;
let privateKey: SigningKey;
let strangerKey: SigningKey;
let planId: string;

function jwt(claims: Record<string, unknown>, options: { key?: SigningKey; audience?: string; expiresIn?: string | number } = {}) {
  return new SignJWT({ name: 'Sue Ioannou', roles: ['Ledger.Editor'], tid: DEFAULT_ORGANISATION, ...claims })
    .setProtectedHeader({ alg: 'RS256' })
    .setIssuer(ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setSubject('sue-ioannou')
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '10m')
    .sign(options.key ?? privateKey);
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-oidc-'));
  const keyFile = path.join(dir, 'idp-public.pem');
  writeFileSync(keyFile, await exportSPKI(pair.publicKey));
  ledger = await startLedger({ LEDGER_OIDC_ISSUER: ISSUER, LEDGER_OIDC_AUDIENCE: AUDIENCE, LEDGER_OIDC_PUBLIC_KEY_FILE: keyFile });
  ({ planId } = await createPlanFixture(ledger, { organisationId: DEFAULT_ORGANISATION }));
});

afterAll(async () => {
  await ledger.stop();
});

describe("sign-in through the council's identity provider (OIDC / Entra ID)", () => {
  it('accepts a valid token and takes the person, role and organisation from its claims', async () => {
    const res = await ledger.request('GET', '/me', { token: await jwt({}) });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ userId: 'sue-ioannou', displayName: 'Sue Ioannou', role: 'editor', organisationId: DEFAULT_ORGANISATION, signedInWith: 'oidc' });
  });

  it('records the signed-in person as the actor of what they change', async () => {
    const token = await jwt({});
    const plan = (await ledger.request('GET', `/plans/${planId}`, { token })).body;
    const res = await ledger.request('POST', `/plans/${planId}/actions/${plan.actions[0].id}/progress-updates`, { token, body: { narrative: 'Recorded after signing in with Entra ID' } });
    expect(res.status).toBe(201);
    const events = (await ledger.request('GET', `/plans/${planId}/events`, { token })).body.events;
    expect(events.at(-1).metadata.actor).toMatchObject({ id: 'sue-ioannou', displayName: 'Sue Ioannou', role: 'editor' });
  });

  it('refuses a token for another audience, one signed by another key, an expired one and one without a ledger role', async () => {
    const cases = {
      audience: await jwt({}, { audience: 'api://someone-else' }),
      signature: await jwt({}, { key: strangerKey }),
      expired: await jwt({}, { expiresIn: Math.floor(Date.now() / 1000) - 60 }),
      role: await jwt({ roles: ['Ledger.Emperor'] }),
      tampered: (await jwt({})).replace(/\.([^.]+)\./, (_, payload: string) => `.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), roles: ['Ledger.Admin'] })).toString('base64url')}.`),
    };
    const codes = Object.fromEntries(await Promise.all(Object.entries(cases).map(async ([name, token]) => [name, (await ledger.request('GET', '/me', { token })).body.code])));
    expect(codes).toEqual({ audience: 'TOKEN_INVALID', signature: 'TOKEN_INVALID', expired: 'TOKEN_EXPIRED', role: 'TOKEN_INVALID', tampered: 'TOKEN_INVALID' });
  });

  it("keeps a person from another tenant out of this organisation's plans", async () => {
    const res = await ledger.request('GET', `/plans/${planId}`, { token: await jwt({ tid: 'another-tenant', roles: ['Ledger.Admin'] }) });
    expect(res.status).toBe(404);
  });
});
