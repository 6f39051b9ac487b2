// Refuses regular expressions in adapters that could backtrack catastrophically on a long page text (ReDoS).
// `ret` (the parser behind safe-regex2) gives the token tree; the rule is ours: safe-regex2 itself also
// refuses a bounded `.{0,118}` inside an optional group, which every real header pattern needs.
import tokenizer, { types, type SetToken, type Tokens } from 'ret';
import { z } from 'zod';

export { MAX_PATTERN_INPUT } from '../sis/limits';

type Verdict = { ok: true } | { ok: false; reason: string };

interface Walk {
  /** Whether an enclosing repetition can repeat more than once. */
  insideRepeat: boolean;
  /** Whether an enclosing repetition is unbounded. */
  insideUnbounded: boolean;
}

const children = (token: Tokens): Tokens[][] => {
  const node = token as { stack?: Tokens[]; options?: Tokens[][] };
  if (node.options) return node.options;
  if (node.stack) return [node.stack];
  return [];
};

/**
 * Nested repetition where one level is unbounded ("(a+)+", "(\w+\s?)*", "(x{1,3})+", "(.*a){20}") is the shape
 * that backtracks exponentially or with a high power. Bounded nesting ("(?:.{0,118}\S)?") is fine.
 */
function walk(token: Tokens, state: Walk): string | undefined {
  if (token.type === types.REPETITION) {
    const repeats = token.max > 1;
    const unbounded = token.max === Infinity;
    if (repeats && (state.insideUnbounded || (unbounded && state.insideRepeat))) {
      return 'nests a repeated part inside another (e.g. "(a+)+"), which can backtrack catastrophically on a long text';
    }
    return walk(token.value, {
      insideRepeat: state.insideRepeat || repeats,
      insideUnbounded: state.insideUnbounded || unbounded,
    });
  }
  if (token.type === types.REFERENCE) return 'uses a back-reference';
  for (const branch of children(token)) {
    for (const child of branch) {
      const problem = walk(child, state);
      if (problem) return problem;
    }
  }
  return undefined;
}

export function checkRegex(source: string): Verdict {
  try {
    new RegExp(source, 'iu');
  } catch {
    return { ok: false, reason: 'is not a valid regular expression' };
  }
  let tree: Tokens;
  try {
    tree = tokenizer(source);
  } catch {
    return { ok: false, reason: 'cannot be checked for catastrophic backtracking; simplify it' };
  }
  const problem = walk(tree, { insideRepeat: false, insideUnbounded: false });
  return problem ? { ok: false, reason: problem } : { ok: true };
}

/** Whether a regex has at least one capture group (named groups are refused elsewhere for RE2). */
export function hasCaptureGroup(source: string): boolean {
  try {
    // An empty alternative always matches, so the result lists every group of the pattern.
    return (new RegExp(`${source}|`, 'u').exec('')?.length ?? 0) > 1;
  } catch {
    return false;
  }
}

/** An adapter's regex: compiles (with the `u` flag the runtime uses) and cannot backtrack catastrophically. */
export const SafeRegexSchema = z
  .string()
  .min(1)
  .max(500)
  .superRefine((source, ctx) => {
    const verdict = checkRegex(source);
    if (!verdict.ok) ctx.addIssue({ code: 'custom', message: verdict.reason });
  });

/**
 * Strings the pattern matches, one per top-level alternative (the first branch of inner alternatives, each
 * repeated part its minimum times, at least once): witnesses for telling whether two adapters claim one path.
 */
export function samplesOf(source: string): string[] {
  let tree: Tokens;
  try {
    tree = tokenizer(source);
  } catch {
    return [];
  }
  const charOf = (token: Tokens | SetToken): string => {
    if (token.type === types.CHAR) return String.fromCodePoint(token.value);
    if (token.type === types.RANGE) return String.fromCodePoint(token.from);
    if (token.type === types.SET) {
      if (token.not) return '\u00a7';
      const first = token.set[0];
      return first ? charOf(first) : '';
    }
    return '';
  };
  const sample = (token: Tokens): string => {
    switch (token.type) {
      case types.CHAR:
      case types.SET:
        return charOf(token);
      case types.REPETITION:
        return sample(token.value).repeat(Math.max(1, Math.min(token.min, 5)));
      case types.POSITION:
      case types.REFERENCE:
        return '';
      default: {
        const node = token as { stack?: Tokens[]; options?: Tokens[][]; followedBy?: boolean };
        if ((token as { notFollowedBy?: boolean }).notFollowedBy || node.followedBy) return '';
        const branch = node.options?.[0] ?? node.stack ?? [];
        return branch.map(sample).join('');
      }
    }
  };
  const root = tree as { stack?: Tokens[]; options?: Tokens[][] };
  const branches = root.options ?? [root.stack ?? []];
  return branches.map((branch) => branch.map(sample).join(''));
}
