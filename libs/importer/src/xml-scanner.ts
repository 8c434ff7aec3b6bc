/** What the scanner reports: element starts (with attributes), ends and the text between. */
export interface XmlHandler {
  /** `name` without its namespace prefix ("x:c" → "c"); `selfClosing` for <c r="A1"/>, which gets no close call. */
  open(name: string, attributes: ReadonlyMap<string, string>, selfClosing: boolean): void;
  close(name: string): void;
  /** Text with its entities decoded, possibly in several pieces for one run of text. */
  text(text: string): void;
  /** False where text would be dropped anyway (between cells): it is then skipped without being copied. */
  wantsText?(): boolean;
}

/** Thrown for XML the scanner will not read: the caller says so in its own words. */
export class MalformedXmlError extends Error {}

/** No element of a workbook comes near this: an open "<" this long is not XML a spreadsheet program wrote. */
const MAX_TAG_LENGTH = 64 * 1024;

/**
 * A small push scanner for the XML of a workbook's parts, fed the inflated bytes as they come so that no
 * part is ever held whole: it keeps only an unfinished tag or entity between chunks. It knows what OOXML
 * uses (elements, attributes, text, CDATA, comments, processing instructions) and decodes only the five
 * predefined entities and character references: a DOCTYPE is refused, so there are no entity definitions
 * to expand (no "billion laughs"). It checks no well-formedness beyond that; the reader checks what it needs.
 */
export class XmlScanner {
  private readonly decoder = new TextDecoder('utf-8');
  private pending = '';

  constructor(private readonly handler: XmlHandler) {}

  push(chunk: Uint8Array): void {
    this.pending += this.decoder.decode(chunk, { stream: true });
    this.scan(false);
  }

  end(): void {
    this.pending += this.decoder.decode();
    this.scan(true);
    if (this.pending !== '') throw new MalformedXmlError('the XML ends inside a tag');
  }

  private scan(final: boolean): void {
    const s = this.pending;
    let at = 0;
    while (at < s.length) {
      const lt = s.indexOf('<', at);
      if (lt !== at) {
        // Text up to the next tag; at the end of a chunk, keep back an entity that may be cut in two.
        let end = lt < 0 ? s.length : lt;
        if (lt < 0 && !final) {
          const amp = s.lastIndexOf('&', end);
          if (amp >= at && s.indexOf(';', amp) < 0 && end - amp < 16) end = amp;
        }
        if (end > at && this.handler.wantsText?.() !== false) this.handler.text(decodeEntities(s.slice(at, end)));
        at = end;
        if (lt < 0) break;
        continue;
      }
      const closeAt = this.tagEnd(s, at);
      if (closeAt < 0) {
        if (s.length - at > MAX_TAG_LENGTH) throw new MalformedXmlError('a tag is longer than any a spreadsheet writes');
        break;
      }
      this.tag(s.slice(at, closeAt.valueOf()));
      at = closeAt;
    }
    this.pending = s.slice(at);
  }

  /** Where the markup starting at `at` ends (just after it), or -1 if it has not all arrived. */
  private tagEnd(s: string, at: number): number {
    if (s.startsWith('<!--', at)) return endAfter(s, '-->', at + 4);
    if (s.startsWith('<![CDATA[', at)) return endAfter(s, ']]>', at + 9);
    if (s.startsWith('<?', at)) return endAfter(s, '?>', at + 2);
    if (s.startsWith('<!', at)) {
      if (/^<!DOCTYPE/i.test(s.slice(at, at + 9))) throw new MalformedXmlError('it declares a DOCTYPE, which no spreadsheet writes');
      if (s.length - at < 9) return -1;
      throw new MalformedXmlError('it has markup a spreadsheet does not write');
    }
    // A ">" inside a quoted attribute value does not end the tag.
    let quote = '';
    for (let i = at + 1; i < s.length; i++) {
      const ch = s[i]!;
      if (quote) {
        if (ch === quote) quote = '';
      } else if (ch === '"' || ch === "'") {
        quote = ch;
      } else if (ch === '>') {
        return i + 1;
      }
    }
    return -1;
  }

  private tag(markup: string): void {
    if (markup.startsWith('<!--') || markup.startsWith('<?')) return;
    if (markup.startsWith('<![CDATA[')) {
      this.handler.text(markup.slice(9, -3));
      return;
    }
    if (markup.startsWith('</')) {
      this.handler.close(localName(markup.slice(2, -1).trim()));
      return;
    }
    const selfClosing = markup.endsWith('/>');
    const body = markup.slice(1, selfClosing ? -2 : -1);
    const nameEnd = body.search(/[\s/]|$/);
    const name = localName(body.slice(0, nameEnd));
    if (name === '') throw new MalformedXmlError('an element has no name');
    const attributes = new Map<string, string>();
    const pattern = /([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g;
    for (const match of body.slice(nameEnd).matchAll(pattern)) {
      attributes.set(localName(match[1]!), decodeEntities(match[2] ?? match[3] ?? ''));
    }
    this.handler.open(name, attributes, selfClosing);
  }
}

function endAfter(s: string, terminator: string, from: number): number {
  const at = s.indexOf(terminator, from);
  return at < 0 ? -1 : at + terminator.length;
}

/** "x:c" → "c", "r:id" → "id": the parts use a handful of namespaces and never two elements of one name. */
function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

const NAMED: ReadonlyMap<string, string> = new Map([
  ['amp', '&'],
  ['lt', '<'],
  ['gt', '>'],
  ['quot', '"'],
  ['apos', "'"],
]);

function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,4});/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return NAMED.get(ref) ?? whole;
  });
}
