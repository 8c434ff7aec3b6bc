import { hrefOf } from '../http/route.decorator.js';
import { Inject, Injectable } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { AccessControl, type LedgerConfig } from '#application';
import { ActionStatus, AuditRating, authorisePlan, formatUkDate, own, planRagSummary, RagRating, type Permission, type PlanState } from '#domain';
import { GetActionTimelineQuery, GetPlanQuery } from '../cqrs/plan-queries.js';
import { ApiError } from '../http/api-error.js';
import { identityOf } from '../http/auth/identity.js';
import { LEDGER_CONFIG } from '../ledger.tokens.js';
import { amendableFields, correctableEntry } from './action-forms.js';
import { actionApprovalPanel, pendingEventIds } from './approval-views.js';
import { actionView, STATUS_FILTERS } from './plan-page.js';
import type { FieldErrors } from './web-form.js';
import { pageContext } from './web-page-context.js';
import { renderPage } from './web-renderer.js';
import { WebSessions } from './web-sessions.js';

/** What a refused form sends back to the page: which form, its messages and values, and what changed meanwhile. */
export interface ActionFormState {
  open?: string;
  errors?: FieldErrors;
  values?: Record<string, string>;
  changes?: string[];
  revision?: number;
  /** The timeline entry the correction form is about (?correct=…). */
  correct?: string;
}

const STATUS_WORDS = new Map<string, string>(STATUS_FILTERS.map((s) => [s.value, s.text]));
const AUDIT_WORDS = new Map<string, string>([
  ['outstanding', 'Outstanding'],
  ['good', 'Good'],
  ['requires_improvement', 'Requires improvement'],
  ['inadequate', 'Inadequate'],
]);
const RAG_WORDS = new Map<string, string>([
  ['green', 'Green'],
  ['amber', 'Amber'],
  ['red', 'Red'],
]);

/** 900 bytes; 12.3 KB (12,595 bytes): the exact count too, as the bundle and the API give it. */
export function describeBytes(size: number): string {
  const exact = `${size.toLocaleString('en-GB')} ${size === 1 ? 'byte' : 'bytes'}`;
  if (size < 1024) return exact;
  return `${size < 1024 * 1024 ? `${(size / 1024).toFixed(1)} KB` : `${(size / 1024 / 1024).toFixed(1)} MB`} (${exact})`;
}

/**
 * The action page: details and ratings, evidence files, audit outcomes, the timeline with corrections linked
 * both ways, and the forms the signed-in person may post — each shown only when the same authorisePlan call the
 * access guard makes for its POST allows it.
 */
@Injectable()
export class ActionPage {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  async render(req: Request, res: Response, planId: string, actionId: string, form: ActionFormState, status = 200): Promise<void> {
    const timeline = await this.queries.execute(new GetActionTimelineQuery(planId, actionId));
    const state: PlanState | null = await this.queries.execute(new GetPlanQuery(planId));
    if (!timeline || !state) throw new ApiError(404, 'ACTION_NOT_FOUND', 'There is no such action in this plan');
    const identity = identityOf(req);
    const now = new Date().toISOString();
    const access = await this.access.state();
    const may = (permission: Permission) => authorisePlan(identity, access, { organisationId: state.organisationId, planId }, permission, now).outcome === 'allowed';
    const can = { record: may('action.record'), qa: may('qa.record'), correct: may('entry.correct') };
    const rag = planRagSummary(state, now, this.config.ragRules);
    const action = timeline.action;
    // Pending submissions are shown, marked, to editors and approvers only: they are not yet the council's word.
    const approval = actionApprovalPanel(identity, access, state, actionId, rag, now);
    const pendingIds = pendingEventIds(state);

    // Which entries can be corrected, and how, is read from the events themselves (the read model keeps no history).
    const full: PlanState | null = can.correct ? await this.queries.execute(new GetPlanQuery(planId, { asAt: now, time: 'recorded' })) : null;
    const byEvent = new Map(timeline.entries.map((e) => [e.eventId, e]));
    const corrections = state.corrections.filter((c) => byEvent.has(c.eventId));
    const entries = timeline.entries
      .filter((e) => approval !== null || !pendingIds.has(e.eventId))
      .slice()
      .reverse()
      .map((e) => {
        const correction = corrections.find((c) => c.eventId === e.eventId);
        const corrects = correction ? byEvent.get(correction.correctedEventId) : undefined;
        const correctedBy = corrections.filter((c) => c.correctedEventId === e.eventId).map((c) => ({ kind: c.kind, eventId: c.eventId, by: byEvent.get(c.eventId)?.actor.displayName ?? c.actor, on: c.recordedAt }));
        return {
          ...e,
          backDatedDays: Math.floor((Date.parse(e.recordedAt) - Date.parse(e.effectiveAt)) / 86_400_000),
          corrects: corrects ? { eventId: corrects.eventId, summary: corrects.summary, kind: correction!.kind } : undefined,
          correctedBy,
          withdrawn: correctedBy.some((c) => c.kind === 'withdrawn'),
          awaitingApproval: pendingIds.has(e.eventId),
          correctable: full !== null && !correctedBy.some((c) => c.kind === 'withdrawn') && correctableEntry(full, actionId, e.eventId) !== undefined,
        };
      });

    const correcting = full && form.correct ? correctableEntry(full, actionId, form.correct) : undefined;
    const values = form.values ?? {};
    const open = form.open ?? (correcting ? 'correct' : undefined);
    const session = this.sessions.find(req);
    renderPage(
      res,
      'action.njk',
      {
        ...pageContext(req, session, `Action ${action.ref}`, 'plans'),
        plan: { id: state.id, title: state.title },
        action: actionView(state, action, own(rag.actions, action.id)),
        base: hrefOf('actionPage', { planId, actionId }),
        evidence: action.evidence.map((e) => ({
          name: e.name,
          size: e.size,
          sizeWords: describeBytes(e.size),
          sha256: e.sha256,
          mediaType: e.mediaType,
          recordedAt: e.recordedAt,
          href: hrefOf('evidenceDownloadPage', { planId, sha256: e.sha256 }),
        })),
        audits: action.audits
          .slice()
          .reverse()
          .map((a) => ({ ...a, ratingWords: AUDIT_WORDS.get(a.rating) ?? a.rating, overdue: Boolean(a.followUpDue && a.followUpDue < now.slice(0, 10)) })),
        timeline: entries,
        approval,
        can,
        completed: action.status === 'completed',
        revision: form.revision ?? state.revision,
        open,
        values,
        errors: form.errors ?? {},
        errorSummary: Object.entries(form.errors ?? {}).map(([id, text]) => ({ text, href: `#${dateAnchor(id)}` })),
        changes: form.changes ?? [],
        choices: {
          statuses: choices(ActionStatus.options.filter((s) => s !== 'completed'), STATUS_WORDS, values.to, open === 'status'),
          reopenStatuses: choices(ActionStatus.options.filter((s) => s !== 'completed'), STATUS_WORDS, values.to || 'in_progress', true),
          ragRatings: choices(RagRating.options, RAG_WORDS, values.rating, open === 'rag'),
          auditRatings: choices(AuditRating.options, AUDIT_WORDS, values.rating, open === 'audit'),
        },
        auditor: identity.displayName,
        correcting: correcting
          ? {
              eventId: correcting.eventId,
              summary: byEvent.get(correcting.eventId)?.summary ?? correcting.type,
              recordedAt: correcting.recordedAt,
              withdrawable: !['PlanCreated', 'WorkstreamAdded', 'RecommendationAdded', 'ActionAdded'].includes(correcting.type),
              fields: amendableFields(full!, correcting).map((f) => ({ ...f, value: open === 'correct' && values[f.name] !== undefined && form.errors ? values[f.name] : f.value })),
            }
          : undefined,
        evidenceLimit: this.config.evidenceLimit.toUpperCase(),
        today: formatUkDate(now),
      },
      status,
    );
  }
}

/** A date input's errors link to its day field, as the GOV.UK pattern asks. */
function dateAnchor(id: string): string {
  return /(-date|Date|-followUp)$/.test(id) ? `${id}-day` : id;
}

function choices(values: readonly string[], words: Map<string, string>, selected: string | undefined, keep: boolean) {
  return values.map((value) => ({ value, text: words.get(value) ?? value, selected: keep && value === selected, checked: keep && value === selected }));
}
