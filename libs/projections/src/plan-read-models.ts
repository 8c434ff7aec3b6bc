import type Database from 'better-sqlite3';
import type { PlanState } from '#domain';
import { PlanRows } from './plan-rows.js';

export interface AuditLogEntry {
  position: number;
  planId: string;
  eventId: string;
  revision: number;
  type: string;
  actor: { id: string; displayName: string };
  recordedAt: string;
  effectiveAt: string;
  actionId: string | null;
  summary: string;
  reason: string | null;
  correlationId: string;
}

/** Which plans a reader may see: whole organisations, or single plans granted. */
export type PlanScope = { organisationId: string; planId?: string };

export interface AuditLogFilter {
  /** Only these organisations and plans (always set by the API from the reader's access). */
  scopes?: readonly PlanScope[];
  planId?: string;
  /** Matches the actor's id or display name, exactly. */
  actor?: string;
  type?: string;
  actionId?: string;
  /** Recorded time, inclusive bounds (ISO instants). */
  from?: string;
  to?: string;
  /** Opaque cursor from the previous page. */
  cursor?: string;
  limit?: number;
}

export interface AuditLogPage {
  entries: AuditLogEntry[];
  /** Pass back as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

interface AuditRow {
  position: number;
  plan_id: string;
  event_id: string;
  revision: number;
  type: string;
  actor_id: string;
  actor_name: string;
  recorded_at: string;
  effective_at: string;
  action_id: string | null;
  summary: string;
  reason: string | null;
  correlation_id: string;
}

export class InvalidCursorError extends Error {
  readonly code = 'INVALID_CURSOR';
}

/** Reads of the read models: the current state of plans, and the audit log. They never write. */
export class PlanReadModels {
  private readonly rows: PlanRows;

  constructor(private readonly db: Database.Database) {
    this.rows = new PlanRows(db);
  }

  /** The plan's current state as projected, or null. History is not kept in the read model. */
  plan(planId: string): PlanState | null {
    return this.rows.read(planId);
  }

  /** Plans, optionally only those within the given scopes. */
  plans(scopes?: readonly PlanScope[]): PlanState[] {
    const [where, params] = scopeClause(scopes);
    return this.rows.readWhere(where, params);
  }

  auditLog(filter: AuditLogFilter): AuditLogPage {
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), 10_000);
    const where: string[] = [];
    const params: unknown[] = [];
    const [scoped, scopeParams] = scopeClause(filter.scopes);
    if (scoped) where.push(scoped), params.push(...scopeParams);
    if (filter.planId) where.push('plan_id = ?'), params.push(filter.planId);
    if (filter.actor) where.push('(actor_id = ? OR actor_name = ?)'), params.push(filter.actor, filter.actor);
    if (filter.type) where.push('type = ?'), params.push(filter.type);
    if (filter.actionId) where.push('action_id = ?'), params.push(filter.actionId);
    if (filter.from) where.push('recorded_at >= ?'), params.push(new Date(filter.from).toISOString());
    if (filter.to) where.push('recorded_at <= ?'), params.push(new Date(filter.to).toISOString());
    if (filter.cursor) where.push('position > ?'), params.push(decodeCursor(filter.cursor));
    const rows = this.db
      .prepare(`SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY position LIMIT ?`)
      .all(...params, limit + 1) as AuditRow[];
    const entries = rows.slice(0, limit).map(toEntry);
    return { entries, ...(rows.length > limit ? { nextCursor: encodeCursor(entries[entries.length - 1]!.position) } : {}) };
  }
}

/** SQL for "within these scopes"; no scopes given means no restriction, an empty list means nothing. */
function scopeClause(scopes?: readonly PlanScope[]): [string, unknown[]] {
  if (!scopes) return ['', []];
  if (scopes.length === 0) return ['0', []];
  const parts = scopes.map((s) => (s.planId ? '(organisation_id = ? AND plan_id = ?)' : 'organisation_id = ?'));
  return [`(${parts.join(' OR ')})`, scopes.flatMap((s) => (s.planId ? [s.organisationId, s.planId] : [s.organisationId]))];
}

function toEntry(row: AuditRow): AuditLogEntry {
  return {
    position: row.position,
    planId: row.plan_id,
    eventId: row.event_id,
    revision: row.revision,
    type: row.type,
    actor: { id: row.actor_id, displayName: row.actor_name },
    recordedAt: row.recorded_at,
    effectiveAt: row.effective_at,
    actionId: row.action_id,
    summary: row.summary,
    reason: row.reason,
    correlationId: row.correlation_id,
  };
}

function encodeCursor(position: number): string {
  return Buffer.from(`p:${position}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^p:(\d{1,18})$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new InvalidCursorError('The cursor is not one this ledger gave out');
  return Number(match[1]);
}

/** RFC 4180 CSV of audit-log entries, with a header row, for spreadsheets. */
export function auditLogCsv(entries: readonly AuditLogEntry[]): string {
  const header = ['Recorded at', 'Effective at', 'Actor', 'Type', 'Summary', 'Reason', 'Plan', 'Action', 'Revision', 'Event id', 'Correlation id'];
  const lines = entries.map((e) =>
    [e.recordedAt, e.effectiveAt, e.actor.displayName, e.type, e.summary, e.reason ?? '', e.planId, e.actionId ?? '', String(e.revision), e.eventId, e.correlationId]
      .map(csvCell)
      .join(','),
  );
  return `${[header.map(csvCell).join(','), ...lines].join('\r\n')}\r\n`;
}

function csvCell(value: string): string {
  // A leading =, +, - or @ would be run as a formula by spreadsheet software: quote it as text.
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) || safe !== value ? `"${safe.replace(/"/g, '""')}"` : safe;
}
