-- Record Guard hub: initial schema. Every table is keyed by district so one hub can serve several districts
-- without one district's tokens ever reading another's rows. Runs unchanged on PGlite and PostgreSQL 15+.

CREATE TABLE tokens (
  id text PRIMARY KEY,
  token_hash text NOT NULL UNIQUE,           -- SHA-256 (hex) of the bearer token; the token itself is never stored
  username text NOT NULL,
  role text NOT NULL CHECK (role IN ('sro', 'clerk', 'admin')),
  district text NOT NULL,
  agency text,                               -- an SRO's law-enforcement agency (consents may name it)
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  revoked_at timestamptz,
  revoked_by text
);
CREATE INDEX tokens_district ON tokens (district, created_at);

-- Events received from browsers, stored as sent (body) with the columns the hub queries.
CREATE TABLE events (
  district text NOT NULL,
  id text NOT NULL,
  device text NOT NULL,
  seq bigint NOT NULL,
  time timestamptz NOT NULL,
  type text NOT NULL,
  username text,
  student_id text,
  hash text NOT NULL,
  prev_hash text NOT NULL,
  hash_ok boolean NOT NULL,                  -- false: the hash does not match the content (kept as evidence, flagged)
  body jsonb NOT NULL,
  received_at timestamptz NOT NULL,
  token_id text NOT NULL,
  PRIMARY KEY (district, id)
);
-- Not unique: a device that reuses a position (a forked chain) is stored and flagged, not refused.
CREATE INDEX events_chain ON events (district, device, seq);

CREATE TABLE device_flags (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  district text NOT NULL,
  device text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('chain-break', 'hash-mismatch', 'id-conflict', 'seq-reused')),
  event_id text,
  seq bigint,
  detail text NOT NULL,
  token_id text NOT NULL,
  username text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX device_flags_district ON device_flags (district, device, id);

-- One sequence orders every change SRO browsers sync (consents, exception requests): the sync cursor.
CREATE SEQUENCE change_seq;

CREATE TABLE consents (
  district text NOT NULL,
  id text NOT NULL,
  student_id text NOT NULL,
  recipient_kind text NOT NULL CHECK (recipient_kind IN ('sro', 'agency')),
  recipient_key text NOT NULL,               -- lower-cased username or agency name
  expires_on date,
  body jsonb NOT NULL,                       -- the Consent (src/policy/consent.ts) as recorded
  recorded_at timestamptz NOT NULL,
  recorded_by text NOT NULL,
  revoked_at timestamptz,
  revoked_by text,
  revoke_reason text,
  change_seq bigint NOT NULL,
  PRIMARY KEY (district, id)
);
CREATE INDEX consents_student ON consents (district, student_id);
CREATE INDEX consents_recipient ON consents (district, recipient_kind, recipient_key, change_seq);

CREATE TABLE exception_requests (
  district text NOT NULL,
  id text NOT NULL,
  username text NOT NULL,
  username_key text NOT NULL,                -- lower-cased username
  agency text,
  student_id text NOT NULL,
  basis text NOT NULL,
  categories jsonb NOT NULL,
  actions jsonb NOT NULL,
  justification text NOT NULL,
  evidence jsonb NOT NULL,
  policy_version integer NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'approved', 'denied', 'withdrawn')),
  filed_at timestamptz NOT NULL,
  decided_at timestamptz,
  decided_by text,
  decision_reason text,
  valid_from timestamptz,
  valid_until timestamptz,
  change_seq bigint NOT NULL,
  PRIMARY KEY (district, id)
);
CREATE INDEX requests_status ON exception_requests (district, status, change_seq);
CREATE INDEX requests_user ON exception_requests (district, username_key, change_seq);

-- Published policy bundles. `bundle` is the canonical JSON text of the validated bundle: the exact bytes a
-- signature (a later issue) will cover.
CREATE TABLE policies (
  district text NOT NULL,
  version integer NOT NULL,
  policy_id text NOT NULL,
  bundle text NOT NULL,
  signature text,
  published_at timestamptz NOT NULL,
  published_by text NOT NULL,
  PRIMARY KEY (district, version)
);

-- Every clerk and admin action: who, what, when, on what.
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  district text NOT NULL,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  actor_role text NOT NULL,
  token_id text,
  action text NOT NULL,
  target text NOT NULL,
  detail jsonb NOT NULL
);
CREATE INDEX audit_district ON audit_log (district, id);
