// The district policy shipped inside the extension: the last good policy before any managed or signed
// update arrives. Vite inlines the JSON files at build time.
import district from '../../policies/district.json';
import legalBases from '../../policies/legal-bases.json';
import { parsePolicyBundle, type ParseResult, type PolicyBundle } from './bundle';

const adapterModules = import.meta.glob<{ default: unknown }>('../../policies/adapters/*.json', {
  eager: true,
});

export function loadDefaultBundle(): ParseResult<PolicyBundle> {
  return parsePolicyBundle({
    format: 'record-guard-bundle/1',
    policy: district,
    legalBases,
    adapters: Object.keys(adapterModules)
      .sort()
      .map((path) => adapterModules[path]?.default),
  });
}
