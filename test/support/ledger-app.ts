import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AccessControl, loadConfig, type LedgerConfig } from '#application';
import { own, type Role } from '#domain';
import { createLedgerApp } from '../../apps/api/src/create-app.js';

/** The real app on a temp SQLite file, listening on a free port on loopback. */
/** The tenant the tests' people belong to by default: the one the demo fixtures' plans are imported into. */
export const DEFAULT_ORGANISATION = 'central-bedfordshire-council';

export interface Person {
  /** Display name; also the basis of the user id. */
  name?: string;
  role?: Role;
  organisationId?: string;
}

export interface RunningLedger {
  app: NestExpressApplication;
  url: string;
  dir: string;
  config: LedgerConfig;
  /** A real access token for a person (registered and issued through AccessControl on first use). */
  tokenFor(name?: string, role?: Role, organisationId?: string): Promise<string>;
  /**
   * A request as a signed-in person: `actor` names them (default "Rachel Deakin", an admin of the default
   * organisation); `actor: null` sends no token; `token` sends exactly that token.
   */
  request(
    method: string,
    urlPath: string,
    options?: { body?: unknown; rawBody?: Buffer | string; headers?: Record<string, string>; actor?: string | null; role?: Role; organisationId?: string; token?: string },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  /** Stop the app and start a new one on the same files (tokens issued before stay valid); `url` changes. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startLedger(env: Record<string, string> = {}): Promise<RunningLedger> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ledger-e2e-'));
  const config = loadConfig({ LEDGER_DB_PATH: path.join(dir, 'ledger.sqlite'), LEDGER_EVIDENCE_DIR: path.join(dir, 'evidence'), LEDGER_SIGNING_KEY_DIR: path.join(dir, 'keys'), LEDGER_PORT: '0', LEDGER_DEMO: 'false', LEDGER_RATE_LIMIT_PER_MINUTE: '1000000', LEDGER_FAILED_SIGN_IN_LIMIT_PER_MINUTE: '1000000', ...env });
  let app = await createLedgerApp(config, { logLevels: ['error'] });
  // Port 0 (any free one) unless the test names one: an identity provider must know its client's address beforehand.
  await app.listen(config.port, '127.0.0.1');
  let url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  let access = app.get(AccessControl);
  const tokens = new Map<string, Promise<string>>();
  const tokenFor = (name = 'Rachel Deakin', role: Role = 'admin', organisationId = DEFAULT_ORGANISATION): Promise<string> => {
    const userId = `${name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.${role}.${organisationId}`.slice(0, 100);
    const key = userId;
    if (!tokens.has(key)) {
      tokens.set(
        key,
        (async () => {
          const operator = { id: 'test-setup', displayName: 'Test set-up' };
          const state = await access.state();
          if (!own(state.users, userId)) await access.registerUser({ userId, displayName: name, organisationId }, operator);
          return (await access.issueToken({ userId, role, expiresAt: new Date(Date.now() + 3_600_000).toISOString() }, operator)).token;
        })(),
      );
    }
    return tokens.get(key)!;
  };
  return {
    get app() {
      return app;
    },
    get url() {
      return url;
    },
    dir,
    config,
    tokenFor,
    async request(method, urlPath, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      const token = options.token ?? (options.actor === null ? undefined : await tokenFor(options.actor ?? 'Rachel Deakin', options.role, options.organisationId));
      if (token) headers['Authorization'] = `Bearer ${token}`;
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
    async restart() {
      await app.close();
      app = await createLedgerApp(config, { logLevels: ['error'] });
      await app.listen(0, '127.0.0.1');
      url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
      access = app.get(AccessControl);
    },
    async stop() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
