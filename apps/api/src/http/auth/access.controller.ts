import { Controller, Inject, Param, Query as QueryParams, Req } from '@nestjs/common';
import type { Request } from 'express';
import { AccessControl } from '#application';
import { ROLE_PERMISSIONS, scopesAllowing } from '#domain';
import { ApiError } from '../api-error.js';
import { AccessLogQuery, GrantBody, RevocationBody } from '../route-table.js';
import { Route } from '../route.decorator.js';
import { parseRequest } from '../validation.js';
import { actorFromIdentity, identityOf } from './identity.js';
import { PlanOrganisations } from './plan-organisations.js';

/** Who you are; who may see your organisation's plans; who read them. */
@Controller()
export class AccessController {
  constructor(
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(PlanOrganisations) private readonly plans: PlanOrganisations,
  ) {}

  @Route('getMe')
  async me(@Req() req: Request) {
    const identity = identityOf(req);
    const state = await this.access.state();
    const now = new Date().toISOString();
    return {
      userId: identity.userId,
      displayName: identity.displayName,
      organisationId: identity.organisationId,
      role: identity.role,
      signedInWith: identity.via,
      mayDo: ROLE_PERMISSIONS[identity.role],
      grants: Object.values(state.grants)
        .filter((g) => g.userId === identity.userId && !g.revoked && (!g.expiresAt || g.expiresAt > now))
        .map(({ grantId, role, organisationId, planId, expiresAt }) => ({ grantId, role, organisationId, planId, expiresAt })),
      canSee: scopesAllowing(identity, state, now),
    };
  }

  @Route('listGrants')
  async grants(@Req() req: Request) {
    const identity = identityOf(req);
    const state = await this.access.state();
    const now = new Date().toISOString();
    return {
      organisationId: identity.organisationId,
      grants: Object.values(state.grants)
        .filter((g) => g.organisationId === identity.organisationId)
        .map((g) => ({ ...g, live: !g.revoked && (!g.expiresAt || g.expiresAt > now) })),
    };
  }

  @Route('createGrant')
  async grant(@Req() req: Request) {
    const identity = identityOf(req);
    const body = parseRequest(GrantBody.strict(), req.body, 'body');
    if (body.planId && (await this.plans.of(body.planId)) !== identity.organisationId) {
      throw new ApiError(404, 'PLAN_NOT_FOUND', 'There is no such plan in your organisation', [{ path: 'body.planId', problem: 'is not a plan of your organisation' }]);
    }
    const grantId = await this.access.grant(body, identity.organisationId, actorFromIdentity(req));
    return { grantId };
  }

  @Route('revokeGrant')
  async revoke(@Param('grantId') grantId: string, @Req() req: Request) {
    const identity = identityOf(req);
    const { reason } = parseRequest(RevocationBody.strict(), req.body, 'body');
    await this.access.revokeGrant(grantId, identity.organisationId, reason, actorFromIdentity(req));
    return { grantId, revoked: true };
  }

  @Route('getAccessLog')
  async accessLog(@Req() req: Request, @QueryParams() query: unknown) {
    const identity = identityOf(req);
    const { fromRevision, maxCount } = parseRequest(AccessLogQuery, query, 'query');
    return { organisationId: identity.organisationId, entries: await this.access.accessLog(identity.organisationId, fromRevision, maxCount) };
  }
}
