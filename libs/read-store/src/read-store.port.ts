/**
 * The read-store port: where projected views live and where the projector keeps its
 * checkpoint. `commit` writes views and the checkpoint atomically (a SQLite transaction,
 * a Redis MULTI), so a crash can never store one without the other.
 *
 * Besides per-customer views it holds small shared documents (daily call-centre measures, the
 * latest segmentation report) that several projector instances update at once, so they are
 * versioned and written by compare-and-set: read, compute, `putDocuments` with the version read,
 * and on `DocumentVersionConflictError` read again and retry.
 */

export interface ViewRecord<V = unknown> {
  customerId: string;
  /** Global position of the last event folded into this view (the projector's idempotency guard). */
  position: number;
  /** Secondary-index values the list query filters on, e.g. { lifecycleStage: 'expansion' }. */
  indexes: Record<string, string>;
  view: V;
}

export interface Checkpoint {
  name: string;
  /** Position of the last event whose effects are stored; -1 before the first. */
  position: number;
}

export interface ViewCommit<V = unknown> {
  views: ViewRecord<V>[];
  checkpoint?: Checkpoint;
}

export interface ListViewsQuery {
  /** Every key must match (AND). */
  filter?: Record<string, string>;
  /** Return customers whose id sorts after this (the previous page's nextCursor). */
  after?: string;
  /** @defaultValue 50 */
  limit?: number;
}

export interface ViewPage<V = unknown> {
  items: ViewRecord<V>[];
  /** Pass as `after` to get the next page; null on the last page. */
  nextCursor: string | null;
}

export interface StoredDocument<T = unknown> {
  name: string;
  /** 1 after the first write, +1 per write. */
  version: number;
  value: T;
}

export interface DocumentWrite {
  /** A non-empty string; at most once per batch. */
  name: string;
  /** The version this write was computed from: 0 when the document must not exist yet. */
  expectedVersion: number;
  /** Stored as JSON. */
  value: unknown;
}

export interface ListDocumentNamesOptions {
  /** Return names sorting after this one (the previous page's nextCursor). */
  after?: string;
  /** @defaultValue 100 */
  limit?: number;
}

export interface DocumentNamePage {
  names: string[];
  /** Pass as `after` to get the next page; null on the last page. */
  nextCursor: string | null;
}

/**
 * A compare-and-set write lost the race: some document's stored version was not the expected
 * one, so nothing of the batch was written. Read the documents again and retry.
 */
export class DocumentVersionConflictError extends Error {
  /** Retrying with freshly read versions can succeed (kafkajs-style flag). */
  readonly retriable = true;

  /** `names`: the conflicting documents, in batch order. */
  constructor(readonly names: string[]) {
    super(`document version conflict: ${names.join(', ')}`);
    this.name = 'DocumentVersionConflictError';
  }
}

export abstract class ReadStore {
  abstract getView<V>(customerId: string): Promise<ViewRecord<V> | null>;

  /** Views of the given ids that exist, keyed by id. */
  abstract getViews<V>(customerIds: readonly string[]): Promise<Map<string, ViewRecord<V>>>;

  /** Writes every view and the checkpoint in one atomic step. */
  abstract commit<V>(commit: ViewCommit<V>): Promise<void>;

  /** -1 when the checkpoint was never written. */
  abstract getCheckpoint(name: string): Promise<number>;

  /** Paged by customer id, ascending. */
  abstract listViews<V>(query?: ListViewsQuery): Promise<ViewPage<V>>;

  /** Every view, in customer-id order, streamed (for population passes). */
  abstract scanViews<V>(options?: { batchSize?: number }): AsyncIterable<ViewRecord<V>>;

  abstract countViews(filter?: Record<string, string>): Promise<number>;

  /** Documents by name that exist (version ≥ 1). */
  abstract getDocuments<T>(names: readonly string[]): Promise<Map<string, StoredDocument<T>>>;

  /**
   * Writes every document atomically if each one's stored version equals `expectedVersion`
   * (0 = must not exist); each written document's version becomes expectedVersion + 1.
   * On any mismatch nothing is written and DocumentVersionConflictError lists the conflicting names.
   * An invalid batch (empty or repeated name, expectedVersion not a non-negative safe integer,
   * value not JSON-serialisable) throws a TypeError and writes nothing.
   */
  abstract putDocuments(documents: readonly DocumentWrite[]): Promise<void>;

  /**
   * Names starting with the prefix, ascending (by UTF-8 bytes), paged like listViews
   * (`after` exclusive, limit default 100; a limit that is not a positive integer is a RangeError).
   */
  abstract listDocumentNames(prefix: string, options?: ListDocumentNamesOptions): Promise<DocumentNamePage>;

  /** Removes every view, checkpoint and document (before a rebuild). */
  abstract clear(): Promise<void>;

  abstract close(): Promise<void>;

  /**
   * For adapters: the batch validated and each value serialised, so an invalid batch fails
   * before anything is read or written (same rules for every adapter).
   */
  protected serialiseDocumentWrites(documents: readonly DocumentWrite[]): { name: string; expectedVersion: number; json: string }[] {
    const seen = new Set<string>();
    return documents.map(({ name, expectedVersion, value }) => {
      if (typeof name !== 'string' || name === '') throw new TypeError('document name must be a non-empty string');
      if (seen.has(name)) throw new TypeError(`document ${name} appears more than once in one putDocuments batch`);
      seen.add(name);
      if (!Number.isSafeInteger(expectedVersion) || expectedVersion < 0) {
        throw new TypeError(`expectedVersion of document ${name} must be a non-negative safe integer, got ${expectedVersion}`);
      }
      const json = JSON.stringify(value) as string | undefined;
      if (json === undefined) throw new TypeError(`document ${name} is not JSON-serialisable`);
      return { name, expectedVersion, json };
    });
  }

  /** For adapters: listDocumentNames' limit, defaulted and checked. */
  protected documentPageLimit(limit: number | undefined): number {
    const checked = limit ?? 100;
    if (!Number.isSafeInteger(checked) || checked < 1) throw new RangeError(`limit must be a positive integer, got ${checked}`);
    return checked;
  }

  /**
   * For adapters: a page of names from `candidates` — the names at or after the page start in
   * ascending order, at most limit + 1 of them — cut at the first one outside the prefix (the
   * names with a prefix are contiguous in byte order).
   */
  protected documentNamePage(candidates: readonly string[], prefix: string, limit: number): DocumentNamePage {
    const end = candidates.findIndex((name) => !name.startsWith(prefix));
    const matching = end === -1 ? candidates : candidates.slice(0, end);
    const names = matching.slice(0, limit);
    return { names, nextCursor: matching.length > limit ? names[names.length - 1] : null };
  }
}
