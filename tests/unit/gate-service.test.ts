// The gate's background side in WXT's fakeBrowser: a gate opened from a tab that never showed its user says so
// in plain words, and refuses to record anything in nobody's name.
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { ulid } from 'ulid';
import { gateContext, IDENTITY_UNKNOWN, submitGate } from '../../src/background/gate-service';
import { database } from '../../src/store/db';

const effects = { accessChanged: async () => undefined, syncSoon: async () => undefined };

async function storeGate(username: string | undefined): Promise<string> {
  const gateId = ulid();
  await browser.storage.session.set({
    [`gate.${gateId}`]: {
      context: {
        gateId,
        studentId: '100000',
        categories: ['health'],
        action: 'view',
        url: 'http://127.0.0.1:9/admin/students/health.html?frn=001100000',
      },
      ...(username ? { username } : {}),
      fields: [],
    },
  });
  return gateId;
}

const emergency = (gateId: string) => ({
  channel: 'gate.submit' as const,
  gateId,
  basis: 'health-safety-emergency',
  evidence: {
    threat: 'A student told the counselor at 10:15 that a classmate has a handgun in his locker.',
    'incident-number': 'NPD-2026-1142',
  },
  justification:
    'A student told the front office that a classmate has a knife in his backpack; I need his schedule to find him now.',
  attested: true as const,
});

describe('the gate without a signed-in user', () => {
  beforeEach(async () => {
    fakeBrowser.reset();
    await database().grants.clear();
  });

  it('tells the gate page the identity is unknown, with no basis to choose', async () => {
    const context = await gateContext(await storeGate(undefined));
    expect(context).toMatchObject({ identityUnknown: true, options: [], outcome: 'block' });
    expect(context?.reason.en).toMatch(/could not tell who is signed in.*Sign in to the SIS again/);
  });

  it('refuses a submission with the sign-in message, not "that legal basis cannot cover", and grants nothing', async () => {
    const result = await submitGate(emergency(await storeGate(undefined)), effects);
    expect(result).toEqual({ ok: false, problems: [{ field: 'form', message: IDENTITY_UNKNOWN }] });
    expect(JSON.stringify(result)).not.toMatch(/cannot cover/);
    expect(await database().grants.count()).toBe(0);
  });

  it('the same gate for a named SRO offers the emergency and grants it', async () => {
    const gateId = await storeGate('officer.diaz');
    const context = await gateContext(gateId);
    expect(context?.identityUnknown).toBe(false);
    expect(context?.options.map((option) => option.basis)).toContain('health-safety-emergency');
    expect(context?.today).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const result = await submitGate(emergency(gateId), effects);
    expect(result).toMatchObject({ ok: true, kind: 'grant' });
    expect(await database().grants.count()).toBe(1);
  });

  it('refuses an emergency whose threat is "x", naming the threat field', async () => {
    const result = await submitGate(
      {
        ...emergency(await storeGate('officer.diaz')),
        evidence: { threat: 'x', 'incident-number': 'NPD-1' },
      },
      effects,
    );
    expect(result).toMatchObject({ ok: false, problems: [{ field: 'threat' }] });
    expect(await database().grants.count()).toBe(0);
  });
});
