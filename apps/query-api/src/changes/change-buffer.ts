/**
 * One change as the stream sends it. `id` is the change's identity, the same in every process
 * and in both modes: `<position>:<key>`, the global position of the causing event and the index
 * that changed (one event changes each index at most once).
 */
export interface StreamedChange {
  id: string;
  position: number;
  /** The change as JSON, as the projector published it. */
  data: string;
}

const KEY = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const ID = /^(0|[1-9][0-9]{0,15}):([A-Za-z][A-Za-z0-9_-]{0,63})$/;

/** The id of the change of `key` caused by the event at `position`; null when either cannot be part of one. */
export function changeId(position: number, key: string): string | null {
  return Number.isSafeInteger(position) && position >= 0 && KEY.test(key) ? `${position}:${key}` : null;
}

/** The position of a well-formed id, or null. */
export function positionOfId(id: string): number | null {
  const match = ID.exec(id);
  if (!match) return null;
  const position = Number(match[1]);
  return Number.isSafeInteger(position) ? position : null;
}

export type Resume =
  | { found: true; changes: StreamedChange[] }
  /**
   * malformed: not `<position>:<key>`; expired: at or below the position of a change the buffer
   * dropped (it moved past it); unknown: not held for another reason (from before this process
   * started, from another deployment or instance that is ahead, or never received).
   */
  | { found: false; reason: 'malformed' | 'expired' | 'unknown' };

/**
 * The last `capacity` changes in the order this process received them, each id once (a
 * redelivered change is dropped while its first copy is held).
 */
export class ChangeBuffer {
  private readonly ring: (StreamedChange | undefined)[];
  private readonly sequenceOf = new Map<string, number>();
  /** Changes ever added: the sequence number of the next one. */
  private next = 0;
  /** An id at or below this position that is not held was most likely held and dropped. */
  private highestEvicted = -1;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 0) throw new RangeError(`ChangeBuffer capacity must be a non-negative integer, not ${capacity}`);
    this.ring = new Array(capacity);
  }

  get size(): number {
    return Math.min(this.next, this.capacity);
  }

  get newest(): StreamedChange | undefined {
    return this.size === 0 ? undefined : this.ring[(this.next - 1) % this.capacity];
  }

  get oldest(): StreamedChange | undefined {
    return this.size === 0 ? undefined : this.ring[(this.next - this.size) % this.capacity];
  }

  /** False when the change is a duplicate of one still held. */
  add(change: StreamedChange): boolean {
    if (this.capacity === 0) return true;
    if (this.sequenceOf.has(change.id)) return false;
    const slot = this.next % this.capacity;
    const evicted = this.ring[slot];
    if (evicted) {
      this.sequenceOf.delete(evicted.id);
      this.highestEvicted = Math.max(this.highestEvicted, evicted.position);
    }
    this.ring[slot] = change;
    this.sequenceOf.set(change.id, this.next++);
    return true;
  }

  /** The changes received after the one with `id`, oldest first, or why they cannot be told. */
  after(id: string): Resume {
    const position = positionOfId(id);
    if (position === null) return { found: false, reason: 'malformed' };
    const sequence = this.sequenceOf.get(id);
    if (sequence === undefined) return { found: false, reason: position <= this.highestEvicted ? 'expired' : 'unknown' };
    const changes: StreamedChange[] = [];
    for (let s = sequence + 1; s < this.next; s++) changes.push(this.ring[s % this.capacity]!);
    return { found: true, changes };
  }

}
