// The ready policy files in deploy/ for SRO browsers: they parse, name only policies the browsers know with
// values of the right type, agree with each other, and name this extension by its real id.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (path: string): string => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const json = (path: string): Record<string, unknown> => JSON.parse(read(path)) as Record<string, unknown>;

/** The extension id Chromium derives from the public key in wxt.config.ts (SHA-256, first 128 bits, a–p). */
function extensionIdFromConfig(): string {
  const key = /EXTENSION_PUBLIC_KEY =\s*'([^']+)'/.exec(read('wxt.config.ts'))?.[1];
  if (!key) throw new Error('wxt.config.ts has no EXTENSION_PUBLIC_KEY');
  const hex = createHash('sha256').update(Buffer.from(key, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((digit) => String.fromCharCode(97 + parseInt(digit, 16))).join('');
}
const EXTENSION_ID = extensionIdFromConfig();
const GECKO_ID = /gecko: \{ id: '([^']+)'/.exec(read('wxt.config.ts'))?.[1];

/**
 * The Chromium policies the files set, as Chromium's policy templates define them
 * (components/policy/resources/templates/policy_definitions): type and allowed values.
 */
const CHROMIUM_POLICIES: Record<string, (value: unknown) => boolean> = {
  URLBlocklist: (value) => Array.isArray(value) && value.every((item) => typeof item === 'string'),
  DeveloperToolsAvailability: (value) => value === 0 || value === 1 || value === 2,
  ExtensionDeveloperModeSettings: (value) => value === 0 || value === 1,
  IncognitoModeAvailability: (value) => value === 0 || value === 1 || value === 2,
  BrowserGuestModeEnabled: (value) => typeof value === 'boolean',
  BrowserAddPersonEnabled: (value) => typeof value === 'boolean',
  ExtensionSettings: (value) => typeof value === 'object' && value !== null && !Array.isArray(value),
  ExtensionInstallForcelist: (value) =>
    Array.isArray(value) && value.every((item) => typeof item === 'string'),
  '3rdparty': (value) => typeof value === 'object' && value !== null,
};
/** Edge's names where they differ from Chrome's. */
const EDGE_NAMES: Record<string, string> = {
  InPrivateModeAvailability: 'IncognitoModeAvailability',
  BrowserAddProfileEnabled: 'BrowserAddPersonEnabled',
};
const MANAGED_SETTINGS = Object.keys(
  (json('public/managed_schema.json') as { properties: Record<string, unknown> }).properties,
);

/** What the SRO hardening must set, whatever the format. */
function expectHardening(policy: Record<string, unknown>): void {
  expect(policy.URLBlocklist).toEqual(expect.arrayContaining(['javascript://*', 'view-source:*']));
  expect(policy.DeveloperToolsAvailability).toBe(2);
  expect(policy.IncognitoModeAvailability).toBe(1);
  expect(policy.BrowserGuestModeEnabled).toBe(false);
  expect(policy.BrowserAddPersonEnabled).toBe(false);
}

/** A .reg file as policy name → value: DWORDs as numbers, numbered subkeys as lists, 3rdparty as an object. */
function parseReg(text: string, root: string): Record<string, unknown> {
  const lines = text.split(/\r\n/);
  expect(lines[0]).toBe('Windows Registry Editor Version 5.00');
  // Every line ends in CRLF, as regedit writes and expects.
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  const policy: Record<string, unknown> = {};
  let key = '';
  for (const line of lines.slice(1)) {
    if (line === '' || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section?.[1]) {
      key = section[1];
      expect(key.startsWith(root), key).toBe(true);
      continue;
    }
    const entry = /^"([^"]+)"=(?:dword:([0-9a-f]{8})|"([^"]*)")$/.exec(line);
    if (!entry?.[1]) throw new Error(`not a registry value line: ${line}`);
    const value = entry[2] !== undefined ? parseInt(entry[2], 16) : entry[3];
    const sub = key.slice(root.length).replace(/^\\/, '');
    if (sub === '') policy[entry[1]] = value;
    else if (sub.startsWith('3rdparty\\extensions\\')) {
      const [, , id] = sub.split('\\');
      const third = (policy['3rdparty'] ??= {}) as Record<string, Record<string, unknown>>;
      (third[id ?? ''] ??= {})[entry[1]] = value;
    } else {
      expect(entry[1], `${sub} items are numbered from 1`).toMatch(/^[1-9]\d*$/);
      ((policy[sub] ??= []) as unknown[]).push(value);
    }
  }
  return policy;
}
/** DWORD booleans as Chrome reads them. */
const asBooleans = (policy: Record<string, unknown>, names: string[]): Record<string, unknown> => ({
  ...policy,
  ...Object.fromEntries(names.filter((name) => name in policy).map((name) => [name, policy[name] === 1])),
});

describe('deploy/linux (Chrome: /etc/opt/chrome/policies/managed/, Chromium: /etc/chromium/policies/managed/)', () => {
  const policy = json('deploy/linux/record-guard-sro.json');

  it('sets only policies Chromium knows, with values of their type', () => {
    for (const [name, value] of Object.entries(policy)) {
      expect(CHROMIUM_POLICIES, name).toHaveProperty(name);
      expect(CHROMIUM_POLICIES[name]?.(value), `${name}: ${JSON.stringify(value)}`).toBe(true);
    }
    expectHardening(policy);
  });

  it('force-installs this extension (its real id) and gives it the SRO role through its managed schema', () => {
    const settings = policy.ExtensionSettings as Record<string, Record<string, unknown>>;
    expect(Object.keys(settings)).toEqual([EXTENSION_ID]);
    expect(settings[EXTENSION_ID]).toMatchObject({
      installation_mode: 'force_installed',
      update_url: expect.stringMatching(/^https:\/\//),
    });
    const third = (policy['3rdparty'] as { extensions: Record<string, Record<string, string>> }).extensions;
    expect(Object.keys(third)).toEqual([EXTENSION_ID]);
    expect(third[EXTENSION_ID]?.role).toBe('sro');
    for (const name of Object.keys(third[EXTENSION_ID] ?? {})) expect(MANAGED_SETTINGS).toContain(name);
  });
});

describe('deploy/windows (.reg for Group Policy preferences, Intune OMA-URI rows)', () => {
  const linux = json('deploy/linux/record-guard-sro.json');

  it('the Chrome .reg sets what the Linux file sets, under HKLM\\Software\\Policies\\Google\\Chrome', () => {
    const reg = asBooleans(
      parseReg(
        read('deploy/windows/record-guard-sro-chrome.reg'),
        'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Google\\Chrome',
      ),
      ['BrowserGuestModeEnabled', 'BrowserAddPersonEnabled'],
    );
    for (const name of Object.keys(reg)) expect(CHROMIUM_POLICIES, name).toHaveProperty(name);
    expectHardening(reg);
    expect(reg.ExtensionDeveloperModeSettings).toBe(linux.ExtensionDeveloperModeSettings);
    expect(reg.ExtensionInstallForcelist).toEqual([
      `${EXTENSION_ID};${(linux.ExtensionSettings as Record<string, { update_url: string }>)[EXTENSION_ID]?.update_url}`,
    ]);
    expect(reg['3rdparty']).toEqual((linux['3rdparty'] as { extensions: unknown }).extensions);
  });

  it("the Edge .reg sets the same under HKLM\\Software\\Policies\\Microsoft\\Edge, in Edge's names", () => {
    const raw = parseReg(
      read('deploy/windows/record-guard-sro-edge.reg'),
      'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Microsoft\\Edge',
    );
    const asChrome = asBooleans(
      Object.fromEntries(Object.entries(raw).map(([name, value]) => [EDGE_NAMES[name] ?? name, value])),
      ['BrowserGuestModeEnabled', 'BrowserAddPersonEnabled'],
    );
    for (const name of Object.keys(asChrome)) expect(CHROMIUM_POLICIES, name).toHaveProperty(name);
    expectHardening(asChrome);
    expect(raw).toHaveProperty('InPrivateModeAvailability', 1);
    expect(raw).not.toHaveProperty('IncognitoModeAvailability');
    expect(String((asChrome.ExtensionInstallForcelist as string[])[0])).toMatch(
      new RegExp(`^${EXTENSION_ID};https://`),
    );
  });

  it('the Intune rows name the same policies, with ADMX values that say the same', () => {
    const { rows } = json('deploy/windows/intune-chrome-oma-uri.json') as {
      rows: { policy: string; omaUri: string; value: string }[];
    };
    const decoded = Object.fromEntries(
      rows.map(({ policy, omaUri, value }) => {
        expect(CHROMIUM_POLICIES, policy).toHaveProperty(policy);
        expect(omaUri).toMatch(
          new RegExp(
            `^\\./Device/Vendor/MSFT/Policy/Config/Chrome~Policy~googlechrome(~Extensions)?/${policy}$`,
          ),
        );
        if (value === '<disabled/>') return [policy, false];
        const data = /^<enabled\/><data id="([A-Za-z]+)" value="([^"]*)"\/>$/.exec(value);
        if (!data?.[2]) throw new Error(`${policy}: not an ADMX value: ${value}`);
        const list = data[1] === `${policy}Desc`;
        if (!list) expect(data[1]).toBe(policy);
        // List items are "index U+F000 value" pairs, as Chrome's ADMX expects.
        const parts = data[2].split('&#xF000;');
        return [policy, list ? parts.filter((_, index) => index % 2 === 1) : Number(data[2])];
      }),
    );
    expectHardening(decoded);
    expect(decoded.ExtensionInstallForcelist).toEqual([
      expect.stringMatching(new RegExp(`^${EXTENSION_ID};https://`)),
    ]);
  });
});

describe('deploy/google-admin', () => {
  it("the extension's managed configuration (Policy for extensions) uses only its managed schema's settings", () => {
    const config = json('deploy/google-admin/record-guard-managed-config.json') as Record<
      string,
      { Value: unknown }
    >;
    expect(config.role).toEqual({ Value: 'sro' });
    for (const [name, entry] of Object.entries(config)) {
      expect(MANAGED_SETTINGS).toContain(name);
      expect(Object.keys(entry)).toEqual(['Value']);
    }
  });

  it('the Chrome Policy API request force-installs this extension', () => {
    const body = json('deploy/google-admin/force-install.batchModify.json') as {
      requests: { policyTargetKey: { additionalTargetKeys: { app_id: string } }; policyValue: unknown }[];
    };
    expect(body.requests).toHaveLength(1);
    expect(body.requests[0]?.policyTargetKey.additionalTargetKeys.app_id).toBe(`chrome:${EXTENSION_ID}`);
    expect(body.requests[0]?.policyValue).toEqual({
      policySchema: 'chrome.users.apps.InstallType',
      value: { appInstallType: 'FORCED' },
    });
  });
});

describe('deploy/firefox/policies.json', () => {
  const { policies } = json('deploy/firefox/policies.json') as { policies: Record<string, unknown> };
  /** Firefox enterprise policies (mozilla/policy-templates) these files use. */
  const FIREFOX_POLICIES = [
    'DisableDeveloperTools',
    'DisablePrivateBrowsing',
    'BlockAboutConfig',
    'BlockAboutAddons',
    'ExtensionSettings',
    '3rdparty',
  ];

  it('sets known policies: developer tools and private windows off, Record Guard force-installed by its gecko id', () => {
    for (const name of Object.keys(policies)) expect(FIREFOX_POLICIES).toContain(name);
    expect(policies).toMatchObject({ DisableDeveloperTools: true, DisablePrivateBrowsing: true });
    expect(GECKO_ID).toBe('record-guard@district.example');
    const settings = policies.ExtensionSettings as Record<string, Record<string, string>>;
    expect(settings[GECKO_ID ?? '']).toMatchObject({ installation_mode: 'force_installed' });
    const managed = (policies['3rdparty'] as { Extensions: Record<string, Record<string, string>> })
      .Extensions;
    expect(managed[GECKO_ID ?? '']?.role).toBe('sro');
  });
});
