import { z } from 'zod';
import { ApiError } from './api-error.js';

/** Parse a request part with zod; a failure is a 400 that names every bad field and why. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): z.output<S> {
  if (where === 'body' && (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new ApiError(400, 'VALIDATION_FAILED', 'The request body must be a JSON object', [{ path: 'body', problem: 'must be a JSON object' }]);
  }
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ApiError(
    400,
    'VALIDATION_FAILED',
    'Some of what was sent is not valid',
    result.error.issues.map((issue) => ({ path: [where, ...issue.path.map(String)].join('.'), problem: describe(issue) })),
  );
}

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `has unexpected field(s): ${issue.keys.join(', ')}`;
  if (issue.code === 'invalid_type' && issue.input === undefined) return 'is required';
  return issue.message;
}

/** A body schema that refuses unknown fields (a misspelt field is an error, not silently dropped). */
export function strictBody<S extends z.ZodObject>(schema: S) {
  return schema.strict();
}
