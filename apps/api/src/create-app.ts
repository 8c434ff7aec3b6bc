import 'reflect-metadata';
import helmet from 'helmet';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { LogLevel } from '@nestjs/common';
import type { EventStore } from '#event-store';
import { AppModule } from './app.module.js';
import type { LedgerConfig } from '#application';
import { mountWebAssets } from './web/web-renderer.js';

/** The ledger's HTTP app, shared by `npm start` and the end-to-end tests (which hand in a temp store). */
export async function createLedgerApp(config: LedgerConfig, options: { store?: EventStore; logLevels?: LogLevel[] | false } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config, options.store), {
    bodyParser: false,
    logger: options.logLevels ?? ['error', 'warn', 'log'],
  });
  app.disable('x-powered-by');
  // Our ETag is the plan's revision, set explicitly; Express's content hashes would mean nothing to If-Match.
  app.set('etag', false);
  // Behind a TLS-terminating proxy: believe it about the protocol, so req.secure holds and the session cookie is Secure.
  if (config.trustProxy !== undefined) app.set('trust proxy', config.trustProxy);
  // Security headers; a JSON API needs no scripts, frames or third-party anything.
  app.use(helmet({ contentSecurityPolicy: { directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] } } }));
  // Strict CORS: no cross-origin browser access unless origins are configured, and then only those.
  if (config.corsOrigins.length > 0) app.enableCors({ origin: config.corsOrigins, methods: ['GET', 'POST'], allowedHeaders: ['Authorization', 'Content-Type', 'If-Match', 'X-Correlation-Id'] });
  // A client that stalls mid-headers or mid-body is cut off instead of holding a connection (Node checks
  // these every 30 s; the early limits in early-request-limits.ts refuse what the headers alone condemn).
  const server = app.getHttpServer() as import('node:http').Server;
  server.headersTimeout = config.headersTimeoutMs;
  server.requestTimeout = config.requestTimeoutMs;
  // The web pages' CSS, fonts-free typography and module script, served by the app itself (pages set their own CSP).
  mountWebAssets(app);
  app.enableShutdownHooks();
  return app;
}
