// Request bodies before parsing: Content-Encoding decoded (or refused) and JSON nesting bounded.
import { Transform, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { FastifyRequest } from 'fastify';
import { HttpError } from './errors';

const DECODERS: Record<string, () => Transform> = {
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * The body as fastify should read it. `identity` (or no header) passes through; gzip, deflate and br are
 * decoded, the decoded bytes counted against `limit` as they come (a small "zip bomb" stops at the limit with
 * 413, never inflating further); any other or a stacked encoding is refused with 415 before a byte is read.
 */
export function decodedBody(request: FastifyRequest, payload: Readable, limit: number): Readable {
  const header = request.headers['content-encoding'];
  if (header === undefined) return payload;
  const encodings = String(header)
    .split(',')
    .map((part) => part.trim().toLowerCase())
    .filter((part) => part !== '' && part !== 'identity');
  if (encodings.length === 0) return payload;
  const make = encodings.length === 1 ? DECODERS[encodings[0] as string] : undefined;
  if (!make) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `Content-Encoding ${String(header).slice(0, 40)} is not supported: send identity, gzip, deflate or br`,
      'content-encoding',
    );
  }
  const encoding = encodings[0] as string;
  const decoder = make();
  let received = 0;
  let decoded = 0;
  const counted = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      decoded += chunk.length;
      if (decoded > limit) {
        payload.unpipe(decoder);
        decoder.destroy();
        callback(new HttpError(413, 'body_too_large', `the decoded body is larger than ${limit} bytes`));
        return;
      }
      callback(null, chunk);
    },
  });
  payload.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  payload.on('error', (error) => counted.destroy(error));
  decoder.on('error', () =>
    counted.destroy(new HttpError(400, 'malformed_json', `the body does not decode as ${encoding}`, 'body')),
  );
  payload.pipe(decoder).pipe(counted);
  // Fastify compares the bytes that arrived (not the decoded ones) with Content-Length.
  Object.defineProperty(counted, 'receivedEncodedLength', { get: () => received });
  return counted;
}

/** No hub body needs more nesting than this (a policy bundle is the deepest, under 20 levels). */
export const MAX_JSON_DEPTH = 64;

/** Whether JSON text nests arrays and objects at most `max` levels deep (strings are skipped). */
export function jsonDepthWithin(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index++; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > max) return false;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return true;
}
