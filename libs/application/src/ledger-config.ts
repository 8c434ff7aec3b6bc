import path from 'node:path';
import { z } from 'zod';
import type { OidcSettings } from './access/oidc-verifier.js';
import { configureRagRules, DEFAULT_RAG_RULES, type RagRuleSet } from '#domain';
import { isValidKeyName, parseVerifierKey, SIGNATURE_TYPE } from '#transparency';

/**
 * Configuration is read once at boot and validated: a bad variable stops the start with a message naming it.
 */
const Env = z.object({
  LEDGER_PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  LEDGER_HOST: z.string().min(1).default('127.0.0.1'),
  LEDGER_STORE: z.enum(['sqlite', 'eventstoredb']).default('sqlite'),
  LEDGER_DB_PATH: z.string().min(1).default('./data/ledger.sqlite'),
  /** The ledger's record of the chain heads it signed (tamper evidence for truncation); defaults to signed-heads.sqlite beside the ledger file. */
  LEDGER_SIGNED_HEADS_PATH: z.string().min(1).optional(),
  /** Read models (rebuildable from the events); defaults to read-models.sqlite beside the ledger file. */
  LEDGER_READ_MODEL_PATH: z.string().min(1).optional(),
  /** RAG: an action due within this many days and not complete is Amber (default 14, at most 365). */
  LEDGER_RAG_DUE_SOON_DAYS: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number of days')
    .refine((days) => Number(days) <= 365, 'must be at most 365 days')
    .optional(),
  /** An entry effective more than this many hours before it was recorded is listed as retrospective. */
  LEDGER_RETROSPECTIVE_TOLERANCE_HOURS: z.coerce.number().min(0).max(24 * 365).default(24),
  EVENTSTORE_CONNECTION_STRING: z.string().optional(),
  LEDGER_EVIDENCE_DIR: z.string().min(1).default('./data/evidence'),
  /** The Ed25519 key that signs evidence bundles and tree heads (created on first use; keep it out of git and backups others can read). */
  LEDGER_SIGNING_KEY_DIR: z.string().min(1).default('./data/keys'),
  LEDGER_BODY_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 1mb or 500kb').default('1mb'),
  LEDGER_EVIDENCE_LIMIT: z.string().regex(/^\d+(b|kb|mb)$/i, 'must be a size such as 25mb').default('25mb'),
  /** The largest plan file the importer reads (HTTP upload or CLI), in bytes; 20 MB by default. */
  LEDGER_IMPORT_MAX_BYTES: z.string().regex(/^[1-9]\d{0,11}$/, 'must be a whole number of bytes, e.g. 20971520 for 20 MB').default(String(20 * 1024 * 1024)),
  /** The most rows (lines, records) one import reads; a file with data past it is refused (413). */
  LEDGER_IMPORT_MAX_ROWS: z.string().regex(/^[1-9]\d{0,6}$/, 'must be a whole number of rows from 1 to 9999999, e.g. 20000').default('20000'),
  /** The most bytes the importer inflates from one workbook, all its parts together, counted as they inflate; 100 MB by default. */
  LEDGER_IMPORT_MAX_UNPACKED_BYTES: z.string().regex(/^[1-9]\d{0,11}$/, 'must be a whole number of bytes, e.g. 104857600 for 100 MB').default(String(100 * 1024 * 1024)),
  LEDGER_DEMO: z.enum(['true', 'false']).default('true'),
  /** Sign-in through the council's identity provider (Entra ID / any OIDC issuer): all of issuer, audience and one key source. */
  LEDGER_OIDC_ISSUER: z.string().url('must be the issuer URL').optional(),
  LEDGER_OIDC_AUDIENCE: z.string().min(1).optional(),
  LEDGER_OIDC_JWKS_FILE: z.string().min(1).optional(),
  LEDGER_OIDC_JWKS_URL: z.string().url().optional(),
  LEDGER_OIDC_PUBLIC_KEY_FILE: z.string().min(1).optional(),
  LEDGER_OIDC_ROLE_CLAIM: z.string().min(1).default('roles'),
  LEDGER_OIDC_ORGANISATION_CLAIM: z.string().min(1).default('tid'),
  /** Browser sign-in through the same issuer (authorisation-code flow with PKCE): this service's client at the identity provider. */
  LEDGER_OIDC_CLIENT_ID: z.string().min(1).max(500).optional(),
  LEDGER_OIDC_CLIENT_SECRET: z.string().min(1).max(2_000).optional(),
  /** Where the identity provider sends the browser back: this service's /sign-in/oidc/callback, as registered with the provider. */
  LEDGER_OIDC_REDIRECT_URL: z
    .string()
    .url('must be the full address of /sign-in/oidc/callback')
    .refine((url) => new URL(url).pathname === '/sign-in/oidc/callback', 'must end in /sign-in/oidc/callback')
    .optional(),
  /** What the sign-in button calls the identity provider: "Sign in with <this>". */
  LEDGER_OIDC_PROVIDER_NAME: z.string().trim().min(1).max(100).default("your council's account"),
  LEDGER_OIDC_SCOPES: z.string().trim().regex(/^[\w.:/-]+( [\w.:/-]+)*$/, 'must be scopes separated by spaces').default('openid profile email'),
  /** Browser sessions end after this many minutes without a request, and this many hours after sign-in whatever happens. */
  LEDGER_SESSION_IDLE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
  LEDGER_SESSION_ABSOLUTE_HOURS: z.coerce.number().int().min(1).max(7 * 24).default(8),
  /**
   * Behind a TLS-terminating proxy: which proxies to believe about the client's protocol and address
   * (X-Forwarded-Proto / -For), as Express's "trust proxy": a hop count ("1"), "loopback", or addresses. None by default.
   */
  LEDGER_TRUST_PROXY: z
    .string()
    .trim()
    .regex(/^(\d{1,2}|loopback|linklocal|uniquelocal|[\d.:a-fA-F/]+)(\s*,\s*(loopback|linklocal|uniquelocal|[\d.:a-fA-F/]+))*$/, 'must be a hop count such as 1, "loopback", or proxy addresses separated by commas')
    .optional(),
  /** Requests per minute allowed to one signed-in person (and to one address on the public routes but /health). */
  LEDGER_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /** Failed sign-ins (missing, malformed, unknown, expired or revoked tokens) per minute from one address before it is refused. */
  LEDGER_FAILED_SIGN_IN_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(30),
  /** Seconds a client has to send its request headers, and its whole request (body included); 0 means no limit (not advised). */
  LEDGER_HEADERS_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
  LEDGER_REQUEST_TIMEOUT_SECONDS: z.coerce.number().int().min(0).max(3600).default(120),
  /** Browser origins allowed to call the API, comma-separated; none by default (same origin only). */
  LEDGER_CORS_ORIGINS: z.string().optional(),
  /** The ledger's name in its checkpoints: key name and origin prefix of every plan's log ("<name>/plans/<plan>"); a schema-less URL the operator owns. */
  LEDGER_LOG_NAME: z.string().max(200).refine(isValidKeyName, 'must be a name with no spaces or plus signs, such as ledger.example-council.gov.uk').default('localhost/safeguarding-evidence-ledger'),
  /** Witnesses to push checkpoints to: comma-separated <witness vkey>@<URL>, the vkey as the witness prints it. */
  LEDGER_WITNESSES: z.string().optional(),
  /** The cosignatures received from witnesses; defaults to cosignatures.sqlite beside the ledger file. */
  LEDGER_COSIGNATURES_PATH: z.string().min(1).optional(),
  /** Reminders by email: the mail server as one URL (smtp://user:pass@host:587, smtps://… for TLS from the start), or host, port, user and password. */
  LEDGER_SMTP_URL: z.string().trim().regex(/^smtps?:\/\/[^\s]+$/, 'must be an smtp:// or smtps:// URL').refine((url) => URL.canParse(url), 'is not a URL').optional(),
  LEDGER_SMTP_HOST: z.string().trim().min(1).max(255).optional(),
  LEDGER_SMTP_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  LEDGER_SMTP_SECURE: z.enum(['true', 'false']).optional(),
  LEDGER_SMTP_USER: z.string().min(1).max(500).optional(),
  LEDGER_SMTP_PASS: z.string().min(1).max(2_000).optional(),
  /** Who reminders come from: "Safeguarding ledger <ledger@council.gov.uk>". */
  LEDGER_SMTP_FROM: z.string().trim().min(3).max(500).optional(),
  /** The web service's address as people reach it, for the links in reminders (default http://<LEDGER_HOST>:<LEDGER_PORT>). */
  LEDGER_PUBLIC_URL: z.string().trim().url('must be the address people open the ledger at, e.g. https://ledger.example-council.gov.uk').optional(),
  /** How often the app sends reminders, in minutes, when SMTP is configured; 0 turns the schedule off (ledger reminders send still works). */
  LEDGER_REMINDER_INTERVAL_MINUTES: z.coerce.number().int().min(0).max(7 * 24 * 60).default(60),
});

/** The mail server reminders go through. */
export interface SmtpSettings {
  url?: string;
  host?: string;
  port?: number;
  secure?: boolean;
  user?: string;
  pass?: string;
  from: string;
}

/** A witness the ledger pushes its checkpoints to. */
export interface WitnessEndpoint {
  /** The witness's name, from its vkey. */
  name: string;
  /** Its cosignature/v1 verifier key (type 0x04). */
  vkey: string;
  /** Its submission prefix: add-checkpoint is POSTed to <url>/add-checkpoint. */
  url: string;
}

/** "<vkey>@<url>,…": each witness's key and address; a bad entry names its position and what is wrong. */
export function parseWitnessList(text: string | undefined, variable = 'LEDGER_WITNESSES'): WitnessEndpoint[] {
  const entries = (text ?? '').split(',').map((entry) => entry.trim()).filter(Boolean);
  const witnesses: WitnessEndpoint[] = [];
  for (const [index, entry] of entries.entries()) {
    const at = entry.indexOf('@');
    const where = `${variable} entry ${index + 1}`;
    if (at < 0) throw new ConfigError(`The ledger cannot start: ${where} must be <witness vkey>@<URL>, e.g. witness.example/w1+1a2b3c4d+BA…@https://witness.example`);
    const vkey = entry.slice(0, at);
    const url = entry.slice(at + 1).replace(/\/+$/, '');
    const key = parseVerifierKey(vkey);
    if (!key.ok) throw new ConfigError(`The ledger cannot start: ${where}: the vkey is wrong: ${key.problem}`);
    if (key.value.type !== SIGNATURE_TYPE.cosignatureV1) throw new ConfigError(`The ledger cannot start: ${where}: a witness's vkey is a cosignature/v1 key (type 0x04), as \`ledger witness serve\` prints it`);
    if (!/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url)) throw new ConfigError(`The ledger cannot start: ${where}: ${JSON.stringify(url)} is not an http(s) URL`);
    if (witnesses.some((w) => w.name === key.value.name)) throw new ConfigError(`The ledger cannot start: ${where}: witness ${key.value.name} is listed twice`);
    witnesses.push({ name: key.value.name, vkey, url });
  }
  return witnesses;
}

export interface LedgerConfig {
  port: number;
  host: string;
  store: { kind: 'sqlite'; path: string } | { kind: 'eventstoredb'; connectionString: string };
  readModelPath: string;
  signedHeadsPath: string;
  retrospectiveToleranceHours: number;
  ragRules: RagRuleSet;
  oidc?: OidcSettings;
  /** Browser sign-in through the identity provider, when configured. */
  webSignIn?: WebSignInSettings;
  /** Browser sessions' idle and absolute lifetimes, in milliseconds. */
  session: { idleMs: number; absoluteMs: number };
  /** Express's "trust proxy" setting, when the ledger sits behind a proxy that terminates TLS. */
  trustProxy?: string | number;
  rateLimitPerMinute: number;
  failedSignInLimitPerMinute: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  corsOrigins: string[];
  evidenceDir: string;
  signingKeyDir: string;
  bodyLimit: string;
  evidenceLimit: string;
  importMaxBytes: number;
  importMaxRows: number;
  importMaxUnpackedBytes: number;
  demo: boolean;
  /** Key name and origin prefix of the plans' logs. */
  logName: string;
  witnesses: WitnessEndpoint[];
  cosignaturesPath: string;
  /** Reminders by email; absent means none are attempted (the update-request lists still work). */
  smtp?: SmtpSettings;
  /** The web service's base URL, for links in reminders (no trailing slash). */
  publicUrl: string;
  /** How often the app sends reminders (0: never on its own). */
  reminderIntervalMs: number;
}

export interface WebSignInSettings {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUrl: string;
  /** "Sign in with <providerName>". */
  providerName: string;
  scopes: string;
  roleClaim: string;
  organisationClaim: string;
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
    signedHeadsPath: e.LEDGER_SIGNED_HEADS_PATH ?? path.join(path.dirname(e.LEDGER_DB_PATH), 'signed-heads.sqlite'),
    retrospectiveToleranceHours: e.LEDGER_RETROSPECTIVE_TOLERANCE_HOURS,
    oidc: oidcSettings(e),
    webSignIn: webSignInSettings(e),
    session: { idleMs: e.LEDGER_SESSION_IDLE_MINUTES * 60_000, absoluteMs: e.LEDGER_SESSION_ABSOLUTE_HOURS * 3_600_000 },
    ...(e.LEDGER_TRUST_PROXY !== undefined ? { trustProxy: /^\d+$/.test(e.LEDGER_TRUST_PROXY) ? Number(e.LEDGER_TRUST_PROXY) : e.LEDGER_TRUST_PROXY } : {}),
    rateLimitPerMinute: e.LEDGER_RATE_LIMIT_PER_MINUTE,
    failedSignInLimitPerMinute: e.LEDGER_FAILED_SIGN_IN_LIMIT_PER_MINUTE,
    headersTimeoutMs: e.LEDGER_HEADERS_TIMEOUT_SECONDS * 1000,
    requestTimeoutMs: e.LEDGER_REQUEST_TIMEOUT_SECONDS * 1000,
    corsOrigins: (e.LEDGER_CORS_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean),
    ragRules: e.LEDGER_RAG_DUE_SOON_DAYS === undefined ? DEFAULT_RAG_RULES : configureRagRules({ dueSoonDays: e.LEDGER_RAG_DUE_SOON_DAYS }),
    evidenceDir: e.LEDGER_EVIDENCE_DIR,
    signingKeyDir: e.LEDGER_SIGNING_KEY_DIR,
    bodyLimit: e.LEDGER_BODY_LIMIT,
    evidenceLimit: e.LEDGER_EVIDENCE_LIMIT,
    importMaxBytes: Number(e.LEDGER_IMPORT_MAX_BYTES),
    importMaxRows: Number(e.LEDGER_IMPORT_MAX_ROWS),
    importMaxUnpackedBytes: Number(e.LEDGER_IMPORT_MAX_UNPACKED_BYTES),
    demo: e.LEDGER_DEMO === 'true',
    logName: e.LEDGER_LOG_NAME,
    witnesses: parseWitnessList(e.LEDGER_WITNESSES),
    cosignaturesPath: e.LEDGER_COSIGNATURES_PATH ?? path.join(path.dirname(e.LEDGER_DB_PATH), 'cosignatures.sqlite'),
    ...(smtpSettings(e) ? { smtp: smtpSettings(e) } : {}),
    publicUrl: (e.LEDGER_PUBLIC_URL ?? `http://${e.LEDGER_HOST}:${e.LEDGER_PORT}`).replace(/\/+$/, ''),
    reminderIntervalMs: e.LEDGER_REMINDER_INTERVAL_MINUTES * 60_000,
  };
}

function smtpSettings(e: z.infer<typeof Env>): SmtpSettings | undefined {
  const parts = [e.LEDGER_SMTP_HOST, e.LEDGER_SMTP_PORT, e.LEDGER_SMTP_USER, e.LEDGER_SMTP_PASS, e.LEDGER_SMTP_SECURE];
  if (!e.LEDGER_SMTP_URL && parts.every((p) => p === undefined)) return undefined;
  if (e.LEDGER_SMTP_URL && parts.some((p) => p !== undefined)) {
    throw new ConfigError('The ledger cannot start: give the mail server as LEDGER_SMTP_URL or as LEDGER_SMTP_HOST (with _PORT, _USER, _PASS, _SECURE), not both');
  }
  if (!e.LEDGER_SMTP_URL && !e.LEDGER_SMTP_HOST) throw new ConfigError('The ledger cannot start: LEDGER_SMTP_PORT, _USER, _PASS or _SECURE need LEDGER_SMTP_HOST');
  if ((e.LEDGER_SMTP_USER === undefined) !== (e.LEDGER_SMTP_PASS === undefined)) throw new ConfigError('The ledger cannot start: LEDGER_SMTP_USER and LEDGER_SMTP_PASS go together');
  if (!e.LEDGER_SMTP_FROM) throw new ConfigError('The ledger cannot start: reminders by email need LEDGER_SMTP_FROM, the address they come from');
  if (e.LEDGER_SMTP_URL) return { url: e.LEDGER_SMTP_URL, from: e.LEDGER_SMTP_FROM };
  return {
    host: e.LEDGER_SMTP_HOST!,
    port: e.LEDGER_SMTP_PORT ?? (e.LEDGER_SMTP_SECURE === 'true' ? 465 : 587),
    secure: e.LEDGER_SMTP_SECURE === 'true',
    ...(e.LEDGER_SMTP_USER ? { user: e.LEDGER_SMTP_USER, pass: e.LEDGER_SMTP_PASS! } : {}),
    from: e.LEDGER_SMTP_FROM,
  };
}

function oidcSettings(e: z.infer<typeof Env>): OidcSettings | undefined {
  const { LEDGER_OIDC_ISSUER: issuer, LEDGER_OIDC_AUDIENCE: audience } = e;
  const keySources = [e.LEDGER_OIDC_JWKS_FILE, e.LEDGER_OIDC_JWKS_URL, e.LEDGER_OIDC_PUBLIC_KEY_FILE].filter(Boolean);
  if (!issuer && !audience && keySources.length === 0) return undefined;
  // The issuer alone, with a browser client: sign-in in the browser only, no bearer tokens from the provider.
  if (issuer && !audience && keySources.length === 0 && e.LEDGER_OIDC_CLIENT_ID) return undefined;
  if (!issuer || !audience || keySources.length !== 1) {
    throw new ConfigError(
      'The ledger cannot start: OIDC sign-in needs LEDGER_OIDC_ISSUER, LEDGER_OIDC_AUDIENCE and exactly one of LEDGER_OIDC_JWKS_FILE, LEDGER_OIDC_JWKS_URL or LEDGER_OIDC_PUBLIC_KEY_FILE',
    );
  }
  return {
    issuer,
    audience,
    jwksFile: e.LEDGER_OIDC_JWKS_FILE,
    jwksUrl: e.LEDGER_OIDC_JWKS_URL,
    publicKeyFile: e.LEDGER_OIDC_PUBLIC_KEY_FILE,
    roleClaim: e.LEDGER_OIDC_ROLE_CLAIM,
    organisationClaim: e.LEDGER_OIDC_ORGANISATION_CLAIM,
  };
}

function webSignInSettings(e: z.infer<typeof Env>): WebSignInSettings | undefined {
  const { LEDGER_OIDC_ISSUER: issuer, LEDGER_OIDC_CLIENT_ID: clientId, LEDGER_OIDC_CLIENT_SECRET: clientSecret, LEDGER_OIDC_REDIRECT_URL: redirectUrl } = e;
  if (!clientId && !clientSecret && !redirectUrl) return undefined;
  if (!issuer || !clientId || !clientSecret || !redirectUrl) {
    throw new ConfigError(
      'The ledger cannot start: browser sign-in through the identity provider needs LEDGER_OIDC_ISSUER, LEDGER_OIDC_CLIENT_ID, LEDGER_OIDC_CLIENT_SECRET and LEDGER_OIDC_REDIRECT_URL',
    );
  }
  return {
    issuer,
    clientId,
    clientSecret,
    redirectUrl,
    providerName: e.LEDGER_OIDC_PROVIDER_NAME,
    scopes: e.LEDGER_OIDC_SCOPES.split(' ').includes('openid') ? e.LEDGER_OIDC_SCOPES : `openid ${e.LEDGER_OIDC_SCOPES}`,
    roleClaim: e.LEDGER_OIDC_ROLE_CLAIM,
    organisationClaim: e.LEDGER_OIDC_ORGANISATION_CLAIM,
  };
}
