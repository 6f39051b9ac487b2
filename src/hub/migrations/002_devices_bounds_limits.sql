-- Record Guard hub, migration 2 (issue 11).
--
-- 1. Devices belong to their owner: a device id is registered to the user of the first token that posts
--    events for it; another user's events for that device are refused (403, audited), never stored.
CREATE TABLE devices (
  district text NOT NULL,
  device text NOT NULL,
  owner_key text NOT NULL,                   -- lower-cased username of the owner
  owner text NOT NULL,                       -- the username as first sent
  registered_at timestamptz NOT NULL,
  registered_token_id text NOT NULL,
  PRIMARY KEY (district, device)
);
-- Devices that already have events belong to the user of their earliest event's token.
INSERT INTO devices (district, device, owner_key, owner, registered_at, registered_token_id)
SELECT DISTINCT ON (e.district, e.device) e.district, e.device, lower(t.username), t.username, e.received_at, e.token_id
  FROM events e JOIN tokens t ON t.id = e.token_id
 ORDER BY e.district, e.device, e.received_at, e.id;

-- 2. Event ids are scoped per device (so per owner): nobody can store content under an id another device
--    will send later.
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD PRIMARY KEY (district, device, id);

-- 3. Policy versions are 64-bit (the API caps them at 2^53 - 1 and refuses jumps that would leave no room
--    for a next version; see policy.ts).
ALTER TABLE policies ALTER COLUMN version TYPE bigint;
ALTER TABLE exception_requests ALTER COLUMN policy_version TYPE bigint;

-- 4. Rate-limit counters shared by every hub process on this database (rate-limit.ts).
CREATE TABLE rate_limits (
  key text PRIMARY KEY,                      -- 'token:<sha-256 of the token>' or 'addr:<client address>'
  window_start bigint NOT NULL,              -- ms since the epoch, a multiple of the window length
  hits integer NOT NULL
);

-- 5. A row readiness checks rewrite to prove the database can still write (routes/health.ts).
CREATE TABLE hub_probe (
  id integer PRIMARY KEY CHECK (id = 1),
  at timestamptz NOT NULL
);
INSERT INTO hub_probe (id, at) VALUES (1, now());
