import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Response } from 'express';
import nunjucks from 'nunjucks';
import { formatUkDate } from '#domain';

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

/** Built once at start: the Design System's compiled CSS with the typeface swapped, and our own small additions. */
const STYLESHEETS = new Map<string, string>([
  ['govuk-frontend.css', withoutTransportTypeface(readFileSync(path.join(GOVUK_DIST, 'govuk', 'govuk-frontend.min.css'), 'utf8'))],
  ['moj-frontend.css', withoutTransportTypeface(readFileSync(path.join(MOJ_ROOT, 'moj', 'moj-frontend.min.css'), 'utf8'))],
  ['ledger.css', readFileSync(path.join(WEB_DIR, 'assets', 'ledger.css'), 'utf8')],
]);

const SCRIPTS = new Map<string, string>([
  ['govuk-frontend.min.js', path.join(GOVUK_DIST, 'govuk', 'govuk-frontend.min.js')],
  ['ledger.js', path.join(WEB_DIR, 'assets', 'ledger.js')],
  // The verify page: its own module, and the verifier's browser build (npm run build:verifier makes it).
  ['verify-page.js', path.join(WEB_DIR, 'assets', 'verify-page.js')],
  ['verify-bundle.js', path.join(ROOT, 'packages', 'bundle-verifier', 'dist', 'verify-bundle.js')],
]);

/** The assets, served by the app itself from node_modules and the sources (no CDN, no third-party origin). */
export function mountWebAssets(app: { use(router: express.Router): unknown }): void {
  const router = express.Router();
  router.get('/assets/css/:name', (req, res, next) => {
    const css = STYLESHEETS.get(req.params.name);
    if (css === undefined) return next();
    res.type('text/css').setHeader('Cache-Control', 'public, max-age=3600');
    res.send(css);
  });
  router.get('/assets/js/:name', (req, res, next) => {
    const file = SCRIPTS.get(req.params.name);
    // An unbuilt verifier is a missing file (404), not a server error.
    if (!file || !existsSync(file)) return next();
    res.type('text/javascript').setHeader('Cache-Control', 'public, max-age=3600');
    res.sendFile(file);
  });
  // MOJ's component icons (timeline, badges); never GOV.UK's crown or crest.
  router.use('/assets/images', express.static(path.join(MOJ_ROOT, 'moj', 'assets', 'images'), { index: false, fallthrough: true, maxAge: 3_600_000 }));
  app.use(router);
}

const environment = new nunjucks.Environment(new nunjucks.FileSystemLoader([path.join(WEB_DIR, 'views'), GOVUK_DIST, MOJ_ROOT], { noCache: false }), {
  autoescape: true,
  throwOnUndefined: false,
});
environment.addFilter('ukDate', (value: unknown) => (typeof value === 'string' && value ? formatUkDate(value.slice(0, 10)) : ''));
function ukDateTime(value: unknown): string {
  if (typeof value !== 'string' || !value) return '';
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) return value;
  return `${formatUkDate(at.toISOString())}, ${at.toISOString().slice(11, 16)} UTC`;
}
environment.addFilter('ukDateTime', ukDateTime);
// MOJ's timeline formats its dates with this filter; ours says them the UK way, in UTC.
environment.addFilter('mojDate', (value: unknown) => ukDateTime(value));

/** Render a page with the strict policy and no caching (pages hold personal and plan data). */
export function renderPage(res: Response, view: string, context: Record<string, unknown>, status = 200): void {
  const html = environment.render(view, context);
  res.status(status);
  res.setHeader('Content-Security-Policy', WEB_CSP);
  res.setHeader('Cache-Control', 'no-store');
  res.type('text/html; charset=utf-8').send(html);
}
