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

  it('reads the witnesses as <vkey>@<URL> and refuses a bad entry by its position and reason', () => {
    const w1 = 'w.test/w1+e9fcccbe+BKWIVoPA56wDDgBdgpBCcV3b2GKdieTeGsVFapnaqUIV';
    const config = loadConfig({ LEDGER_WITNESSES: ` ${w1}@http://127.0.0.1:7380/ `, LEDGER_LOG_NAME: 'ledger.test' });
    expect(config).toMatchObject({ logName: 'ledger.test', witnesses: [{ name: 'w.test/w1', vkey: w1, url: 'http://127.0.0.1:7380' }], cosignaturesPath: 'data/cosignatures.sqlite' });
    expect(loadConfig({}).witnesses).toEqual([]);
    expect(() => loadConfig({ LEDGER_WITNESSES: w1 })).toThrow(/LEDGER_WITNESSES entry 1 must be <witness vkey>@<URL>/);
    expect(() => loadConfig({ LEDGER_WITNESSES: `${w1}@http://a,${w1.replace('e9fc', 'e9fd')}@http://b` })).toThrow(/entry 2: the vkey is wrong: the key ID/);
    expect(() => loadConfig({ LEDGER_WITNESSES: `${w1}@ftp://a` })).toThrow(/not an http\(s\) URL/);
    expect(() => loadConfig({ LEDGER_WITNESSES: `${w1}@http://a,${w1}@http://b` })).toThrow(/listed twice/);
    expect(() => loadConfig({ LEDGER_WITNESSES: 'localhost/safeguarding-evidence-ledger+99c38e58+AWBbW4zE0S028JY00/wknaNEasCrcJkl4ZNpJYaScCnw@http://a' })).toThrow(/cosignature\/v1 key \(type 0x04\)/);
    expect(() => loadConfig({ LEDGER_LOG_NAME: 'my ledger' })).toThrow(/LEDGER_LOG_NAME/);
  });
});
