import { DEFAULT_JSON_LIMITS, exceedsJsonDepth, parseMessageJson } from './bounded-json';

describe('parseMessageJson', () => {
  const text = (value: string) => ({ value });

  it('parses a value within the bounds', () => {
    expect(parseMessageJson(text('{"a":[1,{"b":2}]}'))).toEqual({ ok: true, value: { a: [1, { b: 2 }] } });
  });

  it.each([
    ['null', { value: null }, 'value is null'],
    ['not JSON', text('{"a":'), /^value is not JSON \(/],
    ['not UTF-8', { value: '\ufffd', valueBytes: Buffer.from([0xc3, 0x28]) }, 'value is not valid UTF-8'],
    ['over the size limit', text(JSON.stringify({ a: 'x'.repeat(DEFAULT_JSON_LIMITS.maxBytes) })), /^value is \d+ bytes, over the limit of 262144$/],
    ['20,000 levels deep (~240 KB)', text('{"a":'.repeat(20_000) + '1' + '}'.repeat(20_000)), 'value nests deeper than 32 levels'],
  ])('refuses a value that is %s, without throwing', (_name, message, reason) => {
    const result = parseMessageJson(message);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });

  it('measures the bytes, not the characters', () => {
    expect(parseMessageJson(text('"ééé"'), { maxBytes: 8 })).toEqual({ ok: true, value: 'ééé' });
    expect(parseMessageJson(text('"éééé"'), { maxBytes: 8 })).toMatchObject({ ok: false });
  });
});

describe('exceedsJsonDepth', () => {
  it('counts objects and arrays, and ignores brackets in strings and escaped quotes', () => {
    expect(exceedsJsonDepth('[[[]]]', 3)).toBe(false);
    expect(exceedsJsonDepth('[[[[]]]]', 3)).toBe(true);
    expect(exceedsJsonDepth('{"a":"[[[[[[\\"[[[[","b":[1]}', 2)).toBe(false);
    expect(exceedsJsonDepth('[1,[2],[3],[4]]', 2)).toBe(false);
  });
});
