import 'reflect-metadata';
import { describe, expect, it } from '@jest/globals';
import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants.js';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import type { LedgerConfig } from '#application';
import { AppModule } from '../app.module.js';
import { WEB_ROUTES } from '../web/web-routes.js';
import { ROUTES, type RouteSpec } from './route-table.js';
import { OPERATIONS, openApiDocument } from './openapi.js';

const TABLES: RouteSpec[] = [...ROUTES, ...WEB_ROUTES];
const joined = (...parts: string[]) => `/${parts.map((p) => p.replace(/^\/+|\/+$/g, '')).filter(Boolean).join('/')}`;

/** Every route Nest serves: each controller AppModule registers, each handler with a path, under the controller's own prefix. */
function servedRoutes(): string[] {
  const controllers = (AppModule.forConfig({} as LedgerConfig).controllers ?? []) as Type[];
  return controllers.flatMap((controller) => {
    const prefix = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
    return Object.getOwnPropertyNames(controller.prototype)
      .filter((name) => name !== 'constructor')
      .map((name) => Object.getOwnPropertyDescriptor(controller.prototype, name)?.value as unknown)
      .filter((handler): handler is object => typeof handler === 'function' && Reflect.hasMetadata(PATH_METADATA, handler))
      .map((handler) => `${RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number]!.toLowerCase()} ${joined(prefix, String(Reflect.getMetadata(PATH_METADATA, handler)))}`);
  });
}

const NEST_ROUTE_DECORATORS = new Set(['Get', 'Post', 'Put', 'Patch', 'Delete', 'All', 'Head', 'Options', 'Search']);

/** A route path as a pattern: each :param (and each ${…} of a template) stands for one segment; a query string may follow. */
const patternOf = (routePath: string) => new RegExp(`^${routePath.split(/:\w+/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/?#]+')}(\\?.*)?$`);
const TABLE_PATTERNS = TABLES.map((route) => ({ route, pattern: patternOf(route.path) }));

/**
 * What in one controller's source writes a path itself: a Nest path decorator, a @Controller prefix, or a string
 * or template literal that is one of the tables' paths (a redirect, a Location header, a routeSpec lookup).
 */
function pathsWrittenIn(fileName: string, source: string): string[] {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.ES2022, true);
  const answersRequests = /@(Controller|Catch)\(/.test(source);
  const found: string[] = [];
  const at = (node: ts.Node) => `${fileName}:${file.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (ts.isDecorator(node) && ts.isCallExpression(node.expression) && ts.isIdentifier(node.expression.expression)) {
      const name = node.expression.expression.text;
      if (NEST_ROUTE_DECORATORS.has(name)) found.push(`${at(node)} @${name}(…): serve it with @Route(key)`);
      if (name === 'Controller' && node.expression.arguments.length > 0) found.push(`${at(node)} @Controller(…) with a path prefix`);
    }
    let text: string | undefined;
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) text = node.text;
    else if (ts.isTemplateExpression(node)) text = node.head.text + node.templateSpans.map((span) => `:x${span.literal.text}`).join('');
    // A bare "/" is the start page only where requests are answered; elsewhere it is a base URL (OpenAPI's servers).
    if (text !== undefined && text.startsWith('/') && (text !== '/' || answersRequests)) {
      const match = TABLE_PATTERNS.find(({ route, pattern }) => text === route.path || pattern.test(text!));
      if (match) found.push(`${at(node)} writes the path of ${match.route.key ?? match.route.path} (${JSON.stringify(text)}): use hrefOf(key)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? [full] : [];
  });
}

describe('the route table', () => {
  it('lists exactly the routes the controllers serve, API and pages, so no endpoint goes undocumented or unguarded', () => {
    expect(servedRoutes().sort()).toEqual(TABLES.map((r) => `${r.method} ${r.path}`).sort());
  });

  it('gives every route a unique key, the name @Route and hrefOf know it by', () => {
    const keys = TABLES.map((r) => r.key);
    expect(TABLES.filter((r) => r.key === undefined).map((r) => r.path)).toEqual([]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('is the only place a path is written: no controller (nor any other file of the app) names a path of its own', () => {
    const files = sourceFiles(path.join(process.cwd(), 'apps/api/src')).filter((file) => !/\/(route-table|web-routes)\.ts$/.test(file));
    expect(files.filter((file) => /@Controller\(/.test(readFileSync(file, 'utf8'))).length).toBeGreaterThanOrEqual(8);
    const written = files.flatMap((file) => pathsWrittenIn(path.relative(process.cwd(), file), readFileSync(file, 'utf8')));
    expect(written).toEqual([]);
  });

  it('would notice if one did: a path decorator, a prefix, a redirect or a Location header', () => {
    const source = [
      `@Controller('api') class C {`,
      `  @Get('plans/:planId') a() {}`,
      `  b(res, planId) { res.redirect(303, '/web/plans'); res.setHeader('Location', \`/plans/\${planId}\`); return routeSpec('post', '/plans/:planId/actions'); }`,
      `  c(res) { res.redirect(303, hrefOf('plansPage')); res.redirect(303, '/'); return { view: 'plans', css: '/assets/app.css' }; }`,
      `}`,
    ].join('\n');
    expect(pathsWrittenIn('c.ts', source)).toEqual([
      'c.ts:1 @Controller(…) with a path prefix',
      'c.ts:2 @Get(…): serve it with @Route(key)',
      'c.ts:3 writes the path of plansPage ("/web/plans"): use hrefOf(key)',
      'c.ts:3 writes the path of getPlan ("/plans/:x"): use hrefOf(key)',
      'c.ts:3 writes the path of addAction ("/plans/:planId/actions"): use hrefOf(key)',
      'c.ts:4 writes the path of startPage ("/"): use hrefOf(key)',
    ]);
    expect(pathsWrittenIn('openapi.ts', `const doc = { servers: [{ url: '/' }] };`)).toEqual([]);
  });

  it('gives every route an OpenAPI entry with its summary', () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { summary: string }>> };
    for (const route of ROUTES) {
      expect(doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method]?.summary).toBe(route.summary);
    }
  });
});

describe('the OpenAPI operations', () => {
  it('name every route by its key, unique, with a tag of its own choosing, not a fallback', () => {
    expect(ROUTES.filter((r) => !OPERATIONS.has(r.key) && !r.tag).map((r) => r.key)).toEqual([]);
    const doc = openApiDocument() as { paths: Record<string, Record<string, { operationId: string; tags: string[] }>> };
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => op.operationId));
    expect(ids.sort()).toEqual(ROUTES.map((r) => r.key).sort());
    expect(new Set(ids).size).toBe(ROUTES.length);
  });
});
