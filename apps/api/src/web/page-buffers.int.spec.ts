import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { sendRepresentation } from '../http/conditional-response.js';
import { laidOutPage, PageBuffers } from './web-renderer.js';

/**
 * A page for a client taking no encoding is laid out whole in a Buffer from a pool, and the Buffer goes back to
 * the pool only when its response has finished writing it. Were it given back sooner, the next page would be
 * laid into it while the first is still on its way, and the first client would read the second page's bytes.
 * So: a real HTTP server, a client that asks for a large page and reads none of it (the kernel's buffers fill,
 * and the write waits), pages of other bytes asked and read meanwhile, then the first read to its end.
 */
/** Large enough that the kernel's buffers cannot take it all (on loopback they take a few MB). */
const PAGE_BYTES = 8 * 1024 * 1024;
/** A pool as the app's, but keeping Buffers of such pages. */
const pool = new PageBuffers(4, 256 * 1024, 4 * PAGE_BYTES);

/** Page `n`: a head and a tail of its own, and parts of a byte that is its own, 8 MB in all. */
function pageOf(n: number) {
  const fill = String.fromCharCode(97 + (n % 26));
  const parts = Array.from({ length: 64 }, () => Buffer.alloc(PAGE_BYTES / 64, fill));
  return { head: `<html><!-- page ${n} £ -->`, parts, length: PAGE_BYTES, tail: `<!-- end of page ${n} --></html>` };
}

const expected = (n: number) => {
  const page = pageOf(n);
  return Buffer.concat([Buffer.from(page.head, 'utf8'), ...page.parts, Buffer.from(page.tail, 'utf8')]);
};

let server: http.Server;
let port: number;

beforeAll(async () => {
  const app = express();
  app.get('/page/:n', (req, res) => {
    const page = pageOf(Number(req.params.n));
    void sendRepresentation(req, res, { body: laidOutPage(res, page.head, page.parts, page.length, page.tail, pool), contentType: 'text/html; charset=utf-8', cacheControl: 'no-store' });
  });
  server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A page asked for over a raw socket that is not read until `read()` is called; resolves with the body. */
function slowReader(n: number): { read(): Promise<Buffer> } {
  const socket = net.connect(port, '127.0.0.1');
  socket.pause();
  socket.write(`GET /page/${n} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  return {
    read: async () => {
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.resume();
      await once(socket, 'end');
      const response = Buffer.concat(chunks);
      const bodyAt = response.indexOf('\r\n\r\n') + 4;
      return response.subarray(bodyAt);
    },
  };
}

function fetched(n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: `/page/${n}` }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve(Buffer.concat(chunks)));
      })
      .on('error', reject);
  });
}

describe('a page laid out in a pooled Buffer', () => {
  it('is sent whole and as it was laid out, while other pages are laid out and sent before it is read', async () => {
    const slow = [slowReader(0), slowReader(1)];
    // Let the server lay the slow pages out and start writing them.
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let n = 2; n < 8; n++) expect((await fetched(n)).equals(expected(n))).toBe(true);
    const bodies = await Promise.all(slow.map((reader) => reader.read()));
    bodies.forEach((body, n) => {
      expect(body.length).toBe(expected(n).length);
      expect(body.equals(expected(n))).toBe(true);
    });
  }, 60_000);
});
