// The hub's configuration, read from environment variables and validated with zod. Documented in docs/hub.md.
import { z } from 'zod';
import { formatIssues } from '../policy/bundle';

const intFromEnv = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

/** Every variable is optional; the defaults run a hub on the embedded database in ./hub-data. */
export const HubEnvSchema = z.object({
  PORT: intFromEnv(0, 65535).default(8787),
  /** Interface to listen on. 127.0.0.1 by default: put a TLS reverse proxy in front for browsers elsewhere. */
  HOST: z.string().min(1).max(255).default('127.0.0.1'),
  /** Directory of the embedded database (PGlite). Ignored when DATABASE_URL is set. */
  HUB_DATA_DIR: z.string().min(1).default('./hub-data'),
  /** postgres://user:password@host:port/database: use this PostgreSQL server instead of the embedded database. */
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  /** PostgreSQL schema to keep the hub's tables in (default: the server's search_path, normally public). */
  HUB_DATABASE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier')
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted request body, in bytes (default 1 MiB). */
  HUB_BODY_LIMIT: intFromEnv(1024, 64 * 1024 * 1024).default(1024 * 1024),
  /** Requests per token (or per address, without a valid token) in each window. */
  HUB_RATE_LIMIT_MAX: intFromEnv(1, 10_000_000).default(600),
  HUB_RATE_LIMIT_WINDOW_MS: intFromEnv(1000, 24 * 60 * 60 * 1000).default(60_000),
  /** Events dated later than now plus this are refused (a browser clock running ahead). */
  HUB_MAX_CLOCK_SKEW_MS: intFromEnv(0, 24 * 60 * 60 * 1000).default(5 * 60 * 1000),
  /** Policy directory or bundle file that seeds the first policy of an empty hub. */
  HUB_POLICY_SEED: z.string().min(1).default('policies'),
  /**
   * How long a live token is remembered (ms); 0 looks every request up. See TokenCache in tokens.ts. At most
   * one second, so a token revoked on any replica stops working everywhere within a second.
   */
  HUB_TOKEN_CACHE_MS: intFromEnv(0, 1000).default(1000),
  /** Bound of every database call (ms): a slower one answers 503. */
  HUB_DB_TIMEOUT_MS: intFromEnv(100, 10 * 60 * 1000).default(10_000),
  /** Embedded database only: a call still running after this long means it is stuck; the hub exits (status 70). */
  HUB_DB_STUCK_MS: intFromEnv(1000, 60 * 60 * 1000).default(30_000),
  /** Embedded database only: writes answer 503 no_space while its directory has less free space (MiB). */
  HUB_MIN_FREE_MB: intFromEnv(0, 1_000_000).default(64),
  /** A warning is logged (and /v1/ready says `low`) below this much free space (MiB); embedded database only. */
  HUB_LOW_DISK_MB: intFromEnv(0, 10_000_000).default(1024),
  /** A request (headers and body) must arrive within this many ms; a slower one is answered 408. */
  HUB_REQUEST_TIMEOUT_MS: intFromEnv(1000, 10 * 60 * 1000).default(30_000),
  /** Trust X-Forwarded-For from a reverse proxy in front of the hub (for per-address rate limits and logs). */
  HUB_TRUST_PROXY: booleanFromEnv.default(false),
  /** Where the console's built pages are (`npm run build:console` writes dist/console). */
  HUB_CONSOLE_DIR: z.string().min(1).default('dist/console'),
  /** A console session ends after this many minutes without a request. */
  HUB_CONSOLE_IDLE_MINUTES: intFromEnv(1, 24 * 60).default(30),
  /** And after this many hours whatever the activity. */
  HUB_CONSOLE_MAX_HOURS: intFromEnv(1, 7 * 24).default(12),
});

export interface HubConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl?: string;
  databaseSchema?: string;
  logLevel: z.infer<typeof HubEnvSchema>['LOG_LEVEL'];
  bodyLimit: number;
  rateLimit: { max: number; windowMs: number };
  maxClockSkewMs: number;
  policySeed: string;
  trustProxy: boolean;
  tokenCacheMs: number;
  dbTimeoutMs: number;
  dbStuckMs: number;
  minFreeBytes: number;
  lowDiskBytes: number;
  requestTimeoutMs: number;
  consoleDir: string;
  consoleIdleMinutes: number;
  consoleMaxHours: number;
}

export class ConfigError extends Error {}

/** Reads the configuration from an environment (process.env by default). Throws ConfigError naming each bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): HubConfig {
  const known = Object.fromEntries(
    Object.keys(HubEnvSchema.shape)
      .filter((key) => env[key] !== undefined && env[key] !== '')
      .map((key) => [key, env[key]]),
  );
  const parsed = HubEnvSchema.safeParse(known);
  if (!parsed.success)
    throw new ConfigError(`invalid configuration: ${formatIssues(parsed.error).join('; ')}`);
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.HUB_DATA_DIR,
    ...(e.DATABASE_URL !== undefined ? { databaseUrl: e.DATABASE_URL } : {}),
    ...(e.HUB_DATABASE_SCHEMA !== undefined ? { databaseSchema: e.HUB_DATABASE_SCHEMA } : {}),
    logLevel: e.LOG_LEVEL,
    bodyLimit: e.HUB_BODY_LIMIT,
    rateLimit: { max: e.HUB_RATE_LIMIT_MAX, windowMs: e.HUB_RATE_LIMIT_WINDOW_MS },
    maxClockSkewMs: e.HUB_MAX_CLOCK_SKEW_MS,
    policySeed: e.HUB_POLICY_SEED,
    trustProxy: e.HUB_TRUST_PROXY,
    tokenCacheMs: e.HUB_TOKEN_CACHE_MS,
    dbTimeoutMs: e.HUB_DB_TIMEOUT_MS,
    dbStuckMs: e.HUB_DB_STUCK_MS,
    minFreeBytes: e.HUB_MIN_FREE_MB * 1024 * 1024,
    lowDiskBytes: e.HUB_LOW_DISK_MB * 1024 * 1024,
    requestTimeoutMs: e.HUB_REQUEST_TIMEOUT_MS,
    consoleDir: e.HUB_CONSOLE_DIR,
    consoleIdleMinutes: e.HUB_CONSOLE_IDLE_MINUTES,
    consoleMaxHours: e.HUB_CONSOLE_MAX_HOURS,
  };
}

/** A configuration for tests and tools: the defaults, with overrides. */
export function defaultConfig(overrides: Partial<HubConfig> = {}): HubConfig {
  return { ...loadConfig({}), ...overrides };
}
