import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findUnstorableText, mayHoldUnstorableText } from '../../src/hub/text';

// Any UTF-16 code unit, with U+0000 and surrogate halves (paired or not) often.
const unit = fc.oneof(
  fc.integer({ min: 0, max: 0xffff }),
  fc.constantFrom(0, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xd83d, 0xde00, 0x5c, 0x75, 0x22),
);
const text = fc.array(unit, { maxLength: 12 }).map((units) => String.fromCharCode(...units));
const value = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    text,
    fc.integer(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** JSON text of a value, with some characters written as \u escapes in either case, as other writers may. */
const jsonText = fc
  .tuple(value, fc.infiniteStream(fc.boolean()), fc.infiniteStream(fc.boolean()))
  .map(([parsed, escape, upper]) => {
    const out = JSON.stringify(parsed)
      .replace(/\\u([0-9a-f]{4})/g, (_, hex: string) => `\\u${upper.next().value ? hex.toUpperCase() : hex}`)
      .replace(/[^\\"]/g, (char) =>
        escape.next().value && char.charCodeAt(0) > 0x7f
          ? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`
          : char,
      );
    return out;
  });

describe('the quick scan of JSON text for unstorable text', () => {
  it('never misses what the walk over the parsed value finds', () => {
    fc.assert(
      fc.property(jsonText, (json) => {
        if (findUnstorableText(JSON.parse(json)) !== undefined)
          expect(mayHoldUnstorableText(json)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('lets ordinary text through and stops every escape that can decode to U+0000 or a surrogate', () => {
    expect(mayHoldUnstorableText('{"events":[{"justification":"señal \\" \\\\ \\n é 😀"}]}')).toBe(false);
    for (const escape of ['\\u0000', '\\ud800', '\\uDBFF', '\\udc00', '\\uDfFf', '\\ud83d\\ude00'])
      expect(mayHoldUnstorableText(`{"a":"x${escape}"}`)).toBe(true);
    expect(mayHoldUnstorableText('{"a":"\u0000"}')).toBe(true);
    expect(mayHoldUnstorableText('{"a":"\ud800"}')).toBe(true);
    expect(mayHoldUnstorableText('{"a":"\ud83d\ude00"}')).toBe(false); // a raw pair is one code point
  });
});
