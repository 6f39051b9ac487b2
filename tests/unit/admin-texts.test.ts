// The options page's admin view speaks English and Spanish: every text has both, and the Spanish is not the
// English copied; placeholders agree.
import { describe, expect, it } from 'vitest';
import { ADMIN_TEXTS } from '../../src/ui/admin-texts';

describe('admin view texts', () => {
  it.each(Object.entries(ADMIN_TEXTS))(
    '%s is in English and Spanish with the same placeholders',
    (_key, text) => {
      expect(text.en.length).toBeGreaterThan(1);
      expect(text.es.length).toBeGreaterThan(1);
      const placeholders = (value: string) =>
        [...value.matchAll(/\{(\w+)\}/g)].map((match) => match[1]).sort();
      expect(placeholders(text.es)).toEqual(placeholders(text.en));
      // Short words may be the same in both languages (a key id label); sentences must not be.
      if (text.en.includes(' ')) expect(text.es).not.toBe(text.en);
    },
  );
});
