import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Response } from 'express';
import nunjucks from 'nunjucks';
import { negotiateEncoding, sendRepresentation } from '../http/conditional-response.js';
import { formatUkDate } from '#domain';
import { randomBytes } from 'node:crypto';
import { tagHtml } from './action-rows-html.js';
import { escapeHtml } from './rag-trend-chart.js';

/**
 * Where the web service's files are, found the same way from the TypeScript sources (tests) and from
 * dist/ (npm start): the views stay in apps/api/src/web/views, so the build needs no copy step.
 */
function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, 'apps', 'api', 'src', 'web', 'views'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('Cannot find apps/api/src/web/views above the running code');
    dir = parent;
  }
  return dir;
}

const require = createRequire(import.meta.url);
const ROOT = projectRoot();
const WEB_DIR = path.join(ROOT, 'apps', 'api', 'src', 'web');
const GOVUK_DIST = path.join(path.dirname(require.resolve('govuk-frontend/package.json')), 'dist');
const MOJ_ROOT = path.dirname(require.resolve('@ministryofjustice/frontend/package.json'));

/**
 * The pages' policy: scripts, styles, fonts and images from this origin only; no inline script or style
 * attribute can run; forms post only here; no framing.
 */
export const WEB_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** A council is not central government: the Design System's styles, but a system font stack instead of GDS Transport. */
const SYSTEM_FONTS = 'system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif';

function withoutTransportTypeface(css: string): string {
  return css
    .replace(/@font-face\{[^}]*\}/g, '')
    .replace(/font-family:GDS Transport,arial,sans-serif/g, `font-family:${SYSTEM_FONTS}`)
    .replace(/font-family:GDS Transport(?=[;}])/g, `font-family:${SYSTEM_FONTS}`);
}

/**
 * The Design System's compiled CSS with the typeface swapped, and our own small additions: each read and made
 * when first asked for, then kept (nothing on the way to the API's first answer reads a stylesheet).
 */
const STYLESHEET_SOURCES = new Map<string, () => string>([
  ['govuk-frontend.css', () => withoutTransportTypeface(readFileSync(path.join(GOVUK_DIST, 'govuk', 'govuk-frontend.min.css'), 'utf8'))],
  ['moj-frontend.css', () => withoutTransportTypeface(readFileSync(path.join(MOJ_ROOT, 'moj', 'moj-frontend.min.css'), 'utf8'))],
  ['ledger.css', () => readFileSync(path.join(WEB_DIR, 'assets', 'ledger.css'), 'utf8')],
]);
const STYLESHEETS = new Map<string, string>();
function stylesheet(name: string): string | undefined {
  let css = STYLESHEETS.get(name);
  if (css === undefined) {
    const make = STYLESHEET_SOURCES.get(name);
    if (!make) return undefined;
    STYLESHEETS.set(name, (css = make()));
  }
  return css;
}

const SCRIPTS = new Map<string, string>([
  ['govuk-frontend.min.js', path.join(GOVUK_DIST, 'govuk', 'govuk-frontend.min.js')],
  ['ledger.js', path.join(WEB_DIR, 'assets', 'ledger.js')],
  ['ledger-reads.js', path.join(WEB_DIR, 'assets', 'ledger-reads.js')],
  ['moj-sortable-table.mjs', path.join(MOJ_ROOT, 'moj', 'components', 'sortable-table', 'sortable-table.bundle.mjs')],
  // The verify page: its own module, and the verifier's browser build (npm run build:verifier makes it).
  ['verify-page.js', path.join(WEB_DIR, 'assets', 'verify-page.js')],
  ['verify-bundle.js', path.join(ROOT, 'packages', 'bundle-verifier', 'dist', 'verify-bundle.js')],
]);

/**
 * Each asset gzipped once, when first asked for: the Design System's CSS and JS are most of a page's weight
 * (272 KB uncompressed, about a sixth of that gzipped), and they never change while the app runs.
 */
const GZIPPED = new Map<string, Buffer>();
function sendAsset(req: express.Request, res: Response, key: string, type: string, body: () => string | Buffer): void {
  res.type(type).setHeader('Cache-Control', 'public, max-age=3600');
  res.setHeader('Vary', 'Accept-Encoding');
  if (!/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
    res.send(body());
    return;
  }
  let zipped = GZIPPED.get(key);
  if (!zipped) GZIPPED.set(key, (zipped = gzipSync(body(), { level: 9 })));
  res.setHeader('Content-Encoding', 'gzip');
  res.send(zipped);
}

/** The assets, served by the app itself from node_modules and the sources (no CDN, no third-party origin). */
export function mountWebAssets(app: { use(router: express.Router): unknown }): void {
  const router = express.Router();
  router.get('/assets/css/:name', (req, res, next) => {
    const css = stylesheet(req.params.name);
    if (css === undefined) return next();
    sendAsset(req, res, `css/${req.params.name}`, 'text/css', () => css);
  });
  router.get('/assets/js/:name', (req, res, next) => {
    const file = SCRIPTS.get(req.params.name);
    // An unbuilt verifier is a missing file (404), not a server error.
    if (!file || !existsSync(file)) return next();
    sendAsset(req, res, `js/${req.params.name}`, 'text/javascript', () => readFileSync(file));
  });
  // MOJ's component icons (timeline, badges); never GOV.UK's crown or crest.
  router.use('/assets/images', express.static(path.join(MOJ_ROOT, 'moj', 'assets', 'images'), { index: false, fallthrough: true, maxAge: 3_600_000 }));
  app.use(router);
}

const environment = new nunjucks.Environment(new nunjucks.FileSystemLoader([path.join(WEB_DIR, 'views'), GOVUK_DIST, MOJ_ROOT], { noCache: false }), {
  autoescape: true,
  throwOnUndefined: false,
});
// Nunjucks' own trim is a regex (/^\s*|\s*$/g) that is quadratic in a run of whitespace, and the Design
// System's fieldsets trim kilobytes of indentation: it was a quarter of the plan page's time. Same result, linear.
environment.addFilter('trim', (value: unknown) => {
  const trimmed = String(value ?? '').trim();
  return value instanceof nunjucks.runtime.SafeString ? new nunjucks.runtime.SafeString(trimmed) : trimmed;
});
environment.addFilter('ukDate', (value: unknown) => (typeof value === 'string' && value ? formatUkDate(value.slice(0, 10)) : ''));
/** An instant as the pages write it: "1 October 2009, 14:30 UTC" (the ukDateTime filter). */
export function ukDateTime(value: unknown): string {
  if (typeof value !== 'string' || !value) return '';
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return value;
  return `${formatUkDate(at.toISOString())}, ${at.toISOString().slice(11, 16)} UTC`;
}
environment.addFilter('ukDateTime', ukDateTime);
environment.addGlobal('tagHtml', tagHtml);

/**
 * A fragment's HTML depends only on what it is given, so a form such as the as-at control or the filters
 * (a few dozen Design System macro calls), or a whole page's shell (renderPage's `holes`), is rendered once per
 * distinct input and then reused: most requests for a plan page show the same controls. Least recently used first out.
 *
 * `holes`: paths in the context (such as 'control.day') to what differs from request to request but that the
 * fragment only writes out: text (escaped as autoescape escapes it), a number, or HTML our own code wrote
 * (safeHtml, laid as it is, as autoescape lays a SafeString). The fragment is rendered once with a marker in each
 * hole that holds something (whether a hole is empty stays part of the key: a macro may leave out an attribute
 * for an empty value), and the request's own text is put where the markers came out. When a fragment is first
 * rendered for a key, the filled-in copy is checked against a plain render with the real values; if a template
 * did anything else with a hole's value (urlencode, say, or a comparison), that key is always rendered plainly.
 * The key is the rest of the context as JSON (a Set or Map as its entries), so it is exactly what the fragment is shown.
 */
type Fragment = { kind: 'whole'; html: string } | { kind: 'holed'; parts: string[] } | { kind: 'plain' };
const FRAGMENTS = new Map<string, Fragment>();
const MAX_FRAGMENTS = 500;
/** A marker no request can send: random per process, between NULs, and left as it is by escaping. */
const HOLE = `\u0000${randomBytes(8).toString('hex')}`;
const HOLE_PATTERN = new RegExp(`${HOLE}(\\d+)\u0000`);

/** HTML our own code wrote (every text in it escaped), for a template to write as it is. */
export function safeHtml(html: string): nunjucks.runtime.SafeString {
  return new nunjucks.runtime.SafeString(html);
}

/** What a hole's value writes into the page, as autoescape would write it; undefined for a value left in the key. */
function holeText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : escapeHtml(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (value instanceof nunjucks.runtime.SafeString) return value.toString() === '' ? undefined : value.toString();
  return undefined;
}

function withHoles(context: Record<string, unknown>, holes: readonly string[]): { shaped: Record<string, unknown>; values: string[] } {
  const values: string[] = [];
  let shaped = context;
  /** The objects on the way down that are copies already (so each is copied once): the caller's context is left as it was. */
  const copies = new Set<object>();
  for (const hole of holes) {
    const path = hole.split('.');
    const value = path.reduce<unknown>((at, key) => (at !== null && typeof at === 'object' && Object.hasOwn(at, key) ? (at as Record<string, unknown>)[key] : undefined), shaped);
    const text = holeText(value);
    if (text === undefined) continue;
    const marker = `${HOLE}${values.length}\u0000`;
    values.push(text);
    const copy = (at: Record<string, unknown>, depth: number): Record<string, unknown> => {
      const key = path[depth]!;
      const own = copies.has(at) ? at : { ...at };
      copies.add(own);
      own[key] = depth === path.length - 1 ? (typeof value === 'object' ? safeHtml(marker) : marker) : copy(at[key] as Record<string, unknown>, depth + 1);
      return own;
    };
    shaped = copy(shaped, 0);
  }
  return { shaped, values };
}

function fill(parts: readonly string[], values: readonly string[]): string {
  let html = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) html += (values[Number(parts[i])] ?? '') + parts[i + 1]!;
  return html;
}

/** A Set or Map in a context is keyed by its entries (JSON would write `{}` for any of them). */
const keyed = (_key: string, value: unknown): unknown => (value instanceof Set || value instanceof Map ? [...value] : value);

function fragmentKey(view: string, shaped: Record<string, unknown>): string {
  return `${view}\u0000${JSON.stringify(shaped, keyed)}`;
}

/** How the fragment for this input is kept (a page kept whole, kept with holes, or rendered plainly each time); undefined if it is not. */
export function keptFragmentKind(view: string, context: Record<string, unknown>, holes: readonly string[] = []): Fragment['kind'] | undefined {
  return FRAGMENTS.get(fragmentKey(view, withHoles(context, holes).shaped))?.kind;
}

export function renderFragment(view: string, context: Record<string, unknown>, holes: readonly string[] = []): string {
  const { shaped, values } = withHoles(context, holes);
  const key = fragmentKey(view, shaped);
  let fragment = FRAGMENTS.get(key);
  if (fragment === undefined) {
    const html = environment.render(view, shaped);
    if (values.length === 0) fragment = { kind: 'whole', html };
    else {
      const parts = html.split(new RegExp(HOLE_PATTERN.source, 'g'));
      const plain = environment.render(view, context);
      fragment = fill(parts, values) === plain ? { kind: 'holed', parts } : { kind: 'plain' };
    }
    if (FRAGMENTS.size >= MAX_FRAGMENTS) FRAGMENTS.delete(FRAGMENTS.keys().next().value!);
  } else FRAGMENTS.delete(key);
  FRAGMENTS.set(key, fragment);
  if (fragment.kind === 'whole') return fragment.html;
  if (fragment.kind === 'holed') return fill(fragment.parts, values);
  return environment.render(view, context);
}

/** A template rendered as it is, with no fragment cache: what the cached fragments are checked against (and tests). */
export function renderTemplate(view: string, context: Record<string, unknown>): string {
  return environment.render(view, context);
}

environment.addGlobal('cachedInclude', (view: string, context: Record<string, unknown>, holes?: readonly string[]) => new nunjucks.runtime.SafeString(renderFragment(view, context, holes)));

/**
 * Where a page's largest part goes when the caller hands it in ready-encoded (renderPage's `splice`): the
 * template writes this marker (random per process, so no text a request sends can be taken for it).
 */
const SPLICE = `\u0000${randomBytes(8).toString('hex')}-splice\u0000`;
environment.addGlobal('splice', () => new nunjucks.runtime.SafeString(SPLICE));
// MOJ's timeline formats its dates with this filter; ours says them the UK way, in UTC.
environment.addFilter('mojDate', (value: unknown) => ukDateTime(value));

/**
 * Buffers a page is laid into, whole, for one write, each taken back once its response has finished writing it
 * (not when the connection closed before: that one is left to the collector). A new as-at page is ~400 KB
 * laid from several hundred kept pieces: as one write it costs one call instead of one per piece, and as a
 * reused Buffer no memory outside the heap per page (which, allocated per page, set off full collections).
 */
export class PageBuffers {
  private readonly free: Buffer[] = [];

  constructor(
    private readonly keep: number,
    private readonly smallest: number,
    /** A larger page's Buffer is left to the collector: a pool of them would hold that much memory for good. */
    private readonly largest: number,
  ) {}

  /** A Buffer of at least `length` bytes, none of which is to be sent unwritten. */
  take(length: number): Buffer {
    const at = this.free.findIndex((buffer) => buffer.length >= length);
    if (at >= 0) return this.free.splice(at, 1)[0]!;
    return Buffer.allocUnsafeSlow(Math.max(this.smallest, 2 ** Math.ceil(Math.log2(length))));
  }

  /** Back into the pool, once nothing will read it again. */
  give(buffer: Buffer): void {
    if (this.free.length < this.keep && buffer.length <= this.largest) this.free.push(buffer);
  }
}

/** Enough for the pages in flight at once (8 connections, the bench's load) and a few more; a 280-action page is ~460 KB. */
const PAGE_BUFFERS = new PageBuffers(16, 256 * 1024, 2 * 1024 * 1024);

/** The page's head, its spliced parts and its tail laid end to end in a pooled Buffer, given back when `res` has written it. */
export function laidOutPage(res: Response, head: string, parts: readonly Buffer[], partsLength: number, tail: string, pool = PAGE_BUFFERS): Buffer {
  const length = Buffer.byteLength(head, 'utf8') + partsLength + Buffer.byteLength(tail, 'utf8');
  const page = pool.take(length);
  let at = page.write(head, 0, 'utf8');
  for (const part of parts) at += part.copy(page, at);
  at += page.write(tail, at, 'utf8');
  // Every byte sent is this page's: a short count would send what an earlier page left in the Buffer.
  if (at !== length) throw new Error(`The page was laid out in ${at} bytes of ${length}`);
  res.once('finish', () => pool.give(page));
  return page.subarray(0, length);
}

/**
 * Render a page with the strict policy and no caching (pages hold personal and plan data). Given the request,
 * the page is compressed for a browser that accepts it (a large plan's page is ~300 KB of HTML, ~30 KB gzipped).
 * `splice`: the page's bulk, already encoded (the plan page's tables, cached with the layout), put where the
 * template calls splice(): only the small rest of the page is encoded per request. To a client taking no
 * encoding the page goes as one Buffer laid out from the head, the bulk's parts and the tail (laidOutPage); to one
 * that takes gzip or br, as the head, the bulk joined (`joined()`, kept with it, so its deflate is kept too:
 * deflating each small part on its own would compress far less) and the tail.
 * `holes`: the page's shell (all but the splice) is rendered as a cached fragment with these holes (renderFragment):
 * once per what it shows, the request's own values laid into it; for a page whose per-request values are holes.
 */
export function renderPage(
  res: Response,
  view: string,
  context: Record<string, unknown>,
  status = 200,
  req?: express.Request,
  splice?: Buffer | { readonly parts: readonly Buffer[]; readonly byteLength: number; joined(): Buffer },
  holes?: readonly string[],
): Promise<void> {
  const html = holes ? renderFragment(view, context, holes) : environment.render(view, context);
  let body: string | Buffer | readonly Buffer[] = html;
  if (splice) {
    const at = html.indexOf(SPLICE);
    if (at < 0) throw new Error(`${view} was handed a splice but does not call splice()`);
    const head = html.slice(0, at);
    const tail = html.slice(at + SPLICE.length);
    const bulk = Buffer.isBuffer(splice) ? { parts: [splice], byteLength: splice.length, joined: () => splice } : splice;
    if (req && negotiateEncoding(req.header('accept-encoding'), 'gzip') === 'identity') body = laidOutPage(res, head, bulk.parts, bulk.byteLength, tail);
    else body = [Buffer.from(head, 'utf8'), bulk.joined(), Buffer.from(tail, 'utf8')];
  }
  res.setHeader('Content-Security-Policy', WEB_CSP);
  if (req) return sendRepresentation(req, res, { body, contentType: 'text/html; charset=utf-8', status, cacheControl: 'no-store', vary: ['Cookie'] });
  res.status(status);
  res.setHeader('Cache-Control', 'no-store');
  res.type('text/html; charset=utf-8').send(typeof body === 'string' || Buffer.isBuffer(body) ? body : Buffer.concat(body));
  return Promise.resolve();
}
