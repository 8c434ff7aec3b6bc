// Builds the API that `npm start` runs into one file, dist/api/ledger-api.js, from the compiled JavaScript
// tsc leaves in dist/ (so Nest's decorator metadata is tsc's, and the code is the code the tests run). Why a
// bundle: started unbundled, the API spends most of its start resolving, reading and compiling some 2,000
// module files (docs/architecture.md, "How the API starts"). dist/ stays beside the bundle: the CLI, the
// tests and the worker threads (append, rebuild, plan files) run the unbundled files as before.
//
// Every bundled module keeps its own import.meta.url, __filename and __dirname (rewritten relative to the
// bundle), so whatever finds a file from its own place (the web views and assets, the worker scripts, the
// demo plans, package.json, a package's own data files) finds the same file as unbundled.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const OUT_DIR = path.join(root, 'dist', 'api');
const ENTRY = path.join(root, 'dist', 'apps', 'api', 'src', 'main.js');
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

/** Each module's own place, as it would be unbundled: import.meta.url, and for CommonJS __filename and __dirname. */
const ownPlaces = {
  name: 'own-places',
  setup(esbuild) {
    esbuild.onLoad({ filter: /\.(c|m)?js$/ }, (args) => {
      let contents = readFileSync(args.path, 'utf8');
      const relative = JSON.stringify(path.relative(OUT_DIR, args.path).split(path.sep).join('/'));
      // createRequire(import.meta.url)('x') is the bundle's require('x'): bundled, unless it is external.
      contents = contents.replace(/\bcreateRequire\(import\.meta\.url\)\((['"][^'"]+['"])\)/g, 'require($1)');
      if (contents.includes('import.meta.url')) contents = contents.replace(/\bimport\.meta\.url\b/g, `__ledgerUrlOf(${relative})`);
      // Only CommonJS has these; a module that declares its own keeps it.
      if (/\b__(dirname|filename)\b/.test(contents) && !/\b(var|let|const)\s+__(dirname|filename)\b/.test(contents)) {
        contents = `var __filename = __ledgerFileOf(${relative}), __dirname = __ledgerDirOf(${relative});\n${contents}`;
      }
      return { contents, loader: 'js', resolveDir: path.dirname(args.path) };
    });
  },
};

// A bundled CommonJS module's require() of a Node built-in needs a real require; the helpers give each
// module its own place (above). Names are prefixed so no bundled module's own names can clash.
const BANNER = [
  "import { createRequire as __ledgerCreateRequire } from 'node:module';",
  "import { fileURLToPath as __ledgerFileURLToPath } from 'node:url';",
  "import { dirname as __ledgerDirname } from 'node:path';",
  'const require = __ledgerCreateRequire(import.meta.url);',
  'const __ledgerUrlOf = (relative) => new URL(relative, import.meta.url).href;',
  'const __ledgerFileOf = (relative) => __ledgerFileURLToPath(__ledgerUrlOf(relative));',
  'const __ledgerDirOf = (relative) => __ledgerDirname(__ledgerFileOf(relative));',
].join('\n');

mkdirSync(OUT_DIR, { recursive: true });
const result = await build({
  entryPoints: { 'ledger-api': ENTRY },
  outdir: OUT_DIR,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  external: EXTERNAL,
  plugins: [projectAliases, ownPlaces],
  // Nest reads constructor parameter names and class names (Logger contexts, error messages): keep them.
  keepNames: true,
  metafile: true,
  sourcemap: 'linked',
  legalComments: 'eof',
  logLevel: 'warning',
  banner: { js: BANNER },
});
// The command `npm start` runs: V8's compile cache where Node has one (22.1 and later), then the bundle.
writeFileSync(
  path.join(OUT_DIR, 'main.js'),
  [
    '// Built by apps/api/build.mjs: the API in one file, ledger-api.js, loaded after turning on V8\'s compile cache where this Node has one.',
    "import module from 'node:module';",
    'module.enableCompileCache?.();',
    "await import('./ledger-api.js');",
    '',
  ].join('\n'),
);
const inputs = Object.keys(result.metafile.inputs).length;
console.log(`Built ${path.relative(process.cwd(), path.join(OUT_DIR, 'ledger-api.js'))} from ${inputs} files`);
