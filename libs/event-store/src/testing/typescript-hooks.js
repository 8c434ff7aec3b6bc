// Module hooks for a worker started from the sources (see worker-from-sources.js): "./x.js" finds "./x.ts",
// "#domain" and the other package imports find their sources (package.json "imports", the "types" path), and
// .ts files are compiled with swc as jest's configuration compiles them.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import swc from '@swc/core';

const root = new URL('../../../../', import.meta.url);
const imports = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')).imports ?? {};

export async function resolve(specifier, context, next) {
  const alias = imports[specifier];
  if (alias && typeof alias.types === 'string') return { url: new URL(alias.types, root).href, shortCircuit: true };
  if (/^\.{1,2}\//.test(specifier) && specifier.endsWith('.js') && context.parentURL?.endsWith('.ts')) {
    const source = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
    if (existsSync(fileURLToPath(source))) return { url: source.href, shortCircuit: true };
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const filename = fileURLToPath(url);
  const { code } = swc.transformSync(readFileSync(filename, 'utf8'), {
    filename,
    jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true }, target: 'es2022', keepClassNames: true },
    module: { type: 'es6' },
  });
  return { format: 'module', source: code, shortCircuit: true };
}
