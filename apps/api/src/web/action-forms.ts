import { createHash } from 'node:crypto';
import type { z } from 'zod';
import { isPlanEventType, PlanEventSchemas, type PlanState, type StoredPlanEvent } from '#domain';
import { actionIdOf } from '#projections';
import { uploadOf, type UploadedFile } from './evidence-form-upload.js';
import type { FormContext, FormField, PlanFormSpec } from './web-form.js';

/**
 * The action page's forms, as data for the one form helper (web-form.ts): what each posts, which command
 * field each input fills, and what to say when one is missing. The checks themselves are the commands'
 * schemas and the decider's, exactly as over the JSON API.
 */

const EXAMPLE_DATE = '27 3 2012';

/** The date an entry speaks for: empty means today; never in the future. */
function effectiveDate(form: string, label = 'The date'): FormField {
  return { name: 'date', id: `${form}-date`, label, commandField: 'effectiveAt', date: { example: EXAMPLE_DATE } };
}

/** A text field of a form, filling the command field of the same name; its id is the form's key and its name. */
function field(form: string, name: string, label: string, required?: string): FormField {
  return { name, id: `${form}-${name}`, label, commandField: name, ...(required ? { required } : {}) };
}

function reason(form: string, required: string | undefined, label = 'The reason'): FormField {
  return field(form, 'reason', label, required);
}

/** A text field's value, or undefined when it was left empty (so an optional command field stays absent). */
function given(ctx: FormContext, name: string): string | undefined {
  const value = ctx.values[name]?.trim();
  return value ? value : undefined;
}

/** One lead a line, blank lines ignored. */
function linesOf(text: string): string[] {
  return text.split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
}

/** Every form names its action and its date the same way. */
function base(ctx: FormContext): { actionId: string; effectiveAt: string | undefined } {
  return { actionId: ctx.actionId, effectiveAt: ctx.dates.get('date') };
}

export const PROGRESS_FORM: PlanFormSpec = {
  form: 'progress',
  command: 'RecordProgressUpdate',
  // The first form on the page, so its ids are the plain ones.
  fields: [
    { name: 'narrative', id: 'narrative', label: 'The progress', required: 'Enter the progress made', commandField: 'narrative' },
    { name: 'progressDate', id: 'progressDate', label: 'The date', commandField: 'effectiveAt', date: { example: EXAMPLE_DATE } },
  ],
  success: 'Progress recorded',
  toCommand: (ctx) => ({ actionId: ctx.actionId, narrative: ctx.values.narrative, effectiveAt: ctx.dates.get('progressDate') }),
};

/**
 * The action's changes that say what it changes *to* and why (status, target, leads, reopening): one field for
 * the new value, a reason that must be given, and the date. `read` turns the posted value into the command's.
 */
function changeForm(
  form: string,
  command: PlanFormSpec['command'],
  success: string,
  to: { label: string; required?: string; read: (value: string) => unknown },
  reasonMessage: string,
): PlanFormSpec {
  return {
    form,
    command,
    fields: [field(form, 'to', to.label, to.required), reason(form, reasonMessage), effectiveDate(form)],
    success,
    toCommand: (ctx) => ({ ...base(ctx), to: to.read(ctx.values.to ?? ''), reason: ctx.values.reason }),
  };
}

/** A choice left empty is absent from the command, so the schema's default (or its "required") applies. */
const chosen = (value: string): string | undefined => value.trim() || undefined;

export const STATUS_FORM = changeForm('status', 'ChangeActionStatus', 'Status changed', { label: 'The new status', required: 'Select the new status', read: chosen }, 'Enter why the status is changing');
export const SLIP_FORM = changeForm('slip', 'SlipTargetDate', 'Target date moved', { label: 'The new target', required: 'Enter the new target, as the plan would write it', read: (value) => value }, 'Enter why the target is moving');
export const REASSIGN_FORM = changeForm('reassign', 'ReassignAction', 'Action reassigned', { label: 'The new leads', required: 'Enter at least one new lead', read: linesOf }, 'Enter why the action is being reassigned');
export const REOPEN_FORM = changeForm('reopen', 'ReopenAction', 'Action reopened', { label: 'The status it reopens as', read: chosen }, 'Enter why the action is being reopened');

export const COMPLETE_FORM: PlanFormSpec = {
  form: 'complete',
  command: 'CompleteAction',
  fields: [effectiveDate('complete', 'The date it was completed'), reason('complete', undefined, 'The note')],
  success: 'Action marked completed',
  toCommand: (ctx) => ({ ...base(ctx), reason: given(ctx, 'reason') }),
};

export const RAG_FORM: PlanFormSpec = {
  form: 'rag',
  command: 'AssessRag',
  fields: [
    field('rag', 'rating', 'The rating', 'Select a rating'),
    field('rag', 'rationale', 'The reason for the rating', 'Enter why the action has this rating'),
    effectiveDate('rag'),
  ],
  success: 'Rating recorded',
  toCommand: (ctx) => ({ ...base(ctx), rating: given(ctx, 'rating'), rationale: ctx.values.rationale }),
};

const AUDIT_DATE = effectiveDate('audit', 'The date of the audit');
const FOLLOW_UP: FormField = { name: 'followUp', id: 'audit-followUp', label: 'The follow-up date', commandField: 'followUpDue', date: { future: true, example: EXAMPLE_DATE } };

export const AUDIT_FORM: PlanFormSpec = {
  form: 'audit',
  command: 'RecordAuditOutcome',
  fields: [
    field('audit', 'rating', 'The judgement', "Select the audit's judgement"),
    field('audit', 'auditor', 'The auditor', 'Enter who carried out the audit'),
    field('audit', 'findings', 'The findings', 'Enter what the audit found'),
    AUDIT_DATE,
    FOLLOW_UP,
  ],
  success: 'Audit outcome recorded',
  toCommand: (ctx) => {
    const auditDate = ctx.dates.get('date') ?? new Date().toISOString().slice(0, 10);
    const followUpDue = ctx.dates.get('followUp');
    if (followUpDue && followUpDue < auditDate) ctx.errors[FOLLOW_UP.id] ??= 'The follow-up date must be on or after the date of the audit';
    return {
      subject: { kind: 'action', actionId: ctx.actionId },
      effectiveAt: ctx.dates.get('date'),
      auditor: ctx.values.auditor,
      rating: given(ctx, 'rating'),
      findings: ctx.values.findings,
      followUpDue,
    };
  },
};

const EVIDENCE_FILE: FormField = { name: 'file', id: 'evidence-file', label: 'The file', commandField: 'sha256' };
/** The file each evidence post carries, between its check and its storing (requests are not shared). */
const UPLOADS = new WeakMap<FormContext, UploadedFile>();

/** The evidence form: the API upload's checks (non-empty, within LEDGER_EVIDENCE_LIMIT, a media type, a name). */
export function evidenceForm(store: (bytes: Buffer) => Promise<{ sha256: string }>): PlanFormSpec {
  return {
    form: 'evidence',
    command: 'AttachEvidence',
    fields: [
      EVIDENCE_FILE,
      field('evidence', 'name', 'The name'),
      reason('evidence', undefined, 'The note'),
      effectiveDate('evidence', 'The date it became evidence'),
    ],
    success: 'Evidence file attached',
    toCommand: (ctx) => {
      const { file, problem } = uploadOf(ctx.req);
      if (problem || !file) ctx.errors[EVIDENCE_FILE.id] = problem ?? 'Choose the file to upload';
      else if (file.size === 0) ctx.errors[EVIDENCE_FILE.id] = 'The selected file is empty';
      if (!file || ctx.errors[EVIDENCE_FILE.id]) return {};
      UPLOADS.set(ctx, file);
      return {
        ...base(ctx),
        name: given(ctx, 'name') ?? file.originalname,
        mediaType: (file.mimetype || 'application/octet-stream').split(';')[0]!.trim().toLowerCase(),
        size: file.size,
        sha256: createHash('sha256').update(file.buffer).digest('hex'),
        reason: given(ctx, 'reason'),
      };
    },
    beforeSend: async (ctx) => {
      await store(UPLOADS.get(ctx)!.buffer);
    },
  };
}

/** Fields no correction should offer: those the ledger worked out, or that say which file or thing it is. */
const NOT_AMENDABLE = new Set(['from', 'sha256', 'size', 'mediaType', 'correctedEventType', 'dependencies', 'subject']);
const IDENTITY_FIELD = /(^|[a-z])(Id|subject)$|^planId$/;
const AMEND_LABELS = new Map<string, string>([
  ['narrative', 'What progress was made'],
  ['asAt', 'The date it speaks for (YYYY-MM-DD)'],
  ['to', 'The new value'],
  ['rating', 'The rating'],
  ['rationale', 'The reason for the rating'],
  ['name', 'The name'],
  ['auditor', 'The auditor'],
  ['findings', 'The findings'],
  ['auditDate', 'The date of the audit (YYYY-MM-DD)'],
  ['followUpDue', 'The follow-up date (YYYY-MM-DD)'],
  ['completedOn', 'The date it was completed (YYYY-MM-DD)'],
  ['signedOffOn', 'The date it was signed off (YYYY-MM-DD)'],
  ['description', 'The description'],
  ['leads', 'The leads (one a line)'],
  ['target', 'The target, as the plan writes it'],
  ['start', 'The start, as the plan writes it'],
  ['ref', 'The reference'],
  ['text', 'The text'],
  ['title', 'The title'],
]);
const LONG = new Set(['narrative', 'rationale', 'findings', 'description', 'text', 'performanceIndicators', 'keyAim', 'leads']);

/** Every field name any entry has that a correction could amend: the form reads only these. */
const AMENDABLE_NAMES = [
  ...new Set(Object.values(PlanEventSchemas).flatMap((schema) => Object.keys((schema as z.ZodObject).shape).filter((key) => !NOT_AMENDABLE.has(key) && !IDENTITY_FIELD.test(key)))),
];

export interface AmendableField {
  key: string;
  name: string;
  id: string;
  label: string;
  value: string;
  long: boolean;
  list: boolean;
}

/** A field's value as a person edits it: words for a target or start, one line a lead. */
function asText(value: unknown): { text: string; list: boolean } | undefined {
  if (typeof value === 'string') return { text: value, list: false };
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return { text: value.join('\n'), list: true };
  if (value && typeof value === 'object' && typeof (value as { text?: unknown }).text === 'string') return { text: (value as { text: string }).text, list: false };
  return undefined;
}


/** The entry of this action a correction is about, or undefined (unknown, another action's, or not correctable). */
export function correctableEntry(state: PlanState, actionId: string, eventId: string): StoredPlanEvent | undefined {
  const original = state.history.find((e) => e.eventId === eventId);
  if (!original || original.type === 'EntryCorrected' || original.type === 'EventVoided' || actionIdOf(original, state) !== actionId) return undefined;
  return original;
}

/** The fields of an entry a correction may amend, each as it reads now (after earlier corrections). */
export function amendableFields(state: PlanState, entry: StoredPlanEvent): AmendableField[] {
  if (!isPlanEventType(entry.type)) return [];
  const current: Record<string, unknown> = { ...(entry.data as Record<string, unknown>) };
  for (const c of state.corrections) if (c.correctedEventId === entry.eventId && c.kind === 'amended') Object.assign(current, c.amendments ?? {});
  return Object.keys((PlanEventSchemas[entry.type] as z.ZodObject).shape).flatMap((key) => {
    if (NOT_AMENDABLE.has(key) || IDENTITY_FIELD.test(key)) return [];
    const text = asText(current[key]) ?? (current[key] === undefined ? { text: '', list: false } : undefined);
    if (!text) return [];
    return [{ key, name: `amend-${key}`, id: `correct-amend-${key}`, label: AMEND_LABELS.get(key) ?? `The ${key.replace(/([A-Z])/g, ' $1').toLowerCase()}`, value: text.text, long: LONG.has(key), list: text.list }];
  });
}

const KIND = field('correct', 'kind', 'The correction', 'Choose whether to amend the entry or withdraw it');

export const CORRECT_FORM: PlanFormSpec = {
  form: 'correct',
  command: 'CorrectEntry',
  fields: [
    KIND,
    field('correct', 'eventId', 'The entry', 'Choose the entry to correct from the timeline'),
    ...AMENDABLE_NAMES.map((key) => ({ name: `amend-${key}`, id: `correct-amend-${key}`, label: AMEND_LABELS.get(key) ?? `The ${key}`, commandField: `amendments.${key}` })),
    reason('correct', 'Enter why the entry is being corrected'),
    effectiveDate('correct', 'The date the correction took effect'),
  ],
  success: 'Entry corrected',
  toCommand: (ctx) => {
    const eventId = given(ctx, 'eventId') ?? '';
    const entry = correctableEntry(ctx.state, ctx.actionId, eventId);
    if (eventId && !entry) ctx.errors['correct-eventId'] = 'Choose an entry of this action from its timeline';
    const kind = given(ctx, 'kind');
    const command = { eventId, kind, reason: ctx.values.reason, effectiveAt: ctx.dates.get('date') };
    if (kind !== 'amended' || !entry) return command;
    // Only what the person changed is amended; the rest of the entry stands as it was.
    const amendments: Record<string, unknown> = Object.create(null);
    for (const field of amendableFields(ctx.state, entry)) {
      const posted = ctx.values[field.name];
      if (posted === undefined || posted.trim() === field.value.trim()) continue;
      amendments[field.key] = field.list ? linesOf(posted) : posted.trim();
    }
    if (Object.keys(amendments).length === 0) ctx.errors[KIND.id] = 'Change at least one field of the entry, or choose to withdraw it';
    return { ...command, amendments };
  },
};
