import type { Cadence, Target } from './target.js';
import { decodeHtmlEntities } from '../shared/html-entities.js';

/**
 * Reads the "when" that councils write in a plan's target column: "30 September 2012",
 * "Sept 2012 and ongoing", "First audit by June 2009. Thereafter 6 monthly or as required",
 * "Awaiting guidance", "Report at Operations Board (bimonthly)".
 *
 * Pure: no clock, no I/O, no locale. The words are kept exactly as written (trimmed); what we
 * understood sits beside them. Anything that no rule below reads as a whole comes back as
 * 'unparsed' rather than half-read, so a wrong due date never reaches the RAG rules unflagged.
 *
 * How a cell is read:
 * 1. HTML from Word is made plain: block tags (`<p>`, `<li>`, `<br>`) and runs of two or more
 *    spaces (how Word pastes separate paragraphs) split the cell into paragraphs; inline tags are
 *    dropped ("9 <sup>th</sup> June 2012" → "9 th June 2012"); entities are decoded (`&amp;`,
 *    `&nbsp;`, `&#8211;`).
 * 2. In each paragraph the dates are found and marked, then the cadences; the rules then read the
 *    shape that is left ("First audit by ⟦D⟧. Thereafter ⟦C⟧ or as required"), in this order:
 *    empty, completed, to be advised, awaiting, ongoing, date-and-ongoing, date-then-cadence,
 *    cadence, meeting or report, plain date.
 * 3. Several paragraphs are several sub-actions of one row: see {@link combineParagraphs}.
 *
 * Dates are read the UK way: day before month ("1.10.09" is 1 October 2009), two-digit years
 * are 20xx ("July 09" is July 2009). A month is due on its last day ("May/June 09" on the last
 * day of June); a season on the last day of its last month (Met Office seasons: spring Mar–May,
 * summer Jun–Aug, autumn Sep–Nov, winter Dec to Feb of the next year); a financial year
 * "2009/10" on 31 March 2010.
 * "Bi monthly" means every two months, as the plans use it, not twice a month.
 *
 * `ongoing` says what happens after `due`: true, the commitment goes on ("Sept 2012 and
 * ongoing", "Thereafter 6 monthly", a bare "Quarterly" or "Ongoing" with no end); false, the words
 * end it there ("On going throughout the one year programme to March 2013", "Monthly throughout
 * 2009/10"); absent, a one-off deadline.
 */

/** A start date as far as the words give it: see {@link parseBusinessDate}. */
export interface BusinessDate {
  /** ISO date (YYYY-MM-DD). */
  readonly date: string;
  readonly precision: 'day' | 'month';
}

/**
 * Reads a target cell. `text` in the result is the argument trimmed, never rewritten.
 *
 * When the cell holds several paragraphs (several dates for several sub-actions, e.g.
 * `<p>10<sup>th</sup> July 2012</p> <p>May 2012</p>`), the LATEST date is the due date: the row
 * is done when its last sub-action is. See {@link combineParagraphs} for how the kinds combine.
 */
export function parseTarget(text: string): Target {
  const written = text.trim();
  const paragraphs = paragraphsOf(written);
  let reading = combineParagraphs(paragraphs.map(readParagraph));
  if (reading.kind === 'unparsed' && paragraphs.length > 1) {
    // A stray double space inside one phrase ("Sept 2012  and ongoing") is not a new paragraph.
    reading = readParagraph(paragraphs.join(' '));
  }
  return { text: written, ...reading };
}

/**
 * Reads a start date: "3rd May 2012", "18<sup>th</sup> June 2012", "1.10.09", "May 2012",
 * "Mar 2012". Returns null for an empty cell or words that are not a date.
 *
 * Asymmetry, on purpose: a start date known only to the month is the FIRST day of that month
 * ("May 2012" starts on 2012-05-01: work starts from the beginning of May), while
 * {@link parseTarget} puts a due month on its LAST day ("May 2012" is due by 2012-05-31). Read
 * either way round, a month-long action would be late before it began. A season starts on the
 * first day of its first month ("Summer 2012" → 2012-06-01, precision 'month'), a financial year
 * on 1 April. When the cell holds several paragraphs, the EARLIEST date is the start.
 */
export function parseBusinessDate(text: string): BusinessDate | null {
  const paragraphs = paragraphsOf(text.trim());
  if (paragraphs.length === 0) return null;
  let earliest: BusinessDate | null = null;
  for (const paragraph of paragraphs) {
    const start = readStart(paragraph);
    if (start === null) return paragraphs.length > 1 ? readStart(paragraphs.join(' ')) : null;
    if (earliest === null || start.date < earliest.date) earliest = start;
  }
  return earliest;
}

// ---------------------------------------------------------------------------------------------
// From Word's HTML to plain paragraphs

const BLOCK_TAG = /<\/?(?:p|div|li|ul|ol|br|tr|td|th|h[1-6])\b[^>]*>/gi;
const ANY_TAG = /<[^>]*>/g;


function paragraphsOf(html: string): string[] {
  const plain = decodeHtmlEntities(html.replace(BLOCK_TAG, '\n').replace(ANY_TAG, ''))
    .replace(/[\u00a0\u2007\u202f]/g, ' ')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u2013\u2014]/g, '-');
  return plain
    .split(/\s*\n\s*|\t| {2,}/)
    .map((paragraph) =>
      paragraph
        .replace(/\s+/g, ' ')
        .replace(/^[•·*\-\s]+/, '')
        .replace(/[\s.,;:]+$/, '')
        .trim(),
    )
    .filter((paragraph) => paragraph !== '');
}

// ---------------------------------------------------------------------------------------------
// Dates ("when") and cadences, found in a paragraph and replaced by marks

interface When {
  readonly type: 'day' | 'month' | 'season' | 'financial-year';
  /** First day it covers: what a start date means. */
  readonly first: string;
  /** Last day it covers: what a due date means. */
  readonly last: string;
}

const DATE_MARK = '\u27e6D\u27e7'; // ⟦D⟧
const CADENCE_MARK = '\u27e6C\u27e7'; // ⟦C⟧
/** Words between marks: anything but the start of a mark. */
const WORDS = String.raw`[^\u27e6]`;

const MONTH = String.raw`(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b\.?`;
const YEAR = String.raw`(\d{4}|'?\d{2})\b`;
const MONTH_NUMBERS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

const WHEN = new RegExp(
  [
    String.raw`\b(\d{1,2})[./-](\d{1,2})[./-](\d{4}|\d{2})\b`, // 1.10.09, 01/10/2009
    String.raw`\b(\d{1,2})\s*(?:st|nd|rd|th)?\s+(?:of\s+)?${MONTH}\s*,?\s+${YEAR}`, // 9th June 2012
    String.raw`\b${MONTH}\s*[/&-]\s*${MONTH}\s*,?\s+${YEAR}`, // May/June 09: from May, due by the end of June
    String.raw`\b${MONTH}\s*,?\s+${YEAR}`, // Sept 2012, July 09
    String.raw`\b(spring|summer|autumn|fall|winter)\s+${YEAR}`, // autumn 2009
    String.raw`\b(\d{4})\s*[/-]\s*(\d{4}|\d{2})\b`, // 2009/10, a financial year
  ].join('|'),
  'gi',
);

function whenFrom(match: RegExpMatchArray): When | undefined {
  const [, nd, nm, ny, dd, dm, dy, r1, r2, ry, mm, my, season, sy, fy, fyEnd] = match;
  if (nd && nm && ny) return dayWhen(yearOf(ny), Number(nm), Number(nd));
  if (dd && dm && dy) return dayWhen(yearOf(dy), monthOf(dm), Number(dd));
  if (r1 && r2 && ry) return monthsWhen(yearOf(ry), monthOf(r1), monthOf(r2));
  if (mm && my) return monthWhen(yearOf(my), monthOf(mm));
  if (season && sy) return seasonWhen(yearOf(sy), season.toLowerCase());
  if (fy && fyEnd) return financialYearWhen(Number(fy), fyEnd);
  return undefined;
}

function yearOf(written: string): number {
  const digits = written.replace("'", '');
  return digits.length === 2 ? 2000 + Number(digits) : Number(digits);
}

function monthOf(name: string): number {
  return MONTH_NUMBERS.indexOf(name.slice(0, 3).toLowerCase()) + 1;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

function isoDate(year: number, month: number, day: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function plausibleYear(year: number): boolean {
  return year >= 1900 && year <= 2099;
}

function dayWhen(year: number, month: number, day: number): When | undefined {
  if (!plausibleYear(year) || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const date = isoDate(year, month, day);
  return { type: 'day', first: date, last: date };
}

function monthWhen(year: number, month: number): When | undefined {
  if (!plausibleYear(year) || month < 1 || month > 12) return undefined;
  return { type: 'month', first: isoDate(year, month, 1), last: isoDate(year, month, daysInMonth(year, month)) };
}

/** "May/June 09": two months of one year, in order; "Dec/Jan 2012" is not read (which year?). */
function monthsWhen(year: number, from: number, to: number): When | undefined {
  const first = monthWhen(year, from);
  const last = monthWhen(year, to);
  return first && last && from < to ? { type: 'month', first: first.first, last: last.last } : undefined;
}

const SEASON_MONTHS: Readonly<Record<string, readonly [number, number]>> = {
  spring: [3, 5],
  summer: [6, 8],
  autumn: [9, 11],
  fall: [9, 11],
  winter: [12, 14], // December to February of the next year
};

function seasonWhen(year: number, season: string): When | undefined {
  const months = SEASON_MONTHS[season];
  if (!months || !plausibleYear(year)) return undefined;
  const [from, to] = months;
  const endYear = year + Math.floor((to - 1) / 12);
  const endMonth = ((to - 1) % 12) + 1;
  return {
    type: 'season',
    first: isoDate(year, from, 1),
    last: isoDate(endYear, endMonth, daysInMonth(endYear, endMonth)),
  };
}

/** "2009/10" is the UK financial year from 1 April 2009 to 31 March 2010; "2009/2012" is not one. */
function financialYearWhen(from: number, writtenEnd: string): When | undefined {
  const to = from + 1;
  const endsNextYear = writtenEnd.length === 2 ? Number(writtenEnd) === to % 100 : Number(writtenEnd) === to;
  if (!plausibleYear(from) || !endsNextYear) return undefined;
  return { type: 'financial-year', first: isoDate(from, 4, 1), last: isoDate(to, 3, 31) };
}

const NUMBER_WORDS: Readonly<Record<string, number>> = {
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  eight: 8,
  nine: 9,
  ten: 10,
  twelve: 12,
  eighteen: 18,
};
const NUMBER = String.raw`(?:\d{1,2}|one|two|three|four|five|six|eight|nine|ten|twelve|eighteen)`;

const CADENCE = new RegExp(
  String.raw`\b(?:bi[\s-]?(?:monthly|weekly)|${NUMBER}[\s-]?(?:monthly|weekly)|every\s+(?:other\s+|${NUMBER}\s+)?(?:days?|weeks?|months?|years?)|half[\s-]?yearly|bi[\s-]?annual(?:ly)?|twice[\s-](?:a\s+|per\s+)?year(?:ly)?|fortnightly|quarterly|monthly|weekly|daily|annual(?:ly)?|yearly)\b`,
  'gi',
);

function countOf(written: string): number | undefined {
  const count = /^\d+$/.test(written) ? Number(written) : NUMBER_WORDS[written];
  return count !== undefined && count > 0 ? count : undefined;
}

/** The cadence a matched phrase means; `label` keeps the phrase as written. */
function cadenceFrom(label: string): Cadence | undefined {
  const said = label.toLowerCase().replace(/[\s-]+/g, ' ');
  const cadence = (every: number | undefined, unit: Cadence['unit']): Cadence | undefined =>
    every === undefined ? undefined : { every, unit, label };
  let m: RegExpExecArray | null;
  if ((m = /^bi ?(monthly|weekly)$/.exec(said))) return cadence(2, m[1] === 'monthly' ? 'month' : 'week');
  if ((m = /^(\w+) ?(monthly|weekly)$/.exec(said))) return cadence(countOf(m[1] ?? ''), m[2] === 'monthly' ? 'month' : 'week');
  if ((m = /^every (?:(other) |(\w+) )?(day|week|month|year)s?$/.exec(said))) {
    const every = m[1] ? 2 : m[2] ? countOf(m[2]) : 1;
    return cadence(every, (m[3] ?? 'day') as Cadence['unit']);
  }
  if (/^(half ?yearly|bi ?annual(ly)?|twice (a |per )?year(ly)?)$/.test(said)) return cadence(6, 'month');
  const simple: Readonly<Record<string, readonly [number, Cadence['unit']]>> = {
    fortnightly: [2, 'week'],
    quarterly: [3, 'month'],
    monthly: [1, 'month'],
    weekly: [1, 'week'],
    daily: [1, 'day'],
    annual: [1, 'year'],
    annually: [1, 'year'],
    yearly: [1, 'year'],
  };
  const found = simple[said];
  return found ? cadence(found[0], found[1]) : undefined;
}

interface Paragraph {
  /** The paragraph with each date replaced by ⟦D⟧ and each cadence by ⟦C⟧, case kept. */
  readonly shape: string;
  readonly whens: readonly When[];
  readonly cadences: readonly Cadence[];
}

function paragraphOf(text: string): Paragraph {
  const whens: When[] = [];
  let shape = '';
  let from = 0;
  for (const match of text.matchAll(WHEN)) {
    const when = whenFrom(match);
    if (!when) continue; // "31 February 2012", "2009/2012": left as words, so the rules will not read them
    const at = match.index ?? 0;
    shape += text.slice(from, at) + DATE_MARK;
    from = at + match[0].length;
    whens.push(when);
  }
  shape += text.slice(from);

  const cadences: Cadence[] = [];
  shape = shape.replace(CADENCE, (phrase) => {
    const cadence = cadenceFrom(phrase);
    if (!cadence) return phrase;
    cadences.push(cadence);
    return CADENCE_MARK;
  });
  return { shape, whens, cadences };
}

// ---------------------------------------------------------------------------------------------
// The rules, one reading each

type Reading = Omit<Target, 'text'>;
type Rule = (paragraph: Paragraph) => Reading | undefined;

/** A regex over a paragraph's shape: `<D>` stands for a date mark, `<C>` for a cadence mark. */
function shapeRx(source: string): RegExp {
  return new RegExp(source.replaceAll('<D>', DATE_MARK).replaceAll('<C>', CADENCE_MARK), 'i');
}

function hasMarks(words: string | undefined): boolean {
  return words !== undefined && words.includes('\u27e6');
}

function onlyWhen(paragraph: Paragraph): When | undefined {
  return paragraph.whens.length === 1 ? paragraph.whens[0] : undefined;
}

function latestWhen(whens: readonly When[]): When | undefined {
  return whens.reduce<When | undefined>((latest, when) => (latest === undefined || when.last > latest.last ? when : latest), undefined);
}

const COMPLETED = shapeRx(String.raw`^(?:completed?|done)$`);
const TO_BE_ADVISED = shapeRx(
  String.raw`^(?:to\s+be\s+(?:advised|confirmed|agreed|determined|identified|decided|set)|tba|tbc)\b[\s.,;:-]*(.*)$`,
);
const AWAITED_CLAUSE = shapeRx(String.raw`^(?:awaiting|pending|once|when|until|following|after|subject\s+to)\s+(.+)$`);
const AWAITING = shapeRx(
  String.raw`^(?:with\s+immediate\s+effect,?\s+)?(?:awaiting|pending|once|when|(?:on|upon|following)\s+(?:publication|receipt)\s+of|subject\s+to)\s+(?!(?:required|needed|necessary|appropriate)$)(.+)$`,
);
const ONGOING_FIRST = shapeRx(String.raw`^(?:on[\s-]?going|continuous(?:ly)?|continuing|existing\s+requirement)\b(.*)$`);
const DATE_THEN_ONGOING = shapeRx(
  String.raw`^(?:${WORDS}*?\s)?<D>\s*[.,;]?\s*(?:(?:and|then|&)\s+|,\s*)?(?:on[\s-]?going|continuing|onwards)\b${WORDS}*$`,
);
const FROM_DATE = shapeRx(String.raw`^(?:from|starting|commencing|beginning)\s+<D>(?:\s+onwards)?$`);
const DATE_THEN_CADENCE = shapeRx(
  String.raw`^(?:${WORDS}*?\s)?<D>\s*[.,;]?\s*(?:(?:and|then|&)\s+)?(?:thereafter\s+)?(?:review(?:ed)?\s+)?<C>(?:\s+thereafter)?(?:\s+or\s+as\s+(?:required|needed|necessary|appropriate))?$`,
);
const CADENCE_FIRST = shapeRx(String.raw`^(?:review(?:ed)?\s+)?<C>(.*)$`);
const BOUNDED_BY = shapeRx(String.raw`\b(?:to|until|till|through|throughout|up\s+to|end\s+of)\s+<D>`);
const STARTING_FROM = shapeRx(String.raw`\b(?:from|starting|commencing|beginning)\s+<D>`);
const EVENT_WORDS = /\b(?:meetings?|reports?|reporting|reported|board|committee|group|panel|conference|forum|workshop|peer\s+(?:challenge|review))\b/i;
const PLAIN_DATE = shapeRx(
  String.raw`^(?:(?:by|before|review|reviewed|target|due|deadline|(?:by\s+)?(?:the\s+)?end\s+of|no\s+later\s+than|not\s+later\s+than)\s*:?\s+)?<D>(?:\s*\([^\u27e6)]*\)|\s+for\s+${WORDS}*)?$`,
);

const DATE_SPAN = shapeRx(String.raw`^(?:from\s+)?<D>\s*(?:-|to|until|–)?\s*<D>$`);
const CADENCE_THEN_DATE = shapeRx(String.raw`^<C>\s*(?:from|starting|commencing|beginning)?\s*<D>(?:\s+onwards)?$`);
const REVISION_WORDS = String.raw`(?:revised|re-?scheduled|changed|moved|slipped|extended|amended|deferred|put\s+back)`;
const REVISED = shapeRx(String.raw`^(?:by\s+)?<D>\s*[.,;:]?\s*\(?\s*(?:now\s+)?${REVISION_WORDS}(?:\s+(?:date|target|deadline|timescale))?\s*(?:to|until)?\s*:?\s*<D>\s*\)?$`);
const REVISION_SPLIT = new RegExp(String.raw`^(.+?)\s*[.,;:]?\s*\(?\s*((?:now\s+)?${REVISION_WORDS}(?:\s+(?:date|target|deadline|timescale))?\s*(?:to|until)?\s*:?\s*(.+?))\s*\)?\s*$`, 'is');

/**
 * A target written as a baseline and its revision, "February 2010 Revised to May 2010": the baseline as
 * written and the revised target, so an import can record the plan's own slip. Undefined for any other shape.
 */
export function revisedTarget(text: string): { baseline: string; revised: string } | undefined {
  const written = text.trim().replace(/\s*\n\s*/g, ' ');
  const paragraph = paragraphOf(written);
  if (paragraph.whens.length !== 2 || !REVISED.test(paragraph.shape)) return undefined;
  const m = REVISION_SPLIT.exec(written);
  const baseline = m?.[1]?.trim();
  const revised = m?.[3]?.trim();
  if (!baseline || !revised || paragraphOf(baseline).whens.length !== 1 || paragraphOf(revised).whens.length !== 1) return undefined;
  return { baseline, revised };
}

/**
 * What is awaited, in a few words: "guidance is available" → "guidance", "guidance published" →
 * "guidance", "the courses have been developed by X" → "the courses to be developed by X".
 */
function awaitedThing(clause: string): string {
  const said = clause.trim().replace(/[\s.,;:]+$/, '');
  const available = /^(.+?)\s+(?:(?:is|are|has\s+been|have\s+been|being|to\s+be)\s+)?(?:available|published|issued|received|released|in\s+place)$/i.exec(said);
  if (available?.[1]) return available[1];
  const done = /^(.+?)\s+(?:has|have|is|are)\s+been\s+(\w+)(.*)$/i.exec(said);
  if (done?.[1] && done[2]) return `${done[1]} to be ${done[2]}${done[3] ?? ''}`;
  return said;
}

/**
 * The time span after "Ongoing …" or "Monthly …": no date, open-ended; "to/until/throughout ⟦D⟧",
 * it ends then; "from ⟦D⟧", it starts then and goes on. Anything else is not read.
 */
function spanAfter(rest: string, paragraph: Paragraph): { due?: string; ongoing: boolean } | undefined {
  if (rest.includes(CADENCE_MARK)) return undefined;
  if (!rest.includes(DATE_MARK)) return paragraph.whens.length === 0 ? { ongoing: true } : undefined;
  const when = onlyWhen(paragraph);
  if (!when) return undefined;
  if (BOUNDED_BY.test(rest)) return { due: when.last, ongoing: false };
  if (STARTING_FROM.test(rest)) return { due: when.last, ongoing: true };
  return undefined;
}

const RULES: readonly Rule[] = [
  // "" → none
  (p) => (p.shape === '' ? { kind: 'none' } : undefined),

  // "Completed"
  (p) => (COMPLETED.test(p.shape) ? { kind: 'completed' } : undefined),

  // "To be advised", "TBA", "To be advised Awaiting guidance", "To be identified when the courses have been developed by …"
  (p) => {
    const m = TO_BE_ADVISED.exec(p.shape);
    if (!m || hasMarks(m[1])) return undefined;
    const clause = AWAITED_CLAUSE.exec(m[1] ?? '');
    return clause?.[1] ? { kind: 'to-be-advised', awaiting: awaitedThing(clause[1]) } : { kind: 'to-be-advised' };
  },

  // "Awaiting guidance", "Once guidance published", "With immediate effect once guidance is available."
  (p) => {
    const m = AWAITING.exec(p.shape);
    return m?.[1] && !hasMarks(m[1]) ? { kind: 'awaiting', awaiting: awaitedThing(m[1]) } : undefined;
  },

  // "Ongoing", "Ongoing requirement in training", "Existing requirement",
  // "On going throughout the one year programme to March 2013" (ends then: ongoing false)
  (p) => {
    const m = ONGOING_FIRST.exec(p.shape);
    const span = m ? spanAfter(m[1] ?? '', p) : undefined;
    return span ? { kind: 'ongoing', ...span } : undefined;
  },

  // "Sept 2012 and ongoing", "Further training scheduled for autumn 2009 Ongoing through audit programme", "From October 2009"
  (p) => {
    const when = onlyWhen(p);
    if (!when || p.cadences.length > 0) return undefined;
    return DATE_THEN_ONGOING.test(p.shape) || FROM_DATE.test(p.shape) ? { kind: 'ongoing', due: when.last, ongoing: true } : undefined;
  },

  // "First audit by June 2009. Thereafter 6 monthly or as required", "October 2009.and monthly thereafter"
  (p) => {
    const when = onlyWhen(p);
    const cadence = p.cadences.length === 1 ? p.cadences[0] : undefined;
    if (!when || !cadence || !DATE_THEN_CADENCE.test(p.shape)) return undefined;
    return { kind: 'recurring', due: when.last, cadence, ongoing: true };
  },

  // "Quarterly", "Bi monthly", "Quarterly Local Safeguarding Children Board audit", "Monthly throughout 2009/10"
  (p) => {
    const m = CADENCE_FIRST.exec(p.shape);
    const cadence = p.cadences.length === 1 ? p.cadences[0] : undefined;
    const span = m && cadence ? spanAfter(m[1] ?? '', p) : undefined;
    return cadence && span ? { kind: 'recurring', cadence, ...span } : undefined;
  },

  // "July 09 meeting Training Commissioning Group", "Report at Operations Board (bimonthly)",
  // "First report to … June 2009", "Review February 2013 as part of peer challenge"
  (p) => {
    // A meeting's name alone ("Board to decide") gives no time: it takes a date or a cadence.
    if (!EVENT_WORDS.test(p.shape) || p.cadences.length > 1 || (p.whens.length === 0 && p.cadences.length === 0)) return undefined;
    const latest = latestWhen(p.whens);
    const cadence = p.cadences[0];
    return {
      kind: 'event',
      ...(latest ? { due: latest.last } : {}),
      ...(cadence ? { cadence, ongoing: true } : {}),
    };
  },

  // "30 September 2012", "9th June 2012", "1.10.09", "Sept 2012", "By December 2009", "Review February 2013",
  // "July 2009 ( first audit)", "Feb 2013 for validated data but earlier for unvalidated"
  (p) => {
    const when = onlyWhen(p);
    if (!when || !PLAIN_DATE.test(p.shape)) return undefined;
    return { kind: when.type === 'day' ? 'date' : 'month', due: when.last };
  },
  // "April 2010 Jun 2010", "Nov 09 Summer 10": a span written as two dates, due by the later
  (p) => {
    if (p.whens.length !== 2 || p.cadences.length > 0 || !DATE_SPAN.test(p.shape)) return undefined;
    const latest = latestWhen(p.whens)!;
    return { kind: latest.type === 'day' ? 'date' : 'month', due: latest.last };
  },

  // "Bi monthly February 2010": a cadence from its first date on
  (p) => {
    const when = onlyWhen(p);
    const cadence = p.cadences.length === 1 ? p.cadences[0] : undefined;
    if (!when || !cadence || !CADENCE_THEN_DATE.test(p.shape)) return undefined;
    return { kind: 'recurring', due: when.last, cadence, ongoing: true };
  },

  // "February 2010 Revised to May 2010": the revised date is the one due (the baseline is a slip, see revisedTarget)
  (p) => {
    if (p.whens.length !== 2 || p.cadences.length > 0 || !REVISED.test(p.shape)) return undefined;
    const revised = p.whens[1]!;
    return { kind: revised.type === 'day' ? 'date' : 'month', due: revised.last };
  },
];


function readParagraph(text: string): Reading {
  const paragraph = paragraphOf(text);
  for (const rule of RULES) {
    const reading = rule(paragraph);
    if (reading) return reading;
  }
  return { kind: 'unparsed' };
}

// ---------------------------------------------------------------------------------------------
// Several paragraphs in one cell

const KIND_PRECEDENCE: readonly Target['kind'][] = ['awaiting', 'to-be-advised', 'recurring', 'ongoing'];
const UNIT_DAYS: Readonly<Record<Cadence['unit'], number>> = { day: 1, week: 7, month: 30.44, year: 365.25 };
const daysApart = (cadence: Cadence): number => cadence.every * UNIT_DAYS[cadence.unit];

/**
 * One reading for a cell whose paragraphs are the sub-actions of one row:
 * - empty paragraphs are ignored; if any paragraph is unparsed, the cell is unparsed;
 * - 'completed' sub-actions do not hold the row open; all completed → completed;
 * - due is the LATEST due of the sub-actions: the row is done when its last part is;
 * - the kind is the first of awaiting, to-be-advised, recurring, ongoing that any part has
 *   (a row is not fully scheduled while a part waits; a repeating part keeps the row repeating),
 *   otherwise the kind of the part that is due last ('date', 'month' or 'event');
 * - the cadence is the most frequent one (the tightest commitment); ongoing is true if any part
 *   goes on past its date, false if a part is bounded and none goes on;
 * - awaiting is the first thing awaited.
 */
function combineParagraphs(readings: readonly Reading[]): Reading {
  const parts = readings.filter((reading) => reading.kind !== 'none');
  if (parts.length === 0) return { kind: 'none' };
  if (parts.length === 1) return parts[0] ?? { kind: 'none' };
  if (parts.some((part) => part.kind === 'unparsed')) return { kind: 'unparsed' };
  const open = parts.filter((part) => part.kind !== 'completed');
  if (open.length === 0) return { kind: 'completed' };

  const dueLast = open.reduce<Reading | undefined>(
    (latest, part) => (part.due !== undefined && (latest?.due === undefined || part.due > latest.due) ? part : latest),
    undefined,
  );
  const cadence = open
    .map((part) => part.cadence)
    .filter((c): c is Cadence => c !== undefined)
    .reduce<Cadence | undefined>((tightest, c) => (tightest === undefined || daysApart(c) < daysApart(tightest) ? c : tightest), undefined);
  const ongoing = open.some((part) => part.ongoing === true) ? true : open.some((part) => part.ongoing === false) ? false : undefined;
  const awaiting = open.find((part) => part.awaiting !== undefined)?.awaiting;
  const kind = KIND_PRECEDENCE.find((k) => open.some((part) => part.kind === k)) ?? dueLast?.kind ?? open[0]?.kind ?? 'unparsed';

  return {
    kind,
    ...(dueLast?.due !== undefined ? { due: dueLast.due } : {}),
    ...(cadence ? { cadence } : {}),
    ...(ongoing !== undefined ? { ongoing } : {}),
    ...(awaiting !== undefined ? { awaiting } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Start dates

const START_DATE = shapeRx(String.raw`^(?:(?:from|starting|commencing|start(?:ing)?\s+in|w/c|week\s+commencing)\s+)?<D>$`);

function readStart(text: string): BusinessDate | null {
  const paragraph = paragraphOf(text);
  const when = onlyWhen(paragraph);
  if (!when || !START_DATE.test(paragraph.shape)) return null;
  return { date: when.first, precision: when.type === 'day' ? 'day' : 'month' };
}
