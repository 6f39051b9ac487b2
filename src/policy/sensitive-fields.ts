import {
  classificationFor,
  immigrationFields,
  type CategoryPatterns,
  type ClassifyPurpose,
} from '../decide/classify';
import type { PolicyBundle } from './bundle';

/**
 * The one classification of fields for this bundle: the policy's patterns plus every adapter's fields (for an
 * export, its known export fields too). The guard plan carries the view classification to content scripts.
 */
export function bundleClassification(
  bundle: Pick<PolicyBundle, 'policy' | 'adapters'>,
  purpose: ClassifyPurpose = 'view',
): CategoryPatterns[] {
  return classificationFor(bundle.policy.categories, bundle.adapters, purpose);
}

/**
 * Per adapter id: the field labels (regex sources) and codes always hidden from SROs — the policy's
 * immigration-related patterns plus every adapter's immigration fields (a code one SIS uses may appear in
 * another's pages or exports), the same fields decide() classifies as immigration-related.
 */
export function sensitiveFieldsFor(
  bundle: Pick<PolicyBundle, 'policy' | 'adapters'>,
): Record<string, { labels: string[]; codes: string[] }> {
  const immigration = immigrationFields(bundleClassification(bundle));
  return Object.fromEntries(
    bundle.adapters.map((adapter) => [
      adapter.id,
      { labels: [...immigration.labels], codes: [...immigration.codes] },
    ]),
  );
}
