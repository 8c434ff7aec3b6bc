import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';

/** The codes a union type in a source file lists: `| 'CODE'`. */
function codesOf(file: string, type: string): string[] {
  const source = readFileSync(new URL(file, import.meta.url), 'utf8');
  const start = source.indexOf(`export type ${type} =`);
  const end = source.indexOf(';', start);
  return [...source.slice(start, end).matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]!);
}

describe('docs/import.md', () => {
  const docs = readFileSync(new URL('../../../docs/import.md', import.meta.url), 'utf8');

  it.each([
    ['./imported-plan.ts', 'ImportProblemCode'],
    ['./import-error.ts', 'ImportErrorCode'],
  ])('documents every code of %s %s', (file, type) => {
    const codes = codesOf(file, type);
    expect(codes.length).toBeGreaterThan(10);
    expect(codes.filter((code) => !docs.includes(`\`${code}\``))).toEqual([]);
  });

  it('documents every layout and every import option of the CLI', () => {
    for (const layout of ['tab-separated', 'cell-per-line', 'pdf-extracted', 'csv', 'xlsx', 'review']) expect(docs).toContain(`\`${layout}\``);
    for (const option of ['--layout', '--review', '--infer-status', '--action-from-recommendation', '--progress-as-at', '--plan-date', '--mapping', '--sheet', '--dry-run']) expect(docs).toContain(`\`${option}`);
  });
});
