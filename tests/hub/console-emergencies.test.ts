// Emergency review and a record's history in the console: an emergency access reported by an SRO's browser (its
// events) appears with the threat, parties, window and records opened; a clerk marks it appropriate or refers it
// with a note (audited); one past the review days stands out; another district sees none of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '../../src/report/event-contract';
import { signIn, type ConsoleClient } from './console-helpers';
import { BACKENDS, createHarness, json, makeChain, newId, type Harness } from './helpers';

interface Access {
  id: string;
  threat: string;
  parties: string[];
  grantedAt: string;
  validUntil: string;
  recordsOpened: unknown[];
  overdue: boolean;
  review: { outcome: string; note: string | null; by: string } | null;
}

describe.each(BACKENDS)('console emergency review ($name)', (backend) => {
  let hub: Harness;
  let clerk: ConsoleClient;
  let device = 0;
  beforeAll(async () => {
    hub = await createHarness(backend);
    clerk = await signIn(hub, 'clerk');
  });
  afterAll(async () => hub.close());

  /** An SRO browser's emergency: the justification, the grant and one record opened, as it posts them. */
  async function report(studentId: string, threat: string, at: Date): Promise<string> {
    const grant = newId();
    const deviceId = `device-e-${(device += 1)}`;
    const events: LogEvent[] = [];
    const steps: Partial<LogEvent>[] = [
      {
        type: 'justification',
        basis: 'health-safety-emergency',
        evidence: { threat, 'incident-number': 'NPD-2026-1142' },
        justification: threat,
        ref: grant,
        outcome: 'allow',
      },
      {
        type: 'grant-issued',
        basis: 'health-safety-emergency',
        ref: grant,
        outcome: 'allow',
        categories: ['health'],
      },
      {
        type: 'decision',
        basis: 'health-safety-emergency',
        outcome: 'allow',
        categories: ['health'],
        action: 'view',
      },
    ];
    for (const [index, extra] of steps.entries()) {
      const [event] = await makeChain(1, {
        device: deviceId,
        startSeq: index + 1,
        ...(events.at(-1) ? { prevHash: events.at(-1)?.hash } : {}),
        time: new Date(at.getTime() + index * 1000),
        extra: { studentId, ...extra },
      });
      events.push(event as LogEvent);
    }
    const response = await hub.call('sro', { method: 'POST', url: '/v1/events', payload: { events } });
    expect(response.statusCode, response.body).toBe(200);
    return grant;
  }
  const list = async (client: ConsoleClient, status = 'pending') =>
    json<{ accesses: Access[] }>(await client.call('GET', `/emergencies?status=${status}`)).accesses;

  it('lists an emergency access with the threat, parties, window and records opened', async () => {
    const id = await report(
      '600001',
      'A student said a classmate has a knife in his backpack',
      new Date(Date.now() - 60_000),
    );
    const access = (await list(clerk)).find((entry) => entry.id === id);
    expect(access).toMatchObject({
      threat: 'A student said a classmate has a knife in his backpack',
      parties: ['officer.diaz', 'Newman Police Department'],
      overdue: false,
      review: null,
    });
    expect(access?.recordsOpened).toHaveLength(1);
    expect(Date.parse(access?.validUntil ?? '') - Date.parse(access?.grantedAt ?? '')).toBe(30 * 60_000);
  });

  it('flags a review overdue past the policy days', async () => {
    const id = await report(
      '600002',
      'A caller threatened to come to the school with a weapon',
      new Date(Date.now() - 6 * 86_400_000),
    );
    expect((await list(clerk)).find((entry) => entry.id === id)?.overdue).toBe(true);
  });

  it('records a review once, in the audit log and the record history; a referral needs a note', async () => {
    const id = await report(
      '600003',
      'A student posted a threat to harm others tonight',
      new Date(Date.now() - 60_000),
    );
    const noNote = await clerk.call('POST', `/emergencies/${id}/review`, { outcome: 'referred' });
    expect(noNote.statusCode).toBe(400);
    expect(json<{ error: { field: string } }>(noNote).error.field).toBe('note');
    expect((await clerk.call('POST', `/emergencies/${id}/review`, { outcome: 'maybe' })).statusCode).toBe(
      400,
    );
    expect(
      (await clerk.call('POST', `/emergencies/${id}/review`, { outcome: 'appropriate' }, { csrf: false }))
        .statusCode,
    ).toBe(403);
    const done = await clerk.call('POST', `/emergencies/${id}/review`, {
      outcome: 'referred',
      note: 'Sent to the privacy officer: the threat was vague.',
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(json<{ access: Access }>(done).access.review).toMatchObject({
      outcome: 'referred',
      by: 'clerk.nguyen',
    });
    expect(
      (await clerk.call('POST', `/emergencies/${id}/review`, { outcome: 'appropriate' })).statusCode,
    ).toBe(409);
    expect((await list(clerk)).map((entry) => entry.id)).not.toContain(id);
    expect((await list(clerk, 'all')).map((entry) => entry.id)).toContain(id);
    const history = json<{ entries: { action: string; actor: string; detail: Record<string, unknown> }[] }>(
      await clerk.call('GET', `/history?target=${encodeURIComponent(`emergency:${id}`)}`),
    );
    expect(history.entries).toEqual([
      expect.objectContaining({
        action: 'emergency.review',
        actor: 'clerk.nguyen',
        detail: expect.objectContaining({ outcome: 'referred' }),
      }),
    ]);
    expect((await clerk.call('GET', '/history?target=anything')).statusCode).toBe(400);
  });

  it('shows another district nothing, and lets it review nothing', async () => {
    const id = await report(
      '600004',
      'A fight with a weapon was reported in the parking lot',
      new Date(Date.now() - 60_000),
    );
    const other = await signIn(hub, 'otherClerk');
    expect((await other.call('GET', '/emergencies')).statusCode).toBe(409);
    expect([403, 409]).toContain(
      (await other.call('POST', `/emergencies/${id}/review`, { outcome: 'appropriate' })).statusCode,
    );
    expect(
      json<{ entries: unknown[] }>(await other.call('GET', `/history?target=emergency:${id}`)).entries,
    ).toEqual([]);
    expect((await list(clerk)).find((entry) => entry.id === id)?.review).toBeNull();
  });
});
