import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { EvidenceController } from './evidence.controller.js';
import { EvidenceBundleController } from './evidence-bundle.controller.js';
import { ImportController } from './import.controller.js';
import { AccessController } from './auth/access.controller.js';
import { MetaController } from './meta.controller.js';
import { PlansController } from './plans.controller.js';
import { TimeTravelController } from './time-travel.controller.js';
import { ROUTES } from './route-table.js';
import { OPERATIONS, openApiDocument } from './openapi.js';

const CONTROLLERS = [AccessController, PlansController, TimeTravelController, EvidenceController, EvidenceBundleController, ImportController, MetaController];

/** Every route Nest serves, read from the controllers' decorators. */
function servedRoutes(): string[] {
  return CONTROLLERS.flatMap((controller) =>
    Object.getOwnPropertyNames(controller.prototype)
      .filter((name) => name !== 'constructor')
      .map((name) => (controller.prototype as unknown as Record<string, unknown>)[name])
      .filter((handler): handler is object => typeof handler === 'function' && Reflect.hasMetadata(PATH_METADATA, handler))
      .map((handler) => {
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!.toLowerCase();
        const path = `/${String(Reflect.getMetadata(PATH_METADATA, handler)).replace(/^\//, '')}`;
        return `${method} ${path}`;
      }),
  );
}

describe('the route table', () => {
  it('lists exactly the routes the controllers serve, so no endpoint goes undocumented', () => {
    expect(servedRoutes().sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('gives every route an OpenAPI entry with its summary', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { summary: string }>> };
    for (const route of ROUTES) {
      expect(doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method]?.summary).toBe(route.summary);
    }
  });
});

describe('the OpenAPI operations', () => {
  it('name every route with a unique operationId and a tag of its own choosing, not a fallback', () => {
    const keys = ROUTES.map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}`);
    expect(keys.filter((key) => !OPERATIONS.has(key) && !ROUTES.find((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}')}` === key)?.operationId)).toEqual([]);
    const doc = openApiDocument() as { paths: Record<string, Record<string, { operationId: string; tags: string[] }>> };
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ROUTES.length);
  });
});
