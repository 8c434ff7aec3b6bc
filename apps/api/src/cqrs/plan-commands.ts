import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { PlanCommandService, type CommandMetadata, type CommandResult } from '#application';
import type { PlanCommand } from '#domain';
import { PlanProjector } from '#projections';

/** Any command on a plan, with who asked and (optionally) the revision they were looking at. */
export class ExecutePlanCommand extends Command<CommandResult> {
  constructor(
    readonly planId: string,
    readonly command: PlanCommand,
    readonly meta: CommandMetadata,
    readonly expectedRevision?: number,
  ) {
    super();
  }
}

/** Thin on purpose: load → decide → append lives in PlanCommandService, shared with the CLI and the importer. */
@CommandHandler(ExecutePlanCommand)
export class ExecutePlanCommandHandler implements ICommandHandler<ExecutePlanCommand> {
  constructor(
    @Inject(PlanCommandService) private readonly service: PlanCommandService,
    @Inject(PlanProjector) private readonly projector: PlanProjector,
  ) {}

  async execute({ planId, command, meta, expectedRevision }: ExecutePlanCommand): Promise<CommandResult> {
    const result = await this.service.execute(planId, command, meta, { expectedRevision });
    // Read your writes: answer once the read models include the change.
    await this.projector.waitFor(result.position);
    return result;
  }
}
