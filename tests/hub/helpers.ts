// Shared set-up for the hub's tests: a database per backend (PGlite always; PostgreSQL when
// HUB_TEST_DATABASE_URL is set, in a fresh schema dropped afterwards), an app, tokens for every role, and
// builders for chained events, consents and requests.
import { appendFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { monotonicFactory } from 'ulid';
import { buildApp, type HubOptions } from '../../src/hub/app';
import { defaultConfig, type HubConfig } from '../../src/hub/config';
import { openPglite, openPostgres, type Db } from '../../src/hub/db';
import { migrate } from '../../src/hub/migrate';
import { PolicyStore } from '../../src/hub/policy';
import { unsignedPolicies } from '../../src/hub/policy-signing';
import { issueToken, type HubRole } from '../../src/hub/tokens';
import { GENESIS_HASH, hashEvent, type LogEvent } from '../../src/report/event-contract';

export const DISTRICT = 'newman-crows-landing-usd';
export const OTHER_DISTRICT = 'other-unified';
export const AGENCY = 'Newman Police Department';

export interface Backend {
  name: 'pglite' | 'postgres';
  open(): Promise<TestDb>;
}

export interface TestDb {
  db: Db;
  /** Closes the database and removes what the test created (the PostgreSQL schema). */
  dispose(): Promise<void>;
}

const pgUrl = process.env.HUB_TEST_DATABASE_URL;

/** An empty PGlite cluster made once per test worker: copies of it start in a fraction of initdb's time. */
let pristine: Promise<Blob> | undefined;
function pristineCluster(): Promise<Blob> {
  pristine ??= (async () => {
    const lite = await PGlite.create('memory://');
    const dump = await lite.dumpDataDir('none');
    await lite.close();
    return dump;
  })();
  return pristine;
}

export const BACKENDS: Backend[] = [
  {
    name: 'pglite',
    open: async () => {
      const db = await openPglite(undefined, { loadDataDir: await pristineCluster() });
      return { db, dispose: () => db.close() };
    },
  },
  ...(pgUrl
    ? [
        {
          name: 'postgres' as const,
          open: async (): Promise<TestDb> => {
            const schema = `hub_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
            const db = await openPostgres(pgUrl, { schema, max: 4 });
            return {
              db,
              dispose: async () => {
                if (!db.closed) {
                  await db.exec(`DROP SCHEMA ${schema} CASCADE`);
                  await db.close();
                } else {
                  const cleaner = await openPostgres(pgUrl, { max: 1 });
                  await cleaner.exec(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
                  await cleaner.close();
                }
              },
            };
          },
        },
      ]
    : []),
];

/** A policy directory built from the repository's own policy data (only the demo SIS adapter, so adapters
 *  other engineers are editing cannot break these tests). */
export async function makePolicyDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-policy-'));
  await mkdir(join(dir, 'adapters'));
  await copyFile('policies/district.json', join(dir, 'district.json'));
  await copyFile('policies/legal-bases.json', join(dir, 'legal-bases.json'));
  await copyFile('policies/adapters/demo-sis.json', join(dir, 'adapters', 'demo-sis.json'));
  return dir;
}

/** The repository's policy as a bundle object, optionally moved to another district / version. */
export async function bundleFor(
  district = DISTRICT,
  version = 1,
): Promise<{ format: string; policy: Record<string, unknown>; legalBases: unknown; adapters: unknown[] }> {
  const policy = JSON.parse(await readFile('policies/district.json', 'utf8')) as Record<string, unknown> & {
    district: Record<string, unknown>;
  };
  policy.district = { ...policy.district, id: district };
  policy.version = version;
  return {
    format: 'record-guard-bundle/1',
    policy,
    legalBases: JSON.parse(await readFile('policies/legal-bases.json', 'utf8')) as unknown,
    adapters: [JSON.parse(await readFile('policies/adapters/demo-sis.json', 'utf8')) as unknown],
  };
}

export class Clock {
  constructor(public time = new Date()) {}
  now = (): Date => new Date(this.time.getTime());
  advanceMinutes(minutes: number): void {
    this.time = new Date(this.time.getTime() + minutes * 60_000);
  }
}

export type TokenName =
  | 'sro'
  | 'sro2'
  | 'sroOtherAgency'
  | 'clerk'
  | 'admin'
  | 'revoked'
  | 'otherSro'
  | 'otherClerk'
  | 'otherAdmin';

const TOKEN_SPECS: Record<TokenName, { user: string; role: HubRole; district: string; agency?: string }> = {
  sro: { user: 'officer.diaz', role: 'sro', district: DISTRICT, agency: AGENCY },
  sro2: { user: 'officer.kim', role: 'sro', district: DISTRICT, agency: AGENCY },
  sroOtherAgency: {
    user: 'deputy.ross',
    role: 'sro',
    district: DISTRICT,
    agency: 'Stanislaus County Sheriff',
  },
  clerk: { user: 'clerk.nguyen', role: 'clerk', district: DISTRICT },
  admin: { user: 'admin.lee', role: 'admin', district: DISTRICT },
  revoked: { user: 'officer.gone', role: 'admin', district: DISTRICT },
  // Another district on the same hub, with the same SRO username: it must see nothing of DISTRICT.
  otherSro: { user: 'officer.diaz', role: 'sro', district: OTHER_DISTRICT, agency: AGENCY },
  otherClerk: { user: 'clerk.other', role: 'clerk', district: OTHER_DISTRICT },
  otherAdmin: { user: 'admin.other', role: 'admin', district: OTHER_DISTRICT },
};

export interface Harness {
  backend: Backend['name'];
  db: Db;
  app: FastifyInstance;
  config: HubConfig;
  clock: Clock;
  policies: PolicyStore;
  tokens: Record<TokenName, string>;
  tokenIds: Record<TokenName, string>;
  /** app.inject with a bearer token by name. */
  call(
    who: TokenName | null,
    options: InjectOptions & { method: string; url: string },
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function createHarness(
  backend: Backend,
  overrides: Partial<HubConfig> = {},
  options: HubOptions = {},
): Promise<Harness> {
  const { db, dispose } = await backend.open();
  await migrate(db);
  const policyDir = await makePolicyDir();
  const policies = new PolicyStore(db, unsignedPolicies);
  const clock = new Clock();
  await policies.seed(policyDir, clock.now());
  await rm(policyDir, { recursive: true, force: true });
  // Every harness logs at trace level into the run's log directory (global-setup.ts greps it for secrets at
  // the end), and also to the test's own stream when it passes one.
  const logDir = process.env.HUB_TEST_LOG_DIR;
  const config = defaultConfig({ logLevel: logDir ? 'trace' : 'silent', ...overrides });
  const own = options.logStream;
  const logStream =
    logDir === undefined
      ? own
      : {
          write(line: string) {
            appendFileSync(join(logDir, `hub-${process.pid}.log`), line);
            own?.write(line);
          },
        };
  const app = await buildApp(config, db, {
    now: clock.now,
    policies,
    ...options,
    ...(logStream ? { logStream } : {}),
  });
  const tokens = {} as Record<TokenName, string>;
  const tokenIds = {} as Record<TokenName, string>;
  const operator = { username: 'cli:test', role: 'operator' as const, tokenId: null };
  for (const [name, spec] of Object.entries(TOKEN_SPECS) as [TokenName, (typeof TOKEN_SPECS)[TokenName]][]) {
    const { token, info } = await db.transaction((tx) => issueToken(tx, spec, operator, clock.now()));
    tokens[name] = token;
    tokenIds[name] = info.id;
  }
  recordSecrets(Object.values(tokens));
  await db.query('UPDATE tokens SET revoked_at = now() WHERE id = $1', [tokenIds.revoked]);
  return {
    backend: backend.name,
    db,
    app,
    config,
    clock,
    policies,
    tokens,
    tokenIds,
    call: (who, options) =>
      app.inject({
        ...options,
        headers: { ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}), ...(options.headers ?? {}) },
      } as InjectOptions),
    close: async () => {
      await app.close();
      await dispose();
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Builders

const nextUlid = monotonicFactory();
export const newId = (): string => nextUlid();

/** A chain of valid events for one device, hashed with the contract's own hashEvent. */
export async function makeChain(
  count: number,
  options: {
    device?: string;
    username?: string;
    district?: string;
    startSeq?: number;
    prevHash?: string;
    time?: Date;
    extra?: Partial<LogEvent>;
  } = {},
): Promise<LogEvent[]> {
  const events: LogEvent[] = [];
  let prevHash = options.prevHash ?? GENESIS_HASH;
  const start = options.startSeq ?? 1;
  for (let index = 0; index < count; index++) {
    const unhashed: Omit<LogEvent, 'hash'> = {
      id: newId(),
      seq: start + index,
      time: (options.time ?? new Date(Date.now() - 60_000)).toISOString(),
      type: 'decision',
      device: options.device ?? 'device-1',
      district: options.district ?? DISTRICT,
      actor: { username: options.username ?? 'officer.diaz', role: 'sro' },
      studentId: '100234',
      categories: ['grades'],
      action: 'view',
      outcome: 'allow',
      basis: 'written-consent',
      citations: ['34 CFR 99.30'],
      justification: 'Consent on file for the truancy mentoring program.',
      policyVersion: 1,
      prevHash,
      ...options.extra,
    };
    const event = { ...unhashed, hash: await hashEvent(unhashed) } as LogEvent;
    events.push(event);
    prevHash = event.hash;
  }
  return events;
}

/** Re-hashes an event after a change (so only the chain, not the event's own hash, is wrong). */
export async function rehash(event: LogEvent): Promise<LogEvent> {
  const { hash: _old, ...rest } = event;
  return { ...event, hash: await hashEvent(rest) };
}

export function consentBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    studentId: '100234',
    signer: { name: 'Ana Lopez', relation: 'parent' },
    categories: ['grades', 'attendance'],
    actions: ['view'],
    purpose: 'Truancy mentoring program',
    recipient: { kind: 'agency', agency: AGENCY },
    signedOn: '2026-09-01',
    expiresOn: '2099-06-30',
    documentRef: 'DMS-2026-0412',
    ...overrides,
  };
}

export function requestBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    basis: 'judicial-order',
    studentId: '100234',
    categories: ['attendance', 'discipline'],
    actions: ['view'],
    justification:
      'Subpoena duces tecum for attendance and discipline records in case 24-JV-0193, served today.',
    evidence: {
      'case-number': '24-JV-0193',
      'issuing-court': 'Stanislaus County Superior Court',
      'order-date': '2026-11-20',
    },
    ...overrides,
  };
}

/** A notice record for approving a subpoena or court order (judicial-order carries the notice duty). */
export const NOTICE = {
  kind: 'notified',
  // Two days ago: never in the future in any time zone.
  notifiedOn: new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10),
  method: 'mail',
  recipient: 'parent',
  by: 'L. Nguyen, Records',
} as const;

/** Strings no log line may hold: written next to the logs for global-setup.ts to look for. */
export function recordSecrets(secrets: readonly string[]): void {
  const logDir = process.env.HUB_TEST_LOG_DIR;
  if (logDir === undefined || secrets.length === 0) return;
  appendFileSync(join(logDir, `secrets-${process.pid}.txt`), secrets.map((secret) => `${secret}\n`).join(''));
}

/** Where a test's child hub processes write their output, so the secrets check covers them too. */
export function childLogPath(name: string): string | undefined {
  const logDir = process.env.HUB_TEST_LOG_DIR;
  return logDir === undefined ? undefined : join(logDir, `child-${process.pid}-${name}.log`);
}

export { FIXTURE_SECRETS } from './fixture-secrets';

export function json<T = Record<string, unknown>>(response: LightMyRequestResponse): T {
  return JSON.parse(response.body) as T;
}

export async function writeTempFile(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'hub-file-'));
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}
