import { ChangeBuffer, StreamedChange, changeId, positionOfId } from './change-buffer';
import { toStreamedChange } from './change-feed';

const change = (position: number, key = 'lifecycleStage'): StreamedChange => ({ id: changeId(position, key)!, position, data: `{"position":${position}}` });
const ids = (changes: StreamedChange[]) => changes.map((c) => c.id);

describe('change ids', () => {
  it('are <position>:<key>, and only for a valid position and key', () => {
    expect(changeId(42, 'trustStage')).toBe('42:trustStage');
    expect(changeId(-1, 'tier')).toBeNull();
    expect(changeId(1.5, 'tier')).toBeNull();
    expect(changeId(1, 'has space')).toBeNull();
    expect(positionOfId('42:trustStage')).toBe(42);
    expect(positionOfId('42')).toBeNull();
    expect(positionOfId('042:tier')).toBeNull();
    expect(positionOfId('x:tier')).toBeNull();
  });
});

describe('ChangeBuffer', () => {
  it('resumes after an id it holds, with the later changes in the order received', () => {
    const buffer = new ChangeBuffer(10);
    [5, 3, 9, 7].forEach((p) => buffer.add(change(p)));
    expect(buffer.after('3:lifecycleStage')).toEqual({ found: true, changes: [change(9), change(7)] });
    expect(buffer.after('7:lifecycleStage')).toEqual({ found: true, changes: [] });
  });

  it('keeps the last `capacity` changes and calls an evicted id expired', () => {
    const buffer = new ChangeBuffer(3);
    [1, 2, 3, 4, 5].forEach((p) => buffer.add(change(p)));
    expect(buffer.size).toBe(3);
    expect([buffer.oldest?.id, buffer.newest?.id]).toEqual(['3:lifecycleStage', '5:lifecycleStage']);
    expect(buffer.after('1:lifecycleStage')).toEqual({ found: false, reason: 'expired' });
    expect(ids((buffer.after('3:lifecycleStage') as { changes: StreamedChange[] }).changes)).toEqual(['4:lifecycleStage', '5:lifecycleStage']);
  });

  it('calls an id it never held unknown, and a malformed one malformed', () => {
    const buffer = new ChangeBuffer(3);
    expect(buffer.after('1:tier')).toEqual({ found: false, reason: 'unknown' });
    buffer.add(change(4));
    expect(buffer.after('9:tier')).toEqual({ found: false, reason: 'unknown' });
    expect(buffer.after('4:tier')).toEqual({ found: false, reason: 'unknown' });
    expect(buffer.after('garbage\n')).toEqual({ found: false, reason: 'malformed' });
  });

  it('drops a redelivered change while its first copy is held', () => {
    const buffer = new ChangeBuffer(5);
    expect(buffer.add(change(1))).toBe(true);
    expect(buffer.add(change(1, 'trustStage'))).toBe(true);
    expect(buffer.add(change(1))).toBe(false);
    expect(buffer.size).toBe(2);
  });

  it('with capacity 0 holds nothing, so every resume is unknown', () => {
    const buffer = new ChangeBuffer(0);
    expect(buffer.add(change(1))).toBe(true);
    expect(buffer.size).toBe(0);
    expect(buffer.newest).toBeUndefined();
    expect(buffer.after('1:lifecycleStage')).toEqual({ found: false, reason: 'unknown' });
  });

  it('stays correct when it wraps around many times', () => {
    const buffer = new ChangeBuffer(4);
    for (let p = 0; p < 1000; p++) buffer.add(change(p));
    expect(ids((buffer.after('997:lifecycleStage') as { changes: StreamedChange[] }).changes)).toEqual(['998:lifecycleStage', '999:lifecycleStage']);
    expect(buffer.after('995:lifecycleStage')).toEqual({ found: false, reason: 'expired' });
  });
});

describe('toStreamedChange', () => {
  const message = (value: string | null) => ({ value });

  it('takes the id from the change itself', () => {
    const value = JSON.stringify({ customerId: 'C-1', key: 'trustStage', from: null, to: 'calculus', eventId: 'e', eventType: 'ContactLogged', occurredAt: '2026-01-01T00:00:00Z', position: 12 });
    expect(toStreamedChange(message(value))).toEqual({ id: '12:trustStage', position: 12, data: value });
  });

  it.each([
    ['null', null],
    ['not JSON', '{"position":'],
    ['no position', '{"customerId":"C","key":"tier"}'],
    ['a string position', '{"customerId":"C","key":"tier","position":"3"}'],
    ['a key with a newline', '{"customerId":"C","key":"ti\\ner","position":3}'],
    ['deep nesting', `{"customerId":"C","key":"tier","position":3,"x":${'['.repeat(50)}${']'.repeat(50)}}`],
  ])('is null for %s, without throwing', (_name, value) => {
    expect(toStreamedChange(message(value))).toBeNull();
  });
});
