import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Layer rules (README "Layout"): imports flow downward only. `allowTypeImports`: a type import is erased from the
 * bundle, so a contract may name a reply type another layer defines; runtime imports may not cross.
 */
const restrict = (files, patterns, { allowTypeImports = true, ignores = [] } = {}) => ({
  files,
  ignores,
  rules: {
    '@typescript-eslint/no-restricted-imports': [
      'error',
      { patterns: patterns.map(([group, message]) => ({ group, message, allowTypeImports })) },
    ],
  },
});
const BROWSER_GLOBALS = ['browser', 'chrome'].map((name) => ({
  name,
  message: 'the pure core and the contracts use no browser API: pass what they need in as data',
}));
const NO_UI = [['**/ui/*', '**/ui'], 'only extension pages import the UI'];
const NO_BACKGROUND = [['**/background/*'], 'a lower layer never imports the background'];
const NO_STORE = [['**/store/*', 'dexie'], 'only the background and report layers touch the database'];
const NO_HUB = [['**/hub/*'], 'nothing outside src/hub imports the hub'];

export default tseslint.config(
  { ignores: ['.output/**', '.wxt/**', 'node_modules/**', 'bench-results/**', 'demo-output/**', 'dist/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
      eqeqeq: ['error', 'always'],
    },
  },
  // The pure core, policy schemas and contracts: leaves.
  restrict(
    ['src/contracts/**', 'src/policy/**', 'src/decide/**'],
    [
      NO_UI,
      NO_BACKGROUND,
      NO_STORE,
      NO_HUB,
      [['**/guard/*', '**/enforce/*', 'preact', 'preact/*'], 'the pure core and contracts are leaves'],
    ],
  ),
  {
    files: ['src/contracts/**', 'src/policy/**', 'src/decide/**'],
    rules: { 'no-restricted-globals': ['error', ...BROWSER_GLOBALS] },
  },
  restrict(['src/store/**'], [NO_UI, NO_BACKGROUND, NO_HUB]),
  restrict(['src/background/**', 'src/enforce/**', 'src/report/**'], [NO_UI, NO_HUB]),
  // One writer of access records and the guard plan: only access-records.ts forgets or publishes the plan.
  {
    files: ['src/background/**', 'src/enforce/**', 'src/report/**'],
    ignores: ['src/background/access-records.ts', 'src/background/guard-plan.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: NO_UI[0], message: NO_UI[1], allowTypeImports: true },
            { group: NO_HUB[0], message: NO_HUB[1], allowTypeImports: true },
          ],
          paths: [
            {
              name: './guard-plan',
              importNames: ['publishGuardPlan', 'forgetPlannedViews'],
              message:
                'access records and the guard plan are written through src/background/access-records.ts',
            },
          ],
        },
      ],
    },
  },
  // One hub client: the worker reaches the hub only through src/background/hub-client.ts (endpoint, token,
  // timeout and answer checks in one place).
  {
    files: ['src/background/**'],
    ignores: ['src/background/hub-client.ts'],
    rules: {
      'no-restricted-globals': [
        'error',
        { name: 'fetch', message: 'call the hub through src/background/hub-client.ts (hubRequest)' },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'globalThis',
          property: 'fetch',
          message: 'call the hub through src/background/hub-client.ts',
        },
        { object: 'self', property: 'fetch', message: 'call the hub through src/background/hub-client.ts' },
      ],
    },
  },
  // The hub's Authorization header is built in the one hub client only (hubAuthorization), for the outbox too.
  {
    files: ['src/**'],
    ignores: ['src/hub/**', 'src/background/hub-client.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'Literal[value=/^Bearer /], TemplateElement[value.raw=/^Bearer /]',
          message: 'the Authorization header comes from src/background/hub-client.ts (hubAuthorization)',
        },
      ],
    },
  },
  // The content script: small, no zod, Preact or Dexie (type imports are erased).
  restrict(
    ['src/guard/**', 'src/sis/**', 'entrypoints/sis-guard.ts'],
    [
      NO_UI,
      NO_BACKGROUND,
      NO_STORE,
      NO_HUB,
      [['zod', 'zod/*', 'preact', 'preact/*'], 'the content script stays small: no zod or Preact'],
    ],
  ),
  // Extension pages talk to the background by message, never by import, and never open the database.
  restrict(['src/ui/**'], [NO_BACKGROUND, NO_STORE, NO_HUB], { allowTypeImports: false }),
);
