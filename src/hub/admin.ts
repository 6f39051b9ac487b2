// What every enrolled browser runs, for the district admin: the policy version it last reported, its last
// report, its chain flags and gaps, its last policy rejection, and whether it stopped reporting or updating.
import { z } from 'zod';
import { ManagedNoticeSchema, type ManagedNotice } from '../policy/update-status';
import type { Queryable } from './db';

/**
 * What the browser last reported about its managed settings (its latest 'managed-settings' event): whether they
 * are in force, how many were refused, whether a signed policy is required, and the options page's warnings.
 */
export interface ManagedReport {
  at: string;
  inForce: string;
  problems: number;
  signedPolicyRequired: boolean;
  notices: ManagedNotice[];
}

/** The event's evidence read back; anything unreadable in it is left out, never guessed. */
function managedReport(
  row: { time: string; evidence?: Record<string, unknown> } | null,
): ManagedReport | null {
  if (!row) return null;
  const evidence = row.evidence ?? {};
  let notices: ManagedNotice[] = [];
  try {
    const parsed = z
      .array(ManagedNoticeSchema)
      .max(30)
      .safeParse(JSON.parse(String(evidence.notices ?? '[]')));
    if (parsed.success) notices = parsed.data;
  } catch {
    notices = [];
  }
  return {
    at: row.time,
    inForce: String(evidence.inForce ?? '').slice(0, 20),
    problems: Number(evidence.problems ?? 0) || 0,
    signedPolicyRequired: evidence.signedPolicyRequired === 'true',
    notices,
  };
}

export interface AdminDevice {
  device: string;
  owner: string | null;
  /** The policy version of the device's newest event (what it ran when it last wrote). */
  policyVersion: number | null;
  lastEventAt: string;
  lastReportAt: string;
  events: number;
  /** Positions between the first and last received that have not arrived: the log backlog the hub can see. */
  backlog: number;
  flags: number;
  lastRejection: { at: string; check: string; reason: string } | null;
  /** Its managed settings as it last reported them (null when it never did). */
  managed: ManagedReport | null;
  /** Why this browser needs a look: it stopped reporting, or runs an older policy than the one published. */
  stale: ('no-report' | 'old-policy')[];
}

export async function adminDevices(
  db: Queryable,
  district: string,
  options: { now: Date; staleAfterHours: number; publishedVersion: number | undefined },
): Promise<AdminDevice[]> {
  const { rows } = await db.query<{
    device: string;
    owner: string | null;
    events: number;
    first_seq: number;
    last_seq: number;
    distinct_seqs: number;
    last_event_at: Date;
    last_received_at: Date;
    flags: number;
    policy_version: string | null;
    rejection: { time: string; evidence?: { check?: string; reason?: string } } | null;
    managed: { time: string; evidence?: Record<string, unknown> } | null;
  }>(
    `SELECT e.device, d.owner, count(*) AS events, min(e.seq) AS first_seq, max(e.seq) AS last_seq,
            count(DISTINCT e.seq) AS distinct_seqs, max(e.time) AS last_event_at,
            max(e.received_at) AS last_received_at,
            (SELECT count(*) FROM device_flags f WHERE f.district = e.district AND f.device = e.device) AS flags,
            (SELECT l.body->>'policyVersion' FROM events l WHERE l.district = e.district AND l.device = e.device
              ORDER BY l.seq DESC LIMIT 1) AS policy_version,
            (SELECT r.body FROM events r WHERE r.district = e.district AND r.device = e.device
                AND r.type = 'policy-rejected' ORDER BY r.seq DESC LIMIT 1) AS rejection,
            (SELECT m.body FROM events m WHERE m.district = e.district AND m.device = e.device
                AND m.type = 'managed-settings' ORDER BY m.seq DESC LIMIT 1) AS managed
       FROM events e LEFT JOIN devices d ON d.district = e.district AND d.device = e.device
      WHERE e.district = $1
      GROUP BY e.district, e.device, d.owner ORDER BY e.device`,
    [district],
  );
  const staleBefore = options.now.getTime() - options.staleAfterHours * 3_600_000;
  return rows.map((row) => {
    const policyVersion = row.policy_version === null ? null : Number(row.policy_version);
    const stale: AdminDevice['stale'] = [];
    if (row.last_received_at.getTime() < staleBefore) stale.push('no-report');
    if (options.publishedVersion !== undefined && (policyVersion ?? 0) < options.publishedVersion)
      stale.push('old-policy');
    const rejection = row.rejection;
    return {
      device: row.device,
      owner: row.owner,
      policyVersion,
      lastEventAt: row.last_event_at.toISOString(),
      lastReportAt: row.last_received_at.toISOString(),
      events: Number(row.events),
      backlog: Number(row.last_seq) - Number(row.distinct_seqs),
      flags: Number(row.flags),
      lastRejection: rejection
        ? {
            at: rejection.time,
            check: String(rejection.evidence?.check ?? ''),
            reason: String(rejection.evidence?.reason ?? ''),
          }
        : null,
      managed: managedReport(row.managed),
      stale,
    };
  });
}
