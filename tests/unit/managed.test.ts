// Managed settings: the schema admin consoles read (public/managed_schema.json) and the one the extension
// enforces agree; every ready example in deploy/managed-settings/ (which the README quotes) validates; bad
// settings are refused with the last good kept, and the token is never shown.
import { readFileSync } from 'node:fs';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import {
  forgetManagedSettings,
  MANAGED_STATUS_KEY,
  managedSettings,
  ManagedSettingsSchema,
  ManagedStatusSchema,
  validateManagedSettings,
} from '../../src/background/managed';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const json = (path: string): Record<string, unknown> => JSON.parse(read(path)) as Record<string, unknown>;
const EXTENSION_ID = 'dcmgapjhaiphlbfpmmbgmikodemfpigl';

interface SchemaNode {
  type: string;
  title?: string;
  description?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
  enum?: unknown[];
}
const schema = json('public/managed_schema.json') as unknown as SchemaNode;

/** A .reg file's one 3rdparty policy key as the browser reads it: values decoded by the schema's types. */
function parseRegSettings(path: string, root: string): Record<string, unknown> {
  const text = read(path);
  expect(text.startsWith('Windows Registry Editor Version 5.00\r\n')).toBe(true);
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const settings: Record<string, unknown> = {};
  let section = '';
  for (const line of text.split('\r\n')) {
    if (line === '' || line.startsWith(';') || line.startsWith('Windows Registry')) continue;
    const key = /^\[(.+)\]$/.exec(line)?.[1];
    if (key) {
      section = key;
      continue;
    }
    expect(section).toBe(`${root}\\3rdparty\\extensions\\${EXTENSION_ID}\\policy`);
    const entry = /^"([^"]+)"=(?:dword:([0-9a-f]{8})|"((?:[^"\\]|\\.)*)")$/.exec(line);
    if (!entry?.[1]) throw new Error(`not a registry value line: ${line}`);
    const name = entry[1];
    const type = schema.properties?.[name]?.type;
    if (entry[2] !== undefined) {
      const number = parseInt(entry[2], 16);
      settings[name] = type === 'boolean' ? number === 1 : number;
    } else {
      const value = (entry[3] ?? '').replace(/\\(.)/g, '$1');
      // Chrome decodes a string given for a list or object policy as JSON (its registry reader does).
      settings[name] = type === 'array' || type === 'object' ? (JSON.parse(value) as unknown) : value;
    }
  }
  return settings;
}

const examples: [string, () => unknown][] = [
  [
    'Google Admin console (Policy for extensions JSON)',
    () =>
      Object.fromEntries(
        Object.entries(json('deploy/managed-settings/google-admin.json')).map(([name, entry]) => {
          expect(Object.keys(entry as object)).toEqual(['Value']);
          return [name, (entry as { Value: unknown }).Value];
        }),
      ),
  ],
  [
    'Chromium/Chrome on Linux (policies/managed JSON)',
    () =>
      (
        json('deploy/managed-settings/chromium-linux.json')['3rdparty'] as {
          extensions: Record<string, unknown>;
        }
      ).extensions[EXTENSION_ID],
  ],
  [
    'Windows Group Policy / Intune, Chrome (.reg)',
    () =>
      parseRegSettings(
        'deploy/managed-settings/chrome.reg',
        'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome',
      ),
  ],
  [
    'Windows Group Policy / Intune, Edge (.reg)',
    () =>
      parseRegSettings(
        'deploy/managed-settings/edge.reg',
        'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge',
      ),
  ],
  [
    'Firefox policies.json (3rdparty.Extensions)',
    () =>
      (
        (json('deploy/managed-settings/firefox-policies.json').policies as Record<string, unknown>)[
          '3rdparty'
        ] as {
          Extensions: Record<string, unknown>;
        }
      ).Extensions['record-guard@district.example'],
  ],
];

describe('the managed schema', () => {
  it('describes exactly the settings the extension reads, each with a title and a description', () => {
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual(
      Object.keys(ManagedSettingsSchema.shape).sort(),
    );
    const walk = (node: SchemaNode, path: string): void => {
      if (path !== '') {
        expect(node.title, `${path}.title`).toMatch(/\S/);
        expect(node.description, `${path}.description`).toMatch(/\S/);
      }
      for (const [name, child] of Object.entries(node.properties ?? {})) walk(child, `${path}.${name}`);
      if (node.items?.properties)
        for (const [name, child] of Object.entries(node.items.properties)) walk(child, `${path}[].${name}`);
    };
    walk(schema, '');
  });
});

describe('the README examples in deploy/managed-settings/', () => {
  it.each(examples)('%s parses and validates, every setting set', async (_name, extract) => {
    const settings = extract();
    const checked = await validateManagedSettings(settings);
    expect(checked).toMatchObject({ ok: true });
    expect(Object.keys(settings as object).sort()).toEqual(Object.keys(schema.properties ?? {}).sort());
  });

  it('the README quotes the files it names', () => {
    const readme = read('README.md');
    for (const file of [
      'google-admin.json',
      'chrome.reg',
      'edge.reg',
      'firefox-policies.json',
      'chromium-linux.json',
    ])
      expect(readme).toContain(`deploy/managed-settings/${file}`);
  });
});

describe('bad managed settings', () => {
  const good = {
    hubUrl: 'https://hub.district.example',
    hubToken: 'a-secret-token-0123456789',
    district: 'newman-crows-landing-usd',
    policyKeys: [{ id: 'k1', publicKey: 'ZRG9zbdowIa1lxxk0hysNTsC1jZc7/Zua9Vz3ivGqeE=' }],
  };

  it('refuses wrong types, unknown keys and keys that are not public keys, naming the path', async () => {
    expect(await validateManagedSettings({ ...good, requireSignedPolicy: 'yes' })).toMatchObject({
      ok: false,
      problems: [expect.stringMatching(/^requireSignedPolicy: /)],
    });
    expect(await validateManagedSettings({ ...good, requireSignedPolicys: true })).toMatchObject({
      ok: false,
      problems: [expect.stringContaining('requireSignedPolicys')],
    });
    expect(
      await validateManagedSettings({ ...good, policyKeys: [{ id: 'k1', publicKey: 'bm90IGEga2V5' }] }),
    ).toMatchObject({ ok: false, problems: [expect.stringMatching(/^policyKeys\[0\]\.publicKey: /)] });
    expect(
      await validateManagedSettings({ ...good, policyKeys: [good.policyKeys[0], good.policyKeys[0]] }),
    ).toMatchObject({ ok: false, problems: [expect.stringMatching(/^policyKeys: .*unique/)] });
    const problems = await validateManagedSettings({ ...good, hubToken: 42 });
    expect(JSON.stringify(problems)).not.toContain('a-secret-token');
  });

  beforeEach(() => {
    fakeBrowser.reset();
    vi.restoreAllMocks();
    forgetManagedSettings();
  });

  const status = async () =>
    ManagedStatusSchema.parse((await browser.storage.local.get(MANAGED_STATUS_KEY))[MANAGED_STATUS_KEY]);

  it('keeps the last good settings when a read is refused, says why, and never shows the token', async () => {
    vi.spyOn(browser.storage.managed, 'get').mockResolvedValue(good as never);
    expect(await managedSettings()).toEqual(good);
    expect(await status()).toMatchObject({ inForce: 'live', problems: [] });
    expect(JSON.stringify(await status())).not.toContain(good.hubToken);
    expect((await status()).masked).toMatchObject({
      hubUrl: good.hubUrl,
      hubToken: expect.stringContaining('hidden'),
    });

    forgetManagedSettings();
    vi.spyOn(browser.storage.managed, 'get').mockResolvedValue({ ...good, policyKeys: 'k1' } as never);
    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    await managedSettings();
    forgetManagedSettings();
    expect(await managedSettings()).toEqual(good);
    expect(await status()).toMatchObject({
      inForce: 'last-good',
      problems: [expect.stringMatching(/^policyKeys: /)],
    });
    expect(JSON.stringify(errors.mock.calls)).not.toContain(good.hubToken);
  });

  it('with nothing good ever read, a refused read still keeps an SRO browser an SRO’s', async () => {
    vi.spyOn(browser.storage.managed, 'get').mockResolvedValue({ role: 'sro', hubUrl: 7 } as never);
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    expect(await managedSettings()).toEqual({ role: 'sro' });
    expect(await status()).toMatchObject({ inForce: 'none', problems: [expect.stringMatching(/^hubUrl: /)] });
  });
});
