/**
 * References as plans write them. A plan numbers its recommendations "4", "19(b)", "1, 2 & 4" (Ofsted's key
 * deliverables), "34." — and other councils "Ref 34", "R34", "Rec 34", "Recommendation 34", "4.1.2".
 */
const ONE_REF = String.raw`(?:\d{1,3}[a-z]?(?:\.\d{1,3}[a-z]?){0,3}(?:\s*\([a-z0-9]{1,4}\))?)`;
const PREFIX = String.raw`(?:(?:ref(?:erence)?|rec(?:ommendation)?|r|no|item|para(?:graph)?)\.?\s*(?:no\.?\s*)?:?\s*)`;
const REF = new RegExp(String.raw`^(?:all|${PREFIX}?${ONE_REF}(?:\s*(?:,|&|and|-|–)\s*${ONE_REF})*)\.?$`, 'i');

/** "4", "19(b)", "1.", "1, 2, 3, 4", "Ref 34", "R34", "4.1.2": a reference, not a sentence that wandered into the column. */
export function looksLikeRef(text: string): boolean {
  return REF.test(text.trim());
}

/** "1." → "1"; "1, 2 & 4" → "1,2&4"; "Ref 34", "R34", "Rec. 34" → "34": the reference as a compact token. */
export function normaliseRef(text: string): string {
  return text
    .trim()
    .replace(new RegExp(`^${PREFIX}(?=\\d)`, 'i'), '')
    .replace(/\.$/, '')
    .replace(/\s+/g, '')
    .replace(/and/gi, '&');
}

/** The reference was written with a word before it ("Ref 34", "R34"): the plan's own numbering, read as 34. */
export function refHasPrefix(text: string): boolean {
  return new RegExp(`^${PREFIX}\\d`, 'i').test(text.trim()) && !/^\d/.test(text.trim());
}
