import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { LogLevel } from '@nestjs/common';
import type { EventStore } from '#event-store';
import { AppModule } from './app.module.js';
import type { LedgerConfig } from '#application';

/** The ledger's HTTP app, shared by `npm start` and the end-to-end tests (which hand in a temp store). */
export async function createLedgerApp(config: LedgerConfig, options: { store?: EventStore; logLevels?: LogLevel[] | false } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forConfig(config, options.store), {
    bodyParser: false,
    logger: options.logLevels ?? ['error', 'warn', 'log'],
  });
  app.disable('x-powered-by');
  // Our ETag is the plan's revision, set explicitly; Express's content hashes would mean nothing to If-Match.
  app.set('etag', false);
  app.enableShutdownHooks();
  return app;
}
