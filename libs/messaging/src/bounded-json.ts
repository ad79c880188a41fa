import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from './messaging.port';

export interface JsonLimits {
  /** Largest value, in bytes. @defaultValue 256 KiB (a valid interaction event is a few KiB) */
  maxBytes?: number;
  /** Deepest nesting of objects and arrays. @defaultValue 32 (a valid event nests 2 levels) */
  maxDepth?: number;
}

export const DEFAULT_JSON_LIMITS: Required<JsonLimits> = { maxBytes: 256 * 1024, maxDepth: 32 };

export type BoundedJson = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * The JSON value of a message, or why it has none, without ever throwing. The bounds are
 * checked before JSON.parse: a deeply nested value parses, but everything that walks it
 * recursively afterwards (validators, JSON.stringify) overflows the stack with a RangeError.
 */
export function parseMessageJson(message: Pick<IncomingMessage, 'value' | 'valueBytes'>, limits: JsonLimits = {}): BoundedJson {
  const { maxBytes, maxDepth } = { ...DEFAULT_JSON_LIMITS, ...limits };
  if (message.value === null) return { ok: false, reason: 'value is null' };
  if (message.valueBytes && !isUtf8(message.valueBytes)) return { ok: false, reason: 'value is not valid UTF-8' };
  const bytes = message.valueBytes ? message.valueBytes.length : Buffer.byteLength(message.value);
  if (bytes > maxBytes) return { ok: false, reason: `value is ${bytes} bytes, over the limit of ${maxBytes}` };
  if (exceedsJsonDepth(message.value, maxDepth)) return { ok: false, reason: `value nests deeper than ${maxDepth} levels` };
  try {
    return { ok: true, value: JSON.parse(message.value) };
  } catch (error) {
    return { ok: false, reason: `value is not JSON (${(error as Error).message})` };
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/** Whether objects/arrays in `text` nest deeper than `maxDepth`; one pass, brackets inside strings ignored. */
export function exceedsJsonDepth(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
  }
  return false;
}
