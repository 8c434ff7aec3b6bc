/**
 * The HTTP floor: a plain node:http server on 127.0.0.1 that answers each request with response bytes held in
 * memory, nothing else done (no routing framework, no authorisation, no replay, no JSON). The http section loads
 * it exactly as it loads the API, with the same bodies the API sent, so that the figures show what this machine,
 * with the load generator on the same cores parsing the same bodies, can serve at all.
 *
 *   node bench/lib/floor-server.js <bodies file> <index file>
 *
 * The index is JSON: { contentType, bodies: [[offset, length], …] }. `GET /<n>` answers body n (modulo their
 * count), `GET /` body 0. Prints one JSON line ({ url }) when ready, then serves until SIGTERM.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';

const [bodiesFile, indexFile] = process.argv.slice(2);
const all = readFileSync(bodiesFile);
const index = JSON.parse(readFileSync(indexFile, 'utf8'));
const bodies = index.bodies.map(([offset, length]) => all.subarray(offset, offset + length));

const server = http.createServer((req, res) => {
  const n = Number.parseInt(req.url.slice(1), 10);
  const body = bodies[(Number.isSafeInteger(n) && n >= 0 ? n : 0) % bodies.length];
  res.writeHead(200, { 'content-type': index.contentType, 'content-length': body.length, 'cache-control': 'private, no-cache' });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${server.address().port}` })}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
