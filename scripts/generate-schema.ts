// Writes policies/schema.json from the zod schemas; with --check, fails when the committed file is stale.
import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import { FactsSchema } from '../src/decide/facts';
import {
  ConsentSchema,
  DistrictPolicySchema,
  LegalBasisCatalogSchema,
  PolicyBundleSchema,
  SisAdapterSchema,
} from '../src/policy';

const TARGET = new URL('../policies/schema.json', import.meta.url);

export function buildSchema(): string {
  const definitions = {
    PolicyBundle: PolicyBundleSchema,
    DistrictPolicy: DistrictPolicySchema,
    LegalBasisCatalog: LegalBasisCatalogSchema,
    SisAdapter: SisAdapterSchema,
    Consent: ConsentSchema,
    Facts: FactsSchema,
  };
  const $defs = Object.fromEntries(
    Object.entries(definitions).map(([name, schema]) => {
      const { $schema: _ignored, ...json } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
      return [name, json];
    }),
  );
  const document = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://record-guard.example/policies/schema.json',
    title: 'Record Guard policy files',
    description: 'Generated from src/policy by `npm run schema`. Do not edit by hand.',
    $ref: '#/$defs/PolicyBundle',
    $defs,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

const fresh = buildSchema();
if (process.argv.includes('--check')) {
  const current = await readFile(TARGET, 'utf8').catch(() => '');
  if (current !== fresh) {
    console.error('policies/schema.json is stale: run `npm run schema` and commit the result.');
    process.exitCode = 1;
  } else {
    console.log('policies/schema.json is up to date.');
  }
} else {
  await writeFile(TARGET, fresh);
  console.log('wrote policies/schema.json');
}
