// Every message the extension shows exists in English and Spanish, and the Spanish is not the English copied.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const messages = (lang: 'en' | 'es'): Record<string, { message: string }> =>
  JSON.parse(
    readFileSync(new URL(`../../public/_locales/${lang}/messages.json`, import.meta.url), 'utf8'),
  ) as Record<string, { message: string }>;

describe('_locales', () => {
  const en = messages('en');
  const es = messages('es');

  it('has the same keys in English and Spanish', () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
  });

  it.each([
    'gateIdentityUnknown',
    'hardeningTitle',
    'hardeningHardened',
    'hardeningUnhardened',
    'hardeningOk',
    'hardeningFinding',
    'hardeningNotCheckable',
  ])('%s is translated', (key) => {
    expect(en[key]?.message.length).toBeGreaterThan(3);
    expect(es[key]?.message.length).toBeGreaterThan(3);
    expect(es[key]?.message).not.toBe(en[key]?.message);
  });
});
