import { Controller, Inject, Param, Req, Res, UseFilters } from '@nestjs/common';
import { hrefOf, Route } from '../http/route.decorator.js';
import { QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AccessControl, type LedgerConfig } from '#application';
import { formatUkDate, own, PLAN_EVENT_TYPES, roleAllows, scopesAllowing, type PlanState } from '#domain';
import { auditLogCsv, intervalEnds, type AuditLogFilter, type TimeAxis, type TrendInterval } from '#projections';
import { GetPlanQuery, ListPlansQuery } from '../cqrs/plan-queries.js';
import { GetAuditLogQuery, GetPlanChangesQuery, GetPlanTimeSpanQuery, GetRagTrendQuery, GetRetrospectiveEntriesQuery } from '../cqrs/time-travel-queries.js';
import { ApiError } from '../http/api-error.js';
import { identityOf } from '../http/auth/identity.js';
import { LEDGER_CONFIG } from '../ledger.tokens.js';
import { endOfDay, readDateFields, startOfDay, type DateFieldsRead } from './date-fields.js';
import { ragTag, ROLE_NAMES } from './plan-page.js';
import { pointLabel, ragTrendChart, segmentsOf, TREND_SERIES } from './rag-trend-chart.js';
import { WebErrorFilter } from './web-error.filter.js';
import { renderPage } from './web-renderer.js';
import { WebSessions } from './web-sessions.js';
import { approvalNote } from './approval-views.js';

type FieldErrors = Record<string, string>;

/** Every value from the query string is one short string: a repeated or over-long parameter is a 400 page. */
const text = (max: number) => z.string().trim().max(max).optional();
const dateFields = (prefix: string) => ({ [prefix]: text(10), [`${prefix}-day`]: text(10), [`${prefix}-month`]: text(10), [`${prefix}-year`]: text(10) });
const TIME = z.union([z.enum(['recorded', 'effective']), z.literal('')]).optional();

const ChangesPageQuery = z.object({ ...dateFields('from'), ...dateFields('to'), time: TIME }).strict();
const BackDatedPageQuery = z.object({ toleranceHours: text(10) }).strict();
const TrendPageQuery = z.object({ ...dateFields('from'), ...dateFields('to'), time: TIME, interval: z.union([z.enum(['week', 'month', 'quarter']), z.literal('')]).optional() }).strict();
const AuditPageQuery = z.object({ planId: text(100), actionId: text(100), actor: text(200), type: text(100), ...dateFields('from'), ...dateFields('to'), cursor: text(200) }).strict();

const AUDIT_PAGE_SIZE = 50;
const MAX_TREND_POINTS = 500;

const FIELD_NAMES = new Map<string, string>([
  ['status', 'Status'],
  ['leads', 'Leads'],
  ['target', 'Target'],
  ['rag', 'Rating (derived)'],
]);

/** "ProgressUpdateRecorded" → "Progress update recorded". */
export function eventTypeWords(type: string): string {
  const words = type.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function howLate(recordedAt: string, effectiveAt: string): { text: string; hours: number } {
  const hours = Math.max(0, (Date.parse(recordedAt) - Date.parse(effectiveAt)) / 3_600_000);
  if (hours < 24) {
    const h = Math.floor(hours);
    return { text: h < 1 ? 'less than an hour' : `${h} ${h === 1 ? 'hour' : 'hours'}`, hours };
  }
  const days = Math.floor(hours / 24);
  return { text: `${days.toLocaleString('en-GB')} ${days === 1 ? 'day' : 'days'}`, hours };
}

function parsedOr400<T>(schema: z.ZodType<T>, query: unknown): { data: T; error?: undefined } | { data?: undefined; error: string } {
  const parsed = schema.safeParse(query);
  return parsed.success ? { data: parsed.data } : { error: 'This address has something in it the page does not understand. Use the form below instead.' };
}

/**
 * What inspectors and quality assurance read in the browser: what changed between two dates, the
 * back-dated entries, RAG over time and the audit log (with its CSV export). The same query handlers as
 * the JSON API's time-travel routes; authorisation is the access guard's, from WEB_ROUTES.
 */
@Controller()
@UseFilters(WebErrorFilter)
export class WebReadsController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Route('planChangesPage')
  async changes(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    const state = await this.currentPlan(planId);
    const parsed = parsedOr400(ChangesPageQuery, req.query);
    const query = parsed.data ?? {};
    const errors: FieldErrors = {};
    if (parsed.error) errors.from = parsed.error;
    const time: TimeAxis = query.time || 'recorded';
    const from = readDateFields(query, 'from', 'start date');
    const to = readDateFields(query, 'to', 'end date');
    collectDateError(errors, 'from', from);
    collectDateError(errors, 'to', to);
    if (!parsed.error && !from.given && to.given) errors.from = 'Enter the start date';
    if ('date' in from && 'date' in to && from.date > to.date) errors.to = 'The end date must be the same as or after the start date';
    let result;
    if (Object.keys(errors).length === 0 && 'date' in from) {
      const until = 'date' in to ? endOfDay(to.date) : new Date().toISOString();
      result = await this.queries.execute(new GetPlanChangesQuery(planId, startOfDay(from.date), until < new Date().toISOString() ? until : new Date().toISOString(), time));
    }
    const refs = new Map(state.actionOrder.map((id) => [id, own(state.actions, id)?.ref ?? id]));
    renderPage(
      res,
      'plan-changes.njk',
      {
        ...(await this.page(req, `Changes between two dates – ${state.title}`)),
        plan: { id: state.id, title: state.title },
        values: { from: from.values, to: to.values, time },
        errors,
        errorSummary: summaryOf(errors),
        result: result
          ? {
              from: result.from,
              to: result.to,
              time: result.time,
              added: result.actionsAdded,
              changes: result.changes.map((c) => ({
                ...c,
                ref: refs.get(c.actionId) ?? c.ref,
                fieldName: FIELD_NAMES.get(c.field) ?? c.field,
                fromText: c.field === 'rag' ? ragTag(c.from as never).text : c.from || 'None',
                toText: c.field === 'rag' ? ragTag(c.to as never).text : c.to || 'None',
              })),
            }
          : undefined,
      },
      Object.keys(errors).length > 0 ? 400 : 200,
    );
  }

  @Route('planBackDatedPage')
  async backDated(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    const state = await this.currentPlan(planId);
    const parsed = parsedOr400(BackDatedPageQuery, req.query);
    const errors: FieldErrors = {};
    if (parsed.error) errors.toleranceHours = parsed.error;
    const given = parsed.data?.toleranceHours ?? '';
    let toleranceHours = this.config.retrospectiveToleranceHours;
    if (given !== '') {
      if (!/^\d{1,4}(\.\d{1,2})?$/.test(given) || Number(given) > 24 * 365) errors.toleranceHours = 'Enter the tolerance as a number of hours from 0 to 8,760, for example 24';
      else toleranceHours = Number(given);
    }
    const found = await this.queries.execute(new GetRetrospectiveEntriesQuery(planId, toleranceHours));
    const entries = found.entries
      .slice()
      .sort((a, b) => Date.parse(b.recordedAt) - Date.parse(b.effectiveAt) - (Date.parse(a.recordedAt) - Date.parse(a.effectiveAt)))
      .map((e) => ({ ...e, typeText: eventTypeWords(e.type), late: howLate(e.recordedAt, e.effectiveAt) }));
    renderPage(
      res,
      'plan-back-dated.njk',
      {
        ...(await this.page(req, `Back-dated entries – ${state.title}`)),
        plan: { id: state.id, title: state.title },
        toleranceHours,
        toleranceValue: errors.toleranceHours ? given : String(toleranceHours),
        defaultTolerance: this.config.retrospectiveToleranceHours,
        entries,
        errors,
        errorSummary: summaryOf(errors),
        scripts: ['/assets/js/ledger-reads.js'],
      },
      Object.keys(errors).length > 0 ? 400 : 200,
    );
  }

  @Route('planRagTrendPage')
  async ragTrend(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    const state = await this.currentPlan(planId);
    const parsed = parsedOr400(TrendPageQuery, req.query);
    const query = parsed.data ?? {};
    const errors: FieldErrors = {};
    if (parsed.error) errors.from = parsed.error;
    let interval: TrendInterval = query.interval || 'month';
    const time: TimeAxis = query.time || 'effective';
    const from = readDateFields(query, 'from', 'start date');
    const to = readDateFields(query, 'to', 'end date');
    collectDateError(errors, 'from', from);
    collectDateError(errors, 'to', to);
    const now = new Date().toISOString();
    const span = await this.queries.execute(new GetPlanTimeSpanQuery(planId));
    const firstDay = 'date' in from ? from.date : ((time === 'effective' ? span.firstEffectiveAt : span.firstRecordedAt)).slice(0, 10);
    const lastAt = 'date' in to ? (endOfDay(to.date) < now ? endOfDay(to.date) : now) : now;
    if (startOfDay(firstDay) > lastAt) errors.to = 'The end date must be the same as or after the start date';
    // Unless asked, a point a month for up to five years, and a point a quarter beyond.
    if (!query.interval && Date.parse(lastAt) - Date.parse(startOfDay(firstDay)) > 5 * 366 * 86_400_000) interval = 'quarter';
    let table: { label: string; at: string; segments: ReturnType<typeof segmentsOf>; actions: number; sentence: string }[] = [];
    let chart = '';
    if (Object.keys(errors).length === 0) {
      const instants = intervalEnds(startOfDay(firstDay), lastAt, interval);
      if (instants.length > MAX_TREND_POINTS) errors.interval = `That gives more than ${MAX_TREND_POINTS} points: choose a longer interval or a shorter range`;
      else {
        const trend = await this.queries.execute(new GetRagTrendQuery(planId, instants, interval, time));
        chart = ragTrendChart(trend.points, interval, 'rag-trend');
        table = trend.points.map((p) => ({ label: pointLabel(p.at, interval), at: p.at, segments: segmentsOf(p), actions: p.actions, sentence: p.sentence }));
      }
    }
    const shownFrom = 'date' in from || from.given ? from.values : dateValues(firstDay);
    renderPage(
      res,
      'plan-rag-trend.njk',
      {
        ...(await this.page(req, `RAG over time – ${state.title}`)),
        plan: { id: state.id, title: state.title },
        values: { from: shownFrom, to: to.values, time, interval },
        series: TREND_SERIES,
        chart,
        table,
        errors,
        errorSummary: summaryOf(errors),
      },
      Object.keys(errors).length > 0 ? 400 : 200,
    );
  }

  @Route('auditLogPage')
  async auditLog(@Req() req: Request, @Res() res: Response) {
    const read = await this.auditFilter(req);
    const { filter, errors, values, plans, actions } = read;
    const page = Object.keys(errors).length === 0 ? await this.queries.execute(new GetAuditLogQuery({ ...filter, limit: AUDIT_PAGE_SIZE })) : { entries: [] };
    const states = new Map<string, PlanState | null>();
    for (const entry of page.entries) if (!states.has(entry.planId)) states.set(entry.planId, await this.queries.execute(new GetPlanQuery(entry.planId)));
    const entries = page.entries.map((e) => {
      const state = states.get(e.planId);
      const action = e.actionId && state ? own(state.actions, e.actionId) : undefined;
      return { ...e, typeText: eventTypeWords(e.type), planTitle: state?.title ?? e.planId, actionRef: action?.ref, approvalNote: approvalNote(e.eventId, e.type, state) };
    });
    const params = filterParams(values);
    renderPage(
      res,
      'audit-log.njk',
      {
        ...(await this.page(req, 'Audit log')),
        values,
        plans,
        actions,
        types: [{ value: '', text: 'Any type' }, ...PLAN_EVENT_TYPES.map((t) => ({ value: t, text: eventTypeWords(t) })).sort((a, b) => a.text.localeCompare(b.text))],
        entries,
        selected: selectedFilters(values, plans, actions),
        firstPage: values.cursor ? `${hrefOf('auditLogPage')}${params ? `?${params}` : ''}` : undefined,
        nextPage: 'nextCursor' in page && page.nextCursor ? `${hrefOf('auditLogPage')}?${new URLSearchParams([...new URLSearchParams(params), ['cursor', page.nextCursor]]).toString()}` : undefined,
        exportHref: `${hrefOf('auditLogExport')}${params ? `?${params}` : ''}`,
        errors,
        errorSummary: summaryOf(errors),
      },
      Object.keys(errors).length > 0 ? 400 : 200,
    );
  }

  @Route('auditLogExport')
  async auditLogExport(@Req() req: Request, @Res() res: Response) {
    const { filter, errors } = await this.auditFilter(req);
    // The page, with its errors, rather than a CSV of something other than what was asked for.
    if (Object.keys(errors).length > 0) return this.auditLog(req, res);
    const csv = auditLogCsv((await this.queries.execute(new GetAuditLogQuery(filter, 'all'))).entries);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', 'attachment; filename="audit-log.csv"');
    res.setHeader('Cache-Control', 'no-store');
    res.send(csv);
  }

  /** The audit log's filter from the query string, always within what the reader may see. */
  private async auditFilter(req: Request) {
    const parsed = parsedOr400(AuditPageQuery, req.query);
    const query = parsed.data ?? {};
    const errors: FieldErrors = {};
    if (parsed.error) errors.actor = parsed.error;
    const identity = identityOf(req);
    const now = new Date().toISOString();
    const access = await this.access.state();
    const scopes = scopesAllowing(identity, access, now, 'audit-log.read');
    const summaries = await this.queries.execute(new ListPlansQuery(scopes));
    const plans = [{ value: '', text: 'Any plan' }, ...summaries.map((p) => ({ value: p.id, text: p.title })).sort((a, b) => a.text.localeCompare(b.text))];
    const planId = query.planId || undefined;
    if (planId && !summaries.some((p) => p.id === planId)) errors.planId = 'Choose a plan from the list';
    let actions: { value: string; text: string }[] = [];
    if (planId && !errors.planId) {
      const state = await this.queries.execute(new GetPlanQuery(planId));
      if (state) actions = [{ value: '', text: 'Any action' }, ...state.actionOrder.flatMap((id) => { const action = own(state.actions, id); return action ? [{ value: id, text: `${action.ref} ${shorten(action.description)}` }] : []; })];
    }
    const actionId = query.actionId || undefined;
    if (actionId && !actions.some((a) => a.value === actionId)) errors.actionId = planId ? 'Choose an action from the list' : 'Choose a plan before an action';
    const type = query.type || undefined;
    if (type && !(PLAN_EVENT_TYPES as readonly string[]).includes(type)) errors.type = 'Choose a type of entry from the list';
    const from = readDateFields(query, 'from', 'start date');
    const to = readDateFields(query, 'to', 'end date');
    collectDateError(errors, 'from', from);
    collectDateError(errors, 'to', to);
    if ('date' in from && 'date' in to && from.date > to.date) errors.to = 'The end date must be the same as or after the start date';
    const cursor = query.cursor || undefined;
    if (cursor && !/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) errors.actor ??= 'This page link is not right. Go back to the first page.';
    const filter: AuditLogFilter = {
      scopes,
      ...(planId ? { planId } : {}),
      ...(actionId ? { actionId } : {}),
      ...(query.actor ? { actor: query.actor } : {}),
      ...(type ? { type } : {}),
      ...('date' in from ? { from: startOfDay(from.date) } : {}),
      ...('date' in to ? { to: endOfDay(to.date) } : {}),
      ...(cursor ? { cursor } : {}),
    };
    const values = { planId: planId ?? '', actionId: actionId ?? '', actor: query.actor ?? '', type: type ?? '', from: from.values, to: to.values, cursor: cursor ?? '' };
    return { filter, errors, values, plans, actions };
  }

  /** The plan as it is now; the guard has already said it exists and may be read. */
  private async currentPlan(planId: string): Promise<PlanState> {
    const state = await this.queries.execute(new GetPlanQuery(planId));
    if (!state) throw new ApiError(404, 'PLAN_NOT_FOUND', 'There is no such plan');
    return state;
  }

  private async page(req: Request, pageTitle: string) {
    const session = this.sessions.find(req);
    const identity = session?.identity;
    // Shown by the guard's own rule for /web/audit-log: one's own role, or a grant that gives it.
    const auditLog = identity ? roleAllows(identity.role, 'audit-log.read') || scopesAllowing(identity, await this.access.state(), new Date().toISOString(), 'audit-log.read').length > 0 : false;
    const acting = (req as Request & { actingRole?: string }).actingRole ?? identity?.role;
    return {
      pageTitle,
      identity,
      roleName: acting ? (ROLE_NAMES.get(acting) ?? acting) : undefined,
      csrfToken: session?.csrfToken,
      navigation: [
        { href: hrefOf('plansPage'), text: 'Plans' },
        ...(auditLog ? [{ href: hrefOf('auditLogPage'), text: 'Audit log', active: pageTitle === 'Audit log' }] : []),
      ],
    };
  }
}

function shorten(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function dateValues(date: string) {
  const [year, month, day] = date.split('-');
  return { day: String(Number(day)), month: String(Number(month)), year: year! };
}

function collectDateError(errors: FieldErrors, field: string, read: DateFieldsRead): void {
  if ('error' in read) errors[field] ??= read.error;
}

type AuditValues = { planId: string; actionId: string; actor: string; type: string; from: { day: string; month: string; year: string }; to: { day: string; month: string; year: string } };

/** The filter as a query string (dates in the short form), for paging, the export and removing one filter. */
function filterParams(values: AuditValues, without?: string): string {
  const params = new URLSearchParams();
  for (const key of ['planId', 'actionId', 'actor', 'type'] as const) if (values[key] && key !== without && !(without === 'planId' && key === 'actionId')) params.set(key, values[key]);
  for (const key of ['from', 'to'] as const) {
    const v = values[key];
    if (key !== without && v.day && v.month && v.year) params.set(key, `${v.year}-${v.month.padStart(2, '0')}-${v.day.padStart(2, '0')}`);
  }
  return params.toString();
}

/** MOJ filter's "Selected filters": each a link that removes it. */
function selectedFilters(values: AuditValues, plans: { value: string; text: string }[], actions: { value: string; text: string }[]) {
  const link = (without: string) => {
    const params = filterParams(values, without);
    return `${hrefOf('auditLogPage')}${params ? `?${params}` : ''}`;
  };
  const dateText = (v: { day: string; month: string; year: string }) => {
    const iso = `${v.year}-${v.month.padStart(2, '0')}-${v.day.padStart(2, '0')}`;
    return /^\d{4}-\d{2}-\d{2}$/.test(iso) && !Number.isNaN(Date.parse(iso)) ? formatUkDate(iso) : '';
  };
  const categories = [
    { key: 'planId', heading: 'Plan', text: plans.find((p) => p.value === values.planId && p.value)?.text },
    { key: 'actionId', heading: 'Action', text: actions.find((a) => a.value === values.actionId && a.value)?.text },
    { key: 'actor', heading: 'Person', text: values.actor || undefined },
    { key: 'type', heading: 'Type of entry', text: values.type ? eventTypeWords(values.type) : undefined },
    { key: 'from', heading: 'Recorded on or after', text: dateText(values.from) || undefined },
    { key: 'to', heading: 'Recorded on or before', text: dateText(values.to) || undefined },
  ]
    .filter((c) => c.text)
    .map((c) => ({ heading: { text: c.heading }, items: [{ href: link(c.key), text: c.text! }] }));
  return categories.length ? { heading: { text: 'Selected filters' }, clearLink: { text: 'Clear filters', href: hrefOf('auditLogPage') }, categories } : undefined;
}

const FIELD_ANCHORS = new Map([
  ['from', 'from-day'],
  ['to', 'to-day'],
]);

function summaryOf(errors: FieldErrors) {
  return Object.entries(errors).map(([field, text]) => ({ text, href: `#${FIELD_ANCHORS.get(field) ?? field}` }));
}
