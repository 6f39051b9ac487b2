// Constants the content script shares with the schema and the roster, kept free of zod so the page script
// stays small.

/** Page text longer than this is cut before any adapter pattern runs on it (the run-time ReDoS bound). */
export const MAX_PATTERN_INPUT = 1000;

/** Where a section's `heading` is looked for unless it names its own `headingSelector`. */
export const DEFAULT_HEADINGS = 'h1, h2, h3, [role="heading"]';

/**
 * How display names compare (the roster's against the page's): case-insensitively, any run of white space as
 * one space. Here so that the content script and the roster compare them the same way.
 */
export const displayNameKey = (name: string): string => name.replace(/\s+/gu, ' ').trim().toLowerCase();
