import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Evidence files stored by content: the file's SHA-256 is its name, so a stored file can never be
 * swapped for another without the event that names it no longer matching. Writes are atomic (temp + rename).
 */
export class EvidenceFiles {
  constructor(private readonly root: string) {}

  async put(bytes: Buffer): Promise<{ sha256: string; size: number }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const target = this.pathOf(sha256);
    if (!(await exists(target))) {
      await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
      const temp = `${target}.${process.pid}.${Date.now()}.tmp`;
      // Owner-read only: a stored file is never rewritten, and nobody else on the machine reads evidence.
      await writeFile(temp, bytes, { mode: 0o400 });
      await rename(temp, target);
    }
    return { sha256, size: bytes.length };
  }

  /** The file's bytes, or null if we do not hold it. */
  async get(sha256: string): Promise<Buffer | null> {
    if (!/^[0-9a-f]{64}$/.test(sha256)) return null;
    try {
      return await readFile(this.pathOf(sha256));
    } catch {
      return null;
    }
  }

  pathOf(sha256: string): string {
    return path.join(this.root, sha256.slice(0, 2), sha256);
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
