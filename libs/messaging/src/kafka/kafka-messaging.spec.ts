import { asRestartableError, chunksBySize } from './kafka-messaging';

describe('chunksBySize', () => {
  it('splits a publish into consecutive sends under the size limit, keeping order', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: 'x'.repeat(300) }));
    const chunks = chunksBySize(messages, 1000);
    expect(chunks.flat()).toEqual(messages);
    expect(chunks.every((c) => c.length <= 2)).toBe(true);
  });

  it('sends an oversized message alone rather than dropping it', () => {
    const big = { key: 'big', value: 'y'.repeat(5000) };
    expect(chunksBySize([{ key: 'a', value: 'a' }, big, { key: 'b', value: 'b' }], 1000)).toEqual([[{ key: 'a', value: 'a' }], [big], [{ key: 'b', value: 'b' }]]);
  });
});

describe('asRestartableError', () => {
  // kafkajs (retry/index.js) never retries these names, and stops the consumer for good.
  it.each([new RangeError('Maximum call stack size exceeded'), new TypeError('x is undefined'), new SyntaxError('bad'), Object.assign(new Error('too large'), { retriable: false })])(
    'makes a handler %s an error kafkajs retries and restarts on, keeping the original as its cause',
    (error) => {
      const wrapped = asRestartableError(error);
      expect(wrapped.name).toBe('BatchHandlerError');
      expect(['RangeError', 'ReferenceError', 'SyntaxError', 'TypeError']).not.toContain(wrapped.name);
      expect((wrapped as { retriable?: boolean }).retriable).toBeUndefined();
      expect(wrapped.cause).toBe(error);
      expect(wrapped.message).toContain(error.message);
    },
  );
});
