/**
 * The floor of a whole HTTP write on this machine: a bare node:http server (no framework, no authorisation,
 * no domain) that reads the same JSON body the API is sent, parses it, checks its two fields, and inserts one
 * progress-note-sized row into the ledger's own table (schema, indexes, CHECKs and triggers) in one
 * BEGIN IMMEDIATE … COMMIT per request (WAL, synchronous=FULL: one fsync per request, nothing grouped), then
 * answers 201 with a small JSON body. In its own process, like the API. Prints { url } when ready; serves until
 * SIGTERM.
 *
 *   node bench/lib/bare-write-server.js <store.sqlite>   (a file the ledger created, so the table is its own)
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import Database from 'better-sqlite3';

const [storePath] = process.argv.slice(2);
const db = new Database(storePath);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
const insert = db.prepare('INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at, previous_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
const append = db.transaction((values) => insert.run(values));
// The file is kept from run to run: go on from its last revision (the table refuses a revision written twice).
let revision = Number(db.prepare(`SELECT COALESCE(MAX(revision) + 1, 0) FROM events WHERE stream_id = 'plan-bare-floor'`).pluck().get());

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = undefined;
    }
    if (!body || typeof body.narrative !== 'string' || typeof body.effectiveAt !== 'string') {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"code":"VALIDATION_FAILED"}');
      return;
    }
    const actionId = req.url.split('/')[4] ?? '';
    const data = JSON.stringify({ planId: 'bare-floor', actionId, updateId: randomUUID(), narrative: body.narrative, effectiveAt: `${body.effectiveAt}T00:00:00.000Z` });
    const metadata = JSON.stringify({ actor: 'Bench Writer', correlationId: randomUUID(), schemaVersion: 2 });
    const at = revision++;
    append.immediate(['plan-bare-floor', at, randomUUID(), 'ProgressUpdateRecorded', data, metadata, new Date().toISOString(), 'a'.repeat(64), 'b'.repeat(64)]);
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ revision: at }));
  });
});

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  db.close();
  process.exit(0);
});
