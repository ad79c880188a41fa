import Ajv from 'ajv';
import fc from 'fast-check';
import {
  DataKey,
  SEALED_TOKEN_PATTERN,
  generateKeyMaterial,
  isSealedToken,
  keyVersionOf,
  masterKeyId,
  openValue,
  parseMasterKey,
  sealValue,
  unwrapDataKey,
  wrapDataKey,
} from './field-cipher';
import { DataKeyUnwrapError, MasterKeyFormatError, SealedValueError } from './privacy.errors';

const key = (version = 1, customerId = 'c-1'): DataKey => ({ customerId, version, material: generateKeyMaterial() });
const AAD = 'c-1:evt-1';

/** The SealedValueError `open` throws (fails the test when it returns or throws anything else). */
function failureOf(open: () => unknown): SealedValueError {
  let error: unknown;
  try {
    open();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(SealedValueError);
  return error as SealedValueError;
}

/** The token with the payload byte at `index` flipped (re-encoded, so the token stays well-formed). */
function flipByte(token: string, index: number): string {
  const cut = token.lastIndexOf(':') + 1;
  const payload = Buffer.from(token.slice(cut), 'base64url');
  payload[index % payload.length] ^= 0x01;
  return token.slice(0, cut) + payload.toString('base64url');
}

describe('sealed values', () => {
  it('round-trips a value, in the documented token format, with a fresh iv each time', () => {
    const k = key(3);
    const token = sealValue('ana@example.com', k, AAD);
    expect(token).toMatch(/^pii:1:3:[A-Za-z0-9_-]+$/);
    expect(isSealedToken(token)).toBe(true);
    expect(keyVersionOf(token)).toBe(3);
    expect(openValue(token, k, AAD)).toBe('ana@example.com');
    // iv (12) + 15 bytes of ciphertext + tag (16)
    expect(Buffer.from(token.split(':')[3], 'base64url')).toHaveLength(12 + 15 + 16);
    expect(sealValue('ana@example.com', k, AAD)).not.toBe(token);
  });

  it('round-trips any string under any AAD (property)', () => {
    const k = key();
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (plaintext, aad) => {
        const token = sealValue(plaintext, k, aad);
        expect(isSealedToken(token)).toBe(true);
        expect(openValue(token, k, aad)).toBe(plaintext);
      }),
      { numRuns: 200 },
    );
  });

  it('fails to open a token with any byte changed: iv, ciphertext or tag (property)', () => {
    const k = key();
    const token = sealValue('+44 20 7946 0000', k, AAD);
    fc.assert(
      fc.property(fc.nat(), (index) => {
        expect(failureOf(() => openValue(flipByte(token, index), k, AAD)).reason).toBe('authentication-failed');
      }),
      { numRuns: 100 },
    );
  });

  it('fails to open under another AAD or another key, and names a version mismatch', () => {
    const k = key(2);
    const token = sealValue('Ana Lima', k, AAD);
    expect(failureOf(() => openValue(token, k, 'c-1:evt-2')).reason).toBe('authentication-failed');
    expect(failureOf(() => openValue(token, { ...key(2), customerId: 'c-1' }, AAD)).reason).toBe('authentication-failed');
    const mismatch = failureOf(() => openValue(token, { ...k, version: 1 }, AAD));
    expect(mismatch.reason).toBe('key-version-mismatch');
    expect(mismatch.retriable).toBe(false);
  });

  it('refuses what is not a token, and a token whose text was changed without changing its bytes', () => {
    const k = key();
    const token = sealValue('', k, AAD);
    expect(openValue(token, k, AAD)).toBe('');
    for (const bad of ['', 'Ana', 'pii:1:1:', 'pii:2:1:' + token.split(':')[3], 'pii:1:0:' + token.split(':')[3], 'pii:1:1:' + 'A'.repeat(37), `${token}=`, `${token} `]) {
      expect(isSealedToken(bad)).toBe(false);
      expect(failureOf(() => openValue(bad, k, AAD)).reason).toBe('malformed');
    }
    // 28 bytes -> 38 characters, the last one carrying 4 unused bits: its twin decodes to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const twin = token.slice(0, -1) + alphabet[alphabet.indexOf(token[token.length - 1]) ^ 1];
    expect(Buffer.from(twin.split(':')[3], 'base64url').equals(Buffer.from(token.split(':')[3], 'base64url'))).toBe(true);
    expect(failureOf(() => openValue(twin, k, AAD)).reason).toBe('malformed');
    expect(() => keyVersionOf('nope')).toThrow(SealedValueError);
    expect(isSealedToken(42)).toBe(false);
    expect(isSealedToken(null)).toBe(false);
  });

  it('gives a pattern a JSON Schema validator accepts tokens with, and nothing else', () => {
    const validate = new Ajv().compile({ type: 'string', pattern: SEALED_TOKEN_PATTERN });
    expect(validate(sealValue('x', key(12), AAD))).toBe(true);
    expect(validate('ana@example.com')).toBe(false);
    expect(validate('pii:1:1:short')).toBe(false);
  });

  it('refuses keys that are not 32 bytes and versions that are not positive integers', () => {
    expect(() => sealValue('x', { customerId: 'c', version: 1, material: Buffer.alloc(16) }, AAD)).toThrow(/32 bytes/);
    expect(() => sealValue('x', { ...key(), version: 0 }, AAD)).toThrow(TypeError);
    expect(() => sealValue('x', { ...key(), version: 1.5 }, AAD)).toThrow(TypeError);
  });
});

describe('master-key wrapping', () => {
  it('round-trips a data key, and refuses another master key or another AAD', () => {
    const master = generateKeyMaterial();
    const material = generateKeyMaterial();
    const wrapped = wrapDataKey(material, master, 'data-key:c-1#1');
    expect(Buffer.from(wrapped, 'base64')).toHaveLength(12 + 32 + 16);
    expect(unwrapDataKey(wrapped, master, 'data-key:c-1#1').equals(material)).toBe(true);
    expect(() => unwrapDataKey(wrapped, generateKeyMaterial(), 'data-key:c-1#1')).toThrow(DataKeyUnwrapError);
    expect(() => unwrapDataKey(wrapped, master, 'data-key:c-2#1')).toThrow(DataKeyUnwrapError);
    expect(() => unwrapDataKey('AAAA', master, 'data-key:c-1#1')).toThrow(DataKeyUnwrapError);
  });

  it('names a master key by the first 16 hex characters of its sha256', () => {
    const master = Buffer.alloc(32, 7);
    expect(masterKeyId(master)).toBe('4bb06f8e4e3a7715');
    expect(masterKeyId(generateKeyMaterial())).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('parseMasterKey', () => {
  const master = generateKeyMaterial();

  it('accepts 32 bytes as hex, base64 or base64url, padded or not, around whitespace', () => {
    for (const text of [
      master.toString('hex'),
      master.toString('hex').toUpperCase(),
      master.toString('base64'),
      master.toString('base64').replace(/=+$/, ''),
      master.toString('base64url'),
      `  ${master.toString('base64')}\n`,
    ]) {
      expect(parseMasterKey(text).equals(master)).toBe(true);
    }
  });

  it('refuses anything else with a clear error that never repeats the key', () => {
    const cases: [string, RegExp][] = [
      ['', /got an empty value/],
      ['   ', /got an empty value/],
      [master.subarray(0, 16).toString('hex'), /got 16 bytes of hex/],
      [Buffer.concat([master, master]).toString('base64'), /got 64 bytes of base64/],
      [master.subarray(0, 31).toString('base64'), /got 31 bytes of base64/],
      ['not a key at all, clearly!', /neither hex nor base64/],
      [`${master.toString('hex').slice(0, 63)}g`, /neither hex nor base64|bytes of base64/],
    ];
    for (const [text, message] of cases) {
      let error: unknown;
      try {
        parseMasterKey(text);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(MasterKeyFormatError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toMatch(/32 bytes as hex \(64 characters\) or base64 \(44 characters\)/);
      if (text.trim()) expect((error as Error).message).not.toContain(text.trim());
    }
  });
});
