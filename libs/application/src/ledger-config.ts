import path from 'node:path';
import { z } from 'zod';
import { configureRagRules, DEFAULT_RAG_RULES, type RagRuleSet } from '#domain';

/**
 * Configuration is read once at boot and validated: a bad variable stops the start with a message naming it.
 */
const Env = z.object({
  LEDGER_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  LEDGER_HOST: z.string().min(1).default('127.0.0.1'),
  LEDGER_STORE: z.enum(['sqlite', 'eventstoredb']).default('sqlite'),
  LEDGER_DB_PATH: z.string().min(1).default('./data/ledger.sqlite'),
  /** Read models (rebuildable from the events); defaults to read-models.sqlite beside the ledger file. */
  LEDGER_READ_MODEL_PATH: z.string().min(1).optional(),
  /** An entry effective more than this many hours before it was recorded is listed as retrospective. */
  /** RAG: an action due within this many days and not complete is Amber (default 14). */
  LEDGER_RAG_DUE_SOON_DAYS: z.string().regex(/^\d{1,3}$/, 'must be a whole number of days').optional(),
  LEDGER_RETROSPECTIVE_TOLERANCE_HOURS: z.coerce.number().min(0).max(24 * 365).default(24),
  EVENTSTORE_CONNECTION_STRING: z.string().optional(),
  LEDGER_EVIDENCE_DIR: z.string().min(1).default('./data/evidence'),
  LEDGER_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 1mb or 500kb').default('1mb'),
  LEDGER_EVIDENCE_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 25mb').default('25mb'),
  LEDGER_DEMO: z.enum(['true', 'false']).default('true'),
});

export interface LedgerConfig {
  port: number;
  host: string;
  store: { kind: 'sqlite'; path: string } | { kind: 'eventstoredb'; connectionString: string };
  readModelPath: string;
  retrospectiveToleranceHours: number;
  ragRules: RagRuleSet;
  evidenceDir: string;
  bodyLimit: string;
  evidenceLimit: string;
  demo: boolean;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LedgerConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`).join('\n');
    throw new ConfigError(`The ledger cannot start: these settings are wrong:\n${problems}`);
  }
  const e = parsed.data;
  if (e.LEDGER_STORE === 'eventstoredb' && !e.EVENTSTORE_CONNECTION_STRING) {
    throw new ConfigError('The ledger cannot start: LEDGER_STORE=eventstoredb needs EVENTSTORE_CONNECTION_STRING (e.g. esdb://localhost:2113?tls=false)');
  }
  return {
    port: e.LEDGER_PORT,
    host: e.LEDGER_HOST,
    store: e.LEDGER_STORE === 'sqlite' ? { kind: 'sqlite', path: e.LEDGER_DB_PATH } : { kind: 'eventstoredb', connectionString: e.EVENTSTORE_CONNECTION_STRING! },
    readModelPath: e.LEDGER_READ_MODEL_PATH ?? path.join(path.dirname(e.LEDGER_DB_PATH), 'read-models.sqlite'),
    retrospectiveToleranceHours: e.LEDGER_RETROSPECTIVE_TOLERANCE_HOURS,
    ragRules: e.LEDGER_RAG_DUE_SOON_DAYS === undefined ? DEFAULT_RAG_RULES : configureRagRules({ dueSoonDays: e.LEDGER_RAG_DUE_SOON_DAYS }),
    evidenceDir: e.LEDGER_EVIDENCE_DIR,
    bodyLimit: e.LEDGER_BODY_LIMIT,
    evidenceLimit: e.LEDGER_EVIDENCE_LIMIT,
    demo: e.LEDGER_DEMO === 'true',
  };
}
