// The README's two commands set the machine up themselves (scripts/ensure-tools.sh): checked here against
// empty and filled directories and a stand-in apt-get, never by removing anything from this machine.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support';

const SCRIPT = join(REPO_ROOT, 'scripts/ensure-tools.sh');

function machine(has: { chromium?: boolean; postgresql?: boolean }) {
  const dir = mkdtempSync(join(tmpdir(), 'rg-tools-'));
  const chromium = join(dir, 'chromium');
  if (has.chromium) {
    writeFileSync(chromium, '#!/bin/sh\n');
    chmodSync(chromium, 0o755);
  }
  mkdirSync(join(dir, 'pg/15/bin'), { recursive: true });
  if (has.postgresql) writeFileSync(join(dir, 'pg/15/bin/initdb'), '');
  const log = join(dir, 'apt.log');
  const apt = join(dir, 'apt-get');
  // A stand-in apt-get: logs what it was asked and "installs" Chromium where the check looks.
  writeFileSync(
    apt,
    `#!/bin/sh\necho "$@" >> ${log}\ncase "$*" in *chromium*) printf '#!/bin/sh\\n' > ${chromium}; chmod +x ${chromium};; esac\n`,
  );
  chmodSync(apt, 0o755);
  const run = (tools: string[], root: boolean) =>
    spawnSync('bash', [SCRIPT, ...tools], {
      encoding: 'utf8',
      env: {
        ...process.env,
        CHROMIUM_PATH: chromium,
        RG_POSTGRES_GLOB: join(dir, 'pg/*/bin/initdb'),
        RG_APT_GET: apt,
        RG_AS_ROOT: root ? '1' : '0',
      },
    });
  const aptCalls = (): string[] => {
    try {
      return readFileSync(log, 'utf8').trim().split('\n');
    } catch {
      return [];
    }
  };
  return { run, aptCalls };
}

describe('scripts/ensure-tools.sh', () => {
  it('does nothing when everything is there', () => {
    const box = machine({ chromium: true, postgresql: true });
    const result = box.run(['chromium', 'postgresql'], true);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe('');
    expect(box.aptCalls()).toEqual([]);
  });

  it('not root: stops with one line naming the command to run, installing nothing', () => {
    const box = machine({});
    const result = box.run(['chromium', 'postgresql'], false);
    expect(result.status).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('sudo apt-get install -y chromium fonts-liberation postgresql');
    expect(box.aptCalls()).toEqual([]);
  });

  it('root with apt-get: says what it installs and installs only what is missing', () => {
    const box = machine({ postgresql: true });
    const result = box.run(['chromium', 'postgresql'], true);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('installing chromium fonts-liberation with apt-get');
    expect(box.aptCalls()).toEqual(['update -qq', 'install -y -qq chromium fonts-liberation']);
  });

  it('the demo asks for Chromium only', () => {
    const box = machine({ chromium: true });
    expect(box.run(['chromium'], false).status).toBe(0);
  });

  it('refuses a tool it does not know', () => {
    expect(machine({}).run(['firefox'], true).status).toBe(2);
  });
});
