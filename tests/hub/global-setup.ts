// Runs once around the whole hub suite: gives every test process a log directory (helpers.ts createHarness
// writes every hub log line there, at trace level; child hubs write their output there), and at the end
// reads every line for the tokens issued during the run and the fixtures' names and justifications.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FIXTURE_SECRETS } from './fixture-secrets';

export default function setup(): () => void {
  // The console's pages are served from the Vite build (console-session.test.ts reads them): built once if absent.
  if (!existsSync('dist/console/index.html')) {
    execFileSync('npx', ['vite', 'build', '--config', 'vite.console.config.ts'], { stdio: 'inherit' });
  }
  const dir = mkdtempSync(join(tmpdir(), 'hub-test-logs-'));
  process.env.HUB_TEST_LOG_DIR = dir;
  return () => {
    const files = readdirSync(dir);
    const secrets = new Set(FIXTURE_SECRETS);
    for (const file of files.filter((name) => name.startsWith('secrets-'))) {
      for (const line of readFileSync(join(dir, file), 'utf8').split('\n')) if (line) secrets.add(line);
    }
    const logs = files.filter((name) => name.endsWith('.log'));
    let lines = 0;
    const leaks: string[] = [];
    for (const file of logs) {
      const text = readFileSync(join(dir, file), 'utf8');
      lines += text.split('\n').length - 1;
      for (const secret of secrets) {
        // The secret itself is not printed: the report says which kind and where.
        if (text.includes(secret))
          leaks.push(`${file}: ${secret.startsWith('rgh_') ? 'a token' : `"${secret.slice(0, 12)}…"`}`);
      }
    }
    if (leaks.length > 0) {
      // Vitest reports an error thrown here but keeps exit status 0: set it, so CI fails.
      process.exitCode = 1;
      throw new Error(`secrets found in the hub's logs (kept in ${dir}):\n${leaks.join('\n')}`);
    }
    // A run of files that start no hub (config.test.ts alone) has nothing to check: said so, not failed.
    if (lines === 0) process.stdout.write('hub log check: no hub log line was written; nothing checked\n');
    else
      process.stdout.write(
        `hub log check: ${lines} log lines in ${logs.length} files, ${secrets.size} secrets, none found\n`,
      );
    // HUB_TEST_KEEP_LOGS=1 keeps them for reading.
    if (process.env.HUB_TEST_KEEP_LOGS === undefined) rmSync(dir, { recursive: true, force: true });
    else process.stdout.write(`hub logs kept in ${dir}\n`);
  };
}
