import { Controller, Inject, Param, Query as QueryParams, Req, Res } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { AccessControl, type CommandResult } from '#application';
import { scopesAllowing, type PlanCommand } from '#domain';
import type { UpdateRequestList, UpdateRoundView } from '#projections';
import { ExecutePlanCommand } from '../cqrs/plan-commands.js';
import { GetUpdateRoundsQuery, ListUpdateRequestsQuery } from '../cqrs/update-request-queries.js';
import { identityOf } from './auth/identity.js';
import { routeOf } from './auth/access.guard.js';
import { actorOf, correlationIdOf, expectedRevisionOf } from './request-context.js';
import { bodySchemaOf } from './route-table.js';
import { hrefOf, Route } from './route.decorator.js';
import { EscalationsQuery, PlanUpdateRequestsQuery, UpdateRequestsQuery } from './update-request-schemas.js';
import { parseRequest } from './validation.js';

/** Update requests, escalations and update rounds over HTTP: it translates, the query and command handlers answer. */
@Controller()
export class UpdateRequestsController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(AccessControl) private readonly access: AccessControl,
  ) {}

  @Route('listUpdateRequests')
  async listUpdateRequests(@Req() req: Request, @QueryParams() query: unknown): Promise<UpdateRequestList> {
    const { asAt, time, planId, lead, escalated, mine } = parseRequest(UpdateRequestsQuery, query, 'query');
    const identity = identityOf(req);
    // Only the plans the caller may read, as the plan list: a plan named outside them is not found.
    const scopes = scopesAllowing(identity, await this.access.state(), new Date().toISOString(), 'plan.read');
    return this.queries.execute(new ListUpdateRequestsQuery(scopes, { asAt, time }, { planId, lead, escalated, ...(mine ? { contactUserId: identity.userId } : {}) }));
  }

  @Route('getPlanUpdateRequests')
  async planUpdateRequests(@Param('planId') planId: string, @Req() req: Request, @QueryParams() query: unknown): Promise<UpdateRequestList> {
    const { asAt, time, lead, escalated, mine } = parseRequest(PlanUpdateRequestsQuery, query, 'query');
    const contact = mine ? { contactUserId: identityOf(req).userId } : {};
    return this.queries.execute(new ListUpdateRequestsQuery(undefined, { asAt, time }, { planId, lead, escalated, ...contact }));
  }

  @Route('getPlanEscalations')
  async planEscalations(@Param('planId') planId: string, @QueryParams() query: unknown): Promise<UpdateRequestList> {
    const { asAt, time, lead } = parseRequest(EscalationsQuery, query, 'query');
    return this.queries.execute(new ListUpdateRequestsQuery(undefined, { asAt, time }, { planId, lead, escalated: true }));
  }

  @Route('listUpdateRounds')
  async listUpdateRounds(@Param('planId') planId: string): Promise<{ planId: string; rounds: UpdateRoundView[] }> {
    return { planId, rounds: await this.queries.execute(new GetUpdateRoundsQuery(planId)) };
  }

  @Route('getUpdateRound')
  async getUpdateRound(@Param('planId') planId: string, @Param('roundId') roundId: string): Promise<{ planId: string; round: UpdateRoundView }> {
    const [round] = await this.queries.execute(new GetUpdateRoundsQuery(planId, roundId));
    return { planId, round: round! };
  }

  @Route('setUpdateWindow')
  setUpdateWindow(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('setLeadContact')
  setLeadContact(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('openUpdateRound')
  openUpdateRound(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  @Route('closeUpdateRound')
  closeUpdateRound(@Param('planId') planId: string, @Req() req: Request, @Res({ passthrough: true }) res: Response) {
    return this.run(planId, req, res);
  }

  /** A JSON write: the actor from the identity, the body validated against the command's schema, path parameters filled in. */
  private async run(planId: string, req: Request, res: Response) {
    const route = routeOf(req)!;
    const body = parseRequest(bodySchemaOf(route)!, req.body, 'body');
    const fromPath = Object.fromEntries(Object.entries(route.fromPath ?? {}).map(([param, field]) => [field, req.params[param]]));
    const command = { type: route.command!, ...body, ...fromPath } as PlanCommand;
    const meta = { actor: actorOf(req), correlationId: correlationIdOf(req), causationId: randomUUID() };
    const result: CommandResult = await this.commands.execute(new ExecutePlanCommand(planId, command, meta, expectedRevisionOf(req)));
    res.setHeader('ETag', `"${result.revision}"`);
    const round = result.events.find((e) => e.type === 'UpdateRoundOpened');
    res.setHeader('Location', round ? hrefOf('getUpdateRound', { planId, roundId: (round.data as { roundId: string }).roundId }) : hrefOf('getPlan', { planId }));
    return { planId, revision: result.revision, events: result.events.map((e) => ({ eventId: e.eventId, type: e.type, data: e.data })), warnings: [] };
  }
}
