import Database from 'better-sqlite3';
import { closeSync, mkdirSync, openSync } from 'node:fs';
import path from 'node:path';

/**
 * Make sure a SQLite file exists readable and writable by its owner alone (0600) before SQLite opens it, its
 * folder 0700 if we create it. SQLite gives the -wal and -shm files the main file's mode, so they follow.
 * A ledger others on the machine can read leaks safeguarding records; one they can write is not evidence.
 * An existing file keeps the mode its operator gave it.
 */
export function preparePrivateDatabaseFile(file: string): void {
  if (file === ':memory:' || file === '') return;
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true, mode: 0o700 });
  // 'a': create if absent, never truncate; the mode applies only when this call creates the file.
  closeSync(openSync(file, 'a', 0o600));
}

/**
 * A small SQLite file of the ledger's own (signed heads, cosignatures, a witness's record): private as above,
 * WAL, a 5 s busy wait for another process's writer, the given durability, and its schema; closed again if any
 * of that fails, so a file that cannot be opened holds no handle.
 */
export function openPrivateDatabase(file: string, options: { schema: string; synchronous?: 'FULL' | 'NORMAL' }): Database.Database {
  preparePrivateDatabaseFile(file);
  const db = new Database(file);
  try {
    db.pragma('busy_timeout = 5000');
    db.pragma('journal_mode = WAL');
    if (options.synchronous) db.pragma(`synchronous = ${options.synchronous}`);
    db.exec(options.schema);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
