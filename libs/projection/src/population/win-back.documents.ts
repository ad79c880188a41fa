import { DocumentVersionConflictError, ReadStore } from '@crm/read-store';
import { WinBackBasis, WinBackEntry, WinBackGroup, WinBackKey, compareWinBack } from '@crm/domain';

/**
 * Where the win-back priorities live: documents in the read store, sharded so that no document
 * grows with the population.
 *
 * - `win-back:index` names every shard: per reason its count, total value and the shards in
 *   rank order with their first and last ranking keys, plus the version of every shard
 *   document (the compare-and-set writes need them without reading the shards).
 * - `win-back:<reason>:<n>` holds ranks n·chunkSize+1 … (n+1)·chunkSize of that reason.
 *
 * A pass writes the index and every shard in ONE putDocuments batch (atomic, compare-and-set on
 * the index), so a reader never sees shards of two passes; a shard a smaller list no longer
 * uses is emptied in the same batch. A reader checks each shard's version against the index
 * and reads again when a pass landed in between. Each reason keeps at most `maxPerReason`
 * entries (the top of the ranking; `stored` < `customers` says it was cut) so that one pass's
 * batch stays bounded too.
 */
export const WIN_BACK_INDEX_DOCUMENT = 'win-back:index';
export const WIN_BACK_CHUNK_SIZE = 1000;
export const WIN_BACK_MAX_PER_REASON = 100_000;
const ATTEMPTS = 5;

export interface WinBackShard {
  name: string;
  first: WinBackKey;
  last: WinBackKey;
}

export interface WinBackIndexReason {
  reason: string;
  /** Lost customers with this reason as of asOf. */
  customers: number;
  /** Entries kept (≤ maxPerReason). */
  stored: number;
  /** Σ winBackValue of all of them. */
  winBackValue: number;
  shards: WinBackShard[];
}

export interface WinBackIndex {
  asOf: string;
  chunkSize: number;
  basis: WinBackBasis;
  reasons: WinBackIndexReason[];
  /** Every shard document this index family has written and its version (emptied ones included). */
  documents: { name: string; version: number; size: number }[];
}

interface WinBackShardDocument {
  asOf: string;
  reason: string | null;
  entries: WinBackEntry[];
}

const shardName = (reason: string, n: number) => `win-back:${reason}:${String(n).padStart(6, '0')}`;
const keyOf = (e: WinBackEntry): WinBackKey => ({ winBackValue: e.winBackValue, customerId: e.customerId });

/**
 * Stores a pass's priorities unless a pass of a later asOf already did (the same rule as the
 * segments report). Returns false when it left a later one in place.
 */
export async function storeWinBack(
  readStore: ReadStore,
  asOf: string,
  winBack: { basis: WinBackBasis; groups: readonly WinBackGroup[] },
  { chunkSize = WIN_BACK_CHUNK_SIZE, maxPerReason = WIN_BACK_MAX_PER_REASON }: { chunkSize?: number; maxPerReason?: number } = {},
): Promise<boolean> {
  const observed = new Map<string, number>(); // versions read directly after a conflict
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = (await readStore.getDocuments<WinBackIndex>([WIN_BACK_INDEX_DOCUMENT])).get(WIN_BACK_INDEX_DOCUMENT);
    if (current && Date.parse(current.value.asOf) > Date.parse(asOf)) return false;
    const known = new Map((current?.value.documents ?? []).map((d) => [d.name, d] as const));
    // Versions only grow: the larger of what the index recorded and what a conflict showed.
    const versionOf = (name: string) => Math.max(observed.get(name) ?? 0, known.get(name)?.version ?? 0);

    const writes: { name: string; expectedVersion: number; value: WinBackShardDocument }[] = [];
    const documents = new Map<string, { name: string; version: number; size: number }>();
    const reasons: WinBackIndexReason[] = [];
    for (const group of winBack.groups) {
      const kept = group.entries.slice(0, maxPerReason);
      const shards: WinBackShard[] = [];
      for (let n = 0; n * chunkSize < kept.length; n++) {
        const entries = kept.slice(n * chunkSize, (n + 1) * chunkSize);
        const name = shardName(group.reason, n);
        writes.push({ name, expectedVersion: versionOf(name), value: { asOf, reason: group.reason, entries } });
        documents.set(name, { name, version: versionOf(name) + 1, size: entries.length });
        shards.push({ name, first: keyOf(entries[0]), last: keyOf(entries[entries.length - 1]) });
      }
      reasons.push({ reason: group.reason, customers: group.customers, stored: kept.length, winBackValue: group.winBackValue, shards });
    }
    for (const old of known.values()) {
      if (documents.has(old.name)) continue;
      if (old.size === 0 && !observed.has(old.name)) {
        documents.set(old.name, old);
        continue;
      }
      writes.push({ name: old.name, expectedVersion: versionOf(old.name), value: { asOf, reason: null, entries: [] } });
      documents.set(old.name, { name: old.name, version: versionOf(old.name) + 1, size: 0 });
    }
    const index: WinBackIndex = { asOf, chunkSize, basis: winBack.basis, reasons, documents: [...documents.values()].sort((a, b) => (a.name < b.name ? -1 : 1)) };
    try {
      await readStore.putDocuments([...writes, { name: WIN_BACK_INDEX_DOCUMENT, expectedVersion: current?.version ?? 0, value: index }]);
      return true;
    } catch (error) {
      if (!(error instanceof DocumentVersionConflictError)) throw error;
      // A shard the index does not know (or knows at another version): read its version once.
      const shardsInConflict = error.names.filter((name) => name !== WIN_BACK_INDEX_DOCUMENT);
      const stored = await readStore.getDocuments(shardsInConflict);
      for (const name of shardsInConflict) observed.set(name, stored.get(name)?.version ?? 0);
    }
  }
  throw new Error(`win-back documents: compare-and-set lost ${ATTEMPTS} times in a row`);
}

export interface WinBackPage {
  asOf: string;
  /** The reason filtered on; null for every reason. */
  reason: string | null;
  basis: WinBackBasis;
  /** Lost customers matching (with or without the cut at maxPerReason). */
  total: number;
  /** Entries that can be paged through (≤ total). */
  stored: number;
  nextCursor: string | null;
  items: WinBackEntry[];
}

export class InvalidWinBackCursorError extends Error {
  readonly retriable = false;
  constructor() {
    super('after is not a cursor of the win-back list');
    this.name = 'InvalidWinBackCursorError';
  }
}

/** Opaque cursor: the ranking key of the last item of a page (base64url JSON). */
export function encodeWinBackCursor(key: WinBackKey): string {
  return Buffer.from(JSON.stringify([key.winBackValue, key.customerId]), 'utf8').toString('base64url');
}

export function decodeWinBackCursor(cursor: string): WinBackKey {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && parsed.length === 2 && Number.isSafeInteger(parsed[0]) && typeof parsed[1] === 'string') {
      return { winBackValue: parsed[0] as number, customerId: parsed[1] as string };
    }
  } catch {
    // fall through
  }
  throw new InvalidWinBackCursorError();
}

class ShardMovedError extends Error {}

/**
 * One page of the ranking (winBackValue descending, customerId ascending), of one reason or of
 * every reason merged. The cursor is a ranking key, not an offset: a page after a new pass goes
 * on from where the previous one stopped in the new ranking. null when no pass stored one yet.
 */
export async function readWinBackPage(
  readStore: ReadStore,
  { reason, limit, after }: { reason?: string; limit: number; after?: string },
): Promise<WinBackPage | null> {
  const cursor = after === undefined ? null : decodeWinBackCursor(after);
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const indexDocument = (await readStore.getDocuments<WinBackIndex>([WIN_BACK_INDEX_DOCUMENT])).get(WIN_BACK_INDEX_DOCUMENT);
    if (!indexDocument) return null;
    const index = indexDocument.value;
    const versions = new Map(index.documents.map((d) => [d.name, d.version] as const));
    const reasons = index.reasons.filter((r) => reason === undefined || r.reason === reason);
    try {
      const candidates: WinBackEntry[] = [];
      for (const r of reasons) candidates.push(...(await entriesAfter(readStore, r, versions, cursor, limit + 1)));
      candidates.sort(compareWinBack);
      const items = candidates.slice(0, limit);
      return {
        asOf: index.asOf,
        reason: reason ?? null,
        basis: index.basis,
        total: reasons.reduce((s, r) => s + r.customers, 0),
        stored: reasons.reduce((s, r) => s + r.stored, 0),
        nextCursor: candidates.length > limit ? encodeWinBackCursor(items[items.length - 1]) : null,
        items,
      };
    } catch (error) {
      if (!(error instanceof ShardMovedError)) throw error;
    }
  }
  throw new Error(`win-back documents changed under ${ATTEMPTS} reads in a row`);
}

/** Up to `wanted` entries of one reason after the cursor, reading only the shards needed. */
async function entriesAfter(
  readStore: ReadStore,
  reason: WinBackIndexReason,
  versions: Map<string, number>,
  cursor: WinBackKey | null,
  wanted: number,
): Promise<WinBackEntry[]> {
  const out: WinBackEntry[] = [];
  let i = cursor === null ? 0 : reason.shards.findIndex((s) => compareWinBack(s.last, cursor) > 0);
  if (i === -1) return out;
  for (; i < reason.shards.length && out.length < wanted; i++) {
    const name = reason.shards[i].name;
    const shard = (await readStore.getDocuments<WinBackShardDocument>([name])).get(name);
    if (!shard || shard.version !== versions.get(name)) throw new ShardMovedError();
    for (const e of shard.value.entries) {
      if (cursor !== null && compareWinBack(e, cursor) <= 0) continue;
      out.push(e);
      if (out.length >= wanted) break;
    }
  }
  return out;
}
