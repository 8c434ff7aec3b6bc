import type { INestApplication } from '@nestjs/common';
import { AccessControl, PlanCommandService } from '#application';
import { own, planStreamName, type Actor } from '#domain';
import type { EventStore } from '#event-store';
import { demoPlansDir, ImportError, importDemoPlan } from '#importer';
import { PlanProjector, PlanReadModels } from '#projections';
import { EVENT_STORE } from './ledger.tokens.js';
import { WebSessions } from './web/web-sessions.js';

const DEMO_OPERATOR: Actor = { id: 'demo-setup', displayName: 'Demo set-up' };
const DEMO_ADMIN = { userId: 'demo-admin', displayName: 'Demo Administrator' };
const DEMO_INSPECTOR = { userId: 'demo-inspector', displayName: 'Demo Inspector', organisationId: 'ofsted' };

export interface Demo {
  /** Absent when the fixtures folder could not be found (the ledger still starts, and says why). */
  planId?: string;
  title?: string;
  adminToken: string;
  inspectorToken: string;
  /** One-time browser sign-in links' codes (path /sign-in/link/<code>), valid until used, for a week, or until restart. */
  adminSignInCode: string;
  inspectorSignInCode: string;
}

/**
 * The tour `npm start` offers: the Laming 2009 plan imported from the repository's demo/ folder (once), an
 * administrator of its council and an Ofsted inspector granted that plan for 90 days. Tokens are stored
 * hashed, so fresh ones (valid a week) are issued at each start and printed, and the earlier ones revoked.
 */
export async function prepareDemo(app: INestApplication): Promise<Demo> {
  const readModels = app.get(PlanReadModels);
  let plan = readModels.plans()[0];
  if (!plan) {
    let imported;
    try {
      imported = await importDemoPlan(app.get(PlanCommandService), { id: 'demo-import', displayName: 'Demo import' }, process.env, demoPlansDir());
    } catch (error) {
      if (!(error instanceof ImportError && error.code === 'FIXTURES_NOT_FOUND')) throw error;
      console.warn(`No demo plan: ${error.message}`);
      return { ...(await demoTokens(app, 'central-bedfordshire-council')) };
    }
    const store = app.get<EventStore>(EVENT_STORE);
    const head = await store.readStream(planStreamName(imported.planId), { direction: 'backwards', maxCount: 1 });
    await app.get(PlanProjector).waitFor(head[0]!.position);
    plan = readModels.plan(imported.planId)!;
    console.log(`Imported the demo plan "${imported.title}" (${imported.counts.actions} actions) from ${imported.fileName}`);
  }
  const tokens = await demoTokens(app, plan.organisationId, plan.id);
  return { planId: plan.id, title: plan.title, ...tokens };
}

/**
 * The demo's administrator (of the plan's council) and inspector (granted the plan), with fresh tokens. The
 * tokens of earlier starts are revoked: they were printed to a terminal and only the newest ones are meant to be
 * in use, so a week-old scrollback or a shared log holds nothing that still works.
 */
async function demoTokens(app: INestApplication, organisationId: string, planId?: string): Promise<Omit<Demo, 'planId' | 'title'>> {
  const access = app.get(AccessControl);
  const state = await access.state();
  if (!own(state.users, DEMO_ADMIN.userId)) await access.registerUser({ ...DEMO_ADMIN, organisationId }, DEMO_OPERATOR);
  if (!own(state.users, DEMO_INSPECTOR.userId)) await access.registerUser(DEMO_INSPECTOR, DEMO_OPERATOR);
  const now = new Date().toISOString();
  const granted = Object.values(state.grants).some((g) => g.userId === DEMO_INSPECTOR.userId && g.planId === planId && !g.revoked && (!g.expiresAt || g.expiresAt > now));
  if (planId && !granted) {
    await access.grant(
      { userId: DEMO_INSPECTOR.userId, role: 'inspector', planId, expiresAt: new Date(Date.now() + 90 * 86_400_000).toISOString(), reason: 'Demo: inspection of the Laming 2009 plan' },
      organisationId,
      DEMO_OPERATOR,
    );
  }
  for (const issued of Object.values(state.tokens)) {
    const demoUser = issued.userId === DEMO_ADMIN.userId || issued.userId === DEMO_INSPECTOR.userId;
    if (demoUser && !issued.revoked && issued.expiresAt > now) {
      await access.revokeToken(issued.tokenId, 'Replaced by the demo tokens of a later start', DEMO_OPERATOR);
    }
  }
  const week = new Date(Date.now() + 7 * 86_400_000).toISOString();
  const admin = await access.issueToken({ userId: DEMO_ADMIN.userId, role: 'admin', expiresAt: week }, DEMO_OPERATOR);
  const inspector = await access.issueToken({ userId: DEMO_INSPECTOR.userId, role: 'inspector', expiresAt: week }, DEMO_OPERATOR);
  const sessions = app.get(WebSessions);
  const adminOrganisation = own((await access.state()).users, DEMO_ADMIN.userId)?.organisationId ?? organisationId;
  return {
    adminToken: admin.token,
    inspectorToken: inspector.token,
    adminSignInCode: sessions.issueSignInLink({ ...DEMO_ADMIN, organisationId: adminOrganisation, role: 'admin', via: 'sign-in-link' }),
    inspectorSignInCode: sessions.issueSignInLink({ ...DEMO_INSPECTOR, role: 'inspector', via: 'sign-in-link' }),
  };
}
