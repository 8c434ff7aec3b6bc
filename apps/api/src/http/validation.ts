import { z } from 'zod';
import { ApiError } from './api-error.js';

/** Parse a request part with zod; a failure is a 400 that names every bad field and why. */
export function parseRequest<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): z.output<S> {
  if (where === 'body' && (value === undefined || value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new ApiError(400, 'VALIDATION_FAILED', 'The request body must be a JSON object', [{ path: 'body', problem: 'must be a JSON object' }]);
  }
  const unpaired = findUnpairedSurrogate(value, where);
  if (unpaired) {
    throw new ApiError(400, 'VALIDATION_FAILED', 'Some text is not valid Unicode', [{ path: unpaired, problem: 'holds half of a character (an unpaired surrogate), which cannot be stored or signed' }]);
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

const UNPAIRED_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * RFC 8785 (the canonical form we hash and sign) cannot represent half a UTF-16 character, so such text
 * is refused at the edge, naming where it is, rather than failing deep in the store.
 */
export function findUnpairedSurrogate(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return UNPAIRED_SURROGATE.test(value) ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > 200) return undefined;
  for (const [key, item] of Object.entries(value)) {
    if (UNPAIRED_SURROGATE.test(key)) return `${path}.${key}`;
    const found = findUnpairedSurrogate(item, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}
