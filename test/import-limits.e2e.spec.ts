import http from 'node:http';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { lyingZip, sheetRows, workbookParts } from './support/lying-zip.js';
import { startLedger, type RunningLedger } from './support/ledger-app.js';

// Issue 14, findings 5 and 6: a small workbook whose headers lie about its size, and a large file, must cost
// the server neither its memory nor everyone else's requests; rows beyond the limit are refused, with the setting.

const NEW_PLAN = { organisation: 'Central Bedfordshire Council', respondsTo: 'Lord Laming, The Protection of Children in England (2009)' };
const MB = 1024 * 1024;

let ledger: RunningLedger;
beforeAll(async () => {
  ledger = await startLedger();
});
afterAll(async () => {
  await ledger.stop();
});

/** The multipart body a browser's form sends, as bytes, with its content type. */
async function formOf(file: { name: string; bytes: Uint8Array }, fields: Record<string, string>): Promise<{ body: Buffer; type: string }> {
  const form = new FormData();
  form.set('file', new Blob([file.bytes]), file.name);
  for (const [name, value] of Object.entries(fields)) form.set(name, value);
  const request = new Request('http://127.0.0.1/', { method: 'POST', body: form });
  return { body: Buffer.from(await request.arrayBuffer()), type: request.headers.get('content-type')! };
}

/** POST /plans/import over a plain HTTP request, so the caller knows when the whole upload has left: `sent`. */
async function upload(
  file: { name: string; bytes: Uint8Array },
  fields: Record<string, string> = NEW_PLAN,
  to: RunningLedger = ledger,
): Promise<{ sent: Promise<void>; answer: Promise<{ status: number; body: any }> }> {
  const { body, type } = await formOf(file, fields);
  const token = await to.tokenFor('Rachel Deakin');
  const url = new URL(`${to.url}/plans/import`);
  let sent!: () => void;
  const flushed = new Promise<void>((resolve) => (sent = resolve));
  const answer = new Promise<{ status: number; body: any }>((resolve, reject) => {
    const req = http.request(
      { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'Content-Type': type, 'Content-Length': body.length, Authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body, () => sent());
  });
  return { sent: flushed, answer };
}

/**
 * The most the process's resident memory grew, above where it stood before, while `work` ran. Sampled from a
 * thread of its own every few milliseconds: a server that blocks its event loop while it inflates would
 * otherwise never let a timer on that loop see the peak.
 */
async function peakGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const peak = new BigInt64Array(new SharedArrayBuffer(16));
  const sampler = new Worker(
    `const { workerData } = require('node:worker_threads');
     const peak = workerData;
     for (;;) {
       const rss = BigInt(process.memoryUsage.rss());
       if (rss > Atomics.load(peak, 0)) Atomics.store(peak, 0, rss);
       if (Atomics.load(peak, 1) !== 0n) break;
       Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
     }`,
    { eval: true, workerData: peak },
  );
  await new Promise((resolve) => sampler.once('online', resolve));
  while (Atomics.load(peak, 0) === 0n) await new Promise((resolve) => setTimeout(resolve, 1));
  const before = Number(Atomics.load(peak, 0));
  try {
    const result = await work();
    return { result, growth: Number(Atomics.load(peak, 0)) - before };
  } finally {
    Atomics.store(peak, 1, 1n);
    await new Promise((resolve) => sampler.once('exit', resolve));
  }
}

const planCount = async (on: RunningLedger = ledger) => (await on.request('GET', '/plans')).body.length as number;

const HEADER = ['Rec No', 'Recommendation', 'Action', 'Lead', 'Target End Date'];
/** A Laming-style plan of `rows` rows: a recommendation every fourth row, each row an action. */
function planRows(rows: number): string[][] {
  const ref = (k: number) => `${(k % 999) + 1}(${Math.floor(k / 999)})`;
  const out: string[][] = [HEADER];
  for (let i = 1; i <= rows; i++) {
    const rec = Math.ceil(i / 4);
    out.push(i % 4 === 1 ? [ref(rec), `Recommendation ${rec}`, `Action ${i}`, `Lead ${i % 40}`, '30 September 2012'] : ['', '', `Action ${i}`, `Lead ${i % 40}`, '31 October 2012']);
  }
  return out;
}
const csvOf = (rows: readonly (readonly string[])[]) => Buffer.from(rows.map((cells) => cells.join(',')).join('\n'));

describe('a workbook whose zip headers lie about its size (issue 14, finding 5)', () => {
  it('refuses a sheet that inflates to 400 MB from a 400 KB upload claiming 1,000 bytes, without the memory it would take', async () => {
    const sheet = { name: 'xl/worksheets/sheet1.xml', run: { size: 400 * MB, before: `<worksheet><sheetData>${sheetRows([HEADER, ['4', 'Rec', 'Act', 'Lead', 'May 2012']])}`, after: '</sheetData></worksheet>' } };
    const bomb = await lyingZip([...workbookParts(), sheet]);
    expect(bomb.length).toBeLessThan(MB);
    const plans = await planCount();
    const { result, growth } = await peakGrowth(async () => (await upload({ name: 'plan.xlsx', bytes: bomb })).answer);
    // Reading it whole would take 400 MB and more; read as a stream it takes a worker and a few buffers.
    expect(growth).toBeLessThan(250 * MB);
    expect(result).toMatchObject({
      status: 413,
      body: { code: 'FILE_TOO_LARGE', message: expect.stringMatching(/^plan\.xlsx unpacks to more than 100 MB, the most the ledger unpacks from one workbook \(LEDGER_IMPORT_MAX_UNPACKED_BYTES\)/) },
    });
    expect(await planCount()).toBe(plans);
  });

  it('refuses a sheet of two million rows in a 700 KB upload at the row limit, without building them in memory', async () => {
    const cells = { name: 'xl/worksheets/sheet1.xml', run: { size: 100 * MB, pattern: '<row><c t="inlineStr"><is><t>x</t></is></c></row>', before: `<worksheet><sheetData>${sheetRows([HEADER])}`, after: '</sheetData></worksheet>' } };
    const bomb = await lyingZip([...workbookParts(), cells]);
    expect(bomb.length).toBeLessThan(MB);
    const { result, growth } = await peakGrowth(async () => (await upload({ name: 'plan.xlsx', bytes: bomb })).answer);
    expect(growth).toBeLessThan(250 * MB);
    expect(result).toMatchObject({ status: 413, body: { code: 'FILE_TOO_LARGE', message: expect.stringMatching(/^plan\.xlsx has more than 20,000 rows \(row 20,001 holds data\)/) } });
  });

  it('counts the budget across the whole zip: two parts of 60 MB each are refused though each is under 100 MB', async () => {
    const sheet = { name: 'xl/worksheets/sheet1.xml', run: { size: 60 * MB, before: `<worksheet><sheetData>${sheetRows([HEADER])}<row r="2"><c r="A2" t="s"><v>0</v></c><c r="C2" t="s"><v>0</v></c></row></sheetData>`, after: '</worksheet>' } };
    const strings = { name: 'xl/sharedStrings.xml', run: { size: 60 * MB, before: '<sst><si><t>4</t></si>', after: '</sst>' } };
    const bomb = await lyingZip([...workbookParts(), sheet, strings]);
    const { result, growth } = await peakGrowth(async () => (await upload({ name: 'plan.xlsx', bytes: bomb })).answer);
    expect(growth).toBeLessThan(250 * MB);
    expect(result).toMatchObject({ status: 413, body: { code: 'FILE_TOO_LARGE', message: expect.stringContaining('LEDGER_IMPORT_MAX_UNPACKED_BYTES') } });
  });

  it('never inflates a part the plan does not need: a 1 GB "picture" beside a real sheet costs nothing, and the sheet imports', async () => {
    const rows = sheetRows([HEADER, ['4', 'The Government should introduce new statutory targets', 'Performance team to report', 'Peter Worthington', '30 September 2012']]);
    const picture = { name: 'xl/media/image1.png', run: { size: 1024 * MB, fill: 0 } };
    const workbook = await lyingZip([...workbookParts(), { name: 'xl/worksheets/sheet1.xml', text: `<worksheet><sheetData>${rows}</sheetData></worksheet>` }, picture]);
    const { result, growth } = await peakGrowth(async () => (await upload({ name: 'plan.xlsx', bytes: workbook }, { ...NEW_PLAN, dryRun: 'true' })).answer);
    expect(growth).toBeLessThan(250 * MB);
    expect(result).toMatchObject({ status: 200, body: { dryRun: true, sheet: 'Plan', counts: { recommendations: 1, actions: 1 } } });
  });

  it('refuses a small workbook with data a million rows down, by the row limit, before reading on', async () => {
    const far = `<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>x</t></is></c></row>`;
    const workbook = await lyingZip([...workbookParts(), { name: 'xl/worksheets/sheet1.xml', text: `<worksheet><sheetData>${sheetRows([HEADER])}${far}</sheetData></worksheet>` }]);
    const res = await (await upload({ name: 'plan.xlsx', bytes: workbook })).answer;
    expect(res).toMatchObject({
      status: 413,
      body: { code: 'FILE_TOO_LARGE', message: expect.stringMatching(/^plan\.xlsx has more than 20,000 rows \(row 1,048,576 holds data\); the ledger imports at most 20,000 rows \(LEDGER_IMPORT_MAX_ROWS\)/) },
    });
  });
});

describe('a large import (issue 14, finding 6)', () => {
  it('imports 8,000 rows while /health goes on answering', async () => {
    const rows = planRows(8_000);
    const started = await upload({ name: 'large-plan.csv', bytes: csvOf(rows) });
    await started.sent;
    let importDone = false;
    const answer = started.answer.finally(() => (importDone = true));
    // Give the server the whole upload, so that /health is asked while it reads, interprets and decides.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const health = await fetch(`${ledger.url}/health`);
    const answeredDuringImport = !importDone;
    expect(health.status).toBe(200);
    expect(answeredDuringImport).toBe(true);
    const res = await answer;
    expect(res).toMatchObject({ status: 201, body: { counts: { recommendations: 2_000, actions: 8_000 }, changes: { events: 1 + 2_000 + 8_000 } } });
  }, 120_000);

  it('keeps answering /health throughout a real 8,000-row import, while its 10,001 events are appended and projected', async () => {
    // Not byte for byte the file the test below imports: the ledger refuses a file it has already imported.
    const rows = planRows(8_000);
    rows[8_000]![3] = 'Lead while /health is polled';
    const started = await upload({ name: 'large-plan.csv', bytes: csvOf(rows) });
    await started.sent;
    let importDone = false;
    const answer = started.answer.finally(() => (importDone = true));
    // Each wait is from asking /health to its answer, or from one answer to the next ask (a timer on a blocked
    // loop fires late too): the longest of them is the longest the server left everyone else waiting.
    const waits: number[] = [];
    let last = performance.now();
    while (!importDone) {
      const health = await fetch(`${ledger.url}/health`);
      expect(health.status).toBe(200);
      await health.arrayBuffer();
      const answered = performance.now();
      waits.push(answered - last);
      await new Promise((resolve) => setTimeout(resolve, 50));
      last = performance.now();
      waits.push(last - answered - 50);
    }
    const res = await answer;
    expect(res).toMatchObject({ status: 201, body: { counts: { recommendations: 2_000, actions: 8_000 }, changes: { events: 1 + 2_000 + 8_000 } } });
    // Answered again and again while the import ran (how fast is for bench/import-health.js, not for a test).
    expect(waits.length).toBeGreaterThan(10);
  }, 120_000);

  it('refuses a file past the configured row limit with 413, naming the limit and its setting, and appends nothing', async () => {
    const small = await startLedger({ LEDGER_IMPORT_MAX_ROWS: '1000' });
    try {
      const over = await (await upload({ name: 'plan.csv', bytes: csvOf(planRows(1_000)) }, NEW_PLAN, small)).answer;
      expect(over).toMatchObject({
        status: 413,
        body: {
          code: 'FILE_TOO_LARGE',
          message: expect.stringMatching(/^plan\.csv has more than 1,000 rows \(row 1,001 holds data\); the ledger imports at most 1,000 rows \(LEDGER_IMPORT_MAX_ROWS\)/),
          details: [{ path: 'body.file.rows.1001' }],
        },
      });
      expect(await planCount(small)).toBe(0);
      const within = await (await upload({ name: 'plan.csv', bytes: csvOf(planRows(999)) }, NEW_PLAN, small)).answer;
      expect(within).toMatchObject({ status: 201, body: { counts: { actions: 999 } } });
    } finally {
      await small.stop();
    }
  });
});
