// Token-shaped strings never reach a log line, wherever they appear (a URL path, an error message, a header a
// serializer missed). The hub's tokens are `rgh_` and 43 base64url characters (tokens.ts TOKEN_PATTERN); any
// `rgh_` run of 8 or more such characters is cut, so a truncated or mistyped token is hidden too. A bearer
// credential of any other shape after "Bearer " is hidden as well.
import type { DestinationStream } from 'pino';

const TOKEN_LIKE = /rgh_[A-Za-z0-9_-]{8,}/g;
const BEARER = /(bearer\s+)[^\s"',;]+/gi;

export function redactSecrets(text: string): string {
  return text.replace(TOKEN_LIKE, 'rgh_[redacted]').replace(BEARER, '$1[redacted]');
}

/** A log destination that redacts every line before it reaches `target` (stdout by default). */
export function redactingStream(
  target: { write(line: string): unknown } = process.stdout,
): DestinationStream {
  return { write: (line: string) => void target.write(redactSecrets(line)) };
}
