import { Controller, Inject, Param, Req, Res, UseFilters } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { QueryBus } from '@nestjs/cqrs';
import type { Request, Response } from 'express';
import { z } from 'zod';
import { GetPlanQuery } from '../cqrs/plan-queries.js';
import { ApiError } from '../http/api-error.js';
import { EvidenceBundleController } from '../http/evidence-bundle.controller.js';
import { hrefOf, Route } from '../http/route.decorator.js';
import { pageContext } from './web-page-context.js';
import { WebErrorFilter } from './web-error.filter.js';
import { renderPage } from './web-renderer.js';
import { WebSessions, type WebSession } from './web-sessions.js';

/**
 * The evidence-bundle pages: a bundle to download, and the public page where a regulator checks one. The
 * checks run in the browser with the verifier's own build, so the server never sees what is checked.
 */
@Controller()
@UseFilters(WebErrorFilter)
export class BundlePagesController {
  constructor(
    @Inject(WebSessions) private readonly sessions: WebSessions,
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(ModuleRef) private readonly modules: ModuleRef,
  ) {}

  /** The API's own handler for bundles and tree heads: the page and GET /plans/:planId/bundle share one implementation. */
  private bundles(): EvidenceBundleController {
    return this.modules.get(EvidenceBundleController, { strict: false });
  }

  @Route('bundlePage')
  async bundlePage(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    const parsed = BundleForm.safeParse(req.query);
    const raw = parsed.success ? parsed.data : {};
    const values = { day: raw['asAt-day'] ?? '', month: raw['asAt-month'] ?? '', year: raw['asAt-year'] ?? '', asAtTime: raw.asAtTime ?? '', time: raw.time ?? 'recorded', withFiles: raw.withFiles ?? 'false' };
    const errors = new Map<string, string>();
    if (!parsed.success) errors.set('asAt', 'Use the controls below to choose the bundle');
    else if (raw.prepare) {
      const instant = bundleInstant(values);
      if ('error' in instant) errors.set(instant.field, instant.error);
      else {
        const download = new URLSearchParams({ ...(instant.at ? { asAt: instant.at } : {}), time: values.time, withFiles: values.withFiles });
        return res.redirect(303, `${hrefOf('bundleDownloadPage', { planId })}?${download.toString()}`);
      }
    }
    await this.renderBundlePage(req, res, planId, values, errors);
  }

  /** The download itself: the same handler, validation and headers as GET /plans/:planId/bundle. */
  @Route('bundleDownloadPage')
  async download(@Param('planId') planId: string, @Req() req: Request, @Res() res: Response) {
    await this.bundles().bundle(planId, req.query, res);
  }

  private async renderBundlePage(req: Request, res: Response, planId: string, values: Record<string, string>, errors: Map<string, string>): Promise<void> {
    const state = await this.queries.execute(new GetPlanQuery(planId));
    if (!state) throw new ApiError(404, 'PLAN_NOT_FOUND', 'There is no such plan');
    const treeHead = await this.bundles().treeHead(planId, {});
    const errorList = [...errors].map(([field, text]) => ({ text, href: `#${field === 'asAt' ? 'asAt-day' : field}` }));
    renderPage(
      res,
      'bundle.njk',
      { ...pageContext(req, this.sessions.find(req), 'Download an evidence bundle'), planId, planTitle: state.title, treeHead, values, errors: Object.fromEntries(errors), errorSummary: errorList },
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
  })
  .strict();

function isRealDate(iso: string): boolean {
  const date = new Date(`${iso}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === iso;
}

/** The instant the form names (none: now), or which field is wrong and why. */
function bundleInstant(values: { day: string; month: string; year: string; asAtTime: string }): { at?: string } | { field: string; error: string } {
  const parts = [values.day, values.month, values.year];
  if (parts.every((p) => !p)) return values.asAtTime ? { field: 'asAt', error: 'Enter the date the time is on, as day, month and year' } : {};
  if (!parts.every(Boolean)) return { field: 'asAt', error: 'The date must include a day, month and year' };
  const iso = `${values.year}-${values.month.padStart(2, '0')}-${values.day.padStart(2, '0')}`;
  if (!/^\d{1,2}$/.test(values.day) || !/^\d{1,2}$/.test(values.month) || !/^\d{4}$/.test(values.year) || !isRealDate(iso)) return { field: 'asAt', error: 'The date must be a real date, for example 27 3 2012' };
  if (values.asAtTime && !/^([01]\d|2[0-3]):[0-5]\d$/.test(values.asAtTime)) return { field: 'asAtTime', error: 'Enter the time as hours and minutes, for example 14:30' };
  const at = values.asAtTime ? `${iso}T${values.asAtTime}:59.999Z` : `${iso}T23:59:59.999Z`;
  if (iso > new Date().toISOString().slice(0, 10)) return { field: 'asAt', error: 'The date must be today or in the past' };
  // An instant later today is "now": a bundle cannot be of a moment that has not happened yet.
  return Date.parse(at) > Date.now() ? {} : { at: new Date(at).toISOString() };
}
