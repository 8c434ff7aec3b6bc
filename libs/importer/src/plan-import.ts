import { ZodError } from 'zod';
import type { CommandMetadata, PlanBatch } from '#application';
import {
  own,
  DomainError,
  parsePlanCommand,
  type Action,
  type Actor,
  type NewPlanEvent,
  type PlanCommandInput,
  type PlanCommandType,
  type PlanEventType,
  type PlanState,
  type Provenance,
} from '#domain';
// The plan's own indexes: found by what the file matches on, not by a search of the plan per row.
import { actionPlaced, recommendationPlaced, workstreamNumbered } from '#domain';
import { ImportError } from './import-error.js';
import type { ImportedAction, ImportedPlan, ImportedRecommendation, ImportedWorkstream, ImportProblem } from './imported-plan.js';

export interface PlanImportMetadata {
  actor: Actor;
  /** One per import: every event of the import carries it. */
  correlationId: string;
  causationId?: string;
  /**
   * When the plan's shape (workstreams, recommendations, actions) added by this import became true:
   * the date the plan was agreed. Without it, a 2009 plan imported today would not exist "as at 2009".
   */
  structureEffectiveAt?: string;
  /** Apply the completed status the words propose ("Completed", "Achieved"); without it only a status confirmed in a review file is applied. */
  inferStatus?: boolean;
  /** Called after each workstream, recommendation and action is decided: a large file's progress bar. */
  onProgress?: (done: number, total: number) => void;
}

const STRUCTURE_COMMANDS: ReadonlySet<string> = new Set(['CreatePlan', 'AddWorkstream', 'AddRecommendation', 'AddAction']);

export interface PlanImportOutcome {
  /** The events decided, in order (appended when the caller commits the batch). */
  events: NewPlanEvent[];
  eventsByType: Partial<Record<PlanEventType, number>>;
  /** Differences between the file and the plan that no event can record (see below). */
  problems: ImportProblem[];
}

/**
 * Turns an imported plan into commands on a batch, idempotently: workstreams are matched by number,
 * recommendations by ref (within their workstream), actions by ref (within their recommendation).
 *
 * - Not in the plan yet: added (AddWorkstream, AddRecommendation, AddAction, then its progress note and RAG).
 * - In the plan and unchanged: nothing.
 * - Changed: the ordinary events, each with the reason "Changed in <file> (row N)": a new target is a
 *   TargetDateSlipped, new leads an ActionReassigned, a new progress text a ProgressUpdateRecorded, a new
 *   RAG rating a RagAssessed.
 * - Changed where the ledger has no event for the change (a reworded description or recommendation, a new
 *   priority, start date or dependency, a renamed workstream): reported as CHANGE_NOT_APPLIED, not applied.
 *   Recording it as a correction would rewrite what the plan said in the past, which an audit ledger must not
 *   do on an import's say-so; a person can correct the entry if the old words were wrong.
 * - In the plan but not in the file: left alone (a file is not a list of deletions).
 *
 * The file is the source for the fields it holds: importing an older copy after a lead was changed in the
 * ledger reassigns the action back, visibly, with the file named as the reason.
 * Every command carries provenance {fileName, fileSha256, sheet, rows}. Nothing is appended here: the caller
 * commits the batch (all or nothing) or discards it (a dry run).
 */
export function planImport(imported: ImportedPlan, batch: PlanBatch, meta: PlanImportMetadata): PlanImportOutcome {
  const steps = new PlanImport(imported, batch, meta).run();
  for (let step = steps.next(); ; step = steps.next()) if (step.done) return step.value;
}

/** Entries decided between two turns of the event loop: a few milliseconds of work. */
const ENTRIES_PER_TURN = 50;

/**
 * planImport for a server: the same decisions, giving the event loop a turn every ENTRIES_PER_TURN entries, so
 * that deciding a file of thousands of rows against a large plan does not hold up every other request. Safe
 * because the batch is this import's alone; a write to the plan meanwhile makes the commit fail on its revision.
 */
export async function planImportYielding(imported: ImportedPlan, batch: PlanBatch, meta: PlanImportMetadata): Promise<PlanImportOutcome> {
  const steps = new PlanImport(imported, batch, meta).run();
  for (let step = steps.next(), n = 1; ; step = steps.next(), n++) {
    if (step.done) return step.value;
    if (n % ENTRIES_PER_TURN === 0) await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

class PlanImport {
  private readonly events: NewPlanEvent[] = [];
  private readonly problems: ImportProblem[] = [];
  private readonly workstreamIds = new Map<string, string>();
  private readonly recommendationIds = new Map<string, string>();

  constructor(
    private readonly imported: ImportedPlan,
    private readonly batch: PlanBatch,
    private readonly meta: PlanImportMetadata,
  ) {}

  /** Yields after each entry decided, for planImportYielding; returns the outcome. */
  *run(): Generator<void, PlanImportOutcome> {
    if (!this.batch.state.exists) throw new ImportError('PLAN_NOT_FOUND', 'There is no such plan to import into');
    const { workstreams, recommendations, actions } = this.imported;
    const total = workstreams.length + recommendations.length + actions.length;
    let done = 0;
    const step = () => this.meta.onProgress?.(++done, total);
    for (const workstream of workstreams) {
      this.importWorkstream(workstream);
      step();
      yield;
    }
    for (const recommendation of recommendations) {
      this.importRecommendation(recommendation);
      step();
      yield;
    }
    for (const action of actions) {
      this.importAction(action);
      step();
      yield;
    }
    const eventsByType: Partial<Record<PlanEventType, number>> = {};
    for (const event of this.events) eventsByType[event.type] = (eventsByType[event.type] ?? 0) + 1;
    return { events: this.events, eventsByType, problems: this.problems };
  }

  private get state(): PlanState {
    return this.batch.state;
  }

  private importWorkstream(workstream: ImportedWorkstream): void {
    const existing = workstreamNumbered(this.state, workstream.number);
    if (!existing) {
      const [added] = this.command('AddWorkstream', workstream.rows, {
        number: workstream.number,
        title: workstream.title,
        phase: workstream.phase,
        strategicLead: workstream.strategicLead,
        keyAim: workstream.keyAim,
      });
      if (added?.type === 'WorkstreamAdded') this.workstreamIds.set(workstream.number, added.data.workstreamId);
      return;
    }
    this.workstreamIds.set(workstream.number, existing.id);
    const changed = (['title', 'phase', 'strategicLead', 'keyAim'] as const).filter((field) => workstream[field] !== undefined && workstream[field] !== existing[field]);
    if (changed.length > 0) this.notApplied(`work stream ${workstream.number}`, changed, workstream.rows);
  }

  private importRecommendation(recommendation: ImportedRecommendation): void {
    const workstreamId = recommendation.workstream ? this.workstreamIds.get(recommendation.workstream) : undefined;
    const existing = recommendationPlaced(this.state, recommendation.ref, workstreamId);
    if (!existing) {
      const [added] = this.command('AddRecommendation', recommendation.rows, { ref: recommendation.ref, text: recommendation.text, workstreamId });
      if (added?.type === 'RecommendationAdded') this.recommendationIds.set(recommendationKey(recommendation.ref, recommendation.workstream), added.data.recommendationId);
      return;
    }
    this.recommendationIds.set(recommendationKey(recommendation.ref, recommendation.workstream), existing.id);
    if (existing.text !== recommendation.text.trim()) this.notApplied(`recommendation ${recommendation.ref}`, ['text'], recommendation.rows);
  }

  private importAction(action: ImportedAction): void {
    const recommendationId = action.recommendationRef ? this.recommendationIds.get(recommendationKey(action.recommendationRef, action.workstream)) : undefined;
    const workstreamId = recommendationId
      ? own(this.state.recommendations, recommendationId)?.workstreamId
      : action.workstream
        ? this.workstreamIds.get(action.workstream)
        : undefined;
    // Looked up in the plan's index, not searched for: a search per row made large imports quadratic.
    const existing = actionPlaced(this.state, action.ref, workstreamId, recommendationId);
    if (!existing) {
      const [added] = this.command('AddAction', action.rows, {
        ref: action.ref,
        recommendationId,
        workstreamId: recommendationId ? undefined : workstreamId,
        description: action.description,
        performanceIndicators: action.performanceIndicators,
        leads: [...action.leads],
        priority: action.priority,
        startDate: action.startDate,
        // A baseline and its revision: the action is added as first planned, and the plan's own slip recorded after it.
        target: action.targetSlip ? action.targetSlip.from : action.target,
        dependencies: [...action.dependencies],
      });
      if (added?.type !== 'ActionAdded') return;
      const actionId = added.data.actionId;
      if (action.targetSlip) {
        this.command('SlipTargetDate', action.rows, { actionId, to: action.targetSlip.to, reason: `Revised in ${this.imported.source.fileName} (${rowsText(action.rows)}): "${action.target.replace(/\s+/g, ' ')}"` });
      }
      if (action.progress) this.command('RecordProgressUpdate', action.rows, { actionId, narrative: action.progress.narrative, effectiveAt: action.progress.asAt });
      if (action.rag) this.command('AssessRag', action.rows, { actionId, rating: action.rag, rationale: `As recorded in ${this.imported.source.fileName} (${rowsText(action.rows)})` });
      this.completeIfStated(actionId, action);
      return;
    }
    this.updateAction(existing, action);
  }

  /** A completed status the file states (confirmed in a review) or, with inferStatus, one its words propose. */
  private completeIfStated(actionId: string, action: ImportedAction): void {
    const status = action.status;
    if (!status || (status.inferred && this.meta.inferStatus !== true)) return;
    const why = status.inferred ? `inferred from "${status.text.replace(/\s+/g, ' ')}"` : status.from === 'review' ? 'confirmed in the review file' : `"${status.text}"`;
    this.command('CompleteAction', action.rows, {
      actionId,
      effectiveAt: action.progress?.asAt ?? this.meta.structureEffectiveAt,
      reason: `Completed per ${this.imported.source.fileName} (${rowsText(action.rows)}), ${why}`,
    });
  }

  private updateAction(existing: Action, action: ImportedAction): void {
    const reason = `Changed in ${this.imported.source.fileName} (${rowsText(action.rows)})`;
    const what = `action ${action.ref}`;
    const target = (action.targetSlip ? action.targetSlip.to : action.target).trim();
    if (target !== existing.target.text) {
      if (target === '') this.notApplied(what, ['target (now empty in the file)'], action.rows);
      else if (existing.status === 'completed') this.notApplied(what, [`target (the action is completed; the file says "${target}")`], action.rows);
      else this.command('SlipTargetDate', action.rows, { actionId: existing.id, to: target, reason });
    }
    if (!sameLeads(existing.leads, action.leads)) {
      if (action.leads.length === 0) this.notApplied(what, ['leads (now none in the file)'], action.rows);
      else this.command('ReassignAction', action.rows, { actionId: existing.id, to: [...action.leads], reason });
    }
    if (action.progress) {
      const { narrative, asAt } = action.progress;
      const known = existing.progress.some((p) => p.narrative === narrative.trim() && (asAt === undefined || p.asAt === asAt));
      if (!known) this.command('RecordProgressUpdate', action.rows, { actionId: existing.id, narrative, effectiveAt: asAt });
    }
    if (action.rag && existing.ragAssessments.at(-1)?.rating !== action.rag) {
      this.command('AssessRag', action.rows, { actionId: existing.id, rating: action.rag, rationale: reason });
    }
    if (existing.status !== 'completed') this.completeIfStated(existing.id, action);
    const changed: string[] = [];
    if (existing.description !== action.description.trim()) changed.push('description');
    if ((existing.performanceIndicators ?? '') !== (action.performanceIndicators ?? '').trim()) changed.push('performance indicators');
    if ((existing.priority ?? '') !== (action.priority ?? '').trim()) changed.push('priority');
    if ((existing.start?.text ?? '') !== (action.startDate ?? '').trim()) changed.push('start date');
    if (existing.dependencies.join('\n') !== action.dependencies.map((d) => d.trim()).join('\n')) changed.push('dependencies');
    if (changed.length > 0) this.notApplied(what, changed, action.rows);
  }

  private notApplied(what: string, fields: readonly string[], rows: readonly number[]): void {
    this.problems.push({
      code: 'CHANGE_NOT_APPLIED',
      severity: 'warning',
      message: `${rowsText(rows, true)}: the ${fields.join(', ')} of ${what} differ from the plan's; the ledger records no event for that change, so it was not applied (correct the entry if the plan is wrong)`,
      rows: [...rows],
    });
  }

  /** Validate and decide one command with the file's provenance; a refusal names the rows. */
  private command<T extends PlanCommandType>(type: T, rows: readonly number[], input: PlanCommandInput<T>): NewPlanEvent[] {
    const { fileName, fileSha256, sheet } = this.imported.source;
    const provenance: Provenance = { fileName, fileSha256, ...(sheet ? { sheet } : {}), rows: [...rows] };
    const meta: CommandMetadata = {
      actor: this.meta.actor,
      correlationId: this.meta.correlationId,
      ...(this.meta.causationId ? { causationId: this.meta.causationId } : {}),
      provenance,
    };
    try {
      const effective = STRUCTURE_COMMANDS.has(type) && this.meta.structureEffectiveAt ? { effectiveAt: this.meta.structureEffectiveAt } : {};
      const events = this.batch.run(parsePlanCommand(type, withoutUndefined({ ...effective, ...input })), meta);
      this.events.push(...events);
      return events;
    } catch (error) {
      const where = rowsText(rows, true);
      if (error instanceof ZodError) {
        const details = error.issues.map((issue) => `${issue.path.join('.') || 'value'} ${issue.message}`).join('; ');
        throw new ImportError('INVALID_ROW', `${where} of ${fileName} cannot be imported (${type}): ${details}`, [...rows], { cause: error });
      }
      if (error instanceof DomainError) {
        throw new ImportError('REJECTED_BY_PLAN', `${where} of ${fileName} cannot be imported: ${error.message}`, [...rows], { cause: error });
      }
      throw error;
    }
  }
}

function recommendationKey(ref: string, workstream: string | undefined): string {
  return `${workstream ?? ''}\u0000${ref}`;
}

function sameLeads(a: readonly string[], b: readonly string[]): boolean {
  const key = (leads: readonly string[]) =>
    leads
      .map((lead) => lead.replace(/\s+/g, ' ').trim().toLowerCase())
      .sort()
      .join('\u0000');
  return key(a) === key(b);
}

function rowsText(rows: readonly number[], capital = false): string {
  const word = rows.length === 1 ? 'row' : 'rows';
  // A cell run on over thousands of rows (a reference the reader did not take for one) must not make a message of them all.
  const listed = rows.length > 12 ? `${rows.slice(0, 10).join(', ')} … ${rows.at(-1)} (${rows.length} rows)` : rows.join(', ');
  return `${capital ? word[0]!.toUpperCase() + word.slice(1) : word} ${listed}`;
}

function withoutUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
