import { Controller, HttpCode, Inject, Param, Req, Res, UseFilters } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { AccessControl, PasswordSignInError, type LedgerConfig } from '#application';
import { authorisePlan, isRealDate, scopesAllowing, type PlanState } from '#domain';
import { cachedRagSummary, derivedFrom, ragKeyOf } from '../cqrs/plan-read-cache.js';
import type { AsAt } from '#projections';
import { GetPlanQuery, ListPlansQuery } from '../cqrs/plan-queries.js';
import { ApiError } from '../http/api-error.js';
import { actorFromIdentity, identityOf } from '../http/auth/identity.js';
import { LEDGER_CONFIG } from '../ledger.tokens.js';
import { cachedSummaryView, isFiltering, leadsOf, planLayout, planSummaryView, RATING_FILTERS, STATUS_FILTERS } from './plan-page.js';
import { hrefOf, Route } from '../http/route.decorator.js';
import { readDateFields, readDateParts } from './date-fields.js';
import { safeNext } from './safe-next.js';
import { WebErrorFilter } from './web-error.filter.js';
import { renderPage } from './web-renderer.js';
import { pageContext } from './web-page-context.js';
import { planPendingPanel } from './approval-views.js';
import { PLAN_SHELL_HOLES, planShellView } from './plan-shell-view.js';
import { planLayoutBytes, planSectionBytes, type PlanSection } from './action-rows-html.js';
import { WebSessions, type WebSession } from './web-sessions.js';

type FieldErrors = Record<string, string>;
type ErrorSummary = { text: string; href: string }[];

/** The as-at control's query: a date (and optional time, UTC) and the time axis. A bare date means the end of that day. */
const PlanPageQuery = z
  .object({
    asAt: z.string().trim().max(40).optional(),
    asAtTime: z.string().trim().max(10).optional(),
    time: z.enum(['recorded', 'effective']).optional(),
    // The control's own fields (GOV.UK date input); the page redirects them to the shareable ?asAt= form.
    'asAt-day': z.string().trim().max(10).optional(),
    'asAt-month': z.string().trim().max(10).optional(),
    'asAt-year': z.string().trim().max(10).optional(),
    // "As known at" (effective time only): what was true at asAt, as the ledger knew it on this date.
    knownAt: z.string().trim().max(40).optional(),
    'knownAt-day': z.string().trim().max(10).optional(),
    'knownAt-month': z.string().trim().max(10).optional(),
    'knownAt-year': z.string().trim().max(10).optional(),
    // The filters: by rating, status and lead, and words to find.
    rating: z.union([z.enum(RATING_FILTERS.map((r) => r.value) as [string, ...string[]]), z.literal('')]).optional(),
    status: z.union([z.enum(STATUS_FILTERS.map((r) => r.value) as [string, ...string[]]), z.literal('')]).optional(),
    lead: z.string().trim().max(200).optional(),
    q: z.string().trim().max(200).optional(),
  })
  .strict();

const Text = z.preprocess((v) => (typeof v === 'string' ? v : undefined), z.string().optional());
const SignInForm = z.object({ userId: Text, password: Text, next: Text });

/**
 * The web service's pages. Authorisation is the access guard's, from WEB_ROUTES (same policy as the
 * API); reads go through the same query handlers and writes through the same command bus as the API.
 */
@Controller()
@UseFilters(WebErrorFilter)
export class WebController {
  constructor(
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(AccessControl) private readonly access: AccessControl,
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  @Route('startPage')
  start(@Req() req: Request, @Res() res: Response) {
    renderPage(res, 'start.njk', this.page(req, this.sessions.find(req), 'Start'));
  }

  @Route('signInPage')
  signInPage(@Req() req: Request, @Res() res: Response) {
    const session = this.sessions.ensure(req, res);
    if (session.identity) return res.redirect(303, hrefOf('plansPage'));
    const next = safeNext(req.query.next);
    renderPage(res, 'sign-in.njk', { ...this.page(req, session, 'Sign in'), next, values: {}, errors: {}, oidcProvider: this.config.webSignIn?.providerName });
  }

  @Route('signIn')
  @HttpCode(200)
  async signIn(@Req() req: Request, @Res() res: Response) {
    const form = SignInForm.parse(req.body ?? {});
    const userId = (form.userId ?? '').trim();
    const password = form.password ?? '';
    const errors: FieldErrors = {};
    if (!userId) errors.userId = 'Enter your user name';
    if (!password) errors.password = 'Enter your password';
    if (Object.keys(errors).length === 0) {
      try {
        const identity = await this.access.authenticatePassword(userId, password);
        // A new session id at sign-in: a session fixed before sign-in is worth nothing after it.
        this.sessions.start(req, res, identity);
        return res.redirect(303, safeNext(form.next));
      } catch (error) {
        if (!(error instanceof PasswordSignInError)) throw error;
        errors.userId = error.message;
      }
    }
    const session = this.sessions.ensure(req, res);
    renderPage(res, 'sign-in.njk', { ...this.page(req, session, 'Sign in'), next: safeNext(form.next), values: { userId }, errors, errorSummary: summaryOf(errors), oidcProvider: this.config.webSignIn?.providerName }, 400);
  }

  @Route('signInLink')
  signInLink(@Param('code') code: string, @Req() req: Request, @Res() res: Response) {
    const identity = this.sessions.redeemSignInLink(code);
    if (!identity) throw new ApiError(404, 'SIGN_IN_LINK_UNKNOWN', 'This sign-in link has been used already or has expired. Sign in with your user name and password, or restart the demo for new links.');
    this.sessions.start(req, res, identity);
    res.redirect(303, hrefOf('plansPage'));
  }

  @Route('signOut')
  signOut(@Req() req: Request, @Res() res: Response) {
    this.sessions.end(req, res);
    res.redirect(303, hrefOf('startPage'));
  }

  @Route('plansPage')
  async plans(@Req() req: Request, @Res() res: Response) {
    const identity = identityOf(req);
    const now = new Date().toISOString();
    const scopes = scopesAllowing(identity, await this.access.state(), now);
    const summaries = await this.queries.execute(new ListPlansQuery(scopes));
    const byOrganisation = new Map<string, ReturnType<typeof planSummaryView>[]>();
    for (const summary of summaries) {
      const state = await this.queries.execute(new GetPlanQuery(summary.id));
      if (!state) continue;
      const view = planSummaryView(state, cachedRagSummary(state, now, this.config.ragRules));
      byOrganisation.set(state.organisation, [...(byOrganisation.get(state.organisation) ?? []), view]);
    }
    const organisations = [...byOrganisation.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([name, plans]) => ({ name, plans }));
    renderPage(res, 'plans.njk', { ...this.page(req, this.sessions.find(req), 'Plans', 'plans'), organisations, planCount: summaries.length });
  }

  @Route('planPage')
  async plan(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    const parsed = PlanPageQuery.safeParse(req.query);
    const raw = parsed.success ? parsed.data : {};
    const time = raw.time ?? 'recorded';
    const errors: FieldErrors = {};
    if (!parsed.success) errors.asAt = 'Use the date and time controls below to choose when';
    let when: AsAt | undefined;
    const fields = [raw['asAt-day'] ?? '', raw['asAt-month'] ?? '', raw['asAt-year'] ?? ''];
    const fromControl = parsed.success && (raw['asAt-day'] !== undefined || raw['asAt-month'] !== undefined || raw['asAt-year'] !== undefined);
    if (fromControl) {
      const [day, month, year] = fields;
      const at = new URLSearchParams();
      // A future date is refused once the short address is read (asAtInstant's caller), as a pasted one is.
      const read = readDateParts({ day: day!, month: month!, year: year! }, { label: 'The date', future: true });
      if (!read.given) {
        if (!raw.asAtTime && time === 'recorded') return res.redirect(303, hrefOf('planPage', { planId }));
        errors.asAt = 'Enter the date as day, month and year, for example 1 10 2009';
      } else if ('error' in read) errors.asAt = read.error;
      else {
        at.set('asAt', read.date);
        if (raw.asAtTime) at.set('asAtTime', raw.asAtTime);
        at.set('time', time);
        const known = readDateFields(raw, 'knownAt', 'as known at date');
        if ('error' in known) errors.knownAt = known.error;
        else if ('date' in known && time !== 'effective') errors.knownAt = 'As known at only applies to effective time: choose effective, or leave this date empty';
        else if ('date' in known) at.set('knownAt', known.date);
        if (!errors.knownAt) {
        for (const key of ['rating', 'status', 'lead', 'q'] as const) if (raw[key]) at.set(key, raw[key]);
        return res.redirect(303, `${hrefOf('planPage', { planId })}?${at.toString()}`);
        }
      }
    } else if (parsed.success && raw.asAt) {
      const instant = asAtInstant(raw.asAt, raw.asAtTime);
      if ('error' in instant) errors[instant.field] = instant.error;
      else if (Date.parse(instant.at) > Date.now()) errors.asAt = 'The date must be today or in the past';
      else when = { asAt: instant.at, time };
      if (when && raw.knownAt) {
        const known = asAtInstant(raw.knownAt, undefined);
        if ('error' in known) errors.knownAt = 'The as known at date must be a real date, for example 1 10 2009';
        else if (time !== 'effective') errors.knownAt = 'As known at only applies to effective time: choose effective, or leave this date empty';
        else if (Date.parse(known.at) > Date.now() && raw.knownAt.slice(0, 10) !== new Date().toISOString().slice(0, 10)) errors.knownAt = 'The as known at date must be today or in the past';
        // Today means "as known now": the end of today has not happened yet.
        else when = { ...when, knownAt: Date.parse(known.at) > Date.now() ? new Date().toISOString() : known.at };
        if (errors.knownAt) when = undefined;
      }
    } else if (parsed.success && raw.knownAt) {
      errors.knownAt = 'Enter the date to show the plan as at before an as known at date';
    }
    const state = await this.queries.execute(new GetPlanQuery(planId, when));
    const session = this.sessions.find(req);
    const shown = /^(\d{4})-(\d{2})-(\d{2})/.exec(raw.asAt ?? '');
    const knownShown = /^(\d{4})-(\d{2})-(\d{2})/.exec(raw.knownAt ?? '');
    const known = fromControl
      ? { knownDay: raw['knownAt-day'] ?? '', knownMonth: raw['knownAt-month'] ?? '', knownYear: raw['knownAt-year'] ?? '', knownAtParam: '' }
      : { knownDay: knownShown ? String(Number(knownShown[3])) : '', knownMonth: knownShown ? String(Number(knownShown[2])) : '', knownYear: knownShown?.[1] ?? '', knownAtParam: when?.knownAt ? (raw.knownAt ?? '') : '' };
    const control = fromControl
      ? { day: fields[0], month: fields[1], year: fields[2], asAtTime: raw.asAtTime ?? '', time, asAtParam: '', ...known }
      : { day: shown ? String(Number(shown[3])) : '', month: shown ? String(Number(shown[2])) : '', year: shown?.[1] ?? '', asAtTime: raw.asAtTime ?? '', time, asAtParam: raw.asAt ?? '', ...known };
    if (!state) {
      // The plan exists now (the guard checked), but not at that instant.
      renderPage(res, 'plan-absent.njk', { ...this.page(req, session, 'Plan not yet recorded', 'plans'), planId, when, control }, 404);
      return;
    }
    const at = when?.asAt ?? new Date().toISOString();
    const rag = cachedRagSummary(state, at, this.config.ragRules);
    const hasErrors = Object.keys(errors).length > 0;
    const filter = { rating: raw.rating || undefined, status: raw.status || undefined, lead: raw.lead || undefined, text: raw.q || undefined };
    // What awaits approval (or, as at an instant, what was pending then), for editors and approvers only.
    const approval = planPendingPanel(identityOf(req), await this.access.state(), when ? ((await this.queries.execute(new GetPlanQuery(planId))) ?? state) : state, this.config.ragRules, when?.asAt);
    const awaiting = approval && !when ? approval.awaiting : undefined;
    // The layout depends on the state, the RAG key, the filter and (for what a role may see, such as pending
    // entries) the viewer's role and the actions it marks; kept with the state (plan-read-cache.ts). Its rows are
    // made once per Action object and RAG result (plan-page.ts) and their HTML once per row, so a new as-at
    // instant writes only what changed (action-rows-html.ts); the section's encoded bytes are kept with the layout.
    const viewer = actorFromIdentity(req).role ?? '';
    const marks = awaiting ? [...awaiting].sort().join(',') : '-';
    // Unfiltered (most requests), the section is joined from kept pieces per row (planSectionBytes), keyed by the
    // summary itself, so no RAG key is worked out here; a filtered page builds its layout and keeps it as before.
    let layout: { filtering: boolean; shown: number; total: number };
    let section: Buffer | PlanSection;
    if (!isFiltering(filter)) {
      section = planSectionBytes(state, rag, awaiting, marks);
      layout = section.layout;
    }
    else {
      const ragKey = ragKeyOf(state, at, this.config.ragRules);
      const filtered = derivedFrom(state, `layout:${viewer}:${marks}:${ragKey}:${JSON.stringify(filter)}`, () => planLayout(state, rag, filter, awaiting));
      layout = filtered;
      section = planLayoutBytes(filtered);
    }
    const summary = cachedSummaryView(state, rag);
    const leads = derivedFrom(state, 'leads', () => leadsOf(state));
    const filters = {
      values: { rating: raw.rating ?? '', status: raw.status ?? '', lead: raw.lead ?? '', q: raw.q ?? '' },
      ratings: [{ value: '', text: 'Any rating' }, ...RATING_FILTERS],
      statuses: [{ value: '', text: 'Any status' }, ...STATUS_FILTERS],
      leads: [{ value: '', text: 'Any lead' }, ...leads.map((lead) => ({ value: lead, text: lead }))],
    };
    await renderPage(
      res,
      'plan.njk',
      { ...this.page(req, session, state.title, 'plans'), planId, ...planShellView(summary, approval, when), layout: { filtering: layout.filtering, shown: layout.shown, total: layout.total }, filters, when, control, errors, errorSummary: summaryOf(errors), reads: await this.readsLinks(req, state) },
      hasErrors ? 400 : 200,
      req,
      section,
      // The shell around the section is kept per what it shows, the request's and instant's words laid in its holes.
      PLAN_SHELL_HOLES,
    );
  }

  /** The plan page's links to what inspectors and QA read; the audit log and the bundle page only for those the guard lets in. */
  private async readsLinks(req: Request, state: PlanState) {
    const access = await this.access.state();
    const now = new Date().toISOString();
    const allows = (permission: 'audit-log.read' | 'bundle.export') => authorisePlan(identityOf(req), access, { organisationId: state.organisationId, planId: state.id }, permission, now).outcome === 'allowed';
    return { auditLog: allows('audit-log.read'), bundle: allows('bundle.export') };
  }

  /** What every page's layout needs (shared with the other web controllers). */
  private page(req: Request, session: WebSession | undefined, pageTitle: string, current?: 'plans') {
    return pageContext(req, session, pageTitle, current);
  }
}

const FIELD_ANCHORS = new Map([
  ['asAt', 'asAt-day'],
  ['knownAt', 'knownAt-day'],
]);

function summaryOf(errors: FieldErrors): ErrorSummary {
  return Object.entries(errors).map(([field, text]) => ({ text, href: `#${FIELD_ANCHORS.get(field) ?? field}` }));
}

/** The instant the as-at control names: a date and optional HH:MM (UTC), or an ISO instant pasted from the API. */
function asAtInstant(asAt: string, time: string | undefined): { at: string } | { field: string; error: string } {
  if (/^\d{4}-\d{2}-\d{2}$/.test(asAt)) {
    if (!isRealDate(asAt)) return { field: 'asAt', error: 'The date must be a real date' };
    if (!time) return { at: `${asAt}T23:59:59.999Z` };
    if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(time)) return { field: 'asAtTime', error: 'Enter the time as hours and minutes, for example 14:30' };
    return { at: new Date(`${asAt}T${time}:59.999Z`).toISOString() };
  }
  const parsed = Date.parse(asAt);
  if (/^\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:\d{2})$/.test(asAt) && !Number.isNaN(parsed)) return { at: new Date(parsed).toISOString() };
  return { field: 'asAt', error: 'Enter the date as day, month and year, for example 1 October 2009' };
}
