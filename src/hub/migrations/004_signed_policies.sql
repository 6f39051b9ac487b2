-- Record Guard hub, migration 4 (issue 13): signed policy bundles. The hub stores a bundle exactly as the
-- district signed it (offline, `npm run policy -- sign`) and serves it with its signature; it holds no private
-- key and cannot sign. `signature` (migration 1) holds the Ed25519 signature, base64.
ALTER TABLE policies ADD COLUMN key_id text;
-- The signed payload's exact text: the bytes the signature covers (the `bundle` column stays the canonical
-- bundle the hub itself reads). NULL for a bundle published unsigned, which no browser applies.
ALTER TABLE policies ADD COLUMN signed_payload text;
