import type { Request, Response } from 'express';
import { promisify } from 'node:util';
import { brotliCompress, constants, crc32, deflateRaw, gzip } from 'node:zlib';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);
const deflateRawAsync = promisify(deflateRaw);

/** Below this a compressed body saves less than its headers and the CPU cost: sent as it is. */
export const COMPRESS_FROM_BYTES = 1024;

export type ContentEncoding = 'br' | 'gzip' | 'identity';

/**
 * The encoding to send, from Accept-Encoding (RFC 9110 §12.5.3): br, then gzip (or gzip first, when the server
 * prefers it), when the client lists it with a q-value above 0 (or `*` does); otherwise none. A header too
 * long to be honest is read as no preference.
 */
export function negotiateEncoding(acceptEncoding: string | undefined, prefer: 'br' | 'gzip' = 'br'): ContentEncoding {
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
  const gzipOk = accepts('gzip') || (q.get('x-gzip') ?? 0) > 0;
  if (prefer === 'gzip' && gzipOk) return 'gzip';
  if (accepts('br')) return 'br';
  if (gzipOk) return 'gzip';
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

/** Raw deflate of one cached part, ending byte-aligned (a sync flush) so that parts can be laid end to end. */
interface DeflatedPart {
  deflated: Buffer;
  crc: number;
  length: number;
}

/** Parts this long or longer are kept compressed against their Buffer; shorter ones go as stored blocks. */
const CACHE_PART_FROM_BYTES = 1024;

/**
 * A part of a body sent in parts: bytes, or a run of them kept together (the same array object for the same
 * bytes, never changed: a view's hundreds of actions). A run is written as its parts, and compressed as one
 * part (its deflated form kept against the array), so it compresses as well as its bytes joined would.
 */
export type BodyPart = Buffer | readonly Buffer[];

const DEFLATED = new WeakMap<BodyPart, Promise<DeflatedPart>>();

function deflatedPart(part: BodyPart): Promise<DeflatedPart> {
  let deflated = DEFLATED.get(part);
  if (!deflated) {
    // A run is joined only to be deflated: the joined copy is not kept, its compressed form is.
    const bytes = Buffer.isBuffer(part) ? part : joined(part);
    deflated = deflateRawAsync(bytes, { level: 6, finishFlush: constants.Z_SYNC_FLUSH }).then((out) => ({ deflated: out, crc: crc32(bytes), length: bytes.length }));
    // A failure is not kept: the next request tries again.
    deflated.catch(() => DEFLATED.delete(part));
    DEFLATED.set(part, deflated);
  }
  return deflated;
}

function lengthOf(part: BodyPart): number {
  if (Buffer.isBuffer(part)) return part.length;
  let length = 0;
  for (const bytes of part) length += bytes.length;
  return length;
}

/** The parts as one Buffer (the part itself when there is one). */
function joined(parts: readonly Buffer[]): Buffer {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The body's bytes in order, each run's parts in its place. */
function flattened(parts: readonly BodyPart[]): Buffer[] {
  const out: Buffer[] = [];
  for (const part of parts) {
    if (Buffer.isBuffer(part)) out.push(part);
    else for (const bytes of part) out.push(bytes);
  }
  return out;
}

/** Deflate stored blocks (at most 65,535 bytes each) holding `bytes` as they are: no compression, no CPU. */
function storedBlocks(bytes: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 0xffff) {
    const chunk = bytes.subarray(at, at + 0xffff);
    const header = Buffer.alloc(5);
    // BFINAL 0, BTYPE 00 (stored); the stream is byte-aligned here, after a sync flush or the gzip header.
    header.writeUInt16LE(chunk.length, 1);
    header.writeUInt16LE(~chunk.length & 0xffff, 3);
    blocks.push(header, chunk);
  }
  return blocks;
}

/** x^n·mod P for CRC-32 in GF(2): the 32×32 matrix `mat` times the vector `vec`. */
function gf2Times(mat: Uint32Array, vec: number): number {
  let sum = 0;
  for (let i = 0; vec !== 0; i++, vec >>>= 1) if (vec & 1) sum ^= mat[i]!;
  return sum >>> 0;
}

function gf2Square(square: Uint32Array, mat: Uint32Array): void {
  for (let n = 0; n < 32; n++) square[n] = gf2Times(mat, mat[n]!);
}

/** The CRC-32 of A followed by B, from crc(A), crc(B) and B's length (zlib's crc32_combine): no byte read again. */
export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  if (lengthB <= 0) return crcA >>> 0;
  const even = new Uint32Array(32);
  const odd = new Uint32Array(32);
  odd[0] = 0xedb88320;
  for (let n = 1, row = 1; n < 32; n++, row <<= 1) odd[n] = row;
  gf2Square(even, odd);
  gf2Square(odd, even);
  let crc = crcA >>> 0;
  let length = lengthB;
  for (;;) {
    gf2Square(even, odd);
    if (length % 2 === 1) crc = gf2Times(even, crc);
    length = Math.floor(length / 2);
    if (length === 0) break;
    gf2Square(odd, even);
    if (length % 2 === 1) crc = gf2Times(odd, crc);
    length = Math.floor(length / 2);
    if (length === 0) break;
  }
  return (crc ^ crcB) >>> 0;
}

const GZIP_HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0x00, 0xff]);
/** A final, empty, fixed-Huffman block: ends the deflate stream. */
const FINAL_BLOCK = Buffer.from([0x03, 0x00]);

/**
 * One gzip member (RFC 1952) of the parts laid end to end: each run's and each long part's raw deflate is made
 * once and kept against it, each short part (the request's own instants) is stored as it is, and the trailer's
 * CRC is combined from the parts' own. So a large body whose long parts repeat is gzip-encoded without
 * compressing it again; any gzip reader decodes it to the parts' concatenation.
 */
export async function gzipParts(parts: readonly BodyPart[]): Promise<Buffer[]> {
  const out: Buffer[] = [GZIP_HEADER];
  let crc = 0;
  let length = 0;
  const deflated = await Promise.all(parts.map((part) => (!Buffer.isBuffer(part) || part.length >= CACHE_PART_FROM_BYTES ? deflatedPart(part) : undefined)));
  parts.forEach((part, i) => {
    const cached = deflated[i];
    if (cached) {
      out.push(cached.deflated);
      crc = crc32Combine(crc, cached.crc, cached.length);
      length += cached.length;
      return;
    }
    const bytes = part as Buffer;
    out.push(...storedBlocks(bytes));
    crc = crc32Combine(crc, crc32(bytes), bytes.length);
    length += bytes.length;
  });
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc >>> 0, 0);
  trailer.writeUInt32LE(length % 2 ** 32, 4);
  out.push(FINAL_BLOCK, trailer);
  return out;
}

export interface Representation {
  /**
   * The body, or its parts in order. Parts are for a large body whose long parts (or runs of parts) the caller
   * keeps (the same object for the same bytes, never changed): they are written as they are, and their gzip
   * form is made once and kept against them, so such a body is sent gzip-encoded when the client accepts it
   * (br only when it accepts br and not gzip).
   */
  body: string | Buffer | readonly BodyPart[];
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
  const { body } = representation;
  const parted = typeof body !== 'string' && !Buffer.isBuffer(body);
  const parts: readonly BodyPart[] = typeof body === 'string' ? [Buffer.from(body, 'utf8')] : Buffer.isBuffer(body) ? [body] : body;
  const rawLength = parts.reduce((n, part) => n + lengthOf(part), 0);
  const encoding = rawLength >= COMPRESS_FROM_BYTES ? negotiateEncoding(req.header('accept-encoding'), parted ? 'gzip' : 'br') : 'identity';
  const etag = representation.etag && encoding !== 'identity' ? `${representation.etag.slice(0, -1)}-${encoding}"` : representation.etag;
  res.setHeader('Vary', [...(representation.vary ?? []), 'Accept-Encoding'].join(', '));
  if (representation.cacheControl) res.setHeader('Cache-Control', representation.cacheControl);
  if (etag) res.setHeader('ETag', etag);
  const status = representation.status ?? 200;
  if (etag && status === 200 && etagMatches(req.header('if-none-match'), etag)) {
    res.status(304).end();
    return;
  }
  const sent = encoding === 'gzip' && parted ? await gzipParts(parts) : encoding === 'identity' ? flattened(parts) : [await compress(joined(flattened(parts)), encoding)];
  res.status(status);
  res.setHeader('Content-Type', representation.contentType);
  if (encoding !== 'identity') res.setHeader('Content-Encoding', encoding);
  res.setHeader('Content-Length', String(sent.reduce((n, part) => n + part.length, 0)));
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  // Corked, the parts leave in one writev with the headers: no part is copied into one body first.
  res.cork();
  for (let i = 0; i < sent.length - 1; i++) res.write(sent[i]);
  res.end(sent[sent.length - 1]);
}
