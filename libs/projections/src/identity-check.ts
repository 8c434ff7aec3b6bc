import type { z } from 'zod';

/**
 * A check of a value against a zod schema that answers only "zod would accept it and give back the same value":
 * every string already trimmed, every object's keys known and in the schema's order, nothing a transform would
 * change. It never rejects on its own account: a value it does not accept goes to zod, which either accepts it
 * (and gives its own output) or refuses it with its own issues, so the caller's result and errors are zod's.
 *
 * Why: a rebuild reads back events the ledger itself wrote, already in zod's output form, and zod's parse (a new
 * object per level, a payload per field) was 18 % of a single-thread rebuild. The check is built once per schema,
 * from the schema's own definition, and calls the schema's own refinements (`isCleanText`, `isRealDate`…), so a
 * change to a schema changes the check with it. A schema part it does not know (a transform, a custom type, a
 * plain union, a default) makes the whole schema "not compiled": every value then goes to zod.
 */
export type IdentityCheck = (value: unknown) => boolean;

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

/** The check for this schema, or undefined when some part of it is one the check does not know. */
export function compileIdentityCheck(schema: z.ZodType): IdentityCheck | undefined {
  try {
    return compile(schema as unknown as Schema);
  } catch (error) {
    if (error instanceof NotCompiled) return undefined;
    throw error;
  }
}

function compile(schema: Schema): IdentityCheck {
  const def = schema._zod.def;
  switch (def.type) {
    case 'string':
      return compileString(def);
    case 'number':
      return compileNumber(def);
    case 'boolean':
      if (def.checks?.length) throw new NotCompiled();
      return (value) => typeof value === 'boolean';
    case 'enum': {
      const values = new Set(Object.values(def.entries ?? {}));
      if (def.checks?.length) throw new NotCompiled();
      return (value) => values.has(value);
    }
    case 'literal': {
      const values = new Set(def.values ?? []);
      if (def.checks?.length) throw new NotCompiled();
      return (value) => values.has(value);
    }
    case 'optional': {
      const inner = compile(def.innerType!);
      if (def.checks?.length) throw new NotCompiled();
      return (value) => value === undefined || inner(value);
    }
    case 'array':
      return compileArray(def);
    case 'object':
      return compileObject(def);
    case 'union':
      return compileDiscriminatedUnion(def);
    case 'pipe': {
      // Only a pipe whose first part gives its input back unchanged: the second part then sees the same value.
      const first = compile(def.in!);
      const second = compile(def.out!);
      if (def.checks?.length) throw new NotCompiled();
      return (value) => first(value) && second(value);
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

function compileString(def: Def): IdentityCheck {
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
        tests.push((value) => {
          const result = fn(value);
          if (result instanceof Promise) throw new NotCompiled();
          return Boolean(result);
        });
        break;
      }
      default:
        throw new NotCompiled();
    }
  }
  return (value) => {
    if (typeof value !== 'string') return false;
    for (const length of lengths) if (!length(value.length)) return false;
    for (const test of tests) if (!test(value)) return false;
    return true;
  };
}

function compileNumber(def: Def): IdentityCheck {
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
    if (typeof value !== 'number' || !Number.isFinite(value)) return false;
    for (const test of tests) if (!test(value)) return false;
    return true;
  };
}

function compileArray(def: Def): IdentityCheck {
  const element = compile(def.element!);
  const lengths = checksOf(def).map((check) => {
    const length = lengthCheck(check);
    if (!length) throw new NotCompiled();
    return length;
  });
  return (value) => {
    if (!Array.isArray(value)) return false;
    for (const length of lengths) if (!length(value.length)) return false;
    for (let i = 0; i < value.length; i++) {
      // A hole or an undefined element is not what JSON gives: leave it to zod.
      if (!(i in value) || value[i] === undefined || !element(value[i])) return false;
    }
    return true;
  };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

function compileObject(def: Def): IdentityCheck {
  // Only zod's default (unknown keys stripped), so a value with no unknown key comes out with the same keys.
  if (def.catchall !== undefined || def.checks?.length) throw new NotCompiled();
  const fields = Object.entries(def.shape!).map(([key, schema]) => ({ key, check: compile(schema), optional: schema._zod.def.type === 'optional' }));
  const order = new Map(fields.map(({ key }, i) => [key, i]));
  const required = fields.filter((field) => !field.optional);
  return (value) => {
    if (!isPlainObject(value)) return false;
    // zod gives the keys back in the schema's order: the value's must already be in it, and all known.
    let last = -1;
    let requiredPresent = 0;
    for (const key of Object.keys(value)) {
      const at = order.get(key);
      if (at === undefined || at < last) return false;
      last = at;
      const field = value[key];
      if (field === undefined || !fields[at]!.check(field)) return false;
      if (!fields[at]!.optional) requiredPresent++;
    }
    return requiredPresent === required.length && Object.getOwnPropertySymbols(value).length === 0;
  };
}

/** A discriminated union: the option is chosen by the discriminator alone, as zod chooses it. */
function compileDiscriminatedUnion(def: Def): IdentityCheck {
  const discriminator = def.discriminator;
  if (discriminator === undefined || def.checks?.length) throw new NotCompiled();
  const byValue = new Map<unknown, IdentityCheck>();
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
    if (!isPlainObject(value)) return false;
    const check = byValue.get(value[discriminator]);
    return check !== undefined && check(value);
  };
}
