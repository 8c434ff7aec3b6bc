import { z } from 'zod';
import { IsoInstant } from '#domain';

/** Query-string schemas for the time-travel and audit reads. Instants are ISO-8601 with a zone; a bare date means its start (UTC). */
export const Instant = z
  .string()
  .trim()
  .transform((s) => (/^\d{4}-\d{2}-\d{2}$/.test(s) ? `${s}T00:00:00Z` : s))
  .pipe(IsoInstant)
  .transform((s) => new Date(s).toISOString());

export const AsAtQuery = z
  .object({
    asAt: Instant.optional(),
    time: z.enum(['recorded', 'effective']).default('recorded'),
    knownAt: Instant.optional(),
    // GET /plans/:planId's representation: compact (each action's latest progress note, its count and its history's link) or full (every note).
    view: z.enum(['compact', 'full']).default('compact'),
  })
  .strict()
  .refine((q) => !q.knownAt || q.time === 'effective', { message: 'knownAt only applies with time=effective', path: ['knownAt'] })
  .refine((q) => !q.knownAt || q.asAt, { message: 'knownAt needs asAt', path: ['asAt'] });

export const ChangesSinceQuery = z
  .object({
    from: Instant,
    to: Instant.optional(),
    time: z.enum(['recorded', 'effective']).default('recorded'),
  })
  .strict()
  .refine((q) => !q.to || q.from <= q.to, { message: 'from must not be after to', path: ['from'] });

export const RetrospectiveQuery = z
  .object({
    toleranceHours: z.coerce.number().min(0).max(24 * 365).optional(),
  })
  .strict();

export const AuditLogQuery = z
  .object({
    planId: z.string().trim().min(1).max(100).optional(),
    actor: z.string().trim().min(1).max(200).optional(),
    type: z.string().trim().min(1).max(100).optional(),
    actionId: z.string().trim().min(1).max(100).optional(),
    from: Instant.optional(),
    to: Instant.optional(),
    cursor: z.string().trim().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(1_000).default(100),
    format: z.enum(['json', 'csv']).default('json'),
  })
  .strict();

export const RagTrendQuery = z
  .object({
    from: Instant,
    to: Instant,
    interval: z.enum(['week', 'month', 'quarter']).default('month'),
    time: z.enum(['recorded', 'effective']).default('effective'),
  })
  .strict()
  .refine((q) => q.from <= q.to, { message: 'from must not be after to', path: ['from'] });
