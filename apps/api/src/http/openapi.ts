import { z } from 'zod';
import { ROUTES, bodySchemaOf, type RouteSpec } from './route-table.js';

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
            { name: 'If-Match', in: 'header', required: false, schema: { type: 'string' }, description: 'The ETag (revision) of the plan you read; 412 if it moved on' },
          ]
        : []),
    ];
    const body = bodySchemaOf(route);
    paths[openApiPath] ??= {};
    paths[openApiPath][route.method] = {
      summary: route.summary,
      ...(route.permission && route.permission !== 'public'
        ? { security: [{ bearer: [] }], description: route.permission === 'signed-in' ? 'Any signed-in person.' : `Needs the permission ${route.permission}.` }
        : { security: [] }),
      parameters,
      ...(body ? { requestBody: { required: true, content: { 'application/json': { schema: z.toJSONSchema(body, { io: 'input', unrepresentable: 'any' }) } } } } : {}),
      ...(route.rawBody ? { requestBody: { required: true, description: route.rawBody.description, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } } } : {}),
      ...(route.multipart ? { requestBody: multipartBody(route.multipart) } : {}),
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
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'A token from `ledger tokens issue`, or a JWT from the configured identity provider (OIDC / Entra ID).' },
      },
    },
  };
}

/** A form with a file: the text fields from their zod schema, plus the file as binary. */
function multipartBody({ description, file, fields }: NonNullable<RouteSpec['multipart']>): Record<string, unknown> {
  const schema = z.toJSONSchema(fields, { io: 'input', unrepresentable: 'any' }) as { properties?: Record<string, unknown>; required?: string[] };
  return {
    required: true,
    description,
    content: {
      'multipart/form-data': {
        schema: { type: 'object', required: [file, ...(schema.required ?? [])], properties: { [file]: { type: 'string', format: 'binary' }, ...schema.properties } },
      },
    },
  };
}
