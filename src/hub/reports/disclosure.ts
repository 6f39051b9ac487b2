// A student's disclosure record (34 CFR 99.32(a), Education Code 49064): every request for and disclosure of the
// student's records that SRO browsers logged or the hub holds — who (person and agency), when, which records,
// each basis relied on with its reference, the consent, for emergencies the threat and the parties, for
// subpoenas and orders the notice. Viewing it is itself audited (by the route, in the same transaction).
import type { PolicyBundle } from '../../policy/bundle';
import type { Queryable } from '../db';

export interface DisclosureBasis {
  basis: string;
  kind: 'consent' | 'request' | 'grant' | 'rule';
  reference: string | null;
  citations: string[];
  consent?: {
    signer: string;
    relation: string;
    purpose: string;
    documentRef: string | null;
    signedOn: string;
  };
  /** What the SRO stated, and the fields the basis asked for (threat, case number, court, ...). */
  justification?: string;
  evidence?: Record<string, string>;
  emergency?: {
    threat: string | null;
    parties: string[];
    review: {
      required: boolean;
      outcome: string | null;
      by: string | null;
      at: string | null;
      note: string | null;
    };
  };
  /** `made`: the notice record stored with the clerk's approval (migration 003), null while none is. */
  notice?: { required: boolean; waived: boolean; timing: string; made: Record<string, unknown> | null };
  request?: { status: string; decidedBy: string | null; decidedAt: string | null; reason: string | null };
}

export interface DisclosureEntry {
  eventId: string;
  at: string;
  kind: 'disclosure' | 'refused' | 'request';
  who: { username: string | null; agency: string | null };
  action: string | null;
  categories: string[];
  outcome: string | null;
  bases: DisclosureBasis[];
}

export interface DisclosureRecord {
  studentId: string;
  entries: DisclosureEntry[];
}

interface EventRow {
  id: string;
  time: Date;
  type: string;
  username: string | null;
  agency: string | null;
  body: {
    action?: string;
    outcome?: string;
    categories?: string[];
    basis?: string;
    ref?: string;
    citations?: string[];
    coverage?: { kind: 'consent' | 'request' | 'grant'; id: string; basis: string }[];
    justification?: string;
    evidence?: Record<string, string>;
  };
}

const DISCLOSED = new Set(['allow', 'redact']);

export async function disclosureRecord(
  db: Queryable,
  district: string,
  studentId: string,
  bundle: PolicyBundle | undefined,
): Promise<DisclosureRecord> {
  const { rows } = await db.query<EventRow>(
    `SELECT e.id, e.time, e.type, e.username, t.agency, e.body
       FROM events e LEFT JOIN tokens t ON t.id = e.token_id
      WHERE e.district = $1 AND e.student_id = $2 AND e.hash_ok
        AND e.type IN ('decision', 'export-blocked', 'request-filed')
      ORDER BY e.time, e.id`,
    [district, studentId],
  );
  const refs = new Set<string>();
  for (const row of rows) {
    for (const entry of row.body.coverage ?? []) refs.add(entry.id);
    if (row.body.ref) refs.add(row.body.ref);
  }
  const refList = [...refs];
  // What was stated for each grant or request (the justification event that carries its ref).
  const justifications = new Map<string, { justification?: string; evidence?: Record<string, string> }>();
  const consents = new Map<string, DisclosureBasis['consent']>();
  const requests = new Map<
    string,
    DisclosureBasis['request'] & { evidence: Record<string, string>; notice: Record<string, unknown> | null }
  >();
  const reviews = new Map<
    string,
    {
      threat: string;
      parties: string;
      status: string;
      by: string | null;
      at: string | null;
      note: string | null;
    }
  >();
  if (refList.length > 0) {
    const stated = await db.query<{ ref: string; body: EventRow['body'] }>(
      `SELECT body->>'ref' AS ref, body FROM events
        WHERE district = $1 AND student_id = $2 AND type = 'justification' AND hash_ok AND body->>'ref' = ANY($3::text[])`,
      [district, studentId, refList],
    );
    for (const row of stated.rows) {
      justifications.set(row.ref, {
        ...(row.body.justification ? { justification: row.body.justification } : {}),
        ...(row.body.evidence ? { evidence: row.body.evidence } : {}),
      });
    }
    const consentRows = await db.query<{
      id: string;
      body: {
        signer: { name: string; relation: string };
        purpose: string;
        documentRef?: string;
        signedOn: string;
      };
    }>('SELECT id, body FROM consents WHERE district = $1 AND student_id = $2 AND id = ANY($3::text[])', [
      district,
      studentId,
      refList,
    ]);
    for (const row of consentRows.rows) {
      consents.set(row.id, {
        signer: row.body.signer.name,
        relation: row.body.signer.relation,
        purpose: row.body.purpose,
        documentRef: row.body.documentRef ?? null,
        signedOn: row.body.signedOn,
      });
    }
    const requestRows = await db.query<{
      id: string;
      status: string;
      decided_by: string | null;
      decided_at: Date | null;
      decision_reason: string | null;
      evidence: Record<string, string>;
      notice: Record<string, unknown> | null;
    }>(
      `SELECT id, status, decided_by, decided_at, decision_reason, evidence, notice FROM exception_requests
        WHERE district = $1 AND student_id = $2 AND id = ANY($3::text[])`,
      [district, studentId, refList],
    );
    for (const row of requestRows.rows) {
      requests.set(row.id, {
        status: row.status,
        decidedBy: row.decided_by,
        decidedAt: row.decided_at?.toISOString() ?? null,
        reason: row.decision_reason,
        evidence: row.evidence,
        notice: row.notice,
      });
    }
    // Emergency grants as reported to the hub for review (34 CFR 99.36, 99.32(a)(5)).
    const reviewRows = await db.query<{
      id: string;
      threat: string;
      parties: string;
      status: string;
      reviewed_by: string | null;
      reviewed_at: Date | null;
      review_note: string | null;
    }>(
      `SELECT id, threat, parties, status, reviewed_by, reviewed_at, review_note FROM emergency_reviews
        WHERE district = $1 AND student_id = $2 AND id = ANY($3::text[])`,
      [district, studentId, refList],
    );
    for (const row of reviewRows.rows) {
      reviews.set(row.id, {
        threat: row.threat,
        parties: row.parties,
        status: row.status,
        by: row.reviewed_by,
        at: row.reviewed_at?.toISOString() ?? null,
        note: row.review_note,
      });
    }
  }
  const catalog = new Map((bundle?.legalBases.bases ?? []).map((basis) => [basis.id, basis]));

  const describe = (
    kind: DisclosureBasis['kind'],
    basisId: string,
    reference: string | null,
    who: DisclosureEntry['who'],
  ): DisclosureBasis => {
    const basis = catalog.get(basisId);
    const out: DisclosureBasis = { basis: basisId, kind, reference, citations: basis?.citations ?? [] };
    if (reference === null) return out;
    const consent = consents.get(reference);
    if (consent) out.consent = consent;
    const request = requests.get(reference);
    const stated = justifications.get(reference);
    if (stated?.justification) out.justification = stated.justification;
    const evidence = stated?.evidence ?? request?.evidence;
    if (evidence && Object.keys(evidence).length > 0) out.evidence = evidence;
    if (request) {
      const { evidence: _evidence, notice: _notice, ...decision } = request;
      out.request = decision;
    }
    if (basis?.notice.required) {
      const waivedBy = basis.notice.waivedWhenEvidence;
      out.notice = {
        required: true,
        waived: waivedBy !== undefined && evidence?.[waivedBy] === 'yes',
        timing: basis.notice.timing,
        made: request?.notice ?? null,
      };
    }
    if (basis && basis.review !== 'none' && basis.mode === 'immediate') {
      const review = reviews.get(reference);
      out.emergency = {
        threat: review?.threat ?? evidence?.threat ?? null,
        // The parties the information went to: as reported for review, else the officer and the agency.
        parties: review?.parties
          ? [review.parties]
          : [who.username, who.agency].filter((party): party is string => Boolean(party)),
        // Reviews are made at the console; until one is recorded the outcome is null (pending).
        review: {
          required: true,
          outcome: review && review.status !== 'pending' ? review.status : null,
          by: review?.by ?? null,
          at: review?.at ?? null,
          note: review?.note ?? null,
        },
      };
    }
    return out;
  };

  const entries: DisclosureEntry[] = rows.map((row) => {
    const who = { username: row.username, agency: row.agency };
    const disclosed = row.type === 'decision' && DISCLOSED.has(row.body.outcome ?? '');
    // Events from before `coverage` name only their first basis and its reference: its kind is looked up.
    const legacyKind = (ref: string): 'consent' | 'request' | 'grant' =>
      consents.has(ref) ? 'consent' : requests.has(ref) ? 'request' : 'grant';
    const coverage =
      row.body.coverage ??
      (row.body.basis && row.body.ref
        ? [{ kind: legacyKind(row.body.ref), id: row.body.ref, basis: row.body.basis }]
        : []);
    const bases =
      row.type === 'request-filed'
        ? row.body.basis
          ? [describe('request', row.body.basis, row.body.ref ?? null, who)]
          : []
        : disclosed
          ? coverage.length > 0
            ? coverage.map((entry) => describe(entry.kind, entry.basis, entry.id, who))
            : [
                {
                  basis: row.body.basis ?? 'policy-rule',
                  kind: 'rule' as const,
                  reference: null,
                  citations: row.body.citations ?? [],
                },
              ]
          : [];
    return {
      eventId: row.id,
      at: row.time.toISOString(),
      kind: row.type === 'request-filed' ? 'request' : disclosed ? 'disclosure' : 'refused',
      who,
      action: row.body.action ?? null,
      categories: row.body.categories ?? [],
      outcome: row.body.outcome ?? null,
      bases,
    };
  });
  return { studentId, entries };
}
