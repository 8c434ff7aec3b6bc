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

/** How deep a JSON body may nest. No command has more than three levels; 32 leaves room and stops parse recursion long before the stack. */
export const MAX_JSON_DEPTH = 32;

/** Why a raw body was refused before parsing: thrown from the JSON parser's `verify`, read back by ProblemFilter. */
export class RawBodyError extends Error {
  readonly status = 400;
  constructor(
    readonly type: 'entity.too.deep' | 'entity.invalid.utf8',
    readonly path: string,
    readonly problem: string,
  ) {
    super(problem);
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * body-parser's `verify` hook: it runs on the raw bytes before JSON.parse, so a body nested 10,000 deep is
 * refused with the path where it went too deep instead of overflowing the parser's (and every later walker's)
 * recursion, and bytes that are not UTF-8 are refused instead of being silently replaced by U+FFFD.
 */
export function verifyJsonBody(_req: unknown, _res: unknown, raw: Buffer): void {
  let text: string;
  try {
    text = STRICT_UTF8.decode(raw);
  } catch {
    throw new RawBodyError('entity.invalid.utf8', 'body', 'is not valid UTF-8');
  }
  const tooDeep = firstTooDeep(text, MAX_JSON_DEPTH);
  if (tooDeep) throw new RawBodyError('entity.too.deep', tooDeep, `nests more than ${MAX_JSON_DEPTH} levels deep`);
}

/**
 * The `verify` hook of the web forms' URL-encoded parser: every name and value must percent-decode to UTF-8.
 * The parser itself repairs bad bytes (a lone surrogate sent as %ED%A0%80, a cut-off %F0%9F) into U+FFFD and
 * stores that silently; the JSON API refuses them, and so must a form (issue 14).
 */
export function verifyFormBody(_req: unknown, _res: unknown, raw: Buffer): void {
  let text: string;
  try {
    text = STRICT_UTF8.decode(raw);
  } catch {
    throw new RawBodyError('entity.invalid.utf8', 'body', 'is not valid UTF-8');
  }
  for (const pair of text.split('&')) {
    const equals = pair.indexOf('=');
    const [name, value] = equals < 0 ? [pair, ''] : [pair.slice(0, equals), pair.slice(equals + 1)];
    for (const part of [name, value]) {
      try {
        STRICT_UTF8.decode(percentDecodedBytes(part));
      } catch {
        const field = Buffer.from(percentDecodedBytes(name)).toString('utf8').slice(0, 100);
        throw new RawBodyError('entity.invalid.utf8', `body.${field}`, 'is not valid UTF-8');
      }
    }
  }
}

/** The bytes a form part stands for: each %XX its byte, '+' a space, anything else its own UTF-8 (as the parser reads it). */
function percentDecodedBytes(part: string): Uint8Array {
  const bytes: number[] = [];
  for (let i = 0; i < part.length; i++) {
    const c = part[i]!;
    if (c === '%' && /^[0-9a-fA-F]{2}$/.test(part.slice(i + 1, i + 3))) {
      bytes.push(parseInt(part.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === '+') bytes.push(0x20);
    else bytes.push(...Buffer.from(c, 'utf8'));
  }
  return Uint8Array.from(bytes);
}

/**
 * The path at which `text` (JSON, possibly malformed) first opens more than `max` nested objects or arrays,
 * found by a linear scan that keeps only a stack of keys and indexes: no recursion, whatever the input.
 */
export function firstTooDeep(text: string, max: number): string | undefined {
  const path: (string | number)[] = [];
  const containers: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (containers[containers.length - 1] === '{') {
        let next = end + 1;
        while (next < text.length && /\s/.test(text[next]!)) next++;
        if (text[next] === ':') path[path.length - 1] = keyOf(text.slice(i, end + 1));
      }
      i = end;
    } else if (c === '{' || c === '[') {
      containers.push(c);
      path.push(c === '[' ? 0 : '');
      if (containers.length > max) return ['body', ...path.slice(0, -1)].join('.');
    } else if (c === '}' || c === ']') {
      containers.pop();
      path.pop();
    } else if (c === ',' && containers[containers.length - 1] === '[') {
      path[path.length - 1] = (path[path.length - 1] as number) + 1;
    }
  }
  return undefined;
}

function keyOf(quoted: string): string {
  try {
    return String(JSON.parse(quoted));
  } catch {
    return quoted.slice(1, -1);
  }
}
