import { defineConfig } from 'wxt';
import preact from '@preact/preset-vite';
import { readdirSync, readFileSync } from 'node:fs';
import { matchPatternsFor } from './src/sis/match';

// The public half of the extension's signing key. It fixes the extension id
// (dcmgapjhaiphlbfpmmbgmikodemfpigl) so managed policies and the hub can name it.
// The private key is kept by the district's release managers, never in this repository.
const EXTENSION_PUBLIC_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu8gbKDLAiDAySdjTuUxE7iBeupzpEXL5jPsK0lbRl9yY8w51xPk4OvjZjZsS0csIUD5gdpyY3b20Ou9ZV0W04xjdHSvnVhKkU4f1AuNsFHjtjEQhptbRbnl1atBFe94PMO4c99pila7Z6BOVsJBbPoq5pLKjpfOtAECFbR8UKoz1VJJVhzYySjCYUxRjU2I8aT1lptJIMSezDocIH4b72gApP71MSKW7HzxdPPoN0NWzdnGQCLK4WAYk9BrCB68V6CC0QcMrN4UeIT09bySYGDRpkOMLPS8SbQ1Dr5D3kROOwvRsjdWc2fXFeC2PJTakOk2mLZqdSfj9ddADMohBqwIDAQAB';

/** The guard's content script as built from entrypoints/sis-guard.ts. */
const GUARD_SCRIPT = 'sis-guard.js';

/** Match patterns of the hosts of the adapters in policies/adapters, for the manifest's content script. */
function bundledAdapterMatches(): string[] {
  const dir = new URL('./policies/adapters/', import.meta.url);
  const adapters = readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .map((name) => JSON.parse(readFileSync(new URL(name, dir), 'utf8')) as { match: { hosts: string[] } });
  return matchPatternsFor(adapters);
}

export default defineConfig({
  hooks: {
    'build:manifestGenerated': (_wxt, manifest) => {
      // Listed by hand: entrypoints/sis-guard.ts is an unlisted script (see there for why).
      manifest.content_scripts = [
        ...(manifest.content_scripts ?? []),
        {
          matches: bundledAdapterMatches(),
          js: [GUARD_SCRIPT],
          run_at: 'document_start',
          all_frames: true,
          // about:blank and srcdoc frames a SIS page creates are guarded like the page itself.
          match_origin_as_fallback: true,
        },
      ];
    },
  },
  modules: ['@wxt-dev/webextension-polyfill'],
  vite: () => ({ plugins: [preact()] }),
  manifest: ({ browser }) => ({
    name: '__MSG_extensionName__',
    description: '__MSG_extensionDescription__',
    default_locale: 'en',
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: { id: 'record-guard@district.example', strict_min_version: '128.0' },
          },
        }
      : { key: EXTENSION_PUBLIC_KEY }),
    // webRequest (non-blocking, allowed in MV3) only sees an allowed export's request to remove its one-shot rule.
    permissions: [
      'storage',
      'alarms',
      'scripting',
      'declarativeNetRequest',
      'downloads',
      'tabs',
      'webRequest',
    ],
    // The guard registered at run time on SIS hosts a later policy adds (a district's own PowerSchool server,
    // say) is injected only where the extension holds host permission; districts install it by policy, so
    // this asks nobody. The manifest's own content script already covers the bundled adapters' hosts.
    host_permissions: ['http://*/*', 'https://*/*'],
    storage: { managed_schema: 'managed_schema.json' },
    // The network rules redirect an SRO's blocked navigation to the gate; a redirect from a web request may only
    // land on a web-accessible page. The gate refuses to render inside a frame (see entrypoints/gate).
    web_accessible_resources: [{ resources: ['gate.html'], matches: ['http://*/*', 'https://*/*'] }],
  }),
});
