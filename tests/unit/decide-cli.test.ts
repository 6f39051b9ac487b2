// The policy dry run as an admin uses it: `npx tsx scripts/decide.ts --policy <dir> <facts.json>`.
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POLICY_DIR, REPO_ROOT } from './support';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function dryRun(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('npx', ['tsx', 'scripts/decide.ts', ...args], { cwd: REPO_ROOT }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

interface Printed {
  outcome: string;
  reason: { code: string };
  coveredBy: { kind: string; id: string }[];
  options: { basis: string }[];
  redact: { fields: string[] };
}

const EXAMPLES = join(POLICY_DIR, 'examples');
const TIMEOUT = 60_000;

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'record-guard-cli-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe.concurrent('the examples in policies/examples', () => {
  const expected: { file: string; outcome: string; check: (printed: Printed) => void }[] = [
    {
      file: 'sro-grades-with-consent.json',
      outcome: 'allow',
      check: (printed) =>
        expect(printed.coveredBy).toEqual([expect.objectContaining({ kind: 'consent', id: 'c-1' })]),
    },
    {
      file: 'sro-health-no-consent.json',
      outcome: 'justify',
      check: (printed) => {
        expect(printed.options.map((option) => option.basis)).toContain('health-safety-emergency');
        expect(printed.redact.fields).toEqual(['Birth Country']);
      },
    },
    {
      file: 'sro-quick-export-immigration.json',
      outcome: 'block',
      check: (printed) => expect(printed.reason.code).toBe('immigration-export-blocked'),
    },
  ];

  it.each(expected)(
    '$file → $outcome',
    async ({ file, outcome, check }) => {
      const run = await dryRun('--policy', 'policies', join('policies', 'examples', file));
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const printed = JSON.parse(run.stdout) as Printed;
      expect(printed.outcome).toBe(outcome);
      // The outcome is printed first: it is what an admin looks for.
      expect(run.stdout.trimStart().startsWith('{\n  "outcome"')).toBe(true);
      check(printed);
    },
    TIMEOUT,
  );

  it(
    'every other example in the folder also runs and prints a decision',
    async () => {
      const known = new Set(expected.map((one) => one.file));
      const others = (await readdir(EXAMPLES)).filter((name) => name.endsWith('.json') && !known.has(name));
      const runs = await Promise.all(
        others.map((name) => dryRun('--policy', 'policies', join(EXAMPLES, name))),
      );
      runs.forEach((run, index) => {
        expect({ file: others[index], code: run.code, stderr: run.stderr }).toEqual({
          file: others[index],
          code: 0,
          stderr: '',
        });
        expect(['allow', 'redact', 'justify', 'request', 'block']).toContain(
          (JSON.parse(run.stdout) as Printed).outcome,
        );
      });
    },
    TIMEOUT,
  );
});

describe.concurrent('bad input is refused with exit code 1 and the path of the bad field', () => {
  it(
    'a policy directory with a broken field: nothing applied, the field named',
    async () => {
      const dir = join(work, 'broken-policy');
      await cp(POLICY_DIR, dir, { recursive: true });
      const districtFile = join(dir, 'district.json');
      const district = JSON.parse(await readFile(districtFile, 'utf8')) as {
        rules: { id: string; effect: string }[];
      };
      const immigrationRule = district.rules.findIndex((rule) => rule.id === 'sro-no-immigration-status');
      expect(immigrationRule).toBeGreaterThanOrEqual(0);
      const rule = district.rules[immigrationRule];
      if (rule) rule.effect = 'guard';
      await writeFile(districtFile, JSON.stringify(district));
      const run = await dryRun('--policy', dir, join(EXAMPLES, 'sro-grades-with-consent.json'));
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('policy rejected (nothing applied)');
      expect(run.stderr).toContain(`policy.rules[${immigrationRule}].effect: must be "deny"`);
    },
    TIMEOUT,
  );

  it(
    'a policy directory whose district.json is not JSON names the file',
    async () => {
      const dir = join(work, 'truncated-policy');
      await cp(POLICY_DIR, dir, { recursive: true });
      await writeFile(join(dir, 'district.json'), '{ "format": "record-guard-policy/1", ');
      const run = await dryRun('--policy', dir, join(EXAMPLES, 'sro-grades-with-consent.json'));
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${join(dir, 'district.json')}: not valid JSON`);
    },
    TIMEOUT,
  );

  const badFacts: { what: string; change: (facts: Record<string, unknown>) => void; path: string }[] = [
    { what: 'an unknown action', change: (facts) => (facts.action = 'delete'), path: 'action:' },
    {
      what: 'a birth date that does not exist',
      change: (facts) => (facts.student = { id: '100234', birthDate: '2011-02-30' }),
      path: 'student.birthDate:',
    },
    {
      what: 'a time without an offset',
      change: (facts) => (facts.time = '2026-11-27T10:00:00'),
      path: 'time:',
    },
    {
      what: 'a consent without a recipient kind',
      change: (facts) => {
        const consents = facts.consents as { recipient: unknown }[];
        const first = consents[0];
        if (first) first.recipient = { agency: 'Newman Police Department' };
      },
      path: 'consents[0].recipient',
    },
  ];

  it.each(badFacts)(
    'facts with $what',
    async ({ change, path }) => {
      const facts = JSON.parse(
        await readFile(join(EXAMPLES, 'sro-grades-with-consent.json'), 'utf8'),
      ) as Record<string, unknown>;
      change(facts);
      const file = join(work, `facts-${path.replace(/\W+/g, '-')}.json`);
      await writeFile(file, JSON.stringify(facts));
      const run = await dryRun('--policy', 'policies', file);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('facts rejected');
      expect(run.stderr).toContain(`\n  ${path}`);
    },
    TIMEOUT,
  );

  it(
    'facts that are not JSON name the file',
    async () => {
      const file = join(work, 'not-json.json');
      await writeFile(file, 'time: now');
      const run = await dryRun('--policy', 'policies', file);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(file);
    },
    TIMEOUT,
  );

  it(
    'a missing facts argument prints the usage and exits 2',
    async () => {
      const run = await dryRun('--policy', 'policies');
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/usage: npm run decide -- --policy/);
    },
    TIMEOUT,
  );
});
