import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/hub/config';

describe('hub configuration', () => {
  it('runs with no variables at all on the embedded database', () => {
    expect(loadConfig({})).toMatchObject({
      port: 8787,
      host: '127.0.0.1',
      dataDir: './hub-data',
      logLevel: 'info',
      bodyLimit: 1024 * 1024,
      rateLimit: { max: 600, windowMs: 60_000 },
      maxClockSkewMs: 300_000,
      policySeed: 'policies',
      trustProxy: false,
      tokenCacheMs: 1000,
      dbTimeoutMs: 10_000,
      dbStuckMs: 30_000,
      minFreeBytes: 64 * 1024 * 1024,
      lowDiskBytes: 1024 * 1024 * 1024,
      requestTimeoutMs: 30_000,
    });
    expect(loadConfig({}).databaseUrl).toBeUndefined();
  });

  it('reads every variable', () => {
    const config = loadConfig({
      PORT: '9000',
      HOST: '0.0.0.0',
      HUB_DATA_DIR: '/var/lib/hub',
      DATABASE_URL: 'postgres://u:p@db:5432/hub',
      HUB_DATABASE_SCHEMA: 'record_guard',
      LOG_LEVEL: 'warn',
      HUB_BODY_LIMIT: '2097152',
      HUB_RATE_LIMIT_MAX: '100',
      HUB_RATE_LIMIT_WINDOW_MS: '10000',
      HUB_MAX_CLOCK_SKEW_MS: '0',
      HUB_POLICY_SEED: '/etc/hub/bundle.json',
      HUB_TRUST_PROXY: 'true',
      HUB_TOKEN_CACHE_MS: '0',
      HUB_DB_TIMEOUT_MS: '2000',
      HUB_DB_STUCK_MS: '5000',
      HUB_MIN_FREE_MB: '16',
      HUB_LOW_DISK_MB: '100',
      HUB_REQUEST_TIMEOUT_MS: '4000',
      HUB_CONSOLE_DIR: '/srv/console',
      HUB_CONSOLE_IDLE_MINUTES: '15',
      HUB_CONSOLE_MAX_HOURS: '8',
      UNRELATED: 'ignored',
    });
    expect(config).toEqual({
      port: 9000,
      host: '0.0.0.0',
      dataDir: '/var/lib/hub',
      databaseUrl: 'postgres://u:p@db:5432/hub',
      databaseSchema: 'record_guard',
      logLevel: 'warn',
      bodyLimit: 2097152,
      rateLimit: { max: 100, windowMs: 10000 },
      maxClockSkewMs: 0,
      policySeed: '/etc/hub/bundle.json',
      trustProxy: true,
      tokenCacheMs: 0,
      dbTimeoutMs: 2000,
      dbStuckMs: 5000,
      minFreeBytes: 16 * 1024 * 1024,
      lowDiskBytes: 100 * 1024 * 1024,
      requestTimeoutMs: 4000,
      consoleDir: '/srv/console',
      consoleIdleMinutes: 15,
      consoleMaxHours: 8,
    });
  });

  it('names each bad variable', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(ConfigError);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL: must be a postgres/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ HUB_DATABASE_SCHEMA: 'x; drop' })).toThrow(/HUB_DATABASE_SCHEMA/);
    expect(() => loadConfig({ HUB_TRUST_PROXY: 'maybe' })).toThrow(/HUB_TRUST_PROXY/);
    // A longer cache would let a token revoked on one replica live on another for longer than a second.
    expect(() => loadConfig({ HUB_TOKEN_CACHE_MS: '5000' })).toThrow(/HUB_TOKEN_CACHE_MS/);
  });
});
