import { z } from 'zod';
import { SisAdapterSchema } from './adapter';
import { adapterOverlaps, longNetworkPatterns, networkGaps, networkGapWarning } from './adapter-overlap';
import { DistrictPolicySchema } from './district-policy';
import { LegalBasisCatalogSchema } from './legal-basis';

/** Everything a browser needs to enforce: the district policy, the legal-basis catalog and the SIS adapters. */
export const PolicyBundleSchema = z
  .strictObject({
    format: z.literal('record-guard-bundle/1'),
    policy: DistrictPolicySchema,
    legalBases: LegalBasisCatalogSchema,
    adapters: z.array(SisAdapterSchema).min(1),
  })
  .superRefine((bundle, ctx) => {
    const basisIds = new Set(bundle.legalBases.bases.map((basis) => basis.id));
    for (const basisId of Object.keys(bundle.policy.grants.perBasisMinutes)) {
      if (!basisIds.has(basisId)) {
        ctx.addIssue({
          code: 'custom',
          path: ['policy', 'grants', 'perBasisMinutes', basisId],
          message: `names legal basis "${basisId}" that the catalog does not have`,
        });
      }
    }
    const adapterIds = new Set<string>();
    bundle.adapters.forEach((adapter, index) => {
      if (adapterIds.has(adapter.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['adapters', index, 'id'],
          message: `duplicate adapter "${adapter.id}"`,
        });
      }
      adapterIds.add(adapter.id);
    });
    for (const overlap of adapterOverlaps(bundle.adapters)) {
      ctx.addIssue({
        code: 'custom',
        path: ['adapters', overlap.index, 'match', 'paths', overlap.pathIndex],
        message: `claims the same host (${overlap.host}) and path as adapter "${overlap.other}" at the same priority (${overlap.priority}): give one of them a different priority`,
      });
    }
  });
export type PolicyBundle = z.infer<typeof PolicyBundleSchema>;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

/** "policy.rules[2].effect: must be …": the path of the bad field first, so an admin can find it. */
export function formatIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.reduce<string>((text, key) => {
      if (typeof key === 'number') return `${text}[${key}]`;
      const name = String(key);
      return text === '' ? name : `${text}.${name}`;
    }, prefix);
    return `${path === '' ? '(root)' : path}: ${issue.message}`;
  });
}

/**
 * What a valid bundle does that an admin should know, without refusing it: a higher adapter without a network
 * section that takes a lower adapter's network rules off its hosts (networkGaps), and network patterns long
 * enough that Chromium may refuse their rules (longNetworkPatterns). English, one line each.
 */
export function bundleWarnings(bundle: Pick<PolicyBundle, 'adapters'>): string[] {
  return [
    ...networkGaps(bundle.adapters).map((gap) => networkGapWarning(gap)),
    ...bundle.adapters.flatMap((adapter) => longNetworkPatterns(adapter)),
  ];
}

/** Validates a whole bundle. Nothing is applied unless every part is valid. */
export function parsePolicyBundle(input: unknown): ParseResult<PolicyBundle> {
  const result = PolicyBundleSchema.safeParse(input);
  return result.success
    ? { ok: true, value: result.data }
    : { ok: false, errors: formatIssues(result.error).map((line) => nameAdapter(line, input)) };
}

/** An adapter's error also names the adapter by id, after the path: "adapters[2].identity…: … (adapter "aeries")". */
function nameAdapter(line: string, input: unknown): string {
  const index = /^adapters\[(\d+)\]/u.exec(line)?.[1];
  if (index === undefined) return line;
  const adapters = (input as { adapters?: unknown } | null)?.adapters;
  const id = Array.isArray(adapters)
    ? (adapters[Number(index)] as { id?: unknown } | undefined)?.id
    : undefined;
  return typeof id === 'string' ? `${line} (adapter "${id.slice(0, 80)}")` : line;
}

/**
 * Whether a browser running `current` may switch to `candidate`. The version only grows, so a replayed old
 * bundle (or a tampered one that keeps its number) is refused and the current policy stays in force.
 */
export function checkPolicyUpdate(
  current: PolicyBundle | undefined,
  candidate: unknown,
): ParseResult<PolicyBundle> {
  const parsed = parsePolicyBundle(candidate);
  if (!parsed.ok) return parsed;
  if (current === undefined) return parsed;
  if (parsed.value.policy.id !== current.policy.id) {
    return {
      ok: false,
      errors: [
        `policy.id: "${parsed.value.policy.id}" is not the policy this browser runs ("${current.policy.id}")`,
      ],
    };
  }
  if (parsed.value.policy.version <= current.policy.version) {
    return {
      ok: false,
      errors: [
        `policy.version: ${parsed.value.policy.version} is not greater than the version in force (${current.policy.version})`,
      ],
    };
  }
  return parsed;
}
