import { Controller, Inject, Param, Req, Res, UseFilters } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { EvidenceBundleError } from '#evidence';
import { GetEvidenceBundleQuery, GetTreeHeadQuery } from '../cqrs/evidence-bundle-queries.js';
import { EvidenceBundleQuery } from '../http/evidence-bundle.queries.js';
import { hrefOf, Route } from '../http/route.decorator.js';
import { sendEvidenceBundle } from '../http/send-evidence-bundle.js';
import { parseRequest } from '../http/validation.js';
import { readDateFields } from './date-fields.js';
import { uploadOf } from './evidence-form-upload.js';
import { currentPlanOrNotFound, pageContext } from './web-page-context.js';
import { WebErrorFilter } from './web-error.filter.js';
import { renderPage } from './web-renderer.js';
import { WebSessions } from './web-sessions.js';

/**
 * The evidence-bundle pages: a bundle to download (optionally extending an earlier one), and the public page
 * where a regulator checks one. Bundles come from the same query as GET /plans/:planId/bundle; the checks run
 * in the browser with the verifier's own build, so the server never sees what is checked.
 */
@Controller()
@UseFilters(WebErrorFilter)
export class BundlePagesController {
  constructor(
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(QueryBus) private readonly queries: QueryBus,
  ) {}

  @Route('bundlePage')
  async bundlePage(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    const parsed = BundleForm.safeParse(req.query);
    const raw = parsed.success ? parsed.data : {};
    const values = { day: raw['asAt-day'] ?? '', month: raw['asAt-month'] ?? '', year: raw['asAt-year'] ?? '', asAtTime: raw.asAtTime ?? '', time: raw.time ?? 'recorded', withFiles: raw.withFiles ?? 'false', extend: raw.extend ?? 'no' };
    const errors = new Map<string, string>();
    if (!parsed.success) errors.set('asAt', 'Use the controls below to choose the bundle');
    else if (raw.prepare) {
      const instant = bundleInstant(raw);
      if ('error' in instant) errors.set(instant.field, instant.error);
      else {
        const download = new URLSearchParams({ ...(instant.at ? { asAt: instant.at } : {}), time: values.time, withFiles: values.withFiles });
        const next = values.extend === 'yes' ? 'bundleExtendPage' : 'bundleDownloadPage';
        return res.redirect(303, `${hrefOf(next, { planId })}?${download.toString()}`);
      }
    }
    await this.renderBundlePage(req, res, planId, values, errors);
  }

  /** The download itself: the same query, validation and headers as GET /plans/:planId/bundle. */
  @Route('bundleDownloadPage')
  async download(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    sendEvidenceBundle(res, await this.queries.execute(this.bundleQuery(planId, req.query)));
  }

  /** The second step of a bundle that must extend an earlier one: choose that bundle's zip. */
  @Route('bundleExtendPage')
  async extendPage(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    this.bundleQuery(planId, req.query); // a hand-edited address is a 400 here, not on the post
    await this.renderExtendPage(req, res, planId, new Map());
  }

  /** The bundle, built with the earlier one given so consistency.json proves it extends it (as `ledger bundle --since`). */
  @Route('bundleExtendDownload')
  async extendDownload(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    const { asAt, time, withFiles } = this.bundleQuery(planId, req.query);
    const { file, problem } = uploadOf(req);
    const refuse = (text: string) => this.renderExtendPage(req, res, planId, new Map([['file', text]]));
    if (problem) return refuse(problem);
    if (!file || file.size === 0) return refuse('Select the earlier evidence bundle');
    try {
      sendEvidenceBundle(res, await this.queries.execute(new GetEvidenceBundleQuery(planId, asAt, time, withFiles, file.buffer)));
    } catch (error) {
      if (error instanceof EvidenceBundleError && error.code === 'PREVIOUS_BUNDLE_REJECTED') return refuse(error.message);
      throw error;
    }
  }

  private bundleQuery(planId: string, query: unknown): GetEvidenceBundleQuery {
    const { asAt = new Date().toISOString(), time, withFiles } = parseRequest(EvidenceBundleQuery, query, 'query');
    return new GetEvidenceBundleQuery(planId, asAt, time, withFiles === 'true');
  }

  private async planTitle(planId: string): Promise<string> {
    return (await currentPlanOrNotFound(this.queries, planId)).title;
  }

  private async renderBundlePage(req: Request, res: Response, planId: string, values: Record<string, string>, errors: Map<string, string>): Promise<void> {
    const planTitle = await this.planTitle(planId);
    const treeHead = await this.queries.execute(new GetTreeHeadQuery(planId));
    const errorList = [...errors].map(([field, text]) => ({ text, href: `#${field === 'asAt' ? 'asAt-day' : field}` }));
    renderPage(
      res,
      'bundle.njk',
      { ...pageContext(req, this.sessions.find(req), 'Download an evidence bundle'), planId, planTitle, treeHead, values, errors: Object.fromEntries(errors), errorSummary: errorList },
      errors.size > 0 ? 400 : 200,
    );
  }

  private async renderExtendPage(req: Request, res: Response, planId: string, errors: Map<string, string>): Promise<void> {
    const { asAt, time, withFiles } = this.bundleQuery(planId, req.query);
    const planTitle = await this.planTitle(planId);
    const action = `${hrefOf('bundleExtendDownload', { planId })}?${new URLSearchParams(req.query as Record<string, string>).toString()}`;
    renderPage(
      res,
      'bundle-extend.njk',
      {
        ...pageContext(req, this.sessions.find(req), 'Choose the earlier bundle'),
        planId,
        planTitle,
        action,
        chosen: { asAt, asAtGiven: typeof (req.query as { asAt?: unknown }).asAt === 'string', time, withFiles },
        errors: Object.fromEntries(errors),
        errorSummary: [...errors].map(([field, text]) => ({ text, href: `#${field}` })),
      },
      errors.size > 0 ? 400 : 200,
    );
  }

  @Route('verifyPage')
  verify(@Req() req: Request, @Res() res: Response) {
    renderPage(res, 'verify.njk', pageContext(req, this.sessions.find(req), 'Check an evidence bundle', 'verify'));
  }
}

const BundleForm = z
  .object({
    prepare: z.literal('yes').optional(),
    'asAt-day': z.string().trim().max(10).optional(),
    'asAt-month': z.string().trim().max(10).optional(),
    'asAt-year': z.string().trim().max(10).optional(),
    asAtTime: z.string().trim().max(10).optional(),
    time: z.enum(['recorded', 'effective']).optional(),
    withFiles: z.enum(['true', 'false']).optional(),
    extend: z.enum(['yes', 'no']).optional(),
  })
  .strict();

/** The instant the form names (none: now), or which field is wrong and why. */
function bundleInstant(form: z.infer<typeof BundleForm>): { at?: string } | { field: string; error: string } {
  const asAtTime = form.asAtTime ?? '';
  const read = readDateFields(form, 'asAt', 'date');
  if (!read.given) return asAtTime ? { field: 'asAt', error: 'Enter the date the time is on, as day, month and year' } : {};
  if ('error' in read) return { field: 'asAt', error: read.error };
  if (asAtTime && !/^([01]\d|2[0-3]):[0-5]\d$/.test(asAtTime)) return { field: 'asAtTime', error: 'Enter the time as hours and minutes, for example 14:30' };
  const at = asAtTime ? `${read.date}T${asAtTime}:59.999Z` : `${read.date}T23:59:59.999Z`;
  // An instant later today is "now": a bundle cannot be of a moment that has not happened yet.
  return Date.parse(at) > Date.now() ? {} : { at: new Date(at).toISOString() };
}
