import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ROUTES } from '../http/route-table.js';
import { WebController } from './web.controller.js';
import { BundlePagesController } from './bundle-pages.controller.js';
import { WEB_ROUTES } from './web-routes.js';

const PAGE_CONTROLLERS = [WebController, BundlePagesController];

function servedPages(): string[] {
  return PAGE_CONTROLLERS.flatMap((controller) => Object.getOwnPropertyNames(controller.prototype)
    .filter((name) => name !== 'constructor')
    .map((name) => (controller.prototype as unknown as Record<string, unknown>)[name]))
    .filter((handler): handler is object => typeof handler === 'function' && Reflect.hasMetadata(PATH_METADATA, handler))
    .map((handler) => `${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!.toLowerCase()} /${String(Reflect.getMetadata(PATH_METADATA, handler)).replace(/^\//, '')}`);
}

describe('the web pages in the route table', () => {
  it('lists exactly the pages the web controller serves, each with its permission', () => {
    expect(servedPages().sort()).toEqual(WEB_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    for (const route of WEB_ROUTES) expect(route.permission).toBeDefined();
  });

  it('shares no address with the JSON API, so a cookie can never authenticate an API call', () => {
    const api = new Set(ROUTES.map((r) => `${r.method} ${r.path}`));
    expect(WEB_ROUTES.filter((r) => api.has(`${r.method} ${r.path}`))).toEqual([]);
  });

  it('asks for the same permission to record progress in a page as the API does', () => {
    const api = ROUTES.find((r) => r.path === '/plans/:planId/actions/:actionId/progress-updates')!;
    const page = WEB_ROUTES.find((r) => r.path === '/web/plans/:planId/actions/:actionId/progress')!;
    expect(page.permission).toBe(api.permission);
  });
});
