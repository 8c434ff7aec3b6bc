// Builds the API that `npm start` runs into one file, dist/api/ledger-api.cjs, from the compiled JavaScript
// tsc leaves in dist/ (so Nest's decorator metadata is tsc's, and the code is the code the tests run), and a V8
// code cache of it. Why a bundle: started unbundled, the API spends most of its start resolving, reading and
// compiling some 2,000 module files (docs/architecture.md, "The API started from one bundled file"). dist/
// stays beside the bundle: the CLI, the tests and the worker threads (append, rebuild, plan files) run the
// unbundled files as before.
//
// Every bundled module keeps its own import.meta.url, __filename and __dirname (rewritten relative to the
// bundle), so whatever finds a file from its own place (the web views and assets, the worker scripts, the
// demo plans, package.json, a package's own data files) finds the same file as unbundled.
//
// The bundle is CommonJS, run by dist/api/load-ledger-api.js as a vm.Script, because a script can be given a
// code cache on Node 20 (an ES module cannot): the cache, ledger-api.code-cache, is made here by loading the
// bundle once and starting it on an empty ledger in a temporary folder (below), then saving the code V8 compiled
// for it. A Node whose V8 does not match simply ignores it. It is made by the build, never written at run time.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT_DIR = path.join(root, 'dist', 'api');
const ENTRY = path.join(root, 'dist', 'apps', 'api', 'src', 'serve-ledger-api.js');
const projectImports = new Map(Object.entries(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).imports));

// Native (better-sqlite3), loaded by name at run time only when used (the EventStoreDB client, behind
// createRequire), or Nest's optional integrations, which it loads in a try and this app does not install.
const EXTERNAL = [
  'better-sqlite3',
  '@eventstore/db-client',
  '@nestjs/microservices',
  '@nestjs/microservices/*',
  '@nestjs/websockets',
  '@nestjs/websockets/*',
  'class-transformer',
  'class-transformer/*',
  'class-validator',
  '@fastify/*',
];

/** The project's aliases (#domain, #application …) point at their compiled files in dist/. */
const projectAliases = {
  name: 'project-aliases',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^#/ }, (args) => {
      for (const [alias, target] of projectImports) {
        if (alias === args.path) return { path: path.join(root, target.default) };
        if (alias.endsWith('/*') && args.path.startsWith(alias.slice(0, -1))) return { path: path.join(root, target.default.replace('*', args.path.slice(alias.length - 1))) };
      }
      return { errors: [{ text: `${args.path} is not an alias in the project's package.json` }] };
    });
  },
};

/**
 * Work a dependency does at module load that the start never needs, put off to its first use. Each is found by
 * its exact text; a dependency that no longer has it fails the build, so an upgrade is looked at again.
 * - Nest's ConsoleLogger makes its Intl.DateTimeFormat when its module loads (~16 ms of CPU: ICU's locale data),
 *   for the timestamp of a log line; the API logs only warnings and errors, so most starts never format one.
 */
const DEFERRED = [
  {
    file: /[\\/]@nestjs[\\/]common[\\/]services[\\/]console-logger\.service\.js$/,
    find: /const dateTimeFormatter = new Intl\.DateTimeFormat\((undefined, \{[^;]*?\})\);/,
    replace: 'let madeDateTimeFormatter;\nconst dateTimeFormatter = { format: (date) => (madeDateTimeFormatter ??= new Intl.DateTimeFormat($1)).format(date) };',
  },
];

/** Each module's own place, as it would be unbundled: import.meta.url, and for CommonJS __filename and __dirname. */
const ownPlaces = {
  name: 'own-places',
  setup(esbuild) {
    esbuild.onLoad({ filter: /\.(c|m)?js$/ }, (args) => {
      let contents = readFileSync(args.path, 'utf8');
      for (const deferred of DEFERRED.filter((d) => d.file.test(args.path))) {
        if (!deferred.find.test(contents)) throw new Error(`${args.path} no longer has ${deferred.find}: look again at what apps/api/build.mjs defers in it`);
        contents = contents.replace(deferred.find, deferred.replace);
        deferred.applied = true;
      }
      const relative = JSON.stringify(path.relative(OUT_DIR, args.path).split(path.sep).join('/'));
      // createRequire(import.meta.url)('x') is the bundle's require('x'): bundled, unless it is external.
      contents = contents.replace(/\bcreateRequire\(import\.meta\.url\)\((['"][^'"]+['"])\)/g, 'require($1)');
      if (contents.includes('import.meta.url')) contents = contents.replace(/\bimport\.meta\.url\b/g, `__ledgerUrlOf(${relative})`);
      // Only CommonJS has these (esbuild wraps each CommonJS module in a function, so the var stays its own; an
      // ES module's top level is the bundle's, and it has no __dirname to keep); one that declares its own keeps it.
      const esm = /^\s*(import|export)\s/m.test(contents);
      if (!esm && /\b__(dirname|filename)\b/.test(contents) && !/\b(var|let|const)\s+__(dirname|filename)\b/.test(contents)) {
        contents = `var __filename = __ledgerFileOf(${relative}), __dirname = __ledgerDirOf(${relative});\n${contents}`;
      }
      return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

// The helpers give each module its own place (above), from the bundle's own file. Names are prefixed so no
// bundled module's own names can clash.
const BANNER = [
  "'use strict';",
  "const { fileURLToPath: __ledgerFileURLToPath, pathToFileURL: __ledgerPathToFileURL } = require('node:url');",
  "const { dirname: __ledgerDirname } = require('node:path');",
  'const __ledgerBundleUrl = __ledgerPathToFileURL(__filename).href;',
  'const __ledgerUrlOf = (relative) => new URL(relative, __ledgerBundleUrl).href;',
  'const __ledgerFileOf = (relative) => __ledgerFileURLToPath(__ledgerUrlOf(relative));',
  'const __ledgerDirOf = (relative) => __ledgerDirname(__ledgerFileOf(relative));',
].join('\n');

/** Loads the bundle as a vm.Script with its code cache (ignored by V8 if it does not match) and returns its exports. */
const LOADER = `// Built by apps/api/build.mjs: loads ledger-api.cjs, the API in one file, with the code cache the build made of it.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import vm from 'node:vm';

export const BUNDLE = fileURLToPath(new URL('./ledger-api.cjs', import.meta.url));
export const CODE_CACHE = fileURLToPath(new URL('./ledger-api.code-cache', import.meta.url));

export function loadLedgerApi() {
  const source = readFileSync(BUNDLE, 'utf8');
  const cachedData = existsSync(CODE_CACHE) ? readFileSync(CODE_CACHE) : undefined;
  // The wrapper Node gives a CommonJS module, on the bundle's first line so its line numbers stay the file's.
  const script = new vm.Script('(function (exports, require, module, __filename, __dirname) {' + source + '\\n})', { filename: BUNDLE, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(BUNDLE), module, BUNDLE, path.dirname(BUNDLE));
  return { exports: module.exports, script, cacheRejected: cachedData === undefined ? undefined : script.cachedDataRejected };
}
`;

const MAIN = `// Built by apps/api/build.mjs: what npm start runs. V8's compile cache for what is not in the bundle, where Node has one (22.1 and later).
import module from 'node:module';
module.enableCompileCache?.();
const { loadLedgerApi } = await import('./load-ledger-api.js');
await loadLedgerApi().exports.serveLedgerApi();
`;

rmSync(OUT_DIR, { recursive: true, force: true });
mkdirSync(OUT_DIR, { recursive: true });
const result = await build({
  entryPoints: { 'ledger-api': ENTRY },
  outdir: OUT_DIR,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // import() of an external (Nest's optional packages) becomes require(), so the script needs no module loader.
  supported: { 'dynamic-import': false },
  external: EXTERNAL,
  plugins: [projectAliases, ownPlaces],
  // Nest reads class names (Logger contexts, error messages): keep them.
  keepNames: true,
  metafile: true,
  sourcemap: 'linked',
  legalComments: 'eof',
  logLevel: 'warning',
  banner: { js: BANNER },
});
for (const deferred of DEFERRED) if (!deferred.applied) throw new Error(`No bundled file matched ${deferred.file}: look again at what apps/api/build.mjs defers`);
writeFileSync(path.join(OUT_DIR, 'load-ledger-api.js'), LOADER);
writeFileSync(path.join(OUT_DIR, 'main.js'), MAIN);

// The code cache: the bundle started once in a process of its own, on an empty ledger in a temporary folder,
// until it has answered GET /health, then what V8 compiled for it saved. Started rather than only loaded
// (round 4 loaded it): the functions Nest runs to build the app and map its routes, the projector's and the
// stores' start, and the first response are then in the cache too, so a start compiles almost nothing
// (about 50 ms less of the start's main-thread CPU, docs/benchmarks.md "Round 5: start").
const TRAIN = `
import { writeFileSync } from 'node:fs';
const { loadLedgerApi, CODE_CACHE } = await import(process.argv[1]);
const { exports, script } = loadLedgerApi();
// serveLedgerApi says where it listens (on a port the system chose) and nothing else worth showing here.
let url;
const log = console.log;
console.log = (...args) => (url ??= /running at (http:\\/\\/\\S+)/.exec(args.join(' '))?.[1]);
await exports.serveLedgerApi();
console.log = log;
if (!url) throw new Error('The API did not say where it listens');
const health = await fetch(new URL('/health', url.replace('localhost', '127.0.0.1')));
if (health.status !== 200) throw new Error('GET /health answered ' + health.status);
await health.text();
writeFileSync(CODE_CACHE, script.createCachedData());
process.exit(0);
`;
const trainDir = mkdtempSync(path.join(tmpdir(), 'ledger-api-code-cache-'));
// Only the settings below: whatever LEDGER_* the builder's shell holds (another store, witnesses, SMTP) stays out.
const trainEnv = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LEDGER_')));
Object.assign(trainEnv, {
  NODE_ENV: 'production',
  LEDGER_DB_PATH: path.join(trainDir, 'ledger.sqlite'),
  LEDGER_READ_MODEL_PATH: path.join(trainDir, 'read-models.sqlite'),
  LEDGER_EVIDENCE_DIR: path.join(trainDir, 'evidence'),
  LEDGER_SIGNING_KEY_DIR: path.join(trainDir, 'keys'),
  LEDGER_HOST: '127.0.0.1',
  LEDGER_PORT: '0',
  LEDGER_DEMO: 'false',
});
let train;
try {
  train = spawnSync(process.execPath, ['--input-type=module', '-e', TRAIN, pathToFileURL(path.join(OUT_DIR, 'load-ledger-api.js')).href], { stdio: ['ignore', 'inherit', 'inherit'], env: trainEnv, timeout: 300_000 });
} finally {
  rmSync(trainDir, { recursive: true, force: true });
}
if (train.status !== 0) {
  // A builder that may not listen even on 127.0.0.1 (a locked-down sandbox) still gets a cache: the bundle only
  // loaded (its modules' top levels), as round 4 made it. A bundle that cannot even load fails the build.
  console.warn(`Starting the bundle to make its code cache failed (exit ${train.status}${train.error ? `: ${train.error.message}` : ''}); making it from loading the bundle alone`);
  const load = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', "import { writeFileSync } from 'node:fs'; const { loadLedgerApi, CODE_CACHE } = await import(process.argv[1]); writeFileSync(CODE_CACHE, loadLedgerApi().script.createCachedData()); process.exit(0);", pathToFileURL(path.join(OUT_DIR, 'load-ledger-api.js')).href],
    { stdio: ['ignore', 'inherit', 'inherit'], env: trainEnv, timeout: 300_000 },
  );
  if (load.status !== 0) throw new Error(`Loading the bundle to make its code cache failed (exit ${load.status})`);
}
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`Built ${path.relative(process.cwd(), path.join(OUT_DIR, 'ledger-api.cjs'))} from ${inputs} files, and its code cache`);
