import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DISTRICT = 'newman-crows-landing-usd';

export interface HubProcess {
  url: string;
  dataDir: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

const hubCommand = (args: string[], env: NodeJS.ProcessEnv): string =>
  execFileSync('npx', ['tsx', 'src/hub/main.ts', ...args], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  }).trim();

/** Issues tokens with the hub's own command line, before the hub starts (the embedded database is locked while it runs). */
export async function prepareHub(users: { user: string; role: 'sro' | 'clerk' | 'admin' }[]): Promise<{
  dataDir: string;
  tokens: Record<string, string>;
}> {
  const dataDir = await mkdtemp(join(tmpdir(), 'record-guard-hub-'));
  const env = { HUB_DATA_DIR: dataDir, LOG_LEVEL: 'silent' };
  hubCommand(['migrate'], env);
  const tokens: Record<string, string> = {};
  for (const { user, role } of users) {
    tokens[user] = hubCommand(
      ['token', 'issue', '--user', user, '--role', role, '--district', DISTRICT],
      env,
    );
  }
  return { dataDir, tokens };
}

/** Starts the real hub process (`npm run hub`) on a free port and waits for its health check. */
export async function startHub(dataDir: string): Promise<HubProcess> {
  const port = await freePort();
  // Node itself with tsx's loader, not `npx tsx`: a signal to npx does not reach the server it starts.
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'src/hub/main.ts'], {
    env: { ...process.env, HUB_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/v1/health`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline || child.exitCode !== null) throw new Error('the hub did not start');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    dataDir,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

export async function removeHubData(dataDir: string): Promise<void> {
  await rm(dataDir, { recursive: true, force: true });
}

export async function hubJson(
  hub: HubProcess,
  token: string,
  path: string,
  init: { method?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${hub.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  return { status: response.status, body: await response.json().catch(() => null) };
}
