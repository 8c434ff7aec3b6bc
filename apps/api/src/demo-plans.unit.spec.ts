import { describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { DEMO_PLAN_FILE } from '#importer';
import { demoPlansDir } from '#importer';

// The demo ships in the repository (a user's clone has no ../shared); these keep the copy honest.
const SHARED = path.resolve(process.cwd(), '../shared/fixtures');
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('the demo plans shipped in the repository', () => {
  it('are found in the project root from the app module, whatever the working folder', () => {
    expect(demoPlansDir()).toBe(path.resolve(process.cwd(), 'demo'));
    expect(demoPlansDir(path.join(process.cwd(), 'dist/libs/importer/src'))).toBe(path.resolve(process.cwd(), 'demo'));
  });

  it('hold the plan npm start imports and the one the README tour imports', () => {
    const files = readdirSync(demoPlansDir()).filter((name) => name.endsWith('.txt'));
    expect(files.sort()).toEqual([DEMO_PLAN_FILE, 'central-bedfordshire-ofsted-action-plan-2012-13.txt'].sort());
  });

  it('are byte-for-byte the shared fixtures the importer is tested against', () => {
    for (const name of readdirSync(demoPlansDir()).filter((file) => file.endsWith('.txt'))) {
      expect({ name, sha256: sha256(path.join(demoPlansDir(), name)) }).toEqual({ name, sha256: sha256(path.join(SHARED, name)) });
    }
  });
});
