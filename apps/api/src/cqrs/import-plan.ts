import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PlanCommandService, type LedgerConfig } from '#application';
import { importFile, readPlanFileInWorker, type ImportFileOptions, type ImportResult } from '#importer';
import { PlanProjector } from '#projections';
import { LEDGER_CONFIG } from '../ledger.tokens.js';

/** Import a plan file (or preview it): the whole file in one append, or nothing. */
export class ImportPlanCommand extends Command<ImportResult> {
  constructor(readonly options: Omit<ImportFileOptions, 'service' | 'maxBytes' | 'maxRows' | 'maxUnpackedBytes' | 'readPlan' | 'filePath'>) {
    super();
  }
}

/** Thin on purpose: reading, interpreting and deciding live in libs/importer, shared with the CLI. */
@CommandHandler(ImportPlanCommand)
export class ImportPlanCommandHandler implements ICommandHandler<ImportPlanCommand> {
  constructor(
    @Inject(PlanCommandService) private readonly service: PlanCommandService,
    @Inject(PlanProjector) private readonly projector: PlanProjector,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  async execute({ options }: ImportPlanCommand): Promise<ImportResult> {
    const result = await importFile({
      ...options,
      service: this.service,
      maxBytes: this.config.importMaxBytes,
      maxRows: this.config.importMaxRows,
      maxUnpackedBytes: this.config.importMaxUnpackedBytes,
      // Off the thread that answers requests: /health and everyone else's requests go on meanwhile.
      readPlan: readPlanFileInWorker,
    });
    // Read your writes: answer once the read models include the import. The wait grows with the import: ten
    // thousand events take seconds to project on a busy machine, and the import is committed by now, so running
    // out of time would answer 500 for a plan that was in fact imported.
    if (result.position !== undefined) await this.projector.waitFor(result.position, 10_000 + 5 * result.changes.events);
    return result;
  }
}
