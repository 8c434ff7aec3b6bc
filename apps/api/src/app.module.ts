import { Inject, Module, type OnApplicationShutdown, type DynamicModule, type MiddlewareConsumer, type NestModule, RequestMethod } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import express from 'express';
import { v7 as uuidv7 } from 'uuid';
import { EvidenceFiles, PlanCommandService, PlanRepository } from '#application';
import { openEventStore, type EventStore } from '#event-store';
import type { LedgerConfig } from '#application';
import { ExecutePlanCommandHandler } from './cqrs/plan-commands.js';
import { PLAN_QUERY_HANDLERS } from './cqrs/plan-queries.js';
import { EvidenceController } from './http/evidence.controller.js';
import { MetaController } from './http/meta.controller.js';
import { PlansController } from './http/plans.controller.js';
import { ProblemFilter } from './http/problem.filter.js';
import { correlationIdMiddleware } from './http/request-context.js';
import { EVENT_STORE, LEDGER_CONFIG } from './ledger.tokens.js';

const EVIDENCE_UPLOAD = { path: 'plans/:planId/actions/:actionId/evidence', method: RequestMethod.POST };

/** Closes the event store when the app stops, unless the caller handed it in (and so owns it). */
class StoreLifecycle implements OnApplicationShutdown {
  constructor(
    private readonly store: EventStore,
    private readonly owned: boolean,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.owned) await this.store.close();
  }
}

@Module({})
export class AppModule implements NestModule {
  static forConfig(config: LedgerConfig, store?: EventStore): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [PlansController, EvidenceController, MetaController],
      providers: [
        { provide: LEDGER_CONFIG, useValue: config },
        { provide: EVENT_STORE, useFactory: () => store ?? openEventStore(config.store) },
        { provide: PlanRepository, useFactory: (s: EventStore) => new PlanRepository(s), inject: [EVENT_STORE] },
        {
          provide: PlanCommandService,
          useFactory: (s: EventStore, plans: PlanRepository) => new PlanCommandService(s, plans, { now: () => new Date(), newId: () => uuidv7() }),
          inject: [EVENT_STORE, PlanRepository],
        },
        { provide: EvidenceFiles, useFactory: () => new EvidenceFiles(config.evidenceDir) },
        { provide: APP_FILTER, useClass: ProblemFilter },
        { provide: StoreLifecycle, useFactory: (s: EventStore) => new StoreLifecycle(s, !store), inject: [EVENT_STORE] },
        ExecutePlanCommandHandler,
        ...PLAN_QUERY_HANDLERS,
      ],
      exports: [EVENT_STORE, PlanCommandService, PlanRepository],
    };
  }

  constructor(@Inject(LEDGER_CONFIG) private readonly config: LedgerConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    // Body parsers run as Nest middleware so their errors (too large, malformed JSON) reach ProblemFilter.
    consumer.apply(correlationIdMiddleware).forRoutes('*');
    consumer.apply(express.raw({ type: () => true, limit: this.config.evidenceLimit })).forRoutes(EVIDENCE_UPLOAD);
    consumer
      .apply(express.json({ limit: this.config.bodyLimit, strict: false, type: () => true }))
      .exclude(EVIDENCE_UPLOAD)
      .forRoutes({ path: '*', method: RequestMethod.POST });
  }
}
