-- Record Guard hub, migration 3 (issue 12): the records clerks' console.
--
-- 1. Console sessions. A clerk or admin signs in once (today: with a hub token; later: OpenID Connect) and gets
--    an HttpOnly cookie whose SHA-256 is kept here, never the cookie itself. A session is bound to the user, role
--    and district it was opened for; a token-born session ends when its token is revoked (checked every request).
CREATE TABLE console_sessions (
  id text PRIMARY KEY,                       -- ulid: names the session in the audit log
  secret_hash text NOT NULL UNIQUE,          -- SHA-256 (hex) of the cookie's value
  csrf text NOT NULL,                        -- the proof every state-changing request repeats in a header
  method text NOT NULL CHECK (method IN ('token', 'oidc')),
  token_id text,                             -- the token exchanged (method 'token')
  subject text NOT NULL,                     -- the user name
  role text NOT NULL CHECK (role IN ('clerk', 'admin')),
  district text NOT NULL,
  created_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,           -- absolute bound, whatever the activity
  ended_at timestamptz,
  ended_reason text
);
CREATE INDEX console_sessions_token ON console_sessions (token_id) WHERE ended_at IS NULL;

-- 2. Directory-information opt-outs (34 CFR 99.37, Education Code 49073). One row per student and school year
--    as last recorded; a student without a row is unknown, and unknown counts as opted out.
CREATE TABLE directory_optouts (
  district text NOT NULL,
  student_id text NOT NULL,
  opted_out boolean NOT NULL,
  school_year text NOT NULL,                 -- e.g. 2026-27: the notice a family answered
  document_ref text,
  recorded_at timestamptz NOT NULL,
  recorded_by text NOT NULL,
  change_seq bigint NOT NULL,
  PRIMARY KEY (district, student_id)
);
CREATE INDEX directory_optouts_change ON directory_optouts (district, change_seq);

-- 3. The notice duty of subpoenas and court orders (34 CFR 99.31(a)(9)(ii), Education Code 49077), and the
--    juvenile-justice certification confirmed (99.38): stored with the approval.
ALTER TABLE exception_requests ADD COLUMN notice jsonb;
ALTER TABLE exception_requests ADD COLUMN certification jsonb;

-- 4. Emergency access granted at once in an SRO's browser (34 CFR 99.36), reported to the hub for review.
CREATE TABLE emergency_reviews (
  district text NOT NULL,
  id text NOT NULL,                          -- the grant's id in the browser
  username text NOT NULL,
  agency text,
  student_id text NOT NULL,
  threat text NOT NULL,
  parties text NOT NULL,
  categories jsonb NOT NULL,
  granted_at timestamptz NOT NULL,
  valid_until timestamptz NOT NULL,
  records_opened jsonb NOT NULL,             -- [{ at, categories, path? }] as reported
  reported_at timestamptz NOT NULL,
  token_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('pending', 'appropriate', 'referred')),
  reviewed_at timestamptz,
  reviewed_by text,
  review_note text,
  PRIMARY KEY (district, id)
);
CREATE INDEX emergency_reviews_status ON emergency_reviews (district, status, granted_at);

-- 5. A record's history: audit entries found by target.
CREATE INDEX audit_target ON audit_log (district, target, id);

-- 6. Consent search by student name or id prefix and status listing stay on the existing (district, student_id)
--    index; document references are unique per district for idempotent CSV imports (NULL-free by schema).
CREATE INDEX consents_document ON consents (district, (body->>'documentRef'));
