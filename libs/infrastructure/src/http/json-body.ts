import { isUtf8 } from 'node:buffer';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { MAX_JSON_DEPTH, type Violation, tooDeepMessage } from '@crm/contracts/edge';
import { ProblemException, validationProblem } from './problem';

/** The media types read as JSON: application/json and the structured-syntax suffix +json. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

const joinPath = (prefix: string, key: string | number): string =>
  typeof key === 'number' || /^\d+$/.test(key) ? `${prefix}[${key}]` : prefix === '' ? key : `${prefix}.${key}`;

interface Frame {
  object: boolean;
  keys: Set<string> | null;
  /** The member being read: the last key of an object, the index in an array. */
  key: string;
  index: number;
  expectKey: boolean;
}

const pathOf = (stack: readonly Frame[], upTo = stack.length): string =>
  stack.slice(0, upTo).reduce((path, frame) => joinPath(path, frame.object ? frame.key : frame.index), '');

/** Index of the quote closing the string that opens at `start`. */
function endOfString(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

/**
 * What JSON.parse accepts silently but the platform refuses, found in one pass over valid JSON
 * text: nesting deeper than `maxDepth` (recursive tools downstream would overflow the stack) and
 * a key repeated in one object (JSON.parse keeps the last; another reader may keep the first).
 */
export function jsonStructureViolation(text: string, maxDepth: number = MAX_JSON_DEPTH): Violation | undefined {
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const end = endOfString(text, i);
      const top = stack[stack.length - 1];
      if (top?.object && top.expectKey) {
        const literal = text.slice(i + 1, end);
        const key = literal.includes('\\') ? (JSON.parse(text.slice(i, end + 1)) as string) : literal;
        if (top.keys!.has(key)) {
          return { path: joinPath(pathOf(stack, stack.length - 1), key), messages: [`duplicate key ${JSON.stringify(key)}: a key may appear only once in an object`] };
        }
        top.keys!.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = end;
    } else if (c === 0x7b || c === 0x5b) {
      if (stack.length >= maxDepth) return { path: pathOf(stack), messages: [tooDeepMessage(maxDepth)] };
      const object = c === 0x7b;
      stack.push({ object, keys: object ? new Set() : null, key: '', index: 0, expectKey: object });
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
    } else if (c === 0x2c) {
      const top = stack[stack.length - 1];
      if (top.object) top.expectKey = true;
      else top.index++;
    }
  }
  return undefined;
}

const CHARSET = /;\s*charset\s*=\s*"?([^";\s]+)"?/i;

/**
 * Parses a JSON request body strictly: UTF-8 only (a byte sequence that is not UTF-8 is refused,
 * never replaced by U+FFFD), valid JSON, at most MAX_JSON_DEPTH levels, no duplicate keys.
 * Failures are problem documents (415 for another charset, 400 otherwise).
 */
export function parseJsonBody(body: Buffer, contentType: string | undefined): unknown {
  const charset = CHARSET.exec(contentType ?? '')?.[1]?.toLowerCase();
  if (charset === undefined && /;\s*charset\s*=/i.test(contentType ?? '')) {
    // `charset=` with no readable value (`charset="`): not read as UTF-8 by guess.
    throw new ProblemException(415, 'unsupported-media-type', 'Unsupported media type', 'The charset parameter of the Content-Type has no readable value; JSON is read as UTF-8 (charset=utf-8).');
  }
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ProblemException(415, 'unsupported-media-type', 'Unsupported media type', `JSON is read as UTF-8; charset ${charset} is not supported.`);
  }
  if (!isUtf8(body)) {
    throw new ProblemException(400, 'invalid-utf8', 'Body is not UTF-8', 'The body contains bytes that are not valid UTF-8; JSON must be UTF-8 encoded.', {
      violations: [{ path: '', messages: ['body is not valid UTF-8'] }],
    });
  }
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // RFC 8259 §8.1: a BOM may be ignored
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ProblemException(400, 'malformed-json', 'Malformed JSON', 'The body is not valid JSON.', {
      violations: [{ path: '', messages: [`body is not valid JSON: ${(error as Error).message}`] }],
    });
  }
  if (typeof value === 'object' && value !== null) {
    const violation = jsonStructureViolation(text);
    if (violation) throw validationProblem([violation]);
  }
  return value;
}

/**
 * Express middleware after a raw body reader (which enforces the size limit and inflates
 * Content-Encoding): turns a JSON body Buffer into the parsed value, or passes the problem on.
 * An empty body stays undefined.
 */
export function jsonBodyParser(): RequestHandler {
  return (request: Request, _response: Response, next: NextFunction) => {
    if (!Buffer.isBuffer(request.body)) return next();
    try {
      request.body = request.body.length === 0 ? undefined : parseJsonBody(request.body, request.headers['content-type']);
      next();
    } catch (error) {
      next(error);
    }
  };
}
