import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AccessControl, AuthenticationError } from '#application';
import { authoriseOrganisation, authoriseOrganisationRoute, authorisePlan, LOGGED_READER_ROLES, roleAllows, type AccessState, type ErrorDetail, type Identity, type Permission } from '#domain';
import { ApiError } from '../api-error.js';
import { ImportUpload } from '../import-upload.js';
import { correlationIdOf } from '../request-context.js';
import { ROUTES, type RouteSpec } from '../route-table.js';
import { isWebRoute, readsFormAfterGuard, WEB_ROUTES } from '../../web/web-routes.js';
import { WebSessions } from '../../web/web-sessions.js';
import { Authenticator } from './authenticator.js';
import { actorFromIdentity, setIdentity } from './identity.js';
import { PlanOrganisations } from './plan-organisations.js';
import { RateLimits } from './rate-limits.js';

// The API's routes and the web pages' routes: one table of who may do what, read by this one guard.
const BY_ROUTE = new Map([...ROUTES, ...WEB_ROUTES].map((route) => [`${route.method} ${route.path}`, route]));

export function routeOf(req: Request): RouteSpec | undefined {
  const path = (req.route as { path?: string } | undefined)?.path;
  return path ? BY_ROUTE.get(`${req.method.toLowerCase()} ${path}`) : undefined;
}

/**
 * Every request passes here: the route table says what it needs; the bearer token says who is asking;
 * the access policy (libs/domain/src/access) decides. A plan the caller holds no role on answers 404.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    @Inject(Authenticator) private readonly authenticator: Authenticator,
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(PlanOrganisations) private readonly plans: PlanOrganisations,
    @Inject(RateLimits) private readonly limits: RateLimits,
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(ImportUpload) private readonly uploads: ImportUpload,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<Request>();
    const route = routeOf(req);
    if (!route?.permission) throw new ApiError(403, 'NO_ACCESS_RULE', 'This address has no access rule, so it is refused');
    // A page authenticates by its session cookie only, and every form post must carry the session's CSRF token.
    const page = isWebRoute(route);
    if (page) {
      this.sessions.find(req);
      // The import page's form is read after this guard: WebUploadInterceptor checks its token before the handler runs.
      if (req.method === 'POST' && !readsFormAfterGuard(route)) this.sessions.checkCsrf(req);
    }
    if (route.permission === 'public') return true;
    // One read of the access state a request, when first needed: the token is checked and the request authorised
    // against the same revision (each write read the access stream's head twice). A revocation from anywhere
    // still counts from the next request on: the state is the request's, never kept from one request to the next.
    let access: Promise<AccessState> | undefined;
    const accessNow = () => (access ??= this.access.state());
    const identity = page ? this.sessions.identityOf(req) : await this.identify(req, accessNow);
    // Counted once we know who it is, before any authorisation work is spent on them.
    this.limits.signedIn(identity, context.switchToHttp().getResponse<Response>());
    if (route.permission === 'signed-in') {
      setIdentity(req, identity, identity.role);
      return true;
    }
    if (route.planInForm) return this.authoriseFormPlan(context, req, route, route.permission, identity, route.planInForm, accessNow);
    const planId = req.params.planId;
    if (typeof planId === 'string') return this.authorisePlanRequest(req, route, route.permission, identity, planId, [], accessNow);
    const state = await accessNow();
    const now = new Date().toISOString();
    // Organisation-wide: one's own role, or (where the handler scopes the data) a live grant giving the permission somewhere.
    if (!authoriseOrganisationRoute(identity, state, route.permission, now)) {
      throw forbidden(identity.role, route.permission);
    }
    setIdentity(req, identity, identity.role);
    return true;
  }

  private async identify(req: Request, accessNow: () => Promise<AccessState>): Promise<Identity> {
    try {
      return await this.authenticator.authenticate(req, accessNow);
    } catch (error) {
      if (error instanceof AuthenticationError) {
        this.limits.failedSignIn(req);
        throw new ApiError(401, error.code, error.message);
      }
      throw error;
    }
  }

  /**
   * The plan is named in the form (the import), so the form is read first, now that the caller is known: the
   * permission on that plan, or without one the permission to create a plan in one's own organisation. The
   * field is read as the form's schema reads it (trimmed, blank meaning left out).
   */
  private async authoriseFormPlan(
    context: ExecutionContext,
    req: Request,
    route: RouteSpec,
    permission: Permission,
    identity: Identity,
    { field, withoutPlan }: NonNullable<RouteSpec['planInForm']>,
    accessNow: () => Promise<AccessState>,
  ): Promise<boolean> {
    await this.uploads.read(context);
    const named = new Map(Object.entries((req.body ?? {}) as Record<string, unknown>)).get(field);
    const planId = typeof named === 'string' ? named.trim() : '';
    if (planId !== '') return this.authorisePlanRequest(req, route, permission, identity, planId, [{ path: `body.${field}`, problem: 'is not a plan you can import into' }], accessNow);
    if (!authoriseOrganisation(identity, withoutPlan)) throw forbidden(identity.role, withoutPlan);
    setIdentity(req, identity, identity.role);
    return true;
  }

  /** `accessNow`: the request's access state, the one its token was checked against (a page's session: read here). */
  private async authorisePlanRequest(req: Request, route: RouteSpec, permission: Permission, identity: Identity, planId: string, notFound: ErrorDetail[], accessNow: () => Promise<AccessState>): Promise<boolean> {
    const organisationId = await this.plans.of(planId);
    if (!organisationId) throw new ApiError(404, 'PLAN_NOT_FOUND', 'There is no such plan', notFound);
    const decision = authorisePlan(identity, await accessNow(), { organisationId, planId }, permission, new Date().toISOString());
    if (decision.outcome === 'not-found') throw new ApiError(404, 'PLAN_NOT_FOUND', 'There is no such plan', notFound);
    if (decision.outcome === 'forbidden') throw forbidden(decision.roles.join(', '), permission);
    const acting = decision.roles.find((role) => roleAllows(role, permission))!;
    setIdentity(req, identity, acting);
    if (!route.writes && LOGGED_READER_ROLES.includes(acting)) {
      const query = req.query as { asAt?: unknown; time?: unknown };
      await this.access.recordAccess(
        {
          planId,
          organisationId,
          view: route.path,
          role: acting,
          ...(typeof query.asAt === 'string' ? { asAt: query.asAt.slice(0, 100) } : {}),
          ...(typeof query.time === 'string' ? { time: query.time.slice(0, 20) } : {}),
        },
        actorFromIdentity(req),
        correlationIdOf(req),
      );
    }
    return true;
  }
}

function forbidden(roles: string, permission: Permission): ApiError {
  return new ApiError(403, 'FORBIDDEN', `Your role (${roles}) does not allow this (${permission.replace('.', ': ')})`, [{ path: 'authorization', problem: `needs ${permission}` }]);
}
