import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './ledger-config.js';

describe('the ledger configuration', () => {
  it('starts with sensible defaults on the embedded store', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 3000, store: { kind: 'sqlite', path: './data/ledger.sqlite' }, readModelPath: 'data/read-models.sqlite', demo: true, rateLimitPerMinute: 600, corsOrigins: [] });
    expect(config.ragRules.dueSoonDays).toBe(14);
  });

  it('stops the start with a message naming each bad setting', () => {
    expect(() => loadConfig({ LEDGER_PORT: 'eighty', LEDGER_RAG_DUE_SOON_DAYS: '999' })).toThrow(ConfigError);
    try {
      loadConfig({ LEDGER_PORT: 'eighty', LEDGER_RAG_DUE_SOON_DAYS: '999' });
    } catch (error) {
      expect((error as Error).message).toContain('LEDGER_PORT');
      expect((error as Error).message).toContain('LEDGER_RAG_DUE_SOON_DAYS: must be at most 365 days');
    }
  });

  it('derives a new RAG rules version when the warning window is configured', () => {
    expect(loadConfig({ LEDGER_RAG_DUE_SOON_DAYS: '21' }).ragRules).toMatchObject({ dueSoonDays: 21, version: 'cbc-2012.1+dueSoonDays=21' });
  });

  it('requires the whole OIDC set or none of it', () => {
    expect(() => loadConfig({ LEDGER_OIDC_ISSUER: 'https://login.example/' })).toThrow(/LEDGER_OIDC_AUDIENCE/);
    expect(loadConfig({ LEDGER_OIDC_ISSUER: 'https://login.example/', LEDGER_OIDC_AUDIENCE: 'api://ledger', LEDGER_OIDC_JWKS_URL: 'https://login.example/keys' }).oidc).toMatchObject({ roleClaim: 'roles', organisationClaim: 'tid' });
  });

  it('limits imports to 20,000 rows and 100 MB unpacked unless told otherwise, and refuses limits that are not whole numbers', () => {
    expect(loadConfig({})).toMatchObject({ importMaxRows: 20_000, importMaxUnpackedBytes: 100 * 1024 * 1024 });
    expect(loadConfig({ LEDGER_IMPORT_MAX_ROWS: '500', LEDGER_IMPORT_MAX_UNPACKED_BYTES: '1048576' })).toMatchObject({ importMaxRows: 500, importMaxUnpackedBytes: 1024 * 1024 });
    expect(() => loadConfig({ LEDGER_IMPORT_MAX_ROWS: '0' })).toThrow(/LEDGER_IMPORT_MAX_ROWS: must be a whole number of rows/);
    expect(() => loadConfig({ LEDGER_IMPORT_MAX_UNPACKED_BYTES: '10mb' })).toThrow(/LEDGER_IMPORT_MAX_UNPACKED_BYTES: must be a whole number of bytes/);
  });

  it('needs a connection string to use EventStoreDB', () => {
    expect(() => loadConfig({ LEDGER_STORE: 'eventstoredb' })).toThrow(/EVENTSTORE_CONNECTION_STRING/);
  });
});
