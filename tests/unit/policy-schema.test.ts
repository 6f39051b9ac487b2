// Policy validation: a malformed policy is rejected whole, with errors that name the path of the bad field,
// and an update never replaces the policy in force unless it is valid, the same policy, and newer.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FactsSchema } from '../../src/decide';
import { checkPolicyUpdate, parsePolicyBundle, type PolicyBundle } from '../../src/policy/bundle';
import { ConsentSchema } from '../../src/policy/consent';
import { loadPolicy, readPolicyDirectory } from '../../src/policy/files';
import { CalendarDateSchema, InstantSchema } from '../../src/policy/vocabulary';
import { POLICY_DIR, REPO_ROOT, consent, policyWith, realBundle } from './support';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** "policy.rules[1].effect" → ["policy", "rules", 1, "effect"]. */
function steps(path: string): (string | number)[] {
  return [...path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)].map((match) =>
    match[2] === undefined ? (match[1] as string) : Number(match[2]),
  );
}

function container(
  root: Json,
  path: string,
): { parent: Json[] | { [key: string]: Json }; key: string | number } {
  const keys = steps(path);
  const key = keys.pop();
  let node: Json = root;
  for (const step of keys) {
    const next: Json | undefined =
      Array.isArray(node) && typeof step === 'number'
        ? node[step]
        : node !== null && typeof node === 'object' && !Array.isArray(node)
          ? node[String(step)]
          : undefined;
    if (next === undefined) throw new Error(`${path}: no ${String(step)} in the policy`);
    node = next;
  }
  if (key === undefined || node === null || typeof node !== 'object')
    throw new Error(`${path}: not a container`);
  return { parent: node, key };
}

function get(root: Json, path: string): Json {
  const { parent, key } = container(root, path);
  const value = Array.isArray(parent) ? parent[Number(key)] : parent[String(key)];
  if (value === undefined) throw new Error(`${path}: not in the policy`);
  return value;
}

function set(root: Json, path: string, value: Json): void {
  const { parent, key } = container(root, path);
  if (Array.isArray(parent)) parent[Number(key)] = value;
  else parent[String(key)] = value;
}

function remove(root: Json, path: string): void {
  const { parent, key } = container(root, path);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else Reflect.deleteProperty(parent, String(key));
}

function list(root: Json, path: string): Json[] {
  const value = get(root, path);
  if (!Array.isArray(value)) throw new Error(`${path}: not a list`);
  return value;
}

let raw: Json;
beforeAll(async () => {
  // JSON files parsed from disk: a Json tree by construction.
  raw = (await readPolicyDirectory(POLICY_DIR)) as Json;
});
const fresh = (): Json => structuredClone(raw);

describe('the policy in policies/', () => {
  it('is a valid bundle', () => {
    const parsed = parsePolicyBundle(fresh());
    expect(parsed.ok ? [] : parsed.errors).toEqual([]);
  });
});

/** The path of the entry of a list whose `id` is `id`, e.g. "policy.rules[1]": tests do not depend on order. */
function byId(root: Json, listPath: string, id: string): string {
  const index = list(root, listPath).findIndex(
    (entry) => entry !== null && typeof entry === 'object' && !Array.isArray(entry) && entry.id === id,
  );
  if (index < 0) throw new Error(`${listPath}: no entry "${id}"`);
  return `${listPath}[${index}]`;
}
const rule = (root: Json, id: string): string => byId(root, 'policy.rules', id);
const basis = (root: Json, id: string): string => byId(root, 'legalBases.bases', id);
const category = (root: Json, id: string): string => byId(root, 'policy.categories', id);
/** Sets a value and returns its path: most breakages are one bad field, named by the error. */
const put = (root: Json, path: string, value: Json): string => {
  set(root, path, value);
  return path;
};

/** The path of the demo SIS adapter in a bundle (the adapters are read in file-name order). */
function demoSis(root: Json): string {
  const index = list(root, 'adapters').findIndex(
    (adapter) =>
      typeof adapter === 'object' && adapter !== null && !Array.isArray(adapter) && adapter.id === 'demo-sis',
  );
  if (index < 0) throw new Error('no demo-sis adapter in the policy');
  return `adapters[${index}]`;
}

interface Broken {
  what: string;
  /** Breaks the policy and returns the field path an error must start with. */
  break: (root: Json) => string;
  message: RegExp;
}

const broken: Broken[] = [
  { what: 'a version given as text', break: (root) => put(root, 'policy.version', '2'), message: /number/i },
  { what: 'version 0', break: (root) => put(root, 'policy.version', 0), message: /Too small/i },
  {
    what: 'the wrong policy format',
    break: (root) => put(root, 'policy.format', 'record-guard-policy/2'),
    message: /record-guard-policy\/1/,
  },
  {
    what: 'an unknown key in a rule',
    break: (root) => {
      put(root, `${rule(root, 'sro-records-guarded')}.colour`, 'red');
      return rule(root, 'sro-records-guarded');
    },
    message: /colour/,
  },
  {
    what: 'an unknown key at the top of the district policy',
    break: (root) => {
      put(root, 'policy.sroAccess', 'open');
      return 'policy';
    },
    message: /sroAccess/,
  },
  {
    what: 'an action that does not exist',
    break: (root) => put(root, `${rule(root, 'sro-records-guarded')}.actions[1]`, 'delete'),
    message: /view|export/,
  },
  {
    what: 'a rule with no actions',
    break: (root) => put(root, `${rule(root, 'sro-records-guarded')}.actions`, []),
    message: /Too small/i,
  },
  {
    what: 'a field pattern that is not a regular expression',
    break: (root) => put(root, `${category(root, 'immigration')}.fieldPatterns[0]`, 'birth\\s*(country'),
    message: /is not a valid regular expression/,
  },
  {
    what: 'a role label pattern that is not a regular expression',
    break: (root) => put(root, 'policy.roles.roleLabels[0].pattern', '[SRO'),
    message: /is not a valid regular expression/,
  },
  {
    what: 'a duplicate rule id',
    break: (root) => put(root, `${rule(root, 'sro-no-immigration-status')}.id`, 'sro-records-guarded'),
    message: /duplicate rule id "sro-records-guarded"/,
  },
  {
    what: "an SRO immigration rule that is 'guard' instead of 'deny'",
    break: (root) => put(root, `${rule(root, 'sro-no-immigration-status')}.effect`, 'guard'),
    message: /must be "deny".*234\.7/,
  },
  {
    what: "an SRO 'guard' rule that takes in immigration among other categories",
    break: (root) => {
      list(root, `${rule(root, 'sro-records-guarded')}.categories`).push('immigration');
      return `${rule(root, 'sro-records-guarded')}.effect`;
    },
    message: /must be "deny"/,
  },
  {
    what: "a teacher rule with effect 'guard'",
    break: (root) => put(root, `${rule(root, 'staff-unaffected')}.effect`, 'guard'),
    message: /must be "allow".*SROs only/,
  },
  {
    what: 'a time zone that does not exist',
    break: (root) => put(root, 'policy.timeZone', 'America/Newman'),
    message: /is not a known IANA time zone/,
  },
  {
    what: 'perBasisMinutes naming a basis the catalog lacks',
    break: (root) => put(root, 'policy.grants.perBasisMinutes.made-up-basis', 10),
    message: /names legal basis "made-up-basis" that the catalog does not have/,
  },
  {
    what: 'a catalog without written consent',
    break: (root) => {
      remove(root, basis(root, 'written-consent'));
      return 'legalBases.bases';
    },
    message: /must include written consent/,
  },
  {
    what: 'a duplicated evidence id',
    break: (root) => put(root, `${basis(root, 'judicial-order')}.evidence[1].id`, 'case-number'),
    message: /duplicate evidence id "case-number"/,
  },
  {
    what: 'a notice waiver naming evidence the basis does not ask for',
    break: (root) => put(root, `${basis(root, 'judicial-order')}.notice.waivedWhenEvidence`, 'sealed'),
    message: /names evidence "sealed"/,
  },
  {
    what: 'a duplicated legal basis',
    break: (root) => put(root, `${basis(root, 'juvenile-justice')}.id`, 'school-official'),
    message: /duplicate legal basis "school-official"/,
  },
  {
    what: 'an immediate basis that covers no action',
    break: (root) => put(root, `${basis(root, 'health-safety-emergency')}.actions`, []),
    message: /must cover an action/,
  },
  {
    what: 'a negative grant length',
    break: (root) => put(root, `${basis(root, 'health-safety-emergency')}.maxGrantMinutes`, -30),
    message: /Too small/i,
  },
  {
    what: 'an adoption date that does not exist (Feb 30)',
    break: (root) => put(root, 'policy.district.boardPolicy.adopted', '2021-02-30'),
    message: /date/i,
  },
  {
    what: 'a publication time without an offset',
    break: (root) => put(root, 'policy.publishedAt', '2026-11-27 00:00'),
    message: /datetime/i,
  },
  {
    what: 'a roster entry with neither username nor e-mail',
    break: (root) => {
      const index = list(root, 'policy.roles.roster').findIndex(
        (entry) =>
          entry !== null && typeof entry === 'object' && !Array.isArray(entry) && !('email' in entry),
      );
      remove(root, `policy.roles.roster[${index}].username`);
      return `policy.roles.roster[${index}]`;
    },
    message: /needs a username or an e-mail/,
  },
  {
    what: 'a roster e-mail that is not an e-mail',
    break: (root) => put(root, 'policy.roles.roster[0].email', 'diaz at newmanpd'),
    message: /email/i,
  },
  {
    what: 'a category left undefined',
    break: (root) => {
      remove(root, category(root, 'special-education'));
      return 'policy.categories';
    },
    message: /category "special-education" is not defined/,
  },
  {
    what: 'immigration designated as directory information',
    break: (root) => {
      list(root, 'policy.directoryCategories').push('immigration');
      return 'policy.directoryCategories';
    },
    message: /234\.7/,
  },
  {
    what: 'a justification minimum above its maximum',
    break: (root) => {
      put(root, 'policy.justification.maxLength', 100);
      return put(root, 'policy.justification.minLength', 150);
    },
    message: /greater than justification\.maxLength/,
  },
  {
    what: 'an age of majority of 30',
    break: (root) => put(root, 'policy.ageOfMajority', 30),
    message: /Too big/i,
  },
  {
    what: 'a hub URL that is not http(s)',
    break: (root) => put(root, 'policy.reporting.hubUrl', 'ftp://hub.district.example'),
    message: /URL/i,
  },
  {
    what: 'an adapter host with a scheme',
    break: (root) => put(root, 'adapters[0].match.hosts[0]', 'https://sis.district.example'),
    message: /must be a host name/,
  },
  {
    what: 'the same adapter twice',
    break: (root) => {
      const adapters = list(root, 'adapters');
      adapters.push(structuredClone(get(root, 'adapters[0]')));
      return `adapters[${adapters.length - 1}].id`;
    },
    message: /duplicate adapter/,
  },
  { what: 'no adapters', break: (root) => put(root, 'adapters', []), message: /Too small/i },
  {
    what: 'an export field with a category the policy does not have',
    break: (root) => put(root, `${demoSis(root)}.exports.fields[0].category`, 'secrets'),
    message: /demographics/,
  },
  {
    what: 'an export field with an empty name',
    break: (root) => put(root, `${demoSis(root)}.exports.fields[0].names[0]`, ''),
    message: /Too small/i,
  },
  {
    what: 'an export field name of punctuation only',
    break: (root) => put(root, `${demoSis(root)}.exports.fields[0].names[0]`, ' -_. '),
    message: /must contain a letter or digit/,
  },
  {
    what: 'an export field listed under two categories (its separators differ)',
    break: (root) => {
      const fields = list(root, `${demoSis(root)}.exports.fields`);
      fields.push({ category: 'grades', names: ['Last_Name'] });
      return `${demoSis(root)}.exports.fields[${fields.length - 1}].names[0]`;
    },
    message: /"Last_Name" is already listed under demographics/,
  },
  {
    what: "an export field the adapter's own sensitive fields call immigration-related",
    break: (root) => {
      const fields = list(root, `${demoSis(root)}.exports.fields`);
      fields.push({ category: 'demographics', names: ['CA_Birth.Country'] });
      return `${demoSis(root)}.exports.fields[${fields.length - 1}].names[0]`;
    },
    message: /immigration-related field in sensitiveFields; it cannot be exported as demographics/,
  },
  {
    what: 'an export field without names',
    break: (root) => put(root, `${demoSis(root)}.exports.fields[0].names`, []),
    message: /Too small/i,
  },
  {
    what: 'an export control naming an endpoint the adapter does not have',
    break: (root) => {
      const controls = list(root, `${demoSis(root)}.exports.controls`);
      const index = controls.findIndex(
        (control) =>
          typeof control === 'object' &&
          control !== null &&
          !Array.isArray(control) &&
          control.id === 'quick-export',
      );
      return put(root, `${demoSis(root)}.exports.controls[${index}].endpoint`, 'no-such-endpoint');
    },
    message: /names endpoint "no-such-endpoint" that exports.endpoints does not have/,
  },

  {
    what: 'a missing district policy',
    break: (root) => {
      remove(root, 'policy');
      return 'policy';
    },
    message: /object/i,
  },
];

describe('malformed policies are rejected whole, naming the bad field', () => {
  it.each(broken)('$what', ({ break: breakIt, message }) => {
    const candidate = fresh();
    const expectedPath = breakIt(candidate);
    const parsed = parsePolicyBundle(candidate);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed).not.toHaveProperty('value');
    const named = parsed.errors.filter((error) => error.startsWith(`${expectedPath}: `));
    expect(named, `errors were:\n${parsed.errors.join('\n')}`).not.toEqual([]);
    expect(
      named.some((error) => message.test(error)),
      `errors were:\n${parsed.errors.join('\n')}`,
    ).toBe(true);
  });

  it('every error starts with a field path (or "(root)") and a colon', () => {
    for (const { break: breakIt } of broken) {
      const candidate = fresh();
      breakIt(candidate);
      const parsed = parsePolicyBundle(candidate);
      if (parsed.ok) throw new Error('a broken policy was accepted');
      for (const error of parsed.errors) expect(error).toMatch(/^(\(root\)|[A-Za-z$][\w$.\-[\]]*): \S/);
    }
  });

  it('input that is not a bundle at all is rejected at the root', () => {
    for (const input of [null, 'policy', 42, []]) {
      const parsed = parsePolicyBundle(input);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.errors[0]).toMatch(/^\(root\): /);
    }
  });
});

describe('checkPolicyUpdate keeps the policy in force unless the update is valid, the same policy and newer', () => {
  const current: PolicyBundle = realBundle;
  const snapshot = structuredClone(realBundle);
  const withVersion = (version: number, change: (root: Json) => void = () => undefined): Json => {
    const candidate = fresh();
    set(candidate, 'policy.version', version);
    change(candidate);
    return candidate;
  };

  it('accepts a valid, newer version of the same policy', () => {
    const update = checkPolicyUpdate(current, withVersion(current.policy.version + 1));
    expect(update.ok).toBe(true);
    if (update.ok) expect(update.value.policy.version).toBe(current.policy.version + 1);
  });

  it('refuses the same version (a replay, or a tampered bundle that kept its number)', () => {
    const version = current.policy.version;
    const update = checkPolicyUpdate(current, withVersion(version));
    expect(update).toEqual({
      ok: false,
      errors: [`policy.version: ${version} is not greater than the version in force (${version})`],
    });
  });

  it('refuses an older version', () => {
    const newer = policyWith((bundle) => {
      bundle.policy.version = 7;
    });
    const update = checkPolicyUpdate(newer, withVersion(6));
    expect(update.ok ? [] : update.errors).toEqual([
      'policy.version: 6 is not greater than the version in force (7)',
    ]);
  });

  it("refuses another district's policy, even a newer one", () => {
    const update = checkPolicyUpdate(
      current,
      withVersion(99, (root) => set(root, 'policy.id', 'another-district-sro')),
    );
    expect(update.ok ? [] : update.errors).toEqual([
      expect.stringMatching(/^policy\.id: "another-district-sro" is not the policy this browser runs/),
    ]);
  });

  it.each(broken)('refuses a newer but malformed update: $what', ({ break: breakIt }) => {
    let expectedPath = '';
    const candidate = withVersion(current.policy.version + 1, (root) => {
      expectedPath = breakIt(root);
    });
    const update = checkPolicyUpdate(current, candidate);
    expect(update.ok).toBe(false);
    if (!update.ok) expect(update.errors.some((error) => error.startsWith(`${expectedPath}: `))).toBe(true);
    expect(current).toEqual(snapshot);
  });

  it('with no policy in force, accepts any valid bundle and still refuses a malformed one', () => {
    expect(checkPolicyUpdate(undefined, fresh()).ok).toBe(true);
    const candidate = fresh();
    set(candidate, 'policy.timeZone', 'Mars/Olympus_Mons');
    expect(checkPolicyUpdate(undefined, candidate).ok).toBe(false);
  });
});

describe('loadPolicy reads a policies directory or a bundle file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'record-guard-policy-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a bundle file as well as a directory', async () => {
    const file = join(dir, 'bundle.json');
    await writeFile(file, JSON.stringify(fresh()));
    const loaded = await loadPolicy(file);
    expect(loaded.ok).toBe(true);
    if (loaded.ok) expect(loaded.value.policy.id).toBe(realBundle.policy.id);
  });

  it('names the file that is not JSON', async () => {
    const file = join(dir, 'truncated.json');
    await writeFile(file, JSON.stringify(fresh()).slice(0, 500));
    const loaded = await loadPolicy(file);
    expect(loaded).toEqual({ ok: false, errors: [expect.stringContaining(`${file}: not valid JSON`)] });
  });

  it('reports a path that does not exist instead of throwing', async () => {
    const loaded = await loadPolicy(join(dir, 'missing'));
    expect(loaded.ok).toBe(false);
  });
});

describe('schemas of single records', () => {
  it.each([
    { date: '2024-02-29', valid: true },
    { date: '2026-02-29', valid: false },
    { date: '2026-02-30', valid: false },
    { date: '2026-13-01', valid: false },
    { date: '2026-1-5', valid: false },
  ])('calendar date $date valid = $valid', ({ date, valid }) => {
    expect(CalendarDateSchema.safeParse(date).success).toBe(valid);
  });

  it.each([
    { instant: '2026-11-27T10:00:00-08:00', valid: true },
    { instant: '2026-11-27T18:00:00Z', valid: true },
    { instant: '2026-11-27T10:00:00', valid: false },
    { instant: '2026-11-27', valid: false },
  ])('instant $instant valid = $valid (an offset is required)', ({ instant, valid }) => {
    expect(InstantSchema.safeParse(instant).success).toBe(valid);
  });

  it('a consent that expires before it is signed is refused at expiresOn', () => {
    const result = ConsentSchema.safeParse(consent({ signedOn: '2026-09-01', expiresOn: '2026-08-31' }));
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['expiresOn']);
  });

  it('facts: lists default to empty, unknown keys and clock-less times are refused', () => {
    const minimal = {
      time: '2026-11-27T10:00:00-08:00',
      user: {},
      student: { id: '100234' },
      action: 'view',
      categories: [],
    };
    expect(FactsSchema.parse(minimal)).toMatchObject({ fields: [], consents: [], requests: [], grants: [] });
    expect(FactsSchema.safeParse({ ...minimal, role: 'teacher' }).success).toBe(false);
    expect(FactsSchema.safeParse({ ...minimal, time: '2026-11-27T10:00:00' }).success).toBe(false);
  });
});

describe('policies/schema.json', () => {
  it('is what `npm run schema` generates from the zod schemas (not stale)', async () => {
    const run = promisify(execFile);
    const { stdout } = await run('npx', ['tsx', 'scripts/generate-schema.ts', '--check'], { cwd: REPO_ROOT });
    expect(stdout).toMatch(/up to date/);
  }, 60_000);
});
