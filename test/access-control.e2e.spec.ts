import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { AccessControl } from '#application';
import { roleAllows, type Role } from '#domain';
import { ROUTES, type RouteSpec } from '../apps/api/src/http/route-table.js';
import { startLedger, DEFAULT_ORGANISATION, type RunningLedger } from './support/ledger-app.js';
import { createPlanFixture, type PlanFixture } from './support/plan-fixture.js';

const OTHER_ORGANISATION = 'bedford-borough-council';
const ROLES: Role[] = ['admin', 'editor', 'auditor', 'inspector', 'regulator', 'approver'];
const operator = { id: 'test', displayName: 'Test set-up' };

let ledger: RunningLedger;
let plan: PlanFixture;
let tokens: Record<string, string>;

/** One valid request per route: the matrix fails for a route that has none, so no endpoint escapes it. */
type Sample = { url: string; body?: unknown; raw?: { bytes: Buffer; contentType: string }; form?: () => FormData };
const SAMPLES: Record<string, (p: PlanFixture) => Sample | Promise<Sample>> = {
  'get /health': () => ({ url: '/health' }),
  'get /api/openapi.json': () => ({ url: '/api/openapi.json' }),
  'get /api/docs': () => ({ url: '/api/docs' }),
  'get /api/docs/:asset': () => ({ url: '/api/docs/explorer.js' }),
  'get /me': () => ({ url: '/me' }),
  'get /access/grants': () => ({ url: '/access/grants' }),
  'post /access/grants': () => ({ url: '/access/grants', body: { userId: 'someone', role: 'inspector', reason: 'Inspection' } }),
  'post /access/grants/:grantId/revocation': async () => {
    const grantId = await ledger.app.get(AccessControl).grant({ userId: 'someone', role: 'inspector', reason: 'To be revoked' }, DEFAULT_ORGANISATION, operator);
    return { url: `/access/grants/${grantId}/revocation`, body: { reason: 'Done' } };
  },
  'get /access-log': () => ({ url: '/access-log' }),
  'get /plans': () => ({ url: '/plans' }),
  'post /plans': () => ({ url: '/plans', body: { title: 'Another plan', organisation: 'A council', respondsTo: 'Peer review' } }),
  'get /plans/:planId': (p) => ({ url: `/plans/${p.planId}?asAt=2030-01-01T00:00:00Z&time=effective` }),
  'get /plans/:planId/changes-since': (p) => ({ url: `/plans/${p.planId}/changes-since?from=2020-01-01` }),
  'get /plans/:planId/retrospective-entries': (p) => ({ url: `/plans/${p.planId}/retrospective-entries` }),
  'get /plans/:planId/rag-trend': (p) => ({ url: `/plans/${p.planId}/rag-trend?from=2026-01-01&to=2026-03-31` }),
  'get /plans/:planId/actions/:actionId/history': (p) => ({ url: `/plans/${p.planId}/actions/${p.actionId}/history` }),
  'get /audit-log': () => ({ url: '/audit-log?limit=5' }),
  'get /plans/:planId/events': (p) => ({ url: `/plans/${p.planId}/events` }),
  'get /plans/:planId/integrity': (p) => ({ url: `/plans/${p.planId}/integrity` }),
  'post /plans/:planId/workstreams': (p) => ({ url: `/plans/${p.planId}/workstreams`, body: { number: String(Math.random()).slice(2, 10), title: 'New workstream' } }),
  'post /plans/:planId/recommendations': (p) => ({ url: `/plans/${p.planId}/recommendations`, body: { ref: String(Math.random()).slice(2, 10), text: 'New recommendation' } }),
  'post /plans/:planId/recommendations/:recommendationId/sign-off': (p) => ({ url: `/plans/${p.planId}/recommendations/${p.recommendationId}/sign-off`, body: {} }),
  'post /plans/:planId/actions': (p) => ({ url: `/plans/${p.planId}/actions`, body: { ref: String(Math.random()).slice(2, 10), description: 'New action', leads: ['Lead'], target: 'May 2031' } }),
  'post /plans/:planId/actions/:actionId/progress-updates': (p) => ({ url: `/plans/${p.planId}/actions/${p.actionId}/progress-updates`, body: { narrative: 'More progress' } }),
  'post /plans/:planId/actions/:actionId/status': (p) => ({ url: `/plans/${p.planId}/actions/${p.actionId}/status`, body: { to: 'blocked', reason: 'Waiting for staff' } }),
  'post /plans/:planId/actions/:actionId/reassignments': (p) => ({ url: `/plans/${p.planId}/actions/${p.actionId}/reassignments`, body: { to: [`Lead ${Math.random()}`], reason: 'Handover' } }),
  'post /plans/:planId/actions/:actionId/target-slips': (p) => ({ url: `/plans/${p.planId}/actions/${p.actionId}/target-slips`, body: { to: `${1 + Math.floor(Math.random() * 27)} June 2032`, reason: 'Capacity' } }),
  'post /plans/:planId/actions/:actionId/rag-assessments': (p) => ({ url: `/plans/${p.planId}/actions/${p.actionId}/rag-assessments`, body: { rating: 'amber', rationale: 'Slipping' } }),
  'post /plans/:planId/actions/:actionId/evidence': (p) => ({ url: `/plans/${p.planId}/actions/${p.actionId}/evidence?name=more.txt`, raw: { bytes: Buffer.from('more evidence'), contentType: 'text/plain' } }),
  'post /plans/:planId/actions/:actionId/completion': (p) => ({ url: `/plans/${p.planId}/actions/${p.actionId}/completion`, body: {} }),
  'post /plans/:planId/actions/:actionId/reopening': (p) => ({ url: `/plans/${p.planId}/actions/${p.actionId}/reopening`, body: { reason: 'Not finished' } }),
  'post /plans/:planId/audit-outcomes': (p) => ({
    url: `/plans/${p.planId}/audit-outcomes`,
    body: { subject: { kind: 'action', actionId: p.actionId }, auditDate: '2026-02-01', auditor: 'QA', rating: 'good', findings: 'Fine' },
  }),
  'post /plans/:planId/corrections': (p) => ({ url: `/plans/${p.planId}/corrections`, body: { eventId: p.progressEventId, kind: 'amended', amendments: { narrative: `Audit booked (${Math.random()})` }, reason: 'Wording' } }),
  'get /plans/:planId/evidence/:sha256': (p) => ({ url: `/plans/${p.planId}/evidence/${p.evidenceSha256}` }),
  'get /plans/:planId/bundle': (p) => ({ url: `/plans/${p.planId}/bundle?asAt=2030-01-01T00:00:00Z` }),
  'get /plans/:planId/tree-head': (p) => ({ url: `/plans/${p.planId}/tree-head` }),
  // The fixture's own setting, unchanged (422 NO_CHANGE once allowed): the plan other samples write to stays without approval.
  'post /plans/:planId/approval-requirement': (p) => ({ url: `/plans/${p.planId}/approval-requirement`, body: { required: false } }),
  'get /plans/:planId/approval-queue': (p) => ({ url: `/plans/${p.planId}/approval-queue` }),
  'get /plans/:planId/my-submissions': (p) => ({ url: `/plans/${p.planId}/my-submissions` }),
  // A fresh pending update submitted by someone who is none of the callers, on a plan of the same organisation that requires approval.
  'post /plans/:planId/submissions/:submissionId/acceptance': async () => ({ url: `/plans/${await approvalPlanId()}/submissions/${await freshSubmission()}/acceptance`, body: {} }),
  'post /plans/:planId/submissions/:submissionId/rejection': async () => ({ url: `/plans/${await approvalPlanId()}/submissions/${await freshSubmission()}/rejection`, body: { reason: 'Not evidenced' } }),
  // Someone else's: allowed callers reach the rule that only the submitter withdraws or resubmits (409 NOT_SUBMITTER).
  'post /plans/:planId/submissions/:submissionId/withdrawal': async () => ({ url: `/plans/${await approvalPlanId()}/submissions/${await freshSubmission()}/withdrawal`, body: {} }),
  'post /plans/:planId/submissions/:submissionId/resubmission': async () => ({ url: `/plans/${await approvalPlanId()}/submissions/${await freshSubmission()}/resubmission`, body: {} }),
  'get /update-requests': () => ({ url: '/update-requests?escalated=true' }),
  'get /plans/:planId/update-requests': (p) => ({ url: `/plans/${p.planId}/update-requests?asAt=2031-01-01&time=effective` }),
  'get /plans/:planId/escalations': (p) => ({ url: `/plans/${p.planId}/escalations` }),
  // Random, so each allowed caller changes it rather than meeting NO_CHANGE (either way past the access layer).
  'post /plans/:planId/update-window': (p) => ({ url: `/plans/${p.planId}/update-window`, body: { days: 1 + Math.floor(Math.random() * 366) } }),
  'post /plans/:planId/lead-contacts': (p) => ({ url: `/plans/${p.planId}/lead-contacts`, body: { lead: 'Audit Manager', userId: 'audit.manager', displayName: 'Audit Manager', email: `audit.manager+${String(Math.random()).slice(2, 8)}@council.example` } }),
  'get /plans/:planId/update-rounds': (p) => ({ url: `/plans/${p.planId}/update-rounds` }),
  'post /plans/:planId/update-rounds': (p) => ({ url: `/plans/${p.planId}/update-rounds`, body: { title: 'Monitoring round', dueBy: '2099-12-31' } }),
  'get /plans/:planId/update-rounds/:roundId': async (p) => ({ url: `/plans/${p.planId}/update-rounds/${await roundOn(p)}` }),
  // The first allowed caller closes it; the others meet 409 ROUND_CLOSED, still past the access layer.
  'post /plans/:planId/update-rounds/:roundId/closure': async (p) => ({ url: `/plans/${p.planId}/update-rounds/${await roundOn(p)}/closure`, body: {} }),
  'post /plans/import': () => ({
    url: '/plans/import',
    form: () => {
      const form = new FormData();
      form.set('file', new Blob(['Rec No\tRecommendation\tAction\tDate for completion\tResponsible manager(s)\n1\tDo it\tAct\tMay 2031\tLead\n']), 'plan.txt');
      form.set('title', 'Imported');
      form.set('organisation', 'A council');
      form.set('respondsTo', 'Review');
      form.set('dryRun', 'true');
      return form;
    },
  }),
};

let approvalPlan: Promise<PlanFixture> | undefined;
let approvalGrantId: string | undefined;
/** A second plan of the organisation, requiring approval, made on first use. */
async function approvalPlanId(): Promise<string> {
  approvalPlan ??= (async () => {
    const fixture = await createPlanFixture(ledger, { actor: 'Approval Fixture Admin' });
    const set = await ledger.request('POST', `/plans/${fixture.planId}/approval-requirement`, { actor: 'Approval Fixture Admin', role: 'admin', body: { required: true } });
    if (set.status !== 201) throw new Error(`approval-requirement → ${set.status}`);
    // The granted inspector sees this plan as it sees the fixture's, so the matrix asks it the same question.
    approvalGrantId = await ledger.app.get(AccessControl).grant({ userId: 'ofsted-inspector.ofsted', role: 'inspector', planId: fixture.planId, expiresAt: new Date(Date.now() + 86_400_000).toISOString(), reason: 'Inspection' }, DEFAULT_ORGANISATION, operator);
    return fixture;
  })();
  return (await approvalPlan).planId;
}

let overdueAction: Promise<void> | undefined;
let sharedRound: Promise<string> | undefined;
/** An update round on the fixture's plan, opened by its admin: the plan is given an overdue action once, so a round has someone to ask. */
async function freshRound(p: PlanFixture): Promise<string> {
  overdueAction ??= (async () => {
    const added = await ledger.request('POST', `/plans/${p.planId}/actions`, { body: { ref: 'R.1', description: 'Overdue for the rounds', leads: ['Audit Manager'], target: 'January 2020' } });
    if (added.status !== 201) throw new Error(`overdue action → ${added.status}`);
  })();
  await overdueAction;
  const opened = await ledger.request('POST', `/plans/${p.planId}/update-rounds`, { body: { title: 'Matrix round', dueBy: '2099-12-31' } });
  if (opened.status !== 201) throw new Error(`round → ${opened.status} ${JSON.stringify(opened.body)}`);
  return opened.body.events[0].data.roundId as string;
}
function roundOn(p: PlanFixture): Promise<string> {
  sharedRound ??= freshRound(p);
  return sharedRound;
}

async function freshSubmission(): Promise<string> {
  const fixture = (await approvalPlan) ?? (await approvalPlanId(), await approvalPlan!);
  const res = await ledger.request('POST', `/plans/${fixture.planId}/actions/${fixture.actionId}/progress-updates`, { actor: 'Sample Submitter', role: 'editor', body: { narrative: `Progress ${Math.random()}` } });
  if (res.status !== 201) throw new Error(`submission → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.events[0].data.submissionId as string;
}

async function send(route: RouteSpec, token: string | undefined) {
  const sample = await SAMPLES[`${route.method} ${route.path}`]!(plan);
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  let body: FormData | Buffer | string | undefined;
  if (sample.form) body = sample.form();
  else if (sample.raw) (body = sample.raw.bytes), (headers['Content-Type'] = sample.raw.contentType);
  else if (sample.body !== undefined) (body = JSON.stringify(sample.body)), (headers['Content-Type'] = 'application/json');
  const res = await fetch(`${ledger.url}${sample.url}`, { method: route.method.toUpperCase(), headers, body });
  const text = await res.text();
  return { status: res.status, body: text };
}

async function issue(name: string, role: Role, organisationId: string, expiresInMs = 3_600_000) {
  const access = ledger.app.get(AccessControl);
  const userId = `${name}.${organisationId}`;
  if (!(await access.state()).users[userId]) await access.registerUser({ userId, displayName: name, organisationId }, operator);
  return access.issueToken({ userId, role, expiresAt: new Date(Date.now() + expiresInMs).toISOString() }, operator);
}

beforeAll(async () => {
  ledger = await startLedger();
  plan = await createPlanFixture(ledger);
  const access = ledger.app.get(AccessControl);
  tokens = {};
  for (const role of ROLES) tokens[role] = (await issue(`own-${role}`, role, DEFAULT_ORGANISATION)).token;
  tokens['other-organisation-admin'] = (await issue('other-admin', 'admin', OTHER_ORGANISATION)).token;
  const inspector = await issue('ofsted-inspector', 'inspector', 'ofsted');
  tokens['granted-inspector'] = inspector.token;
  await access.grant({ userId: 'ofsted-inspector.ofsted', role: 'inspector', planId: plan.planId, expiresAt: new Date(Date.now() + 86_400_000).toISOString(), reason: 'Inspection' }, DEFAULT_ORGANISATION, operator);
  const revoked = await issue('revoked-admin', 'admin', DEFAULT_ORGANISATION);
  await access.revokeToken(revoked.tokenId, 'Left the council', operator);
  tokens['revoked-token'] = revoked.token;
  tokens['expired-token'] = (await issue('expired-admin', 'admin', DEFAULT_ORGANISATION, 1_000)).token;
  await new Promise((resolve) => setTimeout(resolve, 1_100));
}, 60_000);

afterAll(async () => {
  await ledger.stop();
});

type Expectation = 'ok' | 401 | 403 | 404;

function expected(route: RouteSpec, who: string): Expectation {
  const permission = route.permission!;
  if (permission === 'public') return 'ok';
  if (who === 'no-token' || who === 'revoked-token' || who === 'expired-token') return 401;
  if (permission === 'signed-in') return 'ok';
  // A plan, or a grant, of another organisation does not exist for the caller.
  const onPlan = route.path.includes(':planId') || route.path.includes(':grantId');
  if (who === 'other-organisation-admin') return onPlan ? 404 : 'ok';
  if (who === 'granted-inspector') return roleAllows('inspector', permission) ? 'ok' : 403;
  return roleAllows(who as Role, permission) ? 'ok' : 403;
}

describe('the authorisation matrix: every route × every kind of caller', () => {
  // The inspector's grant on the approval samples' plan is the matrix's alone: the tests below expect its one grant.
  afterAll(async () => {
    if (approvalGrantId) await ledger.request('POST', `/access/grants/${approvalGrantId}/revocation`, { token: tokens.admin, body: { reason: 'Matrix done' } });
  });

  it('has an access rule and a sample request for every route in the route table', () => {
    const missing = ROUTES.filter((route) => !route.permission || !SAMPLES[`${route.method} ${route.path}`]).map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(missing).toEqual([]);
  });

  const callers = ['no-token', 'expired-token', 'revoked-token', ...ROLES, 'other-organisation-admin', 'granted-inspector'];
  for (const route of ROUTES) {
    it(`answers ${route.method.toUpperCase()} ${route.path} as the policy says for each caller`, async () => {
      if (!route.permission || !SAMPLES[`${route.method} ${route.path}`]) throw new Error('no rule or sample for this route');
      const outcomes: Record<string, unknown> = {};
      const wanted: Record<string, unknown> = {};
      for (const who of callers) {
        const { status, body } = await send(route, tokens[who]);
        const want = expected(route, who);
        // Allowed means the access layer let it through: whatever the handler then says, it is not 401/403/404 and never 500.
        const got = status >= 500 ? `500 ${body.slice(0, 200)}` : want === 'ok' && ![401, 403, 404].includes(status) ? 'ok' : status;
        outcomes[who] = got;
        wanted[who] = want;
      }
      expect(outcomes).toEqual(wanted);
    });
  }
});

describe('tenant isolation', () => {
  it("lists only one's own organisation's plans and hides the other's", async () => {
    const other = await ledger.request('GET', '/plans', { token: tokens['other-organisation-admin'] });
    expect(other.body.map((p: { id: string }) => p.id)).not.toContain(plan.planId);
    const own = await ledger.request('GET', '/plans', { token: tokens.admin });
    expect(own.body.map((p: { id: string }) => p.id)).toContain(plan.planId);
    const granted = await ledger.request('GET', '/plans', { token: tokens['granted-inspector'] });
    expect(granted.body.map((p: { id: string }) => p.id)).toEqual([plan.planId]);
  });

  it("keeps another organisation's entries out of the audit log", async () => {
    const log = await ledger.request('GET', '/audit-log?limit=1000', { token: tokens['other-organisation-admin'] });
    expect(log.body.entries.filter((e: { planId: string }) => e.planId === plan.planId)).toEqual([]);
    const asked = await ledger.request('GET', `/audit-log?planId=${plan.planId}`, { token: tokens['other-organisation-admin'] });
    expect(asked.body.entries).toEqual([]);
  });

  it('refuses to grant access to another organisation\'s plan, or to revoke its grants', async () => {
    const grant = await ledger.request('POST', '/access/grants', { token: tokens['other-organisation-admin'], body: { userId: 'x', role: 'inspector', planId: plan.planId, reason: 'Sneaky' } });
    expect(grant.status).toBe(404);
    const grants = await ledger.request('GET', '/access/grants', { token: tokens.admin });
    const grantId = grants.body.grants[0].grantId;
    const revoke = await ledger.request('POST', `/access/grants/${grantId}/revocation`, { token: tokens['other-organisation-admin'], body: { reason: 'Sneaky' } });
    expect(revoke.status).toBe(404);
  });

  it("never lets a grant from another organisation count for managing one's own organisation's access, creating its plans or reading its access log", async () => {
    // An editor of the other council, given an admin grant on one plan here: admin on that plan, nothing more.
    const visitor = await issue('visiting-editor', 'editor', OTHER_ORGANISATION);
    await ledger.app.get(AccessControl).grant({ userId: `visiting-editor.${OTHER_ORGANISATION}`, role: 'admin', planId: plan.planId, reason: 'Joint review' }, DEFAULT_ORGANISATION, operator);
    const before = (await ledger.app.get(AccessControl).state()).revision;
    for (const [method, path, body] of [
      ['GET', '/access/grants', undefined],
      ['POST', '/access/grants', { userId: `visiting-editor.${OTHER_ORGANISATION}`, role: 'admin', reason: 'Self-promotion' }],
      ['GET', '/access-log', undefined],
      ['POST', '/plans', { title: 'A plan of their own', organisation: 'Other', respondsTo: 'Nobody' }],
    ] as const) {
      const answer = await ledger.request(method, path, { token: visitor.token, ...(body ? { body } : {}) });
      expect({ method, path, status: answer.status }).toEqual({ method, path, status: 403 });
    }
    expect((await ledger.app.get(AccessControl).state()).revision).toBe(before);
    // On the plan granted, the grant does count.
    const onPlan = await ledger.request('GET', `/plans/${plan.planId}`, { token: visitor.token });
    expect(onPlan.status).toBe(200);
  });

  it('leaves the plan unchanged by every write tried across the boundary', async () => {
    const before = (await ledger.request('GET', `/plans/${plan.planId}/events`, { token: tokens.admin })).body.events.length;
    for (const route of ROUTES.filter((r) => r.writes && r.path.includes(':planId'))) {
      const { status } = await send(route, tokens['other-organisation-admin']);
      expect({ route: route.path, status }).toEqual({ route: route.path, status: 404 });
    }
    const after = (await ledger.request('GET', `/plans/${plan.planId}/events`, { token: tokens.admin })).body.events.length;
    expect(after).toBe(before);
  });
});

describe('tokens, grants and the access log', () => {
  it('says why a token is refused', async () => {
    expect((await ledger.request('GET', '/me', { token: tokens['revoked-token'] })).body.code).toBe('TOKEN_REVOKED');
    expect((await ledger.request('GET', '/me', { token: tokens['expired-token'] })).body.code).toBe('TOKEN_EXPIRED');
    expect((await ledger.request('GET', '/me', { token: 'lgr_0123456789abcdef0123456789abcdef_forgedforgedforgedforged' })).body.code).toBe('TOKEN_INVALID');
    expect((await ledger.request('GET', '/me', { actor: null })).body.code).toBe('TOKEN_MISSING');
  });

  it('revokes a token at once', async () => {
    const issued = await issue('short-lived', 'editor', DEFAULT_ORGANISATION);
    expect((await ledger.request('GET', '/me', { token: issued.token })).status).toBe(200);
    await ledger.app.get(AccessControl).revokeToken(issued.tokenId, 'Lost laptop', operator);
    expect((await ledger.request('GET', '/me', { token: issued.token })).status).toBe(401);
  });

  it('records the actor from the token on every event, whatever the body says', async () => {
    const res = await ledger.request('POST', `/plans/${plan.planId}/actions/${plan.actionId}/progress-updates`, { token: tokens.editor, body: { narrative: 'By the editor' } });
    expect(res.status).toBe(201);
    const events = (await ledger.request('GET', `/plans/${plan.planId}/events`, { token: tokens.admin })).body.events;
    expect(events.at(-1).metadata.actor).toEqual({ id: `own-editor.${DEFAULT_ORGANISATION}`, displayName: 'own-editor', role: 'editor', organisation: DEFAULT_ORGANISATION });
  });

  it('checks each write against the access state as it is when the write arrives: a revoked token, a new grant and a revoked grant count from the next request', async () => {
    // The guard reads the access state once a request, for the token and the authorisation both: each write here
    // must see the change made just before it, never the state an earlier request read.
    const access = ledger.app.get(AccessControl);
    const note = (narrative: string, token: string) => ledger.request('POST', `/plans/${plan.planId}/actions/${plan.actionId}/progress-updates`, { token, body: { narrative } });
    const revisionOf = async () => (await ledger.request('GET', `/plans/${plan.planId}/events`, { token: tokens.admin })).body.events.length;
    const own = await issue('writer-then-revoked', 'editor', DEFAULT_ORGANISATION);
    expect((await note('Before the revocation', own.token)).status).toBe(201);
    await access.revokeToken(own.tokenId, 'Lost laptop', operator);
    const before = await revisionOf();
    const refused = await note('After the revocation', own.token);
    expect([refused.status, refused.body.code]).toEqual([401, 'TOKEN_REVOKED']);
    const visitor = await issue('visiting-editor', 'inspector', 'ofsted');
    expect((await note('Before the grant', visitor.token)).status).toBe(404);
    const grantId = await access.grant({ userId: 'visiting-editor.ofsted', role: 'editor', planId: plan.planId, reason: 'Joint working' }, DEFAULT_ORGANISATION, operator);
    expect((await note('Under the grant', visitor.token)).status).toBe(201);
    await access.revokeGrant(grantId, DEFAULT_ORGANISATION, 'Joint working over', operator);
    expect((await note('After the grant', visitor.token)).status).toBe(404);
    // Only the write made under the grant landed after the revoked token's refusal.
    expect(await revisionOf()).toBe(before + 1);
  });

  it("ends an inspector's access when the grant expires or is revoked", async () => {
    const access = ledger.app.get(AccessControl);
    const visitor = await issue('visiting-inspector', 'inspector', 'ofsted');
    const grantId = await access.grant({ userId: 'visiting-inspector.ofsted', role: 'inspector', planId: plan.planId, reason: 'Focused visit' }, DEFAULT_ORGANISATION, operator);
    expect((await ledger.request('GET', `/plans/${plan.planId}`, { token: visitor.token })).status).toBe(200);
    const revoke = await ledger.request('POST', `/access/grants/${grantId}/revocation`, { token: tokens.admin, body: { reason: 'Visit over' } });
    expect(revoke.status).toBe(201);
    expect((await ledger.request('GET', `/plans/${plan.planId}`, { token: visitor.token })).status).toBe(404);
  });

  it("records an inspector's reads in the access log, which admins can read", async () => {
    await ledger.request('GET', `/plans/${plan.planId}?asAt=2026-02-01T00:00:00Z&time=effective`, { token: tokens['granted-inspector'] });
    const log = await ledger.request('GET', '/access-log', { token: tokens.admin });
    expect(log.status).toBe(200);
    expect(log.body.entries.at(-1)).toMatchObject({ planId: plan.planId, view: '/plans/:planId', asAt: '2026-02-01T00:00:00Z', time: 'effective', role: 'inspector', actor: { displayName: 'ofsted-inspector' } });
    expect((await ledger.request('GET', '/access-log', { token: tokens.editor })).status).toBe(403);
  });

  it('records grants and revocations as events: who granted whom what, when and why', async () => {
    const grants = await ledger.request('GET', '/access/grants', { token: tokens.admin });
    expect(grants.body.grants.find((g: { userId: string }) => g.userId === 'ofsted-inspector.ofsted')).toMatchObject({ role: 'inspector', planId: plan.planId, grantedBy: 'Test set-up', reason: 'Inspection', live: true });
  });
});

describe('hardening', () => {
  it('sends security headers and no cross-origin permission by default', async () => {
    const res = await fetch(`${ledger.url}/health`, { headers: { Origin: 'https://evil.example' } });
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('x-powered-by')).toBeNull();
  });

  it('limits how many requests one person may make in a minute, and failed sign-ins per address', async () => {
    const limited = await startLedger({ LEDGER_RATE_LIMIT_PER_MINUTE: '5', LEDGER_FAILED_SIGN_IN_LIMIT_PER_MINUTE: '5' });
    try {
      const token = await limited.tokenFor('Busy Person', 'editor');
      const statuses: number[] = [];
      for (let i = 0; i < 7; i++) statuses.push((await limited.request('GET', '/me', { token })).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429]);
      const other = await limited.tokenFor('Someone Else', 'editor');
      expect((await limited.request('GET', '/me', { token: other })).status).toBe(200);
      const anonymous: number[] = [];
      for (let i = 0; i < 7; i++) anonymous.push((await limited.request('GET', '/me', { actor: null })).status);
      expect(anonymous).toEqual([401, 401, 401, 401, 401, 429, 429]);
    } finally {
      await limited.stop();
    }
  });
});
