import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { ROUTES, type RouteSpec } from '../http/route-table.js';
import { ActionPageController } from './action-page.controller.js';
import { WebController } from './web.controller.js';
import { WebReadsController } from './web-reads.controller.js';
import { OidcSignInController } from './oidc-sign-in.controller.js';
import { AdminController } from './admin.controller.js';
import { ImportPageController } from './import-page.controller.js';
import { BundlePagesController } from './bundle-pages.controller.js';
import { ApprovalPagesController } from './approval-pages.controller.js';
import { UpdatePagesController } from './update-pages.controller.js';
import { PasswordPagesController } from './password-pages.controller.js';
import { WebUploadInterceptor } from './web-upload.interceptor.js';
import { readsFormAfterGuard, WEB_ROUTES } from './web-routes.js';

/** Every controller that serves pages. */
const PAGE_CONTROLLERS = [WebController, WebReadsController, ActionPageController, OidcSignInController, AdminController, ImportPageController, BundlePagesController, ApprovalPagesController, UpdatePagesController, PasswordPagesController];


function servedPages(): string[] {
  return PAGE_CONTROLLERS.flatMap((controller) => Object.getOwnPropertyNames(controller.prototype)
    .filter((name) => name !== 'constructor')
    .map((name) => (controller.prototype as unknown as Record<string, unknown>)[name])
    .filter((handler): handler is object => typeof handler === 'function' && Reflect.hasMetadata(PATH_METADATA, handler))
    .map((handler) => `${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!.toLowerCase()} /${String(Reflect.getMetadata(PATH_METADATA, handler)).replace(/^\//, '')}`));
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

  it('checks the CSRF token of every form read after the guard in its upload interceptor, since the guard cannot read its body', () => {
    expect(WEB_ROUTES.filter(readsFormAfterGuard).length).toBeGreaterThan(0);
    for (const route of WEB_ROUTES.filter(readsFormAfterGuard)) {
      const handler = Object.getOwnPropertyNames(ImportPageController.prototype)
        .map((name) => (ImportPageController.prototype as unknown as Record<string, unknown>)[name])
        .find((h): h is object => typeof h === 'function' && String(Reflect.getMetadata(PATH_METADATA, h)).replace(/^\//, '') === route.path.replace(/^\//, '') && Reflect.getMetadata(METHOD_METADATA, h) === RequestMethod.POST);
      expect(Reflect.getMetadata('__interceptors__', handler!)).toContain(WebUploadInterceptor);
    }
  });

  it('asks for the same permission to record progress in a page as the API does', () => {
    const api = ROUTES.find((r) => r.path === '/plans/:planId/actions/:actionId/progress-updates')!;
    const page = WEB_ROUTES.find((r) => r.path === '/web/plans/:planId/actions/:actionId/progress')!;
    expect(page.permission).toBe(api.permission);
  });

  it('asks for the same permissions to read as the API routes whose query each page runs', () => {
    const permissionOf = (table: readonly RouteSpec[], path: string) => table.find((r) => r.method === 'get' && r.path === path)?.permission;
    for (const [page, api] of [
      ['/web/plans/:planId/changes', '/plans/:planId/changes-since'],
      ['/web/plans/:planId/back-dated', '/plans/:planId/retrospective-entries'],
      ['/web/plans/:planId/rag-trend', '/plans/:planId/rag-trend'],
      ['/web/audit-log', '/audit-log'],
      ['/web/audit-log/export', '/audit-log'],
    ] as const) {
      expect({ page, permission: permissionOf(WEB_ROUTES, page) }).toEqual({ page, permission: permissionOf(ROUTES, api) });
    }
  });

  it('asks each form of the action page for the permission of the API route that runs the same command', () => {
    const forms = WEB_ROUTES.filter((r) => r.command);
    expect(forms.map((r) => r.command).sort()).toEqual(['AcceptUpdate', 'AssessRag', 'AttachEvidence', 'ChangeActionStatus', 'CloseUpdateRound', 'CompleteAction', 'CorrectEntry', 'OpenUpdateRound', 'ReassignAction', 'RecordAuditOutcome', 'RejectUpdate', 'ReopenAction', 'ResubmitUpdate', 'SetApprovalRequirement', 'SlipTargetDate', 'WithdrawUpdate']);
    for (const page of forms) {
      const api = ROUTES.find((r) => r.command === page.command)!;
      expect({ command: page.command, permission: page.permission }).toEqual({ command: page.command, permission: api.permission });
    }
    const download = WEB_ROUTES.find((r) => r.path === '/web/plans/:planId/evidence/:sha256')!;
    expect(download.permission).toBe(ROUTES.find((r) => r.path === '/plans/:planId/evidence/:sha256')!.permission);
  });
});
