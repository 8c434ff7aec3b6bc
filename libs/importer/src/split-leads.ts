/**
 * The leads named in one cell, as separate names:
 * "Martin Pratt / Rachel Deakin" → two; "<p>Anne Murray NHS Bedfordshire</p> <p>Medical Director</p>" → two;
 * "Designated Doctor  Designated Doctor for LAC" (Word's flattened paragraphs) → two; "Martin Pratt;" → one.
 *
 * Split on paragraphs (lines of the plain text), "/" and ";". Deliberately NOT on "and", "&" or ",":
 * "Head of QA and Audit Manager" may be one person or two, "HOS Learning & School Support" is one role,
 * "Interim Assistant Director, Children's Services Operations" is one role, and "Martin Pratt and key
 * partners from education, health, police and probation" is one responsibility. A wrong split invents a
 * lead who does not exist; a missed split leaves two names in one lead, which still reads correctly.
 * So does "Martin Pratt Catherine Parry" (no separator at all): it stays as written.
 */
export function splitLeads(cell: string): string[] {
  const seen = new Set<string>();
  const leads: string[] = [];
  for (const part of cell.split(/\n|\/|;/)) {
    const lead = part
      .replace(/^[\s•,;:.]+/, '')
      .replace(/[\s.,:]+$/, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (lead === '' || seen.has(lead.toLowerCase())) continue;
    seen.add(lead.toLowerCase());
    leads.push(lead);
  }
  return leads;
}
