import { z } from 'zod';
import { UpdateRequestKind } from '#domain';
import { Instant } from './time-travel.queries.js';

/**
 * The update requests' query strings and answers: the queries validate what comes in (strict: an unknown
 * parameter is a 400), the answers are what openapi.ts documents and the end-to-end tests parse.
 */
const Flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const Lead = z.string().trim().min(1).max(500);

export const UpdateRequestsQuery = z
  .object({
    asAt: Instant.optional(),
    time: z.enum(['recorded', 'effective']).default('recorded'),
    planId: z.string().trim().min(1).max(100).optional(),
    lead: Lead.optional(),
    escalated: Flag.optional(),
    /** true: only the actions whose lead names the caller as its contact ("my actions due an update"). */
    mine: Flag.optional(),
  })
  .strict();

export const PlanUpdateRequestsQuery = UpdateRequestsQuery.omit({ planId: true }).strict();
export const EscalationsQuery = UpdateRequestsQuery.pick({ asAt: true, time: true, lead: true }).strict();

const Day = z.string().describe('A calendar date, YYYY-MM-DD');

export const UpdateRequestView = z.looseObject({
  planId: z.string(),
  planTitle: z.string(),
  actionId: z.string(),
  ref: z.string(),
  description: z.string(),
  leads: z.array(z.string()),
  dueOn: Day,
  kind: UpdateRequestKind,
  reason: z.string().describe('Why it is due, in plain words'),
  reasons: z.array(z.looseObject({ kind: UpdateRequestKind, dueOn: Day, text: z.string() })),
  lastUpdateOn: Day.optional(),
  escalated: z.boolean(),
  escalation: z.string().optional(),
  /** The action's page in the web service. */
  link: z.string(),
});

/** GET /update-requests and GET /plans/:planId/update-requests (and /escalations): every request, and the same grouped by lead and by plan. */
export const UpdateRequestList = z.looseObject({
  asAt: z.string(),
  time: z.enum(['recorded', 'effective']),
  requests: z.array(UpdateRequestView),
  byLead: z.array(z.looseObject({ lead: z.string(), requests: z.array(UpdateRequestView) })),
  byPlan: z.array(z.looseObject({ planId: z.string(), title: z.string(), windowDays: z.number().int(), requests: z.array(UpdateRequestView) })),
});

const RoundRequest = z.looseObject({ actionId: z.string(), ref: z.string().nullable(), leads: z.array(z.string()), kind: UpdateRequestKind, dueOn: Day, reason: z.string() });

export const UpdateRoundView = z.looseObject({
  roundId: z.string(),
  title: z.string(),
  dueBy: Day,
  openedAt: z.string(),
  openedBy: z.looseObject({ id: z.string(), displayName: z.string() }),
  status: z.enum(['open', 'past-due', 'closed']),
  requests: z.array(RoundRequest),
  /** Action ids answered since the round opened (at its close, as recorded then). */
  received: z.array(z.string()),
  /** What was not received (at its close, as recorded then; while open, as it stands). */
  missing: z.array(RoundRequest),
  closed: z.looseObject({ at: z.string(), by: z.looseObject({ id: z.string(), displayName: z.string() }), reason: z.string().optional() }).nullable(),
});

export const UpdateRoundList = z.looseObject({ planId: z.string(), rounds: z.array(UpdateRoundView) });
export const UpdateRoundResponse = z.looseObject({ planId: z.string(), round: UpdateRoundView });
