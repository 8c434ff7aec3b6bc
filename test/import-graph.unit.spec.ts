import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

/**
 * The rooms of docs/architecture.md, checked over the import graph of every .ts file under libs/ and apps/
 * (tests and test helpers included: a test that reaches across a wall is how the wall starts to go). Specifiers
 * come from the TypeScript compiler's own pre-processor: imports, re-exports, `import type`, import() and require().
 */

const ROOT = process.cwd();
const ALIASES = Object.entries(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).imports as Record<string, { types: string }>);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/** Every specifier a file names, in the order it names them. */
function specifiersOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((file) => file.fileName);
}

function resolveFile(candidate: string): string | undefined {
  for (const file of [candidate, candidate.replace(/\.js$/, '.ts'), `${candidate}.ts`, path.join(candidate, 'index.ts')]) {
    if (existsSync(file) && statSync(file).isFile()) return file;
  }
  return undefined;
}

/** A project file a specifier names (relative, or a # alias with or without a * pattern), or undefined for a package. */
function resolve(from: string, specifier: string): string | undefined {
  if (specifier.startsWith('.')) return resolveFile(path.resolve(path.dirname(from), specifier));
  if (!specifier.startsWith('#')) return undefined;
  for (const [alias, target] of ALIASES) {
    const star = alias.indexOf('*');
    if (star < 0 && alias === specifier) return path.join(ROOT, target.types);
    if (star >= 0 && specifier.startsWith(alias.slice(0, star)) && specifier.endsWith(alias.slice(star + 1))) {
      const matched = specifier.slice(star, specifier.length - (alias.length - star - 1));
      return resolveFile(path.join(ROOT, target.types.replace('*', matched)));
    }
  }
  return undefined;
}

/** 'libs/evidence', 'apps/api', or undefined outside both. */
const roomOf = (file: string) => /^(libs|apps)\/[^/]+/.exec(path.relative(ROOT, file))?.[0];
const packageOf = (specifier: string) => (specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!);

interface Edge {
  file: string;
  specifier: string;
  target?: string;
}

const FILES = [...sourceFiles(path.join(ROOT, 'libs')), ...sourceFiles(path.join(ROOT, 'apps'))];
const EDGES = new Map(FILES.map((file) => [file, specifiersOf(readFileSync(file, 'utf8')).map((specifier): Edge => ({ file, specifier, target: resolve(file, specifier) }))]));
const show = ({ file, specifier }: Edge) => `${path.relative(ROOT, file)} imports ${specifier}`;
const edgesIn = (room: string) => [...EDGES.entries()].filter(([file]) => roomOf(file) === room).flatMap(([, edges]) => edges);

/** Every package and project alias reachable from a file, with the chain of files that reaches it. */
function reachable(entry: string): Map<string, string[]> {
  const reached = new Map<string, string[]>();
  const seen = new Set<string>([entry]);
  const pending: { file: string; chain: string[] }[] = [{ file: entry, chain: [path.relative(ROOT, entry)] }];
  while (pending.length > 0) {
    const { file, chain } = pending.shift()!;
    const edges = EDGES.get(file) ?? specifiersOf(readFileSync(file, 'utf8')).map((specifier) => ({ file, specifier, target: resolve(file, specifier) }));
    for (const { specifier, target } of edges) {
      const name = specifier.startsWith('#') ? specifier : specifier.startsWith('.') ? undefined : packageOf(specifier);
      if (name && !reached.has(name)) reached.set(name, chain);
      if (target && !seen.has(target)) {
        seen.add(target);
        pending.push({ file: target, chain: [...chain, path.relative(ROOT, target)] });
      }
    }
  }
  return reached;
}

/** docs/architecture.md, "Which way the dependencies point": the project aliases each lib may import. Apps may import any. */
const ALLOWED = new Map<string, ReadonlySet<string>>([
  ['libs/domain', new Set()],
  ['libs/integrity', new Set()],
  ['libs/plan-views', new Set(['#domain'])],
  ['libs/event-store', new Set(['#integrity'])],
  ['libs/evidence', new Set(['#domain', '#integrity', '#plan-views', '#transparency'])],
  ['libs/transparency', new Set(['#integrity'])],
  ['libs/witness', new Set(['#evidence', '#transparency', '#event-store'])],
  ['libs/projections', new Set(['#domain', '#event-store', '#plan-views'])],
  ['libs/application', new Set(['#domain', '#integrity', '#event-store', '#evidence', '#transparency'])],
  ['libs/importer', new Set(['#domain', '#application'])],
]);
const TEST_EXTRAS = new Set(['#application', '#event-store']);

const FRAMEWORK = /^(@nestjs\/|express$|express\/)/;
const STORE = /^(#event-store$|#event-store\/|better-sqlite3$|@eventstore\/)/;

describe('the import graph of libs/ and apps/', () => {
  it('finds the files and their imports (so the rules below have something to hold)', () => {
    expect(FILES.length).toBeGreaterThan(100);
    expect(edgesIn('libs/domain').some((e) => e.specifier === 'zod')).toBe(true);
    expect(edgesIn('apps/api').some((e) => e.specifier.startsWith('@nestjs/'))).toBe(true);
    expect(specifiersOf("import type { A } from '#x';\nexport * from './y.js';\nconst z = await import('z');")).toEqual(['#x', './y.js', 'z']);
  });

  it('keeps libs/domain free of frameworks, stores and read models', () => {
    expect(edgesIn('libs/domain').filter((e) => FRAMEWORK.test(e.specifier) || STORE.test(e.specifier) || e.specifier === '#projections').map(show)).toEqual([]);
  });

  it('lets no lib import an app', () => {
    const intoApps = FILES.filter((file) => roomOf(file)?.startsWith('libs/')).flatMap((file) => EDGES.get(file)!).filter((e) => (e.target && roomOf(e.target)?.startsWith('apps/')) || /(^|\/)apps\//.test(e.specifier));
    expect(intoApps.map(show)).toEqual([]);
  });

  it('keeps the importer away from the event store: it writes through the application layer', () => {
    expect(edgesIn('libs/importer').filter((e) => STORE.test(e.specifier)).map(show)).toEqual([]);
  });

  it('has no file import another lib (or app) by relative path: only by its # alias', () => {
    const crossing = FILES.flatMap((file) => EDGES.get(file)!).filter((e) => e.specifier.startsWith('.') && e.target !== undefined && roomOf(e.target) !== roomOf(e.file));
    expect(crossing.map(show)).toEqual([]);
  });

  it('resolves every relative and # import to a file, so no edge escapes the rules above', () => {
    const unresolved = FILES.flatMap((file) => EDGES.get(file)!).filter((e) => (e.specifier.startsWith('.') || e.specifier.startsWith('#')) && e.target === undefined);
    expect(unresolved.map(show)).toEqual([]);
  });

  it('follows the dependency table of docs/architecture.md: each lib imports only the libs it names', () => {
    const stray = [...EDGES.entries()].flatMap(([file, edges]) => {
      const room = roomOf(file);
      const allowed = room && ALLOWED.get(room);
      if (!allowed) return [];
      // A test may also borrow another room's test helpers (#…/testing/*) and the ledger it opens.
      const isTest = /\.spec\.ts$|\/testing\//.test(file);
      return edges.filter((e) => e.specifier.startsWith('#') && !allowed.has(e.specifier.split('/')[0]!) && !(isTest && TEST_EXTRAS.has(e.specifier.split('/')[0]!))).map(show);
    });
    expect(stray).toEqual([]);
  });

  it.each(['libs/evidence', 'libs/integrity', 'libs/plan-views'])('lets nothing in %s reach better-sqlite3 or #projections, however indirectly', (room) => {
    const reaches = FILES.filter((file) => roomOf(file) === room).flatMap((file) => {
      const reached = reachable(file);
      return ['better-sqlite3', '#projections'].filter((name) => reached.has(name)).map((name) => `${reached.get(name)!.join(' → ')} → ${name}`);
    });
    expect(reaches).toEqual([]);
  });

  it('would notice a breach: the read models reach better-sqlite3, and the API reaches #projections', () => {
    expect(reachable(path.join(ROOT, 'libs/projections/src/index.ts')).has('better-sqlite3')).toBe(true);
    expect(reachable(path.join(ROOT, 'apps/api/src/app.module.ts')).has('#projections')).toBe(true);
  });
});
