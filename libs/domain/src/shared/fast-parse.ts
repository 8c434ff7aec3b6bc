import type { z } from 'zod';
import { isCleanText } from './text.js';

/**
 * zod's parse of a value, for the values whose parse is a copy: every string already trimmed, every object's keys
 * known (none to strip), nothing a transform would change. It gives back what zod would (the value itself, or,
 * where an object's keys are out of the schema's order, a copy with zod's order), or REJECT for any other value,
 * never an error of its own: a value it does not take goes to zod, which either accepts it (and gives its own
 * output) or refuses it with its own issues, so the caller's result and errors are zod's.
 *
 * Why: a rebuild reads back every event the ledger wrote, nearly all already in zod's output form, and zod's
 * parse of each (a new object per level, a payload per field) costs about twice this one's: a rebuild takes about
 * a tenth less CPU time with it (docs/benchmarks.md, "Round 5: rebuild"). The parse is built once per schema, from
 * the schema's own definition, and calls the schema's own refinements (`isCleanText`, `isRealDate`…), so a
 * change to a schema changes the parse with it. A schema part it does not know (a transform, a custom type, a
 * plain union, a default) makes the whole schema "not compiled": every value then goes to zod.
 */
export type FastParse = (value: unknown) => unknown;

/** What a FastParse gives for a value it leaves to zod. */
export const REJECT: unique symbol = Symbol('left to zod');

/** zod 4's definitions, as far as the check reads them. */
interface Def {
  type: string;
  checks?: { _zod: { def: CheckDef } }[];
  shape?: Record<string, Schema>;
  catchall?: unknown;
  innerType?: Schema;
  element?: Schema;
  entries?: Record<string, unknown>;
  values?: unknown[];
  options?: Schema[];
  discriminator?: string;
  in?: Schema;
  out?: Schema;
  // A string format schema (z.email()) is its own check.
  check?: string;
  format?: string;
  pattern?: RegExp;
}
interface CheckDef {
  check: string;
  type?: string;
  fn?: (value: unknown) => unknown;
  tx?: (value: unknown) => unknown;
  minimum?: number;
  maximum?: number;
  length?: number;
  value?: number;
  inclusive?: boolean;
  format?: string;
  pattern?: RegExp;
}
interface Schema {
  _zod: { def: Def };
}

class NotCompiled extends Error {}

/** Refinements' answers are kept for strings this short (an instant is 24 characters, a UUID 36)… */
const MEMO_LENGTH = 40;
/** …and for at most this many strings per refinement, the memo emptied when full. */
const MEMO_ENTRIES = 4_096;

/** The fast parse of this schema, or undefined when some part of it is one it does not know. */
export function compileFastParse(schema: z.ZodType): FastParse | undefined {
  try {
    return compile(schema as unknown as Schema);
  } catch (error) {
    if (error instanceof NotCompiled) return undefined;
    throw error;
  }
}

function compile(schema: Schema): FastParse {
  const def = schema._zod.def;
  switch (def.type) {
    case 'string':
      return compileString(def);
    case 'number':
      return compileNumber(def);
    case 'boolean':
      if (def.checks?.length) throw new NotCompiled();
      return (value) => (typeof value === 'boolean' ? value : REJECT);
    case 'enum': {
      const values = new Set(Object.values(def.entries ?? {}));
      if (def.checks?.length) throw new NotCompiled();
      return (value) => (values.has(value) ? value : REJECT);
    }
    case 'literal': {
      const values = new Set(def.values ?? []);
      if (def.checks?.length) throw new NotCompiled();
      return (value) => (values.has(value) ? value : REJECT);
    }
    case 'optional': {
      const inner = compile(def.innerType!);
      if (def.checks?.length) throw new NotCompiled();
      return (value) => (value === undefined ? value : inner(value));
    }
    case 'array':
      return compileArray(def);
    case 'object':
      return compileObject(def);
    case 'union':
      return compileDiscriminatedUnion(def);
    case 'pipe': {
      const first = compile(def.in!);
      const second = compile(def.out!);
      if (def.checks?.length) throw new NotCompiled();
      return (value) => {
        const piped = first(value);
        return piped === REJECT ? REJECT : second(piped);
      };
    }
    default:
      throw new NotCompiled();
  }
}

function checksOf(def: Def): CheckDef[] {
  const checks = (def.checks ?? []).map((check) => check._zod.def);
  return def.check ? [def as CheckDef, ...checks] : checks;
}

function lengthCheck(check: CheckDef): ((length: number) => boolean) | undefined {
  switch (check.check) {
    case 'min_length': {
      const minimum = check.minimum!;
      return (length) => length >= minimum;
    }
    case 'max_length': {
      const maximum = check.maximum!;
      return (length) => length <= maximum;
    }
    case 'length_equals': {
      const exactly = check.length!;
      return (length) => length === exactly;
    }
    default:
      return undefined;
  }
}

function compileString(def: Def): FastParse {
  const lengths: ((length: number) => boolean)[] = [];
  const tests: ((value: string) => boolean)[] = [];
  for (const check of checksOf(def)) {
    const length = lengthCheck(check);
    if (length) {
      lengths.push(length);
      continue;
    }
    switch (check.check) {
      case 'overwrite': {
        // trim(), toLowerCase()…: the value must already be what the transform makes of it.
        const tx = check.tx!;
        tests.push((value) => tx(value) === value);
        break;
      }
      case 'string_format': {
        if (!(check.pattern instanceof RegExp)) throw new NotCompiled();
        const pattern = check.pattern;
        tests.push((value) => {
          pattern.lastIndex = 0;
          return pattern.test(value);
        });
        break;
      }
      case 'custom': {
        // A refine (a ZodCustom with its predicate); a superRefine has no `fn` here and is not known.
        if (check.type !== 'custom' || typeof check.fn !== 'function') throw new NotCompiled();
        const fn = check.fn;
        if (fn === isCleanText) {
          // One regular expression over the string: cheaper than looking its answer up.
          tests.push(isCleanText);
          break;
        }
        // The schemas' other refinements are pure predicates of the string (isRealDate, the instant's form): a
        // short string's answer is kept. Dates and instants repeat from event to event, and checking an instant
        // (Date.parse) was the costliest check of all.
        const known = new Map<string, boolean>();
        tests.push((value) => {
          if (value.length <= MEMO_LENGTH) {
            const answer = known.get(value);
            if (answer !== undefined) return answer;
          }
          const result = fn(value);
          if (result instanceof Promise) return false;
          if (value.length <= MEMO_LENGTH) {
            if (known.size >= MEMO_ENTRIES) known.clear();
            known.set(value, Boolean(result));
          }
          return Boolean(result);
        });
        break;
      }
      default:
        throw new NotCompiled();
    }
  }
  return (value) => {
    if (typeof value !== 'string') return REJECT;
    for (const length of lengths) if (!length(value.length)) return REJECT;
    for (const test of tests) if (!test(value)) return REJECT;
    return value;
  };
}

function compileNumber(def: Def): FastParse {
  const tests: ((value: number) => boolean)[] = [];
  for (const check of checksOf(def)) {
    switch (check.check) {
      case 'number_format':
        if (check.format !== 'safeint') throw new NotCompiled();
        tests.push(Number.isSafeInteger);
        break;
      case 'greater_than': {
        const { value: bound, inclusive } = check as { value: number; inclusive: boolean };
        tests.push(inclusive ? (value) => value >= bound : (value) => value > bound);
        break;
      }
      case 'less_than': {
        const { value: bound, inclusive } = check as { value: number; inclusive: boolean };
        tests.push(inclusive ? (value) => value <= bound : (value) => value < bound);
        break;
      }
      default:
        throw new NotCompiled();
    }
  }
  return (value) => {
    if (typeof value !== 'number' || !Number.isFinite(value)) return REJECT;
    for (const test of tests) if (!test(value)) return REJECT;
    return value;
  };
}

function compileArray(def: Def): FastParse {
  const element = compile(def.element!);
  const lengths = checksOf(def).map((check) => {
    const length = lengthCheck(check);
    if (!length) throw new NotCompiled();
    return length;
  });
  return (value) => {
    if (!Array.isArray(value)) return REJECT;
    for (const length of lengths) if (!length(value.length)) return REJECT;
    let copy: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      // A hole or an undefined element is not what JSON gives: leave it to zod.
      if (!(i in value) || value[i] === undefined) return REJECT;
      const parsed = element(value[i]);
      if (parsed === REJECT) return REJECT;
      if (parsed !== value[i]) (copy ??= value.slice())[i] = parsed;
    }
    return copy ?? value;
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

function compileObject(def: Def): FastParse {
  // Only zod's default (unknown keys stripped): a value with no unknown key comes out with the same keys.
  if (def.catchall !== undefined || def.checks?.length) throw new NotCompiled();
  const fields = Object.entries(def.shape!).map(([key, schema]) => ({ key, check: compile(schema), optional: schema._zod.def.type === 'optional' }));
  const order = new Map(fields.map(({ key }, i) => [key, i]));
  const required = fields.filter((field) => !field.optional).length;
  return (value) => {
    if (!isPlainObject(value)) return REJECT;
    let last = -1;
    let inOrder = true;
    let requiredPresent = 0;
    let changed = false;
    let values: unknown[] | undefined;
    const keys = Object.keys(value);
    for (const key of keys) {
      const at = order.get(key);
      if (at === undefined) return REJECT;
      if (at < last) inOrder = false;
      last = at;
      const field = value[key];
      if (field === undefined) return REJECT;
      const checked = fields[at]!.check(field);
      if (checked === REJECT) return REJECT;
      if (checked !== field) {
        changed = true;
        (values ??= [])[at] = checked;
      }
      if (!fields[at]!.optional) requiredPresent++;
    }
    if (requiredPresent !== required || Object.getOwnPropertySymbols(value).length > 0) return REJECT;
    if (inOrder && !changed) return value;
    // zod gives the keys back in the schema's order: so does this, as a new object, as zod's is.
    const copy: Record<string, unknown> = {};
    for (const { key } of fields) {
      if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
      const at = order.get(key)!;
      copy[key] = values?.[at] !== undefined ? values[at] : value[key];
    }
    return copy;
  };
}

/** A discriminated union: the option is chosen by the discriminator alone, as zod chooses it. */
function compileDiscriminatedUnion(def: Def): FastParse {
  const discriminator = def.discriminator;
  if (discriminator === undefined || def.checks?.length) throw new NotCompiled();
  const byValue = new Map<unknown, FastParse>();
  for (const option of def.options!) {
    const key = option._zod.def.shape?.[discriminator]?._zod.def;
    if (option._zod.def.type !== 'object' || key?.type !== 'literal') throw new NotCompiled();
    const check = compile(option);
    for (const literal of key.values!) {
      if (byValue.has(literal)) throw new NotCompiled();
      byValue.set(literal, check);
    }
  }
  return (value) => {
    if (!isPlainObject(value)) return REJECT;
    const parse = byValue.get(value[discriminator]);
    return parse === undefined ? REJECT : parse(value);
  };
}
