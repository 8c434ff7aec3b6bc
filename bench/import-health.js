#!/usr/bin/env node
/**
 * How long the API leaves everyone else waiting while it imports a large plan (issue 14, finding 6).
 * The real app (dist/, so `npm run build` first) runs in a child process on a temp SQLite file; this process
 * uploads an 8,000-row CSV (10,001 events) and, until the import answers, asks /health again and again. Each
 * wait is from one ask to its answer, or from one answer to the next ask (a timer on a blocked loop fires late
 * too). Prints the longest wait, the 99th percentile and the import's own time, over several imports.
 *
 *   npm run build && node bench/import-health.js [imports=3] [rows=8000]
 *
 * Not part of `npm test` (no timed assertions there) nor of `npm run bench`'s table; docs/security.md quotes it.
 * IMPORT_HEALTH_NODE_ARGS="--cpu-prof …" passes Node flags to the server process (to profile it).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const [imports = 3, rows = 8_000] = process.argv.slice(2).map(Number);

if (process.env.IMPORT_HEALTH_SERVER === '1') {
  const application = await import('../dist/libs/application/src/index.js');
  const { createLedgerApp } = await import('../dist/apps/api/src/create-app.js');
  const dir = process.env.IMPORT_HEALTH_DIR;
  const config = application.loadConfig({
    LEDGER_DB_PATH: join(dir, 'ledger.sqlite'),
    LEDGER_EVIDENCE_DIR: join(dir, 'evidence'),
    LEDGER_SIGNING_KEY_DIR: join(dir, 'keys'),
    LEDGER_PORT: '0',
    LEDGER_DEMO: 'false',
    LEDGER_RATE_LIMIT_PER_MINUTE: '1000000',
  });
  const app = await createLedgerApp(config, { logLevels: ['error'] });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
  const access = app.get(application.AccessControl);
  const operator = { id: 'bench-setup', displayName: 'Benchmark set-up' };
  await access.registerUser({ userId: 'bench-admin', displayName: 'Bench Admin', organisationId: 'central-bedfordshire-council' }, operator);
  const { token } = await access.issueToken({ userId: 'bench-admin', role: 'admin', expiresAt: new Date(Date.now() + 3_600_000).toISOString() }, operator);
  process.stdout.write(`${JSON.stringify({ url, token })}\n`);
  process.on('SIGTERM', () => app.close().then(() => process.exit(0), () => process.exit(1)));
} else {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-import-health-'));
  const server = spawn(process.execPath, [...(process.env.IMPORT_HEALTH_NODE_ARGS ? process.env.IMPORT_HEALTH_NODE_ARGS.split(' ') : []), new URL(import.meta.url).pathname], { env: { ...process.env, IMPORT_HEALTH_SERVER: '1', IMPORT_HEALTH_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const { url, token } = await new Promise((resolve, reject) => {
      createInterface({ input: server.stdout }).once('line', (line) => resolve(JSON.parse(line)));
      server.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
    });
    const results = [];
    for (let run = 0; run < imports; run++) results.push(await importWhilePolling(url, token, run));
    const longest = results.map((r) => r.longest).sort((a, b) => a - b);
    for (const [i, r] of results.entries()) console.log(`import ${i + 1}: ${rows} rows in ${ms(r.importMs)}; /health asked ${r.asks} times, longest wait ${ms(r.longest)}, p99 ${ms(r.p99)}`);
    console.log(`longest /health wait over ${imports} imports: median ${ms(longest[Math.floor(longest.length / 2)])}, max ${ms(longest[longest.length - 1])}`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    rmSync(dir, { recursive: true, force: true });
  }
}

function ms(value) {
  return `${Math.round(value)} ms`;
}

function planCsv(run) {
  const lines = ['Rec No,Recommendation,Action,Lead,Target End Date'];
  for (let i = 1; i <= rows; i++) {
    const rec = Math.ceil(i / 4);
    const ref = `${(rec % 999) + 1}(${Math.floor(rec / 999)})`;
    // The run number in a lead: the ledger refuses a file it has already imported.
    lines.push(i % 4 === 1 ? `${ref},Recommendation ${rec},Action ${i},Lead ${i % 40} ${run},30 September 2012` : `,,Action ${i},Lead ${i % 40} ${run},31 October 2012`);
  }
  return lines.join('\n');
}

async function importWhilePolling(url, token, run) {
  const form = new FormData();
  form.set('file', new Blob([planCsv(run)]), `large-plan-${run}.csv`);
  form.set('organisation', 'Central Bedfordshire Council');
  form.set('respondsTo', 'Lord Laming, The Protection of Children in England (2009)');
  const started = performance.now();
  let done = false;
  const answer = fetch(`${url}/plans/import`, { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: form }).then(async (res) => {
    const body = await res.json();
    if (res.status !== 201) throw new Error(`import answered ${res.status}: ${JSON.stringify(body)}`);
    return body;
  });
  answer.finally(() => (done = true)).catch(() => {});
  const waits = [];
  let last = performance.now();
  while (!done) {
    const health = await fetch(`${url}/health`);
    await health.arrayBuffer();
    const answered = performance.now();
    waits.push(answered - last);
    await new Promise((resolve) => setTimeout(resolve, 20));
    last = performance.now();
    waits.push(last - answered - 20);
  }
  await answer;
  const importMs = performance.now() - started;
  waits.sort((a, b) => a - b);
  return { importMs, asks: waits.length / 2, longest: waits[waits.length - 1], p99: waits[Math.floor(waits.length * 0.99)] };
}
