import { Inject, Logger, Module, type OnApplicationShutdown, type OnModuleInit, type DynamicModule, type MiddlewareConsumer, type NestModule, RequestMethod } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import express from 'express';
import { v7 as uuidv7 } from 'uuid';
import { AccessControl, CheckpointPublisher, EvidenceFiles, HeadSigningEventStore, OidcVerifier, openLedgerStore, PlanCommandService, PlanRepository } from '#application';
import { AccessController } from './http/auth/access.controller.js';
import { AccessGuard } from './http/auth/access.guard.js';
import { Authenticator } from './http/auth/authenticator.js';
import { PlanOrganisations } from './http/auth/plan-organisations.js';
import { RateLimitGuard } from './http/auth/rate-limit.guard.js';
import { RateLimits } from './http/auth/rate-limits.js';
import type { EventStore } from '#event-store';
import type { LedgerConfig } from '#application';
import { ExecutePlanCommandHandler } from './cqrs/plan-commands.js';
import { ImportPlanCommandHandler } from './cqrs/import-plan.js';
import { PLAN_QUERY_HANDLERS } from './cqrs/plan-queries.js';
import { UPDATE_REQUEST_QUERY_HANDLERS } from './cqrs/update-request-queries.js';
import { UpdateRequestsController } from './http/update-requests.controller.js';
import { REMINDER_PROVIDERS, ReminderScheduler } from './reminders/reminder-scheduler.js';
import { TIME_TRAVEL_QUERY_HANDLERS } from './cqrs/time-travel-queries.js';
import { EVIDENCE_BUNDLE_QUERY_HANDLERS, LedgerSigningKey } from './cqrs/evidence-bundle-queries.js';
import { ROUTES } from './http/route-table.js';
import { EvidenceController } from './http/evidence.controller.js';
import { EvidenceBundleController } from './http/evidence-bundle.controller.js';
import { ImportController } from './http/import.controller.js';
import { ImportUpload } from './http/import-upload.js';
import { MetaController } from './http/meta.controller.js';
import { PlansController } from './http/plans.controller.js';
import { TimeTravelController } from './http/time-travel.controller.js';
import { ProblemFilter } from './http/problem.filter.js';
import { correlationIdMiddleware } from './http/request-context.js';
import { verifyJsonBody, verifyFormBody } from './http/validation.js';
import { PlanQuarantineGuard } from './http/plan-quarantine.guard.js';
import { earlyRequestLimits } from './http/early-request-limits.js';
import { EVENT_STORE, LEDGER_CONFIG, READ_MODEL_DATABASE } from './ledger.tokens.js';
import { openReadModelDatabase, PlanHistory, PlanProjector, PlanReadModels } from '#projections';
import type Database from 'better-sqlite3';
import { WebController } from './web/web.controller.js';
import { ApprovalPagesController } from './web/approval-pages.controller.js';
import { UpdatePagesController } from './web/update-pages.controller.js';
import { WebReadsController } from './web/web-reads.controller.js';
import { WEB_FORM_POSTS, WEB_MULTIPART_POSTS, WEB_UPLOADS } from './web/web-routes.js';
import { ActionPageController } from './web/action-page.controller.js';
import { ActionPage } from './web/action-page.js';
import { evidenceFormUpload } from './web/evidence-form-upload.js';
import { PlanForms } from './web/web-form.js';
import { GetEvidenceFileHandler } from './cqrs/evidence-queries.js';
import { BundlePagesController } from './web/bundle-pages.controller.js';
import { PasswordPagesController } from './web/password-pages.controller.js';
import { WebSessions } from './web/web-sessions.js';
import { OidcSignIn } from './web/oidc-sign-in.js';
import { OidcSignInController } from './web/oidc-sign-in.controller.js';
import { AdminController } from './web/admin.controller.js';
import { ImportPageController } from './web/import-page.controller.js';
import { PendingImports } from './web/pending-imports.js';

// The body parsers' routes, from the route table: a raw body (the evidence upload) is read as bytes; multipart
// (the plan import) by ImportUpload, within LEDGER_IMPORT_MAX_BYTES, once the access guard knows who is asking.
const postsWith = (has: (route: (typeof ROUTES)[number]) => unknown) =>
  ROUTES.filter((route) => route.method === 'post' && has(route)).map((route) => ({ path: route.path.replace(/^\//, ''), method: RequestMethod.POST }));
const RAW_BODY_POSTS = postsWith((route) => route.rawBody);
const MULTIPART_POSTS = postsWith((route) => route.multipart);

/**
 * Start-up and shut-down in the one order that is safe: the projector catches up before the app serves
 * requests; on the way down it stops first, then its database closes, then the store (the events themselves
 * stay open if the caller handed them in, and so owns them).
 */
class LedgerLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly store: EventStore,
    private readonly projector: PlanProjector,
    private readonly readModelDb: Database.Database,
    private readonly publisher: CheckpointPublisher,
    private readonly commands: PlanCommandService,
    private readonly access: AccessControl,
  ) {}
  async onModuleInit(): Promise<void> {
    await this.projector.start();
    // Checkpoints go to the witnesses from the event log, after the fact: no write waits for a witness.
    this.publisher.start();
  }
  async onApplicationShutdown(): Promise<void> {
    // Nest has stopped the server listening; the commands it had accepted finish before their store closes.
    await Promise.all([this.commands.idle(), this.access.idle()]);
    await this.publisher.stop();
    await this.projector.stop();
    this.readModelDb.close();
    // Closes the signed-head record, and the events too unless the caller handed them in.
    await this.store.close();
  }
}

@Module({})
export class AppModule implements NestModule {
  static forConfig(config: LedgerConfig, store?: EventStore): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [AccessController, PlansController, TimeTravelController, EvidenceController, EvidenceBundleController, ImportController, MetaController, WebController, WebReadsController, ActionPageController, OidcSignInController, AdminController, ImportPageController, BundlePagesController, ApprovalPagesController, UpdatePagesController, UpdateRequestsController, PasswordPagesController],
      providers: [
        { provide: LEDGER_CONFIG, useValue: config },
        // Every append signs and records the stream's head, so truncation shows in /integrity (a handed-in store stays the caller's).
        { provide: EVENT_STORE, useFactory: () => openLedgerStore(config, store) },
        { provide: PlanRepository, useFactory: (s: EventStore) => new PlanRepository(s), inject: [EVENT_STORE] },
        {
          provide: PlanCommandService,
          useFactory: (s: EventStore, plans: PlanRepository) => new PlanCommandService(s, plans, { now: () => new Date(), newId: () => uuidv7() }),
          inject: [EVENT_STORE, PlanRepository],
        },
        { provide: EvidenceFiles, useFactory: () => new EvidenceFiles(config.evidenceDir) },
        { provide: READ_MODEL_DATABASE, useFactory: () => openReadModelDatabase(config.readModelPath) },
        {
          provide: PlanProjector,
          useFactory: (s: EventStore, db: Database.Database) => new PlanProjector(s, db, (message) => new Logger('PlanProjector').warn(message)),
          inject: [EVENT_STORE, READ_MODEL_DATABASE],
        },
        { provide: PlanReadModels, useFactory: (db: Database.Database) => new PlanReadModels(db), inject: [READ_MODEL_DATABASE] },
        { provide: PlanHistory, useFactory: (s: EventStore) => new PlanHistory(s), inject: [EVENT_STORE] },
        {
          provide: CheckpointPublisher,
          useFactory: (s: HeadSigningEventStore) =>
            new CheckpointPublisher(s, () => s.signingKey(), { logName: config.logName, witnesses: config.witnesses, cosignaturesPath: config.cosignaturesPath, warn: (message) => new Logger('Witnesses').warn(message) }),
          inject: [EVENT_STORE],
        },
        {
          provide: LedgerLifecycle,
          useFactory: (s: EventStore, projector: PlanProjector, db: Database.Database, publisher: CheckpointPublisher, commands: PlanCommandService, access: AccessControl) =>
            new LedgerLifecycle(s, projector, db, publisher, commands, access),
          inject: [EVENT_STORE, PlanProjector, READ_MODEL_DATABASE, CheckpointPublisher, PlanCommandService, AccessControl],
        },
        { provide: APP_FILTER, useClass: ProblemFilter },
        {
          provide: AccessControl,
          useFactory: (s: EventStore) => new AccessControl(s, { now: () => new Date(), newId: () => uuidv7() }),
          inject: [EVENT_STORE],
        },
        { provide: Authenticator, useFactory: (access: AccessControl) => new Authenticator(access, config.oidc ? new OidcVerifier(config.oidc) : undefined), inject: [AccessControl] },
        { provide: PlanOrganisations, useFactory: (s: EventStore) => new PlanOrganisations(s), inject: [EVENT_STORE] },
        { provide: WebSessions, useFactory: () => new WebSessions(() => Date.now(), config.session) },
        { provide: PendingImports, useFactory: () => new PendingImports() },
        { provide: OidcSignIn, useFactory: () => (config.webSignIn ? new OidcSignIn(config.webSignIn) : null) },
        ImportUpload,
        { provide: RateLimits, useFactory: () => new RateLimits({ perMinute: config.rateLimitPerMinute, failedSignInsPerMinute: config.failedSignInLimitPerMinute }) },
        // Guards run in this order: the address (public routes; failed sign-ins), then who is it (counted per person) and may they.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_GUARD, useClass: PlanQuarantineGuard },
        ExecutePlanCommandHandler,
        ImportPlanCommandHandler,
        ...PLAN_QUERY_HANDLERS,
        ...TIME_TRAVEL_QUERY_HANDLERS,
        ...UPDATE_REQUEST_QUERY_HANDLERS,
        ...REMINDER_PROVIDERS,
        LedgerSigningKey,
        ...EVIDENCE_BUNDLE_QUERY_HANDLERS,
        GetEvidenceFileHandler,
        PlanForms,
        ActionPage,
      ],
      exports: [AccessControl, WebSessions, EVENT_STORE, PlanCommandService, PlanRepository, PlanProjector, PlanReadModels, PlanHistory, CheckpointPublisher, ReminderScheduler],
    };
  }

  constructor(@Inject(LEDGER_CONFIG) private readonly config: LedgerConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    // Body parsers run as Nest middleware so their errors (too large, malformed JSON) reach ProblemFilter.
    consumer.apply(correlationIdMiddleware).forRoutes('*');
    // Before any body parser: what the headers alone condemn is refused without waiting for the body.
    consumer.apply(earlyRequestLimits(this.config)).forRoutes('*');
    consumer.apply(express.raw({ type: () => true, limit: this.config.evidenceLimit })).forRoutes(...RAW_BODY_POSTS);
    // The web pages' forms are URL-encoded (flat: no nested objects from a hostile body).
    const webForms = WEB_FORM_POSTS.map((path) => ({ path, method: RequestMethod.POST }));
    consumer.apply(express.urlencoded({ extended: false, limit: '100kb', parameterLimit: 50, type: () => true, verify: verifyFormBody })).forRoutes(...webForms);
    // The evidence form carries a file (multipart/form-data, so it works without script).
    const webUploads = WEB_MULTIPART_POSTS.map((path) => ({ path, method: RequestMethod.POST }));
    consumer.apply(evidenceFormUpload(this.config)).forRoutes(...webUploads);
    consumer
      .apply(express.json({ limit: this.config.bodyLimit, strict: false, type: () => true, verify: verifyJsonBody }))
      .exclude(...RAW_BODY_POSTS, ...MULTIPART_POSTS, ...webForms, ...webUploads, ...WEB_UPLOADS.map((path) => ({ path, method: RequestMethod.POST })))
      .forRoutes({ path: '*', method: RequestMethod.POST });
  }
}
