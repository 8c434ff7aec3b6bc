import { decodeHtmlEntities } from '#domain';
/**
 * A table cell pasted from Word, as the words a reader sees: one line per paragraph or list item.
 *
 * - `<p>`, `<br>`, `<div>`, list tags and Word's manual line break (a vertical tab) end a line; each `<li>` starts one with "• ".
 * - A run of two or more spaces is a paragraph break too: that is how Word flattens the paragraphs of
 *   one cell when it pastes text ("May 2012  September 2012" is two start dates).
 * - Superscripts join the word before them, so ordinals read as written: "9 <sup>th</sup> June" → "9th June".
 * - Other tags (`<b>`, `<span>`) are dropped; entities are decoded (`&amp;` → "&", `&#8211;` → "–").
 * - Word's bullet glyphs at the start of a line ("•", "••", "·", the Symbol-font bullet) become one "• ".
 * - Whitespace inside a line is one space; empty lines are dropped. Quotes and dashes are kept as written.
 */
export function plainText(html: string): string {
  return plainLines(html).join('\n');
}

/** The lines of {@link plainText}. */
export function plainLines(html: string): string[] {
  const text = html
    // Word's manual line break inside a cell is a vertical tab.
    .replace(/\r\n?|\u000b/g, '\n')
    .replace(/\s*<sup\b[^>]*>\s*([^<]*?)\s*<\/sup>/gi, '$1')
    .replace(/<li\b[^>]*>/gi, '\n• ')
    .replace(/<\/?(?:p|div|br|ul|ol|li|tr|td|th|h[1-6]|table|thead|tbody)\b[^>]*>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/\t/g, '  ');
  // Split before decoding entities: only spaces typed as spaces are Word's paragraph breaks, not `&nbsp;`.
  return text
    .split(/\n| {2,}/)
    .map((line) => tidyLine(decodeHtmlEntities(line)))
    .filter((line) => line !== '');
}

const BULLETS = /^(?:[•·▪●◦\uf0b7]\s*)+/;

function tidyLine(line: string): string {
  const words = line.replace(/[\s\u00a0\u2007\u202f]+/g, ' ').trim();
  if (!BULLETS.test(words)) return words;
  const item = words.replace(BULLETS, '').trim();
  return item === '' ? '' : `• ${item}`;
}


