import { z } from 'zod';

/** Who did it: always taken from the authenticated identity (a ledger token or the identity provider's), never from a request body. */
export const Actor = z.object({
  id: z.string().min(1).max(200),
  displayName: z.string().min(1).max(200),
  role: z.string().max(50).optional(),
  organisation: z.string().max(200).optional(),
});
export type Actor = z.infer<typeof Actor>;
