import { randomBytes } from 'node:crypto';
import type { NewPlanDetails } from '#importer';

/** What a preview showed, kept so the confirmation imports exactly that: the same bytes, options and plan revision. */
export interface PendingImport {
  id: string;
  /** The session that previewed it: another session's confirmation finds nothing. */
  sessionKey: string;
  content: Buffer;
  fileName: string;
  fileSha256: string;
  target: { planId: string; expectedRevision: number } | { newPlan: NewPlanDetails & { planId: string } };
  /** The date of progress notes without one of their own, fixed at the preview (the default would be the day of the confirmation). */
  progressAsAt: string;
  /** How many events the preview said would be appended. */
  events: number;
  createdAt: number;
}

/** A preview is good for 30 minutes. */
export const PENDING_IMPORT_MS = 30 * 60_000;
/** Uploaded bytes held at once, in all: a preview left unconfirmed must not fill the memory. */
const MAX_HELD_BYTES = 256 * 1024 * 1024;

/**
 * Previewed uploads waiting to be confirmed, in this process's memory under a one-time id bound to the
 * session that uploaded them. One per session (a new preview replaces the last); taken, never read twice.
 */
export class PendingImports {
  private readonly pending = new Map<string, PendingImport>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  hold(entry: Omit<PendingImport, 'id' | 'createdAt'>): PendingImport {
    this.sweep();
    for (const [id, held] of this.pending) if (held.sessionKey === entry.sessionKey) this.pending.delete(id);
    // Oldest first (Map order) until the new one fits.
    let held = [...this.pending.values()].reduce((sum, p) => sum + p.content.length, 0);
    for (const [id, old] of this.pending) {
      if (held + entry.content.length <= MAX_HELD_BYTES) break;
      this.pending.delete(id);
      held -= old.content.length;
    }
    const pending: PendingImport = { ...entry, id: randomBytes(24).toString('base64url'), createdAt: this.now() };
    this.pending.set(pending.id, pending);
    return pending;
  }

  /** The preview this session holds under this id, removed; undefined if unknown, another session's, or expired. */
  take(id: string, sessionKey: string): PendingImport | undefined {
    const pending = this.pending.get(id);
    if (!pending || pending.sessionKey !== sessionKey) return undefined;
    this.pending.delete(id);
    return this.now() - pending.createdAt <= PENDING_IMPORT_MS ? pending : undefined;
  }

  private sweep(): void {
    const now = this.now();
    for (const [id, pending] of this.pending) if (now - pending.createdAt > PENDING_IMPORT_MS) this.pending.delete(id);
  }
}
