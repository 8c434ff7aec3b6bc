import { z } from 'zod';
import { ROUTES, bodySchemaOf } from './route-table.js';

const Problem = {
  type: 'object',
  required: ['code', 'message', 'details', 'correlationId'],
  properties: {
    code: { type: 'string', example: 'VALIDATION_FAILED' },
    message: { type: 'string' },
    details: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, problem: { type: 'string' } } } },
    correlationId: { type: 'string' },
  },
};

/** OpenAPI 3.1, generated from the route table and the same zod schemas that validate requests. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const openApiPath = route.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...[...route.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...(route.query
        ? Object.entries((z.toJSONSchema(route.query, { io: 'input' }) as { properties?: Record<string, unknown>; required?: string[] }).properties ?? {}).map(
            ([name, schema]) => ({ name, in: 'query', required: false, schema }),
          )
        : []),
      ...(route.writes
        ? [
            { name: 'X-Actor', in: 'header', required: true, schema: { type: 'string' }, description: 'Who is acting (until access control replaces it with the authenticated identity)' },
            { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'The ETag (revision) of the plan you read; 412 if it moved on' },
          ]
        : []),
    ];
    const body = bodySchemaOf(route);
    paths[openApiPath] ??= {};
    paths[openApiPath][route.method] = {
      summary: route.summary,
      parameters,
      ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(body, { io: 'input', unrepresentable: 'any' }) } } } } : {}),
      ...(route.rawBody ? { requestBody: { required: true, description: route.rawBody.description, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } } } : {}),
      responses: {
        [route.writes ? '201' : '200']: { description: 'OK' },
        '4XX': { description: 'The request cannot be accepted', content: { 'application/json': { schema: Problem } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Safeguarding evidence ledger', version: '0.1.0', description: 'Event-sourced ledger of action plans: every change is an immutable event.' },
    paths,
  };
}
