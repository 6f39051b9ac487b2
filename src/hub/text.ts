// PostgreSQL text and jsonb cannot hold U+0000, and an unpaired UTF-16 surrogate does not survive encoding to
// UTF-8 unchanged (it would be stored as U+FFFD, so a resent event would no longer match). Such input is refused.

// With the `u` flag the regex sees code points: a proper surrogate pair is one astral code point outside the
// range, so only U+0000 and unpaired surrogates match.
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const UNSTORABLE = /[\u0000\ud800-\udfff]/u;

const isUnstorable = (text: string): boolean => UNSTORABLE.test(text);

/** The path ("events[2].justification") of the first string or key holding unstorable text, if any. */
export function findUnstorableText(value: unknown, path = ''): string | undefined {
  if (typeof value === 'string') return isUnstorable(value) ? path || '(root)' : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const found = findUnstorableText(value[index], `${path}[${index}]`);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [key, member] of Object.entries(value as Record<string, unknown>)) {
    const child = path === '' ? key : `${path}.${key}`;
    if (isUnstorable(key)) return child;
    const found = findUnstorableText(member, child);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * Whether JSON text may decode to unstorable text. Parsed JSON can only hold U+0000 or an unpaired surrogate
 * through a \u escape (JSON forbids a raw U+0000 in a string, and text decoded from UTF-8 never holds an
 * unpaired surrogate) — the raw characters are looked for too, in case the text came from elsewhere. When this
 * says no, findUnstorableText of the parsed value finds nothing, so a large body is checked by one scan of its
 * text instead of a walk over every value; when it says yes (an escaped surrogate pair such as an emoji, or an
 * escaped backslash before "u0000", also match), the walk decides and names the field.
 */
// eslint-disable-next-line no-control-regex -- U+0000 is exactly what this looks for
const MAYBE_UNSTORABLE_JSON = /\\u(?:0000|[dD][89a-fA-F])|[\u0000\ud800-\udfff]/u;

export const mayHoldUnstorableText = (json: string): boolean => MAYBE_UNSTORABLE_JSON.test(json);
