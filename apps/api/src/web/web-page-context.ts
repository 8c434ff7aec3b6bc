import { hrefOf } from '../http/route.decorator.js';
import type { Request } from 'express';
import type { QueryBus } from '@nestjs/cqrs';
import { z } from 'zod';
import { roleAllows, type Identity, type PlanState } from '#domain';
import { GetPlanQuery } from '../cqrs/plan-queries.js';
import { ApiError } from '../http/api-error.js';
import { ROLE_NAMES } from './plan-page.js';
import type { WebSession } from './web-sessions.js';

export type NavigationSection = 'plans' | 'admin' | 'import' | 'verify' | 'approvals' | 'mine' | 'due' | 'account';

/**
 * The service navigation: Plans for everyone signed in, and the administrator's and importer's pages only
 * to those whose own role allows them (the same roleAllows the access guard applies to those routes).
 */
export function navigationFor(identity: Identity | undefined, current?: NavigationSection) {
  const items = [{ href: hrefOf('plansPage'), text: 'Plans', active: current === 'plans' }];
  // Approvers decide what editors submit; editors follow up their own submissions (issue 19).
  if (identity && roleAllows(identity.role, 'update.approve')) items.push({ href: hrefOf('approvalsPage'), text: 'Approvals', active: current === 'approvals' });
  if (identity && roleAllows(identity.role, 'action.record')) items.push({ href: hrefOf('mySubmissionsPage'), text: 'My submitted updates', active: current === 'mine' });
  if (identity && roleAllows(identity.role, 'action.record')) items.push({ href: hrefOf('myUpdatesDuePage'), text: 'My actions due an update', active: current === 'due' });
  if (identity && roleAllows(identity.role, 'plan.shape')) items.push({ href: hrefOf('importPage'), text: 'Import a plan', active: current === 'import' });
  if (identity && roleAllows(identity.role, 'access.manage')) items.push({ href: hrefOf('adminPage'), text: 'Administration', active: current === 'admin' });
  if (identity?.via === 'password') items.push({ href: hrefOf('ownPasswordPage'), text: 'Your password', active: current === 'account' });
  // Anyone may check a bundle, signed in or not: a regulator needs nothing from this ledger to do it.
  items.push({ href: hrefOf('verifyPage'), text: 'Check a bundle', active: current === 'verify' });
  return items;
}

/** What every page's layout needs: who is signed in, as what, the session's CSRF token, the navigation, a one-off message. */
export function pageContext(req: Request, session: WebSession | undefined, pageTitle: string, current?: NavigationSection) {
  const identity = session?.identity;
  const flash = session?.flash;
  if (session) session.flash = undefined;
  const acting = (req as Request & { actingRole?: string }).actingRole ?? identity?.role;
  return {
    pageTitle,
    identity,
    roleName: acting ? (ROLE_NAMES.get(acting) ?? acting) : undefined,
    csrfToken: session?.csrfToken,
    flash,
    navigation: navigationFor(identity, current),
  };
}

export type FieldErrors = Record<string, string>;

/** The error summary's links: each message to its field (a date input's first box). */
export function errorSummaryOf(errors: FieldErrors, anchors: ReadonlyMap<string, string> = new Map()): { text: string; href: string }[] {
  return Object.entries(errors).map(([field, text]) => ({ text, href: `#${anchors.get(field) ?? field}` }));
}

const NoQuery = z.object({}).strict();

/** A page that reads nothing from its address refuses one with a query (a 400 page), rather than ignoring it. */
export function refuseQuery(req: Request, page = 'this page'): void {
  if (!NoQuery.safeParse(req.query).success) throw new ApiError(400, 'VALIDATION_FAILED', `This address has a part ${page} does not read`);
}

/** The plan as it is now, or the 404 page: the guard has already said who may read it. */
export async function currentPlanOrNotFound(queries: QueryBus, planId: string): Promise<PlanState> {
  const state: PlanState | null = await queries.execute(new GetPlanQuery(planId));
  if (!state) throw new ApiError(404, 'PLAN_NOT_FOUND', 'There is no such plan');
  return state;
}
