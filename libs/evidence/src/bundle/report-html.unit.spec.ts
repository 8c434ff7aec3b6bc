import { beforeAll, describe, expect, it } from '@jest/globals';
import { BUNDLE_FILES } from './bundle-format.js';
import { esc } from './report-html.js';
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
