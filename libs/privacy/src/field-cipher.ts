import { createCipheriv, createDecipheriv, createHash, randomBytes, randomFillSync } from 'node:crypto';
import { DataKeyUnwrapError, MasterKeyFormatError, SealedValueError } from './privacy.errors';

/**
 * Field encryption for crypto-shredding: personal-data fields are sealed with the customer's
 * data key (AES-256-GCM) into string tokens; destroying the key makes every token unreadable.
 * Data keys are stored wrapped (AES-256-GCM again) under a master key that never touches the store.
 * Pure: node:crypto only, no I/O.
 */

/** One version of one customer's data key, unwrapped. */
export interface DataKey {
  customerId: string;
  /** 1, 2, …: a customer who returns after erasure gets the next version. */
  version: number;
  /** 32 bytes (AES-256). */
  material: Buffer;
}

const ALGORITHM = 'aes-256-gcm';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const TOKEN_PREFIX = 'pii:1:';

/**
 * A sealed token, as a regular-expression source usable in a JSON Schema `pattern`:
 * `pii:1:<keyVersion>:<base64url(iv | ciphertext | tag)>`. The version has at most 15 digits (a
 * safe integer); the payload is at least 38 characters (12-byte iv + 16-byte tag, empty plaintext).
 */
export const SEALED_TOKEN_PATTERN = '^pii:1:[1-9][0-9]{0,14}:[A-Za-z0-9_-]{38,}$';

const SEALED_TOKEN = new RegExp(SEALED_TOKEN_PATTERN);

/** Whether `value` has the shape of a sealed token (says nothing of whether it opens). */
export function isSealedToken(value: unknown): value is string {
  return typeof value === 'string' && SEALED_TOKEN.test(value);
}

/** The data-key version a token was sealed with; SealedValueError('malformed') when it is no token. */
export function keyVersionOf(token: string): number {
  return parseToken(token).version;
}

/**
 * Seals `plaintext` with the key. `aad` binds the token to its place (the caller passes
 * `${customerId}:${eventId}`): the same token under another AAD does not open. A fresh random
 * iv per call, so sealing the same value twice gives different tokens.
 */
export function sealValue(plaintext: string, key: DataKey, aad: string): string {
  checkVersion(key.version);
  const payload = encrypt(key.material, Buffer.from(plaintext, 'utf8'), aad);
  return `${TOKEN_PREFIX}${key.version}:${payload.toString('base64url')}`;
}

/**
 * Opens a token sealed by `sealValue` with the same key and AAD. Throws SealedValueError:
 * 'malformed' (not a token), 'key-version-mismatch' (sealed under another version of the key),
 * 'authentication-failed' (tampered, another key, or another AAD).
 */
export function openValue(token: string, key: DataKey, aad: string): string {
  const { version, payload } = parseToken(token);
  if (version !== key.version) {
    throw new SealedValueError('key-version-mismatch', `token was sealed with key version ${version}, not ${key.version}`);
  }
  const plaintext = decrypt(key.material, payload, aad);
  if (!plaintext) throw new SealedValueError('authentication-failed', `token does not authenticate under key version ${version} and this AAD`);
  return plaintext.toString('utf8');
}

/**
 * Wraps a data key's material under the master key (base64 of iv | ciphertext | tag), so a dump
 * of the key store is useless without the master key. `aad` binds the wrapped key to its
 * customer and version (see `dataKeyAad`), so a record copied onto another row does not unwrap.
 */
export function wrapDataKey(material: Buffer, masterKey: Buffer, aad: string): string {
  checkKeyLength(material, 'data key material');
  return encrypt(masterKey, material, aad).toString('base64');
}

/** The material wrapped by `wrapDataKey`; DataKeyUnwrapError when it does not authenticate. */
export function unwrapDataKey(wrapped: string, masterKey: Buffer, aad: string): Buffer {
  const material = decrypt(masterKey, Buffer.from(wrapped, 'base64'), aad);
  if (!material || material.length !== KEY_BYTES) {
    throw new DataKeyUnwrapError(`wrapped data key (${aad}) does not unwrap under this master key: altered or moved`);
  }
  return material;
}

/**
 * The master key from configuration text: exactly 32 bytes as hex (64 characters) or base64 /
 * base64url (43 or 44 characters); surrounding whitespace is ignored. Errors never quote the text.
 */
export function parseMasterKey(text: string): Buffer {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  const base64 = decodeBase64(trimmed);
  if (base64?.length === KEY_BYTES) return base64;
  const got =
    trimmed === ''
      ? 'an empty value'
      : /^[0-9a-fA-F]+$/.test(trimmed) && trimmed.length % 2 === 0
        ? `${trimmed.length / 2} bytes of hex`
        : base64
          ? `${base64.length} bytes of base64`
          : `${trimmed.length} characters that are neither hex nor base64`;
  throw new MasterKeyFormatError(`master key must be ${KEY_BYTES} bytes as hex (64 characters) or base64 (44 characters), got ${got}`);
}

/**
 * A public name for a master key: the first 16 hex characters of its sha256. Stored with every
 * wrapped key, so starting with the wrong master key fails with a clear error, not a GCM failure.
 */
export function masterKeyId(masterKey: Buffer): string {
  checkKeyLength(masterKey, 'master key');
  return createHash('sha256').update(masterKey).digest('hex').slice(0, 16);
}

/** 32 fresh random bytes: a new data key or master key. */
export function generateKeyMaterial(): Buffer {
  return randomBytes(KEY_BYTES);
}

/**
 * Random ivs drawn from the CSPRNG a pool at a time: one randomFillSync per 512 ivs instead of one
 * per value (a call per 12 bytes was a sixth of the CPU of ingesting registrations). Each iv is
 * used once; the pool is refilled, never reused.
 */
const IV_POOL_SIZE = 512;
let ivPool = Buffer.alloc(0);
let ivAt = 0;
function nextIv(): Buffer {
  if (ivAt + IV_BYTES > ivPool.length) {
    ivPool = randomFillSync(Buffer.allocUnsafe(IV_BYTES * IV_POOL_SIZE));
    ivAt = 0;
  }
  const iv = ivPool.subarray(ivAt, ivAt + IV_BYTES);
  ivAt += IV_BYTES;
  return iv;
}

function encrypt(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  checkKeyLength(key, 'key');
  const iv = nextIv();
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([iv, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** The plaintext, or null when the tag does not verify (or the payload is too short to hold one). */
function decrypt(key: Buffer, payload: Buffer, aad: string): Buffer | null {
  checkKeyLength(key, 'key');
  if (payload.length < IV_BYTES + TAG_BYTES) return null;
  const decipher = createDecipheriv(ALGORITHM, key, payload.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(payload.subarray(payload.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(payload.subarray(IV_BYTES, payload.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}

function parseToken(token: string): { version: number; payload: Buffer } {
  if (!isSealedToken(token)) throw new SealedValueError('malformed', 'not a sealed token (pii:1:<version>:<base64url>)');
  const separator = token.indexOf(':', TOKEN_PREFIX.length);
  const encoded = token.slice(separator + 1);
  const payload = Buffer.from(encoded, 'base64url');
  // Canonical base64url only: a changed character must never decode to the same bytes.
  if (payload.toString('base64url') !== encoded) throw new SealedValueError('malformed', 'sealed token payload is not canonical base64url');
  return { version: Number(token.slice(TOKEN_PREFIX.length, separator)), payload };
}

/** Standard or url-safe base64, padded or not; null unless it re-encodes to the same text (Node decodes leniently). */
function decodeBase64(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) return null;
  const urlSafe = text.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const bytes = Buffer.from(urlSafe, 'base64url');
  return bytes.toString('base64url') === urlSafe ? bytes : null;
}

function checkKeyLength(key: Buffer, what: string): void {
  if (!Buffer.isBuffer(key) || key.length !== KEY_BYTES) {
    throw new TypeError(`${what} must be a Buffer of ${KEY_BYTES} bytes, got ${Buffer.isBuffer(key) ? `${key.length} bytes` : typeof key}`);
  }
}

function checkVersion(version: number): void {
  if (!Number.isSafeInteger(version) || version < 1 || version > 999_999_999_999_999) {
    throw new TypeError(`data key version must be a positive integer of at most 15 digits, got ${version}`);
  }
}
