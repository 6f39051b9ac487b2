-- Record Guard hub, migration 5 (issue 14): the student roster the Board report disaggregates by, versioned by
-- the date it takes effect; SRO interactions entered at the console; indexes for the report and for a
-- student's disclosure record.

CREATE TABLE roster_versions (
  district text NOT NULL,
  id text NOT NULL,
  effective_on date NOT NULL,                -- in force from this date until the next version's
  students integer NOT NULL,
  imported_at timestamptz NOT NULL,
  imported_by text NOT NULL,
  PRIMARY KEY (district, id),
  UNIQUE (district, effective_on)
);

CREATE TABLE roster_students (
  district text NOT NULL,
  version_id text NOT NULL,
  student_id text NOT NULL,
  school text NOT NULL,
  grade text NOT NULL,
  race_ethnicity text NOT NULL,
  sex text NOT NULL,
  disability text NOT NULL,
  english_learner text NOT NULL,
  foster_youth text NOT NULL,
  homeless text NOT NULL,
  PRIMARY KEY (district, version_id, student_id)
);

-- Interactions an admin records at the console (an SRO's own come in as 'interaction' events).
CREATE TABLE interactions (
  district text NOT NULL,
  id text NOT NULL,
  student_id text NOT NULL,
  school text NOT NULL,
  occurred_at timestamptz NOT NULL,
  type text NOT NULL,
  reason text NOT NULL,
  force_used boolean NOT NULL,
  parent_notified boolean NOT NULL,
  administrator_present boolean NOT NULL,
  officer text,                              -- the SRO involved, when the admin names one
  recorded_at timestamptz NOT NULL,
  recorded_by text NOT NULL,
  PRIMARY KEY (district, id)
);
CREATE INDEX interactions_time ON interactions (district, occurred_at);

CREATE INDEX events_period ON events (district, time);
CREATE INDEX events_student ON events (district, student_id, time);
CREATE INDEX events_ref ON events (district, (body->>'ref'));
