import { beforeAll, describe, expect, it } from '@jest/globals';
import { BUNDLE_FILES } from './bundle-format.js';
import { formatUkDate } from '#domain';
import { esc, renderBundleReport, ukInstant } from './report-html.js';
import { EVIDENCE_BYTES, testSigningKey, unzipBundle } from './testing/bundle-test-plan.js';
import { buildTestBundle } from './testing/test-bundle.js';

const key = testSigningKey();
let html: string;
let fileName: string;

beforeAll(async () => {
  const built = await buildTestBundle(key, { readEvidenceFile: async () => EVIDENCE_BYTES });
  html = unzipBundle(built.zip).get(BUNDLE_FILES.report)!.toString('utf8');
  fileName = built.fileName;
});

/** The text a reader sees: tags dropped, entities decoded. */
function visibleText(markup: string): string {
  return markup
    .replace(/<style>[\s\S]*?<\/style>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

describe('report.html', () => {
  it('escapes plan text, so <, & and quotes are shown and never become markup', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<Action>');
    expect(html).toContain('Post-Inspection &lt;Action&gt; Plan &amp; &quot;Next Steps&quot;');
    expect(visibleText(html)).toContain('Guidance on chronologies <script>alert("x")</script> & case files');
    expect(esc(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(esc('Plain text – no markup, 31/03/2013')).toBe('Plain text – no markup, 31/03/2013');
    expect(esc('&&')).toBe('&amp;&amp;');
  });

  it('is one self-contained file: no scripts, nothing fetched, a print stylesheet', () => {
    expect(html).not.toMatch(/<script|<link|<img|<iframe|\bsrc=|@import|url\(|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('@media print');
    expect(html).toContain('@page { size: A4 landscape');
  });

  it('heads the report with the plan, who it is for, the period, the instant and the time axis', () => {
    const text = visibleText(html);
    expect(html).toContain('<title>Evidence bundle: Post-Inspection &lt;Action&gt; Plan &amp; &quot;Next Steps&quot; as at 31 Dec 2012</title>');
    for (const words of [
      'Organisation Central Bedfordshire Council',
      'Responds to Ofsted inspection of safeguarding and looked after children, 2012',
      'Period 2012-2013',
      'As at 31 Dec 2012, end of day',
      'Effective time: what was true at that date',
    ]) {
      expect(text).toContain(words);
    }
  });

  it('gives the roll-up sentence and lays the plan out as the council does, with UK dates and RAG in words and colour', () => {
    const text = visibleText(html);
    expect(text).toContain('0 of 1 recommendation completed in full');
    expect(text).toContain('Ref Recommendation Action Lead Target (as written) Latest progress RAG');
    expect(text).toContain('Work Stream 1: Safeguarding – actions in first six months');
    expect(text).toContain('1.2 Evaluate impact through audit Audit Manager 31 December 2012 Originally: 31 October 2012 (moved 1 time) As at 30 Nov 2012: First audit completed (Sue Ioannou) Amber');
    expect(text).toContain('Completed 20 Sep 2012');
    const cells = [...html.matchAll(/<td class="rag rag-(\w+)"><strong>([^<]+)<\/strong>/g)].map((m) => [m[1], m[2]]);
    expect(cells).toEqual(expect.arrayContaining([['green', 'Green'], ['amber', 'Amber'], ['awaiting', 'Awaiting']]));
    for (const [rating, word] of cells) expect(word!.toLowerCase().replace(' ', '_')).toBe(rating);
  });

  it('charts RAG over time as inline SVG, a column per month, with a legend in words', () => {
    expect(html).toMatch(/<svg class="chart" viewBox="0 0 1000 300" role="img"/);
    expect(html).toContain('<title>Sep 2012: 1 Green</title>');
    expect(html).toContain('<title>As at 31 Dec 2012: 1 Amber</title>');
    expect(visibleText(html)).toContain('Green Amber Red Awaiting No target Complete');
  });

  it('lists every event in the audit trail with its summary, actor, recorded and effective dates', () => {
    const text = visibleText(html);
    expect(text).toContain('7 21 Sep 2012, 10:00:00 UTC 20 Sep 2012 back-dated Rachel Deakin Action 1.1 marked completed on 20 Sep 2012 by Rachel Deakin');
    expect(text).toContain('10 1 Feb 2013, 10:00:00 UTC 30 Nov 2012 back-dated Sue Ioannou Progress on action 1.2 as at 30 Nov 2012 recorded by Sue Ioannou: "First audit completed"');
  });

  it('says how to verify the bundle with the exact commands and the key fingerprint', () => {
    const text = visibleText(html);
    expect(text).toContain(`unzip -q ${fileName} -d bundle && cd bundle sha256sum -c SHA256SUMS`);
    expect(text).toContain('openssl pkeyutl -verify -pubin -inkey signing-key.pem -rawin -in manifest.json -sigfile manifest.sig');
    expect(text).toContain('openssl pkey -pubin -in signing-key.pem -outform DER | sha256sum');
    expect(text).toContain(key.fingerprint.replace('SHA256:', ''));
    expect(text).toContain(`ledger verify ${fileName}`);
    expect(text).toContain('1 attached evidence file is in the evidence/ folder');
  });
});

describe('ukInstant', () => {
  /** The reading every instant had before the digits were read directly: parse, toISOString, the UK date of its day. */
  function parsed(instant: string): string {
    const iso = new Date(instant).toISOString();
    const date = formatUkDate(iso.slice(0, 10));
    const time = iso.slice(11, 23);
    if (time === '23:59:59.999') return `${date}, end of day`;
    if (time === '00:00:00.000') return date;
    return `${date}, ${iso.slice(11, 19)} UTC`;
  }

  it('reads an instant by its digits exactly as parsing it does', () => {
    const instants = [
      '2012-09-30T23:59:59.999Z', '2012-10-01T00:00:00.000Z', '2026-11-23T15:20:07.123Z', '2012-02-29T12:00:00.000Z', '2000-02-29T00:00:00.000Z',
      '0900-01-05T01:02:03.004Z', '9999-12-31T23:59:59.999Z', '2012-12-31T00:00:00.001Z',
      // Not as toISOString writes them, or not real: parsed, as before.
      '2012-09-30T23:59:59Z', '2012-09-30T23:59:59.999+01:00', '2012-09-30', '2013-02-29T00:00:00.000Z', '1900-02-29T00:00:00.000Z', '2012-04-31T10:00:00.000Z', '2012-13-01T00:00:00.000Z',
    ];
    for (let ms = Date.UTC(2009, 0, 1); ms < Date.UTC(2016, 0, 1); ms += 86_400_000 * 3 + 3_723_017) instants.push(new Date(ms).toISOString());
    for (const instant of instants) {
      let expected: string;
      try {
        expected = parsed(instant);
      } catch {
        expect(() => ukInstant(instant)).toThrow();
        continue;
      }
      expect({ instant, text: ukInstant(instant) }).toEqual({ instant, text: expected });
    }
  });
});

describe('renderBundleReport given the fold it needs', () => {
  it('writes the same report as when it folds the events itself', async () => {
    const { bundledPlanStateAndFold } = await import('./bundled-plan-state.js');
    const { bundleEventLine, parseBundleEvents, planEventsOfLines } = await import('./bundle-events.js');
    const { testPlanEvents, TEST_PLAN_ID } = await import('./testing/bundle-test-plan.js');
    const { DEFAULT_RAG_RULES } = await import('#domain');
    const read = parseBundleEvents(Buffer.from(`${testPlanEvents().map(bundleEventLine).join('\n')}\n`, 'utf8'));
    if (!read.ok) throw new Error(read.problem);
    const events = planEventsOfLines(read.lines);
    const bundled = bundledPlanStateAndFold(events, { planId: TEST_PLAN_ID, asAt: '2013-03-01T09:00:00.000Z', time: 'recorded' }, DEFAULT_RAG_RULES)!;
    const facts = { bundleFileName: 'plan.zip', createdAt: '2013-03-01T09:00:00.000Z', generator: { name: 'test', version: '1' }, keyFingerprint: key.fingerprint, eventCount: events.length, headHash: 'a'.repeat(64), merkleRootHash: 'b'.repeat(64), rules: DEFAULT_RAG_RULES, evidenceFiles: { included: false, missing: [], bundled: [] } };
    expect(renderBundleReport(bundled.state, events, facts, bundled.plan)).toBe(renderBundleReport(bundled.state, events, facts));
  });
});

