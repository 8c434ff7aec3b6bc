import Database from 'better-sqlite3';
import { openPrivateDatabase } from '#event-store';
import type { SignedChainHead } from '#evidence';

/**
 * The ledger's record of the chain heads it has signed, in a file of its own: deleting the last events of a
 * stream (with the event triggers dropped) removes nothing here, so the next `verify-chain` or `/integrity`
 * sees a stream shorter than a head the ledger once signed. Append-only like the events, and kept apart from
 * them so that it works the same whatever holds the events (SQLite or EventStoreDB).
 */
export class SignedHeadLog {
  private readonly db: Database.Database;
  private readonly insert: Database.Statement<unknown[]>;
  private readonly selectOfStream: Database.Statement<[string], HeadRow>;
  private readonly selectAny: Database.Statement<[], number>;

  constructor(file: string) {
    // NORMAL: a power cut may lose the last few heads, never the events (those are FULL). An older head
    // still catches any truncation below it; losing heads can hide nothing that was not appended just then.
    this.db = openPrivateDatabase(file, { schema: SCHEMA, synchronous: 'NORMAL' });
    this.insert = this.db.prepare('INSERT INTO signed_heads (stream_id, size, head_hash, signed_at, key_fingerprint, signature) VALUES (?, ?, ?, ?, ?, ?)');
    this.selectOfStream = this.db.prepare<[string], HeadRow>(
      'SELECT stream_id, size, head_hash, signed_at, key_fingerprint, signature FROM signed_heads WHERE stream_id = ? ORDER BY size DESC, id DESC',
    );
    // One row is enough to know: COUNT(*) would read every head the ledger ever signed (one per append).
    this.selectAny = this.db.prepare<[], number>('SELECT EXISTS (SELECT 1 FROM signed_heads)').pluck();
  }

  record(heads: readonly SignedChainHead[]): void {
    this.db.transaction(() => {
      for (const head of heads) this.insert.run(head.streamId, head.size, head.headHash, head.signedAt, head.keyFingerprint, head.signature);
    })();
  }

  /** Every head signed for a stream, the longest first. */
  headsOf(streamId: string): SignedChainHead[] {
    return this.selectOfStream.all(streamId).map((row) => ({
      streamId: row.stream_id,
      size: row.size,
      headHash: row.head_hash,
      signedAt: row.signed_at,
      keyFingerprint: row.key_fingerprint,
      signature: row.signature,
    }));
  }

  isEmpty(): boolean {
    return this.selectAny.get() === 0;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

interface HeadRow {
  stream_id: string;
  size: number;
  head_hash: string;
  signed_at: string;
  key_fingerprint: string;
  signature: string;
}

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS signed_heads (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    stream_id       TEXT    NOT NULL,
    size            INTEGER NOT NULL CHECK (size > 0),
    head_hash       TEXT    NOT NULL,
    signed_at       TEXT    NOT NULL,
    key_fingerprint TEXT    NOT NULL,
    signature       TEXT    NOT NULL
  ) STRICT;
  CREATE INDEX IF NOT EXISTS signed_heads_by_stream ON signed_heads (stream_id, size);
  CREATE TRIGGER IF NOT EXISTS signed_heads_are_not_updated BEFORE UPDATE ON signed_heads
    BEGIN SELECT RAISE(ABORT, 'signed heads are append-only: an UPDATE is not allowed'); END;
  CREATE TRIGGER IF NOT EXISTS signed_heads_are_not_deleted BEFORE DELETE ON signed_heads
    BEGIN SELECT RAISE(ABORT, 'signed heads are append-only: a DELETE is not allowed'); END;
  CREATE TRIGGER IF NOT EXISTS signed_heads_are_not_replaced BEFORE INSERT ON signed_heads
    WHEN NEW.id IS NOT NULL AND EXISTS (SELECT 1 FROM signed_heads WHERE id = NEW.id)
    BEGIN SELECT RAISE(ABORT, 'signed heads are append-only: a recorded head cannot be replaced'); END;
`;
