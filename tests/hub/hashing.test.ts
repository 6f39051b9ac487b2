import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalEventJson, canonicalJsonFast, checkedEventJson, eventHash } from '../../src/hub/hashing';
import { canonicalJson } from '../../src/report/canonical-json';
import { hashEvent, type LogEvent } from '../../src/report/event-contract';
import { makeChain } from './helpers';

describe('hub hashing is the contract hashing', () => {
  it('canonicalJsonFast gives canonicalJson byte for byte on any JSON value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJsonFast(value)).toBe(canonicalJson(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('canonicalJsonFast drops undefined members and keeps unusual keys in code-unit order', () => {
    const value = {
      b: 1,
      a: undefined,
      é: 2,
      Z: [undefined, null, { y: 'x', x: '\u2028"\\' }],
      '': 0,
      '😀': true,
    };
    expect(canonicalJsonFast(value)).toBe(canonicalJson(value));
  });

  it('eventHash equals hashEvent for generated events', async () => {
    const events = await makeChain(50, {
      extra: {
        justification: 'Emergency: "threat" reported — señal 😀 \u2028',
        evidence: { threat: 'x', a: '' },
      },
    });
    for (const event of events) {
      expect(eventHash(event)).toBe(event.hash);
      expect(eventHash(event)).toBe(await hashEvent(event));
    }
  });

  it('eventHash equals hashEvent on arbitrary strings in every free-text member', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme' }), fc.string(), async (text, other) => {
        const [event] = await makeChain(1, {
          extra: { justification: text, evidence: { [other || 'k']: text } },
        });
        if (!event) throw new Error('no event');
        expect(eventHash(event)).toBe(await hashEvent(event));
      }),
      { numRuns: 300 },
    );
  });
});

describe('the event shortcut of canonical JSON', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 40 });
  const arbitraryEvent = fc.record(
    {
      id: fc.constant('01J0000000000000000000000A'),
      seq: fc.integer({ min: 1, max: 2 ** 40 }),
      time: fc.constant('2026-11-27T10:00:00.000-08:00'),
      type: fc.constantFrom('decision', 'justification', 'request-filed'),
      device: text,
      district: fc.constant('newman-crows-landing-usd'),
      actor: fc.record(
        { username: text, role: fc.constantFrom('sro', 'clerk', 'unknown') },
        { requiredKeys: ['role'] },
      ),
      studentId: text,
      categories: fc.array(fc.constantFrom('grades', 'health', 'immigration'), { maxLength: 3 }),
      action: fc.constantFrom('view', 'export'),
      outcome: fc.constantFrom('allow', 'block'),
      basis: fc.constant('written-consent'),
      citations: fc.array(text, { maxLength: 3 }),
      justification: text,
      // Keys JavaScript would reorder ("10", "2"), keys like __proto__ and constructor, and any text.
      evidence: fc.dictionary(
        fc.oneof(text, fc.constantFrom('10', '2', '0', '01', '__proto__', 'constructor', 'a', 'B')),
        text,
        { maxKeys: 5 },
      ),
      ref: text,
      policyVersion: fc.integer({ min: 0, max: 1000 }),
      prevHash: fc.constant('0'.repeat(64)),
    },
    {
      requiredKeys: [
        'id',
        'seq',
        'time',
        'type',
        'device',
        'district',
        'actor',
        'categories',
        'citations',
        'policyVersion',
        'prevHash',
      ],
    },
  );

  it('gives canonicalJson byte for byte, and eventHash gives hashEvent', async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryEvent, async (generated) => {
        const event = generated as unknown as Omit<LogEvent, 'hash'>;
        expect(canonicalEventJson(event)).toBe(canonicalJson(event));
        expect(eventHash(event)).toBe(await hashEvent(event));
        // A hash member, if present, is left out as hashEvent leaves it out.
        expect(canonicalEventJson({ ...event, hash: 'f'.repeat(64) })).toBe(canonicalJson(event));
        // The stored text is the event, hash included; the check says whether the hash matches.
        const hashed = { ...event, hash: await hashEvent(event) } as LogEvent;
        expect(JSON.parse(checkedEventJson(hashed).json)).toEqual(hashed);
        expect(checkedEventJson(hashed).hashOk).toBe(true);
        const tampered = { ...hashed, seq: hashed.seq + 1 };
        expect(JSON.parse(checkedEventJson(tampered).json)).toEqual(tampered);
        expect(checkedEventJson(tampered).hashOk).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });
});
