import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJsonFast, eventHash } from '../../src/hub/hashing';
import { canonicalJson } from '../../src/report/canonical-json';
import { hashEvent } from '../../src/report/event-contract';
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
    const value = { b: 1, a: undefined, 'é': 2, Z: [undefined, null, { y: 'x', x: '\u2028"\\' }], '': 0, '😀': true };
    expect(canonicalJsonFast(value)).toBe(canonicalJson(value));
  });

  it('eventHash equals hashEvent for generated events', async () => {
    const events = await makeChain(50, {
      extra: { justification: 'Emergency: "threat" reported — señal 😀 \u2028', evidence: { threat: 'x', a: '' } },
    });
    for (const event of events) {
      expect(eventHash(event)).toBe(event.hash);
      expect(eventHash(event)).toBe(await hashEvent(event));
    }
  });

  it('eventHash equals hashEvent on arbitrary strings in every free-text member', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme' }), fc.string(), async (text, other) => {
        const [event] = await makeChain(1, { extra: { justification: text, evidence: { [other || 'k']: text } } });
        if (!event) throw new Error('no event');
        expect(eventHash(event)).toBe(await hashEvent(event));
      }),
      { numRuns: 300 },
    );
  });
});
