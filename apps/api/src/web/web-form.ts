import { Inject, Injectable } from '@nestjs/common';
import { CommandBus, QueryBus } from '@nestjs/cqrs';
import type { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ConflictError, PlanChangedError } from '#application';
import { DomainError, PlanCommandSchemas, type PlanCommand, type PlanCommandType, type PlanState } from '#domain';
import { PlanHistory, referencesOf, summariseEvent } from '#projections';
import { ExecutePlanCommand } from '../cqrs/plan-commands.js';
import { GetPlanQuery } from '../cqrs/plan-queries.js';
import { actorFromIdentity } from '../http/auth/identity.js';
import { correlationIdOf } from '../http/request-context.js';
import { readDateParts } from './date-fields.js';

/** Messages by the id of the element they belong beside (unique on the page, as several forms share it). */
export type FieldErrors = Record<string, string>;

export interface FormField {
  /** The name it is posted under; a date input posts `<name>-day`, `<name>-month` and `<name>-year`. */
  name: string;
  /** The element's id on the page; its error message and the summary's link use it. */
  id: string;
  /** How a message names it, at the start of a sentence: "The reason". */
  label: string;
  /** What to say when it is left empty and must not be. */
  required?: string;
  /** The command field it fills, so the command's schema and the decider can point back at it. */
  commandField?: string;
  /** A GOV.UK date input (day, month, year), read as YYYY-MM-DD. */
  date?: { future?: boolean; example: string };
}

export interface FormContext {
  /** What was posted, by name (a date input's parts as `<name>-day` …), kept to fill the form again. */
  values: Record<string, string>;
  /** The date inputs read as YYYY-MM-DD, by name; absent when left empty. */
  dates: Map<string, string>;
  errors: FieldErrors;
  req: Request;
  state: PlanState;
  actionId: string;
}

/** One form of the action page, as data: the helper does the rest the same way for every form. */
export interface PlanFormSpec {
  /** Its key on the page: which form to open again with its errors. */
  form: string;
  command: PlanCommandType;
  fields: readonly FormField[];
  /** The notification banner after the redirect. */
  success: string;
  /** The command's fields from what was posted; a problem the schema cannot see goes in ctx.errors. */
  toCommand(ctx: FormContext): Record<string, unknown>;
  /** Runs once the command is valid, before it is sent (the evidence form stores its file here). */
  beforeSend?(ctx: FormContext, command: Record<string, unknown>): Promise<void>;
}

export type FormOutcome =
  | { ok: true; success: string }
  | { ok: false; status: 400 | 409 | 422; errors: FieldErrors; values: Record<string, string>; changes: string[]; revision?: number };

const Text = z.preprocess((v) => (typeof v === 'string' ? v : undefined), z.string().optional());

const DATE_PARTS = ['day', 'month', 'year'] as const;

/** The posted names a field reads: a date input's three, or its own. */
function postedNames(field: FormField): string[] {
  return field.date ? DATE_PARTS.map((part) => `${field.name}-${part}`) : [field.name];
}

/** A GOV.UK date input's three parts as YYYY-MM-DD, or what is wrong with them (readDateParts, as every date on the service). */
export function readDateInput(values: Record<string, string>, field: FormField, today = new Date().toISOString().slice(0, 10)): { date?: string; error?: string } {
  const [day, month, year] = DATE_PARTS.map((part) => values[`${field.name}-${part}`] ?? '') as [string, string, string];
  const read = readDateParts({ day, month, year }, { label: field.label, example: field.date!.example, future: field.date!.future === true, today });
  if (!read.given) return field.required ? { error: field.required } : {};
  return 'error' in read ? { error: read.error } : { date: read.date };
}

/** Where a problem reported against a command field (or a decider's detail path) belongs on the form. */
function fieldFor(spec: PlanFormSpec, path: string): FormField {
  const clean = path.replace(/^body\./, '');
  const exact = spec.fields.find((f) => f.commandField === clean);
  if (exact) return exact;
  const head = clean.split(/[.[]/)[0];
  return spec.fields.find((f) => f.commandField === head) ?? spec.fields[0]!;
}

function issueMessage(field: FormField, issue: z.core.$ZodIssue, value: string): string {
  if (!value.trim() && field.required) return field.required;
  if (issue.code === 'too_big') {
    return `${field.label} must be ${Number(issue.maximum).toLocaleString('en-GB')} ${issue.origin === 'array' ? 'items' : 'characters'} or fewer`;
  }
  return `${field.label} ${issue.message}`;
}

/**
 * The one way every form of the action page is handled: read the URL-encoded (or multipart) fields as text,
 * check them and the plan revision the form was made on, build the command and check it against the same
 * schema the JSON API uses, send it through the same command bus, and turn what comes back into the GOV.UK
 * error pattern: a message by each field, the values kept, and — when the plan moved on — what changed.
 */
@Injectable()
export class PlanForms {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(QueryBus) private readonly queries: QueryBus,
    @Inject(PlanHistory) private readonly history: PlanHistory,
  ) {}

  async submit(req: Request, planId: string, actionId: string, spec: PlanFormSpec): Promise<FormOutcome> {
    const names = [...spec.fields.flatMap(postedNames), 'revision'];
    const posted = z.object(Object.fromEntries(names.map((name) => [name, Text]))).parse(req.body ?? {}) as Record<string, string | undefined>;
    const values: Record<string, string> = Object.create(null);
    for (const name of names) values[name] = posted[name] ?? '';
    const errors: FieldErrors = {};
    const dates = new Map<string, string>();
    for (const field of spec.fields) {
      if (field.date) {
        const { date, error } = readDateInput(values, field);
        if (error) errors[field.id] = error;
        else if (date) dates.set(field.name, date);
      } else if (field.required && !values[field.name]!.trim()) errors[field.id] = field.required;
    }
    const revision = /^\d{1,15}$/.test(values.revision!) ? Number(values.revision) : undefined;
    const first = spec.fields[0]!;
    if (revision === undefined) errors[first.id] ??= 'This form is missing the plan revision it was made on; reload the page and try again';
    // Replayed from its events, with the history a correction needs to find the entry it corrects.
    const state = await this.queries.execute(new GetPlanQuery(planId, { asAt: new Date().toISOString(), time: 'recorded' }));
    if (!state) return { ok: false, status: 422, errors: { [first.id]: 'There is no such plan' }, values, changes: [] };
    const ctx: FormContext = { values, dates, errors, req, state, actionId };
    const input = spec.toCommand(ctx);
    if (Object.keys(errors).length > 0) return { ok: false, status: 400, errors, values, changes: [], revision };

    const schema = (PlanCommandSchemas[spec.command] as z.ZodObject).strict();
    const command = schema.safeParse(input);
    if (!command.success) {
      for (const issue of command.error.issues) {
        const field = fieldFor(spec, issue.path.map(String).join('.'));
        errors[field.id] ??= issueMessage(field, issue, postedNames(field).map((n) => values[n] ?? '').join(''));
      }
      return { ok: false, status: 400, errors, values, changes: [], revision };
    }
    await spec.beforeSend?.(ctx, command.data);
    const meta = { actor: actorFromIdentity(req), correlationId: correlationIdOf(req), causationId: randomUUID() };
    try {
      await this.commands.execute(new ExecutePlanCommand(planId, { type: spec.command, ...command.data } as PlanCommand, meta, revision));
    } catch (error) {
      if (error instanceof PlanChangedError) {
        // Say what changed instead of overwriting it; the form now carries the new revision.
        const changes = await this.changesSince(planId, error.expected);
        errors[first.id] = 'The plan has changed since you opened this page. Check what changed, then send the form again.';
        return { ok: false, status: 409, errors, values, changes, revision: error.actual };
      }
      const refused = error instanceof ConflictError ? error.cause : error;
      if (refused instanceof DomainError) {
        for (const detail of refused.details) {
          const field = fieldFor(spec, detail.path);
          errors[field.id] ??= `${field.label} ${detail.problem}`;
        }
        if (Object.keys(errors).length === 0) errors[first.id] = refused.message;
        return { ok: false, status: 422, errors, values, changes: [], revision };
      }
      throw error;
    }
    return { ok: true, success: spec.success };
  }

  /** What was appended after the revision a form was made on, in the audit log's words (the last 20). */
  async changesSince(planId: string, revision: number): Promise<string[]> {
    const events = (await this.history.events(planId)).filter((e) => e.revision > revision);
    const latest = await this.queries.execute(new GetPlanQuery(planId));
    const refs = referencesOf(latest ?? { actions: {}, recommendations: {} });
    return events.slice(-20).map((e) => summariseEvent(e, refs));
  }
}
