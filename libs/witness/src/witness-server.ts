import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MAX_ADD_CHECKPOINT_BYTES } from '#transparency';
import type { Witness, WitnessAnswer } from './witness.js';

/**
 * The witness over HTTP, as tlog-witness lays it out: POST /add-checkpoint and GET /<origin hash>/checkpoint,
 * with the submission and monitoring prefixes both the server's root. Plain node:http: a witness is a small
 * service another organisation runs, with nothing to configure but witness.json. Every answer is text.
 */

export interface RunningWitnessServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startWitnessServer(witness: Witness, listen: { host: string; port: number }): Promise<RunningWitnessServer> {
  const server = createServer((req, res) => {
    handle(witness, req, res).catch((error: unknown) => {
      // A fault of ours, not the client's: say so without detail, and keep serving.
      console.error('witness: internal error', error);
      if (!res.headersSent) send(res, { status: 500, contentType: 'text/plain; charset=utf-8', body: 'The witness failed to answer\n' });
      else res.destroy();
    });
  });
  // Longer than clients keep idle connections (undici: 4 s), so a client never reuses a socket we are closing.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function handle(witness: Witness, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://witness.invalid');
  if (url.pathname === '/add-checkpoint') {
    if (req.method !== 'POST') return send(res, { status: 405, contentType: 'text/plain; charset=utf-8', body: 'add-checkpoint takes POST\n' }, { Allow: 'POST' });
    const body = await readBody(req);
    if (body === 'too-large') return send(res, { status: 413, contentType: 'text/plain; charset=utf-8', body: `The request is larger than ${MAX_ADD_CHECKPOINT_BYTES} bytes\n` });
    if (body === undefined) return send(res, { status: 400, contentType: 'text/plain; charset=utf-8', body: 'The request body is not UTF-8 text\n' });
    return send(res, await witness.addCheckpoint(body));
  }
  const monitoring = /^\/([0-9a-f]{64})\/checkpoint$/.exec(url.pathname);
  if (monitoring) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, { status: 405, contentType: 'text/plain; charset=utf-8', body: 'checkpoint takes GET\n' }, { Allow: 'GET' });
    return send(res, witness.checkpoint(monitoring[1]!));
  }
  if (url.pathname === '/' && req.method === 'GET') return send(res, { status: 200, contentType: 'text/plain; charset=utf-8', body: `${witness.vkey}\n` });
  return send(res, { status: 404, contentType: 'text/plain; charset=utf-8', body: 'There is nothing at this address\n' });
}

/** The body as UTF-8 text, stopped at the budget: undefined when it is not UTF-8. */
function readBody(req: IncomingMessage): Promise<string | undefined | 'too-large'> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > MAX_ADD_CHECKPOINT_BYTES) {
      req.resume();
      resolve('too-large');
      return;
    }
    const chunks: Buffer[] = [];
    let length = 0;
    req.on('data', (chunk: Buffer) => {
      length += chunk.length;
      if (length > MAX_ADD_CHECKPOINT_BYTES) {
        req.removeAllListeners('data');
        req.resume();
        resolve('too-large');
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)));
      } catch {
        resolve(undefined);
      }
    });
    req.on('error', reject);
  });
}

function send(res: ServerResponse, answer: WitnessAnswer, headers: Record<string, string> = {}): void {
  res.writeHead(answer.status, { 'Content-Type': answer.contentType, 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(answer.body);
}
