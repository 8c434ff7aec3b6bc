import type { Request, Response } from 'express';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Below this a compressed body saves less than its headers and the CPU cost: sent as it is. */
export const COMPRESS_FROM_BYTES = 1024;

export type ContentEncoding = 'br' | 'gzip' | 'identity';

/**
 * The encoding to send, from Accept-Encoding (RFC 9110 §12.5.3): br, then gzip, when the client lists it with
 * a q-value above 0 (or `*` does); otherwise none. A header too long to be honest is read as no preference.
 */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentEncoding {
  if (!acceptEncoding || acceptEncoding.length > 512) return 'identity';
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const accepts = (coding: string) => (q.get(coding) ?? q.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip') || ((q.get('x-gzip') ?? 0) > 0)) return 'gzip';
  return 'identity';
}

/** Does If-None-Match name this ETag (weak comparison, as RFC 9110 §13.1.2 asks), or say `*`? */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch || ifNoneMatch.length > 4096) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const opaque = (tag: string) => tag.trim().replace(/^W\//, '');
  const wanted = opaque(etag);
  return ifNoneMatch.split(',').some((tag) => opaque(tag) === wanted);
}

export async function compress(body: Buffer, encoding: ContentEncoding): Promise<Buffer> {
  if (encoding === 'gzip') return gzipAsync(body, { level: 6 });
  // Quality 5: most of brotli's gain over gzip at a few milliseconds for a plan's JSON (11, its default, takes ~100 times longer).
  if (encoding === 'br') return brotliAsync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 5, [constants.BROTLI_PARAM_SIZE_HINT]: body.length } });
  return body;
}

export interface Representation {
  body: string | Buffer;
  contentType: string;
  status?: number;
  /**
   * The ETag for the uncompressed representation, quoted ("12.abc"); a compressed one is a different
   * representation, so its tag gets the coding appended inside the quotes. Without one, no 304 is given.
   */
  etag?: string;
  cacheControl?: string;
  /** Headers the response depends on besides Accept-Encoding (Authorization, Cookie). */
  vary?: readonly string[];
}

/**
 * Send a body with conditional GET and compression: 304 (no body) when If-None-Match names the ETag, else
 * the body, gzip or br encoded when the client accepts it and the body is worth it, with Vary saying so.
 */
export async function sendRepresentation(req: Request, res: Response, representation: Representation): Promise<void> {
  const raw = typeof representation.body === 'string' ? Buffer.from(representation.body, 'utf8') : representation.body;
  const encoding = raw.length >= COMPRESS_FROM_BYTES ? negotiateEncoding(req.header('accept-encoding')) : 'identity';
  const etag = representation.etag && encoding !== 'identity' ? `${representation.etag.slice(0, -1)}-${encoding}"` : representation.etag;
  res.setHeader('Vary', [...(representation.vary ?? []), 'Accept-Encoding'].join(', '));
  if (representation.cacheControl) res.setHeader('Cache-Control', representation.cacheControl);
  if (etag) res.setHeader('ETag', etag);
  const status = representation.status ?? 200;
  if (etag && status === 200 && etagMatches(req.header('if-none-match'), etag)) {
    res.status(304).end();
    return;
  }
  const body = await compress(raw, encoding);
  res.status(status);
  res.setHeader('Content-Type', representation.contentType);
  if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', String(body.length));
  res.end(req.method === 'HEAD' ? undefined : body);
}
