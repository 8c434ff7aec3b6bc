import { readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { v7 as uuidv7 } from 'uuid';
import { loadConfig, openLedgerStore, PlanCommandService, PlanRepository } from '#application';
import { ImportError, importFile, PLAN_LAYOUTS, reviewCsv, type ImportErrorCode, type ImportProgress, type ImportResult } from '#importer';
import { ProgressDisplay, type ProgressStream } from './progress-display.js';

export const IMPORT_USAGE = `Usage: ledger import <file> [options]

Imports a plan as the council holds it: a Word table pasted as text (tab-separated), a CSV file or an
Excel workbook (.xlsx). The whole file is appended in one go, or nothing is. Importing the same file
again appends nothing; a changed copy appends only what changed.

Options:
  --plan <id>                   Import into this existing plan
  --new-plan "<title>"          Create a new plan with this title, even if a plan already holds this
                                file. Without --plan or --new-plan a new plan is created (titled from
                                the document's heading), unless a plan already holds a file with the
                                same SHA-256: that is refused, naming the plan
  --organisation "<name>"       The new plan's organisation (required for a new plan)
  --responds-to "<what>"        What the new plan responds to (required for a new plan)
  --plan-date YYYY-MM-DD        The date the plan was agreed: what the import adds is effective from it
                                (default: read from the document's heading or earliest date)
  --mapping <mapping.json>      Header text → field, for headers the importer does not recognise
  --sheet "<name>"              The worksheet to import (default: the first visible sheet)
  --layout <layout>             Read the tables in this layout instead of the one detected:
                                tab-separated, cell-per-line, pdf-extracted, csv or xlsx
  --review <out.csv>            Append nothing; write the plan as understood to out.csv, one row per
                                recommendation and action with its source lines, interpretation and
                                warnings. Correct it, then import out.csv: it is appended as it says
  --infer-status                Apply the completed status that notes such as "Completed", "Achieved"
                                or "In place" propose (without it they are only proposed)
  --action-from-recommendation  Where the document has no action text at all, import each
                                recommendation's own row as its action
  --progress-as-at YYYY-MM-DD   The date of progress notes whose column gives none (default: the
                                document's own "as at" date, else the day of the import)
  --dry-run                     Preview: counts and every problem found, with row numbers; append nothing
  --actor "<name>"              Who is importing, as the ledger records it (default: your login name)
  --progress                    Show a progress bar on stderr even when it is not a terminal
  --json                        Print the result as JSON
  --db <path>                   The SQLite ledger file (default: LEDGER_DB_PATH or ./data/ledger.sqlite)
  -h, --help                    Show this help

Exit codes: 0 imported (or previewed), 1 the file was refused, 2 the command was wrong.
`;

/** Where the command writes: results on stdout, refusals on stderr, the progress bar on the stderr stream. */
export interface ImportCommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  progress: ProgressStream;
}

/** A terminal gets a bar by default only for files this large; small files import faster than a bar can draw. */
const LARGE_FILE_BYTES = 1024 * 1024;

/** Mistakes in the command rather than the file: exit code 2, like any other usage error. */
const USAGE_CODES: ReadonlySet<ImportErrorCode> = new Set(['INVALID_OPTIONS', 'INVALID_MAPPING']);

class UsageError extends Error {}

export async function runImportCommand(argv: string[], io: ImportCommandIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let args: ReturnType<typeof parseImportArgs>;
  try {
    args = parseImportArgs(argv);
  } catch (error) {
    io.err(`ledger import: ${(error as Error).message.replace(/\.$/, '')}. Run \`ledger import --help\` for the options.`);
    return 2;
  }
  if (args.help) {
    io.out(IMPORT_USAGE);
    return 0;
  }

  let mapping: string | undefined;
  if (args.mapping !== undefined) {
    try {
      mapping = await readFile(args.mapping, 'utf8');
    } catch (error) {
      io.err(`ledger import: the mapping file ${args.mapping} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      return 2;
    }
  }

  const config = loadConfig({ ...env, ...(args.db ? { LEDGER_DB_PATH: args.db } : {}) });
  const size = await stat(args.file).then(
    (s) => s.size,
    () => 0,
  );
  const bar = new ProgressBar(io.progress, args.progress, size < LARGE_FILE_BYTES);
  const store = openLedgerStore(config);
  try {
    const service = new PlanCommandService(store, new PlanRepository(store), { now: () => new Date(), newId: () => uuidv7() });
    const result = await importFile({
      service,
      filePath: args.file,
      ...(args.plan !== undefined
        ? { planId: args.plan }
        : {
            newPlan: {
              ...(args.newPlan !== undefined ? { title: args.newPlan } : {}),
              organisation: args.organisation ?? '',
              respondsTo: args.respondsTo ?? '',
            },
            ...(args.newPlan !== undefined ? { evenIfAlreadyImported: true } : {}),
          }),
      ...(mapping !== undefined ? { mapping } : {}),
      ...(args.planDate !== undefined ? { planDate: args.planDate } : {}),
      ...(args.sheet !== undefined ? { sheet: args.sheet } : {}),
      ...(args.layout !== undefined ? { layout: args.layout } : {}),
      ...(args.progressAsAt !== undefined ? { progressAsAt: args.progressAsAt } : {}),
      ...(args.inferStatus ? { inferStatus: true } : {}),
      ...(args.actionFromRecommendation ? { actionFromRecommendation: true } : {}),
      dryRun: args.dryRun || args.review !== undefined,
      actor: { id: args.actor, displayName: args.actor },
      maxBytes: config.importMaxBytes,
      maxRows: config.importMaxRows,
      maxUnpackedBytes: config.importMaxUnpackedBytes,
      ...(bar ? { onProgress: (progress: ImportProgress) => bar.update(progress) } : {}),
    });
    bar?.finish();
    if (args.review !== undefined) {
      try {
        await writeFile(args.review, reviewCsv(result.preview ?? []));
      } catch (error) {
        io.err(`ledger import: the review file ${args.review} cannot be written (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); nothing was appended`);
        return 1;
      }
    }
    if (args.json) io.out(JSON.stringify(withoutPosition(result), null, 2));
    else for (const line of describeResult(result, args.plan === undefined)) io.out(line);
    if (args.review !== undefined && !args.json) io.out(`Review file written: ${args.review} (${result.preview?.length ?? 0} rows). Correct it, then import it: ledger import ${args.review} …`);
    return 0;
  } catch (error) {
    bar?.finish();
    if (error instanceof ImportError) {
      io.err(`ledger import: ${error.message}`);
      return USAGE_CODES.has(error.code) ? 2 : 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}

function parseImportArgs(argv: string[]) {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      plan: { type: 'string' },
      'new-plan': { type: 'string' },
      organisation: { type: 'string' },
      'responds-to': { type: 'string' },
      'plan-date': { type: 'string' },
      mapping: { type: 'string' },
      sheet: { type: 'string' },
      layout: { type: 'string' },
      review: { type: 'string' },
      'infer-status': { type: 'boolean' },
      'action-from-recommendation': { type: 'boolean' },
      'progress-as-at': { type: 'string' },
      'dry-run': { type: 'boolean' },
      actor: { type: 'string' },
      progress: { type: 'boolean' },
      json: { type: 'boolean' },
      db: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const help = values.help === true;
  const [file, ...extra] = positionals;
  if (!help) {
    if (!file) throw new UsageError('say which file to import');
    if (extra.length > 0) throw new UsageError(`import takes one file; also given: ${extra.join(' ')}`);
    if (values.plan !== undefined && values['new-plan'] !== undefined) throw new UsageError('give either --plan (an existing plan) or --new-plan, not both');
    if (values.plan !== undefined && (values.organisation !== undefined || values['responds-to'] !== undefined)) {
      throw new UsageError('--organisation and --responds-to describe a new plan; an existing plan (--plan) already has them');
    }
    if (values.plan === undefined) {
      const missing = [values.organisation?.trim() ? '' : '--organisation', values['responds-to']?.trim() ? '' : '--responds-to'].filter(Boolean);
      if (missing.length > 0) throw new UsageError(`a new plan needs ${missing.join(' and ')}`);
    }
    if (values.actor !== undefined && values.actor.trim() === '') throw new UsageError('--actor needs a name');
    if (values.layout !== undefined && !(PLAN_LAYOUTS as readonly string[]).includes(values.layout)) {
      throw new UsageError(`--layout must be one of ${PLAN_LAYOUTS.join(', ')}; "${values.layout}" is not one`);
    }
    if (values.review !== undefined && values.review.trim() === '') throw new UsageError('--review needs the name of the file to write');
  }
  return {
    help,
    file: file ?? '',
    plan: values.plan,
    newPlan: values['new-plan'],
    organisation: values.organisation,
    respondsTo: values['responds-to'],
    planDate: values['plan-date'],
    mapping: values.mapping,
    sheet: values.sheet,
    layout: values.layout,
    review: values.review,
    inferStatus: values['infer-status'] === true,
    actionFromRecommendation: values['action-from-recommendation'] === true,
    progressAsAt: values['progress-as-at'],
    dryRun: values['dry-run'] === true,
    actor: values.actor?.trim() || defaultActor(),
    progress: values.progress === true,
    json: values.json === true,
    db: values.db,
  };
}

function defaultActor(): string {
  try {
    return os.userInfo().username || 'ledger CLI';
  } catch {
    return 'ledger CLI';
  }
}

function withoutPosition(result: ImportResult): Omit<ImportResult, 'position'> {
  const { position: _position, ...rest } = result;
  return rest;
}

/** The preview (or the report of an import) a person reads: what the file holds, what changes, every problem with its rows. */
export function describeResult(result: ImportResult, newPlan: boolean): string[] {
  const byType = Object.entries(result.changes.byType)
    .map(([type, n]) => `${type} ${n}`)
    .join(', ');
  const events = `${result.changes.events} event${result.changes.events === 1 ? '' : 's'}${byType ? ` (${byType})` : ''}`;
  const plan = newPlan ? `a new plan, "${result.title}" (${result.planId})` : `plan ${result.planId}, "${result.title}"`;
  const headline = result.dryRun
    ? `Dry run of ${result.fileName}: nothing was appended.`
    : result.changes.events === 0
      ? `Nothing to append: plan ${result.planId} already says what ${result.fileName} says.`
      : `Imported ${result.fileName} into ${newPlan ? 'a new plan' : `plan ${result.planId}`}: ${events} appended in one go (revision ${result.revision}).`;
  const lines = [
    headline,
    `  Plan:            ${plan}`,
    `  File:            ${result.fileName}${result.sheet ? `, sheet "${result.sheet}"` : ''} (SHA-256 ${result.fileSha256})`,
    ...(result.layout ? [`  Layout:          ${result.layout}${result.tables && result.tables > 1 ? `, ${result.tables} tables` : ''}${result.asAt ? `; as at ${result.asAt.date} ("${result.asAt.text}", line ${result.asAt.row})` : ''}`] : []),
    `  Workstreams:     ${result.counts.workstreams}`,
    `  Recommendations: ${result.counts.recommendations}`,
    `  Actions:         ${result.counts.actions}`,
    `  Distinct leads:  ${result.counts.leads}`,
    `  Progress notes:  ${result.counts.progressNotes}`,
    `  ${result.dryRun ? 'Would append:   ' : 'Appended:       '} ${events}`,
  ];
  if (result.problems.length === 0) {
    lines.push('No problems found.');
  } else {
    lines.push(`Problems (${result.problems.length}):`);
    for (const problem of result.problems) {
      const rows = problem.rows.length === 0 ? '' : `${problem.rows.length === 1 ? 'row' : 'rows'} ${problem.rows.join(',')}`;
      lines.push(`  ${rows.padEnd(12)} ${problem.severity.padEnd(7)} ${problem.code.padEnd(22)} ${problem.message}`);
    }
  }
  return lines;
}

const STAGES: Record<ImportProgress['stage'], string> = { reading: 'reading the file', deciding: 'deciding rows', appending: 'appending', done: 'done' };

/** The CLI's one progress display, fed with the importer's stages. */
class ProgressBar {
  private readonly display: ProgressDisplay;

  constructor(stream: ProgressStream, force: boolean, small: boolean) {
    this.display = new ProgressDisplay({ command: 'import', stream, force, quietOnTerminal: small });
  }

  update({ stage, done, total }: ImportProgress): void {
    if (stage === 'done') return;
    // Bytes read are shown in kB; rows and events as they are.
    if (stage === 'reading') this.display.update(STAGES[stage], Math.ceil(done / 1024), Math.ceil(total / 1024), 'kB');
    else this.display.update(STAGES[stage], done, total, stage === 'appending' ? 'events' : '');
  }

  finish(): void {
    this.display.finish();
  }
}
