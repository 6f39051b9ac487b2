import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsentSchema } from '../../src/policy/consent';
import { WITHHELD } from '../../src/hub/consents';
import { AGENCY, BACKENDS, consentBody, createHarness, json, newId, type Harness } from './helpers';

interface View {
  consent: { id: string; studentId: string; revokedAt?: string; recordedBy?: string };
  status: string;
  cursor: string;
  revokedBy: string | null;
  revokeReason: string | null;
}
interface Feed {
  consents: { id: string; studentId: string; signer: { name: string }; documentRef: string }[];
  removed: string[];
  cursor: string;
  more: boolean;
}

describe.each(BACKENDS)('consents on $name', (backend) => {
  let hub: Harness;
  beforeAll(async () => {
    hub = await createHarness(backend);
  });
  afterAll(async () => {
    await hub?.close();
  });

  const create = (body: Record<string, unknown>) =>
    hub.call('clerk', { method: 'POST', url: '/v1/consents', payload: body });
  const feed = async (who: 'sro' | 'sro2' | 'sroOtherAgency', since?: string) => {
    const response = await hub.call(who, {
      method: 'GET',
      url: `/v1/consents/mine${since !== undefined ? `?since=${since}` : ''}`,
    });
    expect(response.statusCode).toBe(200);
    return json<Feed>(response);
  };

  it('records a consent, with the clerk as recorder, and finds it by student', async () => {
    const response = await create(consentBody({ studentId: 's-create' }));
    expect(response.statusCode).toBe(201);
    const { consent } = json<{ consent: View }>(response);
    expect(consent.status).toBe('active');
    expect(consent.consent.recordedBy).toBe('clerk.nguyen');
    expect(ConsentSchema.safeParse(consent.consent).success).toBe(true);
    const search = await hub.call('admin', { method: 'GET', url: '/v1/consents?studentId=s-create' });
    expect(json<{ consents: View[] }>(search).consents.map((view) => view.consent.id)).toEqual([
      consent.consent.id,
    ]);
  });

  it('is idempotent with a client id: same content 200, other content 409', async () => {
    const id = `c-${newId()}`;
    const body = consentBody({ id, studentId: 's-idem' });
    expect((await create(body)).statusCode).toBe(201);
    expect((await create(body)).statusCode).toBe(200);
    const other = await create({ ...body, purpose: 'Something else' });
    expect(other.statusCode).toBe(409);
    expect(json(other)).toMatchObject({ error: { code: 'conflict', field: 'id' } });
    const search = await hub.call('clerk', { method: 'GET', url: '/v1/consents?studentId=s-idem' });
    expect(json<{ consents: View[] }>(search).consents).toHaveLength(1);
  });

  it('refuses a consent that expires before it was signed, or one for immigration records', async () => {
    const early = await create(consentBody({ signedOn: '2026-09-01', expiresOn: '2026-08-01' }));
    expect(early.statusCode).toBe(400);
    expect(json(early)).toMatchObject({ error: { field: 'expiresOn' } });
    const immigration = await create(consentBody({ categories: ['grades', 'immigration'] }));
    expect(immigration.statusCode).toBe(400);
    expect(json(immigration)).toMatchObject({ error: { field: 'categories[1]' } });
    expect(json<{ error: { message: string } }>(immigration).error.message).toMatch(/234\.7/);
  });

  it('revokes a consent (once), records who and why, and hides it from the default search', async () => {
    const { consent } = json<{ consent: View }>(await create(consentBody({ studentId: 's-revoke' })));
    const revoke = await hub.call('clerk', {
      method: 'POST',
      url: `/v1/consents/${consent.consent.id}/revoke`,
      payload: { reason: 'Parent withdrew consent in writing on 2026-11-20.' },
    });
    expect(revoke.statusCode).toBe(200);
    const revoked = json<{ consent: View }>(revoke).consent;
    expect(revoked.status).toBe('revoked');
    expect(revoked.revokedBy).toBe('clerk.nguyen');
    expect(revoked.consent.revokedAt).toBe(hub.clock.now().toISOString());
    // Again: no change, no second audit entry.
    const again = await hub.call('clerk', {
      method: 'POST',
      url: `/v1/consents/${consent.consent.id}/revoke`,
    });
    expect(again.statusCode).toBe(200);
    expect(json<{ consent: View }>(again).consent.consent.revokedAt).toBe(revoked.consent.revokedAt);
    const active = await hub.call('clerk', { method: 'GET', url: '/v1/consents?studentId=s-revoke' });
    expect(json<{ consents: View[] }>(active).consents).toEqual([]);
    const all = await hub.call('clerk', { method: 'GET', url: '/v1/consents?studentId=s-revoke&status=all' });
    expect(json<{ consents: View[] }>(all).consents.map((view) => view.status)).toEqual(['revoked']);
    const audit = await hub.call('admin', {
      method: 'GET',
      url: '/v1/audit?action=consent.revoke&limit=1000',
    });
    const entries = json<{ entries: { actor: string; target: string; detail: { reason?: string } }[] }>(
      audit,
    ).entries;
    const mine = entries.filter((entry) => entry.target === `consent:${consent.consent.id}`);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      actor: 'clerk.nguyen',
      detail: { reason: expect.stringMatching(/withdrew/) },
    });
  });

  it('gives each SRO only the consents naming it or its agency, minimised, with a cursor', async () => {
    const start = (await feed('sro')).cursor;
    const toDiaz = json<{ consent: View }>(
      await create(
        consentBody({ studentId: 's-min-1', recipient: { kind: 'sro', username: 'Officer.Diaz' } }),
      ),
    ).consent;
    const toAgency = json<{ consent: View }>(
      await create(
        consentBody({ studentId: 's-min-2', recipient: { kind: 'agency', agency: AGENCY.toUpperCase() } }),
      ),
    ).consent;
    const toRoss = json<{ consent: View }>(
      await create(
        consentBody({ studentId: 's-min-3', recipient: { kind: 'sro', username: 'deputy.ross' } }),
      ),
    ).consent;
    const expired = json<{ consent: View }>(
      await create(
        consentBody({
          studentId: 's-min-4',
          recipient: { kind: 'sro', username: 'officer.diaz' },
          signedOn: '2020-01-01',
          expiresOn: '2020-12-31',
        }),
      ),
    ).consent;
    expect(expired.status).toBe('expired');

    const diaz = await feed('sro', start);
    expect(diaz.consents.map((consent) => consent.id)).toEqual([toDiaz.consent.id, toAgency.consent.id]);
    expect(diaz.removed).toEqual([expired.consent.id]);
    for (const consent of diaz.consents) {
      expect(ConsentSchema.safeParse(consent).success).toBe(true);
      expect(consent.signer.name).toBe(WITHHELD);
      expect(consent.documentRef).toBe(WITHHELD);
      expect(consent).not.toHaveProperty('recordedBy');
    }
    // Same agency, other officer: the agency consent only.
    const kim = await feed('sro2', start);
    expect(kim.consents.map((consent) => consent.id)).toEqual([toAgency.consent.id]);
    // Other agency: its own named consent only.
    const ross = await feed('sroOtherAgency', start);
    expect(ross.consents.map((consent) => consent.id)).toEqual([toRoss.consent.id]);

    // Nothing new since the returned cursor.
    const quiet = await feed('sro', diaz.cursor);
    expect(quiet).toMatchObject({ consents: [], removed: [], cursor: diaz.cursor, more: false });

    // A revocation reaches the SRO as a removal after its cursor.
    await hub.call('clerk', {
      method: 'POST',
      url: `/v1/consents/${toAgency.consent.id}/revoke`,
      payload: {},
    });
    const after = await feed('sro', diaz.cursor);
    expect(after.consents).toEqual([]);
    expect(after.removed).toEqual([toAgency.consent.id]);
    expect(Number(after.cursor)).toBeGreaterThan(Number(diaz.cursor));

    // A full snapshot (no cursor) has what is in force only, and no removals.
    const snapshot = await feed('sro');
    const ids = snapshot.consents.map((consent) => consent.id);
    expect(ids).toContain(toDiaz.consent.id);
    expect(ids).not.toContain(toAgency.consent.id);
    expect(ids).not.toContain(expired.consent.id);
    expect(snapshot.removed).toEqual([]);
  });

  it('pages the SRO feed with limit and more', async () => {
    const start = (await feed('sro2')).cursor;
    for (let n = 0; n < 5; n++) {
      await create(
        consentBody({ studentId: `s-page-${n}`, recipient: { kind: 'sro', username: 'officer.kim' } }),
      );
    }
    const seen: string[] = [];
    let cursor = start;
    for (let round = 0; round < 5; round++) {
      const response = await hub.call('sro2', {
        method: 'GET',
        url: `/v1/consents/mine?since=${cursor}&limit=2`,
      });
      const page = json<Feed>(response);
      seen.push(...page.consents.map((consent) => consent.studentId));
      cursor = page.cursor;
      if (!page.more) break;
    }
    expect(seen).toEqual(['s-page-0', 's-page-1', 's-page-2', 's-page-3', 's-page-4']);
  });

  it('counts expiry in the district time zone', async () => {
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/Los_Angeles' }).format(
      hub.clock.now(),
    );
    const view = json<{ consent: View }>(
      await create(consentBody({ studentId: 's-tz', signedOn: '2026-01-01', expiresOn: today })),
    ).consent;
    expect(view.status).toBe('active');
  });

  it('records consent creation in the audit log', async () => {
    const { consent } = json<{ consent: View }>(await create(consentBody({ studentId: 's-audit' })));
    const audit = await hub.call('admin', {
      method: 'GET',
      url: '/v1/audit?action=consent.create&limit=1000',
    });
    const entry = json<{ entries: { actor: string; actorRole: string; target: string; at: string }[] }>(
      audit,
    ).entries.find((candidate) => candidate.target === `consent:${consent.consent.id}`);
    expect(entry).toMatchObject({
      actor: 'clerk.nguyen',
      actorRole: 'clerk',
      at: hub.clock.now().toISOString(),
    });
  });
});
