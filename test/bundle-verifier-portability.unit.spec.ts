import { describe, expect, it } from '@jest/globals';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';

/**
 * The verifier must run wherever JavaScript does (Node without the native module, npx on a regulator's laptop,
 * a browser). This walks the import graph from its entry, through the project's sources and into each package
 * as a browser would load it, and fails on any Node built-in, any native package, and any use of Buffer or
 * process in the project's own files on the way.
 */

const ROOT = process.cwd();
const ENTRY = path.join(ROOT, 'libs/evidence/src/bundle/verify-bundle.ts');
const PROJECT_IMPORTS = new Map(Object.entries(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).imports as Record<string, { types: string }>));
const BUILTINS = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

/** Specifiers a file loads at run time: static imports and re-exports (not `import type`), side-effect imports, dynamic import(), require(). */
function runtimeImports(code: string): string[] {
  const withoutComments = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\'"`])\/\/.*$/gm, '$1');
  const found: string[] = [];
  for (const m of withoutComments.matchAll(/\b(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]/g)) {
    if (m[2]) continue;
    const clause = m[3]!.trim();
    // `import { type A, type B } from` loads nothing at run time either.
    if (/^\{[^}]*\}$/.test(clause) && clause.slice(1, -1).split(',').every((part) => part.trim() === '' || /^type\s/.test(part.trim()))) continue;
    found.push(m[4]!);
  }
  for (const m of withoutComments.matchAll(/\bimport\s*['"]([^'"]+)['"]/g)) found.push(m[1]!);
  for (const m of withoutComments.matchAll(/\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(m[1]!);
  return found;
}

interface PackageJson {
  name: string;
  main?: string;
  module?: string;
  browser?: string | Record<string, string | false>;
  exports?: unknown;
  gypfile?: boolean;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
}

/** A package's entry as a browser bundler picks it: the "browser", then "import", then "default" condition. */
function browserEntry(dir: string, pkg: PackageJson, subpath: string): string {
  const pick = (target: unknown): string | undefined => {
    if (typeof target === 'string') return target;
    if (target === null || typeof target !== 'object') return undefined;
    const conditions = new Map(Object.entries(target as Record<string, unknown>));
    for (const condition of ['browser', 'import', 'default']) if (conditions.has(condition)) return pick(conditions.get(condition));
    return undefined;
  };
  if (pkg.exports !== undefined) {
    const exports = pkg.exports as Record<string, unknown>;
    const keyed = typeof exports === 'object' && Object.keys(exports).some((k) => k.startsWith('.'));
    const target = pick(keyed ? new Map(Object.entries(exports)).get(subpath) : exports);
    if (!target) throw new Error(`${pkg.name} exports no ${subpath} for a browser`);
    return path.join(dir, target);
  }
  return path.join(dir, subpath === '.' ? (typeof pkg.browser === 'string' ? pkg.browser : (pkg.module ?? pkg.main ?? 'index.js')) : subpath);
}

function isNative(dir: string, pkg: PackageJson): string | undefined {
  if (pkg.gypfile || existsSync(path.join(dir, 'binding.gyp'))) return 'builds a native addon (binding.gyp)';
  const scripts = new Map(Object.entries(pkg.scripts ?? {}));
  for (const hook of ['preinstall', 'install', 'postinstall']) if (scripts.has(hook)) return `runs an ${hook} script`;
  for (const loader of ['bindings', 'node-gyp-build', 'prebuild-install', 'node-addon-api']) if (pkg.dependencies && Object.prototype.hasOwnProperty.call(pkg.dependencies, loader)) return `depends on ${loader}`;
  return undefined;
}

function resolveFile(candidate: string): string {
  for (const file of [candidate, candidate.replace(/\.js$/, '.ts'), `${candidate}.js`, `${candidate}.mjs`, path.join(candidate, 'index.js')]) {
    if (existsSync(file) && statSync(file).isFile()) return file;
  }
  throw new Error(`cannot resolve ${candidate}`);
}

function walk(entry: string): { files: string[]; problems: string[] } {
  const seen = new Set<string>();
  const problems: string[] = [];
  const pending: { file: string; from: string }[] = [{ file: entry, from: '(entry)' }];
  while (pending.length > 0) {
    const { file, from } = pending.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    const where = path.relative(ROOT, file);
    const ownSource = !where.startsWith('node_modules');
    if (ownSource) {
      const code_ = code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '').replace(/'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`/g, "''");
      if (/\bBuffer\b/.test(code_)) problems.push(`${where} uses Buffer (Node only)`);
      if (/\bprocess\./.test(code_)) problems.push(`${where} uses process (Node only)`);
    }
    for (const specifier of runtimeImports(code)) {
      if (BUILTINS.has(specifier) || specifier.startsWith('node:')) {
        problems.push(`${where} (reached from ${path.relative(ROOT, from)}) imports the Node built-in ${specifier}`);
      } else if (specifier.startsWith('.')) {
        pending.push({ file: resolveFile(path.resolve(path.dirname(file), specifier)), from: file });
      } else if (specifier.startsWith('#')) {
        const target = PROJECT_IMPORTS.get(specifier);
        if (!target) problems.push(`${where} imports ${specifier}, which is not a project alias`);
        else pending.push({ file: path.join(ROOT, target.types), from: file });
      } else {
        const parts = specifier.split('/');
        const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
        const subpath = specifier === name ? '.' : `./${specifier.slice(name.length + 1)}`;
        const dir = path.join(ROOT, 'node_modules', name);
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
        const native = isNative(dir, pkg);
        if (native) problems.push(`${where} imports ${name}, which ${native}`);
        else pending.push({ file: resolveFile(browserEntry(dir, pkg, subpath)), from: file });
      }
    }
  }
  return { files: [...seen].map((f) => path.relative(ROOT, f)), problems };
}

describe("the bundle verifier's import graph", () => {
  const graph = walk(ENTRY);

  it('reaches the verifier, the pure folds and their packages, and not the store, the read models or the signing side', () => {
    expect(graph.files).toEqual(expect.arrayContaining([
      'libs/evidence/src/bundle/bundle-verifier.ts',
      'libs/evidence/src/bundle/bundle-archive.ts',
      'libs/evidence/src/public-key.ts',
      'libs/integrity/src/hash-chain.ts',
      'libs/plan-views/src/as-at.ts',
      'libs/domain/src/index.ts',
    ]));
    expect(graph.files.some((f) => f.startsWith('node_modules/fflate/'))).toBe(true);
    expect(graph.files.some((f) => f.startsWith('node_modules/zod/'))).toBe(true);
    const forbidden = graph.files.filter((f) => /^libs\/(projections|event-store|application|importer)\/|signing-key\.ts$|bundle-writer\.ts$|node_modules\/better-sqlite3/.test(f));
    expect(forbidden).toEqual([]);
  });

  it('imports no Node built-in and no native package, and uses neither Buffer nor process, anywhere', () => {
    expect(graph.problems).toEqual([]);
  });

  it('lets a signed tree head be checked the same way: its verifier is WebCrypto too, not the signing side', () => {
    const treeHead = walk(path.join(ROOT, 'libs/evidence/src/verify-signed-tree-head.ts'));
    expect(treeHead.problems).toEqual([]);
    expect(treeHead.files).toContain('libs/evidence/src/public-key.ts');
    expect(treeHead.files.filter((f) => f.endsWith('signing-key.ts'))).toEqual([]);
  });

  it('would notice if it did: the walk flags the signing side, which needs node:crypto', () => {
    expect(walk(path.join(ROOT, 'libs/evidence/src/signing-key.ts')).problems).toEqual(expect.arrayContaining([expect.stringContaining('imports the Node built-in node:crypto')]));
    expect(walk(path.join(ROOT, 'libs/projections/src/index.ts')).problems).toEqual(expect.arrayContaining([expect.stringContaining('better-sqlite3, which')]));
  });
});
