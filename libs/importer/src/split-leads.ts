/**
 * The leads named in one cell, as separate names:
 * "Martin Pratt / Rachel Deakin" → two; "<p>Anne Murray NHS Bedfordshire</p> <p>Medical Director</p>" → two;
 * "Designated Doctor  Designated Doctor for LAC" (Word's flattened paragraphs) → two; "DCS\nKSCB" → two;
 * "Martin Pratt;" → one; "DCS and KSCB", "Audit Manager and Head of QA" → two.
 *
 * Split on paragraphs (lines of the plain text), "/" and ";". On " and " only when EVERY part is a role or a
 * name on its own (see {@link isRoleOrName}): "HOS Fostering and Adoption" stays one role ("Adoption" is
 * not one), and "Martin Pratt and key partners from education, health, police and probation" stays one
 * responsibility. Never on "&" or ",": "HOS Learning & School Support" is one role, "Interim Assistant
 * Director, Children's Services Operations" is one. A wrong split invents a lead who does not exist; a
 * missed split leaves two names in one lead, which still reads correctly. So does "Martin Pratt Catherine
 * Parry" (no separator at all): it stays as written.
 */
export function splitLeads(cell: string): string[] {
  const seen = new Set<string>();
  const leads: string[] = [];
  for (const part of cell.split(/\n|\/|;/).flatMap(splitOnAnd)) {
    const lead = tidyLead(part);
    if (lead === '' || seen.has(lead.toLowerCase())) continue;
    seen.add(lead.toLowerCase());
    leads.push(lead);
  }
  return leads;
}

function tidyLead(part: string): string {
  return part
    .replace(/^[\s•,;:.]+/, '')
    .replace(/[\s.,:]+$/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function splitOnAnd(part: string): string[] {
  const pieces = part.split(/\s+and\s+/);
  if (pieces.length < 2) return [part];
  const tidy = pieces.map(tidyLead);
  if (!tidy.every(isRoleOrName)) return [part];
  // "Head of Partnerships Performance and WFD": what follows "of" is the same role's remit, unless it is a role or a person itself.
  const remit = tidy.some((piece, i) => i < tidy.length - 1 && /\b(?:of|for)\b/i.test(piece) && !ROLE_NOUN.test(tidy[i + 1]!) && !isPerson(tidy[i + 1]!));
  return remit ? [part] : pieces;
}

/** "Sue Ioannou", "Dr A. Khan": two or three names, none of them a word of a service's name. */
function isPerson(text: string): boolean {
  const words = text.split(' ');
  return (
    words.length >= 2 &&
    words.length <= 3 &&
    words.every((word) => /^(?:[A-Z][a-z'’-]+|[A-Z]\.?|Dr|Mr|Mrs|Ms|Cllr)$/.test(word) && !SERVICE_WORDS.has(word.toLowerCase()))
  );
}

const SERVICE_WORDS = new Set(
  'care social learning development services service health children childrens children’s children\'s young people performance education safeguarding quality audit policy partnerships partnership adoption fostering school schools support family families early intervention prevention youth offending workforce training strategy protection corporate business community mental public housing police probation county borough city council district'.split(' '),
);

const ROLE_NOUN =
  /\b(?:managers?|directors?|officers?|leads?|chair(?:man|person)?|board|team|advis[eo]rs?|co-?ordinators?|executive|commissioners?|doctors?|nurses?|partnership|group|panel|committee|services?|principal|consultants?|workers?|champions?|members?|council|trust|heads?|mayor|leader|solicitor|ombudsman|inspector)$/i;
const ROLE_START = /^(?:head|chair|director|assistant director|deputy|chief|interim|acting|lead member|portfolio holder|cabinet member)\b/i;
const CONNECTIVE = /^(?:of|for|the|&|in|to|with)$/;

/**
 * A lead on its own: an acronym ("DCS", "KSCB", "LSCB's"), a person's name ("Sue Ioannou", "Dr A. Khan"),
 * or a role ("Audit Manager", "Head of QA", "Assistant Director Children's Services"). Every word capitalised
 * (or a short connective: "of", "for", "the"), at most seven words.
 */
export function isRoleOrName(text: string): boolean {
  const words = text.split(' ').filter(Boolean);
  if (words.length === 0 || words.length > 7) return false;
  if (!words.every((word) => CONNECTIVE.test(word) || /^(?:[A-Z(]|\d)/.test(word))) return false;
  if (CONNECTIVE.test(words[0]!) || CONNECTIVE.test(words.at(-1)!)) return false;
  if (words.length === 1) return /^[A-Z]{2,8}(?:'?s)?$/.test(words[0]!) || ROLE_NOUN.test(words[0]!);
  if (ROLE_NOUN.test(text) || ROLE_START.test(text)) return true;
  return isPerson(text);
}

const PERSON_ROLE = /\b(?:managers?|directors?|officers?|leads?|chair(?:man|person)?|advis[eo]rs?|co-?ordinators?|executive|commissioners?|doctors?|nurses?|principal|consultants?|workers?|champions?|members?|heads?|leader|solicitor|inspector)$/i;

/**
 * A lead that stands on its own line of a PDF's lead column as a separate lead, not the rest of the line above:
 * an acronym ("KSCB"), a person ("Sue Ioannou") or a person's role ("Audit Manager", "Head of QA"). A service's
 * name ("Children's Services") more often finishes the role above it ("Assistant Director" / "Children's Services").
 */
export function isStandaloneLead(text: string): boolean {
  const words = text.split(' ').filter(Boolean);
  if (words.length === 1) return /^[A-Z]{2,8}(?:'?s)?$/.test(words[0]!);
  if (!isRoleOrName(text)) return false;
  return isPerson(text) || PERSON_ROLE.test(text) || (ROLE_START.test(text) && !/\b(?:of|for)$/i.test(text));
}
