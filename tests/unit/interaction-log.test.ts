// The interaction form's background side: a valid interaction becomes an `interaction` event in the
// hash-chained log (and the outbox); a future date or a missing field is answered with the field, nothing logged.
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing';
import { routeInteractionMessage } from '../../src/background/interactions';
import { database } from '../../src/store/db';
import { verifyChain } from '../../src/store/log';

const interaction = (overrides: Record<string, unknown> = {}) => ({
  occurredAt: new Date(Date.now() - 3_600_000).toISOString(),
  school: 'nhs',
  studentId: '100234',
  type: 'citation',
  reason: 'Vandalism of a school vehicle',
  forceUsed: false,
  parentNotified: true,
  administratorPresent: true,
  ...overrides,
});

describe('interaction log (background)', () => {
  beforeEach(async () => {
    fakeBrowser.reset();
    const db = database();
    await Promise.all([db.events.clear(), db.outbox.clear(), db.meta.clear()]);
  });

  it('records an interaction event with every detail, chained like any other', async () => {
    const reply = await routeInteractionMessage({
      channel: 'interaction.record',
      officer: 'officer.diaz',
      interaction: interaction(),
    });
    expect(reply).toMatchObject({ ok: true });
    const events = await database().events.toArray();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'interaction',
      studentId: '100234',
      actor: { username: 'officer.diaz', role: 'sro' },
      interaction: { type: 'citation', school: 'nhs', forceUsed: false, parentNotified: true },
    });
    expect((reply as { eventId: string }).eventId).toBe(events[0]?.id);
    expect((await verifyChain(database())).ok).toBe(true);
  });

  it('refuses a future date and an unknown type, naming the field, and logs nothing', async () => {
    const future = await routeInteractionMessage({
      channel: 'interaction.record',
      officer: 'officer.diaz',
      interaction: interaction({ occurredAt: new Date(Date.now() + 86_400_000).toISOString() }),
    });
    expect(future).toEqual({ ok: false, problems: [{ field: 'occurredAt', message: 'is in the future' }] });
    const badType = await routeInteractionMessage({
      channel: 'interaction.record',
      officer: 'officer.diaz',
      interaction: interaction({ type: 'detention' }),
    });
    expect(badType).toMatchObject({ ok: false, problems: [{ field: 'type' }] });
    expect(await database().events.count()).toBe(0);
  });

  it('is not the handler of other messages', () => {
    expect(routeInteractionMessage({ channel: 'popup.status' })).toBeUndefined();
  });
});
