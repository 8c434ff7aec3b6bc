import { z } from 'zod';
import { text } from './text.js';

/** Who did it: always taken from the authenticated identity (a ledger token or the identity provider's), never from a request body. */
export const Actor = z.object({
  id: text().min(1).max(200),
  displayName: text().min(1).max(200),
  role: text().max(50).optional(),
  organisation: text().max(200).optional(),
});
export type Actor = z.infer<typeof Actor>;
