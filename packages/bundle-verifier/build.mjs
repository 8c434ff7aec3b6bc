// Builds the verifier into one ESM file (dist/verify-bundle.js) with everything it needs inside it: the
// verifier of libs/evidence, the pure folds of #domain and #plan-views, #integrity, zod and fflate's browser
// build. platform 'neutral' means no Node built-in can be resolved: if anything the verifier reaches imports
// one, this build fails. The same file is what the package's command runs and what the web page loads.
import { build } from 'esbuild';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const projectImports = new Map(Object.entries(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).imports));
export const ENTRY = path.join(root, 'libs/evidence/src/bundle/verify-bundle.ts');

/** The project's own aliases (#domain, #integrity …) point at their TypeScript sources. */
const projectAliases = {
  name: 'project-aliases',
  setup(esbuild) {
    esbuild.onResolve({ filter: /^#/ }, (args) => {
      const target = projectImports.get(args.path);
      if (!target) return { errors: [{ text: `${args.path} is not an alias in the project's package.json` }] };
      return { path: path.join(root, target.types) };
    });
  },
};

const outdir = process.env.VERIFIER_OUT_DIR ?? path.join(here, 'dist');
mkdirSync(outdir, { recursive: true });
const result = await build({
  entryPoints: { 'verify-bundle': ENTRY },
  outdir,
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  // fflate's "browser" build: its Node build loads worker_threads for functions the verifier never calls.
  conditions: ['browser', 'import', 'default'],
  mainFields: ['browser', 'module', 'main'],
  target: 'es2022',
  plugins: [projectAliases],
  metafile: true,
  // Readable, not minified: a regulator may want to read what they run.
  legalComments: 'eof',
  logLevel: 'warning',
  banner: { js: '// verify-evidence-bundle: the safeguarding evidence ledger\'s bundle verifier, built from libs/evidence/src/bundle/verify-bundle.ts. Runs in Node 20+ and browsers.' },
});
writeFileSync(
  path.join(outdir, 'verify-bundle.d.ts'),
  readFileSync(path.join(here, 'verify-bundle.d.ts.txt'), 'utf8'),
);
console.log(`Built ${path.relative(process.cwd(), path.join(outdir, 'verify-bundle.js'))} from ${Object.keys(result.metafile.inputs).length} source files`);
