import { MAX_JSON_DEPTH } from '@crm/contracts/edge';
import { jsonStructureViolation, parseJsonBody } from './json-body';
import { ProblemException } from './problem';

const problemOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    if (error instanceof ProblemException) return error.problem;
    throw error;
  }
  throw new Error('expected a problem');
};

describe('jsonStructureViolation', () => {
  it.each([
    ['brackets and quotes inside strings', '{"a":"{[\\"]}","b":"\\\\","c":["]","}"]}'],
    ['the same key in sibling objects', '{"a":{"k":1},"b":{"k":2},"c":[{"k":1},{"k":2}]}'],
    ['a key equal to a string value', '{"a":"b","b":"a"}'],
    ['empty containers and scalars', '{"a":{},"b":[],"c":null,"d":true,"e":-1.5e3}'],
  ])('accepts %s', (_label, text) => {
    expect(jsonStructureViolation(text)).toBeUndefined();
  });

  it.each([
    ['at the top', '{"a":1,"a":2}', 'a'],
    ['nested, after a string holding a quote', '{"x":"\\"","d":{"k":1,"k":2}}', 'd.k'],
    ['in an array member', '{"events":[{},{"id":1,"id":1}]}', 'events[1].id'],
    ['spelled with an escape', '{"type":1,"\\u0074ype":2}', 'type'],
    ['after a value ending in backslashes', '{"a":"\\\\\\\\","a":1}', 'a'],
  ])('names a duplicate key %s', (_label, text, path) => {
    expect(jsonStructureViolation(text)).toEqual({ path, messages: [expect.stringContaining('duplicate key')] });
  });

  it('allows MAX_JSON_DEPTH levels and names the first container beyond (b opens level 4, so level 33 is 29 arrays below it)', () => {
    expect(jsonStructureViolation('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))).toBeUndefined();
    const deep = `{"a":[{"b":${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}}]}`;
    expect(jsonStructureViolation(deep)).toEqual({ path: `a[0].b${'[0]'.repeat(MAX_JSON_DEPTH - 3)}`, messages: [`objects and arrays may nest at most ${MAX_JSON_DEPTH} levels deep`] });
  });

  it('counts array indexes across nested members', () => {
    expect(jsonStructureViolation('[[1,2],[3],{"a":[0,0,{"k":0,"k":1}]}]')?.path).toBe('[2].a[2].k');
  });
});

describe('parseJsonBody', () => {
  it('parses UTF-8 JSON, with or without a byte order mark', () => {
    expect(parseJsonBody(Buffer.from('{"a":"été"}'), 'application/json; charset=utf-8')).toEqual({ a: 'été' });
    expect(parseJsonBody(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('[1]')]), undefined)).toEqual([1]);
  });

  it('refuses bytes that are not UTF-8 (400), another charset (415), bad syntax (400)', () => {
    expect(problemOf(() => parseJsonBody(Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), undefined))).toMatchObject({ status: 400, title: 'Body is not UTF-8' });
    expect(problemOf(() => parseJsonBody(Buffer.from('{}'), 'application/json; charset="UTF-16"'))).toMatchObject({ status: 415 });
    // Found by the fuzz (apps/platform/test/fuzz.e2e-spec.ts): a charset with no readable value was read as UTF-8.
    expect(problemOf(() => parseJsonBody(Buffer.from("{}"), 'application/json; charset="'))).toMatchObject({ status: 415 });
    expect(problemOf(() => parseJsonBody(Buffer.from("{}"), 'application/json; charset='))).toMatchObject({ status: 415 });
    expect(problemOf(() => parseJsonBody(Buffer.from('{"a":'), undefined))).toMatchObject({ status: 400, title: 'Malformed JSON' });
  });
});
