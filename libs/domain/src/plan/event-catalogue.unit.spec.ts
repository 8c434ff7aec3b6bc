import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { AccessEventSchemas, PlanAccessedSchema } from '../access/access-events.js';
import { CURRENT_SCHEMA_VERSION, EventMetadata, PLAN_EVENT_TYPES, PlanEventSchemas, isPlanEventType } from './plan-events.js';

/**
 * docs/events.md is the catalogue of every event the ledger records. This keeps it honest: every event type
 * has a `## <Type>` section, no section names a type that does not exist, and each section's example is
 * valid JSON that the type's own schema accepts. Headings of one word are event types; prose sections use
 * headings of several words.
 */
const CATALOGUE = path.resolve(process.cwd(), 'docs/events.md');

const ACCESS_EVENT_TYPES = Object.keys(AccessEventSchemas);
/** Not in AccessEventSchemas: PlanAccessed is written to each organisation's access-log stream. */
const ACCESS_LOG_EVENT_TYPES = ['PlanAccessed'];
const KNOWN_TYPES = new Set<string>([...PLAN_EVENT_TYPES, ...ACCESS_EVENT_TYPES, ...ACCESS_LOG_EVENT_TYPES]);

interface Section {
  heading: string;
  line: number;
  body: string;
}

function sectionsOf(markdown: string): Section[] {
  const lines = markdown.split(/\r?\n/);
  const sections: Section[] = [];
  let current: Section | undefined;
  let inFence = false;
  lines.forEach((text, index) => {
    if (/^\s*```/.test(text)) inFence = !inFence;
    // Headings inside a fenced block (a shell comment, say) are not headings.
    const heading = inFence ? null : /^(#{1,2}) (.+?)\s*$/.exec(text);
    if (heading?.[1] === '##') {
      current = { heading: heading[2]!, line: index + 1, body: '' };
      sections.push(current);
    } else if (heading) {
      current = undefined; // a new top-level part of the page
    } else if (current) {
      current.body += `${text}\n`;
    }
  });
  return sections;
}

/** A one-word heading is an event type; "## How to read an entry" is prose. */
function eventSections(sections: Section[]): Section[] {
  return sections.filter((s) => /^\S+$/.test(s.heading));
}

function firstJsonExample(body: string): string | undefined {
  return /```json\n([\s\S]*?)\n```/.exec(body)?.[1];
}

const markdown = readFileSync(CATALOGUE, 'utf8');
const events = eventSections(sectionsOf(markdown));
const headings = events.map((s) => s.heading);

describe('the event catalogue (docs/events.md)', () => {
  it('has a section for every plan event type', () => {
    expect(PLAN_EVENT_TYPES.filter((type) => !headings.includes(type))).toEqual([]);
  });

  it('has a section for every access event type, and for PlanAccessed', () => {
    expect([...ACCESS_EVENT_TYPES, ...ACCESS_LOG_EVENT_TYPES].filter((type) => !headings.includes(type))).toEqual([]);
  });

  it('names no event type that does not exist', () => {
    const unknown = events.filter((s) => !KNOWN_TYPES.has(s.heading)).map((s) => `line ${s.line}: ## ${s.heading}`);
    expect(unknown).toEqual([]);
  });

  it('describes each event type once', () => {
    expect(headings.filter((heading, i) => headings.indexOf(heading) !== i)).toEqual([]);
  });

  it("gives each event an example that is valid JSON and that the type's schema accepts", () => {
    const problems: string[] = [];
    for (const section of events.filter((s) => KNOWN_TYPES.has(s.heading))) {
      const where = `## ${section.heading} (line ${section.line})`;
      const text = firstJsonExample(section.body);
      if (text === undefined) {
        problems.push(`${where}: no \`\`\`json example`);
        continue;
      }
      let example: { type?: unknown; data?: unknown; metadata?: { schemaVersion?: unknown } };
      try {
        example = JSON.parse(text) as typeof example;
      } catch (error) {
        problems.push(`${where}: the example is not JSON (${(error as Error).message})`);
        continue;
      }
      if (example.type !== section.heading) problems.push(`${where}: the example's type is ${JSON.stringify(example.type)}`);
      const type = section.heading;
      const schema = isPlanEventType(type)
        ? PlanEventSchemas[type]
        : type === 'PlanAccessed'
          ? PlanAccessedSchema
          : AccessEventSchemas[type as keyof typeof AccessEventSchemas];
      const data = schema.safeParse(example.data);
      if (!data.success) problems.push(`${where}: data ${data.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
      if (isPlanEventType(type)) {
        const metadata = EventMetadata.safeParse(example.metadata);
        if (!metadata.success) problems.push(`${where}: metadata ${metadata.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`);
        else if (metadata.data.schemaVersion !== CURRENT_SCHEMA_VERSION[type]) {
          problems.push(`${where}: metadata.schemaVersion is ${metadata.data.schemaVersion}, but the current version is ${CURRENT_SCHEMA_VERSION[type]}`);
        }
      } else if (example.metadata?.schemaVersion !== 1) {
        problems.push(`${where}: access events are written with metadata.schemaVersion 1`);
      }
    }
    expect(problems).toEqual([]);
  });
});
