import { describe, expect, it } from '@jest/globals';
import { plainLines, plainText } from './plain-text.js';

describe('plainText', () => {
  it('turns each <p> paragraph into its own line and drops the tags', () => {
    expect(plainText('<p>April 2012</p> <p>18<sup>th</sup> June 2012</p>')).toBe('April 2012\n18th June 2012');
  });

  it('joins a superscript ordinal to its number', () => {
    expect(plainText('9 <sup>th</sup> June 2012')).toBe('9th June 2012');
    expect(plainText('Workshop 3 <sup>rd</sup> May 2012 to agree pathway')).toBe('Workshop 3rd May 2012 to agree pathway');
  });

  it('makes each list item a bullet line', () => {
    expect(plainText("<ul> <li>develop the basis for a national children's social worker supply strategy,</li> </ul>")).toBe(
      "• develop the basis for a national children's social worker supply strategy,",
    );
  });

  it('does not double a bullet that Word wrote inside the list item', () => {
    const html = '<ul style="list-style-type: none"> <li>• Immediate perception of impact</li> <li>• 6 week post course evaluation</li> </ul>';
    expect(plainLines(html)).toEqual(['• Immediate perception of impact', '• 6 week post course evaluation']);
  });

  it("reads Word's double bullet as one bullet", () => {
    expect(plainText('•• core group meetings, reviews and casework decisions')).toBe('• core group meetings, reviews and casework decisions');
  });

  it('decodes named and numeric entities', () => {
    expect(plainText('Chris Myers &amp; Dawn Andrews SEPT &#8211; &nbsp;East')).toBe('Chris Myers & Dawn Andrews SEPT – East');
  });

  it("reads Word's manual line break (a vertical tab) as a new line", () => {
    expect(plainLines('Martin Pratt\u000bCatherine Parry')).toEqual(['Martin Pratt', 'Catherine Parry']);
  });

  it('reads a run of spaces as the paragraph break Word flattened', () => {
    expect(plainLines('May 2012  September 2012')).toEqual(['May 2012', 'September 2012']);
  });

  it('tidies whitespace inside a line and drops empty lines', () => {
    expect(plainText('  <b>Phase 1:</b> Safeguarding \u00a0</p><p> </p>')).toBe('Phase 1: Safeguarding');
    expect(plainText('')).toBe('');
  });
});
