import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { loadConfig, type LedgerConfig } from '#application';
import { createLedgerApp } from '../../apps/api/src/create-app.js';

/** The real app on a temp SQLite file, listening on a free port on loopback. */
export interface RunningLedger {
  app: NestExpressApplication;
  url: string;
  dir: string;
  config: LedgerConfig;
  request(method: string, urlPath: string, options?: { body?: unknown; rawBody?: Buffer | string; headers?: Record<string, string>; actor?: string | null }): Promise<{ status: number; body: any; headers: Headers }>;
  stop(): Promise<void>;
}

export async function startLedger(env: Record<string, string> = {}): Promise<RunningLedger> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-e2e-'));
  const config = loadConfig({ LEDGER_DB_PATH: path.join(dir, 'ledger.sqlite'), LEDGER_EVIDENCE_DIR: path.join(dir, 'evidence'), LEDGER_PORT: '0', LEDGER_DEMO: 'false', ...env });
  const app = await createLedgerApp(config, { logLevels: ['error'] });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  return {
    app,
    url,
    dir,
    config,
    async request(method, urlPath, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.actor !== null) headers['X-Actor'] = options.actor ?? 'Rachel Deakin';
      let body: string | Buffer | undefined;
      if (options.rawBody !== undefined) body = options.rawBody;
      else if (options.body !== undefined) {
        body = JSON.stringify(options.body);
        headers['Content-Type'] ??= 'application/json';
      }
      const res = await fetch(`${url}${urlPath}`, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON: keep the text */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async stop() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
