import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The interactive API explorer at /api/docs: Swagger UI, served from our own node_modules (no CDN), under a
 * CSP that allows only our own scripts and styles. Swagger UI's usual start-up script is inline; ours is a
 * served file (explorer.js) instead, so the page needs no 'unsafe-inline'.
 */
export const EXPLORER_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // Swagger UI draws its icons as data: SVGs from its stylesheet.
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export const EXPLORER_PAGE = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <title>Safeguarding evidence ledger – API explorer</title>
    <link rel="icon" href="data:,">
    <link rel="stylesheet" href="/api/docs/swagger-ui.css">
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/api/docs/swagger-ui-bundle.js"></script>
    <script src="/api/docs/explorer.js"></script>
  </body>
</html>
`;

const EXPLORER_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '/api/openapi.json',
    dom_id: '#swagger-ui',
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    persistAuthorization: false,
  });
});
`;

/** The files the page loads, by the name in its URL: nothing else under /api/docs/ is served. */
const ASSETS = new Map<string, { mediaType: string; file?: string; text?: string }>([
  ['swagger-ui.css', { mediaType: 'text/css; charset=utf-8', file: 'swagger-ui.css' }],
  ['swagger-ui-bundle.js', { mediaType: 'text/javascript; charset=utf-8', file: 'swagger-ui-bundle.js' }],
  ['explorer.js', { mediaType: 'text/javascript; charset=utf-8', text: EXPLORER_SCRIPT }],
]);

let swaggerUiDir: string | undefined;

/** One of the explorer's files, or undefined for any other name. */
export async function explorerAsset(name: string): Promise<{ mediaType: string; body: Buffer | string } | undefined> {
  const asset = ASSETS.get(name);
  if (!asset) return undefined;
  if (asset.text !== undefined) return { mediaType: asset.mediaType, body: asset.text };
  swaggerUiDir ??= path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return { mediaType: asset.mediaType, body: await readFile(path.join(swaggerUiDir, asset.file!)) };
}
