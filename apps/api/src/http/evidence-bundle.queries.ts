import { z } from 'zod';
import { Instant } from './time-travel.queries.js';

/** Query-string schemas for evidence bundles and signed tree heads. asAt reads as elsewhere: an instant, or a date meaning its start (UTC). */
export const EvidenceBundleQuery = z
  .object({
    asAt: Instant.optional(),
    time: z.enum(['recorded', 'effective']).default('recorded'),
    withFiles: z.enum(['true', 'false']).default('false'),
  })
  .strict();

export const TreeHeadQuery = z.object({}).strict();
