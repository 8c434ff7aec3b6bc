import { describe, expect, it } from '@jest/globals';
import { MalformedXmlError, XmlScanner, type XmlHandler } from './xml-scanner.js';

/** Scans `xml` fed in pieces of `size` bytes and lists what the handler heard. */
function scan(xml: string, size = 3): string[] {
  const heard: string[] = [];
  const handler: XmlHandler = {
    open: (name, attributes, selfClosing) => heard.push(`<${name}${[...attributes].map(([k, v]) => ` ${k}=${v}`).join('')}${selfClosing ? '/' : ''}>`),
    close: (name) => heard.push(`</${name}>`),
    text: (text) => (heard.length > 0 && heard[heard.length - 1]!.startsWith('"') ? (heard[heard.length - 1] = `${heard[heard.length - 1]!.slice(0, -1)}${text}"`) : heard.push(`"${text}"`)),
  };
  const scanner = new XmlScanner(handler);
  const bytes = new TextEncoder().encode(xml);
  for (let at = 0; at < bytes.length; at += size) scanner.push(bytes.subarray(at, at + size));
  scanner.end();
  return heard;
}

describe('XmlScanner', () => {
  it('reports elements, attributes and text, whatever pieces the bytes arrive in (a character cut in two included)', () => {
    const xml = `<?xml version="1.0"?><x:c r="A1" t='s' note="a &gt; b"><v>Caf&#233; &amp; “tea”</v><!-- no --><f/></x:c>`;
    const expected = ['<c r=A1 t=s note=a > b>', '<v>', '"Café & “tea”"', '</v>', '<f/>', '</c>'];
    for (const size of [1, 2, 3, 7, 1000]) expect(scan(xml, size)).toEqual(expected);
  });

  it('reads CDATA as text and leaves an entity it does not know as written', () => {
    expect(scan('<t><![CDATA[<b>&amp;</b>]]>&nbsp;</t>')).toEqual(['<t>', '"<b>&amp;</b>&nbsp;"', '</t>']);
  });

  it('refuses a DOCTYPE, so there are no entity definitions to expand, and a tag that never ends', () => {
    expect(() => scan('<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;</x>')).toThrow(MalformedXmlError);
    expect(() => scan(`<c r="${'A'.repeat(70_000)}`, 4096)).toThrow(/longer than any a spreadsheet writes/);
    expect(() => scan('<c r="A1"')).toThrow(/ends inside a tag/);
  });
});
