import type { PolicyBundle } from './bundle';

/**
 * Per adapter id: the field labels (regex sources) and codes always hidden from SROs — the policy's
 * immigration-related patterns plus the adapter's own immigration fields.
 */
export function sensitiveFieldsFor(
  bundle: PolicyBundle,
): Record<string, { labels: string[]; codes: string[] }> {
  const immigration = bundle.policy.categories.find((category) => category.id === 'immigration');
  return Object.fromEntries(
    bundle.adapters.map((adapter) => {
      const fields = adapter.sensitiveFields.filter((field) => field.category === 'immigration');
      return [
        adapter.id,
        {
          labels: [...(immigration?.fieldPatterns ?? []), ...fields.flatMap((field) => field.labels)],
          codes: fields.flatMap((field) => field.codes),
        },
      ];
    }),
  );
}
