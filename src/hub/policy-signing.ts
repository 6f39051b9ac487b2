// The seam for signed policy bundles (a later issue). The hub stores, next to each published bundle, the
// signature its signer returns over the bundle's canonical JSON text (the exact bytes served in `bundle`), and
// serves it with GET /v1/policy. Until a signer is configured, bundles are published unsigned (signature null).

export interface PolicySigner {
  /** Signature of the canonical JSON text of a bundle, or null when bundles are not signed. */
  sign(canonicalBundle: string): Promise<string | null>;
}

export const unsignedPolicies: PolicySigner = {
  sign: async () => null,
};
