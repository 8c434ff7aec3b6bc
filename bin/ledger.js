#!/usr/bin/env node
// The `ledger` command. It runs the compiled CLI: build first with `npm run build` (npm test and npm start do).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/apps/cli/src/main.js', import.meta.url);
if (!existsSync(fileURLToPath(compiled))) {
  console.error('ledger: the CLI is not built yet. Run `npm run build` first.');
  process.exit(2);
}
const { main } = await import(compiled.href);
await main();
