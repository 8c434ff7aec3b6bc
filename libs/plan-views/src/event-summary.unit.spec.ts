import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { clip } from './event-summary.js';

/** The clip as it was before it flattened only a head of the text: the whole text flattened, then cut. */
function clipOfWholeText(text: string, max = 140): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

// Words, and white space of every kind JavaScript's \s and trim() know, in runs long enough to cross the head's cut.
const piece = fc.oneof(
  fc.string({ minLength: 1, maxLength: 30 }),
  fc.constantFrom(' ', '  ', '\n', '\r\n', '\t', '\u00a0', '\u2028', '\ufeff', '\u3000'),
  fc.integer({ min: 1, max: 700 }).map((n) => ' '.repeat(n)),
  fc.integer({ min: 1, max: 300 }).map((n) => '\n\t'.repeat(n)),
);
const text = fc.array(piece, { maxLength: 120 }).map((pieces) => pieces.join(''));

describe('clip', () => {
  it('gives what flattening the whole text gives, for short, long and mostly white texts and any width', () => {
    fc.assert(
      fc.property(text, fc.integer({ min: 1, max: 200 }), (sample, max) => {
        expect(clip(sample, max)).toBe(clipOfWholeText(sample, max));
        expect(clip(sample)).toBe(clipOfWholeText(sample));
      }),
      { numRuns: 3000 },
    );
  });

  it('cuts a 20,000-character note to one line of 140 characters', () => {
    const note = `  Met the\npartners. ${'Progress noted;\t'.repeat(1300)}`;
    expect(clip(note)).toHaveLength(140);
    expect(clip(note)).toBe(clipOfWholeText(note));
    expect(clip(note).startsWith('Met the partners. Progress noted; ')).toBe(true);
  });

  it('finds the words after a head that is all white space', () => {
    const note = `${' '.repeat(1000)}late start`;
    expect(clip(note)).toBe('late start');
  });
});
