import { logsAsJson } from './logging';

describe('logsAsJson', () => {
  it('is JSON when asked, or when nobody reads a terminal; readable lines in a terminal', () => {
    expect(logsAsJson('json', true)).toBe(true);
    expect(logsAsJson('pretty', false)).toBe(false);
    expect(logsAsJson('auto', false)).toBe(true);
    expect(logsAsJson('auto', true)).toBe(false);
  });
});
